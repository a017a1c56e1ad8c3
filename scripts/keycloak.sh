#!/usr/bin/env bash
# Keycloak's server distribution for the tests and dev mode, at the version in keycloak/VERSION.
#
#   scripts/keycloak.sh fetch      download with Maven (org.keycloak:keycloak-quarkus-dist, tar.gz),
#                                  check it against keycloak/dist.sha512, unpack under .cache/keycloak/
#                                  (git-ignored) and build it once for start-dev; quick when there
#   scripts/keycloak.sh start-dev RUN_DIR IMPORT_FILE... -- [kc.sh options]
#                                  run `kc.sh start-dev --import-realm` with its own home RUN_DIR
#                                  (data, the IMPORT_FILEs to import, the repository's themes)
#                                  sharing the distribution; in-memory H2, health on the management port
#   scripts/keycloak.sh home       print the unpacked distribution's directory (fails when missing)
#   scripts/keycloak.sh java       print the JAVA_HOME Keycloak runs on (newest JDK 21+, else 17+)
#   scripts/keycloak.sh version    print the pinned version
#   scripts/keycloak.sh sync-chart copy the realm, dev users, theme and entry point into the
#                                  chart's files/keycloak/ (Helm reads files inside the chart
#                                  only; tests/deploy fails while the copies differ)
#
# The same version is the image tag of docker-compose.yml and the chart (tests/deploy checks it).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO="$PWD"

VERSION="$(tr -d '[:space:]' <keycloak/VERSION)"
CACHE="${KEYCLOAK_CACHE_DIR:-$REPO/.cache/keycloak}"
ARCHIVE="keycloak-quarkus-dist-$VERSION.tar.gz"
HOME_DIR="$CACHE/keycloak-$VERSION"
# Written last, once the archive matched the pinned checksum and the build step succeeded.
MARKER="$HOME_DIR/.verified"

log() { printf '==> keycloak: %s\n' "$*" >&2; }
die() { printf 'keycloak: %s\n' "$*" >&2; exit 1; }

java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -n1; }

find_java() {
  local candidates=() best="" best_major=0 home major
  [ -n "${KEYCLOAK_JAVA_HOME:-}" ] && candidates+=("$KEYCLOAK_JAVA_HOME")
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for home in /usr/lib/jvm/*; do [ -x "$home/bin/java" ] && candidates+=("$home"); done
  if command -v java >/dev/null; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"); fi
  for home in "${candidates[@]}"; do
    [ -x "$home/bin/java" ] || continue
    major="$(java_major "$home")"
    [[ "$major" =~ ^[0-9]+$ ]] || continue
    if [ -n "${KEYCLOAK_JAVA_HOME:-}" ] && [ "$home" = "$KEYCLOAK_JAVA_HOME" ] && [ "$major" -ge 17 ]; then
      echo "$home"; return 0
    fi
    if [ "$major" -gt "$best_major" ]; then best="$home"; best_major="$major"; fi
  done
  [ "$best_major" -ge 17 ] || die "no Java 17+ found (Keycloak $VERSION needs Java 17 or newer, 21+ preferred): install a JDK under /usr/lib/jvm or set KEYCLOAK_JAVA_HOME"
  echo "$best"
}

fetch() {
  if [ -f "$MARKER" ] && [ -x "$HOME_DIR/bin/kc.sh" ]; then
    log "Keycloak $VERSION ready in $HOME_DIR"
    return 0
  fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Keycloak: apt-get install maven"
  mkdir -p "$CACHE"
  if [ ! -f "$CACHE/$ARCHIVE" ] || ! (cd "$CACHE" && sha512sum --quiet -c "$REPO/keycloak/dist.sha512" 2>/dev/null); then
    log "downloading org.keycloak:keycloak-quarkus-dist:$VERSION (Maven Central)"
    rm -f "$CACHE/$ARCHIVE"
    # -C: Maven fails on a checksum mismatch with the repository's .sha1 instead of warning.
    mvn -B -q -C dependency:copy \
      "-Dartifact=org.keycloak:keycloak-quarkus-dist:$VERSION:tar.gz" \
      "-DoutputDirectory=$CACHE" >&2 || die "mvn could not fetch keycloak-quarkus-dist $VERSION"
  fi
  (cd "$CACHE" && sha512sum --quiet -c "$REPO/keycloak/dist.sha512") \
    || { rm -f "$CACHE/$ARCHIVE"; die "$ARCHIVE does not match keycloak/dist.sha512: removed"; }
  log "unpacking $ARCHIVE"
  rm -rf "$HOME_DIR" "$CACHE/unpack.$$"
  mkdir -p "$CACHE/unpack.$$"
  tar -xzf "$CACHE/$ARCHIVE" -C "$CACHE/unpack.$$"
  mv "$CACHE/unpack.$$/keycloak-$VERSION" "$HOME_DIR"
  rmdir "$CACHE/unpack.$$"
  warm_up
  touch "$MARKER"
  log "Keycloak $VERSION ready in $HOME_DIR"
}

# start-dev re-augments the server (about a minute on a busy machine) whenever its build options
# differ from the last build's; every start uses these, so only the first one builds.
BUILD_OPTIONS=(--db=dev-mem --health-enabled=true)

# A run's own Keycloak home: bin/ copied (kc.sh takes its home from its own location), the
# distribution's lib/, conf/ and providers/ shared, data/ and themes/ its own.
prepare_run_dir() {
  local run_dir="$1"; shift
  mkdir -p "$run_dir/data/import" "$run_dir/themes"
  rm -rf "$run_dir/bin" && cp -R "$HOME_DIR/bin" "$run_dir/bin"
  local part
  for part in lib conf providers; do ln -sfn "$HOME_DIR/$part" "$run_dir/$part"; done
  local theme
  for theme in "$REPO"/keycloak/themes/*/; do ln -sfn "${theme%/}" "$run_dir/themes/$(basename "$theme")"; done
  local file
  for file in "$@"; do cp "$file" "$run_dir/data/import/"; done
}

start_dev() {
  [ -f "$MARKER" ] || die "Keycloak $VERSION is not fetched: run \`make services\` (or scripts/keycloak.sh fetch)"
  local run_dir="${1:?run directory}"; shift
  local imports=()
  while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do imports+=("$1"); shift; done
  [ "${1:-}" = "--" ] && shift
  prepare_run_dir "$run_dir" "${imports[@]}"
  JAVA_HOME="$(find_java)"
  export JAVA_HOME
  exec "$run_dir/bin/kc.sh" start-dev "${BUILD_OPTIONS[@]}" --import-realm "$@"
}

# Build once now (the first start-dev augments the distribution, then it is stopped).
warm_up() {
  local run_dir="$CACHE/warm-up" log_file="$CACHE/warm-up.log" pid
  rm -rf "$run_dir"
  mkdir -p "$run_dir"
  log "building the server for start-dev (Java $(java_major "$(find_java)"); a minute or two)"
  prepare_run_dir "$run_dir"
  JAVA_HOME="$(find_java)" KC_BOOTSTRAP_ADMIN_USERNAME=warm-up KC_BOOTSTRAP_ADMIN_PASSWORD="$RANDOM$RANDOM" \
    setsid "$run_dir/bin/kc.sh" start-dev "${BUILD_OPTIONS[@]}" --http-host=127.0.0.1 --http-port=0 \
    --http-management-port=0 >"$log_file" 2>&1 &
  pid=$!
  local waited=0
  until grep -q -E 'augmentation completed|Running the server' "$log_file" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then tail -n 30 "$log_file" >&2; die "the build failed (log: $log_file)"; fi
    [ "$waited" -lt 600 ] || { kill -- -"$pid" 2>/dev/null; die "the build took over 600 s (log: $log_file)"; }
    sleep 1; waited=$((waited + 1))
  done
  kill -- -"$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  grep -q 'augmentation completed' "$log_file" || die "the build did not complete (log: $log_file)"
  rm -rf "$run_dir"
}

sync_chart() {
  local target="$REPO/helm/reservation-platform/files/keycloak"
  rm -rf "$target"
  mkdir -p "$target/dev" "$target/themes"
  cp keycloak/reservations-realm.json keycloak/container-entrypoint.sh "$target/"
  cp keycloak/dev/*.json "$target/dev/"
  cp -R keycloak/themes/reservations "$target/themes/"
  log "copied into ${target#"$REPO"/}"
}

case "${1:-fetch}" in
  fetch) fetch ;;
  start-dev) shift; start_dev "$@" ;;
  home)
    [ -f "$MARKER" ] || die "Keycloak $VERSION is not fetched: run \`make services\` (or scripts/keycloak.sh fetch)"
    echo "$HOME_DIR" ;;
  java) find_java ;;
  version) echo "$VERSION" ;;
  sync-chart) sync_chart ;;
  *) die "usage: $0 fetch|start-dev|home|java|version|sync-chart" ;;
esac
