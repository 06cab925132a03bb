//! What `styr meeting …` and `styr minutes` need besides the store: finding a meeting or
//! an item from what a person typed, reading attendees from the command line, and the
//! meeting ops a secretary's script asks for. The ops are checked against the fold the
//! way the server checks them, so a script hears "no" before anything is written.

use crate::model::meeting::{
    Attendee, CaseDetails, CaseId, MeetingChange, MeetingDetails, MeetingId, Meetings,
    MinutesStatus, Presence, Refusal,
};
use crate::model::{ItemId, Op, Payload, Portfolio};

/// Why what was typed names no single meeting or item.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FindError {
    #[error("there are no meetings yet")]
    NoMeetings,
    #[error("nothing matches {0:?}")]
    NotFound(String),
    /// What matched, each as "short id (date, body)" or "short id (title)".
    #[error("{query:?} matches several: {}", .matches.join(", "))]
    Ambiguous { query: String, matches: Vec<String> },
}

/// The meeting `query` names: a meeting id, the start or the end of its hex digits (the
/// last 8 are what `styr meeting list` shows), a date `YYYY-MM-DD` (the meeting that day), or `latest`
/// (the one that starts last).
pub fn find_meeting(meetings: &Meetings, query: &str) -> Result<MeetingId, FindError> {
    let all = meetings.meetings();
    if all.is_empty() {
        return Err(FindError::NoMeetings);
    }
    let q = query.trim();
    if q.eq_ignore_ascii_case("latest") {
        return all
            .last()
            .map(|m| m.id)
            .ok_or_else(|| FindError::NotFound(q.to_string()));
    }
    let is_date = q.len() == 10
        && chrono::NaiveDate::parse_from_str(q, "%Y-%m-%d").is_ok()
        && q.as_bytes().get(4) == Some(&b'-');
    let hex: String = q.chars().filter(|c| *c != '-').collect::<String>();
    let hex = hex.to_ascii_lowercase();
    let matches: Vec<_> = all
        .iter()
        .filter(|m| {
            if is_date {
                m.details.starts_at.starts_with(q)
            } else {
                !hex.is_empty()
                    && hex.chars().all(|c| c.is_ascii_hexdigit())
                    && names(&m.id.0, &hex)
            }
        })
        .collect();
    match matches[..] {
        [] => Err(FindError::NotFound(q.to_string())),
        [one] => Ok(one.id),
        _ => Err(FindError::Ambiguous {
            query: q.to_string(),
            matches: matches
                .iter()
                .map(|m| format!("{} ({}, {})", m.id, m.details.starts_at, m.details.body))
                .collect(),
        }),
    }
}

/// Whether `hex` (lower-case hex digits) names `id`: the start of its digits, or the end
/// (short ids are the last eight).
fn names(id: &uuid::Uuid, hex: &str) -> bool {
    let full = id.simple().to_string();
    full.starts_with(hex) || full.ends_with(hex)
}

/// The live portfolio item `query` names: its id, or the start or end of its hex digits.
pub fn find_item(portfolio: &Portfolio, query: &str) -> Result<ItemId, FindError> {
    let hex: String = query
        .trim()
        .chars()
        .filter(|c| *c != '-')
        .collect::<String>()
        .to_ascii_lowercase();
    if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(FindError::NotFound(query.trim().to_string()));
    }
    let matches: Vec<_> = portfolio.items().filter(|i| names(&i.id.0, &hex)).collect();
    match matches[..] {
        [] => Err(FindError::NotFound(query.trim().to_string())),
        [one] => Ok(one.id),
        _ => Err(FindError::Ambiguous {
            query: query.trim().to_string(),
            matches: matches
                .iter()
                .map(|i| format!("{} ({})", i.id, i.title))
                .collect(),
        }),
    }
}

/// Why an attendee or time on the command line does not read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PersonError {
    #[error("{0:?} is not name:organisation")]
    Person(String),
    #[error("{0:?} is not name:organisation:for-name")]
    Substitute(String),
    #[error("{0:?} is not YYYY-MM-DD HH:MM")]
    Time(String),
}

/// A start time as `YYYY-MM-DD HH:MM`, checked and written in that form.
pub fn parse_starts_at(s: &str) -> Result<String, PersonError> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M")
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .map_err(|_| PersonError::Time(s.to_string()))
}

fn name_org(entry: &str) -> Option<(String, String)> {
    let mut parts = entry.splitn(2, ':');
    let name = parts.next()?.trim();
    let org = parts.next().unwrap_or("").trim();
    if name.is_empty() || org.contains(':') {
        return None;
    }
    Some((name.to_string(), org.to_string()))
}

/// The attendance from `--present a:Org,b:Org`, `--absent c:Org` and
/// `--substitute d:Org:for-c` (each list comma-separated, each flag repeatable). A
/// member a substitute stands in for is absent; they are added so when not listed.
pub fn parse_attendance(
    present: &[String],
    absent: &[String],
    substitutes: &[String],
) -> Result<Vec<Attendee>, PersonError> {
    let entries = |lists: &[String]| -> Vec<String> {
        lists
            .iter()
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut out: Vec<Attendee> = Vec::new();
    let push = |a: Attendee, out: &mut Vec<Attendee>| {
        out.retain(|x| x.name != a.name);
        out.push(a);
    };
    for e in entries(present) {
        let (name, org) = name_org(&e).ok_or_else(|| PersonError::Person(e.clone()))?;
        push(
            Attendee {
                name,
                org,
                presence: Presence::Present,
            },
            &mut out,
        );
    }
    for e in entries(absent) {
        let (name, org) = name_org(&e).ok_or_else(|| PersonError::Person(e.clone()))?;
        push(
            Attendee {
                name,
                org,
                presence: Presence::Absent,
            },
            &mut out,
        );
    }
    for e in entries(substitutes) {
        let bad = || PersonError::Substitute(e.clone());
        let parts: Vec<&str> = e.split(':').map(str::trim).collect();
        let [name, org, replaces] = parts[..] else {
            return Err(bad());
        };
        let replaces = replaces.strip_prefix("for-").unwrap_or(replaces).trim();
        if name.is_empty() || replaces.is_empty() || replaces == name {
            return Err(bad());
        }
        if !out.iter().any(|a| a.name == replaces) {
            out.push(Attendee {
                name: replaces.to_string(),
                org: org.to_string(),
                presence: Presence::Absent,
            });
        }
        push(
            Attendee {
                name: name.to_string(),
                org: org.to_string(),
                presence: Presence::Substitute {
                    replaces: replaces.to_string(),
                },
            },
            &mut out,
        );
    }
    Ok(out)
}

/// Builds ops one change at a time on top of a fold, checking each as the server would,
/// and (for a local cache, which has no server) stamping them as the server would, so
/// cases get their numbers.
pub struct OpBuilder {
    meetings: Meetings,
    author: String,
    at: i64,
    stamp: bool,
    ops: Vec<Op>,
}

impl OpBuilder {
    /// `stamp`: fill in what a server fills in (for a local cache).
    pub fn new(meetings: &Meetings, author: &str, at: i64, stamp: bool) -> Self {
        OpBuilder {
            meetings: meetings.clone(),
            author: author.to_string(),
            at,
            stamp,
            ops: Vec::new(),
        }
    }

    /// Checks `change`, makes it an op and folds it in.
    pub fn push(&mut self, change: MeetingChange) -> Result<&Op, Refusal> {
        self.meetings.check(&change)?;
        let mut op = Op::new(
            &self.author,
            self.at,
            Payload::Meeting {
                change: Box::new(change),
            },
        );
        if self.stamp {
            self.meetings.stamp(&mut op, |_| Vec::new());
        }
        self.meetings.apply(&op);
        self.ops.push(op);
        Ok(self.ops.last().expect("just pushed"))
    }

    /// The meetings with the ops so far folded in.
    pub fn meetings(&self) -> &Meetings {
        &self.meetings
    }

    pub fn into_ops(self) -> Vec<Op> {
        self.ops
    }
}

/// The changes that create a meeting: its schedule, then its attendance if any.
pub fn new_meeting(
    meeting: MeetingId,
    details: MeetingDetails,
    attendees: Vec<Attendee>,
) -> Vec<MeetingChange> {
    let mut v = vec![MeetingChange::Schedule { meeting, details }];
    if !attendees.is_empty() {
        v.push(MeetingChange::Attendance { meeting, attendees });
    }
    v
}

/// The body's meeting before one with `details`, when its minutes are still a draft:
/// approving them is a case of the next meeting.
pub fn previous_unapproved<'a>(
    meetings: &'a Meetings,
    details: &MeetingDetails,
) -> Option<&'a crate::model::meeting::Meeting> {
    meetings
        .meetings()
        .into_iter()
        .rfind(|m| m.details.body == details.body && m.details.starts_at < details.starts_at)
        .filter(|m| m.minutes == MinutesStatus::Draft)
}

/// The change that puts a case on the agenda (the number is the server's to set).
pub fn add_case(meeting: MeetingId, case: CaseId, details: CaseDetails) -> MeetingChange {
    MeetingChange::AddCase {
        meeting,
        case,
        details,
        number: None,
    }
}

/// The change that moves the minutes on.
pub fn set_minutes(meeting: MeetingId, status: MinutesStatus) -> MeetingChange {
    MeetingChange::Minutes { meeting, status }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attendance_reads_names_orgs_and_substitutes() {
        let a = parse_attendance(
            &["leder:Åfjord, medlem-a:Indre Fosen".into()],
            &["medlem-c:Ørland".into()],
            &["vara-d:Osen:for-medlem-d".into()],
        )
        .expect("reads");
        let names: Vec<(&str, &Presence)> =
            a.iter().map(|a| (a.name.as_str(), &a.presence)).collect();
        assert_eq!(
            names,
            [
                ("leder", &Presence::Present),
                ("medlem-a", &Presence::Present),
                ("medlem-c", &Presence::Absent),
                ("medlem-d", &Presence::Absent),
                (
                    "vara-d",
                    &Presence::Substitute {
                        replaces: "medlem-d".into()
                    }
                ),
            ]
        );
        assert_eq!(a[1].org, "Indre Fosen");
        assert!(parse_attendance(&[":Osen".into()], &[], &[]).is_err());
        assert!(parse_attendance(&["a:b:c".into()], &[], &[]).is_err());
        assert!(parse_attendance(&[], &[], &["vara:Osen".into()]).is_err());
        assert!(parse_attendance(&[], &[], &["vara:Osen:for-".into()]).is_err());
    }

    #[test]
    fn times_must_be_whole() {
        assert_eq!(
            parse_starts_at(" 2026-11-26 10:00 ").as_deref(),
            Ok("2026-11-26 10:00")
        );
        assert!(parse_starts_at("2026-11-26").is_err());
        assert!(parse_starts_at("2026-13-26 10:00").is_err());
        assert!(parse_starts_at("i morgen").is_err());
    }

    #[test]
    fn meetings_are_found_by_id_prefix_date_or_latest() {
        let ids = [MeetingId::new(), MeetingId::new(), MeetingId::new()];
        let mut b = OpBuilder::new(&Meetings::default(), "sekretaer", 1, true);
        for (id, at) in ids
            .iter()
            .zip(["2026-11-26 10:00", "2026-11-26 14:00", "2026-12-03 10:00"])
        {
            let details = MeetingDetails {
                body: "Bestillerutvalget".into(),
                starts_at: at.into(),
                ..MeetingDetails::default()
            };
            for c in new_meeting(*id, details, vec![]) {
                b.push(c).expect("allowed");
            }
        }
        let m = b.meetings();
        assert_eq!(find_meeting(m, "latest"), Ok(ids[2]));
        assert_eq!(find_meeting(m, "2026-12-03"), Ok(ids[2]));
        assert_eq!(find_meeting(m, &ids[0].to_string()), Ok(ids[0]));
        assert!(matches!(
            find_meeting(m, "2026-11-26"),
            Err(FindError::Ambiguous { ref matches, .. }) if matches.len() == 2
        ));
        assert!(matches!(
            find_meeting(m, "2025-01-01"),
            Err(FindError::NotFound(_))
        ));
        assert!(matches!(find_meeting(m, "zz"), Err(FindError::NotFound(_))));
        assert!(matches!(find_meeting(m, ""), Err(FindError::NotFound(_))));
        assert_eq!(
            find_meeting(&Meetings::default(), "latest"),
            Err(FindError::NoMeetings)
        );
    }
}
