//! Exit codes and the one-line errors the program ends with.

use std::fmt;
use std::process::ExitCode;

use koodrive_core::{Error, ErrorCode, ErrorKind};

/// What a script can learn from the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the command did what was asked.
    Success = 0,
    /// 1: any other failure (network, server, local files).
    Other = 1,
    /// 2: the command line or the configuration is wrong (bad endpoint, bad name).
    Usage = 2,
    /// 3: not logged in, session expired, or the server refused the credentials.
    Auth = 3,
    /// 4: a remote file, folder or space does not exist.
    NotFound = 4,
    /// 5: a transfer was paused (Ctrl-C); running the same command again resumes it.
    Paused = 5,
    /// 6: the content failed its integrity check.
    Verification = 6,
    /// 7: the command needs an API the SDK does not have yet.
    NotSupported = 7,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

/// The table printed under `--help` and repeated in the README.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  other error (network, server, local file)
  2  usage: bad arguments, bad endpoint or configuration, invalid name
  3  not logged in, session expired, or credentials refused
  4  remote file, folder or space not found
  5  transfer paused (Ctrl-C); run the same command again to resume
  6  verification failed (the content's SHA-256 does not match)
  7  not supported yet (rm, mv: the SDK has no batch-job API yet)";

/// A failure of the program: an exit code and one line for stderr.
#[derive(Debug)]
pub struct Failure {
    /// The exit code.
    pub exit: Exit,
    /// What went wrong, on one line.
    pub message: String,
}

impl Failure {
    /// A failure with its own message.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }

    /// A local I/O failure about `what`.
    pub fn io(what: impl fmt::Display, err: std::io::Error) -> Self {
        Self::new(Exit::Other, format!("{what}: {err}"))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, whatever the message holds.
        f.write_str(&self.message.replace('\n', " "))
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Self::new(classify(&err), err.to_string())
    }
}

/// The exit code for an SDK error.
pub fn classify(err: &Error) -> Exit {
    match err.code() {
        Some(
            ErrorCode::ResourceNotFound
            | ErrorCode::SpaceNotFound
            | ErrorCode::FileNotInSpace
            | ErrorCode::FileNotInThisSpace,
        ) => return Exit::NotFound,
        Some(ErrorCode::UploadIncomplete) => return Exit::Verification,
        _ => {}
    }
    match err.kind() {
        ErrorKind::NotLoggedIn | ErrorKind::SessionExpired | ErrorKind::Unauthorized => Exit::Auth,
        ErrorKind::InvalidInput | ErrorKind::Config => Exit::Usage,
        ErrorKind::Api if err.status() == Some(404) => Exit::NotFound,
        ErrorKind::Integrity => Exit::Verification,
        _ => Exit::Other,
    }
}

/// The result of a command.
pub type CliResult<T = ()> = Result<T, Failure>;
