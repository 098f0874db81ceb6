//! Shared by the benches on the LightGCN splits (the graph crate's and `gnnrec-train`'s
//! step bench): where a split is, a split as a bipartite graph, and command-line flags.
//! Each bench uses a part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use gnnrec_graph::BipartiteGraph;

/// The split folder `name` from `data/lightgcnpp`, else `../shared/data/lightgcnpp`.
pub fn split_dir(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    [root.join("data/lightgcnpp").join(name), root.join("../shared/data/lightgcnpp").join(name)]
        .into_iter()
        .find(|dir| dir.join("train.txt").exists())
        .unwrap_or_else(|| panic!("no split {name} in data/lightgcnpp or ../shared/data/lightgcnpp"))
}

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

/// The value after `name` on the command line, else `default`.
pub fn flag(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or(default.into())
}
