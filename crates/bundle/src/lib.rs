//! The gnnrec bundle format (`docs/bundle-format.md`): every on-disk structure of a bundle,
//! each with its one serializer and its one reader.
//!
//! - [`Manifest`] (format v1) and [`ShardedManifest`] (v2): what a bundle holds, with the
//!   size and SHA-256 of every file ([`FileEntry`]); [`parse_manifest`] checks the format
//!   name and version first.
//! - [`stored`]: how a file is stored (gzip or not), written into a bundle folder
//!   ([`BundleDir`]) and checked and opened again ([`verify_file`]).
//! - The content of the files: the model tensors ([`ModelTensors`]), a v1 bundle's whole
//!   catalogue ([`V1Content`]), a v2 bundle's core ([`CoreContent`]), shards
//!   ([`ShardContent`]), directory buckets ([`DirectoryBucket`]), item metadata
//!   ([`ItemMeta`]), the HNSW text index ([`TextIndex`]).
//! - [`Versions`] (`versions.json`): the versions a folder published, whose files a
//!   re-export keeps (every listed file is content-addressed, [`addressed_path`]).
//!
//! Every read error is a [`BundleError`] that names the file. Writers are used by
//! `gnnrec-export`, readers by `gnnrec-ranking` (natively and in the browser).

mod clusters;
mod core;
mod directory;
mod encoder;
mod error;
mod head;
mod int8;
mod items;
mod manifest;
mod model;
mod names;
mod shard;
mod sharded_manifest;
pub mod stored;
mod tensors;
mod text_index;
mod text_space;
mod v1;
mod versions;

pub use clusters::{ClusterError, ClusterIndex, ClusterTensors};
pub use core::CoreContent;
pub use directory::{DirectoryBucket, DirectoryEntry, Location, bucket_of};
pub use encoder::{ENCODER_FILES, EncoderBytes};
pub use error::{BundleError, ContentError, ManifestError};
pub use head::{HeadError, HeadReadError, MlpHead};
pub use int8::Int8Matrix;
pub use items::{ItemMeta, PopularItem};
pub use manifest::{FoldInBlock, FoldInConfig, Manifest, ModelInfo, RankingConfig, TextInfo, parse_manifest};
pub use model::{ModelTensors, TextMaps};
pub use names::{FORMAT_NAME, FORMAT_VERSION, file_names};
pub use shard::ShardContent;
pub use sharded_manifest::{ProbeConfig, SHARDED_VERSION, ShardEntry, ShardedManifest, core_files};
pub use stored::{BundleDir, FileEntry, addressed_path, read_file, read_listed, sha256_hex, verify_file};
pub use tensors::{TensorData, TensorError, Tensors, tensor_names};
pub use text_index::{IndexError, TextIndex, TextPoint};
pub use text_space::{AffineMap, TextProjection, dot, normalize};
pub use v1::V1Content;
pub use versions::{DEFAULT_KEEP_VERSIONS, Published, VERSIONS_FILE, Version, Versions, listed_files};
