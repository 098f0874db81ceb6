//! The files a page hands to `load`: names and contents in two lists.

use std::collections::HashMap;

use crate::error::CallError;

/// The files `names[i]` ↔ `contents[i]` by name; a content that was not bytes is `None`.
pub fn named_files(
    names: Vec<String>,
    contents: Vec<Option<Vec<u8>>>,
) -> Result<HashMap<String, Vec<u8>>, CallError> {
    if names.len() != contents.len() {
        return Err(CallError::FileCount { names: names.len(), contents: contents.len() });
    }
    names
        .into_iter()
        .zip(contents)
        .map(|(name, bytes)| match bytes {
            Some(bytes) => Ok((name, bytes)),
            None => Err(CallError::NotBytes { file: name }),
        })
        .collect()
}
