//! Token and app (HMAC-SHA256) authentication.

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::seed::{self, SeedUser};
use crate::server::ApiRequest;

/// Sliding lifetime of an access token.
pub(crate) const TOKEN_TTL_MS: i64 = 20 * 60 * 1000;
/// How old an `X-Date` may be.
const X_DATE_MAX_AGE_MS: i64 = 15 * 60 * 1000;
/// How far in the future an `X-Date` may be (clock skew allowance).
const X_DATE_MAX_AHEAD_MS: i64 = 1000;

/// Which credentials a route accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthMode {
    /// Access token only (session APIs).
    Token,
    /// Access token or app signature (file, space APIs).
    TokenOrApp,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) user: &'static SeedUser,
    /// Set for token callers.
    pub(crate) session_id: Option<String>,
}

impl Caller {
    /// Whether the caller is a super administrator.
    pub(crate) fn is_super_admin(&self) -> bool {
        self.user.role == seed::ROLE_SUPER_ADMIN
    }
}

/// Strips the accepted token prefixes: `Bearer <t>`, `Bearer+<t>`, or a bare token.
pub(crate) fn bare_token(value: &str) -> &str {
    let value = value.trim();
    for prefix in ["Bearer ", "Bearer+", "bearer ", "bearer+"] {
        if let Some(rest) = value.strip_prefix(prefix) {
            return rest.trim();
        }
    }
    value
}

/// Authenticates a request; token callers get their session's expiry pushed forward.
pub(crate) fn authenticate(
    conn: &Connection,
    req: &ApiRequest,
    mode: AuthMode,
    now_ms: i64,
) -> ApiResult<Caller> {
    let Some(value) = req.header("authorization") else {
        return Err(ApiError::unauthorized(
            "Missing Authorization header: send the access token from create_session.",
        ));
    };
    if value.starts_with("HMAC-SHA256") {
        if mode == AuthMode::Token {
            return Err(ApiError::unauthorized(
                "This API does not accept app authentication; use an access token.",
            ));
        }
        return authenticate_app(req, value, now_ms);
    }

    let token = bare_token(value);
    if token.is_empty() {
        return Err(ApiError::unauthorized("Empty access token."));
    }
    let Some(session) = db::session_by_token(conn, token)? else {
        return Err(ApiError::unauthorized(
            "Unknown access token (it was never issued, was replaced by refresh, or the session \
             was logged off): create a new session.",
        ));
    };
    if session.expires_ms <= now_ms {
        return Err(ApiError::unauthorized(
            "The access token expired after 20 minutes without calls: create a new session.",
        ));
    }
    let Some(user) = seed::user(&session.user_id) else {
        return Err(ApiError::unauthorized(
            "The session's user no longer exists.",
        ));
    };
    db::touch_session(conn, &session.session_id, now_ms + TOKEN_TTL_MS)?;
    Ok(Caller {
        user,
        session_id: Some(session.session_id),
    })
}

fn authenticate_app(req: &ApiRequest, value: &str, now_ms: i64) -> ApiResult<Caller> {
    let params = parse_app_authorization(value).ok_or_else(|| {
        ApiError::unauthorized(
            "Malformed app Authorization: expected \
             'HMAC-SHA256 AppId=<id>,SignedHeaders=<h1;h2>,Signature=<hex>'.",
        )
    })?;
    if params.app_id != seed::APP_ID {
        return Err(ApiError::unauthorized("Unknown AppId."));
    }
    let signed: Vec<String> = params
        .signed_headers
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if !signed.iter().any(|h| h == "x-date") || !signed.iter().any(|h| h == "x-user-id") {
        return Err(ApiError::unauthorized(
            "SignedHeaders must include x-date and x-user-id.",
        ));
    }

    let user_id = req
        .header("x-user-id")
        .ok_or_else(|| ApiError::unauthorized("App authentication needs the X-User-Id header."))?;
    let user = seed::user(user_id.trim())
        .ok_or_else(|| ApiError::unauthorized("X-User-Id names no user of this tenant."))?;
    let x_date = req
        .header("x-date")
        .ok_or_else(|| ApiError::unauthorized("App authentication needs the X-Date header."))?;
    let signed_at = crate::time::parse_basic_iso(x_date.trim()).ok_or_else(|| {
        ApiError::unauthorized("X-Date must be UTC in the form YYYYMMDDTHHMMSSZ.")
    })?;
    if signed_at > now_ms + X_DATE_MAX_AHEAD_MS {
        return Err(ApiError::unauthorized(
            "X-Date is in the future; check the client clock.",
        ));
    }
    if now_ms - signed_at > X_DATE_MAX_AGE_MS {
        return Err(ApiError::unauthorized(
            "X-Date is more than 15 minutes old; sign the request again.",
        ));
    }

    let mut canonical_headers = String::new();
    for name in &signed {
        let value = req.header(name).ok_or_else(|| {
            ApiError::unauthorized(format!("Signed header {name} is missing from the request."))
        })?;
        canonical_headers.push_str(&format!("{name}:{}\n", value.trim()));
    }
    let canonical = canonical_request(
        req.method.as_str(),
        &req.raw_path,
        req.raw_query.as_deref().unwrap_or(""),
        &canonical_headers,
        &signed.join(";"),
        &req.body,
    );
    let string_to_sign = format!(
        "HMAC-SHA256\n{}",
        db::hex(&Sha256::digest(canonical.as_bytes()))
    );
    let provided = decode_hex(params.signature)
        .ok_or_else(|| ApiError::unauthorized("Signature must be 64 lower-case hex digits."))?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(seed::APP_SECRET.as_bytes()).map_err(ApiError::internal)?;
    mac.update(string_to_sign.as_bytes());
    // verify_slice compares in constant time.
    mac.verify_slice(&provided).map_err(|_| {
        ApiError::unauthorized("Signature mismatch: check the canonical request and the AppSecret.")
    })?;
    Ok(Caller {
        user,
        session_id: None,
    })
}

struct AppAuthorization<'a> {
    app_id: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
}

fn parse_app_authorization(value: &str) -> Option<AppAuthorization<'_>> {
    let rest = value.strip_prefix("HMAC-SHA256 ")?;
    let (mut app_id, mut signed_headers, mut signature) = (None, None, None);
    for item in rest.split(',') {
        let (key, val) = item.trim().split_once('=')?;
        match key.trim() {
            "AppId" => app_id = Some(val.trim()),
            "SignedHeaders" => signed_headers = Some(val.trim()),
            "Signature" => signature = Some(val.trim()),
            _ => {}
        }
    }
    Some(AppAuthorization {
        app_id: app_id?,
        signed_headers: signed_headers?,
        signature: signature?,
    })
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 || !text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    (0..32)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
        .collect()
}

/// Decodes `%XY` escapes; malformed escapes stay as they are.
pub(crate) fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// Percent-encodes everything but `A-Za-z0-9-_.~`, with upper-case hex.
pub(crate) fn encode_unreserved(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The canonical URI: each segment decoded then re-encoded, with a trailing `/`.
pub(crate) fn canonical_uri(raw_path: &str) -> String {
    let mut uri = raw_path
        .split('/')
        .map(|segment| encode_unreserved(&percent_decode(segment)))
        .collect::<Vec<_>>()
        .join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The canonical query: pairs decoded, re-encoded, sorted by name then value.
pub(crate) fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                encode_unreserved(&percent_decode(name)),
                encode_unreserved(&percent_decode(value)),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The whole canonical request of the agreed signing scheme.
pub(crate) fn canonical_request(
    method: &str,
    raw_path: &str,
    raw_query: &str,
    canonical_headers: &str,
    signed_headers: &str,
    body: &[u8],
) -> String {
    format!(
        "{method}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        canonical_uri(raw_path),
        canonical_query(raw_query),
        db::hex(&Sha256::digest(body))
    )
}

/// Header lookup that tolerates non-UTF-8 values by ignoring them.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(
            canonical_uri("/koodrive/ose/v1/files/0"),
            "/koodrive/ose/v1/files/0/"
        );
        assert_eq!(canonical_uri("/a%2fb/c d/"), "/a%2Fb/c%20d/");
        assert_eq!(canonical_query(""), "");
        assert_eq!(canonical_query("b=2&a=1&F=x&a"), "F=x&a=&a=1&b=2");
        assert_eq!(canonical_query("k=%e4%b8%ad"), "k=%E4%B8%AD");
        assert_eq!(percent_decode("%4"), b"%4");
    }

    /// Replays the shared signing vectors (`tests/vectors/auth/app_signature.json`), so the
    /// emulator and every client agree on the canonical form.
    #[test]
    fn shared_signature_vectors() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../vectors/auth/app_signature.json"
        );
        let text = std::fs::read_to_string(path).expect("shared vectors are present");
        let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
        let cases = vectors["cases"].as_array().unwrap();
        assert!(!cases.is_empty());
        for case in cases {
            let field = |k: &str| case[k].as_str().unwrap();
            let headers = format!(
                "host:{}\nx-date:{}\nx-user-id:{}\n",
                field("host"),
                field("xDate"),
                field("userId")
            );
            let canonical = canonical_request(
                field("method"),
                field("path"),
                field("query"),
                &headers,
                "host;x-date;x-user-id",
                field("body").as_bytes(),
            );
            assert_eq!(canonical, field("canonicalRequest"), "{}", field("name"));
            let to_sign = format!(
                "HMAC-SHA256\n{}",
                db::hex(&Sha256::digest(canonical.as_bytes()))
            );
            assert_eq!(to_sign, field("stringToSign"), "{}", field("name"));
            let mut mac = Hmac::<Sha256>::new_from_slice(field("appSecret").as_bytes()).unwrap();
            mac.update(to_sign.as_bytes());
            assert_eq!(
                db::hex(&mac.finalize().into_bytes()),
                field("signature"),
                "{}",
                field("name")
            );
        }
    }

    #[test]
    fn token_prefixes() {
        assert_eq!(bare_token("Bearer abc"), "abc");
        assert_eq!(bare_token("Bearer+abc"), "abc");
        assert_eq!(bare_token("abc"), "abc");
    }
}
