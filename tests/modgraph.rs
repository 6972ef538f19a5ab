//! The layers of `src/`, checked from the source: the graph of top-level
//! modules (who names whom) has no strongly connected component of more
//! than three modules, and the bottom layers (`util`, `resp`, `db`) name
//! nothing above them. See lib.rs's `# Layout`.
//!
//! A module's files are `src/<m>.rs` and everything under `src/<m>/`. It
//! names module `x` by a `crate::x` path, by `x` at the top of a
//! `use crate::{...}` group, or by a `super::` path that climbs to the
//! crate root. Comments, string and character literals are ignored;
//! test code counts. `MODGRAPH_SRC=/path/to/src` checks another tree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each bottom-layer module may name.
const BOTTOM: &[(&str, &[&str])] = &[
    ("util", &[]),
    ("resp", &["util"]),
    (
        "db",
        &[
            "util", "resp", "cpu", "alloc", "ldouble", "limits", "lazyfree",
        ],
    ),
];

/// The largest strongly connected component allowed.
const MAX_SCC: usize = 3;

type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn module_graph_has_layers() {
    let src = std::env::var_os("MODGRAPH_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let graph = module_graph(&src);
    for m in ["db", "resp", "util", "cmd", "state"] {
        assert!(graph.contains_key(m), "no module {m} in {}", src.display());
    }
    let problems = layer_problems(&graph);
    assert!(
        problems.is_empty(),
        "{}\n\nthe graph:\n{}",
        problems.join("\n"),
        render(&graph)
    );
}

/// The checks catch what they should, and the scanner reads paths as
/// rustc does.
#[test]
fn module_graph_checks_can_fail() {
    let mut g = Graph::new();
    let mut edge = |a: &str, b: &str| {
        g.entry(a.to_string()).or_default().insert(b.to_string());
        g.entry(b.to_string()).or_default();
    };
    edge("db", "aof");
    edge("a", "b");
    edge("b", "c");
    edge("c", "d");
    edge("d", "a");
    edge("x", "y");
    edge("y", "x");
    let problems = layer_problems(&g);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("a, b, c, d"), "{problems:?}");
    assert!(problems[1].contains("db names aof"), "{problems:?}");

    let mods: BTreeSet<String> = ["a", "b", "c", "d", "e", "f", "g", "h"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let code = r##"
        // crate::b in a comment
        /* crate::c in a /* nested */ block crate::c */
        use crate::{d::{e, f as g}, self};
        use super::super::h;
        fn x<'a>(s: &'a str) -> char {
            let _ = "crate::c"; let _ = r#"crate::c"#; let _ = b"crate::c";
            let _ = crate::e::Thing::new();
            '"'
        }
        mod tests { use super::*; use super::super::super::f; }
    "##;
    let mut found = BTreeSet::new();
    references(code, 2, &mods, &mut found);
    let found: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(found, ["d", "e", "f", "h"]);
}

/// Every top-level module of `src` and the modules it names.
fn module_graph(src: &Path) -> Graph {
    let mut files: BTreeMap<String, Vec<(PathBuf, usize)>> = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("src is readable") {
        let path = entry.expect("src is readable").path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            let list = files.entry(name).or_default();
            collect_dir(&path, 1, list);
        } else if path.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main" {
            files.entry(name).or_default().push((path, 1));
        }
    }
    let mods: BTreeSet<String> = files.keys().cloned().collect();
    let mut graph = Graph::new();
    for (m, list) in &files {
        let mut names = BTreeSet::new();
        for (path, depth) in list {
            let code = std::fs::read_to_string(path).expect("source is UTF-8");
            references(&code, *depth, &mods, &mut names);
        }
        names.remove(m);
        graph.insert(m.clone(), names);
    }
    graph
}

/// The `.rs` files under `dir`, a module `depth` levels below the crate
/// root, with each file's own depth (`mod.rs` is its folder's module).
fn collect_dir(dir: &Path, depth: usize, out: &mut Vec<(PathBuf, usize)>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("src is readable").path();
        if path.is_dir() {
            collect_dir(&path, depth + 1, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let own = path.file_stem().is_some_and(|s| s == "mod");
            out.push((path, if own { depth } else { depth + 1 }));
        }
    }
}

/// Adds to `found` the top-level modules among `mods` that `code`, a file
/// of a module `depth` levels below the crate root, names.
fn references(code: &str, depth: usize, mods: &BTreeSet<String>, found: &mut BTreeSet<String>) {
    let tokens = tokens(code);
    // Inline `mod x { ... }` blocks: the brace depth each one closes at.
    let mut inline: Vec<usize> = Vec::new();
    let mut braces = 0;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i].as_str();
        match t {
            "{" => braces += 1,
            "}" => {
                braces -= 1;
                if inline.last() == Some(&braces) {
                    inline.pop();
                }
            }
            "mod" if tokens.get(i + 2).is_some_and(|t| t == "{") => {
                inline.push(braces);
            }
            _ => {}
        }
        // A path that reaches the crate root: `crate ::`, or as many
        // `super ::` as the module is deep.
        let (root, mut j) = if t == "crate" && tokens.get(i + 1).is_some_and(|t| t == "::") {
            (true, i + 2)
        } else if t == "super" && (i == 0 || tokens[i - 1] != "::") {
            let mut j = i;
            let mut up = 0;
            while tokens.get(j).is_some_and(|t| t == "super")
                && tokens.get(j + 1).is_some_and(|t| t == "::")
            {
                up += 1;
                j += 2;
            }
            (up == depth + inline.len(), j)
        } else {
            (false, i)
        };
        if root {
            if tokens.get(j).is_some_and(|t| t == "{") {
                // `use crate::{a::b, c}`: the first name of each item.
                let mut level = 0;
                let mut first = true;
                while j < tokens.len() {
                    match tokens[j].as_str() {
                        "{" => {
                            level += 1;
                            first = level == 1;
                        }
                        "}" => {
                            level -= 1;
                            if level == 0 {
                                break;
                            }
                        }
                        "," if level == 1 => first = true,
                        name if first && level == 1 => {
                            if mods.contains(name) {
                                found.insert(name.to_string());
                            }
                            first = false;
                        }
                        _ => {}
                    }
                    j += 1;
                }
            } else if let Some(name) = tokens.get(j).filter(|n| mods.contains(*n)) {
                found.insert(name.clone());
            }
        }
        i += 1;
    }
}

/// Identifiers, `::` and single punctuation characters of Rust source,
/// without comments, string literals or character literals.
fn tokens(code: &str) -> Vec<String> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut level = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    level += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    level -= 1;
                    i += 2;
                    if level == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if let Some(end) = raw_string(b, i) {
            i = end;
        } else if c == b'"' || (c == b'b' && b.get(i + 1) == Some(&b'"')) {
            i += if c == b'b' { 2 } else { 1 };
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == b'\'' || (c == b'b' && b.get(i + 1) == Some(&b'\'')) {
            // A character literal, or a lifetime (no closing quote).
            let start = if c == b'b' { i + 2 } else { i + 1 };
            let mut j = start;
            if b.get(j) == Some(&b'\\') {
                j += 2;
                while j < b.len() && b[j] != b'\'' && j - start < 12 {
                    j += 1;
                }
            } else {
                // One UTF-8 character.
                j += 1;
                while j < b.len() && b[j] & 0xC0 == 0x80 {
                    j += 1;
                }
            }
            if b.get(j) == Some(&b'\'') {
                i = j + 1;
            } else {
                i += 1;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push(code[start..i].to_string());
        } else if b[i..].starts_with(b"::") {
            out.push("::".to_string());
            i += 2;
        } else {
            let len = code[i..].chars().next().map_or(1, char::len_utf8);
            out.push(code[i..i + len].to_string());
            i += len;
        }
    }
    out
}

/// If a raw string (`r"..."`, `r#"..."#`, `br"..."`) starts at `i`, the
/// index just past it.
fn raw_string(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    if b.get(j) == Some(&b'b') {
        j += 1;
    }
    if b.get(j) != Some(&b'r') || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
    {
        return None;
    }
    j += 1;
    let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
    j += hashes;
    if b.get(j) != Some(&b'"') {
        return None;
    }
    j += 1;
    let mut close = vec![b'"'];
    close.extend(std::iter::repeat_n(b'#', hashes));
    while j < b.len() {
        if b[j..].starts_with(&close) {
            return Some(j + close.len());
        }
        j += 1;
    }
    Some(b.len())
}

/// What breaks the layering: components over [`MAX_SCC`] modules, then
/// bottom-layer modules naming modules above them.
fn layer_problems(graph: &Graph) -> Vec<String> {
    let mut problems = Vec::new();
    for scc in components(graph) {
        if scc.len() > MAX_SCC {
            problems.push(format!(
                "a cycle through {} modules (at most {MAX_SCC} may name each other): {}",
                scc.len(),
                scc.join(", ")
            ));
        }
    }
    for (m, allowed) in BOTTOM {
        for name in graph.get(*m).into_iter().flatten() {
            if !allowed.contains(&name.as_str()) {
                problems.push(format!(
                    "{m} names {name}, which is above it (it may name: {})",
                    allowed.join(", ")
                ));
            }
        }
    }
    problems
}

/// The strongly connected components of `graph` (Tarjan), each sorted.
fn components(graph: &Graph) -> Vec<Vec<String>> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        out: Vec<Vec<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(lw);
                } else if self.stack.contains(&w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut scc = Vec::new();
                while let Some(w) = self.stack.pop() {
                    scc.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                scc.sort();
                self.out.push(scc);
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !t.index.contains_key(v.as_str()) {
            t.visit(v);
        }
    }
    t.out.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    t.out
}

/// One line per module: `m -> a b c`.
fn render(graph: &Graph) -> String {
    graph
        .iter()
        .map(|(m, names)| {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            format!("{m} -> {}", names.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}
