#!/usr/bin/env bash
# Instructions per request, counted with valgrind --tool=callgrind, for
# cinnabar-server and redis-server under the same redis-benchmark
# workload. Instruction counts do not depend on machine load, so the
# numbers are comparable across runs and machines of the same ISA.
#
# Method, per server and per workload:
#   1. start the server under callgrind with instrumentation off
#      (--instr-atstart=no), so startup is not counted;
#   2. when the workload reads or pops, prefill (uncounted) with the
#      matching write (SET, LPUSH, SADD, ZADD), 200,000 requests;
#   3. `callgrind_control -i on`, run redis-benchmark, `callgrind_control -d`
#      (dump) and stop the server;
#   4. instructions per request = Ir of that dump / requests (the exit
#      dump, with the shutdown, is not counted).
# The workload is redis-benchmark -c CLIENTS -P PIPE -n N -r 100000 -t T.
# Random keys make the count vary by well under 1% between runs.
#
# Usage: scripts/callgrind.sh [test ...]      (default: set get)
#   test: a redis-benchmark -t name, or xadd (XADD cg:stream * field
#   __rand_int__, as a custom command)
# Environment:
#   CG_N=100000     requests per workload
#   CG_PIPE=16      redis-benchmark -P
#   CG_CLIENTS=50   redis-benchmark -c
#   CG_OUT=dir      keep the callgrind output files there (default: a temp
#                   dir, removed at exit); callgrind_annotate reads them.
#   NO_REDIS=1      count cinnabar only
#   CG_AOF=1        both servers with appendonly yes, appendfsync everysec
#   CG_BIN=path     count this cinnabar-server binary instead of building
#                   one (e.g. an older commit's, for before/after numbers)
set -euo pipefail

N=${CG_N:-100000}
PIPE=${CG_PIPE:-16}
CLIENTS=${CG_CLIENTS:-50}
TESTS=("$@")
AOF=(--appendonly no)
[ "${CG_AOF:-0}" = 1 ] && AOF=(--appendonly yes --appendfsync everysec)
[ ${#TESTS[@]} -eq 0 ] && TESTS=(set get)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
OUT=${CG_OUT:-$TMP/out}
mkdir -p "$OUT"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

for tool in valgrind callgrind_control redis-benchmark redis-cli; do
    command -v "$tool" >/dev/null || { echo "callgrind.sh: $tool not found" >&2; exit 1; }
done
if [ -n "${CG_BIN:-}" ]; then
    BIN=$CG_BIN
else
    (cd "$ROOT" && cargo build --release --quiet)
    BIN=$ROOT/target/release/cinnabar-server
fi

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

# run_one NAME TEST -> prints "Ir requests"
run_one() {
    local name=$1 test=$2 port dir pid
    port=$(free_port)
    dir=$TMP/$name-$test
    mkdir -p "$dir"
    local cg=(valgrind --tool=callgrind --instr-atstart=no
        --callgrind-out-file="$OUT/$name-$test.%p.out")
    if [ "$name" = cinnabar ]; then
        "${cg[@]}" "$BIN" --port "$port" --dir "$dir" "${AOF[@]}" \
            >"$dir/log" 2>&1 &
    else
        "${cg[@]}" redis-server --port "$port" --bind 127.0.0.1 --save '' \
            "${AOF[@]}" --dir "$dir" >"$dir/log" 2>&1 &
    fi
    pid=$!
    PIDS+=("$pid")
    wait_ping "$port"
    # Reads and pops first get data to work on (uncounted).
    local fill=
    case $test in
        get) fill=set ;;
        lrange* | lpop | rpop) fill=lpush ;;
        spop) fill=sadd ;;
        zpopmin) fill=zadd ;;
    esac
    if [ -n "$fill" ]; then
        redis-benchmark -p "$port" -q -c 50 -P 64 -n 200000 -r 100000 \
            -t "$fill" >/dev/null
    fi
    callgrind_control -i on "$pid" >/dev/null 2>&1
    # redis-benchmark has no XADD test: xadd runs it as a custom command.
    local what=(-t "$test")
    [ "$test" = xadd ] && what=(XADD cg:stream '*' field __rand_int__)
    redis-benchmark -p "$port" -q -c "$CLIENTS" -P "$PIPE" -n "$N" \
        -r 100000 "${what[@]}" >/dev/null
    callgrind_control -d "$pid" >/dev/null 2>&1
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    # The dump made by -d is part 1 (FILE.1); the file without a part
    # number is written at exit and holds the shutdown (cinnabar frees its
    # dataset, redis does not), so it is left out.
    local ir
    ir=$(cat "$OUT/$name-$test.$pid.out".[0-9]* 2>/dev/null |
        awk '/^summary:/ { s += $2 } END { printf "%.0f\n", s }')
    echo "$ir"
}

printf '%-10s %14s %14s %10s %10s %7s\n' test cinnabar_Ir redis_Ir \
    cin_Ir/req red_Ir/req ratio
for t in "${TESTS[@]}"; do
    c=$(run_one cinnabar "$t")
    if [ "${NO_REDIS:-0}" = 1 ] || ! command -v redis-server >/dev/null; then
        printf '%-10s %14s %14s %10.0f %10s %7s\n' "$t" "$c" - \
            "$(echo "$c / $N" | bc -l)" - -
        continue
    fi
    r=$(run_one redis "$t")
    printf '%-10s %14s %14s %10.0f %10.0f %7.2f\n' "$t" "$c" "$r" \
        "$(echo "$c / $N" | bc -l)" "$(echo "$r / $N" | bc -l)" \
        "$(echo "$c / $r" | bc -l)"
done
echo "(redis-benchmark -c $CLIENTS -P $PIPE -n $N -r 100000; Ir = instructions"
echo " executed by the server process while the benchmark ran)"
