#!/usr/bin/env bash
# CLI start-to-exit time of the read-only commands users run most: `mirror list`, `peer list` and
# `mirror status NAME`, each run BENCH_RUNS times through the real launcher (./mirrorflow, with its
# class-data-sharing archive made by a first, unmeasured run), against the dev environment's catalog.
#
#   bench/cli.sh
#   BENCH_RUNS=20 BENCH_CLI_ROOT=/tmp/baseline-checkout bench/cli.sh
#
# Baselines in the same run: `psql -c 'select 1'` (what a user compares with) and `java -version`
# with the launcher's CLI options (the JVM's own start, the floor of any Java command). The machine
# is shared, so next to the wall-clock p50 each line gives the p50 of user+system CPU time, which
# other processes disturb much less. Not a test: it prints figures, one `p50:` line per command
# with the 0.5 s target and its `ratio:` to psql.
#
# Environment: BENCH_RUNS (10), BENCH_CLI_ROOT (this checkout; another checkout with a built jar
# measures that one), BENCH_MIRROR (the first mirror `mirror list` shows), MIRRORFLOW_DEV_PG_PORT (55432).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLI_ROOT="${BENCH_CLI_ROOT:-$ROOT}"
RUNS="${BENCH_RUNS:-10}"
PORT="${MIRRORFLOW_DEV_PG_PORT:-55432}"
# BENCH_SSLMODE (disable): the sslmode of every connection, both sides' (libpq's PGSSLMODE and
# pgjdbc's URLs); `require` measures over TLS, which the dev environment's server speaks.
SSLMODE="${BENCH_SSLMODE:-disable}"
export PGSSLMODE="$SSLMODE"
export MIRRORFLOW_CATALOG_URL="${MIRRORFLOW_CATALOG_URL:-jdbc:postgresql://127.0.0.1:$PORT/mirrorflow?sslmode=$SSLMODE}"
export MIRRORFLOW_DEV_DIR="${MIRRORFLOW_DEV_DIR:-$ROOT/.dev}"
export PGPASSWORD="${PGPASSWORD:-mirrorflow}"
[ -f "$CLI_ROOT/worker/target/mirrorflow.jar" ] || { echo "no jar in $CLI_ROOT/worker/target; build it first" >&2; exit 1; }

times_file="$(mktemp)"
trap 'rm -f "$times_file"' EXIT

# Runs "$@" RUNS times and prints the p50 of wall-clock and of user+system CPU seconds.
measure() {
  : > "$times_file"
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %U %S" -a -o "$times_file" "$@" > /dev/null 2>&1
  done
  local mid=$(( (RUNS + 1) / 2 ))
  local wall cpu
  wall=$(cut -d' ' -f1 "$times_file" | sort -n | sed -n "${mid}p")
  cpu=$(awk '{ printf "%.2f\n", $2 + $3 }' "$times_file" | sort -n | sed -n "${mid}p")
  echo "$wall $cpu"
}

cli() { "$CLI_ROOT/mirrorflow" "$@"; }
# The first command after a build makes the class archive; it is not measured.
cli mirror list > /dev/null
mirror="${BENCH_MIRROR:-$(cli mirror list | awk 'NR == 2 { print $1 }')}"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $RUNS runs each; $CLI_ROOT"
read -r psql_wall psql_cpu < <(measure psql -h 127.0.0.1 -p "$PORT" -U mirrorflow -d mirrorflow -Atc 'select 1')
echo "psql select 1:      p50 ${psql_wall} s wall, ${psql_cpu} s CPU"
read -r java_wall java_cpu < <(measure java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -version)
echo "java -version:      p50 ${java_wall} s wall, ${java_cpu} s CPU"
report() {
  local label="$1"; shift
  local wall cpu
  read -r wall cpu < <(measure "$@")
  printf '%-19s p50: %s s wall (target 0.5 s), %s s CPU; ratio: %s x psql\n' "$label:" "$wall" "$cpu" \
    "$(awk -v a="$wall" -v b="$psql_wall" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }')"
}
report "mirror list" "$CLI_ROOT/mirrorflow" mirror list
report "peer list" "$CLI_ROOT/mirrorflow" peer list
if [ -n "$mirror" ]; then
  report "mirror status" "$CLI_ROOT/mirrorflow" mirror status "$mirror"
else
  echo "mirror status:      skipped (no mirror in the catalog; set BENCH_MIRROR)"
fi
