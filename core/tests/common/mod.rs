//! Helpers shared by the core's test binaries.
// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use koodrive_core::Clock;
use koodrive_core::platform::BoxFuture;
use koodrive_core::transfer::Progress;

/// A clock that only moves when told, or when a sleep is awaited.
#[derive(Clone)]
pub struct ManualClock {
    pub now: Arc<AtomicU64>,
    pub sleeps: Arc<Mutex<Vec<Duration>>>,
}

impl ManualClock {
    pub fn new() -> Self {
        Self {
            now: Arc::new(AtomicU64::new(1_764_000_000_000)),
            sleeps: Arc::default(),
        }
    }

    pub fn advance(&self, by: Duration) {
        self.now.fetch_add(by.as_millis() as u64, Ordering::SeqCst);
    }

    /// Every wait the client asked for, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }

    /// Time passes when the sleep is awaited, not when it is created: a timeout
    /// timer that loses its race never moves the clock.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        let (now, sleeps) = (self.now.clone(), self.sleeps.clone());
        Box::pin(async move {
            sleeps.lock().unwrap().push(duration);
            now.fetch_add(duration.as_millis() as u64, Ordering::SeqCst);
        })
    }
}

/// Deterministic bytes (xorshift) that do not compress or repeat per part.
pub fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Progress never went backwards, stayed within `total` and ended at it.
pub fn assert_monotonic(reports: &[Progress], total: u64) {
    assert!(
        reports.windows(2).all(|w| w[0].done <= w[1].done),
        "progress went backwards: {reports:?}"
    );
    assert!(reports.iter().all(|p| p.total == total && p.done <= total));
    assert_eq!(reports.last().map(|p| p.done), Some(total), "{reports:?}");
}
