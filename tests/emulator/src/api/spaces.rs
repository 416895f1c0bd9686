//! Space information (GetSpace v1 and GetSpaceV2).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Ctx;
use crate::auth::{AuthMode, Caller};
use crate::db::{self, Space};
use crate::error::{self, ApiError, ApiResult};
use crate::seed;
use crate::time;

const GIB: u64 = 1024 * 1024 * 1024;

/// Capacity in GB as the docs give it; fractional quotas keep up to six decimals.
fn capacity_gb(bytes: u64) -> String {
    if bytes.is_multiple_of(GIB) {
        return (bytes / GIB).to_string();
    }
    let text = format!("{:.6}", bytes as f64 / GIB as f64);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Whether the caller may read this space's information.
fn may_read(caller: &Caller, space: &Space) -> bool {
    if caller.is_super_admin() {
        return true;
    }
    match space.space_type {
        db::SPACE_PERSONAL => space.owner_id == caller.user.user_id,
        db::SPACE_DEPARTMENT => {
            space.owner_id == seed::DEPARTMENT_ID && seed::in_department(caller.user.user_id)
        }
        _ => false,
    }
}

fn space_json(ctx: &Ctx<'_>, space: &Space, with_times: bool) -> ApiResult<Value> {
    let digest = Sha256::digest(format!("rootfile:{}", space.container_id).as_bytes());
    let mut v = json!({
        "type": space.space_type.to_string(),
        "status": "0",
        "ownerId": space.owner_id,
        "containerId": space.container_id,
        "bizRootFileId": space.root_id(),
        "bizSboxFileId": space.sbox_id(),
        "capacity": capacity_gb(space.capacity_bytes),
        // Not documented: the exact quota, since `capacity` is in (possibly fractional) GB.
        "capacityBytes": space.capacity_bytes.to_string(),
        "spaceUsed": db::space_used(ctx.conn, &space.container_id)?.to_string(),
        "tenantId": seed::TENANT_ID,
        "creator": seed::ADMIN_USER_ID,
        "modifier": seed::ADMIN_USER_ID,
        "rootFileId": format!("H{}", &db::hex(&digest)[..32]),
    });
    if with_times {
        v["createTime"] = json!(time::rfc3339_ms(space.created_ms));
        v["updateTime"] = json!(time::rfc3339_ms(space.created_ms));
    }
    Ok(v)
}

fn space_type_param(ctx: &Ctx<'_>, required: bool) -> ApiResult<Option<i64>> {
    match ctx.req.query("type").as_deref() {
        None if required => Err(ApiError::params("(the type query parameter is required)")),
        None => Ok(None),
        Some("0") => Ok(Some(0)),
        Some("1") => Ok(Some(1)),
        Some("2") => Ok(Some(2)),
        Some(_) => Err(ApiError::params("(type must be 0, 1 or 2)")),
    }
}

/// `GET /v1/space/{ownerId}?type=&containerId=`.
pub(crate) fn get_space(ctx: &Ctx<'_>, owner_id: &str) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let space_type = space_type_param(ctx, true)?;
    let container_id = ctx.req.query("containerId");
    let space = db::spaces_of_owner(ctx.conn, owner_id)?
        .into_iter()
        .filter(|s| Some(s.space_type) == space_type)
        .find(|s| container_id.as_ref().is_none_or(|c| c == &s.container_id))
        .ok_or_else(|| ApiError::business(error::SPACE_NOT_FOUND))?;
    if !may_read(&caller, &space) {
        return Err(ApiError::business(error::NO_PERMISSION));
    }
    Ok(crate::json::success(
        json!({ "data": space_json(ctx, &space, true)? }),
    ))
}

/// `GET /v2/space/{owner_id}?type=`: every space of the owner (possibly none).
pub(crate) fn get_spaces_v2(ctx: &Ctx<'_>, owner_id: &str) -> ApiResult<Value> {
    let caller = ctx.caller(AuthMode::TokenOrApp)?;
    let space_type = space_type_param(ctx, false)?;
    let spaces: Vec<Space> = db::spaces_of_owner(ctx.conn, owner_id)?
        .into_iter()
        .filter(|s| space_type.is_none_or(|t| t == s.space_type))
        .collect();
    if spaces.iter().any(|s| !may_read(&caller, s)) {
        return Err(ApiError::business(error::NO_PERMISSION));
    }
    let data = spaces
        .iter()
        .map(|s| space_json(ctx, s, false))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(crate::json::success(json!({ "data": data })))
}

#[cfg(test)]
mod tests {
    use super::capacity_gb;

    #[test]
    fn capacity_in_gb() {
        assert_eq!(capacity_gb(10 * super::GIB), "10");
        assert_eq!(capacity_gb(super::GIB / 2), "0.5");
    }
}
