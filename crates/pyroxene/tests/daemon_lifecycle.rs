//! Shutting a daemon down: before it serves, and with clients connected.

mod common;

use common::{RawClient, TestDaemon, wait_until};
use pyroxene::echo::ECHO_OBJECT_NAME;
use pyroxene::wire::protocol::MessageType;
use pyroxene::{Daemon, Serializer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_before_serve_is_not_lost() {
    let daemon = Daemon::builder()
        .host("127.0.0.1")
        .bind()
        .await
        .expect("bind");
    daemon.shutdown();
    // serve() starts after the request and returns at once.
    daemon.serve().await.expect("serve returns");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_closes_open_connections() {
    let server = TestDaemon::start(Daemon::builder().host("127.0.0.1")).await;
    let mut raw = RawClient::connect(server.daemon.local_addr().expect("tcp")).await;
    let ok = raw.handshake(Serializer::Serpent, ECHO_OBJECT_NAME).await;
    assert_eq!(ok.msg_type, MessageType::ConnectOk);
    let daemon = server.daemon.clone();
    server.stop().await;
    assert!(raw.recv().await.is_none(), "expected EOF");
    wait_until("no connections", || daemon.connections() == 0).await;
}
