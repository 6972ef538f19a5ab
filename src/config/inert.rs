//! Parameters of features Cinnabar does not have yet (cluster, TLS,
//! replication, ...): how their values are read, so that Redis's default
//! in any spelling is accepted, a malformed value gets Redis's own error
//! and any other value is refused by name, never silently ignored.

use super::*;

/// How an inert parameter's values read: a malformed value gets Redis's
/// own parse error, a well-formed one other than the default gets "not
/// available yet".
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// yes or no.
    Bool,
    /// An integer (unixsocketperm: octal, any integer here).
    Int,
    /// An integer in Redis's range for the parameter.
    Range(i64, i64),
    /// A memory amount (`64mb`) of at least this much.
    Mem(u64),
    /// A memory amount or a percentage of maxmemory (`10%`).
    MemOrPercent,
    /// One of these words.
    Enum(&'static [&'static str]),
    /// Any text; runs of spaces count as one.
    Text,
    /// Words from this list (`shutdown-on-sigint nosave now`).
    Flags(&'static [&'static str]),
    /// A host name: letters, digits, hyphens and dots.
    Hostname,
    /// `latency-tracking-info-percentiles`: numbers from 0 to 100.
    Percentiles,
    /// `replicaof`: "" or `no one` (no primary); `host port` otherwise.
    Master,
}

/// `value` in a canonical form, so that `64mb` equals `67108864` and
/// `YES` equals `yes`; the error is Redis's parse error for the kind.
pub(super) fn canonical(kind: Kind, v: &str) -> Result<String, String> {
    match kind {
        Kind::Bool => yes_no(v).map(yn),
        Kind::Int => int_in(v, i64::MIN, i64::MAX).map(|n| n.to_string()),
        Kind::Range(lo, hi) => int_in(v, lo, hi).map(|n| n.to_string()),
        Kind::Mem(lo) => match mem_in(v, lo, i64::MAX as u64) {
            // Redis reads an overflowing number of bytes as out of range.
            Err(_) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => Err(format!(
                "argument must be between {lo} and {} inclusive",
                i64::MAX
            )),
            r => r.map(|n| n.to_string()),
        },
        Kind::MemOrPercent => match v.strip_suffix('%') {
            Some(p) if crate::util::parse_i64(p.as_bytes()).is_some_and(|n| n >= 0) => {
                Ok(v.to_string())
            }
            _ => mem_in(v, 0, u64::MAX)
                .map(|n| n.to_string())
                .map_err(|_| "argument must be a memory or percent value".to_string()),
        },
        Kind::Enum(options) => one_of(v, options),
        Kind::Text => Ok(v.split_whitespace().collect::<Vec<_>>().join(" ")),
        Kind::Flags(options) => {
            let words: Vec<String> = v.split_whitespace().map(str::to_ascii_lowercase).collect();
            if words.is_empty() || words.iter().any(|w| !options.contains(&w.as_str())) {
                return Err(format!(
                    "argument(s) must be one of the following: {}",
                    options.join(", ")
                ));
            }
            Ok(words.join(" "))
        }
        Kind::Hostname => {
            if v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
            {
                Ok(v.to_string())
            } else {
                Err("Hostnames may only contain alphanumeric characters, hyphens or dots".into())
            }
        }
        Kind::Percentiles => {
            let mut out = Vec::new();
            for w in v.split_whitespace() {
                let p: f64 = w.parse().map_err(|_| {
                    "Invalid latency-tracking-info-percentiles parameters".to_string()
                })?;
                if !(0.0..=100.0).contains(&p) {
                    return Err(
                        "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                            .into(),
                    );
                }
                out.push(p.to_string());
            }
            Ok(out.join(" "))
        }
        Kind::Master => {
            let words: Vec<&str> = v.split_whitespace().collect();
            match words[..] {
                [] => Ok(String::new()),
                [a, b] if a.eq_ignore_ascii_case("no") && b.eq_ignore_ascii_case("one") => {
                    Ok(String::new())
                }
                [host, port] => Ok(format!("{host} {}", int_in(port, 0, 65535)?)),
                _ => Err("wrong number of arguments".into()),
            }
        }
    }
}

/// The `set` of an inert parameter: its default (in any spelling) is
/// accepted and changes nothing; another value is refused, never ignored.
pub(super) fn inert(
    name: &str,
    default: &str,
    kind: Kind,
    feature: &str,
    v: &str,
) -> Result<(), String> {
    if canonical(kind, v)? == canonical(kind, default).expect("inert default parses") {
        return Ok(());
    }
    Err(format!(
        "{name} is not available yet in Cinnabar ({feature}): only its default '{default}' is accepted"
    ))
}

/// A row for a parameter of a feature Cinnabar does not have yet.
macro_rules! inert {
    ($name:literal, $default:literal, $mode:ident, $kind:ident $(($($arg:expr),*))?, $feature:literal) => {
        Param {
            name: $name,
            default: $default,
            mode: Mode::$mode,
            help: concat!("not available yet (", $feature, "): only the default"),
            get: |_| $default.into(),
            set: |_, v| inert($name, $default, Kind::$kind $(($($arg),*))?, $feature, v),
        }
    };
}

/// Bounds of inert integer parameters, as Redis 7.0 declares them.
pub(super) const INT_MIN: i64 = i32::MIN as i64;
pub(super) const INT_MAX: i64 = i32::MAX as i64;
pub(super) const UINT_MAX: i64 = u32::MAX as i64;
pub(super) const LONG_MAX: i64 = i64::MAX;

/// Values of inert enumerated parameters, as Redis 7.0 spells them.
pub(super) const ENABLE: &[&str] = &["no", "yes", "local"];
pub(super) const SHUTDOWN_FLAGS: &[&str] = &["default", "save", "nosave", "now", "force"];
pub(super) const SANITIZE: &[&str] = &["no", "yes", "clients"];
pub(super) const TLS_AUTH: &[&str] = &["no", "yes", "optional"];
pub(super) const PROPAGATION: &[&str] = &["ignore", "panic", "panic-on-replicas"];
pub(super) const DISKLESS_LOAD: &[&str] = &["disabled", "on-empty-db", "swapdb"];
pub(super) const ENDPOINTS: &[&str] = &["ip", "hostname", "unknown-endpoint"];
pub(super) const FACILITIES: &[&str] = &[
    "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
];

/// Parameters Redis 7.0 hides from `CONFIG GET *` (debugging knobs): a
/// glob does not list them, their exact name does.
pub(super) const HIDDEN: &[&str] = &[
    "key-load-delay",
    "loading-process-events-interval-bytes",
    "lua-enable-deprecated-api",
    "rdb-key-save-delay",
    "use-exit-on-panic",
    "watchdog-period",
];
