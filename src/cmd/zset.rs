//! Sorted set commands (Redis's `t_zset.c`). PLACEHOLDER handlers, replaced by the data-types work.

use super::{CmdError, CmdResult, Ctx};

fn todo(_ctx: &mut Ctx) -> CmdResult {
    Err(CmdError::Msg("ERR not implemented yet"))
}

/// ZADD
pub fn zadd(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZINCRBY
pub fn zincrby(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZSCORE
pub fn zscore(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZMSCORE
pub fn zmscore(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZCARD
pub fn zcard(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZCOUNT
pub fn zcount(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZLEXCOUNT
pub fn zlexcount(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZRANK
pub fn zrank(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZREVRANK
pub fn zrevrank(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZRANGE
pub fn zrange(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZRANGESTORE
pub fn zrangestore(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZRANGEBYSCORE
pub fn zrangebyscore(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZREVRANGEBYSCORE
pub fn zrevrangebyscore(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZRANGEBYLEX
pub fn zrangebylex(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZREVRANGEBYLEX
pub fn zrevrangebylex(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZREVRANGE
pub fn zrevrange(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZREM
pub fn zrem(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZREMRANGEBYRANK
pub fn zremrangebyrank(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZREMRANGEBYSCORE
pub fn zremrangebyscore(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZREMRANGEBYLEX
pub fn zremrangebylex(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZPOPMIN
pub fn zpopmin(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZPOPMAX
pub fn zpopmax(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZMPOP
pub fn zmpop(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// BZPOPMIN
pub fn bzpopmin(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// BZPOPMAX
pub fn bzpopmax(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// BZMPOP
pub fn bzmpop(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZUNIONSTORE
pub fn zunionstore(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZINTERSTORE
pub fn zinterstore(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZDIFFSTORE
pub fn zdiffstore(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZUNION
pub fn zunion(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZINTER
pub fn zinter(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZDIFF
pub fn zdiff(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZINTERCARD
pub fn zintercard(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZRANDMEMBER
pub fn zrandmember(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}

/// ZSCAN
pub fn zscan(ctx: &mut Ctx) -> CmdResult {
    todo(ctx)
}
