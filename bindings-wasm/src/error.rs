//! Errors as JavaScript `Error` objects named `KooDriveError`.

use js_sys::Reflect;
use koodrive_core::{Error, ErrorKind};
use wasm_bindgen::JsValue;

/// Builds the `KooDriveError` a promise rejects with: a real `Error` (with a stack)
/// whose message says what went wrong and what to do, plus the details as properties.
pub(crate) fn to_js(err: Error) -> JsValue {
    let js = js_sys::Error::new(&err.to_string());
    js.set_name("KooDriveError");

    let code = match err.code() {
        Some(code) => match code.number() {
            // Documented codes have eight digits, far inside a double's exact range.
            Some(n) => JsValue::from_f64(n as f64),
            None => JsValue::from_str(&code.to_string()),
        },
        None => JsValue::UNDEFINED,
    };
    set(&js, "kind", JsValue::from_str(kind_name(err.kind())));
    set(&js, "code", code);
    set(&js, "status", optional(err.status().map(f64::from)));
    set(&js, "traceId", optional(err.trace_id()));
    set(&js, "retryable", JsValue::from_bool(err.is_retryable()));
    set(&js, "operation", optional(err.operation()));
    set(&js, "serverMessage", optional(err.server_message()));
    js.into()
}

/// A `KooDriveError` of kind `InvalidInput` for a bad argument from JavaScript.
pub(crate) fn invalid_input(detail: impl Into<String>) -> JsValue {
    to_js(Error::new(ErrorKind::InvalidInput, detail))
}

/// The name of a kind, as the `kind` property and the uniffi bindings' variants
/// spell it.
fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidInput => "InvalidInput",
        ErrorKind::Config => "Config",
        ErrorKind::NotLoggedIn => "NotLoggedIn",
        ErrorKind::SessionExpired => "SessionExpired",
        ErrorKind::Unauthorized => "Unauthorized",
        ErrorKind::Api => "Api",
        ErrorKind::Server => "Server",
        ErrorKind::Transport => "Transport",
        ErrorKind::Timeout => "Timeout",
        ErrorKind::Decode => "Decode",
        ErrorKind::Cancelled => "Cancelled",
        ErrorKind::Io => "Io",
        ErrorKind::Integrity => "Integrity",
        // A class added to the core later and not yet named here.
        _ => "Api",
    }
}

fn optional<T: Into<JsValue>>(value: Option<T>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, Into::into)
}

fn set(target: &js_sys::Error, key: &str, value: JsValue) {
    // Setting a property on a fresh, unfrozen Error object cannot fail.
    let _ = Reflect::set(target, &JsValue::from_str(key), &value);
}
