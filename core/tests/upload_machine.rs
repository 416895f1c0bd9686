//! The upload engine driven through a scripted, in-memory KooDrive and a manual clock,
//! so that every request, wait and retry can be counted: both hash orders, retries
//! and `Retry-After`, expired and stale part URLs, pause and resume, cancel, rapid
//! upload, and checkpoints that must be refused. The same flows over real HTTP live in
//! `transfer.rs`, against the emulator.

mod common;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::executor::block_on;
use koodrive_core::auth::AppCredentials;
use koodrive_core::platform::BoxFuture;
use koodrive_core::transfer::upload::{
    HashOrder, Hedge, NameConflict, UploadCheckpoint, UploadOptions, UploadOutcome, UploadResult,
};
use koodrive_core::transfer::{Progress, Source, TransferControl};
use koodrive_core::{
    Client, Clock, Endpoint, ErrorKind, HttpRequest, HttpResponse, Method, RetryPolicy, Secret,
    Transport, TransportError, ValidationError,
};
use serde_json::{Value, json};
use sha2::digest::generic_array::GenericArray;
use sha2::{Digest, Sha256, compress256};

use common::{ManualClock, assert_monotonic, content, hex};

const MIB: usize = 1024 * 1024;
const PART: u64 = 5 * MIB as u64;
const BASE: &str = "http://127.0.0.1:8080";
const API: &str = "http://127.0.0.1:8080/koodrive/ose/v1/files";
const OBS: &str = "https://obs.example/bucket/";
/// How long a part URL lives, as the fake OBS enforces it.
const URL_LIFETIME_MS: u64 = 3_600_000;
/// How long the fake takes to store a part: enough for a progress report after each.
const PUT_LATENCY_MS: u64 = 250;

/// SHA-256's initial chaining value (FIPS 180-4 §5.3.3).
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// A request the fake drive saw.
#[derive(Debug, Clone, PartialEq)]
enum Call {
    Create(Value),
    Urls(Vec<u32>),
    Put {
        part: u32,
        /// When the request arrived and when its answer left, in simulated time.
        at_ms: u64,
        done_ms: u64,
        status: u16,
    },
    Complete(Value),
}

/// One upload the fake drive knows.
#[derive(Debug, Default)]
struct FakeUpload {
    /// Part number to (offset, size), as announced at create.
    parts: BTreeMap<u32, (u64, u64)>,
    /// Part number to the `hashCtx` the client sent for it.
    ctx: BTreeMap<u32, [u32; 8]>,
    stored: BTreeMap<u32, Vec<u8>>,
    completed: bool,
}

#[derive(Default)]
struct DriveState {
    uploads: HashMap<String, FakeUpload>,
    next_id: u32,
    /// Answer create with `rapidUpload: true`.
    rapid: bool,
    /// Answer create with `exist: true` when `autoRename` is 4.
    exist: bool,
    /// How long a `PUT` takes in simulated time.
    put_latency_ms: u64,
    /// Answers given to a part's next `PUT`s instead of storing it.
    put_faults: HashMap<u32, VecDeque<HttpResponse>>,
    /// Parts whose next `PUT` never gets an answer.
    hung: std::collections::HashSet<u32>,
    calls: Vec<Call>,
    /// What the client did that the real service would refuse.
    violations: Vec<String>,
}

/// A tiny KooDrive: files/create, multipart/uploadUrl, files/complete, and the part
/// URLs of its object store, all answered at once from memory.
#[derive(Clone)]
struct FakeDrive {
    clock: ManualClock,
    state: Arc<Mutex<DriveState>>,
}

impl FakeDrive {
    fn new(clock: &ManualClock) -> Self {
        Self {
            clock: clock.clone(),
            state: Arc::new(Mutex::new(DriveState {
                put_latency_ms: PUT_LATENCY_MS,
                ..DriveState::default()
            })),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut DriveState) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    /// Answers part `part`'s next `PUT` with `response`.
    fn fail_put(&self, part: u32, response: HttpResponse) {
        self.with(|s| s.put_faults.entry(part).or_default().push_back(response));
    }

    fn calls(&self) -> Vec<Call> {
        self.with(|s| s.calls.clone())
    }

    fn violations(&self) -> Vec<String> {
        self.with(|s| s.violations.clone())
    }

    /// `PUT`s per part number, from call `from` on.
    fn puts_per_part(&self, from: usize) -> BTreeMap<u32, usize> {
        let mut counts = BTreeMap::new();
        for call in &self.calls()[from..] {
            if let Call::Put { part, .. } = call {
                *counts.entry(*part).or_default() += 1;
            }
        }
        counts
    }

    fn count(&self, from: usize, pred: impl Fn(&Call) -> bool) -> usize {
        self.calls()[from..].iter().filter(|c| pred(c)).count()
    }

    fn completes(&self) -> usize {
        self.count(0, |c| matches!(c, Call::Complete(_)))
    }

    fn url_requests(&self) -> usize {
        self.count(0, |c| matches!(c, Call::Urls(_)))
    }

    fn puts(&self) -> usize {
        self.count(0, |c| matches!(c, Call::Put { .. }))
    }

    fn answer(&self, request: HttpRequest) -> HttpResponse {
        let now = self.clock.now_millis();
        let mut state = self.state.lock().unwrap();
        if request.method == Method::Put {
            return self.put(&mut state, now, &request);
        }
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let path = request.url.strip_prefix(API).unwrap_or(&request.url);
        match (request.method, path) {
            (Method::Post, "/create") => state.create(now, body),
            (Method::Post, "/multipart/uploadUrl") => state.upload_urls(now, body),
            (Method::Post, "/complete") => state.complete(body),
            _ => {
                let call = format!("unexpected request {} {}", request.method, request.url);
                state.violations.push(call);
                HttpResponse::new(404, r#"{"code":404,"msg":"no such API"}"#)
            }
        }
    }

    fn put(&self, state: &mut DriveState, at_ms: u64, request: &HttpRequest) -> HttpResponse {
        // The part's bytes take a while to arrive.
        self.clock
            .advance(Duration::from_millis(state.put_latency_ms));
        let done_ms = self.clock.now_millis();
        let (file_id, part, issued_ms) = parse_part_url(&request.url);
        let response = match state
            .put_faults
            .get_mut(&part)
            .and_then(VecDeque::pop_front)
        {
            Some(fault) => fault,
            None if done_ms > issued_ms + URL_LIFETIME_MS => HttpResponse::new(
                403,
                "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
            ),
            None => state.store_part(&file_id, part, &request.body),
        };
        state.calls.push(Call::Put {
            part,
            at_ms,
            done_ms,
            status: response.status,
        });
        response
    }
}

impl Transport for FakeDrive {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        if request.method == Method::Put {
            let (_, part, _) = parse_part_url(&request.url);
            if self.with(|s| s.hung.remove(&part)) {
                return Box::pin(futures::future::pending());
            }
        }
        let response = self.answer(request);
        Box::pin(async move { Ok(response) })
    }
}

impl DriveState {
    fn violation(&mut self, what: String) -> HttpResponse {
        self.violations.push(what);
        HttpResponse::new(400, r#"{"code":13000402,"msg":"check failed"}"#)
    }

    fn create(&mut self, now: u64, body: Value) -> HttpResponse {
        self.calls.push(Call::Create(body.clone()));
        let name = body["fileName"].as_str().unwrap_or_default().to_owned();
        if body["uploadMode"] != "multipart" || body["uploadType"] != 1 {
            return self.violation(format!("create is not a multipart upload: {body}"));
        }
        if self.rapid {
            if body["sha256"].as_str().is_none_or(|s| s.len() != 64) {
                return self.violation("a rapid upload needs the digest".into());
            }
            return json_response(json!({
                "code": 0, "fileId": "F-rapid", "rapidUpload": true, "fileName": name,
            }));
        }
        if self.exist && body["autoRename"] == 4 {
            return json_response(json!({
                "code": 0, "fileId": "F-existing", "exist": true, "fileName": name,
            }));
        }

        let mut upload = FakeUpload::default();
        let mut next_offset = 0;
        for info in body["multiParts"].as_array().cloned().unwrap_or_default() {
            let number = info["partNumber"].as_u64().unwrap_or(0) as u32;
            let offset = info["partOffset"].as_u64().unwrap_or(u64::MAX);
            let size = info["partSize"].as_u64().unwrap_or(u64::MAX);
            if number as usize != upload.parts.len() + 1 || offset != next_offset {
                return self.violation(format!("parts are not contiguous: {info}"));
            }
            next_offset = offset + size;
            upload.parts.insert(number, (offset, size));
            if let Some(ctx) = parse_ctx(&info["hashCtx"]) {
                upload.ctx.insert(number, ctx);
            }
        }
        if Some(next_offset) != body["length"].as_u64() {
            return self.violation(format!("parts do not add up to the length: {body}"));
        }

        self.next_id += 1;
        let file_id = format!("F{}", self.next_id);
        // URLs only for parts whose midstate is known; the rest come on request.
        let parts: Vec<Value> = upload
            .parts
            .iter()
            .filter(|(n, _)| **n == 1 || upload.ctx.contains_key(n))
            .map(|(n, (offset, size))| part_json(&file_id, *n, *offset, *size, now))
            .collect();
        self.uploads.insert(file_id.clone(), upload);
        json_response(json!({
            "code": 0, "fileId": file_id, "uploadId": format!("U-{file_id}"),
            "fileName": name, "containerId": body["containerId"], "parentFolder": ["root"],
            "multiParts": parts,
        }))
    }

    fn upload_urls(&mut self, now: u64, body: Value) -> HttpResponse {
        let wanted = body["multiParts"].as_array().cloned().unwrap_or_default();
        let numbers = wanted
            .iter()
            .map(|i| i["partNumber"].as_u64().unwrap_or(0) as u32)
            .collect();
        self.calls.push(Call::Urls(numbers));
        let file_id = body["fileId"].as_str().unwrap_or_default().to_owned();
        let Some(upload) = self.uploads.get_mut(&file_id) else {
            return self.violation(format!("URLs for an unknown file {file_id}"));
        };
        let mut problems = Vec::new();
        let mut parts = Vec::new();
        for info in wanted {
            let number = info["partNumber"].as_u64().unwrap_or(0) as u32;
            let Some(&(offset, size)) = upload.parts.get(&number) else {
                problems.push(format!("URL for unknown part {number}"));
                continue;
            };
            match (parse_ctx(&info["hashCtx"]), upload.ctx.get(&number)) {
                (Some(new), Some(old)) if new != *old => {
                    problems.push(format!("part {number}'s hashCtx changed"))
                }
                (Some(new), _) => {
                    upload.ctx.insert(number, new);
                }
                (None, None) if number > 1 => {
                    problems.push(format!("part {number} has no hashCtx"))
                }
                _ => {}
            }
            parts.push(part_json(&file_id, number, offset, size, now));
        }
        if !problems.is_empty() {
            return self.violation(problems.join("; "));
        }
        json_response(json!({ "code": 0, "multiParts": parts }))
    }

    fn store_part(&mut self, file_id: &str, part: u32, bytes: &[u8]) -> HttpResponse {
        let Some(upload) = self.uploads.get_mut(file_id) else {
            self.violations
                .push(format!("PUT for unknown file {file_id}"));
            return HttpResponse::new(404, "");
        };
        match upload.parts.get(&part) {
            Some((_, size)) if *size == bytes.len() as u64 && !upload.completed => {
                upload.stored.insert(part, bytes.to_vec());
                let mut ok = HttpResponse::new(200, "");
                ok.headers.set("ETag", format!("\"etag-{part}\""));
                ok
            }
            _ => {
                let what = format!("bad PUT of part {part} ({} bytes)", bytes.len());
                self.violations.push(what);
                HttpResponse::new(400, "")
            }
        }
    }

    fn complete(&mut self, body: Value) -> HttpResponse {
        self.calls.push(Call::Complete(body.clone()));
        let file_id = body["fileId"].as_str().unwrap_or_default().to_owned();
        let Some(upload) = self.uploads.get_mut(&file_id) else {
            return self.violation(format!("complete for unknown file {file_id}"));
        };
        if upload.stored.len() != upload.parts.len() {
            let missing: Vec<_> = upload
                .parts
                .keys()
                .filter(|n| !upload.stored.contains_key(n))
                .collect();
            let what = format!("complete with parts {missing:?} missing");
            return self.violation(what);
        }

        // Check every part's hashCtx against midstates computed here, then the digest.
        let content: Vec<u8> = upload.stored.values().flatten().copied().collect();
        let mut problems = Vec::new();
        for (number, (offset, _)) in &upload.parts {
            let expected = midstate(&content[..*offset as usize]);
            let got = upload.ctx.get(number).copied();
            if *number > 1 && got != Some(expected) {
                problems.push(format!("part {number}'s hashCtx is {got:?}"));
            }
        }
        let digest = hex(&Sha256::digest(&content));
        if body["sha256"].as_str() != Some(digest.as_str()) {
            problems.push(format!("sha256 {} is not {digest}", body["sha256"]));
        }
        if !problems.is_empty() {
            return self.violation(problems.join("; "));
        }
        upload.completed = true;
        json_response(json!({ "code": 0, "msg": "success." }))
    }
}

fn json_response(value: Value) -> HttpResponse {
    HttpResponse::new(200, value.to_string())
}

fn part_json(file_id: &str, number: u32, offset: u64, size: u64, now: u64) -> Value {
    json!({
        "partNumber": number, "partOffset": offset, "partSize": size,
        "uploadUrl": format!("{OBS}{file_id}?partNumber={number}&issued={now}&X-Amz-Expires=3600"),
    })
}

/// The file id, part number and issue time a part URL carries.
fn parse_part_url(url: &str) -> (String, u32, u64) {
    let rest = url.strip_prefix(OBS).expect("a part URL");
    let (file_id, query) = rest.split_once('?').expect("a query");
    let mut part = 0;
    let mut issued = 0;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("partNumber", v)) => part = v.parse().unwrap(),
            Some(("issued", v)) => issued = v.parse().unwrap(),
            _ => {}
        }
    }
    (file_id.to_owned(), part, issued)
}

fn parse_ctx(value: &Value) -> Option<[u32; 8]> {
    let words: Vec<u32> = value
        .as_array()?
        .iter()
        .map(|w| w.as_u64().map(|w| w as u32))
        .collect::<Option<_>>()?;
    words.try_into().ok()
}

/// The SHA-256 chaining words after `prefix`, a whole number of blocks.
fn midstate(prefix: &[u8]) -> [u32; 8] {
    assert_eq!(prefix.len() % 64, 0, "parts start on block boundaries");
    let mut state = IV;
    for block in prefix.chunks_exact(64) {
        compress256(&mut state, &[*GenericArray::from_slice(block)]);
    }
    state
}

/// A source whose content can be told apart by a fingerprint.
struct Fingerprinted {
    data: Vec<u8>,
    fingerprint: String,
}

impl Source for Fingerprinted {
    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    fn fingerprint(&self) -> Option<String> {
        Some(self.fingerprint.clone())
    }

    fn read_at(&self, offset: u64, len: usize) -> BoxFuture<'_, std::io::Result<Vec<u8>>> {
        self.data.read_at(offset, len)
    }
}

/// A client over a fresh fake drive. App credentials: they do not lapse while the
/// clock jumps an hour ahead, as a session would.
fn setup() -> (Client, FakeDrive, ManualClock) {
    let clock = ManualClock::new();
    let drive = FakeDrive::new(&clock);
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
    (client, drive, clock)
}

fn options(order: HashOrder) -> UploadOptions {
    UploadOptions {
        part_size: Some(PART),
        concurrency: 2,
        hash_order: order,
        ..UploadOptions::new("C1", None, "data.bin")
    }
}

/// Records every progress report.
fn record_progress(options: &mut UploadOptions) -> Arc<Mutex<Vec<Progress>>> {
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    options.on_progress = Some(Arc::new(move |p| sink.lock().unwrap().push(p)));
    reports
}

/// Pauses `options`' upload once the first part is acknowledged.
fn pause_after_first_part(options: &mut UploadOptions) {
    let control = TransferControl::new();
    let pauser = control.clone();
    options.control = control;
    options.concurrency = 1;
    options.on_progress = Some(Arc::new(move |p: Progress| {
        if p.done > 0 {
            pauser.pause();
        }
    }));
}

fn completed(result: UploadResult) -> UploadOutcome {
    match result {
        UploadResult::Completed(outcome) => outcome,
        UploadResult::Paused(cp) => panic!("paused unexpectedly: {cp:?}"),
    }
}

fn paused(result: UploadResult) -> UploadCheckpoint {
    match result {
        UploadResult::Paused(cp) => cp,
        UploadResult::Completed(outcome) => panic!("finished before the pause: {outcome:?}"),
    }
}

/// Uploads 3 or 4 parts in `order` and checks what the drive saw.
fn end_to_end(order: HashOrder, len: usize, parts: u32) {
    let (client, drive, _clock) = setup();
    let data = content(len, u64::from(parts));
    let mut opts = options(order);
    let reports = record_progress(&mut opts);
    let outcome = completed(block_on(client.upload(&data, opts)).unwrap());

    let digest = hex(&Sha256::digest(&data));
    assert_eq!(outcome.sha256.as_deref(), Some(digest.as_str()));
    assert_eq!(
        (outcome.size, outcome.rapid, outcome.existed),
        (len as u64, false, false)
    );
    assert_eq!(outcome.file_id, "F1");
    assert_eq!(drive.violations(), Vec::<String>::new());
    let every_part_once: BTreeMap<u32, usize> = (1..=parts).map(|n| (n, 1)).collect();
    assert_eq!(drive.puts_per_part(0), every_part_once);
    assert_eq!(drive.completes(), 1);
    assert_monotonic(&reports.lock().unwrap(), len as u64);

    let Some(Call::Create(create)) = drive.calls().first().cloned() else {
        panic!("create comes first: {:?}", drive.calls());
    };
    let with_ctx = create["multiParts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p.get("hashCtx").is_some())
        .count();
    match order {
        // Everything is hashed before create: the digest and every midstate go with it.
        HashOrder::HashFirst => {
            assert_eq!(create["sha256"], digest.as_str());
            assert_eq!(with_ctx, parts as usize - 1);
            assert_eq!(drive.url_requests(), 0);
        }
        // Nothing is hashed yet: midstates follow with the URL requests.
        HashOrder::Pipelined => {
            assert!(create.get("sha256").is_none(), "{create}");
            assert_eq!(with_ctx, 0);
            assert!(drive.url_requests() >= 1);
        }
    }
}

#[test]
fn hash_first_uploads_end_to_end() {
    end_to_end(HashOrder::HashFirst, 11 * MIB + 333, 3);
}

#[test]
fn pipelined_uploads_end_to_end() {
    end_to_end(HashOrder::Pipelined, 16 * MIB - 100, 4);
}

#[test]
fn a_busy_part_is_retried_after_its_retry_after_and_progress_holds() {
    for order in [HashOrder::HashFirst, HashOrder::Pipelined] {
        let (client, drive, clock) = setup();
        let mut busy = HttpResponse::new(503, "SlowDown");
        busy.headers.set("Retry-After", "2");
        drive.fail_put(2, busy);
        // Parts arrive at once, so that only the wait moves the clock.
        drive.with(|s| s.put_latency_ms = 0);
        let data = content(13 * MIB, 7);
        let mut opts = options(order);
        let reports = record_progress(&mut opts);
        completed(block_on(client.upload(&data, opts)).unwrap());

        assert_eq!(clock.sleeps(), vec![Duration::from_secs(2)], "{order:?}");
        let tries: Vec<(u64, u64, u16)> = drive
            .calls()
            .into_iter()
            .filter_map(|c| match c {
                Call::Put {
                    part: 2,
                    at_ms,
                    done_ms,
                    status,
                } => Some((at_ms, done_ms, status)),
                _ => None,
            })
            .collect();
        assert_eq!(tries.len(), 2, "{tries:?}");
        assert_eq!((tries[0].2, tries[1].2), (503, 200));
        assert_eq!(
            tries[1].0 - tries[0].1,
            2000,
            "{order:?}: retried exactly 2 s later"
        );
        assert_eq!(drive.violations(), Vec::<String>::new());
        assert_monotonic(&reports.lock().unwrap(), data.len() as u64);
    }
}

#[test]
fn a_part_failing_every_attempt_fails_the_upload_without_completing() {
    let (client, drive, clock) = setup();
    let max_attempts = RetryPolicy::default().max_attempts;
    assert_eq!(client.config().retry.max_attempts, max_attempts);
    for _ in 0..max_attempts + 2 {
        drive.fail_put(2, HttpResponse::new(503, "SlowDown"));
    }
    let data = content(12 * MIB, 8);
    let err = block_on(client.upload(&data, options(HashOrder::HashFirst))).unwrap_err();

    assert_eq!(err.kind(), ErrorKind::Server, "{err}");
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.operation(), Some("upload"));
    assert_eq!(
        drive.puts_per_part(0).get(&2).copied(),
        Some(max_attempts as usize)
    );
    assert_eq!(drive.completes(), 0);
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), max_attempts as usize - 1);
    assert!(
        sleeps
            .iter()
            .all(|s| *s <= client.config().retry.max_backoff)
    );
}

#[test]
fn a_refused_part_url_is_renewed() {
    let (client, drive, _clock) = setup();
    drive.fail_put(
        2,
        HttpResponse::new(403, "<Error><Code>AccessDenied</Code></Error>"),
    );
    let data = content(14 * MIB, 9);
    completed(block_on(client.upload(&data, options(HashOrder::HashFirst))).unwrap());

    assert_eq!(drive.puts_per_part(0).get(&2).copied(), Some(2));
    let renewals: Vec<Call> = drive
        .calls()
        .into_iter()
        .filter(|c| matches!(c, Call::Urls(_)))
        .collect();
    assert_eq!(renewals, vec![Call::Urls(vec![2])]);
    assert_eq!(drive.completes(), 1);
    assert_eq!(drive.violations(), Vec::<String>::new());
}

#[test]
fn stale_part_urls_are_renewed_before_use() {
    for order in [HashOrder::HashFirst, HashOrder::Pipelined] {
        let (client, drive, clock) = setup();
        let data = content(16 * MIB - 100, 10);
        let mut opts = options(order);
        opts.concurrency = 1;
        // An hour passes once the first part is in, as if the app slept.
        let (jumper, jumped) = (clock.clone(), Arc::new(AtomicBool::new(false)));
        let flag = jumped.clone();
        opts.on_progress = Some(Arc::new(move |p: Progress| {
            if p.done > 0 && !flag.swap(true, Ordering::SeqCst) {
                jumper.advance(Duration::from_secs(3600));
            }
        }));
        completed(block_on(client.upload(&data, opts)).unwrap());

        assert!(jumped.load(Ordering::SeqCst));
        let refused = drive.count(0, |c| matches!(c, Call::Put { status: 403, .. }));
        assert_eq!(refused, 0, "{order:?}: {:?}", drive.calls());
        assert!(drive.url_requests() >= 1);
        let every_part_once: BTreeMap<u32, usize> = (1..=4).map(|n| (n, 1)).collect();
        assert_eq!(drive.puts_per_part(0), every_part_once);
        assert_eq!(drive.violations(), Vec::<String>::new());
    }
}

/// Pauses after the first part, resumes through a JSON round trip, and counts what
/// the resumed run sends.
fn pause_then_resume(order: HashOrder, len: usize) {
    let (client, drive, _clock) = setup();
    let data = content(len, 11);
    let parts = len.div_ceil(PART as usize) as u32;
    let mut opts = options(order);
    pause_after_first_part(&mut opts);
    let checkpoint = paused(block_on(client.upload(&data, opts)).unwrap());
    assert_eq!(checkpoint.acked_parts, vec![1], "{order:?}");
    assert_eq!(drive.completes(), 0);

    let stored = serde_json::to_string(&checkpoint).unwrap();
    let checkpoint: UploadCheckpoint = serde_json::from_str(&stored).unwrap();
    let before = drive.calls().len();
    let mut opts = options(order);
    let reports = record_progress(&mut opts);
    let shown = format!("{checkpoint:?}");
    let outcome = completed(
        block_on(client.resume_upload(&data, checkpoint, opts))
            .unwrap_or_else(|e| panic!("{e} {shown}")),
    );

    assert_eq!(outcome.sha256, Some(hex(&Sha256::digest(&data))));
    let rest_once: BTreeMap<u32, usize> = (2..=parts).map(|n| (n, 1)).collect();
    assert_eq!(drive.puts_per_part(before), rest_once, "{order:?}");
    assert_eq!(drive.count(before, |c| matches!(c, Call::Create(_))), 0);
    assert_eq!(drive.completes(), 1);
    assert_eq!(drive.violations(), Vec::<String>::new(), "{order:?}");
    let reports = reports.lock().unwrap();
    assert_eq!(reports[0].done, PART, "progress resumes where it stopped");
    assert_monotonic(&reports, len as u64);
}

#[test]
fn pause_and_resume_send_only_unacknowledged_parts() {
    // A length that is a whole number of 64-byte blocks; see the next test for others.
    pause_then_resume(HashOrder::HashFirst, 15 * MIB + 64 * 1000);
    pause_then_resume(HashOrder::Pipelined, 15 * MIB + 64 * 1000);
    pause_then_resume(HashOrder::Pipelined, 16 * MIB - 100);
}

#[test]
fn pause_and_resume_a_hash_first_upload_of_any_length() {
    pause_then_resume(HashOrder::HashFirst, 11 * MIB + 333);
}

#[test]
fn cancel_never_completes() {
    for order in [HashOrder::HashFirst, HashOrder::Pipelined] {
        let (client, drive, _clock) = setup();
        let data = content(16 * MIB - 100, 12);
        let control = TransferControl::new();
        let canceller = control.clone();
        let mut opts = options(order);
        opts.control = control;
        opts.on_progress = Some(Arc::new(move |p: Progress| {
            if p.done > 0 {
                canceller.cancel();
            }
        }));
        let err = block_on(client.upload(&data, opts)).unwrap_err();

        assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
        assert!(drive.puts() >= 1);
        assert_eq!(drive.completes(), 0, "{order:?}");
    }
}

#[test]
fn a_rapid_upload_sends_no_part() {
    let (client, drive, _clock) = setup();
    drive.with(|s| s.rapid = true);
    let data = content(11 * MIB, 13);
    let mut opts = options(HashOrder::HashFirst);
    let reports = record_progress(&mut opts);
    let outcome = completed(block_on(client.upload(&data, opts)).unwrap());

    assert!(outcome.rapid && !outcome.existed, "{outcome:?}");
    assert_eq!(outcome.file_id, "F-rapid");
    assert_eq!(outcome.sha256, Some(hex(&Sha256::digest(&data))));
    assert_eq!(
        (drive.puts(), drive.url_requests(), drive.completes()),
        (0, 0, 0)
    );
    assert_eq!(drive.violations(), Vec::<String>::new());
    assert_monotonic(&reports.lock().unwrap(), data.len() as u64);
}

#[test]
fn skip_if_identical_sends_no_part_when_the_file_exists() {
    let (client, drive, _clock) = setup();
    drive.with(|s| s.exist = true);
    let data = content(11 * MIB, 14);
    let mut opts = options(HashOrder::HashFirst);
    opts.name_conflict = NameConflict::SkipIfIdentical;
    let outcome = completed(block_on(client.upload(&data, opts)).unwrap());

    assert!(outcome.existed && !outcome.rapid, "{outcome:?}");
    let Some(Call::Create(create)) = drive.calls().first().cloned() else {
        panic!("create comes first");
    };
    assert_eq!(create["autoRename"], 4);
    assert_eq!((drive.puts(), drive.completes()), (0, 0));
}

/// A genuine checkpoint of `source` after its first part, and the drive it came from.
fn checkpoint_of(source: &Fingerprinted) -> (Client, FakeDrive, UploadCheckpoint) {
    let (client, drive, _clock) = setup();
    let mut opts = options(HashOrder::Pipelined);
    pause_after_first_part(&mut opts);
    let checkpoint = paused(block_on(client.upload(source, opts)).unwrap());
    (client, drive, checkpoint)
}

#[test]
fn a_changed_source_is_refused_before_any_request() {
    let source = Fingerprinted {
        data: content(12 * MIB, 15),
        fingerprint: "12582912@1764000000".into(),
    };
    let (client, drive, checkpoint) = checkpoint_of(&source);
    assert_eq!(
        checkpoint.source_fingerprint.as_deref(),
        Some("12582912@1764000000")
    );
    let before = drive.calls().len();

    let longer = Fingerprinted {
        data: content(12 * MIB + 1, 15),
        fingerprint: source.fingerprint.clone(),
    };
    let touched = Fingerprinted {
        data: source.data.clone(),
        fingerprint: "12582912@1764000099".into(),
    };
    for changed in [&longer, &touched] {
        let opts = options(HashOrder::Pipelined);
        let err = block_on(client.resume_upload(changed, checkpoint.clone(), opts)).unwrap_err();
        assert!(
            matches!(
                err.validation(),
                Some(ValidationError::SourceChanged { .. })
            ),
            "{err}"
        );
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
    }
    assert_eq!(drive.calls().len(), before, "nothing was sent");
}

#[test]
fn a_damaged_checkpoint_is_refused_before_any_request() {
    let source = Fingerprinted {
        data: content(12 * MIB, 16),
        fingerprint: "v1".into(),
    };
    let (client, drive, checkpoint) = checkpoint_of(&source);
    let before = drive.calls().len();

    type Damage = fn(&mut UploadCheckpoint);
    let damages: [(&str, Damage); 3] = [
        ("version 99", |cp| cp.version = 99),
        ("part 0 acknowledged", |cp| cp.acked_parts.push(0)),
        ("hash bytes off a block boundary", |cp| cp.hash.bytes += 100),
    ];
    for (what, damage) in damages {
        let mut damaged = checkpoint.clone();
        damage(&mut damaged);
        let opts = options(HashOrder::Pipelined);
        let err = block_on(client.resume_upload(&source, damaged, opts)).unwrap_err();
        assert!(
            matches!(
                err.validation(),
                Some(ValidationError::BadCheckpoint { .. })
            ),
            "{what}: {err}"
        );
    }
    assert_eq!(drive.calls().len(), before, "nothing was sent");
}

#[test]
fn a_checkpoint_hashed_to_the_middle_of_a_part_is_refused() {
    let source = Fingerprinted {
        data: content(12 * MIB, 17),
        fingerprint: "v1".into(),
    };
    let (client, drive, mut checkpoint) = checkpoint_of(&source);
    let before = drive.calls().len();

    // A consistent midstate, but 64 bytes into part 1: no part starts there.
    checkpoint.hash.bytes = 64;
    checkpoint.hash.words = midstate(&source.data[..64]);
    checkpoint.acked_parts.clear();
    let opts = options(HashOrder::Pipelined);
    let err = block_on(client.resume_upload(&source, checkpoint, opts)).unwrap_err();
    assert!(
        matches!(
            err.validation(),
            Some(ValidationError::BadCheckpoint { .. })
        ),
        "{err}"
    );
    assert_eq!(drive.calls().len(), before, "nothing was sent");
}

#[test]
fn a_straggling_part_is_hedged() {
    let (client, drive, _clock) = setup();
    let data = content(22 * MIB, 12);
    drive.with(|s| s.hung.insert(2));
    let mut opts = options(HashOrder::HashFirst);
    opts.concurrency = 3;
    opts.hedge = Some(Hedge {
        factor: 3.0,
        min_wait: Duration::from_secs(1),
    });
    let outcome = completed(block_on(client.upload(&data, opts)).unwrap());

    assert_eq!(outcome.sha256, Some(hex(&Sha256::digest(&data))));
    // Part 2's first PUT never answered; its hedged copy went through.
    let answered = drive.puts_per_part(0);
    assert_eq!(answered.get(&2), Some(&1), "{answered:?}");
    assert_eq!(answered.len(), 5);
    assert_eq!(drive.completes(), 1);
    assert_eq!(drive.violations(), Vec::<String>::new());
}
