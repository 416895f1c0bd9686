use koodrive_emulator::{Emulator, seed};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::*;

fn names(body: &Value) -> Vec<String> {
    body["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fileName"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn personal_list_pages_with_opaque_cursors() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    mkdir(&emu, &token, &c, "root", "zeta").await;
    for (name, len) in [("b.txt", 3), ("A.txt", 1), ("c.png", 2)] {
        emu.seed_file(&c, "root", name, &vec![0; len]).unwrap();
    }

    // The documented example: numbers as strings, empty strings for unset values.
    let first = assert_ok(
        post(
            &emu,
            &token,
            "/files/0",
            json!({
                "pageInfo": {"pageSize": "2", "pageCursor": ""},
                "sortInfo": {"sortType": "", "sortDirection": ""},
                "containerId": c, "parentFileId": "root", "fileType": "", "fileName": ""
            }),
        )
        .await,
    );
    assert_eq!(first["category"], "drive#fileList");
    assert_eq!(names(&first), ["zeta", "A.txt"]);
    assert_eq!(first["files"][0]["category"], "drive#file");
    let cursor = first["nextCursor"].as_str().unwrap().to_owned();
    let second = assert_ok(
        post(&emu, &token, "/files/0", json!({
            "pageInfo": {"pageSize": 2, "pageCursor": cursor}, "containerId": c, "parentFileId": "root"
        }))
        .await,
    );
    assert_eq!(names(&second), ["b.txt", "c.png"]);
    assert!(second.get("nextCursor").is_none(), "{second}");

    let by_size = assert_ok(
        post(&emu, &token, "/files/0", json!({
            "sortInfo": {"sortType": 2, "sortDirection": 2}, "containerId": c, "parentFileId": "root"
        }))
        .await,
    );
    assert_eq!(names(&by_size), ["zeta", "b.txt", "c.png", "A.txt"]);

    let images = assert_ok(
        post(
            &emu,
            &token,
            "/files/0",
            json!({"fileType": "15", "containerId": c, "parentFileId": "root"}),
        )
        .await,
    );
    assert_eq!(names(&images), ["c.png"]);
}

#[tokio::test]
async fn personal_list_validation() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let list = |body: Value| post(&emu, &token, "/files/0", body);
    for size in [0, 101] {
        assert_code(
            &list(
                json!({"pageInfo": {"pageSize": size}, "containerId": c, "parentFileId": "root"}),
            )
            .await,
            13000102,
        );
    }
    assert_code(&list(json!({"containerId": c})).await, 13000102);
    assert_code(&list(json!({"parentFileId": "root"})).await, 13000102);
    assert_code(&list(json!({"pageInfo": {"pageCursor": "garbage!"}, "containerId": c, "parentFileId": "root"})).await, 13000102);
    assert_code(
        &list(json!({"sortInfo": {"sortType": 9}, "containerId": c, "parentFileId": "root"})).await,
        13000102,
    );
    assert_code(
        &list(json!({"containerId": c, "parentFileId": "Fnope"})).await,
        13000309,
    );
    assert_code(
        &list(json!({"containerId": "IAAnothing", "parentFileId": "root"})).await,
        13000301,
    );
    let bob = emu.personal_container_id(seed::BOB_USER_ID);
    assert_code(
        &list(json!({"containerId": bob, "parentFileId": "root"})).await,
        13000410,
    );
    // sbox is its own (empty) tree.
    let body = assert_ok(list(json!({"containerId": c, "parentFileId": "sbox"})).await);
    assert_eq!(body["files"], json!([]));
}

#[tokio::test]
async fn recycle_bin_list() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let folder = mkdir(&emu, &token, &c, "root", "old").await;
    emu.seed_file(&c, &folder, "inner.txt", b"1").unwrap();
    let f = emu.seed_file(&c, "root", "gone.txt", b"1").unwrap();
    emu.seed_file(&c, "root", "here.txt", b"1").unwrap();
    emu.recycle_file(&folder).unwrap();
    emu.recycle_file(&f).unwrap();

    let live = assert_ok(
        post(
            &emu,
            &token,
            "/files/0",
            json!({"containerId": c, "parentFileId": "root"}),
        )
        .await,
    );
    assert_eq!(names(&live), ["here.txt"]);
    let bin = assert_ok(
        post(
            &emu,
            &token,
            "/files/1",
            json!({"containerId": c, "parentFileId": "root"}),
        )
        .await,
    );
    assert_eq!(names(&bin), ["old", "gone.txt"]);
    assert_eq!(bin["files"][1]["recycled"], true);
    let r = post(
        &emu,
        &token,
        "/files/0",
        json!({"containerId": c, "parentFileId": folder}),
    )
    .await;
    assert_code(&r, 13000306);
}

#[tokio::test]
async fn literal_routes_win_over_list_routes() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    // /files/search is search, not a list of type "search".
    let r = post(&emu, &token, "/files/search", json!({})).await;
    assert_code(&r, 13000414);
    // /files/rename/{id} is rename, not a team list.
    let r = post(
        &emu,
        &token,
        "/files/rename/0",
        json!({"containerId": "x", "name": "y"}),
    )
    .await;
    assert_code(&r, 13000301);
}

#[tokio::test]
async fn team_list_checks_group_and_membership() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let dept = emu.department_container_id(seed::DEPARTMENT_ID);
    emu.seed_file(&dept, "root", "plan.pptx", b"p").unwrap();
    let path = format!("/files/{}/0", seed::DEPARTMENT_ID);
    let body = assert_ok(
        post(
            &emu,
            &token,
            &path,
            json!({"containerId": dept, "parentFileId": "root"}),
        )
        .await,
    );
    assert_eq!(names(&body), ["plan.pptx"]);
    assert_eq!(body["files"][0]["owners"][0]["userId"], seed::ADMIN_USER_ID);
    assert_ok(
        post(
            &emu,
            &token,
            &format!("{path}?team_type=0"),
            json!({"containerId": dept, "parentFileId": "root"}),
        )
        .await,
    );

    assert_code(
        &post(
            &emu,
            &token,
            &format!("{path}?team_type=2"),
            json!({"containerId": dept, "parentFileId": "root"}),
        )
        .await,
        13000415,
    );
    assert_code(
        &post(
            &emu,
            &token,
            &format!("{path}?team_type=5"),
            json!({"containerId": dept, "parentFileId": "root"}),
        )
        .await,
        13000102,
    );
    assert_code(
        &post(
            &emu,
            &token,
            "/files/999/0",
            json!({"containerId": dept, "parentFileId": "root"}),
        )
        .await,
        13000415,
    );
    let personal = emu.personal_container_id(seed::ALICE_USER_ID);
    assert_code(
        &post(
            &emu,
            &token,
            &path,
            json!({"containerId": personal, "parentFileId": "root"}),
        )
        .await,
        13000415,
    );
    let bob = login(&emu, seed::BOB_CODE).await.0;
    assert_code(
        &post(
            &emu,
            &bob,
            &path,
            json!({"containerId": dept, "parentFileId": "root"}),
        )
        .await,
        13000410,
    );
    let bin = assert_ok(
        post(
            &emu,
            &token,
            &format!("/files/{}/1", seed::DEPARTMENT_ID),
            json!({"containerId": dept, "parentFileId": "root"}),
        )
        .await,
    );
    assert_eq!(bin["files"], json!([]));
    // A personal list refuses a team space.
    assert_code(
        &post(
            &emu,
            &token,
            "/files/0",
            json!({"containerId": dept, "parentFileId": "root"}),
        )
        .await,
        13000102,
    );
}

#[tokio::test]
async fn search_personal_and_team() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let folder = mkdir(&emu, &token, &c, "root", "Docs").await;
    let sub = mkdir(&emu, &token, &c, &folder, "Deep").await;
    let report = emu
        .seed_file(&c, &folder, "Annual REPORT.docx", b"12345")
        .unwrap();
    emu.seed_file(&c, &sub, "report-old.txt", b"1").unwrap();
    emu.seed_file(&c, "root", "other.txt", b"1").unwrap();
    let binned = emu
        .seed_file(&c, "root", "report-binned.txt", b"1")
        .unwrap();
    emu.recycle_file(&binned).unwrap();
    let dept = emu.department_container_id(seed::DEPARTMENT_ID);
    emu.seed_file(&dept, "root", "team report.xlsx", b"1")
        .unwrap();

    let search = |body: Value| post(&emu, &token, "/files/search", body);
    let body = assert_ok(
        search(json!({"searchType": "personal", "pageInfo": {"pageSize": 1, "pageCursor": ""}, "filter": {"keyWord": "report"}})).await,
    );
    assert_eq!(body["total"], 2);
    assert_eq!(names(&body), ["Annual REPORT.docx"]);
    let item = &body["files"][0];
    assert_eq!(item["id"], report);
    assert_eq!(item["size"], "5");
    assert_eq!(item["fileType"], "26");
    assert_eq!(item["fileSuffix"], "docx");
    assert_eq!(item["containerId"], c);
    assert_eq!(item["containerType"], "1");
    assert_eq!(
        item["namePath"],
        format!("/root{c}/Docs/Annual REPORT.docx")
    );
    assert_eq!(
        item["idPath"],
        format!("/DEUI7pa0C24Aroot{c}/{folder}/{report}")
    );
    assert_eq!(item["owner"], "Alice");
    let cursor = body["nextPageCursor"].as_str().unwrap().to_owned();
    assert!(!cursor.is_empty());
    let page2 = assert_ok(
        search(json!({"searchType": "personal", "pageInfo": {"pageSize": 1, "pageCursor": cursor}, "filter": {"keyWord": "report"}})).await,
    );
    assert_eq!(names(&page2), ["report-old.txt"]);
    assert_eq!(page2["nextPageCursor"], "");

    // Direct children only unless recursived.
    let scoped = |recursived: bool| {
        search(
            json!({"searchType": "personal", "pageInfo": {"pageSize": 10},
            "filter": {"keyWord": "report", "containerId": c, "parentFolder": folder}, "recursived": recursived}),
        )
    };
    assert_eq!(
        names(&assert_ok(scoped(false).await)),
        ["Annual REPORT.docx"]
    );
    assert_eq!(assert_ok(scoped(true).await)["total"], 2);

    let bin = assert_ok(
        search(json!({"searchType": "personal", "pageInfo": {"pageSize": 10}, "recycled": true}))
            .await,
    );
    assert_eq!(names(&bin), ["report-binned.txt"]);
    let folders = assert_ok(search(json!({"searchType": "personal", "pageInfo": {"pageSize": 10}, "filter": {"fileType": "10"}})).await);
    assert_eq!(folders["total"], 2);

    let team = assert_ok(search(json!({"searchType": "team", "pageInfo": {"pageSize": 10}, "filter": {"keyWord": "REPORT"}})).await);
    assert_eq!(names(&team), ["team report.xlsx"]);
    assert_eq!(team["files"][0]["containerType"], "0");
    assert_eq!(team["files"][0]["teamId"], seed::DEPARTMENT_ID);
    assert_eq!(team["files"][0]["teamName"], "Engineering");

    let bob = login(&emu, seed::BOB_CODE).await.0;
    let none = assert_ok(
        post(
            &emu,
            &bob,
            "/files/search",
            json!({"searchType": "team", "pageInfo": {"pageSize": 10}}),
        )
        .await,
    );
    assert_eq!(none["total"], 0);
}

#[tokio::test]
async fn search_errors() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let dept = emu.department_container_id(seed::DEPARTMENT_ID);
    let search = |body: Value| post(&emu, &token, "/files/search", body);
    assert_code(
        &search(json!({"pageInfo": {"pageSize": 10}})).await,
        13000414,
    );
    assert_code(
        &search(json!({"searchType": " ", "pageInfo": {"pageSize": 10}})).await,
        13000414,
    );
    let r = search(json!({"searchType": "global", "pageInfo": {"pageSize": 10}})).await;
    assert_code(&r, 13000413);
    assert!(r.1["msg"].as_str().unwrap().contains("global"));
    assert_code(&search(json!({"searchType": "personal"})).await, 13000102);
    assert_code(
        &search(json!({"searchType": "personal", "pageInfo": {}})).await,
        13000102,
    );
    assert_code(
        &search(json!({"searchType": "personal", "pageInfo": {"pageSize": 101}})).await,
        13000102,
    );
    assert_code(&search(json!({"searchType": "personal", "pageInfo": {"pageSize": 1}, "filter": {"parentFolder": "root"}})).await, 13000102);
    assert_code(&search(json!({"searchType": "personal", "pageInfo": {"pageSize": 1}, "filter": {"keyWord": "k".repeat(81)}})).await, 13000102);
    assert_code(&search(json!({"searchType": "personal", "pageInfo": {"pageSize": 1}, "filter": {"containerId": dept}})).await, 13000415);
    assert_code(&search(json!({"searchType": "team", "pageInfo": {"pageSize": 1}, "filter": {"containerId": c}})).await, 13000415);
    assert_code(&search(json!({"searchType": "team", "pageInfo": {"pageSize": 1}, "filter": {"containerId": "IAAnone"}})).await, 13000301);
    let bob = emu.personal_container_id(seed::BOB_USER_ID);
    assert_code(&search(json!({"searchType": "personal", "pageInfo": {"pageSize": 1}, "filter": {"containerId": bob}})).await, 13000410);
    assert_eq!(
        search(json!({"searchType": "personal", "pageInfo": {"pageSize": 1}}))
            .await
            .0,
        StatusCode::OK
    );
}
