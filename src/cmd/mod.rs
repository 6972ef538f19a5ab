//! Command dispatch: the command specification type, case-insensitive
//! lookup without allocation, arity checks and the call path.
//!
//! The table itself lives in [`table`]; handlers live in one file per
//! command group and receive a [`Ctx`].

pub mod acl;
pub mod args;
pub mod blocking;
mod call;
pub mod client;
pub mod command;
pub mod connection;
pub mod debug;
pub mod functions;
pub mod hash;
pub mod keys;
pub mod latency;
pub mod list;
pub mod memory;
pub mod pubsub;
pub mod scripting;
pub mod server;
pub mod set;
pub mod slowlog;
pub mod sort;
pub mod stream;
pub mod string;
pub mod table;
pub mod tx;
pub mod zset;

use std::sync::OnceLock;

use bytes::Bytes;

/// The table's flags are command metadata, defined beside the docs.
pub use crate::cmdinfo::flags;
use crate::cmdinfo::{Catalogue, CommandId, Info};
use crate::conn::ClientState;
use crate::db::Db;
use crate::frame::Frame;
use crate::resp::Out;
use crate::state::State;
pub use args::Args;
pub use call::{call, call_from_script, call_nested, ScriptRun};

/// A handler runs one command. Errors returned are sent as error replies.
pub type Handler = fn(&mut Ctx) -> CmdResult;

/// The result of a handler: `Err` becomes an error reply.
pub type CmdResult = Result<(), CmdError>;

/// One row of the command table.
#[derive(Debug)]
pub struct CommandSpec {
    /// Lowercase name (for subcommands, the subcommand's own name).
    pub name: &'static str,
    /// Redis's arity rule: `n > 0` exactly n arguments (name included),
    /// `n < 0` at least -n.
    pub arity: i32,
    /// Bitwise OR of [`flags`] constants.
    pub flags: u32,
    /// Position of the first key argument (0: none).
    pub first_key: i32,
    /// Position of the last key argument (-1: the last argument).
    pub last_key: i32,
    /// Step between key arguments.
    pub step: i32,
    /// Group, as COMMAND DOCS reports it (`string`, `generic`, ...).
    pub group: &'static str,
    /// The handler; `None` for containers, which only dispatch.
    pub handler: Option<Handler>,
    /// Subcommands, for container commands such as OBJECT and CONFIG.
    pub subcommands: &'static [CommandSpec],
}

impl CommandSpec {
    /// Whether `argc` arguments satisfy the arity rule.
    pub fn arity_ok(&self, argc: usize) -> bool {
        let argc = argc as i64;
        let a = i64::from(self.arity);
        (a > 0 && argc == a) || (a < 0 && argc >= -a)
    }

    /// Whether the command carries `flag`.
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }
}

/// Errors handlers return; each renders to Redis's exact error reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmdError {
    /// `ERR syntax error`
    Syntax,
    /// `ERR value is not an integer or out of range`
    NotInteger,
    /// `ERR value is not a valid float`
    NotFloat,
    /// `WRONGTYPE Operation against a key holding the wrong kind of value`
    WrongType,
    /// `ERR no such key`
    NoSuchKey,
    /// `ERR increment or decrement would overflow`
    Overflow,
    /// `ERR DB index is out of range`
    DbOutOfRange,
    /// An integer outside 32 bits where Redis wants an `int`.
    IntRange,
    /// `ERR wrong number of arguments for '<cmd>' command`
    WrongArgs,
    /// A fixed message, including its error code.
    Msg(&'static str),
    /// A formatted message, including its error code.
    Owned(String),
}

impl CmdError {
    /// The reply text (without the leading `-`).
    pub fn message(&self, fullname: &str) -> String {
        match self {
            CmdError::Syntax => "ERR syntax error".into(),
            CmdError::NotInteger => "ERR value is not an integer or out of range".into(),
            CmdError::NotFloat => "ERR value is not a valid float".into(),
            CmdError::WrongType => {
                "WRONGTYPE Operation against a key holding the wrong kind of value".into()
            }
            CmdError::NoSuchKey => "ERR no such key".into(),
            CmdError::Overflow => "ERR increment or decrement would overflow".into(),
            CmdError::DbOutOfRange => "ERR DB index is out of range".into(),
            CmdError::IntRange => {
                "ERR value is out of range, value must between -2147483648 and 2147483647".into()
            }
            CmdError::WrongArgs => {
                format!("ERR wrong number of arguments for '{fullname}' command")
            }
            CmdError::Msg(m) => (*m).into(),
            CmdError::Owned(m) => m.clone(),
        }
    }
}

/// Everything a handler may touch: its arguments, its client's output and
/// session state, and the loop-owned server state.
pub struct Ctx<'a> {
    /// The full argument vector, command name included.
    pub argv: &'a [Bytes],
    /// Where replies go.
    pub out: &'a mut Out,
    /// The calling client's session.
    pub client: &'a mut ClientState,
    /// Keyspace, configuration, statistics, clock.
    pub srv: &'a mut State,
    /// The command being run.
    pub cmd: &'static CommandSpec,
    /// Its container command, when it is a subcommand.
    pub parent: Option<&'static CommandSpec>,
    /// Index of the first argument after the command (and subcommand) name.
    pub arg0: usize,
    /// This command's own state: who calls, what it expired, what it
    /// propagates (see [`crate::frame`]).
    pub frame: &'a mut Frame,
}

impl<'a> Ctx<'a> {
    /// A cursor over this command's arguments.
    pub fn args(&self) -> Args<'a> {
        Args::new(self.argv, self.arg0)
    }

    /// The current time in Unix ms, read once per loop iteration.
    pub fn now(&self) -> i64 {
        self.srv.now_ms
    }

    /// The client's selected database.
    pub fn db(&mut self) -> &mut Db {
        &mut self.srv.dbs[self.client.db]
    }

    /// Whether what the command propagates goes anywhere (an AOF is on and
    /// not being loaded). Commands that build a replacement command may
    /// skip building it when not.
    pub fn propagating(&self) -> bool {
        self.srv.propagating()
    }

    /// Propagates `args` instead of the command as received (may be called
    /// several times for several commands).
    pub fn propagate_as(&mut self, args: &[&[u8]]) {
        if !self.propagating() {
            return;
        }
        self.frame
            .raised()
            .propagate
            .get_or_insert_with(Vec::new)
            .push(args.iter().map(|a| a.to_vec()).collect());
    }

    /// The clock for "is this time already past" decisions: never past
    /// while loading, so replaying a log keeps every key it names.
    pub fn expire_now(&self) -> i64 {
        self.srv.expire_clock()
    }

    /// Publishes keyspace event `event` of `class` (a [`crate::notify`]
    /// flag) for `key` in the client's database, if enabled.
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        let db = self.client.db;
        self.srv.notify(self.frame, class, event, db, key);
    }

    /// A change to `key` in the client's database, in one place, in
    /// Redis's order: transactions watching it fail, tracking clients are
    /// told and blocked stream readers look again (`signalModifiedKey`);
    /// keyspace event `event` of `class` (a [`crate::notify`] flag) goes
    /// out; the dataset counts `dirty` more changes (`server.dirty`).
    /// Side effects: all three.
    pub fn modified(&mut self, key: &[u8], class: u32, event: &str, dirty: u64) {
        let db = self.client.db;
        self.srv.signal_modified(self.frame, db, key);
        self.srv.notify(self.frame, class, event, db, key);
        self.srv.dirty += dirty;
    }

    /// Notes that `key` in the client's database changed: transactions
    /// watching it will not run (Redis's `signalModifiedKey`).
    pub fn signal_modified(&mut self, key: &[u8]) {
        let db = self.client.db;
        self.srv.signal_modified(self.frame, db, key);
    }

    /// [`Ctx::signal_modified`] for a stream changed in place (XDEL,
    /// XTRIM), which does not wake its blocked readers, as in Redis.
    pub fn signal_modified_in_place(&mut self, key: &[u8]) {
        let db = self.client.db;
        self.srv.signal_modified_in_place(self.frame, db, key);
    }

    /// Marks the dataset as changed by `n` (Redis's `server.dirty`).
    pub fn dirty(&mut self, n: u64) {
        self.srv.dirty += n;
    }

    /// Hides argument `i` (a password) from MONITOR and the slow log, as
    /// Redis's `redactClientCommandArgument`.
    pub fn redact(&mut self, i: usize) {
        self.frame.redacted |= 1 << i.min(63);
    }
}

/// Commands sorted by name (COMMAND's order), plus an open-addressing hash
/// table over them for [`lookup`]; built once from [`table::COMMANDS`].
struct Index {
    sorted: Vec<&'static CommandSpec>,
    /// Slots hold an index into `sorted`, or `u16::MAX` when empty. The
    /// length is a power of two at least four times the command count, so
    /// probe sequences stay short.
    slots: Vec<u16>,
    /// Longest command name: longer arguments cannot be commands.
    max_len: usize,
    /// For each row of [`table::COMMANDS`], the [`command_id`] of its
    /// first subcommand.
    sub_base: Vec<usize>,
    /// Every command and subcommand with its container, by id.
    by_id: Vec<(&'static CommandSpec, Option<&'static CommandSpec>)>,
}

/// FNV-1a over the name with ASCII letters folded to lowercase (`|0x20`
/// also folds some other bytes onto each other; the final comparison
/// sorts that out).
#[inline]
fn name_hash(name: &[u8]) -> usize {
    let mut h: u32 = 0x811c_9dc5;
    for &b in name {
        h = (h ^ u32::from(b | 0x20)).wrapping_mul(0x0100_0193);
    }
    h as usize
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut sorted: Vec<&'static CommandSpec> = table::COMMANDS.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(b.name));
        let size = (sorted.len() * 4).next_power_of_two();
        let mut slots = vec![u16::MAX; size];
        for (i, c) in sorted.iter().enumerate() {
            let mut at = name_hash(c.name.as_bytes()) & (size - 1);
            while slots[at] != u16::MAX {
                at = (at + 1) & (size - 1);
            }
            slots[at] = i as u16;
        }
        let max_len = sorted.iter().map(|c| c.name.len()).max().unwrap_or(0);
        let mut sub_base = Vec::with_capacity(table::COMMANDS.len());
        let mut by_id: Vec<_> = table::COMMANDS.iter().map(|c| (c, None)).collect();
        for c in table::COMMANDS.iter() {
            sub_base.push(by_id.len());
            by_id.extend(c.subcommands.iter().map(|s| (s, Some(c))));
        }
        Index {
            sorted,
            slots,
            max_len,
            sub_base,
            by_id,
        }
    })
}

/// The [`CommandId`] of a command (and its container, for subcommands):
/// a row's position in [`table::COMMANDS`], or its container's subcommand
/// base plus its position among the container's subcommands. Specs only
/// come from the table, so the arithmetic on their addresses is exact.
pub fn command_id(spec: &'static CommandSpec, parent: Option<&'static CommandSpec>) -> CommandId {
    fn position(item: &CommandSpec, in_: &[CommandSpec]) -> usize {
        let offset = item as *const CommandSpec as usize - in_.as_ptr() as usize;
        let i = offset / std::mem::size_of::<CommandSpec>();
        debug_assert!(std::ptr::eq(&in_[i], item));
        i
    }
    CommandId::new(match parent {
        None => position(spec, table::COMMANDS),
        Some(p) => index().sub_base[position(p, table::COMMANDS)] + position(spec, p.subcommands),
    })
}

/// The command `id` stands for, and its container for subcommands.
pub fn spec_of(id: CommandId) -> (&'static CommandSpec, Option<&'static CommandSpec>) {
    index().by_id[id.index()]
}

/// The full name of command `id` (`get`, `config|get`).
pub fn fullname_of(id: CommandId) -> String {
    let (spec, parent) = spec_of(id);
    fullname(spec, parent)
}

/// The table as the layers below the handlers see it (the ACL): every
/// command and subcommand by [`CommandId`], with names, flags and ACL
/// categories; built once.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let ix = index();
        let mut commands: Vec<Info> = ix
            .by_id
            .iter()
            .map(|&(spec, parent)| {
                let fullname = fullname(spec, parent);
                Info {
                    name: spec.name,
                    categories: crate::cmdinfo::category_bits(&fullname),
                    fullname,
                    flags: spec.flags,
                    subcommands: Vec::new(),
                }
            })
            .collect();
        for (i, &(_, parent)) in ix.by_id.iter().enumerate() {
            if let Some(p) = parent {
                commands[command_id(p, None).index()]
                    .subcommands
                    .push(CommandId::new(i));
            }
        }
        let top = ix.sorted.iter().map(|&c| command_id(c, None)).collect();
        Catalogue::new(commands, top)
    })
}

/// Finds a top-level command by name, ignoring case, without allocating:
/// one hash of the name and, almost always, one comparison.
pub fn lookup(name: &[u8]) -> Option<&'static CommandSpec> {
    let ix = index();
    if name.len() > ix.max_len {
        return None;
    }
    let mask = ix.slots.len() - 1;
    let mut at = name_hash(name) & mask;
    loop {
        let i = ix.slots[at];
        if i == u16::MAX {
            return None;
        }
        let c = ix.sorted[usize::from(i)];
        if c.name.as_bytes().eq_ignore_ascii_case(name) {
            return Some(c);
        }
        at = (at + 1) & mask;
    }
}

/// Finds a subcommand of `parent` by name, ignoring case.
pub fn lookup_sub(parent: &'static CommandSpec, name: &[u8]) -> Option<&'static CommandSpec> {
    parent
        .subcommands
        .iter()
        .find(|s| s.name.as_bytes().eq_ignore_ascii_case(name))
}

/// Every top-level command, sorted by name (COMMAND, COMMAND COUNT).
pub fn all_commands() -> &'static [&'static CommandSpec] {
    &index().sorted
}

/// The outcome of resolving an argument vector to a command.
pub enum Resolved {
    /// Runnable: the spec, its container (for subcommands) and where its
    /// arguments start.
    Ok(&'static CommandSpec, Option<&'static CommandSpec>, usize),
    /// A known command with the wrong number of arguments: the error reply.
    Arity(&'static CommandSpec, Option<&'static CommandSpec>, String),
    /// An error reply to send instead (unknown command or subcommand).
    Err(String),
}

/// Resolves `argv` to a command and checks its arity, producing Redis's
/// exact errors for unknown commands, unknown subcommands and arity.
pub fn resolve(argv: &[Bytes]) -> Resolved {
    let name = &argv[0];
    let Some(cmd) = lookup(name) else {
        return Resolved::Err(unknown_command(argv));
    };
    if !cmd.subcommands.is_empty() && argv.len() >= 2 {
        let Some(sub) = lookup_sub(cmd, &argv[1]) else {
            return Resolved::Err(format!(
                "ERR unknown subcommand '{}'. Try {} HELP.",
                trunc(&argv[1], 128),
                cmd.name.to_ascii_uppercase()
            ));
        };
        if !sub.arity_ok(argv.len()) {
            let msg = CmdError::WrongArgs.message(&fullname(sub, Some(cmd)));
            return Resolved::Arity(sub, Some(cmd), msg);
        }
        return Resolved::Ok(sub, Some(cmd), 2);
    }
    if !cmd.arity_ok(argv.len()) || cmd.handler.is_none() {
        return Resolved::Arity(cmd, None, CmdError::WrongArgs.message(cmd.name));
    }
    Resolved::Ok(cmd, None, 1)
}

/// Redis's full command name: `get`, or `object|encoding` for subcommands.
pub fn fullname(cmd: &CommandSpec, parent: Option<&CommandSpec>) -> String {
    match parent {
        Some(p) => format!("{}|{}", p.name, cmd.name),
        None => cmd.name.to_string(),
    }
}

/// At most `n` bytes of `b`, cut at the first NUL as C's `%.*s` would.
fn trunc(b: &[u8], n: usize) -> String {
    let b = &b[..b.len().min(n)];
    let b = &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())];
    String::from_utf8_lossy(b).into_owned()
}

/// Redis's unknown-command error: the name and the first arguments, each
/// quoted, up to about 128 bytes.
fn unknown_command(argv: &[Bytes]) -> String {
    let mut args = String::new();
    for a in &argv[1..] {
        if args.len() >= 128 {
            break;
        }
        let room = 128 - args.len();
        args.push('\'');
        args.push_str(&trunc(a, room));
        args.push_str("' ");
    }
    format!(
        "ERR unknown command '{}', with args beginning with: {}",
        trunc(&argv[0], 128),
        args
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_finds_every_command_in_any_case() {
        for c in table::COMMANDS.iter() {
            let lower = c.name.as_bytes().to_vec();
            let upper = c.name.to_ascii_uppercase().into_bytes();
            let mixed: Vec<u8> = lower
                .iter()
                .enumerate()
                .map(|(i, b)| {
                    if i % 2 == 0 {
                        b.to_ascii_uppercase()
                    } else {
                        *b
                    }
                })
                .collect();
            for name in [lower, upper, mixed] {
                let found = lookup(&name).map(|s| s.name);
                assert_eq!(found, Some(c.name), "{}", String::from_utf8_lossy(&name));
            }
        }
    }

    #[test]
    fn command_ids_are_dense_distinct_and_map_back() {
        let mut seen = vec![false; index().by_id.len()];
        for c in table::COMMANDS.iter() {
            let mut mark = |spec, parent| {
                let id = command_id(spec, parent);
                let s = id.index();
                assert!(!seen[s], "id {s} twice");
                seen[s] = true;
                let (back, back_parent) = spec_of(id);
                assert!(std::ptr::eq(back, spec));
                assert_eq!(back_parent.map(|p| p.name), parent.map(|p| p.name));
            };
            mark(c, None);
            for sub in c.subcommands {
                mark(sub, Some(c));
            }
        }
        assert!(seen.iter().all(|&s| s));
        let get = lookup(b"get").unwrap();
        assert_eq!(
            command_id(get, None),
            command_id(lookup(b"GET").unwrap(), None)
        );
    }

    #[test]
    fn lookup_refuses_near_misses() {
        // A byte away from real names, empty, or longer than any.
        for name in [
            &b"ge\x14"[..],
            b"GET\0",
            b"",
            b"g",
            b"getx",
            b"xget",
            b"set ",
            b"\xc7et",
            b"averyveryverylongnamethatisnocommandatall",
        ] {
            assert!(lookup(name).is_none(), "{}", String::from_utf8_lossy(name));
        }
    }
}
