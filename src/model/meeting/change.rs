//! The changes a meeting goes through, as the payload of an op. Each is made by one
//! client and ordered by the server like every other op; a few carry fields the server
//! fills in inside the transaction that stores them (case numbers, the people who may
//! vote, a closed round's result, a decision's place in the hash chain), so that every
//! replica folds the same values.

use super::{CaseId, CaseNumber, Decision, DecisionId, MeetingId, RoundId};
use crate::model::vote::{Ballot, RoundResult, RoundRules};
use crate::model::{ItemId, StageKey};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum MeetingChange {
    /// Creates a meeting, or sets its details again.
    Schedule {
        meeting: MeetingId,
        details: MeetingDetails,
    },
    /// Who is there: replaces the whole list, so the last word of the secretary wins.
    Attendance {
        meeting: MeetingId,
        attendees: Vec<Attendee>,
    },
    /// Puts a case on the agenda, last. The server sets `number`.
    AddCase {
        meeting: MeetingId,
        case: CaseId,
        details: CaseDetails,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        number: Option<CaseNumber>,
    },
    /// Sets a case's details again (not its number).
    EditCase { case: CaseId, details: CaseDetails },
    /// The agenda in a new order. Cases left out keep their place after the named ones.
    Reorder {
        meeting: MeetingId,
        order: Vec<CaseId>,
    },
    /// Postpones a case [utsatt] (or takes it back up with `postponed: false`).
    Postpone { case: CaseId, postponed: bool },
    /// The chair opens a vote round. The server sets `eligible` from the attendance at
    /// that moment; the rules, the options and anonymity are fixed from here on.
    OpenRound {
        round: RoundId,
        case: CaseId,
        rules: RoundRules,
        anonymous: bool,
        #[serde(default)]
        eligible: Vec<Voter>,
    },
    /// The chair closes a round. The server tallies the ballots it kept and sets
    /// `result` and `ballots` (without names when the round was anonymous).
    CloseRound {
        round: RoundId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result: Option<RoundResult>,
        #[serde(default)]
        ballots: Vec<Ballot>,
    },
    /// An entry in the decision log. The server sets the entry's chain link.
    Decide { decision: Box<Decision> },
    /// Moves the minutes on: draft → approved → frozen.
    Minutes {
        meeting: MeetingId,
        status: MinutesStatus,
    },
}

impl MeetingChange {
    /// The meeting this change belongs to, where the change names it.
    pub fn meeting(&self) -> Option<MeetingId> {
        match self {
            MeetingChange::Schedule { meeting, .. }
            | MeetingChange::Attendance { meeting, .. }
            | MeetingChange::AddCase { meeting, .. }
            | MeetingChange::Reorder { meeting, .. }
            | MeetingChange::Minutes { meeting, .. } => Some(*meeting),
            _ => None,
        }
    }

    /// The items a decision moves and the stage it moves them to, when this change is
    /// such a decision: the move is part of the decision's op, folded with it.
    pub fn moves(&self) -> Option<(&[ItemId], &StageKey)> {
        match self {
            MeetingChange::Decide { decision } => match &decision.moved_to {
                Some(to) if !decision.items.is_empty() => Some((&decision.items, to)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The decision log entry this change adds, if it adds one.
    pub fn decision_id(&self) -> Option<DecisionId> {
        match self {
            MeetingChange::Decide { decision } => Some(decision.id),
            _ => None,
        }
    }
}

/// When, where and of which body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingDetails {
    /// The body that meets, e.g. "Bestillerutvalget".
    pub body: String,
    /// Local date and time, `YYYY-MM-DD HH:MM`.
    pub starts_at: String,
    /// A room, or a video link.
    #[serde(default)]
    pub place: String,
    /// The meeting's number in the body's year, e.g. "4/2026", if the body counts them.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub number: String,
}

impl MeetingDetails {
    /// The year cases of this meeting are counted in: from `starts_at`.
    pub fn year(&self) -> Option<i32> {
        self.starts_at.get(..4)?.parse().ok()
    }
}

/// A person on the body's list for this meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attendee {
    /// The person's user name in styr (what they log in as); for someone without an
    /// account, the name the minutes use.
    pub name: String,
    /// The organisation they represent, usually a municipality.
    #[serde(default)]
    pub org: String,
    pub presence: Presence,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "presence", rename_all = "snake_case")]
pub enum Presence {
    /// Til stede.
    Present,
    /// Forfall.
    Absent,
    /// Vara, in place of `replaces` (who is then absent).
    Substitute { replaces: String },
}

/// Someone who may vote in a round, as fixed when it opened.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Voter {
    pub name: String,
    #[serde(default)]
    pub org: String,
}

/// What a case is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseDetails {
    pub title: String,
    /// The proposal voted on [forslag til vedtak / innstilling].
    #[serde(default)]
    pub proposal: String,
    /// Portfolio items the case is about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemId>,
    /// The archive's case number (Noark 5 saksår/sekvensnummer), e.g. "2012/3869".
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub archive_ref: String,
    /// Exempt from public access [unntatt offentlighet]: the legal basis, e.g. "offl. § 13".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exempt: Option<String>,
    /// Handled in a closed session [lukket møte]: the legal basis, e.g. "koml. § 11-5".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_session: Option<String>,
    /// Members who were disqualified [inhabil] and left the case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disqualified: Vec<Disqualified>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Disqualified {
    pub name: String,
    /// The legal basis, e.g. "fvl. § 6 første ledd bokstav a".
    pub basis: String,
}

impl Disqualified {
    /// A disqualified member from `NAME:BASIS`, as a secretary types it (the basis may
    /// itself hold colons); `None` when either part is empty.
    pub fn parse(entry: &str) -> Option<Self> {
        let (name, basis) = entry.split_once(':')?;
        let (name, basis) = (name.trim(), basis.trim());
        (!name.is_empty() && !basis.is_empty()).then(|| Disqualified {
            name: name.to_string(),
            basis: basis.to_string(),
        })
    }
}

/// Where the minutes are: only ever forward.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MinutesStatus {
    #[default]
    Draft,
    Approved,
    Frozen,
}
