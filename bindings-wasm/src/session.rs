//! Sessions: log in with an OrgID authorization code, refresh, check, log out, and
//! the OrgID sign-in URL.

use js_sys::Promise;
use koodrive_core::session::{SessionInfo, UserInfo};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::client::KooDrive;
use crate::convert::{self, opt_string_arg, string_arg};
use crate::error;

/// What `createSession` resolves with: the user, without the tokens.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionUser {
    user_id: Option<String>,
    user_name: Option<String>,
    user_info: Option<UserInfo>,
}

impl From<SessionInfo> for SessionUser {
    fn from(info: SessionInfo) -> Self {
        Self {
            user_id: info
                .user_id
                .or_else(|| info.user_info.as_ref()?.user_id.clone()),
            user_name: info.user_name,
            user_info: info.user_info,
        }
    }
}

#[wasm_bindgen]
impl KooDrive {
    /// Logs in with an OrgID authorization code and keeps the session. `domain` is the
    /// front end's domain, sent when given. Resolves with a `SessionUser`.
    #[wasm_bindgen(js_name = createSession, unchecked_return_type = "Promise<SessionUser>")]
    pub fn create_session(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] domain: JsValue,
    ) -> Promise {
        // The future must own what it uses (it outlives `&self`); clones share the
        // session.
        let client = self.inner.clone();
        future_to_promise(async move {
            let code = string_arg(&code, "code")?;
            let domain = opt_string_arg(&domain, "domain")?;
            let info = client
                .create_session(code, domain)
                .await
                .map_err(error::to_js)?;
            convert::to_js(&SessionUser::from(info))
        })
    }

    /// Replaces the session's access token with a fresh one. The client also does this
    /// by itself before a call when the session is close to its idle limit.
    #[wasm_bindgen(js_name = refreshSession, unchecked_return_type = "Promise<void>")]
    pub fn refresh_session(&self) -> Promise {
        let client = self.inner.clone();
        future_to_promise(async move {
            client.refresh_session().await.map_err(error::to_js)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Ends the session. The client forgets it even when the server cannot be
    /// reached; later calls reject with kind `NotLoggedIn`.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn logout(&self) -> Promise {
        let client = self.inner.clone();
        future_to_promise(async move {
            client.logout().await.map_err(error::to_js)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Asks the server whether the session is valid, and who it belongs to.
    #[wasm_bindgen(js_name = authSession, unchecked_return_type = "Promise<UserInfo>")]
    pub fn auth_session(&self) -> Promise {
        let client = self.inner.clone();
        future_to_promise(async move {
            let user = client.auth_session().await.map_err(error::to_js)?;
            convert::to_js(&user)
        })
    }

    /// The OrgID sign-in URL for a front end served from `domain`.
    #[wasm_bindgen(js_name = getAuthCodeUrl, unchecked_return_type = "Promise<AuthCodeUrl>")]
    pub fn get_auth_code_url(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] domain: JsValue,
    ) -> Promise {
        let client = self.inner.clone();
        future_to_promise(async move {
            let domain = string_arg(&domain, "domain")?;
            let url = client
                .get_auth_code_url(domain)
                .await
                .map_err(error::to_js)?;
            convert::to_js(&url)
        })
    }

    /// The session's credentials `{ accessToken, sessionId, userId }` for storage, or
    /// `undefined` before login and after logout. They are secrets: keep them in safe
    /// storage and never log them. Pass them back as the `session` option.
    #[wasm_bindgen(js_name = sessionToken, unchecked_return_type = "SessionToken | undefined")]
    pub fn session_token(&self) -> Result<JsValue, JsValue> {
        match self.inner.session_token() {
            Some(token) => convert::to_js(&token),
            None => Ok(JsValue::UNDEFINED),
        }
    }
}
