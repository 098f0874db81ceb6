//! Averaging Recall, Precision, HitRate, MRR and NDCG at several cut-offs.

use std::collections::HashSet;

use serde::Serialize;

/// Metrics at one cut-off K, averaged over users with test items.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct CutoffMetrics {
    /// The cut-off.
    pub k: usize,
    /// Mean Recall@K.
    pub recall: f64,
    /// Mean Precision@K.
    pub precision: f64,
    /// Mean NDCG@K (binary relevance).
    pub ndcg: f64,
    /// Share of users with at least one hit in the top K.
    pub hit_rate: f64,
    /// Mean reciprocal rank of the first hit within the top K.
    pub mrr: f64,
}

/// The result of an evaluation: one entry per cut-off, and the number of users averaged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Users that had test items.
    pub users: usize,
    /// Metrics per cut-off, in the order the cut-offs were given.
    pub cutoffs: Vec<CutoffMetrics>,
}

impl Evaluation {
    /// The metrics at cut-off `k`, if it was evaluated.
    pub fn at(&self, k: usize) -> Option<&CutoffMetrics> {
        self.cutoffs.iter().find(|m| m.k == k)
    }
}

/// Evaluates ranked lists against test items.
///
/// `users` yields, per user, the ranked recommendations (best first, training
/// items already removed, at least `max(ks)` long when the catalogue allows) and
/// the user's test items; users without test items are skipped.
pub fn evaluate<'a>(users: impl IntoIterator<Item = (Vec<u32>, &'a [u32])>, ks: &[usize]) -> Evaluation {
    let mut sums: Vec<CutoffMetrics> =
        ks.iter().map(|&k| CutoffMetrics { k, ..Default::default() }).collect();
    let mut count = 0;
    for (ranked, test) in users {
        if test.is_empty() {
            continue;
        }
        count += 1;
        let relevant: HashSet<u32> = test.iter().copied().collect();
        for sum in &mut sums {
            let top = &ranked[..sum.k.min(ranked.len())];
            let hit_ranks: Vec<usize> =
                top.iter().enumerate().filter(|(_, item)| relevant.contains(item)).map(|(r, _)| r).collect();
            let hits = hit_ranks.len() as f64;
            let dcg: f64 = hit_ranks.iter().map(|&r| gain(r)).sum();
            let ideal: f64 = (0..sum.k.min(relevant.len())).map(gain).sum();
            sum.recall += hits / relevant.len() as f64;
            sum.precision += hits / sum.k as f64;
            sum.ndcg += dcg / ideal;
            sum.hit_rate += f64::from(u8::from(!hit_ranks.is_empty()));
            sum.mrr += hit_ranks.first().map_or(0.0, |&r| 1.0 / (r + 1) as f64);
        }
    }
    if count > 0 {
        let n = count as f64;
        for sum in &mut sums {
            sum.recall /= n;
            sum.precision /= n;
            sum.ndcg /= n;
            sum.hit_rate /= n;
            sum.mrr /= n;
        }
    }
    Evaluation { users: count, cutoffs: sums }
}

/// DCG gain of a hit at 0-based rank `r`.
fn gain(r: usize) -> f64 {
    1.0 / ((r + 2) as f64).log2()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }

    #[test]
    fn hand_computed_two_users() {
        // User A: ranked [5, 1, 7, 2], test {1, 2, 9}: hits at ranks 1 and 3 (0-based).
        // User B: ranked [3, 4, 0, 6], test {3}: hit at rank 0.
        // User C has no test items and is not averaged.
        let (a, b, c) = ([1u32, 2, 9], [3u32], [] as [u32; 0]);
        let users = vec![(vec![5, 1, 7, 2], &a[..]), (vec![3, 4, 0, 6], &b[..]), (vec![1, 2], &c[..])];
        let eval = evaluate(users, &[2, 4]);
        assert_eq!(eval.users, 2);
        let (at2, at4) = (eval.at(2).unwrap(), eval.at(4).unwrap());
        // @2 — A: 1 hit (rank 1), B: 1 hit (rank 0).
        close(at2.recall, (1.0 / 3.0 + 1.0) / 2.0);
        close(at2.precision, (0.5 + 0.5) / 2.0);
        close(at2.hit_rate, 1.0);
        close(at2.mrr, (0.5 + 1.0) / 2.0);
        let ndcg_a2 = (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        close(at2.ndcg, (ndcg_a2 + 1.0) / 2.0);
        // @4 — A: hits at ranks 1 and 3, ideal over min(4, 3) = 3 items.
        let ndcg_a4 = (1.0 / 3f64.log2() + 1.0 / 5f64.log2()) / (1.0 + 1.0 / 3f64.log2() + 0.5);
        close(at4.ndcg, (ndcg_a4 + 1.0) / 2.0);
        close(at4.recall, (2.0 / 3.0 + 1.0) / 2.0);
        close(at4.precision, (0.5 + 0.25) / 2.0);
    }

    #[test]
    fn no_hits_and_no_users_give_zeros() {
        let test = [9u32];
        let eval = evaluate(vec![(vec![1, 2, 3], &test[..])], &[20]);
        assert_eq!(eval.at(20).unwrap(), &CutoffMetrics { k: 20, ..Default::default() });
        let empty = evaluate(Vec::<(Vec<u32>, &[u32])>::new(), &[20]);
        assert_eq!(empty.users, 0);
        assert_eq!(empty.at(20).unwrap().ndcg, 0.0);
        assert!(empty.at(10).is_none());
    }
}
