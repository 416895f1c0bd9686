//! Input rules checked before anything is sent.

use crate::error::ValidationError;

/// The longest file or folder name, in characters.
pub const MAX_NAME_CHARS: usize = 250;

/// The most ids one batch request may carry.
pub const MAX_BATCH_IDS: usize = 100;

/// The largest page a cursor-paged list returns.
pub const MAX_PAGE_SIZE: u32 = 100;

/// Characters KooDrive forbids in names.
pub const FORBIDDEN_NAME_CHARS: &[char] = &['<', '>', '|', ':', '"', '*', '?', '/', '\\'];

/// Checks a file or folder name: not empty, not `.` or `..`, none of
/// `<>|:"*?/\`, at most 250 characters.
pub fn file_name(field: &'static str, name: &str) -> Result<(), ValidationError> {
    if name.is_empty() {
        return Err(ValidationError::Empty { field });
    }
    if name == "." || name == ".." {
        return Err(ValidationError::ReservedName { field });
    }
    if let Some(character) = name.chars().find(|c| FORBIDDEN_NAME_CHARS.contains(c)) {
        return Err(ValidationError::IllegalCharacter { field, character });
    }
    let length = name.chars().count();
    if length > MAX_NAME_CHARS {
        return Err(ValidationError::TooLong {
            field,
            length,
            max: MAX_NAME_CHARS,
        });
    }
    Ok(())
}

/// Checks a required id: not empty, no surrounding blanks, no control characters.
pub fn id(field: &'static str, value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(ValidationError::Empty { field });
    }
    if value.trim() != value || value.chars().any(char::is_control) {
        return Err(ValidationError::Invalid {
            field,
            reason: "ids cannot have surrounding blanks or control characters".into(),
        });
    }
    Ok(())
}

/// Checks a list of ids: 1 to 100 entries, each a valid id.
pub fn ids(field: &'static str, values: &[String]) -> Result<(), ValidationError> {
    if values.is_empty() {
        return Err(ValidationError::Empty { field });
    }
    if values.len() > MAX_BATCH_IDS {
        return Err(ValidationError::TooMany {
            field,
            count: values.len(),
            max: MAX_BATCH_IDS,
        });
    }
    values.iter().try_for_each(|v| id(field, v))
}

/// Checks a page size: 1 to 100.
pub fn page_size(size: u32) -> Result<(), ValidationError> {
    if (1..=MAX_PAGE_SIZE).contains(&size) {
        Ok(())
    } else {
        Err(ValidationError::OutOfRange {
            field: "pageSize",
            value: size.into(),
            min: 1,
            max: MAX_PAGE_SIZE.into(),
        })
    }
}

/// Checks an optional free text against a length limit in characters.
pub fn max_chars(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<(), ValidationError> {
    match value {
        Some(v) if v.chars().count() > max => Err(ValidationError::TooLong {
            field,
            length: v.chars().count(),
            max,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(file_name("fileName", "report 2026 (final).pdf").is_ok());
        assert!(file_name("fileName", "文件").is_ok());
        assert_eq!(
            file_name("fileName", ""),
            Err(ValidationError::Empty { field: "fileName" })
        );
        assert_eq!(
            file_name("n", ".."),
            Err(ValidationError::ReservedName { field: "n" })
        );
        assert_eq!(
            file_name("n", "."),
            Err(ValidationError::ReservedName { field: "n" })
        );
        for c in FORBIDDEN_NAME_CHARS {
            let name = format!("a{c}b");
            assert_eq!(
                file_name("n", &name),
                Err(ValidationError::IllegalCharacter {
                    field: "n",
                    character: *c
                })
            );
        }
        assert!(file_name("n", &"中".repeat(250)).is_ok());
        assert_eq!(
            file_name("n", &"a".repeat(251)),
            Err(ValidationError::TooLong {
                field: "n",
                length: 251,
                max: 250
            })
        );
    }

    #[test]
    fn ids_and_pages() {
        assert!(id("fileId", "Fabc").is_ok());
        assert!(id("fileId", "").is_err());
        assert!(id("fileId", " F").is_err());
        assert!(id("fileId", "F\n").is_err());
        let many: Vec<String> = (0..101).map(|i| i.to_string()).collect();
        assert_eq!(
            ids("fileIds", &many),
            Err(ValidationError::TooMany {
                field: "fileIds",
                count: 101,
                max: 100
            })
        );
        assert!(ids("fileIds", &many[..100]).is_ok());
        assert!(ids("fileIds", &[]).is_err());
        assert!(page_size(0).is_err());
        assert!(page_size(1).is_ok());
        assert!(page_size(100).is_ok());
        assert!(page_size(101).is_err());
        assert!(max_chars("description", Some(&"x".repeat(513)), 512).is_err());
    }
}
