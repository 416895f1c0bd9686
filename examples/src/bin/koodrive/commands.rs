//! The commands: each opens a [`Context`], does its work, prints the result as text or
//! JSON, and saves the session back.

use std::io::IsTerminal;
use std::time::Instant;

use koodrive_core::model::File;
use koodrive_core::transfer::upload::NameConflict;
use serde::Serialize;
use serde_json::json;

use crate::context::{self, AuthSource, Context, LoginNeed};
use crate::exit::{CliResult, Exit, Failure};
use crate::remote::{self, Remote};
use crate::transfer::{self, UploadRequest};
use crate::{Command, GlobalArgs, OnConflict};

/// A file or folder as `ls --json` prints it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Entry<'a> {
    id: &'a str,
    name: &'a str,
    kind: &'static str,
    size: Option<u64>,
    sha256: Option<&'a str>,
    edited_time: Option<&'a str>,
}

impl<'a> Entry<'a> {
    fn of(file: &'a File) -> Self {
        Entry {
            id: &file.id,
            name: file.file_name.as_deref().unwrap_or(""),
            kind: if file.is_folder() { "folder" } else { "file" },
            size: file.size,
            sha256: file.sha256.as_deref(),
            edited_time: file.edited_time.as_deref(),
        }
    }
}

fn print_json(value: &impl Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("output serializes")
    );
}

fn mib_per_s(bytes: u64, started: Instant) -> f64 {
    let secs = started.elapsed().as_secs_f64().max(1e-6);
    bytes as f64 / (1024.0 * 1024.0) / secs
}

/// Runs one command.
pub async fn run(global: GlobalArgs, command: Command) -> CliResult {
    // These need no server: say so before logging in or starting anything.
    if let Command::Rm { .. } | Command::Mv { .. } = command {
        return Err(Failure::new(
            Exit::NotSupported,
            "not supported yet: deleting and moving need KooDrive's batch-job API, which the \
             SDK does not have yet",
        ));
    }
    if let Command::Logout = command {
        return logout(&global).await;
    }

    let need = match command {
        Command::Login => LoginNeed::Fresh,
        _ => LoginNeed::Any,
    };
    let ctx = Context::open(&global, need).await?;
    let result = dispatch(&ctx, &global, command).await;
    // The token may have been refreshed and every call moved its expiry.
    let saved = ctx.save();
    result.and(saved)
}

async fn dispatch(ctx: &Context, global: &GlobalArgs, command: Command) -> CliResult {
    match command {
        Command::Login => login(ctx, global).await,
        Command::Whoami => whoami(ctx, global).await,
        Command::Ls { folder } => ls(ctx, global, &folder).await,
        Command::Mkdir { path } => mkdir(ctx, global, &path).await,
        Command::Upload {
            local,
            to,
            name,
            on_conflict,
        } => {
            let container = ctx.personal_space().await?;
            let folder = remote::resolve_folder(ctx, &container, &to).await?;
            let conflict = match on_conflict {
                OnConflict::Fail => NameConflict::Fail,
                OnConflict::Rename => NameConflict::AutoRename,
                OnConflict::Skip => NameConflict::SkipIfIdentical,
            };
            let started = Instant::now();
            let request = UploadRequest {
                local: &local,
                folder: &folder,
                name,
                conflict,
            };
            let outcome = transfer::upload(ctx, &container, request).await?;
            let speed = mib_per_s(outcome.size, started);
            if global.json {
                print_json(&json!({
                    "id": outcome.file_id,
                    "name": outcome.file_name,
                    "size": outcome.size,
                    "sha256": outcome.sha256,
                    "rapid": outcome.rapid,
                    "existed": outcome.existed,
                    "folderId": folder.id(),
                    "mibPerSecond": speed,
                }));
            } else {
                let how = match (outcome.rapid, outcome.existed) {
                    (_, true) => " (identical file already there)",
                    (true, _) => " (instant: the server had the content)",
                    _ => "",
                };
                println!(
                    "uploaded {} id={} size={} sha256={} {speed:.1} MiB/s{how}",
                    outcome.file_name,
                    outcome.file_id,
                    outcome.size,
                    outcome.sha256.as_deref().unwrap_or("-"),
                );
            }
            Ok(())
        }
        Command::Download { remote, local } => {
            let container = ctx.personal_space().await?;
            let file = remote::resolve(ctx, &container, &remote).await?;
            let started = Instant::now();
            let (path, outcome) = transfer::download(ctx, &container, &file, &local).await?;
            let speed = mib_per_s(outcome.size, started);
            if global.json {
                print_json(&json!({
                    "id": outcome.file_id,
                    "path": path,
                    "size": outcome.size,
                    "sha256": outcome.sha256,
                    "verified": outcome.verified,
                    "mibPerSecond": speed,
                }));
            } else {
                println!(
                    "downloaded {} size={} sha256={} {} {speed:.1} MiB/s",
                    path.display(),
                    outcome.size,
                    outcome.sha256.as_deref().unwrap_or("-"),
                    if outcome.verified {
                        "verified"
                    } else {
                        "unverified"
                    },
                );
            }
            Ok(())
        }
        Command::Logout | Command::Rm { .. } | Command::Mv { .. } => {
            unreachable!("handled before logging in")
        }
    }
}

async fn login(ctx: &Context, global: &GlobalArgs) -> CliResult {
    if ctx.auth == AuthSource::App {
        // Nothing to log in to; one signed call shows whether the credentials work.
        let container = ctx.personal_space().await?;
        if global.json {
            print_json(&json!({ "auth": "app", "userId": ctx.user_id, "space": container }));
        } else {
            println!(
                "App credentials work for user {}; every command signs its requests, no \
                 login needed",
                ctx.user_id
            );
        }
        return Ok(());
    }
    let name = ctx.user_name.as_deref().unwrap_or("");
    if global.json {
        print_json(&json!({
            "auth": "session",
            "userId": ctx.user_id,
            "userName": ctx.user_name,
            "new": ctx.auth == AuthSource::NewSession,
        }));
    } else if ctx.auth == AuthSource::NewSession {
        println!("logged in as {name} ({})", ctx.user_id);
    } else {
        println!(
            "already logged in ({}); pass --code to log in again",
            ctx.user_id
        );
    }
    Ok(())
}

async fn logout(global: &GlobalArgs) -> CliResult {
    let path = context::session_path(global)?;
    let has_session = context::load_session(&path).is_some();
    let ctx = match Context::open(global, LoginNeed::Any).await {
        Ok(ctx) => ctx,
        // No live session: there is nothing to end on the server.
        Err(f) if f.exit == Exit::Auth => {
            context::delete_session(&path)?;
            println!("logged out");
            return Ok(());
        }
        Err(f) => return Err(f),
    };
    let result = ctx.logout().await;
    match result {
        Ok(()) => {
            println!("logged out");
            Ok(())
        }
        // The session was already gone on the server: the file is deleted anyway.
        Err(f) if f.exit == Exit::Auth && has_session => {
            println!("logged out (the server had already ended the session)");
            Ok(())
        }
        Err(f) => Err(f),
    }
}

async fn whoami(ctx: &Context, global: &GlobalArgs) -> CliResult {
    if ctx.auth == AuthSource::App {
        if global.json {
            print_json(&json!({ "auth": "app", "userId": ctx.user_id }));
        } else {
            println!("{} (App credentials)", ctx.user_id);
        }
        return Ok(());
    }
    let user = ctx.client.auth_session().await?;
    let user_id = user.user_id.clone().unwrap_or_else(|| ctx.user_id.clone());
    if global.json {
        let mut value = serde_json::to_value(&user).expect("users serialize");
        value["userId"] = json!(user_id);
        value["auth"] = json!("session");
        if let Some(left) = ctx.client.session_expires_in() {
            value["sessionExpiresInSeconds"] = json!(left.as_secs());
        }
        print_json(&value);
    } else {
        let name = user.user_name.as_deref().unwrap_or("?");
        let org = user.org_name.as_deref().unwrap_or("");
        println!("{name} ({user_id}) {org}");
    }
    Ok(())
}

async fn ls(ctx: &Context, global: &GlobalArgs, name: &str) -> CliResult {
    let container = ctx.personal_space().await?;
    let target = remote::resolve(ctx, &container, name).await?;
    let entries = match &target {
        Remote::Entry(file) if !file.is_folder() => vec![(**file).clone()],
        folder => remote::list(ctx, &container, folder.id()).await?,
    };
    if global.json {
        let out: Vec<Entry<'_>> = entries.iter().map(Entry::of).collect();
        print_json(&out);
        return Ok(());
    }
    let tty = std::io::stdout().is_terminal();
    for file in &entries {
        let entry = Entry::of(file);
        let size = entry.size.map_or_else(|| "-".to_owned(), |s| s.to_string());
        let name = if file.is_folder() && tty {
            format!("{}/", entry.name)
        } else {
            entry.name.to_owned()
        };
        println!("{:6} {size:>12}  {}  {name}", entry.kind, entry.id);
    }
    Ok(())
}

async fn mkdir(ctx: &Context, global: &GlobalArgs, path: &str) -> CliResult {
    let container = ctx.personal_space().await?;
    let (folder, created) = remote::make_dirs(ctx, &container, path).await?;
    if global.json {
        print_json(&json!({ "id": folder.id(), "path": path, "created": created }));
    } else {
        let what = if created { "created" } else { "exists " };
        println!("{what} {path} id={}", folder.id());
    }
    Ok(())
}
