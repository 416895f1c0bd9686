//! Local files as upload sources and download targets (native targets, feature `fs`).
//!
//! Reads and writes are positional and synchronous: a part is a few MiB, which the
//! page cache serves in about a millisecond, so they run on the calling task rather
//! than needing a runtime's blocking pool.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use super::download::{DownloadCheckpoint, DownloadOptions, DownloadOutcome, DownloadResult};
use super::{Sink, Source};
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::platform::BoxFuture;

/// A local file to upload.
#[derive(Debug)]
pub struct FileSource {
    file: File,
    len: u64,
    fingerprint: String,
}

impl FileSource {
    /// Opens `path`; its size and modification time make the fingerprint.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Ok(Self {
            len: meta.len(),
            fingerprint: format!("{}:{modified}", meta.len()),
            file,
        })
    }
}

impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn fingerprint(&self) -> Option<String> {
        Some(self.fingerprint.clone())
    }

    fn read_at(&self, offset: u64, len: usize) -> BoxFuture<'_, io::Result<Vec<u8>>> {
        let mut buf = vec![0u8; len];
        let result = read_exact_at(&self.file, &mut buf, offset).map(|()| buf);
        Box::pin(async move { result })
    }
}

/// A local file to download into.
#[derive(Debug)]
pub struct FileSink {
    file: File,
}

impl FileSink {
    /// Opens (or creates) `path` for positional writes, keeping what it holds.
    pub fn open(path: impl AsRef<Path>) -> io::Result<Self> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .read(true)
            .open(path)?;
        Ok(Self { file })
    }
}

impl Sink for FileSink {
    fn write_at<'a>(&'a self, offset: u64, data: &'a [u8]) -> BoxFuture<'a, io::Result<()>> {
        let result = write_all_at(&self.file, data, offset);
        Box::pin(async move { result })
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(unix)]
fn write_all_at(file: &File, data: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, data, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(windows)]
fn write_all_at(file: &File, mut data: &[u8], mut offset: u64) -> io::Result<()> {
    while !data.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_write(file, data, offset)?;
        data = &data[n..];
        offset += n as u64;
    }
    Ok(())
}

/// The files a download to `path` keeps beside it until it is done: the partial
/// content and its checkpoint.
pub fn partial_paths(path: &Path) -> (PathBuf, PathBuf) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = path.parent().unwrap_or(Path::new("."));
    (
        dir.join(format!(".{name}.koodrive-part")),
        dir.join(format!(".{name}.koodrive-checkpoint.json")),
    )
}

impl Client {
    /// Downloads a file to `path`.
    ///
    /// The content goes to a hidden temporary file beside `path`, and is renamed to
    /// `path` only once complete and verified; a failed download leaves no file at
    /// `path`. A pause (or an interruption) leaves the temporary file and a checkpoint
    /// beside it, and the next call with the same path resumes from there. A
    /// verification failure removes both.
    pub async fn download_to_path(
        &self,
        path: impl AsRef<Path>,
        options: DownloadOptions,
    ) -> Result<DownloadResult> {
        let path = path.as_ref();
        let (part_path, checkpoint_path) = partial_paths(path);
        let io_err = |what: &str, e: io::Error| {
            Error::new(ErrorKind::Io, format!("{what} failed")).with_source(e)
        };
        let checkpoint: Option<DownloadCheckpoint> = fs::read(&checkpoint_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .filter(|cp: &DownloadCheckpoint| cp.file_id == options.file_id && part_path.exists());
        let sink =
            FileSink::open(&part_path).map_err(|e| io_err("opening the temporary file", e))?;
        let result = match checkpoint {
            Some(cp) => self.resume_download(&sink, cp, options).await,
            None => self.download(&sink, options).await,
        };
        match result {
            Ok(DownloadResult::Completed(outcome)) => {
                finish_file(&sink, &part_path, path, &outcome)
                    .map_err(|e| io_err("moving the download into place", e))?;
                let _ = fs::remove_file(&checkpoint_path);
                Ok(DownloadResult::Completed(outcome))
            }
            Ok(DownloadResult::Paused(cp)) => {
                let json = serde_json::to_vec(&cp).expect("checkpoints serialize");
                fs::write(&checkpoint_path, json)
                    .map_err(|e| io_err("saving the checkpoint", e))?;
                Ok(DownloadResult::Paused(cp))
            }
            Err(err) => {
                if err.kind() == ErrorKind::Integrity || err.kind() == ErrorKind::Cancelled {
                    // Corrupt or abandoned: nothing worth resuming.
                    let _ = fs::remove_file(&part_path);
                    let _ = fs::remove_file(&checkpoint_path);
                }
                Err(err)
            }
        }
    }
}

fn finish_file(
    sink: &FileSink,
    part_path: &Path,
    path: &Path,
    outcome: &DownloadOutcome,
) -> io::Result<()> {
    sink.file.set_len(outcome.size)?;
    sink.file.sync_all()?;
    fs::rename(part_path, path)
}
