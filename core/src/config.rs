//! Client configuration: endpoint, language, timeouts, retry policy, user agent.

use std::time::Duration;

use url::Url;

use crate::error::{Error, ErrorKind, Result};

/// Where the KooDrive API lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// The China site, CN North-Beijing4: `https://cn.myhuaweicloud-koodrive.com`.
    China,
    /// The international site, AP-Singapore: `https://intl.myhuaweicloud-koodrive.com`.
    International,
    /// Any other base URL, such as the emulator's `http://127.0.0.1:8080`.
    Custom(String),
}

impl Endpoint {
    /// The base URL of the endpoint.
    pub fn base_url(&self) -> &str {
        match self {
            Endpoint::China => "https://cn.myhuaweicloud-koodrive.com",
            Endpoint::International => "https://intl.myhuaweicloud-koodrive.com",
            Endpoint::Custom(url) => url,
        }
    }
}

/// How failed requests are retried.
///
/// Waits grow exponentially from `initial_backoff` up to `max_backoff`, each drawn
/// uniformly from zero to that bound ("full jitter"); a `Retry-After` from the server
/// sets the wait instead, capped at `max_backoff`. The budget bounds retries across
/// the whole client: every retry spends one token, every success earns back
/// `budget_refill` of one, so a failing service is not hammered.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// The bound of the first wait.
    pub initial_backoff: Duration,
    /// The largest wait.
    pub max_backoff: Duration,
    /// Retry tokens the client starts with and can hold at most.
    pub budget: f64,
    /// Tokens earned back by each success.
    pub budget_refill: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            budget: 20.0,
            budget_refill: 0.1,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

/// Everything that shapes how the client talks to KooDrive.
#[derive(Debug, Clone)]
pub struct Config {
    /// The API endpoint.
    pub endpoint: Endpoint,
    /// The `language` header (`en-US`, `zh-CN`, ...); the server's default when `None`.
    pub language: Option<String>,
    /// The longest wait for one HTTP exchange.
    pub request_timeout: Duration,
    /// The retry policy.
    pub retry: RetryPolicy,
    /// The `User-Agent` header (not settable from browsers, which send their own).
    pub user_agent: String,
    /// Refresh the session when less than this much of its 20-minute window is left.
    pub refresh_margin: Duration,
    /// Allow plain `http://` to hosts other than loopback. Off by default: tokens
    /// would travel in clear text.
    pub allow_insecure_http: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            endpoint: Endpoint::China,
            language: None,
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            user_agent: format!("koodrive-sdk/{}", env!("CARGO_PKG_VERSION")),
            refresh_margin: Duration::from_secs(120),
            allow_insecure_http: false,
        }
    }
}

impl Config {
    /// A default configuration for `endpoint`.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            ..Self::default()
        }
    }

    /// Parses and checks the base URL: `https`, or `http` to a loopback host (or to
    /// any host when [`Config::allow_insecure_http`] is set); no query or fragment.
    pub(crate) fn base_url(&self) -> Result<Url> {
        let raw = self.endpoint.base_url();
        let url = Url::parse(raw).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("the base URL {raw:?} is not a URL: {e}"),
            )
        })?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_insecure_http || is_loopback(&url) => {}
            "http" => {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!(
                        "refusing plain http to {:?}: credentials would travel unencrypted; \
                         use https or set allow_insecure_http",
                        url.host_str().unwrap_or_default()
                    ),
                ));
            }
            other => {
                return Err(Error::new(
                    ErrorKind::Config,
                    format!("the base URL scheme {other:?} is not http or https"),
                ));
            }
        }
        if url.query().is_some() || url.fragment().is_some() || url.host_str().is_none() {
            return Err(Error::new(
                ErrorKind::Config,
                format!("the base URL {raw:?} must be scheme://host[:port][/prefix] only"),
            ));
        }
        Ok(url)
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(url: &str, insecure: bool) -> Result<Url> {
        Config {
            allow_insecure_http: insecure,
            ..Config::new(Endpoint::Custom(url.into()))
        }
        .base_url()
    }

    #[test]
    fn presets_are_https() {
        assert!(Config::new(Endpoint::China).base_url().is_ok());
        assert!(Config::new(Endpoint::International).base_url().is_ok());
    }

    #[test]
    fn plain_http_only_to_loopback_unless_allowed() {
        assert!(base("http://127.0.0.1:8080", false).is_ok());
        assert!(base("http://localhost:1", false).is_ok());
        assert!(base("http://[::1]:9", false).is_ok());
        let err = base("http://drive.example.com", false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains("unencrypted"));
        assert!(base("http://drive.example.com", true).is_ok());
        assert!(base("ftp://x", false).is_err());
        assert!(base("https://x/?a=1", false).is_err());
        assert!(base("not a url", false).is_err());
    }
}
