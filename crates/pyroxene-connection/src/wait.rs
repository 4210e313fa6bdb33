//! `wait()`: the first of several connections to have something to read.

use std::borrow::BorrowMut;
use std::future::poll_fn;
use std::task::Poll;
use std::time::Duration;

use crate::{Connection, Error};

/// Waits until at least one of `connections` has something to read (a message, the start of
/// one, or end of file), or `timeout` passes (`None` waits as long as it takes); returns the
/// indices of the ready ones, in order, or nothing on timeout. CPython's `wait(object_list,
/// timeout)` returns the objects themselves; indices let the caller keep its `&mut`s.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), pyroxene_connection::Error> {
/// use std::time::Duration;
/// use pyroxene_connection::{pipe, wait};
/// let (mut a1, mut b1) = pipe(true)?;
/// let (mut a2, mut b2) = pipe(true)?;
/// b2.send(&"second").await?;
/// let mut mine = [&mut a1, &mut a2];
/// assert_eq!(wait(&mut mine, Some(Duration::from_secs(5))).await?, [1]);
/// assert_eq!(wait(&mut mine[..1], Some(Duration::ZERO)).await?, Vec::<usize>::new());
/// # drop(b1); Ok(()) }
/// ```
///
/// # Errors
/// A closed or write-only connection in the list.
pub async fn wait<C: BorrowMut<Connection>>(
    connections: &mut [C],
    timeout: Option<Duration>,
) -> Result<Vec<usize>, Error> {
    // First what is ready now (as poll(2) would say), then wait for the first to become so.
    // Tokio learns of new bytes when its driver runs: if some look idle, yield once (the
    // runtime polls the driver before resuming us) and look at those again.
    let mut ready = vec![false; connections.len()];
    for pass in 0..2 {
        if pass == 1 {
            if ready.iter().all(|r| *r) {
                break;
            }
            tokio::task::yield_now().await;
        }
        for (i, c) in connections.iter_mut().enumerate() {
            if !ready[i] && c.borrow_mut().look().transpose()?.is_some() {
                ready[i] = true;
            }
        }
    }
    let ready: Vec<usize> = (0..ready.len()).filter(|i| ready[*i]).collect();
    if !ready.is_empty() || timeout == Some(Duration::ZERO) {
        return Ok(ready);
    }
    let first = poll_fn(|cx| {
        let mut ready = Vec::new();
        for (i, c) in connections.iter_mut().enumerate() {
            match c.borrow_mut().poll_readable(cx) {
                Poll::Ready(Ok(())) => ready.push(i),
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => {}
            }
        }
        if ready.is_empty() {
            Poll::Pending
        } else {
            Poll::Ready(Ok(ready))
        }
    });
    match timeout {
        None => first.await,
        Some(t) => tokio::time::timeout(t, first)
            .await
            .unwrap_or(Ok(Vec::new())),
    }
}
