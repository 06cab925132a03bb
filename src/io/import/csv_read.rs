//! Reading CSV: the header picks the format, each row becomes an item.

use super::header;
use super::rows::Row;
use super::ImportedItem;
use crate::io::ImportError;
use crate::model::{ItemId, Stages};
use csv::{ReaderBuilder, StringRecord};
use std::collections::HashMap;

/// Reads CSV in any format styr knows, told apart by the header: an action plan
/// (`prioritet,tiltak,…`), a proposals sheet (`tittel,fra,…`) or styr's own export
/// (`id,stage,title,…`). Stage keys are checked against the default board.
pub fn read_csv(text: &str) -> Result<Vec<ImportedItem>, ImportError> {
    read_csv_with(text, &Stages::default())
}

/// As [`read_csv`], checking stage keys (or names) against `stages`.
///
/// The separator is a comma, or a semicolon or tab when the header line has more of
/// those (Excel writes semicolons where the comma is the decimal sign, as in Norway).
/// Cells are trimmed; rows whose cells are all empty are skipped.
pub fn read_csv_with(text: &str, stages: &Stages) -> Result<Vec<ImportedItem>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(guess_delimiter(text))
        .from_reader(text.as_bytes());
    let mut record = StringRecord::new();
    if !reader.read_record(&mut record).map_err(csv_error)? {
        return Err(ImportError::Format(
            "the file is empty; expected a header line naming the columns".into(),
        ));
    }
    let names: Vec<String> = record.iter().map(String::from).collect();
    let layout = header::detect(&names)?;
    let mut items = Vec::new();
    let mut first_line_of: HashMap<ItemId, u64> = HashMap::new();
    while reader.read_record(&mut record).map_err(csv_error)? {
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != layout.columns.len() {
            if record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            return Err(ImportError::row(
                line,
                format!(
                    "has {}, but the header has {}",
                    count(record.len(), "cell", "cells"),
                    count(layout.columns.len(), "column", "columns"),
                ),
            ));
        }
        let row = Row::new(&layout, &record, line);
        if row.is_blank() {
            continue;
        }
        let item = row.to_item(stages)?;
        if let Some(id) = item.id {
            if let Some(first) = first_line_of.insert(id, line) {
                return Err(ImportError::row(
                    line,
                    format!("the id {id} is used twice (also on line {first})"),
                ));
            }
        }
        items.push(item);
    }
    Ok(items)
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The separator used in the first line: ',' unless ';' or a tab is more frequent.
fn guess_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let count = |c: char| first.matches(c).count();
    let mut best = (count(','), b',');
    for (c, b) in [(';', b';'), ('\t', b'\t')] {
        if count(c) > best.0 {
            best = (count(c), b);
        }
    }
    best.1
}

/// The csv reader fails only on malformed input it cannot recover from; name the line.
fn csv_error(e: csv::Error) -> ImportError {
    match e.position() {
        Some(p) => ImportError::row(p.line(), format!("cannot be read as CSV ({e})")),
        None => ImportError::Format(format!("the file cannot be read as CSV ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::columns;
    use crate::model::FieldValue;

    #[test]
    fn picks_the_separator_from_the_header() {
        assert_eq!(guess_delimiter("a,b,c\n1;2;3;4;5"), b',');
        assert_eq!(guess_delimiter("tittel;fra;gevinst\n"), b';');
        assert_eq!(guess_delimiter("tittel\tfra\n"), b'\t');
        assert_eq!(guess_delimiter(""), b',');
    }

    #[test]
    fn reads_semicolon_separated_sheets() {
        let rows = read_csv("tittel;fra;gevinst\r\nChatbot;ROR-IKT;Færre henvendelser\r\n")
            .expect("reads");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].title(), "Chatbot");
        assert!(rows[0]
            .fields
            .contains(&FieldValue::Submitter("ROR-IKT".into())));
    }

    #[test]
    fn every_column_of_every_format_is_read() {
        for cols in [
            &columns::FOSEN[..],
            &columns::PROPOSALS[..],
            &columns::STYR[..],
        ] {
            let header = cols.join(",");
            let row: Vec<&str> = cols
                .iter()
                .map(|c| match *c {
                    "id" => "0190b5a0-0000-7000-8000-000000000001",
                    "stage" => "vurdering",
                    "priority" | "prioritet" | "funds_nok" | "prosjektmidler_nok" => "3",
                    "timeline_start" | "timeline_end" => "2012-04-01",
                    _ => "x",
                })
                .collect();
            let rows = read_csv(&format!("{header}\n{}\n", row.join(","))).expect("reads");
            // Each column gives one field, except id and stage.
            let expected = cols.iter().filter(|c| !["id", "stage"].contains(c)).count();
            assert_eq!(rows[0].fields.len(), expected, "{header}");
        }
    }

    #[test]
    fn skips_blank_rows_and_refuses_ragged_ones() {
        let rows = read_csv("tittel,fra\nA,B\n,\n\n , \nC,D\n").expect("reads");
        assert_eq!(rows.len(), 2);
        let e = read_csv("tittel,fra\nA,B\nC\n").unwrap_err();
        assert_eq!(e.line(), Some(3));
        assert!(
            e.to_string()
                .contains("has 1 cell, but the header has 2 columns"),
            "{e}"
        );
    }

    #[test]
    fn refuses_an_id_used_twice() {
        let id = "0190b5a0-0000-7000-8000-000000000001";
        let e = read_csv(&format!("id,title\n{id},A\n{id},B\n")).unwrap_err();
        assert_eq!(e.line(), Some(3));
        assert!(e.to_string().contains("also on line 2"), "{e}");
    }

    #[test]
    fn refuses_an_end_before_the_start() {
        let e =
            read_csv("title,timeline_start,timeline_end\nA,2013-01-01,2012-12-31\n").unwrap_err();
        assert_eq!(e.line(), Some(2));
    }

    #[test]
    fn empty_file_is_a_format_error() {
        assert!(matches!(read_csv(""), Err(ImportError::Format(_))));
        assert!(matches!(read_csv("\u{feff}"), Err(ImportError::Format(_))));
    }
}
