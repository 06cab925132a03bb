//! Telling the CSV format from its header.

use crate::io::columns;
use crate::io::ImportError;

/// The CSV formats `read_csv` understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Format {
    Fosen,
    Proposals,
    Styr,
}

impl Format {
    const ALL: [Format; 3] = [Format::Fosen, Format::Proposals, Format::Styr];

    fn columns(self) -> &'static [&'static str] {
        match self {
            Format::Fosen => &columns::FOSEN,
            Format::Proposals => &columns::PROPOSALS,
            Format::Styr => &columns::STYR,
        }
    }

    /// The one column a file of this format must have; every other column may be left out.
    fn title_column(self) -> &'static str {
        match self {
            Format::Fosen => "tiltak",
            Format::Proposals => "tittel",
            Format::Styr => "title",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Format::Fosen => "the action plan format",
            Format::Proposals => "the proposals format",
            Format::Styr => "styr's export format",
        }
    }
}

/// A recognised header: for each column of the file, its canonical name (which tells
/// the format) and its name as the file spells it (for messages).
#[derive(Debug)]
pub(super) struct Layout {
    pub columns: Vec<(&'static str, String)>,
}

fn normalise(name: &str) -> String {
    name.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .to_lowercase()
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Recognises the header: names are trimmed and compared without regard to case, in any
/// order. A column the format does not know is an error, so no data is dropped silently.
pub(super) fn detect(header: &[String]) -> Result<Layout, ImportError> {
    let names: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            return Err(ImportError::Format(format!(
                "column {} of the header has no name; every column needs one",
                i + 1
            )));
        }
        if names[..i].contains(n) {
            return Err(ImportError::Format(format!(
                "the column '{}' appears twice in the header",
                header[i].trim()
            )));
        }
    }
    let format = Format::ALL
        .into_iter()
        .filter(|f| names.iter().any(|n| n == f.title_column()))
        .max_by_key(|f| {
            // Most known columns wins; on a tie the earlier format (max_by_key keeps the last).
            let known = names
                .iter()
                .filter(|n| f.columns().contains(&n.as_str()))
                .count();
            (known, std::cmp::Reverse(*f as u8))
        })
        .ok_or_else(|| unknown_header(header))?;
    let mut columns = Vec::with_capacity(names.len());
    let mut extra = Vec::new();
    for (name, spelled) in names.iter().zip(header) {
        match format.columns().iter().find(|c| **c == name.as_str()) {
            Some(c) => columns.push((*c, spelled.trim().to_string())),
            None => extra.push(spelled.trim()),
        }
    }
    if !extra.is_empty() {
        let (what, verb) = if extra.len() == 1 {
            ("the column", "is")
        } else {
            ("the columns", "are")
        };
        return Err(ImportError::Format(format!(
            "{what} {} {verb} not part of {} (its columns are: {}); rename or remove {} so that no data is lost",
            quoted(&extra),
            format.describe(),
            format.columns().join(", "),
            if extra.len() == 1 { "it" } else { "them" },
        )));
    }
    Ok(Layout { columns })
}

fn unknown_header(header: &[String]) -> ImportError {
    let found: Vec<&str> = header.iter().map(|h| h.trim()).collect();
    ImportError::Format(format!(
        "the header does not match a format styr can import (found: {}). Expected the columns of an action plan ({}), of a proposals sheet ({}), or of styr's export ({})",
        quoted(&found),
        columns::FOSEN.join(", "),
        columns::PROPOSALS.join(", "),
        columns::STYR.join(", "),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_str(h: &str) -> Result<Layout, ImportError> {
        detect(&h.split(',').map(String::from).collect::<Vec<_>>())
    }

    /// The canonical names, in file order.
    fn names(l: &Layout) -> Vec<&'static str> {
        l.columns.iter().map(|c| c.0).collect()
    }

    #[test]
    fn recognises_each_format_in_any_case_and_order() {
        let fosen = detect_str(&columns::FOSEN.join(",")).unwrap();
        assert_eq!(names(&fosen), columns::FOSEN);
        let proposals = detect_str(" Gevinst ,TITTEL,fra").unwrap();
        assert_eq!(names(&proposals), ["gevinst", "tittel", "fra"]);
        assert_eq!(proposals.columns[0].1, "Gevinst", "spelled as in the file");
        let styr = detect_str(&columns::STYR.join(",")).unwrap();
        assert_eq!(names(&styr), columns::STYR);
        assert_eq!(
            names(&detect_str("Title,stage").unwrap()),
            ["title", "stage"]
        );
    }

    #[test]
    fn names_an_extra_column() {
        let e = detect_str("tittel,fra,kommentar").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("'kommentar'"), "{msg}");
        assert!(msg.contains("proposals"), "{msg}");
    }

    #[test]
    fn unknown_header_lists_what_was_expected() {
        let msg = detect_str("navn,adresse").unwrap_err().to_string();
        assert!(msg.contains("'navn', 'adresse'"), "{msg}");
        assert!(msg.contains("prosjektmidler_nok"), "{msg}");
        assert!(msg.contains("tittel, fra"), "{msg}");
        assert!(msg.contains("benefit_summary"), "{msg}");
    }

    #[test]
    fn refuses_duplicate_and_unnamed_columns() {
        assert!(detect_str("tittel,Tittel")
            .unwrap_err()
            .to_string()
            .contains("twice"));
        assert!(detect_str("tittel,,fra")
            .unwrap_err()
            .to_string()
            .contains("column 2"));
    }
}
