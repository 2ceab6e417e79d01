#!/usr/bin/env bash
# `./mirrorflow quickstart`: from a fresh checkout to a running mirrorflow in one command.
# Brings up the dev environment, starts a worker in the background and checks that it answers.
#
#   ./mirrorflow quickstart          start everything
#   ./mirrorflow quickstart stop     stop the worker and the dev environment
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DEV="${MIRRORFLOW_DEV_DIR:-$ROOT/.dev}"
WORKER_PID="$DEV/worker.pid"
WORKER_LOG="$DEV/worker.log"
export MIRRORFLOW_STATE_DIR="${MIRRORFLOW_STATE_DIR:-$DEV/state}"

worker_running() { [ -f "$WORKER_PID" ] && kill -0 "$(cat "$WORKER_PID")" 2>/dev/null; }

if [ "${1:-}" = stop ]; then
  if worker_running; then
    echo "quickstart: stopping the worker (pid $(cat "$WORKER_PID"))"
    kill -TERM "$(cat "$WORKER_PID")"
    for _ in $(seq 1 120); do worker_running || break; sleep 0.5; done
  fi
  rm -f "$WORKER_PID"
  scripts/dev-env.sh down
  exit 0
fi

scripts/dev-env.sh up
[ -f worker/target/mirrorflow.jar ] || { echo "quickstart: building mirrorflow ..."; mvn -B -q -DskipTests package; }

if worker_running; then
  echo "quickstart: worker already running (pid $(cat "$WORKER_PID"))"
else
  echo "quickstart: starting a worker (log: $WORKER_LOG)"
  mkdir -p "$DEV"
  nohup java -jar worker/target/mirrorflow.jar worker </dev/null >>"$WORKER_LOG" 2>&1 &
  echo $! > "$WORKER_PID"
fi

echo "quickstart: waiting for the worker to answer ..."
if ! ./mirrorflow ping --timeout 60s; then
  echo "quickstart: the worker did not answer; see $WORKER_LOG" >&2
  exit 1
fi

cat <<EOF

mirrorflow is running: a worker on task queue 'mirrorflow', the Temporal dev server and PostgreSQL.

  ./mirrorflow --help                      what the CLI can do
  ./mirrorflow ping                        ask a worker to answer
  .dev/venv/bin/temporal workflow list     what ran on Temporal
  Temporal UI                              http://127.0.0.1:8233
  ./mirrorflow quickstart stop             stop the worker and the dev environment
EOF
./mirrorflow --help
