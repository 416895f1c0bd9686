//! Helpers shared by the integration tests.

use koodrive_emulator::{Emulator, seed};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A 58-character trace id.
pub const TRACE_ID: &str = "trace_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP";

/// `/koodrive/ose/v1` + `path`.
pub fn url(emu: &Emulator, path: &str) -> String {
    format!("{}/koodrive/ose/v1{path}", emu.base_url())
}

/// Logs in with an authorization code; returns (accessToken as given, sessionId).
pub async fn login(emu: &Emulator, code: &str) -> (String, String) {
    let (status, body) = send(
        crate::common::http()
            .post(url(emu, "/session"))
            .json(&json!({
                "code": code,
                "domain": "example.test"
            })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let data = &body["data"];
    (
        data["accessToken"].as_str().unwrap().to_owned(),
        data["sessionId"].as_str().unwrap().to_owned(),
    )
}

/// Alice's access token.
pub async fn alice(emu: &Emulator) -> String {
    login(emu, seed::ALICE_CODE).await.0
}

/// Sends a request and returns the status and JSON body.
pub async fn send(req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let resp = req.send().await.expect("request reaches the emulator");
    let status = resp.status();
    let text = resp.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, body)
}

/// POST with a token and a JSON body.
pub async fn post(
    emu: &Emulator,
    token: &str,
    path: impl AsRef<str>,
    body: Value,
) -> (StatusCode, Value) {
    send(
        crate::common::http()
            .post(url(emu, path.as_ref()))
            .header("Authorization", token)
            .json(&body),
    )
    .await
}

/// GET with a token.
pub async fn get(
    emu: &Emulator,
    token: &str,
    path_and_query: impl AsRef<str>,
) -> (StatusCode, Value) {
    send(
        crate::common::http()
            .get(url(emu, path_and_query.as_ref()))
            .header("Authorization", token),
    )
    .await
}

/// Asserts a business error with HTTP 400.
#[track_caller]
pub fn assert_code(result: &(StatusCode, Value), code: u64) {
    assert_eq!(result.0, StatusCode::BAD_REQUEST, "{}", result.1);
    assert_eq!(result.1["code"], json!(code), "{}", result.1);
    assert!(result.1["msg"].as_str().is_some_and(|m| !m.is_empty()));
}

/// Asserts HTTP 401 with code 401.
#[track_caller]
pub fn assert_unauthorized(result: &(StatusCode, Value)) {
    assert_eq!(result.0, StatusCode::UNAUTHORIZED, "{}", result.1);
    assert_eq!(result.1["code"], json!(401));
}

/// Asserts success and returns the body.
#[track_caller]
pub fn assert_ok(result: (StatusCode, Value)) -> Value {
    assert_eq!(result.0, StatusCode::OK, "{}", result.1);
    assert_eq!(result.1["code"], json!(0), "{}", result.1);
    assert_eq!(result.1["msg"], json!("success"));
    result.1
}

/// Creates a folder and returns its id.
pub async fn mkdir(
    emu: &Emulator,
    token: &str,
    container: &str,
    parent: &str,
    name: &str,
) -> String {
    let body = assert_ok(
        post(
            emu,
            token,
            "/directory",
            json!({"fileName": name, "fileType": "10", "containerId": container,
                   "parentFolder": [parent]}),
        )
        .await,
    );
    body["id"].as_str().unwrap().to_owned()
}

/// A reqwest builder that works whatever TLS features the workspace unifies into
/// reqwest: with `rustls-no-provider` (from the SDK core), building a client panics
/// unless a crypto provider is installed, so one is installed first.
pub fn builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

/// A plain HTTP client for the tests.
pub fn http() -> reqwest::Client {
    builder().build().expect("a reqwest client")
}

/// The body of a plain `GET` of `url`, which must succeed.
pub async fn fetch(url: &str) -> Vec<u8> {
    let response = http().get(url).send().await.expect("the GET is answered");
    response.bytes().await.expect("the body arrives").to_vec()
}
