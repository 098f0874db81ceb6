//! `train-cli evaluate-bundle` on a sharded (v2) bundle: the recommendations a visitor
//! gets through the shards, against probing every shard (the unsharded answer).
//!
//! Protocol as for v1 bundles (LightGCN protocol, NDCG@20 / Recall@20 of the held-out
//! items, training items excluded): each evaluated user's training items are the on-device
//! history (uniform weights), and the answer is `recommend(history, 20)` of the sharded
//! ranker, which fetches the directory buckets and shards it asks for from the bundle
//! directory.

use std::time::Instant;

use gnnrec_bundle::{BundleError, ShardContent, ShardedManifest, read_file, verify_file};
use gnnrec_eval::{CutoffMetrics, evaluate};
use gnnrec_ranking::{HistoryEvent, ShardedRanker};
use serde_json::json;

use crate::dataset::prepare;
use crate::evaluate_bundle::{EvaluateArgs, HeldOut, evaluated_users, semantic_precision};
use crate::run_files;

/// The ranking cut-off.
const CUTOFF: usize = 20;

/// Runs the evaluation of a v2 bundle.
pub fn run(args: &EvaluateArgs) -> anyhow::Result<()> {
    let trained = run_files::read(&args.run)?;
    let prepared = prepare(&trained.spec)?;
    let data = &prepared.data;
    let held_out = match args.split {
        HeldOut::Valid => &data.valid,
        HeldOut::Test => &data.test,
    };
    let users = evaluated_users(data, held_out, args.users);
    let dir = &args.bundle;
    let ranker = ShardedRanker::read_dir(dir)?;
    let manifest = ranker.manifest().clone();
    let ids = item_ids(dir, &manifest)?;
    let all = manifest.gnn_shards.len();
    // Probing every shard gives the unsharded answer: always measured, as the reference.
    let mut probes: Vec<usize> =
        if args.probe.is_empty() { vec![manifest.probe.gnn] } else { args.probe.clone() };
    probes.retain(|&p| p < all);
    probes.push(all);

    println!(
        "sharded bundle {} (model {}, {} items in {} GNN shards, {} {:?} users; history = training items; \
         probes within the manifest's budget of {:?} bytes, except all shards)",
        dir.display(),
        manifest.model.kind,
        manifest.model.n_items,
        all,
        users.len(),
        args.split,
        manifest.probe.max_bytes
    );
    println!(
        "{:>8} {:>9} {:>10} {:>12} {:>13} {:>10}",
        "probe", "NDCG@20", "Recall@20", "vs all", "fetches/user", "ms/user"
    );
    let mut rows = Vec::new();
    let mut reference: Option<CutoffMetrics> = None;
    for &probe in probes.iter().rev() {
        let mut ranker = ShardedRanker::read_dir(dir)?;
        ranker.set_gnn_probe(probe);
        ranker.set_memory_cap(usize::MAX);
        if probe == all {
            ranker.set_probe_budget(None);
        }
        let (mut lists, mut fetched, started) = (Vec::new(), 0usize, Instant::now());
        for &u in &users {
            let history: Vec<HistoryEvent> = data.train[u]
                .iter()
                .map(|&i| HistoryEvent { id: ids[i as usize].clone(), timestamp_ms: 0.0 })
                .collect();
            let (ranked, paths) =
                ranker.complete(|r| r.recommend(&history, CUTOFF), |p| read_file(dir, p))?;
            fetched += paths.iter().filter(|p| p.starts_with("shards/")).count();
            if !ranked.notices.is_empty() {
                anyhow::bail!("user {u}: {}", ranked.notices.join("; "));
            }
            lists
                .push((ranked.results.iter().map(|r| r.index).collect::<Vec<u32>>(), held_out[u].as_slice()));
        }
        let ms = 1000.0 * started.elapsed().as_secs_f64() / users.len().max(1) as f64;
        let m = *evaluate(lists, &[CUTOFF]).at(CUTOFF).expect("evaluated at the cut-off");
        let base = *reference.get_or_insert(m);
        let ratio = m.ndcg / base.ndcg.max(1e-12);
        // Shard fetches per user with the cache kept across users (a visitor's repeat requests).
        let per_user = fetched as f64 / users.len().max(1) as f64;
        rows.push(
            json!({"probe": probe, "ndcg@20": m.ndcg, "recall@20": m.recall, "ndcg_vs_all_shards": ratio,
                         "ms_per_user": ms}),
        );
        println!(
            "{probe:>8} {:>9.4} {:>10.4} {:>11.1}% {per_user:>13.2} {ms:>10.2}",
            m.ndcg,
            m.recall,
            100.0 * ratio
        );
    }
    rows.reverse();
    let text = if manifest.text.is_some() { text_recall(args, dir)? } else { serde_json::Value::Null };
    let semantic = match &args.queries {
        Some(path) => semantic_search(path, dir)?,
        None => serde_json::Value::Null,
    };
    let report = json!({
        "text_recall": text,
        "semantic_search": semantic,
        "split": format!("{:?}", args.split).to_lowercase(),
        "protocol": "users with held-out items; history = the user's training items (uniform weights); sharded recommend(history, 20); training items excluded",
        "users": users.len(),
        "gnn_shards": all,
        "probes": rows,
    });
    if let Some(path) = &args.metrics_out {
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")?;
    }
    Ok(())
}

/// Every item's catalogue id, by item index (read from the GNN shards).
fn item_ids(dir: &std::path::Path, manifest: &ShardedManifest) -> anyhow::Result<Vec<String>> {
    let mut ids = vec![String::new(); manifest.model.n_items];
    for entry in &manifest.gnn_shards {
        let stored = read_file(dir, &entry.path)?;
        let bytes = verify_file(&entry.path, &entry.file, &stored)?;
        let shard = ShardContent::from_bytes(&bytes, manifest.model.dim, None)
            .map_err(|e| BundleError::content(&entry.path, e))?;
        for (i, item) in shard.index.iter().zip(shard.items) {
            ids[*i as usize] = item.id;
        }
    }
    Ok(ids)
}

/// Recall@10 of the sharded text search against exact search over every item, with 1,000
/// items' own text vectors (evenly spaced) as queries, per number of text shards probed.
fn text_recall(args: &EvaluateArgs, dir: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let mut exact_ranker = ShardedRanker::read_dir(dir)?;
    let manifest = exact_ranker.manifest().clone();
    let all = manifest.text_shards.len();
    exact_ranker.set_text_probe(all);
    exact_ranker.set_probe_budget(None);
    exact_ranker.set_memory_cap(usize::MAX);
    let n = manifest.model.n_items;
    let count = n.min(1000);
    let queries = text_queries(dir, &manifest, count)?;
    let mut exact = Vec::new();
    for query in &queries {
        exact.push(exact_ranker.complete(|r| Ok(r.text_neighbours(query, 10)), |p| read_file(dir, p))?.0);
    }
    let probes = if args.text_probe.is_empty() { vec![1, 2, 4, 8, 16] } else { args.text_probe.clone() };
    println!("text search, {count} item texts as queries, {all} text shards:");
    println!("{:>8} {:>10} {:>16} {:>14}", "probe", "recall@10", "shard bytes/query", "µs/query");
    let mut rows = Vec::new();
    for probe in probes {
        let mut ranker = ShardedRanker::read_dir(dir)?;
        ranker.set_text_probe(probe);
        ranker.set_memory_cap(usize::MAX);
        let (mut hits, mut bytes, mut seconds) = (0usize, 0u64, 0.0);
        for (query, truth) in queries.iter().zip(&exact) {
            // What a cold reader fetches for this query.
            bytes += ranker
                .nearest_text_shards(query)
                .iter()
                .map(|&s| manifest.text_shards[s].file.bytes)
                .sum::<u64>();
            ranker.complete(|r| Ok(r.text_neighbours(query, 10)), |p| read_file(dir, p))?;
            let started = Instant::now();
            let (found, _) = ranker.complete(|r| Ok(r.text_neighbours(query, 10)), |p| read_file(dir, p))?;
            seconds += started.elapsed().as_secs_f64();
            hits += truth.iter().filter(|(i, _)| found.iter().any(|(j, _)| j == i)).count();
        }
        let recall = hits as f64 / (10 * queries.len()).max(1) as f64;
        let per_query = bytes as f64 / queries.len().max(1) as f64;
        let us = 1e6 * seconds / queries.len().max(1) as f64;
        println!("{probe:>8} {recall:>10.4} {per_query:>16.0} {us:>14.0}");
        rows.push(json!({"probe": probe, "recall@10": recall, "shard_bytes_per_query": per_query, "us_per_query": us}));
    }
    Ok(json!({"queries": count, "text_shards": all, "probes": rows}))
}

/// Precision@10 of sharded search on the `--queries` set (as for v1 bundles), at the
/// manifest's text probe and with every text shard probed.
fn semantic_search(path: &std::path::Path, dir: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let mut ranker = ShardedRanker::read_dir(dir)?;
    let encoder = crate::query::encoder(ranker.encoder())?;
    let (manifest, mut report) = (ranker.manifest().clone(), json!({}));
    let blend = (manifest.ranking.text_weight, manifest.ranking.gnn_weight);
    for (name, probe) in [("default_probe", manifest.probe.text), ("all_shards", manifest.text_shards.len())]
    {
        println!("semantic search, {probe} of {} text shards probed:", manifest.text_shards.len());
        ranker.set_text_probe(probe);
        ranker.set_probe_budget(if name == "all_shards" { None } else { manifest.probe.max_bytes });
        ranker.set_memory_cap(usize::MAX);
        report[name] = semantic_precision(path, &encoder, blend, |embedding, (text, gnn)| {
            let ranking = ranker.ranking_mut();
            (ranking.text_weight, ranking.gnn_weight) = (text, gnn);
            let (ranked, _) = ranker.complete(|r| r.search(embedding, &[], 10), |p| read_file(dir, p))?;
            Ok(ranked.results.into_iter().map(|r| r.subtitle).collect())
        })?;
        report[name]["probe"] = json!(probe);
    }
    Ok(report)
}

/// The text vectors of `count` evenly spaced items, as f32 (their int8 values).
fn text_queries(
    dir: &std::path::Path,
    manifest: &ShardedManifest,
    count: usize,
) -> anyhow::Result<Vec<Vec<f32>>> {
    let n = manifest.model.n_items;
    let wanted: std::collections::BTreeSet<u32> = (0..count).map(|i| (i * n / count.max(1)) as u32).collect();
    let k = manifest.text.as_ref().map_or(0, |t| t.dim);
    let mut queries = Vec::new();
    for entry in &manifest.text_shards {
        let stored = read_file(dir, &entry.path)?;
        let bytes = verify_file(&entry.path, &entry.file, &stored)?;
        let shard = ShardContent::from_bytes(&bytes, manifest.model.dim, Some(k))
            .map_err(|e| BundleError::content(&entry.path, e))?;
        let values = shard.text.unwrap_or_default();
        for (row, i) in shard.index.iter().enumerate() {
            if wanted.contains(i) {
                queries.push(values[row * k..(row + 1) * k].iter().map(|&v| f32::from(v)).collect());
            }
        }
    }
    Ok(queries)
}
