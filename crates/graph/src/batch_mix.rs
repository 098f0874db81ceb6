//! The layer mix at a batch's nodes only.
//!
//! A BPR step needs the mixed embeddings of its users, positives and negatives, not of
//! every node. The last layer is needed only at those nodes, the one before at them and
//! their neighbours, and so on down to the inputs, which are read on the batch's K-hop
//! neighbourhood. [`batch_forward`] and [`batch_backward`] compute every layer on exactly
//! the rows it is needed at, in buffers sized by those rows, so a step costs the edges
//! around its batch instead of K full-graph passes forward and back. The values are the
//! same as [`host_forward`](crate::layer_mix::host_forward)'s rows: the same products, in
//! the same order.

use rayon::prelude::*;

use crate::Csr;
use crate::csr::{accumulate_row_mapped, wide_vectors_available};
use crate::layer_mix::{LayerMix, normalize_row};

/// Above this share of the whole graph's products ([`Neighbourhood::edge_share`]) a
/// batch's neighbourhood is not worth its bookkeeping and the whole graph is propagated:
/// on the LightGCN++ splits, LightGCN++ epochs whose batch neighbourhoods held 54–81 % of
/// the products took 0.78–0.99× as long as whole-graph steps, and at 91 % (citeulike,
/// batch 8192) 1.05–1.1×; NGCF on ml-1m (about 100 %) 1.5×.
pub const MAX_EDGE_SHARE: f64 = 0.85;

/// Marks a node outside the neighbourhood in [`Neighbourhood`]'s slot map.
const ABSENT: u32 = u32::MAX;

/// The nodes each layer of a batch's layer mix is needed at.
///
/// Nodes are numbered by slot, in the order they are first needed: the requested nodes,
/// then their neighbours, then those neighbours' neighbours. Layer `k`'s rows are the
/// first `reach(k)` slots, so every layer's buffer is a prefix of the same numbering.
#[derive(Debug, Clone)]
pub struct Neighbourhood {
    order: Vec<u32>,
    slots: Vec<u32>,
    reach: Vec<usize>,
    requested: Vec<u32>,
}

impl Neighbourhood {
    /// The neighbourhood `layers` hops around `rows` (nodes of the square operator `op`,
    /// repeats allowed) that a `layers`-layer mix over `op` reads.
    ///
    /// # Panics
    /// If a row is not a node of `op`.
    pub fn new(op: &Csr, rows: &[u32], layers: usize) -> Self {
        Self::from_neighbours(op.n_rows(), rows, layers, |node, visit| {
            let span = op.indptr()[node as usize]..op.indptr()[node as usize + 1];
            op.indices()[span].iter().for_each(|&neighbour| visit(neighbour));
        })
    }

    /// The neighbourhood `layers` hops around `rows` in a graph of `n_nodes` nodes whose
    /// edges `neighbours(node, visit)` lists, calling `visit` once per neighbour.
    ///
    /// # Panics
    /// If a row or a neighbour is not below `n_nodes`.
    pub fn from_neighbours(
        n_nodes: usize,
        rows: &[u32],
        layers: usize,
        neighbours: impl Fn(u32, &mut dyn FnMut(u32)),
    ) -> Self {
        // Marks first, slots after: each ring of new nodes is numbered in node order, so
        // the products walk the operator's rows and their operands mostly forwards.
        let mut slots = vec![ABSENT; n_nodes];
        let mut order = Vec::new();
        let mut ring: Vec<u32> = Vec::new();
        for &node in rows {
            if slots[node as usize] == ABSENT {
                slots[node as usize] = 0;
                ring.push(node);
            }
        }
        Self::add_ring(&mut ring, &mut order, &mut slots);
        let requested = rows.iter().map(|&node| slots[node as usize]).collect();
        let mut reach = vec![0; layers + 1];
        reach[layers] = order.len();
        let mut frontier = 0;
        for k in (0..layers).rev() {
            let end = order.len();
            let mut ring = Vec::new();
            for &node in &order[frontier..end] {
                neighbours(node, &mut |neighbour| {
                    if slots[neighbour as usize] == ABSENT {
                        slots[neighbour as usize] = 0;
                        ring.push(neighbour);
                    }
                });
            }
            Self::add_ring(&mut ring, &mut order, &mut slots);
            frontier = end;
            reach[k] = order.len();
        }
        Self { order, slots, reach, requested }
    }

    /// How many nodes layer `k` is computed at (`k = 0`: the inputs read).
    pub fn reach(&self, k: usize) -> usize {
        self.reach[k]
    }

    /// Number of requested rows (repeats included): the rows of the pass's output.
    pub fn requested(&self) -> usize {
        self.requested.len()
    }

    /// Number of nodes of the whole graph.
    pub fn n_nodes(&self) -> usize {
        self.slots.len()
    }

    /// The share of the whole graph's layer products (`layers × nnz(op)` entries) that a
    /// mix over this neighbourhood multiplies; 0 without layers.
    pub fn edge_share(&self, op: &Csr) -> f64 {
        let layers = self.layers();
        if layers == 0 || op.nnz() == 0 {
            return 0.0;
        }
        let degree = |node: &u32| op.indptr()[*node as usize + 1] - op.indptr()[*node as usize];
        let mut edges = 0usize;
        let mut running = 0usize;
        // reach(k) shrinks with k: count each node's edges once per layer it is in.
        for k in (1..=layers).rev() {
            let start = if k == layers { 0 } else { self.reach[k + 1] };
            running += self.order[start..self.reach[k]].iter().map(degree).sum::<usize>();
            edges += running;
        }
        edges as f64 / (layers * op.nnz()) as f64
    }

    /// The share of the whole graph's rows that layers `1..=layers` are computed at; 0
    /// without layers.
    pub fn node_share(&self) -> f64 {
        let layers = self.layers();
        if layers == 0 || self.n_nodes() == 0 {
            return 0.0;
        }
        self.reach[1..].iter().sum::<usize>() as f64 / (layers * self.n_nodes()) as f64
    }

    /// The nodes in slot order; layer `k`'s are the first [`Self::reach`]`(k)`.
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// The slot of every requested row, in request order (all below `reach(layers)`).
    pub fn requested_slots(&self) -> &[u32] {
        &self.requested
    }

    /// Layer `k`'s part of `op` in slot numbering: rows `0..reach(k)`, columns
    /// `0..reach(k - 1)`, so that `layer_operator(op, k) × (rows 0..reach(k - 1) of Eᵏ⁻¹)`
    /// is `Eᵏ` at the first `reach(k)` slots.
    ///
    /// # Panics
    /// If `k` is 0 or above the layers the neighbourhood was built for.
    pub fn layer_operator(&self, op: &Csr, k: usize) -> Csr {
        assert!((1..self.reach.len()).contains(&k), "layer {k} of a {}-layer neighbourhood", self.layers());
        let triplets: Vec<(u32, u32, f32)> = self.order[..self.reach[k]]
            .iter()
            .enumerate()
            .flat_map(|(s, &node)| op.row(node as usize).map(move |(c, v)| (s as u32, c, v)))
            .map(|(s, c, v)| (s, self.slots[c as usize], v))
            .collect();
        Csr::from_triplets(self.reach[k], self.reach[k - 1], &triplets)
    }

    /// Numbers the nodes of `ring` (marked, not yet numbered) after those in `order`, in
    /// node order.
    fn add_ring(ring: &mut [u32], order: &mut Vec<u32>, slots: &mut [u32]) {
        ring.par_sort_unstable();
        for &node in ring.iter() {
            slots[node as usize] = order.len() as u32;
            order.push(node);
        }
    }

    fn layers(&self) -> usize {
        self.reach.len() - 1
    }
}

/// What [`batch_backward`] needs from [`batch_forward`]: the neighbourhood, and each
/// layer's normalised input rows with their inverse norms (empty when inputs are not
/// normalised, since the mix is then linear).
#[derive(Debug, Clone)]
pub struct BatchTape {
    hood: Neighbourhood,
    inputs: Vec<Vec<f32>>,
    inverse_norms: Vec<Vec<f32>>,
}

impl BatchTape {
    /// The neighbourhood the pass ran on.
    pub fn neighbourhood(&self) -> &Neighbourhood {
        &self.hood
    }
}

/// The mixed output at `hood`'s requested rows for node embeddings `x` (`n × dim`) over
/// the square operator `op`, followed by the same rows of `x` itself (`2·requested × dim`,
/// each half in request order: the final and the layer-0 embeddings, which a BPR loss
/// with an L2 term reads), and the tape for [`batch_backward`].
///
/// # Panics
/// If `op`, `x` and `hood` disagree on the number of nodes or layers.
pub fn batch_forward(
    op: &Csr,
    hood: Neighbourhood,
    x: &[f32],
    dim: usize,
    mix: LayerMix,
) -> (Vec<f32>, BatchTape) {
    let n = op.n_rows();
    assert!(
        op.n_cols() == n && x.len() == n * dim && hood.n_nodes() == n && hood.layers() == mix.layers,
        "batch mix: operator, embeddings and neighbourhood disagree"
    );
    let gather = |rows: usize, scale: f32| -> Vec<f32> {
        let mut out = vec![0f32; rows * dim];
        out.par_chunks_mut(dim.max(1)).zip(&hood.order[..rows]).for_each(|(row, &node)| {
            row.iter_mut().zip(&x[node as usize * dim..][..dim]).for_each(|(o, v)| *o = v * scale);
        });
        out
    };
    let targets = hood.reach(mix.layers);
    let mut total = gather(targets, mix.first);
    let (mut inputs, mut inverse_norms) = (Vec::new(), Vec::new());
    if dim > 0 && mix.layers > 0 {
        let mut input = gather(hood.reach(0), 1.0);
        let mut inverse = vec![0f32; hood.reach(0)];
        if mix.normalize_inputs {
            input
                .par_chunks_mut(dim)
                .zip(inverse.par_iter_mut())
                .for_each(|(r, inv)| *inv = normalize_row(r));
        }
        let wide = wide_vectors_available();
        for k in 1..=mix.layers {
            let (rows, present) = (hood.reach(k), hood.reach(k - 1));
            let normalize_next = mix.normalize_inputs && k < mix.layers;
            let compute = |s: usize, out: &mut [f32], sum: Option<&mut [f32]>| {
                accumulate_row_mapped(op, hood.order[s] as usize, &input, &hood.slots, present, out, wide);
                if let Some(sum) = sum {
                    sum.iter_mut().zip(out.iter()).for_each(|(t, o)| *t += mix.rest * o);
                }
                if normalize_next { normalize_row(out) } else { 0.0 }
            };
            let mut next = vec![0f32; rows * dim];
            let mut next_inverse = vec![0f32; rows];
            let (head, tail) = next.split_at_mut(targets * dim);
            let (head_inverse, tail_inverse) = next_inverse.split_at_mut(targets);
            head.par_chunks_mut(dim)
                .zip(head_inverse.par_iter_mut())
                .zip(total.par_chunks_mut(dim))
                .enumerate()
                .for_each(|(s, ((out, inv), sum))| *inv = compute(s, out, Some(sum)));
            tail.par_chunks_mut(dim)
                .zip(tail_inverse.par_iter_mut())
                .enumerate()
                .for_each(|(i, (out, inv))| *inv = compute(targets + i, out, None));
            if mix.normalize_inputs {
                inputs.push(std::mem::replace(&mut input, next));
                inverse_norms.push(std::mem::replace(&mut inverse, next_inverse));
            } else {
                input = next;
            }
        }
    }
    let mut out = vec![0f32; 2 * hood.requested() * dim];
    let (mixed, own) = out.split_at_mut(hood.requested() * dim);
    mixed.par_chunks_mut(dim.max(1)).zip(&hood.requested).for_each(|(row, &s)| {
        row.copy_from_slice(&total[s as usize * dim..][..dim]);
    });
    own.par_chunks_mut(dim.max(1)).zip(&hood.requested).for_each(|(row, &s)| {
        row.copy_from_slice(&x[hood.order[s as usize] as usize * dim..][..dim]);
    });
    (out, BatchTape { hood, inputs, inverse_norms })
}

/// The gradient with respect to all node embeddings (`n × dim`, zero outside the
/// neighbourhood), given the gradient `grad` of [`batch_forward`]'s output
/// (`2·requested × dim`: the mixed rows', then the layer-0 rows'), the operator's transpose
/// and the forward pass's tape.
///
/// # Panics
/// If the shapes disagree with the forward pass.
pub fn batch_backward(
    transposed: &Csr,
    tape: &BatchTape,
    grad: &[f32],
    dim: usize,
    mix: LayerMix,
) -> Vec<f32> {
    let hood = &tape.hood;
    assert!(grad.len() == 2 * hood.requested() * dim, "batch mix: gradient has the wrong shape");
    let mut full = vec![0f32; hood.n_nodes() * dim];
    if dim == 0 {
        return full;
    }
    let (grad, own_grad) = grad.split_at(hood.requested() * dim);
    let targets = hood.reach(mix.layers);
    let mut target_grad = vec![0f32; targets * dim];
    for (row, &slot) in grad.chunks(dim).zip(&hood.requested) {
        let sum = &mut target_grad[slot as usize * dim..][..dim];
        sum.iter_mut().zip(row).for_each(|(s, g)| *s += g);
    }
    let scale = if mix.layers == 0 { mix.first } else { mix.rest };
    let mut upstream: Vec<f32> = target_grad.iter().map(|g| g * scale).collect();
    let wide = wide_vectors_available();
    for layer in (0..mix.layers).rev() {
        let weight = if layer == 0 { mix.first } else { mix.rest };
        let (rows, present) = (hood.reach(layer), hood.reach(layer + 1));
        let mut below = vec![0f32; rows * dim];
        below.par_chunks_mut(dim).enumerate().for_each(|(s, out)| {
            accumulate_row_mapped(
                transposed,
                hood.order[s] as usize,
                &upstream,
                &hood.slots,
                present,
                out,
                wide,
            );
            if mix.normalize_inputs {
                let unit = &tape.inputs[layer][s * dim..][..dim];
                let along: f32 = out.iter().zip(unit).map(|(o, u)| o * u).sum();
                let inv = tape.inverse_norms[layer][s];
                out.iter_mut().zip(unit).for_each(|(o, u)| *o = (*o - along * u) * inv);
            }
            if s < targets {
                out.iter_mut().zip(&target_grad[s * dim..][..dim]).for_each(|(o, g)| *o += weight * g);
            }
        });
        upstream = below;
    }
    for (row, &node) in upstream.chunks(dim).zip(&hood.order) {
        full[node as usize * dim..][..dim].copy_from_slice(row);
    }
    for (row, &slot) in own_grad.chunks(dim).zip(&hood.requested) {
        let node = hood.order[slot as usize] as usize;
        full[node * dim..][..dim].iter_mut().zip(row).for_each(|(f, g)| *f += g);
    }
    full
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer_mix::{host_backward, host_forward};

    /// A 9-node operator with asymmetric weights, an isolated node (8) and a chain
    /// 5 → 6 → 7 that only long walks reach.
    fn graph() -> Csr {
        let mut triplets: Vec<(u32, u32, f32)> =
            (0..20u32).map(|k| ((k * 5) % 5, (k * 3 + 1) % 6, 0.07 * k as f32 - 0.6)).collect();
        triplets.extend([(5, 6, 0.9), (6, 7, -1.1), (7, 6, 0.4)]);
        Csr::from_triplets(9, 9, &triplets)
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        (0..n as u32).map(|k| ((k * 37 + seed * 11) % 23) as f32 / 7.0 - 1.5).collect()
    }

    fn assert_close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() <= 1e-5 * (1.0 + y.abs()), "{a:?}\n{b:?}");
        }
    }

    #[test]
    fn each_layer_reaches_one_hop_further() {
        let op = Csr::from_triplets(5, 5, &[(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 4, 1.0)]);
        let hood = Neighbourhood::new(&op, &[0, 0], 3);
        assert_eq!(
            (hood.requested(), hood.reach(3), hood.reach(2), hood.reach(1), hood.reach(0)),
            (2, 1, 2, 3, 4)
        );
        assert_eq!(hood.n_nodes(), 5);
        // Layer 3 at {0}, layer 2 at {0, 1}, layer 1 at {0, 1, 2}: 1 + 2 + 3 of 3 × 4 entries.
        assert!((hood.edge_share(&op) - 6.0 / 12.0).abs() < 1e-12, "{}", hood.edge_share(&op));
        assert!((hood.node_share() - 6.0 / 15.0).abs() < 1e-12, "{}", hood.node_share());
    }

    #[test]
    fn a_layer_operator_is_the_layer_in_slot_numbering() {
        let (op, dim) = (graph(), 2);
        let x = values(9 * dim, 3);
        let hood = Neighbourhood::new(&op, &[5, 1], 2);
        let whole = op.matmul_dense(&x, dim);
        let input: Vec<f32> = hood.order()[..hood.reach(0)]
            .iter()
            .flat_map(|&n| x[n as usize * dim..][..dim].to_vec())
            .collect();
        let layer = hood.layer_operator(&op, 1).matmul_dense(&input, dim);
        let expected: Vec<f32> = hood.order()[..hood.reach(1)]
            .iter()
            .flat_map(|&n| whole[n as usize * dim..][..dim].to_vec())
            .collect();
        assert_close(&layer, &expected);
        assert_eq!(hood.requested_slots().len(), 2);
    }

    #[test]
    fn rows_and_gradients_match_the_whole_graph_pass() {
        let (op, dim) = (graph(), 3);
        let transposed = op.transpose();
        let x = {
            let mut x = values(9 * dim, 1);
            x[2 * dim..3 * dim].fill(0.0); // a zero row
            x
        };
        let rows = [4u32, 0, 4, 8, 5, 2];
        let grad = values(2 * rows.len() * dim, 2);
        let own_rows = |m: &[f32]| -> Vec<f32> {
            rows.iter().flat_map(|&r| m[r as usize * dim..][..dim].to_vec()).collect()
        };
        for layers in [0, 1, 3] {
            for normalize_inputs in [false, true] {
                let mix = LayerMix { layers, first: 0.3, rest: 0.7 / 3.0, normalize_inputs };
                let (whole, whole_tape) = host_forward(&op, &x, dim, mix);
                let expected = [own_rows(&whole), own_rows(&x)].concat();
                let (batch, tape) = batch_forward(&op, Neighbourhood::new(&op, &rows, layers), &x, dim, mix);
                assert_close(&batch, &expected);

                // The mixed half's gradient goes back through the layers, the layer-0 half's
                // straight to its rows.
                let (mixed_grad, own_grad) = grad.split_at(rows.len() * dim);
                let scatter = |g: &[f32]| {
                    let mut scattered = vec![0f32; 9 * dim];
                    for (k, &r) in rows.iter().enumerate() {
                        for c in 0..dim {
                            scattered[r as usize * dim + c] += g[k * dim + c];
                        }
                    }
                    scattered
                };
                let through_layers = host_backward(&transposed, &whole_tape, &scatter(mixed_grad), dim, mix);
                let expected: Vec<f32> =
                    through_layers.iter().zip(scatter(own_grad)).map(|(a, b)| a + b).collect();
                assert_close(&batch_backward(&transposed, &tape, &grad, dim, mix), &expected);
            }
        }
    }
}
