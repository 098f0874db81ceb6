//! Per-user item lists of a train/valid/test split.

/// A split of user–item interactions: for every user, sorted item ids per part.
#[derive(Debug, Clone)]
pub struct Interactions {
    /// Number of users.
    pub n_users: usize,
    /// Number of items.
    pub n_items: usize,
    /// Training items per user (sorted, distinct).
    pub train: Vec<Vec<u32>>,
    /// Validation items per user.
    pub valid: Vec<Vec<u32>>,
    /// Test items per user.
    pub test: Vec<Vec<u32>>,
}

impl Interactions {
    /// Wraps per-user lists, sorting and deduplicating each.
    pub fn new(
        n_users: usize,
        n_items: usize,
        train: Vec<Vec<u32>>,
        valid: Vec<Vec<u32>>,
        test: Vec<Vec<u32>>,
    ) -> Self {
        let tidy = |mut lists: Vec<Vec<u32>>| {
            lists.resize(n_users, Vec::new());
            for list in &mut lists {
                list.sort_unstable();
                list.dedup();
            }
            lists
        };
        Self { n_users, n_items, train: tidy(train), valid: tidy(valid), test: tidy(test) }
    }

    /// Training edges as `(user, item)` pairs.
    pub fn train_edges(&self) -> Vec<(u32, u32)> {
        self.train
            .iter()
            .enumerate()
            .flat_map(|(u, items)| items.iter().map(move |&i| (u as u32, i)))
            .collect()
    }

    /// Number of training interactions.
    pub fn n_train(&self) -> usize {
        self.train.iter().map(Vec::len).sum()
    }
}
