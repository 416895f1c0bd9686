//! Remote names: a file or folder is given by id, or by a path from the root of the
//! user's personal space (`/Reports/2026/q1.pdf`), resolved by listing each level.

use futures::TryStreamExt;
use koodrive_core::files::{CreateDirectory, GetFile};
use koodrive_core::listing::ListQuery;
use koodrive_core::model::File;

use crate::context::Context;
use crate::exit::{CliResult, Exit, Failure};

/// The root folder's alias, accepted wherever a folder id is.
pub const ROOT: &str = "root";

/// A resolved remote name.
#[derive(Debug, Clone)]
pub enum Remote {
    /// The root of the space.
    Root,
    /// A file or folder record.
    Entry(Box<File>),
}

impl Remote {
    /// The id to pass to the API.
    pub fn id(&self) -> &str {
        match self {
            Remote::Root => ROOT,
            Remote::Entry(file) => &file.id,
        }
    }

    /// Whether it is a folder (the root is one).
    pub fn is_folder(&self) -> bool {
        match self {
            Remote::Root => true,
            Remote::Entry(file) => file.is_folder(),
        }
    }
}

/// The path's segments; `None` when `name` is an id rather than a path.
fn segments(name: &str) -> Option<Vec<&str>> {
    let path = name.strip_prefix('/')?;
    Some(
        path.split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .collect(),
    )
}

/// Every entry of a folder.
pub async fn list(ctx: &Context, container: &str, folder_id: &str) -> CliResult<Vec<File>> {
    let query = ListQuery::folder(container, folder_id);
    Ok(ctx.client.list_personal_files(query).try_collect().await?)
}

/// The entry called `name` in a folder, if any.
async fn child(
    ctx: &Context,
    container: &str,
    folder_id: &str,
    name: &str,
) -> CliResult<Option<File>> {
    let entries = list(ctx, container, folder_id).await?;
    Ok(entries
        .into_iter()
        .find(|f| f.file_name.as_deref() == Some(name) && f.recycled != Some(true)))
}

/// Resolves an id or a path from the root.
pub async fn resolve(ctx: &Context, container: &str, name: &str) -> CliResult<Remote> {
    let Some(parts) = segments(name) else {
        if name == ROOT {
            return Ok(Remote::Root);
        }
        let file = ctx.client.get_file(&GetFile::new(name, container)).await?;
        return Ok(Remote::Entry(Box::new(file)));
    };
    let mut current = Remote::Root;
    let mut walked = String::new();
    for part in parts {
        walked.push('/');
        walked.push_str(part);
        if !current.is_folder() {
            return Err(not_found(&walked));
        }
        match child(ctx, container, current.id(), part).await? {
            Some(file) => current = Remote::Entry(Box::new(file)),
            None => return Err(not_found(&walked)),
        }
    }
    Ok(current)
}

/// Resolves a name that must be a folder.
pub async fn resolve_folder(ctx: &Context, container: &str, name: &str) -> CliResult<Remote> {
    let remote = resolve(ctx, container, name).await?;
    if !remote.is_folder() {
        return Err(Failure::new(
            Exit::Usage,
            format!("{name} is a file, not a folder"),
        ));
    }
    Ok(remote)
}

fn not_found(path: &str) -> Failure {
    Failure::new(Exit::NotFound, format!("{path}: no such file or folder"))
}

/// Creates a folder path, with every missing parent; existing folders are kept.
/// Returns the last folder and whether it was created by this call.
pub async fn make_dirs(ctx: &Context, container: &str, path: &str) -> CliResult<(Remote, bool)> {
    let Some(parts) = segments(path) else {
        return Err(Failure::new(
            Exit::Usage,
            format!("{path:?} is not a path: folder paths start at the root, like /a/b"),
        ));
    };
    let mut current = Remote::Root;
    let mut created = false;
    let mut walked = String::new();
    for part in parts {
        walked.push('/');
        walked.push_str(part);
        current = match child(ctx, container, current.id(), part).await? {
            Some(file) if file.is_folder() => Remote::Entry(Box::new(file)),
            Some(_) => {
                return Err(Failure::new(
                    Exit::Other,
                    format!("{walked} is a file; cannot create a folder there"),
                ));
            }
            None => {
                let parent = match &current {
                    Remote::Root => None,
                    Remote::Entry(file) => Some(file.id.clone()),
                };
                let request = CreateDirectory::new(container, parent, part);
                created = true;
                Remote::Entry(Box::new(ctx.client.create_directory(&request).await?))
            }
        };
    }
    Ok((current, created))
}
