//! Tabular files in any encoding: delimited text (CSV, TSV, `::`-separated, with or
//! without a header line) and JSON Lines, with columns by name, key or index.

use std::path::{Path, PathBuf};

use crate::records::{ColumnNames, Records};
use crate::{Column, Field, IngestError, delimited, json_lines};

/// How a file's lines become fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Syntax {
    /// Fields separated by one byte (`,`, `\t`, `|`), with CSV quoting (`"a, b"`).
    Delimited {
        /// The separator.
        delimiter: u8,
        /// Whether the first line names the columns.
        header: bool,
    },
    /// Fields separated by a longer string such as `::`: one record per line, no quoting.
    Separated {
        /// The separator.
        separator: String,
        /// Whether the first line names the columns.
        header: bool,
    },
    /// One JSON object per line; columns are its keys.
    JsonLines,
}

/// How to read a tabular file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFormat {
    /// How lines are split into fields.
    pub syntax: Syntax,
    /// WHATWG encoding label (`utf-8`, `latin-1`, `windows-1252`, …).
    pub encoding: String,
}

impl Default for TableFormat {
    fn default() -> Self {
        Self { syntax: Syntax::Delimited { delimiter: b',', header: true }, encoding: "utf-8".into() }
    }
}

/// Column names plus records, each with its 1-based line number in the file. Every
/// record has the same number of fields (JSON Lines: an empty value for a missing key).
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    names: ColumnNames,
    records: Records,
}

impl Table {
    /// Reads and decodes a whole file. Quoted fields (one-byte delimiters) may hold
    /// separators and newlines; rows with a different field count and lines that are not
    /// JSON objects are errors naming the line.
    pub fn read(path: &Path, format: &TableFormat) -> Result<Self, IngestError> {
        let text = decode(path, &format.encoding)?;
        let (names, records) = match &format.syntax {
            Syntax::Delimited { delimiter, header } => delimited::read_csv(path, &text, *delimiter, *header)?,
            Syntax::Separated { separator, header } => {
                delimited::read_separated(path, &text, separator, *header)?
            }
            Syntax::JsonLines => json_lines::read(path, &text)?,
        };
        Ok(Self { path: path.to_owned(), names, records })
    }

    /// The file this table came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Position of a column in the records: a name must be in the header (or, for JSON
    /// Lines, a key of some line); an index must be within the lines' width.
    pub fn column(&self, column: &Column) -> Result<usize, IngestError> {
        match (column, &self.names) {
            (Column::Name(name), ColumnNames::Header(names) | ColumnNames::Keys(names)) => {
                names.iter().position(|n| n == name).ok_or_else(|| IngestError::MissingColumn {
                    path: self.path.clone(),
                    column: name.clone(),
                    available: names.clone(),
                })
            }
            (Column::Name(name), ColumnNames::Unnamed) => {
                Err(IngestError::NoHeader { path: self.path.clone(), column: name.clone() })
            }
            (Column::Index(index), ColumnNames::Keys(_)) => {
                Err(IngestError::IndexedJsonField { path: self.path.clone(), index: *index })
            }
            (Column::Index(index), _) => match self.records.first() {
                Some((line, record)) if *index >= record.len() => Err(IngestError::ColumnOutOfRange {
                    path: self.path.clone(),
                    line: *line,
                    index: *index,
                    fields: record.len(),
                }),
                _ => Ok(*index),
            },
        }
    }

    /// The header name or key of the column at `index`, if the file names its columns.
    pub fn column_name(&self, index: usize) -> Option<&str> {
        match &self.names {
            ColumnNames::Header(names) | ColumnNames::Keys(names) => names.get(index).map(String::as_str),
            ColumnNames::Unnamed => None,
        }
    }

    /// The header names or keys of the columns, in order (none without a header line).
    pub fn column_names(&self) -> &[String] {
        match &self.names {
            ColumnNames::Header(names) | ColumnNames::Keys(names) => names,
            ColumnNames::Unnamed => &[],
        }
    }

    /// `(line, record)` pairs in file order.
    pub fn records(&self) -> impl Iterator<Item = (usize, &csv::StringRecord)> {
        self.records.iter().map(|(line, record)| (*line, record))
    }

    /// A parse error at `line` in the column at `index` (reported as a 1-based field
    /// number, or as the key for JSON Lines).
    pub fn error(&self, line: usize, index: usize, message: impl Into<String>) -> IngestError {
        let field = match &self.names {
            ColumnNames::Keys(keys) if index < keys.len() => Field::Key(keys[index].clone()),
            _ => Field::Number(index + 1),
        };
        IngestError::Parse { path: self.path.clone(), line, field, message: message.into() }
    }
}

/// The whole file as text in the given encoding; invalid bytes name the first bad line.
fn decode(path: &Path, label: &str) -> Result<String, IngestError> {
    let bytes = std::fs::read(path).map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
    // WHATWG labels, plus the common spelling "latin-1" (WHATWG: "latin1").
    let whatwg = label.trim().to_ascii_lowercase().replace("latin-1", "latin1").replace("latin_1", "latin1");
    let encoding = encoding_rs::Encoding::for_label(whatwg.as_bytes())
        .ok_or_else(|| IngestError::UnknownEncoding(label.to_owned()))?;
    let (text, _, had_errors) = encoding.decode(&bytes);
    if had_errors {
        let line = 1 + bytes
            .split(|&b| b == b'\n')
            .position(|l| encoding.decode_without_bom_handling_and_without_replacement(l).is_none())
            .unwrap_or(0);
        return Err(IngestError::Encoding { path: path.to_owned(), line, encoding: encoding.name().into() });
    }
    Ok(text.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    #[test]
    fn quoted_fields_keep_separators_and_lines_are_counted() {
        let (_d, path) = write(b"id,title\n1,\"Heat, 1995\"\n2,\"Two\nlines\"\n3,x\n");
        let table = Table::read(&path, &TableFormat::default()).unwrap();
        let rows: Vec<(usize, String)> = table.records().map(|(l, r)| (l, r[1].to_owned())).collect();
        assert_eq!(rows, vec![(2, "Heat, 1995".into()), (3, "Two\nlines".into()), (5, "x".into())]);
    }

    fn tsv(encoding: &str) -> TableFormat {
        TableFormat {
            syntax: Syntax::Delimited { delimiter: b'\t', header: true },
            encoding: encoding.into(),
        }
    }

    #[test]
    fn latin1_is_decoded_and_bad_utf8_names_the_line() {
        let (_d, path) = write(b"id\tname\n1\tCaf\xe9\n");
        let table = Table::read(&path, &tsv("latin-1")).unwrap();
        assert_eq!(&table.records().next().unwrap().1[1], "Café");
        let err = Table::read(&path, &tsv("utf-8")).unwrap_err();
        assert!(
            err.to_string().ends_with("t.csv:2: not valid UTF-8 (set the file's encoding, e.g. latin-1)"),
            "{err}"
        );
    }

    #[test]
    fn ragged_rows_missing_columns_and_unknown_encodings_are_errors() {
        let (_d, path) = write(b"a,b\n1,2\n3\n");
        let err = Table::read(&path, &TableFormat::default()).unwrap_err();
        assert!(matches!(err, IngestError::FieldCount { line: 3, expected: 2, found: 1, .. }), "{err:?}");
        let (_d, path) = write(b"a,b\n1,2\n");
        let table = Table::read(&path, &TableFormat::default()).unwrap();
        assert_eq!(table.column(&"b".into()).unwrap(), 1);
        assert_eq!(table.column(&1.into()).unwrap(), 1);
        assert_eq!(
            table.column(&"rating".into()).unwrap_err().to_string(),
            format!("{}: no column \"rating\" (columns: a, b)", path.display())
        );
        let err = Table::read(&path, &TableFormat { encoding: "klingon".into(), ..Default::default() })
            .unwrap_err();
        assert!(err.to_string().contains("unknown encoding \"klingon\""));
    }

    #[test]
    fn headerless_columns_are_indexes_within_the_first_line() {
        let (_d, path) = write(b"1\t31\t2.5\n2\t31\t4\n");
        let format =
            TableFormat { syntax: Syntax::Delimited { delimiter: b'\t', header: false }, ..tsv("utf-8") };
        let table = Table::read(&path, &format).unwrap();
        assert_eq!(table.records().map(|(line, _)| line).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(table.column(&2.into()).unwrap(), 2);
        assert_eq!(table.column_name(2), None);
        let err = table.column(&3.into()).unwrap_err();
        assert!(
            matches!(&err, IngestError::ColumnOutOfRange { path: p, line: 1, index: 3, fields: 3 } if *p == path),
            "{err:?}"
        );
        let err = table.column(&"rating".into()).unwrap_err();
        assert!(matches!(&err, IngestError::NoHeader { column, .. } if column == "rating"), "{err:?}");
    }

    #[test]
    fn json_lines_columns_are_keys_and_errors_name_them() {
        let (_d, path) = write(b"{\"asin\": \"B1\", \"overall\": 5.0}\n{\"asin\": \"B2\"}\n");
        let table =
            Table::read(&path, &TableFormat { syntax: Syntax::JsonLines, encoding: "utf-8".into() }).unwrap();
        let overall = table.column(&"overall".into()).unwrap();
        assert_eq!(table.column_name(overall), Some("overall"));
        let err = table.error(2, overall, "missing");
        assert!(
            matches!(&err, IngestError::Parse { line: 2, field: Field::Key(key), .. } if key == "overall"),
            "{err:?}"
        );
        assert!(err.to_string().ends_with("t.csv:2: field \"overall\": missing"), "{err}");
        assert!(matches!(table.column(&0.into()), Err(IngestError::IndexedJsonField { index: 0, .. })));
    }
}
