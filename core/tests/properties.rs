#![cfg(not(target_arch = "wasm32"))]
//! Properties of the transfer engine's pure parts: how a file is cut into parts, and
//! the SHA-256 midstates that let parts be hashed and sent in parallel.

use koodrive_core::ValidationError;
use koodrive_core::transfer::hashing::MidstateHasher;
use koodrive_core::transfer::plan::{
    MAX_FILE_SIZE, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, PartPlan,
};
use proptest::prelude::*;
use sha2::digest::generic_array::GenericArray;
use sha2::{Digest, Sha256, compress256};

const KIB: usize = 1024;

/// SHA-256's initial chaining value (FIPS 180-4 §5.3.3).
const IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The chaining words after `prefix`, computed block by block with sha2's own
/// compression function rather than with the hasher under test.
fn reference_midstate(prefix: &[u8]) -> [u32; 8] {
    assert_eq!(prefix.len() % 64, 0);
    let mut state = IV;
    for block in prefix.chunks_exact(64) {
        compress256(&mut state, &[*GenericArray::from_slice(block)]);
    }
    state
}

/// Requested part sizes that `PartPlan::new` must accept.
fn valid_part_size() -> impl Strategy<Value = u64> {
    (MIN_PART_SIZE / 64..=MAX_PART_SIZE / 64).prop_map(|blocks| blocks * 64)
}

/// Requested part sizes that `PartPlan::new` must refuse: too small, too large, or
/// not a multiple of 64.
fn invalid_part_size() -> impl Strategy<Value = u64> {
    prop_oneof![
        0..MIN_PART_SIZE,
        MAX_PART_SIZE + 1..=u64::MAX / 2,
        (MIN_PART_SIZE / 64..MAX_PART_SIZE / 64, 1..64u64).prop_map(|(b, r)| b * 64 + r),
    ]
}

/// File sizes, weighted towards the edges where parts end.
fn total() -> impl Strategy<Value = u64> {
    prop_oneof![
        0..=MAX_FILE_SIZE,
        0..=64 * MIN_PART_SIZE,
        Just(0u64),
        Just(MAX_FILE_SIZE),
        (1..=10_000u64, -1..=1i64).prop_map(|(n, d)| (n * MIN_PART_SIZE).saturating_add_signed(d)),
    ]
}

/// Data to hash: random length and bytes, and a split point on a block boundary.
fn data_and_split() -> impl Strategy<Value = (Vec<u8>, usize)> {
    proptest::collection::vec(any::<u8>(), 0..300 * KIB).prop_flat_map(|data| {
        let blocks = data.len() / 64;
        (Just(data), (0..=blocks).prop_map(|b| b * 64))
    })
}

/// Feeds `data` to `hasher` in pieces whose sizes cycle through `chunks`.
fn feed(hasher: &mut MidstateHasher, data: &[u8], chunks: &[usize]) {
    let mut rest = data;
    for size in chunks.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (piece, tail) = rest.split_at((*size).min(rest.len()));
        hasher.update(piece);
        rest = tail;
    }
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    proptest::collection::vec(prop_oneof![1..=3usize, 1..=200usize, 1..=70 * KIB], 1..8)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_plan_covers_the_file_in_valid_parts(
        total in total(),
        part_size in proptest::option::of(valid_part_size()),
    ) {
        let plan = match PartPlan::new(total, part_size) {
            Ok(plan) => plan,
            Err(err) => {
                // Only too many parts of a requested size may be refused.
                let size = part_size.expect("a default part size always fits");
                prop_assert!(total.div_ceil(size) > MAX_PARTS, "{err}");
                prop_assert!(
                    matches!(err, ValidationError::TooMany { .. }),
                    "{err:?}"
                );
                return Ok(());
            }
        };
        if let Some(size) = part_size {
            prop_assert_eq!(plan.part_size, size);
        }
        prop_assert_eq!(plan.total, total);
        let parts: Vec<_> = plan.parts().collect();
        prop_assert!(!parts.is_empty() && parts.len() as u64 <= MAX_PARTS);
        prop_assert_eq!(parts.len() as u32, plan.count());

        let mut offset = 0;
        for (i, part) in parts.iter().enumerate() {
            prop_assert_eq!(part.number as usize, i + 1);
            prop_assert_eq!(part.offset, offset);
            if i + 1 < parts.len() {
                prop_assert_eq!(part.size, plan.part_size);
                prop_assert_eq!(part.size % 64, 0);
                prop_assert!(part.size >= MIN_PART_SIZE);
            } else {
                prop_assert!(part.size <= plan.part_size);
                prop_assert!(part.size > 0 || total == 0);
            }
            offset = part.end();
        }
        prop_assert_eq!(offset, total);
    }

    #[test]
    fn invalid_part_sizes_are_refused(total in total(), size in invalid_part_size()) {
        let err = PartPlan::new(total, Some(size)).unwrap_err();
        prop_assert!(
            matches!(
                err,
                ValidationError::OutOfRange { .. } | ValidationError::Invalid { .. }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn files_over_the_limit_are_refused(
        excess in 1..=u64::MAX / 4,
        part_size in proptest::option::of(valid_part_size()),
    ) {
        let err = PartPlan::new(MAX_FILE_SIZE + excess, part_size).unwrap_err();
        prop_assert!(matches!(err, ValidationError::OutOfRange { .. }), "{err:?}");
    }

    #[test]
    fn midstates_split_and_resume_like_one_pass(
        (data, split) in data_and_split(),
        chunks in chunk_sizes(),
    ) {
        let (prefix, rest) = data.split_at(split);

        // Fed in pieces, the hasher's midstate at the split is the prefix's.
        let mut hasher = MidstateHasher::new();
        feed(&mut hasher, prefix, &chunks);
        prop_assert_eq!(hasher.length(), split as u64);
        let expected = reference_midstate(prefix);
        prop_assert_eq!(hasher.midstate(), Some(expected));
        let mut whole_prefix = MidstateHasher::new();
        whole_prefix.update(prefix);
        prop_assert_eq!(whole_prefix.midstate(), Some(expected));

        // Resumed from that point, it ends where one pass over everything ends.
        let progress = hasher.progress().expect("the split is on a block boundary");
        prop_assert_eq!(progress.bytes, split as u64);
        let mut resumed = MidstateHasher::resume(progress);
        feed(&mut resumed, rest, &chunks);
        let digest: [u8; 32] = Sha256::digest(&data).into();
        prop_assert_eq!(resumed.finalize(), digest);

        // So does the original, fed the rest in other pieces.
        let mut other: Vec<usize> = chunks.iter().rev().map(|c| c + 1).collect();
        other.push(63);
        feed(&mut hasher, rest, &other);
        if data.len() % 64 != 0 {
            prop_assert_eq!(hasher.midstate(), None);
        }
        prop_assert_eq!(hasher.finalize(), digest);
    }
}
