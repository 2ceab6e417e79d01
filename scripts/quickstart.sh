#!/usr/bin/env bash
# `./mirrorflow quickstart`: from a fresh checkout to a live PostgreSQL -> PostgreSQL mirror.
# Brings up the dev environment, starts a worker, creates a demo shop database with data and a
# trickle of ongoing writes, mirrors it into a second database, shows the initial load and the
# live lag, and prints what to look at next.
#
#   ./mirrorflow quickstart          start everything (again: it picks up where it left off)
#   ./mirrorflow quickstart stop     stop the writes, the worker and the dev environment
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: ./mirrorflow quickstart [stop]
From a fresh checkout to a live PostgreSQL -> PostgreSQL mirror: brings up the dev environment,
starts a worker, creates a demo shop database with data and ongoing writes, and mirrors it into a
second database. Run it again to pick up where it left off.
  stop          stop the demo writes, the worker and the dev environment
  -h, --help    show this help and exit
USAGE
}
# Help and wrong arguments are answered before anything starts.
case "${1:-}" in
  -h|--help|help) usage; exit 0 ;;
  ""|stop) ;;
  *) echo "mirrorflow quickstart: unknown argument '$1'; see ./mirrorflow quickstart --help" >&2; exit 2 ;;
esac
if [ $# -gt 1 ]; then
  case "$2" in
    -h|--help) usage; exit 0 ;;
    *) echo "mirrorflow quickstart: unknown argument '$2'; see ./mirrorflow quickstart --help" >&2; exit 2 ;;
  esac
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEV="${MIRRORFLOW_DEV_DIR:-$ROOT/.dev}"
WORKER_PID="$DEV/worker.pid"
WORKER_LOG="$DEV/worker.log"
TRICKLE_PID="$DEV/trickle.pid"
PG_PORT="${MIRRORFLOW_DEV_PG_PORT:-55432}"
export MIRRORFLOW_STATE_DIR="${MIRRORFLOW_STATE_DIR:-$DEV/state}"
export PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=mirrorflow PGPASSWORD=mirrorflow
# The worker and the CLI use this dev environment, also when it runs on ports of its own.
export MIRRORFLOW_CATALOG_URL="${MIRRORFLOW_CATALOG_URL:-jdbc:postgresql://127.0.0.1:$PG_PORT/mirrorflow}"
export MIRRORFLOW_CATALOG_USER="${MIRRORFLOW_CATALOG_USER:-mirrorflow}"
export MIRRORFLOW_CATALOG_PASSWORD="${MIRRORFLOW_CATALOG_PASSWORD:-mirrorflow}"
export MIRRORFLOW_TEMPORAL_ADDRESS="${MIRRORFLOW_TEMPORAL_ADDRESS:-127.0.0.1:${MIRRORFLOW_DEV_TEMPORAL_PORT:-7233}}"

# Whether the process a pid file names runs and is the one it was written for (its command line
# has the marker): a pid file left from another boot or a crash may name a process that only
# reused the number, e.g. the Temporal server, which stop must not touch.
running() {
  [ -f "$1" ] || return 1
  local pid; pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2"
}
stop_pid() {
  if running "$1" "$2"; then
    echo "quickstart: stopping $3 (pid $(cat "$1"))"
    kill -TERM "$(cat "$1")" 2>/dev/null || true
    for _ in $(seq 1 120); do running "$1" "$2" || break; sleep 0.5; done
  fi
  rm -f "$1"
}
WORKER_MARK="mirrorflow.jar worker"
TRICKLE_MARK="demo_shop"
mf() { ./mirrorflow "$@"; }

if [ "${1:-}" = stop ]; then
  stop_pid "$TRICKLE_PID" "$TRICKLE_MARK" "the demo writes"
  stop_pid "$WORKER_PID" "$WORKER_MARK" "the worker"
  demo_kept=no
  if pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null && mf mirror list 2>/dev/null | grep -q '^demo '; then
    demo_kept=yes
  fi
  scripts/dev-env.sh down
  if [ "$demo_kept" = yes ]; then
    echo "quickstart: the demo mirror is kept, and ./mirrorflow quickstart picks it up again; until then its"
    echo "  replication slot holds on to the WAL written. To remove it for good: ./mirrorflow quickstart, then"
    echo "  ./mirrorflow mirror drop demo --drop-destination"
  fi
  exit 0
fi

scripts/dev-env.sh up
{ [ -f worker/target/mirrorflow.jar ] && [ "${MIRRORFLOW_REBUILD:-0}" != 1 ]; } || { echo "quickstart: building mirrorflow ..."; mvn -B -q -DskipTests package; }
# The state directory holds the secret key: for the owner only, whatever the umask.
(umask 077 && mkdir -p "$DEV" "$MIRRORFLOW_STATE_DIR")

if running "$WORKER_PID" "$WORKER_MARK"; then
  echo "quickstart: worker already running (pid $(cat "$WORKER_PID"))"
else
  echo "quickstart: starting a worker (log: $WORKER_LOG)"
  nohup java -jar worker/target/mirrorflow.jar worker </dev/null >>"$WORKER_LOG" 2>&1 &
  echo $! > "$WORKER_PID"
fi
mf ping --timeout 60s >/dev/null || { echo "quickstart: the worker did not answer; see $WORKER_LOG" >&2; exit 1; }

# The demo shop: customers and orders, 50k + 200k rows, created once.
for db in demo_shop demo_warehouse; do
  psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 || psql -q -d postgres -c "CREATE DATABASE $db"
done
if ! psql -d demo_shop -tAc "SELECT 1 FROM pg_tables WHERE tablename = 'orders'" | grep -q 1; then
  echo "quickstart: creating the demo shop (50k customers, 200k orders) in database demo_shop"
  psql -q -d demo_shop <<'SQL'
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text, created timestamptz NOT NULL);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, amount numeric(12,2) NOT NULL,
                     status text NOT NULL, created timestamptz NOT NULL);
INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com', now() - g * interval '1 minute'
  FROM generate_series(1, 50000) g;
INSERT INTO orders SELECT g, 1 + g % 50000, (g % 997) * 1.5, 'new', now() - g * interval '10 seconds'
  FROM generate_series(1, 200000) g;
SQL
fi

# A trickle of ongoing writes: new orders, status changes and the odd cancellation.
if ! running "$TRICKLE_PID" "$TRICKLE_MARK"; then
  nohup bash -c '
    while true; do
      psql -q -d demo_shop -c "
        INSERT INTO orders SELECT coalesce(max(id), 0) + 1, 1 + (random() * 49999)::int, round((random() * 500)::numeric, 2), '"'"'new'"'"', now() FROM orders;
        UPDATE orders SET status = '"'"'shipped'"'"' WHERE id = 1 + (random() * 199999)::int;
        DELETE FROM orders WHERE id = 1 + (random() * 199999)::int AND random() < 0.2;" >/dev/null 2>&1
      sleep 0.2
    done' </dev/null >/dev/null 2>&1 &
  echo $! > "$TRICKLE_PID"
fi

# Readable by its owner only, also when an earlier run left it readable by others.
(umask 077 && printf 'mirrorflow\n' > "$DEV/demo-password")
chmod 600 "$DEV/demo-password"
mf peer list | grep -q '^demo_shop ' || mf peer create demo_shop --type postgres \
  --url "postgres://mirrorflow@127.0.0.1:$PG_PORT/demo_shop" --password-file "$DEV/demo-password"
mf peer list | grep -q '^demo_warehouse ' || mf peer create demo_warehouse --type postgres \
  --url "postgres://mirrorflow@127.0.0.1:$PG_PORT/demo_warehouse" --password-file "$DEV/demo-password"

if ! mf mirror list | grep -q '^demo '; then
  cat > "$DEV/demo-mirror.yaml" <<'YAML'
name: demo
source: demo_shop
destination: demo_warehouse
tables:
  - source: public.customers
    exclude: [email]
  - source: public.orders
batchSize: 5000
idleTimeout: 1s
snapshot:
  rowsPerPartition: 25000
  parallelism: 2
YAML
  mf mirror create -f "$DEV/demo-mirror.yaml"
fi

echo
echo "quickstart: the initial load (customers without their email column, and orders):"
for _ in $(seq 1 120); do
  out="$(mf mirror status demo)"
  line="$(echo "$out" | grep -E '^  (phase|load) ' | tr -s ' ' | tr '\n' ' ')"
  printf '\r  %-150s' "$line"
  echo "$out" | grep -q 'phase    RUNNING' && break
  echo "$out" | grep -q 'phase    FAILED' && { echo; echo "$out"; exit 1; }
  sleep 1
done
echo
mf mirror wait demo --caught-up --timeout 5m >/dev/null
echo "quickstart: caught up; live status with the ongoing writes:"
echo
mf mirror status demo

cat <<EOF

mirrorflow is mirroring demo_shop into demo_warehouse, with writes still coming in.

  ./mirrorflow mirror status demo --watch                progress, lag, last error (from the catalog)
  ./mirrorflow mirror history demo                       every phase change
  .dev/venv/bin/temporal workflow describe -w mirror/demo --address $MIRRORFLOW_TEMPORAL_ADDRESS   the workflow in Temporal
  Temporal UI                                            http://127.0.0.1:${MIRRORFLOW_DEV_TEMPORAL_UI_PORT:-8233}
  PGPASSWORD=mirrorflow psql -h 127.0.0.1 -p $PG_PORT -U mirrorflow demo_warehouse   the copy
  ./mirrorflow mirror pause demo | resume demo | drop demo
  ./mirrorflow quickstart stop                           stop the writes, the worker and the dev environment
EOF
