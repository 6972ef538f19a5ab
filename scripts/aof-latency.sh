#!/usr/bin/env bash
# Latency impact of BGREWRITEAOF, and AOF fsync durations: cinnabar-server
# vs redis-server, over loopback.
#
# Usage: scripts/aof-latency.sh        (from any directory)
#
# For each server (cinnabar, then redis-server; both with appendonly yes,
# appendfsync everysec, auto-aof-rewrite-percentage 0 so that only our own
# BGREWRITEAOFs run; Redis keeps its default aof-use-rdb-preamble yes):
#
#  A. fsync phase (needs strace): the server runs under
#     `strace -f --seccomp-bpf -T -e trace=fsync,fdatasync` (seccomp-bpf:
#     only those two syscalls stop the tracee, so the tracing costs nothing
#     elsewhere) in a fresh directory, with a SET load of AOF_FSYNC_SECS
#     seconds at -P 1 -c 20 and then AOF_FSYNC_SECS seconds at -P 16 -c 50.
#     Reports count, p50, p99 and max of the fsync/fdatasync durations.
#  B. rewrite phase: a fresh server (not traced) in a fresh directory is
#     preloaded with AOF_PRELOAD_N random SETs over AOF_KEYS keys with
#     AOF_VALUE_SIZE-byte values. Then a background SET load
#     (redis-benchmark -P AOF_LOAD_PIPE -c AOF_LOAD_CLIENTS) and a probe (one
#     connection sending PING every AOF_PROBE_INTERVAL_US and timing each
#     round trip) run while a controller does AOF_CYCLES times:
#       BGREWRITEAOF, poll INFO every 20 ms until aof_rewrite_in_progress:0
#       (that is the rewrite window, length D), wait AOF_SETTLE s, then a
#       baseline window of length D with no rewrite, then AOF_SETTLE s.
#     During both windows it samples the RSS (VmRSS, every 20 ms) and PSS
#     (smaps_rollup, every 200 ms) summed over the server and its child
#     processes (Redis's fork), and total_commands_processed (load
#     throughput). Probe percentiles are over the probes sent inside the
#     windows, pooled over cycles; a per-cycle table follows.
#
# Environment (defaults in brackets):
#   SERVERS ["cinnabar redis"]   which servers, in order
#   AOF_KEYS [2000000] AOF_PRELOAD_N [4000000] AOF_VALUE_SIZE [100]
#   AOF_CYCLES [3] AOF_SETTLE [2] AOF_REWRITE_TIMEOUT [120] (s per rewrite)
#   AOF_LOAD_CLIENTS [20] AOF_LOAD_PIPE [1] AOF_PROBE_INTERVAL_US [1000]
#   AOF_FSYNC_SECS [10]   0 skips phase A
#   PYTHON [python3]      any Python 3; only the standard library is used
#   KEEP_TMP=1            keep the temporary directory (probe samples, logs)
#
# The markdown report goes to stdout, progress to stderr.
set -euo pipefail

SERVERS=${SERVERS:-"cinnabar redis"}
KEYS=${AOF_KEYS:-2000000}
PRELOAD_N=${AOF_PRELOAD_N:-4000000}
VALUE_SIZE=${AOF_VALUE_SIZE:-100}
CYCLES=${AOF_CYCLES:-3}
SETTLE=${AOF_SETTLE:-2}
REWRITE_TIMEOUT=${AOF_REWRITE_TIMEOUT:-120}
LOAD_CLIENTS=${AOF_LOAD_CLIENTS:-20}
LOAD_PIPE=${AOF_LOAD_PIPE:-1}
PROBE_INTERVAL_US=${AOF_PROBE_INTERVAL_US:-1000}
FSYNC_SECS=${AOF_FSYNC_SECS:-10}
PYTHON=${PYTHON:-python3}

die() { echo "aof-latency.sh: $*" >&2; exit 1; }
say() { echo "== $(date +%T) $*" >&2; }

for v in KEYS PRELOAD_N VALUE_SIZE CYCLES REWRITE_TIMEOUT LOAD_CLIENTS LOAD_PIPE PROBE_INTERVAL_US; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer"
done
[[ $SETTLE =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "AOF_SETTLE must be a number"
[[ $FSYNC_SECS =~ ^[0-9]+$ ]] || die "AOF_FSYNC_SECS must be a non-negative integer"
for tool in redis-benchmark redis-cli timeout cargo "$PYTHON"; do
    command -v "$tool" >/dev/null || die "$tool not found on PATH"
done
for s in $SERVERS; do
    case $s in
    cinnabar) ;;
    redis) command -v redis-server >/dev/null || die "redis-server not found on PATH" ;;
    *) die "unknown server '$s' in SERVERS" ;;
    esac
done
if ((FSYNC_SECS > 0)) && ! command -v strace >/dev/null; then
    say "strace not found: skipping the fsync phase (apt-get install strace)"
    FSYNC_SECS=0
fi

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -- "$SCRIPT_DIR/.." && pwd)
BIN="${CARGO_TARGET_DIR:-$REPO/target}/release/cinnabar-server"

TMP=""
PIDS=() # every background process we started, stopped in reverse order

# All descendants of pid (children first listed after their parent).
descendants() {
    local p c
    for p in "$@"; do
        for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
            echo "$c"
            descendants "$c"
        done
    done
}

stop_tree() { # pid: TERM, wait up to 10 s, then KILL it and what is left of its descendants
    local pid=$1 kids i
    [[ -n $pid ]] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kids=$(descendants "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for k in $kids; do kill -KILL "$k" 2>/dev/null || true; done
}

stop_all() {
    local i
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        stop_tree "${PIDS[i]}"
    done
    PIDS=()
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_all
    if [[ -n $TMP ]]; then
        if [[ ${KEEP_TMP:-0} == 1 ]]; then
            echo "aof-latency.sh: kept $TMP" >&2
        else
            rm -rf -- "$TMP"
        fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "building release binary in $REPO"
(cd "$REPO" && cargo build --release --quiet)
[[ -x $BIN ]] || die "$BIN not built"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cinnabar-aoflat.XXXXXX")

# ---------------------------------------------------------------------------
# Python helpers (standard library only)
# ---------------------------------------------------------------------------

# probe.py host port interval_us max_secs out: PING every interval, one
# connection, round trip per probe; "send_monotonic_ns rtt_ns" lines.
cat >"$TMP/probe.py" <<'EOF'
import array, signal, socket, sys, time
host, port, interval_us, max_secs, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
stop = False
def on_term(*_):
    global stop
    stop = True
signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_term)
s = socket.create_connection((host, port), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
s.settimeout(30)
sent, rtt = array.array('q'), array.array('q')
interval = interval_us * 1000
mono, perf = time.monotonic_ns, time.perf_counter_ns
deadline = mono() + int(max_secs * 1e9)
nxt = mono()
msg = b"*1\r\n$4\r\nPING\r\n"
try:
    while not stop and mono() < deadline:
        w = mono()
        t0 = perf()
        s.sendall(msg)
        buf = b""
        while not buf.endswith(b"\r\n"):
            chunk = s.recv(64)
            if not chunk:
                raise SystemExit("probe: connection closed")
            buf += chunk
        t1 = perf()
        if buf != b"+PONG\r\n":
            raise SystemExit("probe: unexpected reply %r" % buf)
        sent.append(w)
        rtt.append(t1 - t0)
        nxt += interval
        d = nxt - mono()
        if d > 0:
            time.sleep(d / 1e9)
        else:
            nxt = mono()  # behind (a slow reply): no burst to catch up
finally:
    with open(out, "w") as f:
        f.write("".join("%d %d\n" % x for x in zip(sent, rtt)))
EOF

# control.py host port pid cycles settle timeout out.json
cat >"$TMP/control.py" <<'EOF'
import glob, json, socket, sys, time
host, port, pid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cycles, settle, rw_timeout, out = int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
mono = time.monotonic_ns

s = socket.create_connection((host, port), timeout=30)
f = s.makefile("rb")
sent_cmds = 0  # our own commands, subtracted from total_commands_processed
def cmd(*args):
    global sent_cmds
    sent_cmds += 1
    s.sendall(b"".join([b"*%d\r\n" % len(args)] + [b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args)]))
    line = f.readline()
    if line[:1] == b"$":
        n = int(line[1:])
        data = f.read(n + 2)[:-2]
        return data.decode()
    if line[:1] == b"-":
        raise RuntimeError("server error: " + line.decode().strip())
    return line[1:].decode().strip()
def info(section="all"):
    d = {}
    for l in cmd("INFO", section).splitlines():
        if ":" in l:
            k, v = l.split(":", 1)
            d[k] = v
    return d

def tree(p):
    out = [p]
    for c in glob.glob("/proc/%d/task/*/children" % p):
        try:
            for x in open(c).read().split():
                out += tree(int(x))
        except OSError:
            pass
    return out
def rss_kb():
    tot, n = 0, 0
    for p in tree(pid):
        try:
            for l in open("/proc/%d/status" % p):
                if l.startswith("VmRSS:"):
                    tot += int(l.split()[1]); n += 1
        except OSError:
            pass
    return tot, n
def pss_kb():
    tot = 0
    for p in tree(pid):
        try:
            for l in open("/proc/%d/smaps_rollup" % p):
                if l.startswith("Pss:"):
                    tot += int(l.split()[1])
        except OSError:
            pass
    return tot

class Sampler:
    def __init__(self):
        self.rss = self.pss = self.procs = 0
        self.last_pss = 0
    def sample(self):
        r, n = rss_kb()
        self.rss, self.procs = max(self.rss, r), max(self.procs, n)
        if mono() - self.last_pss >= 200_000_000:
            self.pss = max(self.pss, pss_kb())
            self.last_pss = mono()

def idle(secs, sampler=None):
    end = mono() + int(secs * 1e9)
    while mono() < end:
        if sampler:
            sampler.sample()
        time.sleep(min(0.02, max(0, (end - mono()) / 1e9)))

def wait_no_rewrite(limit):
    end = time.monotonic() + limit
    while info("persistence").get("aof_rewrite_in_progress") != "0":
        if time.monotonic() > end:
            raise SystemExit("control: a rewrite is still running after %ss" % limit)
        time.sleep(0.05)

res = {"cycles": []}
wait_no_rewrite(rw_timeout)
st = Sampler(); idle(1.0, st)
res["steady_rss_kb"], res["steady_pss_kb"] = st.rss, st.pss
for c in range(cycles):
    cyc = {}
    wait_no_rewrite(rw_timeout)
    ops0, c0 = int(info("stats")["total_commands_processed"]), sent_cmds
    rw = Sampler(); rw.sample()
    t0 = mono()
    r = cmd("BGREWRITEAOF")
    polls = 0
    while True:
        rw.sample()
        p = info("persistence")
        polls += 1
        if p.get("aof_rewrite_in_progress") == "0" and p.get("aof_rewrite_scheduled", "0") == "0":
            break
        if (mono() - t0) / 1e9 > rw_timeout:
            raise SystemExit("control: rewrite %d did not finish within %ss" % (c + 1, rw_timeout))
        time.sleep(0.02)
    t1 = mono()
    ops1, c1 = int(info("stats")["total_commands_processed"]), sent_cmds
    inf = info("all")
    cyc.update(rw_start=t0, rw_end=t1, rw_secs=(t1 - t0) / 1e9, reply=r,
               rw_status=inf.get("aof_last_bgrewrite_status"),
               rw_time_sec_info=inf.get("aof_last_rewrite_time_sec"),
               fork_usec=int(inf.get("latest_fork_usec", 0)),
               cow_bytes=int(inf.get("aof_last_cow_size", 0)),
               aof_base_size=int(inf.get("aof_base_size", 0)),
               rw_peak_rss_kb=rw.rss, rw_peak_pss_kb=rw.pss, rw_procs=rw.procs,
               rw_ops=ops1 - ops0 - (c1 - c0))
    idle(settle)
    b = Sampler()
    ops0, c0 = int(info("stats")["total_commands_processed"]), sent_cmds
    b0 = mono()
    idle((t1 - t0) / 1e9, b)
    b1 = mono()
    ops1, c1 = int(info("stats")["total_commands_processed"]), sent_cmds
    cyc.update(base_start=b0, base_end=b1, base_peak_rss_kb=b.rss, base_peak_pss_kb=b.pss,
               base_ops=ops1 - ops0 - (c1 - c0))
    res["cycles"].append(cyc)
    print("   cycle %d: rewrite %.2f s (%s), peak RSS %d MB rewrite / %d MB baseline"
          % (c + 1, cyc["rw_secs"], cyc["rw_status"], rw.rss // 1024, b.rss // 1024), file=sys.stderr)
    idle(settle)
json.dump(res, open(out, "w"))
EOF

# analyze.py probe.txt control.json out.json: probe percentiles per window.
cat >"$TMP/analyze.py" <<'EOF'
import json, sys
samples = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
ctl = json.load(open(sys.argv[2]))
def pct(v, q):
    if not v:
        return float("nan")
    v = sorted(v)
    i = max(0, min(len(v) - 1, int(-(-q * len(v) // 1)) - 1))  # nearest rank
    return v[i]
def stats(v):
    v = [x / 1e6 for x in v]  # ms
    return {"n": len(v), "p50": pct(v, 0.5), "p99": pct(v, 0.99), "p999": pct(v, 0.999),
            "max": max(v) if v else float("nan"), "gt5": sum(1 for x in v if x > 5),
            "gt10": sum(1 for x in v if x > 10)}
def window(a, b):
    return [r for t, r in samples if a <= t < b]
allrw, allb = [], []
for c in ctl["cycles"]:
    rw = window(c["rw_start"], c["rw_end"]); bl = window(c["base_start"], c["base_end"])
    c["probe_rw"], c["probe_base"] = stats(rw), stats(bl)
    # when the slowest rewrite-window probe was sent, from the rewrite start
    worst = max(((r, t) for t, r in samples if c["rw_start"] <= t < c["rw_end"]), default=(0, c["rw_start"]))
    c["rw_max_at"] = (worst[1] - c["rw_start"]) / 1e9
    # load throughput: commands processed minus ours (controller, probe)
    c["rw_ops_per_sec"] = (c["rw_ops"] - len(rw)) / ((c["rw_end"] - c["rw_start"]) / 1e9)
    c["base_ops_per_sec"] = (c["base_ops"] - len(bl)) / ((c["base_end"] - c["base_start"]) / 1e9)
    allrw += rw; allb += bl
ctl["probe_rw"], ctl["probe_base"] = stats(allrw), stats(allb)
ctl["probe_total"] = len(samples)
json.dump(ctl, open(sys.argv[3], "w"))
EOF

# fsyncs.py strace.out t0 t1: durations of completed fsync/fdatasync calls.
cat >"$TMP/fsyncs.py" <<'EOF'
import json, re, sys
# Lines: PID EPOCH.USEC fdatasync(5) = 0 <0.001234>, or split by another
# thread into "... <unfinished ...>" and "<... fdatasync resumed>) = 0 <...>"
# (-T puts the duration on the resumed line; the window test uses its time).
rx = re.compile(r"^(\d+)\s+([0-9.]+)\s+(?:(?:fsync|fdatasync)\(|<\.\.\. (?:fsync|fdatasync) resumed>).*\)\s+=\s+(-?\d+).*<([0-9.]+)>\s*$")
t0, t1 = float(sys.argv[2]), float(sys.argv[3])
d, threads, errs = [], set(), 0
for l in open(sys.argv[1]):
    m = rx.match(l)
    if m and t0 <= float(m.group(2)) <= t1:
        d.append(float(m.group(4)) * 1000)
        threads.add(m.group(1))
        errs += m.group(3) != "0"
d.sort()
def pct(q):
    return d[max(0, min(len(d) - 1, int(-(-q * len(d) // 1)) - 1))] if d else float("nan")
print(json.dumps({"n": len(d), "p50": pct(0.5), "p99": pct(0.99), "max": d[-1] if d else float("nan"),
                  "sum": sum(d), "threads": len(threads), "errors": errs}))
EOF

# ---------------------------------------------------------------------------
# Servers
# ---------------------------------------------------------------------------

SRV_PID=""  # the server process
SRV_PORT=""

wait_ready() { # pid port -> 0 ready, 1 process exited
    local pid=$1 port=$2 i
    for ((i = 0; i < 200; i++)); do
        kill -0 "$pid" 2>/dev/null || return 1
        if [[ $(timeout 5 redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; then
            return 0
        fi
        sleep 0.1
    done
    die "server pid $pid did not answer PING on port $port within 20 s"
}

startup_failed() { # name log
    echo "--- $2" >&2
    tail -n 20 "$2" >&2 || true
    die "$1 exited during startup"
}

# The server's own pid (INFO process_id), checked to be top or (under
# strace, which may fork a short-lived test child first) a descendant of it.
server_pid_of() { # top port
    local pid
    pid=$(info_field "$2" process_id)
    [[ -n $pid ]] || return 0
    if [[ $pid == "$1" ]] || descendants "$1" | grep -x "$pid" >/dev/null; then
        echo "$pid"
    fi
}

# start_server kind dir trace_file|none -> SRV_PID, SRV_PORT (top pid in PIDS)
start_server() {
    local kind=$1 dir=$2 trace=$3 log="$2.log" wrap=() top i try
    mkdir -p "$dir"
    [[ $trace != none ]] && wrap=(strace -f --seccomp-bpf -qq -ttt -T -e signal=none -e trace=fsync,fdatasync -o "$trace")
    SRV_PORT=""
    if [[ $kind == cinnabar ]]; then
        "${wrap[@]}" "$BIN" --port 0 --dir "$dir" --appendonly yes --appendfsync everysec \
            --auto-aof-rewrite-percentage 0 >"$log" 2>&1 &
        top=$!
        PIDS+=("$top")
        for ((i = 0; i < 200; i++)); do
            SRV_PORT=$(sed -n 's/.*Ready to accept connections tcp [^ ]*:\([0-9][0-9]*\).*/\1/p' "$log" | tail -n 1)
            [[ -n $SRV_PORT ]] && break
            kill -0 "$top" 2>/dev/null || startup_failed cinnabar "$log"
            sleep 0.1
        done
        [[ -n $SRV_PORT ]] || startup_failed cinnabar "$log"
        wait_ready "$top" "$SRV_PORT" || startup_failed cinnabar "$log"
        SRV_PID=$(server_pid_of "$top" "$SRV_PORT")
        [[ -n $SRV_PID ]] || startup_failed cinnabar "$log"
        # Under strace: stop the server first (gracefully), then strace.
        [[ $SRV_PID != "$top" ]] && PIDS+=("$SRV_PID")
        return 0
    fi
    for ((try = 0; try < 10; try++)); do
        SRV_PORT=$((20000 + RANDOM % 12000))
        if (exec 3<>"/dev/tcp/127.0.0.1/$SRV_PORT") 2>/dev/null; then
            continue
        fi
        "${wrap[@]}" redis-server --port "$SRV_PORT" --bind 127.0.0.1 --save '' \
            --appendonly yes --appendfsync everysec --auto-aof-rewrite-percentage 0 \
            --dir "$dir" >"$log" 2>&1 &
        top=$!
        PIDS+=("$top")
        if wait_ready "$top" "$SRV_PORT"; then
            SRV_PID=$(server_pid_of "$top" "$SRV_PORT")
            [[ -n $SRV_PID ]] || startup_failed redis "$log"
            [[ $SRV_PID != "$top" ]] && PIDS+=("$SRV_PID")
            return 0
        fi
        stop_all # only this attempt's processes are running here
        grep -q 'Address already in use' "$log" || startup_failed redis "$log"
    done
    startup_failed redis "$log"
}

# load_start port pipe clients -> LOAD_PID (in PIDS); endless SETs
load_start() {
    redis-benchmark -h 127.0.0.1 -p "$1" -t set -P "$2" -c "$3" -n 2000000000 \
        -r "$KEYS" -d "$VALUE_SIZE" -q >"$TMP/load.out" 2>&1 &
    LOAD_PID=$!
    PIDS+=("$LOAD_PID")
}

load_stop() {
    stop_tree "$LOAD_PID"
    unset 'PIDS[-1]'
}

info_field() { # port field
    timeout 10 redis-cli -h 127.0.0.1 -p "$1" info all 2>/dev/null | tr -d '\r' |
        awk -F: -v f="$2" '$1 == f && !done { print $2; done = 1 }'
}

# ---------------------------------------------------------------------------
# Phase A: fsync durations under load
# ---------------------------------------------------------------------------

fsync_phase() { # kind
    local kind=$1 trace="$TMP/$1-fsync.strace" s0 s1 t0 t1 label pipe clients
    say "$kind: fsync phase (strace, ${FSYNC_SECS} s per load)"
    start_server "$kind" "$TMP/$kind-fsync" "$trace"
    for label in P1 P16; do
        if [[ $label == P1 ]]; then pipe=1 clients=20; else pipe=16 clients=50; fi
        s0=$(info_field "$SRV_PORT" aof_current_size)
        t0=$(date +%s.%N)
        load_start "$SRV_PORT" "$pipe" "$clients"
        sleep "$FSYNC_SECS"
        load_stop
        t1=$(date +%s.%N)
        s1=$(info_field "$SRV_PORT" aof_current_size)
        echo "$label $t0 $t1 $pipe $clients" >>"$TMP/$kind-fsync.windows"
        awk -v a="$s0" -v b="$s1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f\n", (b - a) / (t1 - t0) / 1e6 }' \
            >"$TMP/$kind-fsync-$label.mbps"
    done
    stop_all # the trace file is complete once strace exits
    while read -r label t0 t1 pipe clients; do
        "$PYTHON" "$TMP/fsyncs.py" "$trace" "$t0" "$t1" >"$TMP/$kind-fsync-$label.json"
        say "   $kind SET -P $pipe -c $clients: $(cat "$TMP/$kind-fsync-$label.json"), AOF written $(cat "$TMP/$kind-fsync-$label.mbps") MB/s"
    done <"$TMP/$kind-fsync.windows"
}

# ---------------------------------------------------------------------------
# Phase B: rewrites under load
# ---------------------------------------------------------------------------

rewrite_phase() { # kind
    local kind=$1 dbsize probe_secs probe_pid ctl_rc=0
    say "$kind: rewrite phase"
    start_server "$kind" "$TMP/$kind-rw" none
    say "   preload: SET -r $KEYS -n $PRELOAD_N -P 64 -d $VALUE_SIZE"
    timeout 600 redis-benchmark -h 127.0.0.1 -p "$SRV_PORT" -t set -r "$KEYS" -n "$PRELOAD_N" \
        -P 64 -c 50 -d "$VALUE_SIZE" -q >"$TMP/$kind-preload.out" 2>&1 ||
        { cat "$TMP/$kind-preload.out" >&2; die "preload failed"; }
    dbsize=$(timeout 10 redis-cli -h 127.0.0.1 -p "$SRV_PORT" dbsize)
    echo "$dbsize" >"$TMP/$kind-dbsize"
    echo "$(info_field "$SRV_PORT" used_memory)" >"$TMP/$kind-used-memory"
    say "   $(tr '\r' '\n' <"$TMP/$kind-preload.out" | grep -a 'requests per second' | tail -n 1 | sed 's/^ *//'); dbsize $dbsize, used_memory $(cat "$TMP/$kind-used-memory"), VmRSS $(awk '/VmRSS/ { print $2, $3 }' /proc/"$SRV_PID"/status)"

    load_start "$SRV_PORT" "$LOAD_PIPE" "$LOAD_CLIENTS"
    sleep 2
    probe_secs=$((CYCLES * (2 * REWRITE_TIMEOUT + 10) + 60))
    "$PYTHON" "$TMP/probe.py" 127.0.0.1 "$SRV_PORT" "$PROBE_INTERVAL_US" "$probe_secs" \
        "$TMP/$kind-probe.txt" &
    probe_pid=$!
    PIDS+=("$probe_pid")
    sleep 1
    timeout "$probe_secs" "$PYTHON" "$TMP/control.py" 127.0.0.1 "$SRV_PORT" "$SRV_PID" \
        "$CYCLES" "$SETTLE" "$REWRITE_TIMEOUT" "$TMP/$kind-control.json" || ctl_rc=$?
    kill -TERM "$probe_pid" 2>/dev/null || true
    wait "$probe_pid" || die "probe failed"
    stop_all
    ((ctl_rc == 0)) || die "controller failed (rc $ctl_rc)"
    "$PYTHON" "$TMP/analyze.py" "$TMP/$kind-probe.txt" "$TMP/$kind-control.json" "$TMP/$kind-result.json"
}

say "load average before start: $(cut -d' ' -f1-3 /proc/loadavg)"
for kind in $SERVERS; do
    ((FSYNC_SECS > 0)) && fsync_phase "$kind"
    rewrite_phase "$kind"
done

# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------

"$PYTHON" - "$TMP" "$FSYNC_SECS" "$SERVERS" <<'EOF'
import json, os, sys
tmp, fsync_secs, servers = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
R = {s: json.load(open(os.path.join(tmp, s + "-result.json"))) for s in servers}
def rd(s, name):
    return open(os.path.join(tmp, "%s-%s" % (s, name))).read().strip()
def row(label, f):
    print("| %s | %s |" % (label, " | ".join(f(s) for s in servers)))
mb = lambda kb: "%.0f" % (kb / 1024)
print("| | " + " | ".join(servers) + " |")
print("|---|" + "---:|" * len(servers))
row("keys (DBSIZE) / used_memory MB", lambda s: "%s / %.0f" % (rd(s, "dbsize"), int(rd(s, "used-memory")) / 2**20))
row("rewrite duration s (each cycle)", lambda s: " / ".join("%.2f" % c["rw_secs"] for c in R[s]["cycles"]))
row("rewrite status", lambda s: ",".join(c["rw_status"] for c in R[s]["cycles"]))
for w, name in (("probe_base", "baseline"), ("probe_rw", "rewrite")):
    row("PING ms %s p50 / p99 / p99.9 / max" % name,
        lambda s: "%.3f / %.3f / %.2f / %.1f" % tuple(R[s][w][k] for k in ("p50", "p99", "p999", "max")))
    row("probes %s: n / >5 ms / >10 ms" % name, lambda s: "%d / %d / %d" % tuple(R[s][w][k] for k in ("n", "gt5", "gt10")))
row("load ops/s baseline / rewrite (median cycle)", lambda s: "%.0f / %.0f" % (
    sorted(c["base_ops_per_sec"] for c in R[s]["cycles"])[len(R[s]["cycles"]) // 2],
    sorted(c["rw_ops_per_sec"] for c in R[s]["cycles"])[len(R[s]["cycles"]) // 2]))
row("RSS MB steady (before cycles)", lambda s: mb(R[s]["steady_rss_kb"]))
row("peak RSS MB, server+children, baseline / rewrite", lambda s: "%s / %s" % (
    mb(max(c["base_peak_rss_kb"] for c in R[s]["cycles"])), mb(max(c["rw_peak_rss_kb"] for c in R[s]["cycles"]))))
row("peak PSS MB, server+children, baseline / rewrite", lambda s: "%s / %s" % (
    mb(max(c["base_peak_pss_kb"] for c in R[s]["cycles"])), mb(max(c["rw_peak_pss_kb"] for c in R[s]["cycles"]))))
row("fork ms (latest_fork_usec) / COW MB (aof_last_cow_size), max", lambda s: "%.1f / %.0f" % (
    max(c["fork_usec"] for c in R[s]["cycles"]) / 1000, max(c["cow_bytes"] for c in R[s]["cycles"]) / 2**20))
row("base file MB after rewrite", lambda s: "%.0f" % (R[s]["cycles"][-1]["aof_base_size"] / 2**20))
if fsync_secs:
    for label, desc in (("P1", "SET -P 1 -c 20"), ("P16", "SET -P 16 -c 50")):
        def f(s, label=label):
            d = json.load(open(os.path.join(tmp, "%s-fsync-%s.json" % (s, label))))
            return "%d / %.2f / %.2f / %.2f (%s MB/s, %d thr)" % (d["n"], d["p50"], d["p99"], d["max"],
                                                          rd(s, "fsync-%s.mbps" % label), d["threads"])
        row("fsync %s: n / p50 / p99 / max ms" % desc, f)
print()
print("Per cycle: probe p99 / p99.9 / max in ms, rewrite window vs baseline window; \"max sent at\" = when")
print("the slowest rewrite-window probe was sent, in s after BGREWRITEAOF.")
print()
print("| server | cycle | rewrite s | rewrite p99 / p99.9 / max | max sent at s | baseline p99 / p99.9 / max | peak RSS MB rw / base | load ops/s rw / base |")
print("|---|---:|---:|---|---:|---|---|---|")
for s in servers:
    for i, c in enumerate(R[s]["cycles"]):
        a, b = c["probe_rw"], c["probe_base"]
        print("| %s | %d | %.2f | %.2f / %.2f / %.1f | %.2f | %.2f / %.2f / %.1f | %s / %s | %.0f / %.0f |" % (
            s, i + 1, c["rw_secs"], a["p99"], a["p999"], a["max"], c["rw_max_at"], b["p99"], b["p999"], b["max"],
            mb(c["rw_peak_rss_kb"]), mb(c["base_peak_rss_kb"]), c["rw_ops_per_sec"], c["base_ops_per_sec"]))
EOF
