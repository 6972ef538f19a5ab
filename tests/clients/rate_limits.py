"""Drives the `limits` rate limiter (Flask-Limiter's engine) against a server
on 127.0.0.1:PORT.

Its Redis storage runs every decision in a Lua script: incr_expire (fixed
window), acquire_moving_window and moving_window (a list of timestamps,
binary-searched with LINDEX), acquire_sliding_window and sliding_window
(two counters, RENAME and PTTL), and clear_keys (KEYS inside a script).
The scripts return false, true, numbers and tables holding false, and
push Lua numbers as arguments, so this checks the conversions too.

Usage: python3 rate_limits.py PORT [--resp3]
Prints one line per check and exits non-zero if any check failed. With
--resp3 every connection speaks RESP3 (HELLO 3), so the scripts' false and
tables holding false come back as RESP3 nulls.
"""

import sys
import time
import uuid

import redis
from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import RedisStorage
from limits.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    SlidingWindowCounterRateLimiter,
)

failures = []


def check(what, ok, detail=""):
    if ok:
        print(f"ok   {what}")
    else:
        print(f"FAIL {what}{': ' + detail if detail else ''}")
        failures.append(what)


def same(what, got, want):
    check(what, got == want, f"got {got!r}, want {want!r}")


STRATEGIES = [
    ("fixed", FixedWindowRateLimiter),
    ("moving", MovingWindowRateLimiter),
    ("sliding", SlidingWindowCounterRateLimiter),
]


def counting(name, limiter):
    """Five per minute: no waiting, only counting. The strategies keep
    different types under the same key names, so each uses its own ids."""
    five = RateLimitItemPerMinute(5)
    u1, u2, c, c2, big = (f"{name}-{i}" for i in ("u1", "u2", "c", "c2", "big"))
    t0 = time.time()
    same(f"{name}: five hits pass", [limiter.hit(five, u1) for _ in range(5)], [True] * 5)
    same(f"{name}: the sixth is refused", limiter.hit(five, u1), False)
    same(f"{name}: test() agrees", limiter.test(five, u1), False)
    stats = limiter.get_window_stats(five, u1)
    same(f"{name}: nothing remaining", stats.remaining, 0)
    # The fixed window's reset comes from TTL (whole seconds), the moving
    # one's from the stored times. (The sliding counter's is its key's PTTL
    # modulo the window, which is 0 when read in the millisecond it was set.)
    if name != "sliding":
        check(
            f"{name}: resets about a minute after the first hit",
            abs(stats.reset_time - (t0 + 60)) < 2,
            f"reset at {stats.reset_time - t0:.3f} s",
        )
    same(f"{name}: another identifier is counted apart", limiter.hit(five, u2), True)
    same(f"{name}: remaining for it", limiter.get_window_stats(five, u2).remaining, 4)

    same(f"{name}: a cost of 3", limiter.hit(five, c, cost=3), True)
    same(f"{name}: 2 more fill it", limiter.hit(five, c, cost=2), True)
    same(f"{name}: then nothing", limiter.hit(five, c), False)
    same(f"{name}: a cost of 4", limiter.hit(five, c2, cost=4), True)
    same(f"{name}: 2 more would pass the limit", limiter.hit(five, c2, cost=2), False)
    same(f"{name}: a cost above the limit", limiter.hit(five, big, cost=6), False)

    limiter.clear(five, u1)
    same(f"{name}: clear() lets hits through again", limiter.hit(five, u1), True)
    same(f"{name}: remaining after clear and one hit", limiter.get_window_stats(five, u1).remaining, 4)


def moving_entries(r, storage):
    """The moving window stores the time as a Lua number passed to LPUSH,
    which Redis 7 turns into a string with "%.17g" (not Lua's own "%.14g",
    which would cut it to a tenth of a millisecond)."""
    item = RateLimitItemPerMinute(3)
    limiter = MovingWindowRateLimiter(storage)
    limiter.hit(item, "fmt")
    entries = r.lrange(f"{storage.key_prefix}:{item.key_for('fmt')}", 0, -1)
    same("moving: one entry stored", len(entries), 1)
    e = entries[0].decode() if entries else ""
    same("moving: the entry is the time as %.17g", "%.17g" % float(e or 0), e)
    check("moving: with more than 14 significant digits", len(e.replace(".", "")) > 14, e)
    check("moving: the entry is about now", abs(float(e or 0) - time.time()) < 5, e)


def expiry(storage):
    """Two per second: refused within the window, let through after it."""
    two = RateLimitItemPerSecond(2)
    limiters = [(n, cls(storage)) for n, cls in STRATEGIES]
    for name, lim in limiters:
        same(f"{name}: two per second", [lim.hit(two, name) for _ in range(3)], [True, True, False])
    time.sleep(1.15)
    for name, lim in limiters:
        passed = 0
        while passed < 3 and lim.hit(two, name):
            passed += 1
        if name == "sliding":
            # The expired window still counts in proportion to the time
            # left of it, so one or two hits pass depending on timing.
            check(f"{name}: after the window, one or two pass", passed in (1, 2), f"{passed} passed")
        else:
            same(f"{name}: after the window, two pass again", passed, 2)


def main():
    if len(sys.argv) not in (2, 3) or sys.argv[2:] not in ([], ["--resp3"]):
        print("usage: python3 rate_limits.py PORT [--resp3]", file=sys.stderr)
        sys.exit(2)
    port = int(sys.argv[1])
    protocol = 3 if sys.argv[2:] == ["--resp3"] else 2
    # A fresh key prefix per run: reset() deletes only this run's keys.
    prefix = f"cinnabar-limits-{uuid.uuid4().hex}"
    r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10, protocol=protocol)
    try:
        storage = RedisStorage(
            f"redis://127.0.0.1:{port}", key_prefix=prefix, socket_timeout=10, protocol=protocol
        )
        same("storage check()", storage.check(), True)
        for name, cls in STRATEGIES:
            counting(name, cls(storage))
        moving_entries(r, storage)
        expiry(storage)
        before = len(r.keys(f"{prefix}:*"))
        check("the limiters made keys", before > 0, f"{before} keys")
        same("reset() deletes them all (KEYS in a script)", storage.reset(), before)
        same("no keys are left", r.keys(f"{prefix}:*"), [])
    except Exception as e:  # noqa: BLE001 - any error fails the run
        print(f"FAIL uncaught error: {type(e).__name__}: {e}")
        failures.append("uncaught error")
    if failures:
        print(f"{len(failures)} check(s) failed: {'; '.join(failures)}")
        sys.exit(1)
    print("all rate limiter checks passed")


if __name__ == "__main__":
    main()
