//! Reading one cell: numbers, kroner, dates, ids, stages and lists.

use crate::io::error::RowReason;
use crate::io::ImportError;
use crate::model::{Anchor, ItemId, StageKey, Stages};
use chrono::NaiveDate;

/// One cell of a row: where it is, what its column is called in the file, and its text
/// (trimmed). An empty cell means "no value".
#[derive(Clone, Copy, Debug)]
pub(super) struct Cell<'a> {
    pub line: u64,
    pub column: &'a str,
    pub value: &'a str,
}

impl Cell<'_> {
    fn error(&self, reason: fn(String, String) -> RowReason) -> ImportError {
        ImportError::row(self.line, reason(self.column.into(), self.value.into()))
    }

    pub fn text(&self) -> String {
        self.value.to_string()
    }

    /// A list written "a; b; c". Empty parts are dropped.
    pub fn list(&self) -> Vec<String> {
        split_list(self.value)
    }

    pub fn anchors(&self) -> Vec<Anchor> {
        Anchor::parse_all(self.value)
    }

    pub fn priority(&self) -> Result<Option<u32>, ImportError> {
        if self.value.is_empty() {
            return Ok(None);
        }
        digits(self.value)
            .and_then(|d| d.parse().ok())
            .map(Some)
            .ok_or_else(|| self.error(|column, value| RowReason::NotWholeNumber { column, value }))
    }

    pub fn funds(&self) -> Result<Option<u64>, ImportError> {
        if self.value.is_empty() {
            return Ok(None);
        }
        parse_funds(self.value)
            .map(Some)
            .ok_or_else(|| self.error(|column, value| RowReason::NotKroner { column, value }))
    }

    pub fn date(&self) -> Result<Option<NaiveDate>, ImportError> {
        if self.value.is_empty() {
            return Ok(None);
        }
        parse_date(self.value)
            .map(Some)
            .ok_or_else(|| self.error(|column, value| RowReason::NotDate { column, value }))
    }

    pub fn id(&self) -> Result<Option<ItemId>, ImportError> {
        if self.value.is_empty() {
            return Ok(None);
        }
        uuid::Uuid::parse_str(self.value)
            .map(|u| Some(ItemId(u)))
            .map_err(|_| self.error(|column, value| RowReason::NotId { column, value }))
    }

    pub fn stage(&self, stages: &Stages) -> Result<Option<StageKey>, ImportError> {
        if self.value.is_empty() {
            return Ok(None);
        }
        match find_stage(self.value, stages) {
            Some(key) => Ok(Some(key)),
            None => {
                let stages = stages
                    .all()
                    .iter()
                    .map(|s| s.key.as_str().to_string())
                    .collect();
                Err(ImportError::row(
                    self.line,
                    RowReason::UnknownStage {
                        column: self.column.into(),
                        value: self.value.into(),
                        stages,
                    },
                ))
            }
        }
    }
}

pub(super) fn split_list(text: &str) -> Vec<String> {
    text.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// The text when it is only ASCII digits.
fn digits(s: &str) -> Option<&str> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then_some(s)
}

/// Whole kroner: "100000", or grouped by thousands with a space, a no-break space or a
/// narrow no-break space: "2 500 000". Anything else (decimals, "mill", "kr") is refused.
pub(super) fn parse_funds(s: &str) -> Option<u64> {
    let groups: Vec<&str> = s.split([' ', '\u{a0}', '\u{202f}']).collect();
    if groups.iter().any(|g| digits(g).is_none()) {
        return None;
    }
    if groups.len() > 1 {
        let first_ok = (1..=3).contains(&groups[0].len());
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
    }
    groups.concat().parse().ok()
}

/// ISO dates (2012-04-01), and the Norwegian way of writing them (01.04.2012).
pub(super) fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        .ok()
}

/// A stage by key, or else by its key or either name without regard to case.
pub(crate) fn find_stage(text: &str, stages: &Stages) -> Option<StageKey> {
    let key = StageKey::new(text);
    if stages.get(&key).is_some() {
        return Some(key);
    }
    let wanted = text.to_lowercase();
    stages
        .all()
        .iter()
        .find(|s| {
            [s.key.as_str(), s.name.as_str(), s.name_en.as_str()]
                .iter()
                .any(|n| n.to_lowercase() == wanted)
        })
        .map(|s| s.key.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funds_accept_plain_and_grouped_kroner() {
        assert_eq!(parse_funds("100000"), Some(100_000));
        assert_eq!(parse_funds("100 000"), Some(100_000));
        assert_eq!(parse_funds("2 500 000"), Some(2_500_000));
        assert_eq!(parse_funds("2\u{a0}500\u{a0}000"), Some(2_500_000));
        assert_eq!(parse_funds("1\u{202f}500\u{202f}000"), Some(1_500_000));
        assert_eq!(parse_funds("0"), Some(0));
    }

    #[test]
    fn funds_refuse_everything_else() {
        for bad in [
            "12,5 mill",
            "1.500.000",
            "kr 100",
            "100 kr",
            "-5",
            "+5",
            "1 00 000",
            "1000 000",
            "1  000",
            " ",
            "99999999999999999999999",
        ] {
            assert_eq!(parse_funds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn dates_in_iso_and_norwegian_form() {
        let d = NaiveDate::from_ymd_opt(2012, 4, 1);
        assert_eq!(parse_date("2012-04-01"), d);
        assert_eq!(parse_date("01.04.2012"), d);
        assert_eq!(parse_date("2012-13-01"), None);
        assert_eq!(parse_date("2. kv. 2012"), None);
    }

    #[test]
    fn stages_by_key_or_name() {
        let stages = Stages::default();
        assert_eq!(
            find_stage("gjennomforing", &stages),
            Some(StageKey::new("gjennomforing"))
        );
        assert_eq!(
            find_stage("Gjennomføring", &stages),
            Some(StageKey::new("gjennomforing"))
        );
        assert_eq!(
            find_stage("in progress", &stages),
            Some(StageKey::new("gjennomforing"))
        );
        assert_eq!(find_stage("ferdig", &stages), None);
    }

    #[test]
    fn bad_cells_name_line_column_and_value() {
        let c = Cell {
            line: 7,
            column: "prosjektmidler_nok",
            value: "12,5 mill",
        };
        assert_eq!(
            c.funds().unwrap_err().to_string(),
            "line 7: 'prosjektmidler_nok' is not a whole number of kroner: '12,5 mill'"
        );
        let c = Cell {
            line: 3,
            column: "stage",
            value: "ferdig",
        };
        let msg = c.stage(&Stages::default()).unwrap_err().to_string();
        assert!(msg.starts_with("line 3: 'stage' names no stage"), "{msg}");
        assert!(msg.contains("innkommet, vurdering"), "{msg}");
    }
}
