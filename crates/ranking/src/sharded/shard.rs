//! A shard ready for ranking: its stored content plus the dequantised vectors and their
//! scorer.

use gnnrec_bundle::{ItemMeta, MlpHead, ShardContent, TextPoint};

use crate::scorer::Scorer;

/// A shard ready for ranking: its content plus the dequantised vectors and their scorer.
pub struct Shard {
    /// Catalogue-wide item indices.
    pub index: Vec<u32>,
    /// Display metadata.
    pub items: Vec<ItemMeta>,
    /// Training interactions per item.
    pub popularity: Vec<u32>,
    /// GNN vectors, row-major `[m, d]`.
    pub embeddings: Vec<f32>,
    /// Scores the shard's items for a user vector.
    pub scorer: Scorer,
    /// Text points (text shards).
    pub text: Vec<TextPoint>,
    /// Approximate bytes held in memory.
    pub memory_bytes: usize,
}

impl Shard {
    /// Prepares a shard's content for scoring with the bundle's head (if any).
    pub fn new(content: ShardContent, head: Option<&MlpHead>) -> Self {
        let embeddings = content.gnn.dequantize();
        let scorer = Scorer::new(head.cloned(), &embeddings);
        let text: Vec<TextPoint> = match &content.text {
            Some(values) => {
                let k = values.len() / content.index.len().max(1);
                values.chunks_exact(k.max(1)).map(|row| TextPoint::from_int8(row.to_vec())).collect()
            }
            None => Vec::new(),
        };
        let meta: usize =
            content.items.iter().map(|i| i.id.len() + i.title.len() + i.subtitle.len() + 64).sum();
        let text_bytes = content.text.as_ref().map_or(0, |t| t.len() + 32 * content.index.len());
        let memory_bytes =
            embeddings.len() * 4 + scorer.memory_bytes() + meta + text_bytes + content.index.len() * 8;
        Self {
            index: content.index,
            items: content.items,
            popularity: content.popularity,
            embeddings,
            scorer,
            text,
            memory_bytes,
        }
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// The GNN vector of the item in row `row`.
    pub fn row(&self, row: usize) -> &[f32] {
        let d = self.embeddings.len() / self.len().max(1);
        &self.embeddings[row * d..(row + 1) * d]
    }
}
