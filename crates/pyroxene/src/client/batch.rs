//! [`Batch`]: several calls on one object sent as one message (Python's `BatchProxy`).

use pyroxene_wire::dialect::batch_results;
use pyroxene_wire::protocol::{Flags, MessageType};
use pyroxene_wire::{Dict, Value};

use super::IntoArgs;
use super::proxy::Proxy;
use super::resolve;
use crate::RemoteException;
use crate::error::{Error, ErrorKind, Result};
use crate::transport::prepare;

/// Calls queued for one FLAGS_BATCH message; made by [`Proxy::batch`].
///
/// The daemon runs them in order on the proxy's object and stops at the first exception; the
/// reply brings the results up to there ([`BatchResults`]). A batch is one round trip,
/// however many calls it holds.
///
/// ```no_run
/// # async fn run(echo: pyroxene::Proxy) -> pyroxene::Result<()> {
/// use pyroxene::tuple;
/// let mut batch = echo.batch();
/// batch.call("echo", tuple![1], None).call("error", tuple![], None).call("echo", tuple![3], None);
/// let results = batch.send().await?;
/// assert_eq!(results.values, vec![pyroxene::Value::from(1)]); // the third call never ran
/// assert!(results.error.is_some());                          // the ValueError of error()
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Batch {
    proxy: Proxy,
    calls: Vec<Value>,
}

impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("calls", &self.calls.len())
            .finish()
    }
}

impl Batch {
    pub(super) fn new(proxy: Proxy) -> Batch {
        Batch {
            proxy,
            calls: Vec::new(),
        }
    }

    /// Queues a call of `method` with positional `args` (a tuple or list Value) and optional
    /// keyword arguments.
    pub fn call(&mut self, method: &str, args: Value, kwargs: Option<Dict>) -> &mut Batch {
        let args = match args {
            Value::List(items) => Value::Tuple(items),
            Value::None => Value::Tuple(Vec::new()),
            other => other,
        };
        self.calls.push(Value::Tuple(vec![
            Value::from(method),
            args,
            Value::from(kwargs.unwrap_or_default()),
        ]));
        self
    }

    /// Queues a call with serde arguments, as [`Proxy::call_as`] takes them (a tuple, or
    /// [`Args`](super::Args) with keyword arguments).
    ///
    /// # Errors
    /// When the arguments don't serialize.
    pub fn call_as(&mut self, method: &str, args: impl IntoArgs) -> Result<&mut Batch> {
        let (args, kwargs) = args.into_args()?.into_parts();
        Ok(self.call(method, args, kwargs))
    }

    /// How many calls are queued.
    pub fn len(&self) -> usize {
        self.calls.len()
    }

    /// Whether no call is queued.
    pub fn is_empty(&self) -> bool {
        self.calls.is_empty()
    }

    /// Sends the batch and waits for the results.
    ///
    /// # Errors
    /// Communication errors; [`ErrorKind::Remote`] when the whole request failed (unknown
    /// object, a method the object doesn't have: Python's daemon fails the batch then);
    /// [`ErrorKind::Protocol`] for a reply that is not a results list. An exception raised
    /// by one of the calls is not an error here but [`BatchResults::error`].
    pub async fn send(self) -> Result<BatchResults> {
        let value = self.send_as(false).await?;
        let mut results = BatchResults::default();
        let items = batch_results(value)
            .map_err(|e| Error::new(ErrorKind::Protocol, "invalid batch reply").with_source(e))?;
        for item in items {
            match item {
                Ok(v) => results.values.push(v),
                Err(e) => {
                    results.error = Some(e);
                    break;
                }
            }
        }
        Ok(results)
    }

    /// Sends the batch without waiting (FLAGS_BATCH|ONEWAY): the daemon runs the calls and
    /// sends nothing back.
    ///
    /// # Errors
    /// When the message can't be sent.
    pub async fn send_oneway(self) -> Result<()> {
        self.send_as(true).await.map(|_| ())
    }

    async fn send_as(self, oneway: bool) -> Result<Value> {
        self.proxy.ensure_version().await?;
        let inner = &*self.proxy.inner;
        let object = resolve::call_object(inner);
        let payload = inner.settings.serializer.encode_call(
            &object,
            "<batch>",
            &Value::List(self.calls),
            None,
        )?;
        let mut msg = inner.message(MessageType::Invoke, 0, payload, None)?;
        msg.flags.insert(Flags::BATCH);
        if oneway {
            msg.flags.insert(Flags::ONEWAY);
        }
        prepare(
            inner.version(),
            &mut msg,
            inner.settings.compression,
            inner.settings.max_message_size,
        )?;
        let raw = self.proxy.send_with_retries(msg, None).await?;
        Ok(raw.response.value)
    }
}

/// The outcome of a [`Batch`]: the results of the calls that ran, in order, and the exception
/// of the call that stopped the batch, if one did (the calls after it didn't run).
///
/// Iterating yields `Ok` per result and then `Err` for the exception, like Python's batch
/// results generator, which raises when it reaches the failed call.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct BatchResults {
    /// The results of the calls that returned, in call order.
    pub values: Vec<Value>,
    /// The exception of the call that raised (the last one that ran).
    pub error: Option<RemoteException>,
}

impl BatchResults {
    /// All results, or the exception if a call raised (Python: `list(batch())`).
    ///
    /// # Errors
    /// [`ErrorKind::Remote`] with the exception of the failed call.
    pub fn into_result(self) -> Result<Vec<Value>> {
        match self.error {
            None => Ok(self.values),
            Some(e) => Err(Error::from(e)),
        }
    }
}

impl IntoIterator for BatchResults {
    type Item = Result<Value>;
    type IntoIter = std::iter::Chain<
        std::iter::Map<std::vec::IntoIter<Value>, fn(Value) -> Result<Value>>,
        std::option::IntoIter<Result<Value>>,
    >;

    fn into_iter(self) -> Self::IntoIter {
        let ok: fn(Value) -> Result<Value> = Ok;
        self.values
            .into_iter()
            .map(ok)
            .chain(self.error.map(|e| Err(Error::from(e))))
    }
}
