#![cfg(not(target_arch = "wasm32"))]
//! The transfer engine against the emulator over real HTTP: parallel multipart
//! upload, rapid upload, pause and resume, cancel, a changed source.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use koodrive_core::files::GetFile;
use koodrive_core::listing::ListQuery;
use koodrive_core::model::{ContainerType, File};
use koodrive_core::transfer::download::{DownloadCheckpoint, DownloadOptions, DownloadResult};
use koodrive_core::transfer::upload::{HashOrder, UploadCheckpoint, UploadOptions, UploadResult};
use koodrive_core::transfer::{MemorySink, Progress, TransferControl};
use koodrive_core::{Client, Config, Endpoint, ErrorKind, RetryPolicy, ValidationError};
use koodrive_emulator::{Emulator, FaultConfig, seed};
use sha2::{Digest, Sha256};

use common::{content, hex};

const MIB: usize = 1024 * 1024;

async fn alice(emu: &Emulator) -> (Client, String) {
    let client = Client::builder(Endpoint::Custom(emu.base_url()))
        .build()
        .unwrap();
    client.create_session(seed::ALICE_CODE, None).await.unwrap();
    let spaces = client
        .get_spaces_v2(seed::ALICE_USER_ID, Some(ContainerType::Personal))
        .await
        .unwrap();
    (client, spaces[0].container_id.clone())
}

fn options(container: &str, name: &str) -> UploadOptions {
    UploadOptions {
        part_size: Some(5 * MIB as u64),
        concurrency: 3,
        // Report every change, so that pause and cancel can react to the first part.
        progress_interval: Duration::from_micros(1),
        ..UploadOptions::new(container, None, name)
    }
}

async fn root_names(client: &Client, container: &str) -> Vec<String> {
    let files: Vec<File> = client
        .list_personal_files(ListQuery::folder(container, "root"))
        .try_collect()
        .await
        .unwrap();
    files.into_iter().filter_map(|f| f.file_name).collect()
}

fn completed(result: UploadResult) -> koodrive_core::transfer::upload::UploadOutcome {
    match result {
        UploadResult::Completed(outcome) => outcome,
        UploadResult::Paused(cp) => panic!("paused unexpectedly: {cp:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_upload_then_rapid_upload() {
    let emu = Emulator::start().await.unwrap();
    let (client, container) = alice(&emu).await;
    let data = content(12 * MIB + 333, 1);
    let digest = hex(&Sha256::digest(&data));

    let reports = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let sink = reports.clone();
    let mut opts = options(&container, "big.bin");
    opts.on_progress = Some(Arc::new(move |p| sink.lock().unwrap().push(p)));
    let outcome = completed(client.upload(&data, opts).await.unwrap());
    assert_eq!(outcome.sha256.as_deref(), Some(digest.as_str()));
    assert_eq!((outcome.size, outcome.rapid), (data.len() as u64, false));

    let file = client
        .get_file(&GetFile::new(&outcome.file_id, &container))
        .await
        .unwrap();
    assert_eq!(file.size, Some(data.len() as u64));
    assert_eq!(file.sha256.as_deref(), Some(digest.as_str()));

    let reports = reports.lock().unwrap().clone();
    assert!(
        reports.windows(2).all(|w| w[0].done <= w[1].done),
        "monotonic: {reports:?}"
    );
    assert_eq!(reports.last().unwrap().done, data.len() as u64);
    assert!(reports.iter().all(|p| p.total == data.len() as u64));
    assert!(
        reports.iter().any(|p| p.done == 0 && p.hashed > 0),
        "hashing shows before any part is sent"
    );
    assert!(reports.windows(2).all(|w| w[0].hashed <= w[1].hashed));

    // The same content again: the server already has it, so no part is sent.
    let before = emu.request_count();
    let again = completed(
        client
            .upload(&data, options(&container, "copy.bin"))
            .await
            .unwrap(),
    );
    assert!(again.rapid, "{again:?}");
    assert!(
        emu.request_count() - before <= 2,
        "create only (and maybe a refresh), no PUT"
    );
    let names = root_names(&client, &container).await;
    assert!(names.contains(&"copy.bin".to_owned()) && names.contains(&"big.bin".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_nothing_resent() {
    let emu = Emulator::start().await.unwrap();
    let (client, container) = alice(&emu).await;
    let data = content(22 * MIB, 2);

    // Pause as soon as the first part is acknowledged.
    let control = TransferControl::new();
    let pauser = control.clone();
    let mut opts = options(&container, "resumable.bin");
    opts.concurrency = 1;
    opts.control = control;
    opts.on_progress = Some(Arc::new(move |p: Progress| {
        if p.done > 0 {
            pauser.pause();
        }
    }));
    let checkpoint = match client.upload(&data, opts).await.unwrap() {
        UploadResult::Paused(cp) => cp,
        UploadResult::Completed(o) => panic!("finished before the pause: {o:?}"),
    };
    assert!(!checkpoint.acked_parts.is_empty());
    assert!(
        !root_names(&client, &container)
            .await
            .contains(&"resumable.bin".to_owned())
    );

    // The checkpoint survives a trip through JSON, as an app would store it.
    let stored = serde_json::to_string(&checkpoint).unwrap();
    let checkpoint: UploadCheckpoint = serde_json::from_str(&stored).unwrap();
    let acked = checkpoint.acked_parts.len();
    let acked_bytes: u64 = checkpoint
        .acked_parts
        .iter()
        .map(|n| checkpoint.plan.part(*n).size)
        .sum();
    assert!(
        acked < 5,
        "paused before the end: {:?}",
        checkpoint.acked_parts
    );

    let puts = Arc::new(AtomicU64::new(0));
    let first_report = Arc::new(AtomicBool::new(true));
    let (count, first) = (puts.clone(), first_report.clone());
    let mut resume_opts = options(&container, "resumable.bin");
    resume_opts.on_progress = Some(Arc::new(move |p: Progress| {
        if first.swap(false, Ordering::SeqCst) {
            count.store(p.done, Ordering::SeqCst);
        }
    }));
    let before = emu.request_count();
    let outcome = completed(
        client
            .resume_upload(&data, checkpoint, resume_opts)
            .await
            .unwrap(),
    );
    assert_eq!(outcome.sha256, Some(hex(&Sha256::digest(&data))));
    assert_eq!(
        puts.load(Ordering::SeqCst),
        acked_bytes,
        "progress resumes where it stopped"
    );
    let remaining_parts = 5 - acked as u64;
    let requests = emu.request_count() - before;
    assert!(
        requests <= remaining_parts + 3,
        "{requests} requests for {remaining_parts} parts"
    );
    assert!(
        root_names(&client, &container)
            .await
            .contains(&"resumable.bin".to_owned())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_never_completes_and_a_changed_source_is_refused() {
    let emu = Emulator::start().await.unwrap();
    let (client, container) = alice(&emu).await;
    let data = content(16 * MIB, 3);

    let control = TransferControl::new();
    let canceller = control.clone();
    let saved: Arc<Mutex<Option<UploadCheckpoint>>> = Arc::default();
    let store = saved.clone();
    let mut opts = options(&container, "cancelled.bin");
    opts.control = control;
    opts.on_checkpoint = Some(Arc::new(move |cp: &UploadCheckpoint| {
        *store.lock().unwrap() = Some(cp.clone());
    }));
    opts.on_progress = Some(Arc::new(move |p: Progress| {
        if p.done > 0 {
            canceller.cancel();
        }
    }));
    let err = client.upload(&data, opts).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert!(
        !root_names(&client, &container)
            .await
            .contains(&"cancelled.bin".to_owned())
    );

    // Nothing is lost: the last stored checkpoint resumes the cancelled upload.
    let checkpoint = saved
        .lock()
        .unwrap()
        .clone()
        .expect("a checkpoint was stored");
    assert!(!checkpoint.acked_parts.is_empty());
    let outcome = completed(
        client
            .resume_upload(&data, checkpoint, options(&container, "cancelled.bin"))
            .await
            .unwrap(),
    );
    assert_eq!(outcome.sha256, Some(hex(&Sha256::digest(&data))));
    assert!(
        root_names(&client, &container)
            .await
            .contains(&"cancelled.bin".to_owned())
    );

    // Pause, then try to resume with other bytes of another length. (New content:
    // the server knows `data` now and would take it as a rapid upload.)
    let data = content(16 * MIB, 9);
    let control = TransferControl::new();
    let pauser = control.clone();
    let mut opts = options(&container, "changing.bin");
    opts.concurrency = 1;
    opts.control = control;
    opts.on_progress = Some(Arc::new(move |p: Progress| {
        if p.done > 0 {
            pauser.pause();
        }
    }));
    let UploadResult::Paused(checkpoint) = client.upload(&data, opts).await.unwrap() else {
        panic!("expected a pause")
    };
    let changed = content(16 * MIB + 1, 4);
    let before = emu.request_count();
    let err = client
        .resume_upload(&changed, checkpoint, options(&container, "changing.bin"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.validation(),
            Some(ValidationError::SourceChanged { .. })
        ),
        "{err}"
    );
    assert_eq!(emu.request_count(), before, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_and_empty_files() {
    let emu = Emulator::start().await.unwrap();
    let (client, container) = alice(&emu).await;
    for (name, data) in [("empty.txt", Vec::new()), ("tiny.txt", b"hello".to_vec())] {
        let mut opts = options(&container, name);
        opts.hash_order = HashOrder::HashFirst;
        let outcome = completed(client.upload(&data, opts).await.unwrap());
        assert_eq!(outcome.size, data.len() as u64);
        assert_eq!(outcome.sha256, Some(hex(&Sha256::digest(&data))));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_upload_reads_once_and_enables_later_rapid_uploads() {
    let emu = Emulator::start().await.unwrap();
    let (client, container) = alice(&emu).await;
    let data = content(13 * MIB + 64, 5);
    let mut opts = options(&container, "pipelined.bin");
    opts.hash_order = HashOrder::Pipelined;
    let outcome = completed(client.upload(&data, opts).await.unwrap());
    assert_eq!(outcome.sha256, Some(hex(&Sha256::digest(&data))));
    assert!(!outcome.rapid);
    let again = completed(
        client
            .upload(&data, options(&container, "again.bin"))
            .await
            .unwrap(),
    );
    assert!(
        again.rapid,
        "complete stored the digest, so the content is known now"
    );
}

fn download_opts(container: &str, file_id: &str) -> DownloadOptions {
    DownloadOptions {
        range_size: Some(MIB as u64),
        concurrency: 4,
        progress_interval: Duration::from_micros(1),
        ..DownloadOptions::new(container, file_id)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranged_download_verifies_and_resumes() {
    let emu = Emulator::start().await.unwrap();
    let (client, container) = alice(&emu).await;
    let data = content(12 * MIB + 7, 6);
    let file = completed(
        client
            .upload(&data, options(&container, "dl.bin"))
            .await
            .unwrap(),
    );

    let sink = MemorySink::new();
    let DownloadResult::Completed(outcome) = client
        .download(&sink, download_opts(&container, &file.file_id))
        .await
        .unwrap()
    else {
        panic!("paused")
    };
    assert!(outcome.verified);
    assert_eq!(outcome.sha256, file.sha256);
    assert_eq!(sink.into_inner(), data);

    // Without verification nothing is hashed, and the bytes are the same.
    let sink = MemorySink::new();
    let mut opts = download_opts(&container, &file.file_id);
    opts.skip_verification = true;
    let DownloadResult::Completed(fast) = client.download(&sink, opts).await.unwrap() else {
        panic!("paused")
    };
    assert!(!fast.verified && fast.sha256.is_none(), "{fast:?}");
    assert_eq!(sink.into_inner(), data);

    // Pause after the first bytes land, then resume into the same sink.
    let sink = MemorySink::new();
    let control = TransferControl::new();
    let pauser = control.clone();
    let mut opts = download_opts(&container, &file.file_id);
    opts.concurrency = 1;
    opts.control = control;
    opts.on_progress = Some(Arc::new(move |p: Progress| {
        if p.hashed >= 2 * MIB as u64 {
            pauser.pause();
        }
    }));
    let DownloadResult::Paused(cp) = client.download(&sink, opts).await.unwrap() else {
        panic!("expected a pause")
    };
    // The checkpoint holds the verified prefix, which may trail what was written.
    assert!(
        cp.hash.bytes >= 2 * MIB as u64 && cp.hash.bytes < data.len() as u64,
        "{cp:?}"
    );
    let cp: DownloadCheckpoint =
        serde_json::from_str(&serde_json::to_string(&cp).unwrap()).unwrap();
    let before = emu.request_count();
    let resumed = client
        .resume_download(&sink, cp.clone(), download_opts(&container, &file.file_id))
        .await
        .unwrap();
    assert!(matches!(resumed, DownloadResult::Completed(ref o) if o.verified));
    let left = (data.len() as u64 - cp.hash.bytes).div_ceil(MIB as u64);
    assert!(
        emu.request_count() - before <= left + 2,
        "only the missing ranges were fetched"
    );
    assert_eq!(sink.into_inner(), data);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_survive_injected_faults() {
    let emu = Emulator::start().await.unwrap();
    let client = Client::builder(Endpoint::Custom(emu.base_url()))
        .config(Config {
            retry: RetryPolicy {
                max_attempts: 8,
                initial_backoff: Duration::from_millis(20),
                ..RetryPolicy::default()
            },
            ..Config::new(Endpoint::Custom(emu.base_url()))
        })
        .build()
        .unwrap();
    client.create_session(seed::ALICE_CODE, None).await.unwrap();
    let container = emu.personal_container_id(seed::ALICE_USER_ID);
    emu.set_faults(FaultConfig {
        seed: 42,
        error_rate: 0.15,
        retry_after_secs: 0,
        reset_rate: 0.1,
        truncate_rate: 0.1,
        ..FaultConfig::default()
    });
    let data = content(15 * MIB, 7);
    let file = completed(
        client
            .upload(&data, options(&container, "faulty.bin"))
            .await
            .unwrap(),
    );
    assert_eq!(file.sha256, Some(hex(&Sha256::digest(&data))));
    let sink = MemorySink::new();
    let result = client
        .download(&sink, download_opts(&container, &file.file_id))
        .await
        .unwrap();
    assert!(matches!(result, DownloadResult::Completed(ref o) if o.verified));
    assert_eq!(sink.into_inner(), data);
    let stats = emu.fault_stats();
    assert!(
        stats.errors + stats.resets + stats.truncations > 0,
        "faults were injected: {stats:?}"
    );
}

#[cfg(feature = "fs")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_on_disk_and_a_failed_verification_leaves_nothing() {
    use koodrive_core::transfer::fs::{FileSource, partial_paths};
    let emu = Emulator::start().await.unwrap();
    let (client, container) = alice(&emu).await;
    let dir = std::env::temp_dir().join(format!("kd-transfer-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let local = dir.join("source.bin");
    let data = content(12 * MIB + 1, 8);
    std::fs::write(&local, &data).unwrap();
    let source = FileSource::open(&local).unwrap();
    let file = completed(
        client
            .upload(&source, options(&container, "from-disk.bin"))
            .await
            .unwrap(),
    );

    let target = dir.join("copy.bin");
    let result = client
        .download_to_path(&target, download_opts(&container, &file.file_id))
        .await
        .unwrap();
    assert!(matches!(result, DownloadResult::Completed(_)));
    assert_eq!(std::fs::read(&target).unwrap(), data);

    let bad_target = dir.join("bad.bin");
    let mut opts = download_opts(&container, &file.file_id);
    opts.expected_sha256 = Some("0".repeat(64));
    let err = client
        .download_to_path(&bad_target, opts)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Integrity, "{err}");
    assert!(
        !bad_target.exists(),
        "no file at the path after a failed verification"
    );
    let (part, checkpoint) = partial_paths(&bad_target);
    assert!(!part.exists() && !checkpoint.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
