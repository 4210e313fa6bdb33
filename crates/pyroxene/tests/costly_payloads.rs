//! Issue 16, item 2: payloads that cost far more to decode than their size (marshal references
//! to references, keys nested in keys) are decoded within a budget: a small one where it was
//! received with a small budget, and past that on the blocking pool with the serializer's
//! full budget, so a call that is only costly still works and a bomb gets a clear error.
//! (What the bombs cost the other clients is measured by `pyroxene attack`: SECURITY.md.)

mod common;

use common::{RawClient, TestDaemon};
use pyroxene::wire::protocol::{Flags, Message, MessageType};
use pyroxene::{Daemon, ProtocolVersion, Serializer, Value};

/// A marshal INVOKE payload of `test.echoserver.echo(<arg>)`, `arg` already marshalled.
fn marshal_echo_call(arg: &[u8]) -> Vec<u8> {
    let mut call = b"(\x04\x00\x00\x00".to_vec();
    for text in ["test.echoserver", "echo"] {
        call.push(b'z');
        call.push(u8::try_from(text.len()).expect("short"));
        call.extend_from_slice(text.as_bytes());
    }
    call.extend_from_slice(b"(\x01\x00\x00\x00");
    call.extend_from_slice(arg);
    call.extend_from_slice(b"{0");
    call
}

/// `levels` tuples, each holding the next one twice (inline, then by reference), around a
/// 100-byte str: what Python's marshal writes for `x = (x, x)` done `levels` times. 2^levels
/// strs once expanded, in a few hundred bytes.
fn doubling_references(levels: u32) -> Vec<u8> {
    fn level(out: &mut Vec<u8>, n: u32, next: &mut u32) -> u32 {
        let slot = *next;
        *next += 1;
        if n == 0 {
            out.push(b'u' | 0x80);
            out.extend_from_slice(&100u32.to_le_bytes());
            out.extend_from_slice(&[b'x'; 100]);
        } else {
            out.push(b'(' | 0x80);
            out.extend_from_slice(&2u32.to_le_bytes());
            let child = level(out, n - 1, next);
            out.push(b'r');
            out.extend_from_slice(&child.to_le_bytes());
        }
        slot
    }
    let mut out = Vec::new();
    level(&mut out, levels, &mut 0);
    out
}

async fn echo_daemon() -> (TestDaemon, RawClient) {
    let server = TestDaemon::start(Daemon::builder().host("127.0.0.1")).await;
    let raw = RawClient::connect(server.daemon.local_addr().expect("tcp")).await;
    (server, raw)
}

async fn invoke_raw(raw: &mut RawClient, ser: Serializer, payload: Vec<u8>) -> Message {
    let id = u16::from(ser.id(ProtocolVersion::V5));
    raw.send(&Message::new(MessageType::Invoke, id, 1, payload))
        .await;
    raw.recv().await.expect("a reply")
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_reference_bomb_gets_an_error_reply_and_the_connection_goes_on() {
    let (server, mut raw) = echo_daemon().await;
    assert_eq!(
        raw.handshake(Serializer::Marshal, "test.echoserver")
            .await
            .msg_type,
        MessageType::ConnectOk
    );
    let bomb = marshal_echo_call(&doubling_references(40));
    assert!(bomb.len() < 600, "{} bytes", bomb.len());
    let reply = invoke_raw(&mut raw, Serializer::Marshal, bomb).await;
    assert!(reply.has(Flags::EXCEPTION));
    assert!(
        contains(&reply.payload, "expand beyond the size limit"),
        "{:?}",
        String::from_utf8_lossy(&reply.payload)
    );
    // The same connection still serves calls.
    let reply = raw
        .invoke(
            Serializer::Marshal,
            2,
            "test.echoserver",
            "echo",
            pyroxene::tuple!["after"],
        )
        .await;
    assert!(!reply.has(Flags::EXCEPTION));
    assert_eq!(
        Serializer::Marshal.decode(&reply.payload).expect("decode"),
        Value::from("after")
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_call_that_only_costs_more_than_the_inline_budget_still_works() {
    let (server, mut raw) = echo_daemon().await;
    raw.handshake(Serializer::Marshal, "test.echoserver").await;
    // A 1 KiB str named 500 more times: 5 KiB on the wire, ~530 KiB of copies (over the
    // inline budget, within the full one).
    let mut list = b"[".to_vec();
    list.extend_from_slice(&501u32.to_le_bytes());
    list.push(b'u' | 0x80);
    list.extend_from_slice(&1024u32.to_le_bytes());
    list.extend_from_slice(&[b'y'; 1024]);
    for _ in 0..500 {
        list.extend_from_slice(b"r\x00\x00\x00\x00");
    }
    let reply = invoke_raw(&mut raw, Serializer::Marshal, marshal_echo_call(&list)).await;
    assert!(
        !reply.has(Flags::EXCEPTION),
        "{:?}",
        String::from_utf8_lossy(&reply.payload)
    );
    let echoed = Serializer::Marshal.decode(&reply.payload).expect("decode");
    assert_eq!(
        echoed,
        Value::List(vec![Value::from("y".repeat(1024)); 501])
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msgpack_keys_nested_past_the_budget_are_refused() {
    let (server, mut raw) = echo_daemon().await;
    raw.handshake(Serializer::Msgpack, "test.echoserver").await;
    // A map whose key is a map whose key is ... 150 deep, around 60,000 ints: 60 KB that
    // hashing walks 150 times over.
    let mut key = vec![0xdd];
    key.extend_from_slice(&60_000u32.to_be_bytes());
    key.resize(key.len() + 60_000, 0x01);
    for _ in 0..150 {
        let mut map = vec![0x81];
        map.extend_from_slice(&key);
        map.push(0xc0);
        key = map;
    }
    let mut call = vec![0x94];
    for text in ["test.echoserver", "echo"] {
        call.push(0xa0 | u8::try_from(text.len()).expect("short"));
        call.extend_from_slice(text.as_bytes());
    }
    call.push(0x91);
    call.extend_from_slice(&key);
    call.push(0x80);
    let reply = invoke_raw(&mut raw, Serializer::Msgpack, call).await;
    assert!(reply.has(Flags::EXCEPTION));
    assert!(
        contains(&reply.payload, "within the decoding budget"),
        "{:?}",
        String::from_utf8_lossy(&reply.payload)
    );
    server.stop().await;
}
