//! Column references in a data-set description: a header name or JSON key (`"userId"`),
//! or a 0-based index (`0`) for files without a header line.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, de::value::MapAccessDeserializer};

/// One column of a file, by name or by 0-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// Header name (delimited files with a header) or key (JSON Lines).
    Name(String),
    /// 0-based position on the line (delimited files).
    Index(usize),
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Column::Name(name) => write!(f, "{name:?}"),
            Column::Index(index) => write!(f, "{index}"),
        }
    }
}

impl From<&str> for Column {
    fn from(name: &str) -> Self {
        Column::Name(name.to_owned())
    }
}

impl From<usize> for Column {
    fn from(index: usize) -> Self {
        Column::Index(index)
    }
}

/// A text column of an items file, with the name it gets in the item text. Without a
/// name, the column's header name or key is used (files without a header need one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextColumn {
    /// Where the values are.
    pub column: Column,
    /// Name shown in the item text (`genres: Comedy, Drama`).
    pub name: Option<String>,
}

impl<T: Into<Column>> From<T> for TextColumn {
    fn from(column: T) -> Self {
        TextColumn { column: column.into(), name: None }
    }
}

/// Accepts a string, a non-negative integer, or (with `with_name`) `{ column, name }`.
struct ColumnVisitor {
    with_name: bool,
}

impl<'de> Visitor<'de> for ColumnVisitor {
    type Value = TextColumn;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a column name or a 0-based column index")?;
        if self.with_name { f.write_str(", or { column = …, name = \"…\" }") } else { Ok(()) }
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<TextColumn, E> {
        Ok(Column::from(name).into())
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<TextColumn, E> {
        usize::try_from(index).map(|index| Column::Index(index).into()).map_err(E::custom)
    }

    fn visit_i64<E: de::Error>(self, index: i64) -> Result<TextColumn, E> {
        u64::try_from(index)
            .map_err(|_| E::custom(format!("column index {index} is negative (indexes are 0-based)")))
            .and_then(|index| self.visit_u64(index))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<TextColumn, A::Error> {
        if !self.with_name {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Named {
            column: Column,
            name: String,
        }
        let named = Named::deserialize(MapAccessDeserializer::new(map))?;
        Ok(TextColumn { column: named.column, name: Some(named.name) })
    }
}

impl<'de> Deserialize<'de> for Column {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(deserializer.deserialize_any(ColumnVisitor { with_name: false })?.column)
    }
}

impl<'de> Deserialize<'de> for TextColumn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ColumnVisitor { with_name: true })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Spec {
        user: Column,
        text: Vec<TextColumn>,
    }

    #[test]
    fn names_indexes_and_named_indexes() {
        let spec: Spec =
            toml::from_str("user = 0\ntext = [\"title\", 3, { column = 2, name = \"genres\" }]").unwrap();
        assert_eq!(spec.user, Column::Index(0));
        assert_eq!(
            spec.text,
            vec![
                TextColumn::from("title"),
                TextColumn::from(3),
                TextColumn { column: Column::Index(2), name: Some("genres".into()) }
            ]
        );
    }

    #[test]
    fn negative_indexes_and_named_plain_columns_are_rejected() {
        let err = toml::from_str::<Spec>("user = -1\ntext = []").unwrap_err();
        assert!(err.message().contains("column index -1 is negative"), "{err}");
        let err = toml::from_str::<Spec>("user = { column = 1, name = \"u\" }\ntext = []").unwrap_err();
        assert!(err.message().contains("a column name or a 0-based column index"), "{err}");
    }
}
