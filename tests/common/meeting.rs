//! Builders for meeting ops, shared by the meeting tests (server, minutes, end-to-end)
//! and the voting benchmark: a scripted meeting of Bestillerutvalget.

use super::server::now_ms;
use styr::model::criteria::CriteriaSet;
use styr::model::meeting::{
    Attendee, CaseDetails, CaseId, Decision, DecisionId, MeetingChange, MeetingDetails, MeetingId,
    Meetings, Presence, Reached, RoundId,
};
use styr::model::vote::{Majority, Method, RoundRules, Weighting};
use styr::model::{Op, Payload};

pub fn meeting_op(author: &str, change: MeetingChange) -> Op {
    Op::new(
        author,
        now_ms(),
        Payload::Meeting {
            change: Box::new(change),
        },
    )
}

pub fn schedule(meeting: MeetingId, starts_at: &str) -> MeetingChange {
    MeetingChange::Schedule {
        meeting,
        details: MeetingDetails {
            body: "Bestillerutvalget".into(),
            starts_at: starts_at.into(),
            place: "Rådhuset, møterom 2".into(),
            number: String::new(),
        },
    }
}

/// `names` present, each for a municipality in turn.
pub fn attendance(meeting: MeetingId, present: &[&str], absent: &[&str]) -> MeetingChange {
    const ORGS: [&str; 4] = ["Åfjord", "Indre Fosen", "Ørland", "Osen"];
    let mut attendees: Vec<Attendee> = present
        .iter()
        .enumerate()
        .map(|(i, n)| Attendee {
            name: n.to_string(),
            org: ORGS[i % ORGS.len()].to_string(),
            presence: Presence::Present,
        })
        .collect();
    attendees.extend(absent.iter().map(|n| Attendee {
        name: n.to_string(),
        org: "Osen".into(),
        presence: Presence::Absent,
    }));
    MeetingChange::Attendance { meeting, attendees }
}

pub fn add_case(meeting: MeetingId, case: CaseId, title: &str) -> MeetingChange {
    MeetingChange::AddCase {
        meeting,
        case,
        details: CaseDetails {
            title: title.into(),
            proposal: format!("Bestillerutvalget prioriterer «{title}»."),
            ..CaseDetails::default()
        },
        number: None,
    }
}

pub fn yes_no_rules(body_size: u32) -> RoundRules {
    RoundRules {
        method: Method::YesNo {
            majority: Majority::Simple,
        },
        options: vec![],
        weighting: Weighting::PerPerson,
        body_size,
        casting_vote: false,
        election: false,
        chair: None,
    }
}

pub fn dot_rules(options: &[&str], per_voter: u32, body_size: u32) -> RoundRules {
    RoundRules {
        method: Method::Dots { per_voter },
        options: options.iter().map(|o| o.to_string()).collect(),
        ..yes_no_rules(body_size)
    }
}

pub fn scoring_rules(body_size: u32) -> RoundRules {
    RoundRules {
        method: Method::Scoring {
            criteria: CriteriaSet::prosjektportalen(),
        },
        options: vec!["Felles sak- og arkivsystem".into()],
        ..yes_no_rules(body_size)
    }
}

pub fn open_round(
    round: RoundId,
    case: CaseId,
    rules: RoundRules,
    anonymous: bool,
) -> MeetingChange {
    MeetingChange::OpenRound {
        round,
        case,
        rules,
        anonymous,
        eligible: vec![],
    }
}

pub fn close_round(round: RoundId) -> MeetingChange {
    MeetingChange::CloseRound {
        round,
        result: None,
        ballots: vec![],
    }
}

/// A decision as the secretary writes it, before the server numbers and chains it.
pub fn decision(
    id: DecisionId,
    case: CaseId,
    title: &str,
    text: &str,
    reached: Reached,
) -> Decision {
    Decision {
        id,
        case,
        case_number: None,
        title: title.into(),
        proposal: String::new(),
        text: text.into(),
        reached,
        dissent: vec![],
        disqualified: vec![],
        closed_session: None,
        exempt: None,
        items: vec![],
        moved_to: None,
        corrects: None,
        recorded_by: String::new(),
        recorded_at: 0,
        chain: None,
    }
}

pub fn decide(case: CaseId, title: &str, text: &str, reached: Reached) -> MeetingChange {
    MeetingChange::Decide {
        decision: Box::new(Decision {
            proposal: format!("Bestillerutvalget prioriterer «{title}»."),
            ..decision(DecisionId::new(), case, title, text, reached)
        }),
    }
}

/// Edits the text of the decision titled `title` directly in a server's SQLite file, as
/// someone with access to the file could, and returns how many ops it changed.
pub fn tamper_with_decision(db: &std::path::Path, title: &str) -> usize {
    let conn = rusqlite::Connection::open(db).expect("the database opens");
    conn.execute(
        "UPDATE ops SET op = CAST(replace(CAST(op AS TEXT), 'Saken prioriteres.', 'Saken avvises.') AS BLOB)
         WHERE instr(op, ?1) > 0",
        [title],
    )
    .expect("the edit is made")
}

/// Asserts that the meeting's cases are numbered 1..=`n` within the year: each number
/// once, none skipped (the server assigns them, also when several write at once).
pub fn assert_cases_numbered(meetings: &Meetings, meeting: &MeetingId, n: u32) {
    let mut numbers: Vec<u32> = meetings
        .agenda(meeting)
        .iter()
        .map(|c| c.number.expect("numbered").seq)
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        (1..=n).collect::<Vec<u32>>(),
        "no case number twice"
    );
}
