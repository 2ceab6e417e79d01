#!/usr/bin/env bash
# Validates docker-compose.yml with Debian's docker-compose (1.29), every profile included, installing
# it first when it is missing (as root, through apt-get). It fails, loudly, when docker-compose cannot
# be had: a check that is skipped without a word would let a broken compose file through CI.
# scripts/test.sh runs it; it needs no container engine (config only reads and resolves the file).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v docker-compose >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "check-compose: docker-compose is needed to check docker-compose.yml; install it (apt-get install docker-compose) and run again" >&2
    exit 1
  fi
  echo "check-compose: installing docker-compose (Debian's package) to check docker-compose.yml" >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker-compose >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker-compose >/dev/null || {
      echo "check-compose: cannot install docker-compose (apt-get install docker-compose failed, see above); install it and run again" >&2
      exit 1
    }
  fi
fi

# The host's environment would fill ${...} in the file; the check sees the file as a fresh shell does.
env -u OTEL_TRACES_EXPORTER docker-compose --project-directory "$ROOT" --file "$ROOT/docker-compose.yml" \
  --profile cli --profile otel config --quiet || {
  echo "check-compose: docker-compose.yml is not valid (docker-compose config, above)" >&2
  exit 1
}
echo "check-compose: docker-compose.yml is valid ($(docker-compose version --short))"
