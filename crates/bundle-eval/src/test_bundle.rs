//! The tests' small catalogue and its bundles: 240 items in four topics (subtitle
//! `topic t`), 60 users who each like items of one topic, topic-shaped GNN and text
//! vectors; written as a v1 bundle and sharded into a v2 one.

use std::path::{Path, PathBuf};

use gnnrec_bundle::{ItemMeta, V1Content};
use gnnrec_export::{ExportConfig, ExportInput, ShardConfig, TextInput, write_bundle, write_sharded};
use gnnrec_ranking::LoadedBundle;

use crate::semantic_precision::{EncodedQuery, GenreQuery};
use crate::trained::TrainedVectors;

const ITEMS: usize = 240;
const USERS: usize = 60;
const DIM: usize = 8;
/// The encoder's width (MiniLM's).
const TEXT: usize = 384;
const TOPICS: usize = 4;

/// Deterministic pseudo-random numbers in [-0.5, 0.5) (splitmix64).
fn noise(seed: u64) -> f32 {
    let mut z = seed.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32 - 0.5
}

/// 1 in the columns of `topic`, plus `spread` times noise.
fn topic_vector(topic: usize, width: usize, seed: u64, spread: f32) -> Vec<f32> {
    (0..width)
        .map(|j| f32::from(u8::from(j % TOPICS == topic)) + spread * noise(seed * 1000 + j as u64))
        .collect()
}

/// The catalogue, its users and their items.
pub struct Catalogue {
    /// Trained user vectors `[USERS, DIM]`.
    pub users: Vec<f32>,
    /// Trained item vectors `[ITEMS, DIM]`.
    pub items: Vec<f32>,
    /// Per user, 12 items of their topic.
    pub train: Vec<Vec<u32>>,
    /// Per user, 4 more items of their topic (none for every fifth user).
    pub held_out: Vec<Vec<u32>>,
    /// Each item's text embedding.
    text: Vec<Vec<f32>>,
}

/// The catalogue.
pub fn catalogue() -> Catalogue {
    let items = (0..ITEMS).flat_map(|i| topic_vector(i % TOPICS, DIM, i as u64, 0.6)).collect();
    let users = (0..USERS).flat_map(|u| topic_vector(u % TOPICS, DIM, 10_000 + u as u64, 0.6)).collect();
    // User u's topic items, in a user-specific order: 12 to train on, 4 held out.
    let liked = |u: usize| (0..16).map(move |k| ((u * 11 + k * 7) % 60 * TOPICS + u % TOPICS) as u32);
    let train = (0..USERS).map(|u| liked(u).take(12).collect()).collect();
    let held_out =
        (0..USERS).map(|u| if u % 5 == 4 { Vec::new() } else { liked(u).skip(12).collect() }).collect();
    let text = (0..ITEMS)
        .map(|i| {
            let mut v = topic_vector(i % TOPICS, TEXT, 0, 0.0);
            v.iter_mut()
                .take(24)
                .enumerate()
                .for_each(|(j, x)| *x += 2.0 * noise(50_000 + (i * 24 + j) as u64));
            v
        })
        .collect();
    Catalogue { users, items, train, held_out, text }
}

impl Catalogue {
    /// The trained vectors (dot-product scoring).
    pub fn trained(&self) -> TrainedVectors<'_> {
        TrainedVectors { users: &self.users, items: &self.items, dim: DIM, head: None }
    }

    /// One query per topic, embedded as the topic's text direction, expecting its subtitle.
    pub fn topic_queries(&self) -> Vec<EncodedQuery> {
        (0..TOPICS)
            .map(|t| EncodedQuery {
                query: GenreQuery { query: format!("about topic {t}"), genres: vec![format!("topic {t}")] },
                embedding: topic_vector(t, TEXT, 0, 0.0),
            })
            .collect()
    }

    /// Writes the v1 bundle into `dir` (with stand-in encoder files next to it) and loads it.
    pub fn v1(&self, dir: &Path) -> LoadedBundle {
        let encoder = dir.with_extension("encoder");
        std::fs::create_dir_all(&encoder).unwrap();
        for (name, content) in
            [("config.json", "{}"), ("tokenizer.json", "{}"), ("model.int8.safetensors", "w")]
        {
            std::fs::write(encoder.join(name), content).unwrap();
        }
        let items = (0..ITEMS)
            .map(|i| ItemMeta {
                id: format!("m{i}"),
                title: format!("Item {i}"),
                subtitle: format!("topic {}", i % TOPICS),
                url: None,
            })
            .collect();
        let input = ExportInput {
            model_kind: "lightgcn".into(),
            items,
            item_embeddings: &self.items,
            user_embeddings: &self.users,
            dim: DIM,
            head: None,
            train: &self.train,
            text: Some(TextInput { embeddings: &self.text, encoder_dir: &encoder, projection: None }),
            exact_fold_in: None,
            tower: None,
        };
        let config = ExportConfig { text_dim: 32, clusters: Some(6), ..Default::default() };
        write_bundle(&input, &config, dir).unwrap();
        LoadedBundle::read_dir(dir).unwrap()
    }

    /// Writes the v1 bundle into `dir/v1` and its sharded form (shards of about 600 bytes,
    /// no popular items in the core) into `dir/v2`; returns both folders.
    pub fn v1_and_v2(&self, dir: &Path) -> (PathBuf, PathBuf) {
        let (v1, v2) = (dir.join("v1"), dir.join("v2"));
        self.v1(&v1);
        let (manifest, files) = V1Content::read_stored(&v1).unwrap();
        let config = ShardConfig { shard_bytes: Some(600), popular: 0, ..Default::default() };
        write_sharded(&manifest, &files, &config, &v2).unwrap();
        (v1, v2)
    }
}
