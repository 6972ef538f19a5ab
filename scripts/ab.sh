#!/usr/bin/env bash
# A/B server CPU per request for one redis-benchmark workload, across
# several server binaries (older cinnabar builds, redis-server), each run
# in fresh servers, interleaved round by round. Prints the median of the
# rounds per server: total CPU (ns/request, from /proc/PID/task/*/schedstat)
# and its user/system split (/proc/PID/stat, clock ticks, so coarse below
# about a second of CPU), and redis-benchmark's requests per second.
#
# bench.sh runs every row against the current build; this script answers
# "did this change make X cheaper?" with several builds side by side.
#
# Usage: scripts/ab.sh TEST PIPE N ROUNDS NAME=BINARY ...
#   TEST    a redis-benchmark -t name (get, set, incr, zadd, zpopmin, ...)
#   BINARY  a cinnabar-server binary, or the word redis for redis-server
# Example:
#   scripts/ab.sh zadd 16 1000000 3 old=/tmp/cin-old new=target/release/cinnabar-server redis=redis
# Reads and pops are prefilled (300k requests at -P 64) first, uncounted;
# ZADD gets a 300k-request ZADD prefill so it updates existing members.
# AB_FILL=0 skips the prefill (ZADD then measures a set growing from
# empty, as in bench.sh, where ZPOPMIN empties it every round).
set -euo pipefail

[ $# -ge 5 ] || { sed -n '2,18p' "$0" >&2; exit 2; }
TEST=$1 PIPE=$2 N=$3 ROUNDS=$4
shift 4

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

TMP=$(mktemp -d)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; }

fill=$(fill_for "$TEST")
[ "$TEST" = zadd ] && fill=zadd
[ "${AB_FILL:-1}" = 0 ] && fill=

hz=$(getconf CLK_TCK)
for round in $(seq "$ROUNDS"); do
    for spec in "$@"; do
        name=${spec%%=*} bin=${spec#*=}
        port=$(free_port)
        dir=$TMP/$name-$round
        mkdir -p "$dir"
        start_server "$bin" "$port" "$dir"
        if [ -n "$fill" ]; then
            redis-benchmark -p "$port" -q -c 50 -P 64 -n 300000 -r 100000 \
                -t "$fill" >/dev/null
        fi
        c0=$(cpu_ns "$SERVER_PID")
        read -r u0 s0 < <(ticks "$SERVER_PID")
        rps=$(redis-benchmark -p "$port" -q -c 50 -P "$PIPE" -n "$N" -r 100000 \
            -t "$TEST" | tr '\r' '\n' | awk '/requests per second/ { v = $2 } END { printf "%d", v }')
        c1=$(cpu_ns "$SERVER_PID")
        read -r u1 s1 < <(ticks "$SERVER_PID")
        kill "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
        total=$(((c1 - c0) / N))
        user=$(((u1 - u0) * 1000000000 / hz / N))
        sys=$(((s1 - s0) * 1000000000 / hz / N))
        echo "$name $total $user $sys $rps" >>"$TMP/results"
        echo "round $round $name: $total ns/req (user $user, system $sys), $rps req/s" >&2
    done
done

echo "$TEST -P $PIPE, $N requests, median of $ROUNDS rounds (ns per request):"
printf '%-12s %8s %8s %8s %10s\n' server cpu user system req/s
for spec in "$@"; do
    name=${spec%%=*}
    cols=()
    for c in 2 3 4 5; do
        cols+=("$(awk -v n="$name" -v c="$c" '$1 == n { print $c }' "$TMP/results" | median)")
    done
    printf '%-12s %8.0f %8.0f %8.0f %10.0f\n' "$name" "${cols[@]}"
done
