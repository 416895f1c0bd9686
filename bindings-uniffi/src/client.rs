//! The exported client object and its constructors.

use std::sync::Arc;

use koodrive_core::{Client, Endpoint, SessionToken};

use crate::error::KooDriveError;
use crate::session::SessionTokenRecord;
use crate::transport::{ForeignTransport, HttpTransport};

/// A KooDrive site with a known address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum KooDriveEndpoint {
    /// The China site, CN North-Beijing4: `https://cn.myhuaweicloud-koodrive.com`.
    China,
    /// The international site, AP-Singapore: `https://intl.myhuaweicloud-koodrive.com`.
    International,
}

impl From<KooDriveEndpoint> for Endpoint {
    fn from(endpoint: KooDriveEndpoint) -> Self {
        match endpoint {
            KooDriveEndpoint::China => Endpoint::China,
            KooDriveEndpoint::International => Endpoint::International,
        }
    }
}

/// The base URL of a KooDrive site, for [`KooDriveClient::with_session`].
#[uniffi::export]
pub fn endpoint_base_url(endpoint: KooDriveEndpoint) -> String {
    Endpoint::from(endpoint).base_url().to_owned()
}

/// A KooDrive client: one set of credentials (a session once logged in) over the
/// host's [`HttpTransport`].
///
/// Every call may be made from several threads or tasks at once. Async methods need
/// no particular runtime: they run on the host's (asyncio, Kotlin coroutines, Swift
/// concurrency), and the SDK's own retry waits use a timer thread.
#[derive(Debug, uniffi::Object)]
pub struct KooDriveClient {
    pub(crate) inner: Client,
}

#[uniffi::export]
impl KooDriveClient {
    /// A client of the KooDrive API at `base_url` (`https://…`, or `http://` to a
    /// loopback address such as the emulator's), sending the `language` header
    /// (`en-US`, `zh-CN`) when given.
    ///
    /// Fails with [`KooDriveError::Config`] for an unusable base URL.
    #[uniffi::constructor]
    pub fn new(
        base_url: String,
        language: Option<String>,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Arc<Self>, KooDriveError> {
        build(Endpoint::Custom(base_url), language, None, transport)
    }

    /// A client of one of the KooDrive sites.
    #[uniffi::constructor]
    pub fn with_endpoint(
        endpoint: KooDriveEndpoint,
        language: Option<String>,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Arc<Self>, KooDriveError> {
        build(endpoint.into(), language, None, transport)
    }

    /// A client that resumes a session stored earlier from
    /// [`KooDriveClient::session_token`]. The session's 20 idle minutes count from
    /// now; a token that has lapsed meanwhile fails the first call with
    /// [`KooDriveError::SessionExpired`].
    #[uniffi::constructor]
    pub fn with_session(
        base_url: String,
        language: Option<String>,
        session: SessionTokenRecord,
        transport: Arc<dyn HttpTransport>,
    ) -> Result<Arc<Self>, KooDriveError> {
        build(
            Endpoint::Custom(base_url),
            language,
            Some(session.into()),
            transport,
        )
    }
}

fn build(
    endpoint: Endpoint,
    language: Option<String>,
    session: Option<SessionToken>,
    transport: Arc<dyn HttpTransport>,
) -> Result<Arc<KooDriveClient>, KooDriveError> {
    let mut builder = Client::builder(endpoint).transport(ForeignTransport(transport));
    if let Some(language) = language {
        builder = builder.language(language);
    }
    if let Some(session) = session {
        builder = builder.session(session);
    }
    let inner = builder.build()?;
    Ok(Arc::new(KooDriveClient { inner }))
}
