//! File management (files.md §1, without the upload and download flows): details,
//! folders, renaming, the recycle bin, search, full paths and folder statistics.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::client::Client;
use crate::error::{Result, ValidationError};
use crate::http::Method;
use crate::model::{ContainerType, DownloadLink, File, FileType, RenameMode, SortInfo, code_enum};
use crate::operation::{Operation, PathPart, RequestSpec, body, parse_data, parse_top, path};
use crate::paging::{Page, PagedOperation};
use crate::validate;
use crate::wire::{Empty, lenient};

/// The longest folder description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 512;

/// `get_file`: a file's details.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetFile {
    /// The file id.
    pub file_id: String,
    /// The space holding the file.
    pub container_id: String,
    /// An OBS image-processing spec for the thumbnail.
    #[serde(default)]
    pub image_process: Option<String>,
}

impl GetFile {
    /// Details of `file_id` in `container_id`.
    pub fn new(file_id: impl Into<String>, container_id: impl Into<String>) -> Self {
        Self {
            file_id: file_id.into(),
            container_id: container_id.into(),
            image_process: None,
        }
    }
}

impl Operation for GetFile {
    const NAME: &'static str = "get_file";
    // A read, although sent as POST.
    const IDEMPOTENT: bool = true;
    type Output = File;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("fileId", &self.file_id)?;
        validate::id("containerId", &self.container_id)
    }

    fn request(&self) -> RequestSpec {
        let p = path(&[
            PathPart::Lit("/koodrive/ose/v1/files/"),
            PathPart::Id(&self.file_id),
            PathPart::Lit("/detail"),
        ]);
        RequestSpec::new(Method::Post, p).json(body(json!({
            "containerId": self.container_id,
            "imageProcess": self.image_process,
        })))
    }

    fn parse(status: u16, body: &[u8]) -> Result<File> {
        parse_top(status, body)
    }
}

/// `create_directory`: a new folder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDirectory {
    /// The space to create it in.
    pub container_id: String,
    /// The folder name.
    pub file_name: String,
    /// The parent folder id; the space's root when `None`.
    #[serde(default)]
    pub parent_folder: Option<String>,
    /// A description of at most 512 characters.
    #[serde(default)]
    pub description: Option<String>,
    /// What to do when the name is taken; the server refuses when `None`.
    #[serde(default)]
    pub rename_mode: Option<RenameMode>,
}

impl CreateDirectory {
    /// A folder `name` under `parent` (the root when `None`) of `container_id`.
    pub fn new(
        container_id: impl Into<String>,
        parent: Option<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            container_id: container_id.into(),
            file_name: name.into(),
            parent_folder: parent,
            ..Self::default()
        }
    }
}

impl Operation for CreateDirectory {
    const NAME: &'static str = "create_directory";
    const IDEMPOTENT: bool = false;
    type Output = File;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("containerId", &self.container_id)?;
        validate::file_name("fileName", &self.file_name)?;
        if let Some(parent) = &self.parent_folder {
            validate::id("parentFolder", parent)?;
        }
        validate::max_chars(
            "description",
            self.description.as_deref(),
            MAX_DESCRIPTION_CHARS,
        )
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Post, "/koodrive/ose/v1/directory").json(body(json!({
            "fileName": self.file_name,
            "fileType": FileType::Folder.code(),
            "containerId": self.container_id,
            "parentFolder": self.parent_folder.as_ref().map(|p| [p]),
            "description": self.description,
            "renameMode": self.rename_mode,
        })))
    }

    fn parse(status: u16, body: &[u8]) -> Result<File> {
        parse_top(status, body)
    }
}

/// `rename_file`: gives a file or folder a new name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RenameFile {
    /// The file id.
    pub file_id: String,
    /// The space holding the file.
    pub container_id: String,
    /// The new name.
    pub name: String,
    /// What to do when the name is taken.
    #[serde(default)]
    pub rename_mode: Option<RenameMode>,
}

impl Operation for RenameFile {
    const NAME: &'static str = "rename_file";
    // Renaming to the same name twice ends in the same state.
    const IDEMPOTENT: bool = true;
    type Output = Empty;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("fileId", &self.file_id)?;
        validate::id("containerId", &self.container_id)?;
        validate::file_name("name", &self.name)
    }

    fn request(&self) -> RequestSpec {
        let p = path(&[
            PathPart::Lit("/koodrive/ose/v1/files/rename/"),
            PathPart::Id(&self.file_id),
        ]);
        RequestSpec::new(Method::Post, p).json(body(json!({
            "containerId": self.container_id,
            "name": self.name,
            "renameMode": self.rename_mode,
        })))
    }

    fn parse(status: u16, body: &[u8]) -> Result<Empty> {
        parse_top(status, body)
    }
}

/// `empty_recycle_bin`: purges the recycle bin of a space. The server purges in the
/// background; the call returns before it is done.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmptyRecycleBin {
    /// The space.
    pub container_id: String,
}

impl Operation for EmptyRecycleBin {
    const NAME: &'static str = "empty_recycle_bin";
    const IDEMPOTENT: bool = true;
    type Output = Empty;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("containerId", &self.container_id)
    }

    fn request(&self) -> RequestSpec {
        // The parameter table names the field `container`, the example
        // `containerId`; both are sent.
        RequestSpec::new(Method::Post, "/koodrive/ose/v1/files/recycle").json(json!({
            "container": self.container_id,
            "containerId": self.container_id,
        }))
    }

    fn parse(status: u16, body: &[u8]) -> Result<Empty> {
        parse_top(status, body)
    }
}

code_enum! {
    /// Where a search looks (`searchType`).
    #[derive(Default)]
    SearchType {
        /// `personal`: the user's personal space.
        #[default]
        Personal = "personal",
        /// `team`: the team spaces the user belongs to.
        Team = "team",
    }
}

/// Search conditions (`filter`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchFilter {
    /// Part of the file name (at most 80 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_word: Option<String>,
    /// The space; required with `parent_folder`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container_id: Option<String>,
    /// The folder to search in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_folder: Option<String>,
    /// Only files of this type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_type: Option<FileType>,
    /// Only files of this owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<String>,
    /// The last-update time range, in the server's format (not documented).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_time_range: Option<String>,
}

/// The longest search keyword, in characters.
pub const MAX_KEYWORD_CHARS: usize = 80;

/// `search_files`: finds files by name, type, folder or owner. Paged.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchFiles {
    /// Personal or team spaces.
    pub search_type: SearchType,
    /// Results per page, 1 to 100 (100 when `None`).
    pub page_size: Option<u32>,
    /// The cursor of the page to fetch.
    pub page_cursor: Option<String>,
    /// Conditions.
    pub filter: Option<SearchFilter>,
    /// Order.
    pub sort_info: Option<SortInfo>,
    /// Search the recycle bin instead of the live files.
    pub recycled: Option<bool>,
    /// Search sub-folders too (the wire name is `recursived`).
    pub recursived: Option<bool>,
    /// An OBS image-processing spec for thumbnails.
    pub image_process: Option<String>,
}

/// One search hit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchHit {
    /// The file id.
    pub id: String,
    /// The extension.
    pub file_suffix: Option<String>,
    /// The name.
    pub file_name: Option<String>,
    /// The type.
    pub file_type: Option<FileType>,
    /// The size in bytes (a string on the wire).
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub size: Option<u64>,
    /// The last update time.
    pub update_time: Option<String>,
    /// The full name path.
    pub name_path: Option<String>,
    /// The full id path.
    pub id_path: Option<String>,
    /// Thumbnail links, for images.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub download_links: Vec<DownloadLink>,
    /// The department or group name, for team spaces.
    pub team_name: Option<String>,
    /// The department or group id, for team spaces.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub team_id: Option<String>,
    /// The space id.
    pub container_id: Option<String>,
    /// The kind of space.
    pub container_type: Option<ContainerType>,
    /// Whether the user has favorited the file.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub favorite: Option<bool>,
    /// The owner's name, for team spaces.
    pub owner: Option<String>,
}

/// One page of search results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SearchResult {
    /// The hits.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub files: Vec<SearchHit>,
    /// The number of hits in all pages.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub total: Option<u64>,
    /// The next page's cursor; empty on the last page.
    #[serde(alias = "nextCursor")]
    pub next_page_cursor: Option<String>,
}

impl Operation for SearchFiles {
    const NAME: &'static str = "search_files";
    const IDEMPOTENT: bool = true;
    type Output = SearchResult;

    fn validate(&self) -> Result<(), ValidationError> {
        if let SearchType::Unknown(other) = &self.search_type {
            return Err(ValidationError::Invalid {
                field: "searchType",
                reason: format!("{other:?} is neither `personal` nor `team`"),
            });
        }
        if let Some(size) = self.page_size {
            validate::page_size(size)?;
        }
        if let Some(filter) = &self.filter {
            validate::max_chars("keyWord", filter.key_word.as_deref(), MAX_KEYWORD_CHARS)?;
            if filter.parent_folder.is_some() && filter.container_id.is_none() {
                return Err(ValidationError::Invalid {
                    field: "filter.containerId",
                    reason: "a search inside a folder needs the folder's container id".into(),
                });
            }
        }
        Ok(())
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Post, "/koodrive/ose/v1/files/search").json(body(json!({
            "searchType": self.search_type.code(),
            "pageInfo": page_info(self.page_size, self.page_cursor.as_deref()),
            "filter": self.filter,
            "sortInfo": self.sort_info,
            "recycled": self.recycled,
            "recursived": self.recursived,
            "imageProcess": self.image_process,
        })))
    }

    fn parse(status: u16, body: &[u8]) -> Result<SearchResult> {
        parse_top(status, body)
    }
}

impl PagedOperation for SearchFiles {
    type Item = SearchHit;

    fn set_cursor(&mut self, cursor: Option<String>) {
        self.page_cursor = cursor;
    }

    fn into_page(output: SearchResult) -> Page<SearchHit> {
        Page {
            items: output.files,
            next_cursor: output.next_page_cursor,
        }
    }
}

/// The `pageInfo` object of body-paged lists: the size as a number (the documented
/// type; the examples quote it) and `""` for the first page.
pub(crate) fn page_info(page_size: Option<u32>, cursor: Option<&str>) -> serde_json::Value {
    json!({
        "pageSize": page_size.unwrap_or(validate::MAX_PAGE_SIZE),
        "pageCursor": cursor.unwrap_or(""),
    })
}

/// `get_full_path`: the name and id paths from the space root to a file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetFullPath {
    /// The file id.
    pub file_id: String,
    /// The space holding the file.
    pub container_id: String,
}

/// A file's place in its space.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FullPath {
    /// `/`-separated ids, root folder first, the file last.
    #[serde(alias = "idPath")]
    pub file_id_path: String,
    /// `/`-separated names; the first segment is `root` and the container id.
    pub name_path: String,
}

impl FullPath {
    /// The names below the root, the file's own last.
    pub fn names(&self) -> Vec<&str> {
        self.name_path
            .split('/')
            .filter(|s| !s.is_empty())
            .skip(1)
            .collect()
    }
}

impl Operation for GetFullPath {
    const NAME: &'static str = "get_full_path";
    const IDEMPOTENT: bool = true;
    type Output = FullPath;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("fileId", &self.file_id)?;
        validate::id("containerId", &self.container_id)
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Get, "/koodrive/ose/v1/files/path")
            .query("fileId", self.file_id.as_str())
            .query("containerId", self.container_id.as_str())
    }

    fn parse(status: u16, body: &[u8]) -> Result<FullPath> {
        parse_top(status, body)
    }
}

/// `stats_dir`: counts the folders, files and bytes under a folder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsDir {
    /// The folder id, or `root`.
    pub file_id: String,
    /// The space holding it.
    pub container_id: String,
    /// Count all descendants (the server's default) or only direct children.
    #[serde(default)]
    pub recursive: Option<bool>,
}

/// Folder statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DirStats {
    /// Bytes in the files counted.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub total_size: Option<u64>,
    /// Folders counted.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub sub_dir_count: Option<u64>,
    /// Files counted.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub sub_file_count: Option<u64>,
}

impl Operation for StatsDir {
    const NAME: &'static str = "stats_dir";
    const IDEMPOTENT: bool = true;
    type Output = DirStats;

    fn validate(&self) -> Result<(), ValidationError> {
        validate::id("fileId", &self.file_id)?;
        validate::id("containerId", &self.container_id)
    }

    fn request(&self) -> RequestSpec {
        // The URI table says GET; the example uses POST with the same query.
        RequestSpec::new(Method::Get, "/koodrive/ose/v1/files/statsDir")
            .query("fileId", self.file_id.as_str())
            .query("containerId", self.container_id.as_str())
            .query_opt("recursive", self.recursive.map(|r| r.to_string()))
    }

    fn parse(status: u16, body: &[u8]) -> Result<DirStats> {
        parse_data(status, body)
    }
}

impl Client {
    /// A file's details.
    pub async fn get_file(&self, request: &GetFile) -> Result<File> {
        self.execute(request).await
    }

    /// Creates a folder.
    pub async fn create_directory(&self, request: &CreateDirectory) -> Result<File> {
        self.execute(request).await
    }

    /// Renames a file or folder.
    pub async fn rename_file(&self, request: &RenameFile) -> Result<()> {
        self.execute(request).await.map(|_| ())
    }

    /// Purges a space's recycle bin.
    pub async fn empty_recycle_bin(&self, container_id: impl Into<String>) -> Result<()> {
        self.execute(&EmptyRecycleBin {
            container_id: container_id.into(),
        })
        .await
        .map(|_| ())
    }

    /// A file's name and id paths.
    pub async fn get_full_path(
        &self,
        file_id: impl Into<String>,
        container_id: impl Into<String>,
    ) -> Result<FullPath> {
        self.execute(&GetFullPath {
            file_id: file_id.into(),
            container_id: container_id.into(),
        })
        .await
    }

    /// Folder statistics.
    pub async fn stats_dir(&self, request: &StatsDir) -> Result<DirStats> {
        self.execute(request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_directory_body() {
        let mut op = CreateDirectory::new("C1", Some("P1".into()), "Reports");
        op.rename_mode = Some(RenameMode::AutoRename);
        let spec = op.request();
        assert_eq!(spec.path, "/koodrive/ose/v1/directory");
        assert_eq!(
            spec.body.unwrap(),
            json!({"fileName":"Reports","fileType":"10","containerId":"C1","parentFolder":["P1"],"renameMode":2})
        );
        let root = CreateDirectory::new("C1", None, "R")
            .request()
            .body
            .unwrap();
        assert!(root.get("parentFolder").is_none());
    }

    #[test]
    fn bad_names_and_ids_are_refused() {
        assert!(CreateDirectory::new("C1", None, "a/b").validate().is_err());
        assert!(CreateDirectory::new("", None, "ok").validate().is_err());
        let mut op = CreateDirectory::new("C", None, "ok");
        op.description = Some("d".repeat(513));
        assert!(op.validate().is_err());
        let r = RenameFile {
            file_id: "F".into(),
            container_id: "C".into(),
            name: "..".into(),
            rename_mode: None,
        };
        assert_eq!(
            r.validate(),
            Err(ValidationError::ReservedName { field: "name" })
        );
    }

    #[test]
    fn search_rules() {
        let mut op = SearchFiles {
            page_size: Some(0),
            ..SearchFiles::default()
        };
        assert!(op.validate().is_err());
        op.page_size = Some(50);
        op.filter = Some(SearchFilter {
            parent_folder: Some("P".into()),
            ..SearchFilter::default()
        });
        assert!(op.validate().is_err());
        op.filter = Some(SearchFilter {
            key_word: Some("x".repeat(81)),
            ..SearchFilter::default()
        });
        assert!(op.validate().is_err());
        op.filter = None;
        op.search_type = SearchType::Unknown("all".into());
        assert!(op.validate().is_err());
        op.search_type = SearchType::Team;
        let body = op.request().body.unwrap();
        assert_eq!(body["pageInfo"], json!({"pageSize":50,"pageCursor":""}));
        assert_eq!(body["searchType"], "team");
    }

    #[test]
    fn full_path_names() {
        let p = FullPath {
            file_id_path: "/a/b".into(),
            name_path: "/rootC/007/001/x".into(),
        };
        assert_eq!(p.names(), ["007", "001", "x"]);
    }
}
