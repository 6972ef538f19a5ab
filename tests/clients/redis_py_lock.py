"""Drives redis-py's Lock against a server on 127.0.0.1:PORT.

The Lock's release, extend and reacquire are Lua scripts that redis-py
registers once and runs with EVALSHA, sending SCRIPT LOAD after a NOSCRIPT
error and trying again. This checks their results and errors, the expiry they set,
blocking acquires that contend between clients, and mutual exclusion under
threads.

Usage: python3 redis_py_lock.py PORT [--resp3]
Prints one line per check and exits non-zero if any check failed. With
--resp3 every connection speaks RESP3 (HELLO 3).
"""

import sys
import threading
import time
import uuid

import redis
from redis.exceptions import LockError, LockNotOwnedError

failures = []
# The protocol every connection speaks: 2, or 3 with --resp3.
PROTOCOL = 2


def check(what, ok, detail=""):
    if ok:
        print(f"ok   {what}")
    else:
        print(f"FAIL {what}{': ' + detail if detail else ''}")
        failures.append(what)


def same(what, got, want):
    check(what, got == want, f"got {got!r}, want {want!r}")


def raises(what, exc, fn):
    """Checks that fn() raises exactly exc (not a subclass or another error)."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - any other error is the failure
        check(what, type(e) is exc, f"raised {type(e).__name__}: {e}")
        return
    check(what, False, f"raised nothing, want {exc.__name__}")


def client(port):
    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=10, protocol=PROTOCOL)


def basics(r, r2, name):
    lock = r.lock(name, timeout=5)
    same("acquire a free lock", lock.acquire(blocking=False), True)
    same("locked", lock.locked(), True)
    same("owned", lock.owned(), True)
    same("the key holds the token", r.get(name), lock.local.token)
    check("the lock expires in 5 s", 3000 < r.pttl(name) <= 5000, f"pttl {r.pttl(name)}")

    other = r2.lock(name, timeout=5)
    same("a second client cannot take a held lock", other.acquire(blocking=False), False)
    same("owned by the other client", other.owned(), False)
    t0 = time.monotonic()
    got = other.acquire(blocking_timeout=0.3, sleep=0.05)
    waited = time.monotonic() - t0
    same("a blocking acquire gives up after blocking_timeout", got, False)
    check("... having waited about that long", 0.2 <= waited < 5, f"waited {waited:.3f} s")

    # extend adds to the remaining time, or replaces it.
    same("extend", lock.extend(5), True)
    check("extend adds to the TTL", 8000 < r.pttl(name) <= 10000, f"pttl {r.pttl(name)}")
    same("extend replacing the TTL", lock.extend(2, replace_ttl=True), True)
    check("the TTL is replaced", 500 < r.pttl(name) <= 2000, f"pttl {r.pttl(name)}")
    same("reacquire", lock.reacquire(), True)
    check("reacquire resets the TTL", 3000 < r.pttl(name) <= 5000, f"pttl {r.pttl(name)}")

    # The scripts compare tokens: a wrong one changes nothing.
    raises("release with a wrong token", LockNotOwnedError, lambda: other.do_release(b"wrong"))
    other.local.token = b"wrong"
    raises("extend with a wrong token", LockNotOwnedError, lambda: other.extend(1))
    raises("reacquire with a wrong token", LockNotOwnedError, other.reacquire)
    other.local.token = None
    same("the wrong tokens left the key alone", r.get(name), lock.local.token)
    check("... and its TTL", 3000 < r.pttl(name) <= 5000, f"pttl {r.pttl(name)}")

    lock.release()
    same("release frees the key", r.exists(name), 0)
    same("not locked after release", lock.locked(), False)
    raises("release twice", LockError, lock.release)
    raises("release script on a missing key", LockNotOwnedError, lambda: lock.do_release(b"x"))
    raises("extend an unlocked lock", LockError, lambda: lock.extend(1))

    # A lock without a timeout has no TTL and cannot be extended.
    forever = r.lock(name)
    same("acquire without a timeout", forever.acquire(blocking=False), True)
    same("no TTL", r.pttl(name), -1)
    raises("extend a lock with no timeout", LockError, lambda: forever.extend(1))
    forever.release()

    with r.lock(name, timeout=5) as held:
        same("held inside a with block", held.owned(), True)
    same("released at the end of the with block", r.exists(name), 0)


def expiry(r, r2, name):
    short = r.lock(name, timeout=0.2)
    same("acquire a short lock", short.acquire(blocking=False), True)
    later = r2.lock(name, timeout=5)
    t0 = time.monotonic()
    same("another client gets it once it expires", later.acquire(blocking_timeout=3, sleep=0.02), True)
    waited = time.monotonic() - t0
    check("... after about its timeout", 0.1 <= waited < 5, f"waited {waited:.3f} s")
    raises("the first owner cannot release it now", LockNotOwnedError, short.release)
    short.local.token = later.local.token[:-1] + b"?"
    raises("nor extend it", LockNotOwnedError, lambda: short.extend(1))
    same("the new owner still owns it", later.owned(), True)
    later.release()


def contention(r, r2, name):
    """A blocked client gets the lock as soon as the holder releases it."""
    holder = r.lock(name, timeout=5)
    assert holder.acquire(blocking=False)
    result = {}

    def wait_for_it():
        t0 = time.monotonic()
        lk = r2.lock(name, timeout=5)
        result["got"] = lk.acquire(blocking_timeout=5, sleep=0.01)
        result["waited"] = time.monotonic() - t0
        result["token"] = lk.local.token
        if result["got"]:
            lk.release()

    t = threading.Thread(target=wait_for_it)
    t.start()
    time.sleep(0.3)
    same("the waiter is still blocked while the lock is held", "got" in result, False)
    holder.release()
    t.join(10)
    same("the waiter gets the lock after the release", result.get("got"), True)
    waited = result.get("waited", 0)
    check("... soon after it", 0.25 <= waited < 5, f"waited {waited:.3f} s")


def exclusion(port, name):
    """Threads doing a read-modify-write under the lock lose no update."""
    counter = name + ":counter"
    threads_n, rounds = 4, 25
    errors = []

    def worker():
        c = client(port)
        try:
            for _ in range(rounds):
                with c.lock(name, timeout=5, sleep=0.001, blocking_timeout=10):
                    v = int(c.get(counter) or 0)
                    c.set(counter, v + 1)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(f"{type(e).__name__}: {e}")
        finally:
            c.close()

    ts = [threading.Thread(target=worker) for _ in range(threads_n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(30)
    same("no errors in the locking threads", errors, [])
    r = client(port)
    same("no lost updates under the lock", int(r.get(counter) or 0), threads_n * rounds)
    r.delete(counter)
    r.close()


def noscript(r, name):
    """After SCRIPT FLUSH, redis-py reloads the Lock's scripts by itself."""
    lock = r.lock(name, timeout=5)
    assert lock.acquire(blocking=False)
    sha = lock.lua_release.sha
    same("the release script is cached", r.script_exists(sha), [True])
    r.script_flush()
    same("SCRIPT FLUSH forgets it", r.script_exists(sha), [False])
    lock.release()
    same("release works after a flush (NOSCRIPT, SCRIPT LOAD, EVALSHA)", r.exists(name), 0)
    same("and the script is cached again", r.script_exists(sha), [True])


def main():
    global PROTOCOL
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["--resp3"]):
        print("usage: python3 redis_py_lock.py PORT [--resp3]", file=sys.stderr)
        sys.exit(2)
    port = int(sys.argv[1])
    PROTOCOL = 3 if sys.argv[2:] == ["--resp3"] else 2
    # A fresh key per run, so a shared redis-server starts from nothing.
    name = f"cinnabar-lock-{uuid.uuid4().hex}"
    r, r2 = client(port), client(port)
    try:
        basics(r, r2, name)
        expiry(r, r2, name)
        contention(r, r2, name)
        exclusion(port, name)
        noscript(r, name)
        same("no lock key is left", r.exists(name), 0)
    except Exception as e:  # noqa: BLE001 - any error fails the run
        print(f"FAIL uncaught error: {type(e).__name__}: {e}")
        failures.append("uncaught error")
    if failures:
        print(f"{len(failures)} check(s) failed: {'; '.join(failures)}")
        sys.exit(1)
    print("all redis-py Lock checks passed")


if __name__ == "__main__":
    main()
