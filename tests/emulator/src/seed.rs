//! The fixed tenant that every emulator starts with.
//!
//! Tests log in with the authorization codes below (`create_session` with `code`), or sign
//! requests with [`APP_ID`] and [`APP_SECRET`] and an `X-User-Id` from this list.

/// Tenant id (enterprise code) of the emulated tenant.
pub const TENANT_ID: &str = "40086000004871666";
/// OrgID organisation id.
pub const ORG_ID: &str = "9190086000001210958";
/// OrgID organisation name.
pub const ORG_NAME: &str = "Emulated Org";
/// Database schema name reported as `xHwSchema`.
pub const X_HW_SCHEMA: &str = "koodrive_emulator";

/// Alice's user id (ordinary user, member of Engineering).
pub const ALICE_USER_ID: &str = "1008600000000000001";
/// Alice's display name.
pub const ALICE_USER_NAME: &str = "Alice";
/// Authorization code that logs Alice in.
pub const ALICE_CODE: &str = "alice-code";

/// Bob's user id (ordinary user, no department).
pub const BOB_USER_ID: &str = "1008600000000000002";
/// Bob's display name.
pub const BOB_USER_NAME: &str = "Bob";
/// Authorization code that logs Bob in.
pub const BOB_CODE: &str = "bob-code";

/// The admin's user id (role `2`, super administrator, member of Engineering).
pub const ADMIN_USER_ID: &str = "1008600000000000009";
/// The admin's display name.
pub const ADMIN_USER_NAME: &str = "Admin";
/// Authorization code that logs the admin in.
pub const ADMIN_CODE: &str = "admin-code";

/// Role value of an ordinary user.
pub const ROLE_USER: &str = "1";
/// Role value of a super administrator.
pub const ROLE_SUPER_ADMIN: &str = "2";

/// The seeded department's id.
pub const DEPARTMENT_ID: &str = "1245640257345455489";
/// The seeded department's name.
pub const DEPARTMENT_NAME: &str = "Engineering";
/// Members of the seeded department.
pub const DEPARTMENT_MEMBERS: [&str; 2] = [ALICE_USER_ID, ADMIN_USER_ID];

/// App id for app (HMAC-SHA256) authentication.
pub const APP_ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
/// App secret for app (HMAC-SHA256) authentication.
pub const APP_SECRET: &str = "emulator-app-secret";

/// Prefix of every space's root folder id; the container id follows it.
pub const ROOT_FOLDER_PREFIX: &str = "DEUI7pa0C24Aroot";
/// Prefix of every space's safe-box root folder id; the container id follows it.
pub const SBOX_FOLDER_PREFIX: &str = "DEUI7pa0C24Asbox";

/// Default personal quota: 10 GiB.
pub const DEFAULT_PERSONAL_QUOTA_BYTES: u64 = 10 * 1024 * 1024 * 1024;

/// One seeded user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedUser {
    /// External user id (`userId`, `X-User-Id`).
    pub user_id: &'static str,
    /// Display name (`userName`).
    pub user_name: &'static str,
    /// Role: `"1"` ordinary user, `"2"` super administrator.
    pub role: &'static str,
    /// Authorization code accepted by `create_session` (reusable).
    pub code: &'static str,
    /// Internal user id (`innerUserId`).
    pub inner_user_id: &'static str,
}

/// Every seeded user.
pub const USERS: [SeedUser; 3] = [
    SeedUser {
        user_id: ALICE_USER_ID,
        user_name: ALICE_USER_NAME,
        role: ROLE_USER,
        code: ALICE_CODE,
        inner_user_id: "2008600000000000001",
    },
    SeedUser {
        user_id: BOB_USER_ID,
        user_name: BOB_USER_NAME,
        role: ROLE_USER,
        code: BOB_CODE,
        inner_user_id: "2008600000000000002",
    },
    SeedUser {
        user_id: ADMIN_USER_ID,
        user_name: ADMIN_USER_NAME,
        role: ROLE_SUPER_ADMIN,
        code: ADMIN_CODE,
        inner_user_id: "2008600000000000009",
    },
];

/// Looks a seeded user up by id.
pub fn user(user_id: &str) -> Option<&'static SeedUser> {
    USERS.iter().find(|u| u.user_id == user_id)
}

/// Whether `user_id` belongs to the seeded department.
pub fn in_department(user_id: &str) -> bool {
    DEPARTMENT_MEMBERS.contains(&user_id)
}
