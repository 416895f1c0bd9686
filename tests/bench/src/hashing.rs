//! P4: the SDK's midstate SHA-256 over a file, against `sha256sum`.

use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use koodrive_core::transfer::hashing::{MidstateHasher, hex_digest};

use crate::BoxError;

/// Hashes `path` with [`MidstateHasher`], reading 8 MiB at a time into one buffer.
/// Returns the time and the hex digest.
pub fn sdk_hash(path: &Path, chunk: usize) -> Result<(Duration, String), BoxError> {
    let start = Instant::now();
    let mut file = File::open(path)?;
    let mut buf = vec![0u8; chunk];
    let mut hasher = MidstateHasher::new();
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            match file.read(&mut buf[filled..])? {
                0 => break,
                n => filled += n,
            }
        }
        if filled == 0 {
            break;
        }
        hasher.update(&buf[..filled]);
    }
    let digest = hex_digest(&hasher.finalize());
    Ok((start.elapsed(), digest))
}

/// Runs `sha256sum path`; returns the wall time (process start included) and the
/// digest it printed.
pub fn sha256sum(path: &Path) -> Result<(Duration, String), BoxError> {
    let start = Instant::now();
    let output = Command::new("sha256sum").arg(path).output()?;
    let elapsed = start.elapsed();
    if !output.status.success() {
        return Err(format!("sha256sum failed: {}", output.status).into());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let digest = text
        .split_whitespace()
        .next()
        .ok_or("sha256sum printed nothing")?
        .to_owned();
    Ok((elapsed, digest))
}
