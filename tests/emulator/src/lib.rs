#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod api;
mod auth;
mod db;
mod error;
mod faults;
mod json;
pub mod seed;
mod server;
mod time;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::sync::oneshot;

use crate::server::App;

pub use crate::faults::{FaultConfig, FaultStats};

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where the SQLite database and the blobs live; `None` means a fresh temporary folder that
    /// is deleted when the emulator is dropped. Reusing a folder keeps users' files and sessions.
    pub data_dir: Option<PathBuf>,
    /// Port on 127.0.0.1; `0` picks a free one.
    pub port: u16,
    /// Quota of each personal space (and of the department space) in bytes, used when a space
    /// is first created in the data folder.
    pub personal_quota_bytes: u64,
    /// Faults to inject from the start (default: none); see [`FaultConfig`].
    pub faults: FaultConfig,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            data_dir: None,
            port: 0,
            personal_quota_bytes: seed::DEFAULT_PERSONAL_QUOTA_BYTES,
            faults: FaultConfig::default(),
        }
    }
}

/// A running KooDrive emulator. Dropping it shuts the server down.
pub struct Emulator {
    app: Arc<App>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    // Dropped after the server has been told to stop.
    _temp_dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// Starts an emulator with a temporary data folder on a random port, on the current tokio
    /// runtime.
    pub async fn start() -> std::io::Result<Emulator> {
        Self::start_with(EmulatorConfig::default()).await
    }

    /// Starts an emulator with the given configuration, on the current tokio runtime.
    pub async fn start_with(config: EmulatorConfig) -> std::io::Result<Emulator> {
        let (temp_dir, data_dir) = match config.data_dir {
            Some(dir) => (None, dir),
            None => {
                let tmp = tempfile::Builder::new()
                    .prefix("koodrive-emulator-")
                    .tempdir()?;
                let path = tmp.path().to_owned();
                (Some(tmp), path)
            }
        };
        std::fs::create_dir_all(data_dir.join("blobs"))?;
        std::fs::create_dir_all(data_dir.join("uploads"))?;

        let listener = tokio::net::TcpListener::bind(("127.0.0.1", config.port)).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        let clock_now = time::Clock::default().now_ms();
        let conn = db::open(&data_dir, config.personal_quota_bytes, clock_now)
            .map_err(std::io::Error::other)?;
        let app = Arc::new(App::new(conn, data_dir, base_url, config.faults));

        let router = axum::Router::new()
            .fallback(server::handle)
            .layer(axum::extract::DefaultBodyLimit::disable())
            .with_state(app.clone());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let server = axum::serve(listener, router).with_graceful_shutdown(async move {
                let _ = rx.await;
            });
            if let Err(err) = server.await {
                tracing::error!(error = %err, "emulator server stopped with an error");
            }
        });
        Ok(Emulator {
            app,
            addr,
            shutdown: Some(tx),
            _temp_dir: temp_dir,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.app.base_url.clone()
    }

    /// Moves the emulator's clock forward (token expiry, `X-Date` checks, URL expiry).
    pub fn advance_clock(&self, by: Duration) {
        self.app
            .clock
            .advance_ms(i64::try_from(by.as_millis()).unwrap_or(i64::MAX));
    }

    /// Container id of a user's personal space.
    pub fn personal_container_id(&self, user_id: &str) -> String {
        db::container_id_for("personal", user_id)
    }

    /// Container id of a department's space.
    pub fn department_container_id(&self, department_id: &str) -> String {
        db::container_id_for("department", department_id)
    }

    /// Stores a file directly, bypassing the upload flow. `parent_id` is `root` or a folder id.
    /// Fails on a bad name, a name clash, an unknown space or folder, or a full quota
    /// (the message starts with the KooDrive error code, e.g. `13000311`).
    pub fn seed_file(
        &self,
        container_id: &str,
        parent_id: &str,
        name: &str,
        content: &[u8],
    ) -> Result<String, String> {
        let conn = self.app.db();
        api::files::seed_file(&self.app, &conn, container_id, parent_id, name, content)
            .map_err(|e| format!("{} {}", e.code, e.msg))
    }

    /// Moves a file or folder to its space's recycle bin.
    pub fn recycle_file(&self, file_id: &str) -> Result<(), String> {
        let conn = self.app.db();
        api::files::recycle(&self.app, &conn, file_id).map_err(|e| format!("{} {}", e.code, e.msg))
    }

    /// Requests served so far, not counting `/_emulator/` control calls (part uploads and
    /// downloads are counted).
    pub fn request_count(&self) -> u64 {
        self.app.requests.load(Ordering::SeqCst)
    }
}

impl Emulator {
    /// Replaces the fault configuration at run time. The decision sequences restart, so
    /// setting the same configuration again replays the same decisions; the counts in
    /// [`Emulator::fault_stats`] keep growing.
    pub fn set_faults(&self, faults: FaultConfig) {
        self.app.faults.set(faults);
    }

    /// The fault configuration in force.
    pub fn faults(&self) -> FaultConfig {
        self.app.faults.current()
    }

    /// How many faults have been injected since the emulator started.
    pub fn fault_stats(&self) -> FaultStats {
        self.app.faults.stats()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
