//! A connection's behaviour, Rust to Rust: messages, bytes, limits, poll and wait, with
//! CPython's error texts.

use std::time::Duration;

use pyroxene_connection::{Client, Config, Error, Listener, pipe, pipe_with_config, wait};
use pyroxene_wire::{Value, dict, list, set, tuple};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const SECOND: Option<Duration> = Some(Duration::from_secs(10));

/// A listener without a key and a raw TCP peer of it, for writing arbitrary bytes.
async fn raw_peer(config: Config) -> (pyroxene_connection::Connection, TcpStream) {
    let mut listener = Listener::bind_with_config("127.0.0.1:0", 1, None, config)
        .await
        .expect("bind");
    let pyroxene_connection::Address::Inet { port, .. } = listener.address().clone() else {
        unreachable!()
    };
    let raw = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let conn = listener.accept().await.expect("accept");
    (conn, raw)
}

#[tokio::test]
async fn objects_round_trip_as_values() {
    let (mut a, mut b) = pipe(true).unwrap();
    let big = Value::from_bigint("123456789012345678901234567890".parse().unwrap());
    let values = [
        Value::None,
        Value::Bool(true),
        Value::Int(-5),
        big,
        Value::Float(-0.0),
        Value::from("naïve ☃"),
        Value::Bytes(vec![0u8, 255].into()),
        list![1, "a", list![]],
        tuple![1, tuple![2.5]],
        dict! {"a" => 1, 2 => "b", tuple![1, 2] => Value::None},
        set![1, 2, 3],
    ];
    for v in &values {
        a.send_value(v).await.unwrap();
        assert_eq!(&b.recv_value().await.unwrap(), v);
    }
}

#[tokio::test]
async fn serde_types_through_pickle() {
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Job {
        name: String,
        args: Vec<i64>,
        weight: Option<f64>,
    }
    let (mut a, mut b) = pipe(true).unwrap();
    let job = Job {
        name: "sum".into(),
        args: vec![1, 2, 3],
        weight: None,
    };
    a.send(&job).await.unwrap();
    assert_eq!(b.recv::<Job>().await.unwrap(), job);
    a.send(&("x", 1)).await.unwrap();
    assert!(matches!(b.recv::<i64>().await, Err(Error::Unpickle(_))));
}

#[tokio::test]
async fn bytes_offsets_and_python_value_errors() {
    let (mut a, mut b) = pipe(true).unwrap();
    a.send_bytes(b"0123456789", 2, Some(3)).await.unwrap();
    assert_eq!(b.recv_bytes(None).await.unwrap(), b"234");
    a.send_bytes(b"0123456789", 10, None).await.unwrap();
    assert_eq!(b.recv_bytes(None).await.unwrap(), b"");
    for (offset, size, text) in [
        (11, None, "buffer length < offset"),
        (5, Some(6), "buffer length < offset + size"),
        (0, Some(usize::MAX), "buffer length < offset + size"),
    ] {
        let e = a.send_bytes(b"0123456789", offset, size).await.unwrap_err();
        assert_eq!(e.to_string(), text);
        assert_eq!(e.python_class(), "ValueError");
    }
}

#[tokio::test]
async fn recv_bytes_into_and_buffer_too_short() {
    let (mut a, mut b) = pipe(true).unwrap();
    let mut buf = [0u8; 8];
    a.send_bytes(b"abc", 0, None).await.unwrap();
    assert_eq!(b.recv_bytes_into(&mut buf, 5).await.unwrap(), 3);
    assert_eq!(&buf, b"\0\0\0\0\0abc");
    a.send_bytes(b"too long!", 0, None).await.unwrap();
    match b.recv_bytes_into(&mut buf, 0).await {
        Err(Error::BufferTooShort(e)) => assert_eq!(e.message, b"too long!"),
        other => panic!("{other:?}"),
    }
    let e = b.recv_bytes_into(&mut buf, 9).await.unwrap_err();
    assert_eq!(e.to_string(), "offset too large");
    // The message that did not fit was consumed; the next one comes through.
    a.send_bytes(b"next", 0, None).await.unwrap();
    assert_eq!(b.recv_bytes(None).await.unwrap(), b"next");
    // A big one that fits is read straight into the buffer, a byte at its offset.
    let big: Vec<u8> = (0..5_000_000u32).map(|i| (i % 253) as u8).collect();
    let writer = tokio::spawn({
        let big = big.clone();
        async move {
            a.send_bytes(&big, 0, None).await.unwrap();
            a
        }
    });
    let mut room = vec![0u8; 5_000_001];
    assert_eq!(b.recv_bytes_into(&mut room, 1).await.unwrap(), big.len());
    assert_eq!(room[0], 0);
    assert!(room[1..] == big[..]);
    let mut a = writer.await.unwrap();
    // A big one that does not fit still carries the whole message.
    let big = vec![7u8; 200_000];
    a.send_bytes(&big, 0, None).await.unwrap();
    match b.recv_bytes_into(&mut buf, 0).await {
        Err(Error::BufferTooShort(e)) => assert_eq!(e.message, big),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn maxlength_makes_the_connection_write_only_as_cpython() {
    let (mut a, mut b) = pipe(true).unwrap();
    a.send_bytes(&[1u8; 300], 0, None).await.unwrap();
    let e = b.recv_bytes(Some(256)).await.unwrap_err();
    assert_eq!(e.to_string(), "bad message length");
    assert_eq!(e.python_class(), "OSError");
    assert!(!b.readable() && b.writable());
    assert_eq!(
        b.recv_bytes(None).await.unwrap_err().to_string(),
        "connection is write-only"
    );
    b.send_bytes(b"still writes", 0, None).await.unwrap();
    assert_eq!(a.recv_bytes(None).await.unwrap(), b"still writes");

    // A read-only end (one-way pipe) is closed instead.
    let (mut r, mut w) = pipe(false).unwrap();
    w.send_bytes(&[1u8; 300], 0, None).await.unwrap();
    assert!(r.recv_bytes(Some(10)).await.is_err());
    assert!(r.closed());
    assert_eq!(
        r.recv_bytes(None).await.unwrap_err().to_string(),
        "handle is closed"
    );
}

#[tokio::test]
async fn max_message_size_refuses_before_reading() {
    let config = Config::default().max_message_size(1000);
    let (mut a, mut b) = pipe_with_config(true, &config).unwrap();
    a.send_bytes(&[0u8; 1001], 0, None).await.unwrap();
    let e = b.recv_value().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::MessageTooLarge {
                length: 1001,
                limit: 1000
            }
        ),
        "{e:?}"
    );
    // An explicit maxlength replaces the configured limit.
    let (mut a, mut b) = pipe_with_config(true, &config).unwrap();
    a.send_bytes(&[0u8; 5000], 0, None).await.unwrap();
    assert_eq!(b.recv_bytes(Some(5000)).await.unwrap().len(), 5000);
}

#[tokio::test]
async fn one_way_pipe_ends() {
    let (mut r, mut w) = pipe(false).unwrap();
    assert!(r.readable() && !r.writable() && !w.readable() && w.writable());
    assert_eq!(
        r.send(&1).await.unwrap_err().to_string(),
        "connection is read-only"
    );
    assert_eq!(
        w.recv_bytes(None).await.unwrap_err().to_string(),
        "connection is write-only"
    );
    assert_eq!(
        w.poll(Some(Duration::ZERO)).await.unwrap_err().to_string(),
        "connection is write-only"
    );
    w.send(&list![1, 2]).await.unwrap();
    assert_eq!(r.recv_value().await.unwrap(), list![1, 2]);
}

#[tokio::test]
async fn poll_eof_and_close() {
    let (mut a, mut b) = pipe(true).unwrap();
    assert!(!b.poll(Some(Duration::ZERO)).await.unwrap());
    assert!(!b.poll(Some(Duration::from_millis(20))).await.unwrap());
    a.send_bytes(b"", 0, None).await.unwrap();
    assert!(b.poll(Some(Duration::ZERO)).await.unwrap());
    assert!(b.poll(None).await.unwrap());
    assert_eq!(b.recv_bytes(None).await.unwrap(), b"");
    a.close();
    assert!(a.closed());
    assert_eq!(
        a.send(&1).await.unwrap_err().to_string(),
        "handle is closed"
    );
    // The peer's close is readable, and reads as EOFError (again and again).
    assert!(b.poll(SECOND).await.unwrap());
    for _ in 0..2 {
        let e = b.recv_bytes(None).await.unwrap_err();
        assert!(e.is_eof(), "{e:?}");
        assert_eq!(e.python_class(), "EOFError");
    }
}

#[tokio::test]
async fn wait_returns_the_ready_ones() {
    let (mut a1, mut b1) = pipe(true).unwrap();
    let (mut a2, mut b2) = pipe(true).unwrap();
    let (mut a3, b3) = pipe(true).unwrap();
    let mut mine = [&mut a1, &mut a2, &mut a3];
    assert!(
        wait(&mut mine, Some(Duration::ZERO))
            .await
            .unwrap()
            .is_empty()
    );
    b2.send(&1).await.unwrap();
    drop(b3);
    assert_eq!(wait(&mut mine, SECOND).await.unwrap(), [1, 2]);
    b1.send(&1).await.unwrap();
    assert_eq!(wait(&mut mine, None).await.unwrap(), [0, 1, 2]);
    // A message arriving while we wait wakes the wait.
    let (mut a4, mut b4) = pipe(true).unwrap();
    let sender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        b4.send(&"late").await.unwrap();
        b4
    });
    assert_eq!(wait(&mut [&mut a4], SECOND).await.unwrap(), [0]);
    drop(sender.await.unwrap());
}

#[tokio::test]
async fn big_messages_both_ways() {
    let (mut a, mut b) = pipe(true).unwrap();
    let big: Vec<u8> = (0..17 << 20).map(|i: u32| (i % 251) as u8).collect();
    let sent = big.clone();
    let writer = tokio::spawn(async move {
        a.send_bytes(&sent, 0, None).await.unwrap();
        a.send_value(&Value::Bytes(sent.into())).await.unwrap();
        a
    });
    assert_eq!(b.recv_bytes(None).await.unwrap(), big);
    assert_eq!(b.recv_value().await.unwrap(), Value::Bytes(big.into()));
    writer.await.unwrap();
}

#[tokio::test]
async fn frames_split_anywhere_and_the_long_header_form() {
    let (mut conn, mut raw) = raw_peer(Config::default()).await;
    // Two messages, the second with the 8-byte form, written a byte at a time.
    let mut bytes = b"\x00\x00\x00\x03abc".to_vec();
    bytes.extend_from_slice(b"\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x05hello");
    let writer = tokio::spawn(async move {
        for b in bytes {
            raw.write_all(&[b]).await.unwrap();
            raw.flush().await.unwrap();
        }
        raw
    });
    assert_eq!(conn.recv_bytes(None).await.unwrap(), b"abc");
    assert_eq!(conn.recv_bytes(None).await.unwrap(), b"hello");
    drop(writer.await.unwrap());
    assert!(conn.recv_bytes(None).await.unwrap_err().is_eof());
}

#[tokio::test]
async fn bad_frames_close_the_connection() {
    // A negative length other than -1.
    let (mut conn, mut raw) = raw_peer(Config::default()).await;
    raw.write_all(b"\xff\xff\xff\xfe").await.unwrap();
    let e = conn.recv_bytes(None).await.unwrap_err();
    assert!(matches!(e, Error::BadFrame(_)), "{e:?}");
    assert_eq!(e.to_string(), "bad message header");
    assert_eq!(
        std::error::Error::source(&e).unwrap().to_string(),
        "negative message length -2"
    );
    assert!(conn.closed());

    // End of file inside a header, and inside a payload (small and big).
    for bytes in [
        &b"\x00\x00"[..],
        b"\x00\x00\x00\x09abc",
        b"\x00\x10\x00\x00abc",
    ] {
        let (mut conn, mut raw) = raw_peer(Config::default()).await;
        raw.write_all(bytes).await.unwrap();
        drop(raw);
        let e = conn.recv_bytes(None).await.unwrap_err();
        assert_eq!(e.to_string(), "got end of file during message");
        assert!(conn.closed());
    }

    // Pickle data we don't read: a class instance (nothing is imported).
    let (mut conn, mut raw) = raw_peer(Config::default()).await;
    let evil =
        b"\x80\x04\x95\x13\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94.";
    let mut frame = Vec::new();
    pyroxene_connection::frame::encode(evil, &mut frame);
    raw.write_all(&frame).await.unwrap();
    let e = conn.recv_value().await.unwrap_err();
    assert!(matches!(e, Error::Unpickle(_)), "{e:?}");
    assert!(
        std::error::Error::source(&e)
            .unwrap()
            .to_string()
            .contains("os.system")
    );
}

#[tokio::test]
async fn client_and_listener_without_keys() {
    let mut listener = Listener::bind(("127.0.0.1", 0), 4, None).await.unwrap();
    let address = listener.address().clone();
    let client = tokio::spawn(async move {
        let mut c = Client::connect(&address, None).await.unwrap();
        c.send(&tuple!["hi", 1]).await.unwrap();
        c.recv_value().await.unwrap()
    });
    let mut conn = listener.accept().await.unwrap();
    assert!(matches!(
        listener.last_accepted(),
        Some(pyroxene_connection::Address::Inet { host, .. }) if host == "127.0.0.1"
    ));
    let got = conn.recv_value().await.unwrap();
    conn.send_value(&got).await.unwrap();
    assert_eq!(client.await.unwrap(), tuple!["hi", 1]);
    listener.close();
    assert_eq!(
        listener.accept().await.unwrap_err().to_string(),
        "listener is closed"
    );
}

/// `poll(0)` in a loop (a Python idiom) lets the runtime run: the other task's message
/// arrives and is seen, on a single-threaded runtime too.
#[tokio::test(flavor = "current_thread")]
async fn a_poll_zero_loop_sees_a_late_message() {
    let (mut a, mut b) = pipe(true).unwrap();
    let sender = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        b.send(&"late").await.unwrap();
        b
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !a.poll(Some(Duration::ZERO)).await.unwrap() {
        assert!(
            std::time::Instant::now() < deadline,
            "poll(0) never saw the message"
        );
    }
    assert_eq!(a.recv::<String>().await.unwrap(), "late");
    drop(sender.await.unwrap());
}
