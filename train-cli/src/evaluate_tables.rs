//! The tables `train-cli evaluate-bundle` prints from `gnnrec-bundle-eval`'s reports.

use gnnrec_bundle_eval::{BundleReport, SemanticPrecision, ShardedReport};

/// The v1 tables: the three rankings, the fold-in's cost, HNSW and semantic search.
pub fn print_bundle_report(report: &BundleReport) {
    let quality = &report.quality;
    println!("{:<44} {:>9} {:>10} {:>9}", "user vector × item embeddings", "NDCG@20", "Recall@20", "vs f32");
    let rows = [
        ("trained × f32", &quality.trained_f32),
        ("trained × int8 (bundle)", &quality.trained_int8),
        ("fold-in from history × int8 (bundle)", &quality.fold_in_int8),
    ];
    for (name, m) in rows {
        println!(
            "{name:<44} {:>9.4} {:>10.4} {:>8.1}%",
            m.ndcg,
            m.recall,
            100.0 * m.ndcg / quality.trained_f32.ndcg.max(1e-12)
        );
    }
    println!(
        "fold-in: {}; {:.1} ms per user (this machine, native); scoring both baselines {:.1} s",
        quality.fold_in_config, quality.fold_in_ms_per_user, quality.scoring_seconds
    );
    if let Some(hnsw) = &report.hnsw {
        println!(
            "HNSW over {} text vectors: recall@10 {:.4} vs exact; {:.0} µs vs {:.0} µs per query ({:.1}×)",
            hnsw.items,
            hnsw.recall,
            hnsw.hnsw_us,
            hnsw.exact_us,
            hnsw.exact_us / hnsw.hnsw_us
        );
    }
    if let Some(semantic) = &report.semantic_search {
        print_semantic(semantic);
    }
}

/// The v2 tables: recommendations per GNN probe, text recall per text probe, and semantic
/// search at the manifest's text probe and through every text shard.
pub fn print_sharded_report(report: &ShardedReport) {
    println!(
        "{:>8} {:>9} {:>10} {:>12} {:>13} {:>10}",
        "probe", "NDCG@20", "Recall@20", "vs all", "fetches/user", "ms/user"
    );
    for p in &report.probes {
        println!(
            "{:>8} {:>9.4} {:>10.4} {:>11.1}% {:>13.2} {:>10.2}",
            p.probe,
            p.ndcg,
            p.recall,
            100.0 * p.ndcg_vs_all_shards,
            p.fetches_per_user,
            p.ms_per_user
        );
    }
    if let Some(text) = &report.text_recall {
        println!("text search, {} item texts as queries, {} text shards:", text.queries, text.text_shards);
        println!("{:>8} {:>10} {:>16} {:>14}", "probe", "recall@10", "shard bytes/query", "µs/query");
        for p in &text.probes {
            println!(
                "{:>8} {:>10.4} {:>16.0} {:>14.0}",
                p.probe, p.recall, p.shard_bytes_per_query, p.us_per_query
            );
        }
    }
    if let Some(semantic) = &report.semantic_search {
        let shards = semantic.all_shards.probe;
        for probed in [&semantic.default_probe, &semantic.all_shards] {
            println!("semantic search, {} of {shards} text shards probed:", probed.probe);
            print_semantic(&probed.precision);
        }
    }
}

/// Precision@10 per query, blended and by text alone, and the means.
fn print_semantic(semantic: &SemanticPrecision) {
    println!("{:<44} {:>14} {:>14}", "query (expected genres)", "P@10 blended", "P@10 text only");
    for q in &semantic.queries {
        let name = format!("{} ({})", q.query, q.genres.join("/"));
        println!("{name:<44} {:>14.2} {:>14.2}", q.precision, q.text_only_precision);
    }
    println!("{:<44} {:>14.3} {:>14.3}", "mean", semantic.mean_precision, semantic.mean_text_only_precision);
}
