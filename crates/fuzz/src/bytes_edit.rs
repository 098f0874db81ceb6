//! Edits of a file's bytes, at positions taken modulo its length.

use bolero::TypeGenerator;

/// One change to a byte string.
#[derive(Debug, Clone, TypeGenerator)]
pub enum BytesEdit {
    /// The byte at `at` set to `value`.
    Set {
        /// Position (modulo the length).
        at: u32,
        /// New byte.
        value: u8,
    },
    /// Cut at `at`.
    Truncate {
        /// New length (modulo the length).
        at: u32,
    },
    /// `bytes` inserted before `at`.
    Insert {
        /// Position (modulo the length plus one).
        at: u32,
        /// Inserted bytes.
        bytes: Vec<u8>,
    },
    /// `len` bytes removed from `at`.
    Remove {
        /// Position (modulo the length).
        at: u32,
        /// Number of bytes (fewer at the end).
        len: u16,
    },
}

impl BytesEdit {
    /// Applies the edit to `bytes`.
    pub fn apply(&self, bytes: &mut Vec<u8>) {
        let at = |at: u32, len: usize| if len == 0 { 0 } else { at as usize % len };
        match self {
            BytesEdit::Set { at: i, value } => {
                let i = at(*i, bytes.len());
                if let Some(byte) = bytes.get_mut(i) {
                    *byte = *value;
                }
            }
            BytesEdit::Truncate { at: i } => bytes.truncate(at(*i, bytes.len())),
            BytesEdit::Insert { at: i, bytes: inserted } => {
                let i = at(*i, bytes.len() + 1);
                bytes.splice(i..i, inserted.iter().copied());
            }
            BytesEdit::Remove { at: i, len } => {
                let i = at(*i, bytes.len());
                let end = (i + usize::from(*len)).min(bytes.len());
                bytes.drain(i..end);
            }
        }
    }
}
