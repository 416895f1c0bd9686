//! Test data: files of pseudo-random bytes, and sizes read and written for people.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// One MiB.
pub const MIB: u64 = 1024 * 1024;
/// One GiB.
pub const GIB: u64 = 1024 * MIB;

/// A small, fast pseudo-random generator (xorshift64*). The bytes only need to be
/// neither zeros nor repeating per part, so that nothing along the way (page cache,
/// disk, hashing) can take a shortcut.
struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        // A zero state would stay zero forever.
        Self(seed ^ 0x9e37_79b9_7f4a_7c15 | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for word in buf.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            word.copy_from_slice(&bytes[..word.len()]);
        }
    }
}

/// Writes `size` pseudo-random bytes from `seed` to `path`, 1 MiB at a time, so
/// that generating a large file costs no more memory than a small one.
pub fn generate_file(path: &Path, size: u64, seed: u64) -> io::Result<()> {
    let mut rng = XorShift::new(seed);
    let mut file = File::create(path)?;
    let mut buf = vec![0u8; MIB as usize];
    let mut left = size;
    while left > 0 {
        let n = left.min(MIB) as usize;
        rng.fill(&mut buf[..n]);
        file.write_all(&buf[..n])?;
        left -= n as u64;
    }
    file.flush()
}

/// Parses `1073741824`, `64M`, `64MiB`, `1G`, `1GiB`, `512K` (binary units).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let digits_end = lower
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(lower.len());
    let (number, unit) = lower.split_at(digits_end);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size (try 64M or 1G)"))?;
    let factor = match unit.trim() {
        "" | "b" => 1,
        "k" | "kib" | "kb" => 1024,
        "m" | "mib" | "mb" => MIB,
        "g" | "gib" | "gb" => GIB,
        _ => return Err(format!("`{text}`: unknown unit (use K, M or G)")),
    };
    number
        .checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// A size for people: `64 MiB`, `1 GiB`, `1.5 GiB`.
pub fn human_size(bytes: u64) -> String {
    if bytes >= GIB && bytes.is_multiple_of(GIB / 4) {
        trim_float(bytes as f64 / GIB as f64, "GiB")
    } else if bytes >= MIB {
        trim_float(bytes as f64 / MIB as f64, "MiB")
    } else {
        format!("{bytes} B")
    }
}

fn trim_float(value: f64, unit: &str) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0} {unit}")
    } else {
        format!("{value:.2} {unit}")
    }
}

/// Throughput in MiB/s.
pub fn mib_per_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / MIB as f64 / secs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("64M"), Ok(64 * MIB));
        assert_eq!(parse_size("1GiB"), Ok(GIB));
        assert_eq!(parse_size("4g"), Ok(4 * GIB));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("x").is_err());
        assert!(parse_size("3T").is_err());
        assert_eq!(human_size(64 * MIB), "64 MiB");
        assert_eq!(human_size(4 * GIB), "4 GiB");
    }

    #[test]
    fn bytes_vary() {
        let mut rng = XorShift::new(1);
        let mut a = [0u8; 64];
        let mut b = [0u8; 64];
        rng.fill(&mut a);
        rng.fill(&mut b);
        assert_ne!(a, b);
        assert!(a.iter().any(|x| *x != 0));
    }
}
