//! The upload and download wire flow: create metadata (with instant upload), presigned part
//! URLs, part uploads, completion with integrity checks, and ranged downloads.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::digest::generic_array::GenericArray;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use super::Ctx;
use super::files::{Tree, accessible_space, classify, name_field, settle_name};
use crate::auth::AuthMode;
use crate::db::{self, FileRow};
use crate::error::{self, ApiError, ApiResult};
use crate::faults::{DataDecision, DataFault};
use crate::json::{opt_int, opt_str, req_str, str_list, success};
use crate::seed;
use crate::server::{App, query_param, raw_response};
use crate::time;

/// Largest file: 200 GB (read as GiB).
const MAX_LENGTH: u64 = 200 * 1024 * 1024 * 1024;
/// Smallest non-last part: 5 MiB.
const MIN_PART: u64 = 5 * 1024 * 1024;
/// Largest part: 5 GiB.
const MAX_PART: u64 = 5 * 1024 * 1024 * 1024;
/// Most parts per file.
const MAX_PARTS: usize = 10_000;
/// Lifetime of presigned URLs, in seconds.
const URL_TTL_SECS: i64 = 3600;
/// Most file ids per download request.
const MAX_DOWNLOAD_IDS: usize = 100;
/// SHA-256 initial chaining words.
const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// One planned part.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Part {
    number: u32,
    size: u64,
    offset: u64,
    hash_ctx: Option<[u32; 8]>,
}

/// Everything `complete_upload` needs, stored as JSON beside the upload id.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Plan {
    file_id: String,
    container_id: String,
    length: u64,
    sha256: Option<String>,
    rename_mode: i64,
    parts: Vec<Part>,
}

impl Part {
    /// Whether the part may be given an upload URL: the first part always, later parts once
    /// their `hashCtx` is known.
    fn can_upload(&self) -> bool {
        self.number == 1 || self.hash_ctx.is_some()
    }
}

/// A part as the API shows it; `uploadUrl` only when the part can be uploaded.
fn part_json(app: &App, upload_id: &str, part: &Part, now_ms: i64) -> Value {
    let mut v = json!({
        "partNumber": part.number,
        "partSize": part.size,
        "partOffset": part.offset,
    });
    if part.can_upload() {
        v["uploadUrl"] = json!(upload_url(app, upload_id, part.number, now_ms));
    }
    if let Some(ctx) = part.hash_ctx {
        v["hashCtx"] = json!(ctx);
    }
    v
}

/// Signs `what` for a presigned emulator URL.
fn url_signature(what: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(format!("{}/urls", seed::APP_SECRET).as_bytes())
        .expect("HMAC takes any key length");
    mac.update(what.as_bytes());
    db::hex(&mac.finalize().into_bytes())
}

fn presign(app: &App, path: &str, now_ms: i64) -> String {
    let date = time::basic_iso(now_ms);
    let sig = url_signature(&format!("{path}\n{date}\n{URL_TTL_SECS}"));
    format!(
        "{}{path}?X-Amz-Date={date}&X-Amz-Expires={URL_TTL_SECS}&sig={sig}",
        app.base_url
    )
}

fn upload_url(app: &App, upload_id: &str, part_number: u32, now_ms: i64) -> String {
    presign(
        app,
        &format!("/_emulator/upload/{upload_id}/{part_number}"),
        now_ms,
    )
}

/// Checks a presigned URL's signature and expiry: 403 when forged or expired.
fn check_presigned(app: &App, path: &str, query: &str) -> Result<(), ApiError> {
    let date = query_param(query, "X-Amz-Date").unwrap_or_default();
    let expires = query_param(query, "X-Amz-Expires").unwrap_or_default();
    let sig = query_param(query, "sig").unwrap_or_default();
    let expected = url_signature(&format!("{path}\n{date}\n{expires}"));
    let same = expected.len() == sig.len()
        && expected
            .bytes()
            .zip(sig.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(ApiError::forbidden("The URL signature does not match."));
    }
    let signed_at = time::parse_basic_iso(&date)
        .ok_or_else(|| ApiError::forbidden("The URL has a malformed X-Amz-Date."))?;
    let ttl: i64 = expires
        .parse()
        .map_err(|_| ApiError::forbidden("Bad X-Amz-Expires."))?;
    if app.clock.now_ms() > signed_at + ttl * 1000 {
        return Err(ApiError::forbidden(
            "The URL has expired; request a new one.",
        ));
    }
    Ok(())
}

/// Reads and validates `multiParts` against the file length.
fn read_plan_parts(body: &Value, length: u64) -> ApiResult<Vec<Part>> {
    let items = match body.get("multiParts") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if s.is_empty() => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(ApiError::params("(multiParts must be an array)")),
    };
    if items.len() > MAX_PARTS {
        return Err(ApiError::params("(at most 10000 parts)"));
    }
    let mut parts = Vec::with_capacity(items.len());
    for item in &items {
        let number = opt_int(item, "partNumber")?
            .ok_or_else(|| ApiError::params("(multiParts[].partNumber is required)"))?;
        let size = opt_int(item, "partSize")?
            .ok_or_else(|| ApiError::params("(multiParts[].partSize is required)"))?;
        if number < 1 || size < 0 {
            return Err(ApiError::params(
                "(partNumber must be >= 1 and partSize >= 0)",
            ));
        }
        let offset = opt_int(item, "partOffset")?;
        parts.push((number as u32, size as u64, offset, read_hash_ctx(item)?));
    }
    parts.sort_by_key(|p| p.0);

    let count = parts.len();
    let mut expected_offset = 0u64;
    let mut plan = Vec::with_capacity(count);
    for (i, (number, size, offset, hash_ctx)) in parts.into_iter().enumerate() {
        let last = i + 1 == count;
        if number as usize != i + 1 {
            return Err(ApiError::params(
                "(partNumber must run 1, 2, 3, ... without gaps)",
            ));
        }
        if size > MAX_PART || (!last && size < MIN_PART) {
            return Err(ApiError::params(format!(
                "(part {number}: partSize must be within [5242880, 5368709120], the last part \
                 within [0, 5368709120])"
            )));
        }
        if !last && size % 64 != 0 {
            return Err(ApiError::params(format!(
                "(part {number}: every part but the last must be a multiple of 64 bytes)"
            )));
        }
        if offset.is_some_and(|o| o as u64 != expected_offset) {
            return Err(ApiError::params(format!(
                "(part {number}: partOffset must be {expected_offset}, the sum of earlier parts)"
            )));
        }
        plan.push(Part {
            number,
            size,
            offset: expected_offset,
            hash_ctx,
        });
        expected_offset += size;
    }
    if expected_offset != length {
        return Err(ApiError::params("(the part sizes must add up to length)"));
    }
    Ok(plan)
}

fn read_hash_ctx(item: &Value) -> ApiResult<Option<[u32; 8]>> {
    let bad = || ApiError::params("(hashCtx must hold 8 unsigned 32-bit words)");
    let words = match item.get("hashCtx") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(words)) if words.is_empty() => return Ok(None),
        Some(Value::Array(words)) => words,
        Some(_) => return Err(bad()),
    };
    if words.len() != 8 {
        return Err(bad());
    }
    let mut out = [0u32; 8];
    for (slot, word) in out.iter_mut().zip(words) {
        let n = match word {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        *slot = n.and_then(|n| u32::try_from(n).ok()).ok_or_else(bad)?;
    }
    Ok(Some(out))
}

fn read_sha256(body: &Value) -> ApiResult<Option<String>> {
    let Some(sha) = opt_str(body, "sha256")? else {
        return Ok(None);
    };
    if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::params("(sha256 must be 64 hex digits)"));
    }
    Ok(Some(sha.to_ascii_lowercase()))
}

/// `POST /files/create`.
pub(crate) fn create_file_metadata(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let body = ctx.req.json()?;
    let name = name_field(&body, "fileName")?;
    let container_id = req_str(&body, "containerId")?;
    let length =
        opt_int(&body, "length")?.ok_or_else(|| ApiError::params("(length is required)"))?;
    if length < 0 || length as u64 > MAX_LENGTH {
        return Err(ApiError::params("(length must be within 0..=200 GB)"));
    }
    let length = length as u64;
    let sha256 = read_sha256(&body)?;
    if let Some(mode) = opt_str(&body, "uploadMode")?
        && mode != "multipart"
    {
        return Err(ApiError::params("(uploadMode must be \"multipart\")"));
    }
    if opt_str(&body, "fileType")?.as_deref() == Some("10") {
        return Err(ApiError::params("(use /directory to create folders)"));
    }
    let mode = match opt_int(&body, "autoRename")? {
        None => 3,
        Some(m @ 2..=4) => m,
        Some(_) => return Err(ApiError::params("(autoRename must be 2, 3 or 4)")),
    };
    crate::api::files::validate_name(&name)?;
    let parts = read_plan_parts(&body, length)?;

    let space = accessible_space(ctx.conn, &caller, &container_id)?;
    let capacity = space.capacity_bytes;
    let tree = Tree::load(ctx.conn, space)?;
    let parent_ref = str_list(&body, "parentFolder")?
        .into_iter()
        .next()
        .unwrap_or_default();
    let parent = tree.resolve_folder(ctx.conn, &parent_ref)?;
    if tree.in_bin(&parent) {
        return Err(ApiError::business(error::PARENT_RECYCLED));
    }

    // autoRename 4: an identical file under the same name means there is nothing to do.
    if mode == 4
        && let Some(existing) = tree.clash(&parent, &name, "")
        && !existing.is_folder
        && sha256.is_some()
        && existing.sha256 == sha256
    {
        return Ok(success(json!({
            "fileId": existing.id,
            "uploadId": "",
            "rapidUpload": false,
            "exist": true,
            "containerId": container_id,
            "fileName": existing.name,
            "parentFolder": [parent],
        })));
    }
    let settle_mode = if mode == 4 { 2 } else { mode };
    let name = settle_name(&tree, &parent, &name, false, settle_mode, "", ctx.now_ms)?;
    if db::space_used(ctx.conn, &container_id)?.saturating_add(length) > capacity {
        return Err(ApiError::business(error::INSUFFICIENT_SPACE));
    }

    let mut row = FileRow {
        id: ctx.app.new_file_id(),
        container_id: container_id.clone(),
        parent_id: parent.clone(),
        name: name.clone(),
        is_folder: false,
        size: length,
        sha256: sha256.clone(),
        mime_type: opt_str(&body, "mimeType")?.unwrap_or_else(|| classify(&name).1.to_owned()),
        description: opt_str(&body, "description")?.unwrap_or_default(),
        created_ms: ctx.now_ms,
        edited_ms: ctx.now_ms,
        recycled: false,
        recycled_ms: None,
        owner_id: caller.user.user_id.into(),
        editor_id: caller.user.user_id.into(),
        ready: false,
    };
    let base = json!({
        "fileId": row.id,
        "exist": false,
        "containerId": container_id,
        "fileName": name,
        "parentFolder": [parent],
    });

    // Instant upload: the tenant already stores this content.
    if let Some(sha) = &sha256
        && db::file_with_content(ctx.conn, sha, length)?.is_some()
    {
        row.ready = true;
        db::insert_file(ctx.conn, &row)?;
        let mut out = base;
        out["uploadId"] = json!("");
        out["rapidUpload"] = json!(true);
        return Ok(success(out));
    }
    if parts.is_empty() && length > 0 {
        return Err(ApiError::params(
            "(multiParts is required for a non-empty file)",
        ));
    }

    db::insert_file(ctx.conn, &row)?;
    let upload_id = ctx.app.random_hex(32).to_ascii_uppercase();
    let plan = Plan {
        file_id: row.id.clone(),
        container_id,
        length,
        sha256,
        rename_mode: settle_mode,
        parts,
    };
    let plan_json = serde_json::to_string(&plan).map_err(ApiError::internal)?;
    ctx.conn.execute(
        "INSERT INTO uploads (upload_id, file_id, plan, created_ms) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![upload_id, plan.file_id, plan_json, ctx.now_ms],
    )?;

    let mut out = base;
    out["uploadId"] = json!(upload_id);
    out["rapidUpload"] = json!(false);
    out["multiParts"] = plan
        .parts
        .iter()
        .map(|p| part_json(ctx.app, &upload_id, p, ctx.now_ms))
        .collect();
    Ok(success(out))
}

/// The upload of a file id: `(upload_id, plan)`.
fn upload_of_file(conn: &rusqlite::Connection, file_id: &str) -> ApiResult<Option<(String, Plan)>> {
    use rusqlite::OptionalExtension;
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT upload_id, plan FROM uploads WHERE file_id = ?1",
            [file_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(id, plan)| Ok((id, serde_json::from_str(&plan).map_err(ApiError::internal)?)))
        .transpose()
}

fn upload_by_id(conn: &rusqlite::Connection, upload_id: &str) -> ApiResult<Option<Plan>> {
    use rusqlite::OptionalExtension;
    let plan: Option<String> = conn
        .query_row(
            "SELECT plan FROM uploads WHERE upload_id = ?1",
            [upload_id],
            |r| r.get(0),
        )
        .optional()?;
    plan.map(|p| serde_json::from_str(&p).map_err(ApiError::internal))
        .transpose()
}

/// `POST /files/multipart/uploadUrl`: URLs for some parts of a pending upload. An item may
/// carry the part's `hashCtx` (pipelined uploads learn it late) and its `partSize` and
/// `partOffset`, which must match the plan.
pub(crate) fn get_upload_urls(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let body = ctx.req.json()?;
    let file_id = req_str(&body, "fileId")?;
    let wanted = match body.get("multiParts") {
        Some(Value::Array(items)) if !items.is_empty() => items.clone(),
        _ => return Err(ApiError::params("(multiParts is required)")),
    };
    let (upload_id, mut plan) = upload_of_file(ctx.conn, &file_id)?
        .ok_or_else(|| ApiError::business(error::UPLOAD_NOT_FOUND))?;
    accessible_space(ctx.conn, &caller, &plan.container_id)?;

    let mut changed = false;
    let mut numbers = Vec::with_capacity(wanted.len());
    for item in &wanted {
        let number = opt_int(item, "partNumber")?
            .ok_or_else(|| ApiError::params("(multiParts[].partNumber is required)"))?;
        let part = plan
            .parts
            .iter_mut()
            .find(|p| i64::from(p.number) == number)
            .ok_or_else(|| {
                ApiError::params(format!("(part {number} is not in the upload plan)"))
            })?;
        if let Some(size) = opt_int(item, "partSize")?
            && size != part.size as i64
        {
            return Err(ApiError::params(format!(
                "(part {number}: partSize {size} differs from the plan's {})",
                part.size
            )));
        }
        if let Some(offset) = opt_int(item, "partOffset")?
            && offset != part.offset as i64
        {
            return Err(ApiError::params(format!(
                "(part {number}: partOffset {offset} differs from the plan's {})",
                part.offset
            )));
        }
        if let Some(hash_ctx) = read_hash_ctx(item)?
            && part.hash_ctx != Some(hash_ctx)
        {
            if part_path(&ctx.app.upload_dir, &upload_id, part.number).exists() {
                return Err(ApiError::params(format!(
                    "(part {number}: its data has already been uploaded with another hashCtx)"
                )));
            }
            part.hash_ctx = Some(hash_ctx);
            changed = true;
        }
        if !part.can_upload() {
            return Err(ApiError::params(format!(
                "(part {number}: hashCtx is unknown; send it to get the part's URL)"
            )));
        }
        numbers.push(part.number);
    }
    if changed {
        let plan_json = serde_json::to_string(&plan).map_err(ApiError::internal)?;
        ctx.conn.execute(
            "UPDATE uploads SET plan = ?1 WHERE upload_id = ?2",
            rusqlite::params![plan_json, upload_id],
        )?;
    }
    let out: Vec<Value> = numbers
        .iter()
        .filter_map(|n| plan.parts.iter().find(|p| p.number == *n))
        .map(|p| part_json(ctx.app, &upload_id, p, ctx.now_ms))
        .collect();
    Ok(success(json!({ "multiParts": out })))
}

fn part_path(upload_dir: &Path, upload_id: &str, number: u32) -> PathBuf {
    upload_dir.join(upload_id).join(number.to_string())
}

/// `POST /files/complete`: checks the parts and the digests, then makes the file visible.
pub(crate) fn complete_upload(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let body = ctx.req.json()?;
    let file_id = req_str(&body, "fileId")?;
    let claimed = read_sha256(&body)?;
    let Some((upload_id, plan)) = upload_of_file(ctx.conn, &file_id)? else {
        // Completing an instant upload (or completing twice) is harmless.
        return match db::file(ctx.conn, &file_id)? {
            Some(row) if row.ready && !row.is_folder => {
                accessible_space(ctx.conn, &caller, &row.container_id)?;
                Ok(success(json!({})))
            }
            _ => Err(ApiError::business(error::UPLOAD_NOT_FOUND)),
        };
    };
    let space = accessible_space(ctx.conn, &caller, &plan.container_id)?;
    let incomplete = |why: String| {
        ApiError::business_msg(
            error::UPLOAD_INCOMPLETE,
            format!("File upload incomplete. ({why})"),
        )
    };

    for part in &plan.parts {
        let path = part_path(&ctx.app.upload_dir, &upload_id, part.number);
        let size = std::fs::metadata(&path).map(|m| m.len()).ok();
        match size {
            None => {
                return Err(incomplete(format!(
                    "part {} was never uploaded",
                    part.number
                )));
            }
            Some(s) if s != part.size => {
                return Err(incomplete(format!(
                    "part {} has {s} bytes, the plan says {}",
                    part.number, part.size
                )));
            }
            Some(_) => {}
        }
    }

    // Assemble the blob while checking every part's hashCtx and the whole-file digest.
    let assembled = ctx.app.upload_dir.join(upload_id.clone()).join("assembled");
    let sha =
        assemble(&ctx.app.upload_dir, &upload_id, &plan, &assembled).map_err(|e| match e {
            AssembleError::Io(e) => ApiError::internal(e),
            AssembleError::HashCtx(n) => incomplete(format!("hashCtx of part {n} does not match")),
        })?;
    for expected in [plan.sha256.as_ref(), claimed.as_ref()]
        .into_iter()
        .flatten()
    {
        if expected != &sha {
            return Err(incomplete(
                "the SHA-256 of the uploaded data does not match".into(),
            ));
        }
    }

    let capacity = space.capacity_bytes;
    if db::space_used(ctx.conn, &plan.container_id)?.saturating_add(plan.length) > capacity {
        return Err(ApiError::business(error::INSUFFICIENT_SPACE));
    }
    let row = db::file(ctx.conn, &file_id)?.ok_or_else(|| ApiError::business(error::NOT_FOUND))?;
    let tree = Tree::load(ctx.conn, space)?;
    let name = settle_name(
        &tree,
        &row.parent_id,
        &row.name,
        false,
        plan.rename_mode,
        &row.id,
        ctx.now_ms,
    )?;

    let blob = db::blob_path(&ctx.app.blob_dir, &sha);
    if blob.exists() {
        std::fs::remove_file(&assembled)?;
    } else {
        std::fs::rename(&assembled, &blob)?;
    }
    if name != row.name {
        db::rename_file(
            ctx.conn,
            &row.id,
            &name,
            &row.mime_type,
            &row.editor_id,
            ctx.now_ms,
        )?;
    }
    db::mark_ready(ctx.conn, &row.id, &sha, ctx.now_ms)?;
    ctx.conn
        .execute("DELETE FROM uploads WHERE upload_id = ?1", [&upload_id])?;
    let _ = std::fs::remove_dir_all(ctx.app.upload_dir.join(&upload_id));
    Ok(success(json!({})))
}

enum AssembleError {
    Io(std::io::Error),
    HashCtx(u32),
}

impl From<std::io::Error> for AssembleError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// Concatenates the parts into `out`, returning the SHA-256 hex of the whole file.
fn assemble(
    upload_dir: &Path,
    upload_id: &str,
    plan: &Plan,
    out: &Path,
) -> Result<String, AssembleError> {
    use std::io::Write;
    let mut writer = std::io::BufWriter::new(std::fs::File::create(out)?);
    let mut whole = Sha256::new();
    let mut chain = SHA256_IV;
    let mut buf = vec![0u8; 1 << 20];
    let last = plan.parts.len().saturating_sub(1);
    for (i, part) in plan.parts.iter().enumerate() {
        if i > 0 && part.hash_ctx != Some(chain) {
            return Err(AssembleError::HashCtx(part.number));
        }
        let mut file = std::fs::File::open(part_path(upload_dir, upload_id, part.number))?;
        loop {
            let n = read_full(&mut file, &mut buf)?;
            if n == 0 {
                break;
            }
            whole.update(&buf[..n]);
            writer.write_all(&buf[..n])?;
            // Non-last parts are multiples of 64 bytes, so their blocks line up.
            if i < last {
                let blocks: Vec<_> = buf[..n]
                    .chunks_exact(64)
                    .map(GenericArray::clone_from_slice)
                    .collect();
                sha2::compress256(&mut chain, &blocks);
            }
        }
    }
    writer.flush()?;
    Ok(db::hex(&whole.finalize()))
}

/// Fills `buf` as far as the reader allows (so chunks stay multiples of 64 bytes).
fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// `POST /files/download`: per-file presigned download URLs.
pub(crate) fn get_download_urls(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let body = ctx.req.json()?;
    let container_id = req_str(&body, "containerId")?;
    let ids = str_list(&body, "fileIds")?;
    if ids.is_empty() || ids.len() > MAX_DOWNLOAD_IDS {
        return Err(ApiError::params("(fileIds must hold 1 to 100 ids)"));
    }
    let space = accessible_space(ctx.conn, &caller, &container_id)?;
    let tree = Tree::load(ctx.conn, space)?;

    let mut downloads = Vec::with_capacity(ids.len());
    let mut succeeded = 0;
    for id in &ids {
        let outcome = tree.find(ctx.conn, id).and_then(|row| {
            if row.is_folder {
                Err(ApiError::business(error::FOLDER_NOT_ALLOWED))
            } else if tree.in_bin(&row.id) {
                Err(ApiError::business(error::FILE_RECYCLED))
            } else {
                Ok(row)
            }
        });
        downloads.push(match outcome {
            Ok(row) => {
                succeeded += 1;
                json!({
                    "fileId": row.id,
                    "fileName": row.name,
                    "url": presign(ctx.app, &format!("/_emulator/download/{}", row.id), ctx.now_ms),
                    "code": "0",
                    "msg": "success",
                    "sha256": row.sha256,
                    "size": row.size,
                })
            }
            Err(err) => json!({
                "fileId": id,
                "fileName": tree.rows.get(id).map_or("", |r| r.name.as_str()),
                "url": "",
                "code": err.code.to_string(),
                "msg": err.msg,
            }),
        });
    }
    let batch_code = match succeeded {
        0 => 2,
        n if n == ids.len() => 1,
        _ => 0,
    };
    Ok(success(
        json!({ "batchCode": batch_code, "downloads": downloads }),
    ))
}

/// A response whose body fails at once: hyper drops the connection before anything (not even
/// the status line) is flushed, so the client sees the connection close without a response.
fn reset_response() -> Response {
    let stream = futures::stream::once(async {
        Err::<Vec<u8>, _>(std::io::Error::other("injected connection reset"))
    });
    raw_response(
        StatusCode::SERVICE_UNAVAILABLE,
        &[],
        Body::from_stream(stream),
    )
}

/// The injected 503.
fn unavailable_response(retry_after_secs: u64) -> Response {
    let mut response = ApiError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        code: 503,
        msg: "Service unavailable (injected fault); retry later.".into(),
    }
    .into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(&retry_after_secs.to_string()) {
        response.headers_mut().insert("retry-after", value);
    }
    response
}

/// Applies the latency and the error or reset faults of a data-plane request; `Some` is the
/// response to send instead of serving it.
async fn data_fault(decision: DataDecision, what: &str) -> Option<Response> {
    if !decision.latency.is_zero() {
        tokio::time::sleep(decision.latency).await;
    }
    match decision.fault {
        DataFault::Error => {
            tracing::info!(what, "injected fault: 503");
            Some(unavailable_response(decision.retry_after_secs))
        }
        DataFault::Reset => {
            tracing::info!(what, "injected fault: connection reset");
            Some(reset_response())
        }
        DataFault::None | DataFault::Truncate => None,
    }
}

/// `PUT /_emulator/upload/{uploadId}/{partNumber}?...`: stores one part.
pub(crate) async fn put_part(app: &Arc<App>, request: Request) -> Response {
    let decision = app.faults.decide_data(false);
    if let Some(response) = data_fault(decision, "part upload").await {
        if decision.fault == DataFault::Error {
            // Read (and discard) the part so the client gets a clean 503; nothing is stored.
            let mut stream = request.into_body().into_data_stream();
            while let Some(Ok(_)) = stream.next().await {}
        }
        return response;
    }
    match put_part_inner(app, request).await {
        Ok(etag) => raw_response(
            StatusCode::OK,
            &[("etag", format!("\"{etag}\""))],
            Body::empty(),
        ),
        Err(err) => err.into_response(),
    }
}

async fn put_part_inner(app: &Arc<App>, request: Request) -> ApiResult<String> {
    let path = request.uri().path().to_owned();
    check_presigned(app, &path, request.uri().query().unwrap_or(""))?;
    let mut segments = path.trim_start_matches("/_emulator/upload/").split('/');
    let (Some(upload_id), Some(number), None) = (segments.next(), segments.next(), segments.next())
    else {
        return Err(ApiError::route_not_found());
    };
    let number: u32 = number.parse().map_err(|_| ApiError::route_not_found())?;
    let plan = upload_by_id(&app.db(), upload_id)?
        .ok_or_else(|| ApiError::business(error::UPLOAD_NOT_FOUND))?;
    if !plan.parts.iter().any(|p| p.number == number) {
        return Err(ApiError::params(format!(
            "(part {number} is not in the upload plan)"
        )));
    }

    let dir = app.upload_dir.join(upload_id);
    tokio::fs::create_dir_all(&dir).await?;
    let tmp = dir.join(format!("{number}.{}.tmp", app.random_hex(8)));
    let mut file = tokio::fs::File::create(&tmp).await?;
    let mut digest = Sha256::new();
    let mut stream = request.into_body().into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(ApiError::params(format!("(the part body broke off: {e})")));
            }
        };
        digest.update(&chunk);
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    drop(file);
    tokio::fs::rename(&tmp, part_path(&app.upload_dir, upload_id, number)).await?;
    Ok(db::hex(&digest.finalize()))
}

/// `GET /_emulator/download/{fileId}?...`: serves content, honouring a single `Range`.
pub(crate) async fn download(app: &Arc<App>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let decision = app.faults.decide_data(parts.method == Method::GET);
    if let Some(response) = data_fault(decision, "download").await {
        return response;
    }
    let truncate = decision.fault == DataFault::Truncate;
    match download_inner(app, &parts, truncate).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn download_inner(
    app: &Arc<App>,
    request: &axum::http::request::Parts,
    truncate: bool,
) -> ApiResult<Response> {
    let path = request.uri.path();
    check_presigned(app, path, request.uri.query().unwrap_or(""))?;
    let file_id = path.trim_start_matches("/_emulator/download/");
    let row = db::file(&app.db(), file_id)?
        .filter(|r| r.ready && !r.is_folder)
        .ok_or_else(|| ApiError::business(error::NOT_FOUND))?;
    let sha = row.sha256.clone().unwrap_or_default();
    let total = row.size;

    let range = request.headers.get("range").and_then(|v| v.to_str().ok());
    let (status, start, end) = match range.map(|r| parse_range(r, total)) {
        None => (StatusCode::OK, 0, total),
        Some(Some((start, end))) => (StatusCode::PARTIAL_CONTENT, start, end),
        Some(None) => {
            return Ok(raw_response(
                StatusCode::RANGE_NOT_SATISFIABLE,
                &[("content-range", format!("bytes */{total}"))],
                Body::empty(),
            ));
        }
    };
    let mut headers = vec![
        ("accept-ranges", "bytes".to_owned()),
        ("content-length", (end - start).to_string()),
        ("content-type", row.mime_type.clone()),
        ("etag", format!("\"{sha}\"")),
    ];
    if status == StatusCode::PARTIAL_CONTENT {
        headers.push((
            "content-range",
            format!("bytes {start}-{}/{total}", end - 1),
        ));
    }
    if request.method == Method::HEAD || end == start {
        return Ok(raw_response(status, &headers, Body::empty()));
    }

    let mut file = match tokio::fs::File::open(db::blob_path(&app.blob_dir, &sha)).await {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ApiError::business(error::NOT_FOUND));
        }
        Err(e) => return Err(e.into()),
    };
    file.seek(std::io::SeekFrom::Start(start)).await?;
    // A truncated body sends half of the announced length, then breaks off.
    let to_send = if truncate {
        app.faults.count_truncation();
        tracing::info!("injected fault: truncated download");
        (end - start) / 2
    } else {
        end - start
    };
    let stream = futures::stream::unfold((file, to_send), |(mut file, left)| async move {
        if left == 0 {
            return None;
        }
        let mut buf = vec![0u8; left.min(256 * 1024) as usize];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<_, std::io::Error>(buf), (file, left - n as u64)))
            }
            Err(e) => Some((Err(e), (file, 0))),
        }
    });
    if !truncate {
        return Ok(raw_response(status, &headers, Body::from_stream(stream)));
    }
    // The pause lets hyper flush what was sent before the error drops the connection.
    let cut = futures::stream::once(async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        Err(std::io::Error::other("injected truncation"))
    });
    Ok(raw_response(
        status,
        &headers,
        Body::from_stream(stream.chain(cut)),
    ))
}

/// Parses `bytes=a-b`, `bytes=a-` or `bytes=-n` into a half-open range; `None` when it cannot
/// be satisfied.
fn parse_range(header: &str, total: u64) -> Option<(u64, u64)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return None;
        }
        (total.saturating_sub(n), total)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            total
        } else {
            (b.parse::<u64>().ok()? + 1).min(total)
        };
        (start, end)
    };
    (start < end && start < total).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100), Some((0, 10)));
        assert_eq!(parse_range("bytes=90-", 100), Some((90, 100)));
        assert_eq!(parse_range("bytes=-5", 100), Some((95, 100)));
        assert_eq!(parse_range("bytes=95-200", 100), Some((95, 100)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=0-1,3-4", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }
}
