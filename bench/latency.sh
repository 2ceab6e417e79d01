#!/usr/bin/env bash
# Latency benchmark: how long a change takes from its source commit to the destination, under a
# steady pgbench load, for mirrorflow with the default spec and, at the same time on the same
# load, PostgreSQL's own logical replication.
#
#   bench/latency.sh
#   BENCH_RATE=500 BENCH_SECONDS=20 bench/latency.sh
#
# The source gets pgbench's schema (scale 1, `pgbench_history` given a key) and a `probe` table.
# Two destinations get the same schema and rows; in each, an AFTER INSERT trigger on `probe`
# writes the row's arrival (clock_timestamp()) into `probe_arrival` (for the subscription, an
# ENABLE ALWAYS trigger, since the apply worker runs as a replica). One server, so one clock.
# A worker process and `mirrorflow mirror create` (the real CLI; default spec but
# `initialLoad: false`) follow the source into the first destination, `CREATE SUBSCRIPTION`
# into the second. Once both deliver, pgbench runs at BENCH_RATE transactions/s (`--rate`) for
# BENCH_SECONDS while one session inserts a probe row every 100 ms, stamped at the source with
# clock_timestamp() and committed at once. The first 2 s of probes are left out (warm-up).
# Then both destinations are compared with the source, and the latencies printed:
#   mirrorflow p50/p99/max, native p50/p99/max, and `ratio:`-style lines against the targets
#   (p50 <= 100 ms, p99 <= 500 ms): target over measured, >= 1 meets it.
#
# Environment: BENCH_RATE (1000), BENCH_SECONDS (30), BENCH_CLIENTS (4), BENCH_SPEC_EXTRA (YAML
# lines appended to the mirror spec), BENCH_WORKER_JAVA_OPTS, MIRRORFLOW_DEV_PG_PORT (55432).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

RATE="${BENCH_RATE:-1000}"
SECONDS_UNDER_LOAD="${BENCH_SECONDS:-30}"
CLIENTS="${BENCH_CLIENTS:-4}"

BENCH_NAME=latency-bench
# shellcheck source=bench/pgbench-setup.sh
. "$ROOT/bench/pgbench-setup.sh"
CAT="lat_cat_$SUFFIX"
SRC="lat_src_$SUFFIX"
MFDST="lat_mf_$SUFFIX"
NATIVE="lat_native_$SUFFIX"
NATIVE_SLOT="lat_native_$SUFFIX"
MIRROR="lat_$SUFFIX"
QUEUE="lat_bench_$SUFFIX"
WORKER_LOG="$WORK/worker.log"
export MIRRORFLOW_STATE_DIR="$STATE" MIRRORFLOW_TASK_QUEUE="$QUEUE"
export MIRRORFLOW_CATALOG_URL="jdbc:postgresql://127.0.0.1:$PG_PORT/$CAT?sslmode=$SSLMODE" MIRRORFLOW_CATALOG_USER=mirrorflow
export MIRRORFLOW_CATALOG_PASSWORD=mirrorflow
export MIRRORFLOW_TEMPORAL_ADDRESS="${MIRRORFLOW_TEMPORAL_ADDRESS:-127.0.0.1:7233}"
mf() { java -jar "$JAR" "$@"; }

WORKER_PID=""
MIRROR_MADE=""
cleanup() {
  set +e
  [ -n "$MIRROR_MADE" ] && mf mirror drop "$MIRROR" >/dev/null 2>&1
  if [ -n "$WORKER_PID" ]; then kill -TERM "$WORKER_PID" 2>/dev/null; wait "$WORKER_PID" 2>/dev/null; fi
  psql -X -q -d "$NATIVE" -c "ALTER SUBSCRIPTION bench DISABLE" -c "ALTER SUBSCRIPTION bench SET (slot_name = NONE)" \
    -c "DROP SUBSCRIPTION bench" >/dev/null 2>&1
  for _ in 1 2 3 4 5; do
    q postgres "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$NATIVE_SLOT'" \
      >/dev/null 2>&1 && break
    sleep 1
  done
  for db in "$SRC" "$MFDST" "$NATIVE" "$CAT"; do q postgres "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT
for db in "$CAT" "$SRC" "$MFDST" "$NATIVE"; do q postgres "CREATE DATABASE $db"; done

say "starting a worker on task queue $QUEUE"
# shellcheck disable=SC2086
java ${BENCH_WORKER_JAVA_OPTS:-} -jar "$JAR" worker </dev/null >"$WORKER_LOG" 2>&1 &
WORKER_PID=$!
mf ping --timeout 60s >/dev/null || { tail -30 "$WORKER_LOG" >&2; echo "latency-bench: the worker did not answer" >&2; exit 1; }

say "pgbench -i -s 1, pgbench_history keyed, a probe table; copied into both destinations"
"$PGBENCH" -q -i -s 1 "$SRC" >/dev/null 2>&1
q "$SRC" "ALTER TABLE pgbench_history ADD COLUMN hid bigserial PRIMARY KEY"
q "$SRC" "CREATE TABLE probe (id bigint PRIMARY KEY, sent timestamptz NOT NULL)"
q "$SRC" "VACUUM ANALYZE"
ARRIVAL="
CREATE TABLE probe_arrival (id bigint PRIMARY KEY, arrived timestamptz NOT NULL);
CREATE FUNCTION probe_arrived() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
  -- Qualified: the subscription's apply worker runs with an empty search_path.
  INSERT INTO public.probe_arrival VALUES (NEW.id, pg_catalog.clock_timestamp()) ON CONFLICT DO NOTHING;
  RETURN NULL;
END \$\$;
CREATE TRIGGER probe_arrived AFTER INSERT ON probe FOR EACH ROW EXECUTE FUNCTION probe_arrived();"
for db in "$MFDST" "$NATIVE"; do
  pg_dump --no-owner --no-publications --no-subscriptions -d "$SRC" | psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c "$ARRIVAL" >/dev/null
done
q "$NATIVE" "ALTER TABLE probe ENABLE ALWAYS TRIGGER probe_arrived"

TABLES="pgbench_accounts pgbench_branches pgbench_history pgbench_tellers probe"
q "$SRC" "CREATE PUBLICATION bench FOR TABLE $(tr ' ' ',' <<<"$TABLES")"
q "$SRC" "SELECT pg_create_logical_replication_slot('$NATIVE_SLOT', 'pgoutput')" >/dev/null
q "$NATIVE" "CREATE SUBSCRIPTION bench CONNECTION 'host=127.0.0.1 port=$PG_PORT dbname=$SRC user=mirrorflow password=mirrorflow sslmode=$SSLMODE'
             PUBLICATION bench WITH (copy_data = false, create_slot = false, slot_name = '$NATIVE_SLOT')"

for db in "$SRC" "$MFDST"; do
  mf peer create "p_$db" --type postgres --url "postgres://mirrorflow@127.0.0.1:$PG_PORT/$db?sslmode=$SSLMODE" \
    --password-file "$WORK/password" >/dev/null 2>&1
done
cat > "$WORK/mirror.yaml" <<YAML
name: $MIRROR
source: p_$SRC
destination: p_$MFDST
tables:
$(for t in $TABLES; do echo "  - source: public.$t"; done)
initialLoad: false
${BENCH_SPEC_EXTRA:-}
YAML
mf mirror create -f "$WORK/mirror.yaml" >/dev/null 2>&1
MIRROR_MADE=yes

# Both followers deliver before the measurement starts: mirror create returns before the mirror's
# slot exists, so warm-up probes (negative ids) go in until one arrives at each destination.
say "waiting until both destinations receive changes"
warm=0
until [ "$(q "$MFDST" "SELECT count(*) > 0 FROM probe_arrival WHERE id < 0")" = t ] \
    && [ "$(q "$NATIVE" "SELECT count(*) > 0 FROM probe_arrival WHERE id < 0")" = t ]; do
  warm=$((warm + 1))
  [ "$warm" -le 300 ] || { tail -30 "$WORKER_LOG" >&2
    echo "latency-bench: no warm-up probe arrived at both destinations (mirrorflow: $(q "$MFDST" "SELECT count(*) FROM probe_arrival"), native: $(q "$NATIVE" "SELECT count(*) FROM probe_arrival"))" >&2; exit 1; }
  q "$SRC" "INSERT INTO probe VALUES (-$warm, clock_timestamp())"
  sleep 0.2
done

# The warm-up probes written before the mirror's slot existed never reach mirrorflow: gone at the
# source, they leave the tables comparable.
q "$SRC" "DELETE FROM probe WHERE id < 0"

PROBES=$(( SECONDS_UNDER_LOAD * 10 ))
say "pgbench at $RATE tps for ${SECONDS_UNDER_LOAD}s ($CLIENTS clients), a probe every 100 ms"
"$PGBENCH" -n -c "$CLIENTS" -j 2 --rate "$RATE" -T "$SECONDS_UNDER_LOAD" "$SRC" >"$WORK/pgbench.out" 2>&1 &
PGBENCH_PID=$!
psql -X -q -v ON_ERROR_STOP=1 -d "$SRC" -c "
  DO \$\$
  BEGIN
    FOR i IN 1 .. $PROBES LOOP
      INSERT INTO probe VALUES (i, clock_timestamp());
      COMMIT;
      PERFORM pg_sleep(0.1);
    END LOOP;
  END \$\$;"
wait "$PGBENCH_PID" || { cat "$WORK/pgbench.out" >&2; exit 1; }
say "  pgbench: $(grep -E '^tps' "$WORK/pgbench.out" | head -1)"

for db in "$MFDST" "$NATIVE"; do
  for _ in $(seq 1 600); do
    [ "$(q "$db" "SELECT count(*) FROM probe_arrival WHERE id = $PROBES")" = 1 ] && break
    sleep 0.2
  done
done

CHECK="SELECT count(*) || ':' || coalesce(md5(string_agg(md5(x::text), '' ORDER BY x::text)), '')"
for t in $TABLES; do
  expected="$(q "$SRC" "$CHECK FROM $t x")"
  for db in "$MFDST" "$NATIVE"; do
    got="$(q "$db" "$CHECK FROM $t x")"
    [ "$got" = "$expected" ] || { echo "latency-bench: MISMATCH in $db.$t: $got, source $expected" >&2; exit 1; }
  done
done
say "  both destinations equal the source"

# Probes of the first 2 s are the warm-up.
STATS="SELECT round(1000 * extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY a.arrived - p.sent)))
               || ' ' || round(1000 * extract(epoch FROM percentile_cont(0.99) WITHIN GROUP (ORDER BY a.arrived - p.sent)))
               || ' ' || round(1000 * extract(epoch FROM max(a.arrived - p.sent))) || ' ' || count(*)
         FROM probe p JOIN probe_arrival a USING (id) WHERE p.id > 20"
read -r mf50 mf99 mfmax mfn <<<"$(q "$MFDST" "$STATS")"
read -r n50 n99 nmax nn <<<"$(q "$NATIVE" "$STATS")"
echo "load: pgbench --rate $RATE for ${SECONDS_UNDER_LOAD}s ($(grep -E '^tps' "$WORK/pgbench.out" | head -1 | cut -d' ' -f3 | cut -d. -f1) tps), cores: $(nproc), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "native logical replication: p50 ${n50} ms, p99 ${n99} ms, max ${nmax} ms ($nn probes)"
echo "mirrorflow ($([ -n "${BENCH_SPEC_EXTRA:-}" ] && echo "spec with: $BENCH_SPEC_EXTRA" || echo "default spec")): p50 ${mf50} ms, p99 ${mf99} ms, max ${mfmax} ms ($mfn probes)"
awk -v m="$mf50" 'BEGIN { printf "p50 ratio: %.2f (target 100 ms / measured, >= 1)\n", 100 / (m < 1 ? 1 : m) }'
awk -v m="$mf99" 'BEGIN { printf "p99 ratio: %.2f (target 500 ms / measured, >= 1)\n", 500 / (m < 1 ? 1 : m) }'
