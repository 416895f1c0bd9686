//! Session management: create, refresh, log off, check, and the OrgID login URL.

use serde_json::{Value, json};

use super::Ctx;
use crate::auth::{AuthMode, TOKEN_TTL_MS};
use crate::error::{ApiError, ApiResult};
use crate::json::{req_str, success};
use crate::seed::{self, SeedUser};
use crate::{db, server::query_param};

fn department_of(user: &SeedUser) -> &'static str {
    if seed::in_department(user.user_id) {
        seed::DEPARTMENT_ID
    } else {
        ""
    }
}

fn org_user_info(user: &SeedUser) -> Value {
    json!({
        "role": user.role,
        "userName": user.user_name,
        "innerUserId": user.inner_user_id,
        "userId": user.user_id,
        "tenantId": seed::TENANT_ID,
        "orgId": seed::ORG_ID,
        "orgName": seed::ORG_NAME,
        "userCount": seed::USERS.len(),
        "deptId": department_of(user),
    })
}

/// `POST /session/`: trades an authorization code for a session.
pub(crate) fn create_session(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let body = ctx.req.json()?;
    let code = req_str(&body, "code")?;
    let user = seed::USERS
        .iter()
        .find(|u| u.code == code)
        .ok_or_else(|| ApiError::params("(unknown authorization code)"))?;

    let session_id = ctx.app.random_hex(48);
    let token = ctx.app.random_hex(48);
    db::insert_session(
        ctx.conn,
        &session_id,
        &token,
        user.user_id,
        ctx.now_ms + TOKEN_TTL_MS,
    )?;

    let mut info = org_user_info(user);
    info["xHwSchema"] = json!(seed::X_HW_SCHEMA);
    Ok(success(json!({
        "data": {
            "accessToken": format!("Bearer {token}"),
            "sessionId": session_id,
            "userId": user.user_id,
            "userInfo": info,
        }
    })))
}

/// `POST /session/refresh`: replaces the token of the session named by `x-session-id`.
pub(crate) fn refresh_session(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::Token)?;
    let Some(header) = ctx
        .req
        .header("x-session-id")
        .filter(|s| !s.trim().is_empty())
    else {
        return Err(ApiError::params("(the x-session-id header is required)"));
    };
    let session_id = caller.session_id.unwrap_or_default();
    if header.trim() != session_id {
        return Err(ApiError::unauthorized(
            "x-session-id does not match the session of the access token.",
        ));
    }
    let token = ctx.app.random_hex(48);
    db::replace_token(ctx.conn, &session_id, &token, ctx.now_ms + TOKEN_TTL_MS)?;
    Ok(success(json!({ "accessToken": format!("Bearer+{token}") })))
}

/// `GET /session/logoff`: ends the session of the token.
pub(crate) fn logout(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::Token)?;
    db::delete_session(ctx.conn, caller.session_id.as_deref().unwrap_or_default())?;
    Ok(success(json!({})))
}

/// `GET /session/auth`: tells whether the token is still valid and who it belongs to.
pub(crate) fn auth_session(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::Token)?;
    Ok(success(json!({ "data": org_user_info(caller.user) })))
}

/// `GET /session/authCodeURL?domain=`: the OrgID authorize URL (served by the emulator).
pub(crate) fn get_auth_code_url(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let domain = ctx
        .req
        .query("domain")
        .ok_or_else(|| ApiError::params("(the domain query parameter is required)"))?;
    let redirect = format!("https://{domain}/cloudfile/index.html");
    let uri = format!(
        "{}/_emulator/orgid/authorize?response_type=code&client_id={}&redirect_uri={}",
        ctx.app.base_url,
        seed::APP_ID,
        crate::auth::encode_unreserved(redirect.as_bytes())
    );
    Ok(success(
        json!({ "uri": uri, "orgIdHost": ctx.app.base_url }),
    ))
}

/// `GET /_emulator/orgid/authorize`: a stand-in OrgID login page that immediately redirects
/// to `redirect_uri` with the code of the user named by `user` (`alice`, `bob`, `admin`;
/// default `alice`).
pub(crate) fn authorize_redirect(raw_query: &str) -> ApiResult<String> {
    let redirect = query_param(raw_query, "redirect_uri")
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ApiError::params("(redirect_uri is required)"))?;
    let who = query_param(raw_query, "user")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let code = seed::USERS
        .iter()
        .find(|u| u.user_name.eq_ignore_ascii_case(&who) || u.user_id == who)
        .map_or(seed::ALICE_CODE, |u| u.code);
    let sep = if redirect.contains('?') { '&' } else { '?' };
    Ok(format!("{redirect}{sep}code={code}"))
}
