#!/usr/bin/env bash
# Soak test: a mixed workload against one cinnabar-server for a given time,
# then a one-screen summary. Exits 1 if there was any error, the server's
# RSS was still growing, or a latency step exceeded 100 ms.
#
# Usage: scripts/soak.sh [minutes]      (default 30; from any directory)
#
# The workload (about 1200 connections at once):
#   - 3 redis-benchmark processes, -c 100 -P 16 -r 100000 -l (loop), each
#     with its own set of tests (strings; lists; sets, hashes, sorted sets),
#     and one holding 600 idle connections (-I). redis-benchmark exits at
#     the first error reply or lost connection, so any exit before the end
#     counts as an error. (Three busy ones at -c 300 saturate a 2-core
#     machine: the server then answers a PING in 25 ms median, 400 ms at
#     worst, which measures the scheduler, not the server.)
#   - blocking pops: 20 BLPOP consumers fed by an LPUSH producer;
#   - pub/sub: 50 subscribers (half by pattern) and a publisher, counts
#     checked on both sides;
#   - transactions: 20 connections running pipelined MULTI ... EXEC, every
#     reply checked;
#   - 200 mostly idle connections, PINGed in turn;
#   - a probe: PING every 10 ms on its own connection, p50/p99/max per
#     minute;
#   - a sampler: server VmRSS, clients, used_memory, keys every 5 s.
# All of them are in scripts/soak.py.
#
# Environment:
#   SOAK_DIR     where results go (default: a new mktemp -d); kept.
#   SOAK_AOF=no  yes runs the server with appendonly yes (everysec).
#   SOAK_BUSY=100, SOAK_IDLE=600  connections per busy / the idle benchmark.
#   SOAK_SECONDS overrides the duration (for a quick check of the script).
#   SOAK_BIN     server binary (default target/release/cinnabar-server,
#                built with cargo build --release if missing).
set -euo pipefail

MINUTES=${1:-30}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SOAK_BIN:-$ROOT/target/release/cinnabar-server}
DIR=${SOAK_DIR:-$(mktemp -d /tmp/cinnabar-soak.XXXXXX)}
AOF=${SOAK_AOF:-no}
PY="python3 $ROOT/scripts/soak.py"
mkdir -p "$DIR"

if [[ ! -x $BIN ]]; then
    (cd "$ROOT" && cargo build --release)
fi

# A free port: ask the kernel for one.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

PIDS=()
SERVER_PID=
cleanup() {
    # Only what this script started, by PID.
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [[ -n $SERVER_PID ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$DIR/data"
"$BIN" --port "$PORT" --bind 127.0.0.1 --dir "$DIR/data" --appendonly "$AOF" \
    --save '' --maxclients 4000 --logfile "$DIR/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do
    redis-cli -p "$PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
done
redis-cli -p "$PORT" ping >/dev/null

declare -A BENCH=(
    [bench-strings]="-t set,get,incr,mset"
    [bench-lists]="-t lpush,rpush,lpop,rpop,lrange_100"
    [bench-sets]="-t sadd,spop,hset,zadd,zpopmin"
)
BUSY=${SOAK_BUSY:-100}  # connections per busy redis-benchmark
IDLE=${SOAK_IDLE:-600}  # connections of the idle one (redis-benchmark -I)
{
    printf '{"minutes": %s, "port": %s, "started": "%s", "aof": "%s", "benchmarks": {' \
        "$MINUTES" "$PORT" "$(date -u +%FT%TZ)" "$AOF"
    sep=
    for b in "${!BENCH[@]}"; do
        printf '%s"%s": "%s"' "$sep" "$b" "-c $BUSY -P 16 -r 100000 -l ${BENCH[$b]}"
        sep=", "
    done
    printf ', "bench-idle": "-c %s -I"' "$IDLE"
    printf '}}\n'
} >"$DIR/meta.json"

# redis-benchmark exits at the first error reply or lost connection, so one
# that is gone before the end failed; its output says why.
declare -A BENCH_PID=()
for b in "${!BENCH[@]}"; do
    # shellcheck disable=SC2086
    redis-benchmark -p "$PORT" -c "$BUSY" -P 16 -r 100000 -l -q ${BENCH[$b]} >"$DIR/$b.out" 2>&1 &
    BENCH_PID[$b]=$!
    PIDS+=($!)
done
redis-benchmark -p "$PORT" -c "$IDLE" -I >"$DIR/bench-idle.out" 2>&1 &
BENCH_PID[bench-idle]=$!
PIDS+=($!)
$PY probe "$PORT" "$DIR/probe.json" & PIDS+=($!)
$PY blpop "$PORT" "$DIR/blpop.json" 20 & PIDS+=($!)
$PY pubsub "$PORT" "$DIR/pubsub.json" 50 & PIDS+=($!)
$PY multi "$PORT" "$DIR/multi.json" 20 & PIDS+=($!)
$PY idle "$PORT" "$DIR/idle.json" 200 & PIDS+=($!)
$PY rss "$PORT" "$DIR/rss.json" "$SERVER_PID" & PIDS+=($!)

echo "soak: $MINUTES min against port $PORT (server pid $SERVER_PID), results in $DIR"
END=$((SECONDS + ${SOAK_SECONDS:-$((MINUTES * 60))}))
while ((SECONDS < END)); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "soak: the server exited" | tee -a "$DIR/server-died"
        break
    fi
    sleep 5
done

# Record which benchmarks died early, then stop the load (workers write
# their counters on SIGTERM) and the server.
for b in "${!BENCH_PID[@]}"; do
    p=${BENCH_PID[$b]}
    if kill -0 "$p" 2>/dev/null; then
        echo killed >"$DIR/$b.rc"
    else
        rc=0
        wait "$p" || rc=$?
        echo "$rc" >"$DIR/$b.rc"
    fi
done
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
PIDS=()
status=0
$PY summary "$DIR" | tee "$DIR/summary.txt" || status=1
if [[ -e $DIR/server-died ]]; then
    echo "RESULT: FAIL: the server exited"
    status=1
fi
exit $status
