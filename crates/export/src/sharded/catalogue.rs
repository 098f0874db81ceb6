//! The per-item arrays the sharder reads: one item at a time ([`ItemSource`]), from a v1
//! bundle held in memory ([`Catalogue`]) or from catalogue files on disk
//! ([`crate::CatalogueFiles`]).

use gnnrec_bundle::{Int8Matrix, ItemMeta, Manifest, V1Content};

use crate::error::ExportError;

/// One catalogue item, borrowed from its source.
#[derive(Debug, Clone, Copy)]
pub struct ItemRow<'a> {
    /// Display metadata.
    pub meta: &'a ItemMeta,
    /// Training interactions.
    pub popularity: u32,
    /// int8 GNN vector (`dim` values).
    pub gnn: &'a [i8],
    /// Its scale (the vector is `gnn · scale`).
    pub scale: f32,
    /// int8 text vector (`text_dim` values; only the direction counts), if the catalogue has text.
    pub text: Option<&'a [i8]>,
}

/// A catalogue read in sequential passes (the sharder never needs all of it at once).
pub trait ItemSource {
    /// Items.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Width of the GNN vectors.
    fn dim(&self) -> usize;
    /// Width of the text vectors, if the catalogue has text.
    fn text_dim(&self) -> Option<usize>;
    /// Calls `visit` with every item's catalogue-wide index and row, in index order.
    fn scan(
        &self,
        visit: &mut dyn FnMut(u32, ItemRow<'_>) -> Result<(), ExportError>,
    ) -> Result<(), ExportError>;
}

/// Items held in memory: a whole v1 bundle, or one part of a larger catalogue.
pub struct Catalogue {
    /// Catalogue-wide index of each row, ascending.
    pub index: Vec<u32>,
    /// Display metadata.
    pub items: Vec<ItemMeta>,
    /// int8 GNN vectors.
    pub gnn: Int8Matrix,
    /// Training interactions.
    pub popularity: Vec<u32>,
    /// int8 text vectors `[n, text_dim]`.
    pub text: Option<Vec<i8>>,
    /// Width of the text vectors.
    pub text_dim: Option<usize>,
}

impl Catalogue {
    /// An empty catalogue of the given widths.
    pub fn empty(dim: usize, text_dim: Option<usize>) -> Self {
        Self {
            index: Vec::new(),
            items: Vec::new(),
            gnn: Int8Matrix { rows: 0, dim, values: Vec::new(), scales: Vec::new() },
            popularity: Vec::new(),
            text: text_dim.map(|_| Vec::new()),
            text_dim,
        }
    }

    /// Appends one item (its text is dropped when this catalogue has none).
    pub fn push(&mut self, index: u32, row: ItemRow<'_>) {
        self.index.push(index);
        self.items.push(row.meta.clone());
        self.popularity.push(row.popularity);
        self.gnn.values.extend_from_slice(row.gnn);
        self.gnn.scales.push(row.scale);
        self.gnn.rows += 1;
        if let (Some(text), Some(values)) = (&mut self.text, row.text) {
            text.extend_from_slice(values);
        }
    }

    /// Reads every item of `source` into memory.
    pub fn load(source: &dyn ItemSource) -> Result<Self, ExportError> {
        let mut catalogue = Self::empty(source.dim(), source.text_dim());
        source.scan(&mut |index, row| {
            catalogue.push(index, row);
            Ok(())
        })?;
        Ok(catalogue)
    }

    /// The per-item arrays of a decoded v1 bundle.
    pub fn from_v1(manifest: &Manifest, content: &V1Content) -> Self {
        let n = content.items.len();
        let text = content
            .text_index
            .as_ref()
            .map(|index| (0..n as u32).flat_map(|i| index.point(i).values().to_vec()).collect());
        Self {
            index: (0..n as u32).collect(),
            items: content.items.clone(),
            gnn: content.embeddings.clone(),
            popularity: content.popularity.clone(),
            text,
            text_dim: manifest.text.as_ref().map(|info| info.dim),
        }
    }

    /// Row `row`.
    pub fn row(&self, row: usize) -> ItemRow<'_> {
        let d = self.gnn.dim;
        ItemRow {
            meta: &self.items[row],
            popularity: self.popularity[row],
            gnn: &self.gnn.values[row * d..(row + 1) * d],
            scale: self.gnn.scales[row],
            text: self.text.as_ref().zip(self.text_dim).map(|(text, k)| &text[row * k..(row + 1) * k]),
        }
    }
}

impl ItemSource for Catalogue {
    fn len(&self) -> usize {
        self.items.len()
    }

    fn dim(&self) -> usize {
        self.gnn.dim
    }

    fn text_dim(&self) -> Option<usize> {
        self.text_dim
    }

    fn scan(
        &self,
        visit: &mut dyn FnMut(u32, ItemRow<'_>) -> Result<(), ExportError>,
    ) -> Result<(), ExportError> {
        (0..self.items.len()).try_for_each(|row| visit(self.index[row], self.row(row)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_and_row_round_trip() {
        let meta = ItemMeta { id: "a".into(), title: "A".into(), subtitle: String::new(), url: None };
        let mut catalogue = Catalogue::empty(2, Some(3));
        let row = ItemRow { meta: &meta, popularity: 4, gnn: &[1, -2], scale: 0.5, text: Some(&[3, 4, 5]) };
        catalogue.push(7, row);
        let back = catalogue.row(0);
        assert_eq!(
            (back.meta, back.popularity, back.gnn, back.scale, back.text),
            (&meta, 4, &[1, -2][..], 0.5, Some(&[3, 4, 5][..]))
        );
        let copy = Catalogue::load(&catalogue).unwrap();
        assert_eq!((copy.index, copy.text), (vec![7], Some(vec![3, 4, 5])));
    }
}
