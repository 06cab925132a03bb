//! Reading CSV: the header picks the format, each row becomes an item.

use super::map::ColumnMap;
use super::table::Collector;
use super::ImportedItem;
use crate::io::error::{FormatReason, RowReason};
use crate::io::ImportError;
use crate::model::Stages;
use csv::{ReaderBuilder, StringRecord};

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
/// Cells are trimmed; rows whose cells are all empty are skipped. Every bad row is
/// reported (see [`ImportError::Rows`]), not only the first.
pub fn read_csv_with(text: &str, stages: &Stages) -> Result<Vec<ImportedItem>, ImportError> {
    read_csv_mapped(text, &ColumnMap::default(), stages, &mut |_, _| {}).map(|(items, _)| items)
}

/// As [`read_csv_with`], with `--map` mappings, returning the line each item starts
/// on too. `progress` is told (bytes read, bytes in all) now and then.
pub(super) fn read_csv_mapped(
    text: &str,
    map: &ColumnMap,
    stages: &Stages,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Vec<ImportedItem>, Vec<u64>), ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let total = text.len() as u64;
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(guess_delimiter(text))
        .from_reader(text.as_bytes());
    let mut record = StringRecord::new();
    // Blank lines only (spaces, line ends) are as empty as no bytes at all.
    if text.trim().is_empty() || !reader.read_record(&mut record).map_err(csv_error)? {
        return Err(ImportError::Format(FormatReason::EmptyFile));
    }
    let names: Vec<String> = record.iter().map(String::from).collect();
    let mut rows = Collector::new(&names, map, stages)?;
    let mut n = 0u64;
    while reader.read_record(&mut record).map_err(csv_error)? {
        let position = record.position();
        let line = position.map_or(0, |p| line_of(text, p));
        let cells: Vec<&str> = record.iter().collect();
        rows.push(line, &cells);
        n += 1;
        if n.is_multiple_of(1024) {
            progress(position.map_or(0, |p| p.byte()), total);
        }
    }
    progress(total, total);
    rows.finish()
}

/// The line a record starts on. After a "\r\n" line end the reader puts the next
/// record's start on the "\n", still counted as the line before.
fn line_of(text: &str, p: &csv::Position) -> u64 {
    let on_newline = usize::try_from(p.byte())
        .ok()
        .and_then(|b| text.as_bytes().get(b))
        == Some(&b'\n');
    p.line() + u64::from(on_newline)
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
        Some(p) => ImportError::row(
            p.line(),
            RowReason::Csv {
                detail: e.to_string(),
            },
        ),
        None => ImportError::Format(FormatReason::Csv {
            detail: e.to_string(),
        }),
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
        assert!(matches!(e, ImportError::Row { .. }), "one bad row: {e:?}");
        assert_eq!(e.line(), Some(3));
        assert!(
            e.to_string()
                .contains("has 1 cell, but the header has 2 columns"),
            "{e}"
        );
    }

    #[test]
    fn reports_every_bad_row() {
        let e = read_csv("tittel,fra\nA,B\nC\n,Osen\nD,E\nF,G,H\n").unwrap_err();
        let rows: Vec<u64> = e.rows().iter().map(|r| r.0).collect();
        assert_eq!(rows, [3, 4, 6], "{e}");
        assert_eq!(e.line(), Some(3));
        let msg = e.to_string();
        assert!(msg.contains("line 4: 'tittel' is empty"), "{msg}");
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
