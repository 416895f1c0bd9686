//! Backoff with full jitter, `Retry-After`, and a client-wide retry budget.

use std::sync::Mutex;
use std::time::Duration;

use crate::config::RetryPolicy;
use crate::platform::Rng;

/// The wait before retry number `retry` (1 for the first retry).
///
/// With a `Retry-After` the server's wait wins, capped at the policy's maximum;
/// otherwise a uniform draw from zero to `initial * 2^(retry-1)`, capped likewise.
pub(crate) fn backoff(
    policy: &RetryPolicy,
    retry: u32,
    retry_after: Option<Duration>,
    rng: &mut Rng,
) -> Duration {
    if let Some(after) = retry_after {
        return after.min(policy.max_backoff);
    }
    let exp = retry.saturating_sub(1).min(30);
    let bound = policy
        .initial_backoff
        .saturating_mul(1u32 << exp)
        .min(policy.max_backoff);
    let millis = bound.as_millis() as u64;
    Duration::from_millis(rng.below_or_equal(millis))
}

/// Parses a `Retry-After` value given in seconds. HTTP dates are ignored: KooDrive's
/// gateway sends seconds, and a date would need the server's clock.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Tokens that retries spend and successes earn back.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    tokens: Mutex<f64>,
    max: f64,
    refill: f64,
}

impl RetryBudget {
    pub(crate) fn new(policy: &RetryPolicy) -> Self {
        Self {
            tokens: Mutex::new(policy.budget),
            max: policy.budget,
            refill: policy.budget_refill,
        }
    }

    /// Takes one token for a retry; `false` when the budget is spent.
    pub(crate) fn try_spend(&self) -> bool {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }

    pub(crate) fn record_success(&self) {
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        *tokens = (*tokens + self.refill).min(self.max);
    }

    #[cfg(test)]
    pub(crate) fn remaining(&self) -> f64 {
        *self.tokens.lock().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_within_bounds_and_jitter() {
        let policy = RetryPolicy::default();
        let mut rng = Rng::seeded(3);
        let mut maxima = Vec::new();
        for retry in 1..=10 {
            let max = (0..200)
                .map(|_| backoff(&policy, retry, None, &mut rng))
                .max()
                .unwrap();
            assert!(max <= policy.max_backoff);
            maxima.push(max);
        }
        assert!(maxima[0] <= Duration::from_millis(200));
        assert!(maxima[3] > Duration::from_millis(800), "{maxima:?}");
        assert!(maxima[9] > Duration::from_secs(10), "{maxima:?}");
        let distinct: std::collections::HashSet<_> = (0..50)
            .map(|_| backoff(&policy, 5, None, &mut rng))
            .collect();
        assert!(distinct.len() > 40, "jitter spreads the waits");
    }

    #[test]
    fn retry_after_wins_but_is_capped() {
        let policy = RetryPolicy::default();
        let mut rng = Rng::seeded(3);
        let d = backoff(&policy, 1, Some(Duration::from_secs(3)), &mut rng);
        assert_eq!(d, Duration::from_secs(3));
        let d = backoff(&policy, 1, Some(Duration::from_secs(3600)), &mut rng);
        assert_eq!(d, policy.max_backoff);
        assert_eq!(parse_retry_after(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn budget_runs_out_and_refills() {
        let policy = RetryPolicy {
            budget: 2.0,
            budget_refill: 0.5,
            ..RetryPolicy::default()
        };
        let budget = RetryBudget::new(&policy);
        assert!(budget.try_spend());
        assert!(budget.try_spend());
        assert!(!budget.try_spend());
        budget.record_success();
        budget.record_success();
        assert!(budget.try_spend());
        for _ in 0..10 {
            budget.record_success();
        }
        assert_eq!(budget.remaining(), 2.0);
    }
}
