//! The names a bundle is made of: the format's name and version, and the paths of its files.

/// Value of the manifest's `format` field.
pub const FORMAT_NAME: &str = "gnnrec-bundle";
/// The version of format 1 (a v2 bundle's is [`SHARDED_VERSION`](crate::SHARDED_VERSION)).
pub const FORMAT_VERSION: u32 = 1;

/// File names inside a bundle directory.
pub mod file_names {
    /// The manifest (plain JSON, not compressed).
    pub const MANIFEST: &str = "manifest.json";
    /// A gzip copy of a v2 manifest, for hosts that serve precompressed files.
    pub const MANIFEST_GZ: &str = "manifest.json.gz";
    /// Item display metadata, JSON array in item-index order.
    pub const ITEMS: &str = "items.json.gz";
    /// All numeric tensors (safetensors).
    pub const TENSORS: &str = "tensors.safetensors.gz";
    /// The HNSW text index.
    pub const TEXT_INDEX: &str = "text-index.bin.gz";
    /// MiniLM config.
    pub const ENCODER_CONFIG: &str = "encoder/config.json";
    /// MiniLM tokenizer.
    pub const ENCODER_TOKENIZER: &str = "encoder/tokenizer.json.gz";
    /// MiniLM int8 weights (`docs/int8-weights.md`).
    pub const ENCODER_WEIGHTS: &str = "encoder/model.int8.safetensors.gz";
}
