//! The held-out training users export chooses its fits on (fold-in map, query tower), and
//! the cut-off it compares rankings at. No validation or test items are used.

/// Ranking cut-off of the export-time checks (top-k overlap, Recall@k, NDCG@k).
pub const TOP_K: usize = 20;

/// Whether training user `user` is held out of the fits: every tenth user.
pub fn is_held_out(user: usize) -> bool {
    user % 10 == 9
}
