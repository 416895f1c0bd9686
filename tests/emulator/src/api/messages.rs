//! Messages (sharing-session.md §6): a per-user inbox with read state. Every user finds a
//! welcome message on first use; tests add more with [`Emulator::post_message`].

use rusqlite::{Connection, params};
use serde_json::{Value, json};

use super::Ctx;
use super::favorites::{query_int, query_page};
use crate::Emulator;
use crate::auth::AuthMode;
use crate::error::{self, ApiError, ApiResult};
use crate::json::{str_list, success};
use crate::server::App;
use crate::{seed, time};

/// The documented message types: share, team, system, management.
const MESSAGE_TYPES: [&str; 4] = ["000", "001", "002", "003"];
/// The most ids one batch may carry (not documented; the limit of the other batch calls).
const MAX_BATCH: usize = 100;

/// Gives a user's inbox its welcome message the first time it is used.
fn open_inbox(app: &App, conn: &Connection, user_id: &str, now_ms: i64) -> ApiResult<()> {
    let created = conn.execute(
        "INSERT OR IGNORE INTO message_inboxes (user_id) VALUES (?1)",
        [user_id],
    )?;
    if created == 1 {
        insert(
            app,
            conn,
            user_id,
            "002",
            "KooDrive",
            "Welcome to KooDrive.",
            now_ms,
        )?;
    }
    Ok(())
}

fn insert(
    app: &App,
    conn: &Connection,
    user_id: &str,
    message_type: &str,
    sender: &str,
    text: &str,
    now_ms: i64,
) -> ApiResult<String> {
    let id = format!("M{}", app.random_hex(24));
    conn.execute(
        "INSERT INTO messages (id, user_id, sender, message_type, context, state, created_ms) \
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6)",
        params![id, user_id, sender, message_type, text, now_ms],
    )?;
    Ok(id)
}

impl Emulator {
    /// Delivers an unread message to `user_id` and returns its id. `message_type` is one of
    /// the documented codes `000` (share), `001` (team), `002` (system), `003`
    /// (management). Errors start with the KooDrive code (`13000102 ...`).
    pub fn post_message(
        &self,
        user_id: &str,
        message_type: &str,
        sender: &str,
        text: &str,
    ) -> Result<String, String> {
        if seed::user(user_id).is_none() || !MESSAGE_TYPES.contains(&message_type) {
            let e = ApiError::params("(unknown user or message type)");
            return Err(format!("{} {}", e.code, e.msg));
        }
        let conn = self.app.db();
        let now_ms = self.app.clock.now_ms();
        open_inbox(&self.app, &conn, user_id, now_ms)
            .and_then(|()| {
                insert(
                    &self.app,
                    &conn,
                    user_id,
                    message_type,
                    sender,
                    text,
                    now_ms,
                )
            })
            .map_err(|e| format!("{} {}", e.code, e.msg))
    }
}

/// The caller's user id, with the inbox opened.
fn inbox(ctx: &Ctx<'_>) -> ApiResult<&'static str> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let user_id = caller.user.user_id;
    open_inbox(ctx.app, ctx.conn, user_id, ctx.now_ms)?;
    Ok(user_id)
}

/// `GET /message/unreadCount`.
pub(crate) fn unread_count(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let user_id = inbox(ctx)?;
    let count: i64 = ctx.conn.query_row(
        "SELECT COUNT(*) FROM messages WHERE user_id = ?1 AND state = 0",
        [user_id],
        |r| r.get(0),
    )?;
    Ok(success(json!({ "count": count })))
}

/// `GET /message/list`: newest first.
pub(crate) fn list_messages(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let user_id = inbox(ctx)?;
    let (size, offset) = query_page(ctx)?;
    let filter_type = ctx.req.query("filterType");
    if let Some(t) = &filter_type
        && !MESSAGE_TYPES.contains(&t.as_str())
    {
        return Err(ApiError::params(
            "(filterType must be 000, 001, 002 or 003)",
        ));
    }
    let state = query_int(ctx, "state")?;
    if state.is_some_and(|s| s != 0 && s != 1) {
        return Err(ApiError::params("(state must be 0 or 1)"));
    }

    let mut stmt = ctx.conn.prepare(
        "SELECT id, sender, message_type, context, state, created_ms FROM messages \
         WHERE user_id = ?1 AND (?2 IS NULL OR message_type = ?2) AND (?3 IS NULL OR state = ?3) \
         ORDER BY created_ms DESC, seq DESC LIMIT ?4 OFFSET ?5",
    )?;
    // One row more than the page says whether another page follows.
    let rows: Vec<Value> = stmt
        .query_map(
            params![
                user_id,
                filter_type,
                state,
                (size + 1) as i64,
                offset as i64
            ],
            |r| {
                Ok(json!({
                    "id": r.get::<_, String>(0)?,
                    "sender": r.get::<_, String>(1)?,
                    "type": r.get::<_, String>(2)?,
                    "context": r.get::<_, String>(3)?,
                    "state": r.get::<_, i64>(4)?,
                    "createTime": time::rfc3339_ms(r.get(5)?),
                }))
            },
        )?
        .collect::<Result<_, _>>()?;
    let more = rows.len() > size;
    let page: Vec<Value> = rows.into_iter().take(size).collect();
    let mut out = json!({ "messages": page });
    if more {
        out["nextCursor"] = json!((offset + size).to_string());
    }
    Ok(success(out))
}

/// Reads `ids` (1 to 100) from the body.
fn ids(ctx: &Ctx<'_>) -> ApiResult<Vec<String>> {
    let body = ctx.req.json()?;
    let ids = str_list(&body, "ids")?;
    if ids.is_empty() || ids.len() > MAX_BATCH {
        return Err(ApiError::params("(ids must hold 1 to 100 message ids)"));
    }
    Ok(ids)
}

/// Applies `sql` (with `?1` user, `?2` message id) to each id. Unknown ids report
/// `changed: false`; when no id at all is the caller's, the call fails with 13000309.
fn change_each(ctx: &Ctx<'_>, sql: &str) -> ApiResult<Value> {
    let user_id = inbox(ctx)?;
    let ids = ids(ctx)?;
    let mut known = 0;
    let mut results = Vec::with_capacity(ids.len());
    for id in &ids {
        let exists: i64 = ctx.conn.query_row(
            "SELECT COUNT(*) FROM messages WHERE user_id = ?1 AND id = ?2",
            params![user_id, id],
            |r| r.get(0),
        )?;
        known += exists;
        let changed = ctx.conn.execute(sql, params![user_id, id])? > 0;
        results.push(json!({ "id": id, "changed": changed }));
    }
    if known == 0 {
        return Err(ApiError::business(error::NOT_FOUND));
    }
    Ok(success(json!({ "messages": results })))
}

/// `POST /message/batchRead`.
pub(crate) fn batch_read(ctx: &Ctx<'_>) -> ApiResult<Value> {
    change_each(
        ctx,
        "UPDATE messages SET state = 1 WHERE user_id = ?1 AND id = ?2 AND state = 0",
    )
}

/// `DELETE /message/batchDelete` (with a JSON body).
pub(crate) fn batch_delete(ctx: &Ctx<'_>) -> ApiResult<Value> {
    change_each(ctx, "DELETE FROM messages WHERE user_id = ?1 AND id = ?2")
}

/// `POST /message/specific?operate=0|1`: all unread to read, or delete all.
pub(crate) fn update_all(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let user_id = inbox(ctx)?;
    let sql = match query_int(ctx, "operate")? {
        Some(0) => "UPDATE messages SET state = 1 WHERE user_id = ?1 AND state = 0",
        Some(1) => "DELETE FROM messages WHERE user_id = ?1",
        _ => return Err(ApiError::params("(operate must be 0 or 1)")),
    };
    ctx.conn.execute(sql, [user_id])?;
    Ok(success(json!({})))
}
