//! JSON Lines: one object per line (e.g. the Amazon review and metadata dumps), read
//! into records whose columns are the keys found on any line.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value};

use crate::IngestError;
use crate::records::{ColumnNames, Records};

/// Reads every non-empty line as a JSON object. A line that is not one is a
/// [`IngestError::Json`]; a key missing on a line reads as an empty value.
pub(crate) fn read(path: &Path, text: &str) -> Result<(ColumnNames, Records), IngestError> {
    let mut objects = Vec::new();
    let mut keys = BTreeSet::new();
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let object: Map<String, Value> = serde_json::from_str(line).map_err(|e| {
            let message = e.to_string();
            let position = format!(" at line {} column {}", e.line(), e.column());
            IngestError::Json {
                path: path.to_owned(),
                line: index + 1,
                column: e.column(),
                message: message.strip_suffix(&position).unwrap_or(&message).to_owned(),
            }
        })?;
        keys.extend(object.keys().cloned());
        objects.push((index + 1, object));
    }
    let keys: Vec<String> = keys.into_iter().collect();
    let records = objects
        .into_iter()
        .map(|(line, object)| {
            (line, keys.iter().map(|key| object.get(key).map_or(String::new(), field_text)).collect())
        })
        .collect();
    Ok((ColumnNames::Keys(keys), records))
}

/// A value as field text: strings as they are, numbers and booleans written out, null
/// empty, arrays (also nested, like Amazon's `categories`) as their distinct leaves
/// joined by `, `, objects as compact JSON.
fn field_text(value: &Value) -> String {
    fn leaves<'v>(value: &'v Value, out: &mut Vec<std::borrow::Cow<'v, str>>) {
        match value {
            Value::Array(values) => values.iter().for_each(|v| leaves(v, out)),
            Value::String(s) => out.push(s.as_str().into()),
            Value::Null => {}
            other => out.push(other.to_string().into()),
        }
    }
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(_) => {
            let mut all = Vec::new();
            leaves(value, &mut all);
            let mut distinct: Vec<_> = Vec::with_capacity(all.len());
            for leaf in all {
                if !distinct.contains(&leaf) {
                    distinct.push(leaf);
                }
            }
            distinct.join(", ")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_all_lines_become_columns_and_values_become_text() {
        let text = concat!(
            r#"{"asin": "B1", "title": "Dune", "price": 9.5, "categories": [["Books"], ["Books", "Sci-Fi"]]}"#,
            "\n\n",
            r#"{"asin": "B2", "category": ["Books", "Poetry"], "title": null, "meta": {"a": 1}}"#,
            "\n"
        );
        let (names, records) = read(Path::new("meta.json"), text).unwrap();
        let ColumnNames::Keys(keys) = names else { panic!("JSON Lines columns are keys") };
        assert_eq!(keys, ["asin", "categories", "category", "meta", "price", "title"]);
        let rows: Vec<(usize, Vec<&str>)> = records.iter().map(|(l, r)| (*l, r.iter().collect())).collect();
        assert_eq!(
            rows,
            vec![
                (1, vec!["B1", "Books, Sci-Fi", "", "", "9.5", "Dune"]),
                (3, vec!["B2", "", "Books, Poetry", r#"{"a":1}"#, "", ""])
            ]
        );
    }

    #[test]
    fn broken_lines_and_non_objects_name_line_and_column() {
        let err = read(Path::new("r.json"), "{\"a\": 1}\n{\"a\": 1,\n").unwrap_err();
        assert!(
            matches!(&err, IngestError::Json { path, line: 2, column: 8, .. } if path == Path::new("r.json")),
            "{err:?}"
        );
        assert!(
            err.to_string().ends_with("r.json:2:8: not a JSON object: EOF while parsing a value"),
            "{err}"
        );
        let err = read(Path::new("r.json"), "[1, 2]\n").unwrap_err();
        assert!(matches!(err, IngestError::Json { line: 1, .. }), "{err:?}");
    }
}
