//! What the widget shows for an item.

use serde::{Deserialize, Serialize};

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
