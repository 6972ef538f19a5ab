//! The ACL command and the ACL log (Redis's `acl.c`, command half). Users,
//! rules and the permission check are in [`crate::acl`].

use std::collections::VecDeque;

use bytes::Bytes;

use super::args::is;
use super::{CmdError, CmdResult, Ctx};
use crate::acl::{self, Denial, User, CATEGORIES};
use crate::util::parse_i64;

/// Entries within this many ms of an equal one are merged into it.
const MERGE_MS: i64 = 60_000;

/// One ACL LOG entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// How many times it happened.
    pub count: u64,
    /// `command`, `key`, `channel` or `auth`.
    pub reason: &'static str,
    /// `toplevel` or `multi`.
    pub context: &'static str,
    /// The command, key or channel refused.
    pub object: Vec<u8>,
    /// Who.
    pub username: Vec<u8>,
    /// Last time, Unix ms.
    pub ctime: i64,
    /// CLIENT INFO of the client, last time.
    pub client_info: String,
}

/// The ACL log: newest first.
#[derive(Debug, Default)]
pub struct Log {
    entries: VecDeque<Entry>,
}

impl Log {
    /// Adds `e`, or counts it on a recent equal entry (among the 10
    /// newest) and moves that entry to the front, as Redis's
    /// `addACLLogEntry`.
    pub fn add(&mut self, mut e: Entry, max_len: usize) {
        let same = self.entries.iter().take(10).position(|o| {
            o.reason == e.reason
                && o.context == e.context
                && o.object == e.object
                && o.username == e.username
                && e.ctime - o.ctime < MERGE_MS
        });
        if let Some(old) = same.and_then(|i| self.entries.remove(i)) {
            e.count = old.count + 1;
        }
        self.entries.push_front(e);
        self.entries.truncate(max_len);
    }
}

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

/// Whether a username is acceptable (no spaces, no NULs).
fn valid_username(name: &[u8]) -> bool {
    !name.iter().any(|&c| c == b' ' || c == 0)
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
        None => User::new(name, all_channels),
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
    let Some(bit) = acl::category_bit(cat) else {
        return Err(CmdError::Owned(format!(
            "ERR Unknown category '{}'",
            String::from_utf8_lossy(cat)
        )));
    };
    let ids = acl::ids();
    let names: Vec<String> = (0..ids.specs.len())
        .filter(|&id| ids.cats[id] & bit != 0)
        .map(|id| ids.fullname(id))
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
            ctx.srv.acl.log.entries.clear();
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
        .entries
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
    match ctx.srv.acl.users[slot].check(spec, argv) {
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
    let users = load_file(&path, ctx.srv.config.acl_pubsub_default_all)
        .map_err(|e| CmdError::Owned(format!("ERR {e}")))?;
    install(ctx.srv, users);
    kill_clients_of(ctx, |s| s != 0);
    ctx.out.ok();
    Ok(())
}

/// Replaces every user with `users` (the default user keeps slot 0).
pub fn install(st: &mut crate::state::State, users: Vec<User>) {
    let mut acl = crate::acl::Acl::new();
    acl.log = std::mem::take(&mut st.acl.log);
    for u in users {
        acl.put(u);
    }
    st.acl = acl;
}

/// Reads an ACL file (Redis's `ACLLoadFromFile`): every user, or the
/// errors Redis reports, all of them.
pub fn load_file(path: &str, all_channels: bool) -> Result<Vec<User>, String> {
    let text = std::fs::read(path)
        .map_err(|e| format!("Error loading ACLs, opening file '{path}': {e}"))?;
    parse_file(&text, path, all_channels)
}

/// The ACL file `text` (read from `path`, which only names it in errors)
/// as users, or every error found, as [`load_file`] reports them. Users'
/// [`User::describe`] lines read back as the same users.
pub fn parse_file(text: &[u8], path: &str, all_channels: bool) -> Result<Vec<User>, String> {
    let mut errors = String::new();
    let mut users: Vec<User> = Vec::new();
    for (n, line) in text.split(|&c| c == b'\n').enumerate() {
        let n = n + 1;
        let words: Vec<Bytes> = line
            .split(|c| c.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
            .map(Bytes::copy_from_slice)
            .collect();
        if words.is_empty() {
            continue;
        }
        if &words[0][..] != b"user" || words.len() < 2 {
            errors.push_str(&format!(
                "{path}:{n} should start with user keyword followed by the username. "
            ));
            continue;
        }
        let name = &words[1];
        if !valid_username(name) {
            errors.push_str(&format!(
                "{path}:{n}: username '{}' contains invalid characters. ",
                String::from_utf8_lossy(name)
            ));
            continue;
        }
        if users.iter().any(|u| u.name == name[..]) {
            errors.push_str(&format!(
                "WARNING: Duplicate user '{}' found on line {n}. ",
                String::from_utf8_lossy(name)
            ));
            continue;
        }
        let mut user = User::new(name, all_channels);
        let Ok(ops) = acl::merge_selectors(&words[2..]) else {
            errors.push_str(&format!(
                "{path}:{n}: Unmatched parenthesis in selector definition. "
            ));
            continue;
        };
        let mut syntax_error = false;
        for op in &ops {
            if let Err(e) = user.apply(op, all_channels) {
                if e == acl::RuleError::Unknown {
                    errors.push_str(&format!(
                        "{path}:{n}: Error in applying operation '{}': {}. ",
                        String::from_utf8_lossy(op),
                        e.text()
                    ));
                } else if !syntax_error {
                    errors.push_str(&format!("{path}:{n}: {}. ", e.text()));
                    syntax_error = true;
                }
            }
        }
        users.push(user);
    }
    if errors.is_empty() {
        Ok(users)
    } else {
        errors.push_str(
            "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
        );
        Err(errors)
    }
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
