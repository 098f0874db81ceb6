//! Typed ingest errors.

use std::fmt;
use std::path::PathBuf;

use thiserror::Error;

/// Where on a line a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// 1-based position on a delimited line (0: the line as a whole).
    Number(usize),
    /// Key of a JSON Lines object.
    Key(String),
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Number(number) => write!(f, "field {number}"),
            Field::Key(key) => write!(f, "field {key:?}"),
        }
    }
}

/// Everything that can go wrong while reading a data set.
#[derive(Debug, Error)]
pub enum IngestError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A field of a line is malformed.
    #[error("{}:{line}: {field}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// The field on the line.
        field: Field,
        /// What is wrong.
        message: String,
    },
    /// A required column is not in the header (or, for JSON Lines, on no line).
    #[error("{}: no column {column:?} (columns: {})", path.display(), available.join(", "))]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column asked for.
        column: String,
        /// The header's columns or the keys found.
        available: Vec<String>,
    },
    /// A column index past the end of the lines.
    #[error("{}:{line}: no column {index} (0-based): the line has {fields} fields", path.display())]
    ColumnOutOfRange {
        /// The file.
        path: PathBuf,
        /// 1-based line whose width was checked (the header or the first record).
        line: usize,
        /// The 0-based index asked for.
        index: usize,
        /// Fields on that line.
        fields: usize,
    },
    /// A column named in a file without a header line.
    #[error("{}: no header line to find column {column:?} in (header = false): give its 0-based index", path.display())]
    NoHeader {
        /// The file.
        path: PathBuf,
        /// The name asked for.
        column: String,
    },
    /// A column given by index in a JSON Lines file, whose fields only have keys.
    #[error("{}: JSON Lines fields are named by key, not by index ({index})", path.display())]
    IndexedJsonField {
        /// The file.
        path: PathBuf,
        /// The index given.
        index: usize,
    },
    /// A column whose values go into the item text under a name, but that has none.
    #[error("{}: column {index} has no name (no header line): write {{ column = {index}, name = \"…\" }}", path.display())]
    UnnamedColumn {
        /// The file.
        path: PathBuf,
        /// The 0-based index.
        index: usize,
    },
    /// A line with a different number of fields than the others.
    #[error("{}:{line}: {found} fields, but the file's lines have {expected}", path.display())]
    FieldCount {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// Fields on the header or first line.
        expected: usize,
        /// Fields on this line.
        found: usize,
    },
    /// A JSON Lines line that is not a JSON object.
    #[error("{}:{line}:{column}: not a JSON object: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// 1-based character column where parsing stopped.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// Settings of a file that do not fit together.
    #[error("{}: {message}", path.display())]
    InvalidSettings {
        /// The file the settings are for.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The text is not valid in the declared encoding.
    #[error("{}:{line}: not valid {encoding} (set the file's encoding, e.g. latin-1)", path.display())]
    Encoding {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// The declared encoding.
        encoding: String,
    },
    /// An encoding name that is not known.
    #[error("unknown encoding {0:?} (use a WHATWG label such as utf-8, latin-1, windows-1252)")]
    UnknownEncoding(String),
    /// A preset name that is not built in.
    #[error("unknown preset {name:?} (known: {known})")]
    UnknownPreset {
        /// The name asked for.
        name: String,
        /// The built-in presets.
        known: String,
    },
    /// No column of a file has a name that says it holds what is needed.
    #[error("{}: no {role} column: expected a column named one of {} (columns: {}); name one in a data-set file (--config, see docs/dataset-config.md)", path.display(), expected.join(", "), available.join(", "))]
    UndetectedColumn {
        /// The file.
        path: PathBuf,
        /// What the column would hold (`item id`, `user`, …).
        role: &'static str,
        /// The names that are recognised.
        expected: Vec<&'static str>,
        /// The file's column names.
        available: Vec<String>,
    },
    /// Filtering removed every interaction.
    #[error("no interactions left after filtering: {0}")]
    EmptyAfterFiltering(String),
    /// The data set holds no interaction at all.
    #[error("{0}: no interactions")]
    Empty(String),
}
