#!/usr/bin/env bash
# System calls per request, counted with `strace -c -f` attached to
# cinnabar-server and redis-server under the same redis-benchmark run.
#
# Usage: scripts/syscalls.sh [pipeline ...]     (default: 1 16)
# Environment:
#   SC_N=100000      requests per run
#   SC_TEST=set      redis-benchmark -t
# Prints, per server and pipeline depth, each system call made at least
# once per 1,000 requests, as calls per request.
set -euo pipefail

N=${SC_N:-100000}
TEST=${SC_TEST:-set}
PIPES=("$@")
[ ${#PIPES[@]} -eq 0 ] && PIPES=(1 16)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
PIDS=() SERVER_PID=
cleanup() {
    for p in "${PIDS[@]}" $SERVER_PID; do kill "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

for tool in strace redis-server redis-benchmark redis-cli; do
    command -v "$tool" >/dev/null || { echo "syscalls.sh: $tool not found" >&2; exit 1; }
done
(cd "$ROOT" && cargo build --release --quiet)

# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

start() {
    local name=$1 port=$2 bin=redis
    [ "$name" = cinnabar ] && bin=$ROOT/target/release/cinnabar-server
    mkdir -p "$TMP/$name"
    start_server "$bin" "$port" "$TMP/$name"
    PIDS+=("$SERVER_PID")
}

C_PORT=$(free_port)
start cinnabar "$C_PORT"
C_PID=${PIDS[-1]}
R_PORT=$(free_port)
start redis "$R_PORT"
R_PID=${PIDS[-1]}

for pipe in "${PIPES[@]}"; do
    for name in cinnabar redis; do
        if [ "$name" = cinnabar ]; then pid=$C_PID port=$C_PORT; else pid=$R_PID port=$R_PORT; fi
        out=$TMP/strace-$name-$pipe
        strace -c -f -q -p "$pid" -o "$out" &
        spid=$!
        sleep 0.5
        redis-benchmark -p "$port" -q -c 50 -P "$pipe" -n "$N" -r 100000 -t "$TEST" >/dev/null
        kill -INT "$spid"
        wait "$spid" 2>/dev/null || true
        echo "== $name, $TEST -P $pipe, $N requests: system calls per request"
        awk -v n="$N" '$NF ~ /^[a-z_0-9]+$/ && $NF != "total" && $4 ~ /^[0-9]+$/ {
                if ($4 / n >= 0.001) printf "  %-14s %8.4f\n", $NF, $4 / n
            }' "$out"
        awk -v n="$N" '$NF == "total" { printf "  %-14s %8.4f\n", "total", $4 / n }' "$out"
    done
done
