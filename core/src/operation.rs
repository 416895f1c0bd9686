//! The shape every API operation shares: validate, describe the request, parse the
//! response. Operations are plain data; the [`Client`](crate::Client) runs them.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Result, ValidationError};
use crate::http::{Method, percent_encode};
use crate::platform::{MaybeSend, MaybeSync};
use crate::wire;

/// How an operation authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// No credentials (creating a session, the OrgID authorization URL).
    None,
    /// The session token only: the reference excludes App authentication.
    TokenOnly,
    /// The session token or App authentication.
    TokenOrApp,
}

/// A request as the operation describes it, before the client adds the base URL,
/// credentials and common headers.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestSpec {
    /// The method.
    pub method: Method,
    /// The resource path, percent-encoded, starting with `/koodrive/`.
    pub path: String,
    /// Query parameters, unencoded, in the order they are sent.
    pub query: Vec<(String, String)>,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// Operation-specific headers.
    pub headers: Vec<(&'static str, String)>,
}

impl RequestSpec {
    /// A request with no query, body or extra header.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            headers: Vec::new(),
        }
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    /// Adds a query parameter when `value` is present.
    pub fn query_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.query(name, v),
            None => self,
        }
    }

    /// Sets the JSON body.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// The query string as sent, without `?`.
    pub fn encoded_query(&self) -> String {
        self.query
            .iter()
            .map(|(n, v)| format!("{}={}", percent_encode(n), percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Builds a path from literal parts and ids; each id is percent-encoded as one segment.
pub(crate) fn path(parts: &[PathPart<'_>]) -> String {
    parts
        .iter()
        .map(|p| match p {
            PathPart::Lit(s) => (*s).to_owned(),
            PathPart::Id(s) => percent_encode(s),
        })
        .collect()
}

/// A piece of a resource path.
pub(crate) enum PathPart<'a> {
    /// Literal text, copied as it is.
    Lit(&'a str),
    /// An id, encoded as one path segment.
    Id(&'a str),
}

/// One documented API operation.
pub trait Operation: MaybeSend + MaybeSync {
    /// The operation id, as in the reference's operation index (`get_file`).
    const NAME: &'static str;
    /// How the operation authenticates.
    const AUTH: AuthMode = AuthMode::TokenOrApp;
    /// Whether sending the request twice has the effect of sending it once, so that
    /// it may be retried after an ambiguous failure.
    const IDEMPOTENT: bool;
    /// The parsed response.
    type Output: MaybeSend;

    /// Checks the input against the documented rules.
    fn validate(&self) -> Result<(), ValidationError>;

    /// Describes the HTTP request.
    fn request(&self) -> RequestSpec;

    /// Parses a response (any status) into the output or an error.
    fn parse(status: u16, body: &[u8]) -> Result<Self::Output>;
}

/// Parses a response whose payload lies at the top level.
pub(crate) fn parse_top<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
    wire::parse_response(status, body)
}

/// Parses a response whose payload lies under `data`.
pub(crate) fn parse_data<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
    wire::parse_response::<wire::Data<T>>(status, body).map(|d| d.data)
}

/// Serializes a body built with `serde_json::json!`, dropping `null` members so that
/// optional fields are absent rather than `null`.
pub(crate) fn body(mut value: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.retain(|_, v| !v.is_null());
        for v in map.values_mut() {
            if v.is_object() {
                *v = body(v.take());
            }
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_encode_ids_only() {
        let p = path(&[
            PathPart::Lit("/koodrive/ose/v1/files/"),
            PathPart::Id("a b/c"),
            PathPart::Lit("/detail"),
        ]);
        assert_eq!(p, "/koodrive/ose/v1/files/a%20b%2Fc/detail");
    }

    #[test]
    fn bodies_drop_nulls() {
        let b = body(serde_json::json!({"a": 1, "b": null, "c": {"d": null, "e": ""}}));
        assert_eq!(b, serde_json::json!({"a": 1, "c": {"e": ""}}));
    }

    #[test]
    fn queries_encode() {
        let spec = RequestSpec::new(Method::Get, "/x")
            .query("domain", "a b&c")
            .query_opt("n", None::<String>);
        assert_eq!(spec.encoded_query(), "domain=a%20b%26c");
    }
}
