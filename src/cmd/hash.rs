//! Hash commands (Redis's `t_hash.c`). PLACEHOLDER handlers, replaced by the data-types work.

use super::{CmdError, CmdResult, Ctx};

fn todo(_ctx: &mut Ctx) -> CmdResult {
    Err(CmdError::Msg("ERR not implemented yet"))
}

/// HSET
pub fn hset(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HSETNX
pub fn hsetnx(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HGET
pub fn hget(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HMGET
pub fn hmget(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HMSET
pub fn hmset(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HDEL
pub fn hdel(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HLEN
pub fn hlen(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HSTRLEN
pub fn hstrlen(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HEXISTS
pub fn hexists(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HGETALL
pub fn hgetall(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HKEYS
pub fn hkeys(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HVALS
pub fn hvals(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HINCRBY
pub fn hincrby(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HINCRBYFLOAT
pub fn hincrbyfloat(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HRANDFIELD
pub fn hrandfield(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// HSCAN
pub fn hscan(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}
