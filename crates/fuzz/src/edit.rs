//! One way of altering a seed file's content, aware of the two kinds of files a bundle has:
//! JSON documents and safetensors files (a JSON header of dtypes, shapes and offsets, then
//! the data).

use bolero::TypeGenerator;
use serde_json::Value;

use crate::bytes_edit::BytesEdit;
use crate::json_edit::JsonEdit;

/// An alteration of a file's content.
#[derive(Debug, Clone, TypeGenerator)]
pub enum Edit {
    /// Its JSON values changed (content that is not JSON is left as it is).
    Json(Vec<JsonEdit>),
    /// A safetensors file's header and data changed (content that is not one: its bytes).
    Tensors {
        /// Changes to the header's JSON.
        header: Vec<JsonEdit>,
        /// Changes to the data bytes.
        data: Vec<BytesEdit>,
    },
    /// Its bytes changed.
    Bytes(Vec<BytesEdit>),
    /// Replaced whole.
    Replace(Vec<u8>),
}

/// At most this many changes of an edit are applied: a seed changed in a few places gets past
/// the first checks more often than one changed everywhere.
const MAX_CHANGES: usize = 4;

impl Edit {
    /// The altered content (the first [`MAX_CHANGES`] changes of each list).
    pub fn apply(&self, content: &[u8]) -> Vec<u8> {
        match self {
            Edit::Json(edits) => match serde_json::from_slice::<Value>(content) {
                Ok(mut json) => {
                    edits.iter().take(MAX_CHANGES).for_each(|edit| edit.apply(&mut json));
                    serde_json::to_vec(&json).expect("a JSON value serializes")
                }
                Err(_) => content.to_vec(),
            },
            Edit::Tensors { header, data } => tensors(content, header, data),
            Edit::Bytes(edits) => bytes(content, edits),
            Edit::Replace(bytes) => bytes.clone(),
        }
    }
}

fn bytes(content: &[u8], edits: &[BytesEdit]) -> Vec<u8> {
    let mut bytes = content.to_vec();
    edits.iter().take(MAX_CHANGES).for_each(|edit| edit.apply(&mut bytes));
    bytes
}

/// A safetensors file with its header (8 bytes of little-endian length, then JSON) and its
/// data edited apart, the length written anew.
fn tensors(content: &[u8], header: &[JsonEdit], data: &[BytesEdit]) -> Vec<u8> {
    let parsed = content.split_first_chunk::<8>().and_then(|(len, rest)| {
        let len = usize::try_from(u64::from_le_bytes(*len)).ok().filter(|&len| len <= rest.len())?;
        let json: Value = serde_json::from_slice(&rest[..len]).ok()?;
        Some((json, &rest[len..]))
    });
    let Some((mut json, rest)) = parsed else { return bytes(content, data) };
    header.iter().take(MAX_CHANGES).for_each(|edit| edit.apply(&mut json));
    let json = serde_json::to_vec(&json).expect("a JSON value serializes");
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend(json);
    out.extend(bytes(rest, data));
    out
}
