//! Byte streams (TCP, unix socket, or TLS over either) carrying Pyro messages: read one whole
//! message, write one.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{BufMut, BytesMut};
use pyroxene_wire::ProtocolVersion;
use pyroxene_wire::protocol::{
    Codec, Flags, HmacKey, Message, MessageType, ParseOptions, codec_for, codec_with_hmac, compress,
};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

use crate::budget::{self, Charge, ReceiveBudget};
use crate::error::{Error, ErrorKind, Result};
use crate::offload::{self, OFFLOAD_BYTES};

/// A connected stream of any kind.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
    /// TLS over a TCP or unix stream (boxed: rustls's state is a few hundred bytes).
    Tls(Box<tokio_rustls::TlsStream<Stream>>),
}

impl Stream {
    /// A read that doesn't wait (see [`Connection::read_some`]).
    pub(crate) fn try_read_buf(&mut self, buf: &mut impl BufMut) -> std::io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_read_buf(buf),
            Stream::Unix(s) => s.try_read_buf(buf),
            // TLS has no `try_read`: one poll of a read with a waker that does nothing. It
            // decrypts what the socket has; `Pending` means no plaintext is buffered and the
            // socket had nothing more (its readiness is then cleared), so waiting on the
            // socket's readability below is right.
            Stream::Tls(s) => {
                let read = std::pin::pin!(tokio::io::AsyncReadExt::read_buf(s, buf));
                let mut cx = Context::from_waker(std::task::Waker::noop());
                match std::future::Future::poll(read, &mut cx) {
                    Poll::Ready(result) => result,
                    Poll::Pending => Err(std::io::ErrorKind::WouldBlock.into()),
                }
            }
        }
    }

    /// Waits until the socket may have something to read.
    async fn readable(&self) -> std::io::Result<()> {
        match self {
            Stream::Tcp(s) => s.readable().await,
            Stream::Unix(s) => s.readable().await,
            Stream::Tls(s) => match s.get_ref().0 {
                Stream::Tcp(s) => s.readable().await,
                Stream::Unix(s) => s.readable().await,
                // never made (TLS is only put over a socket), but say so rather than spin
                Stream::Tls(_) => Err(std::io::Error::other("TLS over TLS")),
            },
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Unix(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// Payloads larger than this are written separately from their header (one copy less).
const BIG_PAYLOAD: usize = 64 * 1024;

/// The first piece of a receive buffer, and the least it grows by.
const READ_CHUNK: usize = 8 * 1024;

/// Receive buffer growth from this size up is done on a payload thread ([`Connection::make_room`]).
const GROW_OFFLOAD: usize = 1024 * 1024;

/// Compressed payloads up to this size are measured on the runtime thread: they inflate to at
/// most ~1 MiB (zlib's ratio is at most 1032:1), well under a millisecond to measure.
const INLINE_COMPRESSED: usize = 1024;

/// Bytes a connection reads back to back before it lets the runtime run other tasks.
/// `try_read_buf` never yields while the socket has data, so without this a connection
/// receiving a big message keeps its worker thread until the whole message is in: two 16 MiB
/// messages on a 2-thread runtime held both workers and stalled another client's call for
/// 25-100 ms (`pyroxene attack --only marshal-refs`). Reading 256 KiB takes well under a
/// millisecond, so small messages never pay for the yield.
///
/// It is also the most one read or write system call moves: on loopback one call can move
/// megabytes, into fresh pages the kernel clears first. A worker receiving and answering a
/// 16 MiB call ran 19 ms without a break (`perf sched timehist` under `pyroxene attack --only
/// big-call`), 82% of its time in the kernel's `clear_page_erms`.
const YIELD_AFTER: usize = 256 * 1024;

/// The framing of protocol `version` for one connection, with a Pyro4 HMAC key when given
/// (a key with Pyro5 is refused: Pyro5 has no HMAC, see `codec_with_hmac`).
pub(crate) fn connection_codec(
    version: ProtocolVersion,
    hmac_key: Option<HmacKey>,
) -> Result<Arc<dyn Codec>> {
    codec_with_hmac(version, hmac_key).map_err(|e| {
        let text = format!("cannot use protocol {}", version.number());
        Error::new(ErrorKind::Config, text).with_source(e)
    })
}

/// The sender's rules for an outgoing message, as Python's `SendingMessage` applies them:
/// compress the payload when `compress` is on (the version's rule; Pyro5: more than 100 bytes,
/// zlib level 4), then refuse a message whose payload plus annotations exceed
/// `max_message_size` ([`ErrorKind::Protocol`], Python's "message too large (N, max=M)").
pub(crate) fn prepare(
    version: ProtocolVersion,
    msg: &mut Message,
    compress: bool,
    max_message_size: u64,
) -> Result<()> {
    let codec = codec_for(version);
    if compress {
        codec.compression().apply(msg);
    }
    codec
        .check_size(msg, max_message_size)
        .map_err(|e| Error::new(ErrorKind::Protocol, "message refused").with_source(e))
}

/// A stream plus the bytes read but not yet parsed, and the framing of its protocol version.
///
/// The receive buffer grows as bytes arrive (geometrically, never past the message the
/// header announced), not to the size a header announces: a peer that sends a header and
/// nothing else costs its connection a few KiB, not the announced megabytes. On a daemon's
/// connections a message over [`budget::FREE`] is also admitted by the daemon's
/// [`ReceiveBudget`] before its body is read, and holds that budget (plus its inflated size)
/// until the next message is read (or [`Connection::take_charge`] moves it elsewhere).
#[derive(Debug)]
pub(crate) struct Connection {
    stream: Stream,
    buf: BytesMut,
    codec: Arc<dyn Codec>,
    /// Decompression is off here: [`Connection::inflate`] does it, measured and budgeted.
    options: ParseOptions,
    out: Vec<u8>,
    read_timeout: Option<std::time::Duration>,
    /// The daemon's receive budget; `None` on a proxy's connections.
    budget: Option<Arc<ReceiveBudget>>,
    /// What the message being read (or the last one read) holds of the budget.
    charge: Charge,
    /// The whole length of the message whose header is in and whose body is awaited.
    pending: Option<u64>,
    /// Bytes read since this connection last gave its worker thread back ([`YIELD_AFTER`]).
    unyielded: usize,
}

impl Connection {
    pub(crate) fn new(stream: Stream, codec: Arc<dyn Codec>, max_message_size: u64) -> Connection {
        Connection {
            stream,
            // Nothing allocated until the peer sends something: an idle connection holds
            // no buffer (see `read_some`).
            buf: BytesMut::new(),
            codec,
            options: ParseOptions::default()
                .max_message_size(max_message_size)
                .decompress(false),
            out: Vec::new(),
            read_timeout: None,
            budget: None,
            charge: Charge::default(),
            pending: None,
            unyielded: 0,
        }
    }

    /// Charges what this connection receives to a daemon's receive budget.
    pub(crate) fn set_budget(&mut self, budget: Arc<ReceiveBudget>) {
        self.budget = Some(budget);
    }

    /// Puts bytes already read from the stream (the opening a daemon looked at to pick the
    /// protocol version) in front of what is read next.
    pub(crate) fn unread(&mut self, bytes: BytesMut) {
        if self.buf.is_empty() {
            self.buf = bytes; // its spare room is used by the next read
            return;
        }
        let rest = self.buf.split();
        self.buf.extend_from_slice(&bytes);
        self.buf.unsplit(rest);
    }

    /// Gives up reading when the peer sends nothing for this long (Pyro's COMMTIMEOUT as a
    /// socket timeout: it bounds each wait for bytes, not the transfer of a whole message).
    pub(crate) fn set_read_timeout(&mut self, timeout: Option<std::time::Duration>) {
        self.read_timeout = timeout;
    }

    /// The protocol number in the header of what the peer sent, when its first 6 bytes are
    /// in (`PYRO` + version): how a proxy under `auto` recognises a Pyro4 daemon's answer.
    pub(crate) fn received_protocol(&self) -> Option<u16> {
        match self.buf.get(..6) {
            Some([b'P', b'Y', b'R', b'O', hi, lo]) => Some(u16::from_be_bytes([*hi, *lo])),
            _ => None,
        }
    }

    /// Only these message types are valid next (Python checks the type from the header).
    pub(crate) fn accept(&mut self, types: &[MessageType]) {
        self.options = self.options.accept(types);
    }

    /// The budget the last message read holds, for whoever goes on using it after the next
    /// message is read (a oneway call's task).
    pub(crate) fn take_charge(&mut self) -> Charge {
        std::mem::take(&mut self.charge)
    }

    /// Reads the next whole message; `Ok(None)` when the peer closed cleanly between messages.
    /// A COMPRESSED payload comes back inflated (flag cleared), at most MAX_MESSAGE_SIZE (and
    /// the receive budget) bytes.
    ///
    /// # Errors
    /// [`ErrorKind::Protocol`] for invalid bytes (with Python's text) or a message the
    /// receive budget can never hold, [`ErrorKind::Timeout`] when the read timeout passes
    /// without a byte, I/O errors otherwise.
    pub(crate) async fn read_message(&mut self) -> Result<Option<Message>> {
        // The previous message has been answered: its budget goes back.
        self.charge = Charge::default();
        self.pending = None;
        loop {
            match self.codec.parse_bytes(&mut self.buf, &self.options) {
                Ok(Some(msg)) => return self.finish(msg).await.map(Some),
                Ok(None) => self.admit().await?,
                Err(e) => {
                    return Err(Error::new(ErrorKind::Protocol, "invalid message").with_source(e));
                }
            }
            let n = self.read_some().await?;
            if n == 0 {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(Error::new(
                        ErrorKind::ConnectionClosed,
                        "connection closed in the middle of a message",
                    ))
                };
            }
        }
    }

    /// Once a header is in: notes the message's length and, on a daemon's connection, charges
    /// it to the receive budget before the body is read (waiting, without reading, while the
    /// budget is in use).
    async fn admit(&mut self) -> Result<()> {
        if self.pending.is_some() {
            return Ok(());
        }
        let Ok(Some(header)) = self.codec.parse_header(&self.buf, &self.options) else {
            return Ok(());
        };
        let len = header.message_len();
        self.pending = Some(len);
        if let Some(budget) = &self.budget
            && len > budget::FREE
        {
            self.charge = budget.admit(len).await?;
        }
        Ok(())
    }

    /// A whole message: charged (if it came in without waiting for its body) and inflated.
    async fn finish(&mut self, msg: Message) -> Result<Message> {
        if let Some(budget) = &self.budget
            && self.charge.is_empty()
        {
            let len = msg.payload.len() as u64 + self.codec.header_size() as u64;
            if len > budget::FREE {
                self.charge = budget.admit(len).await?;
            }
        }
        self.pending = None;
        if msg.has(Flags::COMPRESSED) {
            return self.inflate(msg).await;
        }
        Ok(msg)
    }

    /// Inflates a COMPRESSED payload: measured first (a zip bomb is refused once it passes the
    /// limit, having cost no memory), charged to the budget, then inflated into a buffer of
    /// its size; big ones on a payload thread, so the runtime's threads serve others.
    async fn inflate(&mut self, mut msg: Message) -> Result<Message> {
        let invalid = |e| Error::new(ErrorKind::Protocol, "invalid message").with_source(e);
        let max = match &self.budget {
            Some(budget) => self.options.max_message_size.min(budget.total()),
            None => self.options.max_message_size,
        };
        let raw = msg.payload.clone();
        let size = if raw.len() <= INLINE_COMPRESSED {
            compress::inflated_size(&raw, max)
        } else {
            let raw = raw.clone();
            offload::run(move || compress::inflated_size(&raw, max)).await?
        }
        .map_err(invalid)?;
        if let Some(budget) = &self.budget
            && size > budget::FREE
        {
            let extra = budget.charge_within(size, budget::INFLATE_WAIT).await?;
            self.charge.merge(extra);
        }
        // Small output is not enough: inflating costs per input byte too (a payload of many
        // tiny Huffman blocks: 2.5 KB took 260 us, in building the blocks' tables), so 64 KiB
        // of them inflating to nothing would hold a runtime thread for milliseconds.
        let inflated = if size <= OFFLOAD_BYTES as u64 && raw.len() <= INLINE_COMPRESSED * 8 {
            compress::decompress_sized(&raw, size)
        } else {
            offload::run(move || compress::decompress_sized(&raw, size)).await?
        }
        .map_err(invalid)?;
        msg.payload = inflated.into();
        msg.flags.remove(Flags::COMPRESSED);
        Ok(msg)
    }

    /// Reads what the socket has into the buffer (0 at the end of the stream), waiting for
    /// it when there is nothing yet.
    ///
    /// Not `read_buf`: tokio takes a read that leaves its buffer partly empty as proof that
    /// the socket is drained and waits for epoll before the next read, which then always
    /// costs an `epoll_wait` and a trip through the runtime even when the next request is
    /// already there (a client on the same CPU has usually sent it by the time the reply is
    /// written). `try_read_buf` keeps the socket marked readable until a read finds nothing,
    /// so a message that is already waiting is read at once, as a plain blocking loop would.
    ///
    /// A connection without a buffer (new, or idle since its last message was taken whole)
    /// waits until the socket is readable before it allocates one.
    async fn read_some(&mut self) -> Result<usize> {
        if self.unyielded >= YIELD_AFTER {
            self.unyielded = 0;
            tokio::task::yield_now().await;
        }
        let mut ready = self.buf.capacity() > 0;
        loop {
            if ready {
                self.make_room().await?;
                match self
                    .stream
                    .try_read_buf(&mut (&mut self.buf).limit(YIELD_AFTER))
                {
                    Ok(n) => {
                        self.unyielded += n;
                        return Ok(n);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(e) => return Err(e.into()),
                }
            }
            let readable = self.stream.readable();
            match self.read_timeout {
                Some(t) => tokio::time::timeout(t, readable)
                    .await
                    .map_err(|_| Error::new(ErrorKind::Timeout, "receiving: timeout"))??,
                None => readable.await?,
            }
            // Waiting for the socket gave the worker thread back.
            self.unyielded = 0;
            ready = true;
        }
    }

    /// Room for the next read: when the buffer is full it grows by what it holds (at least
    /// 8 KiB), but never past the end of the message whose header is in. So the buffer is at
    /// most twice the bytes received, and a big payload still arrives in large reads.
    ///
    /// Growing past [`GROW_OFFLOAD`] happens on a payload thread, new pages touched there: the
    /// kernel clears each fresh page on its first touch, and doing that for the copy and the
    /// reads of a 16 MiB message kept the connection's worker busy for tens of milliseconds
    /// (86% of its samples in `clear_page_erms` under `pyroxene attack --only marshal-refs`).
    async fn make_room(&mut self) -> Result<()> {
        if self.buf.capacity() > self.buf.len() {
            return Ok(());
        }
        let len = self.buf.len();
        let mut grow = len.max(READ_CHUNK);
        if let Some(total) = self.pending {
            let left = usize::try_from(total)
                .unwrap_or(usize::MAX)
                .saturating_sub(len);
            if left > 0 {
                grow = grow.min(left);
            }
        }
        if grow < GROW_OFFLOAD {
            self.buf.reserve(grow);
            return Ok(());
        }
        let old = std::mem::take(&mut self.buf);
        self.buf = offload::run(move || {
            let mut grown = BytesMut::with_capacity(len + grow);
            grown.extend_from_slice(&old);
            drop(old);
            // Touch the new room here, so the reads that fill it don't fault on the worker.
            grown.resize(len + grow, 0);
            grown.truncate(len);
            grown
        })
        .await?;
        Ok(())
    }

    /// Writes one message (header, annotations and payload in one write, as Python does).
    pub(crate) async fn write_message(&mut self, msg: &Message) -> Result<()> {
        self.out.clear();
        let encoded = if msg.payload.len() > BIG_PAYLOAD {
            // Big payloads go out from where they are instead of being copied behind the header.
            self.codec.encode_head(msg, &mut self.out)
        } else {
            self.codec.encode_into(msg, &mut self.out)
        };
        encoded.map_err(|e| Error::new(ErrorKind::Protocol, "message not sent").with_source(e))?;
        self.stream.write_all(&self.out).await?;
        if msg.payload.len() > BIG_PAYLOAD {
            // In slices, giving the worker back between them (see YIELD_AFTER).
            let mut slices = msg.payload.chunks(YIELD_AFTER).peekable();
            while let Some(slice) = slices.next() {
                self.stream.write_all(slice).await?;
                if slices.peek().is_some() {
                    tokio::task::yield_now().await;
                }
            }
        }
        // TLS keeps what the socket didn't take yet; TCP and unix streams have nothing to flush.
        if let Stream::Tls(_) = self.stream {
            self.stream.flush().await?;
        }
        Ok(())
    }
}
