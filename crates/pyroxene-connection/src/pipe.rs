//! `Pipe()`: two connected connections in this process.

use tokio::net::UnixStream;
use tokio::net::unix::pipe;

use crate::stream::Stream;
use crate::{Config, Connection, Error};

/// Two connected connections (CPython's `Pipe(duplex)`): with `duplex`, a socket pair where
/// both ends send and receive; without, an OS pipe whose first end only receives and second
/// end only sends. Handy between tasks or threads, and for tests: no address, no handshake.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pyroxene_connection::Error> {
/// let (mut reader, mut writer) = pyroxene_connection::pipe(false)?;
/// writer.send(&[1, 2, 3]).await?;
/// assert_eq!(reader.recv::<Vec<u8>>().await?, [1, 2, 3]);
/// assert!(reader.send(&1).await.is_err()); // "connection is read-only"
/// # Ok(()) }
/// ```
///
/// # Errors
/// The system could not create the pair (out of descriptors).
///
/// # Panics
/// Outside a Tokio runtime (as `tokio::net` constructors do); [`blocking::pipe`](crate::blocking::pipe)
/// needs none.
pub fn pipe(duplex: bool) -> Result<(Connection, Connection), Error> {
    pipe_with_config(duplex, &Config::default())
}

/// [`pipe()`] with a [`Config`] for both ends.
///
/// # Errors
/// As [`pipe()`].
///
/// # Panics
/// As [`pipe()`].
pub fn pipe_with_config(duplex: bool, config: &Config) -> Result<(Connection, Connection), Error> {
    if duplex {
        let (a, b) = UnixStream::pair().map_err(Error::Io)?;
        Ok((
            Connection::new(Stream::Unix(a), true, true, config),
            Connection::new(Stream::Unix(b), true, true, config),
        ))
    } else {
        let (tx, rx) = pipe::pipe().map_err(Error::Io)?;
        Ok((
            Connection::new(Stream::PipeReader(rx), true, false, config),
            Connection::new(Stream::PipeWriter(tx), false, true, config),
        ))
    }
}
