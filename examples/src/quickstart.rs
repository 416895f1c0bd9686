//! Quick start: log in, create a folder, list it, rename it, then upload a generated
//! 64 MiB file into it, download it back and check that the SHA-256 matches.
//!
//! By default it starts the embedded KooDrive emulator and logs in as the seeded user
//! Alice. Set `KOODRIVE_BASE_URL` and `KOODRIVE_AUTH_CODE` to run it against a real
//! endpoint instead.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Instant;

use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use koodrive_core::files::{CreateDirectory, RenameFile};
use koodrive_core::listing::ListQuery;
use koodrive_core::model::{ContainerType, File, RenameMode};
use koodrive_core::transfer::download::{DownloadOptions, DownloadResult};
use koodrive_core::transfer::upload::{NameConflict, UploadOptions, UploadResult};
use koodrive_core::transfer::{MemorySink, Progress, ProgressCallback};
use koodrive_core::{Client, Endpoint};
use koodrive_emulator::{Emulator, seed};
use sha2::{Digest, Sha256};

/// The size of the generated file.
const TRANSFER_BYTES: usize = 64 * 1024 * 1024;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the emulator alive until the end: dropping it stops the server.
    let (base_url, code, _emulator) = match std::env::var("KOODRIVE_BASE_URL") {
        Ok(url) => (url, std::env::var("KOODRIVE_AUTH_CODE")?, None),
        Err(_) => {
            let emulator = Emulator::start().await?;
            println!("emulator      listening on {}", emulator.base_url());
            (
                emulator.base_url(),
                seed::ALICE_CODE.to_owned(),
                Some(emulator),
            )
        }
    };

    let client = Client::builder(Endpoint::Custom(base_url))
        .language("en-US")
        .build()?;
    let session = client.create_session(code, None).await?;
    let user_id = session.user_id.clone().unwrap_or_default();
    let user_name = session.user_info.as_ref().and_then(|u| u.user_name.clone());
    println!(
        "logged in     as {} ({user_id})",
        user_name.unwrap_or_default()
    );

    // The personal space tells where the user's files live.
    let spaces = client
        .get_spaces_v2(&user_id, Some(ContainerType::Personal))
        .await?;
    let space = spaces.first().ok_or("the user has no personal space")?;
    let container = space.container_id.clone();
    println!("space         {container} (personal)");

    let mut create = CreateDirectory::new(&container, None, "Quick start");
    create.rename_mode = Some(RenameMode::AutoRename);
    let folder = client.create_directory(&create).await?;
    let created_name = folder.file_name.clone().unwrap_or_default();
    println!("created       folder {created_name:?} ({})", folder.id);

    let entries: Vec<File> = client
        .list_personal_files(ListQuery::folder(&container, "root"))
        .try_collect()
        .await?;
    println!("listed        {} entries in the root:", entries.len());
    for entry in &entries {
        let kind = if entry.is_folder() { "folder" } else { "file" };
        println!(
            "                {kind:6} {}",
            entry.file_name.as_deref().unwrap_or("?")
        );
    }

    let new_name = format!("{created_name} (renamed)");
    client
        .rename_file(&RenameFile {
            file_id: folder.id.clone(),
            container_id: container.clone(),
            name: new_name.clone(),
            rename_mode: Some(RenameMode::AutoRename),
        })
        .await?;
    let path = client.get_full_path(&folder.id, &container).await?;
    println!(
        "renamed       to {new_name:?}; full path {}",
        path.names().join("/")
    );

    transfer_round_trip(&client, &container, &folder.id).await?;

    client.logout().await?;
    println!("logged out");
    Ok(())
}

/// Uploads a generated file into `folder`, downloads it back and compares digests.
async fn transfer_round_trip(
    client: &Client,
    container: &str,
    folder: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let data = generated(TRANSFER_BYTES);
    let local_sha256 = hex(&Sha256::digest(&data));
    let mib = TRANSFER_BYTES as f64 / (1024.0 * 1024.0);

    let bar = progress_bar("upload");
    let mut upload = UploadOptions::new(container, Some(folder.to_owned()), "generated.bin");
    upload.name_conflict = NameConflict::AutoRename;
    upload.on_progress = Some(report_to(&bar));
    let started = Instant::now();
    let UploadResult::Completed(uploaded) = client.upload(&data, upload).await? else {
        return Err("the upload paused without being asked to".into());
    };
    let up_secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    println!(
        "uploaded      {mib:.0} MiB as {:?} in {up_secs:.2} s ({:.1} MiB/s){}",
        uploaded.file_name,
        mib / up_secs,
        if uploaded.rapid {
            ", instant: the server had the content"
        } else {
            ""
        }
    );

    let bar = progress_bar("download");
    let sink = MemorySink::new();
    let mut download = DownloadOptions::new(container, &uploaded.file_id);
    download.on_progress = Some(report_to(&bar));
    let started = Instant::now();
    let DownloadResult::Completed(downloaded) = client.download(&sink, download).await? else {
        return Err("the download paused without being asked to".into());
    };
    let down_secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    println!(
        "downloaded    {mib:.0} MiB in {down_secs:.2} s ({:.1} MiB/s)",
        mib / down_secs
    );

    // Three digests must agree: of the generated bytes, the server's record, and the
    // bytes that came back.
    let back_sha256 = hex(&Sha256::digest(sink.into_inner()));
    let server_sha256 = uploaded.sha256.unwrap_or_default();
    if local_sha256 != back_sha256 || local_sha256 != server_sha256 {
        return Err(format!(
            "SHA-256 mismatch: local {local_sha256}, server {server_sha256}, downloaded \
             {back_sha256}"
        )
        .into());
    }
    println!(
        "verified      SHA-256 {}... matches{}",
        &local_sha256[..16],
        if downloaded.verified {
            " (also checked by the SDK)"
        } else {
            ""
        }
    );
    Ok(())
}

/// Bytes that do not compress: a xorshift sequence seeded from the clock, so that a
/// real endpoint never answers with an instant upload of an earlier run's file.
fn generated(len: usize) -> Vec<u8> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut state = 0x2545_f491_4f6c_dd1du64 ^ nanos | 1;
    let mut data = Vec::with_capacity(len + 8);
    while data.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data.extend_from_slice(&state.to_le_bytes());
    }
    data.truncate(len);
    data
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A progress bar on stderr when it is a terminal; nothing otherwise, so that logs
/// and CI output stay plain.
fn progress_bar(label: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>13} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec}",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    bar.set_prefix(label.to_owned());
    bar
}

fn report_to(bar: &ProgressBar) -> ProgressCallback {
    let bar = bar.clone();
    Arc::new(move |p: Progress| {
        bar.set_length(p.total);
        bar.set_position(p.done);
    })
}
