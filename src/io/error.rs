//! The one error type of importing.

/// Why a file could not be imported. Nothing is imported when any of it is wrong.
///
/// The messages are plain English sentences; the variants keep the data structured so
/// that the app can translate them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// A row of the file is wrong. `line` is the line of the file where the row starts
    /// (the header is line 1; a quoted cell may span several lines), or the row of the
    /// sheet in a workbook.
    #[error("line {line}: {message}")]
    Row { line: u64, message: String },
    /// Several rows are wrong: every one of them, in file order, as (line, message).
    #[error("{}", list(.0))]
    Rows(Vec<(u64, String)>),
    /// The file as a whole is not something styr can import (unknown header, not JSON…).
    #[error("{0}")]
    Format(String),
    /// The file could not be read.
    #[error("{0}")]
    Io(String),
}

fn list(rows: &[(u64, String)]) -> String {
    rows.iter()
        .map(|(line, message)| format!("line {line}: {message}"))
        .collect::<Vec<_>>()
        .join("\n")
}

impl ImportError {
    pub(crate) fn row(line: u64, message: impl Into<String>) -> Self {
        ImportError::Row {
            line,
            message: message.into(),
        }
    }

    /// The error for the bad rows of a file: [`ImportError::Row`] for one,
    /// [`ImportError::Rows`] for several. `None` when there are none.
    pub(crate) fn from_rows(mut rows: Vec<(u64, String)>) -> Option<Self> {
        match rows.len() {
            0 => None,
            1 => rows
                .pop()
                .map(|(line, message)| ImportError::Row { line, message }),
            _ => Some(ImportError::Rows(rows)),
        }
    }

    /// The line of the file the error is about (the first, when there are several).
    pub fn line(&self) -> Option<u64> {
        match self {
            ImportError::Row { line, .. } => Some(*line),
            ImportError::Rows(rows) => rows.first().map(|r| r.0),
            _ => None,
        }
    }

    /// Every bad row as (line, message); empty when the error is not about rows.
    pub fn rows(&self) -> Vec<(u64, &str)> {
        match self {
            ImportError::Row { line, message } => vec![(*line, message.as_str())],
            ImportError::Rows(rows) => rows.iter().map(|(l, m)| (*l, m.as_str())).collect(),
            _ => Vec::new(),
        }
    }
}
