//! The ACL command (Redis's `acl.c`, command half). Users, rules, the
//! permission check, the ACL log and the ACL file are [`crate::acl`]'s.

use bytes::Bytes;

use super::args::is;
use super::{CmdError, CmdResult, Ctx};
use crate::acl::file::{load_file, valid_username};
use crate::acl::log::Entry;
use crate::acl::{self, Denial, User};
use crate::cmdinfo::{category_bit, CATEGORIES};
use crate::util::parse_i64;

/// What a refusal says (Redis 7.0's `getAclErrorMessage`).
pub fn denial_message(d: Denial, fullname: &str) -> String {
    match d {
        Denial::Command => {
            format!("NOPERM this user has no permissions to run the '{fullname}' command")
        }
        Denial::Key => {
            "NOPERM this user has no permissions to access one of the keys used as arguments".into()
        }
        Denial::Channel => {
            "NOPERM this user has no permissions to access one of the channels used as arguments"
                .into()
        }
    }
}

/// ACL WHOAMI
pub fn acl_whoami(ctx: &mut Ctx) -> CmdResult {
    let name = ctx.srv.acl.name(ctx.client.user).to_vec();
    ctx.out.bulk(&name);
    Ok(())
}

/// ACL USERS
pub fn acl_users(ctx: &mut Ctx) -> CmdResult {
    let names: Vec<Vec<u8>> = ctx.srv.acl.by_name.keys().cloned().collect();
    ctx.out.bulk_array(&names);
    Ok(())
}

/// ACL LIST
pub fn acl_list(ctx: &mut Ctx) -> CmdResult {
    let acl = &ctx.srv.acl;
    let lines: Vec<Vec<u8>> = acl
        .by_name
        .values()
        .map(|&s| acl.users[s].describe())
        .collect();
    ctx.out.bulk_array(&lines);
    Ok(())
}

/// ACL GETUSER username
pub fn acl_getuser(ctx: &mut Ctx) -> CmdResult {
    let name = ctx.args().next_bytes()?;
    let Some(slot) = ctx.srv.acl.find(name) else {
        ctx.out.null();
        return Ok(());
    };
    let u = ctx.srv.acl.users[slot].clone();
    let out = &mut *ctx.out;
    out.map(6);
    out.bulk(b"flags");
    let flags = u.flags();
    out.set(flags.len());
    flags.iter().for_each(|f| out.bulk(f.as_bytes()));
    out.bulk(b"passwords");
    let hashes: Vec<String> = u.passwords.iter().map(acl::hex).collect();
    out.bulk_array(&hashes);
    write_selector(out, &u.root);
    out.bulk(b"selectors");
    out.array(u.selectors.len());
    for s in &u.selectors {
        out.map(3);
        write_selector(out, s);
    }
    Ok(())
}

fn write_selector(out: &mut crate::resp::Out, s: &acl::Selector) {
    out.bulk(b"commands");
    out.bulk(&s.describe_commands());
    out.bulk(b"keys");
    out.bulk(&s.describe_keys());
    out.bulk(b"channels");
    out.bulk(&s.describe_channels());
}

/// Applies SETUSER-style `rules` to `user`, all or nothing; the error is
/// Redis's SETUSER error text.
fn apply_rules(user: &mut User, rules: &[Bytes], all_channels: bool) -> Result<(), String> {
    let merged = acl::merge_selectors(rules).map_err(|start| {
        format!(
            "ERR Unmatched parenthesis in acl selector starting at '{}'.",
            String::from_utf8_lossy(&start)
        )
    })?;
    for op in &merged {
        user.apply(op, all_channels).map_err(|e| {
            format!(
                "ERR Error in ACL SETUSER modifier '{}': {}",
                String::from_utf8_lossy(op),
                e.text()
            )
        })?;
    }
    Ok(())
}

/// ACL SETUSER username [rule [rule ...]]
///
/// Side effects: clients authenticated as the user see its new
/// permissions from their next command on.
pub fn acl_setuser(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let name = a.next_bytes()?;
    let rules = a.rest();
    // Passwords in the rules stay out of MONITOR and the slow log.
    for (i, r) in rules.iter().enumerate() {
        if matches!(r.first(), Some(b'>' | b'<' | b'#' | b'!')) {
            ctx.redact(ctx.arg0 + 1 + i);
        }
    }
    if !valid_username(name) {
        return Err(CmdError::Msg(
            "ERR Usernames can't contain spaces or null characters",
        ));
    }
    let all_channels = ctx.srv.config.acl_pubsub_default_all;
    let mut user = match ctx.srv.acl.find(name) {
        Some(slot) => ctx.srv.acl.users[slot].clone(),
        None => User::new(ctx.srv.acl.commands(), name, all_channels),
    };
    apply_rules(&mut user, rules, all_channels).map_err(CmdError::Owned)?;
    ctx.srv.acl.put(user);
    ctx.out.ok();
    Ok(())
}

/// ACL DELUSER username [username ...]
///
/// Side effects: clients authenticated as a deleted user are closed.
pub fn acl_deluser(ctx: &mut Ctx) -> CmdResult {
    let mut deleted = 0;
    for name in ctx.args().rest() {
        if &name[..] == b"default" {
            return Err(CmdError::Msg("ERR The 'default' user cannot be removed"));
        }
        if let Some(slot) = ctx.srv.acl.remove(name) {
            deleted += 1;
            kill_clients_of(ctx, |s| s == slot);
        }
    }
    ctx.out.int(deleted);
    Ok(())
}

/// Closes every client whose user slot satisfies `doomed`: others as
/// soon as this command ends, the caller after its reply.
fn kill_clients_of(ctx: &mut Ctx, doomed: impl Fn(usize) -> bool) {
    let clients = &mut ctx.srv.clients;
    let keys: Vec<usize> = clients
        .iter()
        .filter(|(k, c)| doomed(c.state.user) && !clients.killed.contains(k))
        .map(|(k, _)| k)
        .collect();
    for &k in &keys {
        if let Some(c) = clients.get_mut(k) {
            c.state.closing = crate::conn::Closing::Asap;
        }
    }
    clients.killed.extend(keys);
    if doomed(ctx.client.user) {
        ctx.client.closing.raise(crate::conn::Closing::AfterReply);
    }
}

/// ACL CAT [category]
pub fn acl_cat(ctx: &mut Ctx) -> CmdResult {
    let Ok(cat) = ctx.args().next_bytes() else {
        ctx.out.bulk_array(CATEGORIES);
        return Ok(());
    };
    let Some(bit) = category_bit(cat) else {
        return Err(CmdError::Owned(format!(
            "ERR Unknown category '{}'",
            String::from_utf8_lossy(cat)
        )));
    };
    let commands = ctx.srv.acl.commands();
    let names: Vec<&str> = commands
        .in_order()
        .map(|id| commands.get(id))
        .filter(|c| c.categories & bit != 0)
        .map(|c| c.fullname.as_str())
        .collect();
    ctx.out.bulk_array(&names);
    Ok(())
}

/// ACL GENPASS [bits]
pub fn acl_genpass(ctx: &mut Ctx) -> CmdResult {
    let bits = match ctx.args().next_bytes() {
        Ok(b) => parse_i64(b).ok_or(CmdError::NotInteger)?,
        Err(_) => 256,
    };
    if !(1..=4096).contains(&bits) {
        return Err(CmdError::Msg("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096"));
    }
    let chars = (bits as usize).div_ceil(4);
    let mut raw = vec![0u8; chars.div_ceil(2)];
    random_bytes(&mut raw, &mut ctx.srv.rng);
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    ctx.out.bulk(&hex.as_bytes()[..chars]);
    Ok(())
}

/// Fills `buf` from the OS's random source (the server's PRNG if that
/// cannot be read).
fn random_bytes(buf: &mut [u8], rng: &mut crate::util::Rng) {
    use std::io::Read;
    let os = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(buf));
    if os.is_err() {
        for b in buf.iter_mut() {
            *b = rng.next_u64() as u8;
        }
    }
}

/// ACL LOG [count | RESET]
pub fn acl_log(ctx: &mut Ctx) -> CmdResult {
    let mut count = 10;
    if let Ok(arg) = ctx.args().next_bytes() {
        if is(arg, "reset") {
            ctx.srv.acl.log.clear();
            ctx.out.ok();
            return Ok(());
        }
        count = parse_i64(arg)
            .filter(|&n| n >= 0)
            .ok_or(CmdError::NotInteger)? as usize;
    }
    let now = ctx.now();
    let entries: Vec<Entry> = ctx
        .srv
        .acl
        .log
        .entries()
        .iter()
        .take(count)
        .cloned()
        .collect();
    let out = &mut *ctx.out;
    out.array(entries.len());
    for e in entries {
        out.map(7);
        out.bulk(b"count");
        out.int(e.count as i64);
        out.bulk(b"reason");
        out.bulk(e.reason.as_bytes());
        out.bulk(b"context");
        out.bulk(e.context.as_bytes());
        out.bulk(b"object");
        out.bulk(&e.object);
        out.bulk(b"username");
        out.bulk(&e.username);
        out.bulk(b"age-seconds");
        out.double((now - e.ctime) as f64 / 1000.0);
        out.bulk(b"client-info");
        out.bulk(e.client_info.as_bytes());
    }
    Ok(())
}

/// ACL DRYRUN username command [arg ...]
pub fn acl_dryrun(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let name = a.next_bytes()?;
    let argv = a.rest();
    let Some(slot) = ctx.srv.acl.find(name) else {
        return Err(CmdError::Owned(format!(
            "ERR User '{}' not found",
            String::from_utf8_lossy(name)
        )));
    };
    let (spec, parent) = match super::resolve(argv) {
        super::Resolved::Ok(s, p, _) => (s, p),
        super::Resolved::Arity(s, p, _) => {
            return Err(CmdError::Owned(format!(
                "ERR wrong number of arguments for '{}' command",
                super::fullname(s, p)
            )))
        }
        super::Resolved::Err(_) => {
            return Err(CmdError::Owned(format!(
                "ERR Command '{}' not found",
                String::from_utf8_lossy(&argv[0])
            )))
        }
    };
    match ctx.srv.acl.users[slot].check(super::command_id(spec, parent), argv) {
        Ok(()) => ctx.out.ok(),
        Err((d, pos)) => {
            let what = String::from_utf8_lossy(&argv[pos]);
            let msg = match d {
                Denial::Command => format!(
                    "This user has no permissions to run the '{}' command",
                    super::fullname(spec, parent)
                ),
                Denial::Key => format!("This user has no permissions to access the '{what}' key"),
                Denial::Channel => {
                    format!("This user has no permissions to access the '{what}' channel")
                }
            };
            ctx.out.bulk(msg.as_bytes());
        }
    }
    Ok(())
}

const NO_ACLFILE: &str = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.";

/// ACL SAVE
pub fn acl_save(ctx: &mut Ctx) -> CmdResult {
    let path = ctx.srv.config.aclfile.clone();
    if path.is_empty() {
        return Err(CmdError::Msg(NO_ACLFILE));
    }
    let mut text = Vec::new();
    for &slot in ctx.srv.acl.by_name.values() {
        text.extend_from_slice(&ctx.srv.acl.users[slot].describe());
        text.push(b'\n');
    }
    let tmp = format!("{path}.tmp-{}", std::process::id());
    let written = std::fs::write(&tmp, text).and_then(|_| std::fs::rename(&tmp, &path));
    if let Err(e) = written {
        log::warn!("Saving the ACL file {path}: {e}");
        let _ = std::fs::remove_file(&tmp);
        return Err(CmdError::Msg(
            "ERR There was an error trying to save the ACLs. Please check the server logs for more information",
        ));
    }
    ctx.out.ok();
    Ok(())
}

/// ACL LOAD
///
/// Side effects: every client authenticated as a user other than
/// `default` is closed, as Redis 7.0 does (its users are new objects).
pub fn acl_load(ctx: &mut Ctx) -> CmdResult {
    let path = ctx.srv.config.aclfile.clone();
    if path.is_empty() {
        return Err(CmdError::Msg(NO_ACLFILE));
    }
    let all_channels = ctx.srv.config.acl_pubsub_default_all;
    let users = load_file(ctx.srv.acl.commands(), &path, all_channels)
        .map_err(|e| CmdError::Owned(format!("ERR {e}")))?;
    ctx.srv.acl.install(users);
    kill_clients_of(ctx, |s| s != 0);
    ctx.out.ok();
    Ok(())
}

/// ACL HELP
pub fn acl_help(ctx: &mut Ctx) -> CmdResult {
    super::server::reply_help(
        ctx,
        &[
            "CAT [<category>]",
            "    List all commands that belong to <category>, or all command categories",
            "    when no category is specified.",
            "DELUSER <username> [<username> ...]",
            "    Delete a list of users.",
            "DRYRUN <username> <command> [<arg> ...]",
            "    Returns whether the user can execute the given command without executing the command.",
            "GETUSER <username>",
            "    Get the user's details.",
            "GENPASS [<bits>]",
            "    Generate a secure 256-bit user password. The optional `bits` argument can",
            "    be used to specify a different size.",
            "LIST",
            "    Show users details in config file format.",
            "LOAD",
            "    Reload users from the ACL file.",
            "LOG [<count> | RESET]",
            "    Show the ACL log entries.",
            "SAVE",
            "    Save the current config to the ACL file.",
            "SETUSER <username> <attribute> [<attribute> ...]",
            "    Create or modify a user with the specified attributes.",
            "USERS",
            "    List all the registered usernames.",
            "WHOAMI",
            "    Return the current connection username.",
        ],
    );
    Ok(())
}

/// The ACL's rules, descriptions and file, over the real command table.
#[cfg(test)]
mod tests {
    use super::super::catalogue;
    use crate::acl::file::parse_file;
    use crate::acl::{hex, RuleError, User};

    fn user(rules: &[&str]) -> User {
        let mut u = User::new(catalogue(), b"u", false);
        for r in rules {
            u.apply(r.as_bytes(), false).unwrap();
        }
        u
    }

    /// Patterns need not be UTF-8: two that differ only in invalid bytes
    /// stay apart through describe and the ACL file (found by the
    /// acl_rules fuzz target when describe was lossy text).
    #[test]
    fn binary_patterns_survive_describe_and_reload() {
        let mut u = User::new(catalogue(), b"u", false);
        for r in [&b"~a\xff*"[..], b"~a\xfe*", b"&c\x80"] {
            u.apply(r, false).unwrap();
        }
        let line = u.describe();
        let back = parse_file(catalogue(), &line, "t.acl", false).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].describe(), line);
        assert_eq!(back[0].root.describe_keys(), b"~a\xff* ~a\xfe*".to_vec());
    }

    #[test]
    fn describes_like_redis() {
        assert_eq!(
            String::from_utf8_lossy(&User::default_user(catalogue()).describe()),
            "user default on nopass ~* &* +@all"
        );
        let u = user(&[
            "on",
            "~foo*",
            "%R~bar*",
            "&ch*",
            "-@all",
            "+@string",
            "-set",
            "+select|0",
        ]);
        assert_eq!(
            String::from_utf8_lossy(&u.describe()),
            "user u on ~foo* %R~bar* resetchannels &ch* -@all +@string +select|0 -set"
        );
        assert_eq!(
            String::from_utf8_lossy(&user(&["+@all", "-@dangerous"]).root.describe_commands()),
            "+@all -@dangerous"
        );
        assert_eq!(
            String::from_utf8_lossy(&user(&["%R~a", "%W~a"]).root.describe_keys()),
            "~a"
        );
    }

    #[test]
    fn rule_errors() {
        let mut u = User::new(catalogue(), b"u", false);
        assert_eq!(u.apply(b"foo", false), Err(RuleError::Syntax));
        assert_eq!(u.apply(b"+nosuch", false), Err(RuleError::Unknown));
        assert_eq!(u.apply(b"+get|", false), Err(RuleError::Syntax));
        assert_eq!(
            u.apply(b"+config|get|x", false),
            Err(RuleError::SubFirstArg)
        );
        assert_eq!(u.apply(b"-select|0", false), Err(RuleError::Unknown));
        assert_eq!(u.apply(b"%X~a", false), Err(RuleError::Syntax));
        assert_eq!(u.apply(b"%~a", false), Err(RuleError::Syntax));
        assert_eq!(u.apply(b"!abc", false), Err(RuleError::BadHash));
        assert_eq!(u.apply(b"<nope", false), Err(RuleError::NoSuchPassword));
        u.apply(b"allkeys", false).unwrap();
        assert_eq!(u.apply(b"~a", false), Err(RuleError::KeysAfterAll));
    }

    #[test]
    fn passwords_are_hashed() {
        let u = user(&["on", ">secret"]);
        assert!(u.password_ok(b"secret"));
        assert!(!u.password_ok(b"secreT"));
        assert_eq!(
            hex(&u.passwords[0]),
            "2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"
        );
    }

    /// Found by the `acl_rules` fuzz target: a key pattern holding '\r'
    /// was accepted, and the ACL file line ACL SAVE writes for it did not
    /// load. Redis refuses patterns with any `isspace` byte.
    #[test]
    fn patterns_with_whitespace_are_refused() {
        let mut u = User::new(catalogue(), b"u", false);
        for op in ["~a\rb", "~a\tb", "%R~a\x0bb", "~a b", "&c\nd"] {
            assert_eq!(
                u.apply(op.as_bytes(), false),
                Err(RuleError::Syntax),
                "{op:?}"
            );
        }
        assert_eq!(u.describe(), User::new(catalogue(), b"u", false).describe());
    }
}
