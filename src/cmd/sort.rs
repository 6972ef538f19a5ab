//! SORT and SORT_RO (Redis's `sort.c`): sort the elements of a list, set or
//! sorted set numerically or lexicographically, optionally by the values
//! of other keys (`BY pattern`), fetching other keys' values (`GET`),
//! with LIMIT, and STORE the result as a list.
//!
//! STORE publishes `sortstore` on the destination, or, for an empty
//! result, `del` if a destination was there to delete, and invalidates
//! WATCH on it, as Redis 7.0 does.

use std::borrow::Cow;
use std::cmp::Ordering;

use super::args::is;
use super::zset::parse::strtod;
use super::{CmdError, CmdResult, Ctx};
use crate::db::list::List;
use crate::db::Value;
use crate::notify;

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE destination]
pub fn sort(ctx: &mut Ctx) -> CmdResult {
    sort_generic(ctx, false)
}

/// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
pub fn sort_ro(ctx: &mut Ctx) -> CmdResult {
    sort_generic(ctx, true)
}

/// Parsed SORT options.
#[derive(Default)]
struct Opts<'a> {
    desc: bool,
    alpha: bool,
    limit: Option<(i64, i64)>,
    by: Option<&'a [u8]>,
    dontsort: bool,
    gets: Vec<&'a [u8]>,
    store: Option<&'a [u8]>,
}

fn parse_opts<'a>(ctx: &Ctx<'a>, readonly: bool) -> Result<(&'a [u8], Opts<'a>), CmdError> {
    let mut a = ctx.args();
    let key = a.next_bytes()?;
    let mut o = Opts::default();
    while let Ok(opt) = a.next_bytes() {
        let left = a.remaining();
        if is(opt, "asc") {
            o.desc = false;
        } else if is(opt, "desc") {
            o.desc = true;
        } else if is(opt, "alpha") {
            o.alpha = true;
        } else if is(opt, "limit") && left >= 2 {
            o.limit = Some((a.next_i64()?, a.next_i64()?));
        } else if !readonly && is(opt, "store") && left >= 1 {
            o.store = Some(a.next_bytes()?);
        } else if is(opt, "by") && left >= 1 {
            let p = a.next_bytes()?;
            // A pattern without '*' means "don't sort".
            o.dontsort = !p.contains(&b'*');
            o.by = Some(p);
        } else if is(opt, "get") && left >= 1 {
            o.gets.push(a.next_bytes()?);
        } else {
            return Err(CmdError::Syntax);
        }
    }
    Ok((key, o))
}

/// Redis's `lookupKeyByPattern`: `#` is the element itself; otherwise the
/// first `*` is replaced by the element, and `key->field` reads a hash
/// field. Missing keys, wrong types and patterns without `*` give None.
fn lookup_by_pattern(ctx: &mut Ctx, pattern: &[u8], subst: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(subst.to_vec());
    }
    let star = pattern.iter().position(|&c| c == b'*')?;
    let field = pattern[star + 1..]
        .windows(2)
        .position(|w| w == b"->")
        .map(|i| star + 1 + i)
        .filter(|&f| f + 2 < pattern.len());
    let key_end = field.unwrap_or(pattern.len());
    let mut key = pattern[..star].to_vec();
    key.extend_from_slice(subst);
    key.extend_from_slice(&pattern[star + 1..key_end]);
    let db = ctx.client.db;
    let e = ctx.srv.lookup_read(ctx.frame, db, &key)?;
    match (field, &e.val) {
        (Some(f), Value::Hash(h)) => h.get(&pattern[f + 2..]).map(|v| v.to_vec()),
        (None, Value::Str(s)) => Some(s.to_vec()),
        _ => None,
    }
}

/// The elements of the value to sort, in their natural order, and whether
/// that order is significant (lists and sorted sets keep theirs).
fn load(val: Option<&Value>) -> Result<Vec<Vec<u8>>, CmdError> {
    Ok(match val {
        None => Vec::new(),
        Some(Value::List(l)) => l.iter().map(Cow::into_owned).collect(),
        Some(Value::Set(s)) => s.iter().map(|m| m.to_vec()).collect(),
        Some(Value::ZSet(z)) => z.iter().map(|(m, _)| m.to_vec()).collect(),
        Some(_) => return Err(CmdError::WrongType),
    })
}

/// A sort key: the numeric score or the string compared with ALPHA.
struct Item {
    elem: Vec<u8>,
    score: f64,
    cmp: Option<Vec<u8>>,
}

fn sort_generic(ctx: &mut Ctx, readonly: bool) -> CmdResult {
    let (key, mut o) = parse_opts(ctx, readonly)?;
    let db = ctx.client.db;
    let (mut elems, is_set, ordered) = {
        // Redis converts the sorted set it sorts to a skiplist, for good.
        let clock = ctx.expire_now();
        if let Some(Value::ZSet(z)) = ctx.srv.dbs[db].get(key, clock).map(|e| &mut e.val) {
            z.to_skiplist();
        }
        let val = ctx.srv.lookup_read(ctx.frame, db, key).map(|e| &e.val);
        let is_set = matches!(val, Some(Value::Set(_)));
        let ordered = matches!(val, Some(Value::List(_) | Value::ZSet(_)));
        (load(val)?, is_set, ordered)
    };
    // An unsorted set must still come out the same everywhere when stored.
    if o.dontsort && is_set && o.store.is_some() {
        o.dontsort = false;
        o.alpha = true;
        o.by = None;
    }
    let len = elems.len() as i64;
    let (lstart, lcount) = o.limit.unwrap_or((0, -1));
    let mut start = lstart.max(0);
    let mut end = if lcount < 0 {
        len - 1
    } else {
        start.saturating_add(lcount) - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    end = end.min(len - 1);
    if o.dontsort && ordered {
        // Natural order, reversed for DESC, and only the LIMIT range.
        if o.desc {
            elems.reverse();
        }
    }
    let mut items: Vec<Item> = elems
        .into_iter()
        .map(|elem| Item {
            elem,
            score: 0.0,
            cmp: None,
        })
        .collect();
    let mut bad_number = false;
    if !o.dontsort {
        for it in &mut items {
            let byval = match o.by {
                Some(p) => match lookup_by_pattern(ctx, p, &it.elem) {
                    Some(v) => v,
                    None => continue,
                },
                None => it.elem.clone(),
            };
            if o.alpha {
                if o.by.is_some() {
                    it.cmp = Some(byval);
                }
            } else {
                let (v, used, range) = strtod(&byval);
                if used != byval.len() || range || v.is_nan() {
                    bad_number = true;
                }
                it.score = v;
            }
        }
        let (alpha, by, desc) = (o.alpha, o.by.is_some(), o.desc);
        items.sort_by(|a, b| {
            let c = if !alpha {
                a.score
                    .partial_cmp(&b.score)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.elem.cmp(&b.elem))
            } else if by {
                a.cmp.cmp(&b.cmp)
            } else {
                a.elem.cmp(&b.elem)
            };
            if desc {
                c.reverse()
            } else {
                c
            }
        });
    }
    if bad_number {
        return Err(CmdError::Msg(
            "ERR One or more scores can't be converted into double",
        ));
    }
    let picked: Vec<Vec<u8>> = if end >= start && start >= 0 {
        items
            .into_iter()
            .skip(start as usize)
            .take((end - start + 1) as usize)
            .map(|i| i.elem)
            .collect()
    } else {
        Vec::new()
    };
    // Each element, or each GET pattern's value for it.
    let mut rows: Vec<Option<Vec<u8>>> = Vec::new();
    for e in &picked {
        if o.gets.is_empty() {
            rows.push(Some(e.clone()));
        }
        for g in o.gets.clone() {
            rows.push(lookup_by_pattern(ctx, g, e));
        }
    }
    match o.store {
        None => {
            ctx.out.array(rows.len());
            for r in &rows {
                match r {
                    Some(v) => ctx.out.bulk(v),
                    None => ctx.out.null(),
                }
            }
        }
        Some(dst) => {
            let now = ctx.now();
            let shape = super::list::shape(&ctx.srv.config);
            if rows.is_empty() {
                // Redis deletes the destination without looking it up
                // first, so one that has expired but is still stored is
                // deleted (`del`), not expired.
                if ctx.srv.dbs[db].remove(dst) {
                    ctx.modified(dst, notify::GENERIC, "del", 1);
                }
            } else {
                let mut list = List::new();
                for r in &rows {
                    list.push_back(r.as_deref().unwrap_or(b""), shape);
                }
                ctx.srv.lookup_write(ctx.frame, db, dst);
                ctx.srv.dbs[db].set(dst, Value::List(list), false, now);
                ctx.modified(dst, notify::LIST, "sortstore", rows.len() as u64);
                ctx.signal_ready(dst);
            }
            ctx.out.int(rows.len() as i64);
        }
    }
    Ok(())
}
