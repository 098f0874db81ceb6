//! Cold-start items: hold some items out of training entirely and rank them by their
//! features alone.

use gnnrec_eval::{Evaluation, evaluate};
use gnnrec_graph::GraphBackend;
use gnnrec_models::{Embeddings, Recommender};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::{Interactions, rank_users};

/// Items held out of training and every user's interactions with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColdItems {
    /// The held-out items (sorted).
    pub items: Vec<u32>,
    /// Per user, the held-out items they interacted with (any split part).
    pub per_user: Vec<Vec<u32>>,
}

/// Moves `fraction` of the items that have interactions (chosen with `seed`) out of the
/// data: their interactions leave train, valid and test and become [`ColdItems`].
pub fn hold_out_items(data: &Interactions, fraction: f64, seed: u64) -> (Interactions, ColdItems) {
    let mut used = vec![false; data.n_items];
    for lists in [&data.train, &data.valid, &data.test] {
        for &item in lists.iter().flatten() {
            used[item as usize] = true;
        }
    }
    let mut candidates: Vec<u32> = (0..data.n_items as u32).filter(|&i| used[i as usize]).collect();
    candidates.shuffle(&mut StdRng::seed_from_u64(seed));
    let n_cold = (candidates.len() as f64 * fraction).round() as usize;
    let mut items = candidates[..n_cold].to_vec();
    items.sort_unstable();
    let is_cold = |item: &u32| items.binary_search(item).is_ok();
    let mut per_user = vec![Vec::new(); data.n_users];
    let mut strip = |lists: &[Vec<u32>]| -> Vec<Vec<u32>> {
        lists
            .iter()
            .enumerate()
            .map(|(u, list)| {
                per_user[u].extend(list.iter().copied().filter(is_cold));
                list.iter().copied().filter(|i| !is_cold(i)).collect()
            })
            .collect()
    };
    let (train, valid, test) = (strip(&data.train), strip(&data.valid), strip(&data.test));
    for list in &mut per_user {
        list.sort_unstable();
    }
    (Interactions::new(data.n_users, data.n_items, train, valid, test), ColdItems { items, per_user })
}

/// Ranks only the cold items for every user who interacted with some, and scores those
/// rankings against the held-out interactions.
pub fn evaluate_cold_items<B, M>(
    model: &M,
    embeddings: &Embeddings<B>,
    cold: &ColdItems,
    ks: &[usize],
) -> Evaluation
where
    B: GraphBackend,
    M: Recommender<B>,
{
    let device = embeddings.items.device();
    let index = gnnrec_graph::index_tensor(&cold.items, &device);
    let subset = Embeddings::new(embeddings.users.clone(), embeddings.items.clone().select(0, index));
    let users: Vec<u32> =
        (0..cold.per_user.len() as u32).filter(|&u| !cold.per_user[u as usize].is_empty()).collect();
    let no_exclusions = vec![Vec::new(); cold.per_user.len()];
    let k = ks.iter().copied().max().unwrap_or(20);
    let ranked = rank_users(model, &subset, &users, &no_exclusions, k);
    let ranked =
        ranked.into_iter().map(|list| list.into_iter().map(|pos| cold.items[pos as usize]).collect());
    evaluate(ranked.zip(users.iter().map(|&u| cold.per_user[u as usize].as_slice())), ks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_out_items_leave_every_part_and_are_collected_per_user() {
        let data = Interactions::new(
            2,
            12,
            vec![(0..8).collect(), vec![8, 9]],
            vec![vec![10], vec![]],
            vec![vec![], vec![0]],
        );
        let (rest, cold) = hold_out_items(&data, 0.5, 3);
        assert_eq!(cold.items.len(), 6, "half of the 11 used items, rounded");
        for lists in [&rest.train, &rest.valid, &rest.test] {
            assert!(lists.iter().flatten().all(|i| !cold.items.contains(i)));
        }
        let kept: usize = [&rest.train, &rest.valid, &rest.test]
            .iter()
            .map(|l| l.iter().map(Vec::len).sum::<usize>())
            .sum();
        let moved: usize = cold.per_user.iter().map(Vec::len).sum();
        assert_eq!(kept + moved, 12);
        assert_eq!(hold_out_items(&data, 0.5, 3).1, cold);
    }
}
