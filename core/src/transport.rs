//! The one-method `Transport` trait that moves HTTP exchanges for the core.

use std::sync::Arc;

use crate::http::{HttpRequest, HttpResponse};
use crate::platform::{BoxFuture, MaybeSend, MaybeSync};

#[cfg(feature = "reqwest")]
mod reqwest_transport;
#[cfg(feature = "reqwest")]
pub use reqwest_transport::ReqwestTransport;

/// Sends one HTTP request and returns the whole response.
///
/// Implementations deliver what they are given, without retries, redirects to other
/// hosts carrying `Authorization`, or logging of credentials: retries, timeouts and
/// authentication are the client's business. The returned future is `Send` on native
/// targets and need not be on wasm32.
pub trait Transport: MaybeSend + MaybeSync {
    /// Sends `request`. A response with any status is `Ok`; `Err` means no usable
    /// response arrived.
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}

impl<T: Transport + ?Sized> Transport for Arc<T> {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        (**self).send(request)
    }
}

/// Why a transport could not deliver a request or read its response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection could be made, so the server cannot have seen the request.
    Connect,
    /// The transport's own timeout fired.
    Timeout,
    /// The connection failed after the request may have reached the server.
    Io,
    /// The request could not be built (bad URL or header).
    InvalidRequest,
}

/// A failure to exchange a request and response. Its message never includes a URL's
/// query string, where presigned URLs keep their signatures.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// The class of failure.
    pub kind: TransportErrorKind,
    /// A description for people.
    pub message: String,
}

impl TransportError {
    /// A new transport error.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}
