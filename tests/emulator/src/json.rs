//! Lenient reading of request bodies: numbers may come as strings, empty strings mean unset.

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

/// Parses a request body as a JSON object; an empty body is an empty object.
pub(crate) fn parse_object(body: &[u8]) -> ApiResult<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(ApiError::params("(the body must be a JSON object)")),
        Err(_) => Err(ApiError::params("(the body is not valid JSON)")),
    }
}

fn field<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v.get(key) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(other) => Some(other),
    }
}

/// An optional string; numbers are accepted and turned into their decimal text.
pub(crate) fn opt_str(v: &Value, key: &str) -> ApiResult<Option<String>> {
    match field(v, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(_) => Err(ApiError::params(format!("({key} must be a string)"))),
    }
}

/// A required, non-empty string.
pub(crate) fn req_str(v: &Value, key: &str) -> ApiResult<String> {
    opt_str(v, key)?.ok_or_else(|| ApiError::params(format!("({key} is required)")))
}

/// An optional integer, given as a JSON number or a numeric string.
pub(crate) fn opt_int(v: &Value, key: &str) -> ApiResult<Option<i64>> {
    let bad = || ApiError::params(format!("({key} must be an integer)"));
    match field(v, key) {
        None => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

/// An optional boolean, given as a JSON boolean or `"true"`/`"false"`.
pub(crate) fn opt_bool(v: &Value, key: &str) -> ApiResult<Option<bool>> {
    match field(v, key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) => parse_bool(s)
            .map(Some)
            .ok_or_else(|| ApiError::params(format!("({key} must be true or false)"))),
        Some(_) => Err(ApiError::params(format!("({key} must be true or false)"))),
    }
}

/// Parses `true`/`false` (any case).
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// A list of strings; a single string counts as a one-element list, empty entries are dropped.
pub(crate) fn str_list(v: &Value, key: &str) -> ApiResult<Vec<String>> {
    match field(v, key) {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .filter(|item| !matches!(item, Value::Null) && item.as_str() != Some(""))
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(ApiError::params(format!("({key} must hold strings)"))),
            })
            .collect(),
        Some(_) => Err(ApiError::params(format!(
            "({key} must be an array of strings)"
        ))),
    }
}

/// An optional nested object (absent or empty string ⇒ empty object).
pub(crate) fn opt_object(v: &Value, key: &str) -> ApiResult<Value> {
    match field(v, key) {
        None => Ok(Value::Object(Map::new())),
        Some(o @ Value::Object(_)) => Ok(o.clone()),
        Some(_) => Err(ApiError::params(format!("({key} must be an object)"))),
    }
}

/// Adds `"code": 0, "msg": "success"` to a response object.
pub(crate) fn success(mut v: Value) -> Value {
    if let Value::Object(map) = &mut v {
        map.insert("code".into(), Value::from(0));
        map.insert("msg".into(), Value::from("success"));
    }
    v
}
