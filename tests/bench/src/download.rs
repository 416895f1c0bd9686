//! Downloads: through the SDK into a file, and the raw baseline (plain parallel
//! ranged `GET`s written to a file).

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use koodrive_core::platform::BoxFuture;
use koodrive_core::transfer::Sink;
use koodrive_core::transfer::download::{DownloadOptions, DownloadResult, GetDownloadUrls};
use koodrive_core::transfer::fs::FileSink;

use crate::BoxError;
use crate::harness::Harness;

/// Downloads `file_id` through `Client::download` into a [`FileSink`] at `out`,
/// and times it. With `verify`, the SDK checks the SHA-256 as it goes.
pub async fn sdk_download(
    h: &Harness,
    file_id: &str,
    out: Option<&Path>,
    range_size: u64,
    concurrency: usize,
    verify: bool,
) -> Result<Duration, BoxError> {
    if let Some(out) = out {
        let _ = std::fs::remove_file(out);
    }
    let options = DownloadOptions {
        range_size: Some(range_size),
        concurrency,
        skip_verification: !verify,
        ..DownloadOptions::new(&h.container, file_id)
    };
    crate::settle();
    let start = Instant::now();
    let result = match out {
        Some(out) => h.client.download(&FileSink::open(out)?, options).await?,
        None => h.client.download(&Discard, options).await?,
    };
    let elapsed = start.elapsed();
    match result {
        DownloadResult::Completed(outcome) if outcome.verified || !verify => Ok(elapsed),
        DownloadResult::Completed(_) => Err("the SDK could not verify the download".into()),
        DownloadResult::Paused(_) => Err("the download paused unexpectedly".into()),
    }
}

/// Downloads through `Client::download_to_path` (temporary file, `fsync`, rename),
/// for comparison with the sink above.
pub async fn sdk_download_to_path(
    h: &Harness,
    file_id: &str,
    out: &Path,
    range_size: u64,
    concurrency: usize,
) -> Result<Duration, BoxError> {
    let _ = std::fs::remove_file(out);
    let options = DownloadOptions {
        range_size: Some(range_size),
        concurrency,
        ..DownloadOptions::new(&h.container, file_id)
    };
    crate::settle();
    let start = Instant::now();
    let result = h.client.download_to_path(out, options).await?;
    let elapsed = start.elapsed();
    match result {
        DownloadResult::Completed(_) => Ok(elapsed),
        DownloadResult::Paused(_) => Err("the download paused unexpectedly".into()),
    }
}

/// A sink that drops what it is given: measures the transfer without a disk.
struct Discard;

impl Sink for Discard {
    fn write_at<'a>(&'a self, _offset: u64, _data: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// The raw baseline: the download URL comes from `get_download_urls` through
/// `client.execute` (not timed); then plain reqwest ranged `GET`s of the same
/// ranges, `concurrency` at a time, stream into `out` at their offsets (timed).
pub async fn raw_download(
    h: &Harness,
    http: &reqwest::Client,
    file_id: &str,
    size: u64,
    out: Option<&Path>,
    range_size: u64,
    concurrency: usize,
) -> Result<Duration, BoxError> {
    if let Some(out) = out {
        let _ = std::fs::remove_file(out);
    }
    let urls = h
        .client
        .execute(&GetDownloadUrls {
            container_id: h.container.clone(),
            file_ids: vec![file_id.to_owned()],
        })
        .await?;
    let url = urls
        .downloads
        .into_iter()
        .find_map(|d| d.url.filter(|u| !u.is_empty()))
        .ok_or("no download URL")?;

    crate::settle();
    let start = Instant::now();
    let file: Option<Arc<File>> = match out {
        Some(out) => Some(Arc::new(
            OpenOptions::new()
                .create(true)
                .truncate(true)
                .write(true)
                .open(out)?,
        )),
        None => None,
    };
    let ranges = (0..size.div_ceil(range_size)).map(|i| {
        let offset = i * range_size;
        (offset, range_size.min(size - offset))
    });
    futures::stream::iter(ranges)
        .map(|(offset, len)| {
            let (file, url) = (file.clone(), url.as_str());
            async move {
                let mut response = http
                    .get(url)
                    .header("Range", format!("bytes={offset}-{}", offset + len - 1))
                    .send()
                    .await?;
                if response.status().as_u16() != 206 {
                    return Err(format!("range at {offset}: HTTP {}", response.status()).into());
                }
                let mut at = offset;
                while let Some(chunk) = response.chunk().await? {
                    if let Some(file) = &file {
                        file.write_all_at(&chunk, at)?;
                    }
                    at += chunk.len() as u64;
                }
                if at != offset + len {
                    return Err(format!("range at {offset} came back short").into());
                }
                Ok::<(), BoxError>(())
            }
        })
        .buffer_unordered(concurrency)
        .try_collect::<()>()
        .await?;
    Ok(start.elapsed())
}
