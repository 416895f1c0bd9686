//! `koodrive`: the KooDrive enterprise cloud drive from the command line.
//!
//! Built on `koodrive-core`: log in, list, create folders, upload and download with
//! resumable transfers. Made for scripts as much as for people: one-line errors on
//! stderr, exit codes that say what happened, `--json` output, and progress bars only
//! when stderr is a terminal. See `examples/README.md`.

mod commands;
mod context;
mod exit;
mod remote;
mod transfer;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::{EXIT_CODES_HELP, Exit};

/// The KooDrive (Huawei Cloud enterprise drive) command line.
#[derive(Debug, Parser)]
#[command(name = "koodrive", version, after_help = EXIT_CODES_HELP)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// The API endpoint: `china`, `international`, or a base URL. Defaults to the
    /// endpoint of the stored session.
    #[arg(long, env = "KOODRIVE_ENDPOINT", global = true, value_name = "URL")]
    pub endpoint: Option<String>,

    /// Start an embedded KooDrive emulator for this run and use it (seeded users:
    /// codes alice-code, bob-code, admin-code).
    #[arg(long, global = true)]
    pub emulator: bool,

    /// Keep the emulator's state (and its sessions) in DIR between runs.
    #[arg(long, global = true, value_name = "DIR", requires = "emulator")]
    pub emulator_data: Option<PathBuf>,

    /// An OrgID authorization code; any command logs in with it when there is no live
    /// session.
    #[arg(
        long,
        env = "KOODRIVE_AUTH_CODE",
        global = true,
        hide_env_values = true,
        value_name = "CODE"
    )]
    pub code: Option<String>,

    /// Where the session is kept [default: $XDG_CONFIG_HOME/koodrive/session.json or
    /// ~/.config/koodrive/session.json].
    #[arg(
        long,
        env = "KOODRIVE_SESSION_FILE",
        global = true,
        value_name = "FILE"
    )]
    pub session_file: Option<PathBuf>,

    /// Print machine-readable JSON on stdout (ls, upload, download, whoami, mkdir).
    #[arg(long, global = true)]
    pub json: bool,

    /// The language of server messages.
    #[arg(long, global = true, default_value = "en-US", value_name = "TAG")]
    pub language: String,
}

/// The commands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Log in with an authorization code (--code or KOODRIVE_AUTH_CODE) and keep the
    /// session. With KOODRIVE_APP_ID, KOODRIVE_APP_SECRET and KOODRIVE_USER_ID set, no
    /// login is needed: this only checks the credentials.
    Login,
    /// End the session and delete the session file.
    Logout,
    /// Print the signed-in user.
    Whoami,
    /// List a folder (an id or a path like /a/b; the root by default).
    Ls {
        /// The folder or file.
        #[arg(default_value = "/")]
        folder: String,
    },
    /// Create a folder path, with any missing parents (like mkdir -p).
    Mkdir {
        /// The path, from the root: /a/b/c.
        path: String,
    },
    /// Upload a file. Ctrl-C pauses (exit code 5); the same command resumes.
    Upload {
        /// The local file.
        local: PathBuf,
        /// The target folder (an id or a path).
        #[arg(long, default_value = "/", value_name = "FOLDER")]
        to: String,
        /// The name on the server [default: the local name].
        #[arg(long)]
        name: Option<String>,
        /// What to do when the name is taken.
        #[arg(long, value_enum, default_value_t = OnConflict::Fail)]
        on_conflict: OnConflict,
    },
    /// Download a file. Ctrl-C pauses (exit code 5); the same command resumes.
    Download {
        /// The remote file (an id or a path).
        remote: String,
        /// The local file, or an existing folder to put it in.
        local: PathBuf,
    },
    /// Delete files. Not supported yet: needs the batch-job API, which the SDK does
    /// not have yet (exit code 7).
    Rm {
        /// The remote files.
        #[arg(required = true)]
        paths: Vec<String>,
    },
    /// Move or rename files. Not supported yet: needs the batch-job API, which the
    /// SDK does not have yet (exit code 7).
    Mv {
        /// The remote files, then the target.
        #[arg(required = true, num_args = 2..)]
        paths: Vec<String>,
    },
}

/// What `upload` does when the target folder holds a file of the same name.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum OnConflict {
    /// Fail (the server's error 13000405).
    Fail,
    /// Keep both; the new file gets a timestamped name.
    Rename,
    /// Keep the existing file when its content is identical; otherwise rename.
    Skip,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Success
            };
            let _ = e.print();
            return code.into();
        }
    };
    match commands::run(cli.global, cli.command).await {
        Ok(()) => Exit::Success.into(),
        Err(failure) => {
            eprintln!("koodrive: {failure}");
            failure.exit.into()
        }
    }
}
