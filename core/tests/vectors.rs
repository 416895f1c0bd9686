//! Replays the shared JSON test vectors in `tests/vectors/`: the request every
//! operation builds, the documented example responses, App signing and the envelope.

use std::collections::BTreeMap;
use std::path::PathBuf;

use koodrive_core::favorites::BatchFavorite;
use koodrive_core::files::{
    CreateDirectory, EmptyRecycleBin, GetFile, GetFullPath, RenameFile, SearchFiles, StatsDir,
};
use koodrive_core::listing::{ListPersonalFiles, ListTeamFiles};
use koodrive_core::session::{AuthSession, CreateSession, GetAuthCodeUrl, Logout, RefreshSession};
use koodrive_core::spaces::{GetSpace, GetSpacesV2};
use koodrive_core::{Error, Method, Operation, Secret, auth, trace, wire};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn load(rel: &str) -> Value {
    let path = vectors_dir().join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `expected` is a subset of `actual`: listed keys only, arrays element by element,
/// numbers by value.
fn assert_subset(expected: &Value, actual: &Value, at: &str) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                let got = a
                    .get(k)
                    .unwrap_or_else(|| panic!("{at}.{k} missing in {actual}"));
                assert_subset(v, got, &format!("{at}.{k}"));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            assert_eq!(e.len(), a.len(), "{at}: array lengths differ: {actual}");
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                assert_subset(ev, av, &format!("{at}[{i}]"));
            }
        }
        (Value::Number(e), Value::Number(a)) => {
            assert_eq!(e.as_f64(), a.as_f64(), "{at}");
        }
        (e, a) => assert_eq!(e, a, "{at}"),
    }
}

fn assert_error(expect: &Value, err: &Error, at: &str) {
    match expect.get("code") {
        Some(code) => assert_eq!(
            err.code().and_then(|c| c.number()),
            code.as_i64(),
            "{at}: {err}"
        ),
        None if expect.get("codeText").is_none() => assert!(err.code().is_none(), "{at}: {err}"),
        None => {}
    }
    if let Some(text) = expect.get("codeText").and_then(Value::as_str) {
        assert_eq!(
            err.code().map(|c| c.to_string()).as_deref(),
            Some(text),
            "{at}"
        );
    }
    if let Some(status) = expect.get("status").and_then(Value::as_u64) {
        assert_eq!(err.status(), Some(status as u16), "{at}");
    }
    if let Some(msg) = expect.get("msg").and_then(Value::as_str) {
        assert_eq!(err.server_message(), Some(msg), "{at}");
    }
}

/// Replays one operation's file; returns (request cases, response cases).
fn replay<O>(rel: &str, make: impl Fn(&Value) -> O) -> (usize, usize)
where
    O: Operation,
    O::Output: Serialize,
{
    let file = load(rel);
    let requests = file["requests"].as_array().expect("requests");
    for case in requests {
        let at = format!("{rel} request {:?}", case["name"]);
        let op = make(case);
        op.validate().unwrap_or_else(|e| panic!("{at}: {e}"));
        let spec = op.request();
        let exp = &case["expect"];
        let method = match spec.method {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Head => "HEAD",
        };
        assert_eq!(method, exp["method"], "{at}");
        assert_eq!(spec.path, exp["path"].as_str().unwrap(), "{at}");
        let query: BTreeMap<String, String> = spec.query.iter().cloned().collect();
        let want: BTreeMap<String, String> = serde_json::from_value(exp["query"].clone()).unwrap();
        assert_eq!(query, want, "{at}");
        assert_eq!(
            spec.body.clone().unwrap_or(Value::Null),
            exp["body"],
            "{at}"
        );
        if let Some(Value::Object(headers)) = exp.get("headers") {
            for (name, value) in headers {
                let got = spec
                    .headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name));
                assert_eq!(
                    got.map(|(_, v)| v.as_str()),
                    value.as_str(),
                    "{at}: header {name}"
                );
            }
        }
    }
    let responses = file["responses"].as_array().expect("responses");
    for case in responses {
        let at = format!("{rel} response {:?}", case["name"]);
        let status = case["status"].as_u64().unwrap() as u16;
        let body = serde_json::to_vec(&case["body"]).unwrap();
        let expect = &case["expect"];
        match (O::parse(status, &body), expect.get("error")) {
            (Err(err), Some(e)) => assert_error(e, &err, &at),
            (Ok(_), Some(_)) => panic!("{at}: parsed, but an error was expected"),
            (Err(err), None) => panic!("{at}: {err}"),
            (Ok(out), None) => {
                let out = serde_json::to_value(&out).unwrap();
                let actual = if expect.get("data").is_some() && out.get("data").is_none() {
                    json!({ "data": out })
                } else {
                    out
                };
                assert_subset(expect, &actual, &at);
            }
        }
    }
    (requests.len(), responses.len())
}

fn input<T: DeserializeOwned>(case: &Value) -> T {
    serde_json::from_value(case["input"].clone())
        .unwrap_or_else(|e| panic!("input of {:?}: {e}", case["name"]))
}

#[test]
fn operation_vectors() {
    let counts = [
        replay("session/create_session.json", input::<CreateSession>),
        replay("session/refresh_session.json", |c| RefreshSession {
            session_id: Secret::new(c["inputSessionId"].as_str().unwrap()),
        }),
        replay("session/logout.json", input::<Logout>),
        replay("session/auth_session.json", input::<AuthSession>),
        replay("session/get_auth_code_url.json", input::<GetAuthCodeUrl>),
        replay("files/get_file.json", input::<GetFile>),
        replay("files/create_directory.json", input::<CreateDirectory>),
        replay("files/rename_file.json", input::<RenameFile>),
        replay("files/empty_recycle_bin.json", input::<EmptyRecycleBin>),
        replay("files/search_files.json", input::<SearchFiles>),
        replay("files/get_full_path.json", input::<GetFullPath>),
        replay("files/stats_dir.json", input::<StatsDir>),
        replay("files/list_personal_files.json", input::<ListPersonalFiles>),
        replay("files/list_team_files.json", input::<ListTeamFiles>),
        replay("files/batch_favorite.json", input::<BatchFavorite>),
        replay("spaces/get_space.json", input::<GetSpace>),
        replay("spaces/get_spaces_v2.json", input::<GetSpacesV2>),
    ];
    let (req, resp) = counts.iter().fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
    assert!(
        req >= 40 && resp >= 90,
        "too few vectors replayed: {req} requests, {resp} responses"
    );
    println!("replayed {req} request vectors and {resp} response vectors");
}

#[test]
fn app_signature_vectors() {
    let file = load("auth/app_signature.json");
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for case in cases {
        let s = |k: &str| case[k].as_str().unwrap_or_else(|| panic!("{k}"));
        let input = auth::SigningInput {
            method: s("method"),
            path: s("path"),
            query: s("query"),
            host: s("host"),
            x_date: s("xDate"),
            user_id: s("userId"),
            body: s("body").as_bytes(),
        };
        let canonical = auth::canonical_request(&input);
        assert_eq!(canonical, s("canonicalRequest"), "{}", s("name"));
        let to_sign = auth::string_to_sign(&canonical);
        assert_eq!(to_sign, s("stringToSign"), "{}", s("name"));
        let sig = auth::signature(&Secret::new(s("appSecret")), &to_sign);
        assert_eq!(sig, s("signature"), "{}", s("name"));
        let creds = auth::AppCredentials {
            app_id: s("appId").into(),
            app_secret: Secret::new(s("appSecret")),
            user_id: s("userId").into(),
        };
        assert_eq!(
            auth::authorization(&creds, &input).expose(),
            s("authorization")
        );
    }
}

#[test]
fn x_date_and_trace_id_vectors() {
    for case in load("auth/x_date.json")["cases"].as_array().unwrap() {
        let secs = case["unixSeconds"].as_u64().unwrap();
        assert_eq!(
            auth::format_x_date(secs),
            case["xDate"].as_str().unwrap(),
            "{}",
            case["name"]
        );
    }
    for case in load("auth/trace_id.json")["cases"].as_array().unwrap() {
        let value = case["value"].as_str().unwrap();
        assert_eq!(
            trace::is_valid_trace_id(value),
            case["valid"].as_bool().unwrap(),
            "{}",
            case["name"]
        );
    }
}

#[test]
fn envelope_vectors() {
    let cases = load("envelope.json")["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= 10);
    for case in cases {
        let at = format!("envelope {:?}", case["name"]);
        let status = case["status"].as_u64().unwrap() as u16;
        let body = case["body"].as_str().unwrap().as_bytes().to_vec();
        let expect = &case["expect"];
        match (
            wire::check_envelope(status, &body),
            expect["ok"].as_bool().unwrap(),
        ) {
            (Ok(()), true) => {}
            (Err(err), false) => assert_error(expect, &err, &at),
            (Ok(()), false) => panic!("{at}: accepted, but an error was expected"),
            (Err(err), true) => panic!("{at}: {err}"),
        }
    }
}
