//! The error every exported call can fail with, mapped from the core's one error type.

use koodrive_core::{Error, ErrorKind};

/// Declares [`KooDriveError`] with one variant per class of failure, all carrying
/// the same details, together with the mapping from the core's [`ErrorKind`] and the
/// accessor of the shared details: the list of classes is written once.
macro_rules! koodrive_error {
    ($( $(#[doc = $doc:literal])* $variant:ident, )*) => {
        /// Why a KooDrive call failed. The variant is the broad class of failure (what to
        /// do about it); every variant carries the same details.
        ///
        /// Kotlin names it `KooDriveException`, Swift and Python `KooDriveError`. The
        /// message says what went wrong and what to do, and never contains a token,
        /// secret or signature.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
        pub enum KooDriveError {
            $(
                $(#[doc = $doc])*
                #[error("{message}")]
                $variant {
                    /// What went wrong and what to do.
                    message: String,
                    /// The numeric KooDrive business code, when the server sent one.
                    code: Option<i64>,
                    /// The business code as text: the number, or a gateway code such as
                    /// `APIGW.0101`.
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
            )*
        }

        impl From<Error> for KooDriveError {
            fn from(err: Error) -> Self {
                let message = err.to_string();
                let code = err.code().and_then(|c| c.number());
                let code_text = err.code().map(|c| c.to_string());
                let status = err.status();
                let trace_id = err.trace_id().map(str::to_owned);
                let operation = err.operation().map(str::to_owned);
                let retryable = err.is_retryable();
                match err.kind() {
                    $(
                        ErrorKind::$variant => KooDriveError::$variant {
                            message, code, code_text, status, trace_id, operation, retryable,
                        },
                    )*
                    // A class added to the core later and not yet mirrored here: the
                    // server's answer is the safest general reading.
                    _ => KooDriveError::Api {
                        message, code, code_text, status, trace_id, operation, retryable,
                    },
                }
            }
        }

        impl KooDriveError {
            /// (message, code, status, trace id, retryable) of any variant.
            fn details(&self) -> (&str, Option<i64>, Option<u16>, Option<&str>, bool) {
                match self {
                    $(
                        KooDriveError::$variant { message, code, status, trace_id, retryable, .. } => {
                            (message.as_str(), *code, *status, trace_id.as_deref(), *retryable)
                        }
                    )*
                }
            }
        }
    };
}

koodrive_error! {
    /// The input broke a documented rule; nothing was sent.
    InvalidInput,
    /// The client configuration is unusable (bad base URL, plain HTTP to a remote host).
    Config,
    /// There is no session: log in first, or the session was logged out.
    NotLoggedIn,
    /// The session lapsed (20 minutes without a call) or the server refused its token.
    SessionExpired,
    /// The server refused the credentials (HTTP 401, bad App signature).
    Unauthorized,
    /// The server answered with a KooDrive business error (see `code`).
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
    /// Downloaded content did not match its SHA-256; nothing was kept.
    Integrity,
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
