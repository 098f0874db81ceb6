//! The HNSW index (instant-distance) over the items' text vectors.
//!
//! Built once natively and shipped serialized: instant-distance draws node levels from
//! `rand` 0.8, whose `SmallRng` differs between wasm32 and x86_64, so an index rebuilt in
//! the browser would not be the one that was evaluated.

use bincode::error::DecodeError;
use instant_distance::{Builder, HnswMap, Point, Search};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::int8::Int8Matrix;

/// A serialized index that is corrupt or does not match the bundle's items.
#[derive(Debug, Error)]
pub enum IndexError {
    /// The bytes do not decode as an index.
    #[error("not an HNSW index: {0}")]
    Decode(DecodeError),
    /// Bytes follow the index.
    #[error("{count} trailing bytes")]
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// The node lists disagree in length.
    #[error("{points} points but {nodes} layer-0 nodes and {values} values")]
    Layout {
        /// Points.
        points: usize,
        /// Layer-0 nodes.
        nodes: usize,
        /// Values (item indices).
        values: usize,
    },
    /// A layer-0 link points past the last node.
    #[error("a layer-0 link points past the last node")]
    Layer0Link,
    /// An upper layer is larger than the one below, or links past its last node.
    #[error("layer {layer} has {nodes} nodes or a link past its last node")]
    UpperLayer {
        /// Layer number (1 = the first upper layer).
        layer: usize,
        /// Its nodes.
        nodes: usize,
    },
    /// A value is not an item index.
    #[error("item {item} out of range 0..{items}")]
    ItemOutOfRange {
        /// The value.
        item: u32,
        /// Number of points.
        items: usize,
    },
    /// Two points carry the same item.
    #[error("item {item} appears twice")]
    DuplicateItem {
        /// The item.
        item: u32,
    },
    /// Some item has no point (a guard: after the checks above this cannot happen).
    #[error("an item has no point")]
    ItemWithoutPoint,
    /// The index holds another number of items than the manifest.
    #[error("{found} points, the manifest says {expected} items")]
    ItemCount {
        /// Points in the index.
        found: usize,
        /// Items in the manifest.
        expected: usize,
    },
    /// A point has another width than the text space, or a stored norm that is wrong.
    #[error("a point has width {width} (expected {expected}) or a wrong norm")]
    Point {
        /// The point's width.
        width: usize,
        /// The text space's width.
        expected: usize,
    },
}

/// A unit text vector stored as int8; distance is `1 − cosine`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextPoint {
    values: Vec<i8>,
    inv_norm: f32,
}

impl TextPoint {
    /// Quantizes a vector (any norm; only its direction matters).
    pub fn new(vector: &[f32]) -> Self {
        let q = Int8Matrix::quantize(vector, vector.len());
        Self::from_int8(q.values)
    }

    /// A point from int8 values (the norm is recomputed).
    pub fn from_int8(values: Vec<i8>) -> Self {
        let norm = (values.iter().map(|&v| i32::from(v) * i32::from(v)).sum::<i32>() as f32).sqrt();
        Self { values, inv_norm: if norm > 0.0 { 1.0 / norm } else { 0.0 } }
    }

    /// The int8 values (the direction; the scale is not kept).
    pub fn values(&self) -> &[i8] {
        &self.values
    }

    /// Width.
    pub fn dim(&self) -> usize {
        self.values.len()
    }

    /// Cosine similarity (0 when either vector is zero).
    pub fn cosine(&self, other: &Self) -> f32 {
        // i8 × i8 fits in i16; the widening sum vectorises well.
        let dot: i32 = self
            .values
            .iter()
            .zip(&other.values)
            .map(|(&a, &b)| i32::from(i16::from(a) * i16::from(b)))
            .sum();
        dot as f32 * self.inv_norm * other.inv_norm
    }

    fn is_consistent(&self) -> bool {
        let expected = Self::from_int8(self.values.clone()).inv_norm;
        (expected - self.inv_norm).abs() <= 1e-6 * expected.max(1.0)
    }
}

impl Point for TextPoint {
    fn distance(&self, other: &Self) -> f32 {
        1.0 - self.cosine(other)
    }
}

/// HNSW over item text vectors; values are item indices.
pub struct TextIndex {
    map: HnswMap<TextPoint, u32>,
    /// Each item's point (a copy of the index's, in item order).
    by_item: Vec<TextPoint>,
}

/// Largest index file accepted (bounds allocations while decoding corrupt input).
const MAX_INDEX_BYTES: usize = 1 << 30;

/// Serialization settings of the index file (bincode 2, standard: little-endian varints).
fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_INDEX_BYTES>()
}

impl TextIndex {
    /// Builds the index over row-major `vectors` of width `dim` (one row per item).
    /// `ef_search` is also the number of neighbours a search returns.
    pub fn build(vectors: &[f32], dim: usize, ef_construction: usize, ef_search: usize, seed: u64) -> Self {
        let points: Vec<TextPoint> = vectors.chunks_exact(dim).map(TextPoint::new).collect();
        let items = (0..points.len() as u32).collect();
        let map = Builder::default()
            .ef_construction(ef_construction)
            .ef_search(ef_search)
            .seed(seed)
            .build(points, items);
        Self::from_map(map).expect("a freshly built index holds every item once")
    }

    fn from_map(map: HnswMap<TextPoint, u32>) -> Result<Self, IndexError> {
        let n = map.values.len();
        let mut by_item: Vec<Option<TextPoint>> = vec![None; n];
        for ((_, point), &item) in map.iter().zip(&map.values) {
            let slot = by_item.get_mut(item as usize).ok_or(IndexError::ItemOutOfRange { item, items: n })?;
            if slot.replace(point.clone()).is_some() {
                return Err(IndexError::DuplicateItem { item });
            }
        }
        let by_item = by_item.into_iter().collect::<Option<Vec<_>>>().ok_or(IndexError::ItemWithoutPoint)?;
        Ok(Self { map, by_item })
    }

    /// The serialized index.
    pub fn to_bytes(&self) -> Vec<u8> {
        bincode::serde::encode_to_vec(&self.map, bincode_config())
            .expect("in-memory serialization cannot fail")
    }

    /// Reads an index and checks it holds exactly the items `0..n_items`, each a `dim`-wide
    /// point. Errors do not name the file; the caller does.
    pub fn from_bytes(bytes: &[u8], n_items: usize, dim: usize) -> Result<Self, IndexError> {
        check_links(bytes)?;
        let (map, read): (HnswMap<TextPoint, u32>, usize) =
            bincode::serde::decode_from_slice(bytes, bincode_config()).map_err(IndexError::Decode)?;
        if read != bytes.len() {
            return Err(IndexError::TrailingBytes { count: bytes.len() - read });
        }
        let index = Self::from_map(map)?;
        if index.len() != n_items {
            return Err(IndexError::ItemCount { found: index.len(), expected: n_items });
        }
        if let Some(p) = index.by_item.iter().find(|p| p.dim() != dim || !p.is_consistent()) {
            return Err(IndexError::Point { width: p.dim(), expected: dim });
        }
        Ok(index)
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.by_item.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.by_item.is_empty()
    }

    /// Approximate nearest items to `query`, best first, as `(item, cosine)`.
    pub fn search(&self, query: &TextPoint) -> Vec<(u32, f32)> {
        let mut search = Search::default();
        self.map.search(query, &mut search).map(|hit| (*hit.value, 1.0 - hit.distance)).collect()
    }

    /// Exact nearest `k` items by brute force (for recall measurements).
    pub fn exact_search(&self, query: &TextPoint, k: usize) -> Vec<(u32, f32)> {
        let mut scored: Vec<(u32, f32)> =
            (0..self.len() as u32).map(|i| (i, self.cosine(query, i))).collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(k);
        scored
    }

    /// Cosine between `query` and an item's text vector.
    pub fn cosine(&self, query: &TextPoint, item: u32) -> f32 {
        self.point(item).cosine(query)
    }

    /// An item's text vector.
    pub fn point(&self, item: u32) -> &TextPoint {
        &self.by_item[item as usize]
    }
}

/// The serialized layout of `HnswMap<TextPoint, u32>` in instant-distance 0.6.1, read
/// first to check every neighbour link: the library indexes with them unchecked.
#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct LayoutMirror {
    _ef_search: usize,
    points: Vec<TextPoint>,
    zero: Vec<ZeroLinks>,
    layers: Vec<Vec<[u32; M]>>,
    values: Vec<u32>,
}

/// instant-distance's `M` (neighbours per upper-layer node; twice as many on layer 0).
const M: usize = 32;

#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct ZeroLinks(#[serde(with = "serde_big_array::BigArray")] [u32; 2 * M]);

/// Checks that all links of a serialized index point at existing nodes of their layer.
fn check_links(bytes: &[u8]) -> Result<(), IndexError> {
    let (layout, _): (LayoutMirror, usize) =
        bincode::serde::decode_from_slice(bytes, bincode_config()).map_err(IndexError::Decode)?;
    let n = layout.points.len();
    if layout.zero.len() != n || layout.values.len() != n {
        return Err(IndexError::Layout { points: n, nodes: layout.zero.len(), values: layout.values.len() });
    }
    let valid = |links: &[u32], len: usize| links.iter().all(|&l| l == u32::MAX || (l as usize) < len);
    if !layout.zero.iter().all(|node| valid(&node.0, n)) {
        return Err(IndexError::Layer0Link);
    }
    let mut previous = n;
    for (l, layer) in layout.layers.iter().enumerate() {
        if layer.len() > previous || !layer.iter().all(|node| valid(node, layer.len())) {
            return Err(IndexError::UpperLayer { layer: l + 1, nodes: layer.len() });
        }
        previous = layer.len();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vectors(n: usize, dim: usize) -> Vec<f32> {
        // Deterministic pseudo-random vectors (splitmix64).
        (0..(n * dim) as u64)
            .map(|i| {
                let mut z = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32 - 0.5
            })
            .collect()
    }

    #[test]
    fn cosine_of_int8_points_matches_f32() {
        let (a, b) = ([0.3, -0.2, 0.9, 0.1], [0.1, 0.4, 0.7, -0.3]);
        let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum::<f32>()
            / (a.iter().map(|x| x * x).sum::<f32>().sqrt() * b.iter().map(|x| x * x).sum::<f32>().sqrt());
        assert!((TextPoint::new(&a).cosine(&TextPoint::new(&b)) - exact).abs() < 0.01);
        assert_eq!(TextPoint::new(&[0.0, 0.0]).cosine(&TextPoint::new(&[1.0, 0.0])), 0.0);
    }

    #[test]
    fn round_trip_search_and_recall() {
        let (n, dim) = (600, 16);
        let data = vectors(n, dim);
        let index = TextIndex::build(&data, dim, 100, 50, 7);
        let bytes = index.to_bytes();
        let loaded = TextIndex::from_bytes(&bytes, n, dim).unwrap();
        let mut hits = 0;
        for q in 0..50 {
            let query = TextPoint::new(&data[q * dim..(q + 1) * dim]);
            let approx: Vec<u32> = loaded.search(&query).iter().take(10).map(|h| h.0).collect();
            let exact = loaded.exact_search(&query, 10);
            assert_eq!(approx[0], q as u32, "a point is its own nearest neighbour");
            hits += exact.iter().filter(|(i, _)| approx.contains(i)).count();
        }
        assert!(hits as f64 / 500.0 >= 0.95, "recall@10 {}", hits as f64 / 500.0);
    }

    #[test]
    fn corrupt_or_mismatched_files_are_errors_not_panics() {
        let (n, dim) = (200, 8);
        let bytes = TextIndex::build(&vectors(n, dim), dim, 40, 20, 1).to_bytes();
        let error = |n_items, width| TextIndex::from_bytes(&bytes, n_items, width).err().unwrap();
        assert!(matches!(error(n + 1, dim), IndexError::ItemCount { found: 200, expected: 201 }));
        assert!(matches!(error(n, dim + 1), IndexError::Point { width: 8, expected: 9 }));
        let half = TextIndex::from_bytes(&bytes[..bytes.len() / 2], n, dim).err().unwrap();
        assert!(matches!(half, IndexError::Decode(_)), "{half}");
        let mut longer = bytes.clone();
        longer.push(0);
        let trailing = TextIndex::from_bytes(&longer, n, dim).err().unwrap();
        assert!(matches!(trailing, IndexError::TrailingBytes { count: 1 }), "{trailing}");
        // Every single-byte change either fails cleanly or still loads a usable index.
        for at in (0..bytes.len()).step_by(97) {
            let mut bad = bytes.clone();
            bad[at] ^= 0x5a;
            if let Ok(index) = TextIndex::from_bytes(&bad, n, dim) {
                let _ = index.search(&TextPoint::new(&vectors(1, dim)));
            }
        }
    }

    #[test]
    fn bad_links_and_values_are_named() {
        let (n, dim) = (200, 8);
        let bytes = TextIndex::build(&vectors(n, dim), dim, 40, 20, 1).to_bytes();
        let layout =
            || -> LayoutMirror { bincode::serde::decode_from_slice(&bytes, bincode_config()).unwrap().0 };
        let encode = |l: &LayoutMirror| bincode::serde::encode_to_vec(l, bincode_config()).unwrap();
        assert_eq!(encode(&layout()), bytes, "the mirror reproduces the library's layout");
        let error = |edit: &dyn Fn(&mut LayoutMirror)| {
            let mut l = layout();
            edit(&mut l);
            TextIndex::from_bytes(&encode(&l), n, dim).err().expect("the edited index must not load")
        };
        let e = error(&|l| {
            l.values.pop();
        });
        assert!(matches!(e, IndexError::Layout { points: 200, nodes: 200, values: 199 }), "{e}");
        let e = error(&|l| l.zero[0].0[0] = n as u32);
        assert!(matches!(e, IndexError::Layer0Link), "{e}");
        assert!(!layout().layers.is_empty(), "200 points make an upper layer");
        let e = error(&|l| l.layers[0][0][0] = l.layers[0].len() as u32);
        assert!(matches!(e, IndexError::UpperLayer { layer: 1, .. }), "{e}");
        let e = error(&|l| l.values[0] = n as u32);
        assert!(matches!(e, IndexError::ItemOutOfRange { item: 200, items: 200 }), "{e}");
        let e = error(&|l| l.values[1] = l.values[0]);
        assert!(matches!(e, IndexError::DuplicateItem { item } if item == layout().values[0]), "{e}");
    }
}
