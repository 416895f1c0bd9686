//! The HTTP front: one handler that logs, counts, checks the trace id and routes.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::Connection;
use serde_json::Value;

use crate::api;
use crate::error::{ApiError, ApiResult};
use crate::faults::{FaultConfig, Faults};
use crate::time::Clock;

/// Largest JSON body accepted on API routes.
const MAX_API_BODY: usize = 64 * 1024 * 1024;

/// Shared state of one running emulator.
pub(crate) struct App {
    db: Mutex<Connection>,
    pub(crate) blob_dir: PathBuf,
    pub(crate) upload_dir: PathBuf,
    pub(crate) clock: Clock,
    pub(crate) requests: AtomicU64,
    pub(crate) base_url: String,
    pub(crate) faults: Faults,
    rng: AtomicU64,
}

impl App {
    /// Builds the state around an open database.
    pub(crate) fn new(
        conn: Connection,
        data_dir: PathBuf,
        base_url: String,
        faults: FaultConfig,
    ) -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
            ^ u64::from(std::process::id()).rotate_left(32);
        Self {
            db: Mutex::new(conn),
            blob_dir: data_dir.join("blobs"),
            upload_dir: data_dir.join("uploads"),
            clock: Clock::default(),
            requests: AtomicU64::new(0),
            base_url,
            faults: Faults::new(faults),
            rng: AtomicU64::new(seed),
        }
    }

    /// Locks the database; every API call runs entirely under this lock.
    pub(crate) fn db(&self) -> MutexGuard<'_, Connection> {
        self.db
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Next value of a splitmix64 generator (ids and tokens; not cryptographic).
    pub(crate) fn next_random(&self) -> u64 {
        let mut z = self
            .rng
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `len` random lower-case hex digits.
    pub(crate) fn random_hex(&self, len: usize) -> String {
        let mut out = String::with_capacity(len + 16);
        while out.len() < len {
            out.push_str(&format!("{:016x}", self.next_random()));
        }
        out.truncate(len);
        out
    }

    /// A file id in the documented shape: `F` and 32 characters of `[A-Za-z0-9_]`.
    pub(crate) fn new_file_id(&self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";
        let mut id = String::from("F");
        for _ in 0..32 {
            id.push(ALPHABET[(self.next_random() % ALPHABET.len() as u64) as usize] as char);
        }
        id
    }
}

/// A buffered API request.
#[derive(Debug)]
pub(crate) struct ApiRequest {
    pub(crate) method: Method,
    /// The path exactly as received (still percent-encoded).
    pub(crate) raw_path: String,
    pub(crate) raw_query: Option<String>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl ApiRequest {
    /// A header's value, if present and valid text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        crate::auth::header(&self.headers, name)
    }

    /// A decoded query parameter (`+` reads as a space); empty values count as absent.
    pub(crate) fn query(&self, name: &str) -> Option<String> {
        query_param(self.raw_query.as_deref()?, name).filter(|v| !v.is_empty())
    }

    /// The body as a JSON object.
    pub(crate) fn json(&self) -> ApiResult<Value> {
        crate::json::parse_object(&self.body)
    }

    /// The path segments after `/koodrive/ose/`, decoded, without a trailing empty segment.
    pub(crate) fn segments(&self) -> Vec<String> {
        self.raw_path
            .trim_end_matches('/')
            .split('/')
            .skip(1)
            .map(|s| String::from_utf8_lossy(&crate::auth::percent_decode(s)).into_owned())
            .collect()
    }
}

/// Looks a parameter up in a raw query string.
pub(crate) fn query_param(raw_query: &str, name: &str) -> Option<String> {
    raw_query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            String::from_utf8_lossy(&crate::auth::percent_decode(&s.replace('+', " "))).into_owned()
        };
        (decode(k) == name).then(|| decode(v))
    })
}

/// Whether a trace id is exactly 58 characters of `[A-Za-z0-9_]`.
fn valid_trace_id(value: &str) -> bool {
    value.len() == 58
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Control endpoints are not counted as served requests.
fn is_control(path: &str) -> bool {
    path.starts_with("/_emulator/")
        && !path.starts_with("/_emulator/upload/")
        && !path.starts_with("/_emulator/download/")
        && !path.starts_with("/_emulator/orgid/")
}

/// JSON API calls that `api_error_rate` may fail: everything under `/koodrive/` except the
/// session calls.
fn is_faultable_api(path: &str) -> bool {
    path.starts_with("/koodrive/") && !path.starts_with("/koodrive/ose/v1/session")
}

/// The single axum handler behind every path.
pub(crate) async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    if !is_control(&path) {
        app.requests.fetch_add(1, Ordering::SeqCst);
    }
    let trace_id = request
        .headers()
        .get("x-traceid")
        .map(|v| v.to_str().map(str::to_owned).unwrap_or_default());

    let mut response = match &trace_id {
        Some(t) if !valid_trace_id(t) => ApiError::params(
            "(X-Traceid must be exactly 58 characters of letters, digits and underscore)",
        )
        .into_response(),
        _ => route(&app, request).await,
    };

    if let Some(t) = trace_id.as_deref().filter(|t| valid_trace_id(t))
        && let Ok(value) = HeaderValue::from_str(t)
    {
        response.headers_mut().insert("x-traceid", value);
    }
    // Only the path is logged: queries of presigned URLs carry signatures.
    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        trace_id = trace_id.as_deref().unwrap_or("-"),
        latency_ms = %format_args!("{:.3}", started.elapsed().as_secs_f64() * 1000.0),
        "request"
    );
    response
}

async fn route(app: &Arc<App>, request: Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/_emulator/upload/") && request.method() == Method::PUT {
        return api::upload::put_part(app, request).await;
    }
    if path.starts_with("/_emulator/download/")
        && (request.method() == Method::GET || request.method() == Method::HEAD)
    {
        return api::upload::download(app, request).await;
    }
    if path == "/_emulator/orgid/authorize" && request.method() == Method::GET {
        let query = request.uri().query().unwrap_or("");
        return match api::session::authorize_redirect(query) {
            Ok(location) => {
                raw_response(StatusCode::FOUND, &[("location", location)], Body::empty())
            }
            Err(err) => err.into_response(),
        };
    }

    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_API_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return ApiError::business_msg(
                crate::error::VERIFY_PARAMS,
                "Request body too large or unreadable.",
            )
            .into_response();
        }
    };
    if is_faultable_api(parts.uri.path()) && app.faults.decide_api() {
        tracing::info!(path = %parts.uri.path(), "injected fault: API error");
        return ApiError::injected_failure().into_response();
    }
    let req = ApiRequest {
        method: parts.method,
        raw_path: parts.uri.path().to_owned(),
        raw_query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    };
    match api::dispatch(app, &req) {
        Ok(value) => (StatusCode::OK, axum::Json(value)).into_response(),
        Err(err) => err.into_response(),
    }
}

/// A response with a plain body (used by the blob endpoints).
pub(crate) fn raw_response(status: StatusCode, headers: &[(&str, String)], body: Body) -> Response {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    for (name, value) in headers {
        if let Ok(v) = HeaderValue::from_str(value)
            && let Ok(n) = axum::http::HeaderName::from_bytes(name.as_bytes())
        {
            response.headers_mut().insert(n, v);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::valid_trace_id;

    /// Replays the shared trace-id vectors (`tests/vectors/auth/trace_id.json`).
    #[test]
    fn shared_trace_id_vectors() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/auth/trace_id.json");
        let text = std::fs::read_to_string(path).expect("shared vectors are present");
        let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
        for case in vectors["cases"].as_array().unwrap() {
            let value = case["value"].as_str().unwrap();
            assert_eq!(
                valid_trace_id(value),
                case["valid"].as_bool().unwrap(),
                "{}",
                case["name"]
            );
        }
    }
}
