//! A data set read from an items file and an interactions file without a description: the
//! syntax from the file name and the first line, the columns from their header names
//! (`id`, `title`/`name`, `description`/`summary`/`text`, `tags`/`categories`/`genres`,
//! `url`/`link`; `user`, `item`, `rating`, `timestamp`). A TOML description
//! ([`DatasetConfig::from_file`]) says the same explicitly and overrides all of it.

use std::path::Path;

use crate::dataset::DatasetConfig;
use crate::sections::{FileFormat, FileSection, FiltersSection, ItemsSection, RatingsSection, SplitSection};
use crate::{Column, IngestError, Syntax, Table, TableFormat, TextColumn};

/// Names recognised for each role, compared lower-case without spaces, `_` or `-`.
const ITEM_ID: &[&str] =
    &["id", "itemid", "item", "sku", "productid", "product", "slug", "movieid", "asin", "key"];
const TITLE: &[&str] = &["title", "name", "productname", "itemname", "label", "heading"];
const TEXT: &[&str] = &[
    "description",
    "summary",
    "text",
    "body",
    "content",
    "abstract",
    "overview",
    "details",
    "excerpt",
    "subtitle",
];
const LISTS: &[&str] = &[
    "tags",
    "tag",
    "categories",
    "category",
    "genres",
    "genre",
    "keywords",
    "topics",
    "authors",
    "author",
    "brand",
    "section",
];
const LINK: &[&str] = &["url", "link", "href", "permalink", "uri", "page", "homepage"];
const USER: &[&str] = &[
    "user",
    "userid",
    "customer",
    "customerid",
    "visitor",
    "visitorid",
    "session",
    "sessionid",
    "buyer",
    "member",
];
const INTERACTION_ITEM: &[&str] =
    &["item", "itemid", "product", "productid", "sku", "movieid", "asin", "id", "slug"];
const RATING: &[&str] = &["rating", "stars", "score", "grade"];
const TIMESTAMP: &[&str] = &["timestamp", "time", "ts", "unixtime", "epoch"];
/// Rows a column's values are sampled from (list separators, integer timestamps).
const SAMPLE_ROWS: usize = 200;

/// A column name as compared with the recognised names.
fn normalized(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The first column (by the order of `names`) whose name is one of `names`, and its name.
fn find(table: &Table, names: &[&str], taken: &[usize]) -> Option<(usize, String)> {
    let columns = table.column_names();
    names.iter().find_map(|wanted| {
        columns
            .iter()
            .enumerate()
            .find(|(i, c)| !taken.contains(i) && normalized(c) == *wanted)
            .map(|(i, c)| (i, c.clone()))
    })
}

/// A required column, or the error that names what was looked for.
fn require(
    table: &Table,
    names: &[&'static str],
    role: &'static str,
    taken: &[usize],
) -> Result<(usize, String), IngestError> {
    find(table, names, taken).ok_or_else(|| IngestError::UndetectedColumn {
        path: table.path().to_owned(),
        role,
        expected: names.to_vec(),
        available: table.column_names().to_vec(),
    })
}

/// How a file is stored: JSON Lines by its extension, else delimited text whose delimiter
/// is the most frequent of `,` `\t` `;` `|` on the first line (outside quotes).
fn file_section(path: &Path, encoding: &str) -> Result<FileSection, IngestError> {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let jsonl = matches!(extension.as_str(), "jsonl" | "ndjson");
    let delimiter = if jsonl {
        None
    } else {
        let bytes =
            std::fs::read(path).map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
        let first = bytes.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let mut quoted = false;
        let mut counts = [(b',', 0usize), (b'\t', 0), (b';', 0), (b'|', 0)];
        for &b in first {
            if b == b'"' {
                quoted = !quoted;
            } else if !quoted && let Some(count) = counts.iter_mut().find(|(d, _)| *d == b) {
                count.1 += 1;
            }
        }
        // Ties go to the earlier delimiter: a comma.
        let best = counts.iter().rev().max_by_key(|(_, n)| *n).map_or(b',', |(d, _)| *d);
        Some(if best == b'\t' { "\\t".to_owned() } else { (best as char).to_string() })
    };
    Ok(FileSection {
        file: path.to_owned(),
        format: if jsonl { FileFormat::Jsonl } else { FileFormat::Delimited },
        header: (!jsonl).then_some(true),
        delimiter,
        encoding: encoding.to_owned(),
    })
}

/// The table of a file read as `section` says.
fn read(section: &FileSection) -> Result<Table, IngestError> {
    let syntax = match (&section.format, section.delimiter.as_deref()) {
        (FileFormat::Jsonl, _) => Syntax::JsonLines,
        (FileFormat::Delimited, Some("\\t")) => Syntax::Delimited { delimiter: b'\t', header: true },
        (FileFormat::Delimited, d) => {
            Syntax::Delimited { delimiter: d.unwrap_or(",").as_bytes()[0], header: true }
        }
    };
    Table::read(&section.file, &TableFormat { syntax, encoding: section.encoding.clone() })
}

/// The separator of list values (`Comedy|Drama`, `a; b`) in the sampled rows of `columns`.
fn list_separator(table: &Table, columns: &[usize]) -> Option<String> {
    let values =
        table.records().take(SAMPLE_ROWS).flat_map(|(_, r)| columns.iter().filter_map(move |&c| r.get(c)));
    let (mut pipes, mut semicolons) = (0, 0);
    for value in values {
        pipes += usize::from(value.contains('|'));
        semicolons += usize::from(value.contains(';'));
    }
    match (pipes, semicolons) {
        (0, 0) => None,
        (p, s) if p >= s => Some("|".into()),
        _ => Some(";".into()),
    }
}

impl DatasetConfig {
    /// Reads the header lines of an items file and, if given, an interactions file, and
    /// describes the data set they hold; returns it with one line per file saying what was
    /// found (to print). Items need an id column; interactions a user and an item column.
    /// Without a rating column every interaction counts (implicit feedback).
    pub fn detect(
        items: &Path,
        interactions: Option<&Path>,
        encoding: &str,
    ) -> Result<(Self, Vec<String>), IngestError> {
        let mut found = Vec::new();
        let items_section = detect_items(items, encoding, &mut found)?;
        let ratings = match interactions {
            Some(path) => Some(detect_interactions(path, encoding, &mut found)?),
            None => None,
        };
        let config = DatasetConfig {
            ratings,
            items: Some(items_section),
            tags: None,
            filters: FiltersSection::default(),
            split: SplitSection::default(),
            base: Path::new("").to_owned(),
        };
        Ok((config, found))
    }
}

/// The items section of an items file, described in `found`.
fn detect_items(path: &Path, encoding: &str, found: &mut Vec<String>) -> Result<ItemsSection, IngestError> {
    let file = file_section(path, encoding)?;
    let table = read(&file)?;
    let (id, id_name) = require(&table, ITEM_ID, "item id", &[])?;
    let mut taken = vec![id];
    let (title, title_name) = match find(&table, TITLE, &taken) {
        Some(found) => found,
        None => (id, id_name.clone()),
    };
    taken.push(title);
    let url = find(&table, LINK, &taken);
    taken.extend(url.iter().map(|u| u.0));
    let mut text = Vec::new();
    let mut lists = Vec::new();
    for (names, is_list) in [(TEXT, false), (LISTS, true)] {
        while let Some((index, name)) = find(&table, names, &taken) {
            taken.push(index);
            text.push(TextColumn { column: Column::Name(name.clone()), name: Some(name.to_lowercase()) });
            if is_list {
                lists.push(index);
            }
        }
    }
    let separator = list_separator(&table, &lists);
    let ignored: Vec<&str> = table
        .column_names()
        .iter()
        .enumerate()
        .filter(|(i, _)| !taken.contains(i))
        .map(|(_, n)| n.as_str())
        .collect();
    let texts: Vec<String> = text.iter().map(|t| format!("{}", t.column)).collect();
    found.push(format!(
        "{}: {} items; id {id_name:?}, title {title_name:?}{}, text {}{}{}",
        path.display(),
        table.records().count(),
        url.as_ref().map(|(_, n)| format!(", link {n:?}")).unwrap_or_default(),
        if texts.is_empty() { "(title only)".to_owned() } else { texts.join(", ") },
        separator.as_ref().map(|s| format!(" (lists split at {s:?})")).unwrap_or_default(),
        if ignored.is_empty() { String::new() } else { format!("; not used: {}", ignored.join(", ")) },
    ));
    if title == id {
        found.push(format!("{}: no title or name column: items are shown by their id", path.display()));
    }
    Ok(ItemsSection {
        file,
        id: Column::Name(id_name),
        title: Column::Name(title_name),
        url: url.map(|(_, name)| Column::Name(name)),
        text,
        list_separator: separator,
        flags: None,
    })
}

/// The interactions section of an interactions file, described in `found`.
fn detect_interactions(
    path: &Path,
    encoding: &str,
    found: &mut Vec<String>,
) -> Result<RatingsSection, IngestError> {
    let file = file_section(path, encoding)?;
    let table = read(&file)?;
    let (user, user_name) = require(&table, USER, "user", &[])?;
    let (item, item_name) = require(&table, INTERACTION_ITEM, "item", &[user])?;
    let rating = find(&table, RATING, &[user, item]);
    // Timestamps break ties between repeated pairs; a column of dates is not used.
    let timestamp = find(&table, TIMESTAMP, &[user, item]).filter(|(index, _)| {
        table
            .records()
            .take(SAMPLE_ROWS)
            .all(|(_, r)| r.get(*index).is_some_and(|v| v.trim().parse::<i64>().is_ok()))
    });
    found.push(format!(
        "{}: {} interactions; user {user_name:?}, item {item_name:?}, {}{}",
        path.display(),
        table.records().count(),
        match &rating {
            Some((_, name)) => format!("rating {name:?}"),
            None => "no rating column (every row counts: implicit feedback)".to_owned(),
        },
        timestamp.as_ref().map(|(_, n)| format!(", timestamp {n:?}")).unwrap_or_default(),
    ));
    Ok(RatingsSection {
        file,
        user: Column::Name(user_name),
        item: Column::Name(item_name),
        rating: rating.map(|(_, name)| Column::Name(name)),
        timestamp: timestamp.map(|(_, name)| Column::Name(name)),
        skip_missing_ids: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &[u8]) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_shop_without_ratings_keeps_every_purchase() {
        let dir = tempfile::tempdir().unwrap();
        let items = write(
            dir.path(),
            "items.csv",
            b"ID,Name,Description,Tags,URL,price\n1,Dune,A desert planet,sf|classic,https://shop.example/dune,9\n\
              2,Emma,A matchmaker,romance|classic,/emma,7\n3,Solaris,An ocean planet,sf,javascript:alert(1),8\n",
        );
        let purchases = write(
            dir.path(),
            "purchases.csv",
            b"customer_id;sku;date\na;1;2024-01-02\na;2;2024-01-03\nb;1;2024-02-01\nb;3;2024-02-02\n",
        );
        let (config, found) = DatasetConfig::detect(&items, Some(&purchases), "utf-8").unwrap();
        assert!(found[0].contains("id \"ID\", title \"Name\", link \"URL\", text \"Description\", \"Tags\" (lists split at \"|\"); not used: price"), "{found:?}");
        assert!(found[1].contains("no rating column"), "{found:?}");
        let data = config.load().unwrap();
        assert_eq!(data.items.len(), 3);
        assert_eq!(data.items[0].text(), "Dune. description: A desert planet. tags: sf, classic");
        assert_eq!(data.items[1].url.as_deref(), Some("/emma"));
        assert_eq!(data.items[2].url, None);
        assert!(
            data.warnings.iter().any(|w| w.contains("1 link(s) left out") && w.contains("line 4")),
            "{:?}",
            data.warnings
        );
        let kept: usize =
            data.split.train.iter().chain(&data.split.valid).chain(&data.split.test).map(Vec::len).sum();
        assert_eq!((data.users.len(), kept), (2, 4), "every purchase is kept");
    }

    #[test]
    fn a_catalogue_without_interactions_and_json_lines_items() {
        let dir = tempfile::tempdir().unwrap();
        let items = write(
            dir.path(),
            "pages.jsonl",
            b"{\"slug\": \"intro\", \"title\": \"Intro\", \"summary\": \"Start here\"}\n",
        );
        let (config, _) = DatasetConfig::detect(&items, None, "utf-8").unwrap();
        assert!(!config.has_interactions());
        let data = config.load().unwrap();
        assert_eq!((data.items.len(), data.users.len()), (1, 0));
        assert_eq!(data.items[0].text(), "Intro. summary: Start here");
    }

    #[test]
    fn missing_columns_and_other_encodings_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let items = write(dir.path(), "items.csv", b"code,title\n1,A\n");
        let error = DatasetConfig::detect(&items, None, "utf-8").unwrap_err().to_string();
        assert!(
            error.contains("items.csv: no item id column: expected a column named one of id, itemid")
                && error.contains("(columns: code, title)"),
            "{error}"
        );
        let latin = write(dir.path(), "latin.csv", b"id,title\n1,Caf\xe9\n");
        let error = DatasetConfig::detect(&latin, None, "utf-8").unwrap_err().to_string();
        assert!(
            error.ends_with("latin.csv:2: not valid UTF-8 (set the file's encoding, e.g. latin-1)"),
            "{error}"
        );
        let (config, _) = DatasetConfig::detect(&latin, None, "latin-1").unwrap();
        assert_eq!(config.load().unwrap().items[0].title, "Café");
        let events = write(dir.path(), "events.csv", b"who,what\na,1\n");
        let error = DatasetConfig::detect(&latin, Some(&events), "latin-1").unwrap_err().to_string();
        assert!(error.contains("events.csv: no user column"), "{error}");
    }

    #[test]
    fn duplicate_ids_and_unknown_items_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let items = write(dir.path(), "items.csv", b"id,title\n1,A\n2,B\n1,C\n");
        let (config, _) = DatasetConfig::detect(&items, None, "utf-8").unwrap();
        let error = config.load().unwrap_err().to_string();
        assert!(error.ends_with("items.csv:4: field 1: item id \"1\" already defined on line 2"), "{error}");
        let items = write(dir.path(), "items2.csv", b"id,title\n1,A\n2,B\n");
        let events = write(dir.path(), "events.csv", b"user,item,rating\na,1,5\na,9,4\nb,2,3\n");
        let (config, _) = DatasetConfig::detect(&items, Some(&events), "utf-8").unwrap();
        let data = config.load().unwrap();
        assert!(
            data.warnings
                .iter()
                .any(|w| w.contains("1 interaction(s) name an item") && w.contains("line 3: \"9\"")),
            "{:?}",
            data.warnings
        );
        assert!(data.report.stages.iter().any(|s| s.stage == "ratings of unknown items" && s.removed == 1));
    }
}
