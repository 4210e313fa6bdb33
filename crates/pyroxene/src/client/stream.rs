//! [`RemoteStream`]: the client end of Pyro's item streaming (a remote iterator or generator).

use std::fmt;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use pyroxene_wire::Value;
use serde::de::DeserializeOwned;

use super::proxy::Proxy;
use crate::error::Result;
use crate::server::{BoxFuture, DAEMON_OBJECT_ID};

/// The items of a remote iterator, fetched one `get_next_stream_item` call at a time (Python:
/// `_StreamResultIterator`), as `T` (a [`Value`] by default).
///
/// Returned by [`Proxy::call_stream`] when the method returned an iterator or generator (a
/// Python daemon) or an [`ItemStream`](crate::ItemStream) (ours). Read it with
/// [`RemoteStream::next_item`] or as a [`futures_core::Stream`]; it ends when the remote
/// iterator does (the daemon's StopIteration). An exception the remote iterator raises is
/// yielded as an error and ends the stream. Closing it early ([`RemoteStream::close`], or
/// dropping it inside a tokio runtime) sends `close_stream`, so the daemon frees it at once.
///
/// ```no_run
/// # async fn run() -> pyroxene::Result<()> {
/// let echo = pyroxene::Proxy::new("PYRO:test.echoserver@localhost:9999")?;
/// let mut items = echo.call_stream("generator", pyroxene::tuple![], None).await?;
/// while let Some(item) = items.next_item().await {
///     println!("{}", item?); // 'one', 'two', 'three'
/// }
/// # Ok(()) }
/// ```
pub struct RemoteStream<T = Value> {
    proxy: Proxy,
    id: String,
    /// True once the daemon has dropped the stream (end, error) or we closed it.
    done: bool,
    pending: Option<BoxFuture<Result<Option<Value>>>>,
    _item: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for RemoteStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteStream")
            .field("id", &self.id)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T> RemoteStream<T> {
    pub(super) fn new(proxy: Proxy, id: String) -> RemoteStream<T> {
        RemoteStream {
            proxy,
            id,
            done: false,
            pending: None,
            _item: PhantomData,
        }
    }

    /// A handle that is already done (a placeholder after [`RemoteStream::typed`]).
    pub(super) fn closed(proxy: Proxy) -> RemoteStream<T> {
        let mut stream = RemoteStream::new(proxy, String::new());
        stream.done = true;
        stream
    }

    /// The proxy the stream reads through.
    pub(super) fn proxy(&self) -> Proxy {
        self.proxy.clone()
    }

    /// The stream id the daemon gave (a uuid4 string).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether the stream has ended (or was closed): no more items will come.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The same stream with items read as `U`.
    pub fn typed<U>(mut self) -> RemoteStream<U> {
        let stream = RemoteStream {
            proxy: self.proxy.clone(),
            id: std::mem::take(&mut self.id),
            done: self.done,
            pending: self.pending.take(),
            _item: PhantomData,
        };
        self.done = true; // the old handle must not close what the new one reads
        stream
    }

    /// Tells the daemon to drop the stream (oneway `close_stream`, as Python's proxy sends)
    /// unless it already ended.
    ///
    /// # Errors
    /// When the message can't be sent; the daemon then drops the stream after its
    /// ITER_STREAM_LINGER once the connection is gone.
    pub async fn close(mut self) -> Result<()> {
        if self.done {
            return Ok(());
        }
        self.done = true;
        close_stream(&self.proxy, &self.id).await
    }

    /// A future for the next raw item: `Ok(None)` at the end.
    fn fetch(&self) -> BoxFuture<Result<Option<Value>>> {
        let proxy = self.proxy.clone();
        let args = Value::List(vec![Value::from(self.id.as_str())]);
        Box::pin(async move {
            match proxy
                .invoke_on(
                    Some(DAEMON_OBJECT_ID),
                    "get_next_stream_item",
                    &args,
                    None,
                    false,
                )
                .await
            {
                Ok(reply) => Ok(Some(reply.response.value)),
                Err(e) if e.remote().is_some_and(|r| r.is_builtin("StopIteration")) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    /// Settles a fetched item: the end and remote exceptions finish the stream (the daemon
    /// dropped it); a communication error leaves it open, so a drop still closes it.
    fn settle(&mut self, fetched: Result<Option<Value>>) -> Option<Result<T>>
    where
        T: DeserializeOwned,
    {
        match fetched {
            Ok(Some(value)) => Some(self.proxy.read_reply(value)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                if e.remote().is_some() {
                    self.done = true;
                }
                Some(Err(e))
            }
        }
    }
}

impl<T: DeserializeOwned> RemoteStream<T> {
    /// The next item; `None` once the remote iterator is exhausted.
    pub async fn next_item(&mut self) -> Option<Result<T>> {
        if self.done {
            return None;
        }
        let fetched = match self.pending.take() {
            Some(pending) => pending.await,
            None => self.fetch().await,
        };
        self.settle(fetched)
    }

    /// Reads all remaining items (Python: `list(iterator)`).
    ///
    /// # Errors
    /// The first error an item brought.
    pub async fn collect_all(mut self) -> Result<Vec<T>> {
        let mut all = Vec::new();
        while let Some(item) = self.next_item().await {
            all.push(item?);
        }
        Ok(all)
    }
}

impl<T: DeserializeOwned> Stream for RemoteStream<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        let mut pending = this.pending.take().unwrap_or_else(|| this.fetch());
        match pending.as_mut().poll(cx) {
            Poll::Ready(fetched) => Poll::Ready(this.settle(fetched)),
            Poll::Pending => {
                this.pending = Some(pending);
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for RemoteStream<T> {
    /// An unfinished stream is closed on the daemon (in the background, when dropped inside a
    /// tokio runtime; otherwise the daemon drops it after its linger or lifetime).
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let (proxy, id) = (self.proxy.clone(), std::mem::take(&mut self.id));
            runtime.spawn(async move {
                let _ = close_stream(&proxy, &id).await;
            });
        }
    }
}

/// Sends oneway `Pyro.Daemon.close_stream(id)`.
pub(super) async fn close_stream(proxy: &Proxy, id: &str) -> Result<()> {
    proxy
        .invoke_on(
            Some(DAEMON_OBJECT_ID),
            "close_stream",
            &Value::List(vec![Value::from(id)]),
            None,
            true,
        )
        .await
        .map(|_| ())
}

/// For the blocking iterator: closes `stream` on `runtime` if it is still open.
pub(super) fn close_blocking<T>(stream: &mut RemoteStream<T>, runtime: &tokio::runtime::Runtime) {
    if !stream.done {
        stream.done = true;
        let _ = runtime.block_on(close_stream(&stream.proxy, &stream.id));
    }
}
