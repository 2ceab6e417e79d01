#!/usr/bin/env bash
# Change-stream benchmark: mirrorflow's decode + apply rate against pg_recvlogical receiving
# the same changes with pgoutput into /dev/null, measured in one run on the same data.
#
#   bench/cdc.sh                 1,000,000 changes per scenario
#   BENCH_CHANGES=200000 bench/cdc.sh
#
# Two scenarios: changes in transactions of 1000 rows, and in transactions of 1 row. Each
# creates its slots before the workload, so every reader sees exactly the same WAL. Each side
# runs BENCH_ROUNDS times (default 3), interleaved, and its best round counts: this machine's
# timing noise is larger than the effects measured. mirrorflow's rounds run in one JVM, as in a
# worker that keeps running; its first round (a cold JVM) is printed as well. Ends with one
# line: the worse of the two scenarios' ratios.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CHANGES="${BENCH_CHANGES:-1000000}"
ROUNDS="${BENCH_ROUNDS:-3}"
PORT="${MIRRORFLOW_DEV_PG_PORT:-55432}"
export PGHOST=127.0.0.1 PGPORT="$PORT" PGUSER=mirrorflow PGPASSWORD=mirrorflow
# BENCH_SSLMODE (disable): the sslmode of every connection, both sides' (libpq's PGSSLMODE and
# pgjdbc's URLs); `require` measures over TLS, which the dev environment's server speaks.
SSLMODE="${BENCH_SSLMODE:-disable}"
export PGSSLMODE="$SSLMODE"

scripts/dev-env.sh up >/dev/null
echo "bench: building ..."
mvn -B -q -DskipTests install >/dev/null
mvn -B -q -pl connectors dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="connectors/target/test-classes:connectors/target/classes:$(cat connectors/target/bench.classpath)"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"

now() { date +%s.%N; }

# Whatever happens, the run leaves no database and no slot behind (slots are cluster-wide).
CLEANUP=()
cleanup() {
  local db
  for db in "${CLEANUP[@]}"; do
    psql -q -d postgres -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '$db'" >/dev/null 2>&1 || true
    psql -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

run_scenario() {
  local label="$1" tx_rows="$2"
  local suffix; suffix="$(printf "%04x%04x" $RANDOM $RANDOM)"
  local src="bench_cdc_src_$suffix"
  psql -q -d postgres -c "CREATE DATABASE $src"
  CLEANUP+=("$src")
  psql -q -d "$src" >/dev/null <<SQL
CREATE TABLE bench (id bigint PRIMARY KEY, qty int NOT NULL, note text, at timestamptz NOT NULL, price numeric(12,2));
CREATE PUBLICATION bench FOR TABLE bench;
SQL
  local r
  for r in $(seq 1 "$ROUNDS"); do
    psql -q -d "$src" -c "SELECT pg_create_logical_replication_slot('bench_recv_${suffix}_$r', 'pgoutput')" \
      -c "SELECT pg_create_logical_replication_slot('bench_mf_${suffix}_$r', 'pgoutput')" >/dev/null
  done
  # The workload: inserts (half of the changes), then updates (30%), then deletes (20%).
  local inserts=$(( CHANGES / 2 )) updates=$(( CHANGES * 3 / 10 )) deletes=$(( CHANGES / 5 ))
  echo "bench[$label]: writing $CHANGES changes in transactions of $tx_rows row(s) ..."
  if [ "$tx_rows" -gt 1 ]; then
    PGOPTIONS="-c synchronous_commit=off" psql -q -d "$src" <<SQL
DO \$\$
DECLARE s bigint;
BEGIN
  FOR s IN 0 .. $inserts - 1 BY $tx_rows LOOP
    INSERT INTO bench SELECT g, g % 100, 'note ' || g, now(), g * 1.25 FROM generate_series(s + 1, least(s + $tx_rows, $inserts)) g;
    COMMIT;
  END LOOP;
  FOR s IN 0 .. $updates - 1 BY $tx_rows LOOP
    UPDATE bench SET qty = qty + 1, note = note || '!' WHERE id > s AND id <= least(s + $tx_rows, $updates);
    COMMIT;
  END LOOP;
  FOR s IN 0 .. $deletes - 1 BY $tx_rows LOOP
    DELETE FROM bench WHERE id > $inserts - s - $tx_rows AND id <= $inserts - s;
    COMMIT;
  END LOOP;
END \$\$;
SQL
  else
    local script; script="$(mktemp)"
    printf '\\set id random(1, 1000000000000)\nINSERT INTO bench VALUES (:id, 1, '"'"'n'"'"', now(), 1.00) ON CONFLICT DO NOTHING;\n' > "$script"
    PGOPTIONS="-c synchronous_commit=off" pgbench -n -c 2 -j 2 -t $(( inserts / 2 )) -f "$script" "$src" >/dev/null
    PGOPTIONS="-c synchronous_commit=off" psql -q -d "$src" <<SQL
DO \$\$
DECLARE r record; n int := 0;
BEGIN
  FOR r IN SELECT id FROM bench ORDER BY id LIMIT $updates LOOP
    UPDATE bench SET qty = qty + 1 WHERE id = r.id; COMMIT;
  END LOOP;
  FOR r IN SELECT id FROM bench ORDER BY id DESC LIMIT $deletes LOOP
    DELETE FROM bench WHERE id = r.id; COMMIT;
  END LOOP;
END \$\$;
SQL
    rm -f "$script"
  fi
  # The workload committed asynchronously; a transaction that writes WAL (a logical message no
  # reader here turns into rows), committed synchronously, flushes the WAL before it, so that
  # decoding (and the count below) sees all of it.
  psql -tAq -d "$src" -c "SELECT pg_logical_emit_message(true, 'bench', 'end of workload')" >/dev/null
  local end_lsn; end_lsn="$(psql -tAq -d "$src" -c "SELECT pg_current_wal_lsn()")"
  local changes_made; changes_made="$(psql -tAq -d "$src" -c "SELECT count(*) FROM pg_logical_slot_peek_binary_changes('bench_recv_${suffix}_1', NULL, NULL, 'proto_version', '1', 'publication_names', 'bench') WHERE substr(data, 1, 1) IN ('I', 'U', 'D')")"
  local expected; expected="$(psql -tAq -d "$src" -c "SELECT count(*) || ':' || coalesce(md5(string_agg(b::text, ',' ORDER BY id)), '') FROM bench b")"

  # mirrorflow's JVM takes one round per line on its standard input.
  coproc MF { java ${BENCH_JAVA_OPTS:-} -Xmx2g -cp "$CP" dev.mirrorflow.bench.CdcBench \
    "jdbc:postgresql://127.0.0.1:$PORT/$src?sslmode=$SSLMODE" bench "$end_lsn" 2>&1; }
  # Bash forgets MF_PID and the MF descriptors once the coprocess ends: keep copies.
  local mf_pid="$MF_PID" mf_in mf_out
  exec {mf_in}>&"${MF[1]}" {mf_out}<&"${MF[0]}"
  local base_best="" mf_best="" base_first="" mf_first="" secs line t0 t1 dst got
  for r in $(seq 1 "$ROUNDS"); do
    echo "bench[$label]: round $r/$ROUNDS: pg_recvlogical to /dev/null ..."
    t0="$(now)"
    "$PG_BIN/pg_recvlogical" -d "$src" --slot "bench_recv_${suffix}_$r" --start -o proto_version=1 \
      -o publication_names=bench -E "$end_lsn" -f /dev/null --no-loop
    t1="$(now)"
    secs="$(echo "$t1 - $t0" | bc -l)"
    printf "  %.2fs\n" "$secs"
    base_first="${base_first:-$secs}"
    if [ -z "$base_best" ] || [ "$(echo "$secs < $base_best" | bc -l)" = 1 ]; then base_best="$secs"; fi

    echo "bench[$label]: round $r/$ROUNDS: mirrorflow decode + apply ..."
    dst="bench_cdc_dst_${suffix}_$r"
    psql -q -d postgres -c "CREATE DATABASE $dst"
    CLEANUP+=("$dst")
    echo "bench_mf_${suffix}_$r jdbc:postgresql://127.0.0.1:$PORT/$dst?sslmode=$SSLMODE" >&"$mf_in"
    secs=""
    while IFS= read -r line <&"$mf_out"; do
      echo "  $line"
      case "$line" in seconds:*) secs="${line#seconds: }"; break ;; esac
    done
    [ -n "$secs" ] || { echo "bench[$label]: mirrorflow stopped without finishing the round" >&2; exit 1; }
    mf_first="${mf_first:-$secs}"
    if [ -z "$mf_best" ] || [ "$(echo "$secs < $mf_best" | bc -l)" = 1 ]; then mf_best="$secs"; fi

    # The destination must equal the source.
    got="$(psql -tAq -d "$dst" -c "SELECT count(*) || ':' || coalesce(md5(string_agg(b::text, ',' ORDER BY id)), '') FROM bench b")"
    [ "$expected" = "$got" ] || { echo "bench[$label]: MISMATCH source $expected destination $got" >&2; exit 1; }
  done
  exec {mf_in}>&- {MF[1]}>&-
  while IFS= read -r line <&"$mf_out"; do echo "  $line"; done
  exec {mf_out}<&-
  wait "$mf_pid" 2>/dev/null || true

  local base_rate mf_rate ratio cold
  base_rate="$(echo "$changes_made / $base_best" | bc -l)"
  mf_rate="$(echo "$changes_made / $mf_best" | bc -l)"
  ratio="$(echo "$mf_rate / $base_rate" | bc -l)"
  cold="$(echo "$base_first / $mf_first" | bc -l)"
  printf 'bench[%s]: %d changes; best of %d: pg_recvlogical %.0f rows/s (%.2fs), mirrorflow %.0f rows/s (%.2fs); ratio %.2f; first round (cold JVM) ratio %.2f; destination equals source\n' \
    "$label" "$changes_made" "$ROUNDS" "$base_rate" "$base_best" "$mf_rate" "$mf_best" "$ratio" "$cold"
  RATIOS+=("$ratio")
}

command -v bc >/dev/null || { apt-get install -y -qq bc >/dev/null 2>&1 || { echo "bench: needs bc" >&2; exit 1; }; }
RATIOS=()
run_scenario "tx=1000" 1000
run_scenario "tx=1" 1
worst="$(printf '%s\n' "${RATIOS[@]}" | sort -g | head -1)"
printf 'ratio: %.2f (target >= 0.8)\n' "$worst"
