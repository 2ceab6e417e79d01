#!/usr/bin/env bash
# OLTP apply benchmark: mirrorflow against PostgreSQL's own logical replication on a pgbench
# (TPC-B-like) workload, measured in one run on the same WAL.
#
#   bench/oltp.sh
#   BENCH_TRANSACTIONS=50000 BENCH_ROUNDS=1 bench/oltp.sh   (one round: a worker that never streamed)
#
# One source database gets pgbench's schema (scale BENCH_SCALE, default 1: 1 branch, 10 tellers,
# 100k accounts, so branches and tellers are hot rows) with `pgbench_history` given a key (a
# bigserial `hid`; pgbench names its columns, so its INSERT still works). Two destination
# databases get the same schema and rows. Then, before the workload, two pgoutput slots and one
# publication of the four tables are made, and pgbench writes BENCH_TRANSACTIONS transactions
# (BENCH_CLIENTS clients; 3 UPDATEs + 1 INSERT each); a last transaction inserts an end marker into
# pgbench_history. Both sides then read exactly the same WAL:
#
# - native: `CREATE SUBSCRIPTION ... WITH (copy_data = false, create_slot = false)` on the first
#   slot, timed from the CREATE until the end marker is in the destination;
# - mirrorflow: a worker process (the shaded jar, started before the timing, as a deployment runs
#   it) and `mirrorflow mirror create` (the real CLI, `initialLoad: false`, the second slot and the
#   publication in `sourceOptions`), timed from the command until the end marker is in the
#   destination.
#
# Every change is applied in source commit order, so the end marker's arrival means everything
# arrived. Each side's time from its first applied row to the end marker is printed too (the
# apply rate without the fixed costs of starting). Both destinations are then compared with the
# source (counts and ordered checksums of the four tables). The whole thing repeats BENCH_ROUNDS
# times on fresh databases and each side's best round counts; the worker is the same process in
# every round, so from the second round on it is one that has streamed before, as a deployed worker
# is (the first round's JIT compiles the stream's code while it streams, on the same two cores).
# Not a test: it prints figures, ending with `ratio: X.XX (target >= 1.5)` (mirrorflow changes/s
# over native, whole commands).
#
# Environment: BENCH_TRANSACTIONS (100000), BENCH_CLIENTS (4), BENCH_SCALE (1), BENCH_ROUNDS (3),
# BENCH_WORKER_JAVA_OPTS (e.g. -XX:StartFlightRecording=filename=/tmp/w.jfr), BENCH_CLI_JAVA_OPTS
# (every CLI command), BENCH_CREATE_JAVA_OPTS (mirror create only), BENCH_SPEC_EXTRA
# (YAML lines appended to the mirror spec, e.g. "batchSize: 20000"), BENCH_KEEP_LOG (a file to copy
# the worker's log to), BENCH_CPU (1: the CPU each kind of process and each of the worker's
# threads used while each side ran, from /proc; see cpu_mark in bench/pgbench-setup.sh),
# MIRRORFLOW_DEV_PG_PORT (55432).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

TRANSACTIONS="${BENCH_TRANSACTIONS:-100000}"
CLIENTS="${BENCH_CLIENTS:-4}"
SCALE="${BENCH_SCALE:-1}"
ROUNDS="${BENCH_ROUNDS:-3}"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
faster() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(b == "" || a < b) }'; }

BENCH_NAME=oltp-bench
# shellcheck source=bench/pgbench-setup.sh
. "$ROOT/bench/pgbench-setup.sh"
CAT="oltp_cat_$SUFFIX"
QUEUE="oltp_bench_$SUFFIX"
WORKER_LOG="$WORK/worker.log"
export MIRRORFLOW_STATE_DIR="$STATE" MIRRORFLOW_TASK_QUEUE="$QUEUE"
export MIRRORFLOW_CATALOG_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/$CAT?sslmode=$SSLMODE" MIRRORFLOW_CATALOG_USER=mirrorflow
export MIRRORFLOW_CATALOG_PASSWORD=mirrorflow
export MIRRORFLOW_TEMPORAL_ADDRESS="${MIRRORFLOW_TEMPORAL_ADDRESS:-127.0.0.1:7233}"
# shellcheck disable=SC2086
# The CLI as a user runs it (./mirrorflow: class-data sharing, C1); BENCH_CLI_JAVA_OPTS adds JVM options.
mf() { MIRRORFLOW_JAVA_OPTS="${BENCH_CLI_JAVA_OPTS:-}" "$ROOT/mirrorflow" "$@"; }

DATABASES=("$CAT")
SLOTS=()
MIRRORS=()
WORKER_PID=""
cleanup() {
  set +e
  local m db s
  for m in "${MIRRORS[@]}"; do mf mirror drop "$m" >/dev/null 2>&1; done
  if [ -n "$WORKER_PID" ]; then kill -TERM "$WORKER_PID" 2>/dev/null; wait "$WORKER_PID" 2>/dev/null; fi
  [ -n "${BENCH_KEEP_LOG:-}" ] && cp "$WORKER_LOG" "$BENCH_KEEP_LOG" 2>/dev/null
  for db in "${DATABASES[@]}"; do
    # A subscription holds a connection to the source: disabled and detached from its slot, it can go.
    psql -X -q -At -d "$db" -c "SELECT 1 FROM pg_subscription LIMIT 1" 2>/dev/null | grep -q 1 && \
      psql -X -q -d "$db" -c "ALTER SUBSCRIPTION bench DISABLE" -c "ALTER SUBSCRIPTION bench SET (slot_name = NONE)" \
        -c "DROP SUBSCRIPTION bench" >/dev/null 2>&1
  done
  for s in "${SLOTS[@]}"; do
    for _ in 1 2 3 4 5; do
      q postgres "SELECT pg_drop_replication_slot('$s') FROM pg_replication_slots WHERE slot_name = '$s'" >/dev/null 2>&1 && break
      sleep 1
    done
  done
  for db in "${DATABASES[@]}"; do q postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT

q postgres "CREATE DATABASE $CAT"
say "starting a worker on task queue $QUEUE"
# shellcheck disable=SC2086
java ${BENCH_WORKER_JAVA_OPTS:-} -jar "$JAR" worker </dev/null >"$WORKER_LOG" 2>&1 &
WORKER_PID=$!
mf ping --timeout 60s >/dev/null || { tail -30 "$WORKER_LOG" >&2; echo "oltp-bench: the worker did not answer" >&2; exit 1; }

TABLES="pgbench_accounts pgbench_branches pgbench_history pgbench_tellers"
checksums() {
  local db="$1" t out=""
  for t in $TABLES; do
    out="$out $t=$(q "$db" "SELECT count(*) || ':' || coalesce(md5(string_agg(md5(x::text), '' ORDER BY x::text)), '') FROM $t x")"
  done
  echo "$out"
}

# Waits in the destination itself until the first history row and then the end marker are there;
# prints both moments as epoch seconds. Each look is a transaction of its own (the COMMIT in the
# loop): a snapshot held for the whole wait would keep every dead version of the hot rows
# (pgbench_branches is one row updated by every transaction) from being pruned, which slows a
# row-at-a-time apply more and more.
wait_for_end() {
  local db="$1" marker="$2"
  psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" \
    -c "CREATE TEMP TABLE seen (first_row double precision, end_marker double precision)" \
    -c "DO \$\$
    DECLARE first_row double precision;
    BEGIN
      LOOP
        IF first_row IS NULL AND EXISTS (SELECT 1 FROM pgbench_history) THEN
          first_row := extract(epoch FROM clock_timestamp());
        END IF;
        EXIT WHEN EXISTS (SELECT 1 FROM pgbench_history WHERE hid = $marker);
        COMMIT;
        PERFORM pg_sleep(0.01);
      END LOOP;
      INSERT INTO seen VALUES (first_row, extract(epoch FROM clock_timestamp()));
    END \$\$" \
    -c "SELECT first_row || ' ' || end_marker FROM seen"
}

best_native="" best_mf="" best_native_apply="" best_mf_apply=""
for round in $(seq 1 "$ROUNDS"); do
  r="${SUFFIX}_$round"
  SRC="oltp_src_$r"
  NATIVE="oltp_native_$r"
  MFDST="oltp_mf_$r"
  for db in "$SRC" "$NATIVE" "$MFDST"; do q postgres "CREATE DATABASE $db"; DATABASES+=("$db"); done

  say "round $round/$ROUNDS: pgbench -i -s $SCALE, pgbench_history keyed, copied into both destinations"
  "$PGBENCH" -q -i -s "$SCALE" "$SRC" >/dev/null 2>&1
  q "$SRC" "ALTER TABLE pgbench_history ADD COLUMN hid bigserial PRIMARY KEY"
  q "$SRC" "VACUUM ANALYZE"
  for db in "$NATIVE" "$MFDST"; do
    pg_dump --no-owner --no-publications --no-subscriptions -d "$SRC" | psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null
    q "$db" "VACUUM ANALYZE"
  done

  NATIVE_SLOT="oltp_native_$r"
  MF_SLOT="oltp_mf_$r"
  q "$SRC" "CREATE PUBLICATION bench FOR TABLE $(tr ' ' ',' <<<"$TABLES")"
  q "$SRC" "SELECT pg_create_logical_replication_slot('$NATIVE_SLOT', 'pgoutput')" >/dev/null
  SLOTS+=("$NATIVE_SLOT")
  q "$SRC" "SELECT pg_create_logical_replication_slot('$MF_SLOT', 'pgoutput')" >/dev/null
  SLOTS+=("$MF_SLOT")

  per_client=$(( TRANSACTIONS / CLIENTS ))
  say "round $round/$ROUNDS: pgbench: $((per_client * CLIENTS)) transactions from $CLIENTS clients"
  t0="$(now)"
  PGOPTIONS="-c synchronous_commit=off" "$PGBENCH" -n -c "$CLIENTS" -j 2 -t "$per_client" "$SRC" >"$WORK/pgbench.out" 2>&1 \
    || { cat "$WORK/pgbench.out" >&2; exit 1; }
  # The last commit of the workload, synchronous so that the WAL before it is flushed too.
  marker="$(q "$SRC" "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, 1, 0, now()) RETURNING hid")"
  say "  $(grep -E '^tps' "$WORK/pgbench.out" | head -1) ($(secs "$t0" "$(now)")s)"
  tx="$(q "$SRC" "SELECT count(*) FROM pgbench_history")"
  changes=$(( (tx - 1) * 4 + 1 ))
  wal="$(q "$SRC" "SELECT pg_size_pretty(pg_current_wal_lsn() - confirmed_flush_lsn) FROM pg_replication_slots WHERE slot_name = '$MF_SLOT'")"
  expected="$(checksums "$SRC")"
  say "  $tx transactions, $changes row changes, $wal of WAL written on the cluster since the slots (every database's: logical decoding reads it all)"

  say "round $round/$ROUNDS: native logical replication (CREATE SUBSCRIPTION ... copy_data = false)"
  cpu_mark "$WORK/cpu.before"
  start="$(now)"
  q "$NATIVE" "CREATE SUBSCRIPTION bench CONNECTION 'host=127.0.0.1 port=$PG_PORT dbname=$SRC user=mirrorflow password=mirrorflow sslmode=$SSLMODE'
               PUBLICATION bench WITH (copy_data = false, create_slot = false, slot_name = '$NATIVE_SLOT')"
  read -r first end <<<"$(wait_for_end "$NATIVE" "$marker")"
  native="$(secs "$start" "$end")"
  native_apply="$(secs "$first" "$end")"
  cpu_report "$WORK/cpu.before" "native"
  q "$NATIVE" "ALTER SUBSCRIPTION bench DISABLE"
  say "  ${native}s from CREATE SUBSCRIPTION to the last change ($(rate "$changes" "$native") changes/s); first row to last ${native_apply}s"

  say "round $round/$ROUNDS: mirrorflow (mirror create, initialLoad: false)"
  for db in "$SRC" "$MFDST"; do
    mf peer create "p_$db" --type postgres --url "postgres://mirrorflow@127.0.0.1:$PG_PORT/$db?sslmode=$SSLMODE" \
      --password-file "$WORK/password" >/dev/null
  done
  MIRROR="oltp_$round"
  cat > "$WORK/mirror.yaml" <<YAML
name: $MIRROR
source: p_$SRC
destination: p_$MFDST
tables:
$(for t in $TABLES; do echo "  - source: public.$t"; done)
initialLoad: false
sourceOptions:
  slot: $MF_SLOT
  publication: bench
${BENCH_SPEC_EXTRA:-}
YAML
  cpu_mark "$WORK/cpu.before"
  start="$(now)"
  # shellcheck disable=SC2086
  MIRRORFLOW_JAVA_OPTS="${BENCH_CREATE_JAVA_OPTS:-}" "$ROOT/mirrorflow" mirror create -f "$WORK/mirror.yaml" >/dev/null 2>"$WORK/create.log" || { cat "$WORK/create.log" >&2; exit 1; }
  created="$(now)"
  MIRRORS+=("$MIRROR")
  read -r first end <<<"$(wait_for_end "$MFDST" "$marker")"
  mirrorflow="$(secs "$start" "$end")"
  mf_apply="$(secs "$first" "$end")"
  cpu_report "$WORK/cpu.before" "mirrorflow"
  say "  ${mirrorflow}s from mirror create to the last change ($(rate "$changes" "$mirrorflow") changes/s); the command took $(secs "$start" "$created")s, its return to the first row $(secs "$created" "$first")s, first row to last ${mf_apply}s"
  [ -n "${BENCH_KEEP_LOG:-}" ] && cp "$WORK/create.log" "$BENCH_KEEP_LOG.create"
  batches="$(q "$CAT" "SELECT count(*) || ' batches, ' || round(avg(rows_applied)) || ' changes per batch, apply '
                       || round(extract(epoch FROM sum(ended_at - started_at))::numeric, 2) || 's in all'
                       FROM cdc_batches WHERE rows_applied > 0")"
  say "  mirrorflow: $batches"

  for side in "$NATIVE" "$MFDST"; do
    got="$(checksums "$side")"
    [ "$got" = "$expected" ] || { echo "oltp-bench: MISMATCH in $side:$got; source:$expected" >&2; exit 1; }
  done
  say "  both destinations equal the source ($expected )"
  mf mirror drop "$MIRROR" >/dev/null
  MIRRORS=()
  q "$CAT" "DELETE FROM mirrorflow.cdc_batches" >/dev/null

  faster "$native" "$best_native" && best_native="$native"
  faster "$mirrorflow" "$best_mf" && best_mf="$mirrorflow"
  faster "$native_apply" "$best_native_apply" && best_native_apply="$native_apply"
  faster "$mf_apply" "$best_mf_apply" && best_mf_apply="$mf_apply"
done

echo "changes: $changes per round ($tx transactions of pgbench scale $SCALE, $CLIENTS clients), cores: $(nproc), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "native logical replication, best of $ROUNDS: ${best_native}s ($(rate "$changes" "$best_native") changes/s), first row to last ${best_native_apply}s"
echo "mirrorflow, best of $ROUNDS: ${best_mf}s ($(rate "$changes" "$best_mf") changes/s), first row to last ${best_mf_apply}s"
awk -v m="$best_mf_apply" -v n="$best_native_apply" 'BEGIN { printf "apply ratio (first row to last): %.2f\n", n / m }'
awk -v m="$best_mf" -v n="$best_native" 'BEGIN { printf "ratio: %.2f (target >= 1.5)\n", n / m }'
