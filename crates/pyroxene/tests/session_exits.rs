//! Issue 16, item 3: every way out of a daemon's session loop (`Session::run`, the table in its
//! doc comment), one test each, over both protocol generations: the peer always gets an answer
//! or a closed socket, never a connection left open without a reply.

mod common;

use std::time::Duration;

use common::{RawClient, TestDaemon, wait_until};
use pyroxene::wire::protocol::{Flags, Message, MessageType, codec_for};
use pyroxene::{Daemon, DaemonBuilder, ProtocolVersion, Serializer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BOTH: [ProtocolVersion; 2] = [ProtocolVersion::V4, ProtocolVersion::V5];

/// A serializer id no generation has.
const UNKNOWN_SERIALIZER: u16 = 77;

async fn daemon(builder: DaemonBuilder) -> TestDaemon {
    TestDaemon::start(builder.host("127.0.0.1")).await
}

async fn raw(server: &TestDaemon, version: ProtocolVersion) -> RawClient {
    let addr = server.daemon.local_addr().expect("tcp");
    RawClient::over(TcpStream::connect(addr).await.expect("connect"), version)
}

/// A raw client past its handshake with the echo object.
async fn connected(server: &TestDaemon, version: ProtocolVersion) -> RawClient {
    let mut client = raw(server, version).await;
    let ok = client
        .handshake(Serializer::Marshal, "test.echoserver")
        .await;
    assert_eq!(ok.msg_type, MessageType::ConnectOk, "{version:?}");
    client
}

/// The str a CONNECTFAIL or exception payload carries, decoded with `ser`.
fn text_of(ser: Serializer, msg: &Message) -> String {
    let v = ser.decode(&msg.payload).expect("decodable");
    match v.as_str() {
        Some(s) => s.to_owned(),
        None => format!("{v:?}"),
    }
}

/// Reads until the daemon closes; panics if it sends anything or stays open 30 s.
async fn closed_silently(stream: &mut TcpStream) {
    let mut buf = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut buf))
        .await
        .expect("closed within 30 s")
        .unwrap_or(0);
    assert_eq!(n, 0, "closed without a reply, got {:?}", &buf[..n]);
}

async fn none_left(server: &TestDaemon) {
    wait_until("the daemon dropped the connection", || {
        server.daemon.connections() == 0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_before_or_between_messages_ends_the_session() {
    let server = daemon(Daemon::builder()).await;
    for version in BOTH {
        drop(raw(&server, version).await); // before any byte
        none_left(&server).await;
        drop(connected(&server, version).await); // between messages
        none_left(&server).await;
        // Mid-message: half a header, then gone.
        let mut s = TcpStream::connect(server.daemon.local_addr().expect("tcp"))
            .await
            .expect("connect");
        s.write_all(b"PYRO\x01").await.expect("write");
        drop(s);
        none_left(&server).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junk_before_the_handshake_gets_connectfail_and_close() {
    let server = daemon(Daemon::builder()).await;
    for (junk, want) in [
        (&b"GET / HTTP/1.1\r\n\r\n"[..], "invalid data"),
        (
            b"PYRO\x01\xf5 and more than a header's worth of bytes here....",
            "invalid protocol version: 501",
        ),
    ] {
        let mut s = TcpStream::connect(server.daemon.local_addr().expect("tcp"))
            .await
            .expect("connect");
        s.write_all(junk).await.expect("write");
        let mut got = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut got))
            .await
            .expect("closed within 30 s")
            .ok();
        let (fail, _) = codec_for(ProtocolVersion::V5)
            .parse(&got, &Default::default())
            .expect("a valid reply")
            .expect("a whole reply");
        assert_eq!(fail.msg_type, MessageType::ConnectFail);
        assert_eq!(text_of(Serializer::Marshal, &fail), want);
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_connection_is_closed_after_commtimeout() {
    let server = daemon(Daemon::builder().comm_timeout(Some(Duration::from_millis(200)))).await;
    for version in BOTH {
        let mut client = connected(&server, version).await;
        assert!(client.recv().await.is_none(), "closed after COMMTIMEOUT");
        none_left(&server).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_with_an_unknown_serializer_is_closed_without_reply() {
    let server = daemon(Daemon::builder()).await;
    for version in BOTH {
        let mut client = raw(&server, version).await;
        let mut connect = Message::new(MessageType::Connect, UNKNOWN_SERIALIZER, 0, b"x".to_vec());
        if version == ProtocolVersion::V4 {
            connect = connect.with_flags(Flags::META_ON_CONNECT);
        }
        client.send(&connect).await;
        assert!(
            client.recv().await.is_none(),
            "{version:?}: closed, no reply"
        );
        none_left(&server).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_with_a_refused_serializer_gets_connectfail_in_marshal() {
    let server = daemon(Daemon::builder().serializers(&[Serializer::Json])).await;
    for version in BOTH {
        let mut client = raw(&server, version).await;
        let fail = client
            .handshake(Serializer::Serpent, "test.echoserver")
            .await;
        assert_eq!(fail.msg_type, MessageType::ConnectFail, "{version:?}");
        assert_eq!(
            fail.serializer_id,
            u16::from(Serializer::Marshal.id(version))
        );
        let text = text_of(Serializer::Marshal, &fail);
        assert!(text.contains("not accepted"), "{version:?}: {text}");
        assert!(client.recv().await.is_none(), "closed");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_over_the_limit_gets_connectfail() {
    let server = daemon(Daemon::builder().max_connections(1)).await;
    for version in BOTH {
        let _first = connected(&server, version).await;
        let mut second = raw(&server, version).await;
        let fail = second.handshake(Serializer::Json, "test.echoserver").await;
        assert_eq!(fail.msg_type, MessageType::ConnectFail, "{version:?}");
        assert_eq!(
            text_of(Serializer::Marshal, &fail),
            "too many connections (max 1), increase PYROXENE_MAX_CONNECTIONS"
        );
        assert!(second.recv().await.is_none(), "closed");
        drop(_first);
        none_left(&server).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_message_type_after_the_handshake_closes() {
    let server = daemon(Daemon::builder()).await;
    for version in BOTH {
        for msg_type in [
            MessageType::Connect,
            MessageType::Result,
            MessageType::ConnectOk,
        ] {
            let mut client = connected(&server, version).await;
            let id = u16::from(Serializer::Marshal.id(version));
            client
                .send(&Message::new(msg_type, id, 1, Vec::new()))
                .await;
            assert!(
                client.recv().await.is_none(),
                "{version:?} {msg_type:?}: closed"
            );
        }
        none_left(&server).await;
    }
    server.stop().await;
}

/// Issue 16, finding 5: an INVOKE with an unknown serializer id after the handshake got no
/// reply and the connection stayed open. Now: a SerializeError in marshal, then closed; a
/// oneway one is closed without a reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invoke_with_an_unknown_serializer_gets_an_error_and_close() {
    let server = daemon(Daemon::builder()).await;
    for version in BOTH {
        let mut client = connected(&server, version).await;
        client
            .send(&Message::new(
                MessageType::Invoke,
                UNKNOWN_SERIALIZER,
                5,
                b"??".to_vec(),
            ))
            .await;
        let reply = client.recv().await.expect("an error reply");
        assert_eq!(reply.msg_type, MessageType::Result, "{version:?}");
        assert!(reply.has(Flags::EXCEPTION), "{version:?}");
        assert_eq!(reply.seq, 5);
        assert_eq!(
            reply.serializer_id,
            u16::from(Serializer::Marshal.id(version))
        );
        let exception = Serializer::Marshal.decode(&reply.payload).expect("marshal");
        let shown = format!("{exception:?}");
        assert!(
            shown.contains("SerializeError")
                && shown.contains("message used serializer that is not accepted: 77"),
            "{version:?}: {shown}"
        );
        assert!(
            client.recv().await.is_none(),
            "{version:?}: closed after the reply"
        );

        let mut client = connected(&server, version).await;
        client
            .send(
                &Message::new(MessageType::Invoke, UNKNOWN_SERIALIZER, 6, b"??".to_vec())
                    .with_flags(Flags::ONEWAY),
            )
            .await;
        assert!(
            client.recv().await.is_none(),
            "{version:?}: oneway closed, no reply"
        );
        none_left(&server).await;
    }
    server.stop().await;
}

/// A call whose payload doesn't decode is answered (the connection stays usable), as Python
/// answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undecodable_call_is_answered_and_the_connection_goes_on() {
    let server = daemon(Daemon::builder()).await;
    for version in BOTH {
        let mut client = connected(&server, version).await;
        let id = u16::from(Serializer::Json.id(version));
        client
            .send(&Message::new(
                MessageType::Invoke,
                id,
                3,
                br#""\ud800""#.to_vec(),
            ))
            .await;
        let reply = client.recv().await.expect("a reply");
        assert!(reply.has(Flags::EXCEPTION), "{version:?}");
        let reply = client
            .invoke(
                Serializer::Marshal,
                4,
                "test.echoserver",
                "echo",
                pyroxene::tuple!["fine"],
            )
            .await;
        assert!(!reply.has(Flags::EXCEPTION), "{version:?}: still served");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_shutdown_closes_idle_connections() {
    let server = daemon(Daemon::builder()).await;
    let mut v4 = connected(&server, ProtocolVersion::V4).await;
    let mut v5 = connected(&server, ProtocolVersion::V5).await;
    let mut waiting = raw(&server, ProtocolVersion::V5).await; // no handshake yet
    server.stop().await;
    for client in [&mut v4, &mut v5, &mut waiting] {
        assert!(client.recv().await.is_none(), "closed at shutdown");
    }
}

/// A connection silent past the handshake timeout is closed without a reply, even with no
/// COMMTIMEOUT.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_connect_within_the_handshake_timeout_closes() {
    let server =
        daemon(Daemon::builder().handshake_timeout(Some(Duration::from_millis(200)))).await;
    let mut s = TcpStream::connect(server.daemon.local_addr().expect("tcp"))
        .await
        .expect("connect");
    closed_silently(&mut s).await;
    // A connected client is not bound by it.
    let mut client = connected(&server, ProtocolVersion::V5).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let reply = client
        .invoke(
            Serializer::Marshal,
            1,
            "test.echoserver",
            "echo",
            pyroxene::tuple![1],
        )
        .await;
    assert!(!reply.has(Flags::EXCEPTION));
    server.stop().await;
}
