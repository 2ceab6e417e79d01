#!/usr/bin/env bash
# Initial-load benchmark: mirrorflow's parallel partitioned load against one binary COPY stream.
#
#   bench/snapshot.sh
#
# Builds the connectors module and what it needs, makes sure the dev-env PostgreSQL answers
# (scripts/dev-env.sh up if it does not), and creates three scratch databases on it: a source, a
# destination and a catalog. The source gets a narrow table `t` (1M rows) and a wide table `w`
# (200k rows with text, jsonb and numeric columns), vacuumed so that no reader pays for hint bits.
#
# Baseline: `psql -c "COPY x TO STDOUT (FORMAT binary)" | psql -c "COPY x FROM STDIN (FORMAT binary)"`
# for each table into empty destination tables that have their primary keys (keyed tables, what a
# user copying into the tables a mirror streams into has). For information only, the same pipe
# into tables without keys, and that plus `ALTER TABLE ... ADD PRIMARY KEY` afterwards.
# mirrorflow: the SnapshotLoader through SnapshotBench, every partition importing an exported
# snapshot, into tables mirrorflow creates itself (so it loads them without their keys and builds
# the keys after each table's last partition), timed from planning until the keys are built and the
# last catalog update, at each parallelism in BENCH_PARALLELISM. Each
# mirrorflow JVM loads twice: the first load is a cold worker (the JIT compiles the copy path
# while it copies), the second a worker that has loaded before, which is what a long-running
# worker is; both are printed, and `ratio:` is the second's. Before every timed load the
# destination tables are emptied and the cluster checkpointed. The sides alternate for
# BENCH_ROUNDS rounds, each side's best run counts, and every mirrorflow JVM's result is checked
# against the source (counts and ordered checksums).
#
# End to end (BENCH_E2E=1, the default): what a user waits for, from `mirror create` until the
# catalog says RUNNING with both tables loaded, through the real CLI (`./mirrorflow`, as a user runs it)
# and a worker process started before (on a task queue of its own on the dev Temporal server),
# with the spec's defaults; each round's mirror is dropped again with its destination tables.
# Printed against the keyed baseline pipe of the same round: `e2e over the pipe: +X.XXs (target
# <= +1.00s)`, with when each phase began.
# Not a test: it prints figures, ending with `ratio: X.XX (target >= 1.5)`.
#
# Environment: BENCH_ROWS (1000000), BENCH_WIDE_ROWS (200000), BENCH_PARALLELISM ("2 3 4"),
# BENCH_ROWS_PER_PARTITION (50000), BENCH_ROUNDS (3), BENCH_E2E (1), MIRRORFLOW_DEV_PG_PORT (55432),
# BENCH_KEEP_LOG (a file to copy the end-to-end worker's log to).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ROWS="${BENCH_ROWS:-1000000}"
WIDE_ROWS="${BENCH_WIDE_ROWS:-200000}"
PARALLELISMS="${BENCH_PARALLELISM:-2 3 4}"
ROWS_PER_PARTITION="${BENCH_ROWS_PER_PARTITION:-50000}"
ROUNDS="${BENCH_ROUNDS:-3}"
E2E="${BENCH_E2E:-1}"
PG_PORT="${MIRRORFLOW_DEV_PG_PORT:-55432}"
export PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=mirrorflow PGPASSWORD=mirrorflow
# BENCH_SSLMODE (disable): the sslmode of every connection, both sides' (libpq's PGSSLMODE and
# pgjdbc's URLs); `require` measures over TLS, which the dev environment's server speaks.
SSLMODE="${BENCH_SSLMODE:-disable}"
export PGSSLMODE="$SSLMODE"
JDBC="jdbc:postgresql://127.0.0.1:$PG_PORT"

say() { printf 'snapshot-bench: %s\n' "$*" >&2; }
now() { date +%s.%N; }
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"; }

command -v psql >/dev/null 2>&1 || { echo "snapshot-bench: psql is needed (apt-get install postgresql-client)" >&2; exit 1; }

say "building (mvn -pl connectors -am package -DskipTests)"
# One reactor build, and the classpath taken from it: the modules of this checkout, not whatever
# another checkout last installed into the shared local Maven repository.
mvn -B -q -Dstyle.color=never -pl connectors -am -DskipTests package exec:exec -Dexec.executable=echo \
  -Dexec.args='%classpath' -Dexec.classpathScope=test -Dexec.outputFile=target/bench-classpath.txt >/dev/null
CP="$(cat connectors/target/bench-classpath.txt)"
if [ "$E2E" = 1 ]; then
  say "building the mirrorflow jar (mvn -pl worker -am package -DskipTests)"
  mvn -B -q -Dstyle.color=never -pl worker -am -DskipTests package >/dev/null
fi

if ! pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then
  scripts/dev-env.sh up >&2
fi

SUFFIX="$(date +%s)_$$"
SRC="mf_bench_src_$SUFFIX"
DST="mf_bench_dst_$SUFFIX"
DST_MF="mf_bench_dstmf_$SUFFIX"
DST_NK="mf_bench_dstnk_$SUFFIX"
CAT="mf_bench_cat_$SUFFIX"
DST_E2E="mf_bench_dste2e_$SUFFIX"
CAT_E2E="mf_bench_cate2e_$SUFFIX"
JAVA_LOG="$(mktemp)"
E2E_DIR="$(mktemp -d)"
WORKER_PID=""
cleanup() {
  if [ -n "$WORKER_PID" ]; then
    kill "$WORKER_PID" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$WORKER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$WORKER_PID" 2>/dev/null || true
  fi
  [ -n "${BENCH_KEEP_LOG:-}" ] && cp "$E2E_DIR/worker.log" "$BENCH_KEEP_LOG" 2>/dev/null
  rm -rf "$JAVA_LOG" "$E2E_DIR"
  # A mirror whose drop did not finish leaves its slot, which would keep the database from going.
  q postgres "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
              WHERE database = '$SRC' AND NOT active" >/dev/null 2>&1 || true
  for db in "$SRC" "$DST" "$DST_MF" "$DST_NK" "$CAT" "$DST_E2E" "$CAT_E2E"; do
    q postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  done
}
trap cleanup EXIT
for db in "$SRC" "$DST" "$DST_MF" "$DST_NK" "$CAT" "$DST_E2E" "$CAT_E2E"; do q postgres "CREATE DATABASE $db"; done

DDL="
CREATE TABLE t (
  id bigint PRIMARY KEY,
  a int NOT NULL,
  b int,
  c text,
  d timestamptz,
  e numeric(12,2)
);
CREATE TABLE w (
  id bigint PRIMARY KEY,
  title text NOT NULL,
  body text,
  doc jsonb,
  price numeric(18,6),
  qty numeric,
  tags text[],
  updated_at timestamptz
);"
q "$SRC" "$DDL"
q "$DST" "$DDL"
q "$DST_NK" "${DDL// PRIMARY KEY/}"

say "generating $ROWS rows in t and $WIDE_ROWS rows in w"
q "$SRC" "INSERT INTO t SELECT g, g % 100000, CASE WHEN g % 10 = 0 THEN NULL ELSE g * 7 END,
            'customer-' || md5(g::text), timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second',
            (g % 1000000) / 100.0
          FROM generate_series(1, $ROWS) g"
q "$SRC" "INSERT INTO w SELECT g, 'title ' || md5(g::text) || ' ' || md5((g + 1)::text),
            repeat(md5(g::text) || md5((g * 3)::text) || ' ', 10 + (g % 10)),
            jsonb_build_object('id', g, 'name', md5(g::text), 'score', g % 977, 'nested',
              jsonb_build_object('a', g % 3, 'b', md5((g * 7)::text), 'list', jsonb_build_array(g, g + 1, g + 2))),
            (g * 3.141592)::numeric(18,6), (g::numeric / 7), ARRAY['x' || (g % 13), 'y' || (g % 17)],
            timestamptz '2024-01-01 00:00:00+00' + g * interval '1 minute'
          FROM generate_series(1, $WIDE_ROWS) g"
q "$SRC" "VACUUM (FREEZE, ANALYZE) t"
q "$SRC" "VACUUM (FREEZE, ANALYZE) w"
TOTAL=$((ROWS + WIDE_ROWS))
say "source: t $(q "$SRC" "SELECT pg_size_pretty(pg_table_size('t'))"), w $(q "$SRC" "SELECT pg_size_pretty(pg_table_size('w'))")"

CHECK="SELECT count(*) || ':' || md5(string_agg(md5(x::text), '' ORDER BY id))"
SRC_T="$(q "$SRC" "$CHECK FROM t x")"
SRC_W="$(q "$SRC" "$CHECK FROM w x")"

verify() {
  local what="$1" db="${2:-$DST}"
  [ "$(q "$db" "$CHECK FROM t x")" = "$SRC_T" ] || { echo "snapshot-bench: $what: t differs from the source" >&2; exit 1; }
  [ "$(q "$db" "$CHECK FROM w x")" = "$SRC_W" ] || { echo "snapshot-bench: $what: w differs from the source" >&2; exit 1; }
}

# The tables mirrorflow loaded must have their primary keys again, as the change stream needs.
verify_keys() {
  local db="$1" keys
  keys="$(q "$db" "SELECT string_agg(conrelid::regclass || ':' || pg_get_constraintdef(oid), ' ' ORDER BY conrelid::regclass::text)
                   FROM pg_constraint WHERE contype = 'p' AND conrelid IN ('t'::regclass, 'w'::regclass)")"
  [ "$keys" = "t:PRIMARY KEY (id) w:PRIMARY KEY (id)" ] \
    || { echo "snapshot-bench: the loaded tables lack their primary keys: '$keys'" >&2; exit 1; }
}

# Every timed run starts from empty destination tables and a fresh checkpoint, so none inherits
# another's dirty buffers.
reset_destination() {
  q "$DST" "TRUNCATE t, w"
  q "$DST" "DO \$\$ BEGIN IF to_regclass('_mirrorflow.snapshot_partitions') IS NOT NULL THEN
              DELETE FROM _mirrorflow.snapshot_partitions; END IF; END \$\$"
  q "$DST" "CHECKPOINT"
}

rate() { awk -v r="$1" -v s="$2" 'BEGIN { printf "%.0f", r / s }'; }

# Background load on a shared machine moves single measurements a lot, so the sides alternate:
# each mirrorflow run follows a baseline run, and each side's best run counts. Both sides get
# the same number of runs.
baseline_once() {
  reset_destination
  local start; start="$(now)"
  for table in t w; do
    psql -X -q -v ON_ERROR_STOP=1 -d "$SRC" -c "COPY $table TO STDOUT (FORMAT binary)" \
      | psql -X -q -v ON_ERROR_STOP=1 -d "$DST" -c "COPY $table FROM STDIN (FORMAT binary)"
  done
  awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'
}

# For information: the same pipe into tables without keys, and the keys built after it. Prints
# "copy-seconds copy-and-key-seconds".
keyless_baseline_once() {
  q "$DST_NK" "DROP TABLE IF EXISTS t, w"
  q "$DST_NK" "${DDL// PRIMARY KEY/}"
  q "$DST_NK" "CHECKPOINT"
  local start copied; start="$(now)"
  for table in t w; do
    psql -X -q -v ON_ERROR_STOP=1 -d "$SRC" -c "COPY $table TO STDOUT (FORMAT binary)" \
      | psql -X -q -v ON_ERROR_STOP=1 -d "$DST_NK" -c "COPY $table FROM STDIN (FORMAT binary)"
  done
  copied="$(now)"
  q "$DST_NK" "ALTER TABLE t ADD PRIMARY KEY (id)"
  q "$DST_NK" "ALTER TABLE w ADD PRIMARY KEY (id)"
  awk -v a="$start" -v c="$copied" -v b="$(now)" 'BEGIN { printf "%.3f %.3f", c - a, b - a }'
}

# One value of a SnapshotBench line (`run=1 rows=N seconds=S ...`).
field() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }

# One JVM, two loads: run 1 is a cold worker, run 2 a worker that has loaded before. Prints
# "cold-seconds warm-seconds".
mirrorflow_once() {
  local p="$1" generation="$2" start process line run rows seconds partitions cpu times=""
  start="$(now)"
  java -cp "$CP" dev.mirrorflow.connector.postgres.snapshot.SnapshotBench \
    --source "$JDBC/$SRC?sslmode=$SSLMODE" --destination "$JDBC/$DST_MF?sslmode=$SSLMODE" --catalog "$JDBC/$CAT?sslmode=$SSLMODE" \
    --tables public.t,public.w --parallelism "$p" --rows-per-partition "$ROWS_PER_PARTITION" \
    --generation "$generation" --runs 2 >"$JAVA_LOG" 2>&1 \
    || { tail -40 "$JAVA_LOG" >&2; echo "snapshot-bench: the mirrorflow load failed" >&2; exit 1; }
  process="$(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }')"
  while read -r line; do
    run="$(field run "$line")"
    rows="$(field rows "$line")"
    seconds="$(field seconds "$line")"
    partitions="$(field partitions "$line")"
    cpu="$(field worker_cpu_seconds "$line")"
    [ "$rows" = "$TOTAL" ] || { echo "snapshot-bench: mirrorflow run $run copied $rows rows, expected $TOTAL" >&2; exit 1; }
    say "  mirrorflow parallelism $p, $([ "$run" = 1 ] && echo cold || echo warm): $partitions partitions, ${seconds}s ($(rate "$TOTAL" "$seconds") rows/s, worker CPU ${cpu}s)"
    times="$times $seconds"
  done < <(grep '^run=' "$JAVA_LOG")
  # The destination now holds the second load: it must equal the source row for row.
  verify "mirrorflow parallelism $p" "$DST_MF"
  verify_keys "$DST_MF"
  say "  (java process ${process}s for both loads; counts and checksums match, primary keys built)"
  echo $times
}

# The CLI and the worker of the end-to-end runs: a catalog, a state directory (secret key) and a
# task queue of their own, so nothing else on the shared dev servers takes their work.
mirrorflow_cli() {
  MIRRORFLOW_CATALOG_URL="$JDBC/$CAT_E2E?sslmode=$SSLMODE" MIRRORFLOW_CATALOG_USER=mirrorflow MIRRORFLOW_CATALOG_PASSWORD=mirrorflow \
  MIRRORFLOW_STATE_DIR="$E2E_DIR/state" MIRRORFLOW_TASK_QUEUE="bench-snapshot-$SUFFIX" \
  MIRRORFLOW_TEMPORAL_ADDRESS="${MIRRORFLOW_TEMPORAL_ADDRESS:-127.0.0.1:7233}" \
    "$ROOT/mirrorflow" "$@"
}

start_e2e_worker() {
  printf 'mirrorflow' >"$E2E_DIR/password"
  mirrorflow_cli peer create bench_src --type postgres --url "postgres://mirrorflow@127.0.0.1:$PG_PORT/$SRC?sslmode=$SSLMODE" \
    --password-file "$E2E_DIR/password" >/dev/null
  mirrorflow_cli peer create bench_dst --type postgres --url "postgres://mirrorflow@127.0.0.1:$PG_PORT/$DST_E2E?sslmode=$SSLMODE" \
    --password-file "$E2E_DIR/password" >/dev/null
  # exec: $! is then the worker's JVM itself, which the cleanup stops.
  (export MIRRORFLOW_CATALOG_URL="$JDBC/$CAT_E2E?sslmode=$SSLMODE" MIRRORFLOW_CATALOG_USER=mirrorflow \
     MIRRORFLOW_CATALOG_PASSWORD=mirrorflow MIRRORFLOW_STATE_DIR="$E2E_DIR/state" \
     MIRRORFLOW_TASK_QUEUE="bench-snapshot-$SUFFIX" \
     MIRRORFLOW_TEMPORAL_ADDRESS="${MIRRORFLOW_TEMPORAL_ADDRESS:-127.0.0.1:7233}"
   exec java ${MIRRORFLOW_JAVA_OPTS:-} -jar "$ROOT/worker/target/mirrorflow.jar" worker) >"$E2E_DIR/worker.log" 2>&1 &
  WORKER_PID=$!
  local deadline=$((SECONDS + 120))
  until grep -q "polling task queue" "$E2E_DIR/worker.log"; do
    [ "$SECONDS" -lt "$deadline" ] && kill -0 "$WORKER_PID" 2>/dev/null \
      || { tail -30 "$E2E_DIR/worker.log" >&2; echo "snapshot-bench: the worker did not start" >&2; exit 1; }
    sleep 0.2
  done
}

# One mirror from `mirror create` until RUNNING; prints its seconds. The catalog is looked at every
# 20 ms, which is the resolution of the figure.
e2e_once() {
  local round="$1" name="bench_$1" start phase seconds
  cat >"$E2E_DIR/$name.yaml" <<YAML
name: $name
source: bench_src
destination: bench_dst
tables:
  - source: public.t
  - source: public.w
YAML
  q "$DST_E2E" "CHECKPOINT"
  start="$(now)"
  mirrorflow_cli mirror create -f "$E2E_DIR/$name.yaml" >"$E2E_DIR/create.out" 2>&1 \
    || { cat "$E2E_DIR/create.out" >&2; echo "snapshot-bench: mirror create failed" >&2; exit 1; }
  local created; created="$(now)"
  # Waits in the catalog itself, one session looking every 20 ms (a psql process and a backend
  # started every 20 ms take a good part of a core from a load bound by these two cores' CPU).
  local seen; seen="$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$CAT_E2E" \
    -c "CREATE TEMP TABLE seen (phase text, at double precision)" \
    -c "DO \$\$
    DECLARE found text; deadline timestamptz := clock_timestamp() + interval '600 s';
    BEGIN
      LOOP
        SELECT phase INTO found FROM mirrorflow.mirrors WHERE name = '$name' AND dropped_at IS NULL;
        EXIT WHEN found IN ('RUNNING', 'FAILED', 'TERMINATED', 'COMPLETED') OR clock_timestamp() > deadline;
        COMMIT;
        PERFORM pg_sleep(0.02);
      END LOOP;
      INSERT INTO seen VALUES (coalesce(found, 'missing'), extract(epoch FROM clock_timestamp()));
    END \$\$" \
    -c "SELECT phase || ' ' || at FROM seen")"
  phase="${seen%% *}"
  case "$phase" in
    RUNNING) ;;
    FAILED|TERMINATED|COMPLETED) tail -30 "$E2E_DIR/worker.log" >&2
      echo "snapshot-bench: mirror $name ended $phase" >&2; exit 1;;
    *) echo "snapshot-bench: mirror $name not RUNNING after 600 s ($phase)" >&2; exit 1;;
  esac
  seconds="$(awk -v a="$start" -v b="${seen#* }" 'BEGIN { printf "%.3f", b - a }')"
  verify "end to end" "$DST_E2E"
  verify_keys "$DST_E2E"
  say "  end to end: ${seconds}s from mirror create to RUNNING ($(awk -v a="$start" -v b="$created" 'BEGIN { printf "%.3f", b - a }')s in mirror create); phases began at $(q "$CAT_E2E" "
    SELECT 'recorded +' || to_char(extract(epoch FROM m.created_at) - $start, 'FM990.000') || 's, '
           || string_agg(e.phase || ' +' || to_char(extract(epoch FROM e.occurred_at) - $start, 'FM990.000') || 's', ', '
                         ORDER BY e.id)
    FROM mirrorflow.mirror_events e JOIN mirrorflow.mirrors m ON m.id = e.mirror_id
    WHERE m.name = '$name' AND m.dropped_at IS NULL AND e.kind = 'PHASE' GROUP BY m.created_at")"
  say "  end to end partitions: $(q "$CAT_E2E" "
    SELECT string_agg(table_name || ' ' || n || ' partitions copied +' || a || 's..+' || b || 's', ', ' ORDER BY table_name)
    FROM (SELECT p.table_name, count(*) AS n,
                 to_char(extract(epoch FROM min(p.started_at)) - $start, 'FM990.000') AS a,
                 to_char(extract(epoch FROM max(p.finished_at)) - $start, 'FM990.000') AS b
          FROM mirrorflow.snapshot_partitions p JOIN mirrorflow.mirrors m ON m.id = p.mirror_id
          WHERE m.name = '$name' AND m.dropped_at IS NULL GROUP BY p.table_name) x")"
  mirrorflow_cli mirror drop "$name" --drop-destination --timeout 120s >/dev/null \
    || { tail -30 "$E2E_DIR/worker.log" >&2; echo "snapshot-bench: mirror drop $name failed" >&2; exit 1; }
  echo "$seconds"
}

faster() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(b == "" || a < b) }'; }

best_baseline=""
best_keyless=""
best_keyless_keyed=""
best_e2e=""
best_e2e_gap=""
baseline_runs=0
[ "$E2E" != 1 ] || start_e2e_worker
declare -A best_warm best_cold
generation=0
for round in $(seq 1 "$ROUNDS"); do
  say "round $round of $ROUNDS"
  read -r keyless keyless_keyed <<<"$(keyless_baseline_once)"
  say "  pipe into key-less tables: ${keyless}s, with the keys built after it: ${keyless_keyed}s (for information)"
  faster "$keyless" "$best_keyless" && best_keyless="$keyless"
  faster "$keyless_keyed" "$best_keyless_keyed" && best_keyless_keyed="$keyless_keyed"
  if [ "$E2E" = 1 ]; then
    pipe="$(baseline_once)"
    baseline_runs=$((baseline_runs + 1))
    say "  baseline: ${pipe}s"
    faster "$pipe" "$best_baseline" && best_baseline="$pipe"
    e2e="$(e2e_once "$round")"
    gap="$(awk -v e="$e2e" -v p="$pipe" 'BEGIN { printf "%.3f", e - p }')"
    say "  end to end over this round's pipe: +${gap}s"
    faster "$e2e" "$best_e2e" && best_e2e="$e2e"
    faster "$gap" "$best_e2e_gap" && best_e2e_gap="$gap"
  fi
  for p in $PARALLELISMS; do
    seconds="$(baseline_once)"
    baseline_runs=$((baseline_runs + 1))
    [ "$round$p" != "1${PARALLELISMS%% *}" ] || verify "baseline"
    say "  baseline: ${seconds}s, $(rate "$TOTAL" "$seconds") rows/s"
    faster "$seconds" "$best_baseline" && best_baseline="$seconds"
    times="$(mirrorflow_once "$p" $((generation + 1)))"
    read -r cold warm <<<"$times"
    generation=$((generation + 2))
    faster "$cold" "${best_cold[$p]:-}" && best_cold[$p]="$cold"
    faster "$warm" "${best_warm[$p]:-}" && best_warm[$p]="$warm"
  done
done

best_seconds=""
best_parallelism=""
best_cold_seconds=""
for p in $PARALLELISMS; do
  say "mirrorflow parallelism $p: best warm ${best_warm[$p]}s ($(rate "$TOTAL" "${best_warm[$p]}") rows/s), best cold ${best_cold[$p]}s ($(rate "$TOTAL" "${best_cold[$p]}") rows/s)"
  if faster "${best_warm[$p]}" "$best_seconds"; then
    best_seconds="${best_warm[$p]}"
    best_parallelism="$p"
  fi
  faster "${best_cold[$p]}" "$best_cold_seconds" && best_cold_seconds="${best_cold[$p]}"
done

baseline_rate="$(rate "$TOTAL" "$best_baseline")"
mirrorflow_rate="$(rate "$TOTAL" "$best_seconds")"
cold_rate="$(rate "$TOTAL" "$best_cold_seconds")"
runs=$((ROUNDS * $(wc -w <<<"$PARALLELISMS")))
echo "rows: $TOTAL (t: $ROWS narrow, w: $WIDE_ROWS wide), cores: $(nproc), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "baseline (psql binary COPY | psql binary COPY into keyed tables, one stream, best of $baseline_runs): ${best_baseline}s, $baseline_rate rows/s"
echo "for information: the same pipe into key-less tables ${best_keyless}s, then ADD PRIMARY KEY: ${best_keyless_keyed}s in all (best of $ROUNDS)"
echo "mirrorflow cold (first load in a fresh JVM, best of $runs over parallelism $PARALLELISMS): ${best_cold_seconds}s, $cold_rate rows/s"
if [ "$E2E" = 1 ]; then
  echo "end to end (mirror create until RUNNING with both tables loaded, CLI + worker process, default spec, best of $ROUNDS): ${best_e2e}s"
  echo "e2e over the pipe: +${best_e2e_gap}s (smallest gap to the same round's pipe; target <= +1.00s)"
fi
awk -v m="$cold_rate" -v b="$baseline_rate" 'BEGIN { printf "cold ratio: %.2f (target >= 1.5)\n", m / b }'
echo "mirrorflow warm (second load in the same JVM, parallelism $best_parallelism (fastest of $PARALLELISMS), $ROWS_PER_PARTITION rows/partition, best of $ROUNDS): ${best_seconds}s, $mirrorflow_rate rows/s"
awk -v m="$mirrorflow_rate" -v b="$baseline_rate" 'BEGIN { printf "ratio: %.2f (target >= 1.5)\n", m / b }'
