//! The transfer engine: resumable parallel multipart upload and ranged download.
//!
//! Both are split the same way. A sans-IO state machine ([`upload::UploadMachine`])
//! decides what to do next and records what happened; an async driver runs its
//! decisions over the client's transport, reads bytes from a [`Source`] and writes
//! them to a [`Sink`]. Files, byte buffers, browser Blobs and host streams all fit
//! behind those two traits, and no more of a file is held in memory than the parts
//! in flight.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use crate::client::Client;
use crate::config::RetryPolicy;
use crate::error::Error;
use crate::platform::{BoxFuture, MaybeSend, MaybeSync, Rng};
use crate::retry;

pub mod download;
#[cfg(all(feature = "fs", not(target_arch = "wasm32")))]
pub mod fs;
pub mod hashing;
use hashing::MidstateHasher;
pub mod plan;
pub mod upload;

/// Bytes to upload, read by range.
pub trait Source: MaybeSend + MaybeSync {
    /// The total length in bytes.
    fn len(&self) -> u64;

    /// Whether the source is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Something that changes when the content changes (a file's size and
    /// modification time, a Blob's `lastModified`), checked when an upload resumes.
    /// `None` when the source cannot tell; then only the length is checked.
    fn fingerprint(&self) -> Option<String> {
        None
    }

    /// Reads exactly `len` bytes at `offset`.
    fn read_at(&self, offset: u64, len: usize) -> BoxFuture<'_, std::io::Result<Vec<u8>>>;
}

/// An in-memory source.
impl Source for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }

    fn read_at(&self, offset: u64, len: usize) -> BoxFuture<'_, std::io::Result<Vec<u8>>> {
        let start = offset as usize;
        let result = self
            .get(start..start + len)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "read past the end")
            });
        Box::pin(async move { result })
    }
}

impl<S: Source + ?Sized> Source for Arc<S> {
    fn len(&self) -> u64 {
        (**self).len()
    }

    fn fingerprint(&self) -> Option<String> {
        (**self).fingerprint()
    }

    fn read_at(&self, offset: u64, len: usize) -> BoxFuture<'_, std::io::Result<Vec<u8>>> {
        (**self).read_at(offset, len)
    }
}

/// Where downloaded bytes go, written by range in any order.
pub trait Sink: MaybeSend + MaybeSync {
    /// Writes `data` at `offset`.
    fn write_at<'a>(&'a self, offset: u64, data: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>>;
}

/// How far a transfer has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Bytes the server acknowledged (upload) or the sink accepted (download).
    pub done: u64,
    /// Bytes hashed so far: for an upload that hashes the whole file first, this
    /// moves while `done` waits.
    pub hashed: u64,
    /// All bytes of the transfer.
    pub total: u64,
}

/// Receives progress reports: monotonic, at most every `progress_interval`, and
/// always once at the end.
pub type ProgressCallback = Arc<dyn Fn(Progress) + Send + Sync>;

const RUNNING: u8 = 0;
const PAUSE: u8 = 1;
const CANCEL: u8 = 2;

/// Controls a running transfer from elsewhere: another task, a UI button, a signal.
#[derive(Debug, Clone, Default)]
pub struct TransferControl(Arc<AtomicU8>);

impl TransferControl {
    /// A control for a new transfer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the transfer to stop starting work and end with a checkpoint.
    pub fn pause(&self) {
        let _ = self
            .0
            .compare_exchange(RUNNING, PAUSE, Ordering::SeqCst, Ordering::SeqCst);
    }

    /// Asks the transfer to stop at once. An upload never completes after this.
    pub fn cancel(&self) {
        self.0.store(CANCEL, Ordering::SeqCst);
    }

    pub(crate) fn is_paused(&self) -> bool {
        self.0.load(Ordering::SeqCst) == PAUSE
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst) == CANCEL
    }
}

/// An in-memory sink, for small files and tests.
#[derive(Debug, Default)]
pub struct MemorySink(std::sync::Mutex<Vec<u8>>);

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes written so far.
    pub fn into_inner(self) -> Vec<u8> {
        self.0.into_inner().unwrap_or_else(|e| e.into_inner())
    }
}

impl Sink for MemorySink {
    fn write_at<'a>(&'a self, offset: u64, data: &'a [u8]) -> BoxFuture<'a, std::io::Result<()>> {
        let mut buf = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let end = offset as usize + data.len();
        if buf.len() < end {
            buf.resize(end, 0);
        }
        buf[offset as usize..end].copy_from_slice(data);
        Box::pin(async { Ok(()) })
    }
}

/// Retry bookkeeping shared by the transfer drivers: attempts per part or range,
/// and a retry budget of their own, drawn from the client's policy.
pub(crate) struct Retries {
    policy: RetryPolicy,
    budget: f64,
    attempts: HashMap<u32, u32>,
    refusals: HashMap<u32, u32>,
    rng: Rng,
}

impl Retries {
    pub(crate) fn new(client: &Client) -> Self {
        let policy = client.config().retry.clone();
        Self {
            budget: policy.budget,
            policy,
            attempts: HashMap::new(),
            refusals: HashMap::new(),
            rng: Rng::from_entropy(client.clock()),
        }
    }

    /// How long to wait before piece `key` goes again after `err`, or `None` when
    /// it must not: the failure is permanent, its attempts or the budget are spent.
    pub(crate) fn after_failure(&mut self, key: u32, err: &Error) -> Option<Duration> {
        let tries = self.attempts.entry(key).or_insert(1);
        if !err.is_retryable() || *tries >= self.policy.max_attempts || self.budget < 1.0 {
            return None;
        }
        self.budget -= 1.0;
        let wait = retry::backoff(&self.policy, *tries, err.retry_after(), &mut self.rng);
        *tries += 1;
        Some(wait)
    }

    /// Counts a presigned URL refused (403) for piece `key`; `Err` once that has
    /// happened as often as the policy allows attempts, since a URL refused again
    /// right after renewal will not start working.
    pub(crate) fn after_refusal(&mut self, key: u32) -> Result<(), Error> {
        let refused = self.refusals.entry(key).or_insert(0);
        *refused += 1;
        if *refused >= self.policy.max_attempts {
            return Err(Error::new(
                crate::error::ErrorKind::Unauthorized,
                format!(
                    "the storage refused the presigned URL {refused} times, even after renewal"
                ),
            ));
        }
        Ok(())
    }

    /// A success earns back part of a retry token.
    pub(crate) fn after_success(&mut self) {
        self.budget = (self.budget + self.policy.budget_refill).min(self.policy.budget);
    }
}

/// Throttled, monotonic progress reports.
pub(crate) struct Reporter {
    callback: Option<ProgressCallback>,
    interval: Duration,
    last_ms: Option<u64>,
    last_done: Option<u64>,
    last_hashed: u64,
}

impl Reporter {
    /// A reporter to `callback`, at most every `interval` (100 ms when zero).
    pub(crate) fn new(callback: Option<ProgressCallback>, interval: Duration) -> Self {
        let interval = if interval.is_zero() {
            Duration::from_millis(100)
        } else {
            interval
        };
        Self {
            callback,
            interval,
            last_ms: None,
            last_done: None,
            last_hashed: 0,
        }
    }

    /// Reports `done` (and `hashed`) of `total` if due; `last` forces the final report.
    pub(crate) fn report(
        &mut self,
        client: &Client,
        done: u64,
        hashed: u64,
        total: u64,
        last: bool,
    ) {
        let Some(callback) = &self.callback else {
            return;
        };
        let now = client.clock().now_millis();
        let due = self
            .last_ms
            .is_none_or(|t| now >= t + self.interval.as_millis() as u64);
        let moved = self.last_done.is_none_or(|d| done > d) || hashed > self.last_hashed;
        if (due && moved) || (last && self.last_done != Some(done)) || self.last_ms.is_none() {
            let done = done.max(self.last_done.unwrap_or(0));
            self.last_ms = Some(now);
            self.last_done = Some(done);
            self.last_hashed = self.last_hashed.max(hashed);
            callback(Progress {
                done,
                hashed: self.last_hashed,
                total,
            });
        }
    }
}

/// Bytes hashed between two chances for the transfers in flight to move.
const HASH_SLICE: usize = 64 << 10;

/// Hashes `bytes` into `hasher`, a slice at a time, letting the executor poll the
/// transfers in flight between slices: hashing a part takes milliseconds, and the
/// connections should not stall meanwhile.
pub(crate) async fn hash_in_slices(mut hasher: MidstateHasher, bytes: &[u8]) -> MidstateHasher {
    for slice in bytes.chunks(HASH_SLICE) {
        hasher.update(slice);
        YieldNow(false).await;
    }
    hasher
}

/// Completes on its second poll, giving other futures a turn. Works with any executor.
struct YieldNow(bool);

impl std::future::Future for YieldNow {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            return std::task::Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}
