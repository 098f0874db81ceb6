//! Seeded per-user random train/validation/test splits.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// Per-user item lists of the three parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Training items per user.
    pub train: Vec<Vec<u32>>,
    /// Validation items per user.
    pub valid: Vec<Vec<u32>>,
    /// Test items per user.
    pub test: Vec<Vec<u32>>,
}

/// Splits each user's items at random: `valid_fraction` and `test_fraction` of them
/// (rounded, at least one each when the user has three or more items) go to validation
/// and test, the rest to training. The same seed gives the same split.
pub fn random_split(
    items_per_user: &[Vec<u32>],
    valid_fraction: f64,
    test_fraction: f64,
    seed: u64,
) -> Split {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut split = Split { train: Vec::new(), valid: Vec::new(), test: Vec::new() };
    for items in items_per_user {
        let mut items = items.clone();
        items.shuffle(&mut rng);
        let n = items.len();
        let take = |fraction: f64| if n >= 3 { ((n as f64 * fraction).round() as usize).max(1) } else { 0 };
        let (n_test, n_valid) = (take(test_fraction), take(valid_fraction));
        let test = items.split_off(n - n_test);
        let valid = items.split_off(n - n_test - n_valid);
        split.train.push(items);
        split.valid.push(valid);
        split.test.push(test);
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_per_user_and_disjoint_parts() {
        let users = vec![(0..20).collect::<Vec<u32>>(), vec![1, 2], (0..5).collect()];
        let s = random_split(&users, 0.1, 0.1, 42);
        let sizes: Vec<[usize; 3]> =
            (0..3).map(|u| [s.train[u].len(), s.valid[u].len(), s.test[u].len()]).collect();
        assert_eq!(sizes, vec![[16, 2, 2], [2, 0, 0], [3, 1, 1]]);
        for (u, items) in users.iter().enumerate() {
            let mut all: Vec<u32> = [&s.train[u][..], &s.valid[u][..], &s.test[u][..]].concat();
            all.sort_unstable();
            let mut expected = items.clone();
            expected.sort_unstable();
            assert_eq!(all, expected);
        }
        assert_eq!(s, random_split(&users, 0.1, 0.1, 42));
        assert_ne!(s, random_split(&users, 0.1, 0.1, 43));
    }
}
