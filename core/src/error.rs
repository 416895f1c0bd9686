//! The one error type of the SDK, and the documented KooDrive business codes.

use std::fmt;
use std::time::Duration;

/// A result whose error is the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

macro_rules! error_codes {
    ($( $variant:ident = $code:literal, $text:literal, $advice:literal; )*) => {
        /// A KooDrive business error code (`code` in the response envelope).
        ///
        /// Every code of the reference has a variant; other numeric codes are kept in
        /// [`ErrorCode::Other`] and API-gateway codes (`APIGW...`) in
        /// [`ErrorCode::Gateway`].
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(
                #[doc = concat!("`", stringify!($code), "`: ", $text)]
                $variant,
            )*
            /// A numeric code the reference does not document.
            Other(i64),
            /// A code from the API gateway in front of KooDrive, such as `APIGW.0101`.
            Gateway(String),
        }

        impl ErrorCode {
            /// The code for a numeric value.
            pub fn from_number(code: i64) -> Self {
                match code {
                    $( $code => ErrorCode::$variant, )*
                    other => ErrorCode::Other(other),
                }
            }

            /// The numeric value, when the code is numeric.
            pub fn number(&self) -> Option<i64> {
                match self {
                    $( ErrorCode::$variant => Some($code), )*
                    ErrorCode::Other(n) => Some(*n),
                    ErrorCode::Gateway(_) => None,
                }
            }

            /// What the code means, in a few words.
            pub fn description(&self) -> &'static str {
                match self {
                    $( ErrorCode::$variant => $text, )*
                    ErrorCode::Other(_) => "an error code the SDK does not know",
                    ErrorCode::Gateway(_) => "the API gateway refused the request",
                }
            }

            /// What the caller can do about it.
            pub fn advice(&self) -> &'static str {
                match self {
                    $( ErrorCode::$variant => $advice, )*
                    ErrorCode::Other(_) => "see the server's message and the KooDrive error-code list",
                    ErrorCode::Gateway(_) => "check the endpoint, the credentials and the request rate",
                }
            }

            /// Every documented code, for tests and tables.
            pub const DOCUMENTED: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];
        }
    };
}

error_codes! {
    InvalidParameters = 13000102, "the server rejected the request parameters", "check the request fields against the API reference";
    InnerServerFailure = 13000201, "an internal KooDrive service call failed", "retry later";
    SpaceNotFound = 13000301, "the space does not exist or is not in a normal state", "check the container id and the space status";
    FileNotInSpace = 13000302, "the file is not in the given space", "pass the container id of the space that holds the file";
    NotInRecycleBin = 13000303, "the operation needs the file to be in the recycle bin", "move the file to the recycle bin first";
    TargetDirectoryAbnormal = 13000304, "the target folder is in an abnormal state", "retry, then contact support";
    TargetDirectoryRecycled = 13000305, "the target folder is in the recycle bin", "restore the folder first";
    FileRecycled = 13000306, "the file is in the recycle bin", "restore the file first";
    NestedDirectories = 13000307, "a folder cannot be moved into itself or its own sub-folder", "choose a target outside the folder";
    FileMetadataError = 13000308, "the file metadata is wrong", "retry, then contact support";
    ResourceNotFound = 13000309, "the file or resource does not exist", "check the id; the file may have been deleted";
    MaxLevelsExceeded = 13000310, "the folder depth limit (30 levels) would be exceeded", "create the folder higher up the tree";
    InsufficientSpace = 13000311, "the space quota is exhausted", "free space or ask an administrator for a larger quota";
    AlreadyInTarget = 13000312, "the file is already in the target folder", "nothing to do";
    UploadTaskNotFound = 13000401, "the upload task does not exist", "start the upload again";
    UploadIncomplete = 13000402, "the uploaded file failed the integrity check", "upload the missing or damaged parts again";
    ChangeFileStatusFailed = 13000403, "the file status could not be changed", "retry, then contact support";
    ParentRecycled = 13000404, "the parent folder is in the recycle bin", "restore the parent folder first";
    DuplicateName = 13000405, "a file or folder with this name already exists", "choose another name or ask for automatic renaming";
    NotAllowedOnFolder = 13000406, "the operation cannot be performed on a folder", "pass a file id, not a folder id";
    DownloadUrlMissing = 13000407, "the file has no download address", "retry, then contact support";
    DownloadFailed = 13000408, "the download failed", "retry, then contact support";
    UploadFailed = 13000409, "the upload failed", "retry, then contact support";
    NoSpacePermission = 13000410, "the current user has no permission on this space", "ask a space administrator for access";
    FileNotInThisSpace = 13000411, "the file is not in this space", "pass the container id of the space that holds the file";
    SpaceInactive = 13000412, "the space is not active", "ask an administrator to activate the space";
    UnsupportedSearchType = 13000413, "the search type is not supported", "use `personal` or `team`";
    SearchTypeBlank = 13000414, "the search type is empty", "give a search type";
    SpaceTeamMismatch = 13000415, "the space does not belong to the given team", "pass the container id of that team's space";
    NameTooLong = 13000417, "the file name is longer than 250 characters", "shorten the name";
    IllegalFileName = 13000419, "the file name contains a forbidden character or is reserved", "avoid <>|:\"*?/\\ and the names `.` and `..`";
    TaskResultFailed = 18000205, "the task reported a failure result", "read the task result for the failed items";
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::Gateway(code) => f.write_str(code),
            other => write!(f, "{}", other.number().unwrap_or_default()),
        }
    }
}

/// A problem with the caller's input, found before any request was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// A required value is empty.
    #[error("{field} must not be empty")]
    Empty {
        /// The field's name.
        field: &'static str,
    },
    /// A file name is `.` or `..`.
    #[error("{field} must not be `.` or `..`")]
    ReservedName {
        /// The field's name.
        field: &'static str,
    },
    /// A file name contains a character KooDrive forbids.
    #[error("{field} contains {character:?}; KooDrive names cannot contain any of <>|:\"*?/\\")]
    IllegalCharacter {
        /// The field's name.
        field: &'static str,
        /// The first forbidden character found.
        character: char,
    },
    /// A value is longer than allowed.
    #[error("{field} is {length} characters long; at most {max} are allowed")]
    TooLong {
        /// The field's name.
        field: &'static str,
        /// The value's length in characters.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// A list holds more entries than allowed.
    #[error("{field} has {count} entries; at most {max} are allowed per request")]
    TooMany {
        /// The field's name.
        field: &'static str,
        /// The number of entries given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A number lies outside its allowed range.
    #[error("{field} is {value}; it must lie in {min}..={max}")]
    OutOfRange {
        /// The field's name.
        field: &'static str,
        /// The value given.
        value: i64,
        /// The smallest allowed value.
        min: i64,
        /// The largest allowed value.
        max: i64,
    },
    /// The source of a resumed upload is not the one the checkpoint was made from.
    #[error("the source changed since the checkpoint: {reason}; start a new upload")]
    SourceChanged {
        /// What differs.
        reason: String,
    },
    /// A checkpoint does not belong to this transfer or is damaged.
    #[error("the checkpoint cannot be used: {reason}")]
    BadCheckpoint {
        /// What is wrong with it.
        reason: String,
    },
    /// Any other rule, described in words.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field's name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// The broad class of an [`Error`], for deciding what to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input broke a documented rule; nothing was sent.
    InvalidInput,
    /// The client configuration is unusable (bad base URL, plain HTTP to a remote host).
    Config,
    /// There is no session: log in first, or the session was logged out.
    NotLoggedIn,
    /// The session's token lapsed (20 minutes without a call) or was refused.
    SessionExpired,
    /// The server refused the credentials (HTTP 401, bad App signature).
    Unauthorized,
    /// The server answered with a KooDrive business error ([`Error::code`]).
    Api,
    /// The server failed or was unavailable (HTTP 5xx, 429).
    Server,
    /// The request could not be delivered or the response could not be read.
    Transport,
    /// No response came within the configured timeout.
    Timeout,
    /// The response was not in the documented format.
    Decode,
    /// The caller cancelled the operation.
    Cancelled,
    /// Reading the upload source or writing the download sink failed.
    Io,
    /// Downloaded content does not match its SHA-256: nothing was kept.
    Integrity,
}

/// An error from any SDK call.
///
/// It carries the operation, the HTTP status, the documented business code, the
/// server's message and the `X-Traceid` of the request, and says whether a retry can
/// help. Its `Display` says what went wrong and what to do. It never holds a token,
/// secret or signature.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    operation: Option<&'static str>,
    status: Option<u16>,
    code: Option<ErrorCode>,
    server_message: Option<String>,
    trace_id: Option<String>,
    retry_after: Option<Duration>,
    validation: Option<ValidationError>,
    detail: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// A new error of `kind` with a human-readable detail.
    pub fn new(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                operation: None,
                status: None,
                code: None,
                server_message: None,
                trace_id: None,
                retry_after: None,
                validation: None,
                detail: Some(detail.into()),
                source: None,
            }),
        }
    }

    /// A business error from the response envelope.
    pub(crate) fn api(status: u16, code: ErrorCode, message: Option<String>) -> Self {
        let kind = match status {
            401 => ErrorKind::Unauthorized,
            429 | 500..=599 => ErrorKind::Server,
            _ => ErrorKind::Api,
        };
        let mut err = Self::new(kind, code.description());
        err.inner.detail = None;
        err.inner.status = Some(status);
        err.inner.code = Some(code);
        err.inner.server_message = message;
        err
    }

    /// An HTTP failure without a KooDrive envelope.
    pub(crate) fn http(status: u16, message: Option<String>) -> Self {
        let kind = match status {
            401 | 403 => ErrorKind::Unauthorized,
            429 | 500..=599 => ErrorKind::Server,
            _ => ErrorKind::Api,
        };
        let mut err = Self::new(kind, format!("the server answered HTTP {status}"));
        err.inner.status = Some(status);
        err.inner.server_message = message;
        err
    }

    pub(crate) fn with_operation(mut self, operation: &'static str) -> Self {
        self.inner.operation.get_or_insert(operation);
        self
    }

    pub(crate) fn with_trace_id(mut self, trace_id: &str) -> Self {
        self.inner.trace_id = Some(trace_id.to_owned());
        self
    }

    pub(crate) fn with_retry_after(mut self, after: Option<Duration>) -> Self {
        self.inner.retry_after = after;
        self
    }

    pub(crate) fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.inner.kind = kind;
        self
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// The class of the error.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The operation id (as in the reference's operation index), when known.
    pub fn operation(&self) -> Option<&'static str> {
        self.inner.operation
    }

    /// The HTTP status of the response, when one came back.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The KooDrive business code, when the response carried one.
    pub fn code(&self) -> Option<&ErrorCode> {
        self.inner.code.as_ref()
    }

    /// The server's `msg`, when the response carried one.
    pub fn server_message(&self) -> Option<&str> {
        self.inner.server_message.as_deref()
    }

    /// The `X-Traceid` sent with the failed request, for support requests.
    pub fn trace_id(&self) -> Option<&str> {
        self.inner.trace_id.as_deref()
    }

    /// The wait the server asked for with `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The broken input rule, for [`ErrorKind::InvalidInput`].
    pub fn validation(&self) -> Option<&ValidationError> {
        self.inner.validation.as_ref()
    }

    /// Whether repeating the same request later can succeed.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Server | ErrorKind::Transport | ErrorKind::Timeout => true,
            ErrorKind::Api => matches!(self.inner.code, Some(ErrorCode::InnerServerFailure)),
            _ => false,
        }
    }

    fn advice(&self) -> &'static str {
        if let Some(code) = &self.inner.code
            && !matches!(code, ErrorCode::Other(_))
        {
            return code.advice();
        }
        match self.inner.kind {
            ErrorKind::InvalidInput => "fix the input; no request was sent",
            ErrorKind::Config => "fix the client configuration",
            ErrorKind::NotLoggedIn => "create a session (log in) first",
            ErrorKind::SessionExpired => "log in again to get a new session",
            ErrorKind::Unauthorized => "check the token or the App credentials and the clock",
            ErrorKind::Api => "see the server's message",
            ErrorKind::Server => "retry later",
            ErrorKind::Transport => "check the network and the endpoint, then retry",
            ErrorKind::Timeout => "retry, or raise the timeout",
            ErrorKind::Decode => {
                "the server's answer was not understood; report it with the trace id"
            }
            ErrorKind::Cancelled => "nothing to do; a cancelled upload was never completed",
            ErrorKind::Io => "check the local file or stream, then resume from the checkpoint",
            ErrorKind::Integrity => "download again; report it with the trace id if it persists",
        }
    }
}

impl From<ValidationError> for Error {
    fn from(err: ValidationError) -> Self {
        let mut out = Error::new(ErrorKind::InvalidInput, err.to_string());
        out.inner.validation = Some(err);
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        if let Some(op) = i.operation {
            write!(f, "{op}: ")?;
        }
        match (&i.code, &i.detail) {
            (Some(code), _) => write!(f, "{} (code {code}", code.description())?,
            (None, Some(detail)) => write!(f, "{detail} (")?,
            (None, None) => write!(f, "request failed (")?,
        }
        let mut parts = Vec::new();
        if let Some(status) = i.status {
            parts.push(format!("HTTP {status}"));
        }
        if let Some(msg) = &i.server_message {
            parts.push(format!("server said {msg:?}"));
        }
        if let Some(trace) = &i.trace_id {
            parts.push(format!("trace id {trace}"));
        }
        let sep = if i.code.is_some() && !parts.is_empty() {
            ", "
        } else {
            ""
        };
        if parts.is_empty() && i.code.is_none() {
            parts.push(format!("{:?}", i.kind));
        }
        write!(
            f,
            "{sep}{}). What to do: {}",
            parts.join(", "),
            self.advice()
        )?;
        if let Some(source) = &i.source {
            write!(f, ". Cause: {source}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Error")
            .field("kind", &i.kind)
            .field("operation", &i.operation)
            .field("status", &i.status)
            .field("code", &i.code)
            .field("server_message", &i.server_message)
            .field("trace_id", &i.trace_id)
            .field("retry_after", &i.retry_after)
            .field("detail", &i.detail)
            .field("source", &i.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_code_round_trips() {
        assert_eq!(ErrorCode::DOCUMENTED.len(), 32);
        for code in ErrorCode::DOCUMENTED {
            let n = code.number().unwrap();
            assert_eq!(&ErrorCode::from_number(n), code);
            assert!(!code.advice().is_empty());
        }
        assert_eq!(ErrorCode::from_number(42), ErrorCode::Other(42));
    }

    #[test]
    fn display_says_what_and_what_to_do() {
        let err = Error::api(
            400,
            ErrorCode::DuplicateName,
            Some("Duplicate file name.".into()),
        )
        .with_operation("create_directory")
        .with_trace_id("abc");
        let text = err.to_string();
        assert!(
            text.starts_with("create_directory: a file or folder with this name"),
            "{text}"
        );
        assert!(text.contains("code 13000405"));
        assert!(text.contains("HTTP 400"));
        assert!(text.contains("trace id abc"));
        assert!(text.contains("What to do: choose another name"));
        assert_eq!(err.kind(), ErrorKind::Api);
        assert!(!err.is_retryable());
    }

    #[test]
    fn retryable_classes() {
        assert!(Error::http(503, None).is_retryable());
        assert!(Error::api(400, ErrorCode::InnerServerFailure, None).is_retryable());
        assert!(!Error::http(404, None).is_retryable());
        let v: Error = ValidationError::Empty { field: "fileName" }.into();
        assert_eq!(v.kind(), ErrorKind::InvalidInput);
        assert!(v.to_string().contains("fileName must not be empty"));
        assert!(v.to_string().contains("no request was sent"));
    }
}
