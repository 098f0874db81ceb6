//! Delimited text: one-byte delimiters through the `csv` crate (with quoting), longer
//! separators such as MovieLens 1M's `::` by splitting each line.

use std::path::Path;

use csv::StringRecord;

use crate::records::{ColumnNames, Records};
use crate::{Field, IngestError};

/// Reads CSV-like text with a one-byte delimiter; a row whose field count differs from
/// the header's (or the first row's) is a [`IngestError::FieldCount`].
pub(crate) fn read_csv(
    path: &Path,
    text: &str,
    delimiter: u8,
    header: bool,
) -> Result<(ColumnNames, Records), IngestError> {
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(header).from_reader(text.as_bytes());
    let csv_error = |e: csv::Error| {
        let line = e.position().map_or(0, |p| p.line() as usize);
        match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => IngestError::FieldCount {
                path: path.to_owned(),
                line,
                expected: *expected_len as usize,
                found: *len as usize,
            },
            _ => IngestError::Parse {
                path: path.to_owned(),
                line,
                field: Field::Number(0),
                message: e.to_string(),
            },
        }
    };
    let names = if header {
        ColumnNames::Header(
            reader.headers().map_err(csv_error)?.iter().map(|h| h.trim().to_owned()).collect(),
        )
    } else {
        ColumnNames::Unnamed
    };
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.map_err(csv_error)?;
        records.push((record.position().map_or(0, |p| p.line() as usize), record));
    }
    Ok((names, records))
}

/// Reads text whose fields are separated by `separator` (any length), one record per
/// line, without quoting; empty lines are skipped. A line with a different field count
/// than the header (or the first record) is a [`IngestError::FieldCount`].
pub(crate) fn read_separated(
    path: &Path,
    text: &str,
    separator: &str,
    header: bool,
) -> Result<(ColumnNames, Records), IngestError> {
    let mut lines =
        text.lines().enumerate().map(|(index, line)| (index + 1, line)).filter(|(_, l)| !l.is_empty());
    let mut names = ColumnNames::Unnamed;
    let mut expected = None;
    if header && let Some((_, line)) = lines.next() {
        let header: Vec<String> = line.split(separator).map(|name| name.trim().to_owned()).collect();
        expected = Some(header.len());
        names = ColumnNames::Header(header);
    }
    let mut records = Vec::new();
    for (line, text) in lines {
        let record: StringRecord = text.split(separator).collect();
        let expected = *expected.get_or_insert(record.len());
        if record.len() != expected {
            return Err(IngestError::FieldCount {
                path: path.to_owned(),
                line,
                expected,
                found: record.len(),
            });
        }
        records.push((line, record));
    }
    Ok((names, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(records: &Records) -> Vec<(usize, Vec<&str>)> {
        records.iter().map(|(line, r)| (*line, r.iter().collect())).collect()
    }

    #[test]
    fn multi_character_separators_split_every_line_without_quoting() {
        let text = "1::\"Great Performances\" Cats (1998)::Musical\r\n\n2::Heat, 1995::Action|Crime\n";
        let (names, records) = read_separated(Path::new("movies.dat"), text, "::", false).unwrap();
        assert!(matches!(names, ColumnNames::Unnamed));
        assert_eq!(
            fields(&records),
            vec![
                (1, vec!["1", "\"Great Performances\" Cats (1998)", "Musical"]),
                (3, vec!["2", "Heat, 1995", "Action|Crime"])
            ]
        );
    }

    #[test]
    fn headers_and_ragged_lines() {
        let (names, records) = read_separated(Path::new("r.dat"), "u :: i\n1::2\n", "::", true).unwrap();
        assert!(matches!(names, ColumnNames::Header(h) if h == ["u", "i"]));
        assert_eq!(fields(&records), vec![(2, vec!["1", "2"])]);
        let err = read_separated(Path::new("r.dat"), "1::2::3\n4::5\n", "::", false).unwrap_err();
        assert!(
            matches!(&err, IngestError::FieldCount { path, line: 2, expected: 3, found: 2 } if path == Path::new("r.dat")),
            "{err:?}"
        );
        let err = read_csv(Path::new("r.tsv"), "1\t2\n3\t4\t5\n", b'\t', false).unwrap_err();
        assert!(matches!(err, IngestError::FieldCount { line: 2, expected: 2, found: 3, .. }), "{err:?}");
    }
}
