//! Item metadata (id, title, text fields) and free-text tags.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use crate::link::{LinkProblem, checked_link};
use crate::{Column, IngestError, Table, TableFormat, TextColumn};

/// Which columns of an items file hold what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemColumns {
    /// Item identifier column (matches the ratings file's item column).
    pub id: Column,
    /// Title column.
    pub title: Column,
    /// Further text columns (description, genres, authors, …), in the order used for text.
    pub text: Vec<TextColumn>,
    /// Separator inside list-valued fields such as `Adventure|Comedy` (shown as `, `).
    pub list_separator: Option<String>,
    /// 0/1 columns whose names make one more text field (after `text`).
    pub flags: Option<FlagColumns>,
    /// The column of each item's link (an `http(s)` or relative URL), if any.
    pub url: Option<Column>,
}

/// 0/1 columns (such as MovieLens 100K's 19 genre columns) turned into one text field
/// listing the names of the columns that are 1 on a line.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagColumns {
    /// Name of the text field (`genres`).
    pub field: String,
    /// The flag columns, each named by its header or its `name`.
    pub columns: Vec<TextColumn>,
}

/// Which columns of a tags file hold what (one tag per row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagColumns {
    /// Item identifier column.
    pub item: Column,
    /// Tag text column.
    pub tag: Column,
}

/// One catalogue item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// External id.
    pub id: String,
    /// Display title.
    pub title: String,
    /// Named text fields (empty values omitted).
    pub fields: Vec<(String, String)>,
    /// Link to the item's page (`http(s)` or relative), if the catalogue has one.
    pub url: Option<String>,
}

impl Item {
    /// The text fed to the sentence encoder: `title. field: value. …`.
    pub fn text(&self) -> String {
        let mut text = self.title.clone();
        for (name, value) in &self.fields {
            text.push_str(&format!(". {name}: {value}"));
        }
        text
    }
}

/// A link that was left out (the item is kept, without it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedLink {
    /// The line of the items file.
    pub line: usize,
    /// The value as written.
    pub url: String,
    /// Why it is not a link.
    pub problem: LinkProblem,
}

/// The items of an items file and the links that were left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemsFile {
    /// The items, in file order.
    pub items: Vec<Item>,
    /// Values of the link column that are not `http(s)` or relative URLs.
    pub skipped_links: Vec<SkippedLink>,
}

/// Reads the items file. A repeated item id is an error naming both lines, and so is a
/// flag value other than 0 or 1; missing titles or text values are allowed (empty text
/// fields are left out). A link that is not an `http(s)` or relative URL is left out and
/// counted (the item is kept).
pub fn read_items(
    path: &Path,
    format: &TableFormat,
    columns: &ItemColumns,
) -> Result<ItemsFile, IngestError> {
    let table = Table::read(path, format)?;
    let id = table.column(&columns.id)?;
    let title = table.column(&columns.title)?;
    let url = columns.url.as_ref().map(|c| table.column(c)).transpose()?;
    let mut skipped_links = Vec::new();
    let text: Vec<(String, usize)> =
        columns.text.iter().map(|c| named_column(&table, c)).collect::<Result<_, _>>()?;
    let flags = match &columns.flags {
        Some(flags) => {
            let named: Vec<(String, usize)> =
                flags.columns.iter().map(|c| named_column(&table, c)).collect::<Result<_, _>>()?;
            Some((flags.field.as_str(), named))
        }
        None => None,
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut items = Vec::new();
    for (line, record) in table.records() {
        let field = |index: usize| record.get(index).unwrap_or("").trim();
        let item_id = field(id);
        if item_id.is_empty() {
            return Err(table.error(line, id, "empty item id"));
        }
        if let Some(first) = seen.insert(item_id.to_owned(), line) {
            return Err(table.error(
                line,
                id,
                format!("item id {item_id:?} already defined on line {first}"),
            ));
        }
        let mut fields: Vec<(String, String)> = text
            .iter()
            .filter(|(_, index)| !field(*index).is_empty() && field(*index) != "(no genres listed)")
            .map(|(name, index)| {
                let value = match &columns.list_separator {
                    Some(sep) => {
                        field(*index).split(sep.as_str()).map(str::trim).collect::<Vec<_>>().join(", ")
                    }
                    None => field(*index).to_owned(),
                };
                (name.clone(), value)
            })
            .collect();
        if let Some((name, flags)) = &flags {
            let raised = raised_flags(&table, line, record, flags)?;
            if !raised.is_empty() {
                fields.push(((*name).to_owned(), raised.join(", ")));
            }
        }
        let link = match url.map(|index| (field(index), checked_link(field(index)))) {
            None | Some((_, Ok(None))) => None,
            Some((_, Ok(Some(link)))) => Some(link),
            Some((raw, Err(problem))) => {
                skipped_links.push(SkippedLink { line, url: raw.to_owned(), problem });
                None
            }
        };
        items.push(Item { id: item_id.to_owned(), title: field(title).to_owned(), fields, url: link });
    }
    Ok(ItemsFile { items, skipped_links })
}

/// The name and position of a text or flag column: its own name, else its header name
/// or key; a column of a file without a header needs its own name.
fn named_column(table: &Table, column: &TextColumn) -> Result<(String, usize), IngestError> {
    let index = table.column(&column.column)?;
    let name = match (column.name.as_deref(), table.column_name(index)) {
        (Some(name), _) | (None, Some(name)) => name.to_owned(),
        (None, None) => {
            return Err(IngestError::UnnamedColumn { path: table.path().to_owned(), index });
        }
    };
    Ok((name, index))
}

/// Names of the flag columns that are `1` on a record; a value other than `0` or `1` is
/// an error naming the line and field.
fn raised_flags<'f>(
    table: &Table,
    line: usize,
    record: &csv::StringRecord,
    flags: &'f [(String, usize)],
) -> Result<Vec<&'f str>, IngestError> {
    let mut raised = Vec::new();
    for (name, index) in flags {
        match record.get(*index).unwrap_or("").trim() {
            "1" => raised.push(name.as_str()),
            "0" => {}
            value => return Err(table.error(line, *index, format!("flag {value:?} is not 0 or 1"))),
        }
    }
    Ok(raised)
}

/// Reads a tags file into `item id → distinct tags` (case-insensitively distinct, first
/// spelling kept, file order).
pub fn read_tags(
    path: &Path,
    format: &TableFormat,
    columns: &TagColumns,
) -> Result<HashMap<String, Vec<String>>, IngestError> {
    let table = Table::read(path, format)?;
    let item = table.column(&columns.item)?;
    let tag = table.column(&columns.tag)?;
    let mut tags: HashMap<String, Vec<String>> = HashMap::new();
    for (_, record) in table.records() {
        let (item_id, text) = (record.get(item).unwrap_or("").trim(), record.get(tag).unwrap_or("").trim());
        if item_id.is_empty() || text.is_empty() {
            continue;
        }
        let list = tags.entry(item_id.to_owned()).or_default();
        if !list.iter().any(|t| t.eq_ignore_ascii_case(text)) {
            list.push(text.to_owned());
        }
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn movie_columns() -> ItemColumns {
        ItemColumns {
            id: "movieId".into(),
            title: "title".into(),
            text: vec!["genres".into()],
            list_separator: Some("|".into()),
            flags: None,
            url: None,
        }
    }

    #[test]
    fn items_with_lists_and_quoted_titles() {
        let (_d, path) = write(
            "movies.csv",
            "movieId,title,genres\n1,\"American President, The (1995)\",Comedy|Drama|Romance\n2,Nothing,(no genres listed)\n",
        );
        let items = read_items(&path, &TableFormat::default(), &movie_columns()).unwrap().items;
        assert_eq!(items[0].text(), "American President, The (1995). genres: Comedy, Drama, Romance");
        assert_eq!(items[1].text(), "Nothing");
    }

    #[test]
    fn repeated_item_ids_name_both_lines() {
        let (_d, path) = write("movies.csv", "movieId,title,genres\n1,A,Comedy\n1,B,Drama\n");
        let err = read_items(&path, &TableFormat::default(), &movie_columns()).unwrap_err().to_string();
        assert!(err.ends_with("movies.csv:3: field 1: item id \"1\" already defined on line 2"), "{err}");
    }

    #[test]
    fn links_are_kept_or_left_out_and_counted() {
        let (_d, path) =
            write("items.csv", "id,title,url\n1,A,https://a.org/1\n2,B,javascript:alert(1)\n3,C,/c\n4,D,\n");
        let columns = ItemColumns { url: Some("url".into()), ..movie_columns() };
        let columns = ItemColumns { id: "id".into(), text: Vec::new(), list_separator: None, ..columns };
        let file = read_items(&path, &TableFormat::default(), &columns).unwrap();
        let links: Vec<Option<&str>> = file.items.iter().map(|i| i.url.as_deref()).collect();
        assert_eq!(links, [Some("https://a.org/1"), None, Some("/c"), None]);
        assert_eq!(file.skipped_links.len(), 1);
        let skipped = &file.skipped_links[0];
        assert_eq!((skipped.line, skipped.url.as_str()), (3, "javascript:alert(1)"));
        assert_eq!(skipped.problem.to_string(), "scheme javascript: is not http(s) or relative");
    }

    #[test]
    fn flag_columns_list_the_names_of_those_set() {
        let (_d, path) = write("films.csv", "id,title,Action,Comedy,Drama\n1,Heat,1,0,1\n2,Up,0,0,0\n");
        let columns = ItemColumns {
            id: "id".into(),
            title: "title".into(),
            text: Vec::new(),
            list_separator: None,
            flags: Some(FlagColumns {
                field: "genres".into(),
                columns: vec![
                    "Action".into(),
                    "Comedy".into(),
                    TextColumn { column: Column::Index(4), name: Some("drama".into()) },
                ],
            }),
            url: None,
        };
        let items = read_items(&path, &TableFormat::default(), &columns).unwrap().items;
        assert_eq!(items[0].text(), "Heat. genres: Action, drama");
        assert_eq!(items[1].text(), "Up");
    }

    #[test]
    fn tags_are_grouped_and_deduplicated() {
        let (_d, path) = write(
            "tags.csv",
            "userId,movieId,tag,timestamp\n1,10,Pixar,1\n2,10,pixar,2\n2,10,funny,3\n3,11,,4\n",
        );
        let tags = read_tags(
            &path,
            &TableFormat::default(),
            &TagColumns { item: "movieId".into(), tag: "tag".into() },
        )
        .unwrap();
        assert_eq!(tags["10"], vec!["Pixar", "funny"]);
        assert!(!tags.contains_key("11"));
    }
}
