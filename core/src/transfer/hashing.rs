//! SHA-256 with its chaining state in view: the `hashCtx` midstates that KooDrive's
//! parallel upload needs, and the whole-file digest, from one pass over the bytes.

use serde::{Deserialize, Serialize};
use sha2::compress256;
use sha2::digest::generic_array::GenericArray;
use sha2::digest::generic_array::typenum::U64;

/// SHA-256's initial chaining value (FIPS 180-4 §5.3.3).
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Blocks handed to the compression function per call.
const BATCH_BLOCKS: usize = 1024;

/// Where a hashing pass stands at a 64-byte boundary: enough to resume it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HashProgress {
    /// Bytes hashed so far; a multiple of 64.
    pub bytes: u64,
    /// The eight chaining words after those bytes.
    pub words: [u32; 8],
}

/// A streaming SHA-256 that exposes its midstate whenever the input so far is a
/// whole number of 64-byte blocks.
#[derive(Clone)]
pub struct MidstateHasher {
    state: [u32; 8],
    pending: [u8; 64],
    pending_len: usize,
    length: u64,
    batch: Vec<GenericArray<u8, U64>>,
}

impl Default for MidstateHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for MidstateHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MidstateHasher")
            .field("length", &self.length)
            .finish()
    }
}

impl MidstateHasher {
    /// A hasher at the start of the input.
    pub fn new() -> Self {
        Self::resume(HashProgress {
            bytes: 0,
            words: IV,
        })
    }

    /// A hasher that continues from `progress`.
    ///
    /// # Panics
    /// When `progress.bytes` is not a multiple of 64; [`HashProgress`] values come
    /// from [`MidstateHasher::progress`], which only hands out such values.
    pub fn resume(progress: HashProgress) -> Self {
        assert_eq!(
            progress.bytes % 64,
            0,
            "a midstate exists only at a block boundary"
        );
        Self {
            state: progress.words,
            pending: [0; 64],
            pending_len: 0,
            length: progress.bytes,
            batch: Vec::new(),
        }
    }

    /// Bytes hashed so far.
    pub fn length(&self) -> u64 {
        self.length
    }

    /// The chaining words, when the input so far ends on a block boundary.
    pub fn midstate(&self) -> Option<[u32; 8]> {
        (self.pending_len == 0).then_some(self.state)
    }

    /// The resumable position, when the input so far ends on a block boundary.
    pub fn progress(&self) -> Option<HashProgress> {
        self.midstate().map(|words| HashProgress {
            bytes: self.length,
            words,
        })
    }

    /// Hashes more input.
    pub fn update(&mut self, mut data: &[u8]) {
        self.length += data.len() as u64;
        if self.pending_len > 0 {
            let take = (64 - self.pending_len).min(data.len());
            self.pending[self.pending_len..self.pending_len + take].copy_from_slice(&data[..take]);
            self.pending_len += take;
            data = &data[take..];
            if self.pending_len < 64 {
                return;
            }
            compress256(&mut self.state, &[*GenericArray::from_slice(&self.pending)]);
            self.pending_len = 0;
        }
        let whole = data.len() / 64 * 64;
        for chunk in data[..whole].chunks(64 * BATCH_BLOCKS) {
            // The compression function takes a slice of blocks; one call per batch
            // keeps its per-call cost out of the way.
            self.batch.clear();
            self.batch
                .extend(chunk.chunks_exact(64).map(|b| *GenericArray::from_slice(b)));
            compress256(&mut self.state, &self.batch);
        }
        let rest = &data[whole..];
        self.pending[..rest.len()].copy_from_slice(rest);
        self.pending_len = rest.len();
    }

    /// Pads, finishes and returns the digest.
    pub fn finalize(mut self) -> [u8; 32] {
        let bit_length = self.length.wrapping_mul(8);
        let mut tail = [0u8; 128];
        tail[..self.pending_len].copy_from_slice(&self.pending[..self.pending_len]);
        tail[self.pending_len] = 0x80;
        let blocks = if self.pending_len < 56 { 1 } else { 2 };
        tail[blocks * 64 - 8..blocks * 64].copy_from_slice(&bit_length.to_be_bytes());
        for block in tail[..blocks * 64].chunks_exact(64) {
            compress256(&mut self.state, &[*GenericArray::from_slice(block)]);
        }
        let mut out = [0u8; 32];
        for (dst, word) in out.chunks_exact_mut(4).zip(self.state) {
            dst.copy_from_slice(&word.to_be_bytes());
        }
        out
    }
}

/// Lower-case hex of a digest.
pub fn hex_digest(digest: &[u8; 32]) -> String {
    crate::auth::hex(digest)
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    fn data(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    #[test]
    fn digest_matches_sha2_for_every_tail_length() {
        for len in (0..300).chain([4095, 4096, 65_537, 64 * BATCH_BLOCKS * 2 + 17]) {
            let bytes = data(len);
            let mut h = MidstateHasher::new();
            // Feed in uneven pieces to cross block boundaries.
            for piece in bytes.chunks(37) {
                h.update(piece);
            }
            assert_eq!(
                h.finalize().as_slice(),
                Sha256::digest(&bytes).as_slice(),
                "len {len}"
            );
        }
    }

    #[test]
    fn midstates_resume_to_the_same_digest() {
        let bytes = data(10_000);
        let mut h = MidstateHasher::new();
        h.update(&bytes[..6400]);
        let progress = h.progress().expect("6400 is a block boundary");
        let mut resumed = MidstateHasher::resume(progress);
        resumed.update(&bytes[6400..]);
        assert_eq!(
            resumed.finalize().as_slice(),
            Sha256::digest(&bytes).as_slice()
        );
        h.update(&bytes[6400..6401]);
        assert_eq!(h.midstate(), None);
    }

    #[test]
    fn documented_example_words_shape() {
        // The initial midstate is the IV: the hashCtx of a part at offset 0.
        assert_eq!(MidstateHasher::new().midstate(), Some(IV));
        assert_eq!(
            hex_digest(&MidstateHasher::new().finalize()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
