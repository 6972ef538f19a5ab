//! FUNCTION DUMP payloads: the RDB framing of library codes (Redis's
//! `rdbSaveFunctions` / `rdbFunctionLoad` and `verifyDumpPayload`).

/// `RDB_OPCODE_FUNCTION2`: a library's code follows.
pub(super) const OPCODE_FUNCTION2: u8 = 245;
/// `RDB_OPCODE_FUNCTION` (7.0 release candidates): refused on read.
const OPCODE_FUNCTION: u8 = 246;
/// The RDB version DUMP payloads carry (Redis 7.0's).
pub(super) const RDB_VERSION: u16 = 10;

/// Appends an RDB length.
pub(super) fn write_rdb_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.push(0x40 | (len >> 8) as u8);
        out.push(len as u8);
    } else if len <= u64::from(u32::MAX) {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// A cursor over a payload.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.data.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let s = self.data.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(s)
    }

    /// An RDB length, or the encoding of a special string (`Err`).
    fn len(&mut self) -> Option<Result<u64, u8>> {
        let b = self.byte()?;
        Some(match b >> 6 {
            0 => Ok(u64::from(b & 0x3f)),
            1 => Ok(u64::from(b & 0x3f) << 8 | u64::from(self.byte()?)),
            2 if b == 0x80 => Ok(u64::from(u32::from_be_bytes(
                self.take(4)?.try_into().ok()?,
            ))),
            2 if b == 0x81 => Ok(u64::from_be_bytes(self.take(8)?.try_into().ok()?)),
            2 => return None,
            _ => Err(b & 0x3f),
        })
    }

    /// An RDB string: raw, integer-encoded or LZF-compressed.
    fn string(&mut self) -> Option<Vec<u8>> {
        match self.len()? {
            Ok(n) => Some(self.take(usize::try_from(n).ok()?)?.to_vec()),
            Err(0) => Some((self.byte()? as i8).to_string().into_bytes()),
            Err(1) => {
                let v = i16::from_le_bytes(self.take(2)?.try_into().ok()?);
                Some(v.to_string().into_bytes())
            }
            Err(2) => {
                let v = i32::from_le_bytes(self.take(4)?.try_into().ok()?);
                Some(v.to_string().into_bytes())
            }
            Err(3) => {
                let clen = usize::try_from(self.len()?.ok()?).ok()?;
                let len = usize::try_from(self.len()?.ok()?).ok()?;
                let packed = self.take(clen)?;
                let out = crate::util::lzf::decompress(packed, len).ok()?;
                (out.len() == len).then_some(out)
            }
            Err(_) => None,
        }
    }
}

/// The library codes of a FUNCTION DUMP payload, checked as Redis checks
/// it (texts without `ERR`).
pub fn parse_payload(payload: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    const WRONG: &str = "DUMP payload version or checksum are wrong";
    if payload.len() < 10 {
        return Err(WRONG.into());
    }
    let (body, footer) = payload.split_at(payload.len() - 10);
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    let crc = u64::from_le_bytes(footer[2..10].try_into().map_err(|_| WRONG)?);
    if version > RDB_VERSION || crc64_of(&payload[..payload.len() - 8]) != crc {
        return Err(WRONG.into());
    }
    let mut r = Reader { data: body, pos: 0 };
    let mut codes = Vec::new();
    while r.pos < body.len() {
        let t = r.byte().ok_or("can not read data type")?;
        if t != OPCODE_FUNCTION2 && t != OPCODE_FUNCTION {
            return Err("given type is not a function".into());
        }
        if t == OPCODE_FUNCTION {
            return Err("Pre-GA function format not supported".into());
        }
        let code = r.string().ok_or("Failed loading library payload")?;
        codes.push(code);
    }
    Ok(codes)
}

fn crc64_of(data: &[u8]) -> u64 {
    crate::util::crc64::crc64(0, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdb_lengths_round_trip() {
        for n in [0u64, 63, 64, 16383, 16384, 1 << 20, u64::from(u32::MAX) + 1] {
            let mut out = Vec::new();
            write_rdb_len(&mut out, n);
            let mut r = Reader { data: &out, pos: 0 };
            assert_eq!(r.len(), Some(Ok(n)), "{n}");
            assert_eq!(r.pos, out.len());
        }
    }

    #[test]
    fn random_payloads_with_a_valid_crc_never_panic() {
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for round in 0..20_000 {
            let len = round % 40;
            let mut p: Vec<u8> = (0..len)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Mostly opcodes and length bytes where they matter.
                    match (i, x % 4) {
                        (0, 0..=2) => OPCODE_FUNCTION2,
                        (1, 0) => 0xc3,
                        _ => x as u8,
                    }
                })
                .collect();
            p.extend_from_slice(&RDB_VERSION.to_le_bytes());
            let crc = crc64_of(&p);
            p.extend_from_slice(&crc.to_le_bytes());
            let _ = parse_payload(&p);
        }
    }

    #[test]
    fn payload_checks_version_and_crc() {
        let mut p = vec![OPCODE_FUNCTION2, 3, b'a', b'b', b'c'];
        p.extend_from_slice(&RDB_VERSION.to_le_bytes());
        let crc = crc64_of(&p);
        p.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(parse_payload(&p).unwrap(), vec![b"abc".to_vec()]);
        let mut bad = p.clone();
        bad[2] = b'x';
        assert!(parse_payload(&bad).is_err());
        // LZF-compressed strings are read (a literal run of 3 bytes).
        let mut z = vec![OPCODE_FUNCTION2, 0xc3, 4, 3, 2, b'a', b'b', b'c'];
        z.extend_from_slice(&RDB_VERSION.to_le_bytes());
        let crc = crc64_of(&z);
        z.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(parse_payload(&z).unwrap(), vec![b"abc".to_vec()]);
    }
}
