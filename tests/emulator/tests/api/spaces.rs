use koodrive_emulator::{Emulator, EmulatorConfig, seed};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn get_space_reports_the_documented_fields() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    emu.seed_file(&c, "root", "x.bin", &[0; 1234]).unwrap();
    let body = assert_ok(
        get(
            &emu,
            &token,
            &format!("/space/{}?type=1", seed::ALICE_USER_ID),
        )
        .await,
    );
    let data = &body["data"];
    assert_eq!(data["type"], "1");
    assert_eq!(data["status"], "0");
    assert_eq!(data["ownerId"], seed::ALICE_USER_ID);
    assert_eq!(data["containerId"], c);
    assert!(c.starts_with("IAA") && c.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert_eq!(data["bizRootFileId"], format!("DEUI7pa0C24Aroot{c}"));
    assert_eq!(data["bizSboxFileId"], format!("DEUI7pa0C24Asbox{c}"));
    assert_eq!(data["capacity"], "10");
    assert_eq!(data["spaceUsed"], "1234");
    assert_eq!(data["tenantId"], seed::TENANT_ID);
    for key in [
        "creator",
        "createTime",
        "modifier",
        "updateTime",
        "rootFileId",
    ] {
        assert!(data[key].is_string(), "{key}");
    }
    let with_container = assert_ok(
        get(
            &emu,
            &token,
            &format!("/space/{}?type=1&containerId={c}", seed::ALICE_USER_ID),
        )
        .await,
    );
    assert_eq!(with_container["data"]["containerId"], c);
    assert_code(
        &get(
            &emu,
            &token,
            &format!("/space/{}?type=1&containerId=IAAx", seed::ALICE_USER_ID),
        )
        .await,
        13000301,
    );
}

#[tokio::test]
async fn space_permissions() {
    let emu = Emulator::start().await.unwrap();
    let alice = alice(&emu).await;
    let bob = login(&emu, seed::BOB_CODE).await.0;
    let admin = login(&emu, seed::ADMIN_CODE).await.0;
    let alice_space = format!("/space/{}?type=1", seed::ALICE_USER_ID);
    let dept_space = format!("/space/{}?type=0", seed::DEPARTMENT_ID);

    assert_code(&get(&emu, &bob, &alice_space).await, 13000410);
    assert_ok(get(&emu, &admin, &alice_space).await);
    let dept = assert_ok(get(&emu, &alice, &dept_space).await);
    assert_eq!(dept["data"]["type"], "0");
    assert_eq!(
        dept["data"]["containerId"],
        emu.department_container_id(seed::DEPARTMENT_ID)
    );
    assert_code(&get(&emu, &bob, &dept_space).await, 13000410);
    assert_code(
        &get(&emu, &alice, &format!("/space/{}", seed::ALICE_USER_ID)).await,
        13000102,
    );
    assert_code(
        &get(
            &emu,
            &alice,
            &format!("/space/{}?type=7", seed::ALICE_USER_ID),
        )
        .await,
        13000102,
    );
    assert_code(
        &get(&emu, &alice, "/space/1008600000000000777?type=1").await,
        13000301,
    );
    assert_code(
        &get(
            &emu,
            &alice,
            &format!("/space/{}?type=2", seed::DEPARTMENT_ID),
        )
        .await,
        13000301,
    );
}

#[tokio::test]
async fn get_spaces_v2_lists_an_owners_spaces() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let url = format!(
        "{}/koodrive/ose/v2/space/{}",
        emu.base_url(),
        seed::ALICE_USER_ID
    );
    let body = assert_ok(
        send(
            crate::common::http()
                .get(&url)
                .header("Authorization", &token),
        )
        .await,
    );
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(
        data[0]["containerId"],
        emu.personal_container_id(seed::ALICE_USER_ID)
    );
    assert!(data[0].get("createTime").is_none());
    let typed = assert_ok(
        send(
            crate::common::http()
                .get(format!("{url}?type=0"))
                .header("Authorization", &token),
        )
        .await,
    );
    assert_eq!(typed["data"], json!([]));
    let bob = login(&emu, seed::BOB_CODE).await.0;
    assert_code(
        &send(
            crate::common::http()
                .get(&url)
                .header("Authorization", &bob),
        )
        .await,
        13000410,
    );
}

#[tokio::test]
async fn quota_is_enforced_when_seeding() {
    let emu = Emulator::start_with(EmulatorConfig {
        personal_quota_bytes: 100,
        ..Default::default()
    })
    .await
    .unwrap();
    let token = alice(&emu).await;
    let c = emu.personal_container_id(seed::ALICE_USER_ID);
    emu.seed_file(&c, "root", "a", &[0; 60]).unwrap();
    let err = emu.seed_file(&c, "root", "b", &[0; 41]).unwrap_err();
    assert!(err.starts_with("13000311"), "{err}");
    emu.seed_file(&c, "root", "b", &[0; 40]).unwrap();
    let body = assert_ok(
        get(
            &emu,
            &token,
            &format!("/space/{}?type=1", seed::ALICE_USER_ID),
        )
        .await,
    );
    assert_eq!(body["data"]["spaceUsed"], "100");
    assert_eq!(body["data"]["capacityBytes"], "100");
}
