//! The emulator's clock and the date formats of the wire protocol.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Real time plus an offset that tests can move forward.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// Milliseconds since the Unix epoch on the emulator's clock.
    pub(crate) fn now_ms(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        i64::try_from(real).unwrap_or(i64::MAX) + self.offset_ms.load(Ordering::SeqCst)
    }

    /// Moves the clock forward by `ms` milliseconds.
    pub(crate) fn advance_ms(&self, ms: i64) {
        self.offset_ms.fetch_add(ms, Ordering::SeqCst);
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of a day number (inverse of [`days_from_civil`]).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

struct Parts {
    year: i64,
    month: u32,
    day: u32,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
}

fn split(ms: i64) -> Parts {
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    Parts {
        year,
        month,
        day,
        hour: rest / 3_600_000,
        minute: rest / 60_000 % 60,
        second: rest / 1000 % 60,
        millis: rest % 1000,
    }
}

/// `2026-12-03T10:00:00.000Z`, the timestamp format of file objects.
pub(crate) fn rfc3339_ms(ms: i64) -> String {
    let p = split(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        p.year, p.month, p.day, p.hour, p.minute, p.second, p.millis
    )
}

/// `20261203123456`, the suffix appended to a clashing name.
pub(crate) fn compact(ms: i64) -> String {
    let p = split(ms);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    )
}

/// `20261203T123456Z`, the format of `X-Date` and `X-Amz-Date`.
pub(crate) fn basic_iso(ms: i64) -> String {
    let p = split(ms);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        p.year, p.month, p.day, p.hour, p.minute, p.second
    )
}

/// Parses `YYYYMMDDTHHMMSSZ` into milliseconds since the epoch.
pub(crate) fn parse_basic_iso(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(range)?;
        if !s.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    let (year, month, day) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
    let (hour, minute, second) = (digits(9..11)?, digits(11..13)?, digits(13..15)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let days = days_from_civil(year, month as u32, day as u32);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_round_trip() {
        let ms = parse_basic_iso("20261203T123456Z").unwrap();
        assert_eq!(basic_iso(ms), "20261203T123456Z");
        assert_eq!(compact(ms), "20261203123456");
        assert_eq!(rfc3339_ms(ms + 7), "2026-12-03T12:34:56.007Z");
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(parse_basic_iso("2026-12-03T1234"), None);
    }

    /// Replays the shared X-Date vectors (`tests/vectors/auth/x_date.json`).
    #[test]
    fn shared_x_date_vectors() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/auth/x_date.json");
        let text = std::fs::read_to_string(path).expect("shared vectors are present");
        let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
        for case in vectors["cases"].as_array().unwrap() {
            let ms = case["unixSeconds"].as_i64().unwrap() * 1000;
            let x_date = case["xDate"].as_str().unwrap();
            assert_eq!(basic_iso(ms), x_date);
            assert_eq!(parse_basic_iso(x_date), Some(ms));
        }
    }

    #[test]
    fn leap_days() {
        let d = days_from_civil(2024, 2, 29);
        assert_eq!(civil_from_days(d), (2024, 2, 29));
        assert_eq!(civil_from_days(d + 1), (2024, 3, 1));
    }
}
