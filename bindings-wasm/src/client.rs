//! The exported `KooDrive` class and its options.

use koodrive_core::{Client, Endpoint, Error, ErrorKind, SessionToken};
use serde::Deserialize;
use wasm_bindgen::prelude::*;

use crate::error;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** Options of `new KooDrive(options)`. Give `baseUrl` or `endpoint`, not both. */
export interface KooDriveOptions {
  /** The API base URL: `https://...`, or `http://` to a loopback host such as the emulator. */
  baseUrl?: string;
  /** A KooDrive site; `"china"` when neither this nor `baseUrl` is given. */
  endpoint?: "china" | "international";
  /** The `language` header, such as `"en-US"` or `"zh-CN"`. */
  language?: string;
  /** A session stored earlier from `sessionToken()`, to resume. */
  session?: SessionToken;
}

/** A session's credentials. Secret: store it safely, never log it. */
export interface SessionToken {
  /** The access token, exactly as the server returned it. */
  accessToken: string;
  /** The session id used to refresh the token. */
  sessionId?: string;
  /** The user the session belongs to. */
  userId?: string;
}

/** The signed-in user. */
export interface UserInfo {
  /** `"0"` administrator, `"1"` user, `"2"` super administrator. */
  role?: string;
  userName?: string;
  innerUserId?: string;
  userId?: string;
  tenantId?: string;
  orgId?: string;
  orgName?: string;
  /** The tenant's database object set (createSession only). */
  xHwSchema?: string;
  userCount?: number;
  deptId?: string;
}

/** Who logged in. The tokens stay in the client; `sessionToken()` hands them out. */
export interface SessionUser {
  userId?: string;
  /** The account name, from servers that send it at the top level. */
  userName?: string;
  userInfo?: UserInfo;
}

/** The OrgID page where users sign in. */
export interface AuthCodeUrl {
  uri: string;
  orgIdHost?: string;
}

/** What every promise of the SDK rejects with. */
export interface KooDriveError extends Error {
  name: "KooDriveError";
  /** The class of failure. */
  kind: "InvalidInput" | "Config" | "NotLoggedIn" | "SessionExpired" | "Unauthorized"
    | "Api" | "Server" | "Transport" | "Timeout" | "Decode" | "Cancelled" | "Io" | "Integrity";
  /** The KooDrive business code: a number, or a gateway code such as `"APIGW.0101"`. */
  code?: number | string;
  /** The HTTP status, when a response came back. */
  status?: number;
  /** The `X-Traceid` of the failed request, for support requests. */
  traceId?: string;
  /** Whether repeating the same call later can succeed. */
  retryable: boolean;
  /** The operation that failed, such as `"create_session"`. */
  operation?: string;
  /** The server's own message, when it sent one. */
  serverMessage?: string;
}
"#;

/// The names [`Options`] accepts. serde-wasm-bindgen reads only the fields a struct
/// names, so `deny_unknown_fields` would not see a misspelt `baseURL`; the keys are
/// checked by hand instead.
const OPTION_NAMES: [&str; 4] = ["baseUrl", "endpoint", "language", "session"];

/// The options object of the constructor.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Options {
    base_url: Option<String>,
    endpoint: Option<Site>,
    language: Option<String>,
    session: Option<SessionToken>,
}

/// The `endpoint` option.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Site {
    China,
    International,
}

/// A KooDrive client: one set of credentials (a session once logged in) over the
/// browser's or Node's `fetch`.
///
/// Every method that talks to the server returns a `Promise` that rejects with a
/// `KooDriveError`. Calls may overlap; they share the session.
#[wasm_bindgen]
pub struct KooDrive {
    pub(crate) inner: Client,
}

#[wasm_bindgen]
impl KooDrive {
    /// Creates a client from `{ baseUrl?, endpoint?, language?, session? }`; no options
    /// means the China site. Throws a `KooDriveError` for unknown or malformed options
    /// or an unusable base URL.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "KooDriveOptions")] options: Option<JsValue>,
    ) -> Result<KooDrive, JsValue> {
        let options = parse_options(options)?;
        let endpoint = match (options.base_url, options.endpoint) {
            (Some(_), Some(_)) => {
                return Err(error::invalid_input(
                    "options: give baseUrl or endpoint, not both",
                ));
            }
            (Some(url), None) => Endpoint::Custom(url),
            (None, Some(Site::International)) => Endpoint::International,
            (None, Some(Site::China) | None) => Endpoint::China,
        };

        let mut builder = Client::builder(endpoint);
        if let Some(language) = options.language {
            builder = builder.language(language);
        }
        if let Some(session) = options.session {
            builder = builder.session(session);
        }
        let inner = builder.build().map_err(error::to_js)?;
        Ok(KooDrive { inner })
    }
}

fn parse_options(options: Option<JsValue>) -> Result<Options, JsValue> {
    let Some(options) = options.filter(|o| !o.is_null() && !o.is_undefined()) else {
        return Ok(Options::default());
    };
    let Some(object) = options.dyn_ref::<js_sys::Object>() else {
        return Err(error::invalid_input("options must be an object"));
    };
    for key in js_sys::Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !OPTION_NAMES.contains(&key.as_str()) {
            return Err(error::invalid_input(format!(
                "options: unknown option {key:?}; the options are {}",
                OPTION_NAMES.join(", ")
            )));
        }
    }
    serde_wasm_bindgen::from_value(options).map_err(|e| {
        error::to_js(Error::new(
            ErrorKind::InvalidInput,
            format!("options are not valid KooDriveOptions: {e}"),
        ))
    })
}
