//! The SDK's own HTTP model, independent of any HTTP client library.
//!
//! The core only ever produces [`HttpRequest`]s and consumes [`HttpResponse`]s; a
//! [`Transport`](crate::Transport) moves them over the network.

use std::fmt;

/// An HTTP method used by the KooDrive API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `HEAD`
    Head,
}

impl Method {
    /// The method as it appears on the request line.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Header names whose values must never be logged or printed.
const SENSITIVE_HEADERS: [&str; 3] = ["authorization", "x-session-id", "cookie"];

/// An ordered list of header fields. Names compare case-insensitively.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// An empty header list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value`, replacing any earlier value of the same name.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.0.push((name, value.into()));
    }

    /// The first value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Iterates over `(name, value)` pairs in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Whether the list holds no header.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Headers {
    /// Prints every header, with the values of credential-bearing ones redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in &self.0 {
            if SENSITIVE_HEADERS
                .iter()
                .any(|s| name.eq_ignore_ascii_case(s))
            {
                map.entry(name, &"[redacted]");
            } else {
                map.entry(name, value);
            }
        }
        map.finish()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        let mut headers = Headers::new();
        for (n, v) in iter {
            headers.0.push((n.into(), v.into()));
        }
        headers
    }
}

/// A request ready to be sent: an absolute URL, headers and an optional body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The request method.
    pub method: Method,
    /// The absolute URL, query included.
    pub url: String,
    /// Header fields; `Host` and `Content-Length` are left to the transport.
    pub headers: Headers,
    /// The body bytes; empty for requests without a body.
    pub body: Vec<u8>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Presigned URLs carry signatures in the query, so only the path is shown.
        let shown = self.url.split('?').next().unwrap_or_default();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &shown)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A response as received: status, headers and the whole body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Header fields.
    pub headers: Headers,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with the given status and body and no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: Headers::new(),
            body: body.into(),
        }
    }

    /// Whether the status is in the 2xx range.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Characters kept as they are by [`percent_encode`]: RFC 3986's unreserved set.
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// Percent-encodes every byte outside `A-Z a-z 0-9 - _ . ~`, with upper-case hex.
///
/// This is the encoding KooDrive's App signature prescribes, and the one the client
/// uses for path segments and query values so that what is signed is what is sent.
pub fn percent_encode(input: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(input.len());
    for &b in input.as_bytes() {
        if is_unreserved(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
    out
}

/// Decodes `%XY` escapes; malformed escapes are kept literally. Invalid UTF-8 is
/// replaced, which cannot happen for anything [`percent_encode`] produced.
pub fn percent_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_and_keeps_unreserved() {
        let raw = "a b/c+d~e_f.g-h中";
        let enc = percent_encode(raw);
        assert_eq!(enc, "a%20b%2Fc%2Bd~e_f.g-h%E4%B8%AD");
        assert_eq!(percent_decode(&enc), raw);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn debug_redacts_credentials_and_query() {
        let mut headers = Headers::new();
        headers.set("Authorization", "Bearer sekrit");
        headers.set("x-session-id", "sess-sekrit");
        headers.set("language", "en-US");
        let req = HttpRequest {
            method: Method::Get,
            url: "https://h/p?X-Amz-Signature=sig-sekrit".into(),
            headers,
            body: vec![],
        };
        let shown = format!("{req:?}");
        assert!(!shown.contains("sekrit"), "{shown}");
        assert!(shown.contains("en-US"));
    }

    #[test]
    fn headers_replace_case_insensitively() {
        let mut h = Headers::new();
        h.set("X-Date", "1");
        h.set("x-date", "2");
        assert_eq!(h.get("X-DATE"), Some("2"));
        assert_eq!(h.iter().count(), 1);
    }
}
