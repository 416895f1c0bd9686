//! The HTTP transport the host language provides, and its adapter to the core's
//! [`Transport`].
//!
//! The core sends every request through one async method. The host implements
//! [`HttpTransport`] over its own HTTP client (`httpx`/`aiohttp`, OkHttp or Ktor,
//! `URLSession`), so the library carries no TLS stack and follows the platform's proxy
//! and certificate settings.

use std::fmt;
use std::sync::Arc;

use koodrive_core::platform::BoxFuture;
use koodrive_core::{
    Headers, HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind,
};

/// One HTTP header field.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct HeaderRecord {
    /// The field name, as the SDK or the server spelled it.
    pub name: String,
    /// The field value. `Authorization` and `x-session-id` carry credentials: never log
    /// them.
    pub value: String,
}

impl fmt::Debug for HeaderRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Reuse the core's list of credential-bearing names.
        let headers: Headers = [(self.name.as_str(), self.value.as_str())]
            .into_iter()
            .collect();
        fmt::Debug::fmt(&headers, f)
    }
}

/// A request for the host to send.
///
/// The URL is absolute and already encoded; the headers are complete except `Host`
/// and `Content-Length`, which the HTTP client sets. Send the request as it is: no
/// retries (the SDK retries), and do not forward `Authorization` to another host on a
/// redirect. Never log the `Authorization` or `x-session-id` values, nor the URL's
/// query string, which can carry signatures.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpRequestRecord {
    /// The method: `GET`, `POST`, `PUT`, `DELETE` or `HEAD`.
    pub method: String,
    /// The absolute URL, query included.
    pub url: String,
    /// The header fields, in order.
    pub headers: Vec<HeaderRecord>,
    /// The body; empty for requests without one.
    pub body: Vec<u8>,
}

impl fmt::Debug for HttpRequestRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequestRecord")
            .field("method", &self.method)
            .field("url", &self.url.split('?').next().unwrap_or_default())
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A response as the host received it, with any status.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpResponseRecord {
    /// The HTTP status code.
    pub status: u16,
    /// The header fields, in order.
    pub headers: Vec<HeaderRecord>,
    /// The whole body.
    pub body: Vec<u8>,
}

impl fmt::Debug for HttpResponseRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponseRecord")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Why the host could not deliver a request or read its response. The class decides
/// whether the SDK may retry a request that is not idempotent.
///
/// Kotlin names it `TransportFailureException`. An exception of any other type thrown
/// by the host's `send` is read as [`TransportFailure::Io`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TransportFailure {
    /// No connection could be made (DNS, refused, TLS handshake), so the server cannot
    /// have seen the request.
    #[error("could not connect: {message}")]
    Connect {
        /// A description for people, without the URL's query string.
        message: String,
    },
    /// The host's own timeout fired.
    #[error("timed out: {message}")]
    Timeout {
        /// A description for people, without the URL's query string.
        message: String,
    },
    /// The connection failed after the request may have reached the server.
    #[error("connection failed: {message}")]
    Io {
        /// A description for people, without the URL's query string.
        message: String,
    },
    /// The request could not be built (bad URL or header).
    #[error("invalid request: {message}")]
    InvalidRequest {
        /// A description for people, without the URL's query string.
        message: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for TransportFailure {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        // The host threw something else: the request may or may not have gone out.
        TransportFailure::Io {
            message: format!("the host transport failed unexpectedly: {}", err.reason),
        }
    }
}

impl From<TransportFailure> for TransportError {
    fn from(failure: TransportFailure) -> Self {
        let kind = match &failure {
            TransportFailure::Connect { .. } => TransportErrorKind::Connect,
            TransportFailure::Timeout { .. } => TransportErrorKind::Timeout,
            TransportFailure::Io { .. } => TransportErrorKind::Io,
            TransportFailure::InvalidRequest { .. } => TransportErrorKind::InvalidRequest,
        };
        TransportError::new(kind, failure.to_string())
    }
}

/// Sends the SDK's HTTP requests; implemented by the host application.
///
/// `send` is async in every language (a Python coroutine, a Kotlin `suspend fun`, a
/// Swift `async` method) and may be called from several tasks at once. Return the
/// response whatever its status; fail only when no usable response arrived.
#[uniffi::export(with_foreign)]
#[async_trait::async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends `request` and returns the whole response.
    async fn send(
        &self,
        request: HttpRequestRecord,
    ) -> Result<HttpResponseRecord, TransportFailure>;
}

/// The core's [`Transport`] over a host's [`HttpTransport`].
pub(crate) struct ForeignTransport(pub(crate) Arc<dyn HttpTransport>);

impl Transport for ForeignTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        let record = HttpRequestRecord {
            method: request.method.as_str().to_owned(),
            url: request.url,
            headers: to_records(&request.headers),
            body: request.body,
        };
        let host = Arc::clone(&self.0);
        Box::pin(async move {
            let response = host.send(record).await?;
            Ok(HttpResponse {
                status: response.status,
                headers: response
                    .headers
                    .into_iter()
                    .map(|h| (h.name, h.value))
                    .collect(),
                body: response.body,
            })
        })
    }
}

fn to_records(headers: &Headers) -> Vec<HeaderRecord> {
    headers
        .iter()
        .map(|(name, value)| HeaderRecord {
            name: name.to_owned(),
            value: value.to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_keep_their_class() {
        let connect: TransportError = TransportFailure::Connect {
            message: "refused".into(),
        }
        .into();
        assert_eq!(connect.kind, TransportErrorKind::Connect);
        assert!(connect.message.contains("refused"));
        let unexpected: TransportFailure =
            uniffi::UnexpectedUniFFICallbackError::new("boom").into();
        assert!(matches!(unexpected, TransportFailure::Io { .. }));
    }

    #[test]
    fn debug_hides_credentials_and_query() {
        let request = HttpRequestRecord {
            method: "GET".into(),
            url: "https://h/p?sig=sekrit".into(),
            headers: vec![HeaderRecord {
                name: "Authorization".into(),
                value: "Bearer sekrit".into(),
            }],
            body: vec![],
        };
        let shown = format!("{request:?}");
        assert!(!shown.contains("sekrit"), "{shown}");
        assert!(shown.contains("Authorization"));
    }
}
