//! Connection commands: PING, ECHO, QUIT, SELECT, HELLO, RESET and AUTH.
//! The CLIENT family and MONITOR are in [`super::client`].

use super::client::{valid_name, BAD_NAME};
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
    ctx.client.closing.raise(crate::conn::Closing::AfterReply);
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

/// Logs the client in as `user` if `pass` is right; a failure goes to the
/// ACL log (reason `auth`), as Redis's `ACLAuthenticateUser`.
pub fn check_credentials(ctx: &mut Ctx, user: &[u8], pass: &[u8]) -> bool {
    if let Some(slot) = ctx.srv.acl.authenticate(user, pass) {
        ctx.client.authenticated = true;
        ctx.client.user = slot;
        return true;
    }
    let client_info = super::client::info_line(ctx.srv, ctx.client, ctx.out, ctx.argv);
    let entry = crate::acl::log::Entry {
        count: 1,
        reason: "auth",
        context: if ctx.client.multi.active || ctx.client.multi.executing {
            "multi"
        } else {
            "toplevel"
        },
        // The command name as the client typed it, as Redis logs it.
        object: ctx.argv[0].to_vec(),
        username: user.to_vec(),
        ctime: ctx.now(),
        client_info,
    };
    let max = ctx.srv.config.acllog_max_len;
    ctx.srv.acl.log.add(entry, max);
    false
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
    // Always hidden from MONITOR and the slow log, even when wrong.
    for i in 1..=args.len() {
        ctx.redact(i);
    }
    if args.len() == 1 && ctx.srv.acl.default_user().nopass {
        return Err(CmdError::Msg("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"));
    }
    if !check_credentials(ctx, user, pass) {
        return Err(CmdError::Msg(WRONGPASS));
    }
    ctx.out.ok();
    Ok(())
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
///
/// Options take effect one by one, as Redis 7.0 applies them: AUTH
/// authenticates (or fails) at once, SETNAME renames at once, so an error
/// in a later option leaves the earlier ones done.
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
    while let Ok(opt) = a.next_bytes() {
        let pos = ctx.argv.len() - a.remaining() - 1;
        if opt.eq_ignore_ascii_case(b"auth") && a.remaining() >= 2 {
            ctx.redact(pos + 1);
            ctx.redact(pos + 2);
            let (user, pass) = (a.next_bytes()?, a.next_bytes()?);
            if !check_credentials(ctx, user, pass) {
                return Err(CmdError::Msg(WRONGPASS));
            }
        } else if opt.eq_ignore_ascii_case(b"setname") && !a.is_empty() {
            let n = a.next_bytes()?;
            if !valid_name(n) {
                return Err(CmdError::Msg(BAD_NAME));
            }
            ctx.client.ident.name = (!n.is_empty()).then(|| n.to_vec());
        } else {
            return Err(CmdError::Owned(format!(
                "ERR Syntax error in HELLO option '{}'",
                String::from_utf8_lossy(opt)
            )));
        }
    }
    if !ctx.client.authenticated && !ctx.srv.acl.default_nopass {
        return Err(CmdError::Msg("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"));
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
    if ctx.client.monitor {
        ctx.client.monitor = false;
        ctx.srv.clients.monitors.retain(|&m| m != id);
    }
    // REPLY OFF and a pending SKIP end (this reply is sent); NO-TOUCH
    // ends too, as in Redis 7.2. NO-EVICT stays, as in Redis 7.0.
    ctx.client.reply.reset();
    ctx.client.no_touch = false;
    ctx.srv.pubsub.remove_client(&mut ctx.client.subs, id);
    ctx.srv
        .watches
        .unwatch_all(ctx.client.id, &mut ctx.client.watched);
    if ctx.client.track.on {
        ctx.srv.tracking.disable(id);
    }
    ctx.client.track = Default::default();
    ctx.client.multi.active = false;
    ctx.client.multi.error = false;
    ctx.client.multi.queue.clear();
    ctx.client.db = 0;
    ctx.client.ident.name = None;
    ctx.out.resp = 2;
    // Back to the default user, authenticated only if it needs no password.
    ctx.client.user = 0;
    ctx.client.authenticated = ctx.srv.acl.default_nopass;
    ctx.out.simple("RESET");
    Ok(())
}
