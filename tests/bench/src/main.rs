//! `koodrive-bench`: transfer benchmarks of the KooDrive SDK against the local
//! emulator, each set beside a baseline that does the same work without the SDK.
//!
//! It prints figures, it does not assert: see the crate's README for what each of
//! P1–P5 measures and the figures of a full run.

mod data;
mod download;
mod harness;
mod hashing;
mod rss;
mod upload;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use koodrive_core::transfer::upload::{HashOrder, Hedge};
use koodrive_emulator::FaultConfig;

use crate::data::{GIB, MIB, human_size, mib_per_s};
use crate::harness::Harness;

/// Any error, boxed: the benchmark reports and stops.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The part size of every upload, and the range size of every download.
pub const PART_SIZE: u64 = 8 * MIB;
/// Parts or ranges in flight.
pub const CONCURRENCY: usize = 4;
/// The SDK-versus-baseline throughput ratio aimed at (P1, P2, P4).
const RATIO_TARGET: f64 = 0.95;
/// The largest acceptable peak-RSS growth from the small to the large upload (P3).
const RSS_TARGET: f64 = 1.1;

const USAGE: &str = "\
koodrive-bench: KooDrive SDK transfer benchmarks against the in-process emulator

USAGE: koodrive-bench [OPTIONS]

OPTIONS:
  --size SIZE        file size for P1, P2, P4, P5 (default 1G; units K, M, G)
  --p3-sizes A,B     the two upload sizes whose peak RSS P3 compares (default 1G,4G)
  --quick            small sizes for a smoke run: --size 64M --p3-sizes 16M,64M --runs 1
  --runs N           repeat each timed measurement N times and keep the best (default 2)
  --dir DIR          where the temporary folder (test files, emulator data) goes
                     (default: the system temp dir); it is deleted at the end
  --only LIST        run only these, e.g. --only P1,P4 (default P1,P2,P3,P4,P5)
  -h, --help         this text
";

/// The command line.
#[derive(Debug, Clone)]
struct Options {
    size: u64,
    p3_sizes: (u64, u64),
    runs: usize,
    dir: Option<PathBuf>,
    only: Vec<String>,
}

impl Options {
    fn parse(args: &[String]) -> Result<Option<Self>, String> {
        let mut o = Options {
            size: GIB,
            p3_sizes: (GIB, 4 * GIB),
            runs: 2,
            dir: None,
            only: ["P1", "P2", "P3", "P4", "P5", "P6"]
                .map(String::from)
                .to_vec(),
        };
        let (mut size, mut p3, mut runs) = (None, None, None);
        let mut quick = false;
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match arg.as_str() {
                "-h" | "--help" => return Ok(None),
                "--quick" => quick = true,
                "--size" => size = Some(data::parse_size(&value("--size")?)?),
                "--p3-sizes" => {
                    let v = value("--p3-sizes")?;
                    let (a, b) = v
                        .split_once(',')
                        .ok_or("--p3-sizes takes two sizes, like 1G,4G")?;
                    p3 = Some((data::parse_size(a)?, data::parse_size(b)?));
                }
                "--runs" => {
                    let n: usize = value("--runs")?
                        .parse()
                        .map_err(|_| "--runs takes a number")?;
                    runs = Some(n.max(1));
                }
                "--dir" => o.dir = Some(PathBuf::from(value("--dir")?)),
                "--only" => {
                    o.only = value("--only")?
                        .split(',')
                        .map(|s| s.trim().to_ascii_uppercase())
                        .collect();
                }
                other => return Err(format!("unknown argument `{other}`\n\n{USAGE}")),
            }
        }
        if quick {
            o.size = 64 * MIB;
            o.p3_sizes = (16 * MIB, 64 * MIB);
            o.runs = 1;
        }
        o.size = size.unwrap_or(o.size);
        o.p3_sizes = p3.unwrap_or(o.p3_sizes);
        o.runs = runs.unwrap_or(o.runs);
        if o.size < 1024 {
            return Err("--size must be at least 1 KiB".into());
        }
        Ok(Some(o))
    }

    fn wants(&self, id: &str) -> bool {
        self.only.iter().any(|s| s == id)
    }
}

/// One line of the results table.
struct Row {
    id: &'static str,
    what: String,
    sdk: String,
    baseline: String,
    ratio: Option<f64>,
    target: String,
    pass: Option<bool>,
}

/// Everything the run found: rows for the table and notes beneath it.
#[derive(Default)]
struct Report {
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl Report {
    fn ratio_row(&mut self, id: &'static str, what: String, sdk: String, base: String, r: f64) {
        self.rows.push(Row {
            id,
            what,
            sdk,
            baseline: base,
            ratio: Some(r),
            target: format!(">= {RATIO_TARGET:.2}"),
            pass: Some(r >= RATIO_TARGET),
        });
        if r < RATIO_TARGET {
            self.notes.push(format!(
                "{id}: missed by {:.1} % of the baseline ({r:.3} against {RATIO_TARGET}).",
                (RATIO_TARGET - r) * 100.0
            ));
        }
    }

    fn print(&self) {
        let headers = [
            "id", "measure", "SDK", "baseline", "ratio", "target", "result",
        ];
        let cells: Vec<[String; 7]> = self
            .rows
            .iter()
            .map(|r| {
                [
                    r.id.to_owned(),
                    r.what.clone(),
                    r.sdk.clone(),
                    r.baseline.clone(),
                    r.ratio.map_or("-".into(), |x| format!("{x:.3}")),
                    r.target.clone(),
                    match r.pass {
                        Some(true) => "PASS".into(),
                        Some(false) => "FAIL".into(),
                        None => "info".into(),
                    },
                ]
            })
            .collect();
        let mut widths = headers.map(str::len);
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        let line = |row: &[String]| {
            let parts: Vec<String> = row
                .iter()
                .zip(widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            println!("| {} |", parts.join(" | "));
        };
        line(&headers.map(String::from));
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        println!("|-{}-|", rule.join("-|-"));
        for row in &cells {
            line(row);
        }
        if !self.notes.is_empty() {
            println!();
            for note in &self.notes {
                println!("- {note}");
            }
        }
    }
}

/// Flushes dirty pages before a timed measurement and lets the disk go quiet, so
/// that the write-back of the previous one does not land in its time (this VM's
/// disk throttles for a while after a large write).
pub(crate) fn settle() {
    let _ = std::process::Command::new("sync").status();
    std::thread::sleep(Duration::from_secs(2));
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn speed(bytes: u64, d: Duration) -> String {
    format!("{:.0} MiB/s ({:.2} s)", mib_per_s(bytes, secs(d)), secs(d))
}

fn best(a: Option<Duration>, b: Duration) -> Option<Duration> {
    Some(a.map_or(b, |a| a.min(b)))
}

fn first_line_of(path: &str, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_owned())
}

/// The machine, for the record.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = first_line_of("/proc/cpuinfo", "model name").unwrap_or_else(|| "unknown CPU".into());
    let mem = first_line_of("/proc/meminfo", "MemTotal")
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or("? GiB".into(), |kib| {
            format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0)
        });
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    format!("{cores} cores, {cpu}, {mem} RAM, Linux {kernel}")
}

fn today() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown date".into())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(rss::CHILD_COMMAND) {
        return match rss::child_main(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("P3 child: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let options = match Options::parse(&args) {
        Ok(Some(o)) => o,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "command: cargo run --release -p koodrive-bench --{}",
        args.iter().map(|a| format!(" {a}")).collect::<String>()
    );
    println!("date:    {}", today());
    println!("machine: {}", machine());
    println!(
        "sizes:   file {}, P3 {} vs {}, part/range {}, concurrency {}, best of {} run(s)",
        human_size(options.size),
        human_size(options.p3_sizes.0),
        human_size(options.p3_sizes.1),
        human_size(PART_SIZE),
        CONCURRENCY,
        options.runs
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&options)) {
        Ok(report) => {
            println!();
            report.print();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("benchmark failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(o: &Options) -> Result<Report, BoxError> {
    let builder = {
        let mut b = tempfile::Builder::new();
        b.prefix("koodrive-bench-");
        b
    };
    let work = match &o.dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            builder.tempdir_in(dir)?
        }
        None => builder.tempdir()?,
    };
    println!("dir:     {}", work.path().display());
    let mut report = Report::default();
    let input = work.path().join("input.bin");
    if o.wants("P1") || o.wants("P2") || o.wants("P4") || o.wants("P5") || o.wants("P6") {
        let start = Instant::now();
        data::generate_file(&input, o.size, 0x5eed)?;
        println!(
            "\ngenerated {} of pseudo-random bytes in {:.2} s",
            human_size(o.size),
            secs(start.elapsed())
        );
    }
    let http = harness::raw_http_client()?;
    let mut pipelined_best = None;
    if o.wants("P1") {
        pipelined_best = p1(o, work.path(), &input, &http, &mut report).await?;
    }
    if o.wants("P2") {
        p2(o, work.path(), &input, &http, &mut report).await?;
    }
    if o.wants("P3") {
        p3(o, work.path(), &mut report)?;
    }
    if o.wants("P4") {
        p4(o, &input, &mut report)?;
    }
    if o.wants("P5") {
        p5(o, work.path(), &input, pipelined_best, &mut report).await?;
    }
    if o.wants("P6") {
        p6(o, work.path(), &input, &mut report).await?;
    }
    let _ = std::fs::remove_file(&input);
    work.close()?;
    Ok(report)
}

/// P1: SDK upload (both hash orders) against raw parallel `PUT`s.
async fn p1(
    o: &Options,
    dir: &Path,
    input: &Path,
    http: &reqwest::Client,
    report: &mut Report,
) -> Result<Option<Duration>, BoxError> {
    println!("\nP1 upload, {}:", human_size(o.size));
    let (mut raw, mut complete, mut first, mut piped) = (None, None, None, None);
    for run in 1..=o.runs {
        let h = Harness::start(dir).await?;
        let r = upload::raw_upload(&h, http, input, "raw.bin", PART_SIZE, CONCURRENCY).await?;
        h.finish();
        println!(
            "  run {run}: raw PUTs {} (then complete_upload {:.2} s)",
            speed(o.size, r.puts),
            secs(r.complete)
        );
        raw = best(raw, r.puts);
        complete = best(complete, r.complete);
        for (order, slot) in [
            (HashOrder::HashFirst, &mut first),
            (HashOrder::Pipelined, &mut piped),
        ] {
            let h = Harness::start(dir).await?;
            let s = upload::sdk_upload(&h, input, "sdk.bin", PART_SIZE, CONCURRENCY, order, None)
                .await?;
            h.finish();
            println!(
                "  run {run}: SDK {:<11} {}",
                rss::order_arg(order),
                speed(s.outcome.size, s.elapsed)
            );
            *slot = best(*slot, s.elapsed);
        }
    }
    let (raw, complete) = (raw.unwrap_or_default(), complete.unwrap_or_default());
    // Both sides make a whole upload: the raw client also has to complete it, or
    // nothing would be stored.
    let raw_total = raw + complete;
    for (label, t) in [
        ("HashFirst (incl. a whole hashing pass first)", first),
        ("Pipelined", piped),
    ] {
        let t = t.unwrap_or_default();
        report.ratio_row(
            "P1",
            format!("upload {}, {label}", human_size(o.size)),
            speed(o.size, t),
            format!("raw PUTs + complete {}", speed(o.size, raw_total)),
            secs(raw_total) / secs(t),
        );
    }
    let t = piped.unwrap_or_default();
    report.rows.push(Row {
        id: "P1",
        what: "Pipelined vs the raw PUTs alone".into(),
        sdk: speed(o.size, t),
        baseline: format!("raw PUTs {}", speed(o.size, raw)),
        ratio: Some(secs(raw) / secs(t)),
        target: "-".into(),
        pass: None,
    });
    report.notes.push(format!(
        "P1: the SDK time runs from `Client::upload` to its return: create, all PUTs and \
         complete_upload. The raw client does the same upload without the SDK: its parts \
         are PUT with plain reqwest, then it completes ({:.2} s of the raw time; the \
         emulator assembles the parts and checks their digests on the same 2 cores). The \
         info row compares against the PUTs alone.",
        secs(complete)
    ));
    Ok(piped)
}

/// P2: SDK ranged download against raw parallel ranged `GET`s.
async fn p2(
    o: &Options,
    dir: &Path,
    input: &Path,
    http: &reqwest::Client,
    report: &mut Report,
) -> Result<(), BoxError> {
    println!("\nP2 download, {}:", human_size(o.size));
    let h = Harness::start(dir).await?;
    let stored = upload::raw_upload(&h, http, input, "stored.bin", PART_SIZE, CONCURRENCY).await?;
    let out = dir.join("download.bin");
    let (mut raw, mut sdk, mut unverified) = (None, None, None);
    let (mut raw_file, mut sdk_file, mut to_path) = (None, None, None);
    let id = stored.file_id.as_str();
    for run in 1..=o.runs {
        // In memory first: the ratio of record, free of this VM's disk.
        let r = download::raw_download(&h, http, id, o.size, None, PART_SIZE, CONCURRENCY).await?;
        let s = download::sdk_download(&h, id, None, PART_SIZE, CONCURRENCY, true).await?;
        let u = download::sdk_download(&h, id, None, PART_SIZE, CONCURRENCY, false).await?;
        // Then into files, for information.
        let rf = download::raw_download(&h, http, id, o.size, Some(&out), PART_SIZE, CONCURRENCY)
            .await?;
        let _ = std::fs::remove_file(&out);
        let sf = download::sdk_download(&h, id, Some(&out), PART_SIZE, CONCURRENCY, true).await?;
        let _ = std::fs::remove_file(&out);
        let p = download::sdk_download_to_path(&h, id, &out, PART_SIZE, CONCURRENCY).await?;
        let _ = std::fs::remove_file(&out);
        println!(
            "  run {run}: in memory: raw GETs {}, SDK {}, SDK unverified {}; into files: raw {}, \
             SDK {}, download_to_path {}",
            speed(o.size, r),
            speed(o.size, s),
            speed(o.size, u),
            speed(o.size, rf),
            speed(o.size, sf),
            speed(o.size, p)
        );
        raw = best(raw, r);
        sdk = best(sdk, s);
        unverified = best(unverified, u);
        raw_file = best(raw_file, rf);
        sdk_file = best(sdk_file, sf);
        to_path = best(to_path, p);
    }
    h.finish();
    let d = |x: Option<Duration>| x.unwrap_or_default();
    let (raw, sdk, unverified) = (d(raw), d(sdk), d(unverified));
    let (raw_file, sdk_file, to_path) = (d(raw_file), d(sdk_file), d(to_path));
    report.ratio_row(
        "P2",
        format!("download {}, verified, into memory", human_size(o.size)),
        speed(o.size, sdk),
        format!("raw GETs {}", speed(o.size, raw)),
        secs(raw) / secs(sdk),
    );
    for (what, t, base_name, base) in [
        (
            "download without hashing (skip_verification)",
            unverified,
            "raw GETs",
            raw,
        ),
        (
            "download, verified, into a FileSink",
            sdk_file,
            "raw GETs to a file",
            raw_file,
        ),
        (
            "download_to_path (fsync + rename)",
            to_path,
            "raw GETs to a file",
            raw_file,
        ),
    ] {
        report.rows.push(Row {
            id: "P2",
            what: what.into(),
            sdk: speed(o.size, t),
            baseline: format!("{base_name} {}", speed(o.size, base)),
            ratio: Some(secs(base) / secs(t)),
            target: "-".into(),
            pass: None,
        });
    }
    report.notes.push(
        "P2: the SDK verifies the SHA-256 of what it downloads as it goes; the raw GETs do not \
         hash. download_to_path also fsyncs the file before renaming it into place."
            .into(),
    );
    Ok(())
}

/// P3: peak RSS of the large upload against the small one, each in a child process.
fn p3(o: &Options, dir: &Path, report: &mut Report) -> Result<(), BoxError> {
    let (small, large) = o.p3_sizes;
    println!(
        "\nP3 peak RSS, {} vs {} (one process each):",
        human_size(small),
        human_size(large)
    );
    let bound_mib = (PART_SIZE as usize * CONCURRENCY) as f64 / MIB as f64 + 64.0;
    for order in [HashOrder::HashFirst, HashOrder::Pipelined] {
        let a = rss::measure(small, dir, order)?;
        let b = rss::measure(large, dir, order)?;
        for (size, p) in [(small, a), (large, b)] {
            println!(
                "  {:<10} {:>8}: peak RSS {:.1} MiB (before the upload {:.1} MiB), upload {:.2} s",
                rss::order_arg(order),
                human_size(size),
                rss::kib_to_mib(p.hwm_kib),
                rss::kib_to_mib(p.before_kib),
                p.secs
            );
        }
        let ratio = b.hwm_kib as f64 / a.hwm_kib as f64;
        report.rows.push(Row {
            id: "P3",
            what: format!(
                "peak RSS {} / {}, {}",
                human_size(large),
                human_size(small),
                rss::order_arg(order)
            ),
            sdk: format!("{:.1} MiB", rss::kib_to_mib(b.hwm_kib)),
            baseline: format!("{:.1} MiB", rss::kib_to_mib(a.hwm_kib)),
            ratio: Some(ratio),
            target: format!("<= {RSS_TARGET}"),
            pass: Some(ratio <= RSS_TARGET),
        });
        let peak = rss::kib_to_mib(b.hwm_kib);
        report.rows.push(Row {
            id: "P3",
            what: format!(
                "peak RSS of {} < part x conc + 64 MiB, {}",
                human_size(large),
                rss::order_arg(order)
            ),
            sdk: format!("{peak:.1} MiB"),
            baseline: format!("{bound_mib:.0} MiB bound"),
            ratio: Some(peak / bound_mib),
            target: "< 1".into(),
            pass: Some(peak < bound_mib),
        });
    }
    report.notes.push(
        "P3: peak RSS is VmHWM of the whole child process, which runs the emulator too (its \
         request handling, part writes and SQLite), so the emulator's memory counts in both \
         figures."
            .into(),
    );
    Ok(())
}

/// P4: `MidstateHasher` over the file against `sha256sum`.
fn p4(o: &Options, input: &Path, report: &mut Report) -> Result<(), BoxError> {
    println!("\nP4 SHA-256, {}:", human_size(o.size));
    let (mut sdk, mut tool) = (None, None);
    for run in 1..=o.runs.max(2) {
        let (s, sdk_digest) = hashing::sdk_hash(input, PART_SIZE as usize)?;
        let (t, tool_digest) = hashing::sha256sum(input)?;
        if sdk_digest != tool_digest {
            return Err(
                format!("digests differ: SDK {sdk_digest}, sha256sum {tool_digest}").into(),
            );
        }
        println!(
            "  run {run}: MidstateHasher {}, sha256sum {}",
            speed(o.size, s),
            speed(o.size, t)
        );
        sdk = best(sdk, s);
        tool = best(tool, t);
    }
    let (sdk, tool) = (sdk.unwrap_or_default(), tool.unwrap_or_default());
    report.ratio_row(
        "P4",
        format!(
            "SHA-256 of {} (sha256sum time / SDK time)",
            human_size(o.size)
        ),
        speed(o.size, sdk),
        format!("sha256sum {}", speed(o.size, tool)),
        secs(tool) / secs(sdk),
    );
    Ok(())
}

/// P5: an SDK upload while 5 % of part `PUT`s fail with 503.
/// P6: does hedging help? The same pipelined upload while 5 % of part `PUT`s
/// straggle by 3 s, without and with [`Hedge`].
async fn p6(o: &Options, dir: &Path, input: &Path, report: &mut Report) -> Result<(), BoxError> {
    println!("\nP6 hedging, {}:", human_size(o.size));
    let faults = FaultConfig {
        seed: 11,
        slow_rate: 0.05,
        slow_ms: 3000,
        ..FaultConfig::default()
    };
    let mut times = Vec::new();
    for hedge in [
        None,
        Some(Hedge {
            factor: 3.0,
            min_wait: Duration::from_secs(1),
        }),
    ] {
        let h = Harness::start(dir).await?;
        h.emu.set_faults(faults.clone());
        let s = upload::sdk_upload(
            &h,
            input,
            "straggling.bin",
            PART_SIZE,
            CONCURRENCY,
            HashOrder::Pipelined,
            hedge,
        )
        .await?;
        let slowed = h.emu.fault_stats().slowed;
        h.finish();
        println!(
            "  hedging {}: {} ({slowed} requests slowed by 3 s)",
            if hedge.is_some() { "on " } else { "off" },
            speed(o.size, s.elapsed)
        );
        times.push(s.elapsed);
    }
    report.rows.push(Row {
        id: "P6",
        what: "upload, 5 % of PUTs straggle 3 s: hedging on vs off".into(),
        sdk: format!("on {}", speed(o.size, times[1])),
        baseline: format!("off {}", speed(o.size, times[0])),
        ratio: Some(secs(times[0]) / secs(times[1])),
        target: "> 1 helps".into(),
        pass: None,
    });
    Ok(())
}

async fn p5(
    o: &Options,
    dir: &Path,
    input: &Path,
    clean: Option<Duration>,
    report: &mut Report,
) -> Result<(), BoxError> {
    println!("\nP5 upload under faults, {}:", human_size(o.size));
    let faults = FaultConfig {
        error_rate: 0.05,
        seed: 7,
        ..FaultConfig::default()
    };
    let h = Harness::start(dir).await?;
    h.emu.set_faults(faults.clone());
    let before = h.emu.fault_stats();
    let requests = h.emu.request_count();
    let s = upload::sdk_upload(
        &h,
        input,
        "faulty.bin",
        PART_SIZE,
        CONCURRENCY,
        HashOrder::Pipelined,
        None,
    )
    .await?;
    let errors = h.emu.fault_stats().errors - before.errors;
    let requests = h.emu.request_count() - requests;
    h.finish();
    let parts = o.size.div_ceil(PART_SIZE);
    println!(
        "  SDK pipelined {} with {errors} injected 503s (Retry-After {} s) over {requests} requests",
        speed(o.size, s.elapsed),
        faults.retry_after_secs
    );
    report.rows.push(Row {
        id: "P5",
        what: format!(
            "upload, 5 % of PUTs 503 (Retry-After {} s), Pipelined",
            faults.retry_after_secs
        ),
        sdk: format!("{}, {errors} retries", speed(o.size, s.elapsed)),
        baseline: clean.map_or("-".into(), |c| format!("no faults {}", speed(o.size, c))),
        ratio: clean.map(|c| secs(c) / secs(s.elapsed)),
        target: "completes".into(),
        pass: Some(true),
    });
    report.notes.push(format!(
        "P5: {errors} of {parts} parts were refused once or more and sent again; every retry \
         waits for the Retry-After of {} s. The file completed and was verified by the emulator.",
        faults.retry_after_secs
    ));
    Ok(())
}
