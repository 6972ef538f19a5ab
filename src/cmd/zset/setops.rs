//! Unions, intersections and differences of sorted sets: ZUNION, ZINTER,
//! ZDIFF, their STORE forms and ZINTERCARD (Redis's
//! `zunionInterDiffGenericCommand`). Plain sets may be inputs; their
//! members count with score 1.
//!
//! Inputs are read one at a time (the keyspace lends out one value at a
//! time), which keeps Redis's arithmetic: each element's scores are
//! aggregated in the same order, inputs sorted by size (stably) for
//! unions and intersections.

use std::collections::HashMap;

use super::super::args::is;
use super::super::{fullname, CmdError, CmdResult, Ctx};
use super::{parse, reply_elems, store_result};
use crate::db::set::Set;
use crate::db::zset::{cmp_elems, ZSet};
use crate::db::Value;
use crate::state::State;

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// Redis's `zunionInterAggregate`: a sum of +inf and -inf is 0; a NaN
/// candidate never wins MIN or MAX.
fn aggregate(target: &mut f64, val: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += val;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if val < *target {
                *target = val;
            }
        }
        Aggregate::Max => {
            if val > *target {
                *target = val;
            }
        }
    }
}

/// One input key.
struct Input<'a> {
    key: &'a [u8],
    len: usize,
    weight: f64,
}

/// An input's contents while it is being read.
enum Source<'a> {
    Missing,
    ZSet(&'a ZSet),
    Set(&'a Set),
}

impl Source<'_> {
    fn score(&self, member: &[u8]) -> Option<f64> {
        match self {
            Source::Missing => None,
            Source::ZSet(z) => z.score(member),
            Source::Set(s) => s.contains(member).then_some(1.0),
        }
    }

    fn for_each(&self, mut f: impl FnMut(&[u8], f64)) {
        match self {
            Source::Missing => {}
            Source::ZSet(z) => z.iter().for_each(|(m, s)| f(m, s)),
            Source::Set(s) => s.iter().for_each(|m| m.with_bytes(|b| f(b, 1.0))),
        }
    }
}

/// Runs `f` over the input at `key` (already checked to be a sorted set,
/// a set, or absent). No statistics: the key was looked up once already.
fn with_source<R>(srv: &mut State, db: usize, key: &[u8], f: impl FnOnce(&Source) -> R) -> R {
    let clock = srv.expire_clock();
    let src = match srv.dbs[db].get(key, clock).map(|e| &e.val) {
        Some(Value::ZSet(z)) => Source::ZSet(z),
        Some(Value::Set(s)) => Source::Set(s),
        _ => Source::Missing,
    };
    f(&src)
}

/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
pub fn zunionstore(ctx: &mut Ctx) -> CmdResult {
    setop_generic(ctx, Op::Union, true, false)
}

/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
pub fn zinterstore(ctx: &mut Ctx) -> CmdResult {
    setop_generic(ctx, Op::Inter, true, false)
}

/// ZDIFFSTORE destination numkeys key [key ...]
pub fn zdiffstore(ctx: &mut Ctx) -> CmdResult {
    setop_generic(ctx, Op::Diff, true, false)
}

/// ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
pub fn zunion(ctx: &mut Ctx) -> CmdResult {
    setop_generic(ctx, Op::Union, false, false)
}

/// ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
pub fn zinter(ctx: &mut Ctx) -> CmdResult {
    setop_generic(ctx, Op::Inter, false, false)
}

/// ZDIFF numkeys key [key ...] [WITHSCORES]
pub fn zdiff(ctx: &mut Ctx) -> CmdResult {
    setop_generic(ctx, Op::Diff, false, false)
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn zintercard(ctx: &mut Ctx) -> CmdResult {
    setop_generic(ctx, Op::Inter, false, true)
}

/// The options after the keys.
struct Opts {
    how: Aggregate,
    withscores: bool,
    /// ZINTERCARD's LIMIT (0: none).
    limit: usize,
}

/// Parses the options after the keys, setting input weights, with
/// Redis's rules on which option each command takes.
fn parse_opts(
    opts: &[bytes::Bytes],
    inputs: &mut [Input],
    op: Op,
    store: bool,
    card: bool,
) -> Result<Opts, CmdError> {
    let mut o = Opts {
        how: Aggregate::Sum,
        withscores: false,
        limit: 0,
    };
    let mut i = 0;
    while i < opts.len() {
        let (opt, left) = (&opts[i], opts.len() - i);
        if op != Op::Diff && !card && left > inputs.len() && is(opt, "weights") {
            for (input, w) in inputs.iter_mut().zip(&opts[i + 1..]) {
                input.weight = parse::score_or(w, "ERR weight value is not a float")?;
            }
            i += 1 + inputs.len();
        } else if op != Op::Diff && !card && left >= 2 && is(opt, "aggregate") {
            let how = &opts[i + 1];
            o.how = if is(how, "sum") {
                Aggregate::Sum
            } else if is(how, "min") {
                Aggregate::Min
            } else if is(how, "max") {
                Aggregate::Max
            } else {
                return Err(CmdError::Syntax);
            };
            i += 2;
        } else if !store && !card && is(opt, "withscores") {
            o.withscores = true;
            i += 1;
        } else if card && left >= 2 && is(opt, "limit") {
            o.limit = match crate::util::parse_i64(&opts[i + 1]) {
                Some(n) if n >= 0 => n as usize,
                _ => return Err(CmdError::Msg("ERR LIMIT can't be negative")),
            };
            i += 2;
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok(o)
}

/// The shared body. Side effects (STORE forms): dirty, keyspace events,
/// WATCH; replaces or deletes the destination.
fn setop_generic(ctx: &mut Ctx, op: Op, store: bool, card: bool) -> CmdResult {
    let mut a = ctx.args();
    let dst = if store { Some(a.next_bytes()?) } else { None };
    let numkeys = a.next_i64()?;
    if numkeys < 1 {
        return Err(CmdError::Owned(format!(
            "ERR at least 1 input key is needed for '{}' command",
            fullname(ctx.cmd, ctx.parent)
        )));
    }
    let rest = a.rest();
    if numkeys as u64 > rest.len() as u64 {
        return Err(CmdError::Syntax);
    }
    let (keys, opts) = rest.split_at(numkeys as usize);
    let db = ctx.client.db;
    let mut inputs = Vec::with_capacity(keys.len());
    for k in keys {
        let len = match ctx.srv.lookup_read(ctx.frame, db, k).map(|e| &e.val) {
            None => 0,
            Some(Value::ZSet(z)) => z.len(),
            Some(Value::Set(s)) => s.len(),
            Some(_) => return Err(CmdError::WrongType),
        };
        inputs.push(Input {
            key: k,
            len,
            weight: 1.0,
        });
    }
    let o = parse_opts(opts, &mut inputs, op, store, card)?;
    if op != Op::Diff {
        // Smallest first, as Redis sorts its inputs (stably).
        inputs.sort_by_key(|i| i.len);
    }
    let srv = &mut *ctx.srv;
    let mut result: Vec<(Vec<u8>, f64)> = match op {
        Op::Union => union(srv, db, &inputs, o.how),
        Op::Inter => inter(srv, db, &inputs, o.how),
        Op::Diff => diff(srv, db, &inputs),
    };
    if card {
        let n = match o.limit {
            0 => result.len(),
            l => result.len().min(l),
        };
        ctx.out.int(n as i64);
        return Ok(());
    }
    result.sort_by(|a, b| cmp_elems((a.1, &a.0), (b.1, &b.0)));
    match dst {
        Some(dst) => {
            let event = match op {
                Op::Union => "zunionstore",
                Op::Inter => "zinterstore",
                Op::Diff => "zdiffstore",
            };
            store_result(ctx, dst, &result, event)
        }
        None => reply_elems(ctx.out, &result, o.withscores),
    }
    Ok(())
}

fn union(srv: &mut State, db: usize, inputs: &[Input], how: Aggregate) -> Vec<(Vec<u8>, f64)> {
    let mut acc: HashMap<Vec<u8>, f64> = HashMap::new();
    for input in inputs.iter().filter(|i| i.len > 0) {
        with_source(srv, db, input.key, |src| {
            src.for_each(|m, s| {
                let mut v = input.weight * s;
                if v.is_nan() {
                    v = 0.0;
                }
                match acc.get_mut(m) {
                    Some(t) => aggregate(t, v, how),
                    None => {
                        acc.insert(m.to_vec(), v);
                    }
                }
            })
        });
    }
    acc.into_iter().collect()
}

/// The intersection: the smallest input's elements, checked against each
/// other input in turn.
fn inter(srv: &mut State, db: usize, inputs: &[Input], how: Aggregate) -> Vec<(Vec<u8>, f64)> {
    let Some(first) = inputs.first().filter(|i| i.len > 0) else {
        return Vec::new();
    };
    let mut acc: Vec<(Vec<u8>, f64)> = Vec::with_capacity(first.len);
    with_source(srv, db, first.key, |src| {
        src.for_each(|m, s| {
            let v = first.weight * s;
            acc.push((m.to_vec(), if v.is_nan() { 0.0 } else { v }));
        })
    });
    for input in &inputs[1..] {
        with_source(srv, db, input.key, |src| {
            acc.retain_mut(|(m, t)| match src.score(m) {
                Some(s) => {
                    aggregate(t, s * input.weight, how);
                    true
                }
                None => false,
            })
        });
    }
    acc
}

/// The difference: the first input's elements (with their own scores)
/// that no other input has.
fn diff(srv: &mut State, db: usize, inputs: &[Input]) -> Vec<(Vec<u8>, f64)> {
    let Some(first) = inputs.first().filter(|i| i.len > 0) else {
        return Vec::new();
    };
    let mut acc: Vec<(Vec<u8>, f64)> = Vec::with_capacity(first.len);
    with_source(srv, db, first.key, |src| {
        src.for_each(|m, s| acc.push((m.to_vec(), s)))
    });
    for input in inputs[1..].iter().filter(|i| i.len > 0) {
        with_source(srv, db, input.key, |src| {
            acc.retain(|(m, _)| src.score(m).is_none())
        });
    }
    acc
}
