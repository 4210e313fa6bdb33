//! Connecting to a listener (CPython's `Client`).

use tokio::net::{TcpStream, UnixStream};

use crate::address::ToAddress;
use crate::stream::Stream;
use crate::{Address, Config, Connection, Error};

/// Opens connections to a [`Listener`](crate::Listener) (or a Python
/// `multiprocessing.connection.Listener`): CPython's `Client(address, authkey=...)` is
/// [`Client::connect`]; [`Client::with_config`] sets limits first.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pyroxene_connection::Error> {
/// use pyroxene_connection::Client;
/// let mut conn = Client::connect("127.0.0.1:6000", Some(b"secret")).await?;
/// conn.send(&("square", 7)).await?;
/// let answer: i64 = conn.recv().await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Client {
    config: Config,
}

impl Client {
    /// Connects to `address` and, with a key, runs the handshake (client side: answer the
    /// server's challenge, then challenge it), as CPython's `Client()` does.
    ///
    /// # Errors
    /// [`Error::Connect`], [`Error::Authentication`] (another key: `digest sent was
    /// rejected`), [`Error::HandshakeTimeout`] (e.g. a listener without a key), or the
    /// connection's errors.
    pub async fn connect(
        address: impl ToAddress,
        authkey: Option<&[u8]>,
    ) -> Result<Connection, Error> {
        Client::default().open(address, authkey).await
    }

    /// A client whose connections use `config`.
    pub fn with_config(config: Config) -> Client {
        Client { config }
    }

    /// [`Client::connect`] with this client's [`Config`].
    ///
    /// # Errors
    /// As [`Client::connect`].
    pub async fn open(
        &self,
        address: impl ToAddress,
        authkey: Option<&[u8]>,
    ) -> Result<Connection, Error> {
        let address = address.to_address()?;
        let stream = connect_stream(&address)
            .await
            .map_err(|source| Error::Connect {
                address: address.clone(),
                source,
            })?;
        let mut conn = Connection::new(stream, true, true, &self.config);
        if let Some(key) = authkey {
            conn.authenticate(key, false, &self.config).await?;
        }
        Ok(conn)
    }
}

async fn connect_stream(address: &Address) -> std::io::Result<Stream> {
    Ok(match address {
        Address::Inet { host, port } => {
            let s = TcpStream::connect((host.as_str(), *port)).await?;
            // Latency over batching: every message is one write already.
            s.set_nodelay(true)?;
            Stream::Tcp(s)
        }
        Address::Unix(path) => Stream::Unix(UnixStream::connect(path).await?),
        Address::Abstract(name) => Stream::Unix(connect_abstract(name).await?),
    })
}

#[cfg(any(target_os = "linux", target_os = "android"))]
async fn connect_abstract(name: &[u8]) -> std::io::Result<UnixStream> {
    use std::os::linux::net::SocketAddrExt;
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    UnixStream::connect_addr(&addr.into()).await
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
async fn connect_abstract(_name: &[u8]) -> std::io::Result<UnixStream> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "abstract unix socket names exist on Linux only",
    ))
}
