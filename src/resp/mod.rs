//! The wire protocol: the request parser (RESP2 multibulk and inline
//! commands) and the reply encoders (RESP2 and RESP3).

pub mod parse;
pub mod reply;

pub use parse::{ProtoError, RequestParser};
pub use reply::Out;
