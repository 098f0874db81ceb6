//! Seeded BPR triple sampling (the LightGCN-PyTorch scheme).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::Interactions;

/// One mini-batch of `(user, positive item, uniformly drawn negative item)` triples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BprBatch {
    /// Users.
    pub users: Vec<u32>,
    /// An item each user interacted with in training.
    pub positives: Vec<u32>,
    /// An item each user did not interact with in training.
    pub negatives: Vec<u32>,
}

/// Draws an epoch of triples: as many as there are training interactions, each from a
/// uniformly chosen user (among users with training items), one of its items, and a
/// uniform negative. Epoch `e` of seed `s` always yields the same batches, so an
/// interrupted run resumes exactly.
#[derive(Debug, Clone)]
pub struct BprSampler<'a> {
    data: &'a Interactions,
    active_users: Vec<u32>,
    seed: u64,
}

impl<'a> BprSampler<'a> {
    /// A sampler over the training part of `data`.
    pub fn new(data: &'a Interactions, seed: u64) -> Self {
        let active_users = (0..data.n_users as u32).filter(|&u| !data.train[u as usize].is_empty()).collect();
        Self { data, active_users, seed }
    }

    /// The batches of one epoch.
    pub fn epoch(&self, epoch: usize, batch_size: usize) -> Vec<BprBatch> {
        let mut rng = StdRng::seed_from_u64(self.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let total = self.data.n_train();
        let mut batches = Vec::with_capacity(total.div_ceil(batch_size.max(1)));
        let mut remaining = total;
        while remaining > 0 && !self.active_users.is_empty() {
            let n = remaining.min(batch_size.max(1));
            remaining -= n;
            let mut batch = BprBatch {
                users: Vec::with_capacity(n),
                positives: Vec::with_capacity(n),
                negatives: Vec::with_capacity(n),
            };
            for _ in 0..n {
                let user = self.active_users[rng.random_range(0..self.active_users.len())];
                let items = &self.data.train[user as usize];
                let positive = items[rng.random_range(0..items.len())];
                let negative = loop {
                    let candidate = rng.random_range(0..self.data.n_items as u32);
                    if items.binary_search(&candidate).is_err() || items.len() >= self.data.n_items {
                        break candidate;
                    }
                };
                batch.users.push(user);
                batch.positives.push(positive);
                batch.negatives.push(negative);
            }
            batches.push(batch);
        }
        batches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Interactions {
        Interactions::new(3, 6, vec![vec![0, 1], vec![], vec![2, 3, 4]], vec![], vec![])
    }

    #[test]
    fn triples_are_valid_and_cover_one_epoch() {
        let data = data();
        let batches = BprSampler::new(&data, 7).epoch(0, 2);
        assert_eq!(batches.iter().map(|b| b.users.len()).collect::<Vec<_>>(), vec![2, 2, 1]);
        for b in &batches {
            for k in 0..b.users.len() {
                let train = &data.train[b.users[k] as usize];
                assert_ne!(b.users[k], 1, "users without training items are never drawn");
                assert!(train.contains(&b.positives[k]));
                assert!(!train.contains(&b.negatives[k]));
            }
        }
    }

    #[test]
    fn epochs_are_reproducible_and_distinct() {
        let data = data();
        let sampler = BprSampler::new(&data, 7);
        assert_eq!(sampler.epoch(3, 4), sampler.epoch(3, 4));
        let all: Vec<_> = (0..5).map(|e| sampler.epoch(e, 4)).collect();
        assert!(all.windows(2).any(|w| w[0] != w[1]));
    }
}
