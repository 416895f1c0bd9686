//! Everything a command needs before it can talk to KooDrive: the endpoint (or an
//! embedded emulator), the credentials, the stored session and the user's space.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use koodrive_core::auth::AppCredentials;
use koodrive_core::model::ContainerType;
use koodrive_core::{Client, Endpoint, SessionToken};
use koodrive_emulator::{Emulator, EmulatorConfig};
use serde::{Deserialize, Serialize};

use crate::GlobalArgs;
use crate::exit::{CliResult, Exit, Failure};

/// The file a session is kept in between runs.
///
/// The endpoint is stored with the token so that a session is never sent to another
/// server. For an emulator the key is its data folder, since its port changes on
/// every run.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionFile {
    /// The base URL, or `emulator:<data folder>`.
    pub endpoint: String,
    /// The token, as the core stores it.
    pub session: SessionToken,
    /// When the session lapses without a call (Unix milliseconds).
    pub expires_at_ms: u64,
}

/// Where the server is.
struct Target {
    endpoint: Endpoint,
    /// What a stored session must name to be used here; `None` when no session can
    /// outlive this run (an emulator with a temporary data folder).
    key: Option<String>,
    /// Keeps the embedded emulator alive until the command is over.
    _emulator: Option<Emulator>,
}

/// How the client proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthSource {
    /// A session from the session file.
    StoredSession,
    /// A session created in this run from an authorization code.
    NewSession,
    /// App credentials: every request is signed, no session.
    App,
}

/// A client ready for commands, and what is needed to save its session afterwards.
pub struct Context {
    /// The client.
    pub client: Client,
    /// How it is authenticated.
    pub auth: AuthSource,
    /// The acting user's id.
    pub user_id: String,
    /// The user's name, when the login said.
    pub user_name: Option<String>,
    session_path: PathBuf,
    key: Option<String>,
    _target: Target,
}

/// `KOODRIVE_APP_ID`, `KOODRIVE_APP_SECRET` and `KOODRIVE_USER_ID`, when all three are set.
pub fn app_credentials_from_env() -> Option<AppCredentials> {
    let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    Some(AppCredentials {
        app_id: var("KOODRIVE_APP_ID")?,
        app_secret: var("KOODRIVE_APP_SECRET")?.into(),
        user_id: var("KOODRIVE_USER_ID")?,
    })
}

/// The session file to use: the flag or variable, else the user's config folder.
pub fn session_path(global: &GlobalArgs) -> CliResult<PathBuf> {
    if let Some(path) = &global.session_file {
        return Ok(path.clone());
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .ok_or_else(|| {
            Failure::new(
                Exit::Usage,
                "no place for the session file: set HOME, XDG_CONFIG_HOME or --session-file",
            )
        })?;
    Ok(config.join("koodrive").join("session.json"))
}

/// Reads the session file; a missing or unreadable one counts as no session.
pub fn load_session(path: &Path) -> Option<SessionFile> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes the session file, readable by its owner only.
pub fn save_session(path: &Path, file: &SessionFile) -> CliResult {
    let what = format!("saving the session to {}", path.display());
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Failure::io(&what, e))?;
    }
    let json = serde_json::to_vec_pretty(file).expect("sessions serialize");

    // Written beside the target, then renamed over it, so a crash never leaves half
    // a file and the token is never readable by others, not even for a moment.
    let tmp = path.with_extension("json.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(&tmp).map_err(|e| Failure::io(&what, e))?;
    std::io::Write::write_all(&mut out, &json).map_err(|e| Failure::io(&what, e))?;
    drop(out);
    std::fs::rename(&tmp, path).map_err(|e| Failure::io(&what, e))
}

/// Deletes the session file; a missing one is fine.
pub fn delete_session(path: &Path) -> CliResult {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Failure::io(
            format!("deleting the session file {}", path.display()),
            e,
        )),
        _ => Ok(()),
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis() as u64
}

/// Picks the endpoint: the embedded emulator, `--endpoint` / `KOODRIVE_ENDPOINT`, or
/// the endpoint of the stored session.
async fn target(global: &GlobalArgs, stored: Option<&SessionFile>) -> CliResult<Target> {
    if global.emulator {
        let config = EmulatorConfig {
            data_dir: global.emulator_data.clone(),
            port: 0,
            ..EmulatorConfig::default()
        };
        let key = match &global.emulator_data {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| Failure::io(format!("creating {}", dir.display()), e))?;
                let dir = dir.canonicalize().unwrap_or_else(|_| dir.clone());
                Some(format!("emulator:{}", dir.display()))
            }
            None => None,
        };
        let emulator = Emulator::start_with(config)
            .await
            .map_err(|e| Failure::io("starting the emulator", e))?;
        return Ok(Target {
            endpoint: Endpoint::Custom(emulator.base_url()),
            key,
            _emulator: Some(emulator),
        });
    }
    let endpoint = match global.endpoint.as_deref().map(str::trim) {
        Some("china" | "cn") => Endpoint::China,
        Some("international" | "intl") => Endpoint::International,
        Some(url) if !url.is_empty() => Endpoint::Custom(url.trim_end_matches('/').to_owned()),
        _ => match stored.filter(|s| !s.endpoint.starts_with("emulator:")) {
            Some(s) => Endpoint::Custom(s.endpoint.clone()),
            None => {
                return Err(Failure::new(
                    Exit::Usage,
                    "no endpoint: pass --endpoint (china, international or a URL), set \
                     KOODRIVE_ENDPOINT, or use --emulator",
                ));
            }
        },
    };
    Ok(Target {
        key: Some(endpoint.base_url().to_owned()),
        endpoint,
        _emulator: None,
    })
}

/// What a command needs from the login step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginNeed {
    /// Reuse a live stored session, or log in with the code.
    Any,
    /// Log in with the code even when a stored session is live (`login`).
    Fresh,
}

impl Context {
    /// Connects and authenticates: App credentials from the environment, else a
    /// stored live session for this endpoint, else a new session from the code.
    pub async fn open(global: &GlobalArgs, need: LoginNeed) -> CliResult<Context> {
        let session_path = session_path(global)?;
        let stored = load_session(&session_path);
        let target = target(global, stored.as_ref()).await?;
        let builder = || Client::builder(target.endpoint.clone()).language(global.language.clone());
        let code = global.code.clone().filter(|c| !c.trim().is_empty());

        // A bad endpoint is a usage error, whatever the state of the login.
        let anonymous = builder().build()?;

        // App credentials sign every request; an explicit code still wins, so that
        // `login --code` means what it says.
        if code.is_none()
            && let Some(creds) = app_credentials_from_env()
        {
            let user_id = creds.user_id.clone();
            let client = builder().app_credentials(creds).build()?;
            return Ok(Context {
                client,
                auth: AuthSource::App,
                user_id,
                user_name: None,
                session_path,
                key: target.key.clone(),
                _target: target,
            });
        }

        let same_endpoint = |s: &SessionFile| target.key.as_deref() == Some(s.endpoint.as_str());
        let expired_hint = stored.as_ref().is_some_and(same_endpoint);
        let live = stored.filter(|s| same_endpoint(s) && s.expires_at_ms > now_ms());

        if let Some(stored) = live
            && (code.is_none() || need == LoginNeed::Any)
        {
            let user_id = stored.session.user_id.clone().unwrap_or_default();
            let client = builder().session(stored.session).build()?;
            return Ok(Context {
                client,
                auth: AuthSource::StoredSession,
                user_id,
                user_name: None,
                session_path,
                key: target.key.clone(),
                _target: target,
            });
        }

        let Some(code) = code else {
            let message = if expired_hint {
                "the session expired (20 minutes without a call): log in again with \
                 `koodrive login --code CODE` or set KOODRIVE_AUTH_CODE"
            } else {
                "not logged in: run `koodrive login --code CODE`, set KOODRIVE_AUTH_CODE, or \
                 set KOODRIVE_APP_ID, KOODRIVE_APP_SECRET and KOODRIVE_USER_ID"
            };
            return Err(Failure::new(Exit::Auth, message));
        };
        let client = anonymous;
        let info = client.create_session(code, None).await?;
        let user_id = info
            .user_id
            .clone()
            .or_else(|| info.user_info.as_ref()?.user_id.clone())
            .unwrap_or_default();
        let user_name = info
            .user_info
            .as_ref()
            .and_then(|u| u.user_name.clone())
            .or(info.user_name);
        let context = Context {
            client,
            auth: AuthSource::NewSession,
            user_id,
            user_name,
            session_path,
            key: target.key.clone(),
            _target: target,
        };
        // Saved at once, so that a command that fails later still leaves the login.
        context.save()?;
        Ok(context)
    }

    /// Saves the session (the token may have been refreshed, and every call moved its
    /// expiry). Nothing is saved for App credentials or a throwaway emulator.
    pub fn save(&self) -> CliResult {
        let (Some(key), Some(token), Some(left)) = (
            &self.key,
            self.client.session_token(),
            self.client.session_expires_in(),
        ) else {
            return Ok(());
        };
        save_session(
            &self.session_path,
            &SessionFile {
                endpoint: key.clone(),
                session: token,
                expires_at_ms: now_ms() + left.as_millis() as u64,
            },
        )
    }

    /// Ends the session on the server (when there is one) and deletes the file.
    pub async fn logout(self) -> CliResult {
        let result = match self.auth {
            AuthSource::App => Ok(()),
            _ => self.client.logout().await,
        };
        if self.key.is_some() {
            delete_session(&self.session_path)?;
        }
        result.map_err(Failure::from)
    }

    /// The id of the user's personal space.
    pub async fn personal_space(&self) -> CliResult<String> {
        let spaces = self
            .client
            .get_spaces_v2(&self.user_id, Some(ContainerType::Personal))
            .await?;
        spaces
            .into_iter()
            .next()
            .map(|s| s.container_id)
            .ok_or_else(|| Failure::new(Exit::NotFound, "the user has no personal space"))
    }
}
