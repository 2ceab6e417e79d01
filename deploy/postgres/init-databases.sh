#!/usr/bin/env bash
# Runs once, when the postgres service initialises its data directory (docker-entrypoint-initdb.d):
# the Temporal server's databases and the mirrorflow catalog, each with a user of its own, the
# passwords read from the compose secrets. Changing a secret later does not change a password here:
# run ALTER ROLE ... PASSWORD as well (docs/deployment.md, "Secrets").
set -euo pipefail

temporal_password="$(cat /run/secrets/temporal_db_password)"
catalog_password="$(cat /run/secrets/catalog_password)"

# psql's :'name' quotes a variable as a literal, so no password can break out of the statement.
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v temporal_password="$temporal_password" -v catalog_password="$catalog_password" <<'SQL'
CREATE ROLE temporal LOGIN PASSWORD :'temporal_password';
CREATE DATABASE temporal OWNER temporal;
CREATE DATABASE temporal_visibility OWNER temporal;
-- The catalog only: the mirrorflow user owns its database and nothing else. Sources and
-- destinations are the users' own databases, reached as peers with users of their own.
CREATE ROLE mirrorflow LOGIN PASSWORD :'catalog_password';
CREATE DATABASE mirrorflow OWNER mirrorflow;
SQL
