#![cfg(not(target_arch = "wasm32"))]
//! Favorites and messages against the KooDrive emulator over real HTTP on loopback,
//! with their error paths: bad input caught locally, unknown ids, foreign spaces,
//! recycled files and bad query values caught by the server.

use futures::TryStreamExt;
use koodrive_core::favorites::{FavoriteTarget, ListFavorites};
use koodrive_core::messages::{
    BatchReadMessages, ListMessages, MessageBulkAction, MessageState, MessageType,
};
use koodrive_core::model::{File, FileType, SortDirection};
use koodrive_core::{Client, Endpoint, ErrorCode, ErrorKind, Operation, RequestSpec, Result};
use koodrive_emulator::{Emulator, seed};

async fn logged_in(emulator: &Emulator, code: &str) -> Client {
    let client = Client::builder(Endpoint::Custom(emulator.base_url()))
        .language("en-US")
        .build()
        .unwrap();
    client.create_session(code, None).await.unwrap();
    client
}

async fn favorite_names(client: &Client, request: ListFavorites) -> Vec<String> {
    let files: Vec<File> = client.list_favorites(request).try_collect().await.unwrap();
    files.into_iter().filter_map(|f| f.file_name).collect()
}

#[tokio::test]
async fn favorites_round_trip_with_paging() {
    let emu = Emulator::start().await.unwrap();
    let alice = logged_in(&emu, seed::ALICE_CODE).await;
    let cid = emu.personal_container_id(seed::ALICE_USER_ID);
    let ids: Vec<String> = (0..5)
        .map(|i| {
            emu.seed_file(&cid, "root", &format!("f{i}.txt"), b"x")
                .unwrap()
        })
        .collect();
    assert!(
        favorite_names(&alice, ListFavorites::default())
            .await
            .is_empty()
    );

    let targets: Vec<FavoriteTarget> = ids.iter().map(|id| FavoriteTarget::new(&cid, id)).collect();
    // One at a time, so that favorite times differ in order.
    for target in &targets {
        let r = alice
            .batch_favorite(true, vec![target.clone()])
            .await
            .unwrap();
        assert!(r.all_succeeded(), "{r:?}");
        emu.advance_clock(std::time::Duration::from_secs(1));
    }

    // Newest favorite first by default, oldest first when asked; two per page.
    let newest_first = favorite_names(
        &alice,
        ListFavorites {
            page_size: Some(2),
            ..ListFavorites::default()
        },
    )
    .await;
    assert_eq!(
        newest_first,
        ["f4.txt", "f3.txt", "f2.txt", "f1.txt", "f0.txt"]
    );
    let oldest_first = ListFavorites {
        page_size: Some(2),
        sort_direction: Some(SortDirection::Ascending),
        ..ListFavorites::default()
    };
    let first = alice.page(&oldest_first).await.unwrap();
    assert_eq!(first.items.len(), 2);
    assert_eq!(first.items[0].file_name.as_deref(), Some("f0.txt"));
    assert_eq!(first.items[0].favorite, Some(true));
    assert!(first.next_cursor.is_some());

    // Favoriting twice changes nothing; un-favoriting removes.
    let again = alice
        .batch_favorite(true, targets[..2].to_vec())
        .await
        .unwrap();
    assert!(again.all_succeeded());
    let r = alice
        .batch_favorite(false, targets[..3].to_vec())
        .await
        .unwrap();
    assert!(r.all_succeeded(), "{r:?}");
    let left = favorite_names(&alice, ListFavorites::default()).await;
    assert_eq!(left, ["f4.txt", "f3.txt"]);

    // The type filter: files only, so nothing for folders.
    let folders = ListFavorites {
        file_type: Some(FileType::Folder),
        ..ListFavorites::default()
    };
    assert!(favorite_names(&alice, folders).await.is_empty());

    // Favorites are per user.
    let bob = logged_in(&emu, seed::BOB_CODE).await;
    assert!(
        favorite_names(&bob, ListFavorites::default())
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn favorite_errors() {
    let emu = Emulator::start().await.unwrap();
    let alice = logged_in(&emu, seed::ALICE_CODE).await;
    let cid = emu.personal_container_id(seed::ALICE_USER_ID);
    let good = emu.seed_file(&cid, "root", "ok.txt", b"x").unwrap();
    let binned = emu.seed_file(&cid, "root", "old.txt", b"x").unwrap();
    emu.recycle_file(&binned).unwrap();

    // Local validation: nothing is sent.
    let sent = emu.request_count();
    let err = alice.batch_favorite(true, vec![]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    let dup = vec![
        FavoriteTarget::new(&cid, &good),
        FavoriteTarget::new(&cid, &good),
    ];
    let err = alice.batch_favorite(true, dup).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    let many: Vec<FavoriteTarget> = (0..101)
        .map(|i| FavoriteTarget::new(&cid, format!("F{i}")))
        .collect();
    assert!(alice.batch_favorite(true, many).await.is_err());
    let bad_page = ListFavorites {
        page_size: Some(0),
        ..ListFavorites::default()
    };
    assert!(alice.page(&bad_page).await.is_err());
    assert_eq!(
        emu.request_count(),
        sent,
        "invalid input never left the client"
    );

    // Per-file failures: unknown id, recycled file, someone else's space.
    let bob_cid = emu.personal_container_id(seed::BOB_USER_ID);
    let r = alice
        .batch_favorite(
            true,
            vec![
                FavoriteTarget::new(&cid, &good),
                FavoriteTarget::new(&cid, "Fnosuchfile"),
                FavoriteTarget::new(&cid, &binned),
                FavoriteTarget::new(&bob_cid, "Fother"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(r.status, Some(1), "{r:?}");
    let codes: Vec<_> = r.failures().map(|o| o.code.clone().unwrap()).collect();
    assert_eq!(codes, ["13000309", "13000306", "13000410"]);
    let r = alice
        .batch_favorite(true, vec![FavoriteTarget::new(&cid, "Fnosuchfile")])
        .await
        .unwrap();
    assert_eq!(r.status, Some(2));

    // A favorite in the recycle bin stays listed; once purged it is dropped and counted.
    emu.recycle_file(&good).unwrap();
    let page = alice.page(&ListFavorites::default()).await.unwrap();
    assert_eq!(page.items.len(), 1, "recycled favorites stay listed");
    assert_eq!(page.items[0].recycled, Some(true));
    alice.empty_recycle_bin(&cid).await.unwrap();
    let list = alice.execute(&ListFavorites::default()).await.unwrap();
    assert!(list.star_files.is_empty(), "{list:?}");
    assert_eq!(list.auto_deleted, Some(1));
    let list = alice.execute(&ListFavorites::default()).await.unwrap();
    assert_eq!(list.auto_deleted, Some(0), "counted once");

    // A cursor the server never gave is bad input.
    let forged = ListFavorites {
        page_cursor: Some("not-a-cursor".into()),
        ..ListFavorites::default()
    };
    let err = alice.page(&forged).await.unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::InvalidParameters), "{err}");
}

async fn all_messages(
    client: &Client,
    request: ListMessages,
) -> Vec<koodrive_core::messages::Message> {
    client.list_messages(request).try_collect().await.unwrap()
}

#[tokio::test]
async fn messages_lifecycle() {
    let emu = Emulator::start().await.unwrap();
    let alice = logged_in(&emu, seed::ALICE_CODE).await;

    // A welcome message waits in every inbox.
    assert_eq!(alice.get_unread_message_count().await.unwrap(), 1);
    let welcome = all_messages(&alice, ListMessages::default()).await;
    assert_eq!(welcome.len(), 1);
    assert_eq!(welcome[0].message_type, Some(MessageType::System));
    assert!(welcome[0].is_unread());

    let mut posted = Vec::new();
    for i in 0..4 {
        let kind = if i % 2 == 0 { "000" } else { "001" };
        posted.push(
            emu.post_message(seed::ALICE_USER_ID, kind, "Bob", &format!("note {i}"))
                .unwrap(),
        );
        emu.advance_clock(std::time::Duration::from_secs(1));
    }
    assert!(
        emu.post_message(seed::ALICE_USER_ID, "009", "x", "y")
            .is_err()
    );
    assert_eq!(alice.get_unread_message_count().await.unwrap(), 5);

    // Newest first, paged by two; filters by type and state.
    let paged = all_messages(
        &alice,
        ListMessages {
            page_size: Some(2),
            ..ListMessages::default()
        },
    )
    .await;
    let texts: Vec<_> = paged.iter().filter_map(|m| m.context.clone()).collect();
    assert_eq!(
        texts,
        [
            "note 3",
            "note 2",
            "note 1",
            "note 0",
            "Welcome to KooDrive."
        ]
    );
    assert_eq!(paged[0].sender.as_deref(), Some("Bob"));
    assert!(paged[0].create_time.is_some());
    let shares = ListMessages {
        filter_type: Some(MessageType::Share),
        ..ListMessages::default()
    };
    assert_eq!(all_messages(&alice, shares).await.len(), 2);

    // Batch read: known ids change once, unknown ids report no change.
    let r = alice
        .batch_read_messages(vec![posted[0].clone(), posted[1].clone(), "Mnone".into()])
        .await
        .unwrap();
    let changed: Vec<_> = r.messages.iter().map(|m| m.changed).collect();
    assert_eq!(changed, [Some(true), Some(true), Some(false)]);
    let r = alice
        .batch_read_messages(vec![posted[0].clone()])
        .await
        .unwrap();
    assert_eq!(r.messages[0].changed, Some(false), "already read");
    assert_eq!(alice.get_unread_message_count().await.unwrap(), 3);
    let read = ListMessages {
        state: Some(MessageState::Read),
        ..ListMessages::default()
    };
    assert_eq!(all_messages(&alice, read).await.len(), 2);

    // Batch delete (a DELETE with a JSON body).
    let r = alice
        .batch_delete_messages(vec![posted[0].clone(), posted[2].clone()])
        .await
        .unwrap();
    assert!(r.messages.iter().all(|m| m.changed == Some(true)), "{r:?}");
    assert_eq!(all_messages(&alice, ListMessages::default()).await.len(), 3);
    assert_eq!(alice.get_unread_message_count().await.unwrap(), 2);

    // Bob's inbox is his own: Alice's ids are unknown to him.
    let bob = logged_in(&emu, seed::BOB_CODE).await;
    let err = bob
        .batch_delete_messages(vec![posted[1].clone()])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::ResourceNotFound), "{err}");
    assert_eq!(bob.get_unread_message_count().await.unwrap(), 1);

    // Mark all read, then delete all.
    alice
        .update_all_messages_state(MessageBulkAction::MarkAllRead)
        .await
        .unwrap();
    assert_eq!(alice.get_unread_message_count().await.unwrap(), 0);
    assert_eq!(all_messages(&alice, ListMessages::default()).await.len(), 3);
    alice
        .update_all_messages_state(MessageBulkAction::DeleteAll)
        .await
        .unwrap();
    assert!(
        all_messages(&alice, ListMessages::default())
            .await
            .is_empty()
    );
    assert_eq!(alice.get_unread_message_count().await.unwrap(), 0);
}

/// Sends a hand-made request, for inputs the typed operations refuse to build.
struct Raw(RequestSpec);

impl Operation for Raw {
    const NAME: &'static str = "raw";
    const IDEMPOTENT: bool = true;
    type Output = koodrive_core::wire::Empty;

    fn validate(&self) -> std::result::Result<(), koodrive_core::ValidationError> {
        Ok(())
    }

    fn request(&self) -> RequestSpec {
        self.0.clone()
    }

    fn parse(status: u16, body: &[u8]) -> Result<Self::Output> {
        koodrive_core::wire::check_envelope(status, body)?;
        Ok(koodrive_core::wire::Empty::default())
    }
}

#[tokio::test]
async fn message_errors() {
    let emu = Emulator::start().await.unwrap();
    let alice = logged_in(&emu, seed::ALICE_CODE).await;

    let sent = emu.request_count();
    let err = alice.batch_read_messages(vec![]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let too_many: Vec<String> = (0..101).map(|i| format!("M{i}")).collect();
    assert!(alice.batch_delete_messages(too_many).await.is_err());
    assert!(
        alice
            .execute(&BatchReadMessages {
                ids: vec![" ".into()]
            })
            .await
            .is_err()
    );
    assert_eq!(emu.request_count(), sent);

    let err = alice
        .batch_read_messages(vec!["Mnosuchmessage".into()])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::ResourceNotFound), "{err}");
    assert_eq!(err.status(), Some(400));

    // Values the typed requests cannot express, refused by the server with 13000102.
    for spec in [
        RequestSpec::new(
            koodrive_core::Method::Post,
            "/koodrive/ose/v1/message/specific",
        )
        .query("operate", "7"),
        RequestSpec::new(koodrive_core::Method::Get, "/koodrive/ose/v1/message/list")
            .query("filterType", "009"),
        RequestSpec::new(koodrive_core::Method::Get, "/koodrive/ose/v1/message/list")
            .query("pageSize", "500"),
        RequestSpec::new(koodrive_core::Method::Get, "/koodrive/ose/v1/star/files")
            .query("sortDirection", "3"),
    ] {
        let err = alice.execute(&Raw(spec.clone())).await.unwrap_err();
        assert_eq!(
            err.code(),
            Some(&ErrorCode::InvalidParameters),
            "{spec:?}: {err}"
        );
    }
}
