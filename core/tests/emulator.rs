#![cfg(not(target_arch = "wasm32"))]
//! Every foundation operation against the KooDrive emulator over real HTTP on loopback,
//! with the error paths: bad names, unknown ids, expired and missing tokens, bad
//! signatures.

use std::time::Duration;

use futures::TryStreamExt;
use koodrive_core::files::{
    CreateDirectory, GetFile, RenameFile, SearchFiles, SearchFilter, SearchType, StatsDir,
};
use koodrive_core::listing::{ListQuery, TeamType};
use koodrive_core::model::{ContainerType, File, FileType, RenameMode};
use koodrive_core::session::SessionRole;
use koodrive_core::spaces::{GetSpace, SpaceInfo};
use koodrive_core::{Client, Endpoint, ErrorCode, ErrorKind, Secret, SessionToken, auth};
use koodrive_emulator::{Emulator, seed};

fn client_for(emulator: &Emulator) -> Client {
    Client::builder(Endpoint::Custom(emulator.base_url()))
        .language("en-US")
        .build()
        .unwrap()
}

async fn logged_in(emulator: &Emulator, code: &str) -> Client {
    let client = client_for(emulator);
    client
        .create_session(code, Some("drive.example.com".into()))
        .await
        .unwrap();
    client
}

async fn personal_space(client: &Client, user_id: &str) -> SpaceInfo {
    let spaces = client
        .get_spaces_v2(user_id, Some(ContainerType::Personal))
        .await
        .unwrap();
    assert_eq!(spaces.len(), 1, "{spaces:?}");
    spaces.into_iter().next().unwrap()
}

async fn names_in(client: &Client, query: ListQuery) -> Vec<String> {
    let files: Vec<File> = client
        .list_personal_files(query)
        .try_collect()
        .await
        .unwrap();
    let mut names: Vec<String> = files.into_iter().filter_map(|f| f.file_name).collect();
    names.sort();
    names
}

#[tokio::test]
async fn session_lifecycle() {
    let emu = Emulator::start().await.unwrap();
    let client = client_for(&emu);

    let url = client.get_auth_code_url("drive.example.com").await.unwrap();
    assert!(url.uri.contains("drive.example.com"), "{url:?}");

    let err = client
        .create_session("no-such-code", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::InvalidParameters), "{err}");
    assert!(err.trace_id().is_some_and(|t| t.len() == 58));

    let info = client.create_session(seed::ALICE_CODE, None).await.unwrap();
    assert_eq!(info.user_id.as_deref(), Some(seed::ALICE_USER_ID));
    let me = client.auth_session().await.unwrap();
    assert_eq!(me.user_id.as_deref(), Some(seed::ALICE_USER_ID));
    assert_eq!(me.role, Some(SessionRole::User));
    assert_eq!(me.tenant_id.as_deref(), Some(seed::TENANT_ID));

    // Refresh swaps the token; the old one stops working, the new one is sent as given.
    let before = client.session_token().unwrap();
    client.refresh_session().await.unwrap();
    let after = client.session_token().unwrap();
    assert_ne!(before.access_token, after.access_token);
    assert!(client.auth_session().await.is_ok());
    let stale = Client::builder(Endpoint::Custom(emu.base_url()))
        .session(before)
        .build()
        .unwrap();
    assert_eq!(
        stale.auth_session().await.unwrap_err().kind(),
        ErrorKind::SessionExpired
    );

    // Logout: the client refuses locally, and the token is dead on the server too.
    client.logout().await.unwrap();
    let sent = emu.request_count();
    let err = client.auth_session().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotLoggedIn);
    assert_eq!(emu.request_count(), sent, "nothing was sent after logout");
    let revived = Client::builder(Endpoint::Custom(emu.base_url()))
        .session(after)
        .build()
        .unwrap();
    assert_eq!(
        revived.auth_session().await.unwrap_err().kind(),
        ErrorKind::SessionExpired
    );
}

#[tokio::test]
async fn tokens_lapse_after_twenty_idle_minutes_on_the_server() {
    let emu = Emulator::start().await.unwrap();
    let client = logged_in(&emu, seed::BOB_CODE).await;
    emu.advance_clock(Duration::from_secs(19 * 60));
    client
        .auth_session()
        .await
        .expect("19 minutes idle is still inside the window");
    emu.advance_clock(Duration::from_secs(19 * 60));
    client
        .auth_session()
        .await
        .expect("each call slides the window");
    emu.advance_clock(Duration::from_secs(21 * 60));
    let err = client.auth_session().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionExpired, "{err}");
    assert_eq!(err.status(), Some(401));
}

#[tokio::test]
async fn missing_and_forged_tokens_are_refused() {
    let emu = Emulator::start().await.unwrap();
    let anonymous = client_for(&emu);
    let err = anonymous
        .get_file(&GetFile::new("F1", "C1"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotLoggedIn);
    let forged = Client::builder(Endpoint::Custom(emu.base_url()))
        .session(SessionToken {
            access_token: Secret::new("Bearer forged"),
            session_id: None,
            user_id: None,
        })
        .build()
        .unwrap();
    let err = forged
        .get_spaces_v2(seed::ALICE_USER_ID, None)
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::SessionExpired, Some(401))
    );
}

#[tokio::test]
async fn spaces_tell_the_container_and_root() {
    let emu = Emulator::start().await.unwrap();
    let alice = logged_in(&emu, seed::ALICE_CODE).await;
    let space = personal_space(&alice, seed::ALICE_USER_ID).await;
    assert_eq!(
        space.container_id,
        emu.personal_container_id(seed::ALICE_USER_ID)
    );
    assert_eq!(
        space.biz_root_file_id.as_deref(),
        Some(format!("{}{}", seed::ROOT_FOLDER_PREFIX, space.container_id).as_str())
    );
    let same = alice
        .get_space(&GetSpace {
            owner_id: seed::ALICE_USER_ID.into(),
            space_type: ContainerType::Personal,
            container_id: None,
        })
        .await
        .unwrap();
    assert_eq!(same.container_id, space.container_id);
    let dept = GetSpace {
        owner_id: seed::DEPARTMENT_ID.into(),
        space_type: ContainerType::Department,
        container_id: None,
    };
    let team = alice.get_space(&dept).await.unwrap();
    assert_eq!(
        team.container_id,
        emu.department_container_id(seed::DEPARTMENT_ID)
    );

    let bob = logged_in(&emu, seed::BOB_CODE).await;
    let err = bob.get_space(&dept).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::NoSpacePermission), "{err}");
    let err = bob
        .get_spaces_v2(seed::ALICE_USER_ID, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::NoSpacePermission), "{err}");
}

#[tokio::test]
async fn folders_names_details_paths() {
    let emu = Emulator::start().await.unwrap();
    let alice = logged_in(&emu, seed::ALICE_CODE).await;
    let cid = personal_space(&alice, seed::ALICE_USER_ID)
        .await
        .container_id;

    let projects = alice
        .create_directory(&CreateDirectory::new(&cid, None, "Projects"))
        .await
        .unwrap();
    assert!(projects.is_folder());
    let q1 = alice
        .create_directory(&CreateDirectory::new(
            &cid,
            Some(projects.id.clone()),
            "2026 Q1 报告",
        ))
        .await
        .unwrap();
    assert_eq!(q1.parent_id(), Some(projects.id.as_str()));

    // A taken name is refused, or renamed when asked.
    let err = alice
        .create_directory(&CreateDirectory::new(&cid, None, "Projects"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::DuplicateName), "{err}");
    let mut again = CreateDirectory::new(&cid, None, "Projects");
    again.rename_mode = Some(RenameMode::AutoRename);
    let renamed = alice.create_directory(&again).await.unwrap();
    assert_ne!(renamed.file_name.as_deref(), Some("Projects"));

    // Bad names never leave the client.
    let sent = emu.request_count();
    for bad in [
        "",
        ".",
        "..",
        "a/b",
        "a\\b",
        "what?",
        "x".repeat(251).as_str(),
    ] {
        let err = alice
            .create_directory(&CreateDirectory::new(&cid, None, bad))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{bad:?}");
    }
    assert_eq!(emu.request_count(), sent);

    let detail = alice.get_file(&GetFile::new(&q1.id, &cid)).await.unwrap();
    assert_eq!(detail.file_name.as_deref(), Some("2026 Q1 报告"));
    assert_eq!(detail.file_type, Some(FileType::Folder));
    let err = alice
        .get_file(&GetFile::new("Fnosuchfile", &cid))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::ResourceNotFound), "{err}");

    let rename = RenameFile {
        file_id: q1.id.clone(),
        container_id: cid.clone(),
        name: "Q1".into(),
        rename_mode: None,
    };
    alice.rename_file(&rename).await.unwrap();
    let path = alice.get_full_path(&q1.id, &cid).await.unwrap();
    assert_eq!(path.names(), ["Projects", "Q1"]);
    assert!(
        path.file_id_path
            .ends_with(&format!("/{}/{}", projects.id, q1.id)),
        "{path:?}"
    );
    let clash = RenameFile {
        file_id: renamed.id.clone(),
        container_id: cid.clone(),
        name: "Projects".into(),
        rename_mode: None,
    };
    let err = alice.rename_file(&clash).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::DuplicateName));

    // Another user cannot read Alice's files.
    let bob = logged_in(&emu, seed::BOB_CODE).await;
    let err = bob.get_file(&GetFile::new(&q1.id, &cid)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Api, "{err}");
}

#[tokio::test]
async fn listing_paging_search_stats_and_the_recycle_bin() {
    let emu = Emulator::start().await.unwrap();
    let alice = logged_in(&emu, seed::ALICE_CODE).await;
    let space = personal_space(&alice, seed::ALICE_USER_ID).await;
    let cid = space.container_id.clone();
    let docs = alice
        .create_directory(&CreateDirectory::new(&cid, None, "docs"))
        .await
        .unwrap();
    let mut sizes = 0u64;
    for i in 0..5u64 {
        let body = vec![b'x'; 1000 + i as usize];
        sizes += body.len() as u64;
        emu.seed_file(&cid, &docs.id, &format!("note-{i}.txt"), &body)
            .unwrap();
    }
    let photo = emu
        .seed_file(&cid, "root", "holiday.jpg", b"\xff\xd8jpeg")
        .unwrap();

    // Five files in pages of two: three requests, every entry once.
    let mut query = ListQuery::folder(&cid, &docs.id);
    query.page_size = Some(2);
    let before = emu.request_count();
    let names = names_in(&alice, query).await;
    assert_eq!(
        names,
        [
            "note-0.txt",
            "note-1.txt",
            "note-2.txt",
            "note-3.txt",
            "note-4.txt"
        ]
    );
    assert_eq!(emu.request_count() - before, 3);
    assert_eq!(
        names_in(&alice, ListQuery::folder(&cid, "root")).await,
        ["docs", "holiday.jpg"]
    );

    let stats = alice
        .stats_dir(&StatsDir {
            file_id: "root".into(),
            container_id: cid.clone(),
            recursive: None,
        })
        .await
        .unwrap();
    assert_eq!(
        (stats.sub_dir_count, stats.sub_file_count),
        (Some(1), Some(6))
    );
    assert_eq!(stats.total_size, Some(sizes + 6));

    let search = SearchFiles {
        search_type: SearchType::Personal,
        filter: Some(SearchFilter {
            key_word: Some("NOTE-3".into()),
            ..SearchFilter::default()
        }),
        recursived: Some(true),
        ..SearchFiles::default()
    };
    let hits: Vec<_> = alice.stream(search).try_collect().await.unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].size, Some(1003));
    assert!(
        hits[0]
            .name_path
            .as_deref()
            .unwrap_or_default()
            .ends_with("/docs/note-3.txt")
    );
    let bad = SearchFiles {
        search_type: SearchType::Unknown("everything".into()),
        ..SearchFiles::default()
    };
    assert_eq!(
        alice.page(&bad).await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );

    // Recycle bin: listed apart, purged on request, quota freed.
    emu.recycle_file(&photo).unwrap();
    let mut bin = ListQuery::folder(&cid, "root");
    bin.recycled = true;
    assert_eq!(names_in(&alice, bin.clone()).await, ["holiday.jpg"]);
    assert_eq!(
        names_in(&alice, ListQuery::folder(&cid, "root")).await,
        ["docs"]
    );
    let used_before = personal_space(&alice, seed::ALICE_USER_ID)
        .await
        .space_used
        .unwrap();
    alice.empty_recycle_bin(&cid).await.unwrap();
    assert!(names_in(&alice, bin).await.is_empty());
    let used_after = personal_space(&alice, seed::ALICE_USER_ID)
        .await
        .space_used
        .unwrap();
    assert_eq!(used_before - used_after, 6);
}

#[tokio::test]
async fn team_space_lists() {
    let emu = Emulator::start().await.unwrap();
    let admin = logged_in(&emu, seed::ADMIN_CODE).await;
    let team_cid = emu.department_container_id(seed::DEPARTMENT_ID);
    admin
        .create_directory(&CreateDirectory::new(&team_cid, None, "Shared plans"))
        .await
        .unwrap();
    let files: Vec<File> = admin
        .list_team_files(
            seed::DEPARTMENT_ID,
            TeamType::Department,
            ListQuery::folder(&team_cid, "root"),
        )
        .try_collect()
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].file_name.as_deref(), Some("Shared plans"));
    let mut wrong = admin.list_team_files(
        "1245640257345455400",
        TeamType::Department,
        ListQuery::folder(&team_cid, "root"),
    );
    let err = wrong.try_next().await.unwrap_err();
    assert!(err.code().is_some(), "{err}");
}

#[tokio::test]
async fn app_authentication_signs_requests_the_server_accepts() {
    let emu = Emulator::start().await.unwrap();
    let creds = auth::AppCredentials {
        app_id: seed::APP_ID.into(),
        app_secret: Secret::new(seed::APP_SECRET),
        user_id: seed::ALICE_USER_ID.into(),
    };
    let app = Client::builder(Endpoint::Custom(emu.base_url()))
        .app_credentials(creds.clone())
        .build()
        .unwrap();
    let space = app.get_spaces_v2(seed::ALICE_USER_ID, None).await.unwrap();
    let cid = space[0].container_id.clone();
    let made = app
        .create_directory(&CreateDirectory::new(&cid, None, "from a script"))
        .await
        .unwrap();
    let path = app.get_full_path(&made.id, &cid).await.unwrap();
    assert_eq!(path.names(), ["from a script"]);

    let wrong = auth::AppCredentials {
        app_secret: Secret::new("not-the-secret"),
        ..creds
    };
    let forged = Client::builder(Endpoint::Custom(emu.base_url()))
        .app_credentials(wrong)
        .build()
        .unwrap();
    let err = forged
        .get_spaces_v2(seed::ALICE_USER_ID, None)
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.status()),
        (ErrorKind::Unauthorized, Some(401)),
        "{err}"
    );
    assert!(!err.to_string().contains("not-the-secret"));

    // The server's clock runs 20 minutes ahead: the signature's X-Date is stale.
    emu.advance_clock(Duration::from_secs(20 * 60));
    let err = app
        .get_spaces_v2(seed::ALICE_USER_ID, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "{err}");
}
