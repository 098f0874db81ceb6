//! The fuzz targets, one module each; every one asserts that its reader or call never
//! panics: each input gives a typed error or a valid result. Under `cargo test` each runs
//! for [`CI_TIME`] with bolero's random engine (`BOLERO_RANDOM_TEST_TIME_MS` overrides it),
//! after replaying its `__fuzz__/<target>/{corpus,crashes}` inputs; `cargo bolero test`
//! runs one under libFuzzer (`docs/fuzzing.md`).

mod calls;
mod directory;
mod manifest;
mod ranker_v1;
mod ranker_v2;
mod shard;
mod tensors;
mod tokenizer;

use std::time::Duration;

/// How long each target runs under `cargo test`.
pub const CI_TIME: Duration = Duration::from_secs(15);
