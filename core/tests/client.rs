//! The client's behaviour around the wire: retries, budget, timeouts, credentials,
//! session expiry and paging, driven through a scripted transport and a manual clock
//! so that every decision can be observed. End-to-end tests over real HTTP live in
//! the emulator crate.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use futures::executor::block_on;
use koodrive_core::files::{CreateDirectory, GetFullPath, SearchFiles};
use koodrive_core::listing::{ListPersonalFiles, ListQuery};
use koodrive_core::platform::BoxFuture;
use koodrive_core::{
    Client, Clock, Config, Endpoint, ErrorCode, ErrorKind, HttpRequest, HttpResponse, RetryPolicy,
    Secret, SessionToken, Transport, TransportError, TransportErrorKind, auth,
};

use common::ManualClock;

type Reply = Result<HttpResponse, TransportError>;

#[derive(Clone, Default)]
struct Script {
    replies: Arc<Mutex<VecDeque<Option<Reply>>>>,
    seen: Arc<Mutex<Vec<HttpRequest>>>,
}

impl Script {
    fn reply(&self, status: u16, body: &str) -> &Self {
        self.replies
            .lock()
            .unwrap()
            .push_back(Some(Ok(HttpResponse::new(status, body))));
        self
    }

    fn reply_with(&self, reply: Reply) -> &Self {
        self.replies.lock().unwrap().push_back(Some(reply));
        self
    }

    /// A request that never gets an answer.
    fn hang(&self) -> &Self {
        self.replies.lock().unwrap().push_back(None);
        self
    }

    fn requests(&self) -> Vec<HttpRequest> {
        self.seen.lock().unwrap().clone()
    }
}

impl Transport for Script {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Reply> {
        self.seen.lock().unwrap().push(request);
        let next = self
            .replies
            .lock()
            .unwrap()
            .pop_front()
            .expect("an unexpected request was sent");
        match next {
            Some(reply) => Box::pin(async move { reply }),
            None => Box::pin(futures::future::pending()),
        }
    }
}

const BASE: &str = "http://127.0.0.1:8080";

fn client_with(script: &Script, clock: &ManualClock, config: Config) -> Client {
    Client::builder(Endpoint::Custom(BASE.into()))
        .config(config)
        .transport(script.clone())
        .clock(clock.clone())
        .session(SessionToken {
            access_token: Secret::new("Bearer tok-1"),
            session_id: Some(Secret::new("sess-1")),
            user_id: Some("42".into()),
        })
        .build()
        .unwrap()
}

fn client(script: &Script, clock: &ManualClock) -> Client {
    client_with(script, clock, Config::new(Endpoint::Custom(BASE.into())))
}

fn path_op() -> GetFullPath {
    GetFullPath {
        file_id: "F1".into(),
        container_id: "C1".into(),
    }
}

const PATH_OK: &str = r#"{"code":0,"fileIdPath":"/r/F1","namePath":"/rootC1/a"}"#;

#[test]
fn invalid_input_sends_nothing() {
    let (script, clock) = (Script::default(), ManualClock::new());
    let c = client(&script, &clock);
    let err = block_on(c.execute(&CreateDirectory::new("C1", None, "a:b"))).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.operation(), Some("create_directory"));
    assert!(err.to_string().contains("':'"), "{err}");
    assert!(script.requests().is_empty());
}

#[test]
fn server_errors_are_retried_with_retry_after_and_fresh_trace_ids() {
    let (script, clock) = (Script::default(), ManualClock::new());
    let mut busy = HttpResponse::new(503, "busy");
    busy.headers.set("Retry-After", "3");
    script.reply_with(Ok(busy)).reply(200, PATH_OK);
    let c = client(&script, &clock);
    let path = block_on(c.execute(&path_op())).unwrap();
    assert_eq!(path.name_path, "/rootC1/a");
    assert_eq!(*clock.sleeps.lock().unwrap(), vec![Duration::from_secs(3)]);
    let reqs = script.requests();
    assert_eq!(reqs.len(), 2);
    let ids: Vec<_> = reqs
        .iter()
        .map(|r| r.headers.get("X-Traceid").unwrap().to_owned())
        .collect();
    assert!(
        ids.iter()
            .all(|id| koodrive_core::trace::is_valid_trace_id(id))
    );
    assert_ne!(ids[0], ids[1]);
    assert_eq!(
        reqs[0].url,
        format!("{BASE}/koodrive/ose/v1/files/path?fileId=F1&containerId=C1")
    );
    assert_eq!(reqs[0].headers.get("Authorization"), Some("Bearer tok-1"));
}

#[test]
fn attempts_are_bounded_and_the_error_says_what_happened() {
    let (script, clock) = (Script::default(), ManualClock::new());
    for _ in 0..4 {
        script.reply(
            500,
            r#"{"code":13000201,"msg":"inner server invoke failure"}"#,
        );
    }
    let c = client(&script, &clock);
    let err = block_on(c.execute(&path_op())).unwrap_err();
    assert_eq!(script.requests().len(), 4, "max_attempts is 4");
    assert_eq!(err.code(), Some(&ErrorCode::InnerServerFailure));
    assert!(err.is_retryable());
    let last = script
        .requests()
        .last()
        .unwrap()
        .headers
        .get("X-Traceid")
        .unwrap()
        .to_owned();
    assert_eq!(err.trace_id(), Some(last.as_str()));
    let sleeps = clock.sleeps.lock().unwrap().clone();
    assert_eq!(sleeps.len(), 3);
    assert!(sleeps.iter().all(|s| *s <= Duration::from_millis(800)));
}

#[test]
fn business_errors_are_not_retried() {
    let (script, clock) = (Script::default(), ManualClock::new());
    script.reply(400, r#"{"code":13000309,"msg":"Resource not found."}"#);
    let err = block_on(client(&script, &clock).execute(&path_op())).unwrap_err();
    assert_eq!(err.code(), Some(&ErrorCode::ResourceNotFound));
    assert_eq!(err.kind(), ErrorKind::Api);
    assert_eq!(script.requests().len(), 1);
}

#[test]
fn unsafe_requests_are_retried_only_when_they_never_left() {
    let (script, clock) = (Script::default(), ManualClock::new());
    let op = CreateDirectory::new("C1", None, "docs");
    script.reply_with(Err(TransportError::new(
        TransportErrorKind::Io,
        "connection reset",
    )));
    let err = block_on(client(&script, &clock).execute(&op)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(
        script.requests().len(),
        1,
        "a reset after sending may have created the folder"
    );

    let (script, clock) = (Script::default(), ManualClock::new());
    script
        .reply_with(Err(TransportError::new(
            TransportErrorKind::Connect,
            "refused",
        )))
        .reply(
            200,
            r#"{"code":0,"id":"F9","fileName":"docs","fileType":"10"}"#,
        );
    let made = block_on(client(&script, &clock).execute(&op)).unwrap();
    assert!(made.is_folder());
    assert_eq!(script.requests().len(), 2);
}

#[test]
fn the_retry_budget_stops_a_retry_storm() {
    let (script, clock) = (Script::default(), ManualClock::new());
    for _ in 0..3 {
        script.reply(503, "");
    }
    let config = Config {
        retry: RetryPolicy {
            budget: 1.0,
            ..RetryPolicy::default()
        },
        ..Config::new(Endpoint::Custom(BASE.into()))
    };
    let c = client_with(&script, &clock, config);
    assert!(block_on(c.execute(&path_op())).is_err());
    assert_eq!(
        script.requests().len(),
        2,
        "one retry, then the budget is spent"
    );
    assert!(block_on(c.execute(&path_op())).is_err());
    assert_eq!(
        script.requests().len(),
        3,
        "no retry at all once the budget is spent"
    );
}

#[test]
fn a_hung_request_times_out() {
    let (script, clock) = (Script::default(), ManualClock::new());
    script.hang();
    let config = Config {
        retry: RetryPolicy::none(),
        request_timeout: Duration::from_secs(7),
        ..Config::new(Endpoint::Custom(BASE.into()))
    };
    let err = block_on(client_with(&script, &clock, config).execute(&path_op())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.to_string().contains("7000 ms"), "{err}");
}

#[test]
fn session_slides_refreshes_and_lapses() {
    let (script, clock) = (Script::default(), ManualClock::new());
    let c = client(&script, &clock);

    // 19 idle minutes: less than the 2-minute margin is left, so refresh first.
    clock.advance(Duration::from_secs(19 * 60));
    script
        .reply(200, r#"{"code":0,"accessToken":"Bearer+tok-2"}"#)
        .reply(200, PATH_OK);
    block_on(c.execute(&path_op())).unwrap();
    let reqs = script.requests();
    assert!(reqs[0].url.ends_with("/koodrive/ose/v1/session/refresh"));
    assert_eq!(reqs[0].headers.get("x-session-id"), Some("sess-1"));
    assert_eq!(
        reqs[1].headers.get("Authorization"),
        Some("Bearer+tok-2"),
        "sent verbatim"
    );
    assert_eq!(c.session_expires_in(), Some(Duration::from_secs(20 * 60)));

    // 21 idle minutes: the session is gone; nothing is sent.
    clock.advance(Duration::from_secs(21 * 60));
    let err = block_on(c.execute(&path_op())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionExpired);
    assert_eq!(script.requests().len(), 2);
}

#[test]
fn a_refused_token_ends_the_session() {
    let (script, clock) = (Script::default(), ManualClock::new());
    let c = client(&script, &clock);
    script.reply(401, r#"{"code":401,"msg":"token expired"}"#);
    let err = block_on(c.execute(&path_op())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionExpired);
    assert!(err.to_string().contains("log in again"), "{err}");
    let err = block_on(c.execute(&path_op())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::SessionExpired);
    assert_eq!(script.requests().len(), 1);
}

#[test]
fn logout_forgets_the_session_even_offline() {
    let (script, clock) = (Script::default(), ManualClock::new());
    let c = client(&script, &clock);
    script.reply_with(Err(TransportError::new(
        TransportErrorKind::Connect,
        "offline",
    )));
    let config_retries = c.config().retry.max_attempts;
    for _ in 1..config_retries {
        script.reply_with(Err(TransportError::new(
            TransportErrorKind::Connect,
            "offline",
        )));
    }
    assert!(block_on(c.logout()).is_err());
    assert!(c.session_token().is_none());
    let sent = script.requests().len();
    let err = block_on(c.execute(&path_op())).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotLoggedIn);
    assert!(err.to_string().contains("logged out"), "{err}");
    assert_eq!(script.requests().len(), sent);
}

#[test]
fn app_authentication_signs_what_it_sends() {
    let (script, clock) = (Script::default(), ManualClock::new());
    let creds = auth::AppCredentials {
        app_id: "0123456789abcdef".repeat(4),
        app_secret: Secret::new("emulator-app-secret"),
        user_id: "1008600000000000001".into(),
    };
    let c = Client::builder(Endpoint::Custom(BASE.into()))
        .transport(script.clone())
        .clock(clock.clone())
        .app_credentials(creds.clone())
        .build()
        .unwrap();
    script.reply(200, PATH_OK);
    block_on(c.execute(&path_op())).unwrap();
    let req = &script.requests()[0];
    let x_date = req.headers.get("X-Date").unwrap();
    assert_eq!(x_date, auth::format_x_date(clock.now_millis() / 1000));
    assert_eq!(req.headers.get("X-User-Id"), Some("1008600000000000001"));
    let expected = auth::authorization(
        &creds,
        &auth::SigningInput {
            method: "GET",
            path: "/koodrive/ose/v1/files/path",
            query: "fileId=F1&containerId=C1",
            host: "127.0.0.1:8080",
            x_date,
            user_id: "1008600000000000001",
            body: b"",
        },
    );
    assert_eq!(req.headers.get("Authorization"), Some(expected.expose()));

    // Session APIs refuse App authentication; the client says so without sending.
    let err = block_on(c.auth_session()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_eq!(script.requests().len(), 1);
}

#[test]
fn streams_walk_every_page_and_stop_on_a_repeated_cursor() {
    let (script, clock) = (Script::default(), ManualClock::new());
    script
        .reply(
            200,
            r#"{"files":[{"id":"a"},{"id":"b"}],"nextCursor":"c1"}"#,
        )
        .reply(200, r#"{"files":[],"nextCursor":"c2"}"#)
        .reply(200, r#"{"files":[{"id":"c"}]}"#);
    let c = client(&script, &clock);
    let ids: Vec<String> = block_on(
        c.list_personal_files(ListQuery::folder("C1", "root"))
            .map_ok(|f| f.id)
            .try_collect(),
    )
    .unwrap();
    assert_eq!(ids, ["a", "b", "c"]);
    let bodies: Vec<serde_json::Value> = script
        .requests()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(bodies[1]["pageInfo"]["pageCursor"], "c1");
    assert_eq!(bodies[2]["pageInfo"]["pageCursor"], "c2");

    script
        .reply(200, r#"{"files":[],"nextPageCursor":"same","total":0}"#)
        .reply(200, r#"{"files":[],"nextPageCursor":"same","total":0}"#);
    let err = block_on(c.stream(SearchFiles::default()).try_collect::<Vec<_>>()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);

    script.reply(200, r#"{"files":[{"id":"z"}],"nextCursor":""}"#);
    let page = block_on(c.page(&ListPersonalFiles(ListQuery::folder("C1", "root")))).unwrap();
    assert_eq!(
        page.next_cursor, None,
        "an empty cursor means the last page"
    );
}

#[test]
fn nothing_secret_in_debug_or_errors() {
    let (script, clock) = (Script::default(), ManualClock::new());
    let c = client(&script, &clock);
    script.reply(401, r#"{"code":401,"msg":"bad token"}"#);
    let err = block_on(c.execute(&path_op())).unwrap_err();
    let shown = format!(
        "{err} {err:?} {c:?} {:?} {:?}",
        c.session_token(),
        script.requests()
    );
    assert!(
        !shown.contains("tok-1") && !shown.contains("sess-1"),
        "{shown}"
    );
}
