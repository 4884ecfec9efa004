#!/usr/bin/env bash
# Restore a dump made by backup_db.sh into an existing database, replacing the objects it holds.
#
#   deploy/scripts/restore_db.sh DUMP_FILE DATABASE_URL
#
# Connect as the service's own role (its usual DATABASE_URL) so that the restored tables belong
# to it. Stop the service and its workers first (see OPERATIONS.md). The restore runs in one
# transaction: on any error nothing changes. When DUMP_FILE.sha256 exists the dump is checked
# against it first, so a damaged copy is refused before anything is dropped.
set -euo pipefail

dump="${1:?usage: restore_db.sh DUMP_FILE DATABASE_URL}"
url="${2:?usage: restore_db.sh DUMP_FILE DATABASE_URL}"
url="${url/#postgresql+psycopg:/postgresql:}"
url="${url/#postgres+psycopg:/postgresql:}"

if [ -f "${dump}.sha256" ]; then
  (cd "$(dirname "$dump")" && sha256sum --check --quiet "$(basename "$dump").sha256")
fi

pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$url" "$dump"
echo "restored ${dump}"
