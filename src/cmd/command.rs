//! COMMAND and its subcommands: what the server can do, generated from the
//! command table ([`super::table`]) plus Redis's own description of each
//! command ([`crate::cmdinfo::docs`]: docs, ACL categories, tips, key
//! specs).
//!
//! Redis lists commands in hash-table order, which changes with every
//! process; we list them sorted by name (subcommands in table order).

use bytes::Bytes;

use super::server::reply_help;
use super::{all_commands, flags, fullname, lookup, lookup_sub, CmdError, CmdResult};
use super::{CommandSpec, Ctx};
use crate::cmdinfo::docs::{self, Meta, Node};
use crate::cmdinfo::keyspec::{self, KeyRef};
use crate::resp::Out;
use crate::util::glob_match;

/// A command or subcommand with its container.
type Entry = (&'static CommandSpec, Option<&'static CommandSpec>);

/// Every command, each followed by its subcommands.
fn every_command() -> impl Iterator<Item = Entry> {
    all_commands().iter().flat_map(|c| {
        std::iter::once((*c, None)).chain(c.subcommands.iter().map(move |s| (s, Some(*c))))
    })
}

/// The command named `name` as COMMAND INFO and DOCS take it: `get`, or
/// `config|get` for a subcommand, in any case.
fn by_fullname(name: &[u8]) -> Option<Entry> {
    let mut parts = name.split(|&b| b == b'|');
    let base = lookup(parts.next()?)?;
    match (parts.next(), parts.next()) {
        (None, _) => Some((base, None)),
        (Some(sub), None) => lookup_sub(base, sub).map(|s| (s, Some(base))),
        _ => None,
    }
}

/// The generated metadata of a command, if the data file has it (a unit
/// test makes sure it always does).
fn meta_of(c: &CommandSpec, parent: Option<&CommandSpec>) -> Option<&'static Meta> {
    docs::meta(&fullname(c, parent))
}

/// One command's COMMAND INFO entry: name, arity, flags, first key, last
/// key, step, ACL categories, tips, key specs, subcommands.
fn write_info(out: &mut Out, c: &'static CommandSpec, parent: Option<&CommandSpec>) {
    let meta = meta_of(c, parent);
    let empty = Node::Set(Vec::new());
    out.array(10);
    out.bulk(fullname(c, parent).as_bytes());
    out.int(i64::from(c.arity));
    let names: Vec<&str> = flags::NAMES
        .iter()
        .filter(|(f, _)| c.has(*f))
        .map(|(_, n)| *n)
        .collect();
    out.set(names.len());
    for n in names {
        out.simple(n);
    }
    out.int(i64::from(c.first_key));
    out.int(i64::from(c.last_key));
    out.int(i64::from(c.step));
    meta.map_or(&empty, |m| &m.acl_categories).write(out);
    meta.map_or(&empty, |m| &m.tips).write(out);
    meta.map_or(&empty, |m| &m.key_specs_reply).write(out);
    // Redis answers an empty set when there are no subcommands, an array
    // otherwise.
    if c.subcommands.is_empty() {
        out.set(0);
    } else {
        out.array(c.subcommands.len());
        for s in c.subcommands {
            write_info(out, s, Some(c));
        }
    }
}

/// One command's COMMAND DOCS map: Redis's docs, then its subcommands'.
fn write_docs(out: &mut Out, c: &'static CommandSpec, parent: Option<&CommandSpec>) {
    let pairs = match meta_of(c, parent).map(|m| &m.docs) {
        Some(Node::Map(pairs)) => &pairs[..],
        _ => &[],
    };
    let subs = c.subcommands;
    out.map(pairs.len() + usize::from(!subs.is_empty()));
    for (k, v) in pairs {
        k.write(out);
        v.write(out);
    }
    if !subs.is_empty() {
        out.bulk(b"subcommands");
        out.map(subs.len());
        for s in subs {
            out.bulk(fullname(s, Some(c)).as_bytes());
            write_docs(out, s, Some(c));
        }
    }
}

/// COMMAND
pub fn command(ctx: &mut Ctx) -> CmdResult {
    let all = all_commands();
    ctx.out.array(all.len());
    for c in all {
        write_info(ctx.out, c, None);
    }
    Ok(())
}

/// COMMAND COUNT
pub fn command_count(ctx: &mut Ctx) -> CmdResult {
    ctx.out.int(all_commands().len() as i64);
    Ok(())
}

/// COMMAND INFO [command-name ...]
pub fn command_info(ctx: &mut Ctx) -> CmdResult {
    let names = ctx.args().rest();
    if names.is_empty() {
        return command(ctx);
    }
    ctx.out.array(names.len());
    for n in names {
        match by_fullname(n) {
            Some((c, parent)) => write_info(ctx.out, c, parent),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

/// COMMAND DOCS [command-name ...]
///
/// A map from name to docs; unknown names are left out.
pub fn command_docs(ctx: &mut Ctx) -> CmdResult {
    let names = ctx.args().rest();
    let found: Vec<Entry> = if names.is_empty() {
        all_commands().iter().map(|c| (*c, None)).collect()
    } else {
        names.iter().filter_map(|n| by_fullname(n)).collect()
    };
    ctx.out.map(found.len());
    for (c, parent) in found {
        ctx.out.bulk(fullname(c, parent).as_bytes());
        write_docs(ctx.out, c, parent);
    }
    Ok(())
}

/// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
pub fn command_list(ctx: &mut Ctx) -> CmdResult {
    let args = ctx.args().rest();
    let keep: Box<dyn Fn(&str) -> bool> = match args {
        [] => Box::new(|_| true),
        [by, kind, arg] if by.eq_ignore_ascii_case(b"filterby") => {
            let arg = arg.clone();
            if kind.eq_ignore_ascii_case(b"module") {
                // No modules are loaded.
                Box::new(|_| false)
            } else if kind.eq_ignore_ascii_case(b"aclcat") {
                Box::new(move |name| docs::meta(name).is_some_and(|m| m.in_category(&arg)))
            } else if kind.eq_ignore_ascii_case(b"pattern") {
                Box::new(move |name| glob_match(&arg, name.as_bytes(), true))
            } else {
                return Err(CmdError::Syntax);
            }
        }
        _ => return Err(CmdError::Syntax),
    };
    let names: Vec<String> = every_command()
        .map(|(c, parent)| fullname(c, parent))
        .filter(|n| keep(n))
        .collect();
    ctx.out.bulk_array(&names);
    Ok(())
}

/// COMMAND GETKEYS command [arg ...]
pub fn command_getkeys(ctx: &mut Ctx) -> CmdResult {
    getkeys(ctx, false)
}

/// COMMAND GETKEYSANDFLAGS command [arg ...]
pub fn command_getkeysandflags(ctx: &mut Ctx) -> CmdResult {
    getkeys(ctx, true)
}

/// The keys of the command line after `COMMAND GETKEYS[ANDFLAGS]`, with
/// Redis's checks in its order: the command exists, takes keys, and has
/// a valid number of arguments.
fn getkeys(ctx: &mut Ctx, with_flags: bool) -> CmdResult {
    let argv: &[Bytes] = &ctx.argv[ctx.arg0..];
    let invalid = CmdError::Msg("ERR Invalid command specified");
    let base = lookup(&argv[0]).ok_or(invalid.clone())?;
    let (c, parent) = if base.subcommands.is_empty() || argv.len() < 2 {
        (base, None)
    } else {
        (lookup_sub(base, &argv[1]).ok_or(invalid)?, Some(base))
    };
    let name = fullname(c, parent);
    let specs = meta_of(c, parent).map_or(&[][..], |m| &m.key_specs);
    if !keyspec::has_keys(&name, specs) {
        return Err(CmdError::Msg("ERR The command has no key arguments"));
    }
    if !c.arity_ok(argv.len()) {
        return Err(CmdError::Msg(
            "ERR Invalid number of arguments specified for command",
        ));
    }
    let keys = keyspec::get_keys(&name, specs, argv);
    if keys.is_empty() && !c.has(flags::NO_MANDATORY_KEYS) {
        return Err(CmdError::Msg("ERR Invalid arguments specified for command"));
    }
    ctx.out.array(keys.len());
    for KeyRef { pos, flags } in keys {
        if with_flags {
            ctx.out.array(2);
        }
        ctx.out.bulk(&argv[pos]);
        if with_flags {
            let names: Vec<&str> = keyspec::flags::NAMES
                .iter()
                .filter(|(f, _)| flags & f != 0)
                .map(|(_, n)| *n)
                .collect();
            ctx.out.set(names.len());
            for n in names {
                ctx.out.simple(n);
            }
        }
    }
    Ok(())
}

/// COMMAND HELP
pub fn command_help(ctx: &mut Ctx) -> CmdResult {
    reply_help(
        ctx,
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
    Ok(())
}

/// The table and the generated data file ([`crate::cmdinfo::docs`]) agree.
#[cfg(test)]
mod tests {
    use super::super::table;
    use super::*;
    use crate::cmdinfo::docs::{all, meta};
    use crate::cmdinfo::keyspec::{Begin, Find};

    #[test]
    fn data_file_parses() {
        assert!(all().len() >= table::COMMANDS.len());
    }

    /// Every command and subcommand in the table has Redis's docs, and the
    /// data file has nothing else: run scripts/gen-command-docs.py after
    /// changing the table.
    #[test]
    fn every_table_command_has_docs() {
        let mut names = Vec::new();
        for c in all_commands() {
            names.push(fullname(c, None));
            names.extend(c.subcommands.iter().map(|s| fullname(s, Some(c))));
        }
        let missing: Vec<&String> = names.iter().filter(|n| meta(n).is_none()).collect();
        assert!(
            missing.is_empty(),
            "no docs for {missing:?}: run scripts/gen-command-docs.py"
        );
        let mut extra: Vec<&String> = all().keys().filter(|n| !names.contains(n)).collect();
        extra.sort();
        assert!(
            extra.is_empty(),
            "docs for commands not in the table: {extra:?}: run scripts/gen-command-docs.py"
        );
    }

    /// The table's flags agree with the categories Redis derives from its
    /// own flags (`setImplicitACLCategories`), so a wrong flag in the table
    /// shows up even without a redis-server to compare with.
    #[test]
    fn table_flags_imply_redis_categories() {
        use crate::cmdinfo::flags::*;
        for c in all_commands() {
            let subs = c.subcommands.iter().map(|s| (s, Some(*c)));
            for (spec, parent) in std::iter::once((*c, None)).chain(subs) {
                let name = fullname(spec, parent);
                let Some(m) = meta(&name) else { continue };
                let has = |cat: &str| m.in_category(cat.as_bytes());
                // Redis gives read-only scripting commands (EVAL_RO...)
                // no @read.
                let read = if spec.group == "scripting" {
                    0
                } else {
                    READONLY
                };
                for (flag, cat) in [
                    (WRITE, "write"),
                    (read, "read"),
                    (ADMIN, "admin"),
                    (ADMIN, "dangerous"),
                    (PUBSUB, "pubsub"),
                    (BLOCKING, "blocking"),
                ] {
                    assert!(!spec.has(flag) || has(cat), "{name} lacks @{cat}");
                }
                assert_eq!(spec.has(FAST), has("fast"), "{name}: fast");
                assert_eq!(spec.has(FAST), !has("slow"), "{name}: slow");
            }
        }
    }

    /// The table's group is the one Redis documents.
    #[test]
    fn table_groups_match_docs() {
        for c in all_commands() {
            let subs = c.subcommands.iter().map(|s| (s, Some(*c)));
            for (spec, parent) in std::iter::once((*c, None)).chain(subs) {
                let name = fullname(spec, parent);
                let Some(m) = meta(&name) else { continue };
                let group = m.docs.get("group").and_then(Node::str);
                assert_eq!(
                    group.map(|g| g.replace('-', "_")).as_deref(),
                    Some(spec.group),
                    "{name}"
                );
            }
        }
    }

    /// Every command whose keys the specs cannot always find has a key
    /// function.
    #[test]
    fn movable_commands_have_key_functions() {
        for c in all_commands() {
            let subs = c.subcommands.iter().map(|s| (s, Some(*c)));
            for (spec, parent) in std::iter::once((*c, None)).chain(subs) {
                let name = fullname(spec, parent);
                let Some(m) = docs::meta(&name) else { continue };
                let needs = spec.has(flags::MOVABLEKEYS)
                    || m.key_specs.iter().any(|s| {
                        s.flags & (keyspec::flags::INCOMPLETE | keyspec::flags::VARIABLE_FLAGS) != 0
                            || s.begin == Begin::Unknown
                            || s.find == Find::Unknown
                    });
                assert!(!needs || keyspec::proc_for(&name).is_some(), "{name}");
            }
        }
    }
}
