//! Reading items from files, and turning them into ops.
//!
//! Reading is all-or-nothing: every wrong row is reported with its line, and then no
//! rows are returned. Stage keys are checked while reading (against
//! the default board for `read_*`, against the caller's board for `read_*_with`), so an
//! unknown stage is reported with its line before anything is imported.

mod cells;
pub(crate) use cells::find_stage;
mod csv_read;
mod header;
mod json_read;
mod map;
mod ops;
mod path;
mod plan;
mod rows;
mod table;
mod xlsx_read;

use crate::model::{FieldValue, ItemId, StageKey};

pub use crate::io::error::{FileFormat, FormatReason, ImportError, JsonReason, RowReason};
pub use csv_read::{read_csv, read_csv_with};
pub use json_read::{read_json, read_json_with};
pub use map::{field_names, ColumnMap, MapError};
pub use ops::to_ops;
pub use path::{
    decode, is_workbook, read_csv_bytes, read_file, read_path, read_path_with, ReadFile,
    ReadOptions, Source,
};
pub use plan::{is_flagged, plan, Duplicate, Like, Plan, Planned, DUPLICATE_TAG};

/// One row read from a file, before it becomes ops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedItem {
    /// The item's id when the file had one (styr's own exports do); a new one is minted
    /// by [`to_ops`] otherwise.
    pub id: Option<ItemId>,
    /// The stage when the file named one; [`to_ops`] uses the first stage otherwise.
    pub stage: Option<StageKey>,
    /// The fields that have a value. The title is always there and never empty.
    pub fields: Vec<FieldValue>,
}

impl ImportedItem {
    /// The title, for messages and tests.
    pub fn title(&self) -> &str {
        self.fields
            .iter()
            .find_map(|f| match f {
                FieldValue::Title(t) => Some(t.as_str()),
                _ => None,
            })
            .unwrap_or("")
    }
}
