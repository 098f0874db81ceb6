//! A batch's neighbourhood on the user–item graph split by node type, for models that
//! keep users and items in separate tables and weights (GraphSAGE).

use gnnrec_graph::Csr;
use gnnrec_graph::batch_mix::Neighbourhood;

/// Marks a node of the other type (or outside the neighbourhood) in a position map.
const ABSENT: u32 = u32::MAX;

/// The users and the items of a [`Neighbourhood`] over the user–item graph, each list in
/// slot order, so that layer `k` is computed at `users(k)` and `items(k)`, prefixes of
/// the lists, and reads layer `k - 1` at `users(k - 1)` and `items(k - 1)`.
pub(crate) struct TypedNeighbourhood {
    share: f64,
    users: Vec<u32>,
    items: Vec<u32>,
    user_reach: Vec<usize>,
    item_reach: Vec<usize>,
    user_position: Vec<u32>,
    item_position: Vec<u32>,
}

impl TypedNeighbourhood {
    /// The neighbourhood `layers` hops around `nodes` (users `0..U`, then items from `U`)
    /// over `users_from_items` (`U × I`) and `items_from_users` (`I × U`).
    pub(crate) fn new(users_from_items: &Csr, items_from_users: &Csr, nodes: &[u32], layers: usize) -> Self {
        let (n_users, n_items) = (users_from_items.n_rows(), items_from_users.n_rows());
        let offset = n_users as u32;
        let hood = Neighbourhood::from_neighbours(n_users + n_items, nodes, layers, |node, visit| {
            if node < offset {
                columns(users_from_items, node).iter().for_each(|&item| visit(item + offset));
            } else {
                columns(items_from_users, node - offset).iter().for_each(|&user| visit(user));
            }
        });
        let (mut users, mut items) = (Vec::new(), Vec::new());
        let (mut user_position, mut item_position) = (vec![ABSENT; n_users], vec![ABSENT; n_items]);
        for &node in hood.order() {
            if node < offset {
                user_position[node as usize] = users.len() as u32;
                users.push(node);
            } else {
                item_position[(node - offset) as usize] = items.len() as u32;
                items.push(node - offset);
            }
        }
        let count = |reach: usize, is_user: bool| {
            hood.order()[..reach].iter().filter(|&&n| (n < offset) == is_user).count()
        };
        let user_reach = (0..=layers).map(|k| count(hood.reach(k), true)).collect();
        let item_reach = (0..=layers).map(|k| count(hood.reach(k), false)).collect();
        Self { share: hood.node_share(), users, items, user_reach, item_reach, user_position, item_position }
    }

    /// The share of the whole graph's rows the layers are computed at
    /// ([`Neighbourhood::node_share`]).
    pub(crate) fn share(&self) -> f64 {
        self.share
    }

    /// The users layer `k` is computed at (`k = 0`: whose inputs are read).
    pub(crate) fn users(&self, k: usize) -> &[u32] {
        &self.users[..self.user_reach[k]]
    }

    /// The items layer `k` is computed at (`k = 0`: whose inputs are read).
    pub(crate) fn items(&self, k: usize) -> &[u32] {
        &self.items[..self.item_reach[k]]
    }

    /// Where each of `users` (all in the neighbourhood) is in [`Self::users`].
    pub(crate) fn user_positions(&self, users: &[u32]) -> Vec<u32> {
        users.iter().map(|&u| self.user_position[u as usize]).collect()
    }

    /// Where each of `items` (all in the neighbourhood) is in [`Self::items`].
    pub(crate) fn item_positions(&self, items: &[u32]) -> Vec<u32> {
        items.iter().map(|&i| self.item_position[i as usize]).collect()
    }

    /// Layer `k`'s part of `users_from_items`: rows `users(k)`, columns `items(k - 1)`.
    pub(crate) fn users_from_items(&self, op: &Csr, k: usize) -> Csr {
        part(op, self.users(k), &self.item_position, self.item_reach[k - 1])
    }

    /// Layer `k`'s part of `items_from_users`: rows `items(k)`, columns `users(k - 1)`.
    pub(crate) fn items_from_users(&self, op: &Csr, k: usize) -> Csr {
        part(op, self.items(k), &self.user_position, self.user_reach[k - 1])
    }
}

/// The column indices of row `row` of `op`.
fn columns(op: &Csr, row: u32) -> &[u32] {
    &op.indices()[op.indptr()[row as usize]..op.indptr()[row as usize + 1]]
}

/// Rows `rows` of `op` with column `c` renumbered `position[c]` (all below `columns`).
fn part(op: &Csr, rows: &[u32], position: &[u32], columns: usize) -> Csr {
    let triplets: Vec<(u32, u32, f32)> = rows
        .iter()
        .enumerate()
        .flat_map(|(r, &row)| op.row(row as usize).map(move |(c, v)| (r as u32, position[c as usize], v)))
        .collect();
    Csr::from_triplets(rows.len(), columns, &triplets)
}
