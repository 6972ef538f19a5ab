#!/usr/bin/env python3
"""Regenerates src/cmdinfo/docs.txt: Redis's COMMAND DOCS entry, ACL
categories, command tips and key specifications for every command in
Cinnabar's table.

Nothing in the data file is typed by hand. The script:
  1. builds and starts cinnabar-server and asks it for COMMAND LIST, which
     is generated from the command table (so the file covers exactly the
     commands we implement);
  2. starts redis-server (7.0, from PATH) and, speaking RESP3, asks it for
     COMMAND DOCS and COMMAND INFO of each of those commands;
  3. writes, per command, the DOCS map (less its `subcommands`, which
     Cinnabar generates from its own table) and COMMAND INFO's ACL
     categories (field 7), tips (field 8) and key specs (field 9), in the
     text form src/cmdinfo/docs.rs reads.

Usage: scripts/gen-command-docs.py [--redis-server PATH] [--out FILE]

Run it after adding a command to src/cmd/table.rs; `cargo test` fails while
a command in the table has no entry here.

The text form keeps RESP3's types, one value per line, indented by depth:
  %N  map of N pairs     *N  array     ~N  set     :N  integer
  +s  simple string      $s  bulk string
Strings escape backslash, CR and LF as \\\\, \\r and \\n. Lines starting
with `#` are comments.
"""

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Simple(str):
    """A RESP simple string (as opposed to a bulk string)."""


class RSet(list):
    """A RESP3 set (as opposed to an array)."""


class RMap(list):
    """A RESP3 map: a list of (key, value) pairs, in reply order."""


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise EOFError("server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise EOFError("server closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2 :]
        return data

    def read(self):
        line = self._line()
        kind, rest = line[:1], line[1:].decode()
        if kind == b"+":
            return Simple(rest)
        if kind == b"-":
            raise RuntimeError(rest)
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n).decode()
        if kind == b"=":
            return self._exact(int(rest))[4:].decode()
        if kind == b"_":
            return None
        if kind in (b"*", b"~"):
            n = int(rest)
            items = [self.read() for _ in range(max(n, 0))]
            return RSet(items) if kind == b"~" else items
        if kind == b"%":
            return RMap((self.read(), self.read()) for _ in range(int(rest)))
        raise ValueError(f"unexpected reply type {line!r}")

    def call(self, *args):
        req = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            req += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(req)
        return self.read()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc):
    for _ in range(500):
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    sys.exit("server did not start")


def start_cinnabar(tmp):
    subprocess.run(["cargo", "build", "--quiet", "--bin", "cinnabar-server"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    binary = os.path.join(target, "debug", "cinnabar-server")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", tmp],
        stdout=subprocess.DEVNULL,
    )
    wait_port(port, proc)
    return proc, port


def start_redis(path, tmp):
    port = free_port()
    proc = subprocess.Popen(
        [path, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmp],
        stdout=subprocess.DEVNULL,
    )
    wait_port(port, proc)
    return proc, port


def escape(s):
    return s.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n")


def emit(v, depth, out):
    pad = "  " * depth
    if isinstance(v, RMap):
        out.append(f"{pad}%{len(v)}")
        for k, x in v:
            emit(k, depth + 1, out)
            emit(x, depth + 1, out)
    elif isinstance(v, RSet):
        out.append(f"{pad}~{len(v)}")
        for x in v:
            emit(x, depth + 1, out)
    elif isinstance(v, list):
        out.append(f"{pad}*{len(v)}")
        for x in v:
            emit(x, depth + 1, out)
    elif isinstance(v, bool) or v is None:
        raise ValueError(f"unexpected value {v!r}")
    elif isinstance(v, int):
        out.append(f"{pad}:{v}")
    elif isinstance(v, Simple):
        out.append(f"{pad}+{escape(v)}")
    else:
        out.append(f"{pad}${escape(v)}")


def oneof(name, *tokens):
    """A `oneof` argument of pure tokens, as COMMAND DOCS shows one."""
    return RMap(
        [
            ("name", name),
            ("type", "oneof"),
            (
                "arguments",
                [
                    RMap([("name", t.lower()), ("type", "pure-token"), ("token", t)])
                    for t in tokens
                ],
            ),
        ]
    )


# Commands Redis 7.0 does not have but the issue asks for (added in 7.2).
# Written from Redis 7.2's COMMAND DOCS / COMMAND INFO for them.
NEWER = {
    "client|no-touch": RMap(
        [
            (
                "docs",
                RMap(
                    [
                        (
                            "summary",
                            "Controls whether commands sent by the client affect "
                            "the LRU/LFU of accessed keys.",
                        ),
                        ("since", "7.2.0"),
                        ("group", "connection"),
                        ("complexity", "O(1)"),
                        ("arguments", [oneof("enabled", "ON", "OFF")]),
                    ]
                ),
            ),
            ("acl_categories", RSet([Simple("@slow"), Simple("@connection")])),
            ("tips", RSet([])),
            ("key_specs", RSet([])),
        ]
    ),
    "client|setinfo": RMap(
        [
            (
                "docs",
                RMap(
                    [
                        ("summary", "Sets information specific to the client or connection."),
                        ("since", "7.2.0"),
                        ("group", "connection"),
                        ("complexity", "O(1)"),
                        (
                            "arguments",
                            [
                                RMap(
                                    [
                                        ("name", "attr"),
                                        ("type", "oneof"),
                                        (
                                            "arguments",
                                            [
                                                RMap(
                                                    [
                                                        ("name", "libname"),
                                                        ("type", "string"),
                                                        ("token", "LIB-NAME"),
                                                    ]
                                                ),
                                                RMap(
                                                    [
                                                        ("name", "libver"),
                                                        ("type", "string"),
                                                        ("token", "LIB-VER"),
                                                    ]
                                                ),
                                            ],
                                        ),
                                    ]
                                )
                            ],
                        ),
                    ]
                ),
            ),
            ("acl_categories", RSet([Simple("@slow"), Simple("@connection")])),
            (
                "tips",
                RSet(["request_policy:all_nodes", "response_policy:all_succeeded"]),
            ),
            ("key_specs", RSet([])),
        ]
    ),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--redis-server", default=shutil.which("redis-server") or "redis-server")
    ap.add_argument("--out", default=os.path.join(ROOT, "src", "cmdinfo", "docs.txt"))
    opts = ap.parse_args()

    procs = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            cin, cport = start_cinnabar(tmp)
            procs.append(cin)
            red, rport = start_redis(opts.redis_server, tmp)
            procs.append(red)
            names = sorted(Conn(cport).call("COMMAND", "LIST"))
            r = Conn(rport)
            r.call("HELLO", "3")
            version = re.search(r"redis_version:(\S+)", r.call("INFO", "server")).group(1)
            if not version.startswith("7.0."):
                print(f"warning: redis-server is {version}, not 7.0", file=sys.stderr)
            entries, missing = [], []
            for name in names:
                docs = r.call("COMMAND", "DOCS", name)
                info = r.call("COMMAND", "INFO", name)[0]
                if not docs or info is None:
                    if name in NEWER:
                        entries.append((name, NEWER[name]))
                    else:
                        missing.append(name)
                    continue
                ((_, doc),) = docs
                doc = RMap((k, v) for k, v in doc if k != "subcommands")
                entry = RMap(
                    [
                        ("docs", doc),
                        ("acl_categories", info[6]),
                        ("tips", info[7]),
                        ("key_specs", info[8]),
                    ]
                )
                entries.append((name, entry))
        finally:
            for p in procs:
                p.terminate()
                p.wait()

    out = [
        "# Generated by scripts/gen-command-docs.py from redis-server "
        f"{version}: COMMAND DOCS (less subcommands), ACL categories,",
        "# tips and key specs of every command in src/cmd/table.rs. Do not edit by hand.",
    ]
    emit(RMap(entries), 0, out)
    with open(opts.out, "w") as f:
        f.write("\n".join(out) + "\n")
    print(f"wrote {len(entries)} commands to {os.path.relpath(opts.out, ROOT)}")
    if missing:
        print("redis-server does not know: " + ", ".join(missing), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
