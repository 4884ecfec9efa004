#!/usr/bin/env bash
# Create one role and one database per service, each reachable only by its own role.
#
# The postgres image runs this once, on an empty data directory (/docker-entrypoint-initdb.d).
# It is also safe to run again by hand against an existing server (for example a managed one):
#   PGHOST=db.example PGUSER=postgres REPAIR_DB_PASSWORD=... CMS_DB_PASSWORD=... \
#     deploy/postgres/init-databases.sh
# Existing roles keep their databases; their passwords are set to the given ones.
set -euo pipefail

create_service_database() {
  local database="$1" role="$2" password="$3"
  psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --dbname postgres \
    --set=database="$database" --set=role="$role" --set=password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'role')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \gexec
REVOKE ALL ON DATABASE :"database" FROM PUBLIC;
GRANT ALL ON DATABASE :"database" TO :"role";
SQL
  echo "database ${database} ready for role ${role}"
}

create_service_database "${REPAIR_DB_NAME:-repair}" "${REPAIR_DB_USER:-repair}" "${REPAIR_DB_PASSWORD:?REPAIR_DB_PASSWORD is required}"
create_service_database "${CMS_DB_NAME:-cms}" "${CMS_DB_USER:-cms}" "${CMS_DB_PASSWORD:?CMS_DB_PASSWORD is required}"
