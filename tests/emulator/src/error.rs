//! The `code`/`msg` error envelope and the documented KooDrive error codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Parameter validation failed (missing field, bad range, bad format).
pub(crate) const VERIFY_PARAMS: u32 = 13000102;
/// The space does not exist.
pub(crate) const SPACE_NOT_FOUND: u32 = 13000301;
/// The file exists but belongs to another space.
pub(crate) const FILE_NOT_IN_SPACE: u32 = 13000302;
/// The target directory is not a usable folder.
pub(crate) const TARGET_DIR_ABNORMAL: u32 = 13000304;
/// The target directory is in the recycle bin.
pub(crate) const TARGET_DIR_RECYCLED: u32 = 13000305;
/// The file is in the recycle bin.
pub(crate) const FILE_RECYCLED: u32 = 13000306;
/// The file (or other resource) does not exist.
pub(crate) const NOT_FOUND: u32 = 13000309;
/// Folder depth limit exceeded.
pub(crate) const MAX_LEVELS: u32 = 13000310;
/// Not enough quota left in the space.
pub(crate) const INSUFFICIENT_SPACE: u32 = 13000311;
/// Unknown upload task.
pub(crate) const UPLOAD_NOT_FOUND: u32 = 13000401;
/// The upload failed its integrity check.
pub(crate) const UPLOAD_INCOMPLETE: u32 = 13000402;
/// The parent folder of an upload is in the recycle bin.
pub(crate) const PARENT_RECYCLED: u32 = 13000404;
/// A sibling already has this name.
pub(crate) const DUPLICATE_NAME: u32 = 13000405;
/// The operation needs a file but got a folder.
pub(crate) const FOLDER_NOT_ALLOWED: u32 = 13000406;
/// The caller has no permission on the space.
pub(crate) const NO_PERMISSION: u32 = 13000410;
/// Unsupported search type.
pub(crate) const UNSUPPORTED_SEARCH_TYPE: u32 = 13000413;
/// Blank search type.
pub(crate) const BLANK_SEARCH_TYPE: u32 = 13000414;
/// The space does not belong to the given team.
pub(crate) const SPACE_TEAM_MISMATCH: u32 = 13000415;
/// File name longer than 250 characters.
pub(crate) const NAME_TOO_LONG: u32 = 13000417;
/// File name with illegal characters, or `.`, `..` or empty.
pub(crate) const NAME_ILLEGAL: u32 = 13000419;

/// The English `msg` of a documented code. Codes whose English text the docs did not capture get
/// a message written for the emulator.
pub(crate) fn message(code: u32) -> &'static str {
    match code {
        VERIFY_PARAMS => "Verify parameters failed.",
        SPACE_NOT_FOUND => "Space not found.",
        FILE_NOT_IN_SPACE => "File is not in the specified space.",
        TARGET_DIR_ABNORMAL => "Target directory is abnormal.",
        TARGET_DIR_RECYCLED => "Target directory is in the recycle bin.",
        FILE_RECYCLED => "File is in the recycle bin.",
        NOT_FOUND => "Resource not found.",
        MAX_LEVELS => "Max. levels exceeded.",
        INSUFFICIENT_SPACE => "Insufficient space.",
        UPLOAD_NOT_FOUND => "Upload task not found.",
        UPLOAD_INCOMPLETE => "File upload incomplete.",
        PARENT_RECYCLED => "Parent directory is in the recycle bin.",
        DUPLICATE_NAME => "Duplicate file name.",
        FOLDER_NOT_ALLOWED => "This operation cannot be performed on the folder.",
        NO_PERMISSION => "The current user has no permission to operate on this space.",
        BLANK_SEARCH_TYPE => "Search type cannot be blank.",
        SPACE_TEAM_MISMATCH => "Space does not match the team.",
        NAME_TOO_LONG => "File name: Max. 250 characters.",
        NAME_ILLEGAL => {
            "The fileName can not contain '<>|:\"*?/\\', cannot be '.' or '..', and cannot be empty."
        }
        _ => "inner server invoke failure",
    }
}

/// A failed request: HTTP status plus the `code`/`msg` body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: u32,
    pub(crate) msg: String,
}

impl ApiError {
    /// A documented business error (HTTP 400) with its standard message.
    pub(crate) fn business(code: u32) -> Self {
        Self::business_msg(code, message(code))
    }

    /// A business error (HTTP 400) with a specific message.
    pub(crate) fn business_msg(code: u32, msg: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            msg: msg.into(),
        }
    }

    /// Parameter validation failed; `why` names the offending field for humans.
    pub(crate) fn params(why: impl std::fmt::Display) -> Self {
        Self::business_msg(VERIFY_PARAMS, format!("{} {why}", message(VERIFY_PARAMS)))
    }

    /// An authentication failure (HTTP 401).
    pub(crate) fn unauthorized(msg: impl Into<String>) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            code: 401,
            msg: msg.into(),
        }
    }

    /// A presigned URL that is expired or forged (HTTP 403).
    pub(crate) fn forbidden(msg: impl Into<String>) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            code: 403,
            msg: msg.into(),
        }
    }

    /// An unknown route (HTTP 404).
    pub(crate) fn route_not_found() -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            code: 404,
            msg: "No such API.".into(),
        }
    }

    /// The documented server failure (HTTP 500, 13000201), without logging an error (used for
    /// injected faults).
    pub(crate) fn injected_failure() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: 13000201,
            msg: message(13000201).into(),
        }
    }

    /// An unexpected emulator failure (HTTP 500).
    pub(crate) fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(error = %err, "internal emulator error");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: 13000201,
            msg: message(13000201).into(),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        Self::internal(err)
    }
}

impl From<std::io::Error> for ApiError {
    fn from(err: std::io::Error) -> Self {
        Self::internal(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(json!({ "code": self.code, "msg": self.msg })),
        )
            .into_response()
    }
}

/// The result type of every handler.
pub(crate) type ApiResult<T> = Result<T, ApiError>;
