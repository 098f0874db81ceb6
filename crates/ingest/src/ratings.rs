//! User–item interactions from a delimited file with a column mapping.

use std::collections::HashMap;
use std::path::Path;

use crate::{Column, IngestError, Table, TableFormat};

/// Which columns of a ratings file hold what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingColumns {
    /// User identifier column.
    pub user: Column,
    /// Item identifier column (joined with the items file's id column).
    pub item: Column,
    /// Rating column; `None` for implicit feedback (every row counts as 1.0).
    pub rating: Option<Column>,
    /// Timestamp column (integer), if any.
    pub timestamp: Option<Column>,
    /// Skip (and count) rows whose user or item id is empty instead of failing.
    pub skip_missing_ids: bool,
}

/// One interaction with external ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Rating {
    /// External user id.
    pub user: String,
    /// External item id.
    pub item: String,
    /// Rating value (1.0 for implicit data).
    pub value: f32,
    /// Timestamp, if the file has one.
    pub timestamp: Option<i64>,
    /// Line it came from.
    pub line: usize,
}

/// The rows of a ratings file.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingsFile {
    /// Parsed interactions.
    pub ratings: Vec<Rating>,
    /// Rows skipped for an empty user or item id (only with `skip_missing_ids`).
    pub skipped_missing_ids: usize,
}

/// Reads every row of a ratings file. Unparsable ratings or timestamps are errors naming
/// the line and field; a missing (empty) rating is an error too, because silently
/// treating it as any value would change the data. Empty ids are errors unless
/// `skip_missing_ids` is set, in which case they are counted.
pub fn read_ratings(
    path: &Path,
    format: &TableFormat,
    columns: &RatingColumns,
) -> Result<RatingsFile, IngestError> {
    let table = Table::read(path, format)?;
    let user = table.column(&columns.user)?;
    let item = table.column(&columns.item)?;
    let rating = columns.rating.as_ref().map(|c| table.column(c)).transpose()?;
    let timestamp = columns.timestamp.as_ref().map(|c| table.column(c)).transpose()?;
    let mut out = Vec::with_capacity(table.records().size_hint().0);
    let mut skipped_missing_ids = 0;
    for (line, record) in table.records() {
        let field = |index: usize| record.get(index).unwrap_or("").trim();
        if columns.skip_missing_ids && (field(user).is_empty() || field(item).is_empty()) {
            skipped_missing_ids += 1;
            continue;
        }
        let id = |index: usize| -> Result<String, IngestError> {
            match field(index) {
                "" => Err(table.error(line, index, "empty id")),
                value => Ok(value.to_owned()),
            }
        };
        let value = match rating {
            None => 1.0,
            Some(index) => field(index).parse::<f32>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                table.error(line, index, format!("rating {:?} is not a number", field(index)))
            })?,
        };
        let timestamp = match timestamp {
            None => None,
            Some(index) if field(index).is_empty() => None,
            Some(index) => Some(field(index).parse::<i64>().map_err(|_| {
                table.error(line, index, format!("timestamp {:?} is not an integer", field(index)))
            })?),
        };
        out.push(Rating { user: id(user)?, item: id(item)?, value, timestamp, line });
    }
    if out.is_empty() {
        return Err(IngestError::Empty(path.display().to_string()));
    }
    Ok(RatingsFile { ratings: out, skipped_missing_ids })
}

/// Dense ids (`0..n`) for external ids, in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct IdMap {
    index: HashMap<String, u32>,
    names: Vec<String>,
}

impl IdMap {
    /// The dense id of `name`, assigning the next one if new.
    pub fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.index.insert(name.to_owned(), id);
        self.names.push(name.to_owned());
        id
    }

    /// The dense id of `name`, if known.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// External names by dense id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of ids.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no id was assigned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns(rating: bool) -> RatingColumns {
        RatingColumns {
            user: "userId".into(),
            item: "movieId".into(),
            rating: rating.then(|| "rating".into()),
            timestamp: Some("timestamp".into()),
            skip_missing_ids: false,
        }
    }

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ratings.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn explicit_and_implicit_rows() {
        let (_d, path) = write("userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n2,31,4,\n");
        let rows = read_ratings(&path, &TableFormat::default(), &columns(true)).unwrap().ratings;
        assert_eq!(
            rows[0],
            Rating { user: "1".into(), item: "31".into(), value: 2.5, timestamp: Some(1260759144), line: 2 }
        );
        assert_eq!((rows[1].value, rows[1].timestamp), (4.0, None));
        let implicit = read_ratings(&path, &TableFormat::default(), &columns(false)).unwrap().ratings;
        assert!(implicit.iter().all(|r| r.value == 1.0));
    }

    #[test]
    fn malformed_fields_name_file_line_and_field() {
        let (_d, path) = write("userId,movieId,rating,timestamp\n1,31,2.5,1\n1,32,good,2\n");
        let err = read_ratings(&path, &TableFormat::default(), &columns(true)).unwrap_err().to_string();
        assert!(err.ends_with("ratings.csv:3: field 3: rating \"good\" is not a number"), "{err}");
        let (_d, path) = write("userId,movieId,rating,timestamp\n,31,2.5,1\n2,31,3,2\n");
        let err = read_ratings(&path, &TableFormat::default(), &columns(true)).unwrap_err().to_string();
        assert!(err.ends_with("ratings.csv:2: field 1: empty id"), "{err}");
        let skipping = RatingColumns { skip_missing_ids: true, ..columns(true) };
        let file = read_ratings(&path, &TableFormat::default(), &skipping).unwrap();
        assert_eq!(file.skipped_missing_ids, 1);
        let (_d, path) = write("userId,movieId,rating,timestamp\n");
        assert!(matches!(
            read_ratings(&path, &TableFormat::default(), &columns(true)),
            Err(IngestError::Empty(_))
        ));
    }

    #[test]
    fn id_map_is_dense_and_stable() {
        let mut ids = IdMap::default();
        assert_eq!([ids.intern("b"), ids.intern("a"), ids.intern("b")], [0, 1, 0]);
        assert_eq!(ids.names(), ["b", "a"]);
        assert_eq!(ids.get("c"), None);
    }
}
