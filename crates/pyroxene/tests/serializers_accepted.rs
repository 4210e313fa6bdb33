//! `DaemonBuilder::serializers`: a daemon refusing some serializers, the way Pyro4's
//! SERIALIZERS_ACCEPTED does (Pyro5 has no such setting), seen by the real Python Pyro5 proxy and
//! by the Rust proxy.

mod common;

use common::{TestDaemon, python_client};
use pyroxene::{Daemon, ErrorKind, Proxy, Serializer, Value, tuple};
use pyroxene_testkit::python;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_proxy_with_a_refused_serializer() {
    let Some(py) = python() else { return };
    let server = TestDaemon::start(
        Daemon::builder()
            .host("127.0.0.1")
            .serializers(&[Serializer::Serpent, Serializer::Msgpack]),
    )
    .await;
    let uri = server.echo_uri();
    // Connecting in json or marshal: CONNECTFAIL (in marshal), Python's CommunicationError.
    // Switching to it after connecting: SerializeError, and the connection stays usable.
    for (refused, accepted) in [("json", "serpent"), ("marshal", "msgpack")] {
        python_client(&py, "refused", &uri, refused, Some(accepted), &[]).await;
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_proxy_with_a_refused_serializer() {
    let server = TestDaemon::start(
        Daemon::builder()
            .host("127.0.0.1")
            .serializers(&[Serializer::Json]),
    )
    .await;
    let uri = server.echo_uri();
    let port = server.daemon.local_addr().expect("tcp").port();
    for ser in [
        Serializer::Serpent,
        Serializer::Marshal,
        Serializer::Msgpack,
    ] {
        let proxy = Proxy::new(&uri).expect("uri").with_serializer(ser);
        let err = proxy
            .call("echo", tuple![1], None)
            .await
            .expect_err("refused");
        assert_eq!(err.kind(), ErrorKind::Daemon);
        assert_eq!(
            err.message(),
            format!(
                "connection to 127.0.0.1:{port} rejected: message used serializer that is not accepted: {}",
                ser.id(pyroxene::ProtocolVersion::V5)
            )
        );
    }
    let json = Proxy::new(&uri)
        .expect("uri")
        .with_serializer(Serializer::Json);
    assert_eq!(
        json.call("echo", tuple!["ok"], None).await.expect("json"),
        Value::from("ok")
    );
    server.stop().await;
}
