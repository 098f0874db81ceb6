//! Fuzz targets for everything a bundle file or a browser page hands the runtime: the
//! manifest, directory bucket, shard, tensor and tokenizer readers, and the rankers' public
//! calls with arbitrary arguments (`tests/targets/`). Each target asserts that nothing
//! panics: every input gives a typed error or a valid result.
//!
//! The targets are [bolero](https://docs.rs/bolero) harnesses: `cargo test --release -p
//! gnnrec-fuzz` runs each for a fixed time with bolero's random engine, and `cargo bolero
//! test` drives libFuzzer for long runs (`docs/fuzzing.md`). This library holds what they
//! share: the frozen fixture bundles as seeds ([`fixture`]), structure-aware edits of a
//! file's content ([`Edit`]), re-signing an edited file in its manifest ([`fixture::resign`]) a
//! tiny encoder that any tokenizer can be paired with ([`tiny_encoder`]), and the count of
//! inputs run and accepted ([`Tally`]).

mod bytes_edit;
mod edit;
pub mod fixture;
mod json_edit;
mod tally;
pub mod tiny_encoder;

pub use bytes_edit::BytesEdit;
pub use edit::Edit;
pub use json_edit::{JsonChange, JsonEdit};
pub use tally::Tally;
