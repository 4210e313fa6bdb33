//! The echo server object of Pyro's test tools, served by `pyroxene echo` under the name
//! `test.echoserver`: a Pyro5 caller gets `Pyro5.utils.echoserver.EchoServer`, a Pyro4 caller
//! `Pyro4.test.echoserver.EchoServer`. The two differ only in the text of `error()`; methods,
//! oneway methods, the `verbose` property and every other answer are the same.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pyroxene_wire::Value;

use crate::{ItemStream, ProtocolVersion, RemoteException};

/// The object id and name server name of the echo server.
pub const ECHO_OBJECT_NAME: &str = "test.echoserver";

/// Pyro's echo server: echoes values, raises on request, sleeps, and can ask its daemon to stop.
#[derive(Debug, Default)]
pub struct EchoServer {
    verbose: AtomicBool,
    must_shutdown: AtomicBool,
    shutdown_signal: tokio::sync::Notify,
}

impl EchoServer {
    /// A quiet echo server; `verbose` prints every call like Python's does.
    pub fn new(verbose: bool) -> EchoServer {
        EchoServer {
            verbose: AtomicBool::new(verbose),
            ..EchoServer::default()
        }
    }

    /// Resolves once a client called `shutdown()`.
    pub async fn shutdown_requested(&self) {
        loop {
            let notified = self.shutdown_signal.notified();
            if self._must_shutdown() {
                return;
            }
            notified.await;
        }
    }

    fn say(&self, what: std::fmt::Arguments<'_>) {
        if self._verbose() {
            println!("{} - {what}", asctime());
        }
    }
}

#[crate::expose]
impl EchoServer {
    /// Returns the message.
    #[nonblocking]
    fn echo(&self, message: Value) -> Value {
        self.say(format_args!("echo: {message}"));
        message
    }

    /// Raises a ValueError, with the text of the caller's Pyro generation.
    #[nonblocking]
    fn error(&self) -> Result<(), RemoteException> {
        self.say(format_args!("error: generating exception"));
        let protocol = crate::current_context().map(|c| c.protocol);
        Err(RemoteException::new(
            "builtins.ValueError",
            error_text(protocol.unwrap_or(ProtocolVersion::V5)),
        ))
    }

    /// Raises a ValueError with a message.
    #[nonblocking]
    fn error_with_text(&self) -> Result<(), RemoteException> {
        self.say(format_args!("error: generating exception"));
        Err(RemoteException::new(
            "builtins.ValueError",
            "the message of the error",
        ))
    }

    /// Like echo, but oneway: the client doesn't wait.
    #[nonblocking]
    #[oneway]
    fn oneway_echo(&self, message: Value) -> &'static str {
        self.say(format_args!("oneway_echo: {message}"));
        "bogus return value"
    }

    /// Answers after 5 seconds (without holding up other connections).
    async fn slow(&self) -> &'static str {
        self.say(format_args!("slow: waiting a bit..."));
        tokio::time::sleep(Duration::from_secs(5)).await;
        self.say(format_args!("slow: returning result"));
        "Finally, an answer!"
    }

    /// A generator yielding "one", "two", "three" (item streaming).
    #[nonblocking]
    fn generator(&self) -> ItemStream {
        ItemStream::from_iter(["one", "two", "three"])
    }

    /// Returns a float nan.
    #[nonblocking]
    fn nan(&self) -> f64 {
        f64::NAN
    }

    /// Returns a float inf.
    #[nonblocking]
    fn inf(&self) -> f64 {
        f64::INFINITY
    }

    /// Sleeps 5 seconds, oneway.
    #[oneway]
    async fn oneway_slow(&self) -> &'static str {
        self.say(format_args!("oneway_slow: waiting a bit..."));
        tokio::time::sleep(Duration::from_secs(5)).await;
        self.say(format_args!("oneway_slow: returning result"));
        "bogus return value"
    }

    /// The flag behind `verbose`. Python's class has `_verbose` and `_must_shutdown` class
    /// attributes, so its daemon answers `__getattr__('_verbose')` with Pyro's "unexposed"
    /// text rather than Python's "no attribute" one: these skipped members give the same.
    #[skip]
    fn _verbose(&self) -> bool {
        self.verbose.load(Ordering::Relaxed)
    }

    /// Whether a client called `shutdown()` (see `_verbose`).
    #[skip]
    fn _must_shutdown(&self) -> bool {
        self.must_shutdown.load(Ordering::SeqCst)
    }

    /// Not callable remotely (private name); a member, as in Python (see `_verbose`).
    #[skip]
    fn _private(&self) -> &'static str {
        "should not be allowed"
    }

    /// Callable remotely: dunder names longer than 4 characters are public in Pyro.
    fn __dunder__(&self) -> &'static str {
        "should be allowed (dunder)"
    }

    /// Asks the serving loop to stop.
    fn shutdown(&self) {
        self.say(format_args!("shutting down"));
        self.must_shutdown.store(true, Ordering::SeqCst);
        self.shutdown_signal.notify_waiters();
    }

    /// Whether calls are printed.
    #[getter]
    fn verbose(&self) -> bool {
        self._verbose()
    }

    /// Switches printing of calls.
    #[setter(verbose)]
    fn set_verbose(&self, onoff: Value) {
        self.verbose.store(onoff.is_truthy(), Ordering::Relaxed);
    }
}

/// What `error()` raises: each Python echo server has its own text.
fn error_text(protocol: ProtocolVersion) -> &'static str {
    match protocol {
        ProtocolVersion::V4 => "expected error from echoserver error() method",
        ProtocolVersion::V5 => "this is the generated error from echoserver echo() method",
    }
}

/// Python's `time.asctime()` (in UTC): `Sun Nov 22 19:30:43 2026`.
fn asctime() -> String {
    let now = time::OffsetDateTime::now_utc();
    let day = &format!("{:?}", now.weekday())[..3];
    let month = &format!("{:?}", now.month())[..3];
    format!(
        "{day} {month} {:2} {:02}:{:02}:{:02} {}",
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        now.year()
    )
}
