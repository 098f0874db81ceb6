//! The small synthetic catalogue the export tests write bundles of: 240 items in four
//! topics, 60 users who each like items of one topic, and topic-shaped text vectors.
#![allow(dead_code)] // each test binary uses its own part

use std::path::Path;

use gnnrec_bundle::{FoldInConfig, ItemMeta, MlpHead};
use gnnrec_export::{ExportConfig, ExportInput, TextInput, write_bundle};
use gnnrec_ranking::HistoryEvent;

pub const ITEMS: usize = 240;
pub const USERS: usize = 60;
pub const DIM: usize = 8;
pub const TEXT: usize = 384;
/// Items fall into four topics; users like items of one topic.
pub const TOPICS: usize = 4;

/// Deterministic pseudo-random numbers in [-0.5, 0.5) (splitmix64).
pub fn noise(seed: u64) -> f32 {
    let mut z = seed.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32 - 0.5
}

pub fn topic_vector(topic: usize, width: usize, seed: u64, spread: f32) -> Vec<f32> {
    (0..width)
        .map(|j| if j % TOPICS == topic { 1.0 } else { 0.0 } + spread * noise(seed * 1000 + j as u64))
        .collect()
}

pub struct Fixture {
    pub items: Vec<ItemMeta>,
    pub item_embeddings: Vec<f32>,
    pub user_embeddings: Vec<f32>,
    pub train: Vec<Vec<u32>>,
    pub text: Vec<Vec<f32>>,
}

pub fn fixture() -> Fixture {
    let items = (0..ITEMS)
        .map(|i| ItemMeta {
            id: format!("m{i}"),
            title: if i == 7 { "<script>alert(1)</script> & co".into() } else { format!("Item {i}") },
            subtitle: format!("topic {}", i % TOPICS),
            url: None,
        })
        .collect();
    let item_embeddings = (0..ITEMS).flat_map(|i| topic_vector(i % TOPICS, DIM, i as u64, 0.3)).collect();
    let user_embeddings =
        (0..USERS).flat_map(|u| topic_vector(u % TOPICS, DIM, 10_000 + u as u64, 0.3)).collect();
    // Each user rated 12 items of their topic; the last topic-0 items stay cold (unrated).
    let train = (0..USERS)
        .map(|u| {
            (0..12).map(|k| ((u * 5 + k * TOPICS) % 200 / TOPICS * TOPICS + u % TOPICS) as u32).collect()
        })
        .collect();
    // Text: the topic plus an item-specific part in 24 dimensions (which PCA keeps).
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
    Fixture { items, item_embeddings, user_embeddings, train, text }
}

/// Stand-in encoder files: the bundle carries them opaquely (parsing them is the
/// encoder's job, tested in gnnrec-text-encoder and by the real-data end-to-end test).
pub fn encoder_dir(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, content) in
        [("config.json", "{}"), ("tokenizer.json", "{\"t\": 1}"), ("model.int8.safetensors", "weights")]
    {
        std::fs::write(dir.join(name), content).unwrap();
    }
}

pub fn export(out: &Path, head: Option<MlpHead>, exact_fold_in: Option<FoldInConfig>) -> Fixture {
    let f = fixture();
    let encoder = out.with_extension("encoder");
    encoder_dir(&encoder);
    let input = ExportInput {
        model_kind: if head.is_some() { "sage" } else { "lightgcn" }.into(),
        items: f.items.clone(),
        item_embeddings: &f.item_embeddings,
        user_embeddings: &f.user_embeddings,
        dim: DIM,
        head,
        train: &f.train,
        text: Some(TextInput { embeddings: &f.text, encoder_dir: &encoder, projection: None }),
        exact_fold_in,
        tower: None,
    };
    let config = ExportConfig {
        text_dim: 32,
        clusters: Some(6),
        ef_construction: 100,
        ef_search: 40,
        ..Default::default()
    };
    let report = write_bundle(&input, &config, out).unwrap();
    assert_eq!(report.total_bytes, report.file_bytes.values().sum::<u64>());
    f
}

pub fn like(id: &str, day: f64) -> HistoryEvent {
    HistoryEvent { id: id.into(), timestamp_ms: day * 86_400_000.0 }
}

/// A small MLP head (h1 = 6, h2 = 4) with fixed, varied weights.
pub fn wave_head() -> MlpHead {
    let (h1, h2) = (6, 4);
    let wave = |n: usize, s: f32| (0..n).map(|i| (i as f32 * 0.61 + s).sin() * 0.4).collect::<Vec<_>>();
    MlpHead {
        dim: DIM,
        w1_user: wave(DIM * h1, 0.1),
        w1_item: wave(DIM * h1, 0.9),
        b1: wave(h1, 0.3),
        w2: wave(h1 * h2, 1.7),
        b2: wave(h2, 0.5),
        w3: wave(h2, 2.2),
        b3: 0.1,
    }
}

/// Exports the fixture (v1, in `dir/v1`), shards it into `dir/v2` with shards of about
/// `shard_bytes`, and returns the v2 directory.
pub fn sharded(dir: &Path, head: Option<MlpHead>, shard_bytes: usize) -> std::path::PathBuf {
    let (v1, v2) = (dir.join("v1"), dir.join("v2"));
    export(&v1, head, None);
    let (manifest, files) = gnnrec_bundle::V1Content::read_stored(&v1).unwrap();
    let config = gnnrec_export::ShardConfig { shard_bytes: Some(shard_bytes), ..Default::default() };
    gnnrec_export::write_sharded(&manifest, &files, &config, &v2).unwrap();
    v2
}
