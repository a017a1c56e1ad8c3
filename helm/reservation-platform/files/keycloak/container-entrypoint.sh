#!/bin/bash
# Entry point of the Keycloak container (docker-compose.yml; the chart runs the same script):
# refuses to start a production deployment holding a dev default secret, adds the dev-only demo
# users to the import only outside production, then runs kc.sh with the given arguments.
#
#   RESERVATION_ENVIRONMENT   production (default) | dev
#   DEV_IMPORT_DIR            where keycloak/dev/ is mounted (default /opt/keycloak/dev-import)
#   REALM_IMPORT_DIR          optional: realm files to copy into the import directory (the chart
#                             mounts them read-only there; compose mounts the realm in place)
set -euo pipefail

environment="${RESERVATION_ENVIRONMENT:-production}"
import_dir="${KC_IMPORT_DIR:-/opt/keycloak/data/import}"
dev_import_dir="${DEV_IMPORT_DIR:-/opt/keycloak/dev-import}"
kc_sh="${KC_SH:-/opt/keycloak/bin/kc.sh}"

# Every secret Keycloak gets from the environment; dev defaults all start with "dev-".
secrets=(KC_BOOTSTRAP_ADMIN_PASSWORD KC_DB_PASSWORD)
for name in $(compgen -e); do
  case "$name" in KEYCLOAK_CLIENT_SECRET_*) secrets+=("$name") ;; esac
done

if [ -n "${REALM_IMPORT_DIR:-}" ]; then
  mkdir -p "$import_dir"
  for file in "$REALM_IMPORT_DIR"/*.json; do
    if [ -f "$file" ]; then cp "$file" "$import_dir/"; fi
  done
fi

if [ "$environment" = "production" ]; then
  bad=()
  for name in "${secrets[@]}"; do
    value="${!name:-}"
    if [ -z "$value" ] || [[ "$value" == dev-* ]]; then bad+=("$name"); fi
  done
  if [ "${#bad[@]}" -gt 0 ]; then
    echo "keycloak: refusing to start in production: ${bad[*]} unset or a dev default (dev-...)." >&2
    echo "keycloak: set real secrets (see .env.example), or RESERVATION_ENVIRONMENT=dev on a laptop." >&2
    exit 78
  fi
else
  # Demo users with known passwords (admin/alice/bob): development only.
  mkdir -p "$import_dir"
  for file in "$dev_import_dir"/*.json; do
    if [ -f "$file" ]; then cp "$file" "$import_dir/"; fi
  done
  echo "keycloak: RESERVATION_ENVIRONMENT=$environment: importing the dev-only demo users" >&2
fi

exec "$kc_sh" "$@"
