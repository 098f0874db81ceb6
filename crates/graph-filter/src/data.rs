//! The training matrix and the validation users the filter is chosen on.

use gnnrec_graph::Csr;
use ndarray::{Array2, ArrayView2};

use crate::dense::sparse_times;
use crate::error::GraphFilterError;

/// The 0/1 user × item training matrix with its degrees.
pub struct TrainingMatrix {
    /// `R`, one row per user.
    pub history: Csr,
    /// Training interactions per user, at least 1 (users without any are kept as zero rows).
    pub user_degrees: Vec<f32>,
    /// Training interactions per item, at least 1 (items without any get zero vectors).
    pub item_degrees: Vec<f32>,
    /// Users with at least one training item.
    pub active_users: usize,
    /// Items with at least one training user.
    pub active_items: usize,
}

impl TrainingMatrix {
    /// Checks and indexes the per-user training lists.
    pub fn new(train: &[Vec<u32>], n_items: usize) -> Result<Self, GraphFilterError> {
        let mut item_counts = vec![0u32; n_items];
        let mut triplets = Vec::new();
        for (user, items) in train.iter().enumerate() {
            for &item in items {
                let count = item_counts.get_mut(item as usize).ok_or(GraphFilterError::ItemOutOfRange {
                    user,
                    item,
                    n_items,
                })?;
                *count += 1;
                triplets.push((user as u32, item, 1.0));
            }
        }
        if triplets.is_empty() {
            return Err(GraphFilterError::EmptyInteractions);
        }
        let history = Csr::from_triplets(train.len(), n_items, &triplets);
        let user_degrees: Vec<f32> = (0..train.len()).map(|u| history.row(u).count().max(1) as f32).collect();
        Ok(Self {
            active_users: train.iter().filter(|items| !items.is_empty()).count(),
            active_items: item_counts.iter().filter(|&&c| c > 0).count(),
            item_degrees: item_counts.iter().map(|&c| c.max(1) as f32).collect(),
            user_degrees,
            history,
        })
    }

    /// `D_U^-a R D_I^-b`.
    pub fn normalised(&self, user_exponent: f32, item_exponent: f32) -> Csr {
        let users: Vec<f32> = self.user_degrees.iter().map(|d| d.powf(-user_exponent)).collect();
        let items: Vec<f32> = self.item_degrees.iter().map(|d| d.powf(-item_exponent)).collect();
        reweighted(&self.history, |u, i| users[u] * items[i])
    }

    /// The SVD rank to use: `asked` if possible, else an error; by default
    /// min(`default`, the largest possible).
    pub fn rank(&self, asked: Option<usize>, default: usize) -> Result<usize, GraphFilterError> {
        let max = self.active_users.min(self.active_items);
        match asked {
            Some(rank) if rank > max => Err(GraphFilterError::RankTooLarge { rank, max }),
            Some(rank) => Ok(rank),
            None => Ok(default.min(max)),
        }
    }
}

/// Validation users: evenly spaced users with training and validation items.
pub struct ValidationPanel {
    /// Their training rows of `R`.
    pub history: Csr,
    /// Their training items (excluded from rankings).
    pub train: Vec<Vec<u32>>,
    /// Their validation items.
    pub truth: Vec<Vec<u32>>,
}

impl ValidationPanel {
    /// At most `limit` users, evenly spaced over those that qualify.
    pub fn new(
        train: &[Vec<u32>],
        valid: &[Vec<u32>],
        n_items: usize,
        limit: usize,
    ) -> Result<Self, GraphFilterError> {
        let eligible: Vec<usize> = (0..train.len().min(valid.len()))
            .filter(|&u| !train[u].is_empty() && !valid[u].is_empty())
            .collect();
        if eligible.is_empty() {
            return Err(GraphFilterError::NoValidationUsers);
        }
        let count = eligible.len().min(limit);
        let users: Vec<usize> = (0..count).map(|k| eligible[k * eligible.len() / count]).collect();
        let triplets: Vec<(u32, u32, f32)> = users
            .iter()
            .enumerate()
            .flat_map(|(row, &u)| train[u].iter().map(move |&i| (row as u32, i, 1.0)))
            .collect();
        Ok(Self {
            history: Csr::from_triplets(users.len(), n_items, &triplets),
            train: users.iter().map(|&u| train[u].clone()).collect(),
            truth: users.iter().map(|&u| valid[u].clone()).collect(),
        })
    }
}

/// `Σ_{i∈row} max(d_i, 1)^exponent · items_i` for every row of the 0/1 user × item
/// matrix `history` (the user vectors of every history-sum model: the filter, its blend).
pub fn history_sums(
    history: &Csr,
    items: ArrayView2<'_, f32>,
    item_degrees: &[f32],
    exponent: f32,
) -> Array2<f32> {
    let weights: Vec<f32> = item_degrees.iter().map(|d| d.max(1.0).powf(exponent)).collect();
    sparse_times(&reweighted(history, |_, i| weights[i]), items)
}

/// The pattern of `history` with the entry at `(row, col)` set to `weight(row, col)`.
pub fn reweighted(history: &Csr, weight: impl Fn(usize, usize) -> f32) -> Csr {
    let mut triplets = Vec::with_capacity(history.nnz());
    for r in 0..history.n_rows() {
        triplets.extend(history.row(r).map(|(c, _)| (r as u32, c, weight(r, c as usize))));
    }
    Csr::from_triplets(history.n_rows(), history.n_cols(), &triplets)
}
