//! Multipart upload (files.md §1.3–§1.5): the wire operations, the sans-IO state
//! machine, and the async driver that runs it.
//!
//! The flow: read the file once, computing the SHA-256 chaining words (`hashCtx`) at
//! every part boundary and the whole-file digest; create the file's metadata with the
//! part plan; `PUT` each part to its presigned URL, a few at a time; complete. Two
//! orders are offered:
//! - [`HashOrder::HashFirst`] (the default) hashes the whole file before creating the
//!   metadata, so the server can answer `rapidUpload: true` and no byte is sent when it
//!   already holds the content;
//! - [`HashOrder::Pipelined`] creates the metadata first and asks for each part's URL as
//!   soon as its midstate is known, so hashing and sending overlap and each byte is read
//!   once; rapid upload then needs the caller to know the digest in advance.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::hashing::{HashProgress, MidstateHasher, hex_digest};
use super::plan::{PartPlan, PartSpec};
use super::{ProgressCallback, Reporter, Retries, Source, TransferControl, hash_in_slices};
use crate::client::Client;
use crate::error::{Error, ErrorKind, Result, ValidationError};
use crate::http::{Headers, HttpRequest, Method};
use crate::model::{FileType, int_enum};
use crate::operation::{Operation, RequestSpec, body, parse_top};
use crate::platform::BoxFuture;
use crate::retry;
use crate::transport::TransportErrorKind;
use crate::validate;
use crate::wire::{Empty, lenient};

/// How long a part URL lives (`X-Amz-Expires`).
pub const PART_URL_LIFETIME: Duration = Duration::from_secs(3600);
/// A URL closer than this to its expiry is renewed before use.
const URL_RENEW_MARGIN_MS: u64 = 60_000;
/// Bytes of the file's start that `preHash` covers.
const PRE_HASH_LEN: u64 = 1024;

int_enum! {
    /// What to do when the target folder already holds a file of that name (`autoRename`).
    #[derive(Default)]
    NameConflict {
        /// `2`: keep both; the new file's name gets a timestamp.
        AutoRename = 2,
        /// `3`: refuse with 13000405.
        #[default]
        Fail = 3,
        /// `4`: if the existing file has the same content, keep it and send nothing;
        /// otherwise rename like `AutoRename`.
        SkipIfIdentical = 4,
    }
}

/// One part as the upload calls describe it (`MultiPartInfo`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MultiPartInfo {
    /// 1-based part number.
    pub part_number: u32,
    /// The part's length.
    #[serde(
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub part_size: Option<u64>,
    /// The part's first byte.
    #[serde(
        deserialize_with = "lenient::opt_u64",
        skip_serializing_if = "Option::is_none"
    )]
    pub part_offset: Option<u64>,
    /// The SHA-256 chaining words after all bytes before the part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash_ctx: Option<Vec<u32>>,
    /// Where to `PUT` the part (responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_url: Option<String>,
    /// The part object's id (responses only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_id: Option<String>,
}

/// `create_file_metadata`: step one of an upload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateFileMetadata {
    /// The target space.
    pub container_id: String,
    /// The file name.
    pub file_name: String,
    /// The target folder; the root when `None`.
    pub parent_folder: Option<String>,
    /// The file's length.
    pub length: u64,
    /// The whole file's SHA-256, hex; lets the server answer with a rapid upload.
    pub sha256: Option<String>,
    /// The SHA-256 of the first 1 KiB, hex.
    pub pre_hash: Option<String>,
    /// The name-clash policy.
    pub auto_rename: NameConflict,
    /// The content type.
    pub mime_type: Option<String>,
    /// The file type code; the server guesses when `None`.
    pub file_type: Option<FileType>,
    /// The part plan.
    pub multi_parts: Vec<MultiPartInfo>,
}

/// What `create_file_metadata` returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreatedFile {
    /// The new file's id.
    pub file_id: String,
    /// `true`: the server already holds the content; the file exists, nothing to send.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub rapid_upload: Option<bool>,
    /// The space.
    pub container_id: Option<String>,
    /// The final name (renamed on a clash with `AutoRename`).
    pub file_name: Option<String>,
    /// The upload's id.
    pub upload_id: Option<String>,
    /// The parent folder.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub parent_folder: Vec<String>,
    /// With `SkipIfIdentical`: an identical file was already there.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub exist: Option<bool>,
    /// The parts, with URLs for those the server can take now.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub multi_parts: Vec<MultiPartInfo>,
}

impl Operation for CreateFileMetadata {
    const NAME: &'static str = "create_file_metadata";
    const IDEMPOTENT: bool = false;
    type Output = CreatedFile;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("containerId", &self.container_id)?;
        validate::file_name("fileName", &self.file_name)?;
        if let Some(parent) = &self.parent_folder {
            validate::id("parentFolder", parent)?;
        }
        if self.multi_parts.len() as u64 > super::plan::MAX_PARTS {
            return Err(ValidationError::TooMany {
                field: "multiParts",
                count: self.multi_parts.len(),
                max: super::plan::MAX_PARTS as usize,
            });
        }
        Ok(())
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Post, "/koodrive/ose/v1/files/create").json(body(json!({
            "fileName": self.file_name,
            "fileType": self.file_type,
            "parentFolder": [self.parent_folder.as_deref().unwrap_or("root")],
            "sha256": self.sha256,
            "length": self.length,
            "uploadMode": "multipart",
            "uploadType": 1,
            "autoRename": self.auto_rename,
            "multiParts": self.multi_parts,
            "containerId": self.container_id,
            "preHash": self.pre_hash,
            "mimeType": self.mime_type,
        })))
    }

    fn parse(status: u16, body: &[u8]) -> Result<CreatedFile> {
        parse_top(status, body)
    }
}

/// `get_upload_urls`: fresh part URLs (and, in a pipelined upload, the parts' `hashCtx`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GetUploadUrls {
    /// The file being uploaded.
    pub file_id: String,
    /// The parts wanted.
    pub multi_parts: Vec<MultiPartInfo>,
}

/// What `get_upload_urls` returns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UploadUrls {
    /// The parts, with `uploadUrl` filled.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub multi_parts: Vec<MultiPartInfo>,
}

impl Operation for GetUploadUrls {
    const NAME: &'static str = "get_upload_urls";
    const IDEMPOTENT: bool = true;
    type Output = UploadUrls;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("fileId", &self.file_id)?;
        if self.multi_parts.is_empty() {
            return Err(ValidationError::Empty {
                field: "multiParts",
            });
        }
        Ok(())
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Post, "/koodrive/ose/v1/files/multipart/uploadUrl").json(json!({
            "fileId": self.file_id,
            "multiParts": self.multi_parts,
        }))
    }

    fn parse(status: u16, body: &[u8]) -> Result<UploadUrls> {
        parse_top(status, body)
    }
}

/// `complete_upload`: asks the server to check and assemble the parts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CompleteUpload {
    /// The file being uploaded.
    pub file_id: String,
    /// The whole file's SHA-256, hex.
    pub sha256: Option<String>,
}

impl Operation for CompleteUpload {
    const NAME: &'static str = "complete_upload";
    // Completing twice is harmless: the second call finds the file complete.
    const IDEMPOTENT: bool = true;
    type Output = Empty;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("fileId", &self.file_id)
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Post, "/koodrive/ose/v1/files/complete").json(body(
            json!({ "fileId": self.file_id, "sha256": self.sha256 }),
        ))
    }

    fn parse(status: u16, body: &[u8]) -> Result<Empty> {
        parse_top(status, body)
    }
}

/// When the file is hashed relative to sending it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum HashOrder {
    /// Hash everything, then create with the digest: rapid upload can skip sending.
    #[default]
    HashFirst,
    /// Create first, hash and send in one overlapping pass.
    Pipelined,
}

/// What to upload where, and how.
#[derive(Clone, Default)]
pub struct UploadOptions {
    /// The target space.
    pub container_id: String,
    /// The target folder; the root when `None`.
    pub parent_folder: Option<String>,
    /// The file name.
    pub file_name: String,
    /// The name-clash policy.
    pub name_conflict: NameConflict,
    /// The part size; chosen from the file size when `None` (see [`PartPlan::new`]).
    pub part_size: Option<u64>,
    /// Parts sent at the same time; 4 when 0.
    pub concurrency: usize,
    /// The hashing order.
    pub hash_order: HashOrder,
    /// The content's SHA-256 when the caller already knows it (hex).
    pub known_sha256: Option<String>,
    /// The content type.
    pub mime_type: Option<String>,
    /// Receives progress.
    pub on_progress: Option<ProgressCallback>,
    /// The shortest time between two progress reports; 100 ms when zero.
    pub progress_interval: Duration,
    /// Pauses or cancels the upload.
    pub control: TransferControl,
    /// Re-issues parts far slower than their peers; off when `None`.
    pub hedge: Option<Hedge>,
    /// Receives a fresh checkpoint whenever the server acknowledges a part, so
    /// that an upload that fails, is cancelled or whose process dies can resume
    /// from the last one stored.
    pub on_checkpoint: Option<CheckpointCallback>,
}

/// Receives upload checkpoints as the upload advances.
pub type CheckpointCallback = std::sync::Arc<dyn Fn(&UploadCheckpoint) + Send + Sync>;

/// When a slow part is sent a second time, the first answer winning.
///
/// A part is hedged once it has been in flight longer than both `min_wait` and
/// `factor` times the median time of the parts finished so far (at least three),
/// and a sending slot is free.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hedge {
    /// How many times slower than the median a part must be.
    pub factor: f64,
    /// The shortest time in flight before a part may be hedged.
    pub min_wait: Duration,
}

impl Default for Hedge {
    fn default() -> Self {
        Self {
            factor: 3.0,
            min_wait: Duration::from_secs(2),
        }
    }
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("container_id", &self.container_id)
            .field("parent_folder", &self.parent_folder)
            .field("file_name", &self.file_name)
            .field("part_size", &self.part_size)
            .field("concurrency", &self.concurrency)
            .field("hash_order", &self.hash_order)
            .finish_non_exhaustive()
    }
}

impl UploadOptions {
    /// An upload of `file_name` into `parent_folder` (the root when `None`) of a space.
    pub fn new(
        container_id: impl Into<String>,
        parent_folder: Option<String>,
        file_name: impl Into<String>,
    ) -> Self {
        Self {
            container_id: container_id.into(),
            parent_folder,
            file_name: file_name.into(),
            ..Self::default()
        }
    }
}

/// A finished upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadOutcome {
    /// The file's id.
    pub file_id: String,
    /// The file's final name.
    pub file_name: String,
    /// The content's SHA-256, hex.
    pub sha256: Option<String>,
    /// The file's length.
    pub size: u64,
    /// The server already held the content: no byte was sent.
    pub rapid: bool,
    /// An identical file was already there ([`NameConflict::SkipIfIdentical`]).
    pub existed: bool,
}

/// How an upload ended without an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadResult {
    /// The file is complete on the server.
    Completed(UploadOutcome),
    /// The upload was paused; resume from the checkpoint.
    Paused(UploadCheckpoint),
}

/// Everything needed to resume an upload: small, serde, storable anywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadCheckpoint {
    /// The checkpoint format.
    pub version: u32,
    /// The file being uploaded.
    pub file_id: String,
    /// The upload's id.
    pub upload_id: String,
    /// The target space.
    pub container_id: String,
    /// The file's name on the server.
    pub file_name: String,
    /// The folder the file goes into; the root when `None`.
    #[serde(default)]
    pub parent_folder: Option<String>,
    /// The hashing order the upload started with.
    pub hash_order: HashOrder,
    /// The part plan.
    pub plan: PartPlan,
    /// Parts the server acknowledged.
    pub acked_parts: Vec<u32>,
    /// How far hashing had come.
    pub hash: HashProgress,
    /// Midstates of parts not yet acknowledged whose midstate the server may not know.
    pub part_ctx: BTreeMap<u32, [u32; 8]>,
    /// The whole file's digest, once known.
    pub sha256: Option<String>,
    /// The source's length.
    pub source_len: u64,
    /// The source's fingerprint, when it has one.
    pub source_fingerprint: Option<String>,
}

/// The checkpoint format this SDK writes.
pub const CHECKPOINT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartState {
    /// Not read (or its bytes were let go).
    Pending,
    /// Its `PUT` is in flight.
    Sending,
    /// The server acknowledged it.
    Acked,
}

#[derive(Debug, Clone)]
struct PartSlot {
    spec: PartSpec,
    /// The midstate before the part, once hashing reached it.
    ctx: Option<[u32; 8]>,
    /// Whether the server knows `ctx` (sent at create or with a URL request).
    ctx_sent: bool,
    url: Option<(String, u64)>,
    state: PartState,
}

/// The upload's phases, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading the whole file for its digest and midstates (hash-first order).
    Hashing,
    /// Creating the file's metadata.
    Creating,
    /// Sending parts (and, pipelined, hashing as it goes).
    Sending,
    /// Asking the server to assemble and check the parts.
    Completing,
    /// Finished.
    Done,
}

/// The next thing the driver should do.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Read a part and give it to [`UploadMachine::hashed`].
    Hash(PartSpec),
    /// Read the file's first bytes and give them to [`UploadMachine::pre_hashed`].
    PreHash(u64),
    /// Run `create_file_metadata`, then call [`UploadMachine::created`].
    Create(CreateFileMetadata),
    /// Run `get_upload_urls`, then call [`UploadMachine::got_urls`].
    RequestUrls(GetUploadUrls),
    /// `PUT` the part's bytes to `url`, then call [`UploadMachine::sent`].
    Send {
        /// The part.
        part: PartSpec,
        /// Its presigned URL.
        url: String,
    },
    /// Run `complete_upload`, then call [`UploadMachine::completed`].
    Complete(CompleteUpload),
    /// Nothing can start until something in flight finishes.
    Wait,
    /// The upload is over.
    Finished(UploadOutcome),
}

/// The upload state machine. It does no I/O: [`UploadMachine::next_action`] says what
/// to do, and the other methods record what came of it.
#[derive(Debug)]
pub struct UploadMachine {
    phase: Phase,
    order: HashOrder,
    plan: PartPlan,
    parts: Vec<PartSlot>,
    hasher: MidstateHasher,
    /// Bytes read for hashing that are held for sending (pipelined order).
    hashed_unsent: usize,
    hash_in_flight: bool,
    api_in_flight: bool,
    pre_hash: Option<String>,
    sha256: Option<String>,
    create: CreateFileMetadata,
    file_id: Option<String>,
    upload_id: Option<String>,
    file_name: String,
    concurrency: usize,
    source_len: u64,
    source_fingerprint: Option<String>,
    outcome: Option<UploadOutcome>,
    /// Parts acknowledged, and their bytes: kept as counts, since every event asks.
    acked_parts: u32,
    acked_bytes: u64,
}

impl UploadMachine {
    /// A new upload of a source of `source_len` bytes.
    pub fn new(
        options: &UploadOptions,
        source_len: u64,
        source_fingerprint: Option<String>,
    ) -> Result<Self> {
        let plan = PartPlan::new(source_len, options.part_size)?;
        let create = CreateFileMetadata {
            container_id: options.container_id.clone(),
            file_name: options.file_name.clone(),
            parent_folder: options.parent_folder.clone(),
            length: source_len,
            sha256: options.known_sha256.clone(),
            auto_rename: options.name_conflict,
            mime_type: options.mime_type.clone(),
            ..CreateFileMetadata::default()
        };
        create.validate()?;
        let parts = plan
            .parts()
            .map(|spec| PartSlot {
                spec,
                ctx: None,
                ctx_sent: false,
                url: None,
                state: PartState::Pending,
            })
            .collect();
        let order = if options.known_sha256.is_some() {
            HashOrder::Pipelined
        } else {
            options.hash_order
        };
        let mut machine = Self {
            phase: if order == HashOrder::HashFirst {
                Phase::Hashing
            } else {
                Phase::Creating
            },
            order,
            plan,
            parts,
            hasher: MidstateHasher::new(),
            hashed_unsent: 0,
            hash_in_flight: false,
            api_in_flight: false,
            pre_hash: None,
            sha256: options.known_sha256.clone(),
            file_name: options.file_name.clone(),
            create,
            file_id: None,
            upload_id: None,
            concurrency: if options.concurrency == 0 {
                4
            } else {
                options.concurrency
            },
            source_len,
            source_fingerprint,
            outcome: None,
            acked_parts: 0,
            acked_bytes: 0,
        };
        machine.parts[0].ctx = machine.hasher.midstate();
        Ok(machine)
    }

    /// An upload that goes on from `checkpoint`, refusing a source that changed.
    pub fn resume(
        checkpoint: &UploadCheckpoint,
        options: &UploadOptions,
        source_len: u64,
        source_fingerprint: Option<String>,
    ) -> Result<Self> {
        if checkpoint.version != CHECKPOINT_VERSION {
            return Err(ValidationError::BadCheckpoint {
                reason: format!("format {} is not {CHECKPOINT_VERSION}", checkpoint.version),
            }
            .into());
        }
        if source_len != checkpoint.source_len {
            return Err(ValidationError::SourceChanged {
                reason: format!(
                    "its length is {source_len}, the checkpoint says {}",
                    checkpoint.source_len
                ),
            }
            .into());
        }
        if checkpoint.source_fingerprint.is_some()
            && source_fingerprint != checkpoint.source_fingerprint
        {
            return Err(ValidationError::SourceChanged {
                reason: "its fingerprint (size and modification time) differs".into(),
            }
            .into());
        }
        let plan = checkpoint.plan;
        if plan.total != source_len
            || PartPlan::new(plan.total, Some(plan.part_size)).is_err()
            || !checkpoint.hash.bytes.is_multiple_of(64)
            || checkpoint.hash.bytes > plan.total
            // Hashing stops at part boundaries (or the end of the file).
            || !(checkpoint.hash.bytes == plan.total
                || checkpoint.hash.bytes.is_multiple_of(plan.part_size))
            // A part is sent only after it is hashed; the last part may be the
            // exception when the file's end is not on a block boundary.
            || checkpoint.acked_parts.iter().any(|n| {
                *n == 0
                    || *n > plan.count()
                    || !(plan.part(*n).offset < checkpoint.hash.bytes
                        || (*n == plan.count() && plan.part(*n).offset == checkpoint.hash.bytes))
            })
        {
            return Err(ValidationError::BadCheckpoint {
                reason: "its part plan does not fit the source".into(),
            }
            .into());
        }
        let mut machine = Self::new(
            &UploadOptions {
                part_size: Some(plan.part_size),
                hash_order: checkpoint.hash_order,
                ..options.clone()
            },
            source_len,
            source_fingerprint,
        )?;
        machine.order = checkpoint.hash_order;
        machine.phase = Phase::Sending;
        machine.file_id = Some(checkpoint.file_id.clone());
        machine.upload_id = Some(checkpoint.upload_id.clone());
        machine.file_name = checkpoint.file_name.clone();
        // The file already exists where the upload began, whatever the options say.
        machine.create.parent_folder = checkpoint.parent_folder.clone();
        machine.sha256 = checkpoint.sha256.clone();
        machine.hasher = MidstateHasher::resume(checkpoint.hash);
        let hashed = checkpoint.hash.bytes;
        for slot in &mut machine.parts {
            // Everything below the hash position was sent with a URL request or
            // at create, unless the checkpoint kept its midstate.
            if slot.spec.offset < hashed || (slot.spec.offset == 0) {
                slot.ctx_sent = true;
            }
            if let Some(ctx) = checkpoint.part_ctx.get(&slot.spec.number) {
                slot.ctx = Some(*ctx);
                slot.ctx_sent = false;
            }
            if slot.spec.offset == hashed {
                slot.ctx = machine.hasher.midstate();
            }
            if checkpoint.acked_parts.contains(&slot.spec.number) {
                slot.state = PartState::Acked;
                machine.acked_parts += 1;
                machine.acked_bytes += slot.spec.size;
            }
        }
        let last_offset = plan.part(plan.count()).offset;
        if machine.order == HashOrder::HashFirst && hashed < plan.total && hashed != last_offset {
            // A hash-first upload is created only after hashing; its checkpoint can
            // only stop short by the last part, when the file's end is not on a
            // block boundary.
            return Err(ValidationError::BadCheckpoint {
                reason: "hashing was not finished".into(),
            }
            .into());
        }
        Ok(machine)
    }

    /// The current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Bytes the server has acknowledged.
    pub fn acked_bytes(&self) -> u64 {
        self.acked_bytes
    }

    /// Bytes hashed so far.
    pub fn hashed_bytes(&self) -> u64 {
        self.hasher.length()
    }

    /// The total number of bytes.
    pub fn total_bytes(&self) -> u64 {
        self.plan.total
    }

    /// What to do next, given how many more `PUT`s may start now.
    pub fn next_action(&mut self, now_ms: u64, free_send_slots: usize) -> Action {
        if let Some(outcome) = &self.outcome {
            return Action::Finished(outcome.clone());
        }
        match self.phase {
            Phase::Hashing => self.next_while_hashing(),
            Phase::Creating => self.next_while_creating(),
            Phase::Sending => self.next_while_sending(now_ms, free_send_slots),
            Phase::Completing => self.next_while_completing(),
            Phase::Done => Action::Wait,
        }
    }

    fn next_while_hashing(&mut self) -> Action {
        if self.hash_in_flight {
            return Action::Wait;
        }
        match self.next_part_to_hash() {
            Some(spec) => {
                self.hash_in_flight = true;
                Action::Hash(spec)
            }
            None => {
                self.phase = Phase::Creating;
                self.next_while_creating()
            }
        }
    }

    fn next_part_to_hash(&self) -> Option<PartSpec> {
        // Hashing stops only at part boundaries.
        let at = self.hasher.length();
        let part = self.parts.get((at / self.plan.part_size) as usize)?;
        (part.spec.offset == at && part.spec.size > 0).then_some(part.spec)
    }

    fn next_while_creating(&mut self) -> Action {
        if self.api_in_flight {
            return Action::Wait;
        }
        if self.pre_hash.is_none() {
            if self.hash_in_flight {
                return Action::Wait;
            }
            self.hash_in_flight = true;
            return Action::PreHash(PRE_HASH_LEN.min(self.plan.total));
        }
        let mut create = self.create.clone();
        create.pre_hash = self.pre_hash.clone();
        create.sha256 = self.sha256.clone();
        create.multi_parts = self
            .parts
            .iter()
            .map(|p| MultiPartInfo {
                part_number: p.spec.number,
                part_size: Some(p.spec.size),
                part_offset: Some(p.spec.offset),
                hash_ctx: p.ctx.filter(|_| p.spec.number > 1).map(|c| c.to_vec()),
                ..MultiPartInfo::default()
            })
            .collect();
        self.api_in_flight = true;
        Action::Create(create)
    }

    fn next_while_sending(&mut self, now_ms: u64, free_send_slots: usize) -> Action {
        if self.acked_parts == self.plan.count() && self.hasher.length() == self.plan.total {
            self.phase = Phase::Completing;
            return self.next_while_completing();
        }

        // A part goes out once it is hashed (so its bytes are read once) and has
        // a live URL and a free slot.
        if free_send_slots > 0 {
            let ready = self.parts.iter_mut().find(|p| {
                p.state == PartState::Pending
                    && p.spec.end() <= self.hasher.length()
                    && url_live(&p.url, now_ms)
            });
            if let Some(slot) = ready {
                slot.state = PartState::Sending;
                let url = slot
                    .url
                    .as_ref()
                    .map(|(u, _)| u.clone())
                    .unwrap_or_default();
                if self.order == HashOrder::Pipelined {
                    self.hashed_unsent = self.hashed_unsent.saturating_sub(1);
                }
                return Action::Send {
                    part: slot.spec,
                    url,
                };
            }
        }

        // Parts whose midstate is known but whose URL is missing or stale.
        if !self.api_in_flight {
            let wanted: Vec<MultiPartInfo> = self
                .parts
                .iter()
                .filter(|p| {
                    p.state == PartState::Pending
                        && (p.ctx.is_some() || p.ctx_sent)
                        && p.spec.offset < self.hasher.length().max(1)
                        && !url_live(&p.url, now_ms)
                })
                .take(self.concurrency * 2)
                .map(|p| MultiPartInfo {
                    part_number: p.spec.number,
                    part_size: Some(p.spec.size),
                    part_offset: Some(p.spec.offset),
                    hash_ctx: p.ctx.filter(|_| p.spec.number > 1).map(|c| c.to_vec()),
                    ..MultiPartInfo::default()
                })
                .collect();
            if !wanted.is_empty() {
                self.api_in_flight = true;
                let file_id = self.file_id.clone().unwrap_or_default();
                return Action::RequestUrls(GetUploadUrls {
                    file_id,
                    multi_parts: wanted,
                });
            }
        }

        // Read ahead by at most two parts: enough that a freed slot finds a part
        // ready, few enough that memory stays near `concurrency` parts.
        // (A resumed hash-first upload may also have its last part to hash again.)
        if !self.hash_in_flight
            && self.hashed_unsent < 2
            && let Some(spec) = self.next_part_to_hash()
        {
            self.hash_in_flight = true;
            return Action::Hash(spec);
        }
        Action::Wait
    }

    fn next_while_completing(&mut self) -> Action {
        if self.api_in_flight {
            return Action::Wait;
        }
        if self.sha256.is_none() {
            self.sha256 = Some(hex_digest(&self.hasher.clone().finalize()));
        }
        self.api_in_flight = true;
        Action::Complete(CompleteUpload {
            file_id: self.file_id.clone().unwrap_or_default(),
            sha256: self.sha256.clone(),
        })
    }

    /// Records the first bytes of the file (for `preHash`).
    pub fn pre_hashed(&mut self, bytes: &[u8]) {
        self.hash_in_flight = false;
        self.pre_hash = Some(crate::auth::hex(&Sha256::digest(bytes)));
    }

    /// The hashing state, for a driver that hashes the part of an [`Action::Hash`]
    /// elsewhere and hands the result to [`UploadMachine::hashed_with`].
    pub fn hasher_snapshot(&self) -> MidstateHasher {
        self.hasher.clone()
    }

    /// Records a part's bytes as hashed. Returns whether the driver should keep the
    /// bytes for sending (pipelined order) or let them go.
    pub fn hashed(&mut self, part: u32, bytes: &[u8]) -> bool {
        let mut hasher = self.hasher.clone();
        hasher.update(bytes);
        self.hashed_with(part, hasher)
    }

    /// Records a part as hashed, given the hasher that went on from
    /// [`UploadMachine::hasher_snapshot`] over the part's bytes.
    pub fn hashed_with(&mut self, part: u32, hasher: MidstateHasher) -> bool {
        self.hash_in_flight = false;
        let index = (part - 1) as usize;
        debug_assert_eq!(hasher.length(), self.parts[index].spec.end());
        self.hasher = hasher;
        if let Some(next) = self.parts.get_mut(index + 1) {
            next.ctx = self.hasher.midstate();
        }
        if self.hasher.length() == self.plan.total && self.sha256.is_none() {
            self.sha256 = Some(hex_digest(&self.hasher.clone().finalize()));
        }
        let keep = self.order == HashOrder::Pipelined;
        if keep {
            self.hashed_unsent += 1;
        }
        keep
    }

    /// Records the answer to `create_file_metadata`.
    pub fn created(&mut self, now_ms: u64, result: Result<CreatedFile>) -> Result<()> {
        self.api_in_flight = false;
        let created = result?;
        self.file_name = created
            .file_name
            .clone()
            .unwrap_or_else(|| self.file_name.clone());
        if created.rapid_upload == Some(true) || created.exist == Some(true) {
            self.finish(
                created.file_id,
                created.rapid_upload == Some(true),
                created.exist == Some(true),
            );
            return Ok(());
        }
        self.file_id = Some(created.file_id);
        self.upload_id = created.upload_id;
        for slot in &mut self.parts {
            slot.ctx_sent |= slot.ctx.is_some();
        }
        self.take_urls(now_ms, &created.multi_parts);
        self.phase = Phase::Sending;
        Ok(())
    }

    /// Records the answer to `get_upload_urls`.
    pub fn got_urls(
        &mut self,
        now_ms: u64,
        sent: &GetUploadUrls,
        result: Result<UploadUrls>,
    ) -> Result<()> {
        self.api_in_flight = false;
        let urls = result?;
        for info in &sent.multi_parts {
            if let Some(slot) = self.parts.get_mut(info.part_number as usize - 1) {
                slot.ctx_sent |= info.hash_ctx.is_some() || info.part_number == 1;
            }
        }
        self.take_urls(now_ms, &urls.multi_parts);
        Ok(())
    }

    fn take_urls(&mut self, now_ms: u64, infos: &[MultiPartInfo]) {
        let expires = now_ms + PART_URL_LIFETIME.as_millis() as u64;
        for info in infos {
            let index = info.part_number as usize;
            if let (Some(url), Some(slot)) = (
                &info.upload_url,
                index.checked_sub(1).and_then(|i| self.parts.get_mut(i)),
            ) && !url.is_empty()
            {
                slot.url = Some((url.clone(), expires));
            }
        }
    }

    /// Records the outcome of a part's `PUT`.
    pub fn sent(&mut self, part: u32, outcome: SendOutcome) {
        let slot = &mut self.parts[(part - 1) as usize];
        if slot.state == PartState::Acked {
            // A hedged copy of a part that already went through.
            return;
        }
        if outcome == SendOutcome::Acked {
            self.acked_parts += 1;
            self.acked_bytes += slot.spec.size;
        }
        slot.state = match outcome {
            SendOutcome::Acked => PartState::Acked,
            SendOutcome::Retry => PartState::Pending,
            SendOutcome::UrlExpired => {
                slot.url = None;
                PartState::Pending
            }
        };
    }

    /// The part's URL while it is being sent, for a hedged second copy.
    pub fn sending_url(&self, part: u32) -> Option<String> {
        let slot = self.parts.get(part.checked_sub(1)? as usize)?;
        (slot.state == PartState::Sending).then(|| slot.url.as_ref().map(|(u, _)| u.clone()))?
    }

    /// The part's place in the file.
    pub fn part_spec(&self, part: u32) -> PartSpec {
        self.plan.part(part)
    }

    /// Whether the part is acknowledged.
    pub fn is_acked(&self, part: u32) -> bool {
        self.parts
            .get(part.wrapping_sub(1) as usize)
            .is_some_and(|p| p.state == PartState::Acked)
    }

    /// Records the answer to `complete_upload`.
    pub fn completed(&mut self, result: Result<Empty>) -> Result<()> {
        self.api_in_flight = false;
        result?;
        let file_id = self.file_id.clone().unwrap_or_default();
        self.finish(file_id, false, false);
        Ok(())
    }

    fn finish(&mut self, file_id: String, rapid: bool, existed: bool) {
        self.phase = Phase::Done;
        self.outcome = Some(UploadOutcome {
            file_id,
            file_name: self.file_name.clone(),
            sha256: self.sha256.clone(),
            size: self.plan.total,
            rapid,
            existed,
        });
    }

    /// A checkpoint of what is done, once the file exists on the server.
    pub fn checkpoint(&self) -> Option<UploadCheckpoint> {
        let (file_id, upload_id) = (
            self.file_id.clone()?,
            self.upload_id.clone().unwrap_or_default(),
        );
        if self.phase == Phase::Done {
            return None;
        }
        let hashed = self.hasher.length();
        // Past the end of a file whose length is not a multiple of 64 there is no
        // midstate; the last part's start is the resumable position then.
        let last = self.parts.last().expect("a plan has at least one part");
        let hash = self.hasher.progress().unwrap_or(HashProgress {
            bytes: last.spec.offset,
            words: last.ctx.unwrap_or_default(),
        });
        let part_ctx = self
            .parts
            .iter()
            .filter(|p| p.state != PartState::Acked && !p.ctx_sent && p.spec.offset <= hashed)
            .filter_map(|p| p.ctx.map(|c| (p.spec.number, c)))
            .collect();
        Some(UploadCheckpoint {
            version: CHECKPOINT_VERSION,
            file_id,
            upload_id,
            container_id: self.create.container_id.clone(),
            file_name: self.file_name.clone(),
            parent_folder: self.create.parent_folder.clone(),
            hash_order: self.order,
            plan: self.plan,
            acked_parts: self
                .parts
                .iter()
                .filter(|p| p.state == PartState::Acked)
                .map(|p| p.spec.number)
                .collect(),
            hash,
            part_ctx,
            sha256: self.sha256.clone(),
            source_len: self.source_len,
            source_fingerprint: self.source_fingerprint.clone(),
        })
    }
}

/// Whether a part URL can still be used, with a margin before it expires.
fn url_live(url: &Option<(String, u64)>, now_ms: u64) -> bool {
    url.as_ref()
        .is_some_and(|(_, expires)| now_ms + URL_RENEW_MARGIN_MS < *expires)
}

/// What came of a part's `PUT`, as the driver judged it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendOutcome {
    /// The server stored the part.
    Acked,
    /// A failure a retry may fix; the driver already waited.
    Retry,
    /// The URL was refused as expired; ask for a new one.
    UrlExpired,
}

/// What the upload driver works on; [`Client::upload`] and
/// [`Client::resume_upload`] build it.
struct UploadTask<'a> {
    client: &'a Client,
    source: &'a dyn Source,
    options: UploadOptions,
    checkpoint: Option<UploadCheckpoint>,
}

impl Client {
    /// Uploads `source` as described by `options`. Pause and cancel through
    /// `options.control`; a paused upload returns [`UploadResult::Paused`].
    pub async fn upload(
        &self,
        source: &dyn Source,
        options: UploadOptions,
    ) -> Result<UploadResult> {
        UploadTask {
            client: self,
            source,
            options,
            checkpoint: None,
        }
        .run()
        .await
    }

    /// Goes on with an upload from its checkpoint. Parts already acknowledged are not
    /// sent again; a source that changed is refused before anything is sent.
    pub async fn resume_upload(
        &self,
        source: &dyn Source,
        checkpoint: UploadCheckpoint,
        options: UploadOptions,
    ) -> Result<UploadResult> {
        UploadTask {
            client: self,
            source,
            options,
            checkpoint: Some(checkpoint),
        }
        .run()
        .await
    }
}

/// What a finished piece of in-flight work reports.
enum Event {
    PreHashed(std::io::Result<Vec<u8>>),
    Hashed(PartSpec, std::io::Result<(MidstateHasher, Vec<u8>)>),
    Created(Result<CreatedFile>),
    Urls(GetUploadUrls, Result<UploadUrls>),
    Sent(PartSpec, u64, Result<SendOutcome>),
    RetryDue(PartSpec),
    Tick,
    Completed(Result<Empty>),
}

impl UploadTask<'_> {
    /// Drives the machine until it finishes, fails, pauses or is cancelled.
    async fn run(self) -> Result<UploadResult> {
        let UploadTask {
            client,
            source,
            options,
            checkpoint,
        } = self;
        let fail = |e: Error| e.with_operation("upload");
        let mut machine = match &checkpoint {
            Some(cp) => UploadMachine::resume(cp, &options, source.len(), source.fingerprint()),
            None => UploadMachine::new(&options, source.len(), source.fingerprint()),
        }
        .map_err(fail)?;
        let concurrency = if options.concurrency == 0 {
            4
        } else {
            options.concurrency
        };
        let mut reporter = Reporter::new(options.on_progress.clone(), options.progress_interval);
        let mut retries = Retries::new(client);
        let mut held: HashMap<u32, Vec<u8>> = HashMap::new();
        let mut in_flight: FuturesUnordered<BoxFuture<'_, Event>> = FuturesUnordered::new();
        let mut sending = 0usize;
        // Copies of each part in flight, when each was last sent, how long the
        // finished ones took: what hedging decides from.
        let mut copies: HashMap<u32, u32> = HashMap::new();
        let mut started: HashMap<u32, u64> = HashMap::new();
        let mut durations: Vec<u64> = Vec::new();
        reporter.report(
            client,
            machine.acked_bytes(),
            machine.hashed_bytes(),
            machine.total_bytes(),
            false,
        );

        loop {
            if options.control.is_cancelled() {
                return Err(Error::new(
                    ErrorKind::Cancelled,
                    "the upload was cancelled; it was not completed",
                )
                .with_operation("upload"));
            }
            if options.control.is_paused() && machine.phase() != Phase::Completing {
                // Work in flight is dropped; unacknowledged parts go again on resume.
                drop(in_flight);
                return match machine.checkpoint() {
                    Some(cp) => Ok(UploadResult::Paused(cp)),
                    None => Err(Error::new(
                        ErrorKind::Cancelled,
                        "paused before the file was created; nothing to resume",
                    )
                    .with_operation("upload")),
                };
            }

            loop {
                if options.control.is_cancelled() || options.control.is_paused() {
                    break;
                }
                let now = client.clock().now_millis();
                match machine.next_action(now, concurrency.saturating_sub(sending)) {
                    Action::Wait => break,
                    Action::Finished(outcome) => {
                        reporter.report(
                            client,
                            machine
                                .acked_bytes()
                                .max(if outcome.rapid || outcome.existed {
                                    outcome.size
                                } else {
                                    0
                                }),
                            machine.hashed_bytes(),
                            machine.total_bytes(),
                            true,
                        );
                        return Ok(UploadResult::Completed(outcome));
                    }
                    Action::PreHash(len) => in_flight.push(Box::pin(async move {
                        Event::PreHashed(source.read_at(0, len as usize).await)
                    })),
                    Action::Hash(spec) => {
                        let hasher = machine.hasher_snapshot();
                        in_flight.push(Box::pin(async move {
                            let result = match source.read_at(spec.offset, spec.size as usize).await
                            {
                                Ok(bytes) => Ok((hash_in_slices(hasher, &bytes).await, bytes)),
                                Err(e) => Err(e),
                            };
                            Event::Hashed(spec, result)
                        }));
                    }
                    Action::Create(op) => in_flight.push(Box::pin(async move {
                        Event::Created(client.execute(&op).await)
                    })),
                    Action::RequestUrls(op) => in_flight.push(Box::pin(async move {
                        let result = client.execute(&op).await;
                        Event::Urls(op, result)
                    })),
                    Action::Complete(op) => in_flight.push(Box::pin(async move {
                        Event::Completed(client.execute(&op).await)
                    })),
                    Action::Send { part, url } => {
                        sending += 1;
                        let bytes = held.remove(&part.number);
                        *copies.entry(part.number).or_insert(0) += 1;
                        started.insert(part.number, now);
                        in_flight.push(send_part(client, source, part, url, bytes, now));
                    }
                }
            }

            // With hedging on, wake up now and then to look for stragglers.
            let event = match options.hedge {
                Some(_) if sending > 0 => {
                    let tick: BoxFuture<'_, Event> = Box::pin(async move {
                        client.clock().sleep(Duration::from_millis(250)).await;
                        Event::Tick
                    });
                    match futures::future::select(in_flight.next(), tick).await {
                        futures::future::Either::Left((event, _)) => event,
                        futures::future::Either::Right((event, _)) => Some(event),
                    }
                }
                _ => in_flight.next().await,
            };
            let Some(event) = event else {
                return Err(Error::new(
                    ErrorKind::Decode,
                    "the upload stalled: nothing to do and nothing in flight",
                )
                .with_operation("upload"));
            };
            let now = client.clock().now_millis();
            match event {
                Event::PreHashed(bytes) => {
                    machine.pre_hashed(&bytes.map_err(io_error).map_err(fail)?)
                }
                Event::Hashed(spec, bytes) => {
                    let (hasher, bytes) = bytes.map_err(io_error).map_err(fail)?;
                    if machine.hashed_with(spec.number, hasher) {
                        held.insert(spec.number, bytes);
                    }
                    reporter.report(
                        client,
                        machine.acked_bytes(),
                        machine.hashed_bytes(),
                        machine.total_bytes(),
                        false,
                    );
                }
                Event::Created(result) => {
                    machine.created(now, result)?;
                    if let (Some(save), Some(cp)) = (&options.on_checkpoint, machine.checkpoint()) {
                        save(&cp);
                    }
                }
                Event::Urls(sent, result) => machine.got_urls(now, &sent, result)?,
                Event::Completed(result) => machine.completed(result)?,
                Event::Tick => {
                    let Some(hedge) = options.hedge else { continue };
                    if durations.len() < 3 || sending >= concurrency {
                        continue;
                    }
                    let mut sorted = durations.clone();
                    sorted.sort_unstable();
                    let median = sorted[sorted.len() / 2] as f64;
                    let threshold = (median * hedge.factor).max(hedge.min_wait.as_millis() as f64);
                    let straggler = started.iter().find(|(n, t)| {
                        copies.get(n) == Some(&1) && (now.saturating_sub(**t)) as f64 > threshold
                    });
                    if let Some((&number, _)) = straggler
                        && let Some(url) = machine.sending_url(number)
                    {
                        tracing::debug!(part = number, "hedging a slow part");
                        sending += 1;
                        *copies.entry(number).or_insert(0) += 1;
                        in_flight.push(send_part(
                            client,
                            source,
                            machine.part_spec(number),
                            url,
                            None,
                            now,
                        ));
                    }
                }
                Event::RetryDue(part) => {
                    machine.sent(part.number, SendOutcome::Retry);
                }
                Event::Sent(part, sent_at, result) => {
                    sending -= 1;
                    let left = copies.get_mut(&part.number).map(|c| {
                        *c -= 1;
                        *c
                    });
                    if machine.is_acked(part.number) {
                        continue;
                    }
                    let outcome = match result {
                        Ok(o) => o,
                        // Another copy is still on its way; let it decide.
                        Err(_) if left.unwrap_or(0) > 0 => continue,
                        Err(err) => {
                            let Some(wait) = retries.after_failure(part.number, &err) else {
                                return Err(fail(err));
                            };
                            tracing::debug!(part = part.number, wait_ms = wait.as_millis() as u64, error = %err, "retrying part");
                            // Wait without holding up the parts still in flight.
                            in_flight.push(Box::pin(async move {
                                client.clock().sleep(wait).await;
                                Event::RetryDue(part)
                            }));
                            started.remove(&part.number);
                            continue;
                        }
                    };
                    if outcome == SendOutcome::UrlExpired {
                        retries.after_refusal(part.number).map_err(fail)?;
                    }
                    if outcome == SendOutcome::Acked {
                        retries.after_success();
                        durations.push(now.saturating_sub(sent_at));
                        started.remove(&part.number);
                    }
                    machine.sent(part.number, outcome);
                    reporter.report(
                        client,
                        machine.acked_bytes(),
                        machine.hashed_bytes(),
                        machine.total_bytes(),
                        false,
                    );
                    if outcome == SendOutcome::Acked
                        && let (Some(save), Some(cp)) =
                            (&options.on_checkpoint, machine.checkpoint())
                    {
                        save(&cp);
                    }
                }
            }
        }
    }
}

/// Reads a part (unless its bytes are at hand) and `PUT`s it.
fn send_part<'a>(
    client: &'a Client,
    source: &'a dyn Source,
    part: PartSpec,
    url: String,
    bytes: Option<Vec<u8>>,
    started_ms: u64,
) -> BoxFuture<'a, Event> {
    Box::pin(async move {
        let bytes = match bytes {
            Some(b) => b,
            None => match source.read_at(part.offset, part.size as usize).await {
                Ok(b) => b,
                Err(e) => return Event::Sent(part, started_ms, Err(io_error(e))),
            },
        };
        Event::Sent(part, started_ms, put_part(client, &url, bytes).await)
    })
}

fn io_error(e: std::io::Error) -> Error {
    Error::new(ErrorKind::Io, "reading the upload source failed").with_source(e)
}

/// `PUT`s one part. 403 means the URL expired; 2xx means stored.
async fn put_part(client: &Client, url: &str, bytes: Vec<u8>) -> Result<SendOutcome> {
    let mut headers = Headers::new();
    headers.set("Content-Type", "application/octet-stream");
    let request = HttpRequest {
        method: Method::Put,
        url: url.to_owned(),
        headers,
        body: bytes,
    };
    let response = client.send_presigned(request).await.map_err(|e| {
        let kind = if e.kind == TransportErrorKind::Timeout {
            ErrorKind::Timeout
        } else {
            ErrorKind::Transport
        };
        Error::new(kind, "a part could not be sent").with_source(e)
    })?;
    match response.status {
        200..=299 => Ok(SendOutcome::Acked),
        403 => Ok(SendOutcome::UrlExpired),
        status => {
            let retry_after = response
                .headers
                .get("retry-after")
                .and_then(retry::parse_retry_after);
            Err(Error::http(status, None).with_retry_after(retry_after))
        }
    }
}
