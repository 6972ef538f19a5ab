//! The integration suite: one binary, a module per command group. Every
//! test starts the real `cinnabar-server` on an ephemeral port, but
//! `modgraph`'s, which read the source.

mod util;

mod abuse;
mod acl;
mod client_modes;
mod config;
mod connection;
mod differential;
mod eviction;
mod flags;
mod functions;
mod hash;
mod keys;
mod lazyfree;
mod limits;
mod list;
mod list_compress;
mod memory;
mod modgraph;
mod persistence;
mod precedence;
mod protocol;
mod pubsub;
mod real_clients;
mod scripting;
mod scripting_semantics;
mod server_cmds;
mod set;
mod sort;
mod stream;
mod stream_differential;
mod strings;
mod tools;
mod tracking;
mod tx;
mod unix;
mod zset;
mod zset_differential;
mod zset_events;
