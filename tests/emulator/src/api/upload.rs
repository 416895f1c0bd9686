//! Upload and download wire flow (phase 2).

use std::sync::Arc;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::server::App;

/// `POST /files/create`.
pub(crate) fn create_file_metadata(_ctx: &Ctx<'_>) -> ApiResult<Value> {
    Err(ApiError::route_not_found())
}

/// `POST /files/multipart/uploadUrl`.
pub(crate) fn get_upload_urls(_ctx: &Ctx<'_>) -> ApiResult<Value> {
    Err(ApiError::route_not_found())
}

/// `POST /files/complete`.
pub(crate) fn complete_upload(_ctx: &Ctx<'_>) -> ApiResult<Value> {
    Err(ApiError::route_not_found())
}

/// `POST /files/download`.
pub(crate) fn get_download_urls(_ctx: &Ctx<'_>) -> ApiResult<Value> {
    Err(ApiError::route_not_found())
}

/// `PUT /_emulator/upload/{uploadId}/{partNumber}`.
pub(crate) async fn put_part(_app: &Arc<App>, _request: Request) -> Response {
    ApiError::route_not_found().into_response()
}

/// `GET /_emulator/download/{fileId}`.
pub(crate) async fn download(_app: &Arc<App>, _request: Request) -> Response {
    ApiError::route_not_found().into_response()
}
