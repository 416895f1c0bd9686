//! File lists (personal and team) and search, with their paging and sorting.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::Ctx;
use super::files::{Tree, accessible_space, file_json, suffix_of, type_code};
use crate::auth::{AuthMode, Caller};
use crate::db::{self, FileRow, Space};
use crate::error::{self, ApiError, ApiResult};
use crate::json::{opt_bool, opt_int, opt_object, opt_str, req_str, success};
use crate::seed;
use crate::time;

const FILE_TYPES: [&str; 11] = [
    "10", "11", "15", "20", "26", "27", "28", "30", "35", "40", "45",
];
const MAX_KEYWORD_CHARS: usize = 80;

/// Reads `pageInfo`: the page size (default 100 unless required) and the start offset.
fn page_info(body: &Value, size_required: bool) -> ApiResult<(usize, usize)> {
    let info = opt_object(body, "pageInfo")?;
    let size = match opt_int(&info, "pageSize")? {
        Some(n) => n,
        None if size_required => return Err(ApiError::params("(pageInfo.pageSize is required)")),
        None => 100,
    };
    if !(1..=100).contains(&size) {
        return Err(ApiError::params(
            "(pageInfo.pageSize must be within 1..=100)",
        ));
    }
    let offset = decode_cursor(opt_str(&info, "pageCursor")?.as_deref())?;
    Ok((size as usize, offset))
}

/// Cursors are opaque to clients; inside they carry the offset of the next row.
fn encode_cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_cursor(cursor: Option<&str>) -> ApiResult<usize> {
    let Some(cursor) = cursor.filter(|c| !c.is_empty() && *c != "0") else {
        return Ok(0);
    };
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|text| text.strip_prefix("offset:")?.parse().ok())
        .ok_or_else(|| ApiError::params("(unknown page cursor)"))
}

/// Sorts by `sortInfo` (default: name ascending); folders always come first.
fn sort_rows(rows: &mut [&FileRow], body: &Value) -> ApiResult<()> {
    let info = opt_object(body, "sortInfo")?;
    let sort_type = opt_int(&info, "sortType")?.unwrap_or(1);
    let descending = match opt_int(&info, "sortDirection")?.unwrap_or(1) {
        1 => false,
        2 => true,
        _ => return Err(ApiError::params("(sortInfo.sortDirection must be 1 or 2)")),
    };
    if !(1..=6).contains(&sort_type) {
        return Err(ApiError::params("(sortInfo.sortType must be within 1..=6)"));
    }
    rows.sort_by(|a, b| {
        let key = match sort_type {
            2 => a.size.cmp(&b.size),
            3 => a.created_ms.cmp(&b.created_ms),
            4 => a.edited_ms.cmp(&b.edited_ms),
            5 => a.recycled_ms.cmp(&b.recycled_ms),
            6 => suffix_of(&a.name).cmp(&suffix_of(&b.name)),
            _ => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        };
        let key = if descending { key.reverse() } else { key };
        b.is_folder
            .cmp(&a.is_folder)
            .then(key)
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(())
}

fn file_type_filter(body: &Value, key: &str) -> ApiResult<Option<String>> {
    let filter = opt_str(body, key)?;
    if let Some(t) = &filter
        && !FILE_TYPES.contains(&t.as_str())
    {
        return Err(ApiError::params(format!(
            "({key} is not a known file type code)"
        )));
    }
    Ok(filter)
}

/// Lists a folder of a space, or its recycle bin, one page at a time.
fn list(ctx: &Ctx<'_>, space: Space, body: &Value, recycle_bin: bool) -> ApiResult<Value> {
    let parent_ref = req_str(body, "parentFileId")?;
    let type_filter = file_type_filter(body, "fileType")?;
    let (size, offset) = page_info(body, false)?;
    let tree = Tree::load(ctx.conn, space)?;
    let parent = tree.resolve_folder(ctx.conn, &parent_ref)?;

    let mut rows: Vec<&FileRow> = if recycle_bin && tree.space.is_root(&parent) {
        tree.rows.values().filter(|r| r.recycled).collect()
    } else if recycle_bin {
        tree.children(&parent).collect()
    } else {
        if tree.in_bin(&parent) {
            return Err(ApiError::business(error::FILE_RECYCLED));
        }
        tree.children(&parent).filter(|r| !r.recycled).collect()
    };
    if let Some(t) = &type_filter {
        rows.retain(|r| type_code(r) == t);
    }
    sort_rows(&mut rows, body)?;

    let page: Vec<Value> = rows
        .iter()
        .skip(offset)
        .take(size)
        .map(|r| file_json(r))
        .collect();
    let mut out = json!({ "category": "drive#fileList", "files": page });
    if offset + size < rows.len() {
        out["nextCursor"] = json!(encode_cursor(offset + size));
    }
    Ok(success(out))
}

/// `POST /files/{type}`: the caller's personal space (0) or its recycle bin (1).
pub(crate) fn list_personal_files(ctx: &Ctx<'_>, list_type: &str) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let body = ctx.req.json()?;
    let container_id = req_str(&body, "containerId")?;
    let space = accessible_space(ctx.conn, &caller, &container_id)?;
    if space.space_type != db::SPACE_PERSONAL {
        return Err(ApiError::params(
            "(containerId is a team space; list it with /files/{groupId}/{type})",
        ));
    }
    list(ctx, space, &body, list_type == "1")
}

/// `POST /files/{groupId}/{type}?team_type=`: a department (0) or group (2) space.
pub(crate) fn list_team_files(ctx: &Ctx<'_>, group_id: &str, list_type: &str) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let team_type = match ctx.req.query("team_type").as_deref() {
        None | Some("0") => 0,
        Some("2") => 2,
        Some(_) => return Err(ApiError::params("(team_type must be 0 or 2)")),
    };
    let body = ctx.req.json()?;
    let container_id = req_str(&body, "containerId")?;
    let space = db::space(ctx.conn, &container_id)?
        .ok_or_else(|| ApiError::business(error::SPACE_NOT_FOUND))?;
    if space.space_type != team_type || space.owner_id != group_id {
        return Err(ApiError::business(error::SPACE_TEAM_MISMATCH));
    }
    let space = accessible_space(ctx.conn, &caller, &container_id)?;
    list(ctx, space, &body, list_type == "1")
}

/// The spaces a search of `search_type` covers for this caller.
fn search_spaces(ctx: &Ctx<'_>, caller: &Caller, search_type: &str) -> ApiResult<Vec<Space>> {
    if search_type == "personal" {
        return Ok(db::spaces_of_owner(ctx.conn, caller.user.user_id)?
            .into_iter()
            .filter(|s| s.space_type == db::SPACE_PERSONAL)
            .collect());
    }
    let mut spaces = Vec::new();
    if seed::in_department(caller.user.user_id) || caller.is_super_admin() {
        spaces.extend(
            db::spaces_of_owner(ctx.conn, seed::DEPARTMENT_ID)?
                .into_iter()
                .filter(|s| s.space_type == db::SPACE_DEPARTMENT),
        );
    }
    Ok(spaces)
}

/// `POST /files/search`.
pub(crate) fn search(ctx: &Ctx<'_>) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let body = ctx.req.json()?;
    let search_type = opt_str(&body, "searchType")?.unwrap_or_default();
    if search_type.trim().is_empty() {
        return Err(ApiError::business(error::BLANK_SEARCH_TYPE));
    }
    if search_type != "personal" && search_type != "team" {
        return Err(ApiError::business_msg(
            error::UNSUPPORTED_SEARCH_TYPE,
            format!("Unsupported operation type: {search_type}"),
        ));
    }
    if body.get("pageInfo").is_none() {
        return Err(ApiError::params("(pageInfo is required)"));
    }
    let (size, offset) = page_info(&body, true)?;
    let filter = opt_object(&body, "filter")?;
    let keyword = opt_str(&filter, "keyWord")?.map(|k| k.to_lowercase());
    if keyword
        .as_ref()
        .is_some_and(|k| k.chars().count() > MAX_KEYWORD_CHARS)
    {
        return Err(ApiError::params(
            "(filter.keyWord is limited to 80 characters)",
        ));
    }
    let container_filter = opt_str(&filter, "containerId")?;
    let parent_filter = opt_str(&filter, "parentFolder")?;
    if parent_filter.is_some() && container_filter.is_none() {
        return Err(ApiError::params(
            "(filter.containerId is required with filter.parentFolder)",
        ));
    }
    let type_filter = file_type_filter(&filter, "fileType")?;
    let owner_filter = opt_str(&filter, "ownerId")?;
    let recycled = opt_bool(&body, "recycled")?.unwrap_or(false);
    let recursive = opt_bool(&body, "recursived")?.unwrap_or(false);

    let mut spaces = search_spaces(ctx, &caller, &search_type)?;
    if let Some(cid) = &container_filter {
        let space =
            db::space(ctx.conn, cid)?.ok_or_else(|| ApiError::business(error::SPACE_NOT_FOUND))?;
        let wanted_personal = search_type == "personal";
        if (space.space_type == db::SPACE_PERSONAL) != wanted_personal {
            return Err(ApiError::business(error::SPACE_TEAM_MISMATCH));
        }
        spaces.retain(|s| &s.container_id == cid);
        if spaces.is_empty() {
            return Err(ApiError::business(error::NO_PERMISSION));
        }
    }

    let trees: Vec<Tree> = spaces
        .into_iter()
        .map(|s| Tree::load(ctx.conn, s))
        .collect::<ApiResult<_>>()?;
    let mut hits: Vec<(&Tree, &FileRow)> = Vec::new();
    for tree in &trees {
        let candidates: Vec<&FileRow> = match &parent_filter {
            Some(p) => {
                let folder = tree.resolve_folder(ctx.conn, p)?;
                if recursive {
                    tree.descendants(&folder)
                } else {
                    tree.children(&folder).collect()
                }
            }
            None => tree.rows.values().collect(),
        };
        for row in candidates {
            let in_scope = if recycled {
                row.recycled
            } else {
                !tree.in_bin(&row.id)
            };
            let name_ok = keyword
                .as_ref()
                .is_none_or(|k| row.name.to_lowercase().contains(k.as_str()));
            let type_ok = type_filter.as_ref().is_none_or(|t| type_code(row) == t);
            let owner_ok = owner_filter.as_ref().is_none_or(|o| &row.owner_id == o);
            if in_scope && name_ok && type_ok && owner_ok {
                hits.push((tree, row));
            }
        }
    }

    let mut rows: Vec<&FileRow> = hits.iter().map(|(_, r)| *r).collect();
    sort_rows(&mut rows, &body)?;
    let tree_of = |row: &FileRow| {
        trees
            .iter()
            .find(|t| t.space.container_id == row.container_id)
            .expect("row has a tree")
    };
    let page: Vec<Value> = rows
        .iter()
        .skip(offset)
        .take(size)
        .map(|row| search_item(tree_of(row), row))
        .collect();
    let next = if offset + size < rows.len() {
        encode_cursor(offset + size)
    } else {
        String::new()
    };
    Ok(success(
        json!({ "files": page, "total": rows.len(), "nextPageCursor": next }),
    ))
}

fn search_item(tree: &Tree, row: &FileRow) -> Value {
    let (id_path, name_path) = tree.paths(&row.id);
    let personal = tree.space.space_type == db::SPACE_PERSONAL;
    let (team_id, team_name) = if personal {
        ("", "")
    } else {
        (tree.space.owner_id.as_str(), seed::DEPARTMENT_NAME)
    };
    json!({
        "id": row.id,
        "fileSuffix": if row.is_folder { String::new() } else { suffix_of(&row.name) },
        "fileName": row.name,
        "fileType": type_code(row),
        "size": row.size.to_string(),
        "updateTime": time::rfc3339_ms(row.edited_ms),
        "namePath": name_path,
        "idPath": id_path,
        "containerId": row.container_id,
        "containerType": tree.space.space_type.to_string(),
        "favorite": false,
        "owner": seed::user(&row.owner_id).map_or("", |u| u.user_name),
        "teamId": team_id,
        "teamName": team_name,
    })
}
