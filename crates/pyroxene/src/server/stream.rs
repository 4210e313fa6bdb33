//! Item streaming (Pyro's remote iterators): [`ItemStream`], what a method returns to send its
//! result item by item, and the daemon's table of open streams with Pyro's lifetime and linger
//! rules.

use std::collections::HashMap;
use std::fmt;
use std::future::poll_fn;
use std::marker::PhantomData;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use futures_core::Stream;
use pyroxene_wire::Value;
use serde::Serialize;

use super::context::CallContext;
use super::current;
use crate::RemoteException;
use crate::config::Config;
use crate::server::DaemonBuilder;
use pyroxene_wire::dialect::PyroErrorClass;

/// An item as a source yields it: a value, an exception the generator raised, or an item that
/// didn't serialize (its class depends on the client's protocol version, known only later).
enum Item {
    Value(Value),
    Raised(RemoteException),
    Unserializable(String),
}

fn item_of<T: Serialize + 'static>(item: T) -> Item {
    match crate::macro_support::to_value_fast(item) {
        Ok(v) => Item::Value(v),
        Err(e) => Item::Unserializable(e),
    }
}

fn item_of_result<T: Serialize + 'static, E: Into<RemoteException>>(item: Result<T, E>) -> Item {
    match item {
        Ok(v) => item_of(v),
        Err(e) => Item::Raised(e.into()),
    }
}

type BoxIter = Box<dyn Iterator<Item = Item> + Send>;

enum Source {
    /// `next()` runs on the runtime thread.
    Inline(BoxIter),
    /// `next()` runs on the blocking pool (`None` while an item is being made).
    Blocking(Option<BoxIter>),
    Async(Pin<Box<dyn Stream<Item = Item> + Send>>),
}

/// A method result sent item by item: Pyro's item streaming (remote iterators and generators).
///
/// Return one from an `#[expose]` method (or `Result<ItemStream, E>`): the client gets an
/// iterator (Python: `_StreamResultIterator`; Rust: [`crate::client::RemoteStream`]) that
/// fetches one item per `get_next_stream_item` call. The source is consumed lazily, one item
/// per request; an error it yields (the `try_` constructors) ends the stream and reaches the
/// client as the exception of that request, like an exception raised inside a Python
/// generator. When the daemon has streaming off (ITER_STREAMING) the client gets Pyro's
/// ProtocolError instead.
///
/// ```
/// use pyroxene::{ItemStream, expose};
///
/// struct Numbers;
///
/// #[expose]
/// impl Numbers {
///     /// `for n in numbers.count(3)` in Python yields 0, 1, 2.
///     fn count(&self, n: u32) -> ItemStream {
///         ItemStream::from_iter(0..n)
///     }
/// }
/// ```
///
/// # Typed streams
///
/// `ItemStream<T>` holds items of type `T` only: the constructors take iterators and streams
/// of `T` (or `Result<T, E>`), and a typed client
/// ([`#[pyroxene::interface]`](crate::interface)) reads a [`RemoteStream<T>`]. The plain
/// `ItemStream` (`ItemStream<AnyItem>`) takes items of any [`Serialize`] type, as a Python
/// generator yields whatever it likes. Both reach the client the same way.
///
/// ```
/// use pyroxene::ItemStream;
/// let squares: ItemStream<u64> = ItemStream::from_iter((0..4u64).map(|n| n * n));
/// let words: ItemStream = ItemStream::from_iter(["any", "items"]);
/// # let _ = (squares, words);
/// ```
///
/// [`RemoteStream<T>`]: crate::client::RemoteStream
pub struct ItemStream<T = AnyItem> {
    source: Source,
    _item: PhantomData<fn() -> T>,
}

/// The item type of a plain [`ItemStream`]: any [`Serialize`] value, each item of its own
/// type (never a value itself).
#[derive(Debug)]
pub enum AnyItem {}

/// What an [`ItemStream<T>`](ItemStream) takes as an item: a `T`, or any [`Serialize`] value
/// for the plain `ItemStream` ([`AnyItem`]).
#[diagnostic::on_unimplemented(
    message = "an `ItemStream<{T}>` takes items of type `{T}`, not `{Self}`",
    label = "items of type `{Self}`"
)]
pub trait StreamItem<T>: Serialize + 'static {}

impl<X: Serialize + 'static> StreamItem<AnyItem> for X {}
impl<X: Serialize + 'static> StreamItem<X> for X {}

impl<T> fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.source {
            Source::Inline(_) => "inline",
            Source::Blocking(_) => "blocking",
            Source::Async(_) => "async",
        };
        write!(f, "ItemStream({kind})")
    }
}

impl<T> ItemStream<T> {
    fn with(source: Source) -> ItemStream<T> {
        ItemStream {
            source,
            _item: PhantomData,
        }
    }

    /// The same stream as a plain `ItemStream` (what the daemon keeps).
    pub(crate) fn untyped(self) -> ItemStream {
        ItemStream::with(self.source)
    }

    /// Streams the items of an iterator, calling `next()` on the runtime thread: for cheap
    /// iterators (ranges, collections, computations). Use [`ItemStream::from_blocking_iter`]
    /// for one that blocks (files, locks, other services).
    #[allow(clippy::should_implement_trait)] // the trait's signature can't be this one
    pub fn from_iter<I>(items: I) -> ItemStream<T>
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: StreamItem<T>,
    {
        ItemStream::with(Source::Inline(Box::new(items.into_iter().map(item_of))))
    }

    /// Like [`ItemStream::from_iter`], with items that may be errors: an `Err` is raised on
    /// the client and ends the stream.
    pub fn try_from_iter<I, V, E>(items: I) -> ItemStream<T>
    where
        I: IntoIterator<Item = Result<V, E>>,
        I::IntoIter: Send + 'static,
        V: StreamItem<T>,
        E: Into<RemoteException> + 'static,
    {
        ItemStream::with(Source::Inline(Box::new(
            items.into_iter().map(item_of_result),
        )))
    }

    /// Streams the items of an iterator whose `next()` may block: each item is made on
    /// tokio's blocking pool (with [`crate::current_context`] set), like a sync method.
    pub fn from_blocking_iter<I>(items: I) -> ItemStream<T>
    where
        I: IntoIterator,
        I::IntoIter: Send + 'static,
        I::Item: StreamItem<T>,
    {
        ItemStream::with(Source::Blocking(Some(Box::new(
            items.into_iter().map(item_of),
        ))))
    }

    /// Streams the items of an async [`Stream`].
    pub fn from_stream<S>(items: S) -> ItemStream<T>
    where
        S: Stream + Send + 'static,
        S::Item: StreamItem<T>,
    {
        ItemStream::with(Source::Async(Box::pin(Mapped {
            inner: Box::pin(items),
            f: item_of,
        })))
    }

    /// Like [`ItemStream::from_stream`], with items that may be errors (which end the stream).
    pub fn try_from_stream<S, V, E>(items: S) -> ItemStream<T>
    where
        S: Stream<Item = Result<V, E>> + Send + 'static,
        V: StreamItem<T>,
        E: Into<RemoteException> + 'static,
    {
        ItemStream::with(Source::Async(Box::pin(Mapped {
            inner: Box::pin(items),
            f: item_of_result,
        })))
    }

    /// The next item; `None` at the end. A panic in the source becomes a RuntimeError (and
    /// the daemon drops the stream, as after any error).
    pub(crate) async fn next(&mut self) -> Option<Result<Value, RemoteException>> {
        let item = match &mut self.source {
            Source::Inline(iter) => catch_unwind(AssertUnwindSafe(|| iter.next()))
                .unwrap_or_else(|p| Some(Item::Raised(crate::macro_support::panicked(p)))),
            Source::Blocking(slot) => {
                let mut iter = slot.take()?;
                let context = current::current_context();
                let made = tokio::task::spawn_blocking(move || {
                    let _current = current::enter(context);
                    let item = iter.next();
                    (iter, item)
                })
                .await;
                match made {
                    Ok((iter, item)) => {
                        *slot = Some(iter);
                        item
                    }
                    Err(e) if e.is_panic() => {
                        Some(Item::Raised(crate::macro_support::panicked(e.into_panic())))
                    }
                    Err(e) => Some(Item::Raised(RemoteException::new(
                        "builtins.RuntimeError",
                        format!("stream item not made: {e}"),
                    ))),
                }
            }
            Source::Async(stream) => poll_fn(|cx| stream.as_mut().poll_next(cx)).await,
        }?;
        Some(match item {
            Item::Value(v) => Ok(v),
            Item::Raised(e) => Err(e),
            Item::Unserializable(text) => Err(RemoteException::pyro(
                PyroErrorClass::SerializeError,
                format!("cannot serialize a stream item: {text}"),
            )),
        })
    }
}

/// An item stream can't be part of a value: this fails, so a stream nested in a result (or
/// sent where only values go, like a batch) is reported instead of silently lost.
impl<T> Serialize for ItemStream<T> {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "an ItemStream is only sent as the whole result of a call",
        ))
    }
}

/// `Stream::map` without pulling in futures-util (the inner stream boxed, so no pin projection).
struct Mapped<S, F> {
    inner: Pin<Box<S>>,
    f: F,
}

impl<S: Stream, F: FnMut(S::Item) -> Item + Unpin> Stream for Mapped<S, F> {
    type Item = Item;

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Item>> {
        let this = self.get_mut();
        this.inner
            .as_mut()
            .poll_next(cx)
            .map(|o| o.map(&mut this.f))
    }
}

/// The stream settings of a daemon (Pyro's ITER_STREAMING, ITER_STREAM_LIFETIME,
/// ITER_STREAM_LINGER).
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamSettings {
    pub(crate) enabled: bool,
    pub(crate) lifetime: Option<Duration>,
    pub(crate) linger: Option<Duration>,
}

impl Default for StreamSettings {
    fn default() -> Self {
        StreamSettings {
            enabled: true,
            lifetime: None,
            linger: Some(Duration::from_secs(30)),
        }
    }
}

impl DaemonBuilder {
    /// Whether methods may return item streams (Pyro's ITER_STREAMING; on by default). Off, a
    /// call that returns one is answered with Pyro's refusal, which a Python proxy raises as
    /// `ProtocolError("result of call is an iterator, but the server is not configured to
    /// allow streaming")`.
    #[must_use]
    pub fn iter_streaming(mut self, on: bool) -> Self {
        self.streams.enabled = on;
        self
    }

    /// The longest a stream may stay open, from its creation (Pyro's ITER_STREAM_LIFETIME;
    /// `None`, the default, is unlimited). A client asking for an item of an expired stream
    /// gets PyroError "item stream terminated".
    #[must_use]
    pub fn iter_stream_lifetime(mut self, lifetime: Option<Duration>) -> Self {
        self.streams.lifetime = lifetime.filter(|d| !d.is_zero());
        self
    }

    /// How long the streams of a disconnected client are kept for it to reconnect and go on
    /// (Pyro's ITER_STREAM_LINGER; 30 s by default); `None` closes them with the connection.
    #[must_use]
    pub fn iter_stream_linger(mut self, linger: Option<Duration>) -> Self {
        self.streams.linger = linger.filter(|d| !d.is_zero());
        self
    }

    pub(crate) fn stream_config(&mut self, config: &Config) {
        self.streams = StreamSettings {
            enabled: config.iter_streaming,
            lifetime: config.iter_stream_lifetime,
            linger: config.iter_stream_linger,
        };
    }
}

/// One open stream: Python's `(client, creation_timestamp, linger_timestamp, stream)`.
struct Entry {
    /// The connection it belongs to; `None` while lingering after a disconnect.
    owner: Option<u64>,
    created: Instant,
    lingering_since: Option<Instant>,
    stream: Arc<tokio::sync::Mutex<ItemStream>>,
}

/// The daemon's open streams by id (Python: `Daemon.streaming_responses`).
pub(crate) struct Streams {
    settings: StreamSettings,
    open: Mutex<HashMap<String, Entry>>,
    /// Whether a sweeper task is running (one at a time; it ends when no stream is left).
    sweeping: AtomicBool,
}

/// What `get_next_stream_item` found.
pub(crate) enum Next {
    Item(Value),
    Raised(RemoteException),
    End,
    Unknown,
}

impl Streams {
    pub(crate) fn new(settings: StreamSettings) -> Streams {
        Streams {
            settings,
            open: Mutex::new(HashMap::new()),
            sweeping: AtomicBool::new(false),
        }
    }

    /// Whether methods may return streams.
    pub(crate) fn enabled(&self) -> bool {
        self.settings.enabled
    }

    /// How many streams are open (lingering ones included).
    pub(crate) fn len(&self) -> usize {
        self.open.lock().map(|o| o.len()).unwrap_or(0)
    }

    /// How many open streams `connection` holds (PYROXENE_MAX_STREAMS bounds it).
    pub(crate) fn owned_by(&self, connection: u64) -> usize {
        self.open.lock().map_or(0, |open| {
            open.values()
                .filter(|e| e.owner == Some(connection))
                .count()
        })
    }

    /// Opens a stream for `connection` and returns its id (a uuid4 string, like Python's).
    pub(crate) fn open(self: &Arc<Self>, connection: u64, stream: ItemStream) -> String {
        let id = uuid::Uuid::new_v4().hyphenated().to_string();
        if let Ok(mut open) = self.open.lock() {
            open.insert(
                id.clone(),
                Entry {
                    owner: Some(connection),
                    created: Instant::now(),
                    lingering_since: None,
                    stream: Arc::new(tokio::sync::Mutex::new(stream)),
                },
            );
        }
        self.start_sweeper();
        id
    }

    /// The next item of stream `id` for a call on `connection`; the stream is dropped at its
    /// end or after an error, as Python does.
    pub(crate) async fn next(&self, id: &str, context: &CallContext) -> Next {
        self.sweep();
        let stream = {
            let Ok(mut open) = self.open.lock() else {
                return Next::Unknown;
            };
            let Some(entry) = open.get_mut(id) else {
                return Next::Unknown;
            };
            if entry.owner.is_none() {
                // A reconnected client takes its lingering stream over.
                entry.owner = Some(context.connection);
                entry.lingering_since = None;
            }
            entry.stream.clone()
        };
        let item = stream.lock().await.next().await;
        let next = match item {
            Some(Ok(v)) => return Next::Item(v),
            Some(Err(e)) => Next::Raised(e),
            None => Next::End,
        };
        self.close(id);
        next
    }

    /// Drops stream `id` (Python: `close_stream`); unknown ids are ignored.
    pub(crate) fn close(&self, id: &str) {
        let removed = self.open.lock().ok().and_then(|mut o| o.remove(id));
        drop(removed); // outside the lock: dropping runs the source's own Drop
    }

    /// `connection` closed: its streams linger (or close at once without a linger time).
    pub(crate) fn disconnect(&self, connection: u64) {
        let mut dropped = Vec::new();
        if let Ok(mut open) = self.open.lock() {
            let now = Instant::now();
            let linger = self.settings.linger.is_some();
            open.retain(|id, entry| {
                if entry.owner != Some(connection) {
                    return true;
                }
                if linger {
                    entry.owner = None;
                    entry.lingering_since = Some(now);
                    true
                } else {
                    dropped.push(id.clone());
                    false
                }
            });
        }
        drop(dropped);
    }

    /// Drops the streams past their lifetime or linger time (Python's housekeeper).
    fn sweep(&self) {
        let now = Instant::now();
        let settings = self.settings;
        let expired = |e: &Entry| {
            settings
                .lifetime
                .is_some_and(|l| now.duration_since(e.created) > l)
                || matches!((settings.linger, e.lingering_since), (Some(l), Some(since)) if now.duration_since(since) > l)
        };
        let mut gone = Vec::new();
        if let Ok(mut open) = self.open.lock() {
            open.retain(|_, e| {
                let keep = !expired(e);
                if !keep {
                    gone.push(e.stream.clone());
                }
                keep
            });
        }
        drop(gone);
    }

    /// Starts the task that sweeps once a second while streams are open, so expired ones are
    /// freed even when nobody asks for them.
    fn start_sweeper(self: &Arc<Self>) {
        if self.settings.lifetime.is_none() && self.settings.linger.is_none() {
            return;
        }
        if self.sweeping.swap(true, Ordering::SeqCst) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.sweeping.store(false, Ordering::SeqCst);
            return;
        };
        let weak: Weak<Streams> = Arc::downgrade(self);
        runtime.spawn(async move {
            loop {
                tokio::time::sleep(SWEEP_INTERVAL).await;
                let Some(streams) = weak.upgrade() else {
                    return;
                };
                streams.sweep();
                if streams.len() == 0 {
                    streams.sweeping.store(false, Ordering::SeqCst);
                    // A stream opened between the check and the store starts its own sweeper
                    // only if it saw `false`; look again so none is left unswept.
                    if streams.len() == 0 || streams.sweeping.swap(true, Ordering::SeqCst) {
                        return;
                    }
                }
            }
        });
    }
}

/// How often open streams are checked for expiry (Python's housekeeper runs every few
/// seconds; the times are upper bounds only as precise as this).
const SWEEP_INTERVAL: Duration = Duration::from_millis(500);
