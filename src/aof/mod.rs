//! The append-only file: Redis 7's multi-part layout (a base file,
//! incremental files and a manifest in `dir/appenddirname`), fed with every
//! command that changed the dataset.
//!
//! The write path, all inside the loop: commands are appended to `buf` as
//! they run; `before_sleep` writes `buf` to the current incremental file
//! before any reply leaves (and fsyncs first with `appendfsync always`);
//! the cron fsyncs once a second with `everysec`. A reply is held back
//! until the AOF bytes its client is waiting for are written (or synced,
//! with `always`), so an acknowledged write is never only in memory.
//!
//! Rewrites do not fork: see [`Aof::start_rewrite`] and `db::snapshot`.

pub mod load;
pub mod manifest;
pub mod rewrite;

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use log::{info, warn};

use crate::config::Config;
use crate::db::Db;
use crate::resp::write_command;
use manifest::{sync_dir, AofFile, Kind, Manifest};
use rewrite::BaseWriter;

/// When the incremental file is fsynced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fsync {
    /// Before replies are sent, every loop iteration with writes.
    Always,
    /// Once a second, on the cron tick.
    EverySec,
    /// Left to the kernel.
    No,
}

impl Fsync {
    /// From the `appendfsync` value.
    pub fn from_config(v: &str) -> Fsync {
        match v {
            "always" => Fsync::Always,
            "no" => Fsync::No,
            _ => Fsync::EverySec,
        }
    }
}

/// An error text without Rust's " (os error N)" suffix, as strerror gives.
pub fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Where a helper thread reports an fsync's result and duration.
type FsyncResult = std::sync::mpsc::Receiver<(io::Result<()>, Duration)>;

/// A rewrite in progress.
#[derive(Debug)]
pub struct RewriteJob {
    base: BaseWriter,
    started: Instant,
    /// The incremental file opened when the rewrite started.
    new_incr: AofFile,
    /// Enabling the AOF at runtime: no manifest exists until this finishes.
    initial: bool,
    /// The snapshot is fully written; waiting for the final fsync.
    final_sync: bool,
}

/// The append-only file and its write, fsync and rewrite state.
#[derive(Debug)]
pub struct Aof {
    /// `dir/appenddirname`.
    pub dir: PathBuf,
    /// `appendfilename`, the prefix of every file.
    pub prefix: String,
    /// The manifest as last persisted.
    pub manifest: Manifest,
    incr: Option<File>,
    /// Length of the current incremental file (where a short write is
    /// truncated back to).
    incr_file_len: u64,
    /// Commands fed but not yet written.
    pub buf: Vec<u8>,
    last_db: Option<usize>,
    /// Total bytes ever fed; a client waits for this offset.
    pub fed: u64,
    /// Total bytes written to the incremental file.
    pub written: u64,
    /// Total bytes fsynced.
    pub synced: u64,
    /// fsync policy.
    pub fsync: Fsync,
    /// Size of the base file.
    pub base_size: u64,
    /// Size of all incremental files.
    pub incr_size: u64,
    /// The last write error (strerror text), while writes are failing.
    pub write_error: Option<String>,
    /// The last fsync error, while fsyncs are failing.
    pub fsync_error: Option<String>,
    /// The rewrite in progress.
    pub rewrite: Option<RewriteJob>,
    /// Duration of the last rewrite in seconds (-1: none yet).
    pub last_rewrite_secs: i64,
    /// Whether the last rewrite succeeded.
    pub last_rewrite_ok: bool,
    /// Rewrites completed.
    pub rewrites: u64,
    /// Base + incr size when the last rewrite finished (auto-rewrite growth base).
    pub rewrite_base_size: u64,
    /// The files are the live AOF (false while enabling at runtime).
    pub active: bool,
    /// BGREWRITEAOF with the AOF off: write a base and a manifest, nothing
    /// else, then go away.
    pub offline: bool,
    last_fsync: Instant,
    rewrite_gen: u32,
    /// The everysec fsync running in a helper thread, and the written
    /// offset it covers.
    bg_fsync: Option<(FsyncResult, u64)>,
    /// Background fsyncs that took over two seconds (INFO aof_delayed_fsync).
    pub delayed_fsync: u64,
}

fn base_name(prefix: &str, seq: u64) -> String {
    format!("{prefix}.{seq}.base.aof")
}

fn incr_name(prefix: &str, seq: u64) -> String {
    format!("{prefix}.{seq}.incr.aof")
}

fn manifest_name(prefix: &str) -> String {
    format!("{prefix}.manifest")
}

fn open_append(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

impl Aof {
    /// The AOF directory for `config`.
    pub fn dir_for(config: &Config) -> PathBuf {
        Path::new(&config.dir).join(&config.appenddirname)
    }

    fn empty(config: &Config) -> Aof {
        Aof {
            dir: Aof::dir_for(config),
            prefix: config.appendfilename.clone(),
            manifest: Manifest::default(),
            incr: None,
            incr_file_len: 0,
            buf: Vec::new(),
            last_db: None,
            fed: 0,
            written: 0,
            synced: 0,
            fsync: Fsync::from_config(&config.appendfsync),
            base_size: 0,
            incr_size: 0,
            write_error: None,
            fsync_error: None,
            rewrite: None,
            last_rewrite_secs: -1,
            last_rewrite_ok: true,
            rewrites: 0,
            rewrite_base_size: 0,
            active: true,
            offline: false,
            last_fsync: Instant::now(),
            rewrite_gen: 0,
            bg_fsync: None,
            delayed_fsync: 0,
        }
    }

    /// Reads the manifest at startup. `Ok(None)` when the directory has no
    /// AOF yet.
    pub fn read_manifest(config: &Config) -> Result<Option<Manifest>, String> {
        let path = Aof::dir_for(config).join(manifest_name(&config.appendfilename));
        match fs::read_to_string(&path) {
            Ok(text) => Manifest::parse(&text).map(Some),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!(
                "Can't open the AOF manifest {}: {e}",
                path.display()
            )),
        }
    }

    /// Opens the AOF for appending after `manifest` was loaded (or creates
    /// a fresh one, as Redis does: an empty base, an incr file, a manifest).
    pub fn open(config: &Config, manifest: Option<Manifest>) -> io::Result<Aof> {
        let mut aof = Aof::empty(config);
        fs::create_dir_all(&aof.dir)?;
        let mut m = match manifest {
            Some(m) => m,
            None => {
                let base = AofFile {
                    name: base_name(&aof.prefix, 1),
                    seq: 1,
                    kind: Kind::Base,
                };
                File::create(aof.dir.join(&base.name))?.sync_all()?;
                Manifest {
                    base: Some(base),
                    incrs: Vec::new(),
                    history: Vec::new(),
                }
            }
        };
        if m.incrs.is_empty() {
            let seq = m.incr_seq() + 1;
            m.incrs.push(AofFile {
                name: incr_name(&aof.prefix, seq),
                seq,
                kind: Kind::Incr,
            });
        }
        let last = m
            .incrs
            .last()
            .map(|f| aof.dir.join(&f.name))
            .unwrap_or_default();
        aof.incr = Some(open_append(&last)?);
        aof.incr_file_len = file_len(&last);
        m.persist(&aof.dir, &manifest_name(&aof.prefix))?;
        aof.delete_history(&mut m);
        aof.manifest = m;
        aof.refresh_sizes();
        aof.rewrite_base_size = aof.base_size + aof.incr_size;
        Ok(aof)
    }

    /// Creates an AOF that becomes live when its first rewrite finishes
    /// (CONFIG SET appendonly yes at runtime).
    pub fn enabling(config: &Config) -> io::Result<Aof> {
        let mut aof = Aof::empty(config);
        fs::create_dir_all(&aof.dir)?;
        aof.active = false;
        if let Ok(Some(m)) = Aof::read_manifest(config) {
            aof.manifest = m;
        }
        Ok(aof)
    }

    /// An AOF used only to write a base file (BGREWRITEAOF while off).
    pub fn offline(config: &Config) -> io::Result<Aof> {
        let mut aof = Aof::enabling(config)?;
        aof.offline = true;
        Ok(aof)
    }

    fn refresh_sizes(&mut self) {
        self.base_size = self
            .manifest
            .base
            .as_ref()
            .map_or(0, |b| file_len(&self.dir.join(&b.name)));
        self.incr_size = self
            .manifest
            .incrs
            .iter()
            .map(|f| file_len(&self.dir.join(&f.name)))
            .sum();
    }

    fn delete_history(&self, m: &mut Manifest) {
        if m.history.is_empty() {
            return;
        }
        // Unlinking a large old base file can take tens of milliseconds:
        // a helper thread does it. A crash before it leaves only garbage
        // that no manifest names.
        let doomed: Vec<PathBuf> = m.history.iter().map(|f| self.dir.join(&f.name)).collect();
        std::thread::spawn(move || {
            for f in doomed {
                let _ = fs::remove_file(f);
            }
        });
        m.history.clear();
        if let Err(e) = m.persist(&self.dir, &manifest_name(&self.prefix)) {
            warn!("Can't persist the AOF manifest after deleting history files: {e}");
        }
    }

    /// Appends one command of database `db`, with a SELECT when the
    /// database changes.
    pub fn feed<A: AsRef<[u8]>>(&mut self, db: usize, args: &[A]) {
        if self.offline {
            return;
        }
        let before = self.buf.len();
        if self.last_db != Some(db) {
            write_command(&mut self.buf, &[&b"SELECT"[..], db.to_string().as_bytes()]);
            self.last_db = Some(db);
        }
        write_command(&mut self.buf, args);
        self.fed += (self.buf.len() - before) as u64;
    }

    /// A point in the buffer to roll back to (see [`Aof::rollback`]).
    pub fn mark(&self) -> (usize, u64, Option<usize>) {
        (self.buf.len(), self.fed, self.last_db)
    }

    /// Drops what was fed since `mark` (a MULTI with no writes after it).
    pub fn rollback(&mut self, mark: (usize, u64, Option<usize>)) {
        let (len, fed, last_db) = mark;
        if self.buf.len() >= len && self.fed - fed == (self.buf.len() - len) as u64 {
            self.buf.truncate(len);
            self.fed = fed;
            self.last_db = last_db;
        }
    }

    /// The offset up to which replies may be released.
    pub fn durable(&self) -> u64 {
        match self.fsync {
            Fsync::Always => self.synced,
            _ => self.written,
        }
    }

    /// Whether writes must be refused (MISCONF), with the reason.
    pub fn disk_error(&self) -> Option<&str> {
        self.write_error.as_deref().or(self.fsync_error.as_deref())
    }

    /// Writes the buffer to the incremental file. A short write is undone
    /// (the file truncated back) so a half command is never continued by
    /// a later write; if that fails, the written part is dropped from the
    /// buffer instead, which continues the same bytes.
    pub fn write_buffer(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let Some(file) = self.incr.as_mut() else {
            return;
        };
        let size_before = self.incr_file_len;
        let mut done = 0;
        let mut error = None;
        while done < self.buf.len() {
            match file.write(&self.buf[done..]) {
                Ok(0) => {
                    error = Some(io::Error::from(io::ErrorKind::WriteZero));
                    break;
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = error {
            let msg = strerror(&e);
            if self.write_error.is_none() {
                warn!("Error writing to the AOF file: {msg}");
            }
            if done > 0 {
                match file.set_len(size_before) {
                    Ok(()) => done = 0,
                    Err(_) => {
                        warn!("Could not remove short write from the AOF file; it will be completed later");
                    }
                }
            }
            self.consume(done);
            self.write_error = Some(msg);
            return;
        }
        self.consume(done);
        if self.write_error.take().is_some() {
            info!("AOF write error looks solved, Cinnabar can write again.");
        }
    }

    fn consume(&mut self, n: usize) {
        self.buf.drain(..n);
        self.written += n as u64;
        self.incr_size += n as u64;
        self.incr_file_len += n as u64;
        if self.buf.capacity() > 1 << 20 && self.buf.len() < 1 << 16 {
            self.buf.shrink_to(1 << 16);
        }
    }

    /// Fsyncs the incremental file if anything was written since the last
    /// fsync. Returns how long it took.
    pub fn fsync_now(&mut self) -> Duration {
        let start = Instant::now();
        if self.synced == self.written && self.fsync_error.is_none() {
            self.last_fsync = start;
            return Duration::ZERO;
        }
        let Some(file) = self.incr.as_ref() else {
            return Duration::ZERO;
        };
        match file.sync_data() {
            Ok(()) => {
                self.synced = self.written;
                if self.fsync_error.take().is_some() {
                    info!("AOF fsync error looks solved.");
                }
            }
            Err(e) => {
                let msg = strerror(&e);
                warn!("Error syncing the AOF file: {msg}");
                self.fsync_error = Some(msg);
            }
        }
        self.last_fsync = Instant::now();
        start.elapsed()
    }

    /// The once-a-second work: everysec fsync, retrying failed writes.
    pub fn tick(&mut self) {
        if self.write_error.is_some() {
            self.write_buffer();
        }
        self.poll_background_fsync();
        if self.fsync == Fsync::EverySec && self.last_fsync.elapsed() >= Duration::from_secs(1) {
            self.start_background_fsync();
        }
    }

    /// Starts the everysec fsync in a helper thread, unless one is still
    /// running. The loop decides when; only the fsync call leaves it: on
    /// this machine's disk it took 10-50 ms under load, a stall for every
    /// client if done in the loop.
    fn start_background_fsync(&mut self) {
        if self.bg_fsync.is_some() || (self.synced == self.written && self.fsync_error.is_none()) {
            return;
        }
        let Some(file) = self.incr.as_ref().and_then(|f| f.try_clone().ok()) else {
            return;
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let target = self.written;
        std::thread::spawn(move || {
            let start = Instant::now();
            let r = file.sync_data();
            let _ = tx.send((r, start.elapsed()));
        });
        self.bg_fsync = Some((rx, target));
        self.last_fsync = Instant::now();
    }

    /// Collects the result of a background fsync that finished.
    fn poll_background_fsync(&mut self) {
        let Some((rx, target)) = self.bg_fsync.as_ref() else {
            return;
        };
        let (result, took) = match rx.try_recv() {
            Ok(r) => r,
            Err(std::sync::mpsc::TryRecvError::Empty) => return,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => (
                Err(io::Error::other("the fsync thread died")),
                Duration::ZERO,
            ),
        };
        let target = *target;
        self.bg_fsync = None;
        match result {
            Ok(()) => {
                self.synced = self.synced.max(target);
                if self.fsync_error.take().is_some() {
                    info!("AOF fsync error looks solved.");
                }
                if took > Duration::from_secs(2) {
                    self.delayed_fsync += 1;
                    warn!(
                        "Asynchronous AOF fsync is taking too long (disk is busy?): {} ms",
                        took.as_millis()
                    );
                }
            }
            Err(e) => {
                let msg = strerror(&e);
                warn!("Error syncing the AOF file: {msg}");
                self.fsync_error = Some(msg);
            }
        }
    }

    /// Flushes everything and fsyncs (shutdown, disabling the AOF).
    pub fn flush_and_sync(&mut self) {
        self.write_buffer();
        self.fsync_now();
    }

    // -----------------------------------------------------------------------
    // Rewrite
    // -----------------------------------------------------------------------

    /// Starts a rewrite: writes out pending commands, opens a new
    /// incremental file for everything from now on (and, for a live AOF,
    /// persists a manifest naming it, so a crash mid-rewrite still loads
    /// base + all incr files), and starts a snapshot of every database.
    /// `preamble` (the function libraries as FUNCTION LOAD commands) opens
    /// the new base file, before any database.
    pub fn start_rewrite(
        &mut self,
        dbs: &mut [Db],
        now_ms: i64,
        preamble: &[u8],
    ) -> io::Result<()> {
        if self.rewrite.is_some() {
            return Ok(());
        }
        if self.active {
            self.flush_and_sync();
        }
        let seq = self.manifest.incr_seq() + 1;
        let new_incr = AofFile {
            name: incr_name(&self.prefix, seq),
            seq,
            kind: Kind::Incr,
        };
        let file = if self.offline {
            None
        } else {
            Some(open_append(&self.dir.join(&new_incr.name))?)
        };
        if self.active {
            let mut m = self.manifest.clone();
            m.incrs.push(new_incr.clone());
            m.persist(&self.dir, &manifest_name(&self.prefix))?;
            self.manifest = m;
        }
        let tmp = self.dir.join(format!(
            "temp-rewriteaof-{}-{now_ms}.aof",
            std::process::id()
        ));
        let mut base = BaseWriter::create(tmp)?;
        base.write_raw(preamble)?;
        if file.is_some() {
            self.incr = file;
            self.incr_file_len = 0;
        }
        self.last_db = None;
        self.rewrite_gen += 1;
        let gen = self.rewrite_gen;
        for (i, db) in dbs.iter_mut().enumerate() {
            db.begin_snapshot(gen, i, rewrite::emit_entry);
        }
        self.rewrite = Some(RewriteJob {
            base,
            started: Instant::now(),
            new_incr,
            initial: !self.active,
            final_sync: false,
        });
        info!("Background append only file rewriting started");
        Ok(())
    }

    /// Advances the rewrite for about `budget` of loop time. Returns true
    /// once it finished (or failed).
    pub fn rewrite_step(&mut self, dbs: &mut [Db], budget: Duration) -> bool {
        let Some(job) = self.rewrite.as_mut() else {
            return true;
        };
        let start = Instant::now();
        let mut all_done = false;
        while !all_done && start.elapsed() < budget {
            all_done = true;
            for db in dbs.iter_mut() {
                if !db.snapshot_step(256) {
                    all_done = false;
                }
            }
        }
        let mut result = Ok(());
        for db in dbs.iter_mut() {
            if let Some((index, out)) = db.snapshot_output() {
                if result.is_ok() {
                    result = job.base.write(index, out);
                }
                out.clear();
            }
        }
        // fsyncs run in a helper thread: one every 32 MB keeps the final
        // one short; the switch waits for the final one.
        if let Some(Err(e)) = job.base.poll_sync() {
            result = Err(e);
        }
        if result.is_ok() && job.base.bytes - job.base.synced_at >= 32 << 20 {
            result = job.base.start_sync();
        }
        if let Err(e) = result {
            self.abort_rewrite(dbs, &strerror(&e));
            return true;
        }
        if !all_done {
            return false;
        }
        if !job.final_sync {
            if job.base.syncing() {
                return false;
            }
            if let Err(e) = job.base.start_sync() {
                self.abort_rewrite(dbs, &strerror(&e));
                return true;
            }
            job.final_sync = true;
            return false;
        }
        if job.base.syncing() {
            return false;
        }
        if let Err(e) = self.finish_rewrite(dbs) {
            self.abort_rewrite(dbs, &strerror(&e));
        }
        true
    }

    fn finish_rewrite(&mut self, dbs: &mut [Db]) -> io::Result<()> {
        let Some(job) = self.rewrite.take() else {
            return Ok(());
        };
        for db in dbs.iter_mut() {
            db.end_snapshot();
        }
        // The base file was fsynced by the helper thread (rewrite_step).
        let base_seq = self.manifest.base_seq() + 1;
        let base = AofFile {
            name: base_name(&self.prefix, base_seq),
            seq: base_seq,
            kind: Kind::Base,
        };
        fs::rename(&job.base.tmp, self.dir.join(&base.name))?;
        sync_dir(&self.dir)?;
        // The new manifest: the new base, and the incr files opened since
        // the rewrite started; the rest becomes history, deleted after the
        // switch.
        let mut m = self.manifest.clone();
        let keep_from = job.new_incr.seq;
        let mut history: Vec<AofFile> = m.history.clone();
        history.extend(m.base.take().map(|b| AofFile {
            kind: Kind::History,
            ..b
        }));
        let (old, new): (Vec<AofFile>, Vec<AofFile>) =
            m.incrs.drain(..).partition(|f| f.seq < keep_from);
        history.extend(old.into_iter().map(|f| AofFile {
            kind: Kind::History,
            ..f
        }));
        m.base = Some(base);
        m.incrs = if self.offline {
            Vec::new()
        } else if new.is_empty() {
            vec![job.new_incr.clone()]
        } else {
            new
        };
        m.history = history;
        // What the new incr file holds is written (the kernel has it, as
        // for every acknowledged write); its fsync follows the policy as
        // usual rather than stalling the loop here.
        self.write_buffer();
        m.persist(&self.dir, &manifest_name(&self.prefix))?;
        self.manifest = m.clone();
        self.delete_history(&mut m);
        self.manifest = m;
        self.refresh_sizes();
        self.rewrite_base_size = self.base_size + self.incr_size;
        self.last_rewrite_secs = job.started.elapsed().as_secs() as i64;
        self.last_rewrite_ok = true;
        self.rewrites += 1;
        if job.initial {
            self.active = true;
            info!("Background AOF rewrite finished successfully; the AOF is now enabled");
        } else {
            info!("Background AOF rewrite finished successfully");
        }
        Ok(())
    }

    /// Abandons a rewrite: snapshots end, the temporary file is removed.
    /// The incremental file opened at the start stays in the manifest.
    pub fn abort_rewrite(&mut self, dbs: &mut [Db], why: &str) {
        if let Some(job) = self.rewrite.take() {
            for db in dbs.iter_mut() {
                db.end_snapshot();
            }
            let _ = fs::remove_file(&job.base.tmp);
            warn!("Background AOF rewrite failed: {why}");
            self.last_rewrite_secs = job.started.elapsed().as_secs() as i64;
            self.last_rewrite_ok = false;
        }
    }

    /// Whether the rewrite in progress is the one enabling the AOF.
    pub fn enabling_in_progress(&self) -> bool {
        self.rewrite.as_ref().is_some_and(|j| j.initial)
    }

    /// Seconds the current rewrite has been running (-1: none).
    pub fn current_rewrite_secs(&self) -> i64 {
        self.rewrite
            .as_ref()
            .map_or(-1, |j| j.started.elapsed().as_secs() as i64)
    }

    /// Whether an automatic rewrite is due (`auto-aof-rewrite-*`).
    pub fn auto_rewrite_due(&self, percentage: u64, min_size: u64) -> bool {
        if percentage == 0 || self.rewrite.is_some() || !self.active {
            return false;
        }
        let size = self.base_size + self.incr_size;
        let base = self.rewrite_base_size.max(1);
        size > min_size && (size.saturating_sub(base)) * 100 / base >= percentage
    }
}
