//! `Recommender` (a v1 bundle): the files to fetch and loading; its requests are the
//! [`Ranker`](gnnrec_ranking::Ranker)'s own calls.

use std::collections::HashMap;

use gnnrec_bundle::{V1Content, parse_manifest};
use gnnrec_ranking::LoadedBundle;

use crate::error::CallError;

/// The files (paths relative to the manifest) to fetch for this `manifest.json`, in order.
pub fn required_files(manifest: &[u8]) -> Result<Vec<String>, CallError> {
    let manifest = parse_manifest(manifest)?;
    Ok(V1Content::required_files(&manifest).into_iter().map(String::from).collect())
}

/// Checks and loads the bundle of `manifest.json` from its files' stored bytes, by name.
pub fn load(manifest: &[u8], files: &HashMap<String, Vec<u8>>) -> Result<LoadedBundle, CallError> {
    Ok(LoadedBundle::from_files(parse_manifest(manifest)?, files)?)
}
