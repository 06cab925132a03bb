//! The one error type of importing.
//!
//! Every reason is structured data; its sentence comes from the i18n strings
//! (`IoStrings::row_reason` and `IoStrings::format_reason`), in bokmål or English. The
//! `Display` of these types is the English sentence, for logs and tests.

use crate::i18n::{fill, Lang, Strings};
use crate::model::ItemId;
use chrono::NaiveDate;
use std::fmt;

/// Why a file could not be imported. Nothing is imported when any of it is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportError {
    /// A row of the file is wrong. `line` is the line of the file where the row starts
    /// (the header is line 1; a quoted cell may span several lines), or the row of the
    /// sheet in a workbook.
    Row { line: u64, reason: RowReason },
    /// Several rows are wrong: every one of them, in file order, as (line, reason).
    Rows(Vec<(u64, RowReason)>),
    /// The file as a whole is not something styr can import (unknown header, not JSON…).
    Format(FormatReason),
    /// The file could not be read: its path and the system's reason.
    Io { path: String, detail: String },
}

/// Why one row (a line of a CSV file, a row of a sheet, or a place in a JSON file) is
/// wrong. `column` is the column's name as the file spells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowReason {
    /// The title cell is empty.
    EmptyTitle { column: String },
    /// A cell that must hold a whole number does not.
    NotWholeNumber { column: String, value: String },
    /// A cell that must hold whole kroner does not.
    NotKroner { column: String, value: String },
    /// A cell that must hold a date does not.
    NotDate { column: String, value: String },
    /// A cell that must hold a styr id (a UUID) does not.
    NotId { column: String, value: String },
    /// The stage cell names no stage of the board; `stages` are the board's keys.
    UnknownStage {
        column: String,
        value: String,
        stages: Vec<String>,
    },
    /// A column styr recognised but has no reader for (a bug, never seen in practice).
    UnreadableColumn { column: String, field: String },
    /// The end date is before the start date.
    EndBeforeStart {
        end_column: String,
        end: NaiveDate,
        start_column: String,
        start: NaiveDate,
    },
    /// The row has another number of cells than the header has columns.
    CellCount { cells: usize, columns: usize },
    /// The id was already used on `first_line`.
    IdTwice { id: ItemId, first_line: u64 },
    /// A workbook row has a value in a column (by its letters) without a header name.
    UnnamedColumnValue { column: String },
    /// The CSV reader could not go on here; `detail` is its own text.
    Csv { detail: String },
    /// The JSON is not valid at this line; `detail` is the parser's own text.
    Json { column: usize, detail: String },
}

/// The formats of a CSV file or sheet, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileFormat {
    /// An action plan [handlingsplan]: `prioritet,tiltak,…`.
    ActionPlan,
    /// A proposals sheet: `tittel,fra,…`.
    Proposals,
    /// styr's own export: `id,stage,title,…`.
    Styr,
}

impl FileFormat {
    /// The columns of the format, as the file names them.
    pub fn columns(self) -> &'static [&'static str] {
        use crate::io::columns;
        match self {
            FileFormat::ActionPlan => &columns::FOSEN,
            FileFormat::Proposals => &columns::PROPOSALS,
            FileFormat::Styr => &columns::STYR,
        }
    }
}

/// Why a file as a whole cannot be imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatReason {
    /// No header line at all (no bytes, or only blank lines).
    EmptyFile,
    /// The CSV reader could not read the file; `detail` is its own text.
    Csv { detail: String },
    /// The file is not a workbook calamine can open; `detail` is its own text.
    Workbook { detail: String },
    /// `--sheet` names a sheet the workbook does not have.
    NoSuchSheet { sheet: String, sheets: Vec<String> },
    /// The workbook has no sheets.
    NoSheets,
    /// The sheet could not be read; `detail` is the library's text, when there is one.
    SheetUnreadable {
        sheet: String,
        detail: Option<String>,
    },
    /// The sheet has no non-empty row to be the header.
    EmptySheet { sheet: String },
    /// Column `index` (1 is the first) of the header has no name.
    UnnamedColumn { index: usize },
    /// A header name appears twice.
    ColumnTwice { column: String },
    /// `--map` names headers the file does not have.
    MapMissing {
        missing: Vec<String>,
        header: Vec<String>,
    },
    /// Columns the recognised format does not have.
    ExtraColumns {
        columns: Vec<String>,
        format: FileFormat,
    },
    /// Two columns give the same field.
    SameField {
        first: String,
        second: String,
        field: String,
    },
    /// The header matches no format; `found` is the header as the file has it.
    UnknownHeader { found: Vec<String> },
    /// The file's extension tells no reader.
    UnknownExtension { file: String },
    /// `--map` was given for a JSON file.
    MapOnJson,
    /// A `.json` file that is not UTF-8.
    JsonNotUtf8,
    /// Text with NUL bytes: a binary file, or an encoding styr does not read.
    NulBytes,
    /// JSON, but not an array.
    JsonNotArray,
    /// Item `n` (1 is the first) of a JSON export is wrong.
    JsonItem { n: usize, reason: JsonReason },
}

/// Why one item of a JSON export is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonReason {
    NotObject,
    /// Keys styr does not know (a newer styr's file?).
    UnknownKeys {
        keys: Vec<String>,
    },
    /// The item does not fit styr's model; `detail` is serde's text.
    Invalid {
        detail: String,
    },
    /// The id was already used by item `first`.
    IdTwice {
        id: ItemId,
        first: usize,
    },
    EmptyTitle {
        id: ItemId,
    },
    /// The item's stage is not on the board; `stages` are the board's keys.
    UnknownStage {
        title: String,
        stage: String,
        stages: Vec<String>,
    },
}

impl fmt::Display for RowReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&(Lang::En.strings().io.row_reason)(self))
    }
}

impl fmt::Display for FormatReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&(Lang::En.strings().io.format_reason)(self))
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(Lang::En.strings()))
    }
}

impl std::error::Error for ImportError {}

fn row_text(t: &Strings, line: u64, reason: &RowReason) -> String {
    fill(
        t.io.row_line,
        &[("line", &line), ("err", &(t.io.row_reason)(reason))],
    )
}

fn io_text(t: &Strings, path: &str, detail: &str) -> String {
    fill(t.io.cannot_read, &[("file", &path), ("err", &detail)])
}

fn list(t: &Strings, rows: &[(u64, RowReason)]) -> String {
    rows.iter()
        .map(|(line, reason)| row_text(t, *line, reason))
        .collect::<Vec<_>>()
        .join("\n")
}

impl ImportError {
    pub(crate) fn row(line: u64, reason: RowReason) -> Self {
        ImportError::Row { line, reason }
    }

    /// The error for the bad rows of a file: [`ImportError::Row`] for one,
    /// [`ImportError::Rows`] for several. `None` when there are none.
    pub(crate) fn from_rows(mut rows: Vec<(u64, RowReason)>) -> Option<Self> {
        match rows.len() {
            0 => None,
            1 => rows
                .pop()
                .map(|(line, reason)| ImportError::Row { line, reason }),
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

    /// Every bad row as (line, reason); empty when the error is not about rows.
    pub fn rows(&self) -> Vec<(u64, &RowReason)> {
        match self {
            ImportError::Row { line, reason } => vec![(*line, reason)],
            ImportError::Rows(rows) => rows.iter().map(|(l, r)| (*l, r)).collect(),
            _ => Vec::new(),
        }
    }

    /// The error in the language of `t`: as `Display` writes it in English.
    pub fn text(&self, t: &Strings) -> String {
        match self {
            ImportError::Row { line, reason } => row_text(t, *line, reason),
            ImportError::Rows(rows) => list(t, rows),
            ImportError::Format(reason) => (t.io.format_reason)(reason),
            ImportError::Io { path, detail } => io_text(t, path, detail),
        }
    }
}
