//! Seeded fault injection on the data plane and on API calls.

use std::time::{Duration, Instant};

use koodrive_emulator::{Emulator, EmulatorConfig, FaultConfig, FaultStats, seed};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;
use crate::upload::{PART, create, create_body, data, download_url, sha_hex};

/// Seeds a file and returns (token, container, download URL).
async fn seeded_download(emu: &Emulator, content: &[u8]) -> (String, String, String) {
    let token = alice(emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let id = emu.seed_file(&c, "root", "f.bin", content).unwrap();
    let url = download_url(emu, &token, &c, &id).await;
    (token, c, url)
}

#[tokio::test]
async fn injected_503_stores_nothing_and_faults_change_at_run_time() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let content = data(1000, 21);
    let created = assert_ok(create(&emu, &token, create_body(&c, "e.bin", &content, PART)).await);
    let id = created["fileId"].as_str().unwrap().to_owned();
    let url = created["multiParts"][0]["uploadUrl"].as_str().unwrap();
    let client = crate::common::http();

    // With every PUT failing, nothing arrives.
    emu.set_faults(FaultConfig {
        error_rate: 1.0,
        retry_after_secs: 7,
        ..FaultConfig::default()
    });
    let resp = client.put(url).body(content.clone()).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "7");
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], 503);
    emu.set_faults(FaultConfig::default());
    assert_code(
        &post(&emu, &token, "/files/complete", json!({"fileId": id})).await,
        13000402,
    );

    // A good part is not replaced by a faulted re-upload.
    let resp = client.put(url).body(content.clone()).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    emu.set_faults(FaultConfig {
        error_rate: 1.0,
        ..FaultConfig::default()
    });
    let resp = client.put(url).body(vec![0u8; 10]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(resp.headers()["retry-after"], "1");
    emu.set_faults(FaultConfig::default());
    assert_ok(
        post(
            &emu,
            &token,
            "/files/complete",
            json!({"fileId": id, "sha256": sha_hex(&content)}),
        )
        .await,
    );
    assert_eq!(
        emu.fault_stats(),
        FaultStats {
            errors: 2,
            ..FaultStats::default()
        }
    );
}

#[tokio::test]
async fn resets_drop_the_connection() {
    let emu = Emulator::start_with(EmulatorConfig {
        faults: FaultConfig {
            reset_rate: 1.0,
            ..FaultConfig::default()
        },
        ..EmulatorConfig::default()
    })
    .await
    .unwrap();
    let content = data(5000, 22);
    let (token, c, url) = seeded_download(&emu, &content).await;
    let err = crate::common::http().get(&url).send().await.unwrap_err();
    assert!(!err.is_status(), "{err:?}");

    let other = data(3000, 23);
    let created = assert_ok(create(&emu, &token, create_body(&c, "r.bin", &other, PART)).await);
    let put_url = created["multiParts"][0]["uploadUrl"].as_str().unwrap();
    let put = crate::common::http().put(put_url).body(other).send().await;
    assert!(put.is_err(), "{put:?}");
    assert_code(
        &post(
            &emu,
            &token,
            "/files/complete",
            json!({"fileId": created["fileId"]}),
        )
        .await,
        13000402,
    );
    assert_eq!(emu.fault_stats().resets, 2);
}

#[tokio::test]
async fn truncated_downloads_and_the_control_endpoints() {
    let emu = Emulator::start().await.unwrap();
    let content = data(10_000, 24);
    let (_, _, url) = seeded_download(&emu, &content).await;
    let client = crate::common::http();
    let base = emu.base_url();

    let (status, body) = send(
        client
            .post(format!("{base}/_emulator/faults"))
            .json(&json!({"truncateRate": 1, "seed": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["faults"]["truncateRate"], 1.0);
    assert_eq!(body["faults"]["retryAfterSecs"], 1);
    assert_eq!(emu.faults().truncate_rate, 1.0);

    let mut resp = client.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-length"], "10000");
    let mut received = Vec::new();
    let err = loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => received.extend_from_slice(&chunk),
            Ok(None) => panic!("the body was not cut"),
            Err(err) => break err,
        }
    };
    assert!(
        err.is_body() || err.is_decode() || err.is_request(),
        "{err:?}"
    );
    assert_eq!(received.as_slice(), &content[..5000]);
    // Ranges are cut too; HEAD has no body to cut.
    let resp = client
        .get(&url)
        .header("Range", "bytes=100-")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert!(resp.bytes().await.is_err());
    let head = client.head(&url).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);

    let stats = send(client.get(format!("{base}/_emulator/faults/stats"))).await;
    assert_eq!(
        stats,
        (
            StatusCode::OK,
            json!({"errors": 0, "resets": 0, "truncations": 2, "apiErrors": 0, "slowed": 0})
        )
    );
    let current = send(client.get(format!("{base}/_emulator/faults"))).await.1;
    assert_eq!(current["seed"], 5);

    let (status, body) = send(
        client
            .post(format!("{base}/_emulator/faults"))
            .json(&json!({"errorRate": 1.5})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], 13000102);
    let (status, _) = send(
        client
            .post(format!("{base}/_emulator/faults"))
            .json(&json!({"errorRate": "lots"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Refused configurations change nothing; an empty one turns faults off.
    assert_eq!(emu.faults().truncate_rate, 1.0);
    send(
        client
            .post(format!("{base}/_emulator/faults"))
            .json(&json!({})),
    )
    .await;
    let resp = client.get(&url).send().await.unwrap();
    assert_eq!(resp.bytes().await.unwrap().as_ref(), content.as_slice());
}

/// The statuses of `n` downloads.
async fn statuses(url: &str, n: usize) -> Vec<u16> {
    let client = crate::common::http();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(client.get(url).send().await.unwrap().status().as_u16());
    }
    out
}

#[tokio::test]
async fn seeded_decisions_repeat() {
    let emu = Emulator::start().await.unwrap();
    let (_, _, url) = seeded_download(&emu, b"payload").await;
    let config = FaultConfig {
        seed: 1234,
        error_rate: 0.5,
        ..FaultConfig::default()
    };
    emu.set_faults(config.clone());
    let first = statuses(&url, 32).await;
    assert!(first.contains(&200) && first.contains(&503), "{first:?}");
    emu.set_faults(config.clone());
    assert_eq!(statuses(&url, 32).await, first);
    emu.set_faults(FaultConfig { seed: 99, ..config });
    assert_ne!(statuses(&url, 32).await, first);
    let errors = first.iter().filter(|s| **s == 503).count() as u64 * 2;
    assert!(emu.fault_stats().errors >= errors);
}

#[tokio::test]
async fn api_errors_and_latency() {
    let emu = Emulator::start().await.unwrap();
    let (token, c, url) = seeded_download(&emu, b"slow").await;
    emu.set_faults(FaultConfig {
        api_error_rate: 1.0,
        latency_ms: 300,
        ..FaultConfig::default()
    });
    let r = post(
        &emu,
        &token,
        "/files/download",
        json!({"containerId": c, "fileIds": ["F1"]}),
    )
    .await;
    assert_eq!(r.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        r.1,
        json!({"code": 13000201, "msg": "inner server invoke failure"})
    );
    // Session calls and the data plane are not API errors.
    let (fresh, _) = login(&emu, seed::BOB_CODE).await;
    assert!(!fresh.is_empty());
    let started = Instant::now();
    let body = crate::common::fetch(&url).await;
    assert_eq!(body.as_slice(), b"slow");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(emu.fault_stats().api_errors, 1);
}
