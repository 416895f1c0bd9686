//! Reading KooDrive's JSON leniently: the envelope, and values whose JSON type drifts.
//!
//! The reference shows `code` as a number on some pages and a string on others, ids
//! and counters sometimes quoted and sometimes not, and empty strings for "unset". The
//! helpers here accept every such form, so a real server's variations never break
//! parsing.

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, ErrorCode, ErrorKind, Result};

/// A response without a payload beyond `code` and `msg`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Empty {}

/// `{"data": T}`: the payload wrapper some operations use.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Data<T> {
    pub(crate) data: T,
}

// API-gateway errors carry `error_code`/`error_msg` instead of `code`/`msg`.
#[derive(Deserialize)]
struct Head {
    #[serde(default, alias = "error_code")]
    code: Option<Value>,
    #[serde(default, alias = "message", alias = "error_msg")]
    msg: Option<Value>,
}

/// Checks status and `code`, then parses the payload as `T`.
pub(crate) fn parse_response<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T> {
    check_envelope(status, body)?;
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}" as &[u8]
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        Error::new(
            ErrorKind::Decode,
            format!("the response did not have the documented shape: {e}"),
        )
        .with_source(e)
    })
}

/// Checks a response's status and envelope: `Ok` for a 2xx status with a `code` that
/// is absent, `0` or `"0"`; otherwise the [`Error`] the response describes.
pub fn check_envelope(status: u16, body: &[u8]) -> Result<()> {
    let head: Option<Head> = serde_json::from_slice(body).ok();
    let (code, msg) = match head {
        Some(h) => (h.code, h.msg.map(|m| value_to_string(&m))),
        None => (None, None),
    };
    let code = code.and_then(|c| parse_code(&c));
    let ok_status = (200..300).contains(&status);
    match code {
        Some(ParsedCode::Ok) | None if ok_status => Ok(()),
        Some(ParsedCode::Ok) | None => {
            let snippet = msg.or_else(|| text_snippet(body));
            Err(Error::http(status, snippet))
        }
        Some(ParsedCode::Err(code)) => {
            // A server that sends an error code with 200 still failed.
            Err(Error::api(status, code, msg))
        }
    }
}

enum ParsedCode {
    Ok,
    Err(ErrorCode),
}

fn parse_code(value: &Value) -> Option<ParsedCode> {
    let number = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) if s.trim().is_empty() => return None,
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => return Some(ParsedCode::Err(ErrorCode::Gateway(s.trim().to_owned()))),
        },
        _ => return None,
    }?;
    Some(if number == 0 {
        ParsedCode::Ok
    } else {
        ParsedCode::Err(ErrorCode::from_number(number))
    })
}

fn value_to_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The start of a non-JSON body, to show in an error.
fn text_snippet(body: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    Some(text.chars().take(200).collect())
}

/// Deserializers for fields whose JSON type varies between pages and servers.
pub(crate) mod lenient {
    use super::*;

    fn scalar_to_string(v: Value) -> Option<String> {
        match v {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A string that may arrive as a number; `""` and `null` read as `None`.
    pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(Option::<Value>::deserialize(d)?.and_then(scalar_to_string))
    }

    /// An integer that may arrive as a string; `""` and `null` read as `None`.
    pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let v = Option::<Value>::deserialize(d)?;
        match v {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("integer out of range")),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => {
                s.trim().parse::<i64>().map(Some).map_err(|_| {
                    serde::de::Error::custom(format!("expected an integer, got {s:?}"))
                })
            }
            Some(other) => Err(serde::de::Error::custom(format!(
                "expected an integer, got {other}"
            ))),
        }
    }

    /// A non-negative integer that may arrive as a string.
    pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        opt_i64(d)?
            .map(|n| u64::try_from(n).map_err(|_| serde::de::Error::custom("negative size")))
            .transpose()
    }

    /// A boolean that may arrive as `"true"`/`"false"`, `0`/`1`.
    pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(match Option::<Value>::deserialize(d)? {
            Some(Value::Bool(b)) => Some(b),
            Some(Value::String(s)) => match s.trim() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            Some(Value::Number(n)) => n.as_i64().map(|n| n != 0),
            _ => None,
        })
    }

    /// A list that may arrive as one object, `null`, or a list.
    pub(crate) fn vec_or_one<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: DeserializeOwned,
    {
        match Option::<Value>::deserialize(d)? {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| serde_json::from_value(v).map_err(serde::de::Error::custom))
                .collect(),
            Some(one) => Ok(vec![
                serde_json::from_value(one).map_err(serde::de::Error::custom)?,
            ]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Sample {
        #[serde(default, deserialize_with = "lenient::opt_u64")]
        size: Option<u64>,
        #[serde(default, deserialize_with = "lenient::opt_string")]
        dept: Option<String>,
        #[serde(default, deserialize_with = "lenient::opt_bool")]
        flag: Option<bool>,
        #[serde(default, deserialize_with = "lenient::vec_or_one")]
        items: Vec<u32>,
    }

    #[test]
    fn lenient_fields_accept_drift() {
        let s: Sample =
            serde_json::from_str(r#"{"size":"12","dept":1395,"flag":"true","items":7}"#).unwrap();
        assert_eq!(
            (s.size, s.dept.as_deref(), s.flag, s.items),
            (Some(12), Some("1395"), Some(true), vec![7])
        );
        let s: Sample = serde_json::from_str(r#"{"size":"","dept":"","items":[1,2]}"#).unwrap();
        assert_eq!(
            (s.size, s.dept, s.flag, s.items),
            (None, None, None, vec![1, 2])
        );
        assert!(serde_json::from_str::<Sample>(r#"{"size":"abc"}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"size":-1}"#).is_err());
    }

    #[test]
    fn envelope_codes() {
        assert!(check_envelope(200, br#"{"code":0,"msg":"success"}"#).is_ok());
        assert!(check_envelope(200, br#"{"code":"0"}"#).is_ok());
        assert!(check_envelope(200, b"").is_ok());
        let e = check_envelope(400, br#"{"code":"13000405","msg":"Duplicate file name."}"#)
            .unwrap_err();
        assert_eq!(e.code(), Some(&ErrorCode::DuplicateName));
        assert_eq!(e.server_message(), Some("Duplicate file name."));
        let e = check_envelope(200, br#"{"code":13000201}"#).unwrap_err();
        assert!(e.is_retryable());
        let e = check_envelope(429, br#"{"code":"APIGW.0308","msg":"throttled"}"#).unwrap_err();
        assert_eq!(e.code(), Some(&ErrorCode::Gateway("APIGW.0308".into())));
        assert_eq!(e.kind(), ErrorKind::Server);
        let e = check_envelope(502, b"<html>Bad Gateway</html>").unwrap_err();
        assert_eq!((e.kind(), e.status()), (ErrorKind::Server, Some(502)));
        let e = check_envelope(401, br#"{"code":401,"msg":"token expired"}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unauthorized);
    }

    #[test]
    fn parse_reports_decode_errors() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Needs {
            id: String,
        }
        let e = parse_response::<Needs>(200, br#"{"code":0}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
        let ok: Data<Needs> = parse_response(200, br#"{"code":0,"data":{"id":"x"}}"#).unwrap();
        assert_eq!(ok.data.id, "x");
    }
}
