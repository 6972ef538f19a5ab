//! The wire protocol: the request parser (RESP2 multibulk and inline
//! commands) and the reply encoders (RESP2 and RESP3).

pub mod parse;
pub mod reply;

pub use parse::{ProtoError, RequestParser};
pub use reply::Out;

/// Appends one command as a RESP multibulk (AOF files, the client).
pub fn write_command<A: AsRef<[u8]>>(out: &mut Vec<u8>, args: &[A]) {
    out.push(b'*');
    crate::util::push_i64(out, args.len() as i64);
    out.extend_from_slice(b"\r\n");
    for a in args {
        let a = a.as_ref();
        out.push(b'$');
        crate::util::push_i64(out, a.len() as i64);
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}
