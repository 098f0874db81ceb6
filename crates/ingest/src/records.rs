//! What a tabular file reader produces: the columns' names and the records with their line
//! numbers (shared by the delimited and JSON Lines readers and the table they fill).

/// What the columns of a file are called.
#[derive(Debug, Clone)]
pub(crate) enum ColumnNames {
    /// The header line's names.
    Header(Vec<String>),
    /// The keys found in a JSON Lines file (sorted).
    Keys(Vec<String>),
    /// No header line: columns only have indexes.
    Unnamed,
}

/// Records, each with its 1-based line number in the file.
pub(crate) type Records = Vec<(usize, csv::StringRecord)>;
