//! `train-cli synth-catalogue`: a catalogue of any size grown from a real bundle's items,
//! for benchmarking the sharded bundle at scale (its vectors live in the real bundle's
//! spaces, so real queries land in real neighbourhoods).
//!
//! The first items are the bundle's own, unchanged. Every further item is a blend of a
//! random real item `b` (weight 0.6–0.9) and one of `b`'s nearest real items `m` (among
//! 1,024 random candidates), plus noise of relative size 0.2–0.5, in both the text and the
//! GNN space. Its title splices the first half of `b`'s title with the second half of `m`'s
//! (and a year near `b`'s), its subtitle is `b`'s tags, and its popularity is `b`'s scaled
//! by a random `u²` (a long tail).

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use gnnrec_bundle::{Int8Matrix, ItemMeta, TextPoint, V1Content};
use gnnrec_export::{Catalogue, CatalogueWriter, ItemRow};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// Random candidates a real item's nearest neighbours are chosen from.
const CANDIDATES: usize = 1024;
/// Nearest neighbours kept per real item.
const NEIGHBOURS: usize = 8;

/// Arguments of `train-cli synth-catalogue`.
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// A v1 bundle whose items seed the catalogue.
    #[arg(long)]
    pub bundle: PathBuf,
    /// Items to write (at least the bundle's own).
    #[arg(long)]
    pub items: usize,
    /// Catalogue directory to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

/// Runs the command.
pub fn run(args: &SynthArgs) -> anyhow::Result<()> {
    let (manifest, files) = V1Content::read_stored(&args.bundle)?;
    let base = Catalogue::from_v1(&manifest, &V1Content::decode(&manifest, &files)?);
    anyhow::ensure!(
        args.items >= base.items.len(),
        "--items {} is fewer than the bundle's own {} items",
        args.items,
        base.items.len()
    );
    let started = std::time::Instant::now();
    let grower = Grower::new(&base, args.seed);
    let mut writer = CatalogueWriter::create(&args.out, base.gnn.dim, base.text_dim, false)?;
    for r in 0..base.items.len() {
        writer.push(r as u32, base.row(r))?;
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    for j in base.items.len()..args.items {
        let item = grower.item(j, &mut rng);
        let row = ItemRow {
            meta: &item.meta,
            popularity: item.popularity,
            gnn: &item.gnn.values,
            scale: item.gnn.scales[0],
            text: item.text.as_ref().map(|p| p.values()),
        };
        writer.push(j as u32, row)?;
    }
    let source = format!(
        "train-cli synth-catalogue --bundle {} --items {} --seed {}: the bundle's {} items, then blends of a \
         real item and a near neighbour with noise (train-cli/src/synth_catalogue.rs)",
        args.bundle.display(),
        args.items,
        args.seed,
        base.items.len()
    );
    writer.finish(&source).with_context(|| format!("writing {}", args.out.display()))?;
    println!("{} items in {} ({:.1} s)", args.items, args.out.display(), started.elapsed().as_secs_f64());
    Ok(())
}

/// One grown item.
struct Grown {
    meta: ItemMeta,
    popularity: u32,
    gnn: Int8Matrix,
    text: Option<TextPoint>,
}

/// Grows items from the real ones.
struct Grower<'a> {
    base: &'a Catalogue,
    /// Real GNN vectors (dequantized).
    gnn: Vec<f32>,
    /// Real unit text vectors.
    text: Option<Vec<f32>>,
    /// Nearest real items of each real item.
    neighbours: Vec<Vec<u32>>,
}

impl<'a> Grower<'a> {
    fn new(base: &'a Catalogue, seed: u64) -> Self {
        let text: Option<Vec<f32>> = base.text.as_ref().zip(base.text_dim).map(|(values, k)| {
            values.chunks_exact(k).flat_map(|row| unit(row.iter().map(|&v| f32::from(v)).collect())).collect()
        });
        let gnn = base.gnn.dequantize();
        // Neighbours in the text space where there is one (titles follow text), else GNN.
        let (space, dim) = match (&text, base.text_dim) {
            (Some(t), Some(k)) => (t.clone(), k),
            _ => (gnn.chunks_exact(base.gnn.dim).flat_map(|v| unit(v.to_vec())).collect(), base.gnn.dim),
        };
        let n = base.items.len();
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
        let neighbours = (0..n)
            .map(|b| {
                let row = &space[b * dim..(b + 1) * dim];
                let mut scored: Vec<(f32, u32)> = (0..CANDIDATES.min(n))
                    .map(|_| rng.random_range(0..n as u32))
                    .filter(|&c| c as usize != b)
                    .map(|c| (dot(row, &space[c as usize * dim..(c as usize + 1) * dim]), c))
                    .collect();
                scored.sort_by(|a, b| b.0.total_cmp(&a.0));
                scored.dedup_by_key(|s| s.1);
                let mut list: Vec<u32> = scored.into_iter().take(NEIGHBOURS).map(|s| s.1).collect();
                if list.is_empty() {
                    list.push(b as u32);
                }
                list
            })
            .collect();
        Self { base, gnn, text, neighbours }
    }

    fn item(&self, j: usize, rng: &mut StdRng) -> Grown {
        let n = self.base.items.len();
        let b = rng.random_range(0..n);
        let m = self.neighbours[b][rng.random_range(0..self.neighbours[b].len())] as usize;
        let weight: f32 = rng.random_range(0.6..0.9);
        let noise: f32 = rng.random_range(0.2..0.5);
        let d = self.base.gnn.dim;
        let gnn = blend(&self.gnn[b * d..(b + 1) * d], &self.gnn[m * d..(m + 1) * d], weight, noise, rng);
        let text = self.text.as_ref().zip(self.base.text_dim).map(|(t, k)| {
            TextPoint::new(&blend(&t[b * k..(b + 1) * k], &t[m * k..(m + 1) * k], weight, noise, rng))
        });
        let (real, mate) = (&self.base.items[b], &self.base.items[m]);
        let u: f64 = rng.random();
        Grown {
            meta: ItemMeta {
                id: format!("syn-{j}"),
                title: splice_titles(&real.title, &mate.title, rng.random_range(0..12)),
                subtitle: real.subtitle.clone(),
                url: None,
            },
            popularity: (f64::from(self.base.popularity[b]) * u * u).round() as u32,
            gnn: Int8Matrix::quantize(&gnn, d),
            text,
        }
    }
}

/// `weight·a + (1 − weight)·b` plus Gaussian noise of norm `noise·‖a‖`.
fn blend(a: &[f32], b: &[f32], weight: f32, noise: f32, rng: &mut StdRng) -> Vec<f32> {
    let gauss: Vec<f32> = (0..a.len()).map(|_| rng.sample(StandardNormal)).collect();
    let scale = noise * norm(a) / norm(&gauss).max(f32::MIN_POSITIVE);
    a.iter().zip(b).zip(&gauss).map(|((x, y), g)| weight * x + (1.0 - weight) * y + scale * g).collect()
}

/// The first half of `real`'s words and the second half of `mate`'s, with `real`'s
/// trailing `(year)` moved by `shift` years (titles without one get none).
fn splice_titles(real: &str, mate: &str, shift: u32) -> String {
    let (real_words, year) = split_year(real);
    let (mate_words, _) = split_year(mate);
    let real_words: Vec<&str> = real_words.split_whitespace().collect();
    let mate_words: Vec<&str> = mate_words.split_whitespace().collect();
    let mut words: Vec<&str> = real_words[..real_words.len().div_ceil(2)].to_vec();
    words.extend(&mate_words[mate_words.len() / 2..]);
    let title = words.join(" ");
    match year {
        Some(year) => format!("{title} ({})", year + shift),
        None => title,
    }
}

/// A title without its trailing `(yyyy)`, and the year.
fn split_year(title: &str) -> (&str, Option<u32>) {
    let trimmed = title.trim_end();
    if let Some(open) = trimmed.rfind('(')
        && trimmed.ends_with(')')
        && let Ok(year) = trimmed[open + 1..trimmed.len() - 1].parse::<u32>()
    {
        return (trimmed[..open].trim_end(), Some(year));
    }
    (trimmed, None)
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(v: &[f32]) -> f32 {
    dot(v, v).sqrt()
}

fn unit(mut v: Vec<f32>) -> Vec<f32> {
    let n = norm(&v);
    if n > 0.0 {
        v.iter_mut().for_each(|x| *x /= n);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_splice_words_and_shift_the_year() {
        assert_eq!(
            splice_titles("Toy Story (1995)", "Father of the Bride Part II (1995)", 3),
            "Toy Bride Part II (1998)"
        );
        assert_eq!(splice_titles("Heat", "Sabrina", 0), "Heat Sabrina");
        assert_eq!(split_year("Se7en (a) (1995) "), ("Se7en (a)", Some(1995)));
        assert_eq!(split_year("(500) Days"), ("(500) Days", None));
    }

    #[test]
    fn blends_keep_the_main_direction() {
        let mut rng = StdRng::seed_from_u64(1);
        let a = [1.0, 0.0, 0.0, 0.0];
        let v = blend(&a, &[0.0, 1.0, 0.0, 0.0], 0.8, 0.3, &mut rng);
        let cos = dot(&a, &v) / norm(&v);
        assert!(cos > 0.8, "{v:?}");
    }
}
