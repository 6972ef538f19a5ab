#!/usr/bin/env bash
# Throughput and server-CPU-per-request benchmark: cinnabar-server vs
# redis-server, driven by redis-benchmark over loopback.
#
# Table 1: both servers without persistence (cinnabar --appendonly no,
# redis --save '' --appendonly no), SET and GET at -P 1, 16 and 64, and
# the data-type workloads (INCR ... MSET) at -P 16.
# Table 2: a second pair of servers in fresh directories with
# --appendonly yes --appendfsync everysec (and
# --auto-aof-rewrite-percentage $BENCH_AOF_AUTO_REWRITE, default 0: no
# automatic rewrites, so the numbers are the cost of appending and fsyncing
# alone; Redis keeps its default aof-use-rdb-preamble, which only matters
# for rewrites), SET at -P 16 and -P 1. Same method: prefill, interleaved
# rounds, medians, CPU per request.
# Latency: p99 (from redis-benchmark's CSV) of the -P 1 rows of table 1,
# 50 clients.
# Memory: for each data set a fresh pair of servers (appendonly no), loaded
# with redis-cli --pipe; (RSS after - RSS before) / elements. 1M string keys
# (16-byte keys, 64-byte values); 100k hashes, sets and sorted sets of 10
# fields/members each; one sorted set of 1M members.
# EVALSHA -P 16 runs `return redis.call('GET', KEYS[1])` (loaded with
# SCRIPT LOAD after the prefill) on the prefilled keys.
# XADD -P 16 runs only if cinnabar knows XADD (probed first: a server that
# answers "ERR unknown command" skips the row).
# At the end, scripts/bench_chart.py draws the ratios (cinnabar / redis)
# per workload, with a line at 1.0, to docs/bench/ratios.svg (needs
# python3 and redis-server; BENCH_CHART=path overrides the output).
#
# Usage: scripts/bench.sh            (from any directory)
#
# Environment:
#   ROUNDS=3          rounds; every round runs each workload against cinnabar,
#                     then redis. Medians over rounds are reported.
#   BENCH_N_SCALE=1   multiplier for the request counts (-n) below, e.g. 0.1
#                     for a quick smoke run.
#   BENCH_CLIENTS=50  redis-benchmark -c
#   BENCH_KEYS=100000 redis-benchmark -r
#   BENCH_TIMEOUT=300 seconds before a single redis-benchmark run is killed
#   NO_REDIS=1        benchmark cinnabar only, even if redis-server exists.
#   BENCH_AOF=1       run table 2 (AOF everysec); 0 skips it.
#   BENCH_AOF_AUTO_REWRITE=0  auto-aof-rewrite-percentage for table 2.
#   BENCH_MEM=1       run the memory rows; 0 skips them. BENCH_N_SCALE also
#                     scales their element counts.
#   BENCH_TPUT=1      run the throughput, latency and AOF tables; 0 skips
#                     them (and BENCH_AOF), leaving the memory rows alone:
#                     BENCH_TPUT=0 scripts/bench.sh is a quick memory check.
#   BENCH_CHART=docs/bench/ratios.svg  where the chart goes.
#   BENCH_ONLY=regex  run only the table 1 workloads whose name matches
#                     (e.g. 'GET_P16|EVALSHA_P16'); empty runs them all.
#
# Per run, server CPU is the sum of the first field (ns on CPU) of
# /proc/PID/task/*/schedstat over all threads of the server process, read
# just before and just after redis-benchmark. CPU us/req = delta_ns/1000/n.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
BENCH_N_SCALE=${BENCH_N_SCALE:-1}
CLIENTS=${BENCH_CLIENTS:-50}
KEYS=${BENCH_KEYS:-100000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
BENCH_AOF=${BENCH_AOF:-1}
AOF_AUTO_REWRITE=${BENCH_AOF_AUTO_REWRITE:-0}
BENCH_MEM=${BENCH_MEM:-1}
BENCH_TPUT=${BENCH_TPUT:-1}

# Workloads: name test pipeline base-n. -n is chosen so one run takes
# roughly 1-3 s on a 2-core machine; GET runs after the SETs (and after the
# prefill below), so it hits existing keys.
WORKLOADS=(
    "SET_P1  set 1  150000"
    "SET_P16 set 16 1500000"
    "SET_P64 set 64 2000000"
    "GET_P1  get 1  150000"
    "GET_P16 get 16 1500000"
    "GET_P64 get 64 2000000"
    "INCR_P16 incr 16 1000000"
    "LPUSH_P16 lpush 16 1000000"
    "LPOP_P16 lpop 16 1000000"
    "SADD_P16 sadd 16 1000000"
    "HSET_P16 hset 16 1000000"
    "ZADD_P16 zadd 16 500000"
    "ZPOPMIN_P16 zpopmin 16 1000000"
    "LRANGE_100_P16 lrange_100 16 100000"
    "MSET_P16 mset 16 300000"
    "XADD_P16 xadd 16 500000"
    "EVALSHA_P16 evalsha 16 1000000"
)
# Table 2 (AOF on): same -n as the matching table-1 rows.
AOF_WORKLOADS=(
    "AOF_SET_P16 set 16 1500000"
    "AOF_SET_P1  set 1  150000"
)

die() { echo "bench.sh: $*" >&2; exit 1; }

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ $BENCH_AOF == 0 || $BENCH_AOF == 1 ]] || die "BENCH_AOF must be 0 or 1"
[[ $BENCH_MEM == 0 || $BENCH_MEM == 1 ]] || die "BENCH_MEM must be 0 or 1"
[[ $BENCH_TPUT == 0 || $BENCH_TPUT == 1 ]] || die "BENCH_TPUT must be 0 or 1"
# Table 2 is a throughput table too.
((BENCH_TPUT)) || BENCH_AOF=0
[[ $AOF_AUTO_REWRITE =~ ^[0-9]+$ ]] || die "BENCH_AOF_AUTO_REWRITE must be a non-negative integer"
awk -v s="$BENCH_N_SCALE" 'BEGIN { exit !(s + 0 > 0) }' ||
    die "BENCH_N_SCALE must be a positive number"
for tool in redis-benchmark redis-cli timeout cargo; do
    command -v "$tool" >/dev/null || die "$tool not found on PATH"
done

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -- "$SCRIPT_DIR/.." && pwd)
# shellcheck source=scripts/lib.sh
. "$SCRIPT_DIR/lib.sh"
CHART=${BENCH_CHART:-$REPO/docs/bench/ratios.svg}
BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/cinnabar-server"

WITH_REDIS=0
if [[ ${NO_REDIS:-0} != 1 ]] && command -v redis-server >/dev/null; then
    WITH_REDIS=1
fi

TMP=""
CIN_PID=""
CIN_LOG=""
RED_LOG=""
RED_PID=""
BENCH_PID=""

stop_pid() { # pid: TERM, wait up to 5 s, then KILL
    local pid=$1 i
    [[ -n $pid ]] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$BENCH_PID"
    stop_pid "$CIN_PID"
    stop_pid "$RED_PID"
    [[ -n $TMP ]] && rm -rf -- "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== building release binary in $REPO" >&2
(cd "$REPO" && cargo build --release --quiet)
[[ -x $BIN ]] || die "$BIN not built"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cinnabar-bench.XXXXXX")

# Wait until pid answers PING on port. Returns 1 if the process exited.
wait_ready() { # name pid port
    local name=$1 pid=$2 port=$3 i
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || return 1
        if [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; then
            return 0
        fi
        sleep 0.1
    done
    die "$name did not answer PING on port $port within 10 s"
}

startup_failed() { # name log
    echo "--- $2" >&2
    tail -n 20 "$2" >&2 || true
    die "$1 exited during startup"
}

# cinnabar: --port 0 binds an ephemeral port, which the server logs as
# "Ready to accept connections tcp 127.0.0.1:PORT" (no race with other users
# of the machine picking the same port).
# start_cinnabar name extra-args... : data in $TMP/name, log in $TMP/name.log
start_cinnabar() {
    local dir="$TMP/$1" log="$TMP/$1.log" i
    shift
    mkdir -p "$dir"
    CIN_LOG=$log
    "$BIN" --port 0 --dir "$dir" "$@" >"$log" 2>&1 &
    CIN_PID=$!
    CIN_PORT=""
    for ((i = 0; i < 100; i++)); do
        CIN_PORT=$(sed -n 's/.*Ready to accept connections tcp [^ ]*:\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
        [[ -n $CIN_PORT ]] && break
        kill -0 "$CIN_PID" 2>/dev/null || startup_failed cinnabar "$log"
        sleep 0.1
    done
    [[ -n $CIN_PORT ]] || startup_failed cinnabar "$log"
    wait_ready cinnabar "$CIN_PID" "$CIN_PORT" || startup_failed cinnabar "$log"
}

# redis: a random port below the ephemeral range (so it cannot collide with
# outgoing connections or other servers started with port 0) that nothing is
# listening on; retried if the bind still fails.
# start_redis name extra-args... : data in $TMP/name, log in $TMP/name.log
start_redis() {
    local dir="$TMP/$1" log="$TMP/$1.log" try
    shift
    mkdir -p "$dir"
    RED_LOG=$log
    for ((try = 0; try < 10; try++)); do
        RED_PORT=$((20000 + RANDOM % 12000))
        if (exec 3<>"/dev/tcp/127.0.0.1/$RED_PORT") 2>/dev/null; then
            continue # something already listens there
        fi
        redis-server --port "$RED_PORT" --bind 127.0.0.1 --save '' "$@" \
            --dir "$dir" >"$log" 2>&1 &
        RED_PID=$!
        if wait_ready redis "$RED_PID" "$RED_PORT"; then
            return 0
        fi
        wait "$RED_PID" 2>/dev/null || true
        RED_PID=""
        grep -q 'Address already in use' "$log" || startup_failed redis "$log"
    done
    startup_failed redis "$log"
}


# CPU ticks (user+sys) of this shell's reaped children: used for the
# redis-benchmark client's own CPU.
CLK_TCK=$(getconf CLK_TCK)
child_ticks() {
    local stat rest
    stat=$(</proc/$$/stat)
    rest=${stat##*) }
    # shellcheck disable=SC2086
    set -- $rest
    echo $((${14} + ${15})) # cutime + cstime
}

now_ns() { date +%s%N; }

# After a failed run: is each server still up, and the end of its log.
server_diag() {
    local name pid log
    for name in cinnabar redis; do
        if [[ $name == cinnabar ]]; then pid=$CIN_PID log=$CIN_LOG; else pid=$RED_PID log=$RED_LOG; fi
        [[ -n $pid ]] || continue
        if kill -0 "$pid" 2>/dev/null; then
            echo "--- $name (pid $pid) is running; end of $log:" >&2
        else
            echo "--- $name (pid $pid) has EXITED; end of $log:" >&2
        fi
        tail -n 15 "$log" >&2 || true
    done
}

# run_bench port test pipeline n -> sets RPS and P99 (ms)
run_bench() {
    local port=$1 test=$2 pipe=$3 n=$4 out="$TMP/bench.out"
    local -a what=(-t "$test")
    # redis-benchmark has no XADD test: a custom command, titled by its text.
    [[ $test == xadd ]] && what=(xadd bench:stream '*' field __rand_int__)
    # EVALSHA of a cached GET script (SCRIPT LOAD in prefill), on the keys
    # the SETs wrote.
    [[ $test == evalsha ]] && what=(evalsha "$EVAL_SHA" 1 key:__rand_int__)
    # Options before the command: redis-benchmark takes every word after a
    # custom command as one of its arguments (a trailing --csv made XADD's
    # field/value list odd).
    timeout "$BENCH_TIMEOUT" redis-benchmark -h 127.0.0.1 -p "$port" \
        -c "$CLIENTS" -r "$KEYS" -n "$n" -P "$pipe" --csv "${what[@]}" \
        >"$out" 2>"$TMP/bench.err" &
    BENCH_PID=$!
    if ! wait "$BENCH_PID"; then
        BENCH_PID=""
        cat "$TMP/bench.err" >&2
        server_diag
        die "redis-benchmark failed or timed out (port $port, -t $test -P $pipe -n $n)"
    fi
    BENCH_PID=""
    # Match by prefix: redis-benchmark names some tests "MSET (10 keys)",
    # "LRANGE_100 (first 100 elements)"; the LPUSH that prepares LRANGE is
    # named "LPUSH (needed ...)" and never matches "LRANGE_100"; the custom
    # XADD is titled "xadd bench:stream ...". Fields: $4 rps, $14 p99 ms.
    read -r RPS P99 < <(awk -F'"' -v t="${test^^}" \
        'toupper($2) == t || index(toupper($2), t " ") == 1 { print $4, $14; exit }' "$out") || true
    [[ -n ${RPS:-} && -n ${P99:-} ]] || { cat "$out" "$TMP/bench.err" >&2; die "no $test result in redis-benchmark output"; }
}

# measure server pid port test pipeline n -> appends to $TMP/results
measure() {
    local server=$1 pid=$2 port=$3 wl=$4 test=$5 pipe=$6 n=$7
    local c0 c1 t0 t1 k0 k1 us wall srv_pct cli_pct
    kill -0 "$pid" 2>/dev/null || die "$server (pid $pid) is not running"
    k0=$(child_ticks)
    t0=$(now_ns)
    c0=$(cpu_ns "$pid")
    run_bench "$port" "$test" "$pipe" "$n"
    c1=$(cpu_ns "$pid")
    t1=$(now_ns)
    k1=$(child_ticks)
    read -r us wall srv_pct cli_pct < <(awk -v c="$((c1 - c0))" -v n="$n" \
        -v w="$((t1 - t0))" -v k="$((k1 - k0))" -v hz="$CLK_TCK" 'BEGIN {
        printf "%.3f %.2f %.0f %.0f\n", c / 1000 / n, w / 1e9, 100 * c / w, 100 * (k / hz) / (w / 1e9) }')
    echo "$server $wl $RPS $us $srv_pct $cli_pct $P99" >>"$TMP/results"
    printf '   %-8s %-8s %12.0f req/s %8s us/req  %5ss  server CPU %3s%%  client CPU %3s%%\n' \
        "$server" "$wl" "$RPS" "$us" "$wall" "$srv_pct" "$cli_pct" >&2
    printf '   %-8s %-8s p99 %s ms\n' "$server" "$wl" "$P99" >&2
}

scaled_n() { awk -v b="$1" -v s="$BENCH_N_SCALE" 'BEGIN { n = int(b * s); print (n < 1000 ? 1000 : n) }'; }

announce() { # what
    echo "== $1: cinnabar $(cd "$REPO" && git describe --always --dirty 2>/dev/null || echo unknown) on port $CIN_PORT (pid $CIN_PID)" >&2
    if ((WITH_REDIS)); then
        echo "== $1: $(redis-server --version | awk '{print $1, $2, $3}') on port $RED_PORT (pid $RED_PID)" >&2
    else
        echo "== redis-server not used: cinnabar columns only" >&2
    fi
    echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
}

# Prefill (unmeasured, also a warm-up): 10x the key space in random SETs
# leaves (1 - e^-10) of the keys present, so GETs are hits on both servers.
prefill() {
    local prefill_n=$((KEYS * 10))
    echo "== prefill: SET -r $KEYS -n $prefill_n -P 64" >&2
    run_bench "$CIN_PORT" set 64 "$prefill_n"
    if ((WITH_REDIS)); then run_bench "$RED_PORT" set 64 "$prefill_n"; fi
    load_script "$CIN_PORT"
    if ((WITH_REDIS)); then load_script "$RED_PORT"; fi
}

# The EVALSHA row's script: one GET through redis.call.
EVAL_BODY="return redis.call('GET', KEYS[1])"
EVAL_SHA=""
load_script() { # port
    EVAL_SHA=$(redis-cli -h 127.0.0.1 -p "$1" script load "$EVAL_BODY")
}

run_rounds() { # workload-array-name title
    local -n wls=$1
    local round w wl test pipe base n
    for ((round = 1; round <= ROUNDS; round++)); do
        echo "== $2: round $round/$ROUNDS" >&2
        for w in "${wls[@]}"; do
            read -r wl test pipe base <<<"$w"
            n=$(scaled_n "$base")
            measure cinnabar "$CIN_PID" "$CIN_PORT" "$wl" "$test" "$pipe" "$n"
            if ((WITH_REDIS)); then
                measure redis "$RED_PID" "$RED_PORT" "$wl" "$test" "$pipe" "$n"
            fi
        done
    done
}

: >"$TMP/results"
: >"$TMP/ratios"
if ((BENCH_TPUT)); then
    start_cinnabar cinnabar --appendonly no
    if ((WITH_REDIS)); then start_redis redis --appendonly no; fi
    announce "table 1 (no persistence)"
    # XADD: skip the row if cinnabar does not know the command (yet).
    if [[ $(redis-cli -h 127.0.0.1 -p "$CIN_PORT" xadd bench:probe '*' f v 2>&1) == *"unknown command"* ]]; then
        echo "== cinnabar answers ERR unknown command to XADD: row XADD -P 16 skipped" >&2
        kept=()
        for w in "${WORKLOADS[@]}"; do [[ $w == XADD_* ]] || kept+=("$w"); done
        WORKLOADS=("${kept[@]}")
    else
        redis-cli -h 127.0.0.1 -p "$CIN_PORT" del bench:probe >/dev/null
    fi
    if [[ -n ${BENCH_ONLY:-} ]]; then
        kept=()
        for w in "${WORKLOADS[@]}"; do [[ ${w%% *} =~ ^($BENCH_ONLY)$ ]] && kept+=("$w"); done
        WORKLOADS=("${kept[@]}")
    fi
    prefill
    run_rounds WORKLOADS "table 1 (no persistence)"
fi

AOF_SIZES=""
if ((BENCH_AOF)); then
    stop_pid "$CIN_PID"
    CIN_PID=""
    stop_pid "$RED_PID"
    RED_PID=""
    aof_args=(--appendonly yes --appendfsync everysec --auto-aof-rewrite-percentage "$AOF_AUTO_REWRITE")
    start_cinnabar cinnabar-aof "${aof_args[@]}"
    if ((WITH_REDIS)); then start_redis redis-aof "${aof_args[@]}"; fi
    announce "table 2 (appendonly yes, appendfsync everysec)"
    prefill
    run_rounds AOF_WORKLOADS "table 2 (AOF everysec)"
    aof_mb() { du -sm "$1" | cut -f1; }
    AOF_SIZES="cinnabar $(aof_mb "$TMP/cinnabar-aof/appendonlydir") MB"
    if ((WITH_REDIS)); then
        AOF_SIZES="$AOF_SIZES, redis $(aof_mb "$TMP/redis-aof/appendonlydir") MB"
    fi
fi

# Memory rows: name base-count unit. Elements = count for strings and
# bigzset, 10 x count for the small collections.
MEM_ROWS=(
    "strings 1000000 key"
    "hashes 100000 field"
    "sets 100000 member"
    "zsets 100000 member"
    "bigzset 1000000 member"
)

# gen_mem kind count: the RESP commands that build the data set, on stdout.
gen_mem() {
    awk -v kind="$1" -v n="$2" '
    function emit(argc, i) {
        printf "*%d\r\n", argc
        for (i = 1; i <= argc; i++) printf "$%d\r\n%s\r\n", length(a[i]), a[i]
    }
    BEGIN {
        if (kind == "strings") {
            # 16-byte keys, 64-byte values
            for (i = 0; i < n; i++) {
                a[1] = "SET"; a[2] = sprintf("k:%014d", i); a[3] = sprintf("%064d", i); emit(3)
            }
        } else if (kind == "bigzset") {
            # one key, 100 members per ZADD
            for (i = 0; i < n; i += 100) {
                a[1] = "ZADD"; a[2] = "bigzset"; c = 2
                for (j = i; j < i + 100 && j < n; j++) { a[++c] = j; a[++c] = "member:" j }
                emit(c)
            }
        } else {
            cmd = kind == "hashes" ? "HSET" : kind == "sets" ? "SADD" : "ZADD"
            for (i = 0; i < n; i++) {
                a[1] = cmd; a[2] = sprintf("%s:%08d", kind, i); c = 2
                for (j = 0; j < 10; j++) {
                    if (kind == "hashes") { a[++c] = "field" j; a[++c] = "value" j }
                    else if (kind == "sets") { a[++c] = "member:" j }
                    else { a[++c] = j; a[++c] = "member:" j }
                }
                emit(c)
            }
        }
    }'
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# mem_load server pid port kind count elements -> appends to $TMP/mem
mem_load() {
    local server=$1 pid=$2 port=$3 kind=$4 count=$5 elems=$6 r0 r1 out
    r0=$(rss_kb "$pid")
    out=$(gen_mem "$kind" "$count" | redis-cli -h 127.0.0.1 -p "$port" --pipe 2>&1) ||
        die "redis-cli --pipe failed for $kind on $server: $out"
    [[ $out == *"errors: 0,"* ]] || die "errors loading $kind into $server: $out"
    r1=$(rss_kb "$pid")
    awk -v s="$server" -v k="$kind" -v a="$r0" -v b="$r1" -v e="$elems" \
        'BEGIN { printf "%s %s %.1f\n", s, k, (b - a) * 1024 / e }' >>"$TMP/mem"
    echo "   $server $kind: RSS $r0 -> $r1 kB, $elems elements" >&2
}

if ((BENCH_MEM)); then
    : >"$TMP/mem"
    for row in "${MEM_ROWS[@]}"; do
        read -r kind base unit <<<"$row"
        count=$(scaled_n "$base")
        [[ $kind == bigzset ]] && count=$(((count + 99) / 100 * 100))
        elems=$count
        [[ $kind == strings || $kind == bigzset ]] || elems=$((count * 10))
        stop_pid "$CIN_PID"
        CIN_PID=""
        stop_pid "$RED_PID"
        RED_PID=""
        start_cinnabar "cinnabar-mem-$kind" --appendonly no
        if ((WITH_REDIS)); then start_redis "redis-mem-$kind" --appendonly no; fi
        echo "== memory: $kind, $elems ${unit}s" >&2
        mem_load cinnabar "$CIN_PID" "$CIN_PORT" "$kind" "$count" "$elems"
        if ((WITH_REDIS)); then mem_load redis "$RED_PID" "$RED_PORT" "$kind" "$count" "$elems"; fi
    done
fi

# result server workload column(3=rps 4=us/req 5=server% 6=client% 7=p99 ms):
# the median over rounds.
result() {
    awk -v s="$1" -v w="$2" -v c="$3" '$1 == s && $2 == w { print $c }' "$TMP/results" | median
}

# paired workload column: the median over rounds of cinnabar's value
# divided by redis's in the same round (measured back to back), which
# cancels the machine's drift between rounds that a ratio of medians
# keeps.
paired() {
    awk -v w="$1" -v c="$2" '$2 == w && $1 == "cinnabar" { a[++i] = $c }
        $2 == w && $1 == "redis" { b[++j] = $c }
        END { for (k = 1; k <= i && k <= j; k++) if (b[k] > 0) print a[k] / b[k] }' \
        "$TMP/results" | median
}

# print_table workload-array-name: req/s and CPU us/req medians; for table 2
# (AOF_ names) also req/s relative to the same workload in table 1.
print_table() {
    local -n wls=$1
    local w wl pipe base label c_rps c_us r_rps r_us c_t1 r_t1 p_rps p_us extra=0
    [[ $1 == AOF_WORKLOADS ]] && extra=1
    if ((WITH_REDIS)); then
        if ((extra)); then
            echo "| workload | cinnabar req/s | redis req/s | ratio (c/r) | cinnabar CPU us/req | redis CPU us/req | CPU ratio (c/r) | ratio, paired | CPU ratio, paired | cinnabar req/s vs no AOF | redis req/s vs no AOF |"
            echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        else
            echo "| workload | cinnabar req/s | redis req/s | ratio (c/r) | cinnabar CPU us/req | redis CPU us/req | CPU ratio (c/r) | ratio, paired | CPU ratio, paired |"
            echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        fi
    elif ((extra)); then
        echo "| workload | cinnabar req/s | cinnabar CPU us/req | cinnabar req/s vs no AOF |"
        echo "|---|---:|---:|---:|"
    else
        echo "| workload | cinnabar req/s | cinnabar CPU us/req |"
        echo "|---|---:|---:|"
    fi
    for w in "${wls[@]}"; do
        read -r wl _ pipe _ <<<"$w"
        base=${wl#AOF_}
        label="${base%_P*} -P $pipe"
        c_rps=$(result cinnabar "$wl" 3)
        c_us=$(result cinnabar "$wl" 4)
        c_t1=$(result cinnabar "$base" 3)
        if ((WITH_REDIS)); then
            r_rps=$(result redis "$wl" 3)
            r_us=$(result redis "$wl" 4)
            r_t1=$(result redis "$base" 3)
            p_rps=$(paired "$wl" 3)
            p_us=$(paired "$wl" 4)
            awk -v l="$label" -v a="$c_rps" -v b="$r_rps" -v x="$c_us" -v y="$r_us" \
                -v e="$extra" -v ca="$c_t1" -v ra="$r_t1" -v pa="$p_rps" -v px="$p_us" 'BEGIN {
                printf "| %s | %.0f | %.0f | %.2f | %.3f | %.3f | %.2f | %.2f | %.2f |", l, a, b, a / b, x, y, x / y, pa, px
                if (e) printf " %.2f | %.2f |", a / ca, b / ra
                printf "\n" }'
            awk -v l="$label" -v a="$c_rps" -v b="$r_rps" -v x="$c_us" -v y="$r_us" -v e="$extra" 'BEGIN {
                printf "req/s (higher is better)\t%s%s\t%.3f\n", l, e ? " AOF" : "", a / b
                printf "server CPU per request (lower is better)\t%s%s CPU\t%.3f\n", l, e ? " AOF" : "", x / y }' >>"$TMP/ratios"
        else
            awk -v l="$label" -v a="$c_rps" -v x="$c_us" -v e="$extra" -v ca="$c_t1" 'BEGIN {
                printf "| %s | %.0f | %.3f |", l, a, x
                if (e) printf " %.2f |", a / ca
                printf "\n" }'
        fi
    done
}

if ((BENCH_TPUT)); then
    echo
    echo "Medians of $ROUNDS round(s); -c $CLIENTS -r $KEYS, n scale $BENCH_N_SCALE."
    echo "CPU us/req = server CPU time (all threads, /proc/PID/task/*/schedstat) / requests."
    echo "ratio (c/r): of the medians; \"paired\": the median of each round's cinnabar/redis ratio."
    echo
    echo "Table 1: no persistence (appendonly no)."
    echo
    print_table WORKLOADS
    if ((BENCH_AOF)); then
        echo
        echo "Table 2: appendonly yes, appendfsync everysec, auto-aof-rewrite-percentage $AOF_AUTO_REWRITE"
        echo "(separate server instances, fresh directories; AOF directory size at the end: $AOF_SIZES)."
        echo "\"vs no AOF\" = req/s / the same workload's req/s in table 1."
        echo
        print_table AOF_WORKLOADS
    fi
fi

# pair_row label cinnabar redis decimals chart-group chart-label: prints
# "| label | c | r | c/r |" and records c/r for the chart.
pair_row() {
    awk -v l="$1" -v a="$2" -v b="$3" -v d="$4" -v g="$5" -v cl="$6" -v f="$TMP/ratios" 'BEGIN {
        fmt = "%." d "f"
        printf("| %s | " fmt " | " fmt " | %s |\n", l, a, b, (b > 0) ? sprintf("%.2f", a / b) : "n/a")
        if (b > 0) printf("%s\t%s\t%.3f\n", g, cl, a / b) >>f }'
}

if ((BENCH_TPUT)); then
    echo
    echo "Latency: median over rounds of redis-benchmark's p99 (ms), -c $CLIENTS."
    echo
    if ((WITH_REDIS)); then
        echo "| workload | cinnabar p99 ms | redis p99 ms | ratio (c/r) |"
        echo "|---|---:|---:|---:|"
    else
        echo "| workload | cinnabar p99 ms |"
        echo "|---|---:|"
    fi
    for w in "${WORKLOADS[@]}"; do
        read -r wl _ pipe _ <<<"$w"
        ((pipe == 1)) || continue
        label="${wl%_P*} -P $pipe"
        c_p99=$(result cinnabar "$wl" 7)
        if ((WITH_REDIS)); then
            pair_row "$label" "$c_p99" "$(result redis "$wl" 7)" 3 "p99 latency (lower is better)" "$label"
        else
            echo "| $label | $c_p99 |"
        fi
    done
fi

if ((BENCH_MEM)); then
    echo
    echo "Memory: (RSS after loading - RSS before) / elements, fresh servers, appendonly no."
    echo
    if ((WITH_REDIS)); then
        echo "| data set | cinnabar B/element | redis B/element | ratio (c/r) |"
        echo "|---|---:|---:|---:|"
    else
        echo "| data set | cinnabar B/element |"
        echo "|---|---:|"
    fi
    for row in "${MEM_ROWS[@]}"; do
        read -r kind base unit <<<"$row"
        case $kind in
            strings) label="$(scaled_n "$base") string keys (16 B key, 64 B value), per $unit" ;;
            bigzset) label="1 sorted set of $(scaled_n "$base") members, per $unit" ;;
            *) label="$(scaled_n "$base") $kind of 10, per $unit" ;;
        esac
        c_b=$(awk -v k="$kind" '$1 == "cinnabar" && $2 == k { print $3 }' "$TMP/mem")
        if ((WITH_REDIS)); then
            r_b=$(awk -v k="$kind" '$1 == "redis" && $2 == k { print $3 }' "$TMP/mem")
            pair_row "$label" "$c_b" "$r_b" 1 "memory (lower is better)" "$kind"
        else
            echo "| $label | $c_b |"
        fi
    done
fi

if ((BENCH_TPUT)); then
    echo
    echo "Median CPU utilisation during the runs (100% = one core busy):"
    echo
    if ((WITH_REDIS)); then
        echo "| workload | cinnabar server % | redis server % | benchmark client % (vs cinnabar) | benchmark client % (vs redis) |"
        echo "|---|---:|---:|---:|---:|"
    else
        echo "| workload | cinnabar server % | benchmark client % |"
        echo "|---|---:|---:|"
    fi
    all_workloads=("${WORKLOADS[@]}")
    if ((BENCH_AOF)); then all_workloads+=("${AOF_WORKLOADS[@]}"); fi
    for w in "${all_workloads[@]}"; do
        read -r wl _ pipe _ <<<"$w"
        base=${wl#AOF_}
        label="${base%_P*} -P $pipe"
        [[ $wl == AOF_* ]] && label="$label (AOF)"
        if ((WITH_REDIS)); then
            echo "| $label | $(result cinnabar "$wl" 5) | $(result redis "$wl" 5) | $(result cinnabar "$wl" 6) | $(result redis "$wl" 6) |"
        else
            echo "| $label | $(result cinnabar "$wl" 5) | $(result cinnabar "$wl" 6) |"
        fi
    done
fi

if ((!BENCH_TPUT)); then
    # A memory-only chart would replace the committed full one.
    echo "bench.sh: no chart with BENCH_TPUT=0" >&2
elif ((WITH_REDIS)) && command -v python3 >/dev/null; then
    mkdir -p "$(dirname -- "$CHART")"
    python3 "$SCRIPT_DIR/bench_chart.py" "$TMP/ratios" "$CHART" \
        "cinnabar / redis, $(cd "$REPO" && git describe --always --dirty 2>/dev/null || echo unknown), ROUNDS=$ROUNDS, n scale $BENCH_N_SCALE, $(nproc) CPUs"
    echo
    echo "Chart of the ratios: $CHART"
else
    echo "bench.sh: no chart (needs redis-server and python3)" >&2
fi
