//! Pub/Sub commands (Redis's `pubsub.c`): SUBSCRIBE and friends, PUBLISH,
//! SPUBLISH and PUBSUB. The registry and delivery live in
//! [`crate::pubsub`]; keyspace notifications publish through it too.
//!
//! In RESP2 a client with subscriptions may run only the commands
//! [`allowed_when_subscribed`] lists ([`super::call`] refuses the rest);
//! in RESP3 messages arrive as push frames and every command works.

use bytes::Bytes;

use super::{CmdError, CmdResult, Ctx};
use crate::pubsub::Kind;

/// Whether a RESP2 client in subscribed mode may run `name`.
pub fn allowed_when_subscribed(name: &str) -> bool {
    matches!(
        name,
        "subscribe"
            | "ssubscribe"
            | "psubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "punsubscribe"
            | "ping"
            | "quit"
            | "reset"
    )
}

/// One (un)subscribe confirmation: `[verb, name, count]`, a push that
/// CLIENT REPLY OFF does not silence (in RESP2 too, as Redis).
fn confirm(ctx: &mut Ctx, kind: Kind, subscribe: bool, name: Option<&[u8]>) {
    let count = ctx.client.subs.count(kind) as i64;
    ctx.out.push_message(|out| {
        out.push(3);
        out.bulk(kind.verb(subscribe).as_bytes());
        match name {
            Some(n) => out.bulk(n),
            None => out.null(),
        }
        out.int(count);
    });
}

/// SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE: one confirmation per name.
fn subscribe_generic(ctx: &mut Ctx, kind: Kind) -> CmdResult {
    for name in &ctx.argv[ctx.arg0..] {
        let name = Bytes::copy_from_slice(name);
        let id = ctx.client.id;
        ctx.srv
            .pubsub
            .subscribe(&mut ctx.client.subs, id, kind, &name);
        confirm(ctx, kind, true, Some(&name));
    }
    Ok(())
}

/// UNSUBSCRIBE, PUNSUBSCRIBE and SUNSUBSCRIBE: the names given, or every
/// subscription of that kind; with none at all, one confirmation with a
/// null name.
fn unsubscribe_generic(ctx: &mut Ctx, kind: Kind) -> CmdResult {
    let names: Vec<Bytes> = if ctx.argv.len() > ctx.arg0 {
        ctx.argv[ctx.arg0..]
            .iter()
            .map(|n| Bytes::copy_from_slice(n))
            .collect()
    } else {
        ctx.client.subs.set(kind).iter().cloned().collect()
    };
    if names.is_empty() {
        confirm(ctx, kind, false, None);
    }
    for name in names {
        let id = ctx.client.id;
        ctx.srv
            .pubsub
            .unsubscribe(&mut ctx.client.subs, id, kind, &name);
        confirm(ctx, kind, false, Some(&name));
    }
    Ok(())
}

/// SUBSCRIBE channel [channel ...]
pub fn subscribe(ctx: &mut Ctx) -> CmdResult {
    subscribe_generic(ctx, Kind::Channel)
}

/// PSUBSCRIBE pattern [pattern ...]
pub fn psubscribe(ctx: &mut Ctx) -> CmdResult {
    subscribe_generic(ctx, Kind::Pattern)
}

/// SSUBSCRIBE shardchannel [shardchannel ...]
///
/// Unlike SUBSCRIBE, refused inside EXEC, as Redis 7.0 refuses it to any
/// client that expects one reply per command.
pub fn ssubscribe(ctx: &mut Ctx) -> CmdResult {
    if ctx.client.multi.executing {
        return Err(CmdError::Msg(
            "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client",
        ));
    }
    subscribe_generic(ctx, Kind::Shard)
}

/// UNSUBSCRIBE [channel [channel ...]]
pub fn unsubscribe(ctx: &mut Ctx) -> CmdResult {
    unsubscribe_generic(ctx, Kind::Channel)
}

/// PUNSUBSCRIBE [pattern [pattern ...]]
pub fn punsubscribe(ctx: &mut Ctx) -> CmdResult {
    unsubscribe_generic(ctx, Kind::Pattern)
}

/// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
pub fn sunsubscribe(ctx: &mut Ctx) -> CmdResult {
    unsubscribe_generic(ctx, Kind::Shard)
}

fn publish_generic(ctx: &mut Ctx, shard: bool) -> CmdResult {
    let mut a = ctx.args();
    let channel = Bytes::copy_from_slice(a.next_bytes()?);
    let payload = Bytes::copy_from_slice(a.next_bytes()?);
    let n = crate::state::publish_from(&mut ctx.srv.pubsub, ctx.frame, &channel, &payload, shard);
    ctx.out.int(n as i64);
    Ok(())
}

/// PUBLISH channel message
pub fn publish(ctx: &mut Ctx) -> CmdResult {
    publish_generic(ctx, false)
}

/// SPUBLISH shardchannel message
pub fn spublish(ctx: &mut Ctx) -> CmdResult {
    publish_generic(ctx, true)
}

/// The optional pattern of PUBSUB CHANNELS / SHARDCHANNELS.
fn channels_generic(ctx: &mut Ctx, shard: bool) -> CmdResult {
    if ctx.argv.len() > 3 {
        return Err(CmdError::Owned(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
            String::from_utf8_lossy(&ctx.argv[1])
        )));
    }
    let pattern = ctx.argv.get(2).map(|p| &p[..]);
    let list = ctx.srv.pubsub.active_channels(shard, pattern);
    ctx.out.bulk_array(&list);
    Ok(())
}

fn numsub_generic(ctx: &mut Ctx, shard: bool) -> CmdResult {
    let channels = &ctx.argv[2..];
    ctx.out.array(channels.len() * 2);
    for ch in channels {
        ctx.out.bulk(ch);
        ctx.out.int(ctx.srv.pubsub.numsub(shard, ch) as i64);
    }
    Ok(())
}

/// PUBSUB CHANNELS [pattern]
pub fn pubsub_channels(ctx: &mut Ctx) -> CmdResult {
    channels_generic(ctx, false)
}

/// PUBSUB SHARDCHANNELS [pattern]
pub fn pubsub_shardchannels(ctx: &mut Ctx) -> CmdResult {
    channels_generic(ctx, true)
}

/// PUBSUB NUMSUB [channel ...]
pub fn pubsub_numsub(ctx: &mut Ctx) -> CmdResult {
    numsub_generic(ctx, false)
}

/// PUBSUB SHARDNUMSUB [shardchannel ...]
pub fn pubsub_shardnumsub(ctx: &mut Ctx) -> CmdResult {
    numsub_generic(ctx, true)
}

/// PUBSUB NUMPAT
pub fn pubsub_numpat(ctx: &mut Ctx) -> CmdResult {
    ctx.out.int(ctx.srv.pubsub.numpat() as i64);
    Ok(())
}

/// PUBSUB HELP
pub fn pubsub_help(ctx: &mut Ctx) -> CmdResult {
    super::server::reply_help(
        ctx,
        &[
            "CHANNELS [<pattern>]",
            "    Return the currently active channels matching a <pattern> (default: '*').",
            "NUMPAT",
            "    Return number of subscriptions to patterns.",
            "NUMSUB [<channel> ...]",
            "    Return the number of subscribers for the specified channels, excluding",
            "    pattern subscriptions(default: no channels).",
            "SHARDCHANNELS [<pattern>]",
            "    Return the currently active shard level channels matching a <pattern> (default: '*').",
            "SHARDNUMSUB [<shardchannel> ...]",
            "    Return the number of subscribers for the specified shard level channel(s)",
        ],
    );
    Ok(())
}
