//! [`current_context`]: the context of the call being served, found without passing it around
//! (Python Pyro's thread-local `current_context`).
//!
//! The daemon runs each call inside a tokio task-local scope; a sync method on the blocking
//! pool gets a thread-local copy for as long as it runs. A [`crate::Proxy`] call made inside a
//! method reads it to pass the correlation id on, as Python's proxy does.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use super::context::CallContext;

tokio::task_local! {
    static TASK: Arc<CallContext>;
}

thread_local! {
    static THREAD: RefCell<Option<Arc<CallContext>>> = const { RefCell::new(None) };
}

/// The context of the call the current code serves, or `None` outside a daemon call.
///
/// Works in every kind of exposed method (`async fn`, sync on the blocking pool,
/// `#[nonblocking]`) and in the items of an [`ItemStream`](super::ItemStream) (where it is the
/// context of the `get_next_stream_item` call that asked for the item).
///
/// ```
/// use pyroxene::{AnnotationId, expose};
///
/// const XGRT: AnnotationId = AnnotationId::from_static(b"XGRT");
///
/// struct Greeter;
///
/// #[expose]
/// impl Greeter {
///     /// Greets the caller by address and answers with an annotation.
///     fn hello(&self) -> String {
///         let Some(ctx) = pyroxene::current_context() else { return "hello".into() };
///         ctx.set_response_annotation(XGRT, b"hi".to_vec());
///         format!("hello {} (seq {})", ctx.client_address, ctx.seq)
///     }
/// }
/// ```
pub fn current_context() -> Option<Arc<CallContext>> {
    TASK.try_with(Arc::clone)
        .ok()
        .or_else(|| THREAD.with(|t| t.borrow().clone()))
}

/// Runs `future` with `context` as the current context.
pub(crate) async fn scope<F: Future>(context: Arc<CallContext>, future: F) -> F::Output {
    TASK.scope(context, future).await
}

/// Makes `context` the current one of this thread until the guard drops (for code that runs
/// on a blocking-pool thread, outside the task-local scope).
pub(crate) fn enter(context: Option<Arc<CallContext>>) -> ThreadGuard {
    let previous = THREAD.with(|t| t.replace(context));
    ThreadGuard { previous }
}

/// Restores the thread's previous context (see [`enter`]).
pub(crate) struct ThreadGuard {
    previous: Option<Arc<CallContext>>,
}

impl Drop for ThreadGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        THREAD.with(|t| *t.borrow_mut() = previous);
    }
}
