#!/usr/bin/env bash
# Back up one service's PostgreSQL database into a custom-format dump, with a checksum beside it.
#
#   deploy/scripts/backup_db.sh DATABASE_URL DUMP_FILE
#
# DATABASE_URL is a libpq URL (postgresql://user:password@host:port/dbname); the SQLAlchemy form
# the repair service uses (postgresql+psycopg://...) is accepted too. The dump is consistent (one
# snapshot) while the service keeps running, leaves out owners and grants so it restores into a
# database owned by any role, and is written under a temporary name and checked before it takes
# its final name, so a DUMP_FILE that exists is always complete.
set -euo pipefail

url="${1:?usage: backup_db.sh DATABASE_URL DUMP_FILE}"
dump="${2:?usage: backup_db.sh DATABASE_URL DUMP_FILE}"
url="${url/#postgresql+psycopg:/postgresql:}"
url="${url/#postgres+psycopg:/postgresql:}"

partial="${dump}.partial"
trap 'rm -f "$partial"' EXIT
mkdir -p "$(dirname "$dump")"

pg_dump --format=custom --compress=6 --no-owner --no-privileges --dbname="$url" --file="$partial"
pg_restore --list "$partial" >/dev/null
mv "$partial" "$dump"
(cd "$(dirname "$dump")" && sha256sum "$(basename "$dump")" >"$(basename "$dump").sha256")
echo "backed up to ${dump} ($(du -h "$dump" | cut -f1))"
