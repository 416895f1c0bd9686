//! Values shared by several API areas: files, users, codes with a fixed set of values.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

use crate::wire::lenient;

/// Declares an enum whose wire form is a string code, with a fallback variant that
/// keeps codes the reference does not list.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value the reference does not list, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The wire code.
            pub fn code(&self) -> &str {
                match self {
                    $( $name::$variant => $code, )*
                    $name::Unknown(s) => s,
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(match s.trim() {
                    $( $code => $name::$variant, )*
                    other => $name::Unknown(other.to_owned()),
                })
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let raw = $crate::wire::lenient::opt_string(d)?.unwrap_or_default();
                Ok(raw.parse().unwrap_or_else(|never| match never {}))
            }
        }
    };
}

/// Declares an enum whose wire form is a JSON integer.
macro_rules! int_enum {
    ($(#[$meta:meta])* $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// The wire value.
            pub fn code(self) -> i64 {
                match self {
                    $( $name::$variant => $code, )*
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_i64(self.code())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                match $crate::wire::lenient::opt_i64(d)? {
                    $( Some($code) => Ok($name::$variant), )*
                    other => Err(serde::de::Error::custom(format!(
                        concat!("{:?} is not a valid ", stringify!($name)), other
                    ))),
                }
            }
        }
    };
}

pub(crate) use {code_enum, int_enum};

code_enum! {
    /// The type of a file (`fileType`).
    FileType {
        /// `10`: a folder.
        Folder = "10",
        /// `11`: a smart folder (whitelisted tenants only).
        SmartFolder = "11",
        /// `15`: an image.
        Image = "15",
        /// `20`: a video.
        Video = "20",
        /// `26`: a Word document.
        Word = "26",
        /// `27`: an Excel workbook.
        Excel = "27",
        /// `28`: a PowerPoint presentation.
        PowerPoint = "28",
        /// `30`: audio.
        Audio = "30",
        /// `35`: an archive.
        Archive = "35",
        /// `40`: an application.
        Application = "40",
        /// `45`: anything else.
        Other = "45",
    }
}

code_enum! {
    /// The kind of a space (`containerType`, a space's `type`).
    #[derive(Default)]
    ContainerType {
        /// `0`: a department space.
        Department = "0",
        /// `1`: a personal space.
        #[default]
        Personal = "1",
        /// `2`: a group space.
        Group = "2",
    }
}

int_enum! {
    /// What happens when a name is already taken (`renameMode`).
    #[derive(Default)]
    RenameMode {
        /// `2`: append a timestamp to the new name.
        AutoRename = 2,
        /// `3`: refuse, with error 13000405.
        #[default]
        Fail = 3,
    }
}

int_enum! {
    /// The sort key of a file list (`sortType`).
    SortType {
        /// `1`: name.
        Name = 1,
        /// `2`: size.
        Size = 2,
        /// `3`: creation time.
        Created = 3,
        /// `4`: modification time.
        Modified = 4,
        /// `5`: the time it went to the recycle bin.
        Recycled = 5,
        /// `6`: format.
        Format = 6,
    }
}

int_enum! {
    /// The sort order (`sortDirection`).
    SortDirection {
        /// `1`: ascending.
        Ascending = 1,
        /// `2`: descending.
        Descending = 2,
    }
}

/// How a file list is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SortInfo {
    /// The key.
    pub sort_type: SortType,
    /// The order.
    pub sort_direction: SortDirection,
}

/// A user as file records show one (owner, last editor). The reference does not
/// document this object, so every field is optional and the rest is kept in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserRef {
    /// The user id.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub user_id: Option<String>,
    /// The user's name.
    pub user_name: Option<String>,
    /// The name to display, when the server sends one.
    pub display_name: Option<String>,
    /// Fields the SDK does not model.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A link to a file's content or thumbnail. List pages name its fields `category` and
/// `link`, sharing pages `usage` and `downloadLink`; all four are read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DownloadLink {
    /// What the link serves (list pages).
    pub category: Option<String>,
    /// The URL (list pages).
    pub link: Option<String>,
    /// What the link serves: `content` or `thumbnail` (sharing pages).
    pub usage: Option<String>,
    /// The URL (sharing pages).
    pub download_link: Option<String>,
}

/// A file or folder.
///
/// The reference shows only part of this record; the fields follow what it shows and
/// the Drive-style model it is based on (files.md §2). Every field but `id` is
/// optional and unknown fields are ignored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct File {
    /// The record type, `drive#file`.
    pub category: Option<String>,
    /// The file id.
    pub id: String,
    /// The name.
    pub file_name: Option<String>,
    /// The type code.
    pub file_type: Option<FileType>,
    /// The content type.
    pub mime_type: Option<String>,
    /// The size in bytes.
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub size: Option<u64>,
    /// The SHA-256 of the content, hex.
    pub sha256: Option<String>,
    /// The parent folder ids; only the first is meaningful.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub parent_folder: Vec<String>,
    /// The ids of the spaces holding the file.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub containers: Vec<String>,
    /// Creation time, UTC.
    pub created_time: Option<String>,
    /// Modification time, UTC.
    pub edited_time: Option<String>,
    /// Whether the file is in the recycle bin.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub recycled: Option<bool>,
    /// When the file went to the recycle bin.
    pub recycled_time: Option<String>,
    /// The extension (last segment of the full extension).
    pub file_suffix: Option<String>,
    /// The full extension (`tar.gz`).
    pub full_file_suffix: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// Whether the current user has favorited the file.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub favorite: Option<bool>,
    /// The owners.
    #[serde(deserialize_with = "lenient::vec_or_one")]
    pub owners: Vec<UserRef>,
    /// The last editor.
    pub last_editor: Option<UserRef>,
    /// Public custom attributes.
    pub properties: Option<BTreeMap<String, Value>>,
    /// A thumbnail URL, for images.
    pub thumbnail_download_link: Option<String>,
    /// The content version.
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub version: Option<i64>,
}

impl File {
    /// Whether this record is a folder.
    pub fn is_folder(&self) -> bool {
        self.file_type == Some(FileType::Folder)
    }

    /// The parent folder id, when known.
    pub fn parent_id(&self) -> Option<&str> {
        self.parent_folder.first().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_enums_read_strings_numbers_and_unknowns() {
        let t: FileType = serde_json::from_str("\"10\"").unwrap();
        assert_eq!(t, FileType::Folder);
        let t: FileType = serde_json::from_str("15").unwrap();
        assert_eq!(t, FileType::Image);
        let t: FileType = serde_json::from_str("\"99\"").unwrap();
        assert_eq!(t, FileType::Unknown("99".into()));
        assert_eq!(serde_json::to_string(&FileType::Archive).unwrap(), "\"35\"");
    }

    #[test]
    fn int_enums_read_numbers_and_strings() {
        let m: RenameMode = serde_json::from_str("\"2\"").unwrap();
        assert_eq!(m, RenameMode::AutoRename);
        assert!(serde_json::from_str::<RenameMode>("4").is_err());
        assert_eq!(
            serde_json::to_string(&SortInfo {
                sort_type: SortType::Size,
                sort_direction: SortDirection::Descending
            })
            .unwrap(),
            r#"{"sortType":2,"sortDirection":2}"#
        );
    }

    #[test]
    fn file_records_tolerate_drift_and_extras() {
        let f: File = serde_json::from_str(
            r#"{"id":"F1","fileName":"a.txt","size":"42","parentFolder":"P","recycled":"false",
               "owners":{"userId":100,"userName":"A","nick":"x"},"brandNew":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(f.size, Some(42));
        assert_eq!(f.parent_id(), Some("P"));
        assert_eq!(f.recycled, Some(false));
        assert_eq!(f.owners[0].user_id.as_deref(), Some("100"));
        assert_eq!(f.owners[0].extra["nick"], "x");
        assert!(!f.is_folder());
    }
}
