//! The users an evaluation measures, with their training and held-out items.

use gnnrec_eval::{CutoffMetrics, evaluate};

use crate::error::EvalError;

/// The ranking cut-off of NDCG and Recall (the reports' `@20`).
pub const CUTOFF: usize = 20;

/// Per-user training items (the history, and excluded from every ranking) and held-out
/// items (what a ranking should find), and the users evaluated: those with both.
#[derive(Debug, Clone)]
pub struct EvalUsers<'a> {
    train: &'a [Vec<u32>],
    held_out: &'a [Vec<u32>],
    users: Vec<usize>,
}

impl<'a> EvalUsers<'a> {
    /// The users with training and held-out items, at most `limit` of them (evenly spaced);
    /// `train` and `held_out` hold one list per user.
    pub fn new(
        train: &'a [Vec<u32>],
        held_out: &'a [Vec<u32>],
        limit: Option<usize>,
    ) -> Result<Self, EvalError> {
        if held_out.len() != train.len() {
            return Err(EvalError::Mismatch {
                what: "users with held-out lists",
                expected: train.len(),
                found: held_out.len(),
            });
        }
        let mut users: Vec<usize> =
            (0..train.len()).filter(|&u| !held_out[u].is_empty() && !train[u].is_empty()).collect();
        if let Some(limit) = limit.filter(|&l| l < users.len()) {
            let step = users.len() as f64 / limit as f64;
            users = (0..limit).map(|i| users[(i as f64 * step) as usize]).collect();
        }
        Ok(Self { train, held_out, users })
    }

    /// The users evaluated, ascending.
    pub fn users(&self) -> &[usize] {
        &self.users
    }

    /// How many users are evaluated.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether no user is evaluated.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Every user's training items (the evaluated ones' and the others').
    pub(crate) fn train(&self) -> &'a [Vec<u32>] {
        self.train
    }

    /// NDCG, Recall and the other metrics at [`CUTOFF`] of one ranked list per evaluated
    /// user, in the order of [`Self::users`].
    pub(crate) fn metrics(&self, ranked: Vec<Vec<u32>>) -> CutoffMetrics {
        let truth = self.users.iter().map(|&u| self.held_out[u].as_slice());
        *evaluate(ranked.into_iter().zip(truth), &[CUTOFF]).at(CUTOFF).expect("evaluated at the cut-off")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_need_both_lists_and_a_limit_spaces_them_evenly() {
        let train = vec![vec![1], vec![], vec![2], vec![3], vec![4], vec![5]];
        let held_out = vec![vec![9], vec![9], vec![], vec![9], vec![9], vec![9]];
        let all = EvalUsers::new(&train, &held_out, None).unwrap();
        assert_eq!(all.users(), [0, 3, 4, 5]);
        assert_eq!(EvalUsers::new(&train, &held_out, Some(2)).unwrap().users(), [0, 4]);
        assert_eq!(EvalUsers::new(&train, &held_out, Some(9)).unwrap().users(), [0, 3, 4, 5]);
        assert!(matches!(
            EvalUsers::new(&train, &held_out[1..], None),
            Err(EvalError::Mismatch { expected: 6, found: 5, .. })
        ));
    }

    #[test]
    fn metrics_compare_each_list_with_its_users_held_out_items() {
        let train = vec![vec![0], vec![0]];
        let held_out = vec![vec![1], vec![2]];
        let users = EvalUsers::new(&train, &held_out, None).unwrap();
        let m = users.metrics(vec![vec![1, 2], vec![3, 4]]);
        assert_eq!((m.k, m.recall, m.ndcg), (CUTOFF, 0.5, 0.5));
    }
}
