//! `upload` and `download`: progress bars on a terminal, Ctrl-C to pause, and
//! checkpoints beside the local file so that running the same command again resumes.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use koodrive_core::transfer::download::{DownloadOptions, DownloadOutcome, DownloadResult};
use koodrive_core::transfer::fs::FileSource;
use koodrive_core::transfer::upload::{
    NameConflict, UploadCheckpoint, UploadOptions, UploadOutcome, UploadResult,
};
use koodrive_core::transfer::{Progress, TransferControl};
use koodrive_core::{ErrorCode, ErrorKind};

use crate::context::Context;
use crate::exit::{CliResult, Exit, Failure};
use crate::remote::Remote;

/// A progress bar on stderr when it is a terminal; hidden otherwise.
pub fn progress_bar(label: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix:>9} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    bar.set_prefix(label.to_owned());
    bar
}

/// The SDK's progress callback, feeding `bar`.
fn report_to(bar: &ProgressBar) -> koodrive_core::transfer::ProgressCallback {
    let bar = bar.clone();
    Arc::new(move |p: Progress| {
        bar.set_length(p.total);
        bar.set_position(p.done);
    })
}

/// Pauses a transfer on Ctrl-C. A second Ctrl-C ends the program at once.
struct Interrupt {
    fired: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Interrupt {
    fn watch(control: &TransferControl, bar: &ProgressBar) -> Self {
        let fired = Arc::new(AtomicBool::new(false));
        let (control, flag, bar) = (control.clone(), fired.clone(), bar.clone());
        let task = tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_err() {
                return;
            }
            flag.store(true, Ordering::SeqCst);
            bar.suspend(|| eprintln!("pausing; press Ctrl-C again to quit at once"));
            control.pause();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(Exit::Paused as i32);
            }
        });
        Self { fired, task }
    }

    fn fired(&self) -> bool {
        self.fired.load(Ordering::SeqCst)
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where `upload` keeps the checkpoint of `local`: `.NAME.koodrive-upload.json` beside it.
pub fn upload_checkpoint_path(local: &Path) -> PathBuf {
    let name = local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    local
        .parent()
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.koodrive-upload.json"))
}

fn write_checkpoint(path: &Path, checkpoint: &UploadCheckpoint) -> std::io::Result<()> {
    let json = serde_json::to_vec(checkpoint).expect("checkpoints serialize");
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)
}

/// What `upload` was asked to do.
pub struct UploadRequest<'a> {
    /// The local file.
    pub local: &'a Path,
    /// The target folder.
    pub folder: &'a Remote,
    /// The name on the server; the local name when `None`.
    pub name: Option<String>,
    /// What to do when the name is taken.
    pub conflict: NameConflict,
}

/// Uploads a file, resuming from its checkpoint when there is one.
pub async fn upload(
    ctx: &Context,
    container: &str,
    request: UploadRequest<'_>,
) -> CliResult<UploadOutcome> {
    let local = request.local;
    let source = FileSource::open(local)
        .map_err(|e| Failure::io(format!("opening {}", local.display()), e))?;
    if std::fs::metadata(local).is_ok_and(|m| m.is_dir()) {
        return Err(Failure::new(
            Exit::Usage,
            format!("{} is a folder; upload takes files", local.display()),
        ));
    }
    let name = match request.name {
        Some(name) => name,
        None => local
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Failure::new(Exit::Usage, "the local path has no file name"))?,
    };
    let checkpoint_path = upload_checkpoint_path(local);

    let bar = progress_bar("upload");
    let control = TransferControl::new();
    let parent = match request.folder {
        Remote::Root => None,
        Remote::Entry(file) => Some(file.id.clone()),
    };
    let mut options = UploadOptions::new(container, parent, name);
    options.name_conflict = request.conflict;
    options.on_progress = Some(report_to(&bar));
    options.progress_interval = Duration::from_millis(100);
    options.control = control.clone();
    let save_to = checkpoint_path.clone();
    options.on_checkpoint = Some(Arc::new(move |cp: &UploadCheckpoint| {
        // A checkpoint that cannot be written only costs the ability to resume.
        let _ = write_checkpoint(&save_to, cp);
    }));
    let interrupt = Interrupt::watch(&control, &bar);

    // A checkpoint made for another space or folder belongs to an upload that the
    // server placed there; going on with it would not put the file where asked.
    let stored: Option<UploadCheckpoint> = std::fs::read(&checkpoint_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|cp: &UploadCheckpoint| {
            cp.container_id == container && cp.parent_folder == options.parent_folder
        });
    let result = match stored {
        Some(checkpoint) => {
            bar.suspend(|| eprintln!("resuming the upload from {}", checkpoint_path.display()));
            match ctx
                .client
                .resume_upload(&source, checkpoint, options.clone())
                .await
            {
                // A changed file or a forgotten upload cannot resume: start over.
                Err(e)
                    if e.kind() == ErrorKind::InvalidInput
                        || e.code() == Some(&ErrorCode::UploadTaskNotFound) =>
                {
                    bar.suspend(|| eprintln!("cannot resume ({e}); starting over"));
                    let _ = std::fs::remove_file(&checkpoint_path);
                    ctx.client.upload(&source, options).await
                }
                other => other,
            }
        }
        None => ctx.client.upload(&source, options).await,
    };
    bar.finish_and_clear();

    match result {
        Ok(UploadResult::Completed(outcome)) => {
            let _ = std::fs::remove_file(&checkpoint_path);
            Ok(outcome)
        }
        Ok(UploadResult::Paused(checkpoint)) => {
            write_checkpoint(&checkpoint_path, &checkpoint)
                .map_err(|e| Failure::io(format!("saving {}", checkpoint_path.display()), e))?;
            let acked = checkpoint.acked_parts.len();
            Err(Failure::new(
                Exit::Paused,
                format!(
                    "upload paused with {acked} of {} parts sent; run the same command again \
                     to resume (checkpoint {})",
                    checkpoint.plan.count(),
                    checkpoint_path.display()
                ),
            ))
        }
        Err(e) if interrupt.fired() && e.kind() == ErrorKind::Cancelled => Err(Failure::new(
            Exit::Paused,
            "upload interrupted before the file was created; run the same command again",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Downloads a remote file to `local` (a file path, or a folder to put it in).
pub async fn download(
    ctx: &Context,
    container: &str,
    remote: &Remote,
    local: &Path,
) -> CliResult<(PathBuf, DownloadOutcome)> {
    let Remote::Entry(file) = remote else {
        return Err(Failure::new(
            Exit::Usage,
            "the root is a folder; download takes files",
        ));
    };
    if file.is_folder() {
        return Err(Failure::new(
            Exit::Usage,
            format!("{} is a folder; download takes files", file.id),
        ));
    }
    let into_folder = local.is_dir() || local.as_os_str().to_string_lossy().ends_with('/');
    let target = if into_folder {
        let name = file.file_name.clone().unwrap_or_else(|| file.id.clone());
        local.join(name)
    } else {
        local.to_owned()
    };

    let bar = progress_bar("download");
    let control = TransferControl::new();
    let mut options = DownloadOptions::new(container, &file.id);
    options.expected_sha256 = file.sha256.clone();
    options.on_progress = Some(report_to(&bar));
    options.progress_interval = Duration::from_millis(100);
    options.control = control.clone();
    let interrupt = Interrupt::watch(&control, &bar);

    let result = ctx.client.download_to_path(&target, options).await;
    bar.finish_and_clear();
    match result {
        Ok(DownloadResult::Completed(outcome)) => Ok((target, outcome)),
        Ok(DownloadResult::Paused(checkpoint)) => Err(Failure::new(
            Exit::Paused,
            format!(
                "download paused at {} of {} bytes; run the same command again to resume",
                checkpoint.hash.bytes, checkpoint.size
            ),
        )),
        Err(e) if interrupt.fired() && e.kind() == ErrorKind::Cancelled => Err(Failure::new(
            Exit::Paused,
            "download interrupted before it started; run the same command again",
        )),
        Err(e) => Err(e.into()),
    }
}
