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
    /// A change to what a round votes on (the case's proposal, items or options, or
    /// postponing it) while that round is open.
    #[error("the case is being voted on: it cannot change until the vote round is closed")]
    VotingOpen,
    #[error("an election has no casting vote")]
    CastingVoteInElection,
    /// The quorum base is smaller than the body the attendance records.
    #[error(
        "the round counts {body_size} members for the quorum, but the attendance lists {members}"
    )]
    BodyTooSmall { body_size: u32, members: u32 },
    /// A ballot from someone not on the round's list of voters.
    #[error("only members present (or a substitute in place of an absent member) may vote in this round")]
    NotEligible,
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
                case_open(case)?;
                self.not_being_voted_on(case)
            }
            MeetingChange::Postpone { case, .. } => {
                case_open(case)?;
                self.not_being_voted_on(case)
            }
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
                check_rules(rules)?;
                // The quorum base comes from the chair's client; it may not leave out
                // members the attendance records (which would make a quorum easier).
                let members = self.meeting_of_case(case).map_or(0, |m| m.members());
                let members = u32::try_from(members).unwrap_or(u32::MAX);
                if rules.body_size < members {
                    return Err(Refusal::BodyTooSmall {
                        body_size: rules.body_size,
                        members,
                    });
                }
                Ok(())
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

    /// Refuses a change to what a case's open round votes on: the options are locked
    /// while the round is open.
    fn not_being_voted_on(&self, case: &super::CaseId) -> Result<(), Refusal> {
        match self.open_round(case) {
            Some(_) => Err(Refusal::VotingOpen),
            None => Ok(()),
        }
    }

    /// Fills in what the server decides for a checked meeting op: the case number, the
    /// people who may vote and whose ballot is the casting vote, a closing round's
    /// result from `ballots` (the ones the server kept), and a decision's number, author
    /// and chain link. Other ops are left alone.
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
            MeetingChange::OpenRound {
                case,
                eligible,
                rules,
                ..
            } => {
                *eligible = self
                    .meeting_of_case(case)
                    .map(|m| m.eligible())
                    .unwrap_or_default();
                // The casting vote is the chair's who opens the round (the role check
                // made sure it is a chair), never a name the client chose.
                rules.chair = rules.casting_vote.then(|| author.clone());
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
                    // order that says nothing about who voted when. The municipality
                    // goes too (with one member from each it names the voter), except
                    // when the round weighs one vote per municipality: then the tally,
                    // and anyone checking it from the published ballots, needs it.
                    let keep_org = r.rules.weighting == vote::Weighting::PerOrganisation;
                    for b in &mut kept {
                        b.voter = None;
                        if !keep_org {
                            b.org.clear();
                        }
                    }
                    // Sorted by the whole ballot, so that equal ones keep no trace of the
                    // order the store read them in (by voter).
                    kept.sort_by_cached_key(|b| serde_json::to_string(b).unwrap_or_default());
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
    if rules.casting_vote && rules.election {
        return Err(Refusal::CastingVoteInElection);
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
