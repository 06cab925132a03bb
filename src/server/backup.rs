//! `styr serve backup FILE`: a consistent copy of the server's database, taken while the
//! server runs and clients write.
//!
//! SQLite's `VACUUM INTO` copies the database as one read transaction sees it: in WAL
//! mode writers go on meanwhile, and the copy holds exactly the pushes committed before
//! it began, whole. The copy is written beside the target under a temporary name,
//! checked (its op log's and decision log's hash chains are verified), flushed to disk,
//! and only then renamed to FILE, so a FILE that exists is always a whole, checked
//! backup. An existing FILE is never overwritten.

use super::sqlite::open_connection;
use super::store::StoreError;
use super::verify::{verify_file, VerifyError};
use std::path::{Path, PathBuf};

/// What a backup holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupReport {
    /// Ops in the copy (its head seq; the chain is gapless).
    pub ops: u64,
    /// Decisions in the copy (their chain verified too).
    pub decisions: u64,
    /// Size of the copy in bytes.
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("there is no server database at {0}")]
    NoDatabase(PathBuf),
    #[error("{0} exists already; choose a new file name (a backup never overwrites)")]
    Exists(PathBuf),
    #[error("{file}: {err}")]
    Io { file: PathBuf, err: std::io::Error },
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("the copy did not verify: {0}")]
    Verify(#[from] VerifyError),
}

/// Copies the database at `db` to `to`; see the module comment.
pub fn backup(db: &Path, to: &Path) -> Result<BackupReport, BackupError> {
    if !db.is_file() {
        return Err(BackupError::NoDatabase(db.to_path_buf()));
    }
    if to.exists() {
        return Err(BackupError::Exists(to.to_path_buf()));
    }
    let partial = partial_name(to);
    // A partial copy left by an interrupted earlier run is ours to replace.
    let _ = std::fs::remove_file(&partial);
    let result = copy_and_check(db, &partial).and_then(|report| {
        std::fs::rename(&partial, to).map_err(|err| BackupError::Io {
            file: to.to_path_buf(),
            err,
        })?;
        sync_dir(to);
        Ok(report)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn copy_and_check(db: &Path, partial: &Path) -> Result<BackupReport, BackupError> {
    let conn = open_connection(db)?;
    let target = partial.to_str().ok_or_else(|| BackupError::Io {
        file: partial.to_path_buf(),
        err: std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the file name is not valid UTF-8",
        ),
    })?;
    conn.execute("VACUUM INTO ?1", [target])
        .map_err(|e| StoreError::Db(e.to_string()))?;
    drop(conn);
    // Both chains, as `styr verify --db` checks them. Its connection is the copy's only
    // one, so closing it folds the copy's WAL back in: FILE is one self-contained file.
    let verified = verify_file(partial)?;
    let io = |err| BackupError::Io {
        file: partial.to_path_buf(),
        err,
    };
    let file = std::fs::File::open(partial).map_err(io)?;
    file.sync_all().map_err(io)?;
    let bytes = file.metadata().map_err(io)?.len();
    Ok(BackupReport {
        ops: verified.ops,
        decisions: verified.decisions,
        bytes,
    })
}

/// `dir/.name.partial` for `dir/name`.
fn partial_name(to: &Path) -> PathBuf {
    let name = to
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "backup".into());
    to.with_file_name(format!(".{name}.partial"))
}

/// Makes the rename durable: flush the directory that holds `file`.
fn sync_dir(file: &Path) {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
