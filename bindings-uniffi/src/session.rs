//! Sessions: log in with an OrgID authorization code, refresh, check, log out, and
//! the OrgID sign-in URL.

use koodrive_core::session::{AuthCodeUrl, SessionInfo, UserInfo};
use koodrive_core::{Secret, SessionToken};

use crate::client::KooDriveClient;
use crate::error::KooDriveError;

/// A user's role as the session APIs report it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SessionRole {
    /// `0`: administrator.
    Administrator,
    /// `1`: ordinary user.
    User,
    /// `2`: super administrator.
    SuperAdministrator,
    /// A value the reference does not list, kept as sent.
    Unknown {
        /// The wire code.
        code: String,
    },
}

impl From<koodrive_core::session::SessionRole> for SessionRole {
    fn from(role: koodrive_core::session::SessionRole) -> Self {
        use koodrive_core::session::SessionRole as Core;
        match role {
            Core::Administrator => SessionRole::Administrator,
            Core::User => SessionRole::User,
            Core::SuperAdministrator => SessionRole::SuperAdministrator,
            other => SessionRole::Unknown {
                code: other.code().to_owned(),
            },
        }
    }
}

/// The signed-in user.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct UserInfoRecord {
    /// The role.
    pub role: Option<SessionRole>,
    /// The user's name.
    pub user_name: Option<String>,
    /// The internal user id.
    pub inner_user_id: Option<String>,
    /// The user id.
    pub user_id: Option<String>,
    /// The tenant (enterprise) code.
    pub tenant_id: Option<String>,
    /// The OrgID organisation id.
    pub org_id: Option<String>,
    /// The OrgID organisation name.
    pub org_name: Option<String>,
    /// The database object set of the tenant (`create_session` only).
    pub x_hw_schema: Option<String>,
    /// The number of users.
    pub user_count: Option<i64>,
    /// The department id.
    pub dept_id: Option<String>,
}

impl From<UserInfo> for UserInfoRecord {
    fn from(info: UserInfo) -> Self {
        Self {
            role: info.role.map(Into::into),
            user_name: info.user_name,
            inner_user_id: info.inner_user_id,
            user_id: info.user_id,
            tenant_id: info.tenant_id,
            org_id: info.org_id,
            org_name: info.org_name,
            x_hw_schema: info.x_hw_schema,
            user_count: info.user_count,
            dept_id: info.dept_id,
        }
    }
}

/// Who logged in, as `create_session` reports it. The tokens stay in the client;
/// [`KooDriveClient::session_token`] hands them out for storage.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SessionUser {
    /// The user id.
    pub user_id: Option<String>,
    /// The account name, from servers that send it at the top level.
    pub user_name: Option<String>,
    /// The user, from servers that send it.
    pub user_info: Option<UserInfoRecord>,
}

impl From<SessionInfo> for SessionUser {
    fn from(info: SessionInfo) -> Self {
        let user_info: Option<UserInfoRecord> = info.user_info.map(Into::into);
        Self {
            user_id: info.user_id.or_else(|| user_info.as_ref()?.user_id.clone()),
            user_name: info.user_name,
            user_info,
        }
    }
}

/// The OrgID page where users sign in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuthCodeUrlRecord {
    /// The OrgID (OAuth2 authorize) address.
    pub uri: String,
    /// The OrgID host.
    pub org_id_host: Option<String>,
}

impl From<AuthCodeUrl> for AuthCodeUrlRecord {
    fn from(url: AuthCodeUrl) -> Self {
        Self {
            uri: url.uri,
            org_id_host: url.org_id_host,
        }
    }
}

/// A session's credentials, for an application that stores the session and resumes
/// it with [`KooDriveClient::with_session`].
///
/// It holds secrets: keep it in the platform's secure storage (Keychain, Android
/// Keystore, a keyring), and never log or print it. The generated Python, Kotlin and
/// Swift types print their fields, tokens included.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct SessionTokenRecord {
    /// The access token, exactly as the server returned it (prefix included). Secret.
    pub access_token: String,
    /// The session id used to refresh the token. Secret.
    pub session_id: Option<String>,
    /// The user the session belongs to.
    pub user_id: Option<String>,
}

impl std::fmt::Debug for SessionTokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTokenRecord")
            .field("access_token", &"[redacted]")
            .field(
                "session_id",
                &self.session_id.as_ref().map(|_| "[redacted]"),
            )
            .field("user_id", &self.user_id)
            .finish()
    }
}

impl From<SessionToken> for SessionTokenRecord {
    fn from(token: SessionToken) -> Self {
        Self {
            access_token: token.access_token.expose().to_owned(),
            session_id: token.session_id.map(|s| s.expose().to_owned()),
            user_id: token.user_id,
        }
    }
}

impl From<SessionTokenRecord> for SessionToken {
    fn from(record: SessionTokenRecord) -> Self {
        Self {
            access_token: Secret::new(record.access_token),
            session_id: record.session_id.map(Secret::new),
            user_id: record.user_id,
        }
    }
}

#[uniffi::export]
impl KooDriveClient {
    /// Logs in with an OrgID authorization code and keeps the session. `domain` is
    /// the front end's domain, sent when given.
    pub async fn create_session(
        &self,
        code: String,
        domain: Option<String>,
    ) -> Result<SessionUser, KooDriveError> {
        let info = self.inner.create_session(code, domain).await?;
        Ok(info.into())
    }

    /// Replaces the session's access token with a fresh one. The client also does
    /// this by itself before a call when the session is close to its idle limit.
    pub async fn refresh_session(&self) -> Result<(), KooDriveError> {
        Ok(self.inner.refresh_session().await?)
    }

    /// Ends the session. The client forgets it even when the server cannot be
    /// reached; later calls fail with [`KooDriveError::NotLoggedIn`].
    pub async fn logout(&self) -> Result<(), KooDriveError> {
        Ok(self.inner.logout().await?)
    }

    /// Asks the server whether the session is valid, and who it belongs to.
    pub async fn auth_session(&self) -> Result<UserInfoRecord, KooDriveError> {
        Ok(self.inner.auth_session().await?.into())
    }

    /// The OrgID sign-in URL for a front end served from `domain`.
    pub async fn get_auth_code_url(
        &self,
        domain: String,
    ) -> Result<AuthCodeUrlRecord, KooDriveError> {
        Ok(self.inner.get_auth_code_url(domain).await?.into())
    }

    /// The current session's credentials, for storage; `None` before login and after
    /// logout. The record holds secrets: see [`SessionTokenRecord`].
    pub fn session_token(&self) -> Option<SessionTokenRecord> {
        self.inner.session_token().map(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_debug_is_redacted_and_round_trips() {
        let record = SessionTokenRecord {
            access_token: "Bearer sekrit".into(),
            session_id: Some("sess-sekrit".into()),
            user_id: Some("42".into()),
        };
        assert!(!format!("{record:?}").contains("sekrit"));
        let back = SessionTokenRecord::from(SessionToken::from(record.clone()));
        assert_eq!(back, record);
    }
}
