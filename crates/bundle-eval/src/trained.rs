//! What training produced, as the bundle's reference.

use gnnrec_bundle::MlpHead;

use crate::error::EvalError;

/// A trained model's final vectors and, for MLP models, its pair-scoring head.
#[derive(Debug, Clone, Copy)]
pub struct TrainedVectors<'a> {
    /// Row-major `[n_users, dim]`.
    pub users: &'a [f32],
    /// Row-major `[n_items, dim]`.
    pub items: &'a [f32],
    /// Embedding width.
    pub dim: usize,
    /// The MLP head of models that score pairs with one.
    pub head: Option<&'a MlpHead>,
}

impl TrainedVectors<'_> {
    /// The vector of `user`.
    pub(crate) fn user(&self, user: usize) -> &[f32] {
        &self.users[user * self.dim..(user + 1) * self.dim]
    }

    /// Refuses vectors that are not `n_users` users and `n_items` items of the bundle's
    /// width `dim`.
    pub(crate) fn check(&self, n_users: usize, n_items: usize, dim: usize) -> Result<(), EvalError> {
        let sizes = [
            ("embedding width", dim, self.dim),
            ("trained user values", n_users * dim, self.users.len()),
            ("trained item values", n_items * dim, self.items.len()),
        ];
        match sizes.into_iter().find(|(_, expected, found)| expected != found) {
            Some((what, expected, found)) => Err(EvalError::Mismatch { what, expected, found }),
            None => Ok(()),
        }
    }
}
