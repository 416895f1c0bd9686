//! The download engine driven through a scripted, in-memory KooDrive and a manual
//! clock, so that every request, wait and retry can be counted: intact and verified
//! content, `Retry-After`, short bodies, spent retries, refused and expired URLs,
//! pause and resume, wrong content, unverified downloads, foreign checkpoints, and
//! the window that bounds the ranges held in memory.

mod common;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::executor::block_on;
use koodrive_core::auth::AppCredentials;
use koodrive_core::platform::BoxFuture;
use koodrive_core::transfer::download::{
    DownloadCheckpoint, DownloadOptions, DownloadOutcome, DownloadResult,
};
use koodrive_core::transfer::{MemorySink, Progress, TransferControl};
use koodrive_core::{
    Client, Clock, Endpoint, ErrorKind, HttpRequest, HttpResponse, Method, RetryPolicy, Secret,
    Transport, TransportError, ValidationError,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use common::{ManualClock, assert_monotonic, content, hex};

const KIB: usize = 1024;
const RANGE: u64 = 64 * KIB as u64;
const BASE: &str = "http://127.0.0.1:8080";
const API: &str = "http://127.0.0.1:8080/koodrive/ose/v1/files";
const OBS: &str = "https://obs.example/dl/";
/// How long a download URL lives, as the fake object store enforces it.
const URL_LIFETIME_MS: u64 = 3_600_000;
/// Ranges fetched ahead of the hashed prefix with concurrency 2.
const WINDOW: u64 = 4;

/// A request the fake drive saw.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    /// `files/download`, with its body.
    Urls(Value),
    /// A ranged `GET` of a download URL.
    Get {
        offset: u64,
        len: u64,
        /// When the request arrived, and when its URL was issued.
        at_ms: u64,
        issued_ms: u64,
        status: u16,
        /// Ranges from the last reported checkpoint to this one's end.
        ahead: u64,
    },
}

/// What to do with a range's next `GET` instead of serving it.
enum Fault {
    /// Answer this.
    Respond(HttpResponse),
    /// Send only this many bytes of the range, with status 206.
    Short(usize),
    /// Never answer: the client's request timeout fires (at once, on the manual clock).
    Hang,
}

#[derive(Default)]
struct DriveState {
    /// File id to (name, content).
    files: HashMap<String, (String, Vec<u8>)>,
    /// Simulated time each `GET` takes.
    get_latency_ms: u64,
    /// Faults for the next `GET`s of the range at an offset.
    faults: HashMap<u64, VecDeque<Fault>>,
    /// Serve content with one byte flipped.
    corrupt: bool,
    /// After this many `GET`s, move the clock past the URL's lifetime, once.
    age_after_gets: Option<usize>,
    /// Refuse `files/download` once it was asked this many times.
    max_url_requests: Option<usize>,
    /// The position of the last checkpoint the client reported.
    checkpoint: Arc<AtomicU64>,
    calls: Vec<Call>,
    /// What the client did that the real service would refuse.
    violations: Vec<String>,
}

/// A tiny KooDrive: `files/download` and the ranged `GET`s of its object store.
#[derive(Clone)]
struct FakeDrive {
    clock: ManualClock,
    state: Arc<Mutex<DriveState>>,
}

impl FakeDrive {
    fn new(clock: &ManualClock) -> Self {
        Self {
            clock: clock.clone(),
            state: Arc::default(),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut DriveState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    fn add_file(&self, file_id: &str, content: Vec<u8>) {
        self.with(|s| {
            s.files
                .insert(file_id.into(), (format!("{file_id}.bin"), content))
        });
    }

    fn fault(&self, offset: u64, fault: Fault) {
        self.with(|s| s.faults.entry(offset).or_default().push_back(fault));
    }

    fn calls(&self) -> Vec<Call> {
        self.with(|s| s.calls.clone())
    }

    fn violations(&self) -> Vec<String> {
        self.with(|s| s.violations.clone())
    }

    fn url_requests(&self) -> usize {
        self.calls()
            .iter()
            .filter(|c| matches!(c, Call::Urls(_)))
            .count()
    }

    /// `GET`s per range offset, from call `from` on.
    fn gets_per_offset(&self, from: usize) -> BTreeMap<u64, usize> {
        let mut counts = BTreeMap::new();
        for call in &self.calls()[from..] {
            if let Call::Get { offset, .. } = call {
                *counts.entry(*offset).or_default() += 1;
            }
        }
        counts
    }

    /// (arrival, status) of every `GET` of the range at `offset`.
    fn gets_of(&self, offset: u64) -> Vec<(u64, u16)> {
        self.calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Get {
                    offset: o,
                    at_ms,
                    status,
                    ..
                } if o == offset => Some((at_ms, status)),
                _ => None,
            })
            .collect()
    }

    fn urls(&self, now: u64, request: &HttpRequest) -> HttpResponse {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let mut state = self.state.lock().unwrap();
        state.calls.push(Call::Urls(body.clone()));
        let asked = state
            .calls
            .iter()
            .filter(|c| matches!(c, Call::Urls(_)))
            .count();
        if state.max_url_requests.is_some_and(|max| asked > max) {
            return HttpResponse::new(403, r#"{"code":13000403,"msg":"too many requests"}"#);
        }
        let container = body["containerId"].as_str().unwrap_or_default();
        let ids = body["fileIds"].as_array().cloned().unwrap_or_default();
        if container != "C1" || ids.is_empty() {
            state.violations.push(format!("bad files/download: {body}"));
            return HttpResponse::new(400, r#"{"code":13000402,"msg":"check failed"}"#);
        }
        let downloads: Vec<Value> = ids
            .iter()
            .map(|id| {
                let id = id.as_str().unwrap_or_default();
                match state.files.get(id) {
                    Some((name, content)) => json!({
                        "fileId": id, "fileName": name, "code": "0",
                        "url": format!("{OBS}{id}?issued={now}&X-Amz-Expires=3600"),
                        "sha256": hex(&Sha256::digest(content)),
                        "size": content.len(),
                    }),
                    None => json!({ "fileId": id, "code": "13000404", "msg": "no such file" }),
                }
            })
            .collect();
        json_response(json!({ "code": 0, "batchCode": 1, "downloads": downloads }))
    }

    /// Answers a ranged `GET`; `None` when it hangs.
    fn get(&self, request: &HttpRequest) -> Option<HttpResponse> {
        let mut state = self.state.lock().unwrap();
        let at_ms = self.clock.now_millis();
        let (file_id, issued_ms) = parse_url(&request.url);
        let Some((offset, last)) = request.headers.get("Range").and_then(parse_range) else {
            state
                .violations
                .push(format!("GET without a range: {:?}", request.headers));
            return Some(HttpResponse::new(400, ""));
        };
        let len = last + 1 - offset;
        let ahead =
            (offset + len).div_ceil(RANGE) - state.checkpoint.load(Ordering::SeqCst) / RANGE;
        let mut hang = false;
        let response = match state.faults.get_mut(&offset).and_then(VecDeque::pop_front) {
            Some(Fault::Respond(response)) => Some(response),
            Some(Fault::Short(n)) => {
                Some(partial(&state.files[&file_id].1[offset as usize..][..n]))
            }
            Some(Fault::Hang) => {
                hang = true;
                Some(HttpResponse::new(0, ""))
            }
            None => None,
        };
        let response = match response {
            Some(response) => response,
            None if at_ms > issued_ms + URL_LIFETIME_MS => HttpResponse::new(
                403,
                "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
            ),
            None => match state.files.get(&file_id) {
                Some((_, content)) if last < content.len() as u64 => {
                    let mut bytes = content[offset as usize..=last as usize].to_vec();
                    if state.corrupt {
                        bytes[0] ^= 0x55;
                    }
                    partial(&bytes)
                }
                _ => {
                    let what = format!("GET of {file_id} {offset}-{last} out of bounds");
                    state.violations.push(what);
                    HttpResponse::new(416, "")
                }
            },
        };
        state.calls.push(Call::Get {
            offset,
            len,
            at_ms,
            issued_ms,
            status: response.status,
            ahead,
        });
        let gets = state
            .calls
            .iter()
            .filter(|c| matches!(c, Call::Get { .. }))
            .count();
        if state.age_after_gets == Some(gets) {
            state.age_after_gets = None;
            self.clock
                .advance(Duration::from_millis(URL_LIFETIME_MS + 1000));
        }
        self.clock
            .advance(Duration::from_millis(state.get_latency_ms));
        (!hang).then_some(response)
    }
}

impl Transport for FakeDrive {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        if request.method == Method::Get && request.url.starts_with(OBS) {
            return match self.get(&request) {
                Some(response) => Box::pin(async move { Ok(response) }),
                None => Box::pin(futures::future::pending()),
            };
        }
        let now = self.clock.now_millis();
        let response = match (request.method, request.url.strip_prefix(API)) {
            (Method::Post, Some("/download")) => self.urls(now, &request),
            _ => {
                let what = format!("unexpected request {} {}", request.method, request.url);
                self.with(|s| s.violations.push(what));
                HttpResponse::new(404, r#"{"code":404,"msg":"no such API"}"#)
            }
        };
        Box::pin(async move { Ok(response) })
    }
}

fn partial(bytes: &[u8]) -> HttpResponse {
    HttpResponse::new(206, bytes.to_vec())
}

fn json_response(value: Value) -> HttpResponse {
    HttpResponse::new(200, value.to_string())
}

/// The file id and issue time a download URL carries.
fn parse_url(url: &str) -> (String, u64) {
    let rest = url.strip_prefix(OBS).expect("a download URL");
    let (file_id, query) = rest.split_once('?').expect("a query");
    let issued = query
        .split('&')
        .find_map(|p| p.strip_prefix("issued="))
        .and_then(|v| v.parse().ok())
        .expect("an issue time");
    (file_id.to_owned(), issued)
}

/// `bytes=a-b` as (a, b).
fn parse_range(value: &str) -> Option<(u64, u64)> {
    let (a, b) = value.strip_prefix("bytes=")?.split_once('-')?;
    let (a, b) = (a.parse().ok()?, b.parse().ok()?);
    (a <= b).then_some((a, b))
}

/// A client over a fresh fake drive holding file `F1`. App credentials: they do not
/// lapse while the clock jumps an hour ahead, as a session would.
fn setup(len: usize) -> (Client, FakeDrive, ManualClock, Vec<u8>) {
    let clock = ManualClock::new();
    let drive = FakeDrive::new(&clock);
    let data = content(len, len as u64);
    drive.add_file("F1", data.clone());
    let client = Client::builder(Endpoint::Custom(BASE.into()))
        .transport(drive.clone())
        .clock(clock.clone())
        .app_credentials(AppCredentials {
            app_id: "0123456789abcdef".repeat(4),
            app_secret: Secret::new("test-app-secret"),
            user_id: "1008600000000000001".into(),
        })
        .build()
        .unwrap();
    (client, drive, clock, data)
}

/// About 1 MiB, not a whole number of ranges nor of blocks.
const LEN: usize = 1024 * KIB + 333;

fn ranges(len: usize) -> u64 {
    (len as u64).div_ceil(RANGE)
}

fn options() -> DownloadOptions {
    DownloadOptions {
        range_size: Some(RANGE),
        concurrency: 2,
        ..DownloadOptions::new("C1", "F1")
    }
}

/// Records every progress report.
fn record_progress(options: &mut DownloadOptions) -> Arc<Mutex<Vec<Progress>>> {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    options.progress_interval = Duration::from_millis(1);
    options.on_progress = Some(Arc::new(move |p| sink.lock().unwrap().push(p)));
    reports
}

fn completed(result: DownloadResult) -> DownloadOutcome {
    match result {
        DownloadResult::Completed(outcome) => outcome,
        DownloadResult::Paused(cp) => panic!("paused unexpectedly: {cp:?}"),
    }
}

fn paused(result: DownloadResult) -> DownloadCheckpoint {
    match result {
        DownloadResult::Paused(cp) => cp,
        DownloadResult::Completed(outcome) => panic!("finished before the pause: {outcome:?}"),
    }
}

/// Checks a finished download: the bytes, the verified digest, no violation.
fn assert_intact(outcome: &DownloadOutcome, sink: MemorySink, data: &[u8], drive: &FakeDrive) {
    assert_eq!(drive.violations(), Vec::<String>::new());
    let digest = hex(&Sha256::digest(data));
    assert_eq!(outcome.sha256.as_deref(), Some(digest.as_str()));
    assert!(outcome.verified, "{outcome:?}");
    assert_eq!(outcome.size, data.len() as u64);
    assert_eq!(outcome.file_id, "F1");
    assert_eq!(outcome.file_name.as_deref(), Some("F1.bin"));
    let written = sink.into_inner();
    assert_eq!(written.len(), data.len());
    assert!(written == data, "the sink holds other bytes");
}

fn every_range_once(len: usize, from: u64) -> BTreeMap<u64, usize> {
    (from / RANGE..ranges(len))
        .map(|i| (i * RANGE, 1))
        .collect()
}

#[test]
fn the_bytes_arrive_intact_and_verified() {
    for len in [LEN, 1024 * KIB, 100, 0] {
        let (client, drive, _clock, data) = setup(len);
        drive.with(|s| s.get_latency_ms = 150);
        let sink = MemorySink::new();
        let mut opts = options();
        let reports = record_progress(&mut opts);
        let outcome = completed(block_on(client.download(&sink, opts)).unwrap());

        assert_intact(&outcome, sink, &data, &drive);
        assert_eq!(drive.url_requests(), 1);
        assert_eq!(drive.gets_per_offset(0), every_range_once(len, 0), "{len}");
        let Some(Call::Urls(body)) = drive.calls().first().cloned() else {
            panic!("files/download comes first: {:?}", drive.calls());
        };
        assert_eq!(body, json!({ "containerId": "C1", "fileIds": ["F1"] }));
        assert!(drive.calls().iter().all(|c| match c {
            Call::Get { len: l, status, .. } => *status == 206 && *l <= RANGE,
            Call::Urls(_) => true,
        }));
        let reports = reports.lock().unwrap();
        if len > 0 {
            assert_monotonic(&reports, len as u64);
        }
        if ranges(len) > 2 {
            assert!(reports.len() > 2, "{len}: {reports:?}");
        }
    }
}

#[test]
fn a_busy_range_is_retried_after_its_retry_after_and_progress_holds() {
    let (client, drive, clock, data) = setup(LEN);
    let mut busy = HttpResponse::new(503, "SlowDown");
    busy.headers.set("Retry-After", "2");
    drive.fault(3 * RANGE, Fault::Respond(busy));
    let sink = MemorySink::new();
    let mut opts = options();
    let reports = record_progress(&mut opts);
    let outcome = completed(block_on(client.download(&sink, opts)).unwrap());

    assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)]);
    let tries = drive.gets_of(3 * RANGE);
    assert_eq!(tries.len(), 2, "{tries:?}");
    assert_eq!((tries[0].1, tries[1].1), (503, 206));
    assert_eq!(tries[1].0 - tries[0].0, 2000, "retried exactly 2 s later");
    assert_monotonic(&reports.lock().unwrap(), LEN as u64);
    assert_intact(&outcome, sink, &data, &drive);
    assert_eq!(drive.url_requests(), 1);
}

#[test]
fn a_short_body_is_retried() {
    let (client, drive, clock, data) = setup(LEN);
    drive.fault(5 * RANGE, Fault::Short(1000));
    drive.fault(5 * RANGE, Fault::Short(0));
    let sink = MemorySink::new();
    let outcome = completed(block_on(client.download(&sink, options())).unwrap());

    assert_eq!(drive.gets_of(5 * RANGE).len(), 3);
    let mut expected = every_range_once(LEN, 0);
    expected.insert(5 * RANGE, 3);
    assert_eq!(drive.gets_per_offset(0), expected);
    assert_eq!(clock.sleeps().len(), 2, "a backoff before each retry");
    assert!(
        clock
            .sleeps()
            .iter()
            .all(|s| *s <= client.config().retry.max_backoff)
    );
    assert_intact(&outcome, sink, &data, &drive);
}

#[test]
fn a_range_failing_every_attempt_fails_the_download() {
    let (client, drive, clock, _data) = setup(LEN);
    let max_attempts = RetryPolicy::default().max_attempts;
    assert_eq!(client.config().retry.max_attempts, max_attempts);
    for _ in 0..max_attempts + 2 {
        drive.fault(
            2 * RANGE,
            Fault::Respond(HttpResponse::new(503, "SlowDown")),
        );
    }
    let sink = MemorySink::new();
    let err = block_on(client.download(&sink, options())).unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Server, "{err}");
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.operation(), Some("download"));
    assert_eq!(drive.gets_of(2 * RANGE).len(), max_attempts as usize);
    assert_eq!(clock.sleeps().len(), max_attempts as usize - 1);
    assert_eq!(drive.violations(), Vec::<String>::new());
}

#[test]
fn a_refused_range_renews_the_url() {
    let (client, drive, _clock, data) = setup(LEN);
    drive.fault(
        4 * RANGE,
        Fault::Respond(HttpResponse::new(
            403,
            "<Error><Code>AccessDenied</Code></Error>",
        )),
    );
    let sink = MemorySink::new();
    let outcome = completed(block_on(client.download(&sink, options())).unwrap());

    assert_eq!(drive.url_requests(), 2);
    let tries = drive.gets_of(4 * RANGE);
    assert_eq!(tries.iter().map(|t| t.1).collect::<Vec<_>>(), [403, 206]);
    // The second files/download comes between the refusal and the retry.
    let calls = drive.calls();
    let refused = calls
        .iter()
        .position(|c| matches!(c, Call::Get { offset, status: 403, .. } if *offset == 4 * RANGE))
        .unwrap();
    let renewed = calls
        .iter()
        .rposition(|c| matches!(c, Call::Urls(_)))
        .unwrap();
    assert!(renewed > refused, "{calls:?}");
    assert_intact(&outcome, sink, &data, &drive);
}

#[test]
fn an_expired_url_is_refused_then_renewed() {
    let (client, drive, _clock, data) = setup(LEN);
    // After the third range, an hour and a second pass.
    drive.with(|s| s.age_after_gets = Some(3));
    let sink = MemorySink::new();
    let outcome = completed(block_on(client.download(&sink, options())).unwrap());

    assert_eq!(drive.url_requests(), 2);
    let mut refused = 0;
    for call in drive.calls() {
        if let Call::Get {
            at_ms,
            issued_ms,
            status,
            ..
        } = call
        {
            let stale = at_ms > issued_ms + URL_LIFETIME_MS;
            assert_eq!(stale, status == 403, "{call:?}");
            refused += usize::from(stale);
        }
    }
    assert!((1..=2).contains(&refused), "{refused} refusals");
    assert_intact(&outcome, sink, &data, &drive);
}

#[test]
fn pause_then_resume_fetches_only_the_rest() {
    let (client, drive, _clock, data) = setup(LEN);
    drive.with(|s| s.get_latency_ms = 150);
    let control = TransferControl::new();
    let pauser = control.clone();
    let mut opts = options();
    opts.control = control;
    opts.progress_interval = Duration::from_millis(1);
    opts.on_progress = Some(Arc::new(move |p: Progress| {
        if p.hashed >= 5 * RANGE {
            pauser.pause();
        }
    }));
    let sink = MemorySink::new();
    let cp = paused(block_on(client.download(&sink, opts)).unwrap());

    assert_eq!(cp.file_id, "F1");
    assert_eq!(cp.size, LEN as u64);
    assert_eq!(cp.range_size, RANGE);
    assert!(cp.verified);
    let prefix = cp.hash.bytes;
    assert!(prefix >= 5 * RANGE && prefix < LEN as u64, "{cp:?}");
    assert_eq!(prefix % RANGE, 0);
    assert_eq!(
        cp.expected_sha256.as_deref(),
        Some(hex(&Sha256::digest(&data)).as_str())
    );
    let before = drive.calls().len();

    let text = serde_json::to_string(&cp).unwrap();
    let cp: DownloadCheckpoint = serde_json::from_str(&text).unwrap();
    let outcome = completed(block_on(client.resume_download(&sink, cp, options())).unwrap());

    assert_eq!(drive.gets_per_offset(before), every_range_once(LEN, prefix));
    assert_intact(&outcome, sink, &data, &drive);
}

#[test]
fn wrong_content_fails_the_integrity_check() {
    let (client, drive, _clock, _data) = setup(LEN);
    drive.with(|s| s.corrupt = true);
    let sink = MemorySink::new();
    let err = block_on(client.download(&sink, options())).unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Integrity, "{err}");
    assert_eq!(err.operation(), Some("download"));
    assert_eq!(drive.gets_per_offset(0), every_range_once(LEN, 0));
    assert_eq!(drive.violations(), Vec::<String>::new());
}

#[test]
fn skip_verification_downloads_without_hashing() {
    let (client, drive, _clock, data) = setup(LEN);
    drive.with(|s| s.corrupt = true);
    let sink = MemorySink::new();
    let mut opts = options();
    opts.skip_verification = true;
    let reports = record_progress(&mut opts);
    let outcome = completed(block_on(client.download(&sink, opts)).unwrap());

    assert_eq!(outcome.sha256, None);
    assert!(!outcome.verified);
    assert_eq!(outcome.size, LEN as u64);
    assert_eq!(drive.gets_per_offset(0), every_range_once(LEN, 0));
    // Nothing checked the (corrupt) content: one byte per range differs.
    let written = sink.into_inner();
    assert_eq!(written.len(), LEN);
    let differing = written.iter().zip(&data).filter(|(a, b)| a != b).count();
    assert_eq!(differing as u64, ranges(LEN));
    let reports = reports.lock().unwrap();
    assert_monotonic(&reports, LEN as u64);
    assert!(reports.iter().all(|p| p.hashed == 0), "{reports:?}");
}

#[test]
fn a_checkpoint_for_another_file_is_refused_before_any_request() {
    let (client, drive, _clock, data) = setup(LEN);
    drive.add_file("F2", data);
    let cp = DownloadCheckpoint {
        version: 1,
        file_id: "F2".into(),
        container_id: "C1".into(),
        size: LEN as u64,
        range_size: RANGE,
        hash: koodrive_core::transfer::hashing::HashProgress {
            bytes: 0,
            words: [0; 8],
        },
        expected_sha256: None,
        file_name: None,
        verified: true,
    };
    let sink = MemorySink::new();
    let err = block_on(client.resume_download(&sink, cp, options())).unwrap_err();

    assert!(
        matches!(
            err.validation(),
            Some(ValidationError::BadCheckpoint { .. })
        ),
        "{err}"
    );
    assert_eq!(err.operation(), Some("download"));
    assert_eq!(drive.calls(), Vec::<Call>::new(), "nothing was sent");
}

#[test]
fn ranges_fetched_ahead_of_the_hashed_prefix_stay_within_the_window() {
    let (client, drive, _clock, data) = setup(LEN);
    // The first range hangs twice: the others pile up behind it, as far as the window.
    drive.fault(0, Fault::Hang);
    drive.fault(0, Fault::Hang);
    let position = drive.with(|s| s.checkpoint.clone());
    let mut opts = options();
    opts.on_checkpoint = Some(Arc::new(move |cp: &DownloadCheckpoint| {
        position.fetch_max(cp.hash.bytes, Ordering::SeqCst);
    }));
    let sink = MemorySink::new();
    let outcome = completed(block_on(client.download(&sink, opts)).unwrap());

    let ahead: Vec<u64> = drive
        .calls()
        .iter()
        .filter_map(|c| match c {
            Call::Get { ahead, .. } => Some(*ahead),
            _ => None,
        })
        .collect();
    assert_eq!(ahead.iter().max(), Some(&WINDOW), "{ahead:?}");
    // While the first range was missing, nothing past the window was asked for,
    // and the window filled.
    let calls = drive.calls();
    let first_served = calls
        .iter()
        .position(|c| {
            matches!(
                c,
                Call::Get {
                    offset: 0,
                    status: 206,
                    ..
                }
            )
        })
        .unwrap();
    let before: Vec<u64> = calls[..first_served]
        .iter()
        .filter_map(|c| match c {
            Call::Get { offset, .. } => Some(offset / RANGE),
            _ => None,
        })
        .collect();
    assert_eq!(before.iter().max(), Some(&(WINDOW - 1)), "{before:?}");
    assert_eq!(drive.gets_of(0).len(), 3, "two timeouts, then the range");
    let mut expected = every_range_once(LEN, 0);
    expected.insert(0, 3);
    assert_eq!(drive.gets_per_offset(0), expected);
    assert_intact(&outcome, sink, &data, &drive);
}

#[test]
fn a_range_refused_every_time_fails_the_download() {
    let (client, drive, _clock, _data) = setup(LEN);
    // Far more refusals than any retry policy allows; the fake stops answering
    // files/download after 50 renewals so that the bug ends the test instead of hanging it.
    for _ in 0..60 {
        drive.fault(
            2 * RANGE,
            Fault::Respond(HttpResponse::new(
                403,
                "<Error><Code>AccessDenied</Code></Error>",
            )),
        );
    }
    drive.with(|s| s.max_url_requests = Some(50));
    let sink = MemorySink::new();
    let err = block_on(client.download(&sink, options())).unwrap_err();

    let max_attempts = client.config().retry.max_attempts as usize;
    assert!(
        drive.gets_of(2 * RANGE).len() <= max_attempts,
        "{} GETs of a refused range, {} URL requests: {err}",
        drive.gets_of(2 * RANGE).len(),
        drive.url_requests()
    );
    assert!(drive.url_requests() <= max_attempts, "{err}");
}
