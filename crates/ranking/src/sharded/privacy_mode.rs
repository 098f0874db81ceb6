//! The privacy modes of a sharded bundle's reader and the random draws of balanced mode's
//! decoys (the fetch policy itself is in `privacy.rs`).

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// Decoy groups fetched beside each real group in [`Privacy::Balanced`] mode: an observer
/// who cannot tell them apart picks the real one at most 1 time in `DECOYS + 1`.
pub const DECOYS: usize = 3;

/// Stored bytes of all shard and directory files up to which [`Privacy::Strict`] is the
/// default: no more than the query encoder a searching visitor downloads anyway (≈ 17.5 MB),
/// so strict at most doubles a first visit's bytes. Larger bundles default to balanced.
pub const STRICT_DEFAULT_MAX_BYTES: u64 = 16 << 20;

/// How a sharded bundle's files are fetched, and so what the host's access log reveals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privacy {
    /// Every file in one fixed order, whatever the visitor does: the log reveals nothing of
    /// the visitor's queries or likes.
    Strict,
    /// The files a request needs, hidden among decoy groups of the same shape.
    Balanced,
    /// The files a request needs and nothing else.
    Off,
}

impl Privacy {
    /// The default for a bundle whose shard and directory files total `shard_bytes`.
    pub fn default_for(shard_bytes: u64) -> Self {
        if shard_bytes <= STRICT_DEFAULT_MAX_BYTES { Self::Strict } else { Self::Balanced }
    }
}

/// A privacy mode's name that is none of `strict`, `balanced`, `off`.
#[derive(Debug, thiserror::Error)]
#[error("unknown privacy mode {0:?}: expected strict, balanced or off")]
pub struct UnknownPrivacy(pub String);

impl FromStr for Privacy {
    type Err = UnknownPrivacy;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "strict" => Ok(Self::Strict),
            "balanced" => Ok(Self::Balanced),
            "off" => Ok(Self::Off),
            _ => Err(UnknownPrivacy(s.into())),
        }
    }
}

impl fmt::Display for Privacy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Strict => "strict",
            Self::Balanced => "balanced",
            Self::Off => "off",
        })
    }
}

/// Random draws for decoys: SHA-256 of a secret seed and a counter (the seed comes from the
/// browser's `crypto.getRandomValues`, so the host cannot predict the decoys).
pub(super) struct DecoyDraws {
    seed: Vec<u8>,
    counter: u64,
}

impl DecoyDraws {
    pub(super) fn new(seed: &[u8]) -> Self {
        Self { seed: seed.to_vec(), counter: 0 }
    }

    /// A uniform draw in `0..n` (`0` when `n` is 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.counter += 1;
        let digest =
            Sha256::new().chain_update(&self.seed).chain_update(self.counter.to_le_bytes()).finalize();
        let word = u128::from_le_bytes(digest[..16].try_into().expect("16 bytes"));
        (word % u128::from(n.max(1))) as u64
    }

    /// A uniform draw in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        self.below(1 << 53) as f64 / (1u64 << 53) as f64
    }

    /// A standard normal draw (Box–Muller).
    pub(super) fn normal(&mut self) -> f32 {
        let (u, v) = (1.0 - self.unit(), self.unit());
        ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
    }

    /// `items` in a uniformly random order (Fisher–Yates).
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i as u64 + 1) as usize);
        }
    }

    /// An index drawn with probability proportional to `weights` (all zero: uniform).
    pub(super) fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        if total == 0 {
            return self.below(weights.len() as u64) as usize;
        }
        let mut left = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if left < w {
                return i;
            }
            left -= w;
        }
        weights.len() - 1
    }
}

/// `shards` with `centre` first and the same length (a neighbourhood always holds its centre).
pub(super) fn centre_first(centre: usize, shards: Vec<usize>) -> Vec<usize> {
    let n = shards.len().max(1);
    std::iter::once(centre).chain(shards.into_iter().filter(|&s| s != centre)).take(n).collect()
}

/// A decoy visitor of one request (balanced mode): the random draws that pick its liked item
/// (entry `entry % len` of directory bucket `bucket`) and its query's text shard.
#[derive(Debug, Clone, Copy)]
pub(super) struct Decoy {
    pub bucket: usize,
    pub entry: u64,
    pub text_shard: usize,
}
