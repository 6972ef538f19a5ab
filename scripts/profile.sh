#!/usr/bin/env bash
# Where the server's time goes, sampled: `perf record -e cpu-clock` on
# cinnabar-server and redis-server, one after the other, under the same
# redis-benchmark workload, and each one's hottest functions (self time,
# kernel included).
#
# Unlike callgrind.sh (instructions, deterministic), this shows time:
# cache and TLB misses land on the load that waits for them (Db::get's
# bucket and node loads, the skiplist walk). It needs only the software
# cpu-clock event, so it works in VMs without hardware counters (this
# project's machines). Percentages are shares of each server's own
# samples; compare shapes, not the two servers' totals.
#
# Usage: scripts/profile.sh TEST [PIPE] [N]     (defaults: 16, 1000000)
#   TEST  a redis-benchmark -t name (get, set, zadd, ...)
# Environment:
#   PROF_TOP=25      functions listed per server
#   PROF_OUT=dir     keep the perf.data files there (default: a temp dir);
#                    `perf annotate -i FILE -s SYMBOL` then shows the
#                    instructions that wait
#   NO_REDIS=1       profile cinnabar only
#   CIN_BIN=path     profile this cinnabar-server binary instead of
#                    building one
# Reads and pops get the same prefill as in ab.sh (1M requests at -P 64 of
# the matching write), uncounted.
set -euo pipefail

[ $# -ge 1 ] || { sed -n '2,25p' "$0" >&2; exit 2; }
TEST=$1 PIPE=${2:-16} N=${3:-1000000}
TOP=${PROF_TOP:-25}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

command -v perf >/dev/null || { echo "profile.sh: needs perf (apt-get install linux-perf)" >&2; exit 1; }
if [ -z "${CIN_BIN:-}" ]; then
    (cd "$ROOT" && cargo build --release --quiet)
    CIN_BIN=$ROOT/target/release/cinnabar-server
fi

TMP=$(mktemp -d)
OUT=${PROF_OUT:-$TMP}
mkdir -p "$OUT"
SERVER_PID= PERF=
cleanup() {
    [ -n "$PERF" ] && kill "$PERF" 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

fill=$(fill_for "$TEST")
servers=(cinnabar)
[ "${NO_REDIS:-0}" = 1 ] || servers+=(redis)

for name in "${servers[@]}"; do
    port=$(free_port)
    mkdir -p "$TMP/$name"
    bin=$CIN_BIN
    [ "$name" = redis ] && bin=redis
    start_server "$bin" "$port" "$TMP/$name"
    if [ -n "$fill" ]; then
        redis-benchmark -p "$port" -c 50 -r 100000 -n 1000000 -P 64 -t "$fill" -q >/dev/null
    fi
    data=$OUT/$name-$TEST.data
    perf record -q -e cpu-clock -F 4000 -p "$SERVER_PID" -o "$data" >/dev/null 2>&1 &
    PERF=$!
    sleep 0.3
    rps=$(redis-benchmark -p "$port" -c 50 -r 100000 -n "$N" -P "$PIPE" -t "$TEST" --csv |
        awk -F'"' 'NR == 2 { print $4 }')
    kill -INT "$PERF"
    wait "$PERF" || true
    PERF=
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
    echo "== $name: $TEST -P $PIPE, $N requests, $rps req/s; top $TOP functions by samples"
    perf report -i "$data" --no-children --fields overhead,dso,sym --stdio 2>/dev/null |
        grep -E "^ +[0-9.]+%" | sed -n "s/ *$//; 1,${TOP}p"
done
