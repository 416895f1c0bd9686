//! The error every exported call can fail with, mapped from the core's one error type.

use koodrive_core::{Error, ErrorKind};

/// Why a KooDrive call failed. The variant is the broad class of failure (what to do
/// about it); every variant carries the same details.
///
/// Kotlin names it `KooDriveException`, Swift and Python `KooDriveError`. The message
/// says what went wrong and what to do, and never contains a token, secret or
/// signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum KooDriveError {
    /// The input broke a documented rule; nothing was sent.
    #[error("{message}")]
    InvalidInput {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
    /// The client configuration is unusable (bad base URL, plain HTTP to a remote host).
    #[error("{message}")]
    Config {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
    /// There is no session: log in first, or the session was logged out.
    #[error("{message}")]
    NotLoggedIn {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
    /// The session lapsed (20 minutes without a call) or the server refused its token.
    #[error("{message}")]
    SessionExpired {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
    /// The server refused the credentials (HTTP 401, bad App signature).
    #[error("{message}")]
    Unauthorized {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
    /// The server answered with a KooDrive business error (see `code`).
    #[error("{message}")]
    Api {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
    /// The server failed or was unavailable (HTTP 5xx, 429).
    #[error("{message}")]
    Server {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
    /// The request could not be delivered or the response could not be read.
    #[error("{message}")]
    Transport {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
    /// No response came within the configured timeout.
    #[error("{message}")]
    Timeout {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
    /// The response was not in the documented format.
    #[error("{message}")]
    Decode {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
    /// The caller cancelled the operation.
    #[error("{message}")]
    Cancelled {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
    /// Reading the upload source or writing the download sink failed.
    #[error("{message}")]
    Io {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
    /// Downloaded content did not match its SHA-256; nothing was kept.
    #[error("{message}")]
    Integrity {
        /// What went wrong and what to do.
        message: String,
        /// The numeric KooDrive business code, when the server sent one.
        code: Option<i64>,
        /// The business code as text: the number, or a gateway code such as `APIGW.0101`.
        code_text: Option<String>,
        /// The HTTP status, when a response came back.
        status: Option<u16>,
        /// The `X-Traceid` of the failed request, for support requests.
        trace_id: Option<String>,
        /// The operation that failed, such as `create_session`.
        operation: Option<String>,
        /// Whether repeating the same call later can succeed.
        retryable: bool,
    },
}

/// Declares the variant constructor from the shared details, so that the long field
/// list is written once.
macro_rules! with_details {
    ($variant:ident, $d:ident) => {
        KooDriveError::$variant {
            message: $d.message,
            code: $d.code,
            code_text: $d.code_text,
            status: $d.status,
            trace_id: $d.trace_id,
            operation: $d.operation,
            retryable: $d.retryable,
        }
    };
}

/// The fields every variant shares.
struct Details {
    message: String,
    code: Option<i64>,
    code_text: Option<String>,
    status: Option<u16>,
    trace_id: Option<String>,
    operation: Option<String>,
    retryable: bool,
}

impl From<Error> for KooDriveError {
    fn from(err: Error) -> Self {
        let d = Details {
            message: err.to_string(),
            code: err.code().and_then(|c| c.number()),
            code_text: err.code().map(|c| c.to_string()),
            status: err.status(),
            trace_id: err.trace_id().map(str::to_owned),
            operation: err.operation().map(str::to_owned),
            retryable: err.is_retryable(),
        };
        match err.kind() {
            ErrorKind::InvalidInput => with_details!(InvalidInput, d),
            ErrorKind::Config => with_details!(Config, d),
            ErrorKind::NotLoggedIn => with_details!(NotLoggedIn, d),
            ErrorKind::SessionExpired => with_details!(SessionExpired, d),
            ErrorKind::Unauthorized => with_details!(Unauthorized, d),
            ErrorKind::Api => with_details!(Api, d),
            ErrorKind::Server => with_details!(Server, d),
            ErrorKind::Transport => with_details!(Transport, d),
            ErrorKind::Timeout => with_details!(Timeout, d),
            ErrorKind::Decode => with_details!(Decode, d),
            ErrorKind::Cancelled => with_details!(Cancelled, d),
            ErrorKind::Io => with_details!(Io, d),
            ErrorKind::Integrity => with_details!(Integrity, d),
            // A class added to the core later and not yet mirrored here: the server's
            // answer is the safest general reading.
            _ => with_details!(Api, d),
        }
    }
}

impl KooDriveError {
    /// What went wrong and what to do.
    pub fn message(&self) -> &str {
        self.details().0
    }

    /// The numeric KooDrive business code, when the server sent one.
    pub fn code(&self) -> Option<i64> {
        self.details().1
    }

    /// The HTTP status, when a response came back.
    pub fn status(&self) -> Option<u16> {
        self.details().2
    }

    /// The `X-Traceid` of the failed request.
    pub fn trace_id(&self) -> Option<&str> {
        self.details().3
    }

    /// Whether repeating the same call later can succeed.
    pub fn is_retryable(&self) -> bool {
        self.details().4
    }

    /// (message, code, status, trace id, retryable) of any variant.
    fn details(&self) -> (&str, Option<i64>, Option<u16>, Option<&str>, bool) {
        macro_rules! shared {
            ($($variant:ident),*) => {
                match self {
                    $(KooDriveError::$variant {
                        message,
                        code,
                        status,
                        trace_id,
                        retryable,
                        ..
                    })|* => (message.as_str(), *code, *status, trace_id.as_deref(), *retryable),
                }
            };
        }
        shared!(
            InvalidInput,
            Config,
            NotLoggedIn,
            SessionExpired,
            Unauthorized,
            Api,
            Server,
            Transport,
            Timeout,
            Decode,
            Cancelled,
            Io,
            Integrity
        )
    }
}

#[cfg(test)]
mod tests {
    use koodrive_core::wire::check_envelope;

    use super::*;

    #[test]
    fn business_error_keeps_code_status_and_message() {
        let core = check_envelope(400, br#"{"code":13000405,"msg":"x"}"#).unwrap_err();
        let text = core.to_string();
        let err = KooDriveError::from(core);
        assert!(matches!(err, KooDriveError::Api { .. }), "{err:?}");
        assert_eq!(err.code(), Some(13000405));
        assert_eq!(err.status(), Some(400));
        assert!(!err.is_retryable());
        assert_eq!(err.to_string(), text);
        let KooDriveError::Api { code_text, .. } = &err else {
            panic!("not an API error: {err:?}")
        };
        assert_eq!(code_text.as_deref(), Some("13000405"));
    }

    #[test]
    fn server_failure_is_retryable_and_gateway_codes_stay_text() {
        let err = KooDriveError::from(check_envelope(503, b"").unwrap_err());
        assert!(matches!(err, KooDriveError::Server { .. }), "{err:?}");
        assert_eq!(err.status(), Some(503));
        assert!(err.is_retryable());

        let err = KooDriveError::from(
            check_envelope(403, br#"{"error_code":"APIGW.0301","error_msg":"denied"}"#)
                .unwrap_err(),
        );
        let KooDriveError::Api {
            code,
            code_text,
            status,
            ..
        } = &err
        else {
            panic!("not an API error: {err:?}")
        };
        assert_eq!(
            (*code, code_text.as_deref(), *status),
            (None, Some("APIGW.0301"), Some(403))
        );
    }

    #[test]
    fn kinds_map_one_to_one() {
        let err = KooDriveError::from(Error::new(ErrorKind::NotLoggedIn, "there is no session"));
        assert!(matches!(err, KooDriveError::NotLoggedIn { .. }));
        assert_eq!(err.trace_id(), None);
        assert!(err.to_string().contains("there is no session"));
    }
}
