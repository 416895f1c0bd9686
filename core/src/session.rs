//! Sessions (sharing-session.md §1): log in with an OrgID authorization code, refresh,
//! validate, log out, and the OrgID authorization URL.
//!
//! The client keeps the session it creates and counts its 20-minute sliding window:
//! every accepted call restarts it, a call made when less than
//! [`Config::refresh_margin`](crate::Config::refresh_margin) is left refreshes first,
//! and a call after the window or after [`Client::logout`] fails with a typed error
//! without being sent.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::client::{Client, SessionToken};
use crate::error::{Error, ErrorKind, Result, ValidationError};
use crate::http::Method;
use crate::model::code_enum;
use crate::operation::{AuthMode, Operation, RequestSpec, parse_data, parse_top};
use crate::secret::Secret;
use crate::validate;
use crate::wire::{Empty, lenient};

code_enum! {
    /// A user's role as the session APIs report it (`role`).
    SessionRole {
        /// `0`: administrator.
        Administrator = "0",
        /// `1`: ordinary user.
        User = "1",
        /// `2`: super administrator.
        SuperAdministrator = "2",
    }
}

/// The signed-in user (`SessionUserInfo`, `OrgUserInfo`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserInfo {
    /// The role.
    pub role: Option<SessionRole>,
    /// The user's name.
    pub user_name: Option<String>,
    /// The internal user id.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub inner_user_id: Option<String>,
    /// The user id.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub user_id: Option<String>,
    /// The tenant (enterprise) code.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub tenant_id: Option<String>,
    /// The OrgID organisation id.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub org_id: Option<String>,
    /// The OrgID organisation name.
    pub org_name: Option<String>,
    /// The database object set of the tenant (create_session only).
    pub x_hw_schema: Option<String>,
    /// The number of users.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub user_count: Option<i64>,
    /// The department id (a number in one documented example).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub dept_id: Option<String>,
}

/// What `create_session` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    /// The access token, prefix included, exactly as the server sent it.
    pub access_token: Secret,
    /// The session id, for refreshing.
    #[serde(default)]
    pub session_id: Option<Secret>,
    /// The user id.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub user_id: Option<String>,
    /// The user (current page revision).
    #[serde(default)]
    pub user_info: Option<UserInfo>,
    /// The user account name (older page revision, top level).
    #[serde(default)]
    pub user_name: Option<String>,
}

/// `create_session`: exchanges an OrgID authorization code for a session.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateSession {
    /// The authorization code from OrgID.
    pub code: Secret,
    /// The front end's domain. Not in the parameter table but in the documented
    /// example; sent when given.
    #[serde(default)]
    pub domain: Option<String>,
}

impl Operation for CreateSession {
    const NAME: &'static str = "create_session";
    const AUTH: AuthMode = AuthMode::None;
    const IDEMPOTENT: bool = false;
    type Output = SessionInfo;

    fn validate(&self) -> Result<(), ValidationError> {
        if self.code.expose().trim().is_empty() {
            return Err(ValidationError::Empty { field: "code" });
        }
        Ok(())
    }

    fn request(&self) -> RequestSpec {
        // The URI table has the trailing slash, the example does not; the table is
        // taken as the registered route.
        let mut body = json!({ "code": self.code.expose() });
        if let Some(domain) = &self.domain {
            body["domain"] = Value::from(domain.as_str());
        }
        RequestSpec::new(Method::Post, "/koodrive/ose/v1/session/").json(body)
    }

    fn parse(status: u16, body: &[u8]) -> Result<SessionInfo> {
        // The current revision wraps the payload in `data`; an older one put
        // `accessToken`, `userId` and `userName` at the top level. Accept both.
        let value: Value = parse_top(status, body)?;
        let payload = match value.get("data") {
            Some(data) if data.get("accessToken").is_some() => data.clone(),
            _ => value,
        };
        serde_json::from_value(payload).map_err(|e| {
            Error::new(ErrorKind::Decode, "create_session returned no access token").with_source(e)
        })
    }
}

/// `refresh_session`: trades the current token for a new one.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshSession {
    /// The session id from `create_session` (`x-session-id`).
    pub session_id: Secret,
}

/// What `refresh_session` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshedToken {
    /// The new access token, exactly as sent.
    pub access_token: Secret,
}

impl Operation for RefreshSession {
    const NAME: &'static str = "refresh_session";
    const AUTH: AuthMode = AuthMode::TokenOnly;
    const IDEMPOTENT: bool = false;
    type Output = RefreshedToken;

    fn validate(&self) -> Result<(), ValidationError> {
        if self.session_id.is_empty() {
            return Err(ValidationError::Empty { field: "sessionId" });
        }
        Ok(())
    }

    fn request(&self) -> RequestSpec {
        let mut spec = RequestSpec::new(Method::Post, "/koodrive/ose/v1/session/refresh");
        spec.headers
            .push(("x-session-id", self.session_id.expose().to_owned()));
        spec
    }

    fn parse(status: u16, body: &[u8]) -> Result<RefreshedToken> {
        parse_top(status, body)
    }
}

/// `logout`: ends the session on the server.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Logout {}

impl Operation for Logout {
    const NAME: &'static str = "logout";
    const AUTH: AuthMode = AuthMode::TokenOnly;
    const IDEMPOTENT: bool = true;
    type Output = Empty;

    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Get, "/koodrive/ose/v1/session/logoff")
    }

    fn parse(status: u16, body: &[u8]) -> Result<Empty> {
        parse_top(status, body)
    }
}

/// `auth_session`: checks that the token is still valid and returns its user.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthSession {}

impl Operation for AuthSession {
    const NAME: &'static str = "auth_session";
    const AUTH: AuthMode = AuthMode::TokenOnly;
    const IDEMPOTENT: bool = true;
    type Output = UserInfo;

    fn validate(&self) -> Result<(), ValidationError> {
        Ok(())
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Get, "/koodrive/ose/v1/session/auth")
    }

    fn parse(status: u16, body: &[u8]) -> Result<UserInfo> {
        parse_data(status, body)
    }
}

/// `get_auth_code_url`: the OrgID page where users sign in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetAuthCodeUrl {
    /// The front end's domain name.
    pub domain: String,
}

/// What `get_auth_code_url` returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthCodeUrl {
    /// The OrgID (OAuth2 authorize) address.
    pub uri: String,
    /// The OrgID host.
    pub org_id_host: Option<String>,
}

impl Operation for GetAuthCodeUrl {
    const NAME: &'static str = "get_auth_code_url";
    const AUTH: AuthMode = AuthMode::None;
    const IDEMPOTENT: bool = true;
    type Output = AuthCodeUrl;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("domain", &self.domain)
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Get, "/koodrive/ose/v1/session/authCodeURL")
            .query("domain", self.domain.as_str())
    }

    fn parse(status: u16, body: &[u8]) -> Result<AuthCodeUrl> {
        parse_top(status, body)
    }
}

impl Client {
    /// Logs in with an OrgID authorization code and keeps the session.
    pub async fn create_session(
        &self,
        code: impl Into<Secret>,
        domain: Option<String>,
    ) -> Result<SessionInfo> {
        let info = self
            .execute(&CreateSession {
                code: code.into(),
                domain,
            })
            .await?;
        self.set_session(SessionToken {
            access_token: info.access_token.clone(),
            session_id: info.session_id.clone(),
            user_id: info
                .user_id
                .clone()
                .or_else(|| info.user_info.as_ref()?.user_id.clone()),
        });
        Ok(info)
    }

    /// Replaces the session's token with a fresh one.
    pub async fn refresh_session(&self) -> Result<()> {
        self.refresh_now().await
    }

    /// Ends the session. The client forgets it even when the server cannot be
    /// reached; later calls fail with [`ErrorKind::NotLoggedIn`].
    pub async fn logout(&self) -> Result<()> {
        let result = self.execute(&Logout {}).await;
        self.mark_logged_out();
        result.map(|_| ())
    }

    /// Asks the server whether the session is valid, and who it belongs to.
    pub async fn auth_session(&self) -> Result<UserInfo> {
        self.execute(&AuthSession {}).await
    }

    /// The OrgID sign-in URL for a front end served from `domain`.
    pub async fn get_auth_code_url(&self, domain: impl Into<String>) -> Result<AuthCodeUrl> {
        self.execute(&GetAuthCodeUrl {
            domain: domain.into(),
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_session_reads_both_revisions() {
        let current = br#"{"code":0,"msg":"success","data":{"accessToken":"Bearer abc","sessionId":"s1","userId":"42","userInfo":{"role":"2","deptId":1395}}}"#;
        let info = CreateSession::parse(200, current).unwrap();
        assert_eq!(info.access_token.expose(), "Bearer abc");
        assert_eq!(
            info.user_info.unwrap().role,
            Some(SessionRole::SuperAdministrator)
        );
        let older =
            br#"{"code":0,"msg":"success","accessToken":"tok","userId":"42","userName":"a"}"#;
        let info = CreateSession::parse(200, older).unwrap();
        assert_eq!(
            (info.access_token.expose(), info.user_name.as_deref()),
            ("tok", Some("a"))
        );
        let e = CreateSession::parse(200, br#"{"code":0}"#).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Decode);
    }

    #[test]
    fn debug_of_session_info_hides_tokens() {
        let info = CreateSession::parse(
            200,
            br#"{"data":{"accessToken":"Bearer sekrit","sessionId":"sekrit2"}}"#,
        )
        .unwrap();
        assert!(!format!("{info:?}").contains("sekrit"));
    }

    #[test]
    fn empty_code_is_refused() {
        let op = CreateSession {
            code: Secret::new(" "),
            domain: None,
        };
        assert_eq!(op.validate(), Err(ValidationError::Empty { field: "code" }));
    }
}
