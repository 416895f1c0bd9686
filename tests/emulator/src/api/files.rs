//! File management: details, folders, rename, recycle bin, paths, folder statistics, and the
//! shared file model (tree, names, access, JSON shape).

use std::collections::HashMap;

use rusqlite::Connection;
use serde_json::{Value, json};

use super::Ctx;
use crate::auth::{AuthMode, Caller};
use crate::db::{self, FileRow, Space};
use crate::error::{self, ApiError, ApiResult};
use crate::json::{opt_int, opt_str, req_str, str_list, success};
use crate::seed;
use crate::time;

/// Deepest allowed folder level below a root.
pub(crate) const MAX_DEPTH: usize = 30;
/// Longest allowed name, in Unicode characters.
const MAX_NAME_CHARS: usize = 250;
/// Mime type reported for folders.
pub(crate) const FOLDER_MIME: &str = "application/vnd.huawei-apps.folder";

/// Reads a required name field: absent is a parameter error, an empty string is an illegal name.
pub(crate) fn name_field(body: &Value, key: &str) -> ApiResult<String> {
    match body.get(key) {
        Some(Value::String(s)) if s.is_empty() => Err(ApiError::business(error::NAME_ILLEGAL)),
        _ => req_str(body, key),
    }
}

/// Checks a file or folder name against the documented naming rules.
pub(crate) fn validate_name(name: &str) -> ApiResult<()> {
    const ILLEGAL: [char; 9] = ['<', '>', '|', ':', '"', '*', '?', '/', '\\'];
    if name.is_empty() || name == "." || name == ".." || name.contains(ILLEGAL) {
        return Err(ApiError::business(error::NAME_ILLEGAL));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::business(error::NAME_TOO_LONG));
    }
    Ok(())
}

/// The extension after the last dot (not counting a leading dot), lower-cased.
pub(crate) fn suffix_of(name: &str) -> String {
    match name.rfind('.') {
        Some(i) if i > 0 && i + 1 < name.len() => name[i + 1..].to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// File type code and mime type guessed from the extension.
pub(crate) fn classify(name: &str) -> (&'static str, &'static str) {
    match suffix_of(name).as_str() {
        "jpg" | "jpeg" => ("15", "image/jpeg"),
        "png" => ("15", "image/png"),
        "gif" => ("15", "image/gif"),
        "bmp" | "webp" | "heic" | "tif" | "tiff" | "ico" => ("15", "image/*"),
        "svg" => ("15", "image/svg+xml"),
        "mp4" | "m4v" => ("20", "video/mp4"),
        "mov" | "avi" | "mkv" | "wmv" | "flv" | "webm" | "3gp" => ("20", "video/*"),
        "doc" => ("26", "application/msword"),
        "docx" => (
            "26",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        "odt" | "rtf" | "wps" => ("26", "application/msword"),
        "xls" => ("27", "application/vnd.ms-excel"),
        "xlsx" => (
            "27",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        "csv" => ("27", "text/csv"),
        "ods" | "et" => ("27", "application/vnd.ms-excel"),
        "ppt" => ("28", "application/vnd.ms-powerpoint"),
        "pptx" => (
            "28",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        "odp" | "dps" => ("28", "application/vnd.ms-powerpoint"),
        "mp3" => ("30", "audio/mpeg"),
        "wav" | "flac" | "aac" | "ogg" | "m4a" | "wma" => ("30", "audio/*"),
        "zip" => ("35", "application/zip"),
        "rar" | "7z" | "tar" | "gz" | "tgz" | "bz2" | "xz" => ("35", "application/octet-stream"),
        "exe" | "msi" | "apk" | "dmg" | "deb" | "rpm" | "ipa" => ("40", "application/octet-stream"),
        "txt" | "md" | "log" => ("45", "text/plain"),
        "json" => ("45", "application/json"),
        "pdf" => ("45", "application/pdf"),
        _ => ("45", "application/octet-stream"),
    }
}

/// The type code of a row: folders are `10`; files by extension, then by mime type.
pub(crate) fn type_code(row: &FileRow) -> &'static str {
    if row.is_folder {
        return "10";
    }
    let (code, _) = classify(&row.name);
    if code != "45" {
        return code;
    }
    match row.mime_type.split('/').next().unwrap_or("") {
        "image" => "15",
        "video" => "20",
        "audio" => "30",
        _ => "45",
    }
}

fn user_json(user_id: &str) -> Value {
    let name = seed::user(user_id).map_or("", |u| u.user_name);
    json!({ "userId": user_id, "userName": name })
}

/// The `drive#file` object.
pub(crate) fn file_json(row: &FileRow) -> Value {
    let mut v = json!({
        "category": "drive#file",
        "id": row.id,
        "fileName": row.name,
        "fileType": type_code(row),
        "mimeType": row.mime_type,
        "size": row.size,
        "parentFolder": [row.parent_id],
        "containers": [row.container_id],
        "createdTime": time::rfc3339_ms(row.created_ms),
        "editedTime": time::rfc3339_ms(row.edited_ms),
        "recycled": row.recycled,
        "fileSuffix": if row.is_folder { String::new() } else { suffix_of(&row.name) },
        "description": row.description,
        "favorite": false,
        "owners": [user_json(&row.owner_id)],
        "lastEditor": user_json(&row.editor_id),
    });
    if let Some(sha) = row.sha256.as_ref().filter(|_| !row.is_folder) {
        v["sha256"] = json!(sha);
    }
    if let Some(ms) = row.recycled_ms.filter(|_| row.recycled) {
        v["recycledTime"] = json!(time::rfc3339_ms(ms));
    }
    v
}

/// Returns the space if the caller may work on its files: 13000301 when it does not exist,
/// 13000410 when it belongs to someone else.
pub(crate) fn accessible_space(
    conn: &Connection,
    caller: &Caller,
    container_id: &str,
) -> ApiResult<Space> {
    let space =
        db::space(conn, container_id)?.ok_or_else(|| ApiError::business(error::SPACE_NOT_FOUND))?;
    let allowed = match space.space_type {
        db::SPACE_PERSONAL => space.owner_id == caller.user.user_id,
        db::SPACE_DEPARTMENT => seed::in_department(caller.user.user_id),
        _ => false,
    };
    if !allowed {
        return Err(ApiError::business(error::NO_PERMISSION));
    }
    Ok(space)
}

/// All completed rows of one space, indexed for tree walks.
pub(crate) struct Tree {
    pub(crate) space: Space,
    pub(crate) rows: HashMap<String, FileRow>,
}

impl Tree {
    /// Loads a space's rows.
    pub(crate) fn load(conn: &Connection, space: Space) -> ApiResult<Self> {
        let rows = db::files_in(conn, &space.container_id)?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
        Ok(Self { space, rows })
    }

    /// Level of a folder below its root (the root is 0).
    pub(crate) fn depth(&self, id: &str) -> usize {
        let mut depth = 0;
        let mut current = id;
        while let Some(row) = self.rows.get(current) {
            depth += 1;
            current = &row.parent_id;
        }
        depth
    }

    /// Whether the row or one of its ancestors is in the recycle bin.
    pub(crate) fn in_bin(&self, id: &str) -> bool {
        let mut current = id;
        while let Some(row) = self.rows.get(current) {
            if row.recycled {
                return true;
            }
            current = &row.parent_id;
        }
        false
    }

    /// Direct children of a folder.
    pub(crate) fn children<'a>(
        &'a self,
        parent: &str,
    ) -> impl Iterator<Item = &'a FileRow> + use<'a> {
        let parent = parent.to_owned();
        self.rows.values().filter(move |r| r.parent_id == parent)
    }

    /// Every row below a folder.
    pub(crate) fn descendants(&self, id: &str) -> Vec<&FileRow> {
        let mut out = Vec::new();
        let mut stack = vec![id.to_owned()];
        while let Some(parent) = stack.pop() {
            for child in self.children(&parent) {
                stack.push(child.id.clone());
                out.push(child);
            }
        }
        out
    }

    /// `(fileIdPath, namePath)` in the documented format.
    pub(crate) fn paths(&self, id: &str) -> (String, String) {
        let mut ids = Vec::new();
        let mut names = Vec::new();
        let mut current = id.to_owned();
        while let Some(row) = self.rows.get(&current) {
            ids.push(row.id.clone());
            names.push(row.name.clone());
            current = row.parent_id.clone();
        }
        let cid = &self.space.container_id;
        let (root_id, root_name) = if current == self.space.sbox_id() {
            (self.space.sbox_id(), format!("sbox{cid}"))
        } else {
            (self.space.root_id(), format!("root{cid}"))
        };
        ids.push(root_id);
        names.push(root_name);
        ids.reverse();
        names.reverse();
        (
            format!("/{}", ids.join("/")),
            format!("/{}", names.join("/")),
        )
    }

    /// Resolves `root`, `sbox`, a root id or a folder id of this space to a folder id.
    pub(crate) fn resolve_folder(&self, conn: &Connection, id: &str) -> ApiResult<String> {
        match id {
            "" | "root" => return Ok(self.space.root_id()),
            "sbox" => return Ok(self.space.sbox_id()),
            _ if self.space.is_root(id) => return Ok(id.to_owned()),
            _ => {}
        }
        let row = self.find(conn, id)?;
        if !row.is_folder {
            return Err(ApiError::business_msg(
                error::TARGET_DIR_ABNORMAL,
                "Target directory is abnormal. (the id names a file, not a folder)",
            ));
        }
        Ok(row.id.clone())
    }

    /// A row of this space: 13000302 if it lives in another space, 13000309 if unknown.
    pub(crate) fn find(&self, conn: &Connection, id: &str) -> ApiResult<&FileRow> {
        if let Some(row) = self.rows.get(id) {
            return Ok(row);
        }
        match db::file(conn, id)? {
            Some(row) if row.ready => Err(ApiError::business(error::FILE_NOT_IN_SPACE)),
            _ => Err(ApiError::business(error::NOT_FOUND)),
        }
    }

    /// A visible (not recycled) sibling with exactly this name, other than `except`.
    pub(crate) fn clash(&self, parent: &str, name: &str, except: &str) -> Option<&FileRow> {
        self.children(parent)
            .find(|r| !r.recycled && r.name == name && r.id != except)
    }

    /// A free name for `name` under `parent`: the name itself, or with `_YYYYMMDDHHMMSS`
    /// inserted before the extension (plus a counter if even that is taken).
    pub(crate) fn timestamped_name(
        &self,
        parent: &str,
        name: &str,
        is_folder: bool,
        now_ms: i64,
    ) -> String {
        let suffix = if is_folder {
            String::new()
        } else {
            suffix_of(name)
        };
        let (base, ext) = if suffix.is_empty() {
            (name, "")
        } else {
            let cut = name.len() - suffix.len() - 1;
            (&name[..cut], &name[cut..])
        };
        let stamp = time::compact(now_ms);
        let mut candidate = format!("{base}_{stamp}{ext}");
        let mut n = 1;
        while self.clash(parent, &candidate, "").is_some() {
            candidate = format!("{base}_{stamp}_{n}{ext}");
            n += 1;
        }
        candidate
    }
}

/// Applies a `renameMode`/`autoRename` of 2 (timestamp) or 3 (refuse) to a wanted name.
pub(crate) fn settle_name(
    tree: &Tree,
    parent: &str,
    name: &str,
    is_folder: bool,
    mode: i64,
    except: &str,
    now_ms: i64,
) -> ApiResult<String> {
    if tree.clash(parent, name, except).is_none() {
        return Ok(name.to_owned());
    }
    if mode == 2 {
        Ok(tree.timestamped_name(parent, name, is_folder, now_ms))
    } else {
        Err(ApiError::business(error::DUPLICATE_NAME))
    }
}

fn rename_mode(body: &Value, key: &str) -> ApiResult<i64> {
    match opt_int(body, key)? {
        None => Ok(3),
        Some(m @ (2 | 3)) => Ok(m),
        Some(_) => Err(ApiError::params(format!("({key} must be 2 or 3)"))),
    }
}

/// `POST /files/{fileId}/detail`.
pub(crate) fn get_file(ctx: &Ctx<'_>, file_id: &str) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let body = ctx.req.json()?;
    let container_id = req_str(&body, "containerId")?;
    let space = accessible_space(ctx.conn, &caller, &container_id)?;
    let tree = Tree::load(ctx.conn, space)?;
    let row = tree.find(ctx.conn, file_id)?;
    Ok(success(file_json(row)))
}

/// `POST /directory`.
pub(crate) fn create_directory(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let body = ctx.req.json()?;
    let name = name_field(&body, "fileName")?;
    let file_type = req_str(&body, "fileType")?;
    if file_type != "10" {
        return Err(ApiError::params("(fileType must be \"10\" for a folder)"));
    }
    let container_id = req_str(&body, "containerId")?;
    let mode = rename_mode(&body, "renameMode")?;
    let description = opt_str(&body, "description")?.unwrap_or_default();
    if description.chars().count() > 512 {
        return Err(ApiError::params(
            "(description is limited to 512 characters)",
        ));
    }
    validate_name(&name)?;

    let space = accessible_space(ctx.conn, &caller, &container_id)?;
    let tree = Tree::load(ctx.conn, space)?;
    let parent_ref = str_list(&body, "parentFolder")?
        .into_iter()
        .next()
        .unwrap_or_default();
    let parent = tree.resolve_folder(ctx.conn, &parent_ref)?;
    if tree.in_bin(&parent) {
        return Err(ApiError::business(error::TARGET_DIR_RECYCLED));
    }
    if tree.depth(&parent) + 1 > MAX_DEPTH {
        return Err(ApiError::business(error::MAX_LEVELS));
    }
    let name = settle_name(&tree, &parent, &name, true, mode, "", ctx.now_ms)?;

    let row = FileRow {
        id: ctx.app.new_file_id(),
        container_id,
        parent_id: parent,
        name,
        is_folder: true,
        size: 0,
        sha256: None,
        mime_type: opt_str(&body, "mimeType")?.unwrap_or_else(|| FOLDER_MIME.into()),
        description,
        created_ms: ctx.now_ms,
        edited_ms: ctx.now_ms,
        recycled: false,
        recycled_ms: None,
        owner_id: caller.user.user_id.into(),
        editor_id: caller.user.user_id.into(),
        ready: true,
    };
    db::insert_file(ctx.conn, &row)?;
    Ok(success(file_json(&row)))
}

/// `POST /files/rename/{fileId}`.
pub(crate) fn rename_file(ctx: &Ctx<'_>, file_id: &str) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let body = ctx.req.json()?;
    let container_id = req_str(&body, "containerId")?;
    let name = name_field(&body, "name")?;
    let mode = rename_mode(&body, "renameMode")?;
    validate_name(&name)?;

    let space = accessible_space(ctx.conn, &caller, &container_id)?;
    let tree = Tree::load(ctx.conn, space)?;
    let row = tree.find(ctx.conn, file_id)?;
    if tree.in_bin(&row.id) {
        return Err(ApiError::business(error::FILE_RECYCLED));
    }
    if row.name == name {
        return Ok(success(json!({})));
    }
    let name = settle_name(
        &tree,
        &row.parent_id,
        &name,
        row.is_folder,
        mode,
        &row.id,
        ctx.now_ms,
    )?;
    let mime = if row.is_folder {
        row.mime_type.clone()
    } else {
        classify(&name).1.to_owned()
    };
    db::rename_file(
        ctx.conn,
        &row.id,
        &name,
        &mime,
        caller.user.user_id,
        ctx.now_ms,
    )?;
    Ok(success(json!({})))
}

/// `POST /files/recycle`: purges the recycle bin right away (the real service does it in the
/// background) and deletes content no other file uses.
pub(crate) fn empty_recycle_bin(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let body = ctx.req.json()?;
    let container_id = match opt_str(&body, "containerId")? {
        Some(c) => c,
        None => req_str(&body, "container")?,
    };
    let space = accessible_space(ctx.conn, &caller, &container_id)?;
    let tree = Tree::load(ctx.conn, space)?;
    let doomed: Vec<String> = tree
        .rows
        .keys()
        .filter(|id| tree.in_bin(id))
        .cloned()
        .collect();
    db::purge_files(ctx.conn, &ctx.app.blob_dir, &doomed)?;
    Ok(success(json!({})))
}

/// `GET /files/path?fileId&containerId`.
pub(crate) fn get_full_path(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let file_id = ctx
        .req
        .query("fileId")
        .ok_or_else(|| ApiError::params("(fileId is required)"))?;
    let container_id = ctx
        .req
        .query("containerId")
        .ok_or_else(|| ApiError::params("(containerId is required)"))?;
    let space = accessible_space(ctx.conn, &caller, &container_id)?;
    let tree = Tree::load(ctx.conn, space)?;
    let id = match file_id.as_str() {
        "root" => tree.space.root_id(),
        "sbox" => tree.space.sbox_id(),
        other if tree.space.is_root(other) => other.to_owned(),
        other => tree.find(ctx.conn, other)?.id.clone(),
    };
    let (id_path, name_path) = tree.paths(&id);
    Ok(success(
        json!({ "fileIdPath": id_path, "namePath": name_path }),
    ))
}

/// `GET|POST /files/statsDir?fileId&containerId&recursive`.
pub(crate) fn stats_dir(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let file_id = ctx
        .req
        .query("fileId")
        .ok_or_else(|| ApiError::params("(fileId is required)"))?;
    let container_id = ctx
        .req
        .query("containerId")
        .ok_or_else(|| ApiError::params("(containerId is required)"))?;
    let recursive = match ctx.req.query("recursive") {
        None => true,
        Some(v) => crate::json::parse_bool(&v)
            .ok_or_else(|| ApiError::params("(recursive must be true or false)"))?,
    };
    let space = accessible_space(ctx.conn, &caller, &container_id)?;
    let tree = Tree::load(ctx.conn, space)?;
    let folder = tree.resolve_folder(ctx.conn, &file_id)?;

    let (mut total, mut dirs, mut files) = (0u64, 0u64, 0u64);
    let mut stack = vec![folder];
    while let Some(parent) = stack.pop() {
        for child in tree.children(&parent).filter(|c| !c.recycled) {
            if child.is_folder {
                dirs += 1;
                if recursive {
                    stack.push(child.id.clone());
                }
            } else {
                files += 1;
                total += child.size;
            }
        }
    }
    Ok(success(json!({
        "data": { "totalSize": total, "subDirCount": dirs, "subFileCount": files }
    })))
}

/// Stores a file directly (test seeding), enforcing names, clashes and quota.
pub(crate) fn seed_file(
    app: &crate::server::App,
    conn: &Connection,
    container_id: &str,
    parent_id: &str,
    name: &str,
    content: &[u8],
) -> ApiResult<String> {
    let now_ms = app.clock.now_ms();
    validate_name(name)?;
    let space =
        db::space(conn, container_id)?.ok_or_else(|| ApiError::business(error::SPACE_NOT_FOUND))?;
    let owner = if space.space_type == db::SPACE_PERSONAL {
        space.owner_id.clone()
    } else {
        seed::ADMIN_USER_ID.to_owned()
    };
    let capacity = space.capacity_bytes;
    let tree = Tree::load(conn, space)?;
    let parent = tree.resolve_folder(conn, parent_id)?;
    if tree.in_bin(&parent) {
        return Err(ApiError::business(error::PARENT_RECYCLED));
    }
    if tree.clash(&parent, name, "").is_some() {
        return Err(ApiError::business(error::DUPLICATE_NAME));
    }
    let used = db::space_used(conn, container_id)?;
    if used.saturating_add(content.len() as u64) > capacity {
        return Err(ApiError::business(error::INSUFFICIENT_SPACE));
    }

    let sha = db::put_blob(&app.blob_dir, content)?;
    let row = FileRow {
        id: app.new_file_id(),
        container_id: container_id.to_owned(),
        parent_id: parent,
        name: name.to_owned(),
        is_folder: false,
        size: content.len() as u64,
        sha256: Some(sha),
        mime_type: classify(name).1.to_owned(),
        description: String::new(),
        created_ms: now_ms,
        edited_ms: now_ms,
        recycled: false,
        recycled_ms: None,
        owner_id: owner.clone(),
        editor_id: owner,
        ready: true,
    };
    db::insert_file(conn, &row)?;
    Ok(row.id)
}

/// Moves a file or folder to the recycle bin (test control).
pub(crate) fn recycle(app: &crate::server::App, conn: &Connection, file_id: &str) -> ApiResult<()> {
    match db::file(conn, file_id)? {
        Some(row) if row.ready => db::recycle_file(conn, file_id, app.clock.now_ms()),
        _ => Err(ApiError::business(error::NOT_FOUND)),
    }
}
