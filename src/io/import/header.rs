//! Telling the CSV format from its header.

use super::map::{canonical, normalise, ColumnMap};
use crate::io::columns;
use crate::io::error::{FileFormat, FormatReason};
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

    fn file_format(self) -> FileFormat {
        match self {
            Format::Fosen => FileFormat::ActionPlan,
            Format::Proposals => FileFormat::Proposals,
            Format::Styr => FileFormat::Styr,
        }
    }
}

/// A recognised header: for each column of the file, its canonical name (which tells
/// the format) and its name as the file spells it (for messages).
#[derive(Debug)]
pub(super) struct Layout {
    pub columns: Vec<(&'static str, String)>,
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// Recognises the header: names are trimmed and compared without regard to case, in any
/// order. A column the format does not know is an error, so no data is dropped silently.
#[cfg(test)]
fn detect(header: &[String]) -> Result<Layout, ImportError> {
    detect_mapped(header, &ColumnMap::default())
}

/// As [`detect`], with the columns named in `map` read as the fields it gives them. The
/// other columns pick the format; a mapped title column lets any format do.
pub(super) fn detect_mapped(header: &[String], map: &ColumnMap) -> Result<Layout, ImportError> {
    let names: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    for (i, n) in names.iter().enumerate() {
        if n.is_empty() {
            return Err(ImportError::Format(FormatReason::UnnamedColumn {
                index: i + 1,
            }));
        }
        if names[..i].contains(n) {
            return Err(ImportError::Format(FormatReason::ColumnTwice {
                column: header[i].trim().to_string(),
            }));
        }
    }
    let missing: Vec<&str> = map
        .headers()
        .filter(|h| !names.iter().any(|n| n == h))
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::Format(FormatReason::MapMissing {
            missing: owned(&missing),
            header: header.iter().map(|h| h.trim().to_string()).collect(),
        }));
    }
    // A `--map` wins; then the headers every format knows ("nytt system", …).
    let mapped: Vec<Option<&'static str>> = names
        .iter()
        .map(|n| map.target(n).or_else(|| alias(n)))
        .collect();
    let unmapped: Vec<&str> = names
        .iter()
        .zip(&mapped)
        .filter(|(_, m)| m.is_none())
        .map(|(n, _)| n.as_str())
        .collect();
    let title_mapped = mapped.contains(&Some("title"));
    let format = Format::ALL
        .into_iter()
        .filter(|f| title_mapped || unmapped.contains(&f.title_column()))
        .max_by_key(|f| {
            // Most known columns wins; on a tie the earlier format (max_by_key keeps the last).
            let known = unmapped.iter().filter(|n| f.columns().contains(*n)).count();
            (known, std::cmp::Reverse(*f as u8))
        })
        .ok_or_else(|| unknown_header(header))?;
    let mut columns: Vec<(&'static str, String)> = Vec::with_capacity(names.len());
    let mut extra = Vec::new();
    for ((name, spelled), target) in names.iter().zip(header).zip(&mapped) {
        let known = target.or_else(|| {
            format
                .columns()
                .iter()
                .find(|c| **c == name.as_str())
                .copied()
        });
        match known {
            Some(c) => columns.push((c, spelled.trim().to_string())),
            None => extra.push(spelled.trim()),
        }
    }
    if !extra.is_empty() {
        return Err(ImportError::Format(FormatReason::ExtraColumns {
            columns: owned(&extra),
            format: format.file_format(),
        }));
    }
    for (i, (name, spelled)) in columns.iter().enumerate() {
        let field = canonical(name);
        if let Some((_, first)) = columns[..i].iter().find(|(n, _)| canonical(n) == field) {
            return Err(ImportError::Format(FormatReason::SameField {
                first: first.clone(),
                second: spelled.clone(),
                field: field.unwrap_or(name).to_string(),
            }));
        }
    }
    Ok(Layout { columns })
}

/// The field a header names in every format (see [`columns::ALIASES`]).
fn alias(normalised: &str) -> Option<&'static str> {
    columns::ALIASES
        .iter()
        .find(|(h, _)| *h == normalised)
        .map(|(_, field)| *field)
}

fn unknown_header(header: &[String]) -> ImportError {
    ImportError::Format(FormatReason::UnknownHeader {
        found: header.iter().map(|h| h.trim().to_string()).collect(),
    })
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
    fn mapped_columns_join_any_format() {
        let map = ColumnMap::parse(["Navn på tiltak=title,Kommune=submitter"]).expect("map");
        let h: Vec<String> = ["Navn på tiltak", "Kommune", "gevinst"]
            .map(String::from)
            .to_vec();
        let l = detect_mapped(&h, &map).expect("detects");
        assert_eq!(names(&l), ["title", "submitter", "gevinst"]);
        // A mapped column next to the format's own title column is a clash.
        let one = ColumnMap::parse(["Navn på tiltak=title"]).expect("map");
        let h: Vec<String> = ["tittel", "Navn på tiltak"].map(String::from).to_vec();
        let msg = detect_mapped(&h, &one).unwrap_err().to_string();
        assert!(msg.contains("both give the field 'title'"), "{msg}");
        // A mapped header the file does not have is named.
        let h: Vec<String> = ["tittel"].map(String::from).to_vec();
        let msg = detect_mapped(&h, &map).unwrap_err().to_string();
        assert!(msg.contains("'navn på tiltak'"), "{msg}");
    }

    #[test]
    fn system_columns_join_any_format() {
        let l = detect_str("tittel,fra,Nytt system,Fases ut").unwrap();
        assert_eq!(
            names(&l),
            ["tittel", "fra", "introduces_system", "retires_system"]
        );
        let l = detect_str("tiltak,prioritet, Innfører system ").unwrap();
        assert_eq!(names(&l), ["tiltak", "prioritet", "introduces_system"]);
        assert_eq!(l.columns[2].1, "Innfører system", "spelled as in the file");
        let l = detect_str("title,New System").unwrap();
        assert_eq!(names(&l), ["title", "introduces_system"]);
        let msg = detect_str("title,introduces_system,nytt system")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("both give the field"), "{msg}");
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
