//! From a header and rows of text cells (CSV or a sheet) to items, collecting every bad
//! row instead of stopping at the first.

use super::header::{self, Layout};
use super::map::ColumnMap;
use super::rows::Row;
use super::ImportedItem;
use crate::io::error::RowReason;
use crate::io::ImportError;
use crate::model::{ItemId, Stages};
use std::collections::HashMap;

/// Items read so far, with the line each came from, and the bad rows.
pub(super) struct Collector<'a> {
    layout: Layout,
    stages: &'a Stages,
    items: Vec<ImportedItem>,
    lines: Vec<u64>,
    errors: Vec<(u64, RowReason)>,
    first_line_of: HashMap<ItemId, u64>,
}

impl<'a> Collector<'a> {
    /// Recognises the header (see [`header::detect_mapped`]).
    pub fn new(
        header: &[String],
        map: &ColumnMap,
        stages: &'a Stages,
    ) -> Result<Self, ImportError> {
        Ok(Collector {
            layout: header::detect_mapped(header, map)?,
            stages,
            items: Vec::new(),
            lines: Vec::new(),
            errors: Vec::new(),
            first_line_of: HashMap::new(),
        })
    }

    /// Reads one data row starting on `line`. Rows whose cells are all empty are
    /// skipped; a wrong row is remembered and reading goes on.
    pub fn push(&mut self, line: u64, cells: &[&str]) {
        let width = self.layout.columns.len();
        let blank = cells.iter().all(|c| c.trim().is_empty());
        if blank {
            return;
        }
        if cells.len() != width {
            self.errors.push((
                line,
                RowReason::CellCount {
                    cells: cells.len(),
                    columns: width,
                },
            ));
            return;
        }
        let row = Row::new(&self.layout, cells.iter().copied(), line);
        match row.to_item(self.stages) {
            Ok(item) => {
                if let Some(id) = item.id {
                    if let Some(first) = self.first_line_of.insert(id, line) {
                        self.errors.push((
                            line,
                            RowReason::IdTwice {
                                id,
                                first_line: first,
                            },
                        ));
                        return;
                    }
                }
                self.items.push(item);
                self.lines.push(line);
            }
            Err(e) => self
                .errors
                .extend(e.rows().into_iter().map(|(l, r)| (l, r.clone()))),
        }
    }

    /// The items and the line of each, or every bad row.
    pub fn finish(self) -> Result<(Vec<ImportedItem>, Vec<u64>), ImportError> {
        match ImportError::from_rows(self.errors) {
            Some(e) => Err(e),
            None => Ok((self.items, self.lines)),
        }
    }
}
