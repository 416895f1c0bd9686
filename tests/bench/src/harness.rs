//! An emulator started in this process on a fresh data folder, and an SDK client
//! logged in to it as alice.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use koodrive_core::model::ContainerType;
use koodrive_core::{Client, Endpoint};
use koodrive_emulator::{Emulator, EmulatorConfig, seed};

use crate::BoxError;

/// Quota of the emulated spaces: far above anything the benchmark stores.
const QUOTA: u64 = 1 << 40;

/// Tells data folders of one run apart.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// An emulator, a client logged in to it, and alice's personal space.
pub struct Harness {
    /// The emulator; dropping it stops the server.
    pub emu: Emulator,
    /// The SDK client, with a session of alice.
    pub client: Client,
    /// Alice's personal space.
    pub container: String,
    data_dir: PathBuf,
}

impl Harness {
    /// Starts an emulator with a new data folder under `root` and logs in.
    ///
    /// Every measured upload gets its own emulator: the emulator answers a second
    /// upload of the same content with a rapid (instant) upload, which would measure
    /// nothing.
    pub async fn start(root: &Path) -> Result<Self, BoxError> {
        let data_dir = root.join(format!(
            "emulator-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&data_dir)?;
        let emu = Emulator::start_with(EmulatorConfig {
            data_dir: Some(data_dir.clone()),
            personal_quota_bytes: QUOTA,
            ..EmulatorConfig::default()
        })
        .await?;
        let client = Client::builder(Endpoint::Custom(emu.base_url())).build()?;
        client.create_session(seed::ALICE_CODE, None).await?;
        let spaces = client
            .get_spaces_v2(seed::ALICE_USER_ID, Some(ContainerType::Personal))
            .await?;
        let container = spaces
            .first()
            .map(|s| s.container_id.clone())
            .ok_or("alice has no personal space")?;
        Ok(Self {
            emu,
            client,
            container,
            data_dir,
        })
    }

    /// Stops the emulator and deletes its data folder (blobs included).
    pub fn finish(self) {
        let Self { emu, data_dir, .. } = self;
        drop(emu);
        let _ = std::fs::remove_dir_all(data_dir);
    }
}

/// A plain reqwest client for the raw baselines, with the same TLS setup the SDK's
/// transport uses (irrelevant on plain HTTP loopback, but reqwest needs a provider).
pub fn raw_http_client() -> Result<reqwest::Client, BoxError> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::Client::builder().build()?)
}
