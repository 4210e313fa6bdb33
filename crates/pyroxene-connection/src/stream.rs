//! The byte streams a connection runs on: TCP, a unix socket (also socketpair) or one end of
//! an `os.pipe()`-style pipe. Reads go through readiness and `try_read`, so a connection can
//! both wait for a message and answer `poll()` without a second reader.

use std::io::{self, IoSlice};
use std::task::{Context, Poll};

use bytes::BufMut;
use tokio::io::AsyncWriteExt;
use tokio::net::unix::pipe;
use tokio::net::{TcpStream, UnixStream};

#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
    PipeReader(pipe::Receiver),
    PipeWriter(pipe::Sender),
}

fn not_readable() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, "the writing end of a pipe")
}

fn not_writable() -> io::Error {
    io::Error::new(io::ErrorKind::Unsupported, "the reading end of a pipe")
}

impl Stream {
    pub(crate) fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            Stream::Tcp(s) => s.poll_read_ready(cx),
            Stream::Unix(s) => s.poll_read_ready(cx),
            Stream::PipeReader(s) => s.poll_read_ready(cx),
            Stream::PipeWriter(_) => Poll::Ready(Err(not_readable())),
        }
    }

    /// Reads what is there into `buf`'s spare room without waiting (`WouldBlock` when
    /// nothing is); `Ok(0)` is end of file.
    pub(crate) fn try_read_buf<B: BufMut>(&self, buf: &mut B) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.try_read_buf(buf),
            Stream::Unix(s) => s.try_read_buf(buf),
            Stream::PipeReader(s) => s.try_read_buf(buf),
            Stream::PipeWriter(_) => Err(not_readable()),
        }
    }

    pub(crate) async fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.write_vectored(bufs).await,
            Stream::Unix(s) => s.write_vectored(bufs).await,
            Stream::PipeWriter(s) => s.write_vectored(bufs).await,
            Stream::PipeReader(_) => Err(not_writable()),
        }
    }

    pub(crate) async fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Stream::Tcp(s) => s.write_all(buf).await,
            Stream::Unix(s) => s.write_all(buf).await,
            Stream::PipeWriter(s) => s.write_all(buf).await,
            Stream::PipeReader(_) => Err(not_writable()),
        }
    }
}
