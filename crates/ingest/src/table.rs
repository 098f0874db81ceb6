//! Delimited text files (CSV, TSV, …) in any encoding, with named columns.

use std::path::{Path, PathBuf};

use crate::IngestError;

/// How to read a delimited file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFormat {
    /// Field separator (`,` for CSV, `\t` for TSV).
    pub delimiter: u8,
    /// WHATWG encoding label (`utf-8`, `latin-1`, `windows-1252`, …).
    pub encoding: String,
}

impl Default for TableFormat {
    fn default() -> Self {
        Self { delimiter: b',', encoding: "utf-8".into() }
    }
}

/// A header plus records, each with its 1-based line number in the file.
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    headers: Vec<String>,
    records: Vec<(usize, csv::StringRecord)>,
}

impl Table {
    /// Reads and decodes a whole file. Quoted fields may hold separators and newlines;
    /// rows with a different field count are an error naming the line.
    pub fn read(path: &Path, format: &TableFormat) -> Result<Self, IngestError> {
        let bytes =
            std::fs::read(path).map_err(|source| IngestError::Io { path: path.to_owned(), source })?;
        // WHATWG labels, plus the common spelling "latin-1" (WHATWG: "latin1").
        let label = format
            .encoding
            .trim()
            .to_ascii_lowercase()
            .replace("latin-1", "latin1")
            .replace("latin_1", "latin1");
        let encoding = encoding_rs::Encoding::for_label(label.as_bytes())
            .ok_or_else(|| IngestError::UnknownEncoding(format.encoding.clone()))?;
        let (text, _, had_errors) = encoding.decode(&bytes);
        if had_errors {
            let line = 1 + bytes
                .split(|&b| b == b'\n')
                .position(|l| encoding.decode_without_bom_handling_and_without_replacement(l).is_none())
                .unwrap_or(0);
            return Err(IngestError::Encoding {
                path: path.to_owned(),
                line,
                encoding: encoding.name().into(),
            });
        }
        let mut reader = csv::ReaderBuilder::new().delimiter(format.delimiter).from_reader(text.as_bytes());
        let parse_error = |e: csv::Error| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            IngestError::Parse { path: path.to_owned(), line, field: 0, message: e.to_string() }
        };
        let headers = reader.headers().map_err(parse_error)?.iter().map(|h| h.trim().to_owned()).collect();
        let mut records = Vec::new();
        for record in reader.records() {
            let record = record.map_err(parse_error)?;
            let line = record.position().map_or(0, |p| p.line() as usize);
            records.push((line, record));
        }
        Ok(Self { path: path.to_owned(), headers, records })
    }

    /// The file this table came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Index of a named column, or a [`IngestError::MissingColumn`].
    pub fn column(&self, name: &str) -> Result<usize, IngestError> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| IngestError::MissingColumn {
            path: self.path.clone(),
            column: name.to_owned(),
            available: self.headers.clone(),
        })
    }

    /// `(line, record)` pairs in file order.
    pub fn records(&self) -> impl Iterator<Item = (usize, &csv::StringRecord)> {
        self.records.iter().map(|(line, record)| (*line, record))
    }

    /// A parse error at `line`, field index `column` (0-based; reported 1-based).
    pub fn error(&self, line: usize, column: usize, message: impl Into<String>) -> IngestError {
        IngestError::Parse { path: self.path.clone(), line, field: column + 1, message: message.into() }
    }
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

    #[test]
    fn latin1_is_decoded_and_bad_utf8_names_the_line() {
        let (_d, path) = write(b"id\tname\n1\tCaf\xe9\n");
        let latin1 = TableFormat { delimiter: b'\t', encoding: "latin-1".into() };
        let table = Table::read(&path, &latin1).unwrap();
        assert_eq!(&table.records().next().unwrap().1[1], "Café");
        let err = Table::read(&path, &TableFormat { delimiter: b'\t', ..Default::default() }).unwrap_err();
        assert!(
            err.to_string().ends_with("t.csv:2: not valid UTF-8 (set the file's encoding, e.g. latin-1)"),
            "{err}"
        );
    }

    #[test]
    fn ragged_rows_missing_columns_and_unknown_encodings_are_errors() {
        let (_d, path) = write(b"a,b\n1,2\n3\n");
        let err = Table::read(&path, &TableFormat::default()).unwrap_err();
        assert!(err.to_string().contains("t.csv:3"), "{err}");
        let (_d, path) = write(b"a,b\n1,2\n");
        let table = Table::read(&path, &TableFormat::default()).unwrap();
        assert_eq!(table.column("b").unwrap(), 1);
        assert!(
            table
                .column("rating")
                .unwrap_err()
                .to_string()
                .contains("no column \"rating\" in the header (columns: a, b)")
        );
        let err = Table::read(&path, &TableFormat { encoding: "klingon".into(), ..Default::default() })
            .unwrap_err();
        assert!(err.to_string().contains("unknown encoding \"klingon\""));
    }
}
