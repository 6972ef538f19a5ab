//! What the layers below the handlers know about commands, as data: the
//! command flags, Redis's description of each command ([`docs`]: COMMAND
//! DOCS, ACL categories, tips, key specs) and finding a command line's
//! keys ([`keyspec`]).
//!
//! The command table with its handlers is [`crate::cmd`]'s; the layers
//! below it (connections, statistics, the latency monitor, the ACL) refer
//! to its commands by [`CommandId`], without naming it.

pub mod docs;
pub mod keyspec;

/// Command flags, as Redis documents them in `server.h` and reports them
/// in COMMAND INFO.
pub mod flags {
    /// May modify the dataset.
    pub const WRITE: u32 = 1 << 0;
    /// Only reads the dataset.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory; refused under `maxmemory` pressure.
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative command.
    pub const ADMIN: u32 = 1 << 3;
    /// Pub/Sub related.
    pub const PUBSUB: u32 = 1 << 4;
    /// Not allowed from scripts.
    pub const NOSCRIPT: u32 = 1 << 5;
    /// May block the client.
    pub const BLOCKING: u32 = 1 << 6;
    /// Allowed while loading the dataset.
    pub const LOADING: u32 = 1 << 7;
    /// Allowed on a stale replica.
    pub const STALE: u32 = 1 << 8;
    /// Not shown to MONITOR.
    pub const SKIP_MONITOR: u32 = 1 << 9;
    /// Not recorded in the slow log.
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    /// O(1) or O(log N) in practice.
    pub const FAST: u32 = 1 << 11;
    /// Allowed before authentication.
    pub const NO_AUTH: u32 = 1 << 12;
    /// May replicate even if not a write (PUBLISH): held by CLIENT PAUSE
    /// WRITE, refused to MONITOR clients. Not shown by COMMAND INFO.
    pub const MAY_REPLICATE: u32 = 1 << 13;
    /// Key arguments are optional.
    pub const NO_MANDATORY_KEYS: u32 = 1 << 14;
    /// Not allowed inside MULTI.
    pub const NO_MULTI: u32 = 1 << 15;
    /// Allowed while a script is busy.
    pub const ALLOW_BUSY: u32 = 1 << 16;
    /// Key positions cannot be derived from first/last/step alone.
    pub const MOVABLEKEYS: u32 = 1 << 17;
    /// Refused while a replica loads its dataset asynchronously.
    pub const NO_ASYNC_LOADING: u32 = 1 << 18;

    /// The flags COMMAND INFO reports, in Redis 7.0's order.
    /// `may_replicate` is left out: Redis hides it on purpose.
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        // MAY_REPLICATE is hidden, as Redis 7.0's COMMAND INFO hides it.
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLEKEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// A command or subcommand of the table, by number: a row's position in
/// the table, or, for a subcommand, its container's subcommand base plus
/// its position among the container's subcommands. Ids are dense, below
/// the number of commands plus subcommands, so per-command tables (INFO
/// commandstats, LATENCY HISTOGRAM, ACL bitmaps) index vectors with them.
/// [`crate::cmd`] maps ids to its table rows and back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommandId(u16);

impl CommandId {
    /// The id numbered `n`.
    pub fn new(n: usize) -> CommandId {
        CommandId(u16::try_from(n).expect("fewer than 65536 commands"))
    }

    /// Its number, an index into per-command tables.
    #[inline]
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// The entry of a per-command table (indexed by [`CommandId`]) for `id`,
/// growing the table to it on first use.
pub fn entry<T>(table: &mut Vec<Option<T>>, id: CommandId) -> &mut Option<T> {
    let at = id.index();
    if at >= table.len() {
        table.resize_with(at + 1, || None);
    }
    &mut table[at]
}

/// ACL categories, in Redis's order (ACL CAT, the greedy description).
pub const CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// The bit of category `name` (any case), if it exists.
pub fn category_bit(name: &[u8]) -> Option<u32> {
    CATEGORIES
        .iter()
        .position(|c| c.as_bytes().eq_ignore_ascii_case(name))
        .map(|i| 1 << i)
}

/// The ACL categories of command `fullname` as [`category_bit`]s, from
/// Redis's docs.
pub fn category_bits(fullname: &str) -> u32 {
    docs::meta(fullname).map_or(0, |m| {
        CATEGORIES
            .iter()
            .enumerate()
            .filter(|(_, c)| m.in_category(c.as_bytes()))
            .fold(0, |acc, (i, _)| acc | 1 << i)
    })
}

/// One command or subcommand as the [`Catalogue`] lists it.
#[derive(Debug)]
pub struct Info {
    /// Its own name, lower case (`get`; `get` for `config|get` too).
    pub name: &'static str,
    /// Its full name (`get`, `config|get`).
    pub fullname: String,
    /// Bitwise OR of [`flags`] constants.
    pub flags: u32,
    /// Its ACL categories, as [`category_bit`]s.
    pub categories: u32,
    /// Its subcommands, in table order.
    pub subcommands: Vec<CommandId>,
}

/// Every command and subcommand of the table, by [`CommandId`]: what the
/// ACL needs to know about them (names, flags, categories, the tree).
/// [`crate::cmd`] builds it from its table and the server hands it to the
/// ACL at startup, so the ACL does not name the handlers.
pub struct Catalogue {
    /// By id.
    commands: Vec<Info>,
    /// Top-level commands, by name.
    top: Vec<CommandId>,
}

impl Catalogue {
    /// A catalogue of `commands` (by id), with `top`, the top-level ones,
    /// sorted by name.
    pub fn new(commands: Vec<Info>, top: Vec<CommandId>) -> Catalogue {
        Catalogue { commands, top }
    }

    /// Number of commands and subcommands: every id is below it.
    pub fn len(&self) -> usize {
        self.commands.len()
    }

    /// Whether there are no commands at all.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty()
    }

    /// Command `id`.
    pub fn get(&self, id: CommandId) -> &Info {
        &self.commands[id.index()]
    }

    /// Whether command `id` carries `flag`.
    pub fn has(&self, id: CommandId, flag: u32) -> bool {
        self.get(id).flags & flag != 0
    }

    /// The top-level commands, sorted by name.
    pub fn top(&self) -> &[CommandId] {
        &self.top
    }

    /// Every command, sorted by name, each followed by its subcommands.
    pub fn in_order(&self) -> impl Iterator<Item = CommandId> + '_ {
        self.top
            .iter()
            .flat_map(|&c| std::iter::once(c).chain(self.get(c).subcommands.iter().copied()))
    }

    /// The top-level command named `name`, in any case.
    pub fn lookup(&self, name: &[u8]) -> Option<CommandId> {
        self.top
            .iter()
            .copied()
            .find(|&c| self.get(c).name.as_bytes().eq_ignore_ascii_case(name))
    }

    /// The subcommand of `parent` named `name`, in any case.
    pub fn lookup_sub(&self, parent: CommandId, name: &[u8]) -> Option<CommandId> {
        self.get(parent)
            .subcommands
            .iter()
            .copied()
            .find(|&s| self.get(s).name.as_bytes().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Catalogue({} commands)", self.commands.len())
    }
}
