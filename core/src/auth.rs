//! Credentials and App authentication (HMAC-SHA256 request signing).
//!
//! The signing follows the reference (files.md §0.4). Where the reference leaves a
//! detail open, the SDK makes the choice below, which the emulator and the shared test
//! vectors (`tests/vectors/auth/`) pin down:
//! - the body hash is the lower-case hex SHA-256 of the body bytes (empty body: the hash
//!   of the empty string), as in Huawei's other signing schemes;
//! - the signed headers are `host;x-date;x-user-id`, the documented example;
//! - path segments and query pairs are decoded, then re-encoded with only
//!   `A-Za-z0-9-_.~` left as they are, and the query is sorted by name, then value.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::http::{percent_decode, percent_encode};
use crate::secret::Secret;

/// The header names KooDrive's App signature covers, in canonical order.
pub const SIGNED_HEADERS: &str = "host;x-date;x-user-id";

/// The signature algorithm name, first token of the `Authorization` value.
pub const ALGORITHM: &str = "HMAC-SHA256";

/// Credentials of an application registered with KooDrive, acting as a user.
#[derive(Clone)]
pub struct AppCredentials {
    /// The App id (64 hex characters in the documented example).
    pub app_id: String,
    /// The App secret, the HMAC key.
    pub app_secret: Secret,
    /// The KooDrive user the App acts as (`X-User-Id`).
    pub user_id: String,
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_id", &self.app_id)
            .field("app_secret", &self.app_secret)
            .field("user_id", &self.user_id)
            .finish()
    }
}

/// What is signed, taken from the request as it will go on the wire.
#[derive(Debug, Clone, Copy)]
pub struct SigningInput<'a> {
    /// Upper-case method.
    pub method: &'a str,
    /// The path as sent (percent-encoded).
    pub path: &'a str,
    /// The query as sent, without `?`; empty when there is none.
    pub query: &'a str,
    /// The `Host` value as sent: host name, plus `:port` when the URL has a port.
    pub host: &'a str,
    /// The `X-Date` value.
    pub x_date: &'a str,
    /// The `X-User-Id` value.
    pub user_id: &'a str,
    /// The body bytes.
    pub body: &'a [u8],
}

/// The canonical URI: each segment re-encoded, with a trailing `/`.
pub fn canonical_uri(path: &str) -> String {
    let mut out = path
        .split('/')
        .map(|segment| percent_encode(&percent_decode(segment)))
        .collect::<Vec<_>>()
        .join("/");
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The canonical query string: pairs re-encoded, sorted by name then value.
pub fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_encode(&percent_decode(name)),
                percent_encode(&percent_decode(value)),
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

/// The canonical request, the first step of the signature.
pub fn canonical_request(input: &SigningInput<'_>) -> String {
    format!(
        "{}\n{}\n{}\nhost:{}\nx-date:{}\nx-user-id:{}\n\n{}\n{}",
        input.method.to_ascii_uppercase(),
        canonical_uri(input.path),
        canonical_query(input.query),
        input.host.trim(),
        input.x_date.trim(),
        input.user_id.trim(),
        SIGNED_HEADERS,
        hex(&Sha256::digest(input.body)),
    )
}

/// The string to sign: the algorithm and the hash of the canonical request.
pub fn string_to_sign(canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}",
        hex(&Sha256::digest(canonical_request.as_bytes()))
    )
}

/// The hex HMAC-SHA256 signature of `string_to_sign` under `secret`.
pub fn signature(secret: &Secret, string_to_sign: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    hex(&mac.finalize().into_bytes())
}

/// The `Authorization` value for a request signed with `credentials`.
pub fn authorization(credentials: &AppCredentials, input: &SigningInput<'_>) -> Secret {
    let sig = signature(
        &credentials.app_secret,
        &string_to_sign(&canonical_request(input)),
    );
    Secret::new(format!(
        "{ALGORITHM} AppId={},SignedHeaders={SIGNED_HEADERS},Signature={sig}",
        credentials.app_id
    ))
}

/// Formats Unix seconds as an `X-Date` value, `YYYYMMDDTHHMMSSZ` in UTC.
pub fn format_x_date(unix_seconds: u64) -> String {
    let (y, mo, d, h, mi, s) = utc_fields(unix_seconds);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

/// Formats Unix milliseconds as RFC 3339 UTC with milliseconds (`2024-06-03T02:20:24.274Z`).
pub fn format_rfc3339_millis(unix_millis: u64) -> String {
    let (y, mo, d, h, mi, s) = utc_fields(unix_millis / 1000);
    format!(
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
        unix_millis % 1000
    )
}

/// Year, month, day, hour, minute and second of a Unix time, in UTC.
fn utc_fields(unix_seconds: u64) -> (i64, u32, u32, u64, u64, u64) {
    let (y, m, d) = civil_from_days((unix_seconds / 86_400) as i64);
    let secs = unix_seconds % 86_400;
    (y, m, d, secs / 3600, (secs % 3600) / 60, secs % 60)
}

/// Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_date_formats() {
        assert_eq!(format_x_date(0), "19700101T000000Z");
        assert_eq!(format_x_date(1_709_164_800), "20240229T000000Z");
        assert_eq!(format_x_date(1_725_852_805), "20240909T033325Z");
        assert_eq!(
            format_rfc3339_millis(1_717_381_224_274),
            "2024-06-03T02:20:24.274Z"
        );
    }

    #[test]
    fn canonical_parts() {
        assert_eq!(
            canonical_uri("/koodrive/ose/v1/files/path"),
            "/koodrive/ose/v1/files/path/"
        );
        assert_eq!(canonical_uri("/a/"), "/a/");
        assert_eq!(canonical_uri("/a/%e4%b8%ad x"), "/a/%E4%B8%AD%20x/");
        assert_eq!(canonical_query("b=2&a=&F=1&a=1"), "F=1&a=&a=1&b=2");
        assert_eq!(canonical_query(""), "");
    }

    #[test]
    fn debug_hides_the_app_secret() {
        let creds = AppCredentials {
            app_id: "app".into(),
            app_secret: Secret::new("very-secret"),
            user_id: "1".into(),
        };
        assert!(!format!("{creds:?}").contains("very-secret"));
    }
}
