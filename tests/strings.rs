//! String commands, checked byte for byte.

use crate::util::*;

#[test]
fn get_set_and_options() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["GET", "k"], "$-1\r\n");
    c.expect(&["SET", "k", "v"], "+OK\r\n");
    c.expect(&["GET", "k"], "$1\r\nv\r\n");
    c.expect(&["SET", "k", "w", "NX"], "$-1\r\n");
    c.expect(&["SET", "k", "w", "XX", "GET"], "$1\r\nv\r\n");
    c.expect(&["SET", "missing", "w", "XX"], "$-1\r\n");
    c.expect(&["SET", "k", "x", "NX", "XX"], "-ERR syntax error\r\n");
    c.expect(
        &["SET", "k", "x", "EX", "10", "KEEPTTL"],
        "-ERR syntax error\r\n",
    );
    c.expect(
        &["SET", "k", "x", "EX", "10", "PX", "10"],
        "-ERR syntax error\r\n",
    );
    c.expect(&["SET", "k", "x", "EX"], "-ERR syntax error\r\n");
    c.expect(
        &["SET", "k", "x", "EX", "0"],
        "-ERR invalid expire time in 'set' command\r\n",
    );
    c.expect(
        &["SET", "k", "x", "EX", "-5"],
        "-ERR invalid expire time in 'set' command\r\n",
    );
    c.expect(
        &["SET", "k", "x", "EX", "abc"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(
        &["SET", "k", "x", "EX", "9223372036854775807"],
        "-ERR invalid expire time in 'set' command\r\n",
    );
    c.expect(&["SET", "k", "x", "EX", "100"], "+OK\r\n");
    c.expect(&["TTL", "k"], ":100\r\n");
    c.expect(&["SET", "k", "y", "KEEPTTL"], "+OK\r\n");
    c.expect(&["TTL", "k"], ":100\r\n");
    c.expect(&["SET", "k", "z"], "+OK\r\n");
    c.expect(&["TTL", "k"], ":-1\r\n");
    c.expect(&["SET", "k", "z", "PXAT", "1"], "+OK\r\n");
    c.expect(&["GET", "k"], "$-1\r\n");
    c.expect(
        &["SET", "k"],
        "-ERR wrong number of arguments for 'set' command\r\n",
    );
}

#[test]
fn setnx_setex_psetex_getset_getdel() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["SETNX", "a", "1"], ":1\r\n");
    c.expect(&["SETNX", "a", "2"], ":0\r\n");
    c.expect(
        &["SETEX", "b", "0", "v"],
        "-ERR invalid expire time in 'setex' command\r\n",
    );
    c.expect(&["SETEX", "b", "50", "v"], "+OK\r\n");
    c.expect(&["TTL", "b"], ":50\r\n");
    c.expect(
        &["PSETEX", "c", "-1", "v"],
        "-ERR invalid expire time in 'psetex' command\r\n",
    );
    c.expect(&["PSETEX", "c", "5000", "v"], "+OK\r\n");
    c.expect(&["TTL", "c"], ":5\r\n");
    c.expect(&["GETSET", "b", "new"], "$1\r\nv\r\n");
    c.expect(&["TTL", "b"], ":-1\r\n");
    c.expect(&["GETDEL", "b"], "$3\r\nnew\r\n");
    c.expect(&["GETDEL", "b"], "$-1\r\n");
}

#[test]
fn getex_options() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["GETEX", "nokey", "EX", "-1"], "$-1\r\n");
    c.expect(&["SET", "k", "v"], "+OK\r\n");
    c.expect(&["GETEX", "k", "EX", "100"], "$1\r\nv\r\n");
    c.expect(&["TTL", "k"], ":100\r\n");
    c.expect(&["GETEX", "k", "PERSIST"], "$1\r\nv\r\n");
    c.expect(&["TTL", "k"], ":-1\r\n");
    c.expect(&["GETEX", "k", "NX"], "-ERR syntax error\r\n");
    c.expect(
        &["GETEX", "k", "EX", "0"],
        "-ERR invalid expire time in 'getex' command\r\n",
    );
    c.expect(&["GETEX", "k", "PXAT", "1"], "$1\r\nv\r\n");
    c.expect(&["EXISTS", "k"], ":0\r\n");
}

#[test]
fn mget_mset_msetnx() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["MSET", "a", "1", "b", "2"], "+OK\r\n");
    c.expect(
        &["MSET", "a", "1", "b"],
        "-ERR wrong number of arguments for 'mset' command\r\n",
    );
    c.expect(
        &["MGET", "a", "x", "b"],
        "*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n",
    );
    c.expect(&["MSETNX", "x", "1", "a", "9"], ":0\r\n");
    c.expect(&["GET", "x"], "$-1\r\n");
    c.expect(&["MSETNX", "x", "1", "y", "2"], ":1\r\n");
}

#[test]
fn append_strlen_getrange_setrange() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["APPEND", "s", "Hello"], ":5\r\n");
    c.expect(&["APPEND", "s", " World"], ":11\r\n");
    c.expect(&["STRLEN", "s"], ":11\r\n");
    c.expect(&["STRLEN", "none"], ":0\r\n");
    c.expect(&["GETRANGE", "s", "0", "4"], "$5\r\nHello\r\n");
    c.expect(&["GETRANGE", "s", "-5", "-1"], "$5\r\nWorld\r\n");
    c.expect(&["GETRANGE", "s", "5", "1"], "$0\r\n\r\n");
    c.expect(&["GETRANGE", "s", "-1", "-5"], "$0\r\n\r\n");
    c.expect(&["GETRANGE", "s", "0", "100"], "$11\r\nHello World\r\n");
    c.expect(&["SUBSTR", "s", "0", "0"], "$1\r\nH\r\n");
    c.expect(
        &["GETRANGE", "s", "a", "1"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(&["SETRANGE", "s", "6", "Redis"], ":11\r\n");
    c.expect(&["GET", "s"], "$11\r\nHello Redis\r\n");
    c.expect(&["SETRANGE", "z", "3", "ab"], ":5\r\n");
    c.expect(&["GET", "z"], "$5\r\n\0\0\0ab\r\n");
    c.expect(&["SETRANGE", "empty", "10", ""], ":0\r\n");
    c.expect(&["EXISTS", "empty"], ":0\r\n");
    c.expect(
        &["SETRANGE", "s", "-1", "x"],
        "-ERR offset is out of range\r\n",
    );
    c.expect(
        &["SETRANGE", "s", "536870911", "xx"],
        "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n",
    );
}

#[test]
fn counters() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["INCR", "n"], ":1\r\n");
    c.expect(&["INCRBY", "n", "10"], ":11\r\n");
    c.expect(&["DECR", "n"], ":10\r\n");
    c.expect(&["DECRBY", "n", "20"], ":-10\r\n");
    c.expect(
        &["INCRBY", "n", "x"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(&["SET", "n", "9223372036854775807"], "+OK\r\n");
    c.expect(
        &["INCR", "n"],
        "-ERR increment or decrement would overflow\r\n",
    );
    c.expect(
        &["DECRBY", "n", "-9223372036854775808"],
        "-ERR decrement would overflow\r\n",
    );
    c.expect(&["SET", "s", "abc"], "+OK\r\n");
    c.expect(
        &["INCR", "s"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(&["SET", "s", " 1"], "+OK\r\n");
    c.expect(
        &["INCR", "s"],
        "-ERR value is not an integer or out of range\r\n",
    );
    c.expect(&["SET", "t", "5", "EX", "100"], "+OK\r\n");
    c.expect(&["INCR", "t"], ":6\r\n");
    c.expect(&["TTL", "t"], ":100\r\n");
}

#[test]
fn incrbyfloat_formats_like_redis() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(&["INCRBYFLOAT", "f", "10.5"], "$4\r\n10.5\r\n");
    c.expect(&["INCRBYFLOAT", "f", "0.1"], "$4\r\n10.6\r\n");
    c.expect(&["INCRBYFLOAT", "f", "-5"], "$3\r\n5.6\r\n");
    // Long double arithmetic, exactly as Redis on x86-64 prints it.
    c.expect(
        &["INCRBYFLOAT", "f", "1e3"],
        "$22\r\n1005.59999999999999998\r\n",
    );
    c.expect(&["SET", "g", "3"], "+OK\r\n");
    c.expect(&["INCRBYFLOAT", "g", "2"], "$1\r\n5\r\n");
    c.expect(&["OBJECT", "ENCODING", "g"], "$6\r\nembstr\r\n");
    c.expect(
        &["INCRBYFLOAT", "g", "abc"],
        "-ERR value is not a valid float\r\n",
    );
    c.expect(
        &["INCRBYFLOAT", "g", "inf"],
        "-ERR increment would produce NaN or Infinity\r\n",
    );
    c.expect(&["SET", "h", "x"], "+OK\r\n");
    c.expect(
        &["INCRBYFLOAT", "h", "1"],
        "-ERR value is not a valid float\r\n",
    );
}

#[test]
fn lcs_variants() {
    let srv = Server::start();
    let mut c = srv.conn();
    c.expect(
        &["MSET", "key1", "ohmytext", "key2", "mynewtext"],
        "+OK\r\n",
    );
    c.expect(&["LCS", "key1", "key2"], "$6\r\nmytext\r\n");
    c.expect(&["LCS", "key1", "key2", "LEN"], ":6\r\n");
    c.expect(
        &["LCS", "key1", "key2", "IDX"],
        "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
    );
    c.expect(
        &["LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"],
        "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n",
    );
    c.expect(
        &["LCS", "key1", "key2", "LEN", "IDX"],
        "-ERR If you want both the length and indexes, please just use IDX.\r\n",
    );
    c.expect(&["LCS", "key1", "nokey"], "$0\r\n\r\n");
}

#[test]
fn object_encoding_follows_redis_rules() {
    let srv = Server::start();
    let mut c = srv.conn();
    let long = "x".repeat(45);
    c.expect(&["SET", "i", "12345"], "+OK\r\n");
    c.expect(&["OBJECT", "ENCODING", "i"], "$3\r\nint\r\n");
    c.expect(&["SET", "e", &"x".repeat(44)], "+OK\r\n");
    c.expect(&["OBJECT", "ENCODING", "e"], "$6\r\nembstr\r\n");
    c.expect(&["SET", "r", &long], "+OK\r\n");
    c.expect(&["OBJECT", "ENCODING", "r"], "$3\r\nraw\r\n");
    c.expect(&["APPEND", "i", "6"], ":6\r\n");
    c.expect(&["OBJECT", "ENCODING", "i"], "$3\r\nraw\r\n");
    c.expect(&["INCR", "i"], ":123457\r\n");
    c.expect(&["OBJECT", "ENCODING", "i"], "$3\r\nint\r\n");
    c.expect(&["SET", "small", "5"], "+OK\r\n");
    c.expect(&["OBJECT", "REFCOUNT", "small"], ":2147483647\r\n");
    c.expect(&["OBJECT", "REFCOUNT", "r"], ":1\r\n");
    c.expect(&["OBJECT", "ENCODING", "nokey"], "$-1\r\n");
}
