//! The argument cursor. Handlers read their arguments through it and never
//! index `argv`, so a missing or extra argument is always a clean error.

use bytes::Bytes;

use super::CmdError;
use crate::util::{parse_f64, parse_i64};

/// A cursor over a command's arguments, starting after the command name
/// (and subcommand name, for container commands).
#[derive(Debug, Clone)]
pub struct Args<'a> {
    argv: &'a [Bytes],
    pos: usize,
}

impl<'a> Args<'a> {
    /// A cursor over `argv` starting at index `skip`.
    pub fn new(argv: &'a [Bytes], skip: usize) -> Args<'a> {
        Args { argv, pos: skip }
    }

    /// Arguments not yet consumed.
    pub fn remaining(&self) -> usize {
        self.argv.len().saturating_sub(self.pos)
    }

    /// Whether every argument was consumed.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The next argument without consuming it.
    pub fn peek(&self) -> Option<&'a [u8]> {
        self.argv.get(self.pos).map(|b| &b[..])
    }

    /// The next argument, or a syntax error if there is none.
    pub fn next_bytes(&mut self) -> Result<&'a [u8], CmdError> {
        let b = self.argv.get(self.pos).ok_or(CmdError::Syntax)?;
        self.pos += 1;
        Ok(b)
    }

    /// The next argument as a zero-copy `Bytes` handle.
    pub fn next_shared(&mut self) -> Result<Bytes, CmdError> {
        let b = self.argv.get(self.pos).ok_or(CmdError::Syntax)?;
        self.pos += 1;
        Ok(b.clone())
    }

    /// The next argument as a strict integer (`value is not an integer or
    /// out of range` otherwise).
    pub fn next_i64(&mut self) -> Result<i64, CmdError> {
        parse_i64(self.next_bytes()?).ok_or(CmdError::NotInteger)
    }

    /// The next argument as a 32-bit integer, as Redis's
    /// `getIntFromObjectOrReply` reads it (distinct errors for "not a
    /// number" and "outside 32 bits").
    pub fn next_i32(&mut self) -> Result<i32, CmdError> {
        let n = self.next_i64()?;
        i32::try_from(n).map_err(|_| CmdError::IntRange)
    }

    /// The next argument as a float (`value is not a valid float` otherwise).
    pub fn next_f64(&mut self) -> Result<f64, CmdError> {
        parse_f64(self.next_bytes()?).ok_or(CmdError::NotFloat)
    }

    /// Consumes the next argument if it equals `word`, ignoring case.
    pub fn eat(&mut self, word: &str) -> bool {
        match self.peek() {
            Some(a) if a.eq_ignore_ascii_case(word.as_bytes()) => {
                self.pos += 1;
                true
            }
            _ => false,
        }
    }

    /// All remaining arguments, consuming them.
    pub fn rest(&mut self) -> &'a [Bytes] {
        let r = self.argv.get(self.pos..).unwrap_or(&[]);
        self.pos = self.argv.len();
        r
    }

    /// Fails with a syntax error if arguments are left over.
    pub fn finish(&self) -> Result<(), CmdError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(CmdError::Syntax)
        }
    }
}

/// Whether `arg` equals `word`, ignoring ASCII case.
pub fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}
