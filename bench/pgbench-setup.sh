# Sourced by bench/oltp.sh and bench/latency.sh from the checkout's root: what both need before
# their workload, with BENCH_NAME (the scripts' message prefix) set by the caller.
#   - PG_PORT and the libpq settings for the dev environment's PostgreSQL, JAR, say() and q();
#   - the dev environment's PostgreSQL answering (scripts/dev-env.sh up if it does not);
#   - PG_BIN and PGBENCH: pgbench of the PostgreSQL install the dev environment runs;
#   - the mirrorflow jar of this checkout, built by a reactor package (never an install: the
#     local Maven repository is shared);
#   - SUFFIX for scratch names, WORK (a temporary directory), STATE (a private state directory)
#     and WORK/password (the dev role's password, for peer create).

PG_PORT="${MIRRORFLOW_DEV_PG_PORT:-55432}"
export PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=mirrorflow PGPASSWORD=mirrorflow
# BENCH_SSLMODE (disable): the sslmode of every connection, both sides' (libpq's PGSSLMODE and
# pgjdbc's URLs); `require` measures over TLS, which the dev environment's server speaks.
SSLMODE="${BENCH_SSLMODE:-disable}"
export PGSSLMODE="$SSLMODE"
JAR="$ROOT/worker/target/mirrorflow.jar"

say() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"; }

if ! pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then
  scripts/dev-env.sh up >&2
fi
PG_BIN="$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")")"
PGBENCH="$PG_BIN/pgbench"
[ -x "$PGBENCH" ] || { echo "$BENCH_NAME: pgbench not found next to $PG_BIN/initdb" >&2; exit 1; }

say "building (mvn -pl worker -am package -DskipTests)"
mvn -B -q -Dstyle.color=never -pl worker -am -DskipTests package >/dev/null

SUFFIX="$(date +%s)_$$"
WORK="$(mktemp -d)"
STATE="$WORK/state"
mkdir -p "$STATE"
chmod 700 "$STATE"
printf 'mirrorflow\n' > "$WORK/password"
chmod 600 "$WORK/password"
