//! Shared by the propagation benches: a LightGCN split folder as a bipartite graph.

use std::path::Path;

use gnnrec_graph::BipartiteGraph;

/// The training graph of the LightGCN-format split in `dir`.
pub fn split_graph(dir: &Path) -> BipartiteGraph {
    let split = gnnrec_ingest::read_lightgcn_split(dir).expect("a LightGCN split");
    let edges: Vec<(u32, u32)> = split
        .train
        .iter()
        .enumerate()
        .flat_map(|(u, items)| items.iter().map(move |&i| (u as u32, i)))
        .collect();
    BipartiteGraph::new(split.n_users, split.n_items, &edges)
}
