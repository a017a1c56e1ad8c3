#!/bin/sh
# Restores a dump written by backup.sh into an EMPTY database (create it first), in one
# transaction: a restore that fails leaves the target database as it was.
#   restore.sh /backups/reservations-20261204T030000Z.dump
# Connection: libpq's environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE = the target).
set -eu
dump="${1:?usage: restore.sh DUMP}"
[ -r "$dump" ] || { echo "restore: cannot read $dump" >&2; exit 2; }
pg_restore --exit-on-error --single-transaction --no-owner --no-privileges \
  --dbname="${PGDATABASE:?PGDATABASE (the target database) is required}" "$dump"
echo "restore: $dump restored into database $PGDATABASE"
