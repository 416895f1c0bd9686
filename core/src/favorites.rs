//! Favorites (files.md §3): the caller's favorited files, and favoriting or
//! un-favoriting files in bulk. The list is cursor-paged: use [`Client::page`] for one
//! page or [`Client::list_favorites`] for every entry.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::client::Client;
use crate::error::{Result, ValidationError};
use crate::http::Method;
use crate::model::{File, FileType, SortDirection};
use crate::operation::{Operation, RequestSpec, body, parse_top};
use crate::paging::{Page, PagedOperation};
use crate::platform::BoxStream;
use crate::validate;
use crate::wire::lenient;

/// The most files one [`BatchFavorite`] may carry.
pub const MAX_FAVORITE_BATCH: usize = validate::MAX_BATCH_IDS;

/// `list_favorites`: one page of the caller's favorited files, newest favorite first
/// unless `sort_direction` says otherwise.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ListFavorites {
    /// Entries per page, 1 to 100 (100 when `None`).
    pub page_size: Option<u32>,
    /// The cursor of the page to fetch; the first page when `None`.
    pub page_cursor: Option<String>,
    /// The order of favorite time (the only documented sort key); descending when `None`.
    pub sort_direction: Option<SortDirection>,
    /// Only entries of this type.
    pub file_type: Option<FileType>,
    /// An OBS image-processing spec for thumbnails.
    pub image_process: Option<String>,
}

impl Operation for ListFavorites {
    const NAME: &'static str = "list_favorites";
    const IDEMPOTENT: bool = true;
    type Output = FavoriteList;

    fn validate(&self) -> Result<(), ValidationError> {
        match self.page_size {
            Some(size) => validate::page_size(size),
            None => Ok(()),
        }
    }

    fn request(&self) -> RequestSpec {
        // `sortType` has one documented value (1, favorite time), which is also the
        // default, so it is only sent alongside an explicit direction.
        let sort_type = self.sort_direction.map(|_| "1");
        RequestSpec::new(Method::Get, "/koodrive/ose/v1/star/files")
            .query_opt("pageSize", self.page_size.map(|s| s.to_string()))
            .query_opt("pageCursor", self.page_cursor.clone())
            .query_opt("sortType", sort_type)
            .query_opt(
                "sortDirection",
                self.sort_direction.map(|d| d.code().to_string()),
            )
            .query_opt(
                "fileType",
                self.file_type.as_ref().map(|t| t.code().to_owned()),
            )
            .query_opt("imageProcess", self.image_process.clone())
    }

    fn parse(status: u16, body: &[u8]) -> Result<FavoriteList> {
        parse_top(status, body)
    }
}

/// One page of favorites.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FavoriteList {
    /// The favorited files (`StarFileInfo`, a file record; the reference shows only its
    /// first fields).
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub star_files: Vec<File>,
    /// How many favorites the server dropped because their file was deleted for good.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub auto_deleted: Option<i64>,
    /// The next page's cursor; absent after the last page.
    #[serde(alias = "nextPageCursor")]
    pub next_cursor: Option<String>,
}

impl PagedOperation for ListFavorites {
    type Item = File;

    fn set_cursor(&mut self, cursor: Option<String>) {
        self.page_cursor = cursor;
    }

    fn into_page(output: FavoriteList) -> Page<File> {
        Page {
            items: output.star_files,
            next_cursor: output.next_cursor,
        }
    }
}

/// A file to favorite or un-favorite (`StarFileRequest`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FavoriteTarget {
    /// The space holding the file.
    pub container_id: String,
    /// The file id.
    pub file_id: String,
}

impl FavoriteTarget {
    /// `file_id` in `container_id`.
    pub fn new(container_id: impl Into<String>, file_id: impl Into<String>) -> Self {
        Self {
            container_id: container_id.into(),
            file_id: file_id.into(),
        }
    }
}

/// `batch_favorite`: adds up to 100 files to the caller's favorites, or removes them.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchFavorite {
    /// `true` to favorite, `false` to un-favorite.
    pub starred: bool,
    /// The files, 1 to 100, each file id at most once.
    pub sub_request_list: Vec<FavoriteTarget>,
}

impl Operation for BatchFavorite {
    const NAME: &'static str = "batch_favorite";
    // Favoriting a favorite (or un-favoriting a non-favorite) changes nothing.
    const IDEMPOTENT: bool = true;
    type Output = BatchFavoriteResult;

    fn validate(&self) -> Result<(), ValidationError> {
        let field = "subRequestList";
        if self.sub_request_list.is_empty() {
            return Err(ValidationError::Empty { field });
        }
        if self.sub_request_list.len() > MAX_FAVORITE_BATCH {
            return Err(ValidationError::TooMany {
                field,
                count: self.sub_request_list.len(),
                max: MAX_FAVORITE_BATCH,
            });
        }
        let mut seen = HashSet::new();
        for target in &self.sub_request_list {
            validate::id("containerId", &target.container_id)?;
            validate::id("fileId", &target.file_id)?;
            if !seen.insert(target.file_id.as_str()) {
                return Err(ValidationError::Invalid {
                    field: "fileId",
                    reason: format!("{} appears more than once", target.file_id),
                });
            }
        }
        Ok(())
    }

    fn request(&self) -> RequestSpec {
        RequestSpec::new(Method::Post, "/koodrive/ose/v1/star/batch").json(body(json!({
            "starred": self.starred,
            "subRequestList": self.sub_request_list,
        })))
    }

    fn parse(status: u16, body: &[u8]) -> Result<BatchFavoriteResult> {
        parse_top(status, body)
    }
}

/// The outcome of a [`BatchFavorite`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct BatchFavoriteResult {
    /// `0` all succeeded, `1` some succeeded, `2` all failed.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub status: Option<i64>,
    /// One entry per file.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub sub_response_list: Vec<FavoriteOutcome>,
}

impl BatchFavoriteResult {
    /// Whether every file succeeded: `status` 0, or, without a status, every entry's
    /// code `0`.
    pub fn all_succeeded(&self) -> bool {
        match self.status {
            Some(status) => status == 0,
            None => self
                .sub_response_list
                .iter()
                .all(FavoriteOutcome::succeeded),
        }
    }

    /// The entries that failed.
    pub fn failures(&self) -> impl Iterator<Item = &FavoriteOutcome> {
        self.sub_response_list.iter().filter(|o| !o.succeeded())
    }
}

/// The result for one file of a [`BatchFavorite`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FavoriteOutcome {
    /// The file id.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub file_id: Option<String>,
    /// The per-file code; `"0"` is success.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub code: Option<String>,
    /// The per-file message (the wire name is `message`; `msg` is read too).
    #[serde(alias = "msg", deserialize_with = "lenient::opt_string")]
    pub message: Option<String>,
}

impl FavoriteOutcome {
    /// Whether this file succeeded: code `0`, or no code at all.
    pub fn succeeded(&self) -> bool {
        self.code.as_deref().is_none_or(|c| c.trim() == "0")
    }
}

impl Client {
    /// Every favorite of the caller, fetched lazily page by page.
    pub fn list_favorites(&self, request: ListFavorites) -> BoxStream<'static, Result<File>> {
        self.stream(request)
    }

    /// Favorites (`starred` true) or un-favorites up to 100 files.
    pub async fn batch_favorite(
        &self,
        starred: bool,
        files: Vec<FavoriteTarget>,
    ) -> Result<BatchFavoriteResult> {
        self.execute(&BatchFavorite {
            starred,
            sub_request_list: files,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_request() {
        let spec = ListFavorites::default().request();
        assert_eq!(spec.method, Method::Get);
        assert_eq!(spec.path, "/koodrive/ose/v1/star/files");
        assert!(spec.query.is_empty() && spec.body.is_none());
        let spec = ListFavorites {
            page_size: Some(10),
            page_cursor: Some("c 1".into()),
            sort_direction: Some(SortDirection::Ascending),
            file_type: Some(FileType::Folder),
            image_process: None,
        }
        .request();
        assert_eq!(
            spec.encoded_query(),
            "pageSize=10&pageCursor=c%201&sortType=1&sortDirection=1&fileType=10"
        );
    }

    #[test]
    fn list_rules_and_shapes() {
        let mut op = ListFavorites {
            page_size: Some(0),
            ..ListFavorites::default()
        };
        assert!(op.validate().is_err());
        op.page_size = Some(100);
        assert!(op.validate().is_ok());
        op.page_size = Some(101);
        assert!(op.validate().is_err());

        let list = ListFavorites::parse(
            200,
            br#"{"code":"0","autoDeleted":"2","nextCursor":"n","starFiles":{"category":"drive#file","id":"F1","favorite":"true","recycled":false,"extra":1}}"#,
        )
        .unwrap();
        assert_eq!(list.auto_deleted, Some(2));
        let page = ListFavorites::into_page(list);
        assert_eq!(page.next_cursor.as_deref(), Some("n"));
        assert_eq!(page.items[0].favorite, Some(true));
        let empty = ListFavorites::parse(200, br#"{"code":0}"#).unwrap();
        assert!(empty.star_files.is_empty() && empty.next_cursor.is_none());
    }

    #[test]
    fn batch_request_and_rules() {
        let op = BatchFavorite {
            starred: true,
            sub_request_list: vec![FavoriteTarget::new("C1", "F1")],
        };
        assert!(op.validate().is_ok());
        let spec = op.request();
        assert_eq!(spec.path, "/koodrive/ose/v1/star/batch");
        assert_eq!(
            spec.body.unwrap(),
            json!({"starred":true,"subRequestList":[{"containerId":"C1","fileId":"F1"}]})
        );

        let mut bad = BatchFavorite::default();
        assert_eq!(
            bad.validate(),
            Err(ValidationError::Empty {
                field: "subRequestList"
            })
        );
        bad.sub_request_list = (0..101)
            .map(|i| FavoriteTarget::new("C1", format!("F{i}")))
            .collect();
        assert!(matches!(
            bad.validate(),
            Err(ValidationError::TooMany { count: 101, .. })
        ));
        bad.sub_request_list.truncate(100);
        assert!(bad.validate().is_ok());
        bad.sub_request_list.push(FavoriteTarget::new("C1", "F0"));
        bad.sub_request_list.remove(1);
        assert!(bad.validate().is_err(), "duplicate file id");
        bad.sub_request_list = vec![FavoriteTarget::new("", "F1")];
        assert!(bad.validate().is_err());
        bad.sub_request_list = vec![FavoriteTarget::new("C1", " ")];
        assert!(bad.validate().is_err());
    }

    #[test]
    fn batch_results() {
        let r = BatchFavorite::parse(
            200,
            br#"{"status":"1","subResponseList":[{"fileId":"F1","code":"0","message":"success"},{"fileId":"F2","code":13000309,"msg":"Resource not found."}]}"#,
        )
        .unwrap();
        assert!(!r.all_succeeded());
        let failed: Vec<_> = r.failures().collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].code.as_deref(), Some("13000309"));
        assert_eq!(failed[0].message.as_deref(), Some("Resource not found."));
        let r = BatchFavorite::parse(200, br#"{"subResponseList":[{"fileId":"F1","code":"0"}]}"#)
            .unwrap();
        assert!(r.all_succeeded());
        let e = BatchFavorite::parse(400, br#"{"code":13000102,"msg":"bad"}"#).unwrap_err();
        assert_eq!(e.code().and_then(|c| c.number()), Some(13000102));
    }
}
