//! What a meeting change may do, and what the server fills in before storing one.
//! Both are pure functions of the fold, so the server (which decides) and the TUI
//! (which hides what would be refused) cannot disagree.

use super::change::MeetingChange;
use super::decision::GENESIS;
use super::{Meetings, RoundState};
use crate::model::vote::{self, Ballot};
use crate::model::{Op, Payload};

/// Why a meeting change was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("there is no such meeting")]
    NoMeeting,
    #[error("there is no such case")]
    NoCase,
    #[error("there is no such vote round")]
    NoRound,
    #[error("the decision it corrects is not in the log")]
    NoDecision,
    #[error("it already exists")]
    Exists,
    #[error("the minutes of this meeting are approved; only a correction can be added")]
    Locked,
    #[error("a vote round is already open on this case")]
    RoundOpen,
    #[error("the vote round is closed")]
    RoundClosed,
    #[error("the minutes can only move forward (draft, approved, frozen)")]
    Backwards,
    #[error("the vote round's rules do not hold: {0}")]
    BadRules(String),
    #[error("a title is needed")]
    NoTitle,
}

impl Meetings {
    /// Whether `change` may be stored on top of this state.
    pub fn check(&self, change: &MeetingChange) -> Result<(), Refusal> {
        let meeting_open = |id| match self.meeting(id) {
            None => Err(Refusal::NoMeeting),
            Some(m) if m.is_locked() => Err(Refusal::Locked),
            Some(_) => Ok(()),
        };
        let case_open = |id| {
            self.case(id).ok_or(Refusal::NoCase)?;
            match self.meeting_of_case(id) {
                Some(m) if m.is_locked() => Err(Refusal::Locked),
                _ => Ok(()),
            }
        };
        match change {
            MeetingChange::Schedule { meeting, details } => {
                if details.body.trim().is_empty() {
                    return Err(Refusal::NoTitle);
                }
                match self.meeting(meeting) {
                    Some(m) if m.is_locked() => Err(Refusal::Locked),
                    _ => Ok(()),
                }
            }
            MeetingChange::Attendance { meeting, .. } | MeetingChange::Reorder { meeting, .. } => {
                meeting_open(meeting)
            }
            MeetingChange::AddCase {
                meeting,
                case,
                details,
                ..
            } => {
                if self.case(case).is_some() {
                    return Err(Refusal::Exists);
                }
                if details.title.trim().is_empty() {
                    return Err(Refusal::NoTitle);
                }
                meeting_open(meeting)
            }
            MeetingChange::EditCase { case, details } => {
                if details.title.trim().is_empty() {
                    return Err(Refusal::NoTitle);
                }
                case_open(case)
            }
            MeetingChange::Postpone { case, .. } => case_open(case),
            MeetingChange::OpenRound {
                round, case, rules, ..
            } => {
                if self.round(round).is_some() {
                    return Err(Refusal::Exists);
                }
                case_open(case)?;
                if self.open_round(case).is_some() {
                    return Err(Refusal::RoundOpen);
                }
                check_rules(rules)
            }
            MeetingChange::CloseRound { round, .. } => match self.round(round) {
                None => Err(Refusal::NoRound),
                Some(r) if !r.is_open() => Err(Refusal::RoundClosed),
                Some(_) => Ok(()),
            },
            MeetingChange::Decide { decision } => {
                if self.decision(&decision.id).is_some() {
                    return Err(Refusal::Exists);
                }
                if let Some(c) = &decision.corrects {
                    self.decision(c).ok_or(Refusal::NoDecision)?;
                    // A correction may always be added: that is how approved minutes change.
                    self.case(&decision.case).ok_or(Refusal::NoCase)?;
                    return Ok(());
                }
                case_open(&decision.case)
            }
            MeetingChange::Minutes { meeting, status } => match self.meeting(meeting) {
                None => Err(Refusal::NoMeeting),
                Some(m) if *status <= m.minutes => Err(Refusal::Backwards),
                Some(_) => Ok(()),
            },
        }
    }

    /// Fills in what the server decides for a checked meeting op: the case number, the
    /// people who may vote, a closing round's result from `ballots` (the ones the server
    /// kept), and a decision's number, author and chain link. Other ops are left alone.
    pub fn stamp(&self, op: &mut Op, ballots: impl FnOnce(&super::RoundId) -> Vec<Ballot>) {
        let author = op.author.clone();
        let at = op.at;
        let Payload::Meeting { change } = &mut op.payload else {
            return;
        };
        match &mut **change {
            MeetingChange::AddCase {
                meeting, number, ..
            } => {
                if let Some(m) = self.meeting(meeting) {
                    let year = m.details.year().unwrap_or_else(|| year_of(at));
                    *number = Some(self.next_case_number(&m.details.body, year));
                }
            }
            MeetingChange::OpenRound { case, eligible, .. } => {
                *eligible = self
                    .meeting_of_case(case)
                    .map(|m| m.eligible())
                    .unwrap_or_default();
            }
            MeetingChange::CloseRound {
                round,
                result,
                ballots: published,
            } => {
                let Some(r) = self.round(round) else {
                    return;
                };
                let mut kept = ballots(round);
                if r.anonymous {
                    // No link from ballot to person once the round is closed, and an
                    // order that says nothing about who voted when.
                    for b in &mut kept {
                        b.voter = None;
                    }
                    kept.sort_by_key(|b| serde_json::to_string(&b.choice).unwrap_or_default());
                } else {
                    kept.sort_by(|a, b| a.voter.cmp(&b.voter));
                }
                *result = Some(vote::tally(&r.rules, &kept));
                *published = kept;
            }
            MeetingChange::Decide { decision } => {
                decision.case_number = self.case(&decision.case).and_then(|c| c.number);
                decision.recorded_by = author;
                decision.recorded_at = at;
                let prev = self
                    .decisions()
                    .last()
                    .and_then(|d| d.chain.as_ref())
                    .map_or_else(|| GENESIS.to_string(), |l| l.hash.clone());
                decision.link(self.decisions().len() as u64 + 1, &prev);
            }
            _ => {}
        }
    }
}

/// What every round's rules need before it can open.
fn check_rules(rules: &vote::RoundRules) -> Result<(), Refusal> {
    use vote::Method;
    let bad = |why: &str| Err(Refusal::BadRules(why.to_string()));
    if rules.body_size == 0 {
        return bad("the body has no members");
    }
    match &rules.method {
        Method::YesNo { .. } => Ok(()),
        _ if rules.options.is_empty() => bad("there is nothing to vote on"),
        _ if rules.options.iter().any(|o| o.trim().is_empty()) => bad("an option has no text"),
        Method::Dots { per_voter: 0 } => bad("each voter needs at least one dot"),
        Method::Scoring { criteria } if criteria.criteria.is_empty() => {
            bad("no criteria to score on")
        }
        _ => Ok(()),
    }
}

/// The calendar year (UTC) of a time in ms since the epoch.
fn year_of(ms: i64) -> i32 {
    use chrono::Datelike;
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.year())
        .unwrap_or(1970)
}

impl RoundState {
    pub fn is_closed(&self) -> bool {
        !matches!(self, RoundState::Open)
    }
}
