#![cfg(not(target_arch = "wasm32"))]
//! The transfer engine against the emulator over real HTTP: parallel multipart
//! upload, rapid upload, pause and resume, cancel, a changed source.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use koodrive_core::files::GetFile;
use koodrive_core::listing::ListQuery;
use koodrive_core::model::{ContainerType, File};
use koodrive_core::transfer::upload::{HashOrder, UploadCheckpoint, UploadOptions, UploadResult};
use koodrive_core::transfer::{Progress, TransferControl};
use koodrive_core::{Client, Endpoint, ErrorKind, ValidationError};
use koodrive_emulator::{Emulator, seed};
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;

/// Deterministic bytes that do not compress or repeat per part.
fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

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
        (acked * 5 * MIB) as u64,
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
    let mut opts = options(&container, "cancelled.bin");
    opts.control = control;
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

    // Pause, then try to resume with other bytes of another length.
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
