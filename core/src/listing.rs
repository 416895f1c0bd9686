//! File lists (files.md §2): the folders of personal and team spaces, and their
//! recycle bins. Both are cursor-paged: use [`Client::page`] for one page or
//! [`Client::stream`] for every entry.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::client::Client;
use crate::error::{Result, ValidationError};
use crate::files::page_info;
use crate::http::Method;
use crate::model::{File, FileType, SortInfo, int_enum};
use crate::operation::{Operation, PathPart, RequestSpec, body, parse_top, path};
use crate::paging::{Page, PagedOperation};
use crate::platform::BoxStream;
use crate::validate;
use crate::wire::lenient;

/// What a list request selects, common to personal and team lists.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListQuery {
    /// The space.
    pub container_id: String,
    /// The folder: `root`, `sbox` (the safe box) or a folder id.
    pub parent_file_id: String,
    /// List the recycle bin instead of the folder.
    pub recycled: bool,
    /// Entries per page, 1 to 100 (100 when `None`).
    pub page_size: Option<u32>,
    /// The cursor of the page to fetch.
    pub page_cursor: Option<String>,
    /// Only entries of this type.
    pub file_type: Option<FileType>,
    /// Order.
    pub sort_info: Option<SortInfo>,
    /// An OBS image-processing spec for thumbnails.
    pub image_process: Option<String>,
}

impl ListQuery {
    /// The entries of `parent_file_id` (`root` for the root) in `container_id`.
    pub fn folder(container_id: impl Into<String>, parent_file_id: impl Into<String>) -> Self {
        Self {
            container_id: container_id.into(),
            parent_file_id: parent_file_id.into(),
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("containerId", &self.container_id)?;
        validate::id("parentFileId", &self.parent_file_id)?;
        match self.page_size {
            Some(size) => validate::page_size(size),
            None => Ok(()),
        }
    }

    fn body(&self) -> serde_json::Value {
        body(json!({
            "pageInfo": page_info(self.page_size, self.page_cursor.as_deref()),
            "containerId": self.container_id,
            "parentFileId": self.parent_file_id,
            "fileType": self.file_type,
            "sortInfo": self.sort_info,
            "imageProcess": self.image_process,
        }))
    }

    fn type_segment(&self) -> &'static str {
        if self.recycled { "1" } else { "0" }
    }
}

/// One page of a file list.
///
/// The reference does not show this response; its shape follows the documented
/// example's first field (`category`) and the Drive-style model (files.md §2).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FileList {
    /// The record type, `drive#fileList`.
    pub category: Option<String>,
    /// The entries.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub files: Vec<File>,
    /// The next page's cursor; absent after the last page.
    #[serde(alias = "nextPageCursor")]
    pub next_cursor: Option<String>,
}

/// `list_personal_files`: a folder or the recycle bin of a personal space.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct ListPersonalFiles(pub ListQuery);

impl Operation for ListPersonalFiles {
    const NAME: &'static str = "list_personal_files";
    const IDEMPOTENT: bool = true;
    type Output = FileList;

    fn validate(&self) -> Result<(), ValidationError> {
        self.0.validate()
    }

    fn request(&self) -> RequestSpec {
        let p = path(&[
            PathPart::Lit("/koodrive/ose/v1/files/"),
            PathPart::Lit(self.0.type_segment()),
        ]);
        RequestSpec::new(Method::Post, p).json(self.0.body())
    }

    fn parse(status: u16, body: &[u8]) -> Result<FileList> {
        parse_top(status, body)
    }
}

int_enum! {
    /// The kind of team (`team_type`).
    #[derive(Default)]
    TeamType {
        /// `0`: a department.
        #[default]
        Department = 0,
        /// `2`: a group.
        Group = 2,
    }
}

/// `list_team_files`: a folder or the recycle bin of a department or group space.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTeamFiles {
    /// The department or group id.
    pub group_id: String,
    /// Whether `group_id` is a department or a group.
    #[serde(default)]
    pub team_type: TeamType,
    /// What to list.
    #[serde(flatten)]
    pub query: ListQuery,
}

impl Operation for ListTeamFiles {
    const NAME: &'static str = "list_team_files";
    const IDEMPOTENT: bool = true;
    type Output = FileList;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("groupId", &self.group_id)?;
        self.query.validate()
    }

    fn request(&self) -> RequestSpec {
        let p = path(&[
            PathPart::Lit("/koodrive/ose/v1/files/"),
            PathPart::Id(&self.group_id),
            PathPart::Lit("/"),
            PathPart::Lit(self.query.type_segment()),
        ]);
        RequestSpec::new(Method::Post, p)
            .query("team_type", self.team_type.code().to_string())
            .json(self.query.body())
    }

    fn parse(status: u16, body: &[u8]) -> Result<FileList> {
        parse_top(status, body)
    }
}

macro_rules! paged_file_list {
    ($op:ty, $query:tt) => {
        impl PagedOperation for $op {
            type Item = File;

            fn set_cursor(&mut self, cursor: Option<String>) {
                self.$query.page_cursor = cursor;
            }

            fn into_page(output: FileList) -> Page<File> {
                Page {
                    items: output.files,
                    next_cursor: output.next_cursor,
                }
            }
        }
    };
}

paged_file_list!(ListPersonalFiles, 0);
paged_file_list!(ListTeamFiles, query);

impl Client {
    /// Every entry of a personal-space folder (or its recycle bin), fetched lazily.
    pub fn list_personal_files(&self, query: ListQuery) -> BoxStream<'static, Result<File>> {
        self.stream(ListPersonalFiles(query))
    }

    /// Every entry of a team-space folder (or its recycle bin), fetched lazily.
    pub fn list_team_files(
        &self,
        group_id: impl Into<String>,
        team_type: TeamType,
        query: ListQuery,
    ) -> BoxStream<'static, Result<File>> {
        self.stream(ListTeamFiles {
            group_id: group_id.into(),
            team_type,
            query,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_and_team_requests() {
        let mut q = ListQuery::folder("C1", "root");
        let spec = ListPersonalFiles(q.clone()).request();
        assert_eq!(spec.path, "/koodrive/ose/v1/files/0");
        assert_eq!(
            spec.body.unwrap(),
            json!({"pageInfo":{"pageSize":100,"pageCursor":""},"containerId":"C1","parentFileId":"root"})
        );
        q.recycled = true;
        q.page_size = Some(10);
        let team = ListTeamFiles {
            group_id: "G 1".into(),
            team_type: TeamType::Group,
            query: q,
        };
        let spec = team.request();
        assert_eq!(spec.path, "/koodrive/ose/v1/files/G%201/1");
        assert_eq!(spec.query, vec![("team_type".to_string(), "2".to_string())]);
    }

    #[test]
    fn list_rules() {
        let mut q = ListQuery::folder("C1", "");
        assert!(ListPersonalFiles(q.clone()).validate().is_err());
        q.parent_file_id = "root".into();
        q.page_size = Some(101);
        assert!(ListPersonalFiles(q).validate().is_err());
    }

    #[test]
    fn list_response_shapes() {
        let page: FileList = serde_json::from_str(
            r#"{"category":"drive#fileList","files":[{"id":"F1","fileType":"10"}],"nextCursor":"c2","code":0}"#,
        )
        .unwrap();
        let page = ListPersonalFiles::into_page(page);
        assert_eq!(page.next_cursor.as_deref(), Some("c2"));
        assert!(page.items[0].is_folder());
    }
}
