//! Big payload work (inflating, decoding, encoding) on tokio's blocking pool, so the runtime's
//! few worker threads keep serving other connections while it runs.

use crate::error::{Error, ErrorKind, Result};

/// Payloads (or values) of more than this many bytes are decoded, encoded and inflated on
/// the blocking pool; the small calls that make up most traffic stay on the runtime thread and
/// never pay the handoff to another thread and back.
pub(crate) const OFFLOAD_BYTES: usize = 64 * 1024;

/// A payload job: boxed work that sends its own result.
type Job = Box<dyn FnOnce() + Send>;

/// The payload threads' queue. One thread per core but one (at least one), so the runtime's
/// threads keep a core for every other connection however many costly messages arrive
/// together; jobs beyond that wait their turn, first come first served. The threads are
/// pyroxene's own (not the runtime's blocking pool), started at the first big payload and
/// kept for the life of the process, so they can run at a lower priority than the runtime's
/// threads without touching threads the application owns.
static PAYLOAD_QUEUE: std::sync::LazyLock<Option<std::sync::mpsc::Sender<Job>>> =
    std::sync::LazyLock::new(start_payload_threads);

fn start_payload_threads() -> Option<std::sync::mpsc::Sender<Job>> {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let threads = cores.saturating_sub(1).max(1);
    let (jobs, queue) = std::sync::mpsc::channel::<Job>();
    let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
    let mut started = 0;
    for n in 0..threads {
        let queue = queue.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("pyroxene-payload-{n}"))
            .spawn(move || {
                loop {
                    // The lock is held only while waiting for the next job.
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
        started += usize::from(spawned.is_ok());
    }
    (started > 0).then_some(jobs)
}

/// Runs `work` on a payload thread, when one is free, and waits for it.
///
/// # Errors
/// [`ErrorKind::Protocol`] when the work panicked (a bug; the connection is closed rather
/// than the daemon taken down).
pub(crate) async fn run<T, F>(work: F) -> Result<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let Some(jobs) = PAYLOAD_QUEUE.as_ref() else {
        // No payload thread could be started: the runtime's blocking pool instead.
        return tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| Error::new(ErrorKind::Protocol, "payload work failed").with_source(e));
    };
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        let _ = done.send(outcome.ok());
    });
    if jobs.send(job).is_err() {
        return Err(Error::new(ErrorKind::Protocol, "payload threads are gone"));
    }
    match result.await {
        Ok(Some(value)) => Ok(value),
        _ => Err(Error::new(ErrorKind::Protocol, "payload work failed")),
    }
}

/// Whether encoding `value` is big work: roughly more than [`OFFLOAD_BYTES`] of output
/// (strings and bytes by their length, anything else a few bytes). Stops counting as soon as
/// it knows, so a small result costs a few steps and a big one at most ~[`OFFLOAD_BYTES`].
pub(crate) fn is_big(value: &pyroxene_wire::Value) -> bool {
    use pyroxene_wire::Value;
    let mut left = OFFLOAD_BYTES;
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        let (cost, children) = match v {
            Value::Str(s) => (s.len(), 0),
            Value::Bytes(b) | Value::Ext { data: b, .. } => (b.len(), 0),
            Value::List(items) | Value::Tuple(items) => (items.len(), items.len()),
            Value::Set(set) | Value::FrozenSet(set) => (set.len(), set.len()),
            Value::Dict(dict) => (dict.len() * 2, dict.len() * 2),
            _ => (8, 0),
        };
        left = match left.checked_sub(cost.max(1)) {
            Some(left) if left > 0 => left,
            _ => return true,
        };
        if children > 0 {
            match v {
                Value::List(items) | Value::Tuple(items) => stack.extend(items),
                Value::Set(set) | Value::FrozenSet(set) => stack.extend(set.iter()),
                Value::Dict(dict) => {
                    for (k, v) in dict.iter() {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                _ => {}
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyroxene_wire::{Value, dict, list};

    #[test]
    fn big_values_are_told_from_small_ones() {
        assert!(!is_big(&Value::from("hello")));
        assert!(!is_big(&list![1, 2, dict! {"a" => "b"}]));
        assert!(is_big(&Value::from("x".repeat(OFFLOAD_BYTES))));
        assert!(is_big(&Value::List(vec![Value::None; OFFLOAD_BYTES])));
        let nested = Value::List(vec![Value::from("y".repeat(1000)); 100]);
        assert!(is_big(&nested));
        assert!(is_big(&Value::Bytes(vec![0u8; OFFLOAD_BYTES].into())));
    }
}
