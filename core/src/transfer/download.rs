//! Ranged parallel download (files.md §1.6): the wire operation, the sans-IO state
//! machine, and the async driver.
//!
//! The file's download URL is fetched once (and again when it expires); ranges of
//! it are fetched in parallel and written to a [`Sink`] at their offsets. The
//! content is hashed in order as ranges arrive, holding at most a window of ranges
//! in memory, so the SHA-256 can be checked against the server's without reading the
//! sink back. A checkpoint records the verified prefix; resuming fetches the rest.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::hashing::{HashProgress, MidstateHasher, hex_digest};
use super::{ProgressCallback, Reporter, Retries, Sink, TransferControl, hash_in_slices};
use crate::client::Client;
use crate::error::{Error, ErrorCode, ErrorKind, Result, ValidationError};
use crate::files::GetFile;
use crate::http::{Headers, HttpRequest, Method};
use crate::operation::{Operation, RequestSpec, parse_top};
use crate::platform::BoxFuture;
use crate::retry;
use crate::transport::TransportErrorKind;
use crate::validate;
use crate::wire::lenient;

/// The default range size: 8 MiB.
pub const DEFAULT_RANGE_SIZE: u64 = 8 * 1024 * 1024;

/// `get_download_urls`: download addresses of up to 100 files of one space.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetDownloadUrls {
    /// The space holding the files.
    pub container_id: String,
    /// The files, at most 100.
    pub file_ids: Vec<String>,
}

/// One file's download address (`DownloadInfoResponse`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DownloadInfo {
    /// The file id.
    pub file_id: String,
    /// The file name.
    pub file_name: Option<String>,
    /// The download address.
    pub url: Option<String>,
    /// The item's result code; `0` on success.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub code: Option<String>,
    /// The item's message.
    pub msg: Option<String>,
    /// The content's SHA-256 (not documented; some servers send it).
    pub sha256: Option<String>,
    /// The content's length (not documented; some servers send it).
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub size: Option<u64>,
}

/// What `get_download_urls` returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DownloadUrls {
    /// `0` partial success, `1` all succeeded, `2` all failed.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub batch_code: Option<i64>,
    /// One entry per file.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub downloads: Vec<DownloadInfo>,
}

impl Operation for GetDownloadUrls {
    const NAME: &'static str = "get_download_urls";
    const IDEMPOTENT: bool = true;
    type Output = DownloadUrls;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("containerId", &self.container_id)?;
        validate::ids("fileIds", &self.file_ids)
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Post, "/koodrive/ose/v1/files/download")
            .json(json!({ "containerId": self.container_id, "fileIds": self.file_ids }))
    }

    fn parse(status: u16, body: &[u8]) -> Result<DownloadUrls> {
        parse_top(status, body)
    }
}

/// What to download, and how.
#[derive(Clone, Default)]
pub struct DownloadOptions {
    /// The space holding the file.
    pub container_id: String,
    /// The file.
    pub file_id: String,
    /// Bytes per range request; 8 MiB when `None`. Rounded up to a multiple of 64.
    pub range_size: Option<u64>,
    /// Ranges fetched at the same time; 4 when 0.
    pub concurrency: usize,
    /// The expected SHA-256 (hex); taken from the server when `None`.
    pub expected_sha256: Option<String>,
    /// Do not hash the content: faster, but nothing checks what was written.
    pub skip_verification: bool,
    /// Receives progress.
    pub on_progress: Option<ProgressCallback>,
    /// The shortest time between two progress reports; 100 ms when zero.
    pub progress_interval: Duration,
    /// Pauses or cancels the download.
    pub control: TransferControl,
    /// Receives a fresh checkpoint whenever the verified prefix grows, so that a
    /// download that fails or whose process dies can resume from the last one.
    pub on_checkpoint: Option<DownloadCheckpointCallback>,
}

/// Receives download checkpoints as the download advances.
pub type DownloadCheckpointCallback = std::sync::Arc<dyn Fn(&DownloadCheckpoint) + Send + Sync>;

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("container_id", &self.container_id)
            .field("file_id", &self.file_id)
            .field("range_size", &self.range_size)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl DownloadOptions {
    /// A download of `file_id` from `container_id`.
    pub fn new(container_id: impl Into<String>, file_id: impl Into<String>) -> Self {
        Self {
            container_id: container_id.into(),
            file_id: file_id.into(),
            ..Self::default()
        }
    }
}

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadOutcome {
    /// The file.
    pub file_id: String,
    /// Its name, when the server said.
    pub file_name: Option<String>,
    /// Its length.
    pub size: u64,
    /// The SHA-256 of what was written, hex; `None` when verification was skipped.
    pub sha256: Option<String>,
    /// Whether it was checked against a digest from the server or the caller.
    pub verified: bool,
}

/// How a download ended without an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadResult {
    /// Every byte is in the sink (and verified when a digest was known).
    Completed(DownloadOutcome),
    /// Paused; resume from the checkpoint with the same sink.
    Paused(DownloadCheckpoint),
}

/// What a download needs to go on later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadCheckpoint {
    /// The checkpoint format.
    pub version: u32,
    /// The file.
    pub file_id: String,
    /// Its space.
    pub container_id: String,
    /// Its length.
    pub size: u64,
    /// Bytes per range.
    pub range_size: u64,
    /// The prefix written and hashed.
    pub hash: HashProgress,
    /// The digest to check at the end, if known.
    pub expected_sha256: Option<String>,
    /// The file name, if known.
    pub file_name: Option<String>,
    /// Whether the prefix was hashed (`hash.words` are meaningful).
    #[serde(default = "hashed_by_default")]
    pub verified: bool,
}

fn hashed_by_default() -> bool {
    true
}

/// The checkpoint format this SDK writes.
pub const CHECKPOINT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RangeState {
    Pending,
    Fetching,
    /// Fetched and written, waiting to be hashed in order.
    Fetched,
    Done,
}

/// One byte range of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// Index of the range.
    pub index: u32,
    /// First byte.
    pub offset: u64,
    /// Length.
    pub len: u64,
}

/// Bytes handed around by the machine; `Debug` shows only their length.
#[derive(Clone, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bytes({} bytes)", self.0.len())
    }
}

/// The next thing the download driver should do.
#[derive(Debug, Clone)]
pub enum DownloadAction {
    /// Ask for the download URL (and size and digest), then call
    /// [`DownloadMachine::got_url`].
    RequestUrl,
    /// Fetch a range from `url`, then call [`DownloadMachine::fetched`] or
    /// [`DownloadMachine::fetch_failed`].
    Fetch {
        /// The range.
        range: ByteRange,
        /// The URL.
        url: String,
    },
    /// Hash the next range in order: feed `bytes` to `hasher` and give the
    /// hasher back to [`DownloadMachine::hashed`].
    Hash {
        /// The range.
        range: ByteRange,
        /// Its bytes.
        bytes: Bytes,
        /// The hashing state to continue.
        hasher: MidstateHasher,
    },
    /// Wait for work in flight.
    Wait,
    /// Done.
    Finished(DownloadOutcome),
}

/// The download state machine; it does no I/O.
#[derive(Debug)]
pub struct DownloadMachine {
    file_id: String,
    container_id: String,
    file_name: Option<String>,
    size: Option<u64>,
    range_size: u64,
    window: usize,
    ranges: Vec<RangeState>,
    /// Fetched bytes waiting for their turn to be hashed.
    unhashed: BTreeMap<u32, Vec<u8>>,
    hasher: MidstateHasher,
    /// Whether the content is hashed and checked.
    verify: bool,
    /// The contiguous prefix written, when the content is not hashed.
    unhashed_prefix: u64,
    /// The length of the range being hashed, while one is.
    hashing: Option<u64>,
    url: Option<String>,
    url_in_flight: bool,
    expected_sha256: Option<String>,
    outcome: Option<DownloadOutcome>,
}

impl DownloadMachine {
    /// A new download.
    pub fn new(options: &DownloadOptions) -> Result<Self> {
        validate::id("containerId", &options.container_id)?;
        validate::id("fileId", &options.file_id)?;
        let range_size = options
            .range_size
            .unwrap_or(DEFAULT_RANGE_SIZE)
            .max(64)
            .div_ceil(64)
            * 64;
        let concurrency = if options.concurrency == 0 {
            4
        } else {
            options.concurrency
        };
        Ok(Self {
            file_id: options.file_id.clone(),
            container_id: options.container_id.clone(),
            file_name: None,
            size: None,
            range_size,
            window: concurrency * 2,
            ranges: Vec::new(),
            unhashed: BTreeMap::new(),
            hasher: MidstateHasher::new(),
            verify: !options.skip_verification,
            unhashed_prefix: 0,
            hashing: None,
            url: None,
            url_in_flight: false,
            expected_sha256: options.expected_sha256.clone(),
            outcome: None,
        })
    }

    /// A download that goes on from `checkpoint`.
    pub fn resume(checkpoint: &DownloadCheckpoint, options: &DownloadOptions) -> Result<Self> {
        let bad = |reason: &str| {
            Error::from(ValidationError::BadCheckpoint {
                reason: reason.into(),
            })
        };
        if checkpoint.version != CHECKPOINT_VERSION {
            return Err(bad("unknown checkpoint format"));
        }
        if checkpoint.file_id != options.file_id || checkpoint.container_id != options.container_id
        {
            return Err(bad("it belongs to another file"));
        }
        if checkpoint.range_size == 0
            || !checkpoint.range_size.is_multiple_of(64)
            || checkpoint.hash.bytes > checkpoint.size
            || (checkpoint.hash.bytes != checkpoint.size
                && !checkpoint.hash.bytes.is_multiple_of(checkpoint.range_size))
        {
            return Err(bad("its ranges do not fit the file"));
        }
        let mut machine = Self::new(&DownloadOptions {
            range_size: Some(checkpoint.range_size),
            ..options.clone()
        })?;
        machine.expected_sha256 = options
            .expected_sha256
            .clone()
            .or_else(|| checkpoint.expected_sha256.clone());
        machine.file_name = checkpoint.file_name.clone();
        if checkpoint.verified != machine.verify {
            return Err(bad("it was made with verification set the other way"));
        }
        if machine.verify {
            machine.hasher = MidstateHasher::resume(checkpoint.hash);
        } else {
            machine.unhashed_prefix = checkpoint.hash.bytes;
        }
        machine.set_size(checkpoint.size);
        Ok(machine)
    }

    fn set_size(&mut self, size: u64) {
        self.size = Some(size);
        let count = size.div_ceil(self.range_size) as usize;
        let done = (self.prefix() / self.range_size) as usize;
        self.ranges = (0..count)
            .map(|i| {
                if i < done {
                    RangeState::Done
                } else {
                    RangeState::Pending
                }
            })
            .collect();
    }

    fn range(&self, index: u32) -> ByteRange {
        let size = self.size.unwrap_or(0);
        let offset = u64::from(index) * self.range_size;
        ByteRange {
            index,
            offset,
            len: self.range_size.min(size - offset),
        }
    }

    /// The contiguous prefix that is finished: hashed, or, without verification,
    /// written.
    fn prefix(&self) -> u64 {
        if self.verify {
            self.hasher.length()
        } else {
            self.unhashed_prefix
        }
    }

    /// Bytes written and hashed, plus bytes written and waiting to be hashed.
    pub fn done_bytes(&self) -> u64 {
        self.prefix()
            + self.hashing.unwrap_or(0)
            + self.unhashed.values().map(|b| b.len() as u64).sum::<u64>()
    }

    /// Bytes written and verified in order.
    pub fn hashed_bytes(&self) -> u64 {
        self.hasher.length()
    }

    /// The file's length, once known.
    pub fn size(&self) -> Option<u64> {
        self.size
    }

    /// What to do next, given how many more fetches may start.
    pub fn next_action(&mut self, free_slots: usize) -> DownloadAction {
        if let Some(outcome) = &self.outcome {
            return DownloadAction::Finished(outcome.clone());
        }
        let Some(url) = self.url.clone() else {
            if self.url_in_flight {
                return DownloadAction::Wait;
            }
            self.url_in_flight = true;
            return DownloadAction::RequestUrl;
        };
        // Hash the next range in order as soon as it is here.
        if self.verify && self.hashing.is_none() {
            let next = (self.prefix() / self.range_size) as u32;
            if let Some(bytes) = self.unhashed.remove(&next) {
                self.hashing = Some(bytes.len() as u64);
                return DownloadAction::Hash {
                    range: self.range(next),
                    bytes: Bytes(bytes),
                    hasher: self.hasher.clone(),
                };
            }
        }
        // Ranges are done exactly up to the prefix, so it says how far the download is
        // without a walk over every range.
        if self.size == Some(self.prefix()) {
            return match self.finish() {
                Some(outcome) => DownloadAction::Finished(outcome),
                None => DownloadAction::Wait,
            };
        }
        // Stay within a window past the hashing position so memory stays bounded.
        let first_open = (self.prefix() / self.range_size) as usize;
        if free_slots > 0 {
            let limit = (first_open + self.window).min(self.ranges.len());
            if let Some(i) = (first_open..limit).find(|i| self.ranges[*i] == RangeState::Pending) {
                self.ranges[i] = RangeState::Fetching;
                return DownloadAction::Fetch {
                    range: self.range(i as u32),
                    url,
                };
            }
        }
        DownloadAction::Wait
    }

    /// Records the download URL, size and digest.
    pub fn got_url(
        &mut self,
        url: String,
        size: u64,
        sha256: Option<String>,
        file_name: Option<String>,
    ) {
        self.url_in_flight = false;
        self.url = Some(url);
        if self.expected_sha256.is_none() {
            self.expected_sha256 = sha256;
        }
        if self.file_name.is_none() {
            self.file_name = file_name;
        }
        if self.size.is_none() {
            self.set_size(size);
        }
    }

    /// Forgets an expired URL so that a new one is requested.
    pub fn url_expired(&mut self, range: ByteRange) {
        self.ranges[range.index as usize] = RangeState::Pending;
        if !self.url_in_flight {
            self.url = None;
        }
    }

    /// Puts a range back to be fetched again.
    pub fn fetch_failed(&mut self, range: ByteRange) {
        self.ranges[range.index as usize] = RangeState::Pending;
    }

    /// Records a range written to the sink; it waits for its turn to be hashed.
    pub fn fetched(&mut self, range: ByteRange, bytes: Vec<u8>) {
        self.ranges[range.index as usize] = RangeState::Fetched;
        if self.verify {
            self.unhashed.insert(range.index, bytes);
            return;
        }
        // Without hashing, the prefix grows over whatever is contiguous now.
        while let Some(state) = self
            .ranges
            .get_mut((self.unhashed_prefix / self.range_size) as usize)
            && *state == RangeState::Fetched
        {
            *state = RangeState::Done;
            let size = self.size.unwrap_or(0);
            self.unhashed_prefix = (self.unhashed_prefix + self.range_size).min(size);
        }
    }

    /// Records a range as hashed, given the hasher from its [`DownloadAction::Hash`].
    pub fn hashed(&mut self, range: ByteRange, hasher: MidstateHasher) {
        debug_assert_eq!(hasher.length(), range.offset + range.len);
        self.hashing = None;
        self.hasher = hasher;
        self.ranges[range.index as usize] = RangeState::Done;
    }

    fn finish(&mut self) -> Option<DownloadOutcome> {
        let size = self.size?;
        let sha256 = self
            .verify
            .then(|| hex_digest(&self.hasher.clone().finalize()));
        let outcome = DownloadOutcome {
            file_id: self.file_id.clone(),
            file_name: self.file_name.clone(),
            size,
            verified: self.verify && self.expected_sha256.is_some(),
            sha256,
        };
        self.outcome = Some(outcome.clone());
        Some(outcome)
    }

    /// The expected digest, if known.
    pub fn expected_sha256(&self) -> Option<&str> {
        self.expected_sha256.as_deref()
    }

    /// A checkpoint of the verified prefix.
    pub fn checkpoint(&self) -> Option<DownloadCheckpoint> {
        Some(DownloadCheckpoint {
            version: CHECKPOINT_VERSION,
            file_id: self.file_id.clone(),
            container_id: self.container_id.clone(),
            size: self.size?,
            range_size: self.range_size,
            hash: if self.verify {
                self.hasher.progress()?
            } else {
                HashProgress {
                    bytes: self.unhashed_prefix,
                    words: [0; 8],
                }
            },
            expected_sha256: self.expected_sha256.clone(),
            file_name: self.file_name.clone(),
            verified: self.verify,
        })
    }
}

enum Event {
    Url(Result<(String, u64, Option<String>, Option<String>)>),
    Hashed(ByteRange, MidstateHasher),
    Fetched(ByteRange, Result<FetchOutcome>),
    RetryDue(ByteRange),
}

enum FetchOutcome {
    Bytes(Vec<u8>),
    UrlExpired,
}

impl Client {
    /// Downloads a file into `sink`, verifying its SHA-256 when one is known. Pause
    /// and cancel through `options.control`.
    pub async fn download(
        &self,
        sink: &dyn Sink,
        options: DownloadOptions,
    ) -> Result<DownloadResult> {
        let machine = DownloadMachine::new(&options).map_err(|e| e.with_operation("download"))?;
        run_download(self, sink, options, machine).await
    }

    /// Goes on with a download from its checkpoint, into the same sink.
    pub async fn resume_download(
        &self,
        sink: &dyn Sink,
        checkpoint: DownloadCheckpoint,
        options: DownloadOptions,
    ) -> Result<DownloadResult> {
        let machine = DownloadMachine::resume(&checkpoint, &options)
            .map_err(|e| e.with_operation("download"))?;
        run_download(self, sink, options, machine).await
    }

    /// The URL, size, digest and name of a file to download.
    async fn download_source(
        &self,
        options: &DownloadOptions,
    ) -> Result<(String, u64, Option<String>, Option<String>)> {
        let op = GetDownloadUrls {
            container_id: options.container_id.clone(),
            file_ids: vec![options.file_id.clone()],
        };
        let urls = self.execute(&op).await?;
        let info = urls
            .downloads
            .into_iter()
            .find(|d| d.file_id == options.file_id)
            .unwrap_or_default();
        let code = info.code.as_deref().unwrap_or("0");
        let url = info.url.filter(|u| !u.is_empty());
        let Some(url) = url.filter(|_| code == "0") else {
            let code = code
                .parse::<i64>()
                .map(ErrorCode::from_number)
                .unwrap_or(ErrorCode::DownloadUrlMissing);
            return Err(Error::api(400, code, info.msg).with_operation(GetDownloadUrls::NAME));
        };
        let (mut size, mut sha256) = (info.size, info.sha256);
        if size.is_none() || sha256.is_none() {
            let file = self
                .execute(&GetFile::new(&options.file_id, &options.container_id))
                .await?;
            size = size.or(file.size);
            sha256 = sha256.or(file.sha256);
        }
        let size = size.ok_or_else(|| {
            Error::new(ErrorKind::Decode, "the server did not tell the file's size")
        })?;
        Ok((url, size, sha256, info.file_name))
    }
}

async fn run_download(
    client: &Client,
    sink: &dyn Sink,
    options: DownloadOptions,
    mut machine: DownloadMachine,
) -> Result<DownloadResult> {
    let fail = |e: Error| e.with_operation("download");
    let concurrency = if options.concurrency == 0 {
        4
    } else {
        options.concurrency
    };
    let mut retries = Retries::new(client);
    let mut reporter = Reporter::new(options.on_progress.clone(), options.progress_interval);
    let total = |m: &DownloadMachine| m.size().unwrap_or(0);
    let mut in_flight: FuturesUnordered<BoxFuture<'_, Event>> = FuturesUnordered::new();
    let mut fetching = 0usize;

    loop {
        if options.control.is_cancelled() {
            return Err(fail(Error::new(
                ErrorKind::Cancelled,
                "the download was cancelled",
            )));
        }
        if options.control.is_paused() {
            match machine.checkpoint() {
                Some(cp) => return Ok(DownloadResult::Paused(cp)),
                // Not started: nothing to resume from.
                None if machine.size().is_none() => {
                    return Err(fail(Error::new(
                        ErrorKind::Cancelled,
                        "paused before the download started",
                    )));
                }
                // Every byte is hashed but the last block is partial: finishing is
                // all that is left, so finish.
                None => {}
            }
        }
        loop {
            match machine.next_action(concurrency.saturating_sub(fetching)) {
                DownloadAction::Wait => break,
                DownloadAction::Finished(outcome) => {
                    if let (Some(expected), Some(actual)) =
                        (machine.expected_sha256(), outcome.sha256.as_deref())
                        && !expected.eq_ignore_ascii_case(actual)
                    {
                        return Err(fail(Error::new(
                            ErrorKind::Integrity,
                            format!(
                                "the downloaded content's SHA-256 is {actual}, the server's is \
                                 {expected}"
                            ),
                        )));
                    }
                    reporter.report(
                        client,
                        machine.done_bytes(),
                        machine.hashed_bytes(),
                        total(&machine),
                        true,
                    );
                    return Ok(DownloadResult::Completed(outcome));
                }
                DownloadAction::Hash {
                    range,
                    bytes,
                    hasher,
                } => {
                    in_flight.push(Box::pin(async move {
                        Event::Hashed(range, hash_in_slices(hasher, &bytes.0).await)
                    }));
                }
                DownloadAction::RequestUrl => {
                    let options = &options;
                    in_flight.push(Box::pin(async move {
                        Event::Url(client.download_source(options).await)
                    }));
                }
                DownloadAction::Fetch { range, url } => {
                    fetching += 1;
                    in_flight.push(Box::pin(async move {
                        let result = match fetch_range(client, &url, range).await {
                            Ok(FetchOutcome::Bytes(bytes)) => {
                                match sink.write_at(range.offset, &bytes).await {
                                    Ok(()) => Ok(FetchOutcome::Bytes(bytes)),
                                    Err(e) => Err(Error::new(
                                        ErrorKind::Io,
                                        "writing to the download sink failed",
                                    )
                                    .with_source(e)),
                                }
                            }
                            other => other,
                        };
                        Event::Fetched(range, result)
                    }));
                }
            }
        }
        let Some(event) = in_flight.next().await else {
            return Err(fail(Error::new(ErrorKind::Decode, "the download stalled")));
        };
        match event {
            Event::Url(result) => {
                let (url, size, sha256, name) = result.map_err(fail)?;
                machine.got_url(url, size, sha256, name);
            }
            Event::RetryDue(range) => machine.fetch_failed(range),
            Event::Hashed(range, hasher) => {
                machine.hashed(range, hasher);
                reporter.report(
                    client,
                    machine.done_bytes(),
                    machine.hashed_bytes(),
                    total(&machine),
                    false,
                );
                if let (Some(save), Some(cp)) = (&options.on_checkpoint, machine.checkpoint()) {
                    save(&cp);
                }
            }
            Event::Fetched(range, result) => {
                fetching -= 1;
                match result {
                    Ok(FetchOutcome::Bytes(bytes)) => {
                        retries.after_success();
                        machine.fetched(range, bytes);
                        reporter.report(
                            client,
                            machine.done_bytes(),
                            machine.hashed_bytes(),
                            total(&machine),
                            false,
                        );
                    }
                    Ok(FetchOutcome::UrlExpired) => {
                        retries.after_refusal(range.index).map_err(fail)?;
                        machine.url_expired(range);
                    }
                    Err(err) => {
                        let Some(wait) = retries.after_failure(range.index, &err) else {
                            return Err(fail(err));
                        };
                        tracing::debug!(range = range.index, wait_ms = wait.as_millis() as u64, error = %err, "retrying range");
                        // Wait without holding up the ranges still in flight.
                        in_flight.push(Box::pin(async move {
                            client.clock().sleep(wait).await;
                            Event::RetryDue(range)
                        }));
                    }
                }
            }
        }
    }
}

/// Fetches one range; a short body counts as a transport failure to retry.
async fn fetch_range(client: &Client, url: &str, range: ByteRange) -> Result<FetchOutcome> {
    if range.len == 0 {
        return Ok(FetchOutcome::Bytes(Vec::new()));
    }
    let mut headers = Headers::new();
    headers.set(
        "Range",
        format!("bytes={}-{}", range.offset, range.offset + range.len - 1),
    );
    let request = HttpRequest {
        method: Method::Get,
        url: url.to_owned(),
        headers,
        body: Vec::new(),
    };
    let response = client.send_presigned(request).await.map_err(|e| {
        let kind = if e.kind == TransportErrorKind::Timeout {
            ErrorKind::Timeout
        } else {
            ErrorKind::Transport
        };
        Error::new(kind, "a range could not be fetched").with_source(e)
    })?;
    match response.status {
        206 | 200 => {
            let mut body = response.body;
            if response.status == 200 && body.len() as u64 > range.len {
                // A server that ignores Range sends everything; keep the range.
                let start = range.offset as usize;
                body = body
                    .get(start..start + range.len as usize)
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default();
            }
            if body.len() as u64 != range.len {
                return Err(Error::new(
                    ErrorKind::Transport,
                    format!(
                        "a range came back with {} of {} bytes",
                        body.len(),
                        range.len
                    ),
                ));
            }
            Ok(FetchOutcome::Bytes(body))
        }
        403 => Ok(FetchOutcome::UrlExpired),
        status => {
            let retry_after = response
                .headers
                .get("retry-after")
                .and_then(retry::parse_retry_after);
            Err(Error::http(status, None).with_retry_after(retry_after))
        }
    }
}
