//! DEBUG: the subcommands Cinnabar supports (SLEEP, SET-ACTIVE-EXPIRE,
//! OBJECT, RELOAD, HELP); every other one gets Redis's unknown-subcommand
//! error.

use bytes::BytesMut;

use super::args::is;
use super::{CmdError, CmdResult, Ctx};
use crate::db::value::{Str, Value, SHARED_INTEGERS};
use crate::db::{lru_clock, mem};
use crate::resp::parse::RequestParser;
use crate::resp::reply::Out;

/// DEBUG SLEEP seconds | SET-ACTIVE-EXPIRE 0|1 | OBJECT key | RELOAD | HELP
pub fn debug(ctx: &mut Ctx) -> CmdResult {
    let mut a = ctx.args();
    let sub = a.next_bytes()?;
    let n = a.remaining();
    if is(sub, "help") {
        return help(ctx);
    }
    if is(sub, "sleep") && n == 1 {
        let secs = a.next_f64()?;
        // Blocks the whole loop, exactly as Redis's DEBUG SLEEP does.
        // Redis converts to integer microseconds: inf and other values too
        // large come out negative and sleep not at all.
        let d = std::time::Duration::try_from_secs_f64(secs.max(0.0)).unwrap_or_default();
        std::thread::sleep(d);
        ctx.out.ok();
        return Ok(());
    }
    if is(sub, "set-active-expire") && n == 1 {
        ctx.srv.config.active_expire = a.next_i64()? != 0;
        ctx.out.ok();
        return Ok(());
    }
    if is(sub, "object") && n == 1 {
        let key = a.next_bytes()?;
        return object(ctx, key);
    }
    if is(sub, "reload") && n == 0 {
        return reload(ctx);
    }
    Err(CmdError::Owned(format!(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
        String::from_utf8_lossy(sub)
    )))
}

/// DEBUG HELP: Redis's lines for the subcommands we have.
fn help(ctx: &mut Ctx) -> CmdResult {
    super::server::reply_help(
        ctx,
        &[
            "OBJECT <key>",
            "    Show low level info about `key` and associated value.",
            "RELOAD",
            "    Save the dataset on disk and reload it back to memory. Cinnabar has no",
            "    RDB: the dataset is written as AOF commands and replayed, and no options",
            "    are accepted.",
            "SET-ACTIVE-EXPIRE <0|1>",
            "    Setting it to 0 disables expiring keys in background when they are not",
            "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
            "    default.",
            "SLEEP <seconds>",
            "    Stop the server for <seconds>. Decimals allowed.",
        ],
    );
    Ok(())
}

/// DEBUG OBJECT key: Redis's line, with values from our structures.
fn object(ctx: &mut Ctx, key: &[u8]) -> CmdResult {
    let db = ctx.client.db;
    let clock = lru_clock(ctx.now());
    let fill = ctx.srv.config.list_max_listpack_size;
    let compressed = u8::from(ctx.srv.config.list_compress_depth != 0);
    let shared_ok = ctx.srv.config.maxmemory == 0
        || !(ctx.srv.config.maxmemory_policy.contains("lru")
            || ctx.srv.config.maxmemory_policy.contains("lfu"));
    let Some(e) = ctx.srv.lookup_notouch(ctx.frame, db, key) else {
        return Err(CmdError::NoSuchKey);
    };
    let shared = shared_ok
        && !e.unshared()
        && matches!(e.val, Value::Str(Str::Int(n)) if (0..SHARED_INTEGERS).contains(&n));
    let refcount = if shared { i32::MAX } else { 1 };
    let idle = (clock.wrapping_sub(e.lru)) & 0x00FF_FFFF;
    let mut line = format!(
        "Value at:{:p} refcount:{refcount} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{idle}",
        &e.val,
        e.val.encoding(),
        e.val.serialized_len(),
        e.lru,
    );
    if let Value::List(l) = &e.val {
        let nodes = l.nodes().len();
        let size: usize = l.nodes().map(|n| mem::redis_node_bytes(&n)).sum();
        let avg = if nodes == 0 {
            0.0
        } else {
            l.len() as f64 / nodes as f64
        };
        line.push_str(&format!(
            " ql_nodes:{nodes} ql_avg_node:{avg:.2} ql_listpack_max:{fill} ql_compressed:{compressed} ql_uncompressed_size:{size}"
        ));
    }
    ctx.out.simple(&line);
    Ok(())
}

/// DEBUG RELOAD: writes every database as the AOF rewrite would (the
/// commands that recreate each key, TTLs as absolute times), empties the
/// databases, and replays the commands as loading the AOF does. Nothing
/// reaches the AOF; statistics are left as they were.
fn reload(ctx: &mut Ctx) -> CmdResult {
    let st = &mut *ctx.srv;
    if st.rewriting() {
        return Err(CmdError::Msg(
            "ERR Error trying to save the DB, an AOF rewrite is in progress",
        ));
    }
    let mut dump = Vec::new();
    for (i, db) in st.dbs.iter().enumerate() {
        if db.len_raw() == 0 {
            continue;
        }
        crate::resp::write_command(&mut dump, &[&b"SELECT"[..], i.to_string().as_bytes()]);
        for (key, entry, expire) in db.iter() {
            crate::aof::rewrite::emit_entry(key, entry, expire, &mut dump);
        }
    }
    for i in 0..st.dbs.len() {
        st.signal_db_changed(i, None);
    }
    for db in &mut st.dbs {
        db.clear(false);
    }
    let stats = st.stats.clone();
    let dirty = st.dirty;
    let latency = std::mem::take(&mut st.latency);
    let mut client = crate::conn::ClientState::internal(st.now_ms);
    let mut out = Out::new();
    let mut parser = RequestParser::new();
    let mut buf = BytesMut::from(&dump[..]);
    st.loading = true;
    let mut failed = None;
    loop {
        match parser.next_command(&mut buf, i64::MAX) {
            Ok(Some(argv)) => {
                super::call(st, &mut client, &mut out, &argv);
                if out.buf.first() == Some(&b'-') && failed.is_none() {
                    failed = Some(String::from_utf8_lossy(&out.buf).trim_end().to_string());
                }
                out.buf.clear();
            }
            Ok(None) => break,
            Err(e) => {
                failed = Some(e.message());
                break;
            }
        }
    }
    st.loading = false;
    st.stats = stats;
    st.dirty = dirty;
    st.latency = latency;
    if let Some(why) = failed {
        log::warn!("DEBUG RELOAD: replaying the dataset failed: {why}");
        return Err(CmdError::Owned(format!(
            "ERR Error trying to load the dataset: {why}"
        )));
    }
    log::info!("DB reloaded by DEBUG RELOAD");
    ctx.out.ok();
    Ok(())
}
