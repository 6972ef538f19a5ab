//! List: the value type behind a list. PLACEHOLDER: replaced by the
//! data-types work with Redis-compatible compact encodings.

/// A list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct List {
    items: Vec<Vec<u8>>,
}

impl List {
    /// An empty value.
    pub fn new() -> List {
        List::default()
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it is empty (an empty collection is never stored).
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The OBJECT ENCODING name.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Appends the commands that recreate this value under `key` (AOF
    /// rewrite), at most 64 elements per command as Redis does.
    pub fn emit(&self, key: &[u8], out: &mut Vec<u8>) {
        for chunk in self.items.chunks(64) {
            let mut args: Vec<&[u8]> = vec![b"RPUSH", key];
            args.extend(chunk.iter().map(|i| &i[..]));
            crate::resp::write_command(out, &args);
        }
    }
}
