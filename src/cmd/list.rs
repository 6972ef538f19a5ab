//! List commands (Redis's `t_list.c`). PLACEHOLDER handlers, replaced by the data-types work.

use super::{CmdError, CmdResult, Ctx};

fn todo(_ctx: &mut Ctx) -> CmdResult {
    Err(CmdError::Msg("ERR not implemented yet"))
}

/// LPUSH
pub fn lpush(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// RPUSH
pub fn rpush(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// LPUSHX
pub fn lpushx(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// RPUSHX
pub fn rpushx(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// LPOP
pub fn lpop(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// RPOP
pub fn rpop(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// LLEN
pub fn llen(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// LRANGE
pub fn lrange(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// LINDEX
pub fn lindex(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// LSET
pub fn lset(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// LREM
pub fn lrem(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// LTRIM
pub fn ltrim(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// LINSERT
pub fn linsert(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// LPOS
pub fn lpos(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// LMOVE
pub fn lmove(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// RPOPLPUSH
pub fn rpoplpush(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// LMPOP
pub fn lmpop(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// BLPOP
pub fn blpop(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// BRPOP
pub fn brpop(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// BLMOVE
pub fn blmove(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// BRPOPLPUSH
pub fn brpoplpush(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// BLMPOP
pub fn blmpop(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}
