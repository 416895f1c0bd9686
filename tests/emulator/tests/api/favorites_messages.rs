use koodrive_emulator::{Emulator, seed};
use serde_json::{Value, json};

use crate::common::*;

#[tokio::test]
async fn batch_favorite_and_list_wire_shapes() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    let f = emu.seed_file(&c, "root", "a.txt", b"a").unwrap();

    let body = assert_ok(
        post(
            &emu,
            &token,
            "/star/batch",
            json!({"starred": true, "subRequestList": [{"containerId": c, "fileId": f}]}),
        )
        .await,
    );
    assert_eq!(body["status"], json!(0));
    assert_eq!(
        body["subResponseList"],
        json!([{"fileId": f, "code": "0", "message": "success"}])
    );

    let body = assert_ok(get(&emu, &token, "/star/files?pageSize=1").await);
    let item = &body["starFiles"][0];
    assert_eq!(item["category"], "drive#file");
    assert_eq!(item["id"], json!(f));
    assert_eq!(item["favorite"], json!(true));
    assert_eq!(item["recycled"], json!(false));
    assert_eq!(body["autoDeleted"], json!(0));
    assert!(body.get("nextCursor").is_none(), "{body}");

    // Malformed batches are bad input as a whole.
    for bad in [
        json!({"subRequestList": [{"containerId": c, "fileId": f}]}),
        json!({"starred": true, "subRequestList": []}),
        json!({"starred": true, "subRequestList": "x"}),
        json!({"starred": true, "subRequestList": [{"fileId": f}]}),
        json!({"starred": true, "subRequestList": [
            {"containerId": c, "fileId": f}, {"containerId": c, "fileId": f}]}),
    ] {
        assert_code(
            &post(&emu, &token, "/star/batch", bad.clone()).await,
            13000102,
        );
    }
    let list: Vec<Value> = (0..101)
        .map(|i| json!({"containerId": c, "fileId": format!("F{i}")}))
        .collect();
    let too_many = json!({"starred": true, "subRequestList": list});
    assert_code(&post(&emu, &token, "/star/batch", too_many).await, 13000102);
    for query in ["pageSize=0", "pageSize=101", "sortType=2", "fileType=99"] {
        assert_code(
            &get(&emu, &token, format!("/star/files?{query}")).await,
            13000102,
        );
    }
    assert_unauthorized(&get(&emu, "Bearer nope", "/star/files").await);
}

#[tokio::test]
async fn message_wire_shapes_and_delete_with_body() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;

    let body = assert_ok(get(&emu, &token, "/message/unreadCount").await);
    assert_eq!(body["count"], json!(1));
    let id = emu
        .post_message(seed::ALICE_USER_ID, "000", "Bob", "shared a file")
        .unwrap();
    let body = assert_ok(get(&emu, &token, "/message/list?pageSize=1&pageCursor=0").await);
    let m = &body["messages"][0];
    assert_eq!(m["id"], json!(id));
    assert_eq!(m["type"], json!("000"));
    assert_eq!(m["context"], json!("shared a file"));
    assert_eq!(m["state"], json!(0));
    assert!(m["createTime"].as_str().is_some_and(|t| t.ends_with('Z')));
    let next = body["nextCursor"].as_str().unwrap().to_owned();
    let body = assert_ok(get(&emu, &token, format!("/message/list?pageCursor={next}")).await);
    assert_eq!(body["messages"][0]["context"], "Welcome to KooDrive.");
    assert!(body.get("nextCursor").is_none());

    let body = assert_ok(post(&emu, &token, "/message/batchRead", json!({"ids": [id]})).await);
    assert_eq!(body["messages"], json!([{"id": id, "changed": true}]));

    let (status, body) = send(
        http()
            .delete(url(&emu, "/message/batchDelete"))
            .header("Authorization", &token)
            .json(&json!({"ids": [id, "Mnone"]})),
    )
    .await;
    let body = assert_ok((status, body));
    assert_eq!(
        body["messages"],
        json!([{"id": id, "changed": true}, {"id": "Mnone", "changed": false}])
    );

    assert_code(
        &post(&emu, &token, "/message/batchRead", json!({"ids": []})).await,
        13000102,
    );
    assert_code(
        &post(
            &emu,
            &token,
            "/message/batchRead",
            json!({"ids": ["Mnone"]}),
        )
        .await,
        13000309,
    );
    assert_code(
        &post(&emu, &token, "/message/specific", json!({})).await,
        13000102,
    );
    assert_code(&get(&emu, &token, "/message/list?state=2").await, 13000102);
    assert_ok(post(&emu, &token, "/message/specific?operate=1", json!({})).await);
    let body = assert_ok(get(&emu, &token, "/message/list").await);
    assert_eq!(body["messages"], json!([]));
    assert_unauthorized(&get(&emu, "Bearer nope", "/message/unreadCount").await);
}
