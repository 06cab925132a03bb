//! `--map`: extra header → field mappings for sheets whose columns styr does not know.

use crate::io::columns;

/// Header → field mappings, as given with `--map "Kolonne i fila=title,Annen=description"`.
/// Header names are compared trimmed and without regard to case; a field is named by its
/// column in styr's export (`title`, `description`, …) or in the action plan and
/// proposals formats (`tittel`, `beskrivelse`, …).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnMap(Vec<(String, &'static str)>);

/// A `--map` that cannot be understood.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// A part without '=' or with an empty side.
    #[error("'{part}' is not of the form 'column in the file=field'")]
    Syntax { part: String },
    /// The field is not one styr has.
    #[error("'{field}' is not a field of styr; the fields are: {}", field_names().join(", "))]
    UnknownField { field: String },
}

/// The field names `--map` accepts, as listed in messages: styr's export columns.
pub fn field_names() -> &'static [&'static str] {
    &columns::STYR
}

impl ColumnMap {
    /// Parses one or more `--map` values, each a comma-separated list of
    /// `header=field`. A header may itself contain '=': the last one splits.
    pub fn parse<'a>(specs: impl IntoIterator<Item = &'a str>) -> Result<Self, MapError> {
        let mut pairs = Vec::new();
        for spec in specs {
            for part in spec.split(',').filter(|p| !p.trim().is_empty()) {
                let syntax = || MapError::Syntax {
                    part: part.trim().to_string(),
                };
                let (header, field) = part.rsplit_once('=').ok_or_else(syntax)?;
                let (header, field) = (normalise(header), field.trim());
                if header.is_empty() || field.is_empty() {
                    return Err(syntax());
                }
                let target = canonical(field).ok_or_else(|| MapError::UnknownField {
                    field: field.to_string(),
                })?;
                pairs.retain(|(h, _)| *h != header);
                pairs.push((header, target));
            }
        }
        Ok(ColumnMap(pairs))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The field (an export column name) a header is mapped to.
    pub(super) fn target(&self, normalised_header: &str) -> Option<&'static str> {
        self.0
            .iter()
            .find(|(h, _)| h == normalised_header)
            .map(|(_, f)| *f)
    }

    /// The mapped headers, normalised.
    pub(super) fn headers(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(h, _)| h.as_str())
    }
}

/// A header name as compared: trimmed (a BOM too) and lower-cased.
pub(super) fn normalise(name: &str) -> String {
    name.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .to_lowercase()
}

/// The export column of a field named in any of the formats, without regard to case.
pub(super) fn canonical(name: &str) -> Option<&'static str> {
    let name = name.trim().to_lowercase();
    let alias = match name.as_str() {
        "tiltak" | "tittel" => "title",
        "beskrivelse" => "description",
        "fra" => "submitter",
        "strategisk_forankring" => "anchoring",
        "prioritet" => "priority",
        "prosjektleder" => "project_leader",
        "prosjektgruppe" => "project_group",
        "tidsplan" => "timeline",
        "prosjektmidler_nok" => "funds_nok",
        "finansiering" => "funding_source",
        "gevinst" => "benefit_summary",
        other => other,
    };
    columns::STYR.iter().copied().find(|c| *c == alias)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pairs_in_one_or_more_values() {
        let m = ColumnMap::parse(["Kolonne i fila=title, Annen = Beskrivelse", "Kr=funds_nok"])
            .expect("parses");
        assert_eq!(m.target("kolonne i fila"), Some("title"));
        assert_eq!(m.target("annen"), Some("description"));
        assert_eq!(m.target("kr"), Some("funds_nok"));
        assert_eq!(m.target("tittel"), None);
        assert!(ColumnMap::parse([""]).expect("empty is fine").is_empty());
        let m = ColumnMap::parse(["a=b=title"]).expect("last '=' splits");
        assert_eq!(m.target("a=b"), Some("title"));
    }

    #[test]
    fn unknown_fields_and_bad_syntax_are_named() {
        let e = ColumnMap::parse(["Navn=navn"]).unwrap_err();
        assert_eq!(
            e,
            MapError::UnknownField {
                field: "navn".into()
            }
        );
        let msg = e.to_string();
        assert!(msg.contains("title, description, submitter"), "{msg}");
        assert_eq!(
            ColumnMap::parse(["Navn"]).unwrap_err(),
            MapError::Syntax {
                part: "Navn".into()
            }
        );
        assert!(matches!(
            ColumnMap::parse(["=title"]),
            Err(MapError::Syntax { .. })
        ));
    }
}
