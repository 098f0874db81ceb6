//! Selecting the K best-scored items while skipping excluded ones.

use std::cmp::Ordering;

/// The `k` highest-scoring item indices of `scores`, best first, never returning an
/// item of `exclude` (e.g. the user's training items). Ties go to the lower index;
/// NaN scores rank last.
pub fn top_k_excluding(scores: &[f32], exclude: &[u32], k: usize) -> Vec<u32> {
    let mut excluded = vec![false; scores.len()];
    for &item in exclude {
        if let Some(flag) = excluded.get_mut(item as usize) {
            *flag = true;
        }
    }
    let mut candidates: Vec<u32> = (0..scores.len() as u32).filter(|&i| !excluded[i as usize]).collect();
    let better = |a: &u32, b: &u32| compare(scores[*b as usize], scores[*a as usize]).then(a.cmp(b));
    let k = k.min(candidates.len());
    if k == 0 {
        return Vec::new();
    }
    if k < candidates.len() {
        candidates.select_nth_unstable_by(k - 1, better);
        candidates.truncate(k);
    }
    candidates.sort_unstable_by(better);
    // The buffer held every item: keep only the k returned (callers keep one list per user).
    candidates.shrink_to_fit();
    candidates
}

/// Total order on scores with NaN below everything.
fn compare(a: f32, b: f32) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_first_with_exclusions_ties_and_nan() {
        let scores = [0.1, 0.9, f32::NAN, 0.5, 0.9, 0.7];
        assert_eq!(top_k_excluding(&scores, &[], 3), [1, 4, 5]);
        assert_eq!(top_k_excluding(&scores, &[1, 99], 3), [4, 5, 3]);
        assert_eq!(top_k_excluding(&scores, &[], 6), [1, 4, 5, 3, 0, 2]);
        assert_eq!(top_k_excluding(&scores, &[0, 1, 2, 3, 4, 5], 3), Vec::<u32>::new());
        assert_eq!(top_k_excluding(&scores, &[], 0), Vec::<u32>::new());
    }

    #[test]
    fn the_returned_list_does_not_hold_the_whole_catalogue() {
        let scores: Vec<f32> = (0..10_000).map(|i| (i % 97) as f32).collect();
        let top = top_k_excluding(&scores, &[], 20);
        assert_eq!(top.len(), 20);
        assert!(top.capacity() < 100, "capacity {} would keep n_items per user alive", top.capacity());
    }
}
