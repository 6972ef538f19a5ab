//! Connection commands: PING, ECHO, QUIT, SELECT, HELLO, RESET, AUTH and
//! the CLIENT subcommands that concern only the calling connection.

use super::args::is;
use super::{CmdError, CmdResult, Ctx};
use crate::util::parse_i64;

/// PING [message]
pub fn ping(ctx: &mut Ctx) -> CmdResult {
    if ctx.args().remaining() > 1 {
        return Err(CmdError::WrongArgs);
    }
    let msg = ctx.args().next_bytes().ok();
    if ctx.client.subs.active() && !ctx.out.is_resp3() {
        // RESP2 subscribed mode answers in the shape of a message.
        ctx.out.array(2);
        ctx.out.bulk(b"pong");
        ctx.out.bulk(msg.unwrap_or(b""));
        return Ok(());
    }
    match msg {
        Some(msg) => ctx.out.bulk(msg),
        None => ctx.out.simple("PONG"),
    }
    Ok(())
}

/// ECHO message
pub fn echo(ctx: &mut Ctx) -> CmdResult {
    let msg = ctx.args().next_bytes()?;
    ctx.out.bulk(msg);
    Ok(())
}

/// QUIT
pub fn quit(ctx: &mut Ctx) -> CmdResult {
    ctx.out.ok();
    ctx.client.close_after_reply = true;
    Ok(())
}

/// SELECT index
pub fn select(ctx: &mut Ctx) -> CmdResult {
    let n = ctx.args().next_i32()?;
    if n < 0 || n as usize >= ctx.srv.dbs.len() {
        return Err(CmdError::DbOutOfRange);
    }
    ctx.client.db = n as usize;
    ctx.out.ok();
    Ok(())
}

/// Checks a username/password pair against the configuration. Until ACLs
/// exist there is one user, `default`, with `requirepass` as its password
/// (no password means any password is accepted, as with `nopass`).
pub fn check_credentials(ctx: &Ctx, user: &[u8], pass: &[u8]) -> bool {
    let want = ctx.srv.config.requirepass.as_bytes();
    user == b"default" && (want.is_empty() || want == pass)
}

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

/// AUTH [username] password
pub fn auth(ctx: &mut Ctx) -> CmdResult {
    let args = ctx.args().rest();
    let (user, pass): (&[u8], &[u8]) = match args {
        [p] => (b"default", p),
        [u, p] => (u, p),
        _ => return Err(CmdError::Syntax),
    };
    if args.len() == 1 && ctx.srv.config.requirepass.is_empty() {
        return Err(CmdError::Msg("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"));
    }
    if !check_credentials(ctx, user, pass) {
        return Err(CmdError::Msg(WRONGPASS));
    }
    ctx.client.authenticated = true;
    ctx.out.ok();
    Ok(())
}

/// Redis's `validateClientName`: printable ASCII without spaces.
fn valid_name(name: &[u8]) -> bool {
    name.iter().all(|&c| (b'!'..=b'~').contains(&c))
}

const BAD_NAME: &str = "ERR Client names cannot contain spaces, newlines or special characters.";

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
pub fn hello(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let mut ver = None;
    if let Ok(v) = a.next_bytes() {
        let v = parse_i64(v).ok_or(CmdError::Msg(
            "ERR Protocol version is not an integer or out of range",
        ))?;
        if !(2..=3).contains(&v) {
            return Err(CmdError::Msg("NOPROTO unsupported protocol version"));
        }
        ver = Some(v as u8);
    }
    let (mut creds, mut name) = (None, None);
    while let Ok(opt) = a.next_bytes() {
        if is(opt, "auth") && a.remaining() >= 2 {
            creds = Some((a.next_bytes()?, a.next_bytes()?));
        } else if is(opt, "setname") && !a.is_empty() {
            let n = a.next_bytes()?;
            if !valid_name(n) {
                return Err(CmdError::Msg(BAD_NAME));
            }
            name = Some(n);
        } else {
            return Err(CmdError::Owned(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(opt)
            )));
        }
    }
    if let Some((user, pass)) = creds {
        if !check_credentials(ctx, user, pass) {
            return Err(CmdError::Msg(WRONGPASS));
        }
        ctx.client.authenticated = true;
    }
    if !ctx.client.authenticated {
        return Err(CmdError::Msg("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"));
    }
    if let Some(n) = name {
        ctx.client.name = (!n.is_empty()).then(|| n.to_vec());
    }
    if let Some(v) = ver {
        ctx.out.resp = v;
    }
    ctx.out.map(7);
    ctx.out.bulk(b"server");
    ctx.out.bulk(b"redis");
    ctx.out.bulk(b"version");
    ctx.out.bulk(crate::REDIS_VERSION.as_bytes());
    ctx.out.bulk(b"proto");
    ctx.out.int(i64::from(ctx.out.resp));
    ctx.out.bulk(b"id");
    ctx.out.int(ctx.client.id as i64);
    ctx.out.bulk(b"mode");
    ctx.out.bulk(b"standalone");
    ctx.out.bulk(b"role");
    ctx.out.bulk(b"master");
    ctx.out.bulk(b"modules");
    ctx.out.array(0);
    Ok(())
}

/// RESET
pub fn reset(ctx: &mut Ctx) -> CmdResult {
    let id = ctx.client.id;
    ctx.srv.pubsub.remove_client(&mut ctx.client.subs, id);
    ctx.srv.watches.unwatch_all(ctx.client);
    ctx.client.in_multi = false;
    ctx.client.multi_error = false;
    ctx.client.multi_queue.clear();
    ctx.client.db = 0;
    ctx.client.name = None;
    ctx.out.resp = 2;
    ctx.client.authenticated = ctx.srv.config.requirepass.is_empty();
    ctx.out.simple("RESET");
    Ok(())
}

/// CLIENT ID
pub fn client_id(ctx: &mut Ctx) -> CmdResult {
    ctx.out.int(ctx.client.id as i64);
    Ok(())
}

/// CLIENT GETNAME
pub fn client_getname(ctx: &mut Ctx) -> CmdResult {
    match &ctx.client.name {
        Some(n) => ctx.out.bulk(n),
        None => ctx.out.null(),
    }
    Ok(())
}

/// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
pub fn client_unblock(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let id = a.next_i64()?;
    let error = match a.next_bytes() {
        Err(_) => false,
        Ok(r) if is(r, "timeout") => false,
        Ok(r) if is(r, "error") => true,
        Ok(_) => {
            return Err(CmdError::Msg(
                "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ))
        }
    };
    a.finish()?;
    let blocked = u64::try_from(id).is_ok_and(|id| ctx.srv.blocking.is_blocked(id));
    if blocked {
        ctx.srv.blocking.unblock_requests.push((id as u64, error));
    }
    ctx.out.int(i64::from(blocked));
    Ok(())
}

/// CLIENT SETNAME connection-name
pub fn client_setname(ctx: &mut Ctx) -> CmdResult {
    let n = ctx.args().next_bytes()?;
    if !valid_name(n) {
        return Err(CmdError::Msg(BAD_NAME));
    }
    ctx.client.name = (!n.is_empty()).then(|| n.to_vec());
    ctx.out.ok();
    Ok(())
}
