use std::time::Duration;

use koodrive_emulator::{Emulator, seed};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn create_session_returns_token_and_user_info() {
    let emu = Emulator::start().await.unwrap();
    for path in ["/session", "/session/"] {
        let body = assert_ok(
            send(
                crate::common::http()
                    .post(url(&emu, path))
                    .json(&json!({"code": "alice-code"})),
            )
            .await,
        );
        let data = &body["data"];
        let token = data["accessToken"].as_str().unwrap();
        let hex = token.strip_prefix("Bearer ").unwrap();
        assert_eq!(hex.len(), 48);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(data["userId"], seed::ALICE_USER_ID);
        assert!(!data["sessionId"].as_str().unwrap().is_empty());
        let info = &data["userInfo"];
        assert_eq!(info["role"], "1");
        assert_eq!(info["userName"], "Alice");
        assert_eq!(info["tenantId"], seed::TENANT_ID);
        assert_eq!(info["orgId"], seed::ORG_ID);
        assert_eq!(info["orgName"], "Emulated Org");
        assert_eq!(info["deptId"], seed::DEPARTMENT_ID);
        assert_eq!(info["userCount"], 3);
        assert!(info["xHwSchema"].is_string());
    }
}

#[tokio::test]
async fn unknown_or_missing_code_is_rejected() {
    let emu = Emulator::start().await.unwrap();
    let client = crate::common::http();
    let r = send(
        client
            .post(url(&emu, "/session"))
            .json(&json!({"code": "nope"})),
    )
    .await;
    assert_code(&r, 13000102);
    let r = send(client.post(url(&emu, "/session")).json(&json!({}))).await;
    assert_code(&r, 13000102);
}

#[tokio::test]
async fn codes_are_reusable_and_each_login_is_a_new_session() {
    let emu = Emulator::start().await.unwrap();
    let (t1, s1) = login(&emu, seed::BOB_CODE).await;
    let (t2, s2) = login(&emu, seed::BOB_CODE).await;
    assert_ne!(t1, t2);
    assert_ne!(s1, s2);
    assert_ok(get(&emu, &t1, "/session/auth").await);
    assert_ok(get(&emu, &t2, "/session/auth").await);
}

#[tokio::test]
async fn refresh_issues_bearer_plus_token_and_retires_the_old_one() {
    let emu = Emulator::start().await.unwrap();
    let (token, session) = login(&emu, seed::ALICE_CODE).await;
    let refresh = |t: String, s: Option<String>| {
        let mut req = crate::common::http()
            .post(url(&emu, "/session/refresh"))
            .header("Authorization", t);
        if let Some(s) = s {
            req = req.header("x-session-id", s);
        }
        send(req)
    };

    assert_code(&refresh(token.clone(), None).await, 13000102);
    assert_unauthorized(&refresh(token.clone(), Some("other-session".into())).await);

    let body = assert_ok(refresh(token.clone(), Some(session.clone())).await);
    let new_token = body["accessToken"].as_str().unwrap().to_owned();
    assert!(new_token.starts_with("Bearer+"), "{new_token}");
    assert_eq!(new_token.len(), "Bearer+".len() + 48);

    assert_unauthorized(&get(&emu, &token, "/session/auth").await);
    let info = assert_ok(get(&emu, &new_token, "/session/auth").await);
    assert_eq!(info["data"]["userId"], seed::ALICE_USER_ID);
    // The same session id still refreshes.
    assert_ok(refresh(new_token, Some(session)).await);
}

#[tokio::test]
async fn logoff_ends_the_session() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    assert_ok(get(&emu, &token, "/session/logoff").await);
    assert_unauthorized(&get(&emu, &token, "/session/auth").await);
    assert_unauthorized(&get(&emu, &token, "/session/logoff").await);
}

#[tokio::test]
async fn auth_session_returns_org_user_info() {
    let emu = Emulator::start().await.unwrap();
    let (token, _) = login(&emu, seed::ADMIN_CODE).await;
    let body = assert_ok(get(&emu, &token, "/session/auth").await);
    let data = &body["data"];
    assert_eq!(data["role"], "2");
    assert_eq!(data["userName"], "Admin");
    assert_eq!(data["userId"], seed::ADMIN_USER_ID);
    assert_eq!(data["deptId"], json!(seed::DEPARTMENT_ID));
    assert_eq!(data["orgId"], seed::ORG_ID);
    assert!(data["innerUserId"].is_string());

    let (bob, _) = login(&emu, seed::BOB_CODE).await;
    let body = assert_ok(get(&emu, &bob, "/session/auth").await);
    assert_eq!(body["data"]["deptId"], "");
}

#[tokio::test]
async fn auth_code_url_needs_a_domain() {
    let emu = Emulator::start().await.unwrap();
    let client = crate::common::http();
    let r = send(client.get(url(&emu, "/session/authCodeURL"))).await;
    assert_code(&r, 13000102);

    let body = assert_ok(
        send(client.get(url(&emu, "/session/authCodeURL?domain=drive.example.test"))).await,
    );
    let uri = body["uri"].as_str().unwrap();
    assert!(
        uri.starts_with(&format!("{}/_emulator/orgid/authorize?", emu.base_url())),
        "{uri}"
    );
    assert!(uri.contains("response_type=code"));
    assert!(uri.contains("drive.example.test"));
    assert_eq!(body["orgIdHost"], emu.base_url());

    // The stand-in OrgID page redirects back with a usable code.
    let no_redirect = crate::common::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = no_redirect
        .get(format!("{uri}&user=bob"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = resp.headers()["location"].to_str().unwrap();
    assert!(
        location.starts_with("https://drive.example.test/"),
        "{location}"
    );
    assert!(location.ends_with("code=bob-code"), "{location}");
}

#[tokio::test]
async fn tokens_slide_for_twenty_minutes() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    emu.advance_clock(Duration::from_secs(19 * 60));
    assert_ok(get(&emu, &token, "/session/auth").await);
    emu.advance_clock(Duration::from_secs(19 * 60));
    assert_ok(get(&emu, &token, "/session/auth").await);
    emu.advance_clock(Duration::from_secs(21 * 60));
    let r = get(&emu, &token, "/session/auth").await;
    assert_unauthorized(&r);
    assert!(r.1["msg"].as_str().unwrap().contains("expired"));
    let container = emu.personal_container_id(seed::ALICE_USER_ID);
    assert_unauthorized(
        &post(
            &emu,
            &token,
            "/files/0",
            json!({"containerId": container, "parentFileId": "root"}),
        )
        .await,
    );
}

#[tokio::test]
async fn token_forms_and_missing_tokens() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let bare = token.strip_prefix("Bearer ").unwrap().to_owned();
    assert_ok(get(&emu, &bare, "/session/auth").await);
    assert_ok(get(&emu, &format!("Bearer+{bare}"), "/session/auth").await);
    assert_unauthorized(&get(&emu, "Bearer 0123", "/session/auth").await);
    assert_unauthorized(&send(crate::common::http().get(url(&emu, "/session/auth"))).await);
    let container = emu.personal_container_id(seed::ALICE_USER_ID);
    assert_unauthorized(
        &send(
            crate::common::http()
                .post(url(&emu, "/files/0"))
                .json(&json!({"containerId": container, "parentFileId": "root"})),
        )
        .await,
    );
}

#[tokio::test]
async fn trace_ids_are_checked_and_echoed() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let client = crate::common::http();
    let resp = client
        .get(url(&emu, "/session/auth"))
        .header("Authorization", &token)
        .header("X-Traceid", TRACE_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-traceid"], TRACE_ID);

    for bad in [
        "short",
        &format!("{}-", &TRACE_ID[..57]),
        &format!("{TRACE_ID}x"),
    ] {
        let r = send(
            client
                .get(url(&emu, "/session/auth"))
                .header("Authorization", &token)
                .header("X-Traceid", bad),
        )
        .await;
        assert_code(&r, 13000102);
    }
}

#[tokio::test]
async fn unknown_routes_are_404() {
    let emu = Emulator::start().await.unwrap();
    let token = alice(&emu).await;
    let r = get(&emu, &token, "/no/such/thing").await;
    assert_eq!(r.0, StatusCode::NOT_FOUND);
    assert_eq!(r.1["code"], 404);
    // The list routes only take 0 or 1 as {type}.
    let r = post(&emu, &token, "/files/2", json!({})).await;
    assert_eq!(r.0, StatusCode::NOT_FOUND);
    let r = post(&emu, &token, "/files/g/7", json!({})).await;
    assert_eq!(r.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn state_survives_a_restart_on_the_same_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let config = koodrive_emulator::EmulatorConfig {
        data_dir: Some(dir.path().to_owned()),
        ..Default::default()
    };
    let emu = Emulator::start_with(config.clone()).await.unwrap();
    let token = alice(&emu).await;
    let container = emu.personal_container_id(seed::ALICE_USER_ID);
    let folder = mkdir(&emu, &token, &container, "root", "kept").await;
    let file = emu
        .seed_file(&container, &folder, "a.txt", b"persisted")
        .unwrap();
    drop(emu);

    let emu = Emulator::start_with(config).await.unwrap();
    let body = assert_ok(
        post(
            &emu,
            &token,
            &format!("/files/{file}/detail"),
            json!({"containerId": container}),
        )
        .await,
    );
    assert_eq!(body["fileName"], "a.txt");
    assert_eq!(body["size"], 9);
    assert_eq!(body["parentFolder"], json!([folder]));
    let space = assert_ok(
        get(
            &emu,
            &token,
            &format!("/space/{}?type=1", seed::ALICE_USER_ID),
        )
        .await,
    );
    assert_eq!(space["data"]["spaceUsed"], "9");
}
