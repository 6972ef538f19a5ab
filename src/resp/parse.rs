//! Request parsing, as Redis's `processMultibulkBuffer` and
//! `processInlineBuffer` do it.
//!
//! Framing is incremental: the parser consumes whole header lines and whole
//! bulk arguments from the front of the client's read buffer and keeps its
//! progress (`multibulk`, `bulklen`, the arguments so far) between reads, so
//! a huge command arriving in many reads is never re-scanned. Arguments are
//! zero-copy `Bytes` slices split off the read buffer.

use bytes::{Buf, Bytes, BytesMut};

use crate::util::{is_c_space, parse_i64};

/// Longest inline command or header line accepted before a protocol error
/// (Redis's `PROTO_INLINE_MAX_SIZE`).
pub const INLINE_MAX: usize = 64 * 1024;

/// Bulk arguments at least this long get their whole buffer reserved at once.
const BIG_ARG: i64 = 32 * 1024;

/// A protocol error. The client gets [`ProtoError::message`] as an error
/// reply and is then disconnected, as Redis does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtoError {
    /// A multibulk header line longer than [`INLINE_MAX`] with no newline.
    TooBigMbulkCount,
    /// The `*<count>` line is not a number or exceeds `INT_MAX`.
    InvalidMultibulkLength,
    /// A bulk header line longer than [`INLINE_MAX`] with no newline.
    TooBigBulkCount,
    /// A bulk header did not start with `$`.
    ExpectedDollar(u8),
    /// The `$<len>` line is not a number, negative, or over `proto-max-bulk-len`.
    InvalidBulkLength,
    /// An inline command longer than [`INLINE_MAX`] with no newline.
    TooBigInline,
    /// An inline command with unbalanced quotes.
    UnbalancedQuotes,
    /// More than 10 arguments before authenticating.
    UnauthenticatedMultibulk,
    /// A bulk over 16 KB before authenticating.
    UnauthenticatedBulk,
}

impl ProtoError {
    /// The error reply text, without the leading `-`.
    pub fn message(&self) -> String {
        match self {
            ProtoError::TooBigMbulkCount => "ERR Protocol error: too big mbulk count string".into(),
            ProtoError::InvalidMultibulkLength => {
                "ERR Protocol error: invalid multibulk length".into()
            }
            ProtoError::TooBigBulkCount => "ERR Protocol error: too big bulk count string".into(),
            ProtoError::ExpectedDollar(c) => {
                format!("ERR Protocol error: expected '$', got '{}'", *c as char)
            }
            ProtoError::InvalidBulkLength => "ERR Protocol error: invalid bulk length".into(),
            ProtoError::TooBigInline => "ERR Protocol error: too big inline request".into(),
            ProtoError::UnbalancedQuotes => {
                "ERR Protocol error: unbalanced quotes in request".into()
            }
            ProtoError::UnauthenticatedMultibulk => {
                "ERR Protocol error: unauthenticated multibulk length".into()
            }
            ProtoError::UnauthenticatedBulk => {
                "ERR Protocol error: unauthenticated bulk length".into()
            }
        }
    }
}

/// Incremental request parser; one per connection.
#[derive(Debug, Default)]
pub struct RequestParser {
    /// Arguments still expected in the current multibulk (0: none started).
    multibulk: i64,
    /// Length of the bulk being read, or -1 while its header is pending.
    bulklen: i64,
    /// Arguments of the command being assembled.
    argv: Vec<Bytes>,
    /// The client has not authenticated while a password is required:
    /// commands may have at most 10 arguments of at most 16 KB, as in Redis.
    pub unauthenticated: bool,
}

/// Most arguments [`RequestParser::whole_command`] takes in one pass.
const FAST_ARGS: usize = 16;

/// A header number of at most 9 plain digits starting at `at` and ending
/// in `\r\n`: the value and the index after the line. Anything else
/// (signs, leading zeros, long numbers, a missing or split line end) is
/// left to the general parser.
#[inline]
fn small_number(b: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut i = at;
    let mut v = 0usize;
    while let Some(&c) = b.get(i) {
        if !c.is_ascii_digit() || i - at == 10 {
            break;
        }
        v = v * 10 + usize::from(c - b'0');
        i += 1;
    }
    let digits = i - at;
    let leading_zero = digits > 1 && b[at] == b'0';
    if digits == 0 || digits > 9 || leading_zero || b.get(i..i + 2) != Some(b"\r\n") {
        return None;
    }
    Some((v, i + 2))
}

/// Finds the end of a header line: the index of its `\r`, provided at least
/// one byte follows it (Redis does not check that byte is `\n`).
fn line_end(buf: &[u8]) -> Option<usize> {
    let cr = buf.iter().position(|&b| b == b'\r')?;
    (cr + 1 < buf.len()).then_some(cr)
}

impl RequestParser {
    /// A parser with no command in progress.
    pub fn new() -> RequestParser {
        RequestParser {
            multibulk: 0,
            bulklen: -1,
            argv: Vec::new(),
            unauthenticated: false,
        }
    }

    /// Parses the next complete command from the front of `buf`, consuming
    /// what it used. Returns `Ok(Some(argv))` for a command, `Ok(None)` when
    /// more input is needed. Empty commands (`*0`, blank lines) are skipped.
    pub fn next_command(
        &mut self,
        buf: &mut BytesMut,
        max_bulk: i64,
    ) -> Result<Option<Vec<Bytes>>, ProtoError> {
        loop {
            if buf.is_empty() && self.multibulk == 0 {
                return Ok(None);
            }
            let done = if self.multibulk > 0 || buf[0] == b'*' {
                self.multibulk_step(buf, max_bulk)?
            } else {
                self.inline_step(buf)?
            };
            match done {
                Step::Incomplete => return Ok(None),
                Step::Empty => continue,
                Step::Command => return Ok(Some(std::mem::take(&mut self.argv))),
            }
        }
    }

    /// Hands back a finished command's argument vector so its allocation
    /// is reused for the next command instead of allocating one per command.
    pub fn recycle(&mut self, mut argv: Vec<Bytes>) {
        if self.argv.capacity() == 0 && argv.capacity() <= 1024 {
            argv.clear();
            self.argv = argv;
        }
    }

    /// Bytes still needed before the pending bulk argument is complete, if
    /// one is being read (lets the reader size its next allocation).
    pub fn pending_bulk(&self) -> Option<usize> {
        // `then`, not `then_some`: bulklen is -1 when no bulk is pending.
        (self.multibulk > 0 && self.bulklen >= 0).then(|| self.bulklen as usize + 2)
    }

    /// The common case in one pass: a whole command of at most
    /// [`FAST_ARGS`] short arguments already in `buf`. Its extent is
    /// measured first, then it is split off once and sliced per argument.
    /// Returns false, consuming nothing, for anything else (incomplete,
    /// long, malformed or unauthenticated input), which
    /// [`RequestParser::multibulk_step`] then handles byte for byte.
    fn whole_command(&mut self, buf: &mut BytesMut, max_bulk: i64) -> bool {
        if self.multibulk != 0 || self.unauthenticated {
            return false;
        }
        let b: &[u8] = buf;
        let Some((n, mut pos)) = small_number(b, 1) else {
            return false;
        };
        if n == 0 || n > FAST_ARGS {
            return false;
        }
        let mut spans = [(0usize, 0usize); FAST_ARGS];
        for span in spans.iter_mut().take(n) {
            if b.get(pos) != Some(&b'$') {
                return false;
            }
            let Some((len, at)) = small_number(b, pos + 1) else {
                return false;
            };
            if len as i64 > max_bulk || at + len + 2 > b.len() {
                return false;
            }
            *span = (at, len);
            pos = at + len + 2;
        }
        // The command is split off once and sliced per argument, but the
        // last argument is the split-off part itself, narrowed: one
        // reference count increment (and decrement) per argument, not
        // one more for the whole.
        let mut whole = buf.split_to(pos).freeze();
        let (&(at, len), rest) = spans[..n].split_last().expect("n > 0");
        self.argv
            .extend(rest.iter().map(|&(at, len)| whole.slice(at..at + len)));
        whole.truncate(at + len);
        whole.advance(at);
        self.argv.push(whole);
        true
    }

    fn multibulk_step(&mut self, buf: &mut BytesMut, max_bulk: i64) -> Result<Step, ProtoError> {
        if self.whole_command(buf, max_bulk) {
            return Ok(Step::Command);
        }
        if self.multibulk == 0 {
            let Some(cr) = line_end(buf) else {
                if buf.len() > INLINE_MAX {
                    return Err(ProtoError::TooBigMbulkCount);
                }
                return Ok(Step::Incomplete);
            };
            let n = match parse_i64(&buf[1..cr]) {
                Some(n) if n <= i64::from(i32::MAX) => n,
                _ => return Err(ProtoError::InvalidMultibulkLength),
            };
            if n > 10 && self.unauthenticated {
                return Err(ProtoError::UnauthenticatedMultibulk);
            }
            buf.advance(cr + 2);
            if n <= 0 {
                return Ok(Step::Empty);
            }
            self.multibulk = n;
            self.bulklen = -1;
            // Cap the up-front reservation: the count is client-controlled.
            self.argv.reserve(n.min(1024) as usize);
        }
        while self.multibulk > 0 {
            if self.bulklen == -1 {
                let Some(cr) = line_end(buf) else {
                    if buf.len() > INLINE_MAX {
                        return Err(ProtoError::TooBigBulkCount);
                    }
                    return Ok(Step::Incomplete);
                };
                if buf[0] != b'$' {
                    return Err(ProtoError::ExpectedDollar(buf[0]));
                }
                let len = match parse_i64(&buf[1..cr]) {
                    Some(n) if n >= 0 && n <= max_bulk => n,
                    _ => return Err(ProtoError::InvalidBulkLength),
                };
                if len > 16 * 1024 && self.unauthenticated {
                    return Err(ProtoError::UnauthenticatedBulk);
                }
                buf.advance(cr + 2);
                self.bulklen = len;
                if len >= BIG_ARG {
                    let need = len as usize + 2;
                    if buf.capacity() < need {
                        buf.reserve(need - buf.len());
                    }
                }
            }
            let need = self.bulklen as usize + 2;
            if buf.len() < need {
                return Ok(Step::Incomplete);
            }
            let arg = buf.split_to(self.bulklen as usize).freeze();
            buf.advance(2);
            self.argv.push(arg);
            self.bulklen = -1;
            self.multibulk -= 1;
        }
        Ok(Step::Command)
    }

    fn inline_step(&mut self, buf: &mut BytesMut) -> Result<Step, ProtoError> {
        let Some(nl) = buf.iter().position(|&b| b == b'\n') else {
            if buf.len() > INLINE_MAX {
                return Err(ProtoError::TooBigInline);
            }
            return Ok(Step::Incomplete);
        };
        let line_len = if nl > 0 && buf[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        let args = split_args(&buf[..line_len]).ok_or(ProtoError::UnbalancedQuotes)?;
        buf.advance(nl + 1);
        if args.is_empty() {
            return Ok(Step::Empty);
        }
        self.argv = args.into_iter().map(Bytes::from).collect();
        Ok(Step::Command)
    }
}

enum Step {
    Incomplete,
    Empty,
    Command,
}

fn hex_val(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Splits an inline command line into arguments, as Redis's `sdssplitargs`:
/// whitespace separates, `"..."` supports `\n \r \t \b \a \xHH` escapes,
/// `'...'` supports `\'`, and a closing quote must be followed by a space.
/// Returns `None` for unbalanced quotes. A NUL byte ends the line, as it
/// does for the C string Redis scans.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    let mut args = Vec::new();
    let mut i = 0;
    loop {
        while at(i) != 0 && is_c_space(at(i)) {
            i += 1;
        }
        if at(i) == 0 {
            return Some(args);
        }
        // The open quote character, if inside quotes.
        let mut quote: Option<u8> = None;
        let mut cur = Vec::new();
        loop {
            let c = at(i);
            match quote {
                Some(q) => {
                    if q == b'"' && c == b'\\' && at(i + 1) == b'x' {
                        if let (Some(h), Some(l)) = (hex_val(at(i + 2)), hex_val(at(i + 3))) {
                            cur.push(h * 16 + l);
                            i += 4;
                            continue;
                        }
                    }
                    if c == b'\\' && q == b'"' && at(i + 1) != 0 {
                        i += 1;
                        cur.push(match at(i) {
                            b'n' => b'\n',
                            b'r' => b'\r',
                            b't' => b'\t',
                            b'b' => 8,
                            b'a' => 7,
                            other => other,
                        });
                    } else if c == b'\\' && q == b'\'' && at(i + 1) == b'\'' {
                        i += 1;
                        cur.push(b'\'');
                    } else if c == q {
                        // A closing quote must be followed by a space or the end.
                        if at(i + 1) != 0 && !is_c_space(at(i + 1)) {
                            return None;
                        }
                        i += 1;
                        break;
                    } else if c == 0 {
                        return None;
                    } else {
                        cur.push(c);
                    }
                }
                None => match c {
                    b' ' | b'\n' | b'\r' | b'\t' | 0 => break,
                    b'"' | b'\'' => quote = Some(c),
                    _ => cur.push(c),
                },
            }
            i += 1;
        }
        args.push(cur);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: i64 = 512 * 1024 * 1024;

    fn parse_all(input: &[u8]) -> (Vec<Vec<Vec<u8>>>, Option<ProtoError>) {
        let mut p = RequestParser::new();
        let mut buf = BytesMut::from(input);
        let mut cmds = Vec::new();
        loop {
            match p.next_command(&mut buf, MAX) {
                Ok(Some(argv)) => cmds.push(argv.iter().map(|a| a.to_vec()).collect()),
                Ok(None) => return (cmds, None),
                Err(e) => return (cmds, Some(e)),
            }
        }
    }

    /// Feeds `input` split at every byte offset; the commands must come out
    /// the same as when it arrives in one piece.
    #[test]
    fn pipelined_buffer_split_at_every_offset() {
        let input: &[u8] =
            b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nPING\r\n*1\r\n$4\r\nPING\r\n*0\r\n\r\necho \"a b\" 'c'\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n";
        let (whole, err) = parse_all(input);
        assert!(err.is_none());
        assert_eq!(whole.len(), 5);
        for cut in 0..=input.len() {
            let mut p = RequestParser::new();
            let mut buf = BytesMut::from(&input[..cut]);
            let mut got = Vec::new();
            while let Some(argv) = p.next_command(&mut buf, MAX).unwrap() {
                got.push(argv.iter().map(|a| a.to_vec()).collect::<Vec<_>>());
            }
            buf.extend_from_slice(&input[cut..]);
            while let Some(argv) = p.next_command(&mut buf, MAX).unwrap() {
                got.push(argv.iter().map(|a| a.to_vec()).collect::<Vec<_>>());
            }
            assert_eq!(got, whole, "split at {cut}");
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn protocol_errors() {
        assert_eq!(
            parse_all(b"*x\r\n").1,
            Some(ProtoError::InvalidMultibulkLength)
        );
        assert_eq!(
            parse_all(b"*3000000000\r\n").1,
            Some(ProtoError::InvalidMultibulkLength)
        );
        assert_eq!(
            parse_all(b"*1\r\n:1\r\n").1,
            Some(ProtoError::ExpectedDollar(b':'))
        );
        assert_eq!(
            parse_all(b"*1\r\n$-1\r\n").1,
            Some(ProtoError::InvalidBulkLength)
        );
        assert_eq!(
            parse_all(b"*1\r\n$600000000\r\n").1,
            Some(ProtoError::InvalidBulkLength)
        );
        assert_eq!(
            parse_all(b"\"abc\r\n").1,
            Some(ProtoError::UnbalancedQuotes)
        );
        assert_eq!(
            parse_all(&[b'a'; INLINE_MAX + 1]).1,
            Some(ProtoError::TooBigInline)
        );
        let mut big = b"*1\r\n$".to_vec();
        big.extend(std::iter::repeat_n(b'1', INLINE_MAX + 1));
        assert_eq!(parse_all(&big).1, Some(ProtoError::TooBigBulkCount));
        // A command before the error still parses.
        let (cmds, err) = parse_all(b"PING\r\n*1\r\n+x\r\n");
        assert_eq!(cmds.len(), 1);
        assert_eq!(err, Some(ProtoError::ExpectedDollar(b'+')));
    }

    proptest::proptest! {
        /// Arbitrary bytes produce commands, "need more" or a protocol
        /// error, never a panic; and parsing in two reads at any split
        /// point gives the same result as one read.
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512), cut in 0usize..512) {
            check_split(&data, cut)?;
        }

        /// The same, over inputs assembled from protocol fragments, which
        /// reach far more parser states than uniform random bytes.
        #[test]
        fn protocol_fragments_never_panic(parts in proptest::collection::vec(proptest::sample::select(FRAGMENTS), 0..40), cut in 0usize..400) {
            let data: Vec<u8> = parts.concat();
            check_split(&data, cut)?;
        }
    }

    const FRAGMENTS: &[&[u8]] = &[
        b"*1\r\n",
        b"*2\r\n",
        b"*3\r\n",
        b"*0\r\n",
        b"*-1\r\n",
        b"$3\r\n",
        b"$0\r\n",
        b"$-1\r\n",
        b"$x\r\n",
        b"GET\r\n",
        b"SET\r\n",
        b"abc",
        b"\r\n",
        b"\n",
        b"\r",
        b"\"",
        b"'",
        b" ",
        b"\\x4",
        b":1\r\n",
        b"PING\r\n",
        b"*9999999999\r\n",
        b"\0",
    ];

    /// Parses commands out of `buf` into `got` until more input is needed
    /// or an error occurs.
    fn drain(
        p: &mut RequestParser,
        buf: &mut BytesMut,
        got: &mut Vec<Vec<Vec<u8>>>,
    ) -> Option<ProtoError> {
        loop {
            match p.next_command(buf, MAX) {
                Ok(Some(argv)) => got.push(argv.iter().map(|a| a.to_vec()).collect()),
                Ok(None) => return None,
                Err(e) => return Some(e),
            }
        }
    }

    fn check_split(data: &[u8], cut: usize) -> Result<(), proptest::test_runner::TestCaseError> {
        {
            let whole = parse_all(data);
            let cut = cut.min(data.len());
            let mut p = RequestParser::new();
            let mut buf = BytesMut::from(&data[..cut]);
            let mut got = Vec::new();
            let mut err = drain(&mut p, &mut buf, &mut got);
            if err.is_none() {
                buf.extend_from_slice(&data[cut..]);
                err = drain(&mut p, &mut buf, &mut got);
            }
            proptest::prop_assert_eq!((got, err), whole);
        }
        Ok(())
    }

    /// Found by cargo fuzz: asking with no bulk pending must not overflow.
    #[test]
    fn pending_bulk_without_a_bulk() {
        let mut p = RequestParser::new();
        assert_eq!(p.pending_bulk(), None);
        let mut buf = BytesMut::from(&b"*2\r\n$3\r\nGET\r\n$5\r\nab"[..]);
        assert_eq!(p.next_command(&mut buf, MAX), Ok(None));
        assert_eq!(p.pending_bulk(), Some(7));
    }

    #[test]
    fn inline_quoting() {
        let s = |l: &[u8]| {
            split_args(l).map(|v| {
                v.into_iter()
                    .map(|a| String::from_utf8_lossy(&a).into_owned())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            s(b"set a b"),
            Some(vec!["set".into(), "a".into(), "b".into()])
        );
        assert_eq!(
            s(b"  set   \"a b\"  'c d'"),
            Some(vec!["set".into(), "a b".into(), "c d".into()])
        );
        assert_eq!(s(b"\"\\x41\\n\""), Some(vec!["A\n".into()]));
        assert_eq!(s(b"'it\\'s'"), Some(vec!["it's".into()]));
        assert_eq!(s(b"\"a\"b"), None);
        assert_eq!(s(b"'a"), None);
        assert_eq!(s(b"a\"b c\""), Some(vec!["ab c".into()]));
        assert_eq!(s(b""), Some(vec![]));
    }
}
