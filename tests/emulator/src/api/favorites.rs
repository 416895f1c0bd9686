//! Favorites (files.md §3): per-user favorite lists and batch favoriting.

use std::collections::HashSet;

use rusqlite::params;
use serde_json::{Value, json};

use super::Ctx;
use super::files::{Tree, accessible_space, file_json, type_code};
use crate::auth::{AuthMode, Caller};
use crate::db;
use crate::error::{self, ApiError, ApiResult};
use crate::json::{opt_bool, opt_str, success};

const FILE_TYPES: [&str; 11] = [
    "10", "11", "15", "20", "26", "27", "28", "30", "35", "40", "45",
];
/// The most files one batch may carry.
const MAX_BATCH: usize = 100;

/// Reads a query integer: absent ⇒ `None`, not a number ⇒ 13000102.
pub(crate) fn query_int(ctx: &Ctx<'_>, name: &str) -> ApiResult<Option<i64>> {
    match ctx.req.query(name) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| ApiError::params(format!("({name} must be an integer)"))),
    }
}

/// `pageSize` (default 100, 1..=100) and the offset carried by `pageCursor`.
///
/// Cursors are the decimal offset of the next entry; `0` or absent is the start.
pub(crate) fn query_page(ctx: &Ctx<'_>) -> ApiResult<(usize, usize)> {
    let size = query_int(ctx, "pageSize")?.unwrap_or(100);
    if !(1..=100).contains(&size) {
        return Err(ApiError::params("(pageSize must be within 1..=100)"));
    }
    let offset = match ctx.req.query("pageCursor") {
        None => 0,
        Some(c) => c
            .trim()
            .parse::<usize>()
            .map_err(|_| ApiError::params("(unknown page cursor)"))?,
    };
    Ok((size as usize, offset))
}

/// `GET /star/files`.
pub(crate) fn list_favorites(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let (size, offset) = query_page(ctx)?;
    if let Some(t) = query_int(ctx, "sortType")?
        && t != 1
    {
        return Err(ApiError::params("(sortType must be 1)"));
    }
    let descending = match query_int(ctx, "sortDirection")?.unwrap_or(2) {
        1 => false,
        2 => true,
        _ => return Err(ApiError::params("(sortDirection must be 1 or 2)")),
    };
    let type_filter = ctx.req.query("fileType");
    if let Some(t) = &type_filter
        && !FILE_TYPES.contains(&t.as_str())
    {
        return Err(ApiError::params("(fileType is not a known file type code)"));
    }

    let user_id = caller.user.user_id;
    let mut stmt = ctx.conn.prepare(
        "SELECT file_id, created_ms FROM favorites WHERE user_id = ?1 \
         ORDER BY created_ms, rowid",
    )?;
    let favorites: Vec<(String, i64)> = stmt
        .query_map([user_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;

    // Favorites of files deleted for good are dropped and counted, as documented.
    let mut auto_deleted = 0;
    let mut rows = Vec::new();
    for (file_id, _) in &favorites {
        match db::file(ctx.conn, file_id)? {
            Some(row) if row.ready => rows.push(row),
            _ => {
                ctx.conn.execute(
                    "DELETE FROM favorites WHERE user_id = ?1 AND file_id = ?2",
                    params![user_id, file_id],
                )?;
                auto_deleted += 1;
            }
        }
    }
    if descending {
        rows.reverse();
    }
    if let Some(t) = &type_filter {
        rows.retain(|r| type_code(r) == t);
    }

    let page: Vec<Value> = rows
        .iter()
        .skip(offset)
        .take(size)
        .map(|r| {
            let mut v = file_json(r);
            v["favorite"] = json!(true);
            v
        })
        .collect();
    let mut out = json!({ "starFiles": page, "autoDeleted": auto_deleted });
    if offset + size < rows.len() {
        out["nextCursor"] = json!((offset + size).to_string());
    }
    Ok(success(out))
}

/// Favorites or un-favorites one file; `Err` is the per-file error.
fn star_one(
    ctx: &Ctx<'_>,
    caller: &Caller,
    starred: bool,
    container_id: &str,
    file_id: &str,
) -> ApiResult<()> {
    let user_id = caller.user.user_id;
    if !starred {
        // Removing a favorite needs no access check: the list is the caller's own.
        let removed = ctx.conn.execute(
            "DELETE FROM favorites WHERE user_id = ?1 AND file_id = ?2",
            params![user_id, file_id],
        )?;
        if removed == 0 && db::file(ctx.conn, file_id)?.is_none_or(|r| !r.ready) {
            return Err(ApiError::business(error::NOT_FOUND));
        }
        return Ok(());
    }
    let space = accessible_space(ctx.conn, caller, container_id)?;
    let tree = Tree::load(ctx.conn, space)?;
    let row = tree.find(ctx.conn, file_id)?;
    if tree.space.is_root(&row.id) {
        return Err(ApiError::params("(a root folder cannot be favorited)"));
    }
    if tree.in_bin(&row.id) {
        return Err(ApiError::business(error::FILE_RECYCLED));
    }
    ctx.conn.execute(
        "INSERT OR IGNORE INTO favorites (user_id, file_id, container_id, created_ms) \
         VALUES (?1, ?2, ?3, ?4)",
        params![user_id, file_id, container_id, ctx.now_ms],
    )?;
    Ok(())
}

/// `POST /star/batch`.
pub(crate) fn batch_favorite(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let body = ctx.req.json()?;
    let starred =
        opt_bool(&body, "starred")?.ok_or_else(|| ApiError::params("(starred is required)"))?;
    let items = match body.get("subRequestList") {
        Some(Value::Array(items)) => items,
        _ => return Err(ApiError::params("(subRequestList must be an array)")),
    };
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(ApiError::params(
            "(subRequestList must hold 1 to 100 files)",
        ));
    }
    let mut targets = Vec::with_capacity(items.len());
    let mut seen = HashSet::new();
    for item in items {
        let container_id = opt_str(item, "containerId")?;
        let file_id = opt_str(item, "fileId")?;
        let (Some(container_id), Some(file_id)) = (container_id, file_id) else {
            return Err(ApiError::params(
                "(every subRequestList entry needs containerId and fileId)",
            ));
        };
        if !seen.insert(file_id.clone()) {
            return Err(ApiError::params("(duplicate fileId in subRequestList)"));
        }
        targets.push((container_id, file_id));
    }

    let mut failed = 0;
    let results: Vec<Value> = targets
        .iter()
        .map(|(container_id, file_id)| {
            let (code, message) = match star_one(ctx, &caller, starred, container_id, file_id) {
                Ok(()) => ("0".to_owned(), "success".to_owned()),
                Err(e) => {
                    failed += 1;
                    (e.code.to_string(), e.msg)
                }
            };
            json!({ "fileId": file_id, "code": code, "message": message })
        })
        .collect();
    let status = match failed {
        0 => 0,
        n if n == targets.len() => 2,
        _ => 1,
    };
    Ok(success(
        json!({ "status": status, "subResponseList": results }),
    ))
}
