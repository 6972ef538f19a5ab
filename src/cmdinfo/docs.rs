//! What Redis says about each command beyond its table row: the COMMAND
//! DOCS entry (summary, since, group, complexity, history, arguments, ...),
//! the ACL categories, the command tips and the key specifications.
//!
//! All of it comes from `docs.txt` next to this file, which
//! `scripts/gen-command-docs.py` generates from a running redis-server for
//! exactly the commands in [`crate::cmd::table`] (a unit test there checks
//! both agree); nothing in it is written by hand. The file keeps RESP3's reply types, so replies are rendered from
//! it as Redis sends them, in RESP2 or RESP3.
//!
//! Format: one value per line, indented by depth (the indentation is only
//! for people): `%N` map of N pairs, `*N` array, `~N` set, `:N` integer,
//! `+text` simple string, `$text` bulk string. Strings escape `\`, CR and
//! LF as `\\`, `\r` and `\n`. Lines starting with `#` are comments. The
//! whole file is one map: full command name (`get`, `config|get`) to a map
//! of `docs`, `acl_categories`, `tips` and `key_specs`.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::keyspec::KeySpec;
use crate::resp::Out;

/// The generated data file.
const DATA: &str = include_str!("docs.txt");

/// One value of the data file, with its RESP3 type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    /// `%`: key/value pairs in order.
    Map(Vec<(Node, Node)>),
    /// `*`
    Array(Vec<Node>),
    /// `~`
    Set(Vec<Node>),
    /// `:`
    Int(i64),
    /// `+`
    Simple(String),
    /// `$`
    Bulk(String),
}

impl Node {
    /// Encodes the value, degrading maps and sets to arrays in RESP2
    /// exactly as Redis does.
    pub fn write(&self, out: &mut Out) {
        match self {
            Node::Map(pairs) => {
                out.map(pairs.len());
                for (k, v) in pairs {
                    k.write(out);
                    v.write(out);
                }
            }
            Node::Array(items) => {
                out.array(items.len());
                items.iter().for_each(|i| i.write(out));
            }
            Node::Set(items) => {
                out.set(items.len());
                items.iter().for_each(|i| i.write(out));
            }
            Node::Int(n) => out.int(*n),
            Node::Simple(s) => out.simple(s),
            Node::Bulk(s) => out.bulk(s.as_bytes()),
        }
    }

    /// The text of a simple or bulk string.
    pub fn str(&self) -> Option<&str> {
        match self {
            Node::Simple(s) | Node::Bulk(s) => Some(s),
            _ => None,
        }
    }

    /// The value of an integer.
    pub fn int(&self) -> Option<i64> {
        match self {
            Node::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// The items of an array or set.
    pub fn items(&self) -> &[Node] {
        match self {
            Node::Array(v) | Node::Set(v) => v,
            _ => &[],
        }
    }

    /// The value under string key `key` of a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Everything the data file knows about one command.
#[derive(Debug)]
pub struct Meta {
    /// The COMMAND DOCS map, without `subcommands` (those come from the
    /// table).
    pub docs: Node,
    /// COMMAND INFO field 7, a set of `@category` names.
    pub acl_categories: Node,
    /// COMMAND INFO field 8, a set.
    pub tips: Node,
    /// COMMAND INFO field 9, a set of maps, as Redis renders it.
    pub key_specs_reply: Node,
    /// The same key specs, parsed for COMMAND GETKEYS.
    pub key_specs: Vec<KeySpec>,
}

impl Meta {
    /// Whether the command is in ACL category `cat` (without the `@`,
    /// any case).
    pub fn in_category(&self, cat: &[u8]) -> bool {
        self.acl_categories
            .items()
            .iter()
            .filter_map(Node::str)
            .any(|c| {
                c.strip_prefix('@')
                    .unwrap_or(c)
                    .as_bytes()
                    .eq_ignore_ascii_case(cat)
            })
    }
}

/// The metadata of the command with full name `fullname` (lowercase,
/// `container|sub` for subcommands), if the data file has it.
pub fn meta(fullname: &str) -> Option<&'static Meta> {
    all().get(fullname)
}

/// Every entry of the data file, by full command name.
pub fn all() -> &'static HashMap<String, Meta> {
    static ALL: OnceLock<HashMap<String, Meta>> = OnceLock::new();
    ALL.get_or_init(|| {
        load(DATA).expect("src/cmdinfo/docs.txt is well formed (a unit test checks)")
    })
}

/// Parses the data file into its index.
fn load(text: &str) -> Result<HashMap<String, Meta>, String> {
    let Node::Map(entries) = parse_text(text)? else {
        return Err("the root is not a map".into());
    };
    let mut all = HashMap::with_capacity(entries.len());
    for (name, entry) in entries {
        let name = name.str().ok_or("a command name is not a string")?;
        let field = |f: &str| {
            entry
                .get(f)
                .cloned()
                .ok_or_else(|| format!("{name}: no {f}"))
        };
        let key_specs_reply = field("key_specs")?;
        let key_specs = key_specs_reply
            .items()
            .iter()
            .map(KeySpec::parse)
            .collect::<Result<Vec<_>, String>>()
            .map_err(|e| format!("{name}: {e}"))?;
        let meta = Meta {
            docs: field("docs")?,
            acl_categories: field("acl_categories")?,
            tips: field("tips")?,
            key_specs_reply,
            key_specs,
        };
        all.insert(name.to_string(), meta);
    }
    Ok(all)
}

/// Parses a whole text: one value, comments and indentation ignored.
fn parse_text(text: &str) -> Result<Node, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_start()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let root = parse(&mut lines)?;
    match lines.next() {
        Some((n, _)) => Err(format!("line {n}: trailing data")),
        None => Ok(root),
    }
}

/// Parses one value (and its children) from the line iterator.
fn parse<'a>(lines: &mut impl Iterator<Item = (usize, &'a str)>) -> Result<Node, String> {
    let (n, line) = lines.next().ok_or("unexpected end of file")?;
    let err = |what: &str| format!("line {n}: {what}: {line:?}");
    let mut chars = line.chars();
    let kind = chars.next().ok_or_else(|| err("empty"))?;
    let rest = chars.as_str();
    let count = || rest.parse::<usize>().map_err(|_| err("bad count"));
    Ok(match kind {
        '%' => {
            let n = count()?;
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                pairs.push((parse(lines)?, parse(lines)?));
            }
            Node::Map(pairs)
        }
        '*' | '~' => {
            let n = count()?;
            let items = (0..n).map(|_| parse(lines)).collect::<Result<_, _>>()?;
            if kind == '*' {
                Node::Array(items)
            } else {
                Node::Set(items)
            }
        }
        ':' => Node::Int(rest.parse().map_err(|_| err("bad integer"))?),
        '+' => Node::Simple(unescape(rest)),
        '$' => Node::Bulk(unescape(rest)),
        _ => return Err(err("unknown type")),
    })
}

/// Undoes the generator's escaping of `\`, CR and LF.
fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_file_parses() {
        assert!(meta("get").is_some() && meta("config|get").is_some());
    }

    #[test]
    fn parser_keeps_types_and_escapes() {
        let text = "# c\n%1\n  $a\\\\b\\n\n  *4\n    :-3\n    +ok\n    ~0\n    $ lead\n";
        let Node::Map(m) = parse_text(text).unwrap() else {
            panic!()
        };
        assert_eq!(m[0].0, Node::Bulk("a\\b\n".into()));
        assert_eq!(
            m[0].1,
            Node::Array(vec![
                Node::Int(-3),
                Node::Simple("ok".into()),
                Node::Set(vec![]),
                Node::Bulk(" lead".into()),
            ])
        );
        let mut out = Out::new();
        m[0].1.write(&mut out);
        assert_eq!(&out.buf[..], b"*4\r\n:-3\r\n+ok\r\n*0\r\n$5\r\n lead\r\n");
        out = Out::new();
        out.resp = 3;
        Node::Map(m).write(&mut out);
        assert_eq!(
            &out.buf[..],
            b"%1\r\n$4\r\na\\b\n\r\n*4\r\n:-3\r\n+ok\r\n~0\r\n$5\r\n lead\r\n"
        );
    }
}
