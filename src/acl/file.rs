//! The ACL file (Redis's `ACLLoadFromFile`): users, one `user ...` line
//! each, as ACL SAVE writes them and ACL LOAD and startup read them.

use bytes::Bytes;

use super::{merge_selectors, RuleError, User};
use crate::cmdinfo::Catalogue;

/// Whether a username is acceptable (no spaces, no NULs).
pub fn valid_username(name: &[u8]) -> bool {
    !name.iter().any(|&c| c == b' ' || c == 0)
}

/// Reads an ACL file (Redis's `ACLLoadFromFile`): every user, or the
/// errors Redis reports, all of them.
pub fn load_file(
    commands: &'static Catalogue,
    path: &str,
    all_channels: bool,
) -> Result<Vec<User>, String> {
    let text = std::fs::read(path)
        .map_err(|e| format!("Error loading ACLs, opening file '{path}': {e}"))?;
    parse_file(commands, &text, path, all_channels)
}

/// The ACL file `text` (read from `path`, which only names it in errors)
/// as users, or every error found, as [`load_file`] reports them. Users'
/// [`User::describe`] lines read back as the same users.
pub fn parse_file(
    commands: &'static Catalogue,
    text: &[u8],
    path: &str,
    all_channels: bool,
) -> Result<Vec<User>, String> {
    let mut errors = String::new();
    let mut users: Vec<User> = Vec::new();
    for (n, line) in text.split(|&c| c == b'\n').enumerate() {
        let n = n + 1;
        let words: Vec<Bytes> = line
            .split(|c| c.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
            .map(Bytes::copy_from_slice)
            .collect();
        if words.is_empty() {
            continue;
        }
        if &words[0][..] != b"user" || words.len() < 2 {
            errors.push_str(&format!(
                "{path}:{n} should start with user keyword followed by the username. "
            ));
            continue;
        }
        let name = &words[1];
        if !valid_username(name) {
            errors.push_str(&format!(
                "{path}:{n}: username '{}' contains invalid characters. ",
                String::from_utf8_lossy(name)
            ));
            continue;
        }
        if users.iter().any(|u| u.name == name[..]) {
            errors.push_str(&format!(
                "WARNING: Duplicate user '{}' found on line {n}. ",
                String::from_utf8_lossy(name)
            ));
            continue;
        }
        let mut user = User::new(commands, name, all_channels);
        let Ok(ops) = merge_selectors(&words[2..]) else {
            errors.push_str(&format!(
                "{path}:{n}: Unmatched parenthesis in selector definition. "
            ));
            continue;
        };
        let mut syntax_error = false;
        for op in &ops {
            if let Err(e) = user.apply(op, all_channels) {
                if e == RuleError::Unknown {
                    errors.push_str(&format!(
                        "{path}:{n}: Error in applying operation '{}': {}. ",
                        String::from_utf8_lossy(op),
                        e.text()
                    ));
                } else if !syntax_error {
                    errors.push_str(&format!("{path}:{n}: {}. ", e.text()));
                    syntax_error = true;
                }
            }
        }
        users.push(user);
    }
    if errors.is_empty() {
        Ok(users)
    } else {
        errors.push_str(
            "WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
        );
        Err(errors)
    }
}
