//! How a file is cut into parts for a multipart upload.

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;

/// The smallest part but the last: 5 MiB.
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// The largest part: 5 GiB.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// The most parts one upload may have.
pub const MAX_PARTS: u64 = 10_000;
/// The largest file: 200 GB, read as GiB like the emulator does.
pub const MAX_FILE_SIZE: u64 = 200 * 1024 * 1024 * 1024;
/// The part size used for files up to `DEFAULT_PART_SIZE * 1000` bytes.
pub const DEFAULT_PART_SIZE: u64 = 8 * 1024 * 1024;

/// One part of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartSpec {
    /// 1-based part number.
    pub number: u32,
    /// The part's first byte.
    pub offset: u64,
    /// The part's length.
    pub size: u64,
}

impl PartSpec {
    /// One past the part's last byte.
    pub fn end(&self) -> u64 {
        self.offset + self.size
    }
}

/// A file's cut into parts: every part `part_size` long but the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartPlan {
    /// The file's length.
    pub total: u64,
    /// The length of every part but the last.
    pub part_size: u64,
}

impl PartPlan {
    /// A plan for `total` bytes, with `part_size` or the default for that size.
    ///
    /// The default is 8 MiB, grown for large files so that they fit in 1000 parts
    /// (which keeps URL batches and checkpoints small), rounded up to a whole MiB.
    /// A requested size must lie in 5 MiB..=5 GiB and be a multiple of 64 bytes, and
    /// the file must fit in 10,000 parts of it.
    pub fn new(total: u64, part_size: Option<u64>) -> Result<Self, ValidationError> {
        if total > MAX_FILE_SIZE {
            return Err(ValidationError::OutOfRange {
                field: "length",
                value: total.min(i64::MAX as u64) as i64,
                min: 0,
                max: MAX_FILE_SIZE as i64,
            });
        }
        let part_size = match part_size {
            Some(size) => {
                if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&size) {
                    return Err(ValidationError::OutOfRange {
                        field: "partSize",
                        value: size as i64,
                        min: MIN_PART_SIZE as i64,
                        max: MAX_PART_SIZE as i64,
                    });
                }
                if size % 64 != 0 {
                    return Err(ValidationError::Invalid {
                        field: "partSize",
                        reason: format!("{size} is not a multiple of 64 bytes"),
                    });
                }
                size
            }
            None => {
                const MIB: u64 = 1024 * 1024;
                let grown = total.div_ceil(1000).div_ceil(MIB) * MIB;
                grown.clamp(DEFAULT_PART_SIZE, MAX_PART_SIZE)
            }
        };
        let plan = Self { total, part_size };
        if plan.count() as u64 > MAX_PARTS {
            return Err(ValidationError::TooMany {
                field: "multiParts",
                count: plan.count() as usize,
                max: MAX_PARTS as usize,
            });
        }
        Ok(plan)
    }

    /// The number of parts; an empty file has one empty part.
    pub fn count(&self) -> u32 {
        self.total.div_ceil(self.part_size).max(1) as u32
    }

    /// Part `number` (1-based).
    pub fn part(&self, number: u32) -> PartSpec {
        let offset = u64::from(number - 1) * self.part_size;
        PartSpec {
            number,
            offset,
            size: self.part_size.min(self.total - offset),
        }
    }

    /// Every part, in order.
    pub fn parts(&self) -> impl Iterator<Item = PartSpec> + '_ {
        (1..=self.count()).map(|n| self.part(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_grow_with_the_file() {
        assert_eq!(PartPlan::new(0, None).unwrap().count(), 1);
        assert_eq!(PartPlan::new(1, None).unwrap().part(1).size, 1);
        let p = PartPlan::new(64 << 20, None).unwrap();
        assert_eq!((p.part_size, p.count()), (DEFAULT_PART_SIZE, 8));
        let p = PartPlan::new(100 << 30, None).unwrap();
        assert!(
            p.count() <= 1000 && p.part_size.is_multiple_of(1 << 20),
            "{p:?}"
        );
        let p = PartPlan::new(MAX_FILE_SIZE, None).unwrap();
        assert!(p.count() <= 1000);
    }

    #[test]
    fn parts_cover_the_file_exactly() {
        let p = PartPlan::new(20 * 1024 * 1024 + 5, Some(MIN_PART_SIZE)).unwrap();
        let parts: Vec<_> = p.parts().collect();
        assert_eq!(parts.len(), 5);
        assert_eq!(parts[4].size, 5);
        assert!(parts.windows(2).all(|w| w[0].end() == w[1].offset));
        assert!(parts[..4].iter().all(|s| s.size.is_multiple_of(64)));
    }

    #[test]
    fn bad_plans_are_refused() {
        assert!(PartPlan::new(10, Some(MIN_PART_SIZE - 64)).is_err());
        assert!(PartPlan::new(10, Some(MIN_PART_SIZE + 1)).is_err());
        assert!(PartPlan::new(10, Some(MAX_PART_SIZE + 64)).is_err());
        assert!(PartPlan::new(MAX_FILE_SIZE + 1, None).is_err());
        assert!(PartPlan::new(MIN_PART_SIZE * 10_001, Some(MIN_PART_SIZE)).is_err());
        assert!(PartPlan::new(MIN_PART_SIZE * 10_000, Some(MIN_PART_SIZE)).is_ok());
    }
}
