//! Set commands (Redis's `t_set.c`). PLACEHOLDER handlers, replaced by the data-types work.

use super::{CmdError, CmdResult, Ctx};

fn todo(_ctx: &mut Ctx) -> CmdResult {
    Err(CmdError::Msg("ERR not implemented yet"))
}

/// SADD
pub fn sadd(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SREM
pub fn srem(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SISMEMBER
pub fn sismember(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SMISMEMBER
pub fn smismember(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SCARD
pub fn scard(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SMEMBERS
pub fn smembers(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SPOP
pub fn spop(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SRANDMEMBER
pub fn srandmember(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SMOVE
pub fn smove(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SINTER
pub fn sinter(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SUNION
pub fn sunion(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SDIFF
pub fn sdiff(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SINTERSTORE
pub fn sinterstore(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SUNIONSTORE
pub fn sunionstore(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SDIFFSTORE
pub fn sdiffstore(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SINTERCARD
pub fn sintercard(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// SSCAN
pub fn sscan(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}
