//! Meetings of a body [møter]: the agenda of cases, vote rounds driven by the chair, and
//! the decision log that the minutes are made from. Everything here is the fold of
//! meeting ops (see [`MeetingChange`]); ballots are not: the server keeps them while a
//! round is open and publishes only their count, then the result when the chair closes.

pub mod agenda;
mod case_number;
mod change;
mod decision;
mod ids;
mod rules;
mod state;

pub use case_number::{BodyRules, CaseNumber, CaseNumberFormat};
pub use change::{
    Attendee, CaseDetails, Disqualified, MeetingChange, MeetingDetails, MinutesStatus, Presence,
    Voter,
};
pub use decision::{verify_chain, ChainBreak, ChainLink, Decision, Reached, GENESIS};
pub use ids::{CaseId, DecisionId, MeetingId, RoundId};
pub use rules::Refusal;
pub use state::{Case, Meeting, Meetings, Round, RoundState};
