use koodrive_emulator::{Emulator, seed};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::common::*;

fn alice_space(emu: &Emulator) -> String {
    emu.personal_container_id(seed::ALICE_USER_ID)
}

#[tokio::test]
async fn create_directory_returns_a_file_object() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = alice_space(&emu);
    let body = assert_ok(
        post(
            &emu,
            &token,
            "/directory",
            json!({
                "fileName": "Reports", "fileType": "10", "containerId": c, "description": "q4"
            }),
        )
        .await,
    );
    assert_eq!(body["category"], "drive#file");
    assert_eq!(body["fileName"], "Reports");
    assert_eq!(body["fileType"], "10");
    assert_eq!(
        body["parentFolder"],
        json!([format!("DEUI7pa0C24Aroot{c}")])
    );
    assert_eq!(body["containers"], json!([c]));
    assert_eq!(body["recycled"], false);
    assert_eq!(body["description"], "q4");
    assert_eq!(body["owners"][0]["userName"], "Alice");
    assert_eq!(body["lastEditor"]["userId"], seed::ALICE_USER_ID);
    let created = body["createdTime"].as_str().unwrap();
    assert_eq!(created.len(), "2026-12-03T10:00:00.000Z".len());
    assert!(created.ends_with('Z'));
    let id = body["id"].as_str().unwrap();
    assert!(id.starts_with('F') && id.len() == 33, "{id}");

    // Nested under an id, and under the literal root id.
    let child = mkdir(&emu, &token, &c, id, "2026").await;
    let _ = mkdir(&emu, &token, &c, &format!("DEUI7pa0C24Aroot{c}"), "Other").await;
    let detail = assert_ok(
        post(
            &emu,
            &token,
            &format!("/files/{child}/detail"),
            json!({"containerId": c}),
        )
        .await,
    );
    assert_eq!(detail["parentFolder"], json!([id]));
}

#[tokio::test]
async fn create_directory_name_rules_and_clashes() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = alice_space(&emu);
    let mk = |name: String, extra: serde_json::Value| {
        let mut body = json!({"fileName": name, "fileType": "10", "containerId": c});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        post(&emu, &token, "/directory", body)
    };

    for bad in [
        "a<b", "a>b", "a|b", "a:b", "a\"b", "a*b", "a?b", "a/b", "a\\b", ".", "..",
    ] {
        assert_code(&mk(bad.into(), json!({})).await, 13000419);
    }
    assert_code(&mk("".into(), json!({})).await, 13000419);
    assert_code(&mk("x".repeat(251), json!({})).await, 13000417);
    assert_ok(mk("é".repeat(250), json!({})).await);
    assert_code(&mk("f".into(), json!({"fileType": "15"})).await, 13000102);
    assert_code(&mk("f".into(), json!({"renameMode": 5})).await, 13000102);

    assert_ok(mk("dup.d".into(), json!({})).await);
    assert_code(&mk("dup.d".into(), json!({})).await, 13000405);
    assert_code(
        &mk("dup.d".into(), json!({"renameMode": 3})).await,
        13000405,
    );
    let renamed = assert_ok(mk("dup.d".into(), json!({"renameMode": "2"})).await);
    let name = renamed["fileName"].as_str().unwrap();
    let stamp = name.strip_prefix("dup.d_").unwrap();
    assert_eq!(stamp.len(), 14, "{name}");
    assert!(stamp.bytes().all(|b| b.is_ascii_digit()));
}

#[tokio::test]
async fn create_directory_space_and_parent_errors() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = alice_space(&emu);
    let bob_space = emu.personal_container_id(seed::BOB_USER_ID);
    let mk = |container: String, parent: String| {
        post(
            &emu,
            &token,
            "/directory",
            json!({
                "fileName": "x", "fileType": "10", "containerId": container, "parentFolder": [parent]
            }),
        )
    };
    assert_code(&mk("IAAnope".into(), "root".into()).await, 13000301);
    assert_code(&mk(bob_space.clone(), "root".into()).await, 13000410);
    assert_code(&mk(c.clone(), "Fmissing".into()).await, 13000309);
    let bob_file = emu.seed_file(&bob_space, "root", "b.txt", b"b").unwrap();
    assert_code(&mk(c.clone(), bob_file).await, 13000302);
    let file = emu.seed_file(&c, "root", "a.txt", b"a").unwrap();
    assert_code(&mk(c.clone(), file).await, 13000304);

    let trash = mkdir(&emu, &token, &c, "root", "trash").await;
    emu.recycle_file(&trash).unwrap();
    assert_code(&mk(c.clone(), trash).await, 13000305);

    // Department space: members only.
    let dept = emu.department_container_id(seed::DEPARTMENT_ID);
    assert_ok(mk(dept.clone(), "root".into()).await);
    let bob = login(&emu, seed::BOB_CODE).await.0;
    let r = post(
        &emu,
        &bob,
        "/directory",
        json!({"fileName": "y", "fileType": "10", "containerId": dept}),
    )
    .await;
    assert_code(&r, 13000410);
}

#[tokio::test]
async fn folder_depth_is_limited_to_thirty() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = alice_space(&emu);
    let mut parent = "root".to_owned();
    for level in 1..=30 {
        parent = mkdir(&emu, &token, &c, &parent, &format!("level{level}")).await;
    }
    let r = post(
        &emu,
        &token,
        "/directory",
        json!({
            "fileName": "level31", "fileType": "10", "containerId": c, "parentFolder": [parent]
        }),
    )
    .await;
    assert_code(&r, 13000310);
}

#[tokio::test]
async fn get_file_details_and_errors() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = alice_space(&emu);
    let content = b"hello koodrive";
    let id = emu.seed_file(&c, "root", "Hello.DOCX", content).unwrap();
    let body = assert_ok(
        post(
            &emu,
            &token,
            &format!("/files/{id}/detail"),
            json!({"containerId": c}),
        )
        .await,
    );
    assert_eq!(body["id"], id);
    assert_eq!(body["fileName"], "Hello.DOCX");
    assert_eq!(body["fileType"], "26");
    assert_eq!(body["fileSuffix"], "docx");
    assert_eq!(body["size"], content.len());
    let sha: String = Sha256::digest(content)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(body["sha256"], sha);
    assert!(body["mimeType"].as_str().unwrap().contains("word"));

    assert_code(
        &post(
            &emu,
            &token,
            "/files/Fnothing/detail",
            json!({"containerId": c}),
        )
        .await,
        13000309,
    );
    assert_code(
        &post(&emu, &token, &format!("/files/{id}/detail"), json!({})).await,
        13000102,
    );
    let dept = emu.department_container_id(seed::DEPARTMENT_ID);
    assert_code(
        &post(
            &emu,
            &token,
            &format!("/files/{id}/detail"),
            json!({"containerId": dept}),
        )
        .await,
        13000302,
    );
    let bob = login(&emu, seed::BOB_CODE).await.0;
    assert_code(
        &post(
            &emu,
            &bob,
            &format!("/files/{id}/detail"),
            json!({"containerId": c}),
        )
        .await,
        13000410,
    );

    // Recycled files still have details.
    emu.recycle_file(&id).unwrap();
    let body = assert_ok(
        post(
            &emu,
            &token,
            &format!("/files/{id}/detail"),
            json!({"containerId": c}),
        )
        .await,
    );
    assert_eq!(body["recycled"], true);
    assert!(body["recycledTime"].is_string());
}

#[tokio::test]
async fn file_types_follow_extensions() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = alice_space(&emu);
    for (name, code) in [
        ("a.png", "15"),
        ("a.mp4", "20"),
        ("a.xlsx", "27"),
        ("a.pptx", "28"),
        ("a.mp3", "30"),
        ("a.zip", "35"),
        ("a.exe", "40"),
        ("a.txt", "45"),
        ("noext", "45"),
    ] {
        let id = emu.seed_file(&c, "root", name, b"x").unwrap();
        let body = assert_ok(
            post(
                &emu,
                &token,
                &format!("/files/{id}/detail"),
                json!({"containerId": c}),
            )
            .await,
        );
        assert_eq!(body["fileType"], code, "{name}");
    }
}

#[tokio::test]
async fn rename_file_rules() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = alice_space(&emu);
    let a = emu.seed_file(&c, "root", "a.txt", b"a").unwrap();
    emu.seed_file(&c, "root", "b.txt", b"b").unwrap();
    let rename = |id: String, name: &str, mode: Option<i64>| {
        let mut body = json!({"containerId": c, "name": name});
        if let Some(m) = mode {
            body["renameMode"] = json!(m);
        }
        post(&emu, &token, format!("/files/rename/{id}"), body)
    };
    let detail = |id: String| {
        post(
            &emu,
            &token,
            format!("/files/{id}/detail"),
            json!({"containerId": c}),
        )
    };

    assert_ok(rename(a.clone(), "c.png", None).await);
    let body = assert_ok(detail(a.clone()).await);
    assert_eq!(body["fileName"], "c.png");
    assert_eq!(body["fileType"], "15");
    assert_ok(rename(a.clone(), "c.png", None).await);

    assert_code(&rename(a.clone(), "b.txt", None).await, 13000405);
    assert_code(&rename(a.clone(), "b.txt", Some(3)).await, 13000405);
    assert_ok(rename(a.clone(), "b.txt", Some(2)).await);
    let name = assert_ok(detail(a.clone()).await)["fileName"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        name.starts_with("b_")
            && name.ends_with(".txt")
            && name.len() == "b_20261203123456.txt".len(),
        "{name}"
    );

    assert_code(&rename(a.clone(), "x:y", None).await, 13000419);
    assert_code(&rename(a.clone(), "..", None).await, 13000419);
    assert_code(&rename(a.clone(), &"n".repeat(251), None).await, 13000417);
    assert_code(&rename(a.clone(), "", None).await, 13000419);
    assert_code(&rename("Fnone".into(), "z", None).await, 13000309);
    emu.recycle_file(&a).unwrap();
    assert_code(&rename(a, "z", None).await, 13000306);
}

#[tokio::test]
async fn empty_recycle_bin_purges_and_frees_quota() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = alice_space(&emu);
    let folder = mkdir(&emu, &token, &c, "root", "old").await;
    let inside = emu
        .seed_file(&c, &folder, "inside.bin", &[1u8; 1000])
        .unwrap();
    let loose = emu.seed_file(&c, "root", "loose.bin", &[2u8; 500]).unwrap();
    let kept = emu.seed_file(&c, "root", "kept.bin", &[3u8; 20]).unwrap();
    assert_eq!(used(&emu, &token).await, "1520");

    emu.recycle_file(&folder).unwrap();
    emu.recycle_file(&loose).unwrap();
    assert_eq!(used(&emu, &token).await, "1520", "the bin still counts");

    // The documented field is `container`; the example sends `containerId`.
    assert_ok(post(&emu, &token, "/files/recycle", json!({"container": c})).await);
    assert_eq!(used(&emu, &token).await, "20");
    for gone in [&folder, &inside, &loose] {
        assert_code(
            &post(
                &emu,
                &token,
                &format!("/files/{gone}/detail"),
                json!({"containerId": c}),
            )
            .await,
            13000309,
        );
    }
    assert_ok(
        post(
            &emu,
            &token,
            &format!("/files/{kept}/detail"),
            json!({"containerId": c}),
        )
        .await,
    );
    assert_ok(post(&emu, &token, "/files/recycle", json!({"containerId": c})).await);
    assert_code(
        &post(&emu, &token, "/files/recycle", json!({})).await,
        13000102,
    );
    let bob_space = emu.personal_container_id(seed::BOB_USER_ID);
    assert_code(
        &post(
            &emu,
            &token,
            "/files/recycle",
            json!({"containerId": bob_space}),
        )
        .await,
        13000410,
    );
}

#[tokio::test]
async fn purging_keeps_content_that_another_file_shares() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Emulator::start_with(koodrive_emulator::EmulatorConfig {
        data_dir: Some(dir.path().to_owned()),
        ..Default::default()
    })
    .await
    .unwrap();
    let token = alice(&emu).await;
    let c = alice_space(&emu);
    let blobs = || std::fs::read_dir(dir.path().join("blobs")).unwrap().count();
    let a = emu.seed_file(&c, "root", "a.bin", b"shared").unwrap();
    emu.seed_file(&c, "root", "b.bin", b"shared").unwrap();
    let solo = emu.seed_file(&c, "root", "solo.bin", b"solo").unwrap();
    assert_eq!(blobs(), 2);
    emu.recycle_file(&a).unwrap();
    emu.recycle_file(&solo).unwrap();
    assert_ok(post(&emu, &token, "/files/recycle", json!({"containerId": c})).await);
    assert_eq!(blobs(), 1);
}

#[tokio::test]
async fn full_path_has_the_documented_shape() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = alice_space(&emu);
    let f1 = mkdir(&emu, &token, &c, "root", "007").await;
    let f2 = mkdir(&emu, &token, &c, &f1, "001").await;
    let file = emu.seed_file(&c, &f2, "batch test", b"x").unwrap();
    let body = assert_ok(
        get(
            &emu,
            &token,
            &format!("/files/path?fileId={file}&containerId={c}"),
        )
        .await,
    );
    assert_eq!(
        body["fileIdPath"],
        format!("/DEUI7pa0C24Aroot{c}/{f1}/{f2}/{file}")
    );
    assert_eq!(body["namePath"], format!("/root{c}/007/001/batch test"));

    let root = assert_ok(
        get(
            &emu,
            &token,
            &format!("/files/path?fileId=root&containerId={c}"),
        )
        .await,
    );
    assert_eq!(root["fileIdPath"], format!("/DEUI7pa0C24Aroot{c}"));
    assert_eq!(root["namePath"], format!("/root{c}"));

    assert_code(
        &get(&emu, &token, &format!("/files/path?fileId={file}")).await,
        13000102,
    );
    assert_code(
        &get(
            &emu,
            &token,
            &format!("/files/path?fileId=Fzz&containerId={c}"),
        )
        .await,
        13000309,
    );
}

#[tokio::test]
async fn stats_dir_counts_with_get_and_post() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = alice_space(&emu);
    let top = mkdir(&emu, &token, &c, "root", "top").await;
    let sub = mkdir(&emu, &token, &c, &top, "sub").await;
    emu.seed_file(&c, &top, "a", &[0; 10]).unwrap();
    emu.seed_file(&c, &sub, "b", &[0; 5]).unwrap();
    let gone = emu.seed_file(&c, &sub, "c", &[0; 7]).unwrap();
    emu.recycle_file(&gone).unwrap();

    let q = format!("/files/statsDir?fileId={top}&containerId={c}");
    let body = assert_ok(get(&emu, &token, &q).await);
    assert_eq!(
        body["data"],
        json!({"totalSize": 15, "subDirCount": 1, "subFileCount": 2})
    );
    let body = assert_ok(post(&emu, &token, &format!("{q}&recursive=false"), json!({})).await);
    assert_eq!(
        body["data"],
        json!({"totalSize": 10, "subDirCount": 1, "subFileCount": 1})
    );
    let body = assert_ok(
        get(
            &emu,
            &token,
            &format!("/files/statsDir?fileId=root&containerId={c}"),
        )
        .await,
    );
    assert_eq!(
        body["data"],
        json!({"totalSize": 15, "subDirCount": 2, "subFileCount": 2})
    );

    assert_code(
        &get(&emu, &token, &format!("{q}&recursive=maybe")).await,
        13000102,
    );
    assert_code(
        &get(&emu, &token, &format!("/files/statsDir?containerId={c}")).await,
        13000102,
    );
    assert_code(
        &get(
            &emu,
            &token,
            &format!("/files/statsDir?fileId=Fzz&containerId={c}"),
        )
        .await,
        13000309,
    );
}

async fn used(emu: &Emulator, token: &str) -> serde_json::Value {
    let path = format!("/space/{}?type=1", seed::ALICE_USER_ID);
    assert_ok(get(emu, token, path).await)["data"]["spaceUsed"].clone()
}
