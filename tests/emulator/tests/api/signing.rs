//! App authentication with a small independent signer.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use koodrive_emulator::{Emulator, seed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::common::*;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn enc(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `YYYYMMDDTHHMMSSZ` for a Unix time (civil-from-days, written out again here on purpose).
fn x_date(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Signs a request (path and query already percent-encoded as sent).
#[allow(clippy::too_many_arguments)]
fn sign(
    method: &str,
    host: &str,
    path: &str,
    query: &str,
    user: &str,
    date: &str,
    body: &[u8],
    secret: &str,
) -> String {
    let mut uri = path.split('/').map(enc).collect::<Vec<_>>().join("/");
    if !uri.ends_with('/') {
        uri.push('/');
    }
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            (enc(n), enc(v))
        })
        .collect();
    pairs.sort();
    let canonical_query = pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let headers = format!("host:{host}\nx-date:{date}\nx-user-id:{user}\n");
    let canonical = format!(
        "{method}\n{uri}\n{canonical_query}\n{headers}\nhost;x-date;x-user-id\n{}",
        hex(&Sha256::digest(body))
    );
    let to_sign = format!(
        "HMAC-SHA256\n{}",
        hex(&Sha256::digest(canonical.as_bytes()))
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(to_sign.as_bytes());
    let signature = hex(&mac.finalize().into_bytes());
    format!(
        "HMAC-SHA256 AppId={},SignedHeaders=host;x-date;x-user-id,Signature={signature}",
        seed::APP_ID
    )
}

struct Signed<'a> {
    emu: &'a Emulator,
    user: &'a str,
    date: String,
    secret: &'a str,
}

impl Signed<'_> {
    fn new(emu: &Emulator) -> Signed<'_> {
        Signed {
            emu,
            user: seed::ALICE_USER_ID,
            date: x_date(now_secs()),
            secret: seed::APP_SECRET,
        }
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let host = self.emu.base_url().trim_start_matches("http://").to_owned();
        let bytes = body
            .map(|b| serde_json::to_vec(&b).unwrap())
            .unwrap_or_default();
        let auth = sign(
            method,
            &host,
            path,
            query,
            self.user,
            &self.date,
            &bytes,
            self.secret,
        );
        let full = if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        };
        let client = crate::common::http();
        let req = match method {
            "GET" => client.get(format!("{}{full}", self.emu.base_url())),
            _ => client
                .post(format!("{}{full}", self.emu.base_url()))
                .body(bytes),
        };
        send(
            req.header("Authorization", auth)
                .header("X-User-Id", self.user)
                .header("X-Date", &self.date)
                .header("Content-Type", "application/json"),
        )
        .await
    }
}

#[tokio::test]
async fn signed_requests_are_accepted() {
    let emu = Emulator::start().await.unwrap();
    let container = emu.personal_container_id(seed::ALICE_USER_ID);
    let signed = Signed::new(&emu);

    // GET with a query that needs encoding, POST with a body.
    let query = format!("containerId={container}&fileId=root&recursive=true");
    assert_ok(
        signed
            .send("GET", "/koodrive/ose/v1/files/statsDir", &query, None)
            .await,
    );
    let body = assert_ok(
        signed
            .send(
                "POST",
                "/koodrive/ose/v1/directory",
                "",
                Some(json!({
                    "fileName": "signed folder ü", "fileType": "10", "containerId": container
                })),
            )
            .await,
    );
    assert_eq!(body["owners"][0]["userId"], seed::ALICE_USER_ID);
    let space = format!("/koodrive/ose/v1/space/{}", seed::ALICE_USER_ID);
    assert_ok(signed.send("GET", &space, "type=1", None).await);
    assert_ok(
        signed
            .send(
                "GET",
                &format!("/koodrive/ose/v2/space/{}", seed::ALICE_USER_ID),
                "",
                None,
            )
            .await,
    );
}

#[tokio::test]
async fn bad_signatures_and_stale_dates_are_401() {
    let emu = Emulator::start().await.unwrap();
    let container = emu.personal_container_id(seed::ALICE_USER_ID);
    let query = format!("containerId={container}&fileId=root");
    let path = "/koodrive/ose/v1/files/statsDir";

    let wrong_secret = Signed {
        secret: "not-the-secret",
        ..Signed::new(&emu)
    };
    assert_unauthorized(&wrong_secret.send("GET", path, &query, None).await);

    let stale = Signed {
        date: x_date(now_secs() - 16 * 60),
        ..Signed::new(&emu)
    };
    assert_unauthorized(&stale.send("GET", path, &query, None).await);

    let future = Signed {
        date: x_date(now_secs() + 120),
        ..Signed::new(&emu)
    };
    assert_unauthorized(&future.send("GET", path, &query, None).await);

    let stranger = Signed {
        user: "1008600000000000777",
        ..Signed::new(&emu)
    };
    assert_unauthorized(&stranger.send("GET", path, &query, None).await);

    // A fresh signature goes stale once the emulator clock moves past 15 minutes.
    let signed = Signed::new(&emu);
    assert_ok(signed.send("GET", path, &query, None).await);
    emu.advance_clock(Duration::from_secs(16 * 60));
    assert_unauthorized(&signed.send("GET", path, &query, None).await);
}

#[tokio::test]
async fn tampered_requests_are_401() {
    let emu = Emulator::start().await.unwrap();
    let container = emu.personal_container_id(seed::ALICE_USER_ID);
    let signed = Signed::new(&emu);
    let host = emu.base_url().trim_start_matches("http://").to_owned();
    let body =
        serde_json::to_vec(&json!({"containerId": container, "parentFileId": "root"})).unwrap();
    let auth = sign(
        "POST",
        &host,
        "/koodrive/ose/v1/files/0",
        "",
        signed.user,
        &signed.date,
        &body,
        seed::APP_SECRET,
    );

    let post_with = |auth: String, body: Vec<u8>, date: String| {
        send(
            crate::common::http()
                .post(url(&emu, "/files/0"))
                .header("Authorization", auth)
                .header("X-User-Id", seed::ALICE_USER_ID)
                .header("X-Date", date)
                .body(body),
        )
    };
    assert_ok(post_with(auth.clone(), body.clone(), signed.date.clone()).await);
    let mut other = body.clone();
    other.push(b' ');
    assert_unauthorized(&post_with(auth.clone(), other, signed.date.clone()).await);
    let wrong_app = auth.replace(seed::APP_ID, &"f".repeat(64));
    assert_unauthorized(&post_with(wrong_app, body.clone(), signed.date.clone()).await);
    assert_unauthorized(&post_with(auth.clone(), body.clone(), "yesterday".into()).await);
    let upper = auth
        .to_uppercase()
        .replace("HMAC-SHA256 APPID", "HMAC-SHA256 AppId");
    assert_unauthorized(&post_with(upper, body, signed.date.clone()).await);
}

#[tokio::test]
async fn session_apis_refuse_app_auth() {
    let emu = Emulator::start().await.unwrap();
    let signed = Signed::new(&emu);
    assert_unauthorized(
        &signed
            .send("GET", "/koodrive/ose/v1/session/auth", "", None)
            .await,
    );
    assert_unauthorized(
        &signed
            .send("GET", "/koodrive/ose/v1/session/logoff", "", None)
            .await,
    );
}
