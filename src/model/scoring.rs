//! Scoring an item outside a vote round: each scorer marks the item on the criteria of a
//! set (see [`super::criteria`]), and the item shows the mean, the priority class and how
//! far the scorers are apart, so that a meeting can talk about where people disagree.
//!
//! A score is an op (`Payload::ScoreItem`) by its scorer; a later score by the same
//! scorer replaces the earlier one, and a score of `None` withdraws it. Means are kept as
//! a sum and a count, and classes are decided with [`CriteriaSet::class_of_ratio`], so two
//! replicas never disagree about an item that lands on a boundary.

use super::criteria::{CriteriaSet, PriorityClass, ADJUSTMENT_LIMIT, SCORE_MAX, SCORE_MIN};
use super::vote::Scores;
use super::Item;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// One scorer's latest marks for an item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemScore {
    /// The key of the criteria set the marks are for ("prosjektportalen", "nordland").
    pub set: String,
    pub scores: Scores,
    /// When the score was given (the op's clock, ms since the Unix epoch).
    pub at: i64,
}

/// Why a score cannot be kept.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScoreError {
    #[error("'{0}' is not a criteria set styr knows (the sets are prosjektportalen and nordland)")]
    UnknownSet(String),
    #[error("{got} marks for the {expected} criteria of the set")]
    CriteriaCount { expected: usize, got: usize },
    #[error("criterion {criterion}: mark {mark} is outside 1..=5")]
    MarkOutOfRange { criterion: usize, mark: u8 },
    #[error("adjustment {0} is outside -5..=5")]
    AdjustmentOutOfRange(i8),
    #[error("an adjustment needs a comment saying why")]
    AdjustmentWithoutComment,
}

/// Checks `scores` against the set named `set`, returning the set. The same rules as a
/// scoring ballot in a vote round: one mark per criterion, each 1–5, an adjustment
/// within ±5 that says why when it is not 0.
pub fn check(set: &str, scores: &Scores) -> Result<CriteriaSet, ScoreError> {
    let criteria = CriteriaSet::by_key(set).ok_or_else(|| ScoreError::UnknownSet(set.into()))?;
    if scores.criteria.len() != criteria.criteria.len() {
        return Err(ScoreError::CriteriaCount {
            expected: criteria.criteria.len(),
            got: scores.criteria.len(),
        });
    }
    if let Some((criterion, &mark)) =
        (scores.criteria.iter().enumerate()).find(|(_, &m)| !(SCORE_MIN..=SCORE_MAX).contains(&m))
    {
        return Err(ScoreError::MarkOutOfRange { criterion, mark });
    }
    if !(-ADJUSTMENT_LIMIT..=ADJUSTMENT_LIMIT).contains(&scores.adjustment) {
        return Err(ScoreError::AdjustmentOutOfRange(scores.adjustment));
    }
    if scores.adjustment != 0 && scores.comment.trim().is_empty() {
        return Err(ScoreError::AdjustmentWithoutComment);
    }
    Ok(criteria)
}

/// What the scores of one set say about an item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreSummary {
    /// The criteria set's key.
    pub set: String,
    /// How many scorers have scored the item in this set (at least 1).
    pub scorers: u64,
    /// The sum of the scorers' totals; the mean is `sum / scorers`, exactly.
    pub sum: i64,
    /// The class of the exact mean.
    pub class: PriorityClass,
    /// The lowest and highest total.
    pub min: i64,
    pub max: i64,
    /// `max - min`: how far apart the scorers are.
    pub spread: i64,
    /// Each scorer's total, by scorer name, so that disagreement can be seen.
    pub totals: Vec<(String, i64)>,
}

impl ScoreSummary {
    /// The mean total, for display (classes and sorting use the exact fraction).
    pub fn mean(&self) -> f64 {
        self.sum as f64 / self.scorers.max(1) as f64
    }

    /// The mean × 100, rounded half away from zero: "21,67" without floating point.
    pub fn mean_x100(&self) -> i64 {
        let den = i128::from(self.scorers.max(1));
        let num = i128::from(self.sum) * 100;
        let rounded = (num.abs() * 2 + den) / (den * 2);
        i64::try_from(if num < 0 { -rounded } else { rounded }).unwrap_or(i64::MAX)
    }

    /// Compares two means exactly (for sorting by score).
    pub fn cmp_mean(&self, other: &ScoreSummary) -> Ordering {
        let left = i128::from(self.sum) * i128::from(other.scorers.max(1));
        let right = i128::from(other.sum) * i128::from(self.scorers.max(1));
        left.cmp(&right)
    }
}

impl Item {
    /// The summary of the scores given in `set`; `None` when nobody has scored the item
    /// in that set. Scores in other sets are kept but not counted here.
    pub fn score_summary(&self, set: &CriteriaSet) -> Option<ScoreSummary> {
        let totals: Vec<(String, i64)> = self
            .scores
            .iter()
            .filter(|(_, s)| s.set == set.key)
            .map(|(who, s)| (who.clone(), s.scores.total()))
            .collect();
        let min = totals.iter().map(|t| t.1).min()?;
        let max = totals.iter().map(|t| t.1).max()?;
        let sum = totals.iter().map(|t| t.1).fold(0i64, i64::saturating_add);
        let scorers = u64::try_from(totals.len()).unwrap_or(u64::MAX);
        Some(ScoreSummary {
            set: set.key.clone(),
            scorers,
            sum,
            class: set.class_of_ratio(sum, scorers),
            min,
            max,
            spread: max.saturating_sub(min),
            totals,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scores(criteria: &[u8], adjustment: i8, comment: &str) -> Scores {
        Scores {
            criteria: criteria.to_vec(),
            adjustment,
            comment: comment.into(),
        }
    }

    #[test]
    fn check_follows_the_ballot_rules() {
        assert!(check("prosjektportalen", &scores(&[1, 2, 3, 4, 5], 0, "")).is_ok());
        assert!(check("nordland", &scores(&[5, 5, 5], -5, "dyrt")).is_ok());
        assert_eq!(
            check("egen", &scores(&[1], 0, "")),
            Err(ScoreError::UnknownSet("egen".into()))
        );
        assert_eq!(
            check("nordland", &scores(&[1, 2], 0, "")),
            Err(ScoreError::CriteriaCount {
                expected: 3,
                got: 2
            })
        );
        assert_eq!(
            check("nordland", &scores(&[1, 0, 2], 0, "")),
            Err(ScoreError::MarkOutOfRange {
                criterion: 1,
                mark: 0
            })
        );
        assert_eq!(
            check("nordland", &scores(&[1, 6, 2], 0, "")),
            Err(ScoreError::MarkOutOfRange {
                criterion: 1,
                mark: 6
            })
        );
        assert_eq!(
            check("nordland", &scores(&[1, 1, 1], 6, "x")),
            Err(ScoreError::AdjustmentOutOfRange(6))
        );
        assert_eq!(
            check("nordland", &scores(&[1, 1, 1], 1, "  ")),
            Err(ScoreError::AdjustmentWithoutComment)
        );
    }

    #[test]
    fn mean_x100_rounds_half_away_from_zero() {
        let s = |sum, scorers| ScoreSummary {
            set: String::new(),
            scorers,
            sum,
            class: PriorityClass::WillNotHave,
            min: 0,
            max: 0,
            spread: 0,
            totals: vec![],
        };
        assert_eq!(s(65, 3).mean_x100(), 2167);
        assert_eq!(s(1, 8).mean_x100(), 13);
        assert_eq!(s(-1, 8).mean_x100(), -13);
        assert_eq!(s(44, 2).mean_x100(), 2200);
        assert_eq!(s(65, 3).cmp_mean(&s(43, 2)), Ordering::Greater);
        assert_eq!(s(43, 2).cmp_mean(&s(65, 3)), Ordering::Less);
        assert_eq!(s(44, 2).cmp_mean(&s(22, 1)), Ordering::Equal);
    }
}
