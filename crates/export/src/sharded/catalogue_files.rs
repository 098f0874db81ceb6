//! Catalogue files: a catalogue on disk, read one item at a time (the input of `train-cli
//! shard-bundle --catalogue`, and the sharder's own partitions of a large catalogue).
//! Format: `docs/bundle-format.md`, "Catalogue files".

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use gnnrec_bundle::ItemMeta;
use serde::{Deserialize, Serialize};

use super::catalogue::{ItemRow, ItemSource};
use crate::error::ExportError;

/// `format` of `catalogue.json`.
pub const CATALOGUE_FORMAT: &str = "gnnrec-catalogue";
/// The version this crate writes and reads.
pub const CATALOGUE_VERSION: u32 = 1;
/// Buffer of each file reader and writer.
const BUFFER: usize = 1 << 20;

/// File names inside a catalogue directory.
pub mod catalogue_names {
    /// The header (written last: a catalogue without it is incomplete).
    pub const HEADER: &str = "catalogue.json";
    /// One JSON object per line: the item's metadata and `popularity`.
    pub const ITEMS: &str = "items.jsonl";
    /// int8 GNN vectors, `[n, gnn_dim]` row-major.
    pub const GNN: &str = "gnn.i8";
    /// Their scales, `[n]` little-endian f32.
    pub const GNN_SCALES: &str = "gnn-scales.f32";
    /// int8 text vectors, `[n, text_dim]` row-major (catalogues with text).
    pub const TEXT: &str = "text.i8";
    /// Catalogue-wide index of each row, `[n]` little-endian u32 (partitions only).
    pub const INDEX: &str = "index.u32";
}
use catalogue_names as f;

/// `catalogue.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueHeader {
    /// Always [`CATALOGUE_FORMAT`].
    pub format: String,
    /// Always [`CATALOGUE_VERSION`].
    pub version: u32,
    /// Items.
    pub items: usize,
    /// Width of the GNN vectors.
    pub gnn_dim: usize,
    /// Width of the text vectors (absent: no text).
    #[serde(default)]
    pub text_dim: Option<usize>,
    /// Whether `index.u32` gives each row's catalogue-wide index (else row `i` is item `i`).
    #[serde(default)]
    pub indexed: bool,
    /// How the catalogue was made.
    #[serde(default)]
    pub source: String,
}

/// One line of `items.jsonl`.
#[derive(Serialize, Deserialize)]
struct ItemLine {
    #[serde(flatten)]
    meta: ItemMeta,
    popularity: u32,
}

/// A catalogue directory, checked (header, file sizes) when opened.
pub struct CatalogueFiles {
    dir: PathBuf,
    header: CatalogueHeader,
}

impl CatalogueFiles {
    /// Opens `dir`, checking the header and that every binary file holds `items` rows.
    pub fn open(dir: &Path) -> Result<Self, ExportError> {
        let path = dir.join(f::HEADER);
        let bytes = std::fs::read(&path).map_err(|e| ExportError::io(&path, e))?;
        let header: CatalogueHeader = serde_json::from_slice(&bytes)
            .map_err(|e| ExportError::catalogue(&path, 0, format!("not a catalogue header: {e}")))?;
        if header.format != CATALOGUE_FORMAT || header.version != CATALOGUE_VERSION {
            return Err(ExportError::catalogue(
                &path,
                0,
                format!(
                    "format {} version {} (this build reads {CATALOGUE_FORMAT} version {CATALOGUE_VERSION})",
                    header.format, header.version
                ),
            ));
        }
        let files = Self { dir: dir.to_path_buf(), header };
        for (name, row_bytes) in files.binary_files() {
            let path = dir.join(name);
            let len = std::fs::metadata(&path).map_err(|e| ExportError::io(&path, e))?.len();
            let expected = (files.header.items * row_bytes) as u64;
            if len != expected {
                return Err(ExportError::catalogue(
                    &path,
                    0,
                    format!("{len} bytes, expected {expected} ({} items × {row_bytes})", files.header.items),
                ));
            }
        }
        Ok(files)
    }

    /// The header.
    pub fn header(&self) -> &CatalogueHeader {
        &self.header
    }

    /// The binary files and the bytes each holds per row.
    fn binary_files(&self) -> Vec<(&'static str, usize)> {
        let h = &self.header;
        let mut files = vec![(f::GNN, h.gnn_dim), (f::GNN_SCALES, 4)];
        files.extend(h.text_dim.map(|k| (f::TEXT, k)));
        if h.indexed {
            files.push((f::INDEX, 4));
        }
        files
    }

    fn reader(&self, name: &str) -> Result<(PathBuf, BufReader<File>), ExportError> {
        let path = self.dir.join(name);
        let file = File::open(&path).map_err(|e| ExportError::io(&path, e))?;
        Ok((path, BufReader::with_capacity(BUFFER, file)))
    }
}

impl ItemSource for CatalogueFiles {
    fn len(&self) -> usize {
        self.header.items
    }

    fn dim(&self) -> usize {
        self.header.gnn_dim
    }

    fn text_dim(&self) -> Option<usize> {
        self.header.text_dim
    }

    fn scan(
        &self,
        visit: &mut dyn FnMut(u32, ItemRow<'_>) -> Result<(), ExportError>,
    ) -> Result<(), ExportError> {
        let h = &self.header;
        let (items_path, mut items) = self.reader(f::ITEMS)?;
        let (gnn_path, mut gnn) = self.reader(f::GNN)?;
        let (scales_path, mut scales) = self.reader(f::GNN_SCALES)?;
        let mut text = h.text_dim.map(|_| self.reader(f::TEXT)).transpose()?;
        let mut index = if h.indexed { Some(self.reader(f::INDEX)?) } else { None };
        let (mut line, mut gnn_row, mut text_row) =
            (String::new(), vec![0u8; h.gnn_dim], vec![0u8; h.text_dim.unwrap_or(0)]);
        let mut word = [0u8; 4];
        for row in 0..h.items {
            line.clear();
            let number = row + 1;
            let read = items.read_line(&mut line).map_err(|e| ExportError::io(&items_path, e))?;
            if read == 0 {
                return Err(ExportError::catalogue(
                    &items_path,
                    number,
                    format!("ends after {row} of {} items", h.items),
                ));
            }
            let item: ItemLine = serde_json::from_str(line.trim_end()).map_err(|e| {
                let message = e.to_string();
                let message = message.split(" at line ").next().unwrap_or_default();
                ExportError::catalogue(&items_path, number, format!("column {}: {message}", e.column()))
            })?;
            gnn.read_exact(&mut gnn_row).map_err(|e| ExportError::io(&gnn_path, e))?;
            scales.read_exact(&mut word).map_err(|e| ExportError::io(&scales_path, e))?;
            let scale = f32::from_le_bytes(word);
            if !scale.is_finite() || scale < 0.0 {
                return Err(ExportError::catalogue(
                    &scales_path,
                    number,
                    format!("scale {scale} is not finite and ≥ 0"),
                ));
            }
            if let Some((path, reader)) = &mut text {
                reader.read_exact(&mut text_row).map_err(|e| ExportError::io(&*path, e))?;
            }
            let at = match &mut index {
                Some((path, reader)) => {
                    reader.read_exact(&mut word).map_err(|e| ExportError::io(&*path, e))?;
                    u32::from_le_bytes(word)
                }
                None => row as u32,
            };
            let row = ItemRow {
                meta: &item.meta,
                popularity: item.popularity,
                gnn: bytes_as_i8(&gnn_row),
                scale,
                text: text.as_ref().map(|_| bytes_as_i8(&text_row)),
            };
            visit(at, row)?;
        }
        line.clear();
        if items.read_line(&mut line).map_err(|e| ExportError::io(&items_path, e))? > 0
            && !line.trim().is_empty()
        {
            return Err(ExportError::catalogue(
                &items_path,
                h.items + 1,
                format!("more lines than the header's {} items", h.items),
            ));
        }
        Ok(())
    }
}

/// Writes a catalogue directory one item at a time; [`CatalogueWriter::finish`] writes the
/// header last.
pub struct CatalogueWriter {
    dir: PathBuf,
    header: CatalogueHeader,
    items: BufWriter<File>,
    gnn: BufWriter<File>,
    scales: BufWriter<File>,
    text: Option<BufWriter<File>>,
    index: Option<BufWriter<File>>,
}

impl CatalogueWriter {
    /// Creates `dir` (and its files) for vectors of the given widths; `indexed` also writes
    /// each row's catalogue-wide index.
    pub fn create(
        dir: &Path,
        gnn_dim: usize,
        text_dim: Option<usize>,
        indexed: bool,
    ) -> Result<Self, ExportError> {
        std::fs::create_dir_all(dir).map_err(|e| ExportError::io(dir, e))?;
        let header_path = dir.join(f::HEADER);
        if header_path.exists() {
            std::fs::remove_file(&header_path).map_err(|e| ExportError::io(&header_path, e))?;
        }
        let create = |name: &str| -> Result<BufWriter<File>, ExportError> {
            let path = dir.join(name);
            let file = File::create(&path).map_err(|e| ExportError::io(&path, e))?;
            Ok(BufWriter::with_capacity(BUFFER, file))
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            header: CatalogueHeader {
                format: CATALOGUE_FORMAT.into(),
                version: CATALOGUE_VERSION,
                items: 0,
                gnn_dim,
                text_dim,
                indexed,
                source: String::new(),
            },
            items: create(f::ITEMS)?,
            gnn: create(f::GNN)?,
            scales: create(f::GNN_SCALES)?,
            text: text_dim.map(|_| create(f::TEXT)).transpose()?,
            index: if indexed { Some(create(f::INDEX)?) } else { None },
        })
    }

    /// Appends one item (`index`: its catalogue-wide index, kept when the writer is indexed).
    pub fn push(&mut self, index: u32, row: ItemRow<'_>) -> Result<(), ExportError> {
        let h = &self.header;
        if row.gnn.len() != h.gnn_dim || row.text.map(<[i8]>::len) != h.text_dim {
            return Err(ExportError::Input(format!(
                "item {}: vectors of width {} / {:?}, the catalogue's are {} / {:?}",
                row.meta.id,
                row.gnn.len(),
                row.text.map(<[i8]>::len),
                h.gnn_dim,
                h.text_dim
            )));
        }
        let io = |name: &str| {
            let path = self.dir.join(name);
            move |e| ExportError::io(path, e)
        };
        let line = ItemLine { meta: row.meta.clone(), popularity: row.popularity };
        serde_json::to_writer(&mut self.items, &line)
            .map_err(|e| ExportError::Serialize { file: f::ITEMS, error: e })?;
        self.items.write_all(b"\n").map_err(io(f::ITEMS))?;
        self.gnn.write_all(i8_as_bytes(row.gnn)).map_err(io(f::GNN))?;
        self.scales.write_all(&row.scale.to_le_bytes()).map_err(io(f::GNN_SCALES))?;
        if let (Some(writer), Some(text)) = (&mut self.text, row.text) {
            writer.write_all(i8_as_bytes(text)).map_err(io(f::TEXT))?;
        }
        if let Some(writer) = &mut self.index {
            writer.write_all(&index.to_le_bytes()).map_err(io(f::INDEX))?;
        }
        self.header.items += 1;
        Ok(())
    }

    /// Items written so far.
    pub fn len(&self) -> usize {
        self.header.items
    }

    /// Whether none were written.
    pub fn is_empty(&self) -> bool {
        self.header.items == 0
    }

    /// Flushes every file and writes the header (`source`: how the catalogue was made).
    pub fn finish(mut self, source: &str) -> Result<CatalogueFiles, ExportError> {
        let flush = |writer: &mut BufWriter<File>, name: &str| {
            writer.flush().map_err(|e| ExportError::io(self.dir.join(name), e))
        };
        flush(&mut self.items, f::ITEMS)?;
        flush(&mut self.gnn, f::GNN)?;
        flush(&mut self.scales, f::GNN_SCALES)?;
        if let Some(writer) = &mut self.text {
            flush(writer, f::TEXT)?;
        }
        if let Some(writer) = &mut self.index {
            flush(writer, f::INDEX)?;
        }
        self.header.source = source.to_string();
        let path = self.dir.join(f::HEADER);
        let bytes = serde_json::to_vec_pretty(&self.header)
            .map_err(|e| ExportError::Serialize { file: f::HEADER, error: e })?;
        std::fs::write(&path, bytes).map_err(|e| ExportError::io(&path, e))?;
        Ok(CatalogueFiles { dir: self.dir, header: self.header })
    }
}

fn bytes_as_i8(bytes: &[u8]) -> &[i8] {
    bytemuck::cast_slice(bytes)
}

fn i8_as_bytes(values: &[i8]) -> &[u8] {
    bytemuck::cast_slice(values)
}
