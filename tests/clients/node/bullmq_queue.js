// Drives the real BullMQ (over ioredis) against a server on 127.0.0.1:PORT.
// Every job state change in BullMQ is a Lua script (sent with EVAL or
// EVALSHA, as ioredis sees fit), reading options that node packed with
// msgpackr through cmsgpack.unpack and writing JSON with cjson, so this
// exercises the scripting engine the way a production queue does.
//
// Usage: node bullmq_queue.js PORT [--keep]
// Prints one line per check and exits non-zero if any check failed (or the
// whole run took longer than its time limit). With --keep the queues are
// left in the server, with jobs waiting, prioritised, delayed, failed and
// completed, instead of obliterated (for a test that restarts the server
// and compares the dataset).
'use strict';

const { FlowProducer, Queue, Worker, QueueEvents } = require('bullmq');
const IORedis = require('ioredis');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node bullmq_queue.js PORT [--keep]');
  process.exit(2);
}
const keep = process.argv[3] === '--keep';
// No reconnecting: a refused or dropped connection fails the run at once.
const connection = { host: '127.0.0.1', port, retryStrategy: () => null };
// A fresh name per run, so a run against a shared redis-server starts
// from nothing and a leftover queue from an aborted run cannot interfere.
const qname = `cinnabar-${process.pid}-${Date.now()}`;

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
// Waits until `cond()` holds, polling; false after `ms`.
async function until(cond, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(20);
  }
  return false;
}

// Bound the whole run: a lost reply would otherwise leave it waiting forever.
const LIMIT_MS = 30000;
const timer = setTimeout(() => {
  console.log(`FAIL the run did not finish within ${LIMIT_MS} ms`);
  process.exit(1);
}, LIMIT_MS);

async function main() {
  await basics();
  await flows();
  await limitedAndDeduplicated();
  await scheduler();
}

// Obliterates `queue` at the end of a part, or leaves it with --keep.
async function finish(queue) {
  if (!keep) {
    await queue.obliterate({ force: true });
    // The rate limiter's key is not obliterated but expires by itself.
    const plain = new IORedis(connection);
    const pattern = `bull:${queue.name}:*`;
    const gone = await until(async () => (await plain.keys(pattern)).length === 0, 2000);
    check(`obliterate leaves no keys of ${queue.name}`, gone, JSON.stringify(await plain.keys(pattern)));
    plain.disconnect();
  }
  await queue.close();
}

// A queue and a worker: adding, states, retries, counts, cleaning.
async function basics() {
  const queue = new Queue(qname, { connection });
  const events = new QueueEvents(qname, { connection });
  await queue.waitUntilReady();
  await events.waitUntilReady();

  // --- Adding jobs, before any worker runs ---------------------------------
  const a = await queue.add('plain', { n: 1 });
  const b = await queue.add('plain', { n: 2 }, { jobId: 'fixed-id' });
  const dup = await queue.add('plain', { n: 99 }, { jobId: 'fixed-id' });
  same('a duplicate jobId returns the existing job', [dup.id, b.id], ['fixed-id', 'fixed-id']);
  const back = await queue.getJob('fixed-id');
  same('the duplicate did not overwrite the data', back && back.data, { n: 2 });
  // Prioritised jobs, added out of priority order (1 is the highest).
  await queue.add('prio', { p: 10 }, { priority: 10 });
  await queue.add('prio', { p: 1 }, { priority: 1 });
  await queue.add('prio', { p: 5 }, { priority: 5 });
  const delayed = await queue.add('late', { d: true }, { delay: 400 });
  const addedAt = Date.now();
  await queue.addBulk([
    { name: 'bulk', data: { k: 1 } },
    { name: 'bulk', data: { k: 2 } },
  ]);
  // Fails twice, then succeeds on its third and last attempt.
  const flaky = await queue.add(
    'flaky',
    { f: 1 },
    { attempts: 3, backoff: { type: 'fixed', delay: 50 } },
  );
  // Fails on both of its attempts.
  const doomed = await queue.add('doomed', {}, { attempts: 2 });
  // Added and removed again before anything runs it.
  const gone = await queue.add('gone', { x: 1 });
  await gone.remove();
  same('a removed job is gone', await queue.getJob(gone.id), undefined);

  same('job counts before the worker', await queue.getJobCounts(
    'waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'),
  { waiting: 6, prioritized: 3, delayed: 1, active: 0, completed: 0, failed: 0 });
  const j = await queue.getJob(a.id);
  same('getJob reads back name and data', j && [j.name, j.data], ['plain', { n: 1 }]);
  same('getJobState of a delayed job', await delayed.getState(), 'delayed');

  // Changing the data and priority of a waiting job.
  await j.updateData({ n: 1, touched: true });
  same('updateData', (await queue.getJob(a.id)).data, { n: 1, touched: true });

  // --- Pausing: a paused queue hands out nothing ---------------------------
  await queue.pause();
  same('isPaused after pause', await queue.isPaused(), true);

  // --- A worker, one job at a time so the order is deterministic -----------
  const order = [];
  const attemptsSeen = {};
  let lateRanAt = 0;
  const worker = new Worker(
    qname,
    async (job) => {
      order.push(job.name === 'prio' ? `prio${job.data.p}` : job.name);
      attemptsSeen[job.name] = (attemptsSeen[job.name] || 0) + 1;
      await job.updateProgress(50);
      await job.log(`attempt ${job.attemptsMade + 1}`);
      if (job.name === 'late') lateRanAt = Date.now();
      if (job.name === 'flaky' && job.attemptsMade < 2) throw new Error('flaky failure');
      if (job.name === 'doomed') throw new Error('doomed failure');
      return { doubled: (job.data.n || 0) * 2 };
    },
    { connection, concurrency: 1 },
  );
  await worker.waitUntilReady();
  await sleep(150);
  same('nothing runs while the queue is paused', order, []);
  await queue.resume();
  same('isPaused after resume', await queue.isPaused(), false);

  // waitUntilFinished goes through QueueEvents (an XREAD BLOCK on the
  // events stream that the scripts append to).
  const result = await a.waitUntilFinished(events, 10000);
  same('waitUntilFinished returns the return value', result, { doubled: 2 });

  const total = 9; // 6 waiting + 3 prioritised (the delayed one is among them)
  const done = await until(async () => {
    const c = await queue.getJobCounts('completed', 'failed');
    return c.completed + c.failed === total + 1;
  }, 10000);
  check('every job reached completed or failed', done);

  // Standard jobs go first in FIFO order; then the prioritised ones by
  // priority; flaky's retries come back through the delayed set.
  const firstSix = order.slice(0, 6);
  same('FIFO order of the standard jobs', firstSix.filter((n) => n !== 'flaky' && n !== 'doomed'),
    ['plain', 'plain', 'bulk', 'bulk']);
  same('priority order', order.filter((n) => n.startsWith('prio')), ['prio1', 'prio5', 'prio10']);
  check('the delayed job ran no earlier than its delay', lateRanAt - addedAt >= 380,
    `ran after ${lateRanAt - addedAt} ms`);

  same('job counts at the end', await queue.getJobCounts(
    'waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'),
  { waiting: 0, prioritized: 0, delayed: 0, active: 0, completed: 9, failed: 1 });

  const f = await queue.getJob(flaky.id);
  same('flaky: attempts made and final state', [f.attemptsMade, await f.getState()], [3, 'completed']);
  same('flaky: run three times', attemptsSeen.flaky, 3);
  same('flaky: return value', f.returnvalue, { doubled: 0 });
  same('flaky: progress', f.progress, 50);
  const logs = await queue.getJobLogs(flaky.id);
  same('flaky: one log line per attempt', logs.logs, ['attempt 1', 'attempt 2', 'attempt 3']);
  const d = await queue.getJob(doomed.id);
  same('doomed: attempts made, state and reason',
    [d.attemptsMade, await d.getState(), d.failedReason], [2, 'failed', 'doomed failure']);
  same('getFailed lists the doomed job', (await queue.getFailed()).map((x) => x.id), [doomed.id]);
  same('getCompleted lists nine jobs', (await queue.getCompleted()).length, 9);

  // --- Retrying a failed job ----------------------------------------------
  // With its attempts reset, it gets both of its attempts again.
  await d.retry('failed', { resetAttemptsMade: true });
  const retried = await until(async () => attemptsSeen.doomed === 4 &&
    (await queue.getJobCounts('failed')).failed === 1, 5000);
  check('a retried failed job runs its attempts again', retried,
    `ran ${attemptsSeen.doomed} times in all`);
  const d2 = await queue.getJob(doomed.id);
  same('doomed after the retry: attempts made and state',
    [d2.attemptsMade, await d2.getState()], [2, 'failed']);
  await worker.close();

  // --- Cleaning and removal -----------------------------------------------
  const cleaned = await queue.clean(0, 100, 'completed');
  same('clean removes every completed job', cleaned.length, 9);
  same('completed count after clean', (await queue.getJobCounts('completed')).completed, 0);
  same('a cleaned job is gone', await queue.getJob(a.id), undefined);
  if (keep) {
    // Leave a job in each state a dataset can hold without a worker: the
    // failed one is there already.
    await queue.add('left', { w: 1 });
    await queue.add('left', { p: 1 }, { priority: 3 });
    await queue.add('left', { d: 1 }, { delay: 3600 * 1000 });
    same('jobs left for --keep', await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'failed'),
      { waiting: 1, prioritized: 1, delayed: 1, failed: 1 });
  } else {
    await queue.drain(true);
  }
  await events.close();
  await finish(queue);
}

// A flow: a parent runs after its children (and a child after its own
// child), and sees their return values.
async function flows() {
  const name = `${qname}-flow`;
  const producer = new FlowProducer({ connection });
  const tree = await producer.add({
    name: 'parent',
    queueName: name,
    children: [
      { name: 'child1', queueName: name, data: { c: 1 } },
      { name: 'child2', queueName: name, data: { c: 2 } },
      {
        name: 'child3',
        queueName: name,
        data: { c: 3 },
        children: [{ name: 'grandchild', queueName: name, data: {} }],
      },
    ],
  });
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  same('flow: the parent waits for its children', await tree.job.getState(), 'waiting-children');
  same('flow: counts before the worker', await queue.getJobCounts('waiting', 'waiting-children'),
    { waiting: 3, 'waiting-children': 2 });
  const deps = await tree.job.getDependenciesCount();
  same('flow: the parent counts its pending children', [deps.processed, deps.unprocessed], [0, 3]);

  const order = [];
  const worker = new Worker(name, async (job) => {
    order.push(job.name);
    if (job.name === 'parent') return Object.values(await job.getChildrenValues()).sort();
    return job.name === 'grandchild' ? 0 : job.data.c * 10;
  }, { connection, concurrency: 1 });
  const result = await tree.job.waitUntilFinished(events, 10000);
  same("flow: the parent sees its children's return values", result, [10, 20, 30]);
  same('flow: the parent ran last', order[order.length - 1], 'parent');
  check('flow: the grandchild ran before its parent', order.indexOf('grandchild') < order.indexOf('child3'),
    JSON.stringify(order));
  same('flow: all five completed', (await queue.getJobCounts('completed')).completed, 5);
  await worker.close();
  await events.close();
  await producer.close();
  await finish(queue);
}

// A rate-limited worker, and a deduplicated add.
async function limitedAndDeduplicated() {
  const name = `${qname}-limited`;
  const queue = new Queue(name, { connection });
  await queue.addBulk(Array.from({ length: 6 }, (_, i) => ({ name: 'limited', data: { i } })));
  const d1 = await queue.add('dedup', { v: 1 }, { deduplication: { id: 'same' } });
  const d2 = await queue.add('dedup', { v: 2 }, { deduplication: { id: 'same' } });
  same('deduplication: the second add gives the first job', d2.id, d1.id);
  same('deduplication: one job added', (await queue.getJobCounts('waiting')).waiting, 7);

  const times = [];
  const t0 = Date.now();
  const worker = new Worker(name, async () => {
    times.push(Date.now() - t0);
  }, { connection, concurrency: 1, limiter: { max: 2, duration: 300 } });
  const finished = await until(async () => (await queue.getJobCounts('completed')).completed === 7, 10000);
  check('limiter: all seven ran', finished, `${times.length} ran`);
  // Two per 300 ms: the seventh runs in the fourth window.
  check('limiter: two per 300 ms', times.length === 7 && times[6] >= 850,
    JSON.stringify(times));
  await worker.close();
  await finish(queue);
}

// A job scheduler making a job every 100 ms, three times.
async function scheduler() {
  const name = `${qname}-sched`;
  const queue = new Queue(name, { connection });
  await queue.upsertJobScheduler('ticker', { every: 100, limit: 3 }, { name: 'tick', data: { t: 1 } });
  same('scheduler: listed', (await queue.getJobSchedulers()).map((x) => x.key), ['ticker']);
  const ticks = [];
  const worker = new Worker(name, async (job) => {
    ticks.push(job.name);
  }, { connection });
  await until(async () => ticks.length >= 3, 5000);
  await sleep(300);
  same('scheduler: three ticks, then its limit stops it', ticks, ['tick', 'tick', 'tick']);
  await worker.close();
  await queue.removeJobScheduler('ticker');
  same('scheduler: removed', await queue.getJobSchedulersCount(), 0);
  await finish(queue);
}

main()
  .catch((e) => {
    console.log(`FAIL uncaught error: ${e && e.stack ? e.stack : e}`);
    failures.push('uncaught error');
  })
  .finally(() => {
    clearTimeout(timer);
    if (failures.length) {
      console.log(`${failures.length} check(s) failed: ${failures.join('; ')}`);
      process.exit(1);
    }
    console.log('all BullMQ checks passed');
    process.exit(0);
  });
