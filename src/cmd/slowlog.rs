//! SLOWLOG: reads and resets the slow log ([`crate::slowlog`]).

use super::{CmdError, CmdResult, Ctx};

/// SLOWLOG GET [count]
pub fn slowlog_get(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let count = match a.next_bytes() {
        Ok(c) => crate::util::parse_i64(c)
            .filter(|&n| n >= -1)
            .ok_or(CmdError::Msg(
                "ERR count should be greater than or equal to -1",
            ))?,
        Err(_) => 10,
    };
    if a.finish().is_err() {
        return Err(CmdError::Owned(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try SLOWLOG HELP.",
            String::from_utf8_lossy(&ctx.argv[1])
        )));
    }
    let log = ctx.srv.slowlog.entries();
    let n = if count < 0 {
        log.len()
    } else {
        log.len().min(count as usize)
    };
    ctx.out.array(n);
    for e in log.iter().take(n) {
        ctx.out.array(6);
        ctx.out.int(e.id as i64);
        ctx.out.int(e.time);
        ctx.out.int(e.duration as i64);
        ctx.out.bulk_array(&e.argv);
        ctx.out.bulk(e.peer.as_bytes());
        ctx.out.bulk(&e.name);
    }
    Ok(())
}

/// SLOWLOG LEN
pub fn slowlog_len(ctx: &mut Ctx) -> CmdResult {
    ctx.out.int(ctx.srv.slowlog.entries().len() as i64);
    Ok(())
}

/// SLOWLOG RESET
pub fn slowlog_reset(ctx: &mut Ctx) -> CmdResult {
    ctx.srv.slowlog.reset();
    ctx.out.ok();
    Ok(())
}

/// SLOWLOG HELP
pub fn slowlog_help(ctx: &mut Ctx) -> CmdResult {
    super::server::reply_help(
        ctx,
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
    Ok(())
}
