//! What the core needs from the platform: the time, a way to wait, and futures that
//! are `Send` where threads exist.
//!
//! The core never sleeps by itself: every wait goes through a [`Clock`], so native
//! code, wasm32 in a browser and a host language's executor can each supply theirs.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// `Send` on native targets; nothing on wasm32, where JavaScript values are not `Send`.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}

/// `Send` on native targets; nothing on wasm32, where JavaScript values are not `Send`.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// `Sync` on native targets; nothing on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}

/// `Sync` on native targets; nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// A boxed future that is `Send` on native targets and need not be on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A boxed future that is `Send` on native targets and need not be on wasm32.
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// A boxed stream that is `Send` on native targets and need not be on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxStream<'a, T> = Pin<Box<dyn futures::Stream<Item = T> + Send + 'a>>;

/// A boxed stream that is `Send` on native targets and need not be on wasm32.
#[cfg(target_arch = "wasm32")]
pub type BoxStream<'a, T> = Pin<Box<dyn futures::Stream<Item = T> + 'a>>;

/// The time and timers, as the platform provides them.
pub trait Clock: MaybeSend + MaybeSync {
    /// Milliseconds since the Unix epoch, UTC.
    fn now_millis(&self) -> u64;

    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

/// The platform's own clock: `SystemTime` and a timer thread on native targets,
/// `Date.now()` and `setTimeout` on wasm32. It assumes no async runtime.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> u64 {
        #[cfg(target_arch = "wasm32")]
        {
            js_sys::Date::now() as u64
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0)
        }
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(futures_timer::Delay::new(duration))
    }
}

/// A small non-cryptographic generator (SplitMix64) for retry jitter and trace ids.
///
/// Neither needs unpredictability, only spread, so the SDK does without an OS entropy
/// source, which wasm32 does not have.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// Seeds from the clock, a process-wide counter and an address.
    pub(crate) fn from_entropy(clock: &dyn Clock) -> Self {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
        let salt = COUNTER.fetch_add(0x6A09_E667_F3BC_C909, Ordering::Relaxed);
        let local = 0u8;
        let addr = &local as *const u8 as u64;
        Self(clock.now_millis() ^ salt ^ addr.rotate_left(32))
    }

    /// A generator with a fixed seed, for reproducible tests.
    #[cfg(test)]
    pub(crate) fn seeded(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value uniformly spread over `0..=max`.
    pub(crate) fn below_or_equal(&mut self, max: u64) -> u64 {
        if max == u64::MAX {
            return self.next_u64();
        }
        self.next_u64() % (max + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_after_2024() {
        assert!(SystemClock.now_millis() > 1_704_067_200_000);
    }

    #[test]
    fn sleep_waits_without_a_runtime() {
        let start = std::time::Instant::now();
        futures::executor::block_on(SystemClock.sleep(Duration::from_millis(20)));
        assert!(start.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn rng_spreads_over_the_range() {
        let mut rng = Rng::seeded(7);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            seen[rng.below_or_equal(9) as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}
