//! Space information (admin.md §3.0, §3.2, §3.12): which spaces a user, department or
//! group owns, with each space's container id and root folders.

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{Result, ValidationError};
use crate::http::Method;
use crate::model::ContainerType;
use crate::operation::{Operation, PathPart, RequestSpec, parse_data, path};
use crate::validate;
use crate::wire::lenient;

/// A space (`SpaceInfo`, `SpaceInfoV2`).
///
/// `capacity` is in GB as the reference says; the unit of `space_used` is not stated
/// (the emulator reports bytes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SpaceInfo {
    /// Department, personal or group space.
    #[serde(rename = "type")]
    pub space_type: Option<ContainerType>,
    /// `0` normal, `1` disabled.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
    /// The department, user or group that owns the space.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub owner_id: Option<String>,
    /// The space id.
    pub container_id: String,
    /// The root folder of the normal file tree.
    pub biz_root_file_id: Option<String>,
    /// The root folder of the safe box.
    pub biz_sbox_file_id: Option<String>,
    /// The size, in GB.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub capacity: Option<u64>,
    /// The space used.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub space_used: Option<u64>,
    /// The tenant.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub tenant_id: Option<String>,
    /// Who created the space.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub creator: Option<String>,
    /// When it was created.
    pub create_time: Option<String>,
    /// Who changed it last.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub modifier: Option<String>,
    /// When it was changed last.
    pub update_time: Option<String>,
    /// The space's root directory id.
    pub root_file_id: Option<String>,
}

impl SpaceInfo {
    /// Whether the space is usable (`status` `0`).
    pub fn is_active(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s == "0")
    }
}

/// `get_space`: the space of a user, department or group.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetSpace {
    /// The user, department or group id.
    pub owner_id: String,
    /// Which kind of owner `owner_id` is.
    #[serde(rename = "type")]
    pub space_type: ContainerType,
    /// Which personal space, when the user owns several.
    #[serde(default)]
    pub container_id: Option<String>,
}

impl Operation for GetSpace {
    const NAME: &'static str = "get_space";
    const IDEMPOTENT: bool = true;
    type Output = SpaceInfo;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("ownerId", &self.owner_id)?;
        if let ContainerType::Unknown(t) = &self.space_type {
            return Err(ValidationError::Invalid {
                field: "type",
                reason: format!("{t:?} is not 0 (department), 1 (personal) or 2 (group)"),
            });
        }
        Ok(())
    }

    fn request(&self) -> RequestSpec {
        let p = path(&[
            PathPart::Lit("/koodrive/ose/v1/space/"),
            PathPart::Id(&self.owner_id),
        ]);
        RequestSpec::new(Method::Get, p)
            .query("type", self.space_type.code())
            .query_opt("containerId", self.container_id.clone())
    }

    fn parse(status: u16, body: &[u8]) -> Result<SpaceInfo> {
        parse_data(status, body)
    }
}

/// `get_spaces_v2`: every space of an owner (a user may own several).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetSpacesV2 {
    /// The owner's id.
    pub owner_id: String,
    /// Only spaces of this kind.
    #[serde(default, rename = "type")]
    pub space_type: Option<ContainerType>,
}

impl Operation for GetSpacesV2 {
    const NAME: &'static str = "get_spaces_v2";
    const IDEMPOTENT: bool = true;
    type Output = Vec<SpaceInfo>;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("ownerId", &self.owner_id)
    }

    fn request(&self) -> RequestSpec {
        let p = path(&[
            PathPart::Lit("/koodrive/ose/v2/space/"),
            PathPart::Id(&self.owner_id),
        ]);
        RequestSpec::new(Method::Get, p).query_opt(
            "type",
            self.space_type.as_ref().map(|t| t.code().to_owned()),
        )
    }

    fn parse(status: u16, body: &[u8]) -> Result<Vec<SpaceInfo>> {
        #[derive(Deserialize)]
        struct Spaces(#[serde(deserialize_with = "lenient::vec_or_one")] Vec<SpaceInfo>);
        parse_data::<Spaces>(status, body).map(|s| s.0)
    }
}

impl Client {
    /// The space of `owner_id`.
    pub async fn get_space(&self, request: &GetSpace) -> Result<SpaceInfo> {
        self.execute(request).await
    }

    /// Every space `owner_id` owns, optionally only of one kind.
    pub async fn get_spaces_v2(
        &self,
        owner_id: impl Into<String>,
        space_type: Option<ContainerType>,
    ) -> Result<Vec<SpaceInfo>> {
        self.execute(&GetSpacesV2 {
            owner_id: owner_id.into(),
            space_type,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_info_reads_numbers_or_strings() {
        let body = br#"{"code":0,"data":{"type":"1","status":0,"ownerId":"42","containerId":"IAA1","bizRootFileId":"DEUI7pa0C24ArootIAA1","capacity":"10","spaceUsed":1024}}"#;
        let info = GetSpace::parse(200, body).unwrap();
        assert_eq!(info.space_type, Some(ContainerType::Personal));
        assert_eq!((info.capacity, info.space_used), (Some(10), Some(1024)));
        assert!(info.is_active());
        let list = GetSpacesV2::parse(
            200,
            br#"{"code":0,"data":[{"containerId":"A"},{"containerId":"B"}]}"#,
        )
        .unwrap();
        assert_eq!(list.len(), 2);
    }

    #[test]
    fn requests() {
        let spec = GetSpace {
            owner_id: "42".into(),
            space_type: ContainerType::Department,
            container_id: None,
        }
        .request();
        assert_eq!(spec.path, "/koodrive/ose/v1/space/42");
        assert_eq!(spec.encoded_query(), "type=0");
        let spec = GetSpacesV2 {
            owner_id: "42".into(),
            space_type: None,
        }
        .request();
        assert_eq!(spec.path, "/koodrive/ose/v2/space/42");
        assert!(spec.query.is_empty());
    }
}
