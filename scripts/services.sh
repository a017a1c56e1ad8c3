#!/usr/bin/env bash
# `make services`: makes this machine run what the tests talk to, the way they expect it.
#   PostgreSQL on 127.0.0.1:5432, role `postgres` without a password prompt (trust on loopback only)
#   RabbitMQ on 127.0.0.1:5672, guest/guest
#   Keycloak's server distribution under .cache/keycloak (see scripts/keycloak.sh), checksum verified
# Installs missing Debian packages, starts what is not running, and is quick when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> services: %s\n' "$*"; }
export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Enough connections for the two-worker contention tests; listen on loopback only;
# pg_stat_statements loaded, so `make bench` can count statements per booking. Rewritten when a
# machine's file predates a line; returns 0 when it changed (a running server must restart).
pg_test_conf() {
  printf "listen_addresses = '127.0.0.1'\nport = 5432\nmax_connections = 300\nshared_preload_libraries = 'pg_stat_statements'\n"
}
write_test_conf() {
  local conf="/etc/postgresql/$1/main/conf.d/reservation-tests.conf"
  if [ "$(cat "$conf" 2>/dev/null)" != "$(pg_test_conf)" ]; then
    pg_test_conf | as_root tee "$conf" >/dev/null
    return 0
  fi
  return 1
}

# --- PostgreSQL ------------------------------------------------------------------------------
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing PostgreSQL"
    apt_install postgresql postgresql-contrib
  fi
  version="$(ls /usr/lib/postgresql | sort -V | tail -n1)"
  if [ ! -d "/etc/postgresql/$version/main" ] || [ ! -f "/var/lib/postgresql/$version/main/PG_VERSION" ]; then
    log "creating cluster $version/main"
    as_root pg_createcluster "$version" main >/dev/null
  fi
  hba="/etc/postgresql/$version/main/pg_hba.conf"
  # Loopback and the local socket trust the tests' `postgres` role; nothing else is allowed in.
  if ! grep -q '^# reservation-platform test access' "$hba"; then
    log "pg_hba: trust on loopback for the tests"
    tmp="$(mktemp)"
    {
      echo '# reservation-platform test access (make services): loopback and socket only'
      echo 'local   all   all                 trust'
      echo 'host    all   all   127.0.0.1/32  trust'
      echo 'host    all   all   ::1/128       trust'
      grep -v '^\s*#' "$hba" | grep -v '^\s*$' || true
    } >"$tmp"
    as_root install -m 0640 -o postgres -g postgres "$tmp" "$hba"
    rm -f "$tmp"
  fi
  write_test_conf "$version" || true
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.5; done
fi
version="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1 || true)"
if [ -n "$version" ] && [ -d "/etc/postgresql/$version/main" ] && write_test_conf "$version"; then
  log "restarting PostgreSQL $version for its updated test settings"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main restart
  for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.5; done
fi
pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
psql -h 127.0.0.1 -U postgres -d postgres -qAtc 'select 1' >/dev/null \
  || { echo "PostgreSQL runs but role postgres cannot log in from 127.0.0.1 without a password" >&2; exit 1; }

# --- RabbitMQ ---------------------------------------------------------------------------------
amqp_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
if ! amqp_up; then
  if ! command -v rabbitmq-server >/dev/null; then
    log "installing RabbitMQ"
    apt_install rabbitmq-server
  fi
  if ! as_root rabbitmqctl -q status >/dev/null 2>&1; then
    log "starting RabbitMQ"
    as_root rabbitmq-server -detached >/dev/null 2>&1 || true
  fi
  for _ in $(seq 1 120); do amqp_up && as_root rabbitmqctl -q status >/dev/null 2>&1 && break; sleep 1; done
fi
amqp_up || { echo "RabbitMQ did not start on 127.0.0.1:5672" >&2; exit 1; }
as_root rabbitmqctl -q await_startup >/dev/null 2>&1 || true

# --- Keycloak ---------------------------------------------------------------------------------
if [ -x scripts/keycloak.sh ]; then
  # Maven fetches the distribution; Keycloak runs on any JDK 17+ (21+ preferred).
  command -v mvn >/dev/null || { log "installing Maven"; apt_install maven; }
  if ! ls /usr/lib/jvm/*/bin/java >/dev/null 2>&1 && ! command -v java >/dev/null; then
    log "installing a JDK"; apt_install default-jdk-headless
  fi
  scripts/keycloak.sh fetch
fi

log "ready: PostgreSQL 127.0.0.1:5432, RabbitMQ 127.0.0.1:5672, Keycloak $(scripts/keycloak.sh version) in .cache/keycloak"
