//! Command-line entry point: runs the KooDrive emulator until Ctrl-C.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use koodrive_emulator::{Emulator, EmulatorConfig, FaultConfig, seed};

const HELP: &str = "\
koodrive-emulator: a local KooDrive server for tests and offline development

USAGE:
    koodrive-emulator [--port PORT] [--data-dir DIR] [--quota-bytes BYTES] [--faults JSON]

OPTIONS:
    --port PORT           port on 127.0.0.1 (default 0: any free port)
    --data-dir DIR        keep the database and file contents in DIR (default: a temporary
                          folder deleted on exit); restarting on the same DIR keeps all state
    --quota-bytes BYTES   quota of each newly created space (default 10 GiB)
    --faults JSON         faults to inject from the start, as for POST /_emulator/faults,
                          e.g. '{\"seed\":1,\"errorRate\":0.1,\"latencyMs\":20}'
    -h, --help            print this help

Logging follows RUST_LOG (default: info).";

fn parse_args() -> Result<Option<EmulatorConfig>, String> {
    let mut config = EmulatorConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                config.port = value("--port")?
                    .parse()
                    .map_err(|_| "--port must be a number")?;
            }
            "--data-dir" => config.data_dir = Some(PathBuf::from(value("--data-dir")?)),
            "--quota-bytes" => {
                config.personal_quota_bytes = value("--quota-bytes")?
                    .parse()
                    .map_err(|_| "--quota-bytes must be a number")?;
            }
            "--faults" => {
                let faults: FaultConfig = serde_json::from_str(&value("--faults")?)
                    .map_err(|e| format!("--faults: {e}"))?;
                if !faults.rates_are_valid() {
                    return Err("--faults: every rate must be within [0, 1]".into());
                }
                config.faults = faults;
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(Some(config))
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(Some(config)) => config,
        Ok(None) => {
            // Ignore a closed pipe (`--help | head`).
            let _ = writeln!(std::io::stdout(), "{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();

    if let Some(dir) = &config.data_dir
        && let Err(err) = std::fs::create_dir_all(dir)
    {
        eprintln!("error: cannot create {}: {err}", dir.display());
        return ExitCode::FAILURE;
    }
    let emulator = match Emulator::start_with(config).await {
        Ok(emulator) => emulator,
        Err(err) => {
            eprintln!("error: cannot start the emulator: {err}");
            return ExitCode::FAILURE;
        }
    };

    println!("KooDrive emulator listening on {}", emulator.base_url());
    println!(
        "tenant {} ({}), org {}",
        seed::TENANT_ID,
        seed::ORG_NAME,
        seed::ORG_ID
    );
    println!("logins (POST /koodrive/ose/v1/session with {{\"code\": ...}}):");
    for user in seed::USERS {
        println!(
            "  {:<6} userId {}  role {}  code {}  personal space {}",
            user.user_name,
            user.user_id,
            user.role,
            user.code,
            emulator.personal_container_id(user.user_id)
        );
    }
    println!(
        "department {} {} space {}",
        seed::DEPARTMENT_ID,
        seed::DEPARTMENT_NAME,
        emulator.department_container_id(seed::DEPARTMENT_ID)
    );
    println!(
        "app auth: AppId {} (the AppSecret is in the README)",
        seed::APP_ID
    );
    println!("press Ctrl-C to stop");

    let _ = tokio::signal::ctrl_c().await;
    drop(emulator);
    ExitCode::SUCCESS
}
