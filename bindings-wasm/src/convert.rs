//! Moving values across the boundary: JavaScript arguments in, plain objects out.

use koodrive_core::{Error, ErrorKind};
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::error;

/// Converts a result to a plain JavaScript value: structs and maps become plain
/// objects, `None` becomes `undefined`.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&serializer).map_err(|e| {
        error::to_js(Error::new(
            ErrorKind::Decode,
            format!("the result could not be handed to JavaScript: {e}"),
        ))
    })
}

/// A required string argument.
pub(crate) fn string_arg(value: &JsValue, name: &str) -> Result<String, JsValue> {
    value
        .as_string()
        .ok_or_else(|| error::invalid_input(format!("{name} must be a string")))
}

/// An optional string argument: `undefined` and `null` read as absent.
pub(crate) fn opt_string_arg(value: &JsValue, name: &str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    string_arg(value, name).map(Some)
}
