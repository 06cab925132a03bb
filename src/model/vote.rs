//! Vote tallies for meeting mode: the rules of a voting round, the ballots cast in it,
//! and the pure function that turns them into a result the minutes can quote.
//!
//! The server and every client tally the same ballots, so the result must be exact and
//! independent of the order ballots arrive in: counts are integers (weights included, see
//! [`Weighting`]), means are fractions, and the named list is sorted. Nothing here panics:
//! `tally` accepts unvalidated ballots and skips (and counts) the ones `validate` refuses.
//!
//! Ties, following kommuneloven § 11-9: in a body whose rules give the chair a casting vote
//! [dobbeltstemme], the chair's ballot decides a tie, except in elections, where a tie stays
//! a tie (the meeting draws lots, outside this module). Without a casting vote a tied
//! yes/no proposal falls: it did not get more votes for than against.

use super::criteria::{CriteriaSet, PriorityClass, ADJUSTMENT_LIMIT, SCORE_MAX, SCORE_MIN};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// How a round is voted.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Method {
    /// For or against one proposal [forslag til vedtak].
    YesNo { majority: Majority },
    /// Each voter spreads up to `per_voter` dots over the options.
    Dots { per_voter: u32 },
    /// Each voter ranks options; with n options the first gets n−1 points.
    Borda,
    /// Each voter marks every option on the criteria of `criteria`.
    Scoring {
        #[serde(default)]
        criteria: CriteriaSet,
    },
    /// Each voter approves any subset of the options.
    Approval,
}

/// The method without its parameters: for error messages and matching choices to methods.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    YesNo,
    Dots,
    Borda,
    Scoring,
    Approval,
}

impl Method {
    pub fn kind(&self) -> MethodKind {
        match self {
            Method::YesNo { .. } => MethodKind::YesNo,
            Method::Dots { .. } => MethodKind::Dots,
            Method::Borda => MethodKind::Borda,
            Method::Scoring { .. } => MethodKind::Scoring,
            Method::Approval => MethodKind::Approval,
        }
    }
}

/// What a yes/no proposal needs.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Majority {
    /// More yes than no; abstentions do not count.
    Simple,
    /// Yes at least two thirds of yes + no (and at least one yes).
    TwoThirds,
}

/// Whose ballots weigh what.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// One ballot, one vote.
    #[default]
    PerPerson,
    /// One vote per municipality: an organisation's ballots share one vote equally. With
    /// counts n₁, n₂, … of ballots per organisation, the result's `unit` is their least
    /// common multiple L and each ballot weighs L / nᵢ, so every total stays an integer and
    /// each organisation weighs exactly L. Organisations are matched by exact `org` string.
    PerOrganisation,
}

/// A voting round's rules, fixed when the round opens.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub struct RoundRules {
    pub method: Method,
    /// What is voted on. YesNo ignores it (its options are yes, no, abstain); Scoring
    /// usually has one option, the item, but may have several.
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub weighting: Weighting,
    /// Members of the body: quorum is at least half of them casting a ballot
    /// (kommuneloven § 11-9).
    pub body_size: u32,
    /// The chair's vote decides a tie (only when the body's rules say so).
    #[serde(default)]
    pub casting_vote: bool,
    /// An election: never a casting vote, a tie stays a tie.
    #[serde(default)]
    pub election: bool,
    /// The voter whose ballot casts the deciding vote. An anonymised ballot cannot: secret
    /// ballots are for elections, which have no casting vote anyway.
    #[serde(default)]
    pub chair: Option<String>,
}

/// One voter's choice, of the kind the round's method asks for.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Choice {
    YesNo(YesNo),
    /// Dots per option, one entry per option.
    Dots(Vec<u32>),
    /// Option indices, best first; options left out get no points.
    Ranked(Vec<usize>),
    /// Marks for every option, in the order of the round's options.
    Scores {
        per_option: Vec<Scores>,
    },
    /// The approved options' indices.
    Approval(Vec<usize>),
}

impl Choice {
    /// The method this choice belongs to.
    pub fn kind(&self) -> MethodKind {
        match self {
            Choice::YesNo(_) => MethodKind::YesNo,
            Choice::Dots(_) => MethodKind::Dots,
            Choice::Ranked(_) => MethodKind::Borda,
            Choice::Scores { .. } => MethodKind::Scoring,
            Choice::Approval(_) => MethodKind::Approval,
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum YesNo {
    Yes,
    No,
    Abstain,
}

impl YesNo {
    /// The position of this answer in a yes/no result's `totals`.
    pub fn index(self) -> usize {
        match self {
            YesNo::Yes => 0,
            YesNo::No => 1,
            YesNo::Abstain => 2,
        }
    }

    fn key(self) -> &'static str {
        match self {
            YesNo::Yes => "yes",
            YesNo::No => "no",
            YesNo::Abstain => "abstain",
        }
    }
}

/// One scorer's marks for one option.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub struct Scores {
    /// One mark per criterion of the round's set, each in `SCORE_MIN..=SCORE_MAX`.
    pub criteria: Vec<u8>,
    /// Added to the sum of marks, within ±`ADJUSTMENT_LIMIT`; needs a comment when not 0.
    #[serde(default)]
    pub adjustment: i8,
    #[serde(default)]
    pub comment: String,
}

impl Scores {
    /// Sum of marks plus adjustment.
    pub fn total(&self) -> i64 {
        self.criteria.iter().map(|&c| i64::from(c)).sum::<i64>() + i64::from(self.adjustment)
    }
}

/// A ballot as the server keeps it: the latest one per voter (replacing is the caller's
/// business).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub struct Ballot {
    /// `None` once an anonymous round is closed: the link to the person is gone.
    #[serde(default)]
    pub voter: Option<String>,
    /// The voter's organisation (municipality), for [`Weighting::PerOrganisation`].
    pub org: String,
    pub choice: Choice,
    /// Entered by the secretary for someone voting by hand (show of hands, paper).
    #[serde(default)]
    pub hand_counted: bool,
}

/// Why a choice does not fit the round. Messages are for developers; the UI translates by
/// variant.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BallotError {
    #[error("a {choice:?} choice in a {method:?} round")]
    WrongKind {
        method: MethodKind,
        choice: MethodKind,
    },
    #[error("the round has no options to vote on")]
    NoOptions,
    #[error("{got} entries for {expected} options")]
    WrongLength { expected: usize, got: usize },
    #[error("{used} dots used of {budget}")]
    OverBudget { used: u64, budget: u32 },
    #[error("option {index} does not exist (the round has {options})")]
    OptionOutOfRange { index: usize, options: usize },
    #[error("option {index} given twice")]
    DuplicateOption { index: usize },
    #[error("option {option}: {got} marks for {expected} criteria")]
    CriteriaCount {
        option: usize,
        expected: usize,
        got: usize,
    },
    #[error("option {option}, criterion {criterion}: mark {score} is outside 1..=5")]
    ScoreOutOfRange {
        option: usize,
        criterion: usize,
        score: u8,
    },
    #[error("option {option}: adjustment {adjustment} is outside -5..=5")]
    AdjustmentOutOfRange { option: usize, adjustment: i8 },
    #[error("option {option}: an adjustment needs a comment saying why")]
    AdjustmentWithoutComment { option: usize },
}

/// Checks that `choice` is a ballot the round accepts.
pub fn validate(rules: &RoundRules, choice: &Choice) -> Result<(), BallotError> {
    let method = rules.method.kind();
    if choice.kind() != method {
        return Err(BallotError::WrongKind {
            method,
            choice: choice.kind(),
        });
    }
    let n = rules.options.len();
    if method != MethodKind::YesNo && n == 0 {
        return Err(BallotError::NoOptions);
    }
    match (&rules.method, choice) {
        (Method::Dots { per_voter }, Choice::Dots(dots)) => {
            length(n, dots.len())?;
            let used: u64 = dots.iter().map(|&d| u64::from(d)).sum();
            if used > u64::from(*per_voter) {
                return Err(BallotError::OverBudget {
                    used,
                    budget: *per_voter,
                });
            }
        }
        (_, Choice::Ranked(indices) | Choice::Approval(indices)) => distinct(n, indices)?,
        (Method::Scoring { criteria }, Choice::Scores { per_option }) => {
            length(n, per_option.len())?;
            for (option, s) in per_option.iter().enumerate() {
                check_scores(criteria, option, s)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn length(expected: usize, got: usize) -> Result<(), BallotError> {
    if expected == got {
        Ok(())
    } else {
        Err(BallotError::WrongLength { expected, got })
    }
}

fn distinct(options: usize, indices: &[usize]) -> Result<(), BallotError> {
    let mut seen = BTreeSet::new();
    for &index in indices {
        if index >= options {
            return Err(BallotError::OptionOutOfRange { index, options });
        }
        if !seen.insert(index) {
            return Err(BallotError::DuplicateOption { index });
        }
    }
    Ok(())
}

fn check_scores(set: &CriteriaSet, option: usize, s: &Scores) -> Result<(), BallotError> {
    if s.criteria.len() != set.criteria.len() {
        return Err(BallotError::CriteriaCount {
            option,
            expected: set.criteria.len(),
            got: s.criteria.len(),
        });
    }
    if let Some((criterion, &score)) =
        (s.criteria.iter().enumerate()).find(|(_, &c)| !(SCORE_MIN..=SCORE_MAX).contains(&c))
    {
        return Err(BallotError::ScoreOutOfRange {
            option,
            criterion,
            score,
        });
    }
    if !(-ADJUSTMENT_LIMIT..=ADJUSTMENT_LIMIT).contains(&s.adjustment) {
        return Err(BallotError::AdjustmentOutOfRange {
            option,
            adjustment: s.adjustment,
        });
    }
    if s.adjustment != 0 && s.comment.trim().is_empty() {
        return Err(BallotError::AdjustmentWithoutComment { option });
    }
    Ok(())
}

/// An exact fraction, in lowest terms, with a positive denominator.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub struct Fraction {
    pub num: i64,
    pub den: u64,
}

impl Fraction {
    /// `num / den` reduced; `None` when `den` is 0.
    pub fn new(num: i64, den: u64) -> Option<Self> {
        if den == 0 {
            return None;
        }
        let g = gcd(num.unsigned_abs(), den);
        // g ≥ 1 divides both, and |num / g| ≤ |num|, so neither division can overflow.
        let num = i64::try_from(i128::from(num) / i128::from(g)).ok()?;
        Some(Self { num, den: den / g })
    }

    pub fn is_integer(&self) -> bool {
        self.den == 1
    }

    pub fn to_f64(&self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// The value × 100, rounded half away from zero: for showing means as "21,67".
    pub fn x100_rounded(&self) -> i64 {
        if self.den == 0 {
            return 0;
        }
        let (n, d) = (i128::from(self.num) * 100, i128::from(self.den));
        let q = (n.abs() * 2 + d) / (d * 2);
        i64::try_from(if n < 0 { -q } else { q }).unwrap_or(0)
    }
}

impl fmt::Display for Fraction {
    /// "6" or "13/6": exact and language-neutral; the UI formats decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// What the round decided.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// The yes/no proposal got the majority it needed.
    Adopted { majority: Majority },
    /// It did not. `tie`: a simple-majority vote ended equal (and no casting vote made it
    /// pass), so the minutes can say it fell on a tie.
    NotAdopted { majority: Majority, tie: bool },
    /// Dots, Borda or approval: the option with the most points.
    Winner { option: usize },
    /// Several options share the most points and nothing decided between them.
    Tie { options: Vec<usize> },
    /// Scoring: the option with the highest mean total, and its class.
    Classed {
        option: usize,
        mean: Fraction,
        class: PriorityClass,
    },
    /// Fewer than half the body cast a ballot: no decision, totals still reported.
    NoQuorum,
    /// No ballot counted.
    NoBallots,
    /// Weighting per organisation with counts whose common multiple does not fit in 64
    /// bits (hundreds of ballots spread very unevenly). Never in a real meeting; reported
    /// instead of a wrong count.
    Overflow,
}

/// Scoring details for one option. Sums are weighted like `points`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub struct ScoreStats {
    /// Sum of the weights of the scorers (the mean's denominator).
    pub weight: u64,
    /// Weighted sum of marks, per criterion.
    pub criteria: Vec<i64>,
    /// Lowest and highest total of a single scorer, unweighted.
    pub min: i64,
    pub max: i64,
    /// The class of the mean total.
    pub class: PriorityClass,
}

impl ScoreStats {
    /// Highest minus lowest total between scorers: how much they disagree.
    pub fn spread(&self) -> i64 {
        self.max - self.min
    }

    /// The mean mark per criterion.
    pub fn criterion_means(&self) -> Vec<Option<Fraction>> {
        (self.criteria.iter())
            .map(|&s| Fraction::new(s, self.weight))
            .collect()
    }
}

/// One option's total.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub struct OptionTotal {
    /// Index in the round's options; for YesNo 0 = yes, 1 = no, 2 = abstain.
    pub option: usize,
    /// The option's text; for YesNo the keys "yes", "no", "abstain".
    pub label: String,
    /// Votes, dots, Borda points, approvals, or (scoring) the sum of totals, each ballot
    /// times its weight. Divide by the result's `unit` for votes.
    pub points: i64,
    /// Scoring rounds only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scores: Option<ScoreStats>,
}

impl OptionTotal {
    /// Scoring: the mean total (sum of marks plus adjustment).
    pub fn mean(&self) -> Option<Fraction> {
        Fraction::new(self.points, self.scores.as_ref()?.weight)
    }
}

/// How one named voter voted, for the minutes.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub struct NamedVote {
    pub voter: String,
    pub org: String,
    pub choice: Choice,
    pub hand_counted: bool,
}

/// For, against and abstaining in a yes/no round, in votes (fractions when weighted per
/// organisation): "vedtatt med 6 mot 3 stemmer".
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub struct VoteCounts {
    pub yes: Fraction,
    pub no: Fraction,
    pub abstain: Fraction,
}

impl VoteCounts {
    /// Enstemmig: some voted yes and nobody no.
    pub fn unanimous(&self) -> bool {
        self.yes.num > 0 && self.no.num == 0
    }
}

/// A round's result.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub struct RoundResult {
    pub method: MethodKind,
    /// Ballots counted, hand-counted ones included.
    pub ballots: u32,
    /// Of those, entered by hand.
    pub hand_counted: u32,
    /// Ballots skipped because `validate` refused them; not counted for quorum.
    pub rejected: u32,
    pub quorum_met: bool,
    /// What one vote weighs in `points`: 1 per person, the L of [`Weighting::PerOrganisation`].
    pub unit: u64,
    pub totals: Vec<OptionTotal>,
    pub outcome: Outcome,
    /// The chair's casting vote decided a tie (either way).
    pub decided_by_casting_vote: bool,
    /// Every counted ballot's voter and choice, sorted by voter; empty unless all have a
    /// voter.
    pub named: Vec<NamedVote>,
}

impl RoundResult {
    /// For / against / abstaining, for yes/no rounds.
    pub fn summary_counts(&self) -> Option<VoteCounts> {
        if self.method != MethodKind::YesNo {
            return None;
        }
        let votes = |a: YesNo| {
            let points = self.totals.get(a.index()).map_or(0, |t| t.points);
            Fraction::new(points, self.unit)
        };
        Some(VoteCounts {
            yes: votes(YesNo::Yes)?,
            no: votes(YesNo::No)?,
            abstain: votes(YesNo::Abstain)?,
        })
    }

    /// The option that won or was classed, if one did.
    pub fn winner(&self) -> Option<usize> {
        match self.outcome {
            Outcome::Winner { option } | Outcome::Classed { option, .. } => Some(option),
            _ => None,
        }
    }
}

/// Tallies `ballots` under `rules`. Ballots `validate` refuses are skipped and counted in
/// `rejected`; the result does not depend on the order of `ballots`.
pub fn tally(rules: &RoundRules, ballots: &[Ballot]) -> RoundResult {
    let valid: Vec<&Ballot> = (ballots.iter())
        .filter(|b| validate(rules, &b.choice).is_ok())
        .collect();
    let counted = saturating_u32(valid.len());
    let mut result = RoundResult {
        method: rules.method.kind(),
        ballots: counted,
        hand_counted: saturating_u32(valid.iter().filter(|b| b.hand_counted).count()),
        rejected: saturating_u32(ballots.len() - valid.len()),
        quorum_met: u64::from(counted) * 2 >= u64::from(rules.body_size),
        unit: 1,
        totals: Vec::new(),
        outcome: Outcome::NoBallots,
        decided_by_casting_vote: false,
        named: named(&valid),
    };
    let Some((unit, totals)) = count(rules, &valid) else {
        result.outcome = Outcome::Overflow;
        return result;
    };
    result.unit = unit;
    result.totals = totals;
    if counted == 0 {
        return result;
    }
    if !result.quorum_met {
        result.outcome = Outcome::NoQuorum;
        return result;
    }
    let (outcome, casting) = decide(rules, &valid, &result.totals);
    result.outcome = outcome;
    result.decided_by_casting_vote = casting;
    result
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn named(valid: &[&Ballot]) -> Vec<NamedVote> {
    let mut named: Vec<NamedVote> = (valid.iter())
        .map_while(|b| {
            Some(NamedVote {
                voter: b.voter.clone()?,
                org: b.org.clone(),
                choice: b.choice.clone(),
                hand_counted: b.hand_counted,
            })
        })
        .collect();
    if named.len() != valid.len() {
        return Vec::new();
    }
    named.sort_by(|a, b| {
        (&a.voter, &a.org, a.hand_counted, &a.choice).cmp(&(
            &b.voter,
            &b.org,
            b.hand_counted,
            &b.choice,
        ))
    });
    named
}

/// Each ballot's weight, and the unit (the weight of one person or one organisation).
/// `None` when the organisations' common multiple overflows.
fn weights(weighting: Weighting, valid: &[&Ballot]) -> Option<(u64, Vec<u64>)> {
    if weighting == Weighting::PerPerson {
        return Some((1, vec![1; valid.len()]));
    }
    let mut per_org: BTreeMap<&str, u64> = BTreeMap::new();
    for b in valid {
        *per_org.entry(b.org.as_str()).or_default() += 1;
    }
    let distinct: BTreeSet<u64> = per_org.values().copied().collect();
    let unit = distinct
        .into_iter()
        .try_fold(1u64, |l, n| (l / gcd(l, n)).checked_mul(n))?;
    let weights = valid
        .iter()
        .map(|b| unit / per_org.get(b.org.as_str()).copied().unwrap_or(1))
        .collect();
    Some((unit, weights))
}

/// The points a ballot gives each total (YesNo: yes, no, abstain). The choice is valid.
fn points_of(rules: &RoundRules, choice: &Choice) -> Vec<i64> {
    let n = rules.options.len();
    let mut points = vec![0i64; if let Choice::YesNo(_) = choice { 3 } else { n }];
    match choice {
        Choice::YesNo(a) => {
            if let Some(p) = points.get_mut(a.index()) {
                *p = 1;
            }
        }
        Choice::Dots(dots) => {
            for (p, &d) in points.iter_mut().zip(dots) {
                *p = i64::from(d);
            }
        }
        Choice::Ranked(ranking) => {
            for (rank, &option) in ranking.iter().enumerate() {
                if let Some(p) = points.get_mut(option) {
                    *p = i64::try_from(n.saturating_sub(rank + 1)).unwrap_or(0);
                }
            }
        }
        Choice::Approval(approved) => {
            for &option in approved {
                if let Some(p) = points.get_mut(option) {
                    *p = 1;
                }
            }
        }
        Choice::Scores { per_option } => {
            for (p, s) in points.iter_mut().zip(per_option) {
                *p = s.total();
            }
        }
    }
    points
}

/// Adds up the valid ballots. `None` on overflow.
fn count(rules: &RoundRules, valid: &[&Ballot]) -> Option<(u64, Vec<OptionTotal>)> {
    let (unit, weights) = weights(rules.weighting, valid)?;
    let labels: Vec<String> = match rules.method {
        Method::YesNo { .. } => [YesNo::Yes, YesNo::No, YesNo::Abstain]
            .map(|a| a.key().to_string())
            .to_vec(),
        _ => rules.options.clone(),
    };
    let mut sums = vec![0i128; labels.len()];
    let scoring = match &rules.method {
        Method::Scoring { criteria } => Some(criteria),
        _ => None,
    };
    let mut criteria_sums = vec![vec![0i128; scoring.map_or(0, |c| c.criteria.len())]; sums.len()];
    let mut range: Vec<Option<(i64, i64)>> = vec![None; sums.len()];
    let mut weight_sum: u128 = 0;
    for (b, &w) in valid.iter().zip(&weights) {
        weight_sum += u128::from(w);
        for (sum, p) in sums.iter_mut().zip(points_of(rules, &b.choice)) {
            *sum = sum.checked_add(i128::from(w) * i128::from(p))?;
        }
        if let Choice::Scores { per_option } = &b.choice {
            for ((sums, s), r) in criteria_sums.iter_mut().zip(per_option).zip(&mut range) {
                for (sum, &c) in sums.iter_mut().zip(&s.criteria) {
                    *sum = sum.checked_add(i128::from(w) * i128::from(c))?;
                }
                let t = s.total();
                *r = Some(r.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
            }
        }
    }
    let weight = u64::try_from(weight_sum).ok()?;
    let mut totals = Vec::with_capacity(labels.len());
    for (option, (label, sum)) in labels.into_iter().zip(sums).enumerate() {
        let points = i64::try_from(sum).ok()?;
        let scores = match scoring {
            Some(set) => {
                let (min, max) = range.get(option).copied().flatten().unwrap_or((0, 0));
                let criteria = (criteria_sums.get(option).into_iter().flatten())
                    .map(|&s| i64::try_from(s).ok())
                    .collect::<Option<Vec<i64>>>()?;
                Some(ScoreStats {
                    weight,
                    criteria,
                    min,
                    max,
                    class: set.class_of_ratio(points, weight),
                })
            }
            None => None,
        };
        totals.push(OptionTotal {
            option,
            label,
            points,
            scores,
        });
    }
    Some((unit, totals))
}

/// The outcome of a quorate round with ballots, and whether the casting vote decided it.
fn decide(rules: &RoundRules, valid: &[&Ballot], totals: &[OptionTotal]) -> (Outcome, bool) {
    let points = |i: usize| totals.get(i).map_or(0, |t| t.points);
    let casting = rules.casting_vote && !rules.election;
    let chair = if casting {
        chair_ballot(rules, valid)
    } else {
        None
    };
    if let Method::YesNo { majority } = rules.method {
        let (yes, no) = (
            i128::from(points(YesNo::Yes.index())),
            i128::from(points(YesNo::No.index())),
        );
        let adopted = Outcome::Adopted { majority };
        let fell = |tie| Outcome::NotAdopted { majority, tie };
        return match majority {
            // A qualified majority is not a tie question: no casting vote.
            Majority::TwoThirds if yes > 0 && 3 * yes >= 2 * (yes + no) => (adopted, false),
            Majority::TwoThirds => (fell(false), false),
            Majority::Simple if yes > no => (adopted, false),
            Majority::Simple if yes < no || yes == 0 => (fell(false), false),
            // Equal and not zero: the chair's yes or no decides, else the proposal falls.
            Majority::Simple => match chair.map(|b| &b.choice) {
                Some(Choice::YesNo(YesNo::Yes)) => (adopted, true),
                Some(Choice::YesNo(YesNo::No)) => (fell(true), true),
                _ => (fell(true), false),
            },
        };
    }
    let best = totals.iter().map(|t| t.points).max().unwrap_or(0);
    let tied: Vec<usize> = (totals.iter())
        .filter(|t| t.points == best)
        .map(|t| t.option)
        .collect();
    let (option, by_chair) = match tied[..] {
        [one] => (one, false),
        _ => match chair.and_then(|b| preferred(rules, &b.choice, &tied)) {
            Some(one) => (one, true),
            None => return (Outcome::Tie { options: tied }, false),
        },
    };
    let outcome = match &rules.method {
        Method::Scoring { criteria } => {
            let weight = totals
                .get(option)
                .and_then(|t| t.scores.as_ref())
                .map_or(0, |s| s.weight);
            match Fraction::new(points(option), weight) {
                Some(mean) => Outcome::Classed {
                    option,
                    mean,
                    class: criteria.class_of_ratio(mean.num, mean.den),
                },
                None => Outcome::NoBallots,
            }
        }
        _ => Outcome::Winner { option },
    };
    (outcome, by_chair)
}

/// The chair's ballot, when there is exactly one (several would make the casting vote
/// depend on which the caller passed first).
fn chair_ballot<'a>(rules: &RoundRules, valid: &[&'a Ballot]) -> Option<&'a Ballot> {
    let chair = rules.chair.as_deref()?;
    let mut theirs = valid.iter().filter(|b| b.voter.as_deref() == Some(chair));
    match (theirs.next(), theirs.next()) {
        (Some(b), None) => Some(b),
        _ => None,
    }
}

/// The one tied option the chair's ballot prefers over all the other tied ones, if any:
/// most dots, higher rank (a partial ranking's last still gets points, unranked none),
/// approved when the others are not, or the highest total.
fn preferred(rules: &RoundRules, choice: &Choice, tied: &[usize]) -> Option<usize> {
    let preference = points_of(rules, choice);
    let value = |i: usize| preference.get(i).copied().unwrap_or(0);
    let top = tied.iter().map(|&i| value(i)).max()?;
    let mut best = tied.iter().filter(|&&i| value(i) == top);
    match (best.next(), best.next()) {
        (Some(&one), None) => Some(one),
        _ => None,
    }
}
