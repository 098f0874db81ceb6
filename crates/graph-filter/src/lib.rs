//! A closed-form graph-filter recommender: no gradient descent, one truncated SVD per
//! normalisation and a short validation search.
//!
//! The interaction matrix is degree-normalised, `R̃ = D_U^-a R D_I^-b`, and factored by a
//! randomized truncated SVD, `R̃ ≈ U Σ Vᵀ`. A user with history row `r` scores items by
//! the smooth low-pass graph filter `r D_I^-b · V h(Σ²) Vᵀ · D_I^c` (see
//! [`FilterSettings`]). This is the graph-convolution limit of LightGCN in the spectral
//! form of GF-CF (Shen et al., CIKM 2021), with two changes that measured better on our
//! data sets: a smooth response `h` (a Tikhonov/Butterworth-type filter; GF-CF's ideal
//! low-pass is the limit of a large sharpness) in place of GF-CF's ideal filter plus
//! linear item–item filter, and normalisation and output exponents chosen on validation
//! users.
//!
//! A user's vector is `Σ_{i∈history} d_i^e · item_i`, a function of the history alone, so
//! the browser's fold-in of an on-device history gives exactly the vector that was
//! evaluated offline: items ship as `[n_items, rank]` vectors, nothing `n_items²` does.
//!
//! [`blend`] adds a learned model's item vectors to the filter's (scores summed with a
//! weight chosen on validation) and keeps that property: the learned part's user vector
//! is also a history sum, with its own degree exponent.

mod blend;
mod config;
mod data;
mod dense;
mod error;
mod filter;
mod fit;
mod rank;
mod search;
mod spectral_init;
mod svd;

pub use blend::{Blend, BlendCandidate, BlendConfig, BlendReport, Blended, blend, compose};
pub use config::{GraphFilterConfig, MAX_DEFAULT_RANK, PROBE_RANK, RANK_BUDGET, SearchSpace, default_rank};
pub use error::GraphFilterError;
pub use filter::FilterSettings;
pub use fit::{FitReport, FittedFilter, fit, refit};
pub use rank::evaluate_rows;
pub use search::Candidate;
pub use spectral_init::{ENTRY_SCALE, spectral_embeddings};
