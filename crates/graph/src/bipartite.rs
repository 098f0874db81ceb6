//! The bipartite user–item graph and the normalised operators the models propagate with.

use crate::Csr;

/// Users and items joined by training interactions (deduplicated).
///
/// Node order for square operators: users `0..n_users`, then items
/// `n_users..n_users + n_items`.
#[derive(Debug, Clone)]
pub struct BipartiteGraph {
    n_users: usize,
    n_items: usize,
    /// `users × items` incidence with 1.0 per interaction.
    user_items: Csr,
    item_users: Csr,
}

impl BipartiteGraph {
    /// Builds the graph from `(user, item)` pairs; repeated pairs count once.
    ///
    /// # Panics
    /// If an id is out of range (ids are validated at ingest).
    pub fn new(n_users: usize, n_items: usize, edges: &[(u32, u32)]) -> Self {
        let mut pairs = edges.to_vec();
        pairs.sort_unstable();
        pairs.dedup();
        let triplets: Vec<(u32, u32, f32)> = pairs.iter().map(|&(u, i)| (u, i, 1.0)).collect();
        let user_items = Csr::from_triplets(n_users, n_items, &triplets);
        let item_users = user_items.transpose();
        Self { n_users, n_items, user_items, item_users }
    }

    /// Number of users.
    pub fn n_users(&self) -> usize {
        self.n_users
    }

    /// Number of items.
    pub fn n_items(&self) -> usize {
        self.n_items
    }

    /// Number of distinct user–item edges.
    pub fn n_edges(&self) -> usize {
        self.user_items.nnz()
    }

    /// Items a user interacted with, ascending.
    pub fn items_of(&self, user: usize) -> impl Iterator<Item = u32> + '_ {
        self.user_items.row(user).map(|(i, _)| i)
    }

    /// Number of interactions of a user.
    pub fn user_degree(&self, user: usize) -> usize {
        self.user_items.row(user).count()
    }

    /// Number of interactions of an item.
    pub fn item_degree(&self, item: usize) -> usize {
        self.item_users.row(item).count()
    }

    /// The square `(U+I) × (U+I)` adjacency with entry `(a, b) = d_a^-alpha · d_b^-beta`
    /// for every edge: `alpha = beta = 0.5` is LightGCN's symmetric normalisation,
    /// other values LightGCN++'s `D^-alpha A D^-beta`. Isolated nodes get empty rows.
    pub fn normalized_adjacency(&self, alpha: f32, beta: f32) -> Csr {
        let u_deg: Vec<f32> = (0..self.n_users).map(|u| self.user_degree(u) as f32).collect();
        let i_deg: Vec<f32> = (0..self.n_items).map(|i| self.item_degree(i) as f32).collect();
        let offset = self.n_users as u32;
        let mut triplets = Vec::with_capacity(2 * self.n_edges());
        for (u, &du) in u_deg.iter().enumerate() {
            for (i, _) in self.user_items.row(u) {
                let di = i_deg[i as usize];
                triplets.push((u as u32, offset + i, du.powf(-alpha) * di.powf(-beta)));
                triplets.push((offset + i, u as u32, di.powf(-alpha) * du.powf(-beta)));
            }
        }
        let n = self.n_users + self.n_items;
        Csr::from_triplets(n, n, &triplets)
    }

    /// `users × items` operator averaging the items of each user (rows sum to 1).
    pub fn mean_users_from_items(&self) -> Csr {
        row_mean(&self.user_items)
    }

    /// `items × users` operator averaging the users of each item (rows sum to 1).
    pub fn mean_items_from_users(&self) -> Csr {
        row_mean(&self.item_users)
    }
}

fn row_mean(incidence: &Csr) -> Csr {
    let mut triplets = Vec::with_capacity(incidence.nnz());
    for r in 0..incidence.n_rows() {
        let degree = incidence.row(r).count() as f32;
        triplets.extend(incidence.row(r).map(|(c, _)| (r as u32, c, 1.0 / degree)));
    }
    Csr::from_triplets(incidence.n_rows(), incidence.n_cols(), &triplets)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Users 0,1; items 0,1,2. u0–i0, u0–i1, u1–i1 (twice), item 2 isolated.
    fn graph() -> BipartiteGraph {
        BipartiteGraph::new(2, 3, &[(0, 0), (0, 1), (1, 1), (1, 1)])
    }

    #[test]
    fn degrees_count_distinct_edges() {
        let g = graph();
        assert_eq!(g.n_edges(), 3);
        assert_eq!((g.user_degree(0), g.user_degree(1)), (2, 1));
        assert_eq!((g.item_degree(0), g.item_degree(1), g.item_degree(2)), (1, 2, 0));
        assert_eq!(g.items_of(0).collect::<Vec<_>>(), vec![0, 1]);
    }

    #[test]
    fn symmetric_normalisation_matches_lightgcn() {
        let a = graph().normalized_adjacency(0.5, 0.5).to_dense();
        let at = |r: usize, c: usize| a[r * 5 + c];
        // u0 (deg 2) – i1 (deg 2, node 3): 1/sqrt(2·2).
        assert!((at(0, 3) - 0.5).abs() < 1e-6);
        // u1 (deg 1) – i1: 1/sqrt(1·2), symmetric.
        assert!((at(1, 3) - 0.5f32.sqrt()).abs() < 1e-6);
        assert!((at(3, 1) - at(1, 3)).abs() < 1e-6);
        // The isolated item has an empty row and column.
        assert!((0..5).all(|k| at(4, k) == 0.0 && at(k, 4) == 0.0));
    }

    #[test]
    fn asymmetric_normalisation_weights_target_and_source() {
        let a = graph().normalized_adjacency(0.6, -0.1).to_dense();
        // Row u0 (target deg 2), column i1 (source deg 2): 2^-0.6 · 2^0.1.
        assert!((a[3] - 2f32.powf(-0.6) * 2f32.powf(0.1)).abs() < 1e-6);
        // Row i0 (target deg 1), column u0 (source deg 2): 1 · 2^0.1.
        assert!((a[2 * 5] - 2f32.powf(0.1)).abs() < 1e-6);
    }

    #[test]
    fn mean_operators_average_neighbours() {
        let g = graph();
        assert_eq!(g.mean_users_from_items().to_dense(), vec![0.5, 0.5, 0.0, 0.0, 1.0, 0.0]);
        assert_eq!(g.mean_items_from_users().to_dense(), vec![1.0, 0.0, 0.5, 0.5, 0.0, 0.0]);
    }
}
