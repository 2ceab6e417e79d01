#!/usr/bin/env bash
# MongoDB source benchmark: mirrorflow's initial load and change-stream apply rates against the
# Java driver reading the same collection, and the same change stream, into nothing, measured in
# one run on the same data (the dev-env mongod, a scratch database dropped afterwards; a scratch
# PostgreSQL database as the destination).
#
#   bench/mongo.sh                                     200,000 documents, 100,000 changes
#   BENCH_DOCUMENTS=50000 BENCH_CHANGES=20000 bench/mongo.sh
#
# The load: mirrorflow plans _id partitions of at most BENCH_ROWS_PER_PARTITION documents and
# copies them with up to BENCH_PARALLELISM workers through the PostgreSQL destination's partition
# writer, as MongoSource.load does; both default to what a spec without `snapshot` settings gets
# (250,000 rows per partition, parallelism 4, so 200,000 documents are 4 partitions of 50,000). The driver runs
# find() over RawBsonDocument with the batch size mirrorflow's reads use. Info lines (not in the
# ratio) show the driver decoding documents, the read in _id order, mirrorflow's read and
# conversion without a destination, and the destination alone writing those rows from memory. The stream: a
# workload of inserts (50%), updates (30%) and deletes (20%) after a resume token taken once;
# mirrorflow's MongoChangeStream (fullDocument: updateLookup) applied batch by batch to the
# destination, against the driver's change stream with the same options into nothing. Each side
# runs BENCH_ROUNDS times (default 2), interleaved, and its best round counts. Every mirrorflow
# round's destination table must hold the collection's count of documents. Ends with two lines,
# `ratio: load ...` and `ratio: stream ...`. Not a test: it does not run in CI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DOCUMENTS="${BENCH_DOCUMENTS:-200000}"
CHANGES="${BENCH_CHANGES:-100000}"
ROUNDS="${BENCH_ROUNDS:-2}"
PARALLELISM="${BENCH_PARALLELISM:-}"
ROWS_PER_PARTITION="${BENCH_ROWS_PER_PARTITION:-}"
PORT="${MIRRORFLOW_DEV_PG_PORT:-55432}"
MONGO_PORT="${MIRRORFLOW_DEV_MONGO_PORT:-27117}"
MONGO_URL="${BENCH_MONGO_URL:-mongodb://mirrorflow:mirrorflow@127.0.0.1:$MONGO_PORT/?replicaSet=rs0&authSource=admin}"
export PGHOST=127.0.0.1 PGPORT="$PORT" PGUSER=mirrorflow PGPASSWORD=mirrorflow
# BENCH_SSLMODE (disable): the sslmode of every connection, both sides' (libpq's PGSSLMODE and
# pgjdbc's URLs); `require` measures over TLS, which the dev environment's server speaks.
SSLMODE="${BENCH_SSLMODE:-disable}"
export PGSSLMODE="$SSLMODE"

if [ -z "${MIRRORFLOW_KEEP_DEV_ENV:-}" ]; then scripts/dev-env.sh up >/dev/null; fi
echo "bench: building ..."
# package, never install: the jars stay in this checkout's target directories.
# One reactor run, so that the classpath names this checkout's modules, not what ~/.m2 holds.
mvn -B -q -DskipTests -pl connectors -am package dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath >/dev/null
CP="connectors/target/test-classes:connectors/target/classes:catalog-schema/target/classes:$(cat connectors/target/bench.classpath)"

DST="bench_mongo_dst_$(printf "%04x%04x" $RANDOM $RANDOM)"
cleanup() { psql -q -d postgres -c "DROP DATABASE IF EXISTS $DST WITH (FORCE)" >/dev/null 2>&1 || true; }
trap cleanup EXIT
psql -q -d postgres -c "CREATE DATABASE $DST"

java ${BENCH_JAVA_OPTS:-} -Xmx2g -cp "$CP" dev.mirrorflow.bench.MongoBench "$MONGO_URL" \
  "jdbc:postgresql://127.0.0.1:$PORT/$DST?sslmode=$SSLMODE" "$DOCUMENTS" "$CHANGES" "$ROUNDS" "$PARALLELISM" "$ROWS_PER_PARTITION" 2>&1 \
  | grep -v -e ' DEBUG ' -e ' INFO '
