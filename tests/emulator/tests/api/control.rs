use std::time::Duration;

use base64::Engine;
use koodrive_emulator::{Emulator, seed};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn control_endpoints() {
    let emu = Emulator::start().await.unwrap();
    let client = crate::common::http();
    let base = emu.base_url();
    let health = send(client.get(format!("{base}/_emulator/health"))).await;
    assert_eq!(health, (StatusCode::OK, json!({"ok": true})));

    let before = emu.request_count();
    let token = alice(&emu).await;
    assert_eq!(emu.request_count(), before + 1);
    let counted = send(client.get(format!("{base}/_emulator/requests")))
        .await
        .1;
    assert_eq!(counted["count"], before + 1);

    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let (status, body) = send(client.post(format!("{base}/_emulator/files")).json(&json!({
        "containerId": c, "parentFolder": "root", "fileName": "seeded.txt",
        "contentBase64": base64::engine::general_purpose::STANDARD.encode(b"seeded!")
    })))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id = body["fileId"].as_str().unwrap().to_owned();
    let detail = assert_ok(
        post(
            &emu,
            &token,
            &format!("/files/{id}/detail"),
            json!({"containerId": c}),
        )
        .await,
    );
    assert_eq!(detail["size"], 7);

    let dup = send(client.post(format!("{base}/_emulator/files")).json(&json!({
        "containerId": c, "parentFolder": "root", "fileName": "seeded.txt", "contentBase64": ""
    })))
    .await;
    assert_code(&dup, 13000405);

    let (status, _) = send(client.post(format!("{base}/_emulator/files/{id}/recycle"))).await;
    assert_eq!(status, StatusCode::OK);
    let detail = assert_ok(
        post(
            &emu,
            &token,
            &format!("/files/{id}/detail"),
            json!({"containerId": c}),
        )
        .await,
    );
    assert_eq!(detail["recycled"], true);
    assert_code(
        &send(client.post(format!("{base}/_emulator/files/Fnone/recycle"))).await,
        13000309,
    );

    let (status, _) = send(
        client
            .post(format!("{base}/_emulator/clock/advance"))
            .json(&json!({"seconds": 1300})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_unauthorized(&get(&emu, &token, "/session/auth").await);
}

#[tokio::test]
async fn request_count_proves_nothing_was_sent() {
    let emu = Emulator::start().await.unwrap();
    let before = emu.request_count();
    emu.advance_clock(Duration::from_secs(1));
    assert_eq!(emu.request_count(), before);
}
