//! Connection commands and RESP3.

use crate::util::*;

#[test]
fn ping_echo_quit() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["PING"], "+PONG\r\n");
    c.expect(&["PING", "hi"], "$2\r\nhi\r\n");
    c.expect(
        &["PING", "a", "b"],
        "-ERR wrong number of arguments for 'ping' command\r\n",
    );
    c.expect(&["ECHO", ""], "$0\r\n\r\n");
    c.expect(
        &["NOSUCH", "a", "b"],
        "-ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \r\n",
    );
    c.send(b"QUIT\r\nPING\r\n");
    assert_eq!(show(&c.read_to_close()), "+OK\\r\\n");
}

#[test]
fn hello_switches_protocol() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["HELLO", "4"], "-NOPROTO unsupported protocol version\r\n");
    c.expect(
        &["HELLO", "x"],
        "-ERR Protocol version is not an integer or out of range\r\n",
    );
    c.expect(
        &["HELLO", "3", "FOO"],
        "-ERR Syntax error in HELLO option 'FOO'\r\n",
    );
    c.expect(
        &["HELLO", "3", "SETNAME", "a b"],
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
    );
    let id = match c.value(&["CLIENT", "ID"]) {
        Value::Int(n) => n,
        other => panic!("{other:?}"),
    };
    let want = format!(
        "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
    );
    c.expect(&["HELLO", "3", "SETNAME", "me"], &want);
    c.expect(&["CLIENT", "GETNAME"], "$2\r\nme\r\n");
    c.expect(&["GET", "missing"], "_\r\n");
    c.expect(
        &["CONFIG", "GET", "databases"],
        "%1\r\n$9\r\ndatabases\r\n$2\r\n16\r\n",
    );
    c.expect(&["RESET"], "+RESET\r\n");
    c.expect(&["GET", "missing"], "$-1\r\n");
    c.expect(&["CLIENT", "GETNAME"], "$-1\r\n");
}

#[test]
fn auth_with_requirepass() {
    let srv = Server::start_with(&["--requirepass", "s3cret"]);
    let mut c = srv.conn();
    c.expect(&["GET", "k"], "-NOAUTH Authentication required.\r\n");
    c.expect(&["PING"], "-NOAUTH Authentication required.\r\n");
    c.expect(
        &["AUTH", "wrong"],
        "-WRONGPASS invalid username-password pair or user is disabled.\r\n",
    );
    c.expect(&["AUTH", "s3cret"], "+OK\r\n");
    c.expect(&["GET", "k"], "$-1\r\n");
    let mut d = srv.conn();
    let reply = d.cmd(&["HELLO", "2", "AUTH", "default", "s3cret"]);
    assert!(reply.starts_with(b"*14\r\n"), "{}", show(&reply));
    d.expect(&["PING"], "+PONG\r\n");
    let plain = Server::start();
    let mut e = plain.conn();
    e.expect(
        &["AUTH", "x"],
        "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n",
    );
}

#[test]
fn client_names() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["CLIENT", "SETNAME", "worker-1"], "+OK\r\n");
    c.expect(&["CLIENT", "GETNAME"], "$8\r\nworker-1\r\n");
    c.expect(
        &["CLIENT", "SETNAME", "bad name"],
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
    );
    c.expect(
        &["CLIENT", "NOPE"],
        "-ERR unknown subcommand 'NOPE'. Try CLIENT HELP.\r\n",
    );
}

/// The crate's own blocking client, as the README shows it.
#[test]
fn native_client_helpers_and_pipelining() {
    use cinnabar::client::Client;
    let srv = Server::start();
    let mut c = Client::connect(&srv.addr).unwrap();
    c.set(b"greeting", b"hello").unwrap();
    assert_eq!(c.get(b"greeting").unwrap(), Some(b"hello".to_vec()));
    assert_eq!(c.get(b"nokey").unwrap(), None);
    assert!(c.expire(b"greeting", 60).unwrap());
    assert_eq!(c.incr(b"n").unwrap(), 1);
    assert_eq!(c.del(b"greeting").unwrap(), 1);
    let cmds: Vec<Vec<&[u8]>> = (0..100).map(|_| vec![&b"INCR"[..], b"n"]).collect();
    let refs: Vec<&[&[u8]]> = cmds.iter().map(|c| c.as_slice()).collect();
    let replies = c.pipeline(&refs).unwrap();
    assert_eq!(replies.len(), 100);
    assert_eq!(replies[99], Value::Int(101));
    assert_eq!(
        c.command(&[b"SET", b"k", b"v", b"EX", b"0"]).unwrap(),
        Value::Error("ERR invalid expire time in 'set' command".into())
    );
}
