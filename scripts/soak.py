#!/usr/bin/env python3
"""Workers and the summary for scripts/soak.sh (read that first).

Each worker is its own process, so one slow worker does not delay another
(above all the latency probe). Every worker runs until it is sent SIGTERM,
then writes one line of JSON counters to its output file. Usage:

    soak.py probe   PORT OUT           PING every 10 ms, per-minute p50/p99/max
    soak.py blpop   PORT OUT PAIRS     BLPOP consumers fed by LPUSH producers
    soak.py pubsub  PORT OUT SUBS      SUBS subscribers (half pattern) + 1 publisher
    soak.py multi   PORT OUT CONNS     MULTI/INCR/LPUSH/LTRIM/EXEC, checked replies
    soak.py idle    PORT OUT CONNS     CONNS mostly idle connections, PING each in turn
    soak.py rss     PORT OUT PID       VmRSS and INFO fields every 5 s (CSV)
    soak.py summary DIR                one-screen summary; exit 1 on failure

Errors are error replies, replies of the wrong shape, and lost
connections; each worker counts them and keeps the first few messages.
"""

import json
import os
import selectors
import signal
import socket
import sys
import time

STOP = False


def on_term(_sig, _frame):
    global STOP
    STOP = True


def connect(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def enc(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Reader:
    """A minimal RESP2 reply reader over a blocking socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def feed(self, data):
        self.buf += data

    def _line(self, pos):
        end = self.buf.find(b"\r\n", pos)
        return None if end < 0 else (self.buf[pos:end], end + 2)

    def _parse(self, pos):
        r = self._line(pos)
        if r is None:
            return None
        line, pos = r
        t, rest = line[:1], line[1:]
        if t in (b"+", b"-", b":"):
            v = int(rest) if t == b":" else (ErrorReply(rest) if t == b"-" else rest)
            return v, pos
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None, pos
            if len(self.buf) < pos + n + 2:
                return None
            return self.buf[pos:pos + n], pos + n + 2
        if t == b"*":
            n = int(rest)
            if n < 0:
                return None, pos
            items = []
            for _ in range(n):
                r = self._parse(pos)
                if r is None:
                    return None
                v, pos = r
                items.append(v)
            return items, pos
        raise ValueError("bad reply type %r" % line[:20])

    def try_reply(self):
        """A whole reply from the buffer, or NOTHING."""
        r = self._parse(0)
        if r is None:
            return NOTHING
        v, pos = r
        self.buf = self.buf[pos:]
        return v

    def reply(self):
        while True:
            v = self.try_reply()
            if v is not NOTHING:
                return v
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("connection closed by server")
            self.feed(data)


class ErrorReply(bytes):
    pass


NOTHING = object()


class Counters:
    def __init__(self, out):
        self.out = out
        self.c = {"errors": 0, "ops": 0, "first_errors": []}

    def error(self, msg):
        self.c["errors"] += 1
        if len(self.c["first_errors"]) < 5:
            self.c["first_errors"].append("%s %s" % (time.strftime("%H:%M:%S"), msg))

    def write(self, **extra):
        self.c.update(extra)
        with open(self.out, "w") as f:
            json.dump(self.c, f)
            f.write("\n")


def probe(port, out):
    """PING every 10 ms; per-minute p50/p99/max to OUT.minutes."""
    cnt = Counters(out)
    s = connect(port)
    r = Reader(s)
    lat = []
    minute_start = time.monotonic()
    t0 = minute_start
    minutes = open(out + ".minutes", "w")
    all_max = 0.0
    while not STOP:
        t = time.perf_counter()
        try:
            s.sendall(b"PING\r\n")
            v = r.reply()
        except (OSError, ConnectionError) as e:
            cnt.error("probe: %s" % e)
            time.sleep(0.5)
            try:
                s = connect(port)
                r = Reader(s)
            except OSError:
                pass
            continue
        ms = (time.perf_counter() - t) * 1000
        cnt.c["ops"] += 1
        if v != b"PONG":
            cnt.error("probe: PING -> %r" % (v,))
        lat.append(ms)
        all_max = max(all_max, ms)
        now = time.monotonic()
        if now - minute_start >= 60 or (STOP and now - minute_start >= 10):
            lat.sort()
            n = len(lat)
            minutes.write(json.dumps({
                "minute": round((now - t0) / 60),
                "n": n,
                "p50": lat[n // 2],
                "p99": lat[min(n - 1, n * 99 // 100)],
                "max": lat[-1],
            }) + "\n")
            minutes.flush()
            lat = []
            minute_start = now
        time.sleep(max(0.0, 0.010 - (time.perf_counter() - t)))
    cnt.write(max_ms=all_max)


def blpop(port, out, pairs):
    """PAIRS consumers block in BLPOP on their own list; one producer
    connection LPUSHes to a list whenever its consumer is blocked, so lists
    stay short. Consumers are multiplexed with selectors."""
    cnt = Counters(out)
    sel = selectors.DefaultSelector()
    cons = []
    for i in range(pairs):
        c = connect(port)
        c.setblocking(False)
        rd = Reader(c)
        key = b"soak:q:%d" % i
        c.sendall(enc(b"BLPOP", key, b"1"))
        cons.append({"sock": c, "rd": rd, "key": key, "waiting": True})
        sel.register(c, selectors.EVENT_READ, i)
    prod = connect(port)
    prd = Reader(prod)
    seq = 0
    served = 0
    timeouts = 0
    while not STOP:
        # Push one item to every list (a pipeline), then collect pops.
        batch = b"".join(enc(b"LPUSH", c["key"], b"item-%d" % (seq + i)) for i, c in enumerate(cons))
        seq += len(cons)
        try:
            prod.sendall(batch)
            for _ in cons:
                v = prd.reply()
                if isinstance(v, ErrorReply) or not isinstance(v, int):
                    cnt.error("lpush -> %r" % (v,))
        except (OSError, ConnectionError) as e:
            cnt.error("producer: %s" % e)
            break
        pending = len(cons)
        deadline = time.monotonic() + 5
        while pending and not STOP and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=0.5):
                c = cons[key.data]
                try:
                    data = c["sock"].recv(65536)
                except BlockingIOError:
                    continue
                except OSError as e:
                    cnt.error("consumer: %s" % e)
                    continue
                if not data:
                    cnt.error("consumer: connection closed by server")
                    sel.unregister(c["sock"])
                    pending -= 1
                    continue
                c["rd"].feed(data)
                while True:
                    v = c["rd"].try_reply()
                    if v is NOTHING:
                        break
                    if v is None:
                        timeouts += 1
                    elif isinstance(v, list) and len(v) == 2 and v[0] == c["key"]:
                        served += 1
                        pending -= 1
                        cnt.c["ops"] += 1
                    else:
                        cnt.error("blpop -> %r" % (v,))
                    c["sock"].sendall(enc(b"BLPOP", c["key"], b"1"))
        if pending and not STOP:
            cnt.error("blpop: %d pops missing after 5 s" % pending)
        time.sleep(0.002)
    cnt.write(pushed=seq, popped=served, blpop_timeouts=timeouts)


def pubsub(port, out, subs):
    """SUBS subscribers on 8 channels (half by pattern); one publisher
    sends a message per channel every 20 ms and checks the receiver count
    each PUBLISH reports; subscribers check every message's payload."""
    cnt = Counters(out)
    sel = selectors.DefaultSelector()
    readers = []
    channels = [b"soak:ch:%d" % i for i in range(8)]
    for i in range(subs):
        c = connect(port)
        rd = Reader(c)
        if i % 2:
            c.sendall(enc(b"PSUBSCRIBE", b"soak:ch:*"))
            want = 1
        else:
            c.sendall(enc(b"SUBSCRIBE", *channels))
            want = len(channels)
        for _ in range(want):
            rd.reply()
        c.setblocking(False)
        readers.append(rd)
        sel.register(c, selectors.EVENT_READ, i)
    pub = connect(port)
    prd = Reader(pub)
    received = 0
    published = 0
    expected_receivers = subs  # each subscriber gets each message once
    last_pub = 0.0
    while not STOP:
        now = time.monotonic()
        if now - last_pub >= 0.020:
            last_pub = now
            try:
                pub.sendall(b"".join(enc(b"PUBLISH", ch, b"msg-%d" % published) for ch in channels))
                for _ in channels:
                    v = prd.reply()
                    if v != expected_receivers:
                        cnt.error("publish -> %r, want %d" % (v, expected_receivers))
            except (OSError, ConnectionError) as e:
                cnt.error("publisher: %s" % e)
                break
            published += len(channels)
        for key, _ in sel.select(timeout=0.002):
            rd = readers[key.data]
            try:
                data = rd.sock.recv(262144)
            except BlockingIOError:
                continue
            if not data:
                cnt.error("subscriber: connection closed by server")
                sel.unregister(rd.sock)
                expected_receivers -= 1
                continue
            rd.feed(data)
            while True:
                v = rd.try_reply()
                if v is NOTHING:
                    break
                ok = isinstance(v, list) and (
                    (len(v) == 3 and v[0] == b"message" and v[2].startswith(b"msg-"))
                    or (len(v) == 4 and v[0] == b"pmessage" and v[3].startswith(b"msg-")))
                if ok:
                    received += 1
                    cnt.c["ops"] += 1
                else:
                    cnt.error("subscriber got %r" % (v,))
    # Drain what is still in flight, then compare counts.
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        evs = sel.select(timeout=0.2)
        if not evs:
            break
        for key, _ in evs:
            rd = readers[key.data]
            try:
                data = rd.sock.recv(262144)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(rd.sock)
                continue
            rd.feed(data)
            while rd.try_reply() is not NOTHING:
                received += 1
    want = published * subs
    if received != want and cnt.c["errors"] == 0:
        cnt.error("received %d messages, want %d" % (received, want))
    cnt.write(published=published, received=received)


def multi(port, out, conns):
    """CONNS connections, each running pipelined transactions
    MULTI / INCR / LPUSH / LTRIM / EXEC and checking EXEC's reply."""
    cnt = Counters(out)
    socks = [connect(port) for _ in range(conns)]
    rds = [Reader(s) for s in socks]
    n = 0
    while not STOP:
        for i, (s, rd) in enumerate(zip(socks, rds)):
            k = b"soak:tx:%d" % i
            req = (enc(b"MULTI") + enc(b"INCR", k + b":n") + enc(b"LPUSH", k + b":l", b"x" * 32)
                   + enc(b"LTRIM", k + b":l", b"0", b"99") + enc(b"EXEC"))
            try:
                s.sendall(req * 4)
                for _ in range(4):
                    replies = [rd.reply() for _ in range(5)]
                    ok = (replies[0] == b"OK" and replies[1:4] == [b"QUEUED"] * 3
                          and isinstance(replies[4], list) and len(replies[4]) == 3
                          and isinstance(replies[4][0], int) and isinstance(replies[4][1], int)
                          and replies[4][2] == b"OK")
                    if ok:
                        cnt.c["ops"] += 1
                    else:
                        cnt.error("transaction -> %r" % (replies,))
            except (OSError, ConnectionError) as e:
                cnt.error("multi: %s" % e)
                socks[i] = connect(port)
                rds[i] = Reader(socks[i])
            n += 1
        time.sleep(0.001)
    cnt.write()


def idle(port, out, conns):
    """CONNS connections held open; one of them PINGs every 10 ms in turn,
    so each is touched every CONNS/100 s."""
    cnt = Counters(out)
    socks = [connect(port) for _ in range(conns)]
    rds = [Reader(s) for s in socks]
    i = 0
    while not STOP:
        try:
            socks[i].sendall(enc(b"PING"))
            v = rds[i].reply()
            if v != b"PONG":
                cnt.error("idle PING -> %r" % (v,))
            cnt.c["ops"] += 1
        except (OSError, ConnectionError) as e:
            cnt.error("idle: %s" % e)
            socks[i] = connect(port)
            rds[i] = Reader(socks[i])
        i = (i + 1) % conns
        time.sleep(0.01)
    cnt.write(conns=conns)


def rss(port, out, pid):
    """Every 5 s: elapsed s, VmRSS kB, connected_clients, used_memory,
    total_commands_processed, keys in db0 (CSV)."""
    cnt = Counters(out)
    s = connect(port)
    rd = Reader(s)
    t0 = time.monotonic()
    with open(out + ".csv", "w") as f:
        f.write("elapsed_s,rss_kb,clients,used_memory,commands,keys\n")
        while not STOP:
            try:
                with open("/proc/%d/status" % pid) as st:
                    kb = next(int(line.split()[1]) for line in st if line.startswith("VmRSS:"))
                s.sendall(enc(b"INFO"))
                info = rd.reply().decode()
                # redis-benchmark's LRANGE tests push another -n elements
                # onto `mylist` on every loop, so the dataset would grow
                # all along; keep it bounded so that RSS measures the
                # server (LRANGE_600 still finds 600 elements).
                s.sendall(enc(b"LTRIM", b"mylist", b"0", b"9999"))
                rd.reply()
            except (OSError, ConnectionError, StopIteration) as e:
                cnt.error("rss sampler: %s" % e)
                break
            fields = dict(line.split(":", 1) for line in info.split("\r\n") if ":" in line)
            keys = fields.get("db0", "keys=0").split(",")[0].split("=")[1]
            f.write("%d,%d,%s,%s,%s,%s\n" % (
                time.monotonic() - t0, kb, fields.get("connected_clients", "?"),
                fields.get("used_memory", "?"), fields.get("total_commands_processed", "?"), keys))
            f.flush()
            for _ in range(50):
                if STOP:
                    break
                time.sleep(0.1)
    cnt.write()


def summary(d):
    """Reads DIR's files, prints the summary, returns the exit status."""
    meta = json.load(open(os.path.join(d, "meta.json")))
    fails = []
    print("Cinnabar soak: %s min, port %s, %s" % (meta["minutes"], meta["port"], meta["started"]))
    print("Workers (ops, errors):")
    total_err = 0
    for name in sorted(os.listdir(d)):
        if not name.endswith(".json") or name == "meta.json":
            continue
        try:
            c = json.load(open(os.path.join(d, name)))
        except (ValueError, OSError):
            c = {"errors": 1, "ops": 0, "first_errors": ["no counters written (worker died?)"]}
        total_err += c["errors"]
        extra = {k: v for k, v in c.items() if k not in ("errors", "ops", "first_errors")}
        print("  %-14s %12d %6d  %s" % (name[:-5], c["ops"], c["errors"],
                                        " ".join("%s=%s" % kv for kv in extra.items())))
        for e in c["first_errors"]:
            print("      ! " + e)
    for b in meta["benchmarks"]:
        path = os.path.join(d, b + ".out")
        text = open(path, errors="replace").read()
        rc = open(os.path.join(d, b + ".rc")).read().strip() if os.path.exists(os.path.join(d, b + ".rc")) else "?"
        errs = [ln for ln in text.replace("\r", "\n").split("\n") if "rror" in ln]
        # redis-benchmark exits at the first error reply or lost connection;
        # soak.sh writes "killed" if it was still running at the end.
        died = rc != "killed"
        n_err = len(errs) + (1 if died and not errs else 0)
        total_err += n_err
        print("  %-14s %12s %6d  exit=%s  %s" % (b, "", n_err, rc, meta["benchmarks"][b]))
        for e in errs[:3]:
            print("      ! " + e.strip())
    if total_err:
        fails.append("%d errors" % total_err)

    # RSS: levels off if the maximum over the second half is within 10%
    # (and 16 MB) of the maximum over the first half after the first minute.
    rows = [ln.split(",") for ln in open(os.path.join(d, "rss.json.csv")).read().split("\n")[1:] if ln]
    rows = [(int(r[0]), int(r[1]), r[2], r[3], r[4], r[5]) for r in rows]
    if rows:
        end = rows[-1][0]
        print("Server RSS (MB) / clients / keys by elapsed minute:")
        marks = sorted({min(range(len(rows)), key=lambda i: abs(rows[i][0] - m * 60))
                        for m in range(0, end // 60 + 1, max(1, end // 60 // 10))} | {len(rows) - 1})
        print("  " + "  ".join("%dm:%.0f/%s/%s" % (rows[i][0] // 60, rows[i][1] / 1024, rows[i][2], rows[i][5])
                                for i in marks))
        first = [r[1] for r in rows if 60 <= r[0] < end / 2] or [rows[0][1]]
        second = [r[1] for r in rows if r[0] >= end / 2]
        m1, m2 = max(first), max(second)
        grow = m2 - m1
        level = grow <= max(0.10 * m1, 16 * 1024)
        print("  max RSS first half %.1f MB, second half %.1f MB (%+.1f MB): %s" % (
            m1 / 1024, m2 / 1024, grow / 1024, "levels off" if level else "STILL GROWING"))
        print("  peak clients %s, commands processed %s" % (max(int(r[2]) for r in rows), rows[-1][4]))
        if not level:
            fails.append("RSS still growing")
    else:
        fails.append("no RSS samples")

    mins = [json.loads(ln) for ln in open(os.path.join(d, "probe.json.minutes")) if ln.strip()]
    probe = json.load(open(os.path.join(d, "probe.json")))
    print("Probe PING latency per minute, ms (p50/p99/max):")
    line = []
    for m in mins:
        line.append("%d:%.2f/%.2f/%.1f" % (m["minute"], m["p50"], m["p99"], m["max"]))
    for i in range(0, len(line), 5):
        print("  " + "  ".join(line[i:i + 5]))
    worst_p99 = max((m["p99"] for m in mins), default=0)
    step = max((abs(b["p99"] - a["p99"]) for a, b in zip(mins, mins[1:])), default=0)
    print("  worst minute p99 %.2f ms, largest p99 step %.2f ms, slowest single PING %.1f ms" % (
        worst_p99, step, probe.get("max_ms", 0)))
    # The limit is on the p99 series (a step is a minute whose p99 is over
    # 100 ms, or a jump of 100 ms from one minute to the next); single
    # slow PINGs are reported, as on a shared 2-core machine they mostly
    # measure the scheduler.
    if worst_p99 > 100:
        fails.append("a minute's p99 was %.1f ms (> 100 ms)" % worst_p99)
    if step > 100:
        fails.append("p99 stepped by %.1f ms" % step)
    print("RESULT: " + ("PASS" if not fails else "FAIL: " + "; ".join(fails)))
    return 1 if fails else 0


def main():
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    mode = sys.argv[1]
    if mode == "summary":
        sys.exit(summary(sys.argv[2]))
    port, out = int(sys.argv[2]), sys.argv[3]
    arg = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    fn = {"probe": probe, "blpop": blpop, "pubsub": pubsub, "multi": multi,
          "idle": idle, "rss": rss}[mode]
    if mode == "probe":
        fn(port, out)
    else:
        fn(port, out, arg)


if __name__ == "__main__":
    main()
