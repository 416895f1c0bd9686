//! Persistent state: SQLite for metadata, a folder of content-addressed blobs for file bodies.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Row, params};
use sha2::{Digest, Sha256};

use crate::error::ApiResult;
use crate::seed;

/// Space type of a department space.
pub(crate) const SPACE_DEPARTMENT: i64 = 0;
/// Space type of a personal space.
pub(crate) const SPACE_PERSONAL: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS spaces (
    container_id TEXT PRIMARY KEY,
    space_type INTEGER NOT NULL,
    owner_id TEXT NOT NULL,
    capacity_bytes INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    expires_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY,
    container_id TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    name TEXT NOT NULL,
    is_folder INTEGER NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT,
    mime_type TEXT NOT NULL,
    description TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    edited_ms INTEGER NOT NULL,
    recycled INTEGER NOT NULL,
    recycled_ms INTEGER,
    owner_id TEXT NOT NULL,
    editor_id TEXT NOT NULL,
    ready INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS files_by_container ON files(container_id);
CREATE INDEX IF NOT EXISTS files_by_sha256 ON files(sha256);
CREATE TABLE IF NOT EXISTS uploads (
    upload_id TEXT PRIMARY KEY,
    file_id TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS favorites (
    user_id TEXT NOT NULL,
    file_id TEXT NOT NULL,
    container_id TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, file_id)
);
CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    message_type TEXT NOT NULL,
    context TEXT NOT NULL,
    state INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_user ON messages(user_id);
CREATE TABLE IF NOT EXISTS message_inboxes (
    user_id TEXT PRIMARY KEY
);
";

/// A space (container).
#[derive(Debug, Clone)]
pub(crate) struct Space {
    pub(crate) container_id: String,
    pub(crate) space_type: i64,
    pub(crate) owner_id: String,
    pub(crate) capacity_bytes: u64,
    pub(crate) created_ms: i64,
}

impl Space {
    /// Id of the normal root folder.
    pub(crate) fn root_id(&self) -> String {
        format!("{}{}", seed::ROOT_FOLDER_PREFIX, self.container_id)
    }

    /// Id of the safe-box root folder.
    pub(crate) fn sbox_id(&self) -> String {
        format!("{}{}", seed::SBOX_FOLDER_PREFIX, self.container_id)
    }

    /// Whether `id` is one of this space's two root folders.
    pub(crate) fn is_root(&self, id: &str) -> bool {
        id == self.root_id() || id == self.sbox_id()
    }
}

/// A file or folder row.
#[derive(Debug, Clone)]
pub(crate) struct FileRow {
    pub(crate) id: String,
    pub(crate) container_id: String,
    pub(crate) parent_id: String,
    pub(crate) name: String,
    pub(crate) is_folder: bool,
    pub(crate) size: u64,
    pub(crate) sha256: Option<String>,
    pub(crate) mime_type: String,
    pub(crate) description: String,
    pub(crate) created_ms: i64,
    pub(crate) edited_ms: i64,
    pub(crate) recycled: bool,
    pub(crate) recycled_ms: Option<i64>,
    pub(crate) owner_id: String,
    pub(crate) editor_id: String,
    /// False while an upload has not completed; such rows are invisible to the API.
    pub(crate) ready: bool,
}

const FILE_COLUMNS: &str = "id, container_id, parent_id, name, is_folder, size, sha256, \
    mime_type, description, created_ms, edited_ms, recycled, recycled_ms, owner_id, editor_id, \
    ready";

fn file_from_row(row: &Row<'_>) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        id: row.get(0)?,
        container_id: row.get(1)?,
        parent_id: row.get(2)?,
        name: row.get(3)?,
        is_folder: row.get(4)?,
        size: row.get::<_, i64>(5)? as u64,
        sha256: row.get(6)?,
        mime_type: row.get(7)?,
        description: row.get(8)?,
        created_ms: row.get(9)?,
        edited_ms: row.get(10)?,
        recycled: row.get(11)?,
        recycled_ms: row.get(12)?,
        owner_id: row.get(13)?,
        editor_id: row.get(14)?,
        ready: row.get(15)?,
    })
}

fn space_from_row(row: &Row<'_>) -> rusqlite::Result<Space> {
    Ok(Space {
        container_id: row.get(0)?,
        space_type: row.get(1)?,
        owner_id: row.get(2)?,
        capacity_bytes: row.get::<_, i64>(3)? as u64,
        created_ms: row.get(4)?,
    })
}

/// Deterministic container id of a space: `IAA` followed by letters and digits.
pub(crate) fn container_id_for(kind: &str, owner_id: &str) -> String {
    let digest = Sha256::digest(format!("{kind}:{owner_id}").as_bytes());
    format!("IAAKooDriveEmuA{}", &hex(&digest)[..30])
}

/// Lower-case hex of some bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Opens (creating if needed) the database under `data_dir` and seeds the tenant's spaces.
pub(crate) fn open(
    data_dir: &Path,
    personal_quota: u64,
    now_ms: i64,
) -> rusqlite::Result<Connection> {
    let conn = Connection::open(data_dir.join("koodrive-emulator.sqlite3"))?;
    conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
    conn.execute_batch(SCHEMA)?;
    let quota = i64::try_from(personal_quota).unwrap_or(i64::MAX);
    for user in seed::USERS {
        conn.execute(
            "INSERT OR IGNORE INTO spaces VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                container_id_for("personal", user.user_id),
                SPACE_PERSONAL,
                user.user_id,
                quota,
                now_ms
            ],
        )?;
    }
    conn.execute(
        "INSERT OR IGNORE INTO spaces VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            container_id_for("department", seed::DEPARTMENT_ID),
            SPACE_DEPARTMENT,
            seed::DEPARTMENT_ID,
            quota,
            now_ms
        ],
    )?;
    Ok(conn)
}

/// Looks a space up by container id.
pub(crate) fn space(conn: &Connection, container_id: &str) -> ApiResult<Option<Space>> {
    Ok(conn
        .query_row(
            "SELECT container_id, space_type, owner_id, capacity_bytes, created_ms FROM spaces \
             WHERE container_id = ?1",
            [container_id],
            space_from_row,
        )
        .optional()?)
}

/// Every space of an owner.
pub(crate) fn spaces_of_owner(conn: &Connection, owner_id: &str) -> ApiResult<Vec<Space>> {
    let mut stmt = conn.prepare(
        "SELECT container_id, space_type, owner_id, capacity_bytes, created_ms FROM spaces \
         WHERE owner_id = ?1 ORDER BY container_id",
    )?;
    let rows = stmt.query_map([owner_id], space_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Bytes stored in a space: every completed file, including those in the recycle bin.
pub(crate) fn space_used(conn: &Connection, container_id: &str) -> ApiResult<u64> {
    let used: i64 = conn.query_row(
        "SELECT COALESCE(SUM(size), 0) FROM files WHERE container_id = ?1 AND is_folder = 0 \
         AND ready = 1",
        [container_id],
        |r| r.get(0),
    )?;
    Ok(used as u64)
}

/// Looks a file up by id (completed or not).
pub(crate) fn file(conn: &Connection, id: &str) -> ApiResult<Option<FileRow>> {
    let sql = format!("SELECT {FILE_COLUMNS} FROM files WHERE id = ?1");
    Ok(conn.query_row(&sql, [id], file_from_row).optional()?)
}

/// Every completed file and folder of a space.
pub(crate) fn files_in(conn: &Connection, container_id: &str) -> ApiResult<Vec<FileRow>> {
    let sql = format!("SELECT {FILE_COLUMNS} FROM files WHERE container_id = ?1 AND ready = 1");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([container_id], file_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A completed file with this content, anywhere in the tenant.
pub(crate) fn file_with_content(
    conn: &Connection,
    sha256: &str,
    size: u64,
) -> ApiResult<Option<FileRow>> {
    let sql = format!(
        "SELECT {FILE_COLUMNS} FROM files WHERE sha256 = ?1 AND size = ?2 AND ready = 1 \
         AND is_folder = 0 LIMIT 1"
    );
    Ok(conn
        .query_row(&sql, params![sha256, size as i64], file_from_row)
        .optional()?)
}

/// Inserts a new row.
pub(crate) fn insert_file(conn: &Connection, f: &FileRow) -> ApiResult<()> {
    let sql = format!(
        "INSERT INTO files ({FILE_COLUMNS}) VALUES \
         (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
    );
    conn.execute(
        &sql,
        params![
            f.id,
            f.container_id,
            f.parent_id,
            f.name,
            f.is_folder,
            f.size as i64,
            f.sha256,
            f.mime_type,
            f.description,
            f.created_ms,
            f.edited_ms,
            f.recycled,
            f.recycled_ms,
            f.owner_id,
            f.editor_id,
            f.ready
        ],
    )?;
    Ok(())
}

/// Renames a file and records who did it.
pub(crate) fn rename_file(
    conn: &Connection,
    id: &str,
    name: &str,
    mime_type: &str,
    editor_id: &str,
    now_ms: i64,
) -> ApiResult<()> {
    conn.execute(
        "UPDATE files SET name = ?2, mime_type = ?3, editor_id = ?4, edited_ms = ?5 WHERE id = ?1",
        params![id, name, mime_type, editor_id, now_ms],
    )?;
    Ok(())
}

/// Moves a file or folder to the recycle bin.
pub(crate) fn recycle_file(conn: &Connection, id: &str, now_ms: i64) -> ApiResult<()> {
    conn.execute(
        "UPDATE files SET recycled = 1, recycled_ms = ?2 WHERE id = ?1",
        params![id, now_ms],
    )?;
    Ok(())
}

/// Marks an uploaded file as complete (visible).
pub(crate) fn mark_ready(conn: &Connection, id: &str, sha256: &str, now_ms: i64) -> ApiResult<()> {
    conn.execute(
        "UPDATE files SET ready = 1, sha256 = ?2, edited_ms = ?3 WHERE id = ?1",
        params![id, sha256, now_ms],
    )?;
    Ok(())
}

/// Deletes rows for good, then removes blobs that no row references any more.
pub(crate) fn purge_files(conn: &Connection, blob_dir: &Path, ids: &[String]) -> ApiResult<()> {
    let mut hashes = Vec::new();
    for id in ids {
        if let Some(sha) = conn
            .query_row("SELECT sha256 FROM files WHERE id = ?1", [id], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten()
        {
            hashes.push(sha);
        }
        conn.execute("DELETE FROM files WHERE id = ?1", [id])?;
    }
    hashes.sort();
    hashes.dedup();
    for sha in hashes {
        let refs: i64 = conn.query_row(
            "SELECT COUNT(*) FROM files WHERE sha256 = ?1",
            [&sha],
            |r| r.get(0),
        )?;
        if refs == 0 {
            match std::fs::remove_file(blob_path(blob_dir, &sha)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// Where the blob with this SHA-256 lives.
pub(crate) fn blob_path(blob_dir: &Path, sha256: &str) -> PathBuf {
    blob_dir.join(sha256)
}

/// Stores content under its SHA-256 and returns the lower-case hex digest.
pub(crate) fn put_blob(blob_dir: &Path, content: &[u8]) -> ApiResult<String> {
    let sha = hex(&Sha256::digest(content));
    let path = blob_path(blob_dir, &sha);
    if !path.exists() {
        let tmp = blob_dir.join(format!("{sha}.tmp"));
        std::fs::write(&tmp, content)?;
        std::fs::rename(&tmp, &path)?;
    }
    Ok(sha)
}

/// A session row.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) session_id: String,
    pub(crate) user_id: String,
    pub(crate) expires_ms: i64,
}

/// Creates a session.
pub(crate) fn insert_session(
    conn: &Connection,
    session_id: &str,
    token: &str,
    user_id: &str,
    expires_ms: i64,
) -> ApiResult<()> {
    conn.execute(
        "INSERT INTO sessions VALUES (?1, ?2, ?3, ?4)",
        params![session_id, token, user_id, expires_ms],
    )?;
    Ok(())
}

/// Finds the session that owns a token.
pub(crate) fn session_by_token(conn: &Connection, token: &str) -> ApiResult<Option<Session>> {
    Ok(conn
        .query_row(
            "SELECT session_id, user_id, expires_ms FROM sessions WHERE token = ?1",
            [token],
            |r| {
                Ok(Session {
                    session_id: r.get(0)?,
                    user_id: r.get(1)?,
                    expires_ms: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// Pushes a session's expiry.
pub(crate) fn touch_session(conn: &Connection, session_id: &str, expires_ms: i64) -> ApiResult<()> {
    conn.execute(
        "UPDATE sessions SET expires_ms = ?2 WHERE session_id = ?1",
        params![session_id, expires_ms],
    )?;
    Ok(())
}

/// Replaces a session's token (refresh).
pub(crate) fn replace_token(
    conn: &Connection,
    session_id: &str,
    token: &str,
    expires_ms: i64,
) -> ApiResult<()> {
    conn.execute(
        "UPDATE sessions SET token = ?2, expires_ms = ?3 WHERE session_id = ?1",
        params![session_id, token, expires_ms],
    )?;
    Ok(())
}

/// Ends a session.
pub(crate) fn delete_session(conn: &Connection, session_id: &str) -> ApiResult<()> {
    conn.execute("DELETE FROM sessions WHERE session_id = ?1", [session_id])?;
    Ok(())
}
