#!/bin/sh
# Backs the platform's database up: one pg_dump in custom format (a consistent snapshot of every
# table, outbox included), checked readable with pg_restore --list, then renamed into place, so a
# file named *.dump is always complete. Keeps the newest BACKUP_KEEP dumps.
# The chart's backup CronJob runs this very file; the restore drill test runs it too.
#
# Connection: libpq's environment (PGHOST, PGPORT, PGUSER, PGPASSWORD or PGPASSFILE, PGDATABASE).
#   BACKUP_DIR     where dumps go (required)
#   BACKUP_KEEP    how many dumps to keep (default 14)
#   BACKUP_PREFIX  file name prefix (default "reservations")
set -eu

dir="${BACKUP_DIR:?BACKUP_DIR is required}"
keep="${BACKUP_KEEP:-14}"
prefix="${BACKUP_PREFIX:-reservations}"
case "$keep" in '' | *[!0-9]* | 0) echo "backup: BACKUP_KEEP must be a positive integer" >&2; exit 2 ;; esac

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
final="$dir/$prefix-$stamp.dump"
partial="$dir/.$prefix-$stamp.dump.partial"
trap 'rm -f "$partial"' EXIT

pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$partial"
pg_restore --list "$partial" >/dev/null
mv "$partial" "$final"
echo "backup: wrote $final ($(wc -c <"$final") bytes)"

# Retention: names sort by time; everything but the newest $keep goes.
ls -1 "$dir" | grep -E "^$prefix-[0-9]{8}T[0-9]{6}Z\.dump\$" | sort -r | tail -n "+$((keep + 1))" |
  while read -r old; do
    rm -f -- "$dir/$old"
    echo "backup: removed $dir/$old (retention $keep)"
  done
