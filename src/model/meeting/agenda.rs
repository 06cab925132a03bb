//! The agenda proposed from the board: the items in Prioritert, then those in
//! Vurdering, each as a case of its own, in the board's order, leaving out items a case
//! of the meeting is already about.

use super::{CaseDetails, MeetingId};
use crate::model::{Portfolio, StageKey, Stages};

/// The cases to add to `meeting` so its agenda holds every item in Prioritert and
/// Vurdering. Empty when the meeting is unknown or everything is on it already.
pub fn from_board(portfolio: &Portfolio, meeting: &MeetingId) -> Vec<CaseDetails> {
    let meetings = portfolio.meetings();
    if meetings.meeting(meeting).is_none() {
        return Vec::new();
    }
    let on_agenda: Vec<_> = meetings
        .agenda(meeting)
        .iter()
        .flat_map(|c| c.details.items.iter().copied())
        .collect();
    [Stages::PRIORITISED, Stages::ASSESSMENT]
        .iter()
        .flat_map(|s| portfolio.in_stage(&StageKey::new(s)))
        .filter(|item| !on_agenda.contains(&item.id))
        .map(|item| CaseDetails {
            title: item.title.clone(),
            items: vec![item.id],
            ..CaseDetails::default()
        })
        .collect()
}
