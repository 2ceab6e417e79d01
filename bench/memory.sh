#!/usr/bin/env bash
# Memory and idle-cost benchmark: the worker's peak resident memory while one mirror loads 1M rows
# and then streams 1M changes, and the CPU an idle worker with that mirror caught up uses.
#
#   bench/memory.sh
#   BENCH_ROWS=200000 BENCH_CHANGES=200000 BENCH_IDLE_SECONDS=20 bench/memory.sh
#
# A worker process (`mirrorflow worker`, with the launcher's default JVM options and
# BENCH_WORKER_JAVA_OPTS after them as MIRRORFLOW_JAVA_OPTS) and one mirror with the default spec over two tables of the
# dev environment's PostgreSQL: `loaded` (BENCH_ROWS rows, copied by the initial load) and
# `streamed` (empty at the start). Once the mirror is RUNNING, BENCH_CHANGES changes are written
# to `streamed` in transactions of 1,000 (half inserts, then half updates of those rows), and
# `mirror wait --caught-up` waits for them. Both tables are then compared with the source. The
# worker's peak resident set (VmHWM, read from /proc at the end, which the kernel keeps for the
# whole life of the process) is printed against the target, then the worker's CPU time over
# BENCH_IDLE_SECONDS of the caught-up mirror doing nothing, as a share of one core, and which
# threads used it.
# Not a test: it prints figures, ending with `peak RSS:` and `idle CPU:` lines with their targets.
#
# Environment: BENCH_ROWS (1000000), BENCH_CHANGES (1000000), BENCH_IDLE_SECONDS (60),
# BENCH_WORKER_JAVA_OPTS, MIRRORFLOW_DEV_PG_PORT (55432).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ROWS="${BENCH_ROWS:-1000000}"
CHANGES="${BENCH_CHANGES:-1000000}"
IDLE_SECONDS="${BENCH_IDLE_SECONDS:-60}"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# The process's user plus system CPU time, in clock ticks (fields 14 and 15 of /proc/PID/stat).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
kib() { awk -v f="$2" '$1 == f":" { print $2 }' "/proc/$1/status"; }
# Every thread of the process: "tid ticks name", ticks its user plus system CPU time (the fields
# after the name in /proc/PID/task/TID/stat, the name being the kernel's first 15 characters).
thread_ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    { read -r stat < "$t/stat" && read -r name < "$t/comm"; } 2>/dev/null || continue
    stat="${stat##*) }"
    # shellcheck disable=SC2086
    set -- $stat
    echo "${t##*/} $(( ${12} + ${13} )) $name"
  done
}

BENCH_NAME=memory-bench
# shellcheck source=bench/pgbench-setup.sh
. "$ROOT/bench/pgbench-setup.sh"
CAT="mem_cat_$SUFFIX"
SRC="mem_src_$SUFFIX"
DST="mem_dst_$SUFFIX"
QUEUE="mem_bench_$SUFFIX"
MIRROR="mem_$SUFFIX"
WORKER_LOG="$WORK/worker.log"
export MIRRORFLOW_STATE_DIR="$STATE" MIRRORFLOW_TASK_QUEUE="$QUEUE"
export MIRRORFLOW_CATALOG_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/$CAT?sslmode=$SSLMODE" MIRRORFLOW_CATALOG_USER=mirrorflow
export MIRRORFLOW_CATALOG_PASSWORD=mirrorflow
export MIRRORFLOW_TEMPORAL_ADDRESS="${MIRRORFLOW_TEMPORAL_ADDRESS:-127.0.0.1:7233}"
mf() { "$ROOT/mirrorflow" "$@"; }

WORKER_PID=""
CREATED=0
cleanup() {
  set +e
  [ "$CREATED" = 1 ] && mf mirror drop "$MIRROR" --timeout 60s >/dev/null 2>&1
  if [ -n "$WORKER_PID" ]; then kill -TERM "$WORKER_PID" 2>/dev/null; wait "$WORKER_PID" 2>/dev/null; fi
  for _ in 1 2 3 4 5; do
    q postgres "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'mirrorflow_$MIRROR'" \
      >/dev/null 2>&1 && break
    sleep 1
  done
  for db in "$SRC" "$DST" "$CAT"; do q postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT

for db in "$CAT" "$SRC" "$DST"; do q postgres "CREATE DATABASE $db"; done
say "source: $ROWS rows in loaded, streamed empty"
q "$SRC" "CREATE TABLE loaded (id bigint PRIMARY KEY, v int NOT NULL, note text)"
q "$SRC" "INSERT INTO loaded SELECT g, g, md5(g::text) FROM generate_series(1, $ROWS) g"
q "$SRC" "CREATE TABLE streamed (id bigint PRIMARY KEY, v int NOT NULL, note text)"
q "$SRC" "VACUUM ANALYZE"

say "starting a worker on task queue $QUEUE"
# shellcheck disable=SC2086
MIRRORFLOW_JAVA_OPTS="${BENCH_WORKER_JAVA_OPTS:-}" "$ROOT/mirrorflow" worker </dev/null >"$WORKER_LOG" 2>&1 &
WORKER_PID=$!
mf ping --timeout 60s >/dev/null || { tail -30 "$WORKER_LOG" >&2; echo "memory-bench: the worker did not answer" >&2; exit 1; }
say "worker up: RSS $(( $(kib "$WORKER_PID" VmRSS) / 1024 )) MiB"

for db in "$SRC" "$DST"; do
  mf peer create "p_$db" --type postgres --url "postgres://mirrorflow@127.0.0.1:$PG_PORT/$db?sslmode=$SSLMODE" \
    --password-file "$WORK/password" >/dev/null
done
cat > "$WORK/mirror.yaml" <<YAML
name: $MIRROR
source: p_$SRC
destination: p_$DST
tables:
  - source: public.loaded
  - source: public.streamed
YAML
t0="$(now)"
mf mirror create -f "$WORK/mirror.yaml" >/dev/null
CREATED=1
# Caught up with what the source had when the load began: the load is done and streaming runs.
mf mirror wait "$MIRROR" --caught-up --timeout 30m >/dev/null
say "initial load of $ROWS rows: $(secs "$t0" "$(now)")s from mirror create to loaded and caught up; RSS now $(( $(kib "$WORKER_PID" VmRSS) / 1024 )) MiB, peak so far $(( $(kib "$WORKER_PID" VmHWM) / 1024 )) MiB"

half=$(( CHANGES / 2 ))
say "streaming $CHANGES changes ($half inserts, then $half updates) in transactions of 1000 rows"
t0="$(now)"
psql -X -q -v ON_ERROR_STOP=1 -d "$SRC" >/dev/null <<SQL
DO \$\$
BEGIN
  FOR s IN 0 .. ($half - 1) / 1000 LOOP
    INSERT INTO streamed SELECT g, g, md5(g::text) FROM generate_series(s * 1000 + 1, least((s + 1) * 1000, $half)) g;
    COMMIT;
  END LOOP;
  FOR s IN 0 .. ($half - 1) / 1000 LOOP
    UPDATE streamed SET v = v + 1, note = md5(note) WHERE id > s * 1000 AND id <= (s + 1) * 1000;
    COMMIT;
  END LOOP;
END
\$\$;
SQL
mf mirror wait "$MIRROR" --caught-up --timeout 30m >/dev/null
say "  written and caught up in $(secs "$t0" "$(now)")s"

for t in loaded streamed; do
  s="$(q "$SRC" "SELECT count(*) || ':' || md5(string_agg(md5(x::text), '' ORDER BY id)) FROM $t x")"
  d="$(q "$DST" "SELECT count(*) || ':' || md5(string_agg(md5(x::text), '' ORDER BY id)) FROM $t x")"
  [ "$s" = "$d" ] || { echo "memory-bench: MISMATCH in $t: destination $d, source $s" >&2; exit 1; }
done
say "both tables equal the source"
peak=$(( $(kib "$WORKER_PID" VmHWM) / 1024 ))

say "idle: the caught-up mirror for ${IDLE_SECONDS}s"
sleep 5
hz="$(getconf CLK_TCK)"
thread_ticks "$WORKER_PID" > "$WORK/threads0"
c0="$(cpu_ticks "$WORKER_PID")"; t0="$(now)"
sleep "$IDLE_SECONDS"
c1="$(cpu_ticks "$WORKER_PID")"; t1="$(now)"
thread_ticks "$WORKER_PID" > "$WORK/threads1"
# Where the idle CPU went: the threads that used any, busiest first (a thread started meanwhile
# counts from zero).
say "idle CPU by thread (ms over ${IDLE_SECONDS}s):"
awk -v hz="$hz" 'NR == FNR { before[$1] = $2; next }
  { used = $2 - before[$1]; if (used > 0) { $1 = ""; $2 = ""; sub(/^  /, ""); printf "%8.0f  %s\n", 1000 * used / hz, $0 } }' \
  "$WORK/threads0" "$WORK/threads1" | sort -rn | head -15 >&2
idle="$(awk -v c="$((c1 - c0))" -v hz="$hz" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", 100 * c / hz / (b - a) }')"
echo "peak RSS: $peak MiB (target < 512) while loading $ROWS rows and streaming $CHANGES changes"
echo "idle CPU: $idle% of a core (target < 1) over ${IDLE_SECONDS}s with one caught-up mirror; RSS then $(( $(kib "$WORKER_PID" VmRSS) / 1024 )) MiB"
