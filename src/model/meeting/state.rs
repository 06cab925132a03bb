//! Every meeting as the fold of the meeting ops: meetings, their agendas of cases, vote
//! rounds and the decision log. Like the portfolio, `apply` is idempotent and never
//! fails: a change about something unknown changes nothing. What is *allowed* is
//! [`Meetings::check`]'s business, which the server runs before storing.

use super::change::{
    Attendee, CaseDetails, MeetingChange, MeetingDetails, MinutesStatus, Presence, Voter,
};
use super::{CaseId, CaseNumber, Decision, DecisionId, MeetingId, RoundId};
use crate::model::vote::{Ballot, RoundResult, RoundRules};
use crate::model::{Op, OpId, Payload};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    pub id: MeetingId,
    pub details: MeetingDetails,
    #[serde(default)]
    pub attendees: Vec<Attendee>,
    /// Cases in agenda order.
    #[serde(default)]
    pub agenda: Vec<CaseId>,
    #[serde(default)]
    pub minutes: MinutesStatus,
    pub created_by: String,
    pub created_at: i64,
}

impl Meeting {
    /// Who may vote: members present, and substitutes in place of a member recorded
    /// absent [forfall] (and not also present). A substitute for a member who is there,
    /// or for someone not on the list, does not vote; of several substitutes for one
    /// absent member only the first on the list does, so a seat never has two votes.
    pub fn eligible(&self) -> Vec<Voter> {
        let present: BTreeSet<&str> = self
            .attendees
            .iter()
            .filter(|a| a.presence == Presence::Present)
            .map(|a| a.name.as_str())
            .collect();
        let absent: BTreeSet<&str> = self
            .attendees
            .iter()
            .filter(|a| a.presence == Presence::Absent && !present.contains(a.name.as_str()))
            .map(|a| a.name.as_str())
            .collect();
        let mut replaced: BTreeSet<&str> = BTreeSet::new();
        let mut v: Vec<Voter> = self
            .attendees
            .iter()
            .filter(|a| match &a.presence {
                Presence::Present => true,
                Presence::Absent => false,
                Presence::Substitute { replaces } => {
                    absent.contains(replaces.as_str())
                        && !present.contains(a.name.as_str())
                        && replaced.insert(replaces.as_str())
                }
            })
            .map(|a| Voter {
                name: a.name.clone(),
                org: a.org.clone(),
            })
            .collect();
        v.sort();
        v.dedup_by(|a, b| a.name == b.name);
        v
    }

    /// How many members of the body the attendance records: everyone on the list who is
    /// not a substitute, present or absent. A round's quorum base may not be smaller.
    pub fn members(&self) -> usize {
        self.attendees
            .iter()
            .filter(|a| !matches!(a.presence, Presence::Substitute { .. }))
            .map(|a| a.name.as_str())
            .collect::<BTreeSet<_>>()
            .len()
    }

    /// Nothing but corrections and the minutes' own status once they are approved.
    pub fn is_locked(&self) -> bool {
        self.minutes >= MinutesStatus::Approved
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    pub meeting: MeetingId,
    #[serde(default)]
    pub number: Option<CaseNumber>,
    pub details: CaseDetails,
    #[serde(default)]
    pub postponed: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub id: RoundId,
    pub case: CaseId,
    pub rules: RoundRules,
    pub anonymous: bool,
    pub eligible: Vec<Voter>,
    pub opened_by: String,
    pub opened_at: i64,
    pub state: RoundState,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RoundState {
    Open,
    Closed {
        result: Option<RoundResult>,
        ballots: Vec<Ballot>,
        closed_at: i64,
    },
}

impl Round {
    pub fn is_open(&self) -> bool {
        matches!(self.state, RoundState::Open)
    }

    pub fn result(&self) -> Option<&RoundResult> {
        match &self.state {
            RoundState::Closed { result, .. } => result.as_ref(),
            RoundState::Open => None,
        }
    }

    pub fn voter(&self, name: &str) -> Option<&Voter> {
        self.eligible.iter().find(|v| v.name == name)
    }
}

/// All meetings, as the fold of the meeting ops left them.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Meetings {
    meetings: BTreeMap<MeetingId, Meeting>,
    cases: BTreeMap<CaseId, Case>,
    rounds: BTreeMap<RoundId, Round>,
    /// The decision log in the order the server stored it.
    decisions: Vec<Decision>,
    /// Ids of the ops taken in by this value (not persisted: the store keeps its own).
    #[serde(skip)]
    seen: BTreeSet<OpId>,
}

/// Equal when the meetings, cases, rounds and decisions are: which op ids a value has
/// taken in is bookkeeping of the process, not content (as for the portfolio).
impl PartialEq for Meetings {
    fn eq(&self, other: &Self) -> bool {
        self.meetings == other.meetings
            && self.cases == other.cases
            && self.rounds == other.rounds
            && self.decisions == other.decisions
    }
}

impl Eq for Meetings {}

impl Meetings {
    pub fn fold<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Self {
        let mut m = Meetings::default();
        for op in ops {
            m.apply(op);
        }
        m
    }

    /// Applies a meeting op; other ops, and one seen before, change nothing. Returns
    /// whether anything changed.
    pub fn apply(&mut self, op: &Op) -> bool {
        let Payload::Meeting { change } = &op.payload else {
            return false;
        };
        if !self.seen.insert(op.op_id) {
            return false;
        }
        self.apply_change(change, &op.author, op.at)
    }

    fn apply_change(&mut self, change: &MeetingChange, author: &str, at: i64) -> bool {
        match change {
            MeetingChange::Schedule { meeting, details } => {
                match self.meetings.get_mut(meeting) {
                    Some(m) => m.details = details.clone(),
                    None => {
                        self.meetings.insert(
                            *meeting,
                            Meeting {
                                id: *meeting,
                                details: details.clone(),
                                attendees: Vec::new(),
                                agenda: Vec::new(),
                                minutes: MinutesStatus::Draft,
                                created_by: author.to_string(),
                                created_at: at,
                            },
                        );
                    }
                }
                true
            }
            MeetingChange::Attendance { meeting, attendees } => {
                let Some(m) = self.meetings.get_mut(meeting) else {
                    return false;
                };
                m.attendees = attendees.clone();
                true
            }
            MeetingChange::AddCase {
                meeting,
                case,
                details,
                number,
            } => {
                if self.cases.contains_key(case) {
                    return false;
                }
                let Some(m) = self.meetings.get_mut(meeting) else {
                    return false;
                };
                m.agenda.push(*case);
                self.cases.insert(
                    *case,
                    Case {
                        id: *case,
                        meeting: *meeting,
                        number: *number,
                        details: details.clone(),
                        postponed: false,
                    },
                );
                true
            }
            MeetingChange::EditCase { case, details } => {
                let Some(c) = self.cases.get_mut(case) else {
                    return false;
                };
                c.details = details.clone();
                true
            }
            MeetingChange::Reorder { meeting, order } => {
                let Some(m) = self.meetings.get_mut(meeting) else {
                    return false;
                };
                let mut agenda: Vec<CaseId> = Vec::with_capacity(m.agenda.len());
                for c in order {
                    if m.agenda.contains(c) && !agenda.contains(c) {
                        agenda.push(*c);
                    }
                }
                for c in &m.agenda {
                    if !agenda.contains(c) {
                        agenda.push(*c);
                    }
                }
                m.agenda = agenda;
                true
            }
            MeetingChange::Postpone { case, postponed } => {
                let Some(c) = self.cases.get_mut(case) else {
                    return false;
                };
                c.postponed = *postponed;
                true
            }
            MeetingChange::OpenRound {
                round,
                case,
                rules,
                anonymous,
                eligible,
            } => {
                if self.rounds.contains_key(round) || !self.cases.contains_key(case) {
                    return false;
                }
                self.rounds.insert(
                    *round,
                    Round {
                        id: *round,
                        case: *case,
                        rules: rules.clone(),
                        anonymous: *anonymous,
                        eligible: eligible.clone(),
                        opened_by: author.to_string(),
                        opened_at: at,
                        state: RoundState::Open,
                    },
                );
                true
            }
            MeetingChange::CloseRound {
                round,
                result,
                ballots,
            } => {
                let Some(r) = self.rounds.get_mut(round).filter(|r| r.is_open()) else {
                    return false;
                };
                r.state = RoundState::Closed {
                    result: result.clone(),
                    ballots: ballots.clone(),
                    closed_at: at,
                };
                true
            }
            MeetingChange::Decide { decision } => {
                if self.decision(&decision.id).is_some() {
                    return false;
                }
                self.decisions.push((**decision).clone());
                true
            }
            MeetingChange::Minutes { meeting, status } => {
                let Some(m) = self.meetings.get_mut(meeting) else {
                    return false;
                };
                if *status <= m.minutes {
                    return false;
                }
                m.minutes = *status;
                true
            }
        }
    }

    pub fn meeting(&self, id: &MeetingId) -> Option<&Meeting> {
        self.meetings.get(id)
    }

    /// Meetings, oldest first by start time.
    pub fn meetings(&self) -> Vec<&Meeting> {
        let mut v: Vec<&Meeting> = self.meetings.values().collect();
        v.sort_by(|a, b| (&a.details.starts_at, a.id).cmp(&(&b.details.starts_at, b.id)));
        v
    }

    pub fn case(&self, id: &CaseId) -> Option<&Case> {
        self.cases.get(id)
    }

    /// A meeting's cases in agenda order.
    pub fn agenda(&self, meeting: &MeetingId) -> Vec<&Case> {
        self.meetings
            .get(meeting)
            .map(|m| m.agenda.iter().filter_map(|c| self.cases.get(c)).collect())
            .unwrap_or_default()
    }

    pub fn round(&self, id: &RoundId) -> Option<&Round> {
        self.rounds.get(id)
    }

    /// A case's rounds, in the order they were opened.
    pub fn rounds_of(&self, case: &CaseId) -> Vec<&Round> {
        let mut v: Vec<&Round> = self.rounds.values().filter(|r| &r.case == case).collect();
        v.sort_by_key(|r| (r.opened_at, r.id));
        v
    }

    /// The open round on a case, if any.
    pub fn open_round(&self, case: &CaseId) -> Option<&Round> {
        self.rounds
            .values()
            .find(|r| &r.case == case && r.is_open())
    }

    /// The decision log, in stored order.
    pub fn decisions(&self) -> &[Decision] {
        &self.decisions
    }

    pub fn decision(&self, id: &DecisionId) -> Option<&Decision> {
        self.decisions.iter().find(|d| &d.id == id)
    }

    /// A case's decisions, in stored order (corrections after what they correct).
    pub fn decisions_of(&self, case: &CaseId) -> Vec<&Decision> {
        self.decisions.iter().filter(|d| &d.case == case).collect()
    }

    /// The meeting a case, round or decision belongs to.
    pub fn meeting_of_case(&self, case: &CaseId) -> Option<&Meeting> {
        self.meetings.get(&self.cases.get(case)?.meeting)
    }

    /// The next case number of `body` in `year`: one past the highest given so far.
    pub fn next_case_number(&self, body: &str, year: i32) -> CaseNumber {
        let highest = self
            .cases
            .values()
            .filter_map(|c| {
                let n = c.number?;
                let m = self.meetings.get(&c.meeting)?;
                (n.year == year && m.details.body == body).then_some(n.seq)
            })
            .max()
            .unwrap_or(0);
        CaseNumber {
            year,
            seq: highest.saturating_add(1),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.meetings.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attendee(name: &str, presence: Presence) -> Attendee {
        Attendee {
            name: name.into(),
            org: "Osen".into(),
            presence,
        }
    }

    fn substitute(name: &str, replaces: &str) -> Attendee {
        attendee(
            name,
            Presence::Substitute {
                replaces: replaces.into(),
            },
        )
    }

    #[test]
    fn a_substitute_votes_only_in_place_of_a_member_recorded_absent() {
        let meeting = Meeting {
            id: MeetingId::new(),
            details: MeetingDetails::default(),
            attendees: vec![
                attendee("medlem-a", Presence::Present),
                attendee("medlem-b", Presence::Absent),
                attendee("medlem-c", Presence::Absent),
                attendee("medlem-c", Presence::Present),
                substitute("vara-a", "medlem-a"),
                substitute("vara-b", "medlem-b"),
                substitute("vara-b2", "medlem-b"),
                substitute("vara-c", "medlem-c"),
                substitute("vara-x", "ikke-på-listen"),
            ],
            agenda: vec![],
            minutes: MinutesStatus::Draft,
            created_by: String::new(),
            created_at: 0,
        };
        let names: Vec<String> = meeting.eligible().into_iter().map(|v| v.name).collect();
        assert_eq!(
            names,
            ["medlem-a", "medlem-c", "vara-b"],
            "not for a present member (a, and c who came after all), one per absent member, \
             not for someone off the list"
        );
        assert_eq!(meeting.members(), 3);
    }
}
