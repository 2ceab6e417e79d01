# Sourced by bench/oltp.sh and bench/latency.sh from the checkout's root: what both need before
# their workload, with BENCH_NAME (the scripts' message prefix) set by the caller.
#   - PG_PORT and the libpq settings for the dev environment's PostgreSQL, JAR, say() and q();
#   - the dev environment's PostgreSQL answering (scripts/dev-env.sh up if it does not);
#   - PG_BIN and PGBENCH: pgbench of the PostgreSQL install the dev environment runs;
#   - the mirrorflow jar of this checkout, built by a reactor package (never an install: the
#     local Maven repository is shared);
#   - SUFFIX for scratch names, WORK (a temporary directory), STATE (a private state directory)
#     and WORK/password (the dev role's password, for peer create).

PG_PORT="${MIRRORFLOW_DEV_PG_PORT:-55432}"
export PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=mirrorflow PGPASSWORD=mirrorflow
# BENCH_SSLMODE (disable): the sslmode of every connection, both sides' (libpq's PGSSLMODE and
# pgjdbc's URLs); `require` measures over TLS, which the dev environment's server speaks.
SSLMODE="${BENCH_SSLMODE:-disable}"
export PGSSLMODE="$SSLMODE"
JAR="$ROOT/worker/target/mirrorflow.jar"

say() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$1" -c "$2"; }

if ! pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then
  scripts/dev-env.sh up >&2
fi
PG_BIN="$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")")"
PGBENCH="$PG_BIN/pgbench"
[ -x "$PGBENCH" ] || { echo "$BENCH_NAME: pgbench not found next to $PG_BIN/initdb" >&2; exit 1; }

say "building (mvn -pl worker -am package -DskipTests)"
mvn -B -q -Dstyle.color=never -pl worker -am -DskipTests package >/dev/null

SUFFIX="$(date +%s)_$$"
WORK="$(mktemp -d)"
STATE="$WORK/state"
mkdir -p "$STATE"
chmod 700 "$STATE"
printf 'mirrorflow\n' > "$WORK/password"
chmod 600 "$WORK/password"

# BENCH_CPU=1: where the CPU went while one side ran. cpu_mark FILE records every process's CPU
# time so far; cpu_report FILE LABEL prints what each kind of process used since (walsenders,
# a subscription's apply worker, the backends of each database, the worker JVM, Temporal). A
# process that started and ended in between (the CLI's JVM) is not seen: /usr/bin/time it.
cpu_mark() {
  [ "${BENCH_CPU:-0}" = 1 ] || return 0
  local file="$1" p rest cmd label
  : > "$file"
  for p in /proc/[0-9]*; do
    rest="$(cat "$p/stat" 2>/dev/null)" || continue
    cmd="$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)" || continue
    rest="${rest##*) }"
    # shellcheck disable=SC2086
    set -- $rest
    case "$cmd" in
      "postgres: walsender"*) label="walsender" ;;
      *"logical replication apply worker"*) label="subscription apply worker" ;;
      "postgres: mirrorflow "*) label="backend of $(awk '{ print $3 }' <<<"$cmd")" ;;
      postgres:*) label="postgres $(awk '{ print $2 }' <<<"$cmd")" ;;
      *temporal*) label="temporal" ;;
      *java*" worker"*) label="mirrorflow worker" ;;
      *) label="other" ;;
    esac
    echo "${p#/proc/} $(( ${12} + ${13} )) $label" >> "$file"
    # The worker's threads too, by name (the JVM's names cut to 15 characters by the kernel;
    # pool threads' numbers dropped, so a pool adds up to one line).
    if [ "$label" = "mirrorflow worker" ]; then
      local t name
      for t in "$p"/task/[0-9]*; do
        rest="$(cat "$t/stat" 2>/dev/null)" || continue
        name="${rest#*(}"; name="${name%%) *}"; name="${name//[0-9]/}"; name="${name// /_}"
        rest="${rest##*) }"
        # shellcheck disable=SC2086
        set -- $rest
        echo "t${t##*/} $(( ${12} + ${13} ))   worker thread $name" >> "$file"
      done
    fi
  done
}
cpu_report() {
  [ "${BENCH_CPU:-0}" = 1 ] || return 0
  cpu_mark "$1.after"
  say "  CPU while $2 ran (s, by process kind):"
  awk -v hz="$(getconf CLK_TCK)" 'NR == FNR { before[$1] = $2; next }
       { used = $2 - ($1 in before ? before[$1] : 0); $1 = ""; $2 = ""; sub(/^ +/, ""); sum[$0] += used }
       END { for (k in sum) if (sum[k] > 0) printf "    %6.2f %s\n", sum[k] / hz, k }' "$1" "$1.after" | sort -rn >&2
}
