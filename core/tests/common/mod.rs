//! Helpers shared by the core's test binaries.
// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use koodrive_core::Clock;
use koodrive_core::platform::BoxFuture;

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
