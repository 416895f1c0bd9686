//! The bundled transport: reqwest with rustls (ring) on native targets, `fetch` on wasm32.

use crate::http::{Headers, HttpRequest, HttpResponse, Method};
use crate::platform::BoxFuture;
use crate::transport::{Transport, TransportError, TransportErrorKind};

/// A [`Transport`] over a `reqwest::Client`.
///
/// On native targets reqwest runs on tokio, so its futures must be polled inside a
/// tokio runtime; on wasm32 it uses the browser's or Node's `fetch` and needs none.
/// Redirects follow reqwest's policy, which drops `Authorization` when a redirect
/// leaves the original host.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with a default reqwest client (rustls with the ring provider and
    /// the platform's certificate store on native targets).
    pub fn new() -> Result<Self, TransportError> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            // Several libraries may race to install the process-wide default; any
            // installed provider will do.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let client = reqwest::Client::builder().build().map_err(|e| {
            TransportError::new(
                TransportErrorKind::InvalidRequest,
                e.without_url().to_string(),
            )
        })?;
        Ok(Self { client })
    }

    /// A transport over an existing reqwest client, to share its connection pool or
    /// its proxy and certificate settings.
    pub fn with_client(client: reqwest::Client) -> Self {
        Self { client }
    }
}

fn map_error(err: reqwest::Error) -> TransportError {
    let kind = if err.is_timeout() {
        TransportErrorKind::Timeout
    } else if err.is_builder() {
        TransportErrorKind::InvalidRequest
    } else if is_connect(&err) {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Io
    };
    // The source chain holds the useful part (connection refused, reset by peer).
    let mut chain = String::new();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    TransportError::new(kind, format!("{}{chain}", err.without_url()))
}

#[cfg(not(target_arch = "wasm32"))]
fn is_connect(err: &reqwest::Error) -> bool {
    err.is_connect()
}

#[cfg(target_arch = "wasm32")]
fn is_connect(_err: &reqwest::Error) -> bool {
    false
}

fn method(m: Method) -> reqwest::Method {
    match m {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
        Method::Head => reqwest::Method::HEAD,
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let mut builder = self.client.request(method(request.method), &request.url);
            for (name, value) in request.headers.iter() {
                builder = builder.header(name, value);
            }
            if !request.body.is_empty() {
                builder = builder.body(request.body);
            }
            let response = builder.send().await.map_err(map_error)?;
            let status = response.status().as_u16();
            let headers: Headers = response
                .headers()
                .iter()
                .filter_map(|(n, v)| {
                    v.to_str()
                        .ok()
                        .map(|v| (n.as_str().to_owned(), v.to_owned()))
                })
                .collect();
            // `Vec::from` reuses the buffer when the body arrived in one piece.
            let body = Vec::from(response.bytes().await.map_err(map_error)?);
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}
