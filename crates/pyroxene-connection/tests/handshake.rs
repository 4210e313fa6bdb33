//! The authentication handshake and the listener, Rust to Rust: every challenge style against
//! every other, wrong keys both ways, peers without a handshake, timeouts, socket families.

use std::time::Duration;

use pyroxene_connection::{
    Address, AuthenticationError, ChallengeStyle, Client, Config, Digest, Error, Listener,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn styles() -> Vec<ChallengeStyle> {
    let mut all: Vec<_> = Digest::ALL
        .into_iter()
        .map(ChallengeStyle::Prefixed)
        .collect();
    all.push(ChallengeStyle::Legacy);
    all
}

fn quick() -> Config {
    Config::default().handshake_timeout(Some(Duration::from_millis(300)))
}

/// Runs one accept and one connect concurrently.
async fn pair(
    server_key: Option<&[u8]>,
    server: Config,
    client_key: Option<&[u8]>,
    client: Config,
) -> (
    Result<pyroxene_connection::Connection, Error>,
    Result<pyroxene_connection::Connection, Error>,
) {
    let mut listener = Listener::bind_with_config("127.0.0.1:0", 1, server_key, server)
        .await
        .expect("bind");
    let address = listener.address().clone();
    let client_key = client_key.map(<[u8]>::to_vec);
    let connect = tokio::spawn(async move {
        Client::with_config(client)
            .open(&address, client_key.as_deref())
            .await
    });
    let accepted = listener.accept().await;
    (accepted, connect.await.expect("the client task"))
}

#[tokio::test]
async fn every_style_meets_every_style() {
    for s in styles() {
        for c in styles() {
            let (a, b) = pair(
                Some(b"key"),
                Config::default().challenge(s),
                Some(b"key"),
                Config::default().challenge(c),
            )
            .await;
            let (mut a, mut b) = (a.unwrap(), b.unwrap());
            a.send(&"after the handshake").await.unwrap();
            assert_eq!(b.recv::<String>().await.unwrap(), "after the handshake");
        }
    }
}

#[tokio::test]
async fn wrong_keys_fail_both_sides_with_python_texts() {
    for style in [ChallengeStyle::default(), ChallengeStyle::Legacy] {
        let config = Config::default().challenge(style);
        let (server, client) = pair(Some(b"one"), config.clone(), Some(b"two"), config).await;
        let server = server.unwrap_err();
        let client = client.unwrap_err();
        assert_eq!(server.to_string(), "digest received was wrong");
        assert_eq!(client.to_string(), "digest sent was rejected");
        assert!(server.is_authentication() && client.is_authentication());
        assert_eq!(server.python_class(), "multiprocessing.AuthenticationError");
    }
}

#[tokio::test]
async fn an_empty_key_still_authenticates() {
    let (a, b) = pair(Some(b""), Config::default(), Some(b""), Config::default()).await;
    assert!(a.is_ok() && b.is_ok());
    let (a, b) = pair(Some(b""), Config::default(), Some(b"x"), Config::default()).await;
    assert!(a.is_err() && b.is_err());
}

#[tokio::test]
async fn a_client_key_against_a_listener_without_one() {
    // The listener says nothing: the client's handshake times out (CPython hangs).
    let (a, b) = pair(None, Config::default(), Some(b"k"), quick()).await;
    let _silent_server_side = a.unwrap();
    let e = b.unwrap_err();
    assert!(matches!(e, Error::HandshakeTimeout(_)), "{e:?}");
    assert_eq!(e.python_class(), "TimeoutError");

    // The listener talks first: no challenge.
    let mut listener = Listener::bind("127.0.0.1:0", 1, None).await.unwrap();
    let address = listener.address().clone();
    let connect = tokio::spawn(async move { Client::connect(&address, Some(b"k")).await });
    let mut conn = listener.accept().await.unwrap();
    conn.send_bytes(b"hello", 0, None).await.unwrap();
    assert_eq!(
        connect.await.unwrap().unwrap_err().to_string(),
        "Protocol error, expected challenge: message=b'hello'"
    );
}

#[tokio::test]
async fn a_listener_key_against_a_client_without_one() {
    let mut listener = Listener::bind("127.0.0.1:0", 1, Some(b"k")).await.unwrap();
    let address = listener.address().clone();
    let client = tokio::spawn(async move {
        let mut c = Client::connect(&address, None).await.unwrap();
        let challenge = c.recv_bytes(None).await.unwrap();
        c.send(&"a job, not an answer").await.unwrap();
        (challenge, c.recv_bytes(None).await.unwrap())
    });
    let e = listener.accept().await.unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Authentication(AuthenticationError::UnsupportedMessage(_))
        ),
        "{e:?}"
    );
    let (challenge, verdict) = client.await.unwrap();
    assert!(challenge.starts_with(b"#CHALLENGE#{sha256}"));
    assert_eq!(challenge.len(), 11 + 8 + 40);
    assert_eq!(verdict, b"#FAILURE#");
}

#[tokio::test]
async fn handshake_messages_are_limited_to_256_bytes() {
    let mut listener = Listener::bind("127.0.0.1:0", 1, Some(b"k")).await.unwrap();
    let address = listener.address().clone();
    tokio::spawn(async move {
        let mut c = Client::connect(&address, None).await.unwrap();
        c.recv_bytes(None).await.unwrap();
        c.send_bytes(&[0u8; 257], 0, None).await.unwrap();
        c
    });
    let e = listener.accept().await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::BadMessageLength {
                length: 257,
                maxlength: 256
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_silent_client_stalls_accept_only_until_the_timeout() {
    let mut listener = Listener::bind_with_config("127.0.0.1:0", 4, Some(b"k"), quick())
        .await
        .unwrap();
    let Address::Inet { port, .. } = listener.address().clone() else {
        unreachable!()
    };
    let _silent = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let e = listener.accept().await.unwrap_err();
    assert!(matches!(e, Error::HandshakeTimeout(_)), "{e:?}");
    // The listener goes on.
    let address = listener.address().clone();
    let good = tokio::spawn(async move { Client::connect(&address, Some(b"k")).await });
    listener.accept().await.unwrap();
    good.await.unwrap().unwrap();
}

#[tokio::test]
async fn accept_unauthenticated_lets_handshakes_run_side_by_side() {
    let mut listener = Listener::bind("127.0.0.1:0", 4, Some(b"k")).await.unwrap();
    let Address::Inet { port, .. } = listener.address().clone() else {
        unreachable!()
    };
    // A client that never answers is accepted first...
    let mut silent = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let stalled = listener.accept_unauthenticated().await.unwrap();
    let stalled = tokio::spawn(stalled.authenticate());
    // ...and a good one is served meanwhile.
    let address = listener.address().clone();
    let good = tokio::spawn(async move { Client::connect(&address, Some(b"k")).await });
    let incoming = listener.accept_unauthenticated().await.unwrap();
    assert!(matches!(incoming.peer_address(), Address::Inet { .. }));
    let mut conn = incoming.authenticate().await.unwrap();
    let mut client = good.await.unwrap().unwrap();
    conn.send(&1).await.unwrap();
    assert_eq!(client.recv::<i64>().await.unwrap(), 1);
    assert!(!stalled.is_finished());
    // The silent one saw its challenge and nothing more.
    let mut head = [0u8; 4];
    silent.read_exact(&mut head).await.unwrap();
    assert_eq!(head, [0, 0, 0, 59]);
    silent.shutdown().await.unwrap();
    drop(silent);
    assert!(stalled.await.unwrap().is_err());
}

#[tokio::test]
async fn unix_sockets_abstract_names_and_ipv6() {
    let dir = std::env::temp_dir().join(format!("pyroxene-mpconn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("listener.sock");
    let name = format!("\0pyroxene-mpconn-{}", std::process::id());
    let addresses = [
        Address::Unix(path.clone()),
        Address::parse(&name).unwrap(),
        Address::parse("[::1]:0").unwrap(),
    ];
    for address in addresses {
        let mut listener = match Listener::bind(&address, 1, Some(b"k")).await {
            Ok(l) => l,
            // No IPv6 on this machine's loopback: nothing to test.
            Err(Error::Bind { .. }) if matches!(address, Address::Inet { .. }) => continue,
            Err(e) => panic!("{address}: {e:?}"),
        };
        let bound = listener.address().clone();
        assert_eq!(bound.family(), address.family());
        let client = tokio::spawn(async move {
            let mut c = Client::connect(&bound, Some(b"k")).await.unwrap();
            c.send(&"over").await.unwrap();
        });
        let mut conn = listener.accept().await.unwrap();
        assert_eq!(conn.recv::<String>().await.unwrap(), "over");
        client.await.unwrap();
        if let Address::Unix(_) = address {
            assert_eq!(listener.last_accepted(), Some(&Address::Unix("".into())));
            assert!(path.exists());
            listener.close();
            assert!(!path.exists(), "the socket file is removed on close");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn bind_and_connect_errors_name_the_address() {
    let dir = std::env::temp_dir().join(format!("pyroxene-mpconn-e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("taken.sock");
    let _first = Listener::bind(&path, 1, None).await.unwrap();
    let e = Listener::bind(&path, 1, None).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("could not listen on {}", path.display())
    );
    assert!(std::error::Error::source(&e).is_some());
    let missing = dir.join("missing.sock");
    let e = Client::connect(&missing, None).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("could not connect to {}", missing.display())
    );
    drop(_first);
    std::fs::remove_dir_all(&dir).unwrap();
}
