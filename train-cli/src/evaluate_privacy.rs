//! `train-cli evaluate-privacy`: what a host's access log reveals of a visitor in each privacy
//! mode of a sharded bundle (`gnnrec_bundle_eval::privacy_leak`), over random catalogue items:
//! a search for an item's title and subtitle (a film's title and genres), and a like of an item.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use gnnrec_bundle::{ShardContent, read_file, verify_file};
use gnnrec_bundle_eval::{LeakSample, ModeLeak, PrivacyLeak, privacy_leak};
use gnnrec_ranking::ShardedRanker;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::{Rng, SeedableRng};

/// Arguments of `train-cli evaluate-privacy`.
#[derive(Args, Debug)]
pub struct PrivacyArgs {
    /// A sharded (v2) bundle with text.
    #[arg(long)]
    pub bundle: PathBuf,
    /// Searches, each for the title and subtitle of a random catalogue item.
    #[arg(long, default_value_t = 300)]
    pub queries: usize,
    /// Likes, each of a random catalogue item.
    #[arg(long, default_value_t = 300)]
    pub likes: usize,
    /// Seed of the item draws and of the decoys.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Also write the numbers as JSON here.
    #[arg(long)]
    pub metrics_out: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: &PrivacyArgs) -> anyhow::Result<()> {
    let dir = &args.bundle;
    let ranker = ShardedRanker::read_dir(dir)?;
    let encoder = crate::query::encoder(ranker.encoder())?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(args.seed);
    let items = random_items(&ranker, dir, args.queries + args.likes, &mut rng)?;
    let (searched, liked) = items.split_at(args.queries);
    let queries = searched
        .iter()
        .map(|item| Ok(encoder.encode(&[item.query.as_str()])?.remove(0)))
        .collect::<anyhow::Result<_>>()?;
    let likes = liked.iter().map(|item| (item.id.clone(), item.shard)).collect();
    let report = privacy_leak(dir, &LeakSample { queries, likes }, &args.seed.to_le_bytes())?;
    print_report(dir, &report);
    if let Some(path) = &args.metrics_out {
        std::fs::write(path, serde_json::to_string_pretty(&report)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// A catalogue item drawn for the measurement.
struct Drawn {
    id: String,
    /// Its title and subtitle, as a visitor might type them.
    query: String,
    shard: usize,
}

/// `n` items drawn uniformly from the catalogue (a GNN shard by its item count, then a row).
fn random_items(
    ranker: &ShardedRanker,
    dir: &std::path::Path,
    n: usize,
    rng: &mut impl Rng,
) -> anyhow::Result<Vec<Drawn>> {
    let m = ranker.manifest();
    let shards =
        WeightedIndex::new(m.gnn_shards.iter().map(|s| s.items)).context("a bundle without items")?;
    let mut picks: Vec<(usize, usize)> = (0..n)
        .map(|_| {
            let s = shards.sample(rng);
            (s, rng.random_range(0..m.gnn_shards[s].items))
        })
        .collect();
    let order: Vec<(usize, usize)> = picks.clone();
    picks.sort_unstable();
    picks.dedup_by_key(|p| p.0);
    let mut contents = std::collections::HashMap::new();
    for &(s, _) in &picks {
        let entry = &m.gnn_shards[s];
        let bytes = verify_file(&entry.path, &entry.file, &read_file(dir, &entry.path)?)?;
        let content = ShardContent::from_bytes(&bytes, m.model.n_items, m.model.dim, None)
            .with_context(|| format!("reading {}", entry.path))?;
        contents.insert(s, content);
    }
    Ok(order
        .into_iter()
        .map(|(s, row)| {
            let meta = &contents[&s].items[row];
            let query = format!("{} {}", meta.title, meta.subtitle.replace('|', " "));
            Drawn { id: meta.id.clone(), query, shard: s }
        })
        .collect())
}

fn print_report(dir: &std::path::Path, r: &PrivacyLeak) {
    let (text, gnn, buckets) = r.files;
    println!(
        "{}: {} items, {text} text shards, {gnn} GNN shards, {buckets} directory buckets; {} searches, {} likes \
         (first visits); chance: topic {:.3}, cluster {:.3}; strict answered with {} shards arrived; \
         strict fetch sequence identical for every visitor: {}",
        dir.display(),
        r.items,
        r.trials.0,
        r.trials.1,
        r.chance.0,
        r.chance.1,
        if r.strict_arrived { "all" } else { "no" },
        r.strict_sequence_identical
    );
    println!(
        "| mode | query topic guessed | × chance | files / KB per search | top-10 = off | liked cluster guessed | × chance | items consistent with a like (median) | files / KB per like | top-10 = off |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for ModeLeak { mode, queries: q, likes: l, like_candidates_median } in &r.modes {
        println!(
            "| {mode} | {:.3} | {:.1} | {:.1} / {:.0} | {:.2} | {:.3} | {:.1} | {like_candidates_median} | {:.1} / {:.0} | {:.2} |",
            q.accuracy,
            q.accuracy / r.chance.0.max(f64::MIN_POSITIVE),
            q.files,
            q.bytes / 1e3,
            q.top10_overlap_with_off,
            l.accuracy,
            l.accuracy / r.chance.1.max(f64::MIN_POSITIVE),
            l.files,
            l.bytes / 1e3,
            l.top10_overlap_with_off,
        );
    }
}
