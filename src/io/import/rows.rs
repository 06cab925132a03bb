//! Turning one CSV row into an [`ImportedItem`].

use super::cells::Cell;
use super::header::Layout;
use super::ImportedItem;
use crate::io::error::RowReason;
use crate::io::ImportError;
use crate::model::{FieldValue, Stages};

/// A data row with each cell tied to its canonical column name.
pub(super) struct Row<'a> {
    pub line: u64,
    cells: Vec<(&'static str, Cell<'a>)>,
}

impl<'a> Row<'a> {
    /// `values` should have as many cells as `layout` has columns; extra ones are left out.
    pub fn new(layout: &'a Layout, values: impl IntoIterator<Item = &'a str>, line: u64) -> Self {
        let cells = layout
            .columns
            .iter()
            .zip(values)
            .map(|((name, spelled), value)| {
                let cell = Cell {
                    line,
                    column: spelled.as_str(),
                    value: unguard(value.trim()),
                };
                (*name, cell)
            })
            .collect();
        Row { line, cells }
    }

    /// Reads the row. The canonical column names of the three formats are distinct
    /// except `strategisk_forankring`, which means the same in both formats that have it,
    /// so one table serves them all.
    pub fn to_item(&self, stages: &Stages) -> Result<ImportedItem, ImportError> {
        let mut id = None;
        let mut stage = None;
        let mut fields = Fields::default();
        let (mut start, mut end) = (None, None);
        for (name, cell) in &self.cells {
            use FieldValue as F;
            match *name {
                "id" => id = cell.id()?,
                "stage" => stage = cell.stage(stages)?,
                "title" | "tittel" | "tiltak" => {
                    if cell.value.is_empty() {
                        return Err(ImportError::row(
                            self.line,
                            RowReason::EmptyTitle {
                                column: cell.column.into(),
                            },
                        ));
                    }
                    fields.push(F::Title(cell.text()));
                }
                "description" | "beskrivelse" => fields.push(F::Description(cell.text())),
                "submitter" | "fra" => fields.push(F::Submitter(cell.text())),
                "anchoring" | "strategisk_forankring" => fields.push(F::Anchoring(cell.anchors())),
                "priority" | "prioritet" => fields.push(F::Priority(cell.priority()?)),
                "project_leader" | "prosjektleder" => fields.push(F::ProjectLeader(cell.text())),
                "project_group" | "prosjektgruppe" => fields.push(F::ProjectGroup(cell.list())),
                "timeline" | "tidsplan" => fields.push(F::Timeline(cell.text())),
                "timeline_start" => {
                    start = cell.date()?.map(|d| (d, cell.column));
                    fields.push(F::TimelineStart(start.map(|s| s.0)));
                }
                "timeline_end" => {
                    end = cell.date()?.map(|d| (d, cell.column));
                    fields.push(F::TimelineEnd(end.map(|e| e.0)));
                }
                "funds_nok" | "prosjektmidler_nok" => fields.push(F::Funds(cell.funds()?)),
                "funding_source" | "finansiering" => fields.push(F::FundingSource(cell.text())),
                "benefit_summary" | "gevinst" => fields.push(F::BenefitSummary(cell.text())),
                "saved_costs" => fields.push(F::SavedCosts(cell.text())),
                "saved_time" => fields.push(F::SavedTime(cell.text())),
                "increased_quality" => fields.push(F::IncreasedQuality(cell.text())),
                "introduces_system" => fields.push(F::IntroducesSystem(cell.text())),
                "retires_system" => fields.push(F::RetiresSystem(cell.text())),
                "tags" => fields.push(F::Tags(cell.list())),
                other => {
                    return Err(ImportError::row(
                        self.line,
                        RowReason::UnreadableColumn {
                            column: cell.column.into(),
                            field: other.into(),
                        },
                    ))
                }
            }
        }
        if let (Some((s, s_col)), Some((e, e_col))) = (start, end) {
            if e < s {
                return Err(ImportError::row(
                    self.line,
                    RowReason::EndBeforeStart {
                        end_column: e_col.into(),
                        end: e,
                        start_column: s_col.into(),
                        start: s,
                    },
                ));
            }
        }
        Ok(ImportedItem {
            id,
            stage,
            fields: fields.0,
        })
    }
}

/// A cell as written before the formula guard of the Excel export
/// ([`crate::io::export::CsvFlavour::Excel`]): "'=SUM(A1)" reads back as "=SUM(A1)".
fn unguard(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => value,
    }
}

/// The fields of an imported item, leaving out those without a value.
#[derive(Default)]
pub(super) struct Fields(pub Vec<FieldValue>);

impl Fields {
    pub fn push(&mut self, v: FieldValue) {
        if !v.is_unset() {
            self.0.push(v);
        }
    }
}
