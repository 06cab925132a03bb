//! Prioritisation criteria for scoring rounds: which criteria each scorer marks, and where
//! the mean total of a proposal puts it (Må ha, Bør ha, Kan ha, Skal ikke ha).
//!
//! Every criterion is marked on the same scale, 1 to 5, higher is better (so "risk" is
//! marked 5 when the risk of *not* doing it is high, as Prosjektportalen does). A scorer
//! may adjust the sum by up to ±5 points and says why in a comment.
//!
//! Thresholds are kept in hundredths of a point, as integers: a class is decided by
//! comparing a mean (a fraction of integers) with them exactly, so two replicas that tally
//! the same ballots never disagree about a proposal that lands on a boundary.

use serde::{Deserialize, Serialize};

/// The lowest mark on a criterion.
pub const SCORE_MIN: u8 = 1;
/// The highest mark on a criterion.
pub const SCORE_MAX: u8 = 5;
/// A scorer's adjustment lies in `-ADJUSTMENT_LIMIT..=ADJUSTMENT_LIMIT`.
pub const ADJUSTMENT_LIMIT: i8 = 5;

/// Prosjektportalen's thresholds for five criteria (max 25), per criterion and in
/// hundredths: 22/25, 16/25 and 8/25 of the maximum. Any number of criteria scales from
/// these, so the classes mean the same share of the maximum whatever the set.
const PER_CRITERION_X100: [i64; 3] = [440, 320, 160];

/// Where a scored proposal lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriorityClass {
    /// Må ha: above the first threshold.
    MustHave,
    /// Bør ha: above the second.
    ShouldHave,
    /// Kan ha: above the third.
    CouldHave,
    /// Skal ikke ha: the rest.
    WillNotHave,
}

/// A named set of criteria and its class thresholds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct CriteriaSet {
    /// Which set this is ("prosjektportalen", "nordland", or an organisation's own).
    pub key: String,
    /// The criteria's keys, in the order a ballot's marks are given. The UI names them.
    pub criteria: Vec<String>,
    /// Lower bounds (exclusive) of Må ha, Bør ha and Kan ha, in hundredths of a point of
    /// the mean total: `2200` means "more than 22".
    pub thresholds: [i64; 3],
}

impl CriteriaSet {
    /// Prosjektportalen's five criteria, thresholds 22, 16 and 8 (of 25). The default.
    pub fn prosjektportalen() -> Self {
        Self::scaled(
            "prosjektportalen",
            &[
                "strategic_value",
                "qualitative_benefit",
                "economic_benefit",
                "operational_need_or_legal_duty",
                "risk",
            ],
        )
    }

    /// Nordland's proposed criteria: value for users, efficiency potential, benefits.
    /// Three criteria give a maximum of 15, so the thresholds are Prosjektportalen's share
    /// of the maximum: 13.2, 9.6 and 4.8.
    pub fn nordland() -> Self {
        Self::scaled("nordland", &["user_value", "efficiency", "benefits"])
    }

    /// The keys of the sets styr knows, in the order settings and messages list them.
    pub const KEYS: [&'static str; 2] = ["prosjektportalen", "nordland"];

    /// The known set with this key.
    pub fn by_key(key: &str) -> Option<Self> {
        match key {
            "prosjektportalen" => Some(Self::prosjektportalen()),
            "nordland" => Some(Self::nordland()),
            _ => None,
        }
    }

    /// A set with Prosjektportalen's thresholds scaled to `criteria.len()` criteria
    /// (4.40, 3.20 and 1.60 points per criterion, exact in hundredths).
    pub fn scaled(key: &str, criteria: &[&str]) -> Self {
        let n = i64::try_from(criteria.len()).unwrap_or(i64::MAX);
        Self {
            key: key.to_string(),
            criteria: criteria.iter().map(|c| c.to_string()).collect(),
            thresholds: PER_CRITERION_X100.map(|t| t.saturating_mul(n)),
        }
    }

    /// The largest sum of marks, before adjustment.
    pub fn max_total(&self) -> u32 {
        u32::try_from(self.criteria.len())
            .unwrap_or(u32::MAX)
            .saturating_mul(u32::from(SCORE_MAX))
    }

    /// The class of a total (or mean total), for display and quick checks. Tallies use
    /// [`CriteriaSet::class_of_ratio`], which is exact.
    pub fn class_of(&self, total: f64) -> PriorityClass {
        self.classify(|t| total > t as f64 / 100.0)
    }

    /// The class of the mean `num / den`, compared exactly. With no scorers (`den == 0`)
    /// nothing argues for the proposal: Skal ikke ha.
    pub fn class_of_ratio(&self, num: i64, den: u64) -> PriorityClass {
        if den == 0 {
            return PriorityClass::WillNotHave;
        }
        // num / den > t / 100  ⇔  num · 100 > t · den  (den > 0); i128 cannot overflow here.
        self.classify(|t| i128::from(num) * 100 > i128::from(t) * i128::from(den))
    }

    fn classify(&self, above: impl Fn(i64) -> bool) -> PriorityClass {
        let [must, should, could] = self.thresholds;
        if above(must) {
            PriorityClass::MustHave
        } else if above(should) {
            PriorityClass::ShouldHave
        } else if above(could) {
            PriorityClass::CouldHave
        } else {
            PriorityClass::WillNotHave
        }
    }
}

impl Default for CriteriaSet {
    fn default() -> Self {
        Self::prosjektportalen()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_are_the_same_share_of_the_maximum() {
        let p = CriteriaSet::prosjektportalen();
        let n = CriteriaSet::nordland();
        assert_eq!(p.thresholds, [2200, 1600, 800]);
        assert_eq!(n.thresholds, [1320, 960, 480]);
        assert_eq!((p.max_total(), n.max_total()), (25, 15));
        for key in CriteriaSet::KEYS {
            assert_eq!(
                CriteriaSet::by_key(key).map(|s| s.key),
                Some(key.to_string())
            );
        }
        assert_eq!(CriteriaSet::by_key("Nordland"), None);
    }

    #[test]
    fn boundaries_are_exclusive() {
        let p = CriteriaSet::prosjektportalen();
        for (total, class) in [
            (25.0, PriorityClass::MustHave),
            (22.01, PriorityClass::MustHave),
            (22.0, PriorityClass::ShouldHave),
            (16.0, PriorityClass::CouldHave),
            (8.0, PriorityClass::WillNotHave),
            (-3.0, PriorityClass::WillNotHave),
        ] {
            assert_eq!(p.class_of(total), class, "{total}");
        }
        let n = CriteriaSet::nordland();
        assert_eq!(n.class_of(13.2), PriorityClass::ShouldHave);
        assert_eq!(n.class_of_ratio(66, 5), PriorityClass::ShouldHave);
        assert_eq!(n.class_of_ratio(67, 5), PriorityClass::MustHave);
        assert_eq!(n.class_of_ratio(1, 0), PriorityClass::WillNotHave);
    }
}
