//! Ingest: turning interaction files into dense user/item id lists, with errors
//! that name the file, line and field, and counts of everything that was dropped.

mod error;
mod lightgcn;

pub use error::IngestError;
pub use lightgcn::{SPLIT_FILES, SplitDataset, read_lightgcn_split};
