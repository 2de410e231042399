//! The time source of the accounts capability. Production reads the system clock; tests move a
//! manual clock forward to expire codes and sessions without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Milliseconds since the Unix epoch, from the system clock or a test's hand.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Now, in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        let system = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        system + self.offset_ms.load(Ordering::Relaxed)
    }

    /// Today's date in Vietnam (UTC+7), the date the registry's rules speak of.
    pub fn today(&self) -> chrono::NaiveDate {
        let local = chrono::DateTime::from_timestamp_millis(self.now_ms() + 7 * 3_600_000)
            .unwrap_or_default();
        local.date_naive()
    }

    /// Moves this clock (and every clone of it) forward; for tests.
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as i64, Ordering::Relaxed);
    }
}
