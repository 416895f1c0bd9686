//! Seeded fault injection on the data plane (part uploads and downloads) and on JSON API calls.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which faults the emulator injects. The default injects none.
///
/// Every part `PUT` and download `GET`/`HEAD` draws one number from a seeded generator and gets
/// at most one fault: the draw is compared with `error_rate`, then `error_rate + reset_rate`,
/// then `error_rate + reset_rate + truncate_rate` (truncation only affects `GET`s that send a
/// body). Every JSON API call other than the session ones draws from a second sequence and
/// fails when the draw is below `api_error_rate`. Rates outside `[0, 1]` are clamped (and `NaN`
/// counts as 0). Setting a configuration restarts both sequences, so the same configuration
/// applied to the same sequence of requests makes the same decisions.
///
/// In JSON (`POST /_emulator/faults`) the fields are camelCase (`errorRate`, `retryAfterSecs`,
/// ...); missing fields take their default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FaultConfig {
    /// Seed of the decision sequences.
    pub seed: u64,
    /// Fraction of part `PUT`s and download `GET`s answered HTTP 503 with `Retry-After`.
    pub error_rate: f64,
    /// The `Retry-After` value of injected 503s, in seconds (default 1).
    pub retry_after_secs: u64,
    /// Fraction of part `PUT`s and download `GET`s whose connection is dropped without a
    /// response.
    pub reset_rate: f64,
    /// Fraction of download `GET`s whose body stops after half of the announced
    /// `Content-Length`, after which the connection is dropped.
    pub truncate_rate: f64,
    /// Delay added to every part `PUT` and download `GET`, in milliseconds.
    pub latency_ms: u64,
    /// Fraction of JSON API calls (session calls excepted) answered HTTP 500
    /// `{"code":13000201,"msg":"inner server invoke failure"}` without being carried out.
    pub api_error_rate: f64,
    /// Fraction of part `PUT`s and download `GET`s that straggle: they get `slow_ms`
    /// of extra delay (on their own seeded sequence, so other decisions do not move).
    pub slow_rate: f64,
    /// The extra delay of a straggling request, in milliseconds.
    pub slow_ms: u64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            error_rate: 0.0,
            retry_after_secs: 1,
            reset_rate: 0.0,
            truncate_rate: 0.0,
            latency_ms: 0,
            api_error_rate: 0.0,
            slow_rate: 0.0,
            slow_ms: 0,
        }
    }
}

impl FaultConfig {
    /// Whether every rate is a number within `[0, 1]`.
    pub fn rates_are_valid(&self) -> bool {
        [
            self.error_rate,
            self.reset_rate,
            self.truncate_rate,
            self.api_error_rate,
        ]
        .iter()
        .all(|r| (0.0..=1.0).contains(r))
    }
}

/// How many faults have been injected since the emulator started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultStats {
    /// Data-plane requests answered 503.
    pub errors: u64,
    /// Data-plane connections dropped without a response.
    pub resets: u64,
    /// Download bodies cut short.
    pub truncations: u64,
    /// JSON API calls answered 500.
    pub api_errors: u64,
    /// Data-plane requests slowed down as stragglers.
    pub slowed: u64,
}

/// The fault decided for one data-plane request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataFault {
    /// Serve normally.
    None,
    /// Answer 503 with `Retry-After`.
    Error,
    /// Drop the connection without a response.
    Reset,
    /// Cut the body short (downloads only).
    Truncate,
}

/// One data-plane decision.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DataDecision {
    pub(crate) fault: DataFault,
    pub(crate) latency: Duration,
    pub(crate) retry_after_secs: u64,
}

/// Fault state shared by the request handlers.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    config: Mutex<FaultConfig>,
    data_draws: AtomicU64,
    api_draws: AtomicU64,
    errors: AtomicU64,
    resets: AtomicU64,
    truncations: AtomicU64,
    api_errors: AtomicU64,
    slow_draws: AtomicU64,
    slowed: AtomicU64,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
/// Separates the API sequence from the data-plane one.
const API_STREAM: u64 = 0xD1B5_4A32_D192_ED03;
/// Separates the straggler sequence from the others.
const SLOW_STREAM: u64 = 0x8CB9_2BA7_2F3D_8DD7;

/// The SplitMix64 output for state `x`.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(GOLDEN);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The `n`th draw of the sequence seeded with `seed`, uniform in `[0, 1)`.
fn draw(seed: u64, n: u64) -> f64 {
    let x = splitmix64(seed.wrapping_add(n.wrapping_mul(GOLDEN)));
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A rate as a probability: clamped to `[0, 1]`, `NaN` as 0.
fn rate(r: f64) -> f64 {
    if r.is_nan() { 0.0 } else { r.clamp(0.0, 1.0) }
}

impl Faults {
    /// Fault state starting with `config`.
    pub(crate) fn new(config: FaultConfig) -> Self {
        Self {
            config: Mutex::new(config),
            ..Self::default()
        }
    }

    fn config(&self) -> FaultConfig {
        self.config
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// The configuration in force.
    pub(crate) fn current(&self) -> FaultConfig {
        self.config()
    }

    /// Replaces the configuration and restarts the decision sequences (counts are kept).
    pub(crate) fn set(&self, config: FaultConfig) {
        let mut guard = self
            .config
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *guard = config;
        self.data_draws.store(0, Ordering::SeqCst);
        self.api_draws.store(0, Ordering::SeqCst);
        self.slow_draws.store(0, Ordering::SeqCst);
    }

    /// What was injected so far.
    pub(crate) fn stats(&self) -> FaultStats {
        FaultStats {
            errors: self.errors.load(Ordering::SeqCst),
            resets: self.resets.load(Ordering::SeqCst),
            truncations: self.truncations.load(Ordering::SeqCst),
            api_errors: self.api_errors.load(Ordering::SeqCst),
            slowed: self.slowed.load(Ordering::SeqCst),
        }
    }

    /// Decides the fault of a part `PUT` (`can_truncate` false) or a download.
    /// Errors and resets are counted here; truncations when they happen
    /// ([`Faults::count_truncation`]).
    pub(crate) fn decide_data(&self, can_truncate: bool) -> DataDecision {
        let config = self.config();
        let mut fault = DataFault::None;
        let (e, r, t) = (
            rate(config.error_rate),
            rate(config.reset_rate),
            rate(config.truncate_rate),
        );
        if e > 0.0 || r > 0.0 || (can_truncate && t > 0.0) {
            let n = self.data_draws.fetch_add(1, Ordering::SeqCst);
            let u = draw(config.seed, n);
            if u < e {
                fault = DataFault::Error;
                self.errors.fetch_add(1, Ordering::SeqCst);
            } else if u < e + r {
                fault = DataFault::Reset;
                self.resets.fetch_add(1, Ordering::SeqCst);
            } else if can_truncate && u < e + r + t {
                fault = DataFault::Truncate;
            }
        }
        let mut latency_ms = config.latency_ms;
        let slow = rate(config.slow_rate);
        if slow > 0.0 {
            let n = self.slow_draws.fetch_add(1, Ordering::SeqCst);
            if draw(config.seed ^ SLOW_STREAM, n) < slow {
                latency_ms += config.slow_ms;
                self.slowed.fetch_add(1, Ordering::SeqCst);
            }
        }
        DataDecision {
            fault,
            latency: Duration::from_millis(latency_ms),
            retry_after_secs: config.retry_after_secs,
        }
    }

    /// Records a body that was cut short.
    pub(crate) fn count_truncation(&self) {
        self.truncations.fetch_add(1, Ordering::SeqCst);
    }

    /// Whether this JSON API call fails with HTTP 500 (counted when it does).
    pub(crate) fn decide_api(&self) -> bool {
        let config = self.config();
        let p = rate(config.api_error_rate);
        if p <= 0.0 {
            return false;
        }
        let n = self.api_draws.fetch_add(1, Ordering::SeqCst);
        let fail = draw(config.seed ^ API_STREAM, n) < p;
        if fail {
            self.api_errors.fetch_add(1, Ordering::SeqCst);
        }
        fail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_reproducible_and_spread() {
        let a: Vec<f64> = (0..1000).map(|n| draw(42, n)).collect();
        let b: Vec<f64> = (0..1000).map(|n| draw(42, n)).collect();
        assert_eq!(a, b);
        assert!(a.iter().all(|u| (0.0..1.0).contains(u)));
        let below_half = a.iter().filter(|u| **u < 0.5).count();
        assert!((400..600).contains(&below_half), "{below_half}");
        assert_ne!(a, (0..1000).map(|n| draw(43, n)).collect::<Vec<_>>());
    }

    #[test]
    fn set_restarts_the_sequence() {
        let config = FaultConfig {
            seed: 7,
            error_rate: 0.3,
            reset_rate: 0.3,
            truncate_rate: 0.3,
            ..FaultConfig::default()
        };
        let faults = Faults::new(config.clone());
        let first: Vec<DataFault> = (0..50).map(|_| faults.decide_data(true).fault).collect();
        faults.set(config);
        let second: Vec<DataFault> = (0..50).map(|_| faults.decide_data(true).fault).collect();
        assert_eq!(first, second);
        assert!(first.contains(&DataFault::Truncate) && first.contains(&DataFault::None));
    }

    #[test]
    fn json_fields_are_camel_case_with_defaults() {
        let config: FaultConfig =
            serde_json::from_str(r#"{"errorRate": 0.5, "apiErrorRate": 1}"#).unwrap();
        assert_eq!(config.error_rate, 0.5);
        assert_eq!(config.api_error_rate, 1.0);
        assert_eq!(config.retry_after_secs, 1);
        assert!(config.rates_are_valid());
        assert!(
            !FaultConfig {
                reset_rate: 1.5,
                ..config
            }
            .rates_are_valid()
        );
    }
}

#[cfg(test)]
mod straggler_tests {
    use super::*;

    #[test]
    fn stragglers_are_seeded_and_counted() {
        let config = FaultConfig {
            seed: 3,
            slow_rate: 0.25,
            slow_ms: 500,
            ..FaultConfig::default()
        };
        let faults = Faults::new(config.clone());
        let delays: Vec<Duration> = (0..400)
            .map(|_| faults.decide_data(false).latency)
            .collect();
        let slowed = delays
            .iter()
            .filter(|d| **d == Duration::from_millis(500))
            .count();
        assert!((60..140).contains(&slowed), "{slowed}");
        assert_eq!(faults.stats().slowed, slowed as u64);
        assert!(
            delays
                .iter()
                .all(|d| d.is_zero() || *d == Duration::from_millis(500))
        );
        faults.set(config);
        let again: Vec<Duration> = (0..400)
            .map(|_| faults.decide_data(false).latency)
            .collect();
        assert_eq!(delays, again, "the same seed slows the same requests");
    }
}
