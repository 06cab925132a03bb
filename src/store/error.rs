//! What can go wrong with the local cache, in sentences a person can act on. The TUI
//! translates by variant; the English text here is for logs and the CLI.

use std::path::PathBuf;

/// Why [`Store::open`](super::Store::open) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// Every numbered slot under `base` is held by another running styr.
    #[error(
        "all {tried} cache slots in {} are in use by other styr windows; close one of them and try again",
        base.display()
    )]
    AllSlotsBusy { base: PathBuf, tried: usize },
    /// The cache was written by a newer styr whose layout this one does not know.
    #[error(
        "the local cache was written by a newer styr (cache version {found}; this styr knows up to version {supported}); update styr"
    )]
    NewerSchema { found: u32, supported: u32 },
    /// The disk or the file system refused: the text is a whole sentence.
    #[error("{0}")]
    Io(String),
    /// The cache is damaged: the text is a whole sentence.
    #[error("{0}")]
    Corrupt(String),
}

/// Why reading or writing an open [`Store`](super::Store) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The disk or the file system refused: the text is a whole sentence.
    #[error("{0}")]
    Io(String),
    /// The cache is damaged in a way no single entry explains.
    #[error("{0}")]
    Corrupt(String),
    /// A change in the op log (or outbox) could not be read.
    #[error("the change at position {index} in the local {tree} could not be read: {reason}")]
    CorruptOp {
        tree: &'static str,
        index: u64,
        reason: String,
    },
    /// An entry other than an op could not be read.
    #[error("the entry {key} in the local {tree} could not be read: {reason}")]
    CorruptEntry {
        tree: &'static str,
        key: String,
        reason: String,
    },
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Corruption { .. } => {
                StoreError::Corrupt(format!("the local cache is damaged: {e}"))
            }
            sled::Error::Io(io) => StoreError::Io(format!(
                "the local cache could not be read or written: {io}"
            )),
            other => StoreError::Io(format!("the local cache failed: {other}")),
        }
    }
}

impl From<sled::transaction::TransactionError<StoreError>> for StoreError {
    fn from(e: sled::transaction::TransactionError<StoreError>) -> Self {
        match e {
            sled::transaction::TransactionError::Abort(e) => e,
            sled::transaction::TransactionError::Storage(e) => e.into(),
        }
    }
}

impl From<StoreError> for OpenError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Io(s) => OpenError::Io(s),
            other => OpenError::Corrupt(other.to_string()),
        }
    }
}
