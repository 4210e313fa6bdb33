//! Pyro's asynchronous calls, mapped to plain async Rust (documentation only).
//!
//! Pyro4 had async proxies returning `FutureResult`s and a `Future` wrapper for local
//! callables; Pyro5 dropped them (its `_pyroAsync` survives only in the Pyro4 compatibility
//! shim). Every [`Proxy`](crate::Proxy) call is already a future here, so pyroxene adds no
//! future type of its own: tokio and `futures`-style combinators say the same in fewer words.
//!
//! | Pyro4 / Pyro5 | pyroxene |
//! |---|---|
//! | `Pyro4.Future(fn)(args)` / `proxy._pyroAsync()` then `proxy.method(args)` | `let handle = tokio::spawn(async move { proxy.call_as::<T>("method", args).await });` (or keep the future itself and await it later: nothing is sent until it is polled) |
//! | `FutureResult.value` (blocks) | `handle.await??` (the `JoinError`, then the call's `Error`) or `future.await?` |
//! | `FutureResult.ready` / `wait(timeout)` | `handle.is_finished()` / `tokio::time::timeout(d, &mut handle).await` |
//! | `.then(fn, *args)` (chained call on the result) | `async { let v = f.await?; g(v).await }`, or `.map(...)`/`.and_then(...)` of `futures::FutureExt`/`TryFutureExt` |
//! | `.iferror(handler)` | `match f.await { Err(e) => handler(e), Ok(v) => ... }` or `.or_else(...)` |
//! | `Future.delay(seconds)` | `tokio::time::sleep(d).await;` before the call |
//! | `Future.cancel()` (only before it started) | `handle.abort()`, or drop the future (a call already sent still runs on the server; only oneway says "don't wait") |
//! | many calls in parallel (`[proxy.m(i) for ...]` on an async proxy) | `futures::future::join_all(...)` or a `tokio::task::JoinSet`; a shared `Proxy` opens one connection per concurrent call |
//! | batch + async (`batch(asynchronous=True)`) | `tokio::spawn(batch.send())` ([`Proxy::batch`](crate::Proxy::batch)) |
//! | oneway (no result wanted) | `#[oneway]` in the server's metadata, or [`Proxy::call_oneway`](crate::Proxy::call_oneway) |
//! | Pyro4 `AsyncProxy`/`_pyroAsync` from plain threads | [`client::blocking::Proxy`](crate::client::blocking::Proxy) in a `std::thread::spawn` |
//!
//! ```
//! # async fn demo(calc: pyroxene::Proxy) -> pyroxene::Result<()> {
//! // Two calls in flight at once, then a "then" step on the first result.
//! let slow = tokio::spawn({ let c = calc.clone(); async move { c.call_as::<i64>("add", (1, 2)).await } });
//! let other = calc.call_as::<i64>("add", (3, 4));            // not sent until awaited
//! let (a, b) = (slow.await.expect("task")?, other.await?);
//! let total: i64 = calc.call_as("add", (a, b)).await?;          // Pyro4: .then(calc.add, b)
//! # let _ = total; Ok(()) }
//! ```
