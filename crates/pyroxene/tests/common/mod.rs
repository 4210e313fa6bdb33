//! Shared by the feature interop tests: a Rust daemon serving the echo server and a context
//! test object, the Python feature client runner, Python peers, and bounded waits.

#![allow(dead_code)] // each test file uses a part

use std::sync::Arc;
use std::time::Duration;

use pyroxene::echo::{ECHO_OBJECT_NAME, EchoServer};
use pyroxene::server::{BoxFuture, CallResult, Invocation, Metadata, RemoteObject};
use pyroxene::{Daemon, DaemonBuilder, RemoteException, Value};
use pyroxene_testkit::PythonProcess;

/// The object id of [`ContextObject`] (as in `interop/pyro5_feature_daemon.py`).
pub const CONTEXT_OBJECT_NAME: &str = "test.context";

/// Reports the call context through the hand-written `RemoteObject` path (`#[expose]` methods use
/// `pyroxene::current_context()` instead); the same methods as `ContextObject` of
/// `interop/pyro5_feature_daemon.py`:
///
/// - `echo(value)`;
/// - `echo_annotations()`: `{"annotations": {id: text}, "correlation_id": hex}` of the request,
///   and each request annotation comes back as a response annotation with `re:` in front;
/// - `big(n)`: a str of `n` x's (to make a large result).
pub struct ContextObject;

impl RemoteObject for ContextObject {
    fn metadata(&self) -> Metadata {
        Metadata::new(["echo", "echo_annotations", "big"], [""; 0], [""; 0])
    }

    fn invoke(self: Arc<Self>, call: Invocation) -> BoxFuture<CallResult> {
        Box::pin(async move {
            match call.method.as_str() {
                "echo" => Ok(call.args.into_iter().next().unwrap_or_default()),
                "echo_annotations" => {
                    let ctx = &call.context;
                    let mut seen = Vec::new();
                    for (id, value) in &ctx.annotations {
                        let mut back = b"re:".to_vec();
                        back.extend_from_slice(value);
                        ctx.set_response_annotation(*id, back);
                        seen.push((
                            id.as_str().to_owned(),
                            String::from_utf8_lossy(value).into_owned(),
                        ));
                    }
                    let corr = ctx
                        .correlation_id
                        .map(|c| c.0.iter().map(|b| format!("{b:02x}")).collect::<String>())
                        .unwrap_or_default();
                    Ok(pyroxene::dict! {
                        "annotations" => seen.into_iter().collect::<Value>(),
                        "correlation_id" => corr,
                    })
                }
                "big" => {
                    let n = call.args.first().and_then(Value::as_i64).unwrap_or(0);
                    Ok(Value::from("x".repeat(usize::try_from(n).unwrap_or(0))))
                }
                other => Err(RemoteException::new(
                    "builtins.AttributeError",
                    format!("no method {other}"),
                )),
            }
        })
    }
}

/// A daemon from `builder`, serving the echo server and the context object, running in the
/// background until `shutdown`.
pub struct TestDaemon {
    pub daemon: Daemon,
    pub serving: tokio::task::JoinHandle<pyroxene::Result<()>>,
}

impl TestDaemon {
    pub async fn start(builder: DaemonBuilder) -> TestDaemon {
        let daemon = builder.bind().await.expect("bind");
        daemon
            .register_with_id(Arc::new(EchoServer::new(false)), ECHO_OBJECT_NAME)
            .expect("register echo");
        daemon
            .register_with_id(Arc::new(ContextObject), CONTEXT_OBJECT_NAME)
            .expect("register context");
        let serving = {
            let daemon = daemon.clone();
            tokio::spawn(async move { daemon.serve().await })
        };
        TestDaemon { daemon, serving }
    }

    /// The URI of the echo server (`test.echoserver`).
    pub fn echo_uri(&self) -> String {
        self.daemon
            .internal_uri_for(ECHO_OBJECT_NAME)
            .expect("uri")
            .to_string()
    }

    /// The URI of the context object (`test.context`).
    pub fn context_uri(&self) -> String {
        self.daemon
            .internal_uri_for(CONTEXT_OBJECT_NAME)
            .expect("uri")
            .to_string()
    }

    /// Stops serving and waits until `serve` has returned.
    pub async fn stop(self) {
        self.daemon.shutdown();
        self.serving
            .await
            .expect("join serve")
            .expect("serve ended cleanly");
    }
}

/// Runs `interop/pyro5_feature_client.py MODE URI SERIALIZER [ARG]` with extra environment and
/// asserts that every check passed.
pub async fn python_client(
    py: &std::path::Path,
    mode: &str,
    uri: &str,
    serializer: &str,
    arg: Option<&str>,
    env: &[(&str, &str)],
) {
    let py = py.to_owned();
    let mut args = vec![
        "interop/pyro5_feature_client.py".to_owned(),
        mode.to_owned(),
        uri.to_owned(),
        serializer.to_owned(),
    ];
    args.extend(arg.map(str::to_owned));
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let (status, out) = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        PythonProcess::spawn(&py, &args, &env)
            .expect("start python client")
            .finish()
            .expect("python client output")
    })
    .await
    .expect("join");
    eprintln!("python {mode} {serializer}: {}", out.trim());
    assert!(
        status.success() && out.contains(" passed, 0 failed"),
        "{mode} {serializer}:\n{out}"
    );
}

/// Starts `interop/pyro5_feature_daemon.py` (handshake validator + context object) and returns
/// it with the URI of its `test.context` object.
pub fn python_feature_daemon(py: &std::path::Path) -> (PythonProcess, String) {
    let mut server = PythonProcess::spawn(py, &["interop/pyro5_feature_daemon.py"], &[])
        .expect("start python daemon");
    let uri = server
        .wait_for_line("context uri:")
        .expect("context uri line");
    (server, uri)
}

/// Starts Python's echo server on 127.0.0.1 with extra environment; returns it and its URI.
pub fn python_echo_server(py: &std::path::Path, env: &[(&str, &str)]) -> (PythonProcess, String) {
    let mut server = PythonProcess::spawn(
        py,
        &["-m", "Pyro5.utils.echoserver", "-H", "127.0.0.1", "-p", "0"],
        env,
    )
    .expect("start python echo server");
    let uri = server.wait_for_line("echo uri:").expect("echo uri line");
    (server, uri)
}

/// Waits until `cond` holds, checking every 10 ms; panics with `what` after about 30 s (a
/// bound against hangs, not a timing assertion).
pub async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..3000 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("gave up waiting for: {what}");
}

/// A bare TCP peer speaking v5 (or v4) frames, to see exactly what a daemon (or a proxy) puts
/// on the wire.
pub struct RawClient {
    stream: tokio::net::TcpStream,
    buf: Vec<u8>,
    version: pyroxene::ProtocolVersion,
}

impl RawClient {
    pub async fn connect(addr: std::net::SocketAddr) -> RawClient {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        RawClient::over(stream, pyroxene::ProtocolVersion::V5)
    }

    /// Frames of `version` over `stream` (either end of a connection).
    pub fn over(stream: tokio::net::TcpStream, version: pyroxene::ProtocolVersion) -> RawClient {
        RawClient {
            stream,
            buf: Vec::new(),
            version,
        }
    }

    pub async fn send(&mut self, msg: &pyroxene::wire::protocol::Message) {
        use tokio::io::AsyncWriteExt;
        let codec = pyroxene::wire::protocol::codec_for(self.version);
        let bytes = codec.encode(msg).expect("encode");
        self.stream.write_all(&bytes).await.expect("write");
    }

    /// Only the header of `msg`: for a daemon that refuses a message from its header. Sending
    /// the body it never reads races its close (Linux answers unread data with a reset, which
    /// may fail the write or drop the reply before it is read).
    pub async fn send_header(&mut self, msg: &pyroxene::wire::protocol::Message) {
        use tokio::io::AsyncWriteExt;
        let codec = pyroxene::wire::protocol::codec_for(self.version);
        let bytes = codec.encode(msg).expect("encode");
        let header = &bytes[..codec.header_size()];
        self.stream.write_all(header).await.expect("write");
    }

    /// The next message as it travelled (compressed payloads are not inflated), or `None` on
    /// EOF between messages. A connection reset counts as EOF (the daemon closed it).
    pub async fn recv(&mut self) -> Option<pyroxene::wire::protocol::Message> {
        use tokio::io::AsyncReadExt;
        let opts = pyroxene::wire::protocol::ParseOptions::default().decompress(false);
        loop {
            if let Some((msg, used)) = pyroxene::wire::protocol::codec_for(self.version)
                .parse(&self.buf, &opts)
                .expect("valid message")
            {
                self.buf.drain(..used);
                return Some(msg);
            }
            let mut chunk = [0u8; 65536];
            // The bound turns a daemon that never answers or closes into a failure, not a hang.
            let n = tokio::time::timeout(Duration::from_secs(30), self.stream.read(&mut chunk))
                .await
                .expect("the daemon answered or closed within 30 s")
                .or_else(|e| match e.kind() {
                    std::io::ErrorKind::ConnectionReset => Ok(0),
                    _ => Err(e),
                })
                .expect("read");
            if n == 0 {
                assert!(self.buf.is_empty(), "EOF inside a message");
                return None;
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// CONNECT to `object` in `ser`; returns the reply (CONNECTOK or CONNECTFAIL).
    pub async fn handshake(
        &mut self,
        ser: pyroxene::Serializer,
        object: &str,
    ) -> pyroxene::wire::protocol::Message {
        use pyroxene::wire::protocol::{Flags, Message, MessageType};
        let request = pyroxene::wire::dialect::ConnectRequest::new(object);
        let body = ser.encode(&request.to_value()).expect("encode");
        let id = u16::from(ser.id(self.version));
        let mut connect = Message::new(MessageType::Connect, id, 0, body);
        if self.version == pyroxene::ProtocolVersion::V4 {
            connect = connect.with_flags(Flags::META_ON_CONNECT);
        }
        self.send(&connect).await;
        self.recv().await.expect("handshake reply")
    }

    /// INVOKE `object.method(*args)` in `ser` with sequence number `seq`; returns the reply.
    pub async fn invoke(
        &mut self,
        ser: pyroxene::Serializer,
        seq: u16,
        object: &str,
        method: &str,
        args: Value,
    ) -> pyroxene::wire::protocol::Message {
        use pyroxene::wire::protocol::{Message, MessageType};
        let body = ser
            .encode_call(object, method, &args, Some(&pyroxene::Dict::default()))
            .expect("encode");
        let id = u16::from(ser.id(self.version));
        self.send(&Message::new(MessageType::Invoke, id, seq, body))
            .await;
        self.recv().await.expect("result")
    }
}
