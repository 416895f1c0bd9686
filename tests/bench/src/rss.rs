//! P3: peak resident memory of an upload, each size in its own process.
//!
//! The parent re-executes its own binary with the hidden subcommand
//! [`CHILD_COMMAND`]; the child starts an emulator, generates a file, uploads it
//! through the SDK and prints one line with its `VmHWM` (peak RSS) from
//! `/proc/self/status`. The emulator runs inside the child, so its memory counts too.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use koodrive_core::transfer::upload::HashOrder;

use crate::BoxError;
use crate::data;
use crate::harness::Harness;
use crate::upload;

/// The hidden subcommand: `__p3-child <bytes> <dir> <hash-first|pipelined>`.
pub const CHILD_COMMAND: &str = "__p3-child";

/// What one child reported.
#[derive(Debug, Clone, Copy)]
pub struct Peak {
    /// `VmHWM` at the end, KiB: the process's peak RSS.
    pub hwm_kib: u64,
    /// `VmHWM` after the emulator started and the file was generated, before the
    /// upload, KiB.
    pub before_kib: u64,
    /// Upload time, seconds.
    pub secs: f64,
}

/// Reads a `kB` field of `/proc/self/status`.
pub fn proc_status_kib(field: &str) -> Result<u64, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|line| {
            let rest = line.strip_prefix(field)?.strip_prefix(':')?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .ok_or_else(|| format!("no {field} in /proc/self/status").into())
}

/// The name of a hash order on the child's command line.
pub fn order_arg(order: HashOrder) -> &'static str {
    match order {
        HashOrder::HashFirst => "hash-first",
        HashOrder::Pipelined => "pipelined",
    }
}

/// The child side: runs in the re-executed process.
pub fn child_main(args: &[String]) -> Result<(), BoxError> {
    let [size, dir, order] = args else {
        return Err(format!("usage: {CHILD_COMMAND} <bytes> <dir> <hash-first|pipelined>").into());
    };
    let size: u64 = size.parse()?;
    let dir = Path::new(dir);
    let order = match order.as_str() {
        "hash-first" => HashOrder::HashFirst,
        "pipelined" => HashOrder::Pipelined,
        other => return Err(format!("unknown order {other}").into()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let file = dir.join(format!("p3-{size}.bin"));
        data::generate_file(&file, size, size)?;
        let h = Harness::start(dir).await?;
        let before_kib = proc_status_kib("VmHWM")?;
        let start = Instant::now();
        let result = upload::sdk_upload(
            &h,
            &file,
            "p3.bin",
            crate::PART_SIZE,
            crate::CONCURRENCY,
            order,
            None,
        )
        .await;
        let secs = start.elapsed().as_secs_f64();
        let hwm_kib = proc_status_kib("VmHWM")?;
        h.finish();
        let _ = std::fs::remove_file(&file);
        result?;
        println!("p3 hwm_kib={hwm_kib} before_kib={before_kib} secs={secs:.3}");
        Ok::<(), BoxError>(())
    })
}

/// The parent side: runs one child for `size` bytes and reads its report.
pub fn measure(size: u64, dir: &Path, order: HashOrder) -> Result<Peak, BoxError> {
    let exe = std::env::current_exe()?;
    let output = Command::new(exe)
        .arg(CHILD_COMMAND)
        .arg(size.to_string())
        .arg(dir)
        .arg(order_arg(order))
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "the P3 child for {} failed ({}): {}{}",
            data::human_size(size),
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let line = stdout
        .lines()
        .find(|l| l.starts_with("p3 "))
        .ok_or("the P3 child printed no report")?;
    let field = |name: &str| -> Result<&str, BoxError> {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .ok_or_else(|| format!("no {name} in `{line}`").into())
    };
    Ok(Peak {
        hwm_kib: field("hwm_kib")?.parse()?,
        before_kib: field("before_kib")?.parse()?,
        secs: field("secs")?.parse()?,
    })
}

/// KiB as MiB.
pub fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
