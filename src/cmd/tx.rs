//! Transactions (Redis's `multi.c`): MULTI queues commands, EXEC runs them
//! back to back and replies with every reply, DISCARD drops them.
//!
//! EXEC runs as one command of the loop, so clients blocked on keys the
//! transaction pushed to are served only after it finishes, and blocking
//! commands inside it do not block. The AOF gets MULTI ... EXEC around the
//! transaction's writes, so replay applies it whole or not at all. WATCH
//! and UNWATCH keep their keys in [`crate::watches`].

use super::{call, CmdError, CmdResult, Ctx};

/// MULTI
pub fn multi(ctx: &mut Ctx) -> CmdResult {
    if ctx.client.in_multi {
        return Err(CmdError::Msg("ERR MULTI calls can not be nested"));
    }
    ctx.client.in_multi = true;
    ctx.client.multi_error = false;
    ctx.client.multi_queue.clear();
    ctx.out.ok();
    Ok(())
}

/// DISCARD
pub fn discard(ctx: &mut Ctx) -> CmdResult {
    if !ctx.client.in_multi {
        return Err(CmdError::Msg("ERR DISCARD without MULTI"));
    }
    ctx.client.in_multi = false;
    ctx.client.multi_error = false;
    ctx.client.multi_queue.clear();
    ctx.srv
        .watches
        .unwatch_all(ctx.client.id, &mut ctx.client.watched);
    ctx.out.ok();
    Ok(())
}

/// Whether a key that was live when watched has expired since (Redis 7
/// counts that as a change even before anything deletes it).
fn watched_key_expired(ctx: &mut Ctx) -> bool {
    let now = ctx.expire_now();
    let (srv, id) = (&ctx.srv, ctx.client.id);
    ctx.client.watched.iter().any(|w| {
        !srv.watches.expired_flag(id, w.db, &w.key) && srv.dbs[w.db].is_expired_raw(&w.key, now)
    })
}

/// EXEC
pub fn exec(ctx: &mut Ctx) -> CmdResult {
    if !ctx.client.in_multi {
        return Err(CmdError::Msg("ERR EXEC without MULTI"));
    }
    let queue = std::mem::take(&mut ctx.client.multi_queue);
    let aborted = ctx.client.multi_error;
    ctx.client.multi_error = false;
    if aborted {
        ctx.client.in_multi = false;
        ctx.srv
            .watches
            .unwatch_all(ctx.client.id, &mut ctx.client.watched);
        return Err(CmdError::Msg(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    ctx.client.in_multi = false;
    // A watched key changed, or expired since WATCH: nothing runs.
    let doomed = ctx.srv.watches.is_dirty(ctx.client.id) || watched_key_expired(ctx);
    ctx.srv
        .watches
        .unwatch_all(ctx.client.id, &mut ctx.client.watched);
    if doomed {
        ctx.out.null_array();
        return Ok(());
    }
    let mark = ctx.srv.aof.as_mut().map(|a| {
        let m = a.mark();
        a.feed(ctx.client.db, &[&b"MULTI"[..]]);
        m
    });
    let fed_after_multi = ctx.srv.aof.as_ref().map_or(0, |a| a.fed);
    ctx.out.array(queue.len());
    // Blocking commands inside the transaction must not block.
    ctx.client.exec_running = true;
    for argv in &queue {
        call(ctx.srv, ctx.client, ctx.out, argv);
    }
    ctx.client.exec_running = false;
    // The inner commands were logged one by one, inside MULTI ... EXEC
    // below; EXEC itself must not be logged again.
    ctx.propagate = Some(Vec::new());
    if let (Some(aof), Some(mark)) = (ctx.srv.aof.as_mut(), mark) {
        if aof.fed == fed_after_multi {
            aof.rollback(mark);
        } else {
            let db = ctx.client.db;
            aof.feed(db, &[&b"EXEC"[..]]);
        }
    }
    Ok(())
}

/// WATCH key [key ...]
pub fn watch(ctx: &mut Ctx) -> CmdResult {
    if ctx.client.in_multi {
        return Err(CmdError::Msg("ERR WATCH inside MULTI is not allowed"));
    }
    let db = ctx.client.db;
    let now = ctx.expire_now();
    for key in &ctx.argv[ctx.arg0..] {
        let expired = ctx.srv.dbs[db].is_expired_raw(key, now);
        ctx.srv
            .watches
            .watch(ctx.client.id, &mut ctx.client.watched, db, key, expired);
    }
    ctx.out.ok();
    Ok(())
}

/// UNWATCH
pub fn unwatch(ctx: &mut Ctx) -> CmdResult {
    ctx.srv
        .watches
        .unwatch_all(ctx.client.id, &mut ctx.client.watched);
    ctx.out.ok();
    Ok(())
}
