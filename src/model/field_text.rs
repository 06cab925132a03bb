//! Fields as people type them: the edit form and the CSV files show every field as one
//! line of text (lists joined with "; ", dates as YYYY-MM-DD, kroner with or without
//! thousands spaces). Parsing is strict and says which kind of value was expected.

use super::{Anchor, FieldName, FieldValue, Item, ItemId, StageKey};
use chrono::NaiveDate;

/// Why a typed value could not become a field value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldParseError {
    NotANumber,
    NotADate,
}

impl FieldValue {
    /// The field as one editable text.
    pub fn to_text(&self) -> String {
        match self {
            FieldValue::Title(s)
            | FieldValue::Description(s)
            | FieldValue::Submitter(s)
            | FieldValue::ProjectLeader(s)
            | FieldValue::Timeline(s)
            | FieldValue::FundingSource(s)
            | FieldValue::BenefitSummary(s)
            | FieldValue::SavedCosts(s)
            | FieldValue::SavedTime(s)
            | FieldValue::IncreasedQuality(s)
            | FieldValue::IntroducesSystem(s)
            | FieldValue::RetiresSystem(s) => s.clone(),
            FieldValue::Anchoring(a) => Anchor::format_all(a),
            FieldValue::Priority(p) => p.map(|p| p.to_string()).unwrap_or_default(),
            FieldValue::Funds(f) => f.map(|f| f.to_string()).unwrap_or_default(),
            FieldValue::ProjectGroup(v) | FieldValue::Tags(v) => v.join("; "),
            FieldValue::TimelineStart(d) | FieldValue::TimelineEnd(d) => d
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        }
    }

    /// True when this is the value a blank item has, so setting it on a new item would
    /// change nothing (an empty text or list, no number, no date).
    pub fn is_unset(&self) -> bool {
        let blank = Item::blank(ItemId(uuid::Uuid::nil()), StageKey(String::new()), 0);
        blank.get(self.name()) == *self
    }

    /// Parses typed text into a value of field `name`. Empty text means "none".
    pub fn parse(name: FieldName, text: &str) -> Result<FieldValue, FieldParseError> {
        let s = text.to_string();
        let t = text.trim();
        Ok(match name {
            FieldName::Title => FieldValue::Title(t.to_string()),
            FieldName::Description => FieldValue::Description(s.trim_end().to_string()),
            FieldName::Submitter => FieldValue::Submitter(t.to_string()),
            FieldName::ProjectLeader => FieldValue::ProjectLeader(t.to_string()),
            FieldName::Timeline => FieldValue::Timeline(t.to_string()),
            FieldName::FundingSource => FieldValue::FundingSource(t.to_string()),
            FieldName::BenefitSummary => FieldValue::BenefitSummary(t.to_string()),
            FieldName::SavedCosts => FieldValue::SavedCosts(t.to_string()),
            FieldName::SavedTime => FieldValue::SavedTime(t.to_string()),
            FieldName::IncreasedQuality => FieldValue::IncreasedQuality(t.to_string()),
            FieldName::IntroducesSystem => FieldValue::IntroducesSystem(t.to_string()),
            FieldName::RetiresSystem => FieldValue::RetiresSystem(t.to_string()),
            FieldName::Anchoring => FieldValue::Anchoring(Anchor::parse_all(t)),
            FieldName::Priority => FieldValue::Priority(
                parse_number(t)?
                    .map(u32::try_from)
                    .transpose()
                    .map_err(|_| FieldParseError::NotANumber)?,
            ),
            FieldName::Funds => FieldValue::Funds(parse_number(t)?),
            FieldName::ProjectGroup => FieldValue::ProjectGroup(split_list(t)),
            FieldName::Tags => FieldValue::Tags(split_list(t)),
            FieldName::TimelineStart => FieldValue::TimelineStart(parse_date(t)?),
            FieldName::TimelineEnd => FieldValue::TimelineEnd(parse_date(t)?),
        })
    }
}

/// "2 500 000", "2 500 000" (no-break space) and "2500000" are the same number.
fn parse_number(t: &str) -> Result<Option<u64>, FieldParseError> {
    if t.is_empty() {
        return Ok(None);
    }
    let digits: String = t
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    let n: u64 = digits.parse().map_err(|_| FieldParseError::NotANumber)?;
    Ok(Some(n))
}

fn parse_date(t: &str) -> Result<Option<NaiveDate>, FieldParseError> {
    if t.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| FieldParseError::NotADate)
}

fn split_list(t: &str) -> Vec<String> {
    t.split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_means_what_a_blank_item_has() {
        for name in FieldName::ALL {
            assert!(
                FieldValue::parse(name, "")
                    .expect("empty parses")
                    .is_unset(),
                "{name:?}"
            );
        }
        assert!(!FieldValue::Funds(Some(0)).is_unset());
        assert!(!FieldValue::Title("x".into()).is_unset());
        assert!(!FieldValue::Tags(vec![String::new()]).is_unset());
    }

    #[test]
    fn kroner_with_spaces() {
        assert_eq!(
            FieldValue::parse(FieldName::Funds, "2 500 000"),
            Ok(FieldValue::Funds(Some(2_500_000)))
        );
        assert_eq!(
            FieldValue::parse(FieldName::Funds, "2\u{a0}500"),
            Ok(FieldValue::Funds(Some(2_500)))
        );
        assert_eq!(
            FieldValue::parse(FieldName::Funds, "12,5 mill"),
            Err(FieldParseError::NotANumber)
        );
        assert_eq!(
            FieldValue::parse(FieldName::Priority, "99999999999"),
            Err(FieldParseError::NotANumber)
        );
    }

    #[test]
    fn text_round_trips_for_every_field() {
        let samples = [
            (
                FieldName::Anchoring,
                "Kompetanse: hovedmål 2 og 3; Teknologiutvikling: hovedmål 1",
            ),
            (FieldName::ProjectGroup, "Rådmann; Personalsjef"),
            (FieldName::TimelineStart, "2012-04-01"),
            (FieldName::Priority, "3"),
            (FieldName::Funds, "100000"),
            (FieldName::Title, "Papirløse møter"),
        ];
        for (name, text) in samples {
            let v = FieldValue::parse(name, text).expect("valid sample");
            assert_eq!(v.to_text(), text, "{name:?}");
        }
        assert_eq!(
            FieldValue::parse(FieldName::TimelineEnd, "1. april"),
            Err(FieldParseError::NotADate)
        );
    }
}
