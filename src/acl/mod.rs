//! Access control lists: users, their passwords (SHA-256 only), the rule
//! language of ACL SETUSER, the description ACL LIST and GETUSER print,
//! the permission check `cmd::call` runs before a command, the ACL log
//! ([`log`]) and the ACL file ([`file`]).
//!
//! As in Redis 7.0, a user has flags (on/off, nopass, sanitize-payload), a
//! list of password hashes, a root *selector* and optional extra selectors.
//! A selector is a bitmap of allowed commands (one bit per command and
//! subcommand of the table, by [`CommandId`] over the [`Catalogue`] the
//! server hands to [`Acl::new`]), allowed first arguments
//! (`+select|0`), key patterns with read/write permissions and channel
//! patterns. A command runs if any selector allows it.
//!
//! The rule string (`-@all +@string -set`) is not stored: like Redis 7.0
//! it is recomputed from the bitmap, picking categories greedily and then
//! single commands. Redis emits the single commands in the order of its
//! command hash table, which changes from run to run; we emit them in
//! table order.

pub mod file;
pub mod log;

use std::collections::BTreeMap;

use bytes::Bytes;
use sha2::{Digest, Sha256};
use slab::Slab;

use crate::cmdinfo::keyspec::{self, flags as kf};
use crate::cmdinfo::{docs, flags, Catalogue, CommandId, CATEGORIES};
use crate::util::glob_match;

/// The commands a selector's bitmap is over: the process's one
/// [`Catalogue`], so selectors compare equal by their rules alone.
#[derive(Clone, Copy)]
struct Commands(&'static Catalogue);

impl PartialEq for Commands {
    fn eq(&self, other: &Commands) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for Commands {}

impl std::fmt::Debug for Commands {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Key pattern permissions.
const READ: u8 = 1;
const WRITE: u8 = 2;

/// What a rule did wrong; renders Redis's explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleError {
    /// EINVAL
    Syntax,
    /// ENOENT
    Unknown,
    /// EEXIST
    KeysAfterAll,
    /// EISDIR
    ChannelsAfterAll,
    /// ENODEV
    NoSuchPassword,
    /// EBADMSG
    BadHash,
    /// ECHILD
    SubFirstArg,
}

impl RuleError {
    /// Redis's `ACLSetUserStringError` text.
    pub fn text(self) -> &'static str {
        match self {
            RuleError::Syntax => "Syntax error",
            RuleError::Unknown => "Unknown command or category name in ACL",
            RuleError::KeysAfterAll => "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
            RuleError::ChannelsAfterAll => "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
            RuleError::NoSuchPassword => {
                "The password you are trying to remove from the user does not exist"
            }
            RuleError::BadHash => "The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
            RuleError::SubFirstArg => "Allowing first-arg of a subcommand is not supported",
        }
    }
}

/// One selector: which commands, keys and channels it allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// Every command is allowed: set by `+@all`/`allcommands`, cleared
    /// as soon as any command is taken away (the check's fast path).
    pub all_commands: bool,
    /// Redis's reserved command bit: set by `+@all`, cleared only by
    /// `-@all`; decides whether descriptions start with `+@all`.
    future: bool,
    /// `allkeys` / `~*`.
    pub all_keys: bool,
    /// `allchannels` / `&*`.
    pub all_channels: bool,
    commands: Commands,
    /// One bit per command, by [`CommandId`].
    allowed: Vec<u64>,
    first_args: BTreeMap<CommandId, Vec<Vec<u8>>>,
    patterns: Vec<(u8, Vec<u8>)>,
    channels: Vec<Vec<u8>>,
}

impl Selector {
    /// A selector over `commands` that allows nothing (channels per
    /// `acl-pubsub-default`).
    pub fn new(commands: &'static Catalogue, all_channels: bool) -> Selector {
        Selector {
            all_commands: false,
            future: false,
            all_keys: false,
            all_channels,
            commands: Commands(commands),
            allowed: vec![0; commands.len().div_ceil(64)],
            first_args: BTreeMap::new(),
            patterns: Vec::new(),
            channels: Vec::new(),
        }
    }

    fn bit(&self, id: CommandId) -> bool {
        let id = id.index();
        self.allowed[id / 64] & (1 << (id % 64)) != 0
    }

    fn set_bit(&mut self, id: CommandId, on: bool) {
        let id = id.index();
        if on {
            self.allowed[id / 64] |= 1 << (id % 64);
        } else {
            self.allowed[id / 64] &= !(1 << (id % 64));
            self.all_commands = false;
        }
    }

    /// Redis's `ACLChangeSelectorPerm`: the command and its subcommands,
    /// forgetting first-arg exceptions.
    fn change_perm(&mut self, id: CommandId, on: bool) {
        self.set_bit(id, on);
        self.first_args.remove(&id);
        for &c in &self.commands.0.get(id).subcommands {
            self.set_bit(c, on);
            self.first_args.remove(&c);
        }
    }

    fn set_category(&mut self, cat: u32, on: bool) {
        let commands = self.commands.0;
        for &id in commands.top() {
            if commands.get(id).categories & cat != 0 {
                self.change_perm(id, on);
            }
            for &c in &commands.get(id).subcommands {
                if commands.get(c).categories & cat != 0 {
                    self.change_perm(c, on);
                }
            }
        }
    }

    fn set_all(&mut self, on: bool) {
        let fill = if on { u64::MAX } else { 0 };
        self.allowed.iter_mut().for_each(|w| *w = fill);
        self.all_commands = on;
        self.future = on;
        self.first_args.clear();
    }

    /// Applies one selector rule (Redis's `ACLSetSelector`).
    pub fn apply(&mut self, op: &[u8]) -> Result<(), RuleError> {
        let is = |w: &str| op.eq_ignore_ascii_case(w.as_bytes());
        if is("allkeys") || op == b"~*" {
            self.all_keys = true;
            self.patterns.clear();
        } else if is("resetkeys") {
            self.all_keys = false;
            self.patterns.clear();
        } else if is("allchannels") || op == b"&*" {
            self.all_channels = true;
            self.channels.clear();
        } else if is("resetchannels") {
            self.all_channels = false;
            self.channels.clear();
        } else if is("allcommands") || is("+@all") {
            self.set_all(true);
        } else if is("nocommands") || is("-@all") {
            self.set_all(false);
        } else if op.first() == Some(&b'~') || op.first() == Some(&b'%') {
            self.add_key_pattern(op)?;
        } else if op.first() == Some(&b'&') {
            if self.all_channels {
                return Err(RuleError::ChannelsAfterAll);
            }
            if has_space(op) {
                return Err(RuleError::Syntax);
            }
            let ch = op[1..].to_vec();
            if !self.channels.contains(&ch) {
                self.channels.push(ch);
            }
        } else if op.len() > 2 && (op[0] == b'+' || op[0] == b'-') && op[1] == b'@' {
            let cat = crate::cmdinfo::category_bit(&op[2..]).ok_or(RuleError::Unknown)?;
            self.set_category(cat, op[0] == b'+');
        } else if op.len() > 1 && (op[0] == b'+' || op[0] == b'-') {
            self.command_rule(&op[1..], op[0] == b'+')?;
        } else {
            return Err(RuleError::Syntax);
        }
        Ok(())
    }

    fn add_key_pattern(&mut self, op: &[u8]) -> Result<(), RuleError> {
        if self.all_keys {
            return Err(RuleError::KeysAfterAll);
        }
        let (flags, pat) = if op[0] == b'%' {
            let mut flags = 0;
            let mut i = 1;
            loop {
                match op.get(i).map(u8::to_ascii_uppercase) {
                    Some(b'R') if flags & READ == 0 => flags |= READ,
                    Some(b'W') if flags & WRITE == 0 => flags |= WRITE,
                    Some(b'~') => {
                        i += 1;
                        break;
                    }
                    _ => return Err(RuleError::Syntax),
                }
                i += 1;
            }
            if flags == 0 || i > op.len() {
                return Err(RuleError::Syntax);
            }
            (flags, &op[i..])
        } else {
            (READ | WRITE, &op[1..])
        };
        if has_space(pat) {
            return Err(RuleError::Syntax);
        }
        if pat == b"*" && flags == READ | WRITE {
            self.all_keys = true;
            self.patterns.clear();
        } else if let Some(p) = self.patterns.iter_mut().find(|p| p.1 == pat) {
            p.0 |= flags;
        } else {
            self.patterns.push((flags, pat.to_vec()));
        }
        Ok(())
    }

    /// `+cmd`, `-cmd`, `+cmd|sub`, `+cmd|firstarg`.
    fn command_rule(&mut self, name: &[u8], allow: bool) -> Result<(), RuleError> {
        let commands = self.commands.0;
        let Some(bar) = name.iter().rposition(|&c| c == b'|') else {
            let id = commands.lookup(name).ok_or(RuleError::Unknown)?;
            self.change_perm(id, allow);
            return Ok(());
        };
        let (head, sub) = (&name[..bar], &name[bar + 1..]);
        // `a|b|c`: Redis looks up `a|b`, a subcommand, which takes no
        // first-args.
        if let Some(inner) = head.iter().position(|&c| c == b'|') {
            let parent = commands.lookup(&head[..inner]).ok_or(RuleError::Unknown)?;
            commands
                .lookup_sub(parent, &head[inner + 1..])
                .ok_or(RuleError::Unknown)?;
            return Err(RuleError::SubFirstArg);
        }
        let parent = commands.lookup(head).ok_or(RuleError::Unknown)?;
        if sub.is_empty() {
            return Err(RuleError::Syntax);
        }
        if !commands.get(parent).subcommands.is_empty() {
            let id = commands.lookup_sub(parent, sub).ok_or(RuleError::Unknown)?;
            self.change_perm(id, allow);
        } else if !allow {
            return Err(RuleError::Unknown);
        } else {
            let list = self.first_args.entry(parent).or_default();
            let sub = sub.to_ascii_lowercase();
            if !list.contains(&sub) {
                list.push(sub);
            }
        }
        Ok(())
    }

    /// The rule string (`+@all -@dangerous`, `-@all +get`), Redis 7.0's
    /// `ACLDescribeSelectorCommandRules`.
    pub fn describe_commands(&self) -> Vec<u8> {
        let commands = self.commands.0;
        let additive = !self.future;
        let mut rules: Vec<u8> = if additive { b"-@all " } else { b"+@all " }.to_vec();
        let mut fake = Selector::new(commands, false);
        fake.set_all(!additive);
        // Categories, best fit first, on a copy from which each applied
        // category is taken away.
        let mut temp = self.clone();
        let mut applied = [false; 32];
        loop {
            let mut best = None;
            let (mut mindiff, mut maxsame) = (u64::MAX, 0);
            for (j, _) in CATEGORIES.iter().enumerate() {
                if applied[j] {
                    continue;
                }
                let (on, off) = temp.count_category(1 << j);
                let (diff, same) = if additive { (off, on) } else { (on, off) };
                if same > diff && (diff < mindiff || (diff == mindiff && same > maxsame)) {
                    best = Some(j);
                    mindiff = diff;
                    maxsame = same;
                }
            }
            let Some(j) = best else { break };
            fake.set_category(1 << j, additive);
            temp.set_category(1 << j, !additive);
            rules.extend_from_slice(if additive { b"+@" } else { b"-@" });
            rules.extend_from_slice(CATEGORIES[j].as_bytes());
            rules.push(b' ');
            applied[j] = true;
        }
        // Then single commands and first-args.
        for &id in commands.top() {
            self.describe_single(&mut fake, &mut rules, id);
            for &c in &commands.get(id).subcommands {
                self.describe_single(&mut fake, &mut rules, c);
            }
            if !self.bit(id) {
                for a in self.first_args.get(&id).into_iter().flatten() {
                    rules.push(b'+');
                    rules.extend_from_slice(commands.get(id).fullname.as_bytes());
                    rules.push(b'|');
                    rules.extend_from_slice(a);
                    rules.push(b' ');
                }
            }
        }
        rules.pop();
        rules
    }

    fn describe_single(&self, fake: &mut Selector, rules: &mut Vec<u8>, id: CommandId) {
        let user = self.bit(id);
        if user != fake.bit(id) {
            rules.push(if user { b'+' } else { b'-' });
            rules.extend_from_slice(self.commands.0.get(id).fullname.as_bytes());
            rules.push(b' ');
            fake.change_perm(id, user);
        }
    }

    /// Commands of category `cat` allowed and not (subcommands included).
    fn count_category(&self, cat: u32) -> (u64, u64) {
        let commands = self.commands.0;
        let (mut on, mut off) = (0, 0);
        for id in (0..commands.len()).map(CommandId::new) {
            if commands.get(id).categories & cat != 0 {
                if self.bit(id) {
                    on += 1;
                } else {
                    off += 1;
                }
            }
        }
        (on, off)
    }

    /// Key patterns as ACL LIST shows them (`~*` for allkeys).
    pub fn describe_keys(&self) -> Vec<u8> {
        if self.all_keys {
            return b"~*".to_vec();
        }
        let mut s = Vec::new();
        for (f, p) in &self.patterns {
            if !s.is_empty() {
                s.push(b' ');
            }
            s.extend_from_slice(match *f {
                READ => b"%R~",
                WRITE => b"%W~",
                _ => b"~",
            });
            s.extend_from_slice(p);
        }
        s
    }

    /// Channel patterns as GETUSER shows them (`&*` for allchannels).
    pub fn describe_channels(&self) -> Vec<u8> {
        if self.all_channels {
            return b"&*".to_vec();
        }
        let parts: Vec<Vec<u8>> = self
            .channels
            .iter()
            .map(|c| [&b"&"[..], c].concat())
            .collect();
        parts.join(&b' ')
    }

    /// The selector as ACL LIST shows it (Redis's `ACLDescribeSelector`).
    /// Bytes: patterns need not be UTF-8, and ACL SAVE must write them
    /// back as they are.
    pub fn describe(&self) -> Vec<u8> {
        let mut s = Vec::new();
        let keys = self.describe_keys();
        if !keys.is_empty() {
            s.extend_from_slice(&keys);
            s.push(b' ');
        }
        if self.all_channels {
            s.extend_from_slice(b"&* ");
        } else {
            s.extend_from_slice(b"resetchannels ");
            let ch = self.describe_channels();
            if !ch.is_empty() {
                s.extend_from_slice(&ch);
                s.push(b' ');
            }
        }
        s.extend_from_slice(&self.describe_commands());
        s
    }

    /// Redis's `ACLSelectorCheckCmd`.
    fn check(&self, id: CommandId, argv: &[Bytes], keys: &mut Keys) -> Check {
        let commands = self.commands.0;
        if !self.all_commands && !commands.has(id, flags::NO_AUTH) && !self.bit(id) {
            let ok = argv.len() >= 2
                && self
                    .first_args
                    .get(&id)
                    .is_some_and(|l| l.iter().any(|a| a.eq_ignore_ascii_case(&argv[1])));
            if !ok {
                return Check::Denied(Denial::Command, 0);
            }
        }
        if !self.all_keys {
            for k in keys.get(commands, id, argv) {
                if !self.key_allowed(&argv[k.pos], k.flags) {
                    return Check::Denied(Denial::Key, k.pos);
                }
            }
        }
        if !self.all_channels {
            for (pos, pattern) in channels(commands.get(id).name, argv) {
                let ch = &argv[pos];
                let ok = self.channels.iter().any(|p| {
                    if pattern {
                        p == ch
                    } else {
                        glob_match(p, ch, false)
                    }
                });
                if !ok {
                    return Check::Denied(Denial::Channel, pos);
                }
            }
        }
        Check::Ok
    }

    fn key_allowed(&self, key: &[u8], spec_flags: u32) -> bool {
        let mut need = 0;
        if spec_flags & kf::ACCESS != 0 {
            need |= READ;
        }
        if spec_flags & (kf::INSERT | kf::DELETE | kf::UPDATE) != 0 {
            need |= WRITE;
        }
        self.patterns
            .iter()
            .any(|(f, p)| f & need == need && glob_match(p, key, false))
    }
}

/// The keys of the command being checked, found once for all selectors.
struct Keys(Option<Vec<keyspec::KeyRef>>);

impl Keys {
    fn get(&mut self, commands: &Catalogue, id: CommandId, argv: &[Bytes]) -> &[keyspec::KeyRef] {
        self.0.get_or_insert_with(|| {
            let name = &commands.get(id).fullname;
            let specs = docs::meta(name).map_or(&[][..], |m| &m.key_specs[..]);
            if keyspec::has_keys(name, specs) {
                keyspec::get_keys(name, specs, argv)
            } else {
                Vec::new()
            }
        })
    }
}

/// The channel arguments Pub/Sub commands publish or subscribe to, and
/// whether they are patterns (matched literally against the user's list).
fn channels(name: &str, argv: &[Bytes]) -> Vec<(usize, bool)> {
    match name {
        "subscribe" | "ssubscribe" => (1..argv.len()).map(|i| (i, false)).collect(),
        "psubscribe" => (1..argv.len()).map(|i| (i, true)).collect(),
        "publish" | "spublish" if argv.len() > 1 => vec![(1, false)],
        _ => Vec::new(),
    }
}

/// Why a command was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Denial {
    /// ACL_DENIED_CMD
    Command = 1,
    /// ACL_DENIED_KEY
    Key = 2,
    /// ACL_DENIED_CHANNEL
    Channel = 4,
}

enum Check {
    Ok,
    Denied(Denial, usize),
}

/// Whether `s` holds a byte C's `isspace` accepts (Redis's
/// `ACLStringHasSpaces`): such a pattern could not be written to an ACL
/// file and read back, whose words are split at whitespace.
fn has_space(s: &[u8]) -> bool {
    s.iter().any(|&c| crate::util::is_c_space(c))
}

/// A user (Redis's `user`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The name.
    pub name: Vec<u8>,
    /// `on`.
    pub enabled: bool,
    /// `nopass`: any password works.
    pub nopass: bool,
    /// `sanitize-payload` (true) / `skip-sanitize-payload` (false).
    pub sanitize: Option<bool>,
    /// SHA-256 of each password.
    pub passwords: Vec<[u8; 32]>,
    /// The root selector.
    pub root: Selector,
    /// Further selectors (`(...)` rules).
    pub selectors: Vec<Selector>,
}

/// SHA-256 of a password.
pub fn hash(pass: &[u8]) -> [u8; 32] {
    Sha256::digest(pass).into()
}

/// Hex of a hash, as ACL LIST prints it.
pub fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

fn parse_hex(s: &[u8]) -> Result<[u8; 32], RuleError> {
    if s.len() != 64 {
        return Err(RuleError::BadHash);
    }
    let mut h = [0; 32];
    for (i, pair) in s.chunks(2).enumerate() {
        let digit = |c: u8| match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            _ => Err(RuleError::BadHash),
        };
        h[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Ok(h)
}

/// Compares two hashes in time independent of where they differ.
fn same_hash(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl User {
    /// A new user as ACL SETUSER creates it: off, no passwords, nothing
    /// allowed.
    pub fn new(commands: &'static Catalogue, name: &[u8], all_channels: bool) -> User {
        User {
            name: name.to_vec(),
            enabled: false,
            nopass: false,
            sanitize: None,
            passwords: Vec::new(),
            root: Selector::new(commands, all_channels),
            selectors: Vec::new(),
        }
    }

    /// The default user: on, nopass, everything allowed.
    pub fn default_user(commands: &'static Catalogue) -> User {
        let mut u = User::new(commands, b"default", true);
        u.enabled = true;
        u.nopass = true;
        u.root.all_keys = true;
        u.root.set_all(true);
        u
    }

    /// Whether the root selector allows everything, so the per-command
    /// check can be skipped.
    pub fn unrestricted(&self) -> bool {
        self.root.all_commands && self.root.all_keys && self.root.all_channels
    }

    /// Whether `pass` logs in as this user.
    pub fn password_ok(&self, pass: &[u8]) -> bool {
        if !self.enabled {
            return false;
        }
        if self.nopass {
            return true;
        }
        let h = hash(pass);
        // Every hash is compared, so timing does not tell which matched.
        self.passwords
            .iter()
            .fold(false, |ok, p| same_hash(p, &h) | ok)
    }

    /// Applies one rule (Redis's `ACLSetUser`); `(...)` adds a selector.
    pub fn apply(&mut self, op: &[u8], all_channels_default: bool) -> Result<(), RuleError> {
        let is = |w: &str| op.eq_ignore_ascii_case(w.as_bytes());
        if is("on") {
            self.enabled = true;
        } else if is("off") {
            self.enabled = false;
        } else if is("skip-sanitize-payload") {
            self.sanitize = Some(false);
        } else if is("sanitize-payload") {
            self.sanitize = Some(true);
        } else if is("nopass") {
            self.nopass = true;
            self.passwords.clear();
        } else if is("resetpass") {
            self.nopass = false;
            self.passwords.clear();
        } else if op.first() == Some(&b'>') || op.first() == Some(&b'#') {
            let h = if op[0] == b'>' {
                hash(&op[1..])
            } else {
                parse_hex(&op[1..])?
            };
            if !self.passwords.contains(&h) {
                self.passwords.push(h);
            }
            self.nopass = false;
        } else if op.first() == Some(&b'<') || op.first() == Some(&b'!') {
            let h = if op[0] == b'<' {
                hash(&op[1..])
            } else {
                parse_hex(&op[1..])?
            };
            let before = self.passwords.len();
            self.passwords.retain(|p| p != &h);
            if self.passwords.len() == before {
                return Err(RuleError::NoSuchPassword);
            }
            self.nopass = false;
        } else if op.first() == Some(&b'(') && op.last() == Some(&b')') && op.len() >= 2 {
            let mut s = Selector::new(self.root.commands.0, all_channels_default);
            for part in op[1..op.len() - 1].split(|&c| c == b' ') {
                if !part.is_empty() {
                    s.apply(part)?;
                }
            }
            self.selectors.push(s);
        } else if is("clearselectors") {
            self.selectors.clear();
        } else if is("reset") {
            self.nopass = false;
            self.passwords.clear();
            self.root = Selector::new(self.root.commands.0, all_channels_default);
            self.enabled = false;
            self.sanitize = Some(true);
            self.selectors.clear();
        } else {
            self.root.apply(op)?;
        }
        Ok(())
    }

    /// Flags as GETUSER lists them.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut f = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            f.push("nopass");
        }
        match self.sanitize {
            Some(false) => f.push("skip-sanitize-payload"),
            Some(true) => f.push("sanitize-payload"),
            None => {}
        }
        f
    }

    /// The user as one ACL LIST / aclfile line.
    pub fn describe(&self) -> Vec<u8> {
        let mut s = b"user ".to_vec();
        s.extend_from_slice(&self.name);
        for f in self.flags() {
            s.push(b' ');
            s.extend_from_slice(f.as_bytes());
        }
        for p in &self.passwords {
            s.extend_from_slice(b" #");
            s.extend_from_slice(hex(p).as_bytes());
        }
        s.push(b' ');
        s.extend_from_slice(&self.root.describe());
        for sel in &self.selectors {
            s.extend_from_slice(b" (");
            s.extend_from_slice(&sel.describe());
            s.push(b')');
        }
        s
    }

    /// Redis's `ACLCheckAllUserCommandPerm`: allowed if any selector
    /// allows it; else the most relevant refusal and the argument it
    /// concerns.
    pub fn check(&self, id: CommandId, argv: &[Bytes]) -> Result<(), (Denial, usize)> {
        let mut keys = Keys(None);
        let mut worst = (Denial::Command, 0);
        for sel in std::iter::once(&self.root).chain(&self.selectors) {
            match sel.check(id, argv, &mut keys) {
                Check::Ok => return Ok(()),
                Check::Denied(d, pos) => {
                    if d > worst.0 || (d == worst.0 && pos > worst.1) {
                        worst = (d, pos);
                    }
                }
            }
        }
        Err(worst)
    }
}

/// Splits SETUSER arguments, merging `(...)` selectors spread over
/// several arguments (Redis's `ACLMergeSelectorArguments`). `Err` holds
/// the argument an unclosed selector starts at.
pub fn merge_selectors(args: &[Bytes]) -> Result<Vec<Vec<u8>>, Vec<u8>> {
    let mut out = Vec::new();
    let mut open: Option<Vec<u8>> = None;
    for a in args {
        if let Some(cur) = open.as_mut() {
            cur.push(b' ');
            cur.extend_from_slice(a);
            if a.last() == Some(&b')') {
                out.extend(open.take());
            }
        } else if a.first() == Some(&b'(') && a.last() != Some(&b')') {
            open = Some(a.to_vec());
        } else {
            out.push(a.to_vec());
        }
    }
    match open {
        Some(o) => Err(o),
        None => Ok(out),
    }
}

/// The user table. Slot 0 is always `default`; clients refer to their
/// user by slot.
#[derive(Debug)]
pub struct Acl {
    /// Users by slot.
    pub users: Slab<User>,
    /// Slots by name, sorted (ACL LIST and USERS order).
    pub by_name: BTreeMap<Vec<u8>, usize>,
    /// Whether the default user needs no password: clients start
    /// authenticated, and protected mode applies.
    pub default_nopass: bool,
    /// Whether each slot's user is unrestricted (the per-command fast
    /// path reads this).
    pub unrestricted: Vec<bool>,
    /// ACL LOG.
    pub log: log::Log,
    /// The commands users' rules name.
    commands: &'static Catalogue,
}

impl Acl {
    /// A table with only the default user, whose rules name `commands`.
    pub fn new(commands: &'static Catalogue) -> Acl {
        let mut a = Acl {
            users: Slab::new(),
            by_name: BTreeMap::new(),
            default_nopass: true,
            unrestricted: Vec::new(),
            log: Default::default(),
            commands,
        };
        let slot = a.users.insert(User::default_user(commands));
        a.by_name.insert(b"default".to_vec(), slot);
        a.refresh();
        a
    }

    /// The commands users' rules name.
    pub fn commands(&self) -> &'static Catalogue {
        self.commands
    }

    /// Replaces every user with `users` (ACL LOAD, the ACL file at
    /// startup); the default user keeps slot 0, the log stays.
    pub fn install(&mut self, users: Vec<User>) {
        let mut acl = Acl::new(self.commands);
        acl.log = std::mem::take(&mut self.log);
        for u in users {
            acl.put(u);
        }
        *self = acl;
    }

    /// The default user.
    pub fn default_user(&self) -> &User {
        &self.users[0]
    }

    /// Recomputes the cached flags after users changed.
    pub fn refresh(&mut self) {
        let d = &self.users[0];
        self.default_nopass = d.nopass && d.enabled;
        self.unrestricted.clear();
        for (slot, u) in &self.users {
            if self.unrestricted.len() <= slot {
                self.unrestricted.resize(slot + 1, false);
            }
            self.unrestricted[slot] = u.unrestricted();
        }
    }

    /// Whether the user in `slot` may run anything (one load and test).
    #[inline]
    pub fn is_unrestricted(&self, slot: usize) -> bool {
        self.unrestricted.get(slot).copied().unwrap_or(false)
    }

    /// The slot of user `name`.
    pub fn find(&self, name: &[u8]) -> Option<usize> {
        self.by_name.get(name).copied()
    }

    /// The name of the user in `slot` (CLIENT LIST `user=`).
    pub fn name(&self, slot: usize) -> &[u8] {
        self.users.get(slot).map_or(b"", |u| &u.name)
    }

    /// The slot `user`/`pass` logs in to, if the pair is valid.
    pub fn authenticate(&self, user: &[u8], pass: &[u8]) -> Option<usize> {
        let slot = self.find(user)?;
        self.users[slot].password_ok(pass).then_some(slot)
    }

    /// Stores `user` under its name (new or replacing); returns its slot.
    pub fn put(&mut self, user: User) -> usize {
        let slot = match self.find(&user.name) {
            Some(slot) => {
                self.users[slot] = user;
                slot
            }
            None => {
                let name = user.name.clone();
                let slot = self.users.insert(user);
                self.by_name.insert(name, slot);
                slot
            }
        };
        self.refresh();
        slot
    }

    /// Removes user `name` (never `default`); returns its slot.
    pub fn remove(&mut self, name: &[u8]) -> Option<usize> {
        let slot = self.find(name).filter(|&s| s != 0)?;
        self.by_name.remove(name);
        self.users.remove(slot);
        self.refresh();
        Some(slot)
    }

    /// CONFIG SET requirepass: Redis 7.0's `ACLUpdateDefaultUserPassword`.
    pub fn set_requirepass(&mut self, pass: &str) {
        let d = &mut self.users[0];
        d.passwords.clear();
        d.nopass = pass.is_empty();
        if !pass.is_empty() {
            d.passwords.push(hash(pass.as_bytes()));
        }
        self.refresh();
    }
}

/// Protected mode (Redis 7.0's check as a client connects): refuse a
/// client from beyond the loopback interface while the default user has
/// no password.
pub fn protected_refuses(
    protected_mode: bool,
    default_nopass: bool,
    peer: std::net::IpAddr,
) -> bool {
    let local = match peer {
        std::net::IpAddr::V4(a) => a.is_loopback(),
        std::net::IpAddr::V6(a) => {
            a.is_loopback() || a.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    };
    protected_mode && default_nopass && !local
}

/// Redis's protected-mode refusal, sent before closing the connection.
pub const DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_mode_decision() {
        let lo: std::net::IpAddr = "127.0.0.1".parse().unwrap();
        let far: std::net::IpAddr = "192.0.2.2".parse().unwrap();
        let lo6: std::net::IpAddr = "::1".parse().unwrap();
        assert!(protected_refuses(true, true, far));
        assert!(!protected_refuses(true, true, lo));
        assert!(!protected_refuses(true, true, lo6));
        assert!(!protected_refuses(false, true, far));
        assert!(!protected_refuses(true, false, far));
    }
}
