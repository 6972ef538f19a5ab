//! How a rewrite writes values: each key as the commands that rebuild it,
//! in Redis's rewrite format (SET, RPUSH, HMSET, SADD, ZADD, XADD, then
//! PEXPIREAT for a TTL), and the writer of the new base file.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use crate::db::{Entry, Value};
use crate::resp::write_command;

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
pub fn emit_entry(key: &[u8], e: &Entry, expire: i64, out: &mut Vec<u8>) {
    match &e.val {
        Value::Str(s) => {
            let mut buf = [0u8; 20];
            write_command(out, &[b"SET", key, s.as_bytes(&mut buf)]);
        }
        Value::List(l) => l.emit(key, out),
        Value::Hash(h) => h.emit(key, out),
        Value::Set(x) => x.emit(key, out),
        Value::ZSet(z) => z.emit(key, out),
        Value::Stream(x) => x.emit(key, out),
    }
    if expire >= 0 {
        let when = expire.to_string();
        write_command(out, &[b"PEXPIREAT", key, when.as_bytes()]);
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
