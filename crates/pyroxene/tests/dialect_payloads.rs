//! The proxy and the daemon write their CONNECT, CONNECTOK, metadata and exception payloads
//! with the dialect types of `pyroxene_wire::dialect` (one definition per wire shape): each
//! side is checked byte for byte against what `ConnectRequest`, `ConnectResponse`,
//! `Metadata` and `RemoteException` write, for both protocol versions and every serializer,
//! by a peer made of the bare codec.

mod common;

use std::sync::Arc;

use common::RawClient;
use pyroxene::wire::dialect::{
    ConnectRequest, ConnectResponse, ExceptionClass, Metadata, PyroErrorClass, RemoteException,
};
use pyroxene::wire::protocol::{Flags, MessageType};
use pyroxene::{Daemon, ProtocolVersion, Proxy, Serializer, Value, expose, tuple};
use tokio::net::TcpListener;

const VERSIONS: [ProtocolVersion; 2] = [ProtocolVersion::V4, ProtocolVersion::V5];

/// The serializers of `version` (pickle needs a daemon that accepts it; not here).
fn serializers(version: ProtocolVersion) -> impl Iterator<Item = Serializer> {
    Serializer::ALL
        .into_iter()
        .filter(move |s| s.try_id(version).is_some())
}

/// The proxy's side: a fake daemon reads its CONNECT and answers with dialect-made payloads;
/// the proxy must have sent exactly `ConnectRequest::to_value`, and must read the metadata
/// and a Pyro exception of the answer as the dialect reads them.
#[tokio::test]
async fn the_proxy_writes_and_reads_the_dialect_shapes() {
    for version in VERSIONS {
        for ser in serializers(version) {
            let here = format!("{version:?} {}", ser.name());
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let port = listener.local_addr().expect("addr").port();
            let meta = Metadata::new(["fail", "ping"], ["ping"], ["value"]);
            let error = RemoteException::pyro(PyroErrorClass::NamingError, "unknown name: x");
            let daemon = tokio::spawn({
                let (meta, error) = (meta.clone(), error.clone());
                async move {
                    let (stream, _) = listener.accept().await.expect("accept");
                    let mut peer = RawClient::over(stream, version);
                    let connect = peer.recv().await.expect("CONNECT");
                    let want = ConnectRequest::new("obj");
                    let sent = connect.payload.to_vec();
                    let ok = ConnectResponse::new(Value::from("hi there"), Some(meta));
                    let reply = connect.reply(
                        MessageType::ConnectOk,
                        ser.encode(&ok.to_value(version)).expect("encode"),
                    );
                    peer.send(&reply.with_flags(connect.flags)).await;
                    let invoke = peer.recv().await.expect("INVOKE");
                    let exception = invoke
                        .reply(
                            MessageType::Result,
                            ser.encode(&error.to_value(version)).expect("encode"),
                        )
                        .with_flags(Flags::EXCEPTION);
                    peer.send(&exception).await;
                    (sent, ser.encode(&want.to_value()).expect("encode"))
                }
            });
            let proxy = Proxy::new(format!("PYRO:obj@127.0.0.1:{port}"))
                .expect("uri")
                .with_serializer(ser)
                .with_protocol(version);
            let err = proxy
                .call("fail", tuple![], None)
                .await
                .expect_err("the fake daemon raises");
            let (sent, want) = daemon.await.expect("fake daemon");
            assert_eq!(sent, want, "{here}: CONNECT payload");
            assert_eq!(proxy.metadata(), Some(meta), "{here}: metadata");
            assert_eq!(
                proxy.handshake_response(),
                Some(Value::from("hi there")),
                "{here}"
            );
            assert_eq!(err.remote(), Some(&error), "{here}: exception");
            assert_eq!(
                err.remote().map(|r| &r.class),
                Some(&ExceptionClass::Pyro(PyroErrorClass::NamingError)),
                "{here}: read version-neutral"
            );
        }
    }
}

struct Failing;

#[expose]
impl Failing {
    fn naming(&self) -> Result<(), RemoteException> {
        Err(RemoteException::pyro(
            PyroErrorClass::NamingError,
            "no such name",
        ))
    }

    fn value(&self) -> Result<(), RemoteException> {
        Err(RemoteException::builtin("ValueError", "bad value").with_traceback(vec!["tb\n".into()]))
    }

    #[getter]
    fn size(&self) -> i64 {
        3
    }
}

/// The daemon's side: a client made of the bare codec sends a dialect-made CONNECT; the
/// CONNECTOK must be exactly `ConnectResponse::to_value` with the object's `Metadata`, and
/// exception replies exactly `RemoteException::to_value` in the caller's generation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_writes_the_dialect_shapes() {
    let daemon = Daemon::builder()
        .serializers(&Serializer::ALL)
        .host("127.0.0.1")
        .port(0)
        .bind()
        .await
        .expect("bind");
    let object = Arc::new(Failing);
    let uri = daemon
        .register_with_id(object.clone(), "failing")
        .expect("register");
    tokio::spawn({
        let daemon = daemon.clone();
        async move { daemon.serve().await }
    });
    let metadata = pyroxene::server::RemoteObject::metadata(&*object);
    for version in VERSIONS {
        for ser in serializers(version) {
            let here = format!("{version:?} {}", ser.name());
            let stream = tokio::net::TcpStream::connect(("127.0.0.1", uri.port().expect("port")))
                .await
                .expect("connect");
            let mut client = RawClient::over(stream, version);
            let ok = client.handshake(ser, "failing").await;
            assert_eq!(ok.msg_type, MessageType::ConnectOk, "{here}");
            let want = ConnectResponse::new(Value::from("hello"), Some(metadata.clone()));
            assert_eq!(
                ok.payload.to_vec(),
                ser.encode(&want.to_value(version)).expect("encode"),
                "{here}: CONNECTOK payload"
            );
            for (seq, method, raised) in [
                (
                    2,
                    "naming",
                    RemoteException::pyro(PyroErrorClass::NamingError, "no such name"),
                ),
                (
                    3,
                    "value",
                    RemoteException::builtin("ValueError", "bad value")
                        .with_traceback(vec!["tb\n".into()]),
                ),
            ] {
                let reply = client.invoke(ser, seq, "failing", method, tuple![]).await;
                let value = ser.decode(&reply.payload).expect("decode");
                let got = RemoteException::from_value(&value).expect("an exception");
                // The daemon adds a remote traceback when the method gave none.
                let sent = match raised.traceback {
                    Some(_) => raised.clone(),
                    None => raised
                        .clone()
                        .with_traceback(got.traceback.clone().unwrap_or_default()),
                };
                assert_eq!(got, sent, "{here} {method}");
                assert_eq!(
                    reply.payload.to_vec(),
                    ser.encode(&sent.to_value(version)).expect("encode"),
                    "{here} {method}: exception payload"
                );
            }
        }
    }
    daemon.shutdown();
}
