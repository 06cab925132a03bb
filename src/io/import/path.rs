//! Reading a file, choosing the reader by its extension.

use super::{read_csv_with, read_json_with, ImportedItem};
use crate::io::ImportError;
use crate::model::Stages;
use std::path::Path;

/// Reads a `.csv` or `.json` file (by extension, in any case). A UTF-8 byte order mark
/// is dropped; text that is not UTF-8 is refused with the line where it goes wrong.
pub fn read_path(path: &Path) -> Result<Vec<ImportedItem>, ImportError> {
    read_path_with(path, &Stages::default())
}

/// As [`read_path`], checking stage keys against `stages`.
pub fn read_path_with(path: &Path, stages: &Stages) -> Result<Vec<ImportedItem>, ImportError> {
    type Reader = fn(&str, &Stages) -> Result<Vec<ImportedItem>, ImportError>;
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let read: Reader = match extension.as_deref() {
        Some("csv") => read_csv_with,
        Some("json") => read_json_with,
        _ => {
            return Err(ImportError::Format(format!(
                "'{}' does not end in .csv or .json, so styr cannot tell how to read it",
                path.display()
            )))
        }
    };
    let bytes = std::fs::read(path)
        .map_err(|e| ImportError::Io(format!("cannot read '{}': {e}", path.display())))?;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        ImportError::row(
            line,
            "is not UTF-8 text; save the file as UTF-8 (in Excel: \"CSV UTF-8\") and import it again",
        )
    })?;
    read(text, stages)
}
