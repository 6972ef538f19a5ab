// Drives the real Redlock (node-redlock 5, over ioredis) against three
// servers on 127.0.0.1:P1, P2 and P3: the distributed lock that needs a
// quorum of independent servers. Acquire, extend and release are Lua
// scripts over every resource key at once (EVALSHA, then EVAL on
// NOSCRIPT), so a lock on several resources is all or nothing per server.
//
// Usage: node redlock.js P1 P2 P3
// Prints one line per check and exits non-zero if any check failed.
'use strict';

const IORedis = require('ioredis');
const { default: Redlock, ExecutionError } = require('redlock');

const ports = process.argv.slice(2).map(Number);
if (ports.length !== 3 || !ports.every((p) => Number.isInteger(p) && p > 0)) {
  console.error('usage: node redlock.js P1 P2 P3');
  process.exit(2);
}
// A fresh key prefix per run, so shared servers start from nothing here.
const pre = `cinnabar-redlock-${process.pid}-${Date.now()}:`;

const failures = [];
function check(what, ok, detail) {
  if (ok) {
    console.log(`ok   ${what}`);
  } else {
    console.log(`FAIL ${what}${detail === undefined ? '' : ': ' + detail}`);
    failures.push(what);
  }
}
function same(what, got, want) {
  const g = JSON.stringify(got);
  const w = JSON.stringify(want);
  check(what, g === w, `got ${g}, want ${w}`);
}
function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
// Redlock answers once a quorum has voted; the last server's vote may
// still be on its way. Waits for every vote of every attempt of `lock`.
async function settled(lock) {
  await Promise.all(lock.attempts);
  return lock;
}
// Polls `cond` until it holds or `ms` pass.
async function eventually(cond, ms = 2000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(10);
  }
  return cond();
}
async function rejects(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return e;
  }
}

const LIMIT_MS = 30000;
const timer = setTimeout(() => {
  console.log(`FAIL the run did not finish within ${LIMIT_MS} ms`);
  process.exit(1);
}, LIMIT_MS);

// One client per server; no reconnecting, so a dead server fails at once.
const clients = ports.map((port) => new IORedis({ host: '127.0.0.1', port, retryStrategy: () => null }));

// The value of `key` on each server.
function values(key) {
  return Promise.all(clients.map((c) => c.get(key)));
}
// Whether `key` expires on every server within (lo, hi] ms.
async function ttlsWithin(key, lo, hi) {
  const ttls = await Promise.all(clients.map((c) => c.pttl(key)));
  return [ttls.every((t) => t > lo && t <= hi), ttls];
}

async function main() {
  const k = (name) => pre + name;
  const once = new Redlock(clients, { retryCount: 0 });

  // --- A lock on two resources --------------------------------------------
  const lock = await settled(await once.acquire([k('a'), k('b')], 2000));
  same('acquire sets every resource on every server to the lock value',
    [await values(k('a')), await values(k('b'))],
    [[lock.value, lock.value, lock.value], [lock.value, lock.value, lock.value]]);
  const [ok1, t1] = await ttlsWithin(k('a'), 500, 2000);
  check('with the duration as TTL', ok1, JSON.stringify(t1));
  same('every server voted for it', lock.attempts.length && (await lock.attempts[0]).votesFor.size, 3);

  // Overlapping resources: the script sees b taken and sets nothing.
  const e1 = await rejects(once.acquire([k('b'), k('c')], 2000));
  check('an overlapping lock is refused', e1 instanceof ExecutionError, String(e1));
  same('and sets none of its resources', await values(k('c')), [null, null, null]);

  const ext = await settled(await lock.extend(5000));
  const [ok2, t2] = await ttlsWithin(k('b'), 2000, 5000);
  check('extend sets the new TTL everywhere', ok2, JSON.stringify(t2));
  same('and keeps the value', await values(k('b')), [ext.value, ext.value, ext.value]);
  const e2 = await rejects(lock.extend(5000));
  check('the lock extend replaced is no longer valid', e2 instanceof ExecutionError, String(e2));

  // Release checks the value: a stranger's value removes nothing.
  const stranger = await rejects(once.release({ resources: [k('a')], value: 'not-the-owner', expiration: 0 }));
  check('releasing with a wrong value reaches no quorum', stranger instanceof ExecutionError, String(stranger));
  same('and leaves the key', await values(k('a')), [ext.value, ext.value, ext.value]);
  await settled(await ext.release());
  same('release removes every resource everywhere',
    [await values(k('a')), await values(k('b'))], [[null, null, null], [null, null, null]]);

  // --- Quorum ---------------------------------------------------------------
  await clients[0].set(k('q1'), 'someone-else');
  const q1 = await settled(await once.acquire([k('q1')], 2000));
  const s1 = await q1.attempts[0];
  same('two of three servers are a quorum', [s1.votesFor.size, s1.votesAgainst.size], [2, 1]);
  same('the third keeps the other value', await values(k('q1')), ['someone-else', q1.value, q1.value]);
  await settled(await q1.release());

  await clients[0].set(k('q2'), 'someone-else');
  await clients[1].set(k('q2'), 'someone-else');
  const e3 = await rejects(once.acquire([k('q2')], 2000));
  check('one of three is not', e3 instanceof ExecutionError, String(e3));
  const back = JSON.stringify(['someone-else', 'someone-else', null]);
  check('and the one it got is released again',
    await eventually(async () => JSON.stringify(await values(k('q2'))) === back),
    JSON.stringify(await values(k('q2'))));

  // --- Expiry -----------------------------------------------------------------
  const short = await once.acquire([k('e')], 150);
  await sleep(300);
  same('a lock expires with its duration', await values(k('e')), [null, null, null]);
  const e4 = await rejects(short.extend(1000));
  check('and can no longer be extended', e4 instanceof ExecutionError, String(e4));

  // --- using(): extended automatically while the routine runs ----------------
  let abortedInside = null;
  await once.using([k('u')], 600, { automaticExtensionThreshold: 400 }, async (signal) => {
    await sleep(1300);
    abortedInside = signal.aborted;
    same('held past its duration by automatic extension', (await values(k('u'))).every((v) => v !== null), true);
  });
  same('the routine was not aborted', abortedInside, false);
  same('released when the routine ends', await values(k('u')), [null, null, null]);

  // --- Contention: read-modify-write under the lock loses nothing -----------
  const patient = new Redlock(clients, { retryCount: 1000, retryDelay: 10, retryJitter: 5 });
  const counter = k('counter');
  const rounds = 10;
  const worker = async () => {
    for (let i = 0; i < rounds; i++) {
      const l = await patient.acquire([k('mutex')], 2000);
      const v = Number((await clients[0].get(counter)) || 0);
      await sleep(1);
      await clients[0].set(counter, String(v + 1));
      await settled(await l.release());
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  same('no lost updates among three contending workers', await clients[0].get(counter), String(3 * rounds));

  for (const c of clients) {
    const left = await c.keys(pre + '*');
    await Promise.all(left.map((key) => c.del(key)));
  }
}

main()
  .catch(async (e) => {
    console.log(`FAIL uncaught error: ${e && e.stack ? e.stack : e}`);
    // A quorum failure says nothing of why: show each server's error.
    for (const attempt of (e && e.attempts) || []) {
      const stats = await attempt;
      for (const err of stats.votesAgainst.values()) console.log(`     a server said: ${err}`);
    }
    failures.push('uncaught error');
  })
  .finally(() => {
    clearTimeout(timer);
    clients.forEach((c) => c.disconnect());
    if (failures.length) {
      console.log(`${failures.length} check(s) failed: ${failures.join('; ')}`);
      process.exit(1);
    }
    console.log('all Redlock checks passed');
    process.exit(0);
  });
