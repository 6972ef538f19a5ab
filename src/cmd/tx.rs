//! Transactions (Redis's `multi.c`): MULTI queues commands, EXEC runs them
//! back to back and replies with every reply, DISCARD drops them.
//!
//! EXEC runs as one command of the loop, so clients blocked on keys the
//! transaction pushed to are served only after it finishes, and blocking
//! commands inside it do not block. The AOF gets MULTI ... EXEC around the
//! transaction's writes, so replay applies it whole or not at all. WATCH
//! and UNWATCH keep their keys in [`crate::watches`].

use super::{call_nested, CmdError, CmdResult, Ctx};

/// MULTI
pub fn multi(ctx: &mut Ctx) -> CmdResult {
    if ctx.client.multi.active {
        return Err(CmdError::Msg("ERR MULTI calls can not be nested"));
    }
    ctx.client.multi.active = true;
    ctx.client.multi.error = false;
    ctx.client.multi.queue.clear();
    ctx.out.ok();
    Ok(())
}

/// DISCARD
pub fn discard(ctx: &mut Ctx) -> CmdResult {
    if !ctx.client.multi.active {
        return Err(CmdError::Msg("ERR DISCARD without MULTI"));
    }
    ctx.client.multi.active = false;
    ctx.client.multi.error = false;
    ctx.client.multi.queue.clear();
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
    if !ctx.client.multi.active {
        return Err(CmdError::Msg("ERR EXEC without MULTI"));
    }
    let queue = std::mem::take(&mut ctx.client.multi.queue);
    let aborted = ctx.client.multi.error;
    ctx.client.multi.error = false;
    if aborted {
        ctx.client.multi.active = false;
        ctx.srv
            .watches
            .unwatch_all(ctx.client.id, &mut ctx.client.watched);
        return Err(CmdError::Msg(
            "EXECABORT Transaction discarded because of previous errors.",
        ));
    }
    ctx.client.multi.active = false;
    // A watched key changed, or expired since WATCH: nothing runs.
    let doomed = ctx.srv.watches.is_dirty(ctx.client.id) || watched_key_expired(ctx);
    ctx.srv
        .watches
        .unwatch_all(ctx.client.id, &mut ctx.client.watched);
    if doomed {
        ctx.out.null_array();
        return Ok(());
    }
    let db = ctx.client.db;
    ctx.out.array(queue.len());
    // Blocking commands inside the transaction must not block.
    ctx.client.multi.executing = true;
    for argv in &queue {
        call_nested(ctx, argv);
    }
    ctx.client.multi.executing = false;
    // What the queued commands changed leaves as one MULTI ... EXEC
    // block; EXEC itself is not propagated.
    let end_db = ctx.client.db;
    let r = ctx.frame.raised();
    r.propagate = Some(Vec::new());
    if !r.effects.is_empty() {
        r.effects.insert(0, (db, vec![b"MULTI".to_vec()]));
        r.effects.push((end_db, vec![b"EXEC".to_vec()]));
    }
    Ok(())
}

/// WATCH key [key ...]
pub fn watch(ctx: &mut Ctx) -> CmdResult {
    if ctx.client.multi.active {
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
