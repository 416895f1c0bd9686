//! Uploads: through the SDK, and the raw baseline (plain parallel `PUT`s of the same
//! parts to the URLs the server handed out).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt};
use koodrive_core::transfer::fs::FileSource;
use koodrive_core::transfer::hashing::{MidstateHasher, hex_digest};
use koodrive_core::transfer::plan::PartPlan;
use koodrive_core::transfer::upload::{
    CompleteUpload, CreateFileMetadata, HashOrder, Hedge, MultiPartInfo, NameConflict,
    UploadOptions, UploadOutcome, UploadResult,
};

use crate::BoxError;
use crate::harness::Harness;

/// What a timed SDK upload produced.
pub struct SdkUpload {
    /// Wall time of `Client::upload`, from call to return.
    pub elapsed: Duration,
    /// What the SDK reported.
    pub outcome: UploadOutcome,
}

/// Uploads `path` through `Client::upload` with a [`FileSource`] and times it.
pub async fn sdk_upload(
    h: &Harness,
    path: &Path,
    name: &str,
    part_size: u64,
    concurrency: usize,
    order: HashOrder,
    hedge: Option<Hedge>,
) -> Result<SdkUpload, BoxError> {
    let source = FileSource::open(path)?;
    let options = UploadOptions {
        part_size: Some(part_size),
        concurrency,
        hash_order: order,
        hedge,
        name_conflict: NameConflict::AutoRename,
        ..UploadOptions::new(&h.container, None, name)
    };
    crate::settle();
    let start = Instant::now();
    let result = h.client.upload(&source, options).await?;
    let elapsed = start.elapsed();
    let outcome = match result {
        UploadResult::Completed(outcome) => outcome,
        UploadResult::Paused(_) => return Err("the upload paused unexpectedly".into()),
    };
    if outcome.rapid || outcome.existed {
        return Err("the emulator answered with a rapid upload: nothing was sent".into());
    }
    Ok(SdkUpload { elapsed, outcome })
}

/// What the raw upload baseline produced.
pub struct RawUpload {
    /// Wall time of the parallel `PUT`s only (reading each part included).
    pub puts: Duration,
    /// Wall time of the `complete_upload` call afterwards (not in `puts`): the
    /// emulator assembles and re-hashes the whole file there.
    pub complete: Duration,
    /// The new file.
    pub file_id: String,
}

/// The raw baseline: the part plan and its `hashCtx` are computed and the upload
/// is created through the SDK's `CreateFileMetadata` (not timed); then only plain
/// reqwest `PUT`s of each part, read from the file, are timed, `concurrency` at a
/// time. The upload is completed afterwards so the file exists (timed apart).
pub async fn raw_upload(
    h: &Harness,
    http: &reqwest::Client,
    path: &Path,
    name: &str,
    part_size: u64,
    concurrency: usize,
) -> Result<RawUpload, BoxError> {
    let file = Arc::new(File::open(path)?);
    let len = file.metadata()?.len();
    let plan = PartPlan::new(len, Some(part_size))?;

    // Not timed: the midstates at every part boundary and the whole-file digest.
    let mut hasher = MidstateHasher::new();
    let mut parts = Vec::new();
    let mut buf = vec![0u8; part_size as usize];
    for spec in plan.parts() {
        let ctx = hasher
            .midstate()
            .ok_or("a part does not start on a block")?;
        parts.push(MultiPartInfo {
            part_number: spec.number,
            part_size: Some(spec.size),
            part_offset: Some(spec.offset),
            hash_ctx: (spec.number > 1).then(|| ctx.to_vec()),
            ..MultiPartInfo::default()
        });
        let chunk = &mut buf[..spec.size as usize];
        file.read_exact_at(chunk, spec.offset)?;
        hasher.update(chunk);
    }
    drop(buf);
    let sha256 = hex_digest(&hasher.finalize());
    let created = h
        .client
        .execute(&CreateFileMetadata {
            container_id: h.container.clone(),
            file_name: name.to_owned(),
            length: len,
            sha256: Some(sha256.clone()),
            auto_rename: NameConflict::AutoRename,
            multi_parts: parts,
            ..CreateFileMetadata::default()
        })
        .await?;
    if created.rapid_upload == Some(true) {
        return Err("the emulator answered with a rapid upload: nothing to send".into());
    }
    let mut targets = Vec::new();
    for info in &created.multi_parts {
        let url = info
            .upload_url
            .clone()
            .ok_or_else(|| format!("part {} came back without a URL", info.part_number))?;
        targets.push((plan.part(info.part_number), url));
    }
    if targets.len() != plan.count() as usize {
        return Err("the server did not return a URL for every part".into());
    }

    // Timed: read each part and PUT it, `concurrency` in flight.
    crate::settle();
    let start = Instant::now();
    futures::stream::iter(targets)
        .map(|(spec, url)| {
            let file = file.clone();
            async move {
                let mut body = vec![0u8; spec.size as usize];
                file.read_exact_at(&mut body, spec.offset)?;
                let response = http
                    .put(url)
                    .header("Content-Type", "application/octet-stream")
                    .body(body)
                    .send()
                    .await?;
                let status = response.status();
                // Read the (empty) body so the connection goes back to the pool.
                response.bytes().await?;
                if !status.is_success() {
                    return Err(format!("part {}: HTTP {status}", spec.number).into());
                }
                Ok::<(), BoxError>(())
            }
        })
        .buffer_unordered(concurrency)
        .try_collect::<()>()
        .await?;
    let puts = start.elapsed();

    crate::settle();
    let start = Instant::now();
    h.client
        .execute(&CompleteUpload {
            file_id: created.file_id.clone(),
            sha256: Some(sha256),
        })
        .await?;
    let complete = start.elapsed();
    Ok(RawUpload {
        puts,
        complete,
        file_id: created.file_id,
    })
}
