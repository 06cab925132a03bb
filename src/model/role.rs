//! Who may do what. The server decides (it checks every pushed op against its author's
//! role); the TUI asks the same function to hide what a role cannot do, so the two can
//! never disagree.
//!
//! Roles are ordered: each one may do everything the roles before it may.
//! - viewer: reads.
//! - member: proposes (creates items in the first stage), edits their text and scores
//!   them on the criteria.
//! - secretary: prepares cases: moves cards up to and including Prioritert, into and out
//!   of the side stages (Parkert, Avvist), creates items in any stage up to Prioritert,
//!   deletes and restores; manages meetings (details, attendance, agenda, cases), records
//!   decisions and moves the minutes on.
//! - chair: also moves cards (and creates items) past Prioritert, and opens and closes
//!   vote rounds. (Voting itself is not an op: the server checks a ballot against the
//!   round's list of eligible voters.)
//! - admin: also manages users.

use super::meeting::MeetingChange;
use super::{Payload, StageKey, Stages};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Member,
    Secretary,
    Chair,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Viewer,
        Role::Member,
        Role::Secretary,
        Role::Chair,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Member => "member",
            Role::Secretary => "secretary",
            Role::Chair => "chair",
            Role::Admin => "admin",
        }
    }

    /// True when this role may write anything at all.
    pub fn can_write(self) -> bool {
        self >= Role::Member
    }

    /// True when this role may add, list and revoke users.
    pub fn manages_users(self) -> bool {
        self == Role::Admin
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown role {s:?}; the roles are viewer, member, secretary, chair and admin"
                )
            })
    }
}

/// Why an op was refused: the role it would need.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{action} needs the role {needs} (you are {has})")]
pub struct Denied {
    pub action: &'static str,
    pub needs: Role,
    pub has: Role,
}

/// The least role that may put an item in `stage`: the first stage is open to members,
/// stages after Prioritert (in the main flow) need the chair, everything else (the
/// preparation stages and the side stages) the secretary. With a configuration that has
/// no Prioritert stage, nothing needs the chair.
pub fn role_for_stage(stages: &Stages, stage: &StageKey) -> Role {
    if stage == stages.first() {
        return Role::Member;
    }
    let prioritised = stages.index_of(&StageKey::new(Stages::PRIORITISED));
    let side = stages.get(stage).is_some_and(|s| s.side);
    match (prioritised, stages.index_of(stage)) {
        (Some(p), Some(i)) if !side && i > p => Role::Chair,
        _ => Role::Secretary,
    }
}

/// The least role that may perform `payload`.
pub fn required_role(stages: &Stages, payload: &Payload) -> (&'static str, Role) {
    match payload {
        Payload::CreateItem { stage, .. } => {
            ("creating an item here", role_for_stage(stages, stage))
        }
        Payload::EditItem { .. } => ("editing an item", Role::Member),
        // Scoring is giving one's own view of an item, as editing its text is.
        Payload::ScoreItem { .. } => ("scoring an item", Role::Member),
        Payload::MoveItem { to, .. } => (
            "moving an item to this stage",
            role_for_stage(stages, to).max(Role::Secretary),
        ),
        Payload::DeleteItem { .. } => ("deleting an item", Role::Secretary),
        Payload::RestoreItem { .. } => ("restoring an item", Role::Secretary),
        Payload::MoveItems { to, .. } => (
            "moving items to this stage",
            role_for_stage(stages, to).max(Role::Secretary),
        ),
        Payload::Meeting { change } => match &**change {
            MeetingChange::OpenRound { .. } => ("opening a vote round", Role::Chair),
            MeetingChange::CloseRound { .. } => ("closing a vote round", Role::Chair),
            // Whoever records a decision that moves items must be allowed to move them.
            MeetingChange::Decide { .. } => match change.moves() {
                Some((_, to)) => (
                    "recording a decision that moves items to this stage",
                    role_for_stage(stages, to).max(Role::Secretary),
                ),
                None => ("recording a decision", Role::Secretary),
            },
            MeetingChange::Minutes { .. } => ("approving minutes", Role::Secretary),
            _ => ("managing a meeting", Role::Secretary),
        },
    }
}

/// Checks `payload` against `role`.
pub fn check(stages: &Stages, role: Role, payload: &Payload) -> Result<(), Denied> {
    let (action, needs) = required_role(stages, payload);
    if role >= needs {
        Ok(())
    } else {
        Err(Denied {
            action,
            needs,
            has: role,
        })
    }
}
