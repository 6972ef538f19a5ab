//! Redis 7's AOF manifest: which base and incremental files make up the
//! append-only file, in the exact syntax redis-server reads and writes:
//!
//! ```text
//! file appendonly.aof.2.base.aof seq 2 type b
//! file appendonly.aof.2.incr.aof seq 2 type i
//! ```
//!
//! The manifest is replaced atomically: written to a temporary file,
//! fsynced, renamed over the old one, and the directory fsynced.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use crate::resp::parse::split_args;

/// The role of a file in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The base snapshot (`type b`).
    Base,
    /// Replaced, waiting to be deleted (`type h`).
    History,
    /// Incremental commands after the base (`type i`).
    Incr,
}

/// One file named by the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AofFile {
    /// File name inside the AOF directory.
    pub name: String,
    /// Sequence number.
    pub seq: u64,
    /// Role.
    pub kind: Kind,
}

/// The parsed manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// The base file, if one was written.
    pub base: Option<AofFile>,
    /// Incremental files, oldest first.
    pub incrs: Vec<AofFile>,
    /// Files replaced by a rewrite, not yet deleted.
    pub history: Vec<AofFile>,
}

impl Manifest {
    /// Parses manifest text; errors say what is wrong and where.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let mut m = Manifest::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad =
                |why: &str| format!("Invalid AOF manifest file format at line {}: {why}", i + 1);
            let words = split_args(line.as_bytes()).ok_or_else(|| bad("unbalanced quotes"))?;
            if words.len() % 2 != 0 {
                return Err(bad("odd number of fields"));
            }
            let (mut name, mut seq, mut kind) = (None, None, None);
            for kv in words.chunks(2) {
                let v = String::from_utf8_lossy(&kv[1]).into_owned();
                match &kv[0][..] {
                    b"file" => name = Some(v),
                    b"seq" => seq = Some(v.parse::<u64>().map_err(|_| bad("bad seq"))?),
                    b"type" => {
                        kind = Some(match v.as_str() {
                            "b" => Kind::Base,
                            "h" => Kind::History,
                            "i" => Kind::Incr,
                            _ => return Err(bad("unknown type")),
                        })
                    }
                    _ => {} // Unknown keys are ignored, as Redis does.
                }
            }
            let (Some(name), Some(seq), Some(kind)) = (name, seq, kind) else {
                return Err(bad("missing file, seq or type"));
            };
            if name.contains('/') {
                return Err(bad("file names may not contain '/'"));
            }
            let f = AofFile { name, seq, kind };
            match kind {
                Kind::Base if m.base.is_some() => return Err(bad("more than one base file")),
                Kind::Base => m.base = Some(f),
                Kind::History => m.history.push(f),
                Kind::Incr => {
                    if m.incrs.last().is_some_and(|l| l.seq >= seq) {
                        return Err(bad("incr files out of order"));
                    }
                    m.incrs.push(f);
                }
            }
        }
        Ok(m)
    }

    /// The manifest text: base, history, then incremental files.
    pub fn format(&self) -> String {
        let mut s = String::new();
        for f in self.base.iter().chain(&self.history).chain(&self.incrs) {
            let t = match f.kind {
                Kind::Base => 'b',
                Kind::History => 'h',
                Kind::Incr => 'i',
            };
            let name = if f
                .name
                .bytes()
                .all(|c| c.is_ascii_graphic() && c != b'"' && c != b'\'')
            {
                f.name.clone()
            } else {
                format!("{:?}", f.name)
            };
            s.push_str(&format!("file {name} seq {} type {t}\n", f.seq));
        }
        s
    }

    /// Highest base sequence number so far.
    pub fn base_seq(&self) -> u64 {
        self.base
            .iter()
            .chain(&self.history)
            .filter(|f| f.name.contains(".base."))
            .map(|f| f.seq)
            .max()
            .unwrap_or(0)
    }

    /// Highest incremental sequence number so far.
    pub fn incr_seq(&self) -> u64 {
        self.incrs
            .iter()
            .chain(&self.history)
            .filter(|f| f.name.contains(".incr."))
            .map(|f| f.seq)
            .max()
            .unwrap_or(0)
    }

    /// Writes the manifest atomically as `dir/name`.
    pub fn persist(&self, dir: &Path, name: &str) -> std::io::Result<()> {
        let tmp = dir.join(format!("temp-{name}"));
        {
            let mut f = File::create(&tmp)?;
            f.write_all(self.format().as_bytes())?;
            f.sync_all()?;
        }
        fs::rename(&tmp, dir.join(name))?;
        sync_dir(dir)
    }
}

/// Fsyncs a directory so a rename in it is durable.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let text = "file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.1.incr.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\nfile appendonly.aof.3.incr.aof seq 3 type i\n";
        let m = Manifest::parse(text).unwrap();
        assert_eq!(m.base.as_ref().unwrap().seq, 2);
        assert_eq!(m.incrs.len(), 2);
        assert_eq!(m.history.len(), 1);
        assert_eq!(m.format(), text);
        assert_eq!(m.base_seq(), 2);
        assert_eq!(m.incr_seq(), 3);
        assert!(Manifest::parse("file a seq 1 type x\n").is_err());
        assert!(Manifest::parse("file a seq x type b\n").is_err());
        assert!(Manifest::parse("file a seq 1 type b\nfile b seq 2 type b\n").is_err());
        assert!(Manifest::parse("file a seq 1\n").is_err());
    }
}
