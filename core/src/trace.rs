//! `X-Traceid`: the 58-character id that follows a request through KooDrive's logs.

use crate::platform::Rng;

/// The length the reference requires of a trace id.
pub const TRACE_ID_LEN: usize = 58;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Whether `id` is a valid trace id: exactly 58 characters of `[A-Za-z0-9_]`.
pub fn is_valid_trace_id(id: &str) -> bool {
    id.len() == TRACE_ID_LEN && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A fresh trace id: `kd` and the time in hex, `_`, then random letters and digits.
///
/// The prefix makes the SDK's requests easy to find in server logs, and the time
/// makes ids sortable.
pub(crate) fn new_trace_id(rng: &mut Rng, now_millis: u64) -> String {
    let mut id = format!("kd{now_millis:012x}_");
    while id.len() < TRACE_ID_LEN {
        let r = rng.next_u64();
        for i in 0..8 {
            if id.len() == TRACE_ID_LEN {
                break;
            }
            id.push(ALPHABET[((r >> (i * 8)) as usize) % ALPHABET.len()] as char);
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_valid_and_distinct() {
        let mut rng = Rng::seeded(1);
        let a = new_trace_id(&mut rng, 1_764_000_000_000);
        let b = new_trace_id(&mut rng, 1_764_000_000_000);
        assert!(is_valid_trace_id(&a), "{a}");
        assert_eq!(a.len(), 58);
        assert_ne!(a, b);
        assert!(!is_valid_trace_id("short"));
        assert!(!is_valid_trace_id(&"-".repeat(58)));
    }
}
