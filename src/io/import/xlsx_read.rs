//! Reading a workbook (.xlsx, and what else calamine opens: .xlsm, .xls, .ods) with the
//! same header mapping as CSV.

use super::map::ColumnMap;
use super::table::Collector;
use super::ImportedItem;
use crate::io::error::{FormatReason, RowReason};
use crate::io::ImportError;
use crate::model::Stages;
use calamine::{Data, Reader};
use std::io::Cursor;

/// Reads the sheet named `sheet`, or else the first sheet, of a workbook in `bytes`.
/// The first non-empty row is the header; rows are numbered as the spreadsheet shows
/// them. Returns the items, the row of each, and the sheet's name.
pub(super) fn read_workbook(
    bytes: Vec<u8>,
    sheet: Option<&str>,
    map: &ColumnMap,
    stages: &Stages,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Vec<ImportedItem>, Vec<u64>, String), ImportError> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        ImportError::Format(FormatReason::Workbook {
            detail: e.to_string(),
        })
    })?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.trim().eq_ignore_ascii_case(wanted.trim()) || n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| {
                ImportError::Format(FormatReason::NoSuchSheet {
                    sheet: wanted.to_string(),
                    sheets: names.clone(),
                })
            })?,
        None => names
            .first()
            .cloned()
            .ok_or(ImportError::Format(FormatReason::NoSheets))?,
    };
    let range = book.worksheet_range(&name).map_err(|e| {
        ImportError::Format(FormatReason::SheetUnreadable {
            sheet: name.clone(),
            detail: Some(e.to_string()),
        })
    })?;
    let first_row = range.start().map_or(0, |(r, _)| u64::from(r));
    let total = range.height() as u64;
    let mut rows = range
        .rows()
        .enumerate()
        .map(|(i, r)| (first_row + i as u64 + 1, r));
    let Some((_, header_cells)) = rows.find(|(_, r)| r.iter().any(|c| !text(c).trim().is_empty()))
    else {
        return Err(ImportError::Format(FormatReason::EmptySheet {
            sheet: name,
        }));
    };
    let mut header: Vec<String> = header_cells.iter().map(text).collect();
    while header.last().is_some_and(|h| h.trim().is_empty()) {
        header.pop();
    }
    let width = header.len();
    let mut collector = Collector::new(&header, map, stages)?;
    let mut bad = Vec::new();
    for (n, (line, cells)) in rows.enumerate() {
        let cells: Vec<String> = cells.iter().map(text).collect();
        if let Some(i) = cells[width.min(cells.len())..]
            .iter()
            .position(|c| !c.trim().is_empty())
        {
            bad.push((
                line,
                RowReason::UnnamedColumnValue {
                    column: column_letters(width + i),
                },
            ));
            continue;
        }
        let cells: Vec<&str> = cells.iter().take(width).map(String::as_str).collect();
        collector.push(line, &cells);
        if n.is_multiple_of(1024) {
            progress(n as u64, total);
        }
    }
    progress(total, total);
    let mut errors = bad;
    match collector.finish() {
        Ok((items, lines)) if errors.is_empty() => return Ok((items, lines, name)),
        Ok(_) => {}
        Err(e) => errors.extend(e.rows().into_iter().map(|(l, r)| (l, r.clone()))),
    }
    errors.sort_by_key(|r| r.0);
    Err(
        ImportError::from_rows(errors).unwrap_or(ImportError::Format(
            FormatReason::SheetUnreadable {
                sheet: name,
                detail: None,
            },
        )),
    )
}

/// A cell as text: numbers without a needless ".0", dates as YYYY-MM-DD.
fn text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => {
                dt.date().format("%Y-%m-%d").to_string()
            }
            Some(dt) => dt.format("%Y-%m-%d %H:%M").to_string(),
            None => d.to_string(),
        },
        other => other.to_string(),
    }
}

/// The spreadsheet's name of the column at `index` (0 = A, 26 = AA).
fn column_letters(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_as_spreadsheets_write_them() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn cells_as_text() {
        assert_eq!(text(&Data::Float(2_500_000.0)), "2500000");
        assert_eq!(text(&Data::Float(12.5)), "12.5");
        assert_eq!(text(&Data::Int(3)), "3");
        assert_eq!(text(&Data::Empty), "");
    }

    #[test]
    fn garbage_is_a_format_error() {
        let e = read_workbook(
            b"not a workbook".to_vec(),
            None,
            &ColumnMap::default(),
            &Stages::default(),
            &mut |_, _| {},
        )
        .unwrap_err();
        assert!(matches!(e, ImportError::Format(_)), "{e:?}");
    }
}
