//! Selecting the K best-scored items while skipping excluded ones.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The `k` highest-scoring item indices of `scores`, best first, never returning an
/// item of `exclude` (e.g. the user's training items). Ties go to the lower index;
/// NaN scores rank last. Memory is O(k + |exclude|), not O(|scores|): evaluations call
/// this once per user over the whole catalogue. A `k` above the number of scores is
/// clamped to it (any `k` from a caller is safe).
pub fn top_k_excluding(scores: &[f32], exclude: &[u32], k: usize) -> Vec<u32> {
    let k = k.min(scores.len());
    if k == 0 {
        return Vec::new();
    }
    let mut skip = exclude.to_vec();
    skip.sort_unstable();
    let mut skip = skip.into_iter().peekable();
    // A max-heap whose top is the worst of the best k so far.
    let mut best: BinaryHeap<Ranked> = BinaryHeap::with_capacity(k + 1);
    for (index, &score) in scores.iter().enumerate() {
        let index = index as u32;
        while skip.next_if(|&s| s < index).is_some() {}
        if skip.peek() == Some(&index) {
            continue;
        }
        let candidate = Ranked { score, index };
        if best.len() < k {
            best.push(candidate);
        } else if let Some(mut worst) = best.peek_mut()
            && candidate < *worst
        {
            *worst = candidate;
        }
    }
    best.into_sorted_vec().into_iter().map(|r| r.index).collect()
}

/// An item in a ranking; `a < b` when `a` ranks before `b`.
#[derive(Debug, Clone, Copy)]
struct Ranked {
    score: f32,
    index: u32,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        compare(other.score, self.score).then(self.index.cmp(&other.index))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

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
    fn matches_a_full_sort_on_a_larger_catalogue() {
        let scores: Vec<f32> = (0..5_000u32).map(|i| ((i * 7919) % 1000) as f32 / 7.0).collect();
        let exclude: Vec<u32> = (0..5_000).step_by(13).rev().collect();
        let mut all: Vec<u32> = (0..5_000).filter(|i| !exclude.contains(i)).collect();
        all.sort_by(|&a, &b| compare(scores[b as usize], scores[a as usize]).then(a.cmp(&b)));
        assert_eq!(top_k_excluding(&scores, &exclude, 40), all[..40]);
    }

    #[test]
    fn a_huge_k_is_clamped_to_the_catalogue() {
        assert_eq!(top_k_excluding(&[0.5, 1.0, 0.2], &[2], usize::MAX), [1, 0]);
        assert_eq!(top_k_excluding(&[], &[], 1_000_000_000), Vec::<u32>::new());
    }

    #[test]
    fn the_returned_list_does_not_hold_the_whole_catalogue() {
        let scores: Vec<f32> = (0..10_000).map(|i| (i % 97) as f32).collect();
        let top = top_k_excluding(&scores, &[], 20);
        assert_eq!(top.len(), 20);
        assert!(top.capacity() < 100, "capacity {} would keep n_items per user alive", top.capacity());
    }
}
