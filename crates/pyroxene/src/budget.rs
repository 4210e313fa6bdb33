//! The daemon-wide receive budget: how many bytes the messages being received, inflated and
//! served may hold at once (PYROXENE_RECEIVE_BUDGET, [`DaemonBuilder::receive_budget`]).
//!
//! A message whose header announces more than [`FREE`] bytes is *admitted* before its body is
//! read: its announced size is charged, waiting (no reads from that connection meanwhile) while
//! other messages hold the budget. Charging the announced size up front, rather than bytes as
//! they arrive, is what keeps the budget free of deadlock: two half-received messages can never
//! each wait for the other's bytes. The memory itself still follows the bytes actually received
//! (the receive buffer grows as they arrive), so a header that lies costs its sender a wait, not
//! the server memory. An inflated payload is charged its size before it is allocated.
//!
//! [`DaemonBuilder::receive_budget`]: crate::DaemonBuilder::receive_budget

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{Error, ErrorKind, Result};

/// Messages up to this size (header included) are not charged: the common small call pays
/// nothing for the budget, and what such messages hold is bounded by the connection count
/// times this, and by the bytes actually received.
pub(crate) const FREE: u64 = 64 * 1024;

/// The budget counts in units of this many bytes (a semaphore takes at most `u32` permits
/// at once).
const UNIT: u64 = 1024;

/// How long an inflated payload waits for budget before it is refused. Its message already
/// holds budget, so waiting for ever could deadlock with another such message.
pub(crate) const INFLATE_WAIT: Duration = Duration::from_secs(5);

/// Bytes that messages being received or served may hold, shared by a daemon's connections.
#[derive(Debug)]
pub(crate) struct ReceiveBudget {
    permits: Arc<Semaphore>,
    /// How long [`ReceiveBudget::admit`] waits (PYROXENE_BUDGET_WAIT); `None`: for ever.
    wait: Option<Duration>,
    /// The semaphore's permits when nothing is held.
    units: usize,
    total: u64,
}

impl ReceiveBudget {
    /// A budget of `total` bytes, whose messages wait at most `wait` to be admitted.
    pub(crate) fn new(total: u64, wait: Option<Duration>) -> ReceiveBudget {
        let units = usize::try_from(total / UNIT)
            .unwrap_or(usize::MAX)
            .min(Semaphore::MAX_PERMITS);
        ReceiveBudget {
            permits: Arc::new(Semaphore::new(units)),
            wait,
            units,
            total,
        }
    }

    /// The whole budget in bytes.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// Bytes held by messages right now.
    pub(crate) fn in_use(&self) -> u64 {
        (self.units.saturating_sub(self.permits.available_permits()) as u64) * UNIT
    }

    fn units(&self, bytes: u64) -> Result<u32> {
        if bytes > self.total {
            return Err(self.too_large(bytes));
        }
        // Within the total, whose units fit the semaphore, so they fit a u32 when the total
        // does; a budget over 4 TiB is clamped by u32 here (never reached in practice).
        Ok(u32::try_from(bytes.div_ceil(UNIT)).unwrap_or(u32::MAX))
    }

    fn too_large(&self, bytes: u64) -> Error {
        Error::new(
            ErrorKind::Protocol,
            format!(
                "message too large ({bytes}, max={}): over the server's receive budget \
                 (PYROXENE_RECEIVE_BUDGET)",
                self.total
            ),
        )
    }

    /// Charges `bytes`, waiting until other messages leave room.
    ///
    /// # Errors
    /// [`ErrorKind::Protocol`] when `bytes` is more than the whole budget.
    pub(crate) async fn charge(&self, bytes: u64) -> Result<Charge> {
        let units = self.units(bytes)?;
        let permit = self
            .permits
            .clone()
            .acquire_many_owned(units)
            .await
            .map_err(|_| Error::new(ErrorKind::Protocol, "receive budget closed"))?;
        Ok(Charge {
            permit: Some(permit),
        })
    }

    /// Admits a message of `bytes`: charges them, waiting for room at most the budget's
    /// wait (PYROXENE_BUDGET_WAIT).
    ///
    /// # Errors
    /// As [`ReceiveBudget::charge_within`].
    pub(crate) async fn admit(&self, bytes: u64) -> Result<Charge> {
        match self.wait {
            Some(wait) => self.charge_within(bytes, wait).await,
            None => self.charge(bytes).await,
        }
    }

    /// Charges `bytes`, waiting at most `wait` for room.
    ///
    /// # Errors
    /// [`ErrorKind::Protocol`] when `bytes` is more than the whole budget, or when no room
    /// was made in time.
    pub(crate) async fn charge_within(&self, bytes: u64, wait: Duration) -> Result<Charge> {
        match tokio::time::timeout(wait, self.charge(bytes)).await {
            Ok(charge) => charge,
            Err(_) => Err(Error::new(
                ErrorKind::Protocol,
                format!(
                    "message refused: the server's receive budget ({} bytes) stayed in use \
                     for {wait:?} (PYROXENE_RECEIVE_BUDGET, PYROXENE_BUDGET_WAIT)",
                    self.total
                ),
            )),
        }
    }
}

/// Budget held by one message; given back when dropped.
#[derive(Debug, Default)]
pub(crate) struct Charge {
    permit: Option<OwnedSemaphorePermit>,
}

impl Charge {
    /// Holds `other` too, until this charge is dropped.
    pub(crate) fn merge(&mut self, other: Charge) {
        match (&mut self.permit, other.permit) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (None, theirs) => self.permit = theirs,
            (Some(_), None) => {}
        }
    }

    /// Whether anything is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.permit.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn charges_wait_for_room_and_come_back_on_drop() {
        let budget = ReceiveBudget::new(100 * UNIT, None);
        let first = budget.charge(60 * UNIT).await.unwrap();
        assert_eq!(budget.in_use(), 60 * UNIT);
        let waiting = budget.charge(50 * UNIT);
        tokio::pin!(waiting);
        assert!(
            tokio::time::timeout(Duration::from_millis(20), &mut waiting)
                .await
                .is_err()
        );
        drop(first);
        let second = waiting.await.unwrap();
        assert_eq!(budget.in_use(), 50 * UNIT);
        drop(second);
        assert_eq!(budget.in_use(), 0);
    }

    #[tokio::test]
    async fn more_than_the_whole_budget_is_refused_at_once() {
        let budget = ReceiveBudget::new(10 * UNIT, None);
        let e = budget.charge(10 * UNIT + 1).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert!(
            e.to_string()
                .starts_with("message too large (10241, max=10240)")
        );
        let held = budget.charge(10 * UNIT).await.unwrap();
        let e = budget
            .charge_within(UNIT, Duration::from_millis(10))
            .await
            .unwrap_err();
        assert!(e.to_string().contains("stayed in use"), "{e}");
        let mut merged = Charge::default();
        assert!(merged.is_empty());
        merged.merge(held);
        assert!(!merged.is_empty());
        drop(merged);
        assert_eq!(budget.in_use(), 0);
    }

    #[tokio::test]
    async fn admission_waits_at_most_the_budget_wait() {
        let budget = ReceiveBudget::new(10 * UNIT, Some(Duration::from_millis(20)));
        let held = budget.admit(8 * UNIT).await.unwrap();
        let e = budget.admit(8 * UNIT).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Protocol);
        assert!(e.to_string().contains("PYROXENE_BUDGET_WAIT"), "{e}");
        drop(held);
        assert!(budget.admit(8 * UNIT).await.is_ok());
    }
}
