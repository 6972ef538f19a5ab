//! How a rewrite writes values: each key as the commands that rebuild it,
//! in Redis's rewrite format (SET, RPUSH, HMSET, SADD, ZADD, XADD, then
//! PEXPIREAT for a TTL), and the writer of the new base file.
//!
//! The value types in [`crate::db`] know nothing of the AOF: they expose
//! iterators over their contents (and a stream its ids, groups and
//! pending entries), and this module walks them to produce the commands.
//! The keyspace's rewrite snapshot (`db::snapshot`) serializes through
//! [`emit_entry`], which the AOF hands it when a rewrite starts.

use std::borrow::Cow;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use crate::db::list::List;
use crate::db::set::{Member, Set};
use crate::db::stream::{Stream, StreamId};
use crate::db::zset::ZSet;
use crate::db::{Entry, Value};
use crate::resp::write_command;
use crate::util::fmt_f64_g17;

/// Items per command for collections, as Redis's
/// `AOF_REWRITE_ITEMS_PER_CMD`.
const ITEMS_PER_CMD: usize = 64;

/// Writes `cmd key item...` commands with at most 64 items each (each item
/// one or more arguments), as Redis's rewrite does for collections.
pub fn emit_batched<'a>(
    out: &mut Vec<u8>,
    cmd: &[u8],
    key: &[u8],
    items: impl Iterator<Item = Vec<&'a [u8]>>,
) {
    let mut args: Vec<&[u8]> = vec![cmd, key];
    let mut count = 0;
    for item in items {
        args.extend(item);
        count += 1;
        if count == ITEMS_PER_CMD {
            write_command(out, &args);
            args.truncate(2);
            count = 0;
        }
    }
    if count > 0 {
        write_command(out, &args);
    }
}

/// Appends the commands that recreate `key` with `e`'s value and TTL.
/// This is the [`crate::db::snapshot::Encode`] the AOF gives the keyspace.
pub fn emit_entry(key: &[u8], e: &Entry, expire: i64, out: &mut Vec<u8>) {
    match &e.val {
        Value::Str(s) => {
            let mut buf = [0u8; 20];
            write_command(out, &[b"SET", key, s.as_bytes(&mut buf)]);
        }
        Value::List(l) => emit_list(key, l, out),
        Value::Hash(h) => emit_batched(out, b"HMSET", key, h.iter().map(|(f, v)| vec![f, v])),
        Value::Set(x) => emit_set(key, x, out),
        Value::ZSet(z) => emit_zset(key, z, out),
        Value::Stream(x) => emit_stream(key, x, out),
    }
    if expire >= 0 {
        let when = expire.to_string();
        write_command(out, &[b"PEXPIREAT", key, when.as_bytes()]);
    }
}

/// RPUSH with at most 64 elements per command; those of compressed nodes
/// arrive as copies, so each batch is gathered first.
fn emit_list(key: &[u8], l: &List, out: &mut Vec<u8>) {
    let mut it = l.iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<Cow<[u8]>> = it.by_ref().take(ITEMS_PER_CMD).collect();
        emit_batched(out, b"RPUSH", key, chunk.iter().map(|e| vec![&e[..]]));
    }
}

/// SADD with at most 64 members per command; intset members as decimal.
fn emit_set(key: &[u8], set: &Set, out: &mut Vec<u8>) {
    let mut members = set.iter().peekable();
    while members.peek().is_some() {
        let chunk: Vec<Cow<[u8]>> = members
            .by_ref()
            .take(ITEMS_PER_CMD)
            .map(|m| match m {
                Member::Int(_) => Cow::Owned(m.to_vec()),
                Member::Str(s) => Cow::Borrowed(s),
            })
            .collect();
        emit_batched(out, b"SADD", key, chunk.iter().map(|m| vec![&m[..]]));
    }
}

/// ZADD with at most 64 score-member pairs each, scores in `%.17g` as
/// Redis writes them.
fn emit_zset(key: &[u8], z: &ZSet, out: &mut Vec<u8>) {
    let mut it = z.iter().peekable();
    while it.peek().is_some() {
        let chunk: Vec<(&[u8], String)> = it
            .by_ref()
            .take(ITEMS_PER_CMD)
            .map(|(m, s)| (m, fmt_f64_g17(s)))
            .collect();
        let items = chunk.iter().map(|(m, s)| vec![s.as_bytes(), *m]);
        emit_batched(out, b"ZADD", key, items);
    }
}

/// A stream as Redis's rewrite writes it: one XADD per entry (an empty
/// stream as `XADD key MAXLEN 0 0-1 x y`), XSETID with ENTRIESADDED and
/// MAXDELETEDID, then per group XGROUP CREATE ... ENTRIESREAD, and per
/// consumer either XGROUP CREATECONSUMER or an XCLAIM ... FORCE JUSTID per
/// pending entry.
fn emit_stream(key: &[u8], s: &Stream, out: &mut Vec<u8>) {
    if s.is_empty() {
        write_command(
            out,
            &[&b"XADD"[..], key, b"MAXLEN", b"0", b"0-1", b"x", b"y"],
        );
    }
    s.range(StreamId::MIN, StreamId::MAX, false, 0, |e| {
        let id = e.id.to_bytes();
        let mut args: Vec<&[u8]> = vec![b"XADD", key, &id];
        e.for_each(|f, v| {
            args.push(f);
            args.push(v);
        });
        write_command(out, &args);
        true
    });
    // XSETID may leave the last id below the max deleted id (Redis 7.0
    // allows it), which one XSETID cannot restore: set the max deleted
    // id with a last id it accepts, then lower the last id.
    let lowered = s.last_id < s.max_deleted;
    let first = if lowered { s.max_deleted } else { s.last_id };
    let (first, added, maxdel) = (
        first.to_bytes(),
        s.entries_added.to_string(),
        s.max_deleted.to_bytes(),
    );
    write_command(
        out,
        &[
            b"XSETID",
            key,
            &first,
            b"ENTRIESADDED",
            added.as_bytes(),
            b"MAXDELETEDID",
            &maxdel,
        ],
    );
    if lowered {
        write_command(out, &[&b"XSETID"[..], key, &s.last_id.to_bytes()]);
    }
    for (name, g) in &s.groups {
        let (last, read) = (g.last_id.to_bytes(), g.entries_read.to_string());
        write_command(
            out,
            &[
                b"XGROUP",
                b"CREATE",
                key,
                name,
                &last,
                b"ENTRIESREAD",
                read.as_bytes(),
            ],
        );
        for (cname, c) in &g.consumers {
            if c.pel.is_empty() {
                write_command(out, &[&b"XGROUP"[..], b"CREATECONSUMER", key, name, cname]);
                continue;
            }
            for id in &c.pel {
                let Some(n) = g.pel.get(id) else { continue };
                let (idb, time, count) = (
                    id.to_bytes(),
                    n.delivery_time.to_string(),
                    n.delivery_count.to_string(),
                );
                write_command(
                    out,
                    &[
                        b"XCLAIM",
                        key,
                        name,
                        cname,
                        b"0",
                        &idb,
                        b"TIME",
                        time.as_bytes(),
                        b"RETRYCOUNT",
                        count.as_bytes(),
                        b"JUSTID",
                        b"FORCE",
                    ],
                );
            }
        }
    }
}

/// The new base file being written by a rewrite.
#[derive(Debug)]
pub struct BaseWriter {
    /// Temporary path, renamed into place when complete.
    pub tmp: PathBuf,
    file: File,
    /// The database the last written command belongs to.
    last_db: Option<usize>,
    /// Bytes written so far.
    pub bytes: u64,
    /// A background fsync in flight: its result arrives here.
    syncing: Option<std::sync::mpsc::Receiver<std::io::Result<()>>>,
    /// `bytes` when the last background fsync started.
    pub synced_at: u64,
}

impl BaseWriter {
    /// Creates the temporary base file.
    pub fn create(tmp: PathBuf) -> std::io::Result<BaseWriter> {
        let file = File::create(&tmp)?;
        Ok(BaseWriter {
            tmp,
            file,
            last_db: None,
            bytes: 0,
            syncing: None,
            synced_at: 0,
        })
    }

    /// Writes serialized commands of database `db`, preceded by a SELECT
    /// when the database changes.
    pub fn write(&mut self, db: usize, data: &[u8]) -> std::io::Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        if self.last_db != Some(db) {
            let mut sel = Vec::new();
            write_command(&mut sel, &[&b"SELECT"[..], db.to_string().as_bytes()]);
            self.file.write_all(&sel)?;
            self.bytes += sel.len() as u64;
            self.last_db = Some(db);
        }
        self.file.write_all(data)?;
        self.bytes += data.len() as u64;
        Ok(())
    }

    /// Writes commands that belong to no database (FUNCTION LOAD).
    pub fn write_raw(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.file.write_all(data)?;
        self.bytes += data.len() as u64;
        Ok(())
    }

    /// Starts an fsync of the file in a helper thread, unless one is in
    /// flight. Only the fsync leaves the loop (Redis moves it to a
    /// background thread too): flushing hundreds of MB of dirty pages at
    /// once stalled every client for 250-350 ms when done in the loop.
    pub fn start_sync(&mut self) -> std::io::Result<()> {
        if self.syncing.is_some() {
            return Ok(());
        }
        let f = self.file.try_clone()?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f.sync_all());
        });
        self.syncing = Some(rx);
        self.synced_at = self.bytes;
        Ok(())
    }

    /// The result of the background fsync once it finished.
    pub fn poll_sync(&mut self) -> Option<std::io::Result<()>> {
        let rx = self.syncing.as_ref()?;
        let result = match rx.try_recv() {
            Ok(r) => r,
            Err(std::sync::mpsc::TryRecvError::Empty) => return None,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                Err(std::io::Error::other("the fsync thread died"))
            }
        };
        self.syncing = None;
        Some(result)
    }

    /// Whether a background fsync is in flight.
    pub fn syncing(&self) -> bool {
        self.syncing.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::stream::NodeLimits;
    use crate::db::stream_group::Group;
    use crate::db::{hash, list, zset, Entry};

    /// The commands `v` is rewritten as (no TTL).
    fn emit(v: Value) -> String {
        let mut out = Vec::new();
        emit_entry(b"k", &Entry::new(v, 0, 0), -1, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_and_ttls() {
        let mut out = Vec::new();
        let e = Entry::new(Value::Str(crate::db::Str::Int(-7)), 0, 0);
        emit_entry(b"k", &e, 1234, &mut out);
        assert_eq!(
            out,
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n-7\r\n\
              *3\r\n$9\r\nPEXPIREAT\r\n$1\r\nk\r\n$4\r\n1234\r\n"
        );
    }

    #[test]
    fn lists_emit_rpush_batches() {
        let mut l = list::List::new();
        for i in 0..130 {
            l.push_back(i.to_string().as_bytes(), list::Shape::default());
        }
        let text = emit(Value::List(l));
        assert_eq!(text.matches("RPUSH").count(), 3);
        assert!(text.starts_with("*66\r\n$5\r\nRPUSH\r\n$1\r\nk\r\n$1\r\n0\r\n"));
    }

    #[test]
    fn hashes_emit_batches_of_64_pairs() {
        let mut h = hash::Hash::new();
        let lim = hash::Limits {
            max_entries: 1000,
            max_value: 64,
        };
        for i in 0..130 {
            h.set(format!("f{i}").as_bytes(), b"v", lim);
        }
        let text = emit(Value::Hash(h));
        assert_eq!(text.matches("HMSET").count(), 3);
        assert!(text.starts_with("*130\r\n$5\r\nHMSET\r\n$1\r\nk\r\n$2\r\nf0\r\n"));
        assert!(text.contains("*6\r\n$5\r\nHMSET\r\n"));
    }

    /// Both set encodings: intset members come out as decimal, in order.
    #[test]
    fn sets_emit_sadd_batches() {
        for (n, max_ints) in [(130usize, 512), (130, 0), (64, 512), (1, 0)] {
            let mut s = Set::new();
            for i in 0..n {
                s.add(i.to_string().as_bytes(), max_ints);
            }
            let text = emit(Value::Set(s));
            assert_eq!(
                text.matches("SADD").count(),
                n.div_ceil(64),
                "{n} {max_ints}"
            );
            if max_ints > 0 {
                assert!(text.starts_with("*66\r\n$4\r\nSADD\r\n$1\r\nk\r\n$1\r\n0\r\n$1\r\n1\r\n"));
            }
            for i in 0..n {
                assert!(text.contains(&format!("\r\n{i}\r\n")));
            }
        }
    }

    #[test]
    fn zsets_emit_zadd_batches() {
        let lim = zset::Limits {
            entries: 128,
            value: 64,
        };
        let items: Vec<(Vec<u8>, f64)> = (0..130)
            .map(|i| (format!("m{i}").into_bytes(), f64::from(i) / 2.0))
            .collect();
        let z = ZSet::from_unsorted(items, lim);
        assert_eq!(z.encoding(), "skiplist");
        let text = emit(Value::ZSet(z));
        assert_eq!(text.matches("ZADD").count(), 3);
        assert!(text
            .starts_with("*130\r\n$4\r\nZADD\r\n$1\r\nk\r\n$1\r\n0\r\n$2\r\nm0\r\n$3\r\n0.5\r\n"));
    }

    /// Shows RESP commands one per line, arguments space-separated.
    fn lines(text: &str) -> Vec<String> {
        text.split('*')
            .skip(1)
            .map(|cmd| {
                let parts: Vec<&str> = cmd.split("\r\n").collect();
                parts[2..]
                    .iter()
                    .step_by(2)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn streams_emit_entries_ids_groups_and_pending_entries() {
        assert_eq!(
            lines(&emit(Value::Stream(Box::default()))),
            [
                "XADD k MAXLEN 0 0-1 x y",
                "XSETID k 0-0 ENTRIESADDED 0 MAXDELETEDID 0-0"
            ]
            .map(|l| l.to_string())
        );
        let mut s = Stream::default();
        let lim = NodeLimits {
            bytes: 4096,
            entries: 100,
        };
        for i in 1..=3 {
            s.append(StreamId::new(i, 0), &[b"f", b"v"], lim);
        }
        s.last_id = StreamId::new(3, 0);
        s.entries_added = 3;
        s.max_deleted = StreamId::new(9, 0);
        let mut g = Group::new(StreamId::new(2, 0), 2);
        g.consumer(b"alice", 0);
        g.assign(StreamId::new(1, 0), b"alice", 77, 2);
        g.consumer(b"bob", 0);
        s.groups.insert(b"g".to_vec().into(), g);
        let got = lines(&emit(Value::Stream(Box::new(s))));
        let want = [
            "XADD k 1-0 f v",
            "XADD k 2-0 f v",
            "XADD k 3-0 f v",
            "XSETID k 9-0 ENTRIESADDED 3 MAXDELETEDID 9-0",
            "XSETID k 3-0",
            "XGROUP CREATE k g 2-0 ENTRIESREAD 2",
            "XCLAIM k g alice 0 1-0 TIME 77 RETRYCOUNT 2 JUSTID FORCE",
            "XGROUP CREATECONSUMER k g bob",
        ];
        assert_eq!(got, want.map(|l| l.to_string()));
    }
}
