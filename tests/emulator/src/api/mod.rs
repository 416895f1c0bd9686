//! Routing of API and control requests to their handlers.

pub(crate) mod control;
pub(crate) mod favorites;
pub(crate) mod files;
pub(crate) mod listing;
pub(crate) mod messages;
pub(crate) mod session;
pub(crate) mod spaces;
pub(crate) mod upload;

use axum::http::Method;
use serde_json::Value;

use crate::auth::{AuthMode, Caller, authenticate};
use crate::error::{ApiError, ApiResult};
use crate::server::{ApiRequest, App};

/// Everything a handler needs: the locked database, the app state, the request and the time.
pub(crate) struct Ctx<'a> {
    pub(crate) app: &'a App,
    pub(crate) conn: &'a rusqlite::Connection,
    pub(crate) req: &'a ApiRequest,
    pub(crate) now_ms: i64,
}

impl Ctx<'_> {
    /// Authenticates the caller with the given scheme(s).
    pub(crate) fn caller(&self, mode: AuthMode) -> ApiResult<Caller> {
        authenticate(self.conn, self.req, mode, self.now_ms)
    }
}

/// Routes a buffered request. Literal routes are matched before the `{type}` and
/// `{groupId}/{type}` list routes, which only take `0` or `1` as `{type}`.
pub(crate) fn dispatch(app: &App, req: &ApiRequest) -> ApiResult<Value> {
    let conn = app.db();
    let ctx = Ctx {
        app,
        conn: &conn,
        req,
        now_ms: app.clock.now_ms(),
    };
    let segments = req.segments();
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let m = &req.method;
    let is_list_type = |t: &str| t == "0" || t == "1";

    match (segs.as_slice(), m) {
        (["_emulator", rest @ ..], _) => control::dispatch(&ctx, rest),

        (["koodrive", "ose", "v1", "session"], &Method::POST) => session::create_session(&ctx),
        (["koodrive", "ose", "v1", "session", "refresh"], &Method::POST) => {
            session::refresh_session(&ctx)
        }
        (["koodrive", "ose", "v1", "session", "logoff"], &Method::GET) => session::logout(&ctx),
        (["koodrive", "ose", "v1", "session", "auth"], &Method::GET) => session::auth_session(&ctx),
        (["koodrive", "ose", "v1", "session", "authCodeURL"], &Method::GET) => {
            session::get_auth_code_url(&ctx)
        }

        (["koodrive", "ose", "v1", "directory"], &Method::POST) => files::create_directory(&ctx),
        (["koodrive", "ose", "v1", "files", "search"], &Method::POST) => listing::search(&ctx),
        (["koodrive", "ose", "v1", "files", "recycle"], &Method::POST) => {
            files::empty_recycle_bin(&ctx)
        }
        (["koodrive", "ose", "v1", "files", "path"], &Method::GET) => files::get_full_path(&ctx),
        (["koodrive", "ose", "v1", "files", "statsDir"], &Method::GET | &Method::POST) => {
            files::stats_dir(&ctx)
        }
        (["koodrive", "ose", "v1", "files", "create"], &Method::POST) => {
            upload::create_file_metadata(&ctx)
        }
        (["koodrive", "ose", "v1", "files", "complete"], &Method::POST) => {
            upload::complete_upload(&ctx)
        }
        (["koodrive", "ose", "v1", "files", "download"], &Method::POST) => {
            upload::get_download_urls(&ctx)
        }
        (["koodrive", "ose", "v1", "files", "multipart", "uploadUrl"], &Method::POST) => {
            upload::get_upload_urls(&ctx)
        }
        (["koodrive", "ose", "v1", "files", "rename", file_id], &Method::POST) => {
            files::rename_file(&ctx, file_id)
        }
        (["koodrive", "ose", "v1", "files", file_id, "detail"], &Method::POST) => {
            files::get_file(&ctx, file_id)
        }
        (["koodrive", "ose", "v1", "files", t], &Method::POST) if is_list_type(t) => {
            listing::list_personal_files(&ctx, t)
        }
        (["koodrive", "ose", "v1", "files", group_id, t], &Method::POST) if is_list_type(t) => {
            listing::list_team_files(&ctx, group_id, t)
        }

        (["koodrive", "ose", "v1", "star", "files"], &Method::GET) => {
            favorites::list_favorites(&ctx)
        }
        (["koodrive", "ose", "v1", "star", "batch"], &Method::POST) => {
            favorites::batch_favorite(&ctx)
        }

        (["koodrive", "ose", "v1", "message", "unreadCount"], &Method::GET) => {
            messages::unread_count(&ctx)
        }
        (["koodrive", "ose", "v1", "message", "list"], &Method::GET) => {
            messages::list_messages(&ctx)
        }
        (["koodrive", "ose", "v1", "message", "batchRead"], &Method::POST) => {
            messages::batch_read(&ctx)
        }
        (["koodrive", "ose", "v1", "message", "batchDelete"], &Method::DELETE) => {
            messages::batch_delete(&ctx)
        }
        (["koodrive", "ose", "v1", "message", "specific"], &Method::POST) => {
            messages::update_all(&ctx)
        }

        (["koodrive", "ose", "v1", "space", owner_id], &Method::GET) => {
            spaces::get_space(&ctx, owner_id)
        }
        (["koodrive", "ose", "v2", "space", owner_id], &Method::GET) => {
            spaces::get_spaces_v2(&ctx, owner_id)
        }

        _ => Err(ApiError::route_not_found()),
    }
}
