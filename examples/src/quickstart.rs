//! Quick start: log in, create a folder, list it, rename it.
//!
//! By default it starts the embedded KooDrive emulator and logs in as the seeded user
//! Alice. Set `KOODRIVE_BASE_URL` and `KOODRIVE_AUTH_CODE` to run it against a real
//! endpoint instead.

use futures::TryStreamExt;
use koodrive_core::files::{CreateDirectory, RenameFile};
use koodrive_core::listing::ListQuery;
use koodrive_core::model::{ContainerType, File, RenameMode};
use koodrive_core::{Client, Endpoint};
use koodrive_emulator::{Emulator, seed};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the emulator alive until the end: dropping it stops the server.
    let (base_url, code, _emulator) = match std::env::var("KOODRIVE_BASE_URL") {
        Ok(url) => (url, std::env::var("KOODRIVE_AUTH_CODE")?, None),
        Err(_) => {
            let emulator = Emulator::start().await?;
            println!("emulator      listening on {}", emulator.base_url());
            (
                emulator.base_url(),
                seed::ALICE_CODE.to_owned(),
                Some(emulator),
            )
        }
    };

    let client = Client::builder(Endpoint::Custom(base_url))
        .language("en-US")
        .build()?;
    let session = client.create_session(code, None).await?;
    let user_id = session.user_id.clone().unwrap_or_default();
    let user_name = session.user_info.as_ref().and_then(|u| u.user_name.clone());
    println!(
        "logged in     as {} ({user_id})",
        user_name.unwrap_or_default()
    );

    // The personal space tells where the user's files live.
    let spaces = client
        .get_spaces_v2(&user_id, Some(ContainerType::Personal))
        .await?;
    let space = spaces.first().ok_or("the user has no personal space")?;
    let container = space.container_id.clone();
    println!("space         {container} (personal)");

    let mut create = CreateDirectory::new(&container, None, "Quick start");
    create.rename_mode = Some(RenameMode::AutoRename);
    let folder = client.create_directory(&create).await?;
    let created_name = folder.file_name.clone().unwrap_or_default();
    println!("created       folder {created_name:?} ({})", folder.id);

    let entries: Vec<File> = client
        .list_personal_files(ListQuery::folder(&container, "root"))
        .try_collect()
        .await?;
    println!("listed        {} entries in the root:", entries.len());
    for entry in &entries {
        let kind = if entry.is_folder() { "folder" } else { "file" };
        println!(
            "                {kind:6} {}",
            entry.file_name.as_deref().unwrap_or("?")
        );
    }

    let new_name = format!("{created_name} (renamed)");
    client
        .rename_file(&RenameFile {
            file_id: folder.id.clone(),
            container_id: container.clone(),
            name: new_name.clone(),
            rename_mode: Some(RenameMode::AutoRename),
        })
        .await?;
    let path = client.get_full_path(&folder.id, &container).await?;
    println!(
        "renamed       to {new_name:?}; full path {}",
        path.names().join("/")
    );

    client.logout().await?;
    println!("logged out");
    Ok(())
}
