//! The same API without async: every call runs the async one to completion.
//!
//! All blocking objects share one current-thread Tokio runtime, created on first use and
//! driven by whichever thread is inside a call (no background thread). Sharing it is what
//! lets [`wait`] watch connections made anywhere, and lets the two ends of a [`pipe`] live on
//! two threads. Don't call these from inside an async runtime (Tokio refuses to block there);
//! use the async types instead.
//!
//! ```
//! use pyroxene_connection::blocking;
//! let (mut a, mut b) = blocking::pipe(true)?;
//! let worker = std::thread::spawn(move || -> Result<(), pyroxene_connection::Error> {
//!     let n: i64 = b.recv()?;
//!     b.send(&(n * n))
//! });
//! a.send(&12)?;
//! assert_eq!(a.recv::<i64>()?, 144);
//! worker.join().unwrap()?;
//! # Ok::<(), pyroxene_connection::Error>(())
//! ```

use std::borrow::BorrowMut;
use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use pyroxene_wire::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::runtime::Runtime;

use crate::address::ToAddress;
use crate::auth::ChallengeStyle;
use crate::{Address, Config, Error};

fn runtime() -> Result<&'static Runtime, Error> {
    static RUNTIME: OnceLock<Result<Runtime, (std::io::ErrorKind, String)>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| (e.kind(), e.to_string()))
        })
        .as_ref()
        .map_err(|(kind, text)| Error::Io(std::io::Error::new(*kind, text.clone())))
}

fn block_on<F: Future>(f: F) -> Result<F::Output, Error> {
    Ok(runtime()?.block_on(f))
}

/// The blocking [`crate::Connection`].
#[derive(Debug)]
pub struct Connection {
    inner: crate::Connection,
}

impl Connection {
    /// The async connection inside.
    pub fn into_async(self) -> crate::Connection {
        self.inner
    }

    /// See [`crate::Connection::send_bytes`].
    ///
    /// # Errors
    /// As there.
    pub fn send_bytes(
        &mut self,
        buf: &[u8],
        offset: usize,
        size: Option<usize>,
    ) -> Result<(), Error> {
        block_on(self.inner.send_bytes(buf, offset, size))?
    }

    /// See [`crate::Connection::send`].
    ///
    /// # Errors
    /// As there.
    pub fn send<T: Serialize + ?Sized>(&mut self, obj: &T) -> Result<(), Error> {
        block_on(self.inner.send(obj))?
    }

    /// See [`crate::Connection::send_value`].
    ///
    /// # Errors
    /// As there.
    pub fn send_value(&mut self, value: &Value) -> Result<(), Error> {
        block_on(self.inner.send_value(value))?
    }

    /// See [`crate::Connection::recv_bytes`].
    ///
    /// # Errors
    /// As there.
    pub fn recv_bytes(&mut self, maxlength: Option<usize>) -> Result<Vec<u8>, Error> {
        block_on(self.inner.recv_bytes(maxlength))?
    }

    /// See [`crate::Connection::recv_bytes_into`].
    ///
    /// # Errors
    /// As there.
    pub fn recv_bytes_into(&mut self, buf: &mut [u8], offset: usize) -> Result<usize, Error> {
        block_on(self.inner.recv_bytes_into(buf, offset))?
    }

    /// See [`crate::Connection::recv`].
    ///
    /// # Errors
    /// As there.
    pub fn recv<T: DeserializeOwned>(&mut self) -> Result<T, Error> {
        block_on(self.inner.recv())?
    }

    /// See [`crate::Connection::recv_value`].
    ///
    /// # Errors
    /// As there.
    pub fn recv_value(&mut self) -> Result<Value, Error> {
        block_on(self.inner.recv_value())?
    }

    /// See [`crate::Connection::poll`].
    ///
    /// # Errors
    /// As there.
    pub fn poll(&mut self, timeout: Option<Duration>) -> Result<bool, Error> {
        block_on(self.inner.poll(timeout))?
    }

    /// See [`crate::Connection::deliver_challenge`].
    ///
    /// # Errors
    /// As there.
    pub fn deliver_challenge(
        &mut self,
        authkey: &[u8],
        style: ChallengeStyle,
    ) -> Result<(), Error> {
        block_on(self.inner.deliver_challenge(authkey, style))?
    }

    /// See [`crate::Connection::answer_challenge`].
    ///
    /// # Errors
    /// As there.
    pub fn answer_challenge(&mut self, authkey: &[u8]) -> Result<(), Error> {
        block_on(self.inner.answer_challenge(authkey))?
    }

    /// See [`crate::Connection::close`].
    pub fn close(&mut self) {
        self.inner.close();
    }

    /// See [`crate::Connection::closed`].
    pub fn closed(&self) -> bool {
        self.inner.closed()
    }

    /// See [`crate::Connection::readable`].
    pub fn readable(&self) -> bool {
        self.inner.readable()
    }

    /// See [`crate::Connection::writable`].
    pub fn writable(&self) -> bool {
        self.inner.writable()
    }
}

/// The blocking [`crate::Listener`].
///
/// ```no_run
/// use pyroxene_connection::blocking::Listener;
///
/// let mut listener = Listener::bind("127.0.0.1:6000", 1, Some(b"secret"))?;
/// let mut conn = listener.accept()?; // the challenge runs here
/// while let Ok((op, n)) = conn.recv::<(String, i64)>() {
///     conn.send(&(op, n * n))?; // a Python tuple
/// }
/// # Ok::<(), pyroxene_connection::Error>(())
/// ```
#[derive(Debug)]
pub struct Listener {
    inner: crate::Listener,
}

impl Listener {
    /// See [`crate::Listener::bind`].
    ///
    /// # Errors
    /// As there.
    pub fn bind(
        address: impl ToAddress,
        backlog: u32,
        authkey: Option<&[u8]>,
    ) -> Result<Listener, Error> {
        Listener::bind_with_config(address, backlog, authkey, Config::default())
    }

    /// See [`crate::Listener::bind_with_config`].
    ///
    /// # Errors
    /// As there.
    pub fn bind_with_config(
        address: impl ToAddress,
        backlog: u32,
        authkey: Option<&[u8]>,
        config: Config,
    ) -> Result<Listener, Error> {
        let inner = block_on(crate::Listener::bind_with_config(
            address, backlog, authkey, config,
        ))??;
        Ok(Listener { inner })
    }

    /// See [`crate::Listener::accept`].
    ///
    /// # Errors
    /// As there.
    pub fn accept(&mut self) -> Result<Connection, Error> {
        let inner = block_on(self.inner.accept())??;
        Ok(Connection { inner })
    }

    /// See [`crate::Listener::accept_unauthenticated`]: accept here, then
    /// [`Incoming::authenticate`] on the connection's own thread.
    ///
    /// # Errors
    /// As there.
    pub fn accept_unauthenticated(&mut self) -> Result<Incoming, Error> {
        let inner = block_on(self.inner.accept_unauthenticated())??;
        Ok(Incoming { inner })
    }

    /// See [`crate::Listener::address`].
    pub fn address(&self) -> &Address {
        self.inner.address()
    }

    /// See [`crate::Listener::last_accepted`].
    pub fn last_accepted(&self) -> Option<&Address> {
        self.inner.last_accepted()
    }

    /// See [`crate::Listener::close`].
    pub fn close(&mut self) {
        self.inner.close();
    }
}

/// The blocking [`crate::Incoming`].
#[derive(Debug)]
pub struct Incoming {
    inner: crate::Incoming,
}

impl Incoming {
    /// See [`crate::Incoming::peer_address`].
    pub fn peer_address(&self) -> &Address {
        self.inner.peer_address()
    }

    /// See [`crate::Incoming::authenticate`].
    ///
    /// # Errors
    /// As there.
    pub fn authenticate(self) -> Result<Connection, Error> {
        let inner = block_on(self.inner.authenticate())??;
        Ok(Connection { inner })
    }
}

/// The blocking [`crate::Client`].
#[derive(Debug, Clone, Default)]
pub struct Client {
    inner: crate::Client,
}

impl Client {
    /// See [`crate::Client::connect`].
    ///
    /// # Errors
    /// As there.
    pub fn connect(address: impl ToAddress, authkey: Option<&[u8]>) -> Result<Connection, Error> {
        Client::default().open(address, authkey)
    }

    /// See [`crate::Client::with_config`].
    pub fn with_config(config: Config) -> Client {
        Client {
            inner: crate::Client::with_config(config),
        }
    }

    /// See [`crate::Client::open`].
    ///
    /// # Errors
    /// As there.
    pub fn open(
        &self,
        address: impl ToAddress,
        authkey: Option<&[u8]>,
    ) -> Result<Connection, Error> {
        let inner = block_on(self.inner.open(address, authkey))??;
        Ok(Connection { inner })
    }
}

/// See [`crate::pipe()`] (no runtime needed here).
///
/// # Errors
/// As there.
pub fn pipe(duplex: bool) -> Result<(Connection, Connection), Error> {
    pipe_with_config(duplex, &Config::default())
}

/// See [`crate::pipe_with_config`].
///
/// # Errors
/// As there.
pub fn pipe_with_config(duplex: bool, config: &Config) -> Result<(Connection, Connection), Error> {
    let _context = runtime()?.enter();
    let (a, b) = crate::pipe_with_config(duplex, config)?;
    Ok((Connection { inner: a }, Connection { inner: b }))
}

/// See [`crate::wait()`].
///
/// # Errors
/// As there.
pub fn wait<C: BorrowMut<Connection>>(
    connections: &mut [C],
    timeout: Option<Duration>,
) -> Result<Vec<usize>, Error> {
    let mut inner: Vec<&mut crate::Connection> = connections
        .iter_mut()
        .map(|c| &mut c.borrow_mut().inner)
        .collect();
    block_on(crate::wait(&mut inner, timeout))?
}
