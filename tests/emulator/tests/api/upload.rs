//! The upload and download wire flow.

use std::time::Duration;

use koodrive_emulator::{Emulator, EmulatorConfig, seed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::digest::generic_array::GenericArray;
use sha2::{Digest, Sha256};

use crate::common::*;

const MIB: usize = 1024 * 1024;
pub(crate) const PART: usize = 5 * MIB;

pub(crate) fn sha_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The SHA-256 chaining words after `prefix` (a multiple of 64 bytes).
fn hash_ctx(prefix: &[u8]) -> [u32; 8] {
    let mut state = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let blocks: Vec<_> = prefix
        .chunks_exact(64)
        .map(GenericArray::clone_from_slice)
        .collect();
    sha2::compress256(&mut state, &blocks);
    state
}

/// A part plan with `part` bytes per part.
fn plan(data: &[u8], part: usize) -> Vec<Value> {
    let mut parts = Vec::new();
    let mut offset = 0;
    let mut number = 1;
    loop {
        let size = part.min(data.len() - offset);
        let mut p = json!({"partNumber": number, "partSize": size, "partOffset": offset});
        if number > 1 {
            p["hashCtx"] = json!(hash_ctx(&data[..offset]));
        }
        parts.push(p);
        offset += size;
        number += 1;
        if offset >= data.len() {
            break;
        }
    }
    parts
}

pub(crate) fn data(len: usize, seed_byte: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed_byte))
        .collect()
}

pub(crate) async fn create(emu: &Emulator, token: &str, body: Value) -> (StatusCode, Value) {
    post(emu, token, "/files/create", body).await
}

pub(crate) fn create_body(container: &str, name: &str, data: &[u8], part: usize) -> Value {
    json!({
        "fileName": name, "parentFolder": ["root"], "sha256": sha_hex(data), "length": data.len(),
        "uploadMode": "multipart", "autoRename": 3, "multiParts": plan(data, part),
        "containerId": container, "preHash": sha_hex(&data[..data.len().min(1024)]),
    })
}

async fn put_parts(created: &Value, data: &[u8]) {
    let client = crate::common::http();
    for part in created["multiParts"].as_array().unwrap() {
        let offset = part["partOffset"].as_u64().unwrap() as usize;
        let size = part["partSize"].as_u64().unwrap() as usize;
        let resp = client
            .put(part["uploadUrl"].as_str().unwrap())
            .body(data[offset..offset + size].to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.headers().contains_key("etag"));
    }
}

/// Runs the whole flow and returns the file id.
async fn upload(emu: &Emulator, token: &str, container: &str, name: &str, data: &[u8]) -> String {
    let created = assert_ok(create(emu, token, create_body(container, name, data, PART)).await);
    put_parts(&created, data).await;
    let file_id = created["fileId"].as_str().unwrap().to_owned();
    assert_ok(
        post(
            emu,
            token,
            "/files/complete",
            json!({"fileId": file_id, "sha256": sha_hex(data)}),
        )
        .await,
    );
    file_id
}

pub(crate) async fn download_url(
    emu: &Emulator,
    token: &str,
    container: &str,
    file_id: &str,
) -> String {
    let body = assert_ok(
        post(
            emu,
            token,
            "/files/download",
            json!({"containerId": container, "fileIds": [file_id]}),
        )
        .await,
    );
    assert_eq!(body["batchCode"], 1);
    assert_eq!(body["downloads"][0]["code"], "0");
    body["downloads"][0]["url"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn multipart_upload_then_ranged_download() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let content = data(PART + 1000, 7);

    let created =
        assert_ok(create(&emu, &token, create_body(&c, "movie.mp4", &content, PART)).await);
    assert_eq!(created["rapidUpload"], false);
    assert_eq!(created["exist"], false);
    assert_eq!(created["containerId"], c);
    assert_eq!(created["fileName"], "movie.mp4");
    assert_eq!(
        created["parentFolder"],
        json!([format!("DEUI7pa0C24Aroot{c}")])
    );
    assert!(!created["uploadId"].as_str().unwrap().is_empty());
    let parts = created["multiParts"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1]["partOffset"], PART);
    assert_eq!(parts[1]["hashCtx"], json!(hash_ctx(&content[..PART])));
    let url = parts[0]["uploadUrl"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/_emulator/upload/", emu.base_url())),
        "{url}"
    );
    assert!(url.contains("X-Amz-Expires=3600"));

    // Invisible until complete.
    let file_id = created["fileId"].as_str().unwrap().to_owned();
    assert_code(
        &post(
            &emu,
            &token,
            format!("/files/{file_id}/detail"),
            json!({"containerId": c}),
        )
        .await,
        13000309,
    );
    put_parts(&created, &content).await;
    assert_ok(post(&emu, &token, "/files/complete", json!({"fileId": file_id})).await);

    let detail = assert_ok(
        post(
            &emu,
            &token,
            format!("/files/{file_id}/detail"),
            json!({"containerId": c}),
        )
        .await,
    );
    assert_eq!(detail["size"], content.len());
    assert_eq!(detail["sha256"], sha_hex(&content));
    assert_eq!(detail["fileType"], "20");
    let space = assert_ok(
        get(
            &emu,
            &token,
            format!("/space/{}?type=1", seed::ALICE_USER_ID),
        )
        .await,
    );
    assert_eq!(space["data"]["spaceUsed"], content.len().to_string());

    let url = download_url(&emu, &token, &c, &file_id).await;
    let client = crate::common::http();
    let resp = client.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["accept-ranges"], "bytes");
    assert_eq!(resp.headers()["content-length"], content.len().to_string());
    assert_eq!(resp.bytes().await.unwrap().as_ref(), content.as_slice());

    let resp = client
        .get(&url)
        .header("Range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        resp.headers()["content-range"],
        format!("bytes 10-19/{}", content.len())
    );
    assert_eq!(resp.headers()["content-length"], "10");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &content[10..20]);

    let resp = client
        .get(&url)
        .header("Range", format!("bytes={PART}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), &content[PART..]);
    let resp = client
        .get(&url)
        .header("Range", "bytes=-3")
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.bytes().await.unwrap().as_ref(),
        &content[content.len() - 3..]
    );
    let resp = client
        .get(&url)
        .header("Range", format!("bytes={}-", content.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::RANGE_NOT_SATISFIABLE);
}

#[tokio::test]
async fn small_and_empty_files() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let id = upload(&emu, &token, &c, "note.txt", b"hello").await;
    let url = download_url(&emu, &token, &c, &id).await;
    assert_eq!(crate::common::fetch(&url).await.as_slice(), b"hello");

    let empty = upload(&emu, &token, &c, "empty.txt", b"").await;
    let url = download_url(&emu, &token, &c, &empty).await;
    let resp = crate::common::http().get(&url).send().await.unwrap();
    assert_eq!(resp.headers()["content-length"], "0");
}

#[tokio::test]
async fn identical_content_is_an_instant_upload() {
    let emu = Emulator::start().await.unwrap();
    let alice = alice(&emu).await;
    let bob = login(&emu, seed::BOB_CODE).await.0;
    let content = data(3000, 1);
    let first = upload(
        &emu,
        &alice,
        &emu.personal_container_id(seed::ALICE_USER_ID),
        "a.bin",
        &content,
    )
    .await;

    let bob_space = emu.personal_container_id(seed::BOB_USER_ID);
    let before = emu.request_count();
    let created = assert_ok(
        create(
            &emu,
            &bob,
            create_body(&bob_space, "copy.bin", &content, PART),
        )
        .await,
    );
    assert_eq!(emu.request_count(), before + 1);
    assert_eq!(created["rapidUpload"], true);
    assert!(created.get("multiParts").is_none());
    let id = created["fileId"].as_str().unwrap();
    assert_ne!(id, first);
    let detail = assert_ok(
        post(
            &emu,
            &bob,
            format!("/files/{id}/detail"),
            json!({"containerId": bob_space}),
        )
        .await,
    );
    assert_eq!(detail["size"], 3000);
    // Completing it anyway is harmless.
    assert_ok(post(&emu, &bob, "/files/complete", json!({"fileId": id})).await);
    let url = download_url(&emu, &bob, &bob_space, id).await;
    assert_eq!(
        crate::common::fetch(&url).await.as_slice(),
        content.as_slice()
    );
}

#[tokio::test]
async fn auto_rename_modes() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let content = data(100, 3);
    let original = upload(&emu, &token, &c, "r.txt", &content).await;
    let with_mode = |data: &[u8], mode: i64| {
        let mut body = create_body(&c, "r.txt", data, PART);
        body["autoRename"] = json!(mode);
        body
    };

    assert_code(
        &create(&emu, &token, with_mode(&content, 3)).await,
        13000405,
    );
    let renamed = assert_ok(create(&emu, &token, with_mode(&content, 2)).await);
    let name = renamed["fileName"].as_str().unwrap();
    assert!(
        name.starts_with("r_")
            && name.ends_with(".txt")
            && name.len() == "r_20261203123456.txt".len(),
        "{name}"
    );
    let same = assert_ok(create(&emu, &token, with_mode(&content, 4)).await);
    assert_eq!(same["exist"], true);
    assert_eq!(same["fileId"], original);
    let other = data(100, 4);
    let differs = assert_ok(create(&emu, &token, with_mode(&other, 4)).await);
    assert_eq!(differs["exist"], false);
    assert_ne!(differs["fileName"], "r.txt");
    assert_code(
        &create(&emu, &token, with_mode(&content, 5)).await,
        13000102,
    );
}

#[tokio::test]
async fn part_plans_are_validated() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let content = data(PART + 100, 9);
    let base = create_body(&c, "p.bin", &content, PART);
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut body = base.clone();
        edit(&mut body);
        body
    };

    let cases: Vec<Value> = vec![
        // A non-last part below 5 MiB.
        with(&|b| {
            b["multiParts"] = json!([{"partNumber": 1, "partSize": 64}, {"partNumber": 2, "partSize": PART + 36,
                "hashCtx": hash_ctx(&content[..64])}])
        }),
        // A non-last part that is not a multiple of 64.
        with(&|b| {
            b["multiParts"] = json!([{"partNumber": 1, "partSize": PART + 1}, {"partNumber": 2, "partSize": 99,
                "hashCtx": [1, 2, 3, 4, 5, 6, 7, 8]}])
        }),
        // Sizes that do not add up.
        with(&|b| b["length"] = json!(PART + 99)),
        // A hashCtx that is not 8 words.
        with(&|b| b["multiParts"][1]["hashCtx"] = json!([1, 2, 3])),
        // A wrong partOffset.
        with(&|b| b["multiParts"][1]["partOffset"] = json!(5)),
        // A gap in part numbers.
        with(&|b| b["multiParts"][1]["partNumber"] = json!(3)),
        // Too long.
        with(&|b| b["length"] = json!(201u64 * 1024 * 1024 * 1024)),
        // Wrong upload mode, missing length, folder type, bad sha256.
        with(&|b| b["uploadMode"] = json!("single")),
        with(&|b| {
            b.as_object_mut()
                .unwrap()
                .remove("length")
                .map(drop)
                .unwrap()
        }),
        with(&|b| b["fileType"] = json!("10")),
        with(&|b| b["sha256"] = json!("abc")),
        // No parts for a non-empty file.
        with(&|b| {
            b.as_object_mut()
                .unwrap()
                .remove("multiParts")
                .map(drop)
                .unwrap()
        }),
    ];
    for body in cases {
        assert_code(&create(&emu, &token, body.clone()).await, 13000102);
    }
    let too_many: Vec<Value> = (1..=10_001)
        .map(|n| json!({"partNumber": n, "partSize": 0}))
        .collect();
    assert_code(
        &create(&emu, &token, with(&|b| b["multiParts"] = json!(too_many))).await,
        13000102,
    );
    assert_code(
        &create(&emu, &token, with(&|b| b["fileName"] = json!("a|b"))).await,
        13000419,
    );
    assert_code(
        &create(&emu, &token, with(&|b| b["containerId"] = json!("IAAnone"))).await,
        13000301,
    );
}

#[tokio::test]
async fn complete_checks_parts_and_digests() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let content = data(PART + 10, 5);
    let complete = |id: String| post(&emu, &token, "/files/complete", json!({"fileId": id}));

    assert_code(&complete("Fnope".into()).await, 13000401);
    assert_code(
        &post(&emu, &token, "/files/complete", json!({})).await,
        13000102,
    );

    // A missing part.
    let created = assert_ok(create(&emu, &token, create_body(&c, "a.bin", &content, PART)).await);
    let id = created["fileId"].as_str().unwrap().to_owned();
    let first = created["multiParts"][0]["uploadUrl"].as_str().unwrap();
    crate::common::http()
        .put(first)
        .body(content[..PART].to_vec())
        .send()
        .await
        .unwrap();
    assert_code(&complete(id.clone()).await, 13000402);
    // A part of the wrong size.
    let second = created["multiParts"][1]["uploadUrl"].as_str().unwrap();
    crate::common::http()
        .put(second)
        .body(content[PART..PART + 5].to_vec())
        .send()
        .await
        .unwrap();
    assert_code(&complete(id.clone()).await, 13000402);
    // Re-uploading the part fixes it; a wrong claimed sha256 still fails.
    crate::common::http()
        .put(second)
        .body(content[PART..].to_vec())
        .send()
        .await
        .unwrap();
    let wrong = sha_hex(b"something else");
    assert_code(
        &post(
            &emu,
            &token,
            "/files/complete",
            json!({"fileId": id, "sha256": wrong}),
        )
        .await,
        13000402,
    );
    assert_ok(complete(id).await);

    // Data that does not match the declared sha256.
    let mut body = create_body(&c, "b.bin", &content, PART);
    body["sha256"] = json!(sha_hex(b"declared"));
    let created = assert_ok(create(&emu, &token, body).await);
    put_parts(&created, &content).await;
    assert_code(
        &complete(created["fileId"].as_str().unwrap().into()).await,
        13000402,
    );

    // A well-formed but wrong hashCtx (new content, so no instant upload).
    let other = data(PART + 10, 6);
    let mut body = create_body(&c, "c.bin", &other, PART);
    body["multiParts"][1]["hashCtx"] = json!([1, 2, 3, 4, 5, 6, 7, 8]);
    let created = assert_ok(create(&emu, &token, body).await);
    put_parts(&created, &other).await;
    let r = complete(created["fileId"].as_str().unwrap().into()).await;
    assert_code(&r, 13000402);
    assert!(r.1["msg"].as_str().unwrap().contains("hashCtx"));
}

#[tokio::test]
async fn upload_urls_expire_and_can_be_reissued() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let content = data(200, 2);
    let created =
        assert_ok(create(&emu, &token, create_body(&c, "late.bin", &content, PART)).await);
    let id = created["fileId"].as_str().unwrap().to_owned();
    let url = created["multiParts"][0]["uploadUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = crate::common::http();

    let forged = url.replace("sig=", "sig=0");
    assert_eq!(
        client
            .put(&forged)
            .body(content.clone())
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    emu.advance_clock(Duration::from_secs(3601));
    assert_eq!(
        client
            .put(&url)
            .body(content.clone())
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );

    let token = alice(&emu).await;
    let fresh = assert_ok(
        post(
            &emu,
            &token,
            "/files/multipart/uploadUrl",
            json!({"fileId": id, "multiParts": [{"partNumber": 1}]}),
        )
        .await,
    );
    let parts = fresh["multiParts"].as_array().unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0]["partSize"], 200);
    let new_url = parts[0]["uploadUrl"].as_str().unwrap();
    assert_eq!(
        client
            .put(new_url)
            .body(content.clone())
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_ok(post(&emu, &token, "/files/complete", json!({"fileId": id})).await);

    assert_code(
        &post(
            &emu,
            &token,
            "/files/multipart/uploadUrl",
            json!({"fileId": id, "multiParts": [{"partNumber": 1}]}),
        )
        .await,
        13000401,
    );
    assert_code(
        &post(
            &emu,
            &token,
            "/files/multipart/uploadUrl",
            json!({"fileId": "Fx"}),
        )
        .await,
        13000102,
    );

    // Download URLs expire too.
    let url = download_url(&emu, &token, &c, &id).await;
    emu.advance_clock(Duration::from_secs(3601));
    assert_eq!(
        crate::common::http()
            .get(&url)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn quota_is_checked_at_create_and_complete() {
    let emu = Emulator::start_with(EmulatorConfig {
        personal_quota_bytes: 6 * MIB as u64,
        ..Default::default()
    })
    .await
    .unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let big = data(7 * MIB, 1);
    assert_code(
        &create(&emu, &token, create_body(&c, "big.bin", &big, 7 * MIB)).await,
        13000311,
    );

    let a = data(4 * MIB, 2);
    let b = data(4 * MIB, 3);
    let ca = assert_ok(create(&emu, &token, create_body(&c, "a.bin", &a, 4 * MIB)).await);
    let cb = assert_ok(create(&emu, &token, create_body(&c, "b.bin", &b, 4 * MIB)).await);
    put_parts(&ca, &a).await;
    put_parts(&cb, &b).await;
    assert_ok(
        post(
            &emu,
            &token,
            "/files/complete",
            json!({"fileId": ca["fileId"]}),
        )
        .await,
    );
    assert_code(
        &post(
            &emu,
            &token,
            "/files/complete",
            json!({"fileId": cb["fileId"]}),
        )
        .await,
        13000311,
    );
}

#[tokio::test]
async fn download_urls_report_per_file_errors() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let file = emu.seed_file(&c, "root", "ok.txt", b"ok").unwrap();
    let folder = mkdir(&emu, &token, &c, "root", "dir").await;
    let binned = emu.seed_file(&c, "root", "bin.txt", b"b").unwrap();
    emu.recycle_file(&binned).unwrap();

    let body = assert_ok(
        post(
            &emu,
            &token,
            "/files/download",
            json!({"containerId": c, "fileIds": [file, folder, "Fnone", binned]}),
        )
        .await,
    );
    assert_eq!(body["batchCode"], 0);
    let codes: Vec<&str> = body["downloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["0", "13000406", "13000309", "13000306"]);
    assert_eq!(body["downloads"][0]["fileName"], "ok.txt");

    let body = assert_ok(
        post(
            &emu,
            &token,
            "/files/download",
            json!({"containerId": c, "fileIds": [folder]}),
        )
        .await,
    );
    assert_eq!(body["batchCode"], 2);
    let ids: Vec<String> = (0..101).map(|i| format!("F{i}")).collect();
    assert_code(
        &post(
            &emu,
            &token,
            "/files/download",
            json!({"containerId": c, "fileIds": ids}),
        )
        .await,
        13000102,
    );
    assert_code(
        &post(
            &emu,
            &token,
            "/files/download",
            json!({"containerId": c, "fileIds": []}),
        )
        .await,
        13000102,
    );
    let bob = emu.personal_container_id(seed::BOB_USER_ID);
    assert_code(
        &post(
            &emu,
            &token,
            "/files/download",
            json!({"containerId": bob, "fileIds": [file]}),
        )
        .await,
        13000410,
    );
}

#[tokio::test]
async fn uploads_into_a_recycled_folder_are_refused() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let folder = mkdir(&emu, &token, &c, "root", "old").await;
    emu.recycle_file(&folder).unwrap();
    let mut body = create_body(&c, "x.bin", b"x", PART);
    body["parentFolder"] = json!([folder]);
    assert_code(&create(&emu, &token, body).await, 13000404);
}

/// A create body for a pipelined upload: no `sha256`, no `hashCtx` on any part.
fn pipelined_body(container: &str, name: &str, data: &[u8]) -> Value {
    let mut body = create_body(container, name, data, PART);
    body.as_object_mut().unwrap().remove("sha256");
    for part in body["multiParts"].as_array_mut().unwrap() {
        part.as_object_mut().unwrap().remove("hashCtx");
    }
    body
}

async fn upload_urls(
    emu: &Emulator,
    token: &str,
    file_id: &str,
    parts: Value,
) -> (StatusCode, Value) {
    post(
        emu,
        token,
        "/files/multipart/uploadUrl",
        json!({"fileId": file_id, "multiParts": parts}),
    )
    .await
}

async fn put_ok(url: &str, bytes: &[u8]) {
    let resp = crate::common::http()
        .put(url)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}

#[tokio::test]
async fn pipelined_upload_learns_hash_ctx_part_by_part() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let content = data(2 * PART + 321, 11);

    let created = assert_ok(create(&emu, &token, pipelined_body(&c, "pipe.bin", &content)).await);
    assert_eq!(created["rapidUpload"], false);
    let file_id = created["fileId"].as_str().unwrap().to_owned();
    let parts = created["multiParts"].as_array().unwrap();
    assert_eq!(parts.len(), 3);
    assert!(parts[0]["uploadUrl"].is_string());
    for part in &parts[1..] {
        assert!(part.get("uploadUrl").is_none(), "{part}");
        assert!(part.get("hashCtx").is_none(), "{part}");
        assert!(part["partSize"].is_u64() && part["partOffset"].is_u64());
    }
    put_ok(parts[0]["uploadUrl"].as_str().unwrap(), &content[..PART]).await;

    for (number, offset, end) in [(2, PART, 2 * PART), (3, 2 * PART, content.len())] {
        let ctx = hash_ctx(&content[..offset]);
        let got = assert_ok(
            upload_urls(
                &emu,
                &token,
                &file_id,
                json!([{"partNumber": number, "partSize": end - offset, "partOffset": offset,
                        "hashCtx": ctx}]),
            )
            .await,
        );
        let part = &got["multiParts"][0];
        assert_eq!(part["partNumber"], number);
        assert_eq!(part["hashCtx"], json!(ctx));
        put_ok(part["uploadUrl"].as_str().unwrap(), &content[offset..end]).await;
    }
    // Once known, a part's URL can be asked for again without its hashCtx.
    let again = assert_ok(upload_urls(&emu, &token, &file_id, json!([{"partNumber": 2}])).await);
    assert!(again["multiParts"][0]["uploadUrl"].is_string());

    assert_ok(
        post(
            &emu,
            &token,
            "/files/complete",
            json!({"fileId": file_id, "sha256": sha_hex(&content)}),
        )
        .await,
    );
    let detail = assert_ok(
        post(
            &emu,
            &token,
            format!("/files/{file_id}/detail"),
            json!({"containerId": c}),
        )
        .await,
    );
    assert_eq!(detail["sha256"], sha_hex(&content));

    // The digest given at complete makes the same content an instant upload.
    let second = assert_ok(
        create(
            &emu,
            &token,
            create_body(&c, "pipe-copy.bin", &content, PART),
        )
        .await,
    );
    assert_eq!(second["rapidUpload"], true);
    let url = download_url(&emu, &token, &c, second["fileId"].as_str().unwrap()).await;
    assert_eq!(
        crate::common::fetch(&url).await.as_slice(),
        content.as_slice()
    );
}

#[tokio::test]
async fn pipelined_upload_rejects_bad_url_requests() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let content = data(PART + 500, 12);
    let created = assert_ok(create(&emu, &token, pipelined_body(&c, "p.bin", &content)).await);
    let id = created["fileId"].as_str().unwrap().to_owned();
    let ctx = hash_ctx(&content[..PART]);

    // Part 2 without a known hashCtx.
    let r = upload_urls(&emu, &token, &id, json!([{"partNumber": 2}])).await;
    assert_code(&r, 13000102);
    assert!(r.1["msg"].as_str().unwrap().contains("hashCtx"), "{}", r.1);
    // Size or offset that differ from the plan; a malformed hashCtx.
    for item in [
        json!({"partNumber": 2, "partSize": 1, "hashCtx": ctx}),
        json!({"partNumber": 2, "partOffset": 64, "hashCtx": ctx}),
        json!({"partNumber": 2, "hashCtx": [1, 2, 3]}),
        json!({"partNumber": 3, "hashCtx": ctx}),
    ] {
        assert_code(
            &upload_urls(&emu, &token, &id, json!([item])).await,
            13000102,
        );
    }
    // The first part needs no hashCtx.
    assert_ok(upload_urls(&emu, &token, &id, json!([{"partNumber": 1}])).await);

    // A hashCtx may be corrected until the part's data arrives, not after.
    assert_ok(
        upload_urls(
            &emu,
            &token,
            &id,
            json!([{"partNumber": 2, "hashCtx": vec![9u32; 8]}]),
        )
        .await,
    );
    let fixed = assert_ok(
        upload_urls(
            &emu,
            &token,
            &id,
            json!([{"partNumber": 2, "hashCtx": ctx}]),
        )
        .await,
    );
    put_ok(
        fixed["multiParts"][0]["uploadUrl"].as_str().unwrap(),
        &content[PART..],
    )
    .await;
    assert_code(
        &upload_urls(
            &emu,
            &token,
            &id,
            json!([{"partNumber": 2, "hashCtx": vec![9u32; 8]}]),
        )
        .await,
        13000102,
    );
    // Resending the same hashCtx is fine.
    assert_ok(
        upload_urls(
            &emu,
            &token,
            &id,
            json!([{"partNumber": 2, "hashCtx": ctx}]),
        )
        .await,
    );
}

#[tokio::test]
async fn pipelined_upload_with_a_wrong_late_hash_ctx_fails_at_complete() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let content = data(PART + 77, 13);
    let created = assert_ok(create(&emu, &token, pipelined_body(&c, "w.bin", &content)).await);
    let id = created["fileId"].as_str().unwrap().to_owned();
    put_ok(
        created["multiParts"][0]["uploadUrl"].as_str().unwrap(),
        &content[..PART],
    )
    .await;
    let got = assert_ok(
        upload_urls(
            &emu,
            &token,
            &id,
            json!([{"partNumber": 2, "hashCtx": hash_ctx(&content[64..PART + 64])}]),
        )
        .await,
    );
    put_ok(
        got["multiParts"][0]["uploadUrl"].as_str().unwrap(),
        &content[PART..],
    )
    .await;
    let r = post(
        &emu,
        &token,
        "/files/complete",
        json!({"fileId": id, "sha256": sha_hex(&content)}),
    )
    .await;
    assert_code(&r, 13000402);
    assert!(r.1["msg"].as_str().unwrap().contains("hashCtx"), "{}", r.1);
}

#[tokio::test]
async fn download_urls_carry_digest_and_size_and_expire_after_an_hour() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let content = data(4321, 31);
    let id = emu.seed_file(&c, "root", "d.bin", &content).unwrap();
    let body = assert_ok(
        post(
            &emu,
            &token,
            "/files/download",
            json!({"containerId": c, "fileIds": [id]}),
        )
        .await,
    );
    let item = &body["downloads"][0];
    assert_eq!(item["sha256"], sha_hex(&content));
    assert_eq!(item["size"], 4321);
    let url = item["url"].as_str().unwrap();
    assert!(url.contains("X-Amz-Expires=3600"), "{url}");

    let client = crate::common::http();
    emu.advance_clock(Duration::from_secs(3590));
    let resp = client.get(url).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), content.as_slice());
    let resp = client
        .get(url)
        .header("Range", "bytes=0-0")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);

    emu.advance_clock(Duration::from_secs(11));
    assert_eq!(
        client.get(url).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        client.head(url).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    let resp = client
        .get(url)
        .header("Range", "bytes=0-0")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(resp.json::<Value>().await.unwrap()["code"], 403);
}
