//! The `koodrive` binary end to end, against its embedded emulator with a data folder
//! and a session file in a temporary directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_koodrive");

/// One user's workplace: an emulator data folder, a session file, local files.
struct Drive {
    dir: tempfile::TempDir,
}

impl Drive {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn session_file(&self) -> PathBuf {
        self.path("config/session.json")
    }

    /// The command with the emulator options and no `KOODRIVE_*` variables from the
    /// environment that runs the tests.
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        for (name, _) in std::env::vars() {
            if name.starts_with("KOODRIVE_") {
                cmd.env_remove(name);
            }
        }
        cmd.arg("--emulator")
            .arg("--emulator-data")
            .arg(self.path("data"))
            .arg("--session-file")
            .arg(self.session_file())
            .args(args);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the binary runs")
    }

    /// Runs and checks the exit code; returns stdout.
    fn expect(&self, code: i32, args: &[&str]) -> String {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(code),
            "koodrive {args:?}\nstdout: {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        if stderr.starts_with("koodrive:") {
            // The program's own errors are one line (clap's usage errors are longer).
            assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        }
        if code != 0 {
            assert!(!stderr.trim().is_empty(), "a failure says why on stderr");
        }
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let out = self.expect(0, &all);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }
}

/// Deterministic bytes that no two offsets share a pattern of.
fn content(len: usize) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn str_arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

#[test]
fn login_mkdir_upload_ls_download_whoami_logout() {
    let drive = Drive::new();

    let out = drive.expect(0, &["login", "--code", "alice-code"]);
    assert!(out.contains("Alice"), "{out}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(drive.session_file())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Later runs start a new emulator on another port, on the same data, and use the
    // stored session.
    let made = drive.json(&["mkdir", "/Projects/koodrive"]);
    assert_eq!(made["created"], true);
    let again = drive.json(&["mkdir", "/Projects/koodrive"]);
    assert_eq!(
        (again["created"].clone(), again["id"].clone()),
        (Value::Bool(false), made["id"].clone())
    );

    let local = drive.path("data.bin");
    let bytes = content(12 * 1024 * 1024);
    std::fs::write(&local, &bytes).unwrap();
    let uploaded = drive.json(&["upload", str_arg(&local), "--to", "/Projects/koodrive"]);
    assert_eq!(uploaded["size"], bytes.len() as u64);
    assert_eq!(uploaded["folderId"], made["id"]);
    assert!(!drive.path(".data.bin.koodrive-upload.json").exists());

    let listed = drive.json(&["ls", "/Projects/koodrive"]);
    let entries = listed.as_array().expect("a JSON array");
    assert_eq!(entries.len(), 1, "{listed}");
    assert_eq!(entries[0]["name"], "data.bin");
    assert_eq!(entries[0]["kind"], "file");
    assert_eq!(entries[0]["size"], bytes.len() as u64);
    assert_eq!(entries[0]["id"], uploaded["id"]);
    let root = drive.expect(0, &["ls"]);
    assert!(root.contains("Projects"), "{root}");

    // By path, then by id into a folder.
    let back = drive.path("back.bin");
    let got = drive.json(&["download", "/Projects/koodrive/data.bin", str_arg(&back)]);
    assert_eq!(got["verified"], true);
    assert_eq!(got["sha256"], uploaded["sha256"]);
    assert!(
        std::fs::read(&back).unwrap() == bytes,
        "downloaded bytes differ"
    );
    let folder = drive.path("out");
    std::fs::create_dir(&folder).unwrap();
    let id = uploaded["id"].as_str().unwrap();
    drive.expect(0, &["download", id, str_arg(&folder)]);
    assert!(std::fs::read(folder.join("data.bin")).unwrap() == bytes);

    let me = drive.json(&["whoami"]);
    assert_eq!(me["userName"], "Alice");
    assert_eq!(me["userId"], "1008600000000000001");

    drive.expect(0, &["logout"]);
    assert!(!drive.session_file().exists());
    drive.expect(3, &["ls"]);
    // Logging out twice is fine.
    drive.expect(0, &["logout"]);
}

#[test]
fn a_code_alone_is_enough_for_any_command() {
    let drive = Drive::new();
    let out = drive.expect(0, &["ls", "--code", "alice-code"]);
    assert!(out.is_empty(), "a new user's root is empty: {out}");
    assert!(drive.session_file().exists());
    drive.expect(0, &["whoami"]);
}

#[test]
fn exit_codes_tell_what_happened() {
    let drive = Drive::new();

    // No code and no session.
    drive.expect(3, &["ls"]);
    drive.expect(3, &["whoami"]);
    drive.expect(3, &["login"]);

    drive.expect(0, &["login", "--code", "alice-code"]);
    drive.expect(4, &["ls", "/no/such/folder"]);
    drive.expect(4, &["download", "/missing.txt", str_arg(&drive.path("x"))]);
    drive.expect(4, &["download", "FnoSuchFileId", str_arg(&drive.path("x"))]);
    assert!(!drive.path("x").exists());

    // Not supported yet, and said before any request.
    drive.expect(7, &["rm", "/a"]);
    drive.expect(7, &["mv", "/a", "/b"]);

    // Usage: unknown flags, missing arguments, bad endpoints.
    drive.expect(2, &["ls", "--no-such-flag"]);
    drive.expect(2, &["upload"]);
    let bad = |url: &str| {
        let out = Command::new(BIN)
            .args(["--endpoint", url, "--session-file"])
            .arg(drive.path("other.json"))
            .args(["--code", "c", "ls"])
            .output()
            .unwrap();
        out.status.code()
    };
    assert_eq!(bad("not a url"), Some(2));
    assert_eq!(bad("http://example.com"), Some(2));
    assert_eq!(bad("ftp://127.0.0.1"), Some(2));
}

/// Ctrl-C during an upload pauses it (exit code 5) with a checkpoint beside the file;
/// the same command resumes and finishes.
#[cfg(unix)]
#[test]
fn ctrl_c_pauses_an_upload_and_the_same_command_resumes_it() {
    use std::time::{Duration, Instant};

    let drive = Drive::new();
    drive.expect(0, &["login", "--code", "alice-code"]);
    let local = drive.path("big.bin");
    let bytes = content(64 * 1024 * 1024);
    std::fs::write(&local, &bytes).unwrap();
    let checkpoint = drive.path(".big.bin.koodrive-upload.json");

    let mut child = drive
        .command(&["upload", str_arg(&local)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The checkpoint appears once the file exists on the server.
    let started = Instant::now();
    while !checkpoint.exists() && started.elapsed() < Duration::from_secs(30) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    match out.status.code() {
        Some(5) => {
            eprintln!("paused: {}", String::from_utf8_lossy(&out.stderr).trim());
            assert!(checkpoint.exists(), "a paused upload keeps its checkpoint");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("run the same command again"), "{stderr}");
            let done = drive.json(&["upload", str_arg(&local)]);
            assert_eq!(done["size"], bytes.len() as u64);
        }
        // The machine was fast enough to finish before the signal landed.
        Some(0) => {}
        other => panic!("exit {other:?}: {}", String::from_utf8_lossy(&out.stderr)),
    }
    assert!(
        !checkpoint.exists(),
        "a finished upload deletes its checkpoint"
    );

    let back = drive.path("back.bin");
    drive.expect(0, &["download", "/big.bin", str_arg(&back)]);
    assert!(
        std::fs::read(&back).unwrap() == bytes,
        "resumed upload differs"
    );
}

/// Content damaged on the server fails the download's SHA-256 check with exit code 6
/// and leaves no file at the target.
#[test]
fn a_damaged_download_exits_with_6() {
    let drive = Drive::new();
    let local = drive.path("small.bin");
    let bytes = content(3 * 1024 * 1024);
    std::fs::write(&local, &bytes).unwrap();
    let uploaded = drive.json(&["upload", str_arg(&local), "--code", "alice-code"]);

    // The emulator keeps contents as blobs named by their SHA-256.
    let blob = drive
        .path("data/blobs")
        .join(uploaded["sha256"].as_str().unwrap());
    let mut damaged = std::fs::read(&blob).expect("the emulator's blob");
    damaged[1000] ^= 0xff;
    std::fs::write(&blob, damaged).unwrap();

    let target = drive.path("back.bin");
    drive.expect(6, &["download", "/small.bin", str_arg(&target)]);
    assert!(!target.exists());
}

/// A stored session past its 20 idle minutes is not sent; without a code that is exit
/// code 3, with one the command logs in again.
#[test]
fn an_expired_session_needs_a_new_login() {
    let drive = Drive::new();
    drive.expect(0, &["login", "--code", "alice-code"]);
    let mut stored: Value =
        serde_json::from_slice(&std::fs::read(drive.session_file()).unwrap()).unwrap();
    stored["expiresAtMs"] = Value::from(1);
    std::fs::write(drive.session_file(), stored.to_string()).unwrap();

    let err = drive.run(&["ls"]);
    assert_eq!(err.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&err.stderr).contains("expired"));
    drive.expect(0, &["ls", "--code", "alice-code"]);
    drive.expect(0, &["ls"]);
}
