//! `/_emulator/...` control endpoints for tests written in other languages.

use axum::http::Method;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use super::Ctx;
use super::files;
use crate::error::{ApiError, ApiResult};
use crate::faults::FaultConfig;
use crate::json::{req_str, str_list};

/// Routes `/_emulator/<rest>`.
pub(crate) fn dispatch(ctx: &Ctx<'_>, rest: &[&str]) -> ApiResult<Value> {
    match (rest, &ctx.req.method) {
        (["health"], &Method::GET) => Ok(json!({ "ok": true })),
        (["requests"], &Method::GET) => {
            Ok(json!({ "count": ctx.app.requests.load(std::sync::atomic::Ordering::SeqCst) }))
        }
        (["clock", "advance"], &Method::POST) => {
            let body = ctx.req.json()?;
            let seconds = match body.get("seconds") {
                Some(Value::Number(n)) => n.as_f64(),
                Some(Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            }
            .filter(|s| s.is_finite() && *s >= 0.0)
            .ok_or_else(|| ApiError::params("(seconds must be a non-negative number)"))?;
            ctx.app.clock.advance_ms((seconds * 1000.0) as i64);
            Ok(json!({ "ok": true }))
        }
        (["faults"], &Method::POST) => {
            let config: FaultConfig = serde_json::from_value(ctx.req.json()?)
                .map_err(|e| ApiError::params(format!("(not a fault configuration: {e})")))?;
            if !config.rates_are_valid() {
                return Err(ApiError::params("(every rate must be within [0, 1])"));
            }
            ctx.app.faults.set(config.clone());
            Ok(json!({ "ok": true, "faults": config }))
        }
        (["faults"], &Method::GET) => Ok(json!(ctx.app.faults.current())),
        (["faults", "stats"], &Method::GET) => Ok(json!(ctx.app.faults.stats())),
        (["files"], &Method::POST) => {
            let body = ctx.req.json()?;
            let container_id = req_str(&body, "containerId")?;
            let parent = str_list(&body, "parentFolder")?.into_iter().next();
            let name = req_str(&body, "fileName")?;
            let content = match body.get("contentBase64").and_then(Value::as_str) {
                Some(b64) => STANDARD
                    .decode(b64)
                    .map_err(|_| ApiError::params("(contentBase64 is not valid base64)"))?,
                None => Vec::new(),
            };
            let parent = parent.unwrap_or_else(|| "root".into());
            let id = files::seed_file(ctx.app, ctx.conn, &container_id, &parent, &name, &content)?;
            Ok(json!({ "fileId": id }))
        }
        (["files", file_id, "recycle"], &Method::POST) => {
            files::recycle(ctx.app, ctx.conn, file_id)?;
            Ok(json!({ "ok": true }))
        }
        _ => Err(ApiError::route_not_found()),
    }
}
