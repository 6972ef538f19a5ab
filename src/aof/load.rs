//! Loading the AOF at startup, and `--check-aof`.
//!
//! Files are read in chunks and split into commands by the request parser.
//! Lines starting with `#` are annotations and skipped, as Redis does. A
//! file that ends inside a command is truncated: with `aof-load-truncated
//! yes` the incomplete tail of the last file is cut off with a warning;
//! anywhere else it is fatal. Anything that is not a multibulk command is
//! corruption, reported with the file, the byte offset and the reason.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use bytes::{Buf, Bytes, BytesMut};
use log::{info, warn};

use super::manifest::{Kind, Manifest};
use crate::resp::RequestParser;

/// Why loading stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    /// The file could not be read.
    Io(String),
    /// The file ends inside a command at `offset` (the last whole command).
    Truncated {
        /// The file.
        file: PathBuf,
        /// Bytes of whole commands.
        offset: u64,
    },
    /// Bad content at `offset`.
    Corrupt {
        /// The file.
        file: PathBuf,
        /// Byte offset of the bad command.
        offset: u64,
        /// What is wrong.
        reason: String,
    },
    /// A command the loader could not run.
    Command(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Io(e) => write!(f, "{e}"),
            LoadError::Truncated { file, offset } => write!(
                f,
                "Unexpected end of file reading the append only file {} (whole commands up to byte {offset}). You can: 1) Make a backup of your AOF file, then use cinnabar-server --check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.",
                file.display()
            ),
            LoadError::Corrupt { file, offset, reason } => write!(
                f,
                "Bad file format reading the append only file {} at byte {offset}: {reason}. Make a backup of your AOF file, then use cinnabar-server --check-aof --fix <filename.manifest>",
                file.display()
            ),
            LoadError::Command(e) => write!(f, "{e}"),
        }
    }
}

/// What a scan of one file found.
#[derive(Debug, Default)]
pub struct FileScan {
    /// Commands read.
    pub commands: u64,
    /// Bytes of whole commands.
    pub valid_up_to: u64,
    /// File size.
    pub size: u64,
}

/// Reads `path` and hands every command to `exec`. Stops at the first
/// problem; `Truncated` means everything before `offset` was executed.
pub fn scan_file(
    path: &Path,
    exec: impl FnMut(&[Bytes]) -> Result<(), String>,
) -> Result<FileScan, LoadError> {
    let io_err = |e: io::Error| {
        LoadError::Io(format!(
            "Can't open the append-only file {}: {e}",
            path.display()
        ))
    };
    let f = File::open(path).map_err(io_err)?;
    let size = f.metadata().map_err(io_err)?.len();
    scan_reader(path, f, size, exec)
}

/// [`scan_file`] over any reader: `size` is the input's length and `path`
/// only names it in errors. Reads may return any number of bytes; the
/// result does not depend on how the input is split (the fuzz target
/// `aof_loader` checks that).
pub fn scan_reader(
    path: &Path,
    mut f: impl Read,
    size: u64,
    mut exec: impl FnMut(&[Bytes]) -> Result<(), String>,
) -> Result<FileScan, LoadError> {
    let io_err = |e: io::Error| {
        LoadError::Io(format!(
            "Can't read the append-only file {}: {e}",
            path.display()
        ))
    };
    let mut scan = FileScan {
        size,
        ..FileScan::default()
    };
    let mut parser = RequestParser::new();
    let mut buf = BytesMut::new();
    let mut consumed: u64 = 0; // bytes of the file removed from `buf`
    let mut chunk = vec![0u8; 1 << 20];
    let mut eof = false;
    let mut first = true;
    let mut last_log = Instant::now();
    // Where an open MULTI began: a file that ends inside a transaction is
    // truncated there, so it is applied whole or not at all.
    let mut multi_start: Option<u64> = None;
    loop {
        // Parse every whole command in the buffer.
        loop {
            if parser.pending_bulk().is_none() && !buf.is_empty() && scan.valid_up_to == consumed {
                if first && buf.len() >= 5 && &buf[..5] == b"REDIS" {
                    return Err(LoadError::Corrupt {
                        file: path.into(),
                        offset: 0,
                        reason: "the file starts with an RDB preamble, and loading RDB is not supported yet (write AOF files with aof-use-rdb-preamble no)".into(),
                    });
                }
                first = false;
                if buf[0] == b'#' {
                    match buf.iter().position(|&c| c == b'\n') {
                        Some(nl) => {
                            buf.advance(nl + 1);
                            consumed += nl as u64 + 1;
                            scan.valid_up_to = consumed;
                            continue;
                        }
                        None if eof => break,
                        None => break,
                    }
                }
                if buf[0] != b'*' {
                    return Err(LoadError::Corrupt {
                        file: path.into(),
                        offset: consumed,
                        reason: format!("expected '*', got '{}'", buf[0].escape_ascii()),
                    });
                }
            }
            let before = buf.len();
            match parser.next_command(&mut buf, i64::MAX) {
                Ok(Some(argv)) => {
                    // Not `consumed`: the parser may have taken the
                    // command's first bytes from an earlier read already.
                    let start = scan.valid_up_to;
                    consumed += (before - buf.len()) as u64;
                    if argv[0].eq_ignore_ascii_case(b"multi") {
                        multi_start = Some(start);
                    } else if argv[0].eq_ignore_ascii_case(b"exec") {
                        multi_start = None;
                    }
                    exec(&argv).map_err(LoadError::Command)?;
                    scan.commands += 1;
                    scan.valid_up_to = consumed;
                }
                Ok(None) => {
                    consumed += (before - buf.len()) as u64;
                    break;
                }
                Err(e) => {
                    return Err(LoadError::Corrupt {
                        file: path.into(),
                        offset: scan.valid_up_to,
                        reason: e.message().trim_start_matches("ERR ").to_string(),
                    })
                }
            }
        }
        if eof {
            break;
        }
        let n = f.read(&mut chunk).map_err(io_err)?;
        if n == 0 {
            eof = true;
            continue;
        }
        buf.extend_from_slice(&chunk[..n]);
        if last_log.elapsed().as_secs() >= 2 {
            info!(
                "Loading AOF {}: {} of {} bytes",
                path.display(),
                consumed,
                size
            );
            last_log = Instant::now();
        }
    }
    if let Some(offset) = multi_start {
        warn!(
            "Revert incomplete MULTI/EXEC transaction in AOF file {}",
            path.display()
        );
        return Err(LoadError::Truncated {
            file: path.into(),
            offset,
        });
    }
    if scan.valid_up_to < size {
        return Err(LoadError::Truncated {
            file: path.into(),
            offset: scan.valid_up_to,
        });
    }
    Ok(scan)
}

/// Truncates `path` to `len` bytes.
pub fn truncate(path: &Path, len: u64) -> io::Result<()> {
    let f = OpenOptions::new().write(true).open(path)?;
    f.set_len(len)?;
    f.sync_all()
}

/// Loads every file of `manifest` in `dir` (base, then incr files in
/// order) through `exec`. A truncated tail of the last file is cut off
/// when `truncated_ok`, otherwise it is an error.
pub fn load_all(
    dir: &Path,
    manifest: &Manifest,
    truncated_ok: bool,
    mut exec: impl FnMut(&[Bytes]) -> Result<(), String>,
) -> Result<u64, LoadError> {
    let files: Vec<_> = manifest.base.iter().chain(&manifest.incrs).collect();
    let mut total = 0;
    let start = Instant::now();
    for (i, f) in files.iter().enumerate() {
        let path = dir.join(&f.name);
        if f.kind == Kind::Base && f.name.ends_with(".rdb") {
            return Err(LoadError::Corrupt {
                file: path,
                offset: 0,
                reason: "the base file is an RDB file, and loading RDB is not supported yet (write AOF files with aof-use-rdb-preamble no)".into(),
            });
        }
        if f.kind == Kind::Incr && !path.exists() {
            // An incr file the manifest names but that was never written
            // (a crash right after the manifest switch) holds no commands.
            continue;
        }
        match scan_file(&path, &mut exec) {
            Ok(s) => total += s.commands,
            Err(LoadError::Truncated { file, offset }) if truncated_ok && i + 1 == files.len() => {
                warn!(
                    "!!! Warning: short read while loading the AOF file {}!!!",
                    file.display()
                );
                warn!(
                    "!!! Truncating the AOF {} at offset {offset} !!!",
                    file.display()
                );
                truncate(&file, offset).map_err(|e| {
                    LoadError::Io(format!(
                        "Error truncating the AOF file {}: {e}",
                        file.display()
                    ))
                })?;
                warn!("AOF loaded anyway because aof-load-truncated is enabled");
            }
            Err(e) => return Err(e),
        }
    }
    info!(
        "DB loaded from append only file: {:.3} seconds",
        start.elapsed().as_secs_f64()
    );
    Ok(total)
}

/// `--check-aof <file> [--fix]`: checks a manifest (every file it names)
/// or a single AOF file; with `fix`, truncates at the last whole command.
/// Returns the report and whether everything is (now) valid.
pub fn check(path: &Path, fix: bool) -> (String, bool) {
    let mut report = String::new();
    let is_manifest = path.extension().is_some_and(|e| e == "manifest");
    let files: Vec<PathBuf> = if is_manifest {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => return (format!("Cannot open {}: {e}\n", path.display()), false),
        };
        let m = match Manifest::parse(&text) {
            Ok(m) => m,
            Err(e) => return (format!("{e}\n"), false),
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        report.push_str("Start checking Multi Part AOF\n");
        m.base
            .iter()
            .chain(&m.incrs)
            .map(|f| dir.join(&f.name))
            .collect()
    } else {
        vec![path.to_path_buf()]
    };
    let mut ok = true;
    for (i, file) in files.iter().enumerate() {
        let last = i + 1 == files.len();
        match scan_file(file, |_| Ok(())) {
            Ok(s) => report.push_str(&format!(
                "AOF {} is valid ({} commands, {} bytes)\n",
                file.display(),
                s.commands,
                s.size
            )),
            Err(LoadError::Truncated { offset, .. } | LoadError::Corrupt { offset, .. })
                if fix && last =>
            {
                let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
                report.push_str(&format!(
                    "AOF analyzed: filename={}, size={size}, ok_up_to={offset}, diff={}\n",
                    file.display(),
                    size - offset
                ));
                match truncate(file, offset) {
                    Ok(()) => {
                        report.push_str(&format!("Successfully truncated AOF {}\n", file.display()))
                    }
                    Err(e) => {
                        report
                            .push_str(&format!("Failed to truncate AOF {}: {e}\n", file.display()));
                        ok = false;
                    }
                }
            }
            Err(e) => {
                ok = false;
                report.push_str(&format!("{e}\n"));
                if let LoadError::Truncated { offset, .. } | LoadError::Corrupt { offset, .. } = e {
                    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
                    report.push_str(&format!(
                        "AOF analyzed: filename={}, size={size}, ok_up_to={offset}, diff={}\n",
                        file.display(),
                        size.saturating_sub(offset)
                    ));
                    if last {
                        report.push_str(&format!(
                            "AOF {} is not valid. Use the --fix option to try fixing it.\n",
                            file.display()
                        ));
                    } else {
                        report.push_str(
                            "Only the last file of a multi part AOF can be fixed by truncation.\n",
                        );
                    }
                }
                break;
            }
        }
    }
    if ok && is_manifest {
        report.push_str("All AOF files and manifest are valid\n");
    }
    (report, ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `aof_scan_invariants` proptest: when a MULTI arrived
    /// across two reads, an unfinished transaction was cut at the offset
    /// of the second read rather than at the MULTI, leaving half a command
    /// behind for `aof-load-truncated` / `--check-aof --fix`.
    #[test]
    fn unfinished_multi_split_across_reads_truncates_at_multi() {
        let set = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
        let mut data = set.to_vec();
        data.extend_from_slice(b"*1\r\n$5\r\nMULTI\r\n*1\r\n$3\r\nSET\r\n");
        /// Reads one byte at a time.
        struct Bytewise<'a>(&'a [u8]);
        impl Read for Bytewise<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = buf.len().min(self.0.len()).min(1);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let r = scan_reader(
            Path::new("t.aof"),
            Bytewise(&data),
            data.len() as u64,
            |_| Ok(()),
        );
        assert_eq!(
            r.unwrap_err(),
            LoadError::Truncated {
                file: "t.aof".into(),
                offset: set.len() as u64
            }
        );
    }
}
