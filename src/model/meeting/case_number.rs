//! Case numbers [saksnummer], counted per body and year: "sak 08/12" is case 8 of 2012.
//! The server assigns them (so two secretaries creating cases at once never get the same
//! number); how they are written is the body's choice.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Case `seq` of `year` in one body's count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CaseNumber {
    pub year: i32,
    pub seq: u32,
}

/// How a body writes its case numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseNumberFormat {
    /// `08/12`: two-digit count, two-digit year (the common form in minutes).
    #[default]
    NnYy,
    /// `2012/008`: four-digit year, three-digit count.
    YyyyNnn,
}

impl CaseNumber {
    pub fn format(&self, format: CaseNumberFormat) -> String {
        match format {
            CaseNumberFormat::NnYy => format!("{:02}/{:02}", self.seq, self.year.rem_euclid(100)),
            CaseNumberFormat::YyyyNnn => format!("{:04}/{:03}", self.year, self.seq),
        }
    }
}

impl fmt::Display for CaseNumber {
    /// The default form, `NN/YY`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.format(CaseNumberFormat::NnYy))
    }
}

impl std::str::FromStr for CaseNumberFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "NN/YY" => Ok(CaseNumberFormat::NnYy),
            "YYYY/NNN" => Ok(CaseNumberFormat::YyyyNnn),
            other => Err(format!(
                "unknown case number format {other:?}; use NN/YY or YYYY/NNN"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_both_ways() {
        let n = CaseNumber { year: 2012, seq: 8 };
        assert_eq!(n.format(CaseNumberFormat::NnYy), "08/12");
        assert_eq!(n.format(CaseNumberFormat::YyyyNnn), "2012/008");
        assert_eq!(n.to_string(), "08/12");
        let big = CaseNumber {
            year: 2026,
            seq: 123,
        };
        assert_eq!(big.format(CaseNumberFormat::NnYy), "123/26");
        assert_eq!("yyyy/nnn".parse(), Ok(CaseNumberFormat::YyyyNnn));
        assert!("NN-YY".parse::<CaseNumberFormat>().is_err());
    }
}

/// How a body runs its meetings: the settings' `[meeting]` table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BodyRules {
    /// The body's name, for new meetings.
    pub body: String,
    /// `NN/YY` (default) or `YYYY/NNN`.
    #[serde(with = "format_text")]
    pub case_format: CaseNumberFormat,
    /// Whether the chair's vote decides a tie (never in elections).
    pub casting_vote: bool,
    /// One vote per municipality instead of one per person.
    pub per_municipality: bool,
    /// Dots each voter spreads in a dot vote.
    pub dots: u32,
    /// The key of the criteria set items are scored on: "prosjektportalen" (the
    /// default) or "nordland". An unknown key is refused when the settings are read.
    #[serde(with = "criteria_key")]
    pub criteria: String,
}

impl BodyRules {
    /// The criteria set the body scores items on. The key was checked when the settings
    /// were read; a key set some other way that styr does not know gives the default.
    pub fn criteria_set(&self) -> crate::model::criteria::CriteriaSet {
        crate::model::criteria::CriteriaSet::by_key(&self.criteria).unwrap_or_default()
    }
}

impl Default for BodyRules {
    fn default() -> Self {
        BodyRules {
            body: "Bestillerutvalget".into(),
            case_format: CaseNumberFormat::NnYy,
            casting_vote: false,
            per_municipality: false,
            dots: 5,
            criteria: "prosjektportalen".into(),
        }
    }
}

/// The criteria set as the settings name it: one of `CriteriaSet::KEYS`, in any case;
/// anything else is an error that names the sets (reported with the file and line).
mod criteria_key {
    use crate::model::criteria::CriteriaSet;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(key: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(key)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        let text = String::deserialize(d)?;
        let key = text.trim().to_lowercase();
        if CriteriaSet::by_key(&key).is_some() {
            return Ok(key);
        }
        Err(serde::de::Error::custom(format!(
            "unknown criteria set \"{text}\"; the sets are {}",
            CriteriaSet::KEYS.join(" and ")
        )))
    }
}

/// The case format as people write it in the settings: "NN/YY" or "YYYY/NNN".
mod format_text {
    use super::CaseNumberFormat;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(f: &CaseNumberFormat, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(match f {
            CaseNumberFormat::NnYy => "NN/YY",
            CaseNumberFormat::YyyyNnn => "YYYY/NNN",
        })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<CaseNumberFormat, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
