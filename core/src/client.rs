//! The async client: runs operations over a [`Transport`], with credentials, trace ids,
//! timeouts, retries and the session's sliding expiry.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures::future::{Either, select};
use serde::{Deserialize, Serialize};
use tracing::Instrument;
use url::Url;

use crate::auth::{self, AppCredentials, SigningInput};
use crate::config::{Config, Endpoint};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Headers, HttpRequest, HttpResponse};
use crate::operation::{AuthMode, Operation, RequestSpec};
use crate::platform::{Clock, Rng, SystemClock};
use crate::retry::{self, RetryBudget};
use crate::secret::Secret;
use crate::trace::new_trace_id;
use crate::transport::{Transport, TransportError, TransportErrorKind};

/// How long a session token lives without a call: 20 minutes, sliding.
pub const SESSION_IDLE_LIFETIME: Duration = Duration::from_secs(20 * 60);

/// A session's credentials, as an application may store and restore them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionToken {
    /// The access token, exactly as the server returned it (prefix included).
    pub access_token: Secret,
    /// The session id used to refresh the token.
    pub session_id: Option<Secret>,
    /// The user the session belongs to.
    pub user_id: Option<String>,
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionToken")
            .field("access_token", &self.access_token)
            .field("session_id", &self.session_id)
            .field("user_id", &self.user_id)
            .finish()
    }
}

/// The state of the client's credentials.
#[derive(Debug, Clone)]
enum Auth {
    Anonymous,
    Session {
        token: SessionToken,
        expires_at_ms: u64,
    },
    App(AppCredentials),
    LoggedOut,
}

struct Inner {
    config: Config,
    base: Url,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    auth: Mutex<Auth>,
    refresh_lock: futures::lock::Mutex<()>,
    budget: RetryBudget,
    rng: Mutex<Rng>,
}

/// The KooDrive client. Cheap to clone: clones share credentials, retry budget and
/// transport.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("auth", &self.auth_mode_name())
            .finish()
    }
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    config: Config,
    transport: Option<Arc<dyn Transport>>,
    clock: Option<Arc<dyn Clock>>,
    auth: Auth,
}

impl ClientBuilder {
    /// Replaces the whole configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Sets the `language` header (`en-US`, `zh-CN`).
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.config.language = Some(language.into());
        self
    }

    /// Sends requests through `transport` instead of the bundled one.
    pub fn transport(mut self, transport: impl Transport + 'static) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// Reads the time and waits through `clock` instead of the platform's.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Authenticates every request with App credentials (HMAC-SHA256 signing).
    pub fn app_credentials(mut self, credentials: AppCredentials) -> Self {
        self.auth = Auth::App(credentials);
        self
    }

    /// Starts with an existing session token, such as one stored by an earlier run.
    /// The client counts its 20 idle minutes from now.
    pub fn session(mut self, token: SessionToken) -> Self {
        self.auth = Auth::Session {
            token,
            expires_at_ms: 0,
        };
        self
    }

    /// Checks the configuration and builds the client.
    // On wasm32 the transport and clock are not `Send`, by design: there are no threads.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn build(self) -> Result<Client> {
        let base = self.config.base_url()?;
        let transport = match self.transport {
            Some(t) => t,
            None => default_transport()?,
        };
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock));
        let auth = match self.auth {
            Auth::Session { token, .. } => Auth::Session {
                token,
                expires_at_ms: clock.now_millis() + SESSION_IDLE_LIFETIME.as_millis() as u64,
            },
            other => other,
        };
        let rng = Rng::from_entropy(clock.as_ref());
        Ok(Client {
            inner: Arc::new(Inner {
                budget: RetryBudget::new(&self.config.retry),
                config: self.config,
                base,
                transport,
                clock,
                auth: Mutex::new(auth),
                refresh_lock: futures::lock::Mutex::new(()),
                rng: Mutex::new(rng),
            }),
        })
    }
}

#[cfg(feature = "reqwest")]
fn default_transport() -> Result<Arc<dyn Transport>> {
    let transport = crate::transport::ReqwestTransport::new().map_err(|e| {
        Error::new(ErrorKind::Config, "the HTTP client could not start").with_source(e)
    })?;
    Ok(Arc::new(transport))
}

#[cfg(not(feature = "reqwest"))]
fn default_transport() -> Result<Arc<dyn Transport>> {
    Err(Error::new(
        ErrorKind::Config,
        "no transport: enable the `reqwest` feature or pass one to ClientBuilder::transport",
    ))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a finished attempt tells the retry loop.
struct Attempt<T> {
    result: Result<T>,
    /// The request certainly never reached the server.
    unsent: bool,
}

impl Client {
    /// A builder for a client of `endpoint`.
    pub fn builder(endpoint: Endpoint) -> ClientBuilder {
        ClientBuilder {
            config: Config::new(endpoint),
            transport: None,
            clock: None,
            auth: Auth::Anonymous,
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The current session's token, for an application that stores it.
    pub fn session_token(&self) -> Option<SessionToken> {
        match &*lock(&self.inner.auth) {
            Auth::Session { token, .. } => Some(token.clone()),
            _ => None,
        }
    }

    /// How long the session has left before it lapses for lack of calls, as far as
    /// the client can tell; `None` without a session.
    pub fn session_expires_in(&self) -> Option<Duration> {
        match &*lock(&self.inner.auth) {
            Auth::Session { expires_at_ms, .. } => Some(Duration::from_millis(
                expires_at_ms.saturating_sub(self.inner.clock.now_millis()),
            )),
            _ => None,
        }
    }

    fn auth_mode_name(&self) -> &'static str {
        match &*lock(&self.inner.auth) {
            Auth::Anonymous => "anonymous",
            Auth::Session { .. } => "session",
            Auth::App(_) => "app",
            Auth::LoggedOut => "logged out",
        }
    }

    pub(crate) fn set_session(&self, token: SessionToken) {
        let expires_at_ms =
            self.inner.clock.now_millis() + SESSION_IDLE_LIFETIME.as_millis() as u64;
        *lock(&self.inner.auth) = Auth::Session {
            token,
            expires_at_ms,
        };
    }

    pub(crate) fn replace_access_token(&self, access_token: Secret) {
        if let Auth::Session { token, .. } = &mut *lock(&self.inner.auth) {
            token.access_token = access_token;
        }
    }

    pub(crate) fn mark_logged_out(&self) {
        *lock(&self.inner.auth) = Auth::LoggedOut;
    }

    pub(crate) fn current_session_id(&self) -> Option<Secret> {
        match &*lock(&self.inner.auth) {
            Auth::Session { token, .. } => token.session_id.clone(),
            _ => None,
        }
    }

    /// Validates `op`, sends it (refreshing the session first when it is about to
    /// lapse), retries what may be retried, and parses the answer.
    pub async fn execute<O: Operation>(&self, op: &O) -> Result<O::Output> {
        op.validate()
            .map_err(|e| Error::from(e).with_operation(O::NAME))?;
        let spec = op.request();
        if O::AUTH != AuthMode::None && O::NAME != crate::session::RefreshSession::NAME {
            self.refresh_if_due()
                .await
                .map_err(|e| e.with_operation(O::NAME))?;
        }
        self.send::<O>(&spec)
            .instrument(tracing::debug_span!("koodrive", op = O::NAME))
            .await
            .map_err(|e| e.with_operation(O::NAME))
    }

    /// Refreshes the session when less than the configured margin of its idle window
    /// is left. Concurrent callers wait for one refresh.
    async fn refresh_if_due(&self) -> Result<()> {
        if !self.refresh_due() {
            return Ok(());
        }
        let _guard = self.inner.refresh_lock.lock().await;
        if !self.refresh_due() {
            return Ok(());
        }
        tracing::debug!("session close to its idle limit; refreshing");
        self.refresh_now().await
    }

    /// Trades the session's token for a fresh one. It goes straight to `send`, since
    /// `execute` would check for a due refresh again.
    pub(crate) async fn refresh_now(&self) -> Result<()> {
        use crate::session::RefreshSession;
        let Some(session_id) = self.current_session_id() else {
            return Err(Error::new(
                ErrorKind::NotLoggedIn,
                "there is no session id to refresh with; create a session first",
            )
            .with_operation(RefreshSession::NAME));
        };
        let op = RefreshSession { session_id };
        let fresh = self
            .send::<RefreshSession>(&op.request())
            .instrument(tracing::debug_span!("koodrive", op = RefreshSession::NAME))
            .await
            .map_err(|e| e.with_operation(RefreshSession::NAME))?;
        self.replace_access_token(fresh.access_token);
        Ok(())
    }

    fn refresh_due(&self) -> bool {
        let now = self.inner.clock.now_millis();
        let margin = self.inner.config.refresh_margin.as_millis() as u64;
        match &*lock(&self.inner.auth) {
            Auth::Session {
                token,
                expires_at_ms,
            } => {
                token.session_id.is_some() && now < *expires_at_ms && now + margin >= *expires_at_ms
            }
            _ => false,
        }
    }

    async fn send<O: Operation>(&self, spec: &RequestSpec) -> Result<O::Output> {
        let policy = &self.inner.config.retry;
        let mut attempt = 1;
        loop {
            let trace_id = {
                let mut rng = lock(&self.inner.rng);
                new_trace_id(&mut rng, self.inner.clock.now_millis())
            };
            let Attempt { result, unsent } = self.attempt::<O>(spec, &trace_id).await;
            let err = match result {
                Ok(out) => {
                    self.inner.budget.record_success();
                    return Ok(out);
                }
                Err(e) => e.with_trace_id(&trace_id),
            };
            let may_repeat = O::IDEMPOTENT || unsent;
            if !(err.is_retryable() && may_repeat && attempt < policy.max_attempts) {
                return Err(err);
            }
            if !self.inner.budget.try_spend() {
                tracing::debug!("retry budget spent; giving up");
                return Err(err);
            }
            let wait = {
                let mut rng = lock(&self.inner.rng);
                retry::backoff(policy, attempt, err.retry_after(), &mut rng)
            };
            tracing::debug!(attempt, wait_ms = wait.as_millis() as u64, error = %err, "retrying");
            self.inner.clock.sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt<O: Operation>(
        &self,
        spec: &RequestSpec,
        trace_id: &str,
    ) -> Attempt<O::Output> {
        let (request, used_session) = match self.build_request::<O>(spec, trace_id) {
            Ok(r) => r,
            Err(e) => {
                return Attempt {
                    result: Err(e),
                    unsent: true,
                };
            }
        };
        let sent_at = self.inner.clock.now_millis();
        tracing::debug!(method = %request.method, path = %spec.path, trace_id, "sending");
        let response = match self.exchange(request).await {
            Ok(r) => r,
            Err(e) => {
                let unsent = e.kind == TransportErrorKind::Connect;
                let kind = if e.kind == TransportErrorKind::Timeout {
                    ErrorKind::Timeout
                } else {
                    ErrorKind::Transport
                };
                let err = Error::new(kind, "the request could not be completed").with_source(e);
                return Attempt {
                    result: Err(err),
                    unsent,
                };
            }
        };
        let elapsed = self.inner.clock.now_millis().saturating_sub(sent_at);
        tracing::debug!(
            status = response.status,
            elapsed_ms = elapsed,
            trace_id,
            "received"
        );

        let retry_after = response
            .headers
            .get("retry-after")
            .and_then(retry::parse_retry_after);
        let mut result =
            O::parse(response.status, &response.body).map_err(|e| e.with_retry_after(retry_after));
        if used_session {
            if let Err(e) = result {
                result = Err(if e.status() == Some(401) {
                    e.with_kind(ErrorKind::SessionExpired)
                } else {
                    e
                });
            }
            self.after_session_call(sent_at, &result);
        }
        Attempt {
            result,
            unsent: false,
        }
    }

    /// Slides the session's expiry after an accepted call, or ends the session when
    /// the server refused its token.
    fn after_session_call<T>(&self, sent_at: u64, result: &Result<T>) {
        let mut auth = lock(&self.inner.auth);
        if let Auth::Session { expires_at_ms, .. } = &mut *auth {
            match result {
                Err(e) if e.status() == Some(401) => *expires_at_ms = 0,
                _ => *expires_at_ms = sent_at + SESSION_IDLE_LIFETIME.as_millis() as u64,
            }
        }
    }

    /// The clock the client reads time and waits through.
    pub(crate) fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// Sends a request that carries its own authorization (a presigned part or
    /// download URL), with the client's timeout and no retry: the transfer engine
    /// decides about retries itself.
    pub(crate) async fn send_presigned(
        &self,
        request: HttpRequest,
    ) -> Result<HttpResponse, TransportError> {
        self.exchange(request).await
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let timeout = self.inner.config.request_timeout;
        let send = self.inner.transport.send(request);
        let timer = self.inner.clock.sleep(timeout);
        match select(send, timer).await {
            Either::Left((result, _)) => result,
            Either::Right(((), _)) => Err(TransportError::new(
                TransportErrorKind::Timeout,
                format!("no response within {} ms", timeout.as_millis()),
            )),
        }
    }

    /// Puts together URL, headers, credentials and body. The second value says
    /// whether the session token was used.
    fn build_request<O: Operation>(
        &self,
        spec: &RequestSpec,
        trace_id: &str,
    ) -> Result<(HttpRequest, bool)> {
        let base = &self.inner.base;
        let prefix = base.path().trim_end_matches('/');
        let path = format!("{prefix}{}", spec.path);
        let query = spec.encoded_query();
        let origin = base.origin().ascii_serialization();
        let url = if query.is_empty() {
            format!("{origin}{path}")
        } else {
            format!("{origin}{path}?{query}")
        };
        let body = match &spec.body {
            Some(v) => serde_json::to_vec(v).expect("JSON values serialize"),
            None => Vec::new(),
        };

        let mut headers = Headers::new();
        headers.set("X-Traceid", trace_id);
        if let Some(lang) = &self.inner.config.language {
            headers.set("language", lang.as_str());
        }
        #[cfg(not(target_arch = "wasm32"))]
        headers.set("User-Agent", self.inner.config.user_agent.as_str());
        if spec.body.is_some() {
            headers.set("Content-Type", "application/json");
        }
        for (name, value) in &spec.headers {
            headers.set(*name, value.as_str());
        }

        let mut used_session = false;
        if O::AUTH != AuthMode::None {
            match &*lock(&self.inner.auth) {
                Auth::Session {
                    token,
                    expires_at_ms,
                } => {
                    if self.inner.clock.now_millis() >= *expires_at_ms {
                        return Err(Error::new(
                            ErrorKind::SessionExpired,
                            "the session lapsed after 20 minutes without a call, or the server \
                             refused it",
                        ));
                    }
                    headers.set("Authorization", token.access_token.expose());
                    used_session = true;
                }
                Auth::App(creds) if O::AUTH == AuthMode::TokenOrApp => {
                    let host = match base.port() {
                        Some(port) => format!("{}:{port}", base.host_str().unwrap_or_default()),
                        None => base.host_str().unwrap_or_default().to_owned(),
                    };
                    let x_date = auth::format_x_date(self.inner.clock.now_millis() / 1000);
                    let input = SigningInput {
                        method: spec.method.as_str(),
                        path: &path,
                        query: &query,
                        host: &host,
                        x_date: &x_date,
                        user_id: &creds.user_id,
                        body: &body,
                    };
                    let authorization = auth::authorization(creds, &input);
                    headers.set("X-User-Id", creds.user_id.as_str());
                    headers.set("X-Date", x_date);
                    headers.set("Authorization", authorization.expose());
                }
                Auth::App(_) => {
                    return Err(Error::new(
                        ErrorKind::Config,
                        "this operation accepts only a session token, not App authentication",
                    ));
                }
                Auth::Anonymous => {
                    return Err(Error::new(ErrorKind::NotLoggedIn, "there is no session"));
                }
                Auth::LoggedOut => {
                    return Err(Error::new(
                        ErrorKind::NotLoggedIn,
                        "the session was logged out",
                    ));
                }
            }
        }
        Ok((
            HttpRequest {
                method: spec.method,
                url,
                headers,
                body,
            },
            used_session,
        ))
    }
}
