//! One connection: whole messages in and out over a byte stream (CPython's `Connection`).

use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{Buf, BufMut, BytesMut};
use pyroxene_wire::Value;
use pyroxene_wire::serializer::pickle;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::frame::{self, MAX_HEADER_LEN};
use crate::stream::Stream;
use crate::{BufferTooShort, Config, Error};

/// What one read asks for while waiting for a header or a small message.
const READ_CHUNK: usize = 64 * 1024;
/// The first allocation for a big payload; it doubles from there as bytes arrive. A peer that
/// announces gigabytes and sends nothing costs at most this much (a 1 MiB message is read
/// without a single reallocation).
const BIG_START: usize = 1 << 20;

/// A message-oriented connection (Python's `multiprocessing.connection.Connection`): from
/// [`Listener::accept`](crate::Listener::accept), [`Client::connect`](crate::Client::connect)
/// or [`pipe`](crate::pipe()).
///
/// Every message is one frame (see [`frame`](crate::frame)); [`send`](Connection::send) and
/// [`recv`](Connection::recv) carry pickled values (protocol 4, what CPython 3.8-3.13 sends;
/// any protocol 2-5 is read), the `_bytes` methods raw bytes. A connection serves one message
/// at a time, like CPython's; give each task its own connection.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pyroxene_connection::Error> {
/// use pyroxene_connection::pipe;
/// let (mut a, mut b) = pipe(true)?;
/// a.send(&("job", 7, vec![1.5, 2.5])).await?;
/// let (name, n, xs): (String, i64, Vec<f64>) = b.recv().await?;
/// assert_eq!((name.as_str(), n, xs.len()), ("job", 7, 2));
///
/// b.send_bytes(b"xxhello", 2, None).await?;
/// assert!(a.poll(None).await?);
/// assert_eq!(a.recv_bytes(None).await?, b"hello");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Connection {
    /// `None` once closed.
    stream: Option<Stream>,
    /// Bytes read but not yet taken: the start of the next message(s).
    rbuf: BytesMut,
    /// The peer closed its side (the read that saw it returned 0).
    eof: bool,
    /// An error `poll` met; the next read reports it (Python's poll says "readable" and the
    /// read raises).
    read_error: Option<io::Error>,
    readable: bool,
    writable: bool,
    max_message_size: u64,
}

/// Where a received payload is: the first `n` bytes of the read buffer, or a vector of its own
/// (big messages are read straight into it).
enum Payload {
    Buffered(usize),
    Owned(Vec<u8>),
}

/// The length limit of one receive.
#[derive(Clone, Copy)]
enum Limit {
    /// `recv_bytes(maxlength)`.
    MaxLength(u64),
    /// The connection's `max_message_size`.
    Config(u64),
}

impl Connection {
    pub(crate) fn new(stream: Stream, readable: bool, writable: bool, config: &Config) -> Self {
        Connection {
            stream: Some(stream),
            rbuf: BytesMut::new(),
            eof: false,
            read_error: None,
            readable,
            writable,
            max_message_size: config.max_message_size,
        }
    }

    /// Whether [`close`](Connection::close) was called (or a bad frame closed it).
    pub fn closed(&self) -> bool {
        self.stream.is_none()
    }

    /// Whether this end receives (false for the writing end of a one-way pipe, and after a
    /// [bad length](Error::BadMessageLength)).
    pub fn readable(&self) -> bool {
        self.readable
    }

    /// Whether this end sends (false for the reading end of a one-way pipe).
    pub fn writable(&self) -> bool {
        self.writable
    }

    /// Closes the connection; the peer sees end of file. Later calls fail with
    /// [`Error::Closed`]. Dropping a connection closes it too.
    pub fn close(&mut self) {
        self.stream = None;
        self.rbuf = BytesMut::new();
    }

    fn reader(&self) -> Result<&Stream, Error> {
        let stream = self.stream.as_ref().ok_or(Error::Closed)?;
        if !self.readable {
            return Err(Error::WriteOnly);
        }
        Ok(stream)
    }

    /// Sends `buf[offset..offset + size]` (all of it from `offset` when `size` is `None`) as
    /// one message.
    ///
    /// # Errors
    /// `offset`/`size` outside `buf` ([`Error::InvalidArgument`] with CPython's text), a
    /// closed or read-only connection, or an I/O error.
    pub async fn send_bytes(
        &mut self,
        buf: &[u8],
        offset: usize,
        size: Option<usize>,
    ) -> Result<(), Error> {
        self.check_writable()?;
        if buf.len() < offset {
            return Err(Error::InvalidArgument("buffer length < offset"));
        }
        let end = match size {
            None => buf.len(),
            Some(size) => offset
                .checked_add(size)
                .filter(|end| *end <= buf.len())
                .ok_or(Error::InvalidArgument("buffer length < offset + size"))?,
        };
        self.write_frame(&buf[offset..end]).await
    }

    /// Sends `obj` pickled: serde turns it into a [`Value`], which is written as pickle
    /// protocol 4 (what `Connection.send` writes on CPython 3.8-3.13). Rust tuples become
    /// tuples, sequences lists, maps and structs dicts; send a [`Value::Set`] (see
    /// [`send_value`](Connection::send_value)) for a Python set.
    ///
    /// # Errors
    /// A value pickle can't carry ([`Error::Pickle`]), or the errors of
    /// [`send_bytes`](Connection::send_bytes).
    pub async fn send<T: Serialize + ?Sized>(&mut self, obj: &T) -> Result<(), Error> {
        let value = pyroxene_wire::to_value(obj).map_err(Error::Pickle)?;
        self.send_value(&value).await
    }

    /// Sends a [`Value`] pickled (no serde step).
    ///
    /// # Errors
    /// As [`send`](Connection::send).
    pub async fn send_value(&mut self, value: &Value) -> Result<(), Error> {
        self.check_writable()?;
        let data = pickle::to_vec(value).map_err(Error::Pickle)?;
        self.write_frame(&data).await
    }

    /// Receives one message as bytes. With `maxlength`, a longer message fails with
    /// [`Error::BadMessageLength`] before its payload is read, and the connection stops
    /// reading (CPython's behaviour); without, [`Config::max_message_size`] applies.
    ///
    /// # Errors
    /// [`Error::Eof`] when the peer closed between messages, [`Error::EofDuringMessage`],
    /// the length errors above, [`Error::BadFrame`], or an I/O error.
    pub async fn recv_bytes(&mut self, maxlength: Option<usize>) -> Result<Vec<u8>, Error> {
        let limit = match maxlength {
            Some(n) => Limit::MaxLength(n as u64),
            None => Limit::Config(self.max_message_size),
        };
        Ok(match self.read_frame(limit).await? {
            Payload::Buffered(n) => {
                let out = self.rbuf[..n].to_vec();
                self.rbuf.advance(n);
                out
            }
            Payload::Owned(v) => v,
        })
    }

    /// Receives one message into `buf` from `offset` on; returns its length. A message that
    /// fits is read straight into `buf`, with no buffer of its own in between.
    ///
    /// # Errors
    /// `offset` past the end of `buf` (`offset too large`, checked before reading); a message
    /// that does not fit: [`Error::BufferTooShort`], which holds the message (it is consumed);
    /// or the errors of [`recv_bytes`](Connection::recv_bytes).
    pub async fn recv_bytes_into(&mut self, buf: &mut [u8], offset: usize) -> Result<usize, Error> {
        if offset > buf.len() {
            self.reader()?;
            return Err(Error::InvalidArgument("offset too large"));
        }
        let len = self
            .read_header(Limit::Config(self.max_message_size))
            .await?;
        if len <= buf.len() - offset {
            self.read_exact_into(&mut buf[offset..offset + len]).await?;
            return Ok(len);
        }
        let message = match self.read_payload(len).await? {
            Payload::Buffered(n) => {
                let message = self.rbuf[..n].to_vec();
                self.rbuf.advance(n);
                message
            }
            Payload::Owned(message) => message,
        };
        Err(BufferTooShort { message }.into())
    }

    /// Receives one pickled object and converts it to `T` through serde (`T = Value` keeps
    /// it as sent: sets, tuples, big ints...).
    ///
    /// # Errors
    /// [`Error::Unpickle`] for pickle data of a class pyroxene-wire does not know (nothing is
    /// ever imported: see the crate docs for the list) or a value that does not fit `T`;
    /// otherwise the errors of [`recv_bytes`](Connection::recv_bytes) without `maxlength`.
    pub async fn recv<T: DeserializeOwned>(&mut self) -> Result<T, Error> {
        let value = self.recv_value().await?;
        pyroxene_wire::from_value(value).map_err(Error::Unpickle)
    }

    /// Receives one pickled object as a [`Value`].
    ///
    /// # Errors
    /// As [`recv`](Connection::recv).
    pub async fn recv_value(&mut self) -> Result<Value, Error> {
        let limit = Limit::Config(self.max_message_size);
        match self.read_frame(limit).await? {
            Payload::Buffered(n) => {
                let value = pickle::from_slice(&self.rbuf[..n]);
                self.rbuf.advance(n);
                value
            }
            Payload::Owned(v) => pickle::from_slice(&v),
        }
        .map_err(Error::Unpickle)
    }

    /// Whether there is something to read: `Some(Duration::ZERO)` checks without waiting
    /// (Python's default `poll()`), `None` waits as long as it takes. True also when the peer
    /// closed (the next receive then fails with [`Error::Eof`]), and it does not promise that
    /// a whole message is there, as in CPython.
    ///
    /// # Errors
    /// A closed or write-only connection.
    pub async fn poll(&mut self, timeout: Option<Duration>) -> Result<bool, Error> {
        self.reader()?;
        if timeout.is_some() && self.ready_now().await? {
            return Ok(true);
        }
        let ready = poll_fn(|cx| self.poll_readable(cx));
        match timeout {
            None => ready.await.map(|()| true),
            Some(Duration::ZERO) => Ok(false),
            Some(t) => match tokio::time::timeout(t, ready).await {
                Ok(r) => r.map(|()| true),
                Err(_) => Ok(false),
            },
        }
    }

    /// Whether something can be read right now, as a `poll(2)` would say. Tokio learns of
    /// new bytes only when its driver runs, so a first look that finds nothing yields once
    /// (the runtime polls the driver before resuming us) and looks again.
    async fn ready_now(&mut self) -> Result<bool, Error> {
        if let Some(r) = self.look() {
            return r.map(|()| true);
        }
        tokio::task::yield_now().await;
        self.look().transpose().map(|r| r.is_some())
    }

    /// One non-waiting look at [`poll_readable`](Connection::poll_readable).
    pub(crate) fn look(&mut self) -> Option<Result<(), Error>> {
        let waker = std::task::Waker::noop();
        match self.poll_readable(&mut Context::from_waker(waker)) {
            Poll::Ready(r) => Some(r),
            Poll::Pending => None,
        }
    }

    /// Ready once something can be read (bytes, end of file or an error to report).
    pub(crate) fn poll_readable(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let Connection {
            stream,
            rbuf,
            eof,
            read_error,
            readable,
            ..
        } = self;
        let stream = stream.as_ref().ok_or(Error::Closed)?;
        if !*readable {
            return Poll::Ready(Err(Error::WriteOnly));
        }
        if !rbuf.is_empty() || *eof || read_error.is_some() {
            return Poll::Ready(Ok(()));
        }
        rbuf.reserve(READ_CHUNK);
        match ready!(poll_read_into(stream, cx, rbuf)) {
            Ok(0) => *eof = true,
            Ok(_) => {}
            Err(e) => *read_error = Some(e),
        }
        Poll::Ready(Ok(()))
    }

    /// Reads more into the buffer; 0 at end of file.
    async fn fill(&mut self) -> Result<usize, Error> {
        if let Some(e) = self.read_error.take() {
            return Err(Error::Io(e));
        }
        if self.eof {
            return Ok(0);
        }
        if self.rbuf.capacity() - self.rbuf.len() < READ_CHUNK / 4 {
            self.rbuf.reserve(READ_CHUNK);
        }
        let Connection { stream, rbuf, .. } = self;
        let stream = stream.as_ref().ok_or(Error::Closed)?;
        let n = poll_fn(|cx| poll_read_into(stream, cx, rbuf))
            .await
            .map_err(Error::Io)?;
        self.eof = n == 0;
        Ok(n)
    }

    /// Reads one frame's header and payload, checking the length against `limit` first.
    async fn read_frame(&mut self, limit: Limit) -> Result<Payload, Error> {
        let len = self.read_header(limit).await?;
        self.read_payload(len).await
    }

    /// Reads the `len`-byte payload that follows a header.
    async fn read_payload(&mut self, len: usize) -> Result<Payload, Error> {
        if self.rbuf.len() < len && len <= READ_CHUNK {
            self.rbuf.reserve(len - self.rbuf.len());
            while self.rbuf.len() < len {
                if self.fill().await? == 0 {
                    self.close();
                    return Err(Error::EofDuringMessage);
                }
            }
        }
        if self.rbuf.len() >= len {
            return Ok(Payload::Buffered(len));
        }
        self.read_big(len).await.map(Payload::Owned)
    }

    /// Reads one frame's header and checks its length against `limit`; returns the length
    /// of the payload, which is next in the stream.
    async fn read_header(&mut self, limit: Limit) -> Result<usize, Error> {
        self.reader()?;
        let header = loop {
            match frame::parse_header(&self.rbuf) {
                Ok(Some(h)) => break h,
                Ok(None) => {}
                Err(e) => {
                    self.close();
                    return Err(Error::BadFrame(e));
                }
            }
            if self.fill().await? == 0 {
                return Err(if self.rbuf.is_empty() {
                    Error::Eof
                } else {
                    self.close();
                    Error::EofDuringMessage
                });
            }
        };
        let length = header.length;
        let too_long = match limit {
            Limit::MaxLength(max) if length > max => Some(Error::BadMessageLength {
                length,
                maxlength: max,
            }),
            Limit::Config(max) if length > max => {
                Some(Error::MessageTooLarge { length, limit: max })
            }
            _ => None,
        };
        let too_long = too_long.or_else(|| {
            usize::try_from(length)
                .is_err()
                .then_some(Error::MessageTooLarge {
                    length,
                    limit: usize::MAX as u64,
                })
        });
        self.rbuf.advance(header.size);
        if let Some(e) = too_long {
            self.bad_message_length();
            return Err(e);
        }
        // Checked just above.
        Ok(length as usize)
    }

    /// Reads exactly `dst.len()` payload bytes into `dst`: what the buffer holds, then
    /// straight from the stream (no copy in between).
    async fn read_exact_into(&mut self, dst: &mut [u8]) -> Result<(), Error> {
        let have = self.rbuf.len().min(dst.len());
        dst[..have].copy_from_slice(&self.rbuf[..have]);
        self.rbuf.advance(have);
        if let Some(e) = self.read_error.take() {
            return Err(Error::Io(e));
        }
        let stream = self.stream.as_ref().ok_or(Error::Closed)?;
        let mut rest = &mut dst[have..];
        while !rest.is_empty() && !self.eof {
            let n = poll_fn(|cx| poll_read_into(stream, cx, &mut rest))
                .await
                .map_err(Error::Io)?;
            self.eof = n == 0;
        }
        if !rest.is_empty() {
            self.close();
            return Err(Error::EofDuringMessage);
        }
        Ok(())
    }

    /// Reads a payload bigger than the read buffer straight into its own vector, which grows
    /// with the bytes that arrive (from [`BIG_START`], at most doubling), not with the
    /// announced length.
    async fn read_big(&mut self, len: usize) -> Result<Vec<u8>, Error> {
        let mut out = Vec::with_capacity(len.min(self.rbuf.len().max(BIG_START)));
        out.extend_from_slice(&self.rbuf);
        self.rbuf.clear();
        if let Some(e) = self.read_error.take() {
            return Err(Error::Io(e));
        }
        let stream = self.stream.as_ref().ok_or(Error::Closed)?;
        while out.len() < len && !self.eof {
            if out.capacity() == out.len() {
                out.reserve((len - out.len()).min(out.len()));
            }
            let want = (len - out.len()).min(out.capacity() - out.len());
            let mut room = (&mut out).limit(want);
            let n = poll_fn(|cx| poll_read_into(stream, cx, &mut room))
                .await
                .map_err(Error::Io)?;
            self.eof = n == 0;
        }
        if out.len() < len {
            self.close();
            return Err(Error::EofDuringMessage);
        }
        Ok(out)
    }

    /// CPython's `_bad_message_length`: the rest of the stream can't be trusted, so stop
    /// reading (or close, when this end can't write either).
    fn bad_message_length(&mut self) {
        if self.writable {
            self.readable = false;
            self.rbuf = BytesMut::new();
        } else {
            self.close();
        }
    }

    fn check_writable(&self) -> Result<(), Error> {
        if self.stream.is_none() {
            return Err(Error::Closed);
        }
        if !self.writable {
            return Err(Error::ReadOnly);
        }
        Ok(())
    }

    /// Writes the header and the payload with one `writev` (then the rest of the payload).
    /// CPython concatenates small messages and writes big ones as two writes; the bytes on
    /// the wire are the same, but a lone header would wake the reader for 4 bytes (measured:
    /// 1 MiB ping-pong at 0.7x raw TCP with two writes).
    pub(crate) async fn write_frame(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.check_writable()?;
        let stream = self.stream.as_mut().ok_or(Error::Closed)?;
        let mut head = [0u8; MAX_HEADER_LEN];
        let mut head = frame::encode_header(payload.len() as u64, &mut head);
        let mut payload = payload;
        while !head.is_empty() {
            let n = stream
                .write_vectored(&[IoSlice::new(head), IoSlice::new(payload)])
                .await
                .map_err(Error::Io)?;
            if n == 0 {
                return Err(Error::Io(io::ErrorKind::WriteZero.into()));
            }
            let from_head = n.min(head.len());
            head = &head[from_head..];
            payload = &payload[n - from_head..];
        }
        stream.write_all(payload).await.map_err(Error::Io)
    }
}

/// Reads into `buf` once the stream is readable; 0 at end of file.
fn poll_read_into<B: BufMut>(
    stream: &Stream,
    cx: &mut Context<'_>,
    buf: &mut B,
) -> Poll<io::Result<usize>> {
    loop {
        match stream.try_read_buf(buf) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                ready!(stream.poll_read_ready(cx))?;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            r => return Poll::Ready(r),
        }
    }
}
