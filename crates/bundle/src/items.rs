//! What the widget shows for an item: `items.json` (v1), shard metadata and the core's
//! popular items (v2).

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::ContentError;

/// Display metadata of one item (`items.json` holds them in item-index order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemMeta {
    /// Catalogue id (what history entries refer to).
    pub id: String,
    /// Display title.
    pub title: String,
    /// Short secondary line (genres, authors, …); may be empty.
    #[serde(default)]
    pub subtitle: String,
    /// Link to the item, if the catalogue has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl ItemMeta {
    /// The JSON array of `items`, in order.
    pub fn list_to_bytes(items: &[ItemMeta]) -> Vec<u8> {
        serde_json::to_vec(items).expect("item metadata serializes")
    }

    /// Reads a JSON array of `expected` items whose ids are all different.
    pub fn list_from_bytes(bytes: &[u8], expected: usize) -> Result<Vec<ItemMeta>, ContentError> {
        let items: Vec<ItemMeta> = serde_json::from_slice(bytes).map_err(ContentError::Json)?;
        if items.len() != expected {
            return Err(ContentError::ItemCount { found: items.len(), expected });
        }
        let mut seen = HashSet::with_capacity(items.len());
        if let Some(item) = items.iter().find(|item| !seen.insert(item.id.as_str())) {
            return Err(ContentError::DuplicateId { id: item.id.clone() });
        }
        Ok(items)
    }
}

/// One of the most popular items (`core/popular.json` is an array of them, most popular first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopularItem {
    /// Catalogue-wide item index.
    pub index: u32,
    /// Training interactions.
    pub popularity: u32,
    /// Display metadata.
    #[serde(flatten)]
    pub meta: ItemMeta,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str) -> ItemMeta {
        ItemMeta { id: id.into(), title: format!("t{id}"), subtitle: String::new(), url: None }
    }

    #[test]
    fn a_list_reads_back_and_repeated_ids_or_counts_are_named() {
        let bytes = ItemMeta::list_to_bytes(&[item("a"), item("b")]);
        assert_eq!(ItemMeta::list_from_bytes(&bytes, 2).unwrap(), vec![item("a"), item("b")]);
        assert!(matches!(
            ItemMeta::list_from_bytes(&bytes, 3),
            Err(ContentError::ItemCount { found: 2, expected: 3 })
        ));
        let twice = ItemMeta::list_to_bytes(&[item("a"), item("a")]);
        assert!(
            matches!(ItemMeta::list_from_bytes(&twice, 2), Err(ContentError::DuplicateId { id }) if id == "a")
        );
        assert!(matches!(ItemMeta::list_from_bytes(b"{}", 0), Err(ContentError::Json(_))));
    }
}
