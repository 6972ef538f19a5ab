//! The value model: one enum covering every Redis type, and the compact
//! string representation (integers stored as `i64`, short strings inside
//! the value itself, longer embstr-sized strings in one exact-size
//! allocation).

/// Longest string Redis stores as `embstr` (`OBJ_ENCODING_EMBSTR_SIZE_LIMIT`).
pub const EMBSTR_LIMIT: usize = 44;

/// Longest string stored inside the [`Str`] itself, with no heap block:
/// the variant fills the 32 bytes `Raw` needs anyway (tag, length byte,
/// 30 bytes), and [`Value`] stays 32 bytes (checked by a test).
pub const INLINE_LIMIT: usize = 30;

/// Integers in `0..SHARED_INTEGERS` are shared objects in Redis (their
/// OBJECT REFCOUNT is `i32::MAX`).
pub const SHARED_INTEGERS: i64 = 10_000;

/// A string value, in the representation Redis would report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Str {
    /// A canonical decimal integer (`int` encoding): 8 bytes, no heap.
    Int(i64),
    /// An immutable string of at most [`INLINE_LIMIT`] bytes, stored in
    /// place (reported as `embstr`). Bytes past `len` are zero, so the
    /// derived equality compares only the string.
    Inline {
        /// Length in bytes.
        len: u8,
        /// The bytes, zero-padded.
        data: [u8; INLINE_LIMIT],
    },
    /// An immutable string of at most 44 bytes (`embstr`), longer than
    /// [`INLINE_LIMIT`].
    Emb(Box<[u8]>),
    /// A growable string (`raw`): long values and ones modified in place.
    Raw(Vec<u8>),
}

impl Str {
    /// Stores `s` as Redis's `tryObjectEncoding` would: an integer when it
    /// is one in canonical form, otherwise embstr or raw by length.
    pub fn from_bytes(s: &[u8]) -> Str {
        if s.len() <= 20 {
            if let Some(n) = crate::util::parse_i64(s) {
                return Str::Int(n);
            }
        }
        Str::from_bytes_no_int(s)
    }

    /// Stores `s` without trying the integer encoding (as Redis's
    /// `createStringObject`, e.g. for INCRBYFLOAT results).
    pub fn from_bytes_no_int(s: &[u8]) -> Str {
        if s.len() <= INLINE_LIMIT {
            let mut data = [0u8; INLINE_LIMIT];
            data[..s.len()].copy_from_slice(s);
            Str::Inline {
                len: s.len() as u8,
                data,
            }
        } else if s.len() <= EMBSTR_LIMIT {
            Str::Emb(s.into())
        } else {
            Str::Raw(s.to_vec())
        }
    }

    /// The string's bytes; integers are rendered into `buf`.
    pub fn as_bytes<'a>(&'a self, buf: &'a mut [u8; 20]) -> &'a [u8] {
        match self {
            Str::Int(n) => crate::util::i64_digits(*n, buf),
            Str::Inline { len, data } => &data[..*len as usize],
            Str::Emb(b) => b,
            Str::Raw(v) => v,
        }
    }

    /// An owned copy of the bytes.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = [0u8; 20];
        self.as_bytes(&mut buf).to_vec()
    }

    /// Length in bytes of the string form.
    pub fn len(&self) -> usize {
        match self {
            Str::Int(n) => {
                let mut buf = [0u8; 20];
                crate::util::i64_digits(*n, &mut buf).len()
            }
            Str::Inline { len, .. } => *len as usize,
            Str::Emb(b) => b.len(),
            Str::Raw(v) => v.len(),
        }
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Converts to the mutable `raw` form and returns its buffer (APPEND,
    /// SETRANGE), as Redis's `dbUnshareStringValue` does.
    pub fn make_raw(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Str::Raw(_)) {
            *self = Str::Raw(self.to_vec());
        }
        match self {
            Str::Raw(v) => v,
            _ => unreachable!("converted to Raw above"),
        }
    }

    /// The integer value, if the string holds a canonical integer.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Str::Int(n) => Some(*n),
            Str::Inline { len, data } => crate::util::parse_i64(&data[..*len as usize]),
            Str::Emb(b) => crate::util::parse_i64(b),
            Str::Raw(v) if v.len() <= 20 => crate::util::parse_i64(v),
            Str::Raw(_) => None,
        }
    }

    /// OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Str::Int(_) => "int",
            Str::Inline { .. } | Str::Emb(_) => "embstr",
            Str::Raw(_) => "raw",
        }
    }
}

/// A stored value: one variant per Redis type, each type in its own module.
#[derive(Debug, Clone)]
pub enum Value {
    /// A string.
    Str(Str),
    /// A list.
    List(super::list::List),
    /// A hash.
    Hash(super::hash::Hash),
    /// A set.
    Set(super::set::Set),
    /// A sorted set.
    ZSet(super::zset::ZSet),
    /// A stream (boxed: it is larger than the other variants).
    Stream(Box<super::stream::Stream>),
}

impl Value {
    /// The TYPE name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// What dropping the value costs, as Redis's `lazyfreeGetFreeEffort`
    /// counts it: a quicklist's nodes, a hash table's or skiplist's
    /// elements, a stream's radix tree nodes plus its groups times (one
    /// plus the first group's PEL); 1 for anything that is one allocation
    /// (strings, listpacks, intsets). Above [`crate::lazyfree::THRESHOLD`]
    /// a deleted value may be freed on the lazy-free thread. O(1), except
    /// a stream of at most that many blocks, whose tree is counted.
    pub fn free_effort(&self) -> usize {
        match self {
            Value::Str(_) => 1,
            Value::List(l) => l.nodes().len(),
            Value::Hash(h) if h.encoding() == "hashtable" => h.len(),
            Value::Set(x) if x.encoding() == "hashtable" => x.len(),
            Value::ZSet(z) if z.encoding() == "skiplist" => z.len(),
            Value::Hash(_) | Value::Set(_) | Value::ZSet(_) => 1,
            Value::Stream(s) => {
                // A radix tree has at least as many nodes as keys, so past
                // the threshold the exact count changes nothing.
                let blocks = s.blocks();
                let mut effort = if blocks > crate::lazyfree::THRESHOLD {
                    blocks
                } else {
                    s.rax_nodes()
                };
                if let Some(g) = s.groups.values().next() {
                    effort += s.groups.len() * (1 + g.pel.len());
                }
                effort
            }
        }
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding(),
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(x) => x.encoding(),
            Value::ZSet(z) => z.encoding(),
            Value::Stream(_) => "stream",
        }
    }
}

/// A key's slot in the keyspace: the value, its access clock and flags.
///
/// 40 bytes (checked by a test): the 32-byte value and two `u32`s. The
/// expiry time is not here but in the database's TTL table (as Redis's
/// `expires` dict); a flag bit says whether there is one, so a key without
/// a TTL never looks there. With the key's length in the dict node's link,
/// a node with a 16-byte key is one 64-byte block (see docs/performance.md,
/// "Memory layout").
#[derive(Debug, Clone)]
pub struct Entry {
    /// The value.
    pub val: Value,
    /// Last access, in seconds (Redis's 24-bit LRU clock), for OBJECT IDLETIME.
    pub lru: u32,
    /// The AOF rewrite generation (see `db::snapshot`) in the low 30 bits,
    /// then the [`VOLATILE`] and [`UNSHARED`] flags.
    gen_flags: u32,
}

/// The bit of `Entry::gen_flags` set when the value was duplicated by COPY.
const UNSHARED: u32 = 1 << 31;

/// The bit of `Entry::gen_flags` set when the key has a TTL.
const VOLATILE: u32 = 1 << 30;

/// The bits of `Entry::gen_flags` that hold the generation.
const GEN: u32 = VOLATILE - 1;

impl Entry {
    /// A new entry without TTL.
    pub fn new(val: Value, lru: u32, gen: u32) -> Entry {
        Entry {
            val,
            lru,
            gen_flags: gen & GEN,
        }
    }

    /// AOF rewrite generation (see `db::snapshot`): 30 bits, far more
    /// rewrites than a process performs.
    #[inline]
    pub fn gen(&self) -> u32 {
        self.gen_flags & GEN
    }

    /// Stamps the entry with rewrite generation `gen`.
    #[inline]
    pub fn set_gen(&mut self, gen: u32) {
        self.gen_flags = (self.gen_flags & !GEN) | (gen & GEN);
    }

    /// The value was duplicated by COPY, so it is never one of Redis's
    /// shared integer objects (OBJECT REFCOUNT 1).
    #[inline]
    pub fn unshared(&self) -> bool {
        self.gen_flags & UNSHARED != 0
    }

    /// Sets or clears the COPY flag (see [`Entry::unshared`]).
    #[inline]
    pub fn set_unshared(&mut self, on: bool) {
        self.set_flag(UNSHARED, on);
    }

    /// Whether the key has a TTL (its time is in the database's TTL table).
    #[inline]
    pub fn has_ttl(&self) -> bool {
        self.gen_flags & VOLATILE != 0
    }

    /// Sets or clears the TTL flag; only the database does, together with
    /// its TTL table.
    #[inline]
    pub(super) fn set_has_ttl(&mut self, on: bool) {
        self.set_flag(VOLATILE, on);
    }

    fn set_flag(&mut self, bit: u32, on: bool) {
        if on {
            self.gen_flags |= bit;
        } else {
            self.gen_flags &= !bit;
        }
    }
}

// Deleted values are sent to the lazy-free thread: they must be `Send`
// (stream groups share consumer names through `Arc`, not `Rc`, for this).
const _: fn() = || {
    fn send<T: Send + 'static>() {}
    send::<Value>();
    send::<super::dict::Dict<Entry>>();
    send::<super::dict::Dict<i64>>();
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_follow_redis() {
        assert_eq!(Str::from_bytes(b"123").encoding(), "int");
        assert_eq!(Str::from_bytes(b"0123").encoding(), "embstr");
        assert_eq!(Str::from_bytes(&[b'a'; 44]).encoding(), "embstr");
        assert!(matches!(
            Str::from_bytes(&[b'a'; 30]),
            Str::Inline { len: 30, .. }
        ));
        assert!(matches!(Str::from_bytes(&[b'a'; 31]), Str::Emb(_)));
        for n in [0, 1, 22, 30, 31, 44, 45] {
            let v: Vec<u8> = (0..n as u8).map(|i| b'a' + i % 26).collect();
            let s = Str::from_bytes(&v);
            let mut buf = [0u8; 20];
            assert_eq!((s.as_bytes(&mut buf), s.len()), (&v[..], n));
            assert_eq!(s.to_vec(), v);
        }
        assert_eq!(Str::from_bytes(b"0123").as_i64(), None);
        assert_eq!(Str::from_bytes_no_int(b"-17").as_i64(), Some(-17));
        assert_eq!(Str::from_bytes_no_int(b"ab"), Str::from_bytes(b"ab"));
        assert_eq!(Str::from_bytes(&[b'a'; 45]).encoding(), "raw");
        assert_eq!(Str::from_bytes(b"-5").as_i64(), Some(-5));
        let mut s = Str::from_bytes(b"12");
        s.make_raw().extend_from_slice(b"3");
        assert_eq!(s, Str::Raw(b"123".to_vec()));
        assert_eq!(s.as_i64(), Some(123));
    }

    /// The entry stays 40 bytes (its dict node 64 with a 16-byte key),
    /// and the flags and the generation do not disturb each other.
    #[test]
    fn entry_is_compact() {
        assert_eq!(std::mem::size_of::<Str>(), 32);
        assert_eq!(std::mem::size_of::<Value>(), 32);
        assert_eq!(std::mem::size_of::<Entry>(), 40);
        let mut e = Entry::new(Value::Str(Str::Int(1)), 7, 5);
        assert!(!e.unshared() && !e.has_ttl());
        e.set_unshared(true);
        e.set_gen(GEN);
        e.set_has_ttl(true);
        assert_eq!((e.gen(), e.unshared(), e.has_ttl()), (GEN, true, true));
        e.set_unshared(false);
        e.set_gen(9);
        assert_eq!(
            (e.gen(), e.unshared(), e.has_ttl(), e.lru),
            (9, false, true, 7)
        );
        e.set_has_ttl(false);
        assert_eq!((e.gen(), e.unshared(), e.has_ttl()), (9, false, false));
    }
}
