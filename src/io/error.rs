//! The one error type of importing.

/// Why a file could not be imported. Nothing is imported when any of it is wrong.
///
/// The messages are plain English sentences; the variants keep the data structured so
/// that the app can translate them.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// A row of the file is wrong. `line` is the line of the file where the row starts
    /// (the header is line 1; a quoted cell may span several lines).
    #[error("line {line}: {message}")]
    Row { line: u64, message: String },
    /// The file as a whole is not something styr can import (unknown header, not JSON…).
    #[error("{0}")]
    Format(String),
    /// The file could not be read.
    #[error("{0}")]
    Io(String),
}

impl ImportError {
    pub(crate) fn row(line: u64, message: impl Into<String>) -> Self {
        ImportError::Row {
            line,
            message: message.into(),
        }
    }

    /// The line of the file the error is about, when there is one.
    pub fn line(&self) -> Option<u64> {
        match self {
            ImportError::Row { line, .. } => Some(*line),
            _ => None,
        }
    }
}
