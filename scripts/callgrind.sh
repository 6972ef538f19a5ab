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
#   __rand_int__, as a custom command), or evalsha (EVALSHA of
#   `return redis.call('GET', KEYS[1])` on keys a SET prefill wrote)
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
#   CG_CACHE=1      also simulate the caches (--cache-sim=yes, the host's
#                   cache sizes) and print data misses per request in the
#                   first level (D1) and the last level (LL): the figure
#                   for memory-bound commands, where instructions mislead
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
    [ "${CG_CACHE:-0}" = 1 ] && cg+=(--cache-sim=yes)
    if [ "$name" = cinnabar ]; then
        # set-proc-title rewrites the command line through /proc/self/mem,
        # which under valgrind is valgrind's own: callgrind_control then
        # no longer recognizes the process.
        "${cg[@]}" "$BIN" --port "$port" --dir "$dir" "${AOF[@]}" \
            --set-proc-title no >"$dir/log" 2>&1 &
    else
        "${cg[@]}" redis-server --port "$port" --bind 127.0.0.1 --save '' \
            "${AOF[@]}" --dir "$dir" >"$dir/log" 2>&1 &
    fi
    pid=$!
    PIDS+=("$pid")
    wait_ping "$port"
    # Reads and pops first get data to work on (uncounted).
    local fill
    fill=$(fill_for "$test")
    if [ -n "$fill" ]; then
        redis-benchmark -p "$port" -q -c 50 -P 64 -n 200000 -r 100000 \
            -t "$fill" >/dev/null
    fi
    callgrind_control -i on "$pid" >/dev/null 2>&1
    # redis-benchmark has no XADD test: xadd runs it as a custom command.
    local what=(-t "$test")
    [ "$test" = xadd ] && what=(XADD cg:stream '*' field __rand_int__)
    if [ "$test" = evalsha ]; then
        # A cached GET script on the prefilled keys.
        local sha
        sha=$(redis-cli -p "$port" script load "return redis.call('GET', KEYS[1])")
        what=(EVALSHA "$sha" 1 key:__rand_int__)
    fi
    redis-benchmark -p "$port" -q -c "$CLIENTS" -P "$PIPE" -n "$N" \
        -r 100000 "${what[@]}" >/dev/null
    callgrind_control -d "$pid" >/dev/null 2>&1
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    # The dump made by -d is part 1 (FILE.1); the file without a part
    # number is written at exit and holds the shutdown (cinnabar frees its
    # dataset, redis does not), so it is left out.
    # Prints "Ir D1-misses LL-misses" (misses 0 without CG_CACHE), naming
    # the columns by the file's events: line.
    cat "$OUT/$name-$test.$pid.out".[0-9]* 2>/dev/null | awk '
        /^events:/ { for (i = 2; i <= NF; i++) col[$i] = i }
        /^summary:/ {
            ir += $col["Ir"]
            if ("D1mr" in col) {
                d1 += $col["D1mr"] + $col["D1mw"]
                ll += $col["DLmr"] + $col["DLmw"]
            }
        }
        END { printf "%.0f %.0f %.0f\n", ir, d1, ll }'
}

per_req() { echo "$1 / $N" | bc -l; }

CACHE=${CG_CACHE:-0}
printf '%-10s %14s %14s %10s %10s %7s' test cinnabar_Ir redis_Ir \
    cin_Ir/req red_Ir/req ratio
[ "$CACHE" = 1 ] && printf ' %8s %8s %8s %8s' cin_D1 red_D1 cin_LL red_LL
echo
for t in "${TESTS[@]}"; do
    read -r c cd1 cll < <(run_one cinnabar "$t")
    if [ "${NO_REDIS:-0}" = 1 ] || ! command -v redis-server >/dev/null; then
        r=- rd1=- rll=-
        printf '%-10s %14s %14s %10.0f %10s %7s' "$t" "$c" - \
            "$(per_req "$c")" - -
    else
        read -r r rd1 rll < <(run_one redis "$t")
        printf '%-10s %14s %14s %10.0f %10.0f %7.2f' "$t" "$c" "$r" \
            "$(per_req "$c")" "$(per_req "$r")" "$(echo "$c / $r" | bc -l)"
    fi
    if [ "$CACHE" = 1 ]; then
        for m in "$cd1" "$rd1" "$cll" "$rll"; do
            if [ "$m" = - ]; then printf ' %8s' -; else printf ' %8.1f' "$(per_req "$m")"; fi
        done
    fi
    echo
done
[ "$CACHE" = 1 ] && echo "(D1, LL: simulated data-cache misses per request, reads and writes)"
echo "(redis-benchmark -c $CLIENTS -P $PIPE -n $N -r 100000; Ir = instructions"
echo " executed by the server process while the benchmark ran)"
