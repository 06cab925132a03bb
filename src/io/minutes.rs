//! The minutes of a meeting [møtebok / protokoll], made from the fold of its ops: what
//! kommuneloven § 11-4 asks a møtebok to hold (body, time and place, who attended, who
//! was absent and who stood in for them, the cases in agenda order, what was decided and
//! how each vote went), as Markdown for people or JSON with Noark-5-style metadata for
//! an archive.
//!
//! `public: true` makes the copy for the public: an exempt case [unntatt offentlighet]
//! shows its legal reference in place of its title, proposal, decision text and the names
//! of those who dissented or voted. Every fixed word comes from [`MinutesStrings`].

use crate::i18n::{fill, MinutesStrings};
use crate::model::meeting::{
    Case, CaseNumberFormat, Decision, Meeting, MeetingId, Meetings, Presence, Reached, Round,
};
use crate::model::vote::{Choice, Fraction, Majority, Method, Outcome, RoundResult, YesNo};
use crate::model::{ItemId, Portfolio};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// What the minutes are written as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinutesFormat {
    Markdown,
    Json,
}

pub struct MinutesOptions<'a> {
    /// The copy for the public: exempt cases show only their legal reference.
    pub public: bool,
    pub format: MinutesFormat,
    /// How case numbers are written (the body's choice).
    pub case_format: CaseNumberFormat,
    pub strings: &'a MinutesStrings,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MinutesError {
    #[error("there is no meeting {0}")]
    NoMeeting(MeetingId),
}

/// The minutes of `meeting`, in the format `opts` asks for.
pub fn minutes(
    meetings: &Meetings,
    portfolio: &Portfolio,
    meeting: &MeetingId,
    opts: &MinutesOptions,
) -> Result<String, MinutesError> {
    let m = meetings
        .meeting(meeting)
        .ok_or(MinutesError::NoMeeting(*meeting))?;
    let w = Writer {
        meetings,
        portfolio,
        opts,
        t: opts.strings,
    };
    Ok(match opts.format {
        MinutesFormat::Markdown => w.markdown(m),
        MinutesFormat::Json => {
            let mut s = serde_json::to_string_pretty(&w.json(m))
                .unwrap_or_else(|e| format!("{{\"error\": {:?}}}", e.to_string()));
            s.push('\n');
            s
        }
    })
}

/// An archive case number (Noark 5 saksår/sakssekvensnummer) split from a reference
/// like "2012/3869" or "2012/3869-4" (the part after `-` is the document's number).
pub fn parse_archive_ref(s: &str) -> Option<(i32, u32)> {
    let (year, rest) = s.trim().split_once('/')?;
    let seq = rest.split_once('-').map_or(rest, |(seq, _)| seq);
    let all_digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if year.len() != 4 || !all_digits(year) || !all_digits(seq) {
        return None;
    }
    Some((year.parse().ok()?, seq.parse().ok()?))
}

/// Sorts Norwegian names in Norwegian order: … x y z æ ø å (aa as å is left alone).
fn collation_key(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'æ' | 'ä' => '\u{10FFF0}',
            'ø' | 'ö' => '\u{10FFF1}',
            'å' => '\u{10FFF2}',
            c => c,
        })
        .collect()
}

struct Writer<'a> {
    meetings: &'a Meetings,
    portfolio: &'a Portfolio,
    opts: &'a MinutesOptions<'a>,
    t: &'a MinutesStrings,
}

/// What public minutes hide of a case: its legal basis when it is exempt and the
/// minutes are public.
fn hidden(case: &Case, decisions: &[&Decision], public: bool) -> Option<String> {
    if !public {
        return None;
    }
    case.details
        .exempt
        .clone()
        .or_else(|| decisions.iter().find_map(|d| d.exempt.clone()))
}

fn exempt_basis(case: &Case, decisions: &[&Decision]) -> Option<String> {
    case.details
        .exempt
        .clone()
        .or_else(|| decisions.iter().find_map(|d| d.exempt.clone()))
}

impl Writer<'_> {
    fn number(&self, case: &Case) -> String {
        match case.number {
            Some(n) => fill(self.t.case, &[("number", &n.format(self.opts.case_format))]),
            None => self.t.case_unnumbered.to_string(),
        }
    }

    /// A vote count: "6", or "2,5" when votes are weighted per organisation.
    fn count(&self, f: &Fraction) -> String {
        if f.is_integer() {
            return f.num.to_string();
        }
        let x = f.x100_rounded();
        let sign = if x < 0 { "-" } else { "" };
        let x = x.unsigned_abs();
        let frac = format!("{:02}", x % 100);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            format!("{sign}{}", x / 100)
        } else {
            format!("{sign}{}{}{frac}", x / 100, self.t.decimal_separator)
        }
    }

    fn points(&self, points: i64, unit: u64) -> String {
        Fraction::new(points, unit)
            .map(|f| self.count(&f))
            .unwrap_or_else(|| points.to_string())
    }

    fn option_label(&self, round: &Round, index: usize, hide: bool) -> String {
        match round.rules.options.get(index) {
            Some(label) if !hide => label.clone(),
            _ => fill(self.t.option_n, &[("n", &(index + 1))]),
        }
    }

    fn method(&self, round: &Round) -> String {
        let t = self.t;
        let mut s = match &round.rules.method {
            Method::YesNo { majority } => format!(
                "{} ({})",
                t.method_yes_no,
                match majority {
                    Majority::Simple => t.majority_simple,
                    Majority::TwoThirds => t.majority_two_thirds,
                }
            ),
            Method::Dots { per_voter } => fill(t.method_dots, &[("n", per_voter)]),
            Method::Borda => t.method_borda.to_string(),
            Method::Scoring { .. } => t.method_scoring.to_string(),
            Method::Approval => t.method_approval.to_string(),
        };
        if round.rules.weighting == crate::model::vote::Weighting::PerOrganisation {
            let _ = write!(s, ", {}", t.per_organisation);
        }
        if round.anonymous {
            let _ = write!(s, ", {}", t.secret_ballot);
        }
        s
    }

    /// The result in one sentence: "Vedtatt med 6 mot 3 stemmer".
    fn outcome(&self, round: &Round, r: &RoundResult, hide: bool) -> String {
        let t = self.t;
        match &r.outcome {
            Outcome::Adopted { .. } | Outcome::NotAdopted { .. } => {
                let Some(c) = r.summary_counts() else {
                    return t.overflow.to_string();
                };
                let (yes, no) = (self.count(&c.yes), self.count(&c.no));
                let mut s = match &r.outcome {
                    Outcome::Adopted { .. } if c.unanimous() => t.unanimous.to_string(),
                    Outcome::Adopted { .. } => fill(t.adopted, &[("yes", &yes), ("no", &no)]),
                    Outcome::NotAdopted { tie: true, .. } => {
                        fill(t.fell_on_tie, &[("yes", &yes), ("no", &no)])
                    }
                    _ => fill(t.not_adopted, &[("yes", &yes), ("no", &no)]),
                };
                if c.abstain.num != 0 {
                    let _ = write!(
                        s,
                        " ({})",
                        fill(t.abstained, &[("n", &self.count(&c.abstain))])
                    );
                }
                s
            }
            Outcome::Winner { option } => fill(
                t.winner,
                &[("option", &self.option_label(round, *option, hide))],
            ),
            Outcome::Tie { options } => {
                let names: Vec<String> = options
                    .iter()
                    .map(|&o| self.option_label(round, o, hide))
                    .collect();
                fill(t.tie, &[("options", &names.join(", "))])
            }
            Outcome::Classed {
                option,
                mean,
                class,
            } => fill(
                t.classed,
                &[
                    ("option", &self.option_label(round, *option, hide)),
                    ("mean", &self.count(mean)),
                    ("class", &(t.class_name)(*class)),
                ],
            ),
            Outcome::NoQuorum => fill(
                t.no_quorum,
                &[("n", &r.ballots), ("size", &round.rules.body_size)],
            ),
            Outcome::NoBallots => t.no_ballots.to_string(),
            Outcome::Overflow => t.overflow.to_string(),
        }
    }

    fn choice(&self, round: &Round, choice: &Choice, hide: bool) -> String {
        let t = self.t;
        let label = |i: usize| self.option_label(round, i, hide);
        match choice {
            Choice::YesNo(YesNo::Yes) => t.yes.to_string(),
            Choice::YesNo(YesNo::No) => t.no.to_string(),
            Choice::YesNo(YesNo::Abstain) => t.abstain.to_string(),
            Choice::Dots(dots) => dots
                .iter()
                .enumerate()
                .filter(|(_, &d)| d > 0)
                .map(|(i, d)| format!("{}: {d}", label(i)))
                .collect::<Vec<_>>()
                .join(", "),
            Choice::Ranked(order) => order
                .iter()
                .map(|&i| label(i))
                .collect::<Vec<_>>()
                .join(" > "),
            Choice::Approval(approved) => approved
                .iter()
                .map(|&i| label(i))
                .collect::<Vec<_>>()
                .join(", "),
            Choice::Scores { per_option } => per_option
                .iter()
                .enumerate()
                .map(|(i, s)| format!("{}: {}", label(i), s.total()))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// The lines of a round's result under the case: method, outcome, the notes the law
    /// asks for, the totals, and how each named voter voted by organisation.
    fn round_lines(&self, round: &Round, hide: bool) -> Vec<String> {
        let t = self.t;
        let mut lines = vec![format!("**{}:** {}", t.vote, self.method(round))];
        let Some(r) = round.result() else {
            return lines;
        };
        lines.push(format!("- {}", self.outcome(round, r, hide)));
        // Whether the body could decide (koml. § 11-9); a round without quorum says so
        // in its outcome already.
        if r.quorum_met && !matches!(r.outcome, Outcome::NoQuorum | Outcome::NoBallots) {
            lines.push(format!(
                "- {}",
                fill(
                    t.quorum_met,
                    &[("n", &r.ballots), ("size", &round.rules.body_size)]
                )
            ));
        }
        if r.decided_by_casting_vote {
            lines.push(format!("- {}", t.casting_vote));
        }
        if r.hand_counted > 0 {
            lines.push(format!(
                "- {}",
                fill(
                    t.hand_counted,
                    &[("n", &r.hand_counted), ("total", &r.ballots)]
                )
            ));
        }
        if r.rejected > 0 {
            lines.push(format!("- {}", fill(t.rejected, &[("n", &r.rejected)])));
        }
        if !matches!(round.rules.method, Method::YesNo { .. }) && !r.totals.is_empty() {
            lines.push(format!("- {}:", t.totals));
            for total in &r.totals {
                let option = self.option_label(round, total.option, hide);
                let line = match (&total.scores, total.mean()) {
                    (Some(stats), Some(mean)) => fill(
                        t.score_line,
                        &[
                            ("option", &option),
                            ("mean", &self.count(&mean)),
                            ("class", &(t.class_name)(stats.class)),
                            ("spread", &stats.spread()),
                            ("min", &stats.min),
                            ("max", &stats.max),
                        ],
                    ),
                    _ => fill(
                        t.points_line,
                        &[
                            ("option", &option),
                            ("points", &self.points(total.points, r.unit)),
                        ],
                    ),
                };
                lines.push(format!("  - {line}"));
            }
        }
        if !r.named.is_empty() && !round.anonymous && !hide {
            lines.push(format!("- {}:", t.how_each_voted));
            let mut by_org: BTreeMap<(String, &str), Vec<String>> = BTreeMap::new();
            for v in &r.named {
                let mut s = format!("{} ({}", v.voter, self.choice(round, &v.choice, hide));
                if v.hand_counted {
                    let _ = write!(s, ", {}", t.hand_mark);
                }
                s.push(')');
                by_org
                    .entry((collation_key(&v.org), v.org.as_str()))
                    .or_default()
                    .push(s);
            }
            for ((_, org), votes) in by_org {
                let org = if org.is_empty() { "–" } else { org };
                lines.push(format!("  - {org}: {}", votes.join(", ")));
            }
        }
        lines
    }

    fn reached(&self, d: &Decision, hide: bool) -> Option<String> {
        let t = self.t;
        match &d.reached {
            Reached::Unanimous => Some(t.unanimous.to_string()),
            Reached::Votes {
                in_favour,
                against,
                abstain,
            } => {
                let (yes, no) = (in_favour.to_string(), against.to_string());
                let mut s = if *in_favour > 0 && *against == 0 {
                    t.unanimous.to_string()
                } else if in_favour > against {
                    fill(t.adopted, &[("yes", &yes), ("no", &no)])
                } else if in_favour == against {
                    fill(t.fell_on_tie, &[("yes", &yes), ("no", &no)])
                } else {
                    fill(t.not_adopted, &[("yes", &yes), ("no", &no)])
                };
                if *abstain > 0 {
                    let _ = write!(s, " ({})", fill(t.abstained, &[("n", abstain)]));
                }
                Some(s)
            }
            Reached::Round { round } => {
                let round = self.meetings.round(round)?;
                let r = round.result()?;
                Some(self.outcome(round, r, hide))
            }
            Reached::Other { text } if hide => None,
            Reached::Other { text } => Some(text.clone()),
        }
    }

    /// How the minutes name a decision: its place in the decision log ("nr. 3"), which
    /// the server sets and never repeats, or its whole id before the server has seen it.
    /// (Not the short id: ids made within a minute of each other share their first
    /// eight digits.)
    fn decision_ref(&self, d: &Decision) -> String {
        match &d.chain {
            Some(link) => fill(self.t.decision_no, &[("n", &link.index)]),
            None => fill(self.t.decision_id, &[("id", &d.id)]),
        }
    }

    fn item_names(&self, items: &[ItemId]) -> Vec<String> {
        items
            .iter()
            .map(|id| match self.portfolio.get_any(id) {
                Some(item) => format!("{} ({})", item.title, id.short()),
                None => id.short(),
            })
            .collect()
    }

    fn markdown(&self, m: &Meeting) -> String {
        let t = self.t;
        let mut out = String::new();
        let _ = writeln!(out, "# {}\n", fill(t.heading, &[("body", &m.details.body)]));
        if !m.details.number.trim().is_empty() {
            let _ = writeln!(
                out,
                "{}  ",
                fill(t.meeting_number, &[("number", &m.details.number)])
            );
        }
        let _ = writeln!(out, "**{}:** {}  ", t.time, m.details.starts_at);
        if !m.details.place.trim().is_empty() {
            let _ = writeln!(out, "**{}:** {}  ", t.place, m.details.place);
        }
        let _ = writeln!(out, "**{}:** {}\n", t.status, (t.status_name)(m.minutes));

        let person = |name: &str, org: &str| {
            if org.trim().is_empty() {
                name.to_string()
            } else {
                format!("{name} ({org})")
            }
        };
        let mut present = Vec::new();
        let mut absent = Vec::new();
        let mut substitutes = Vec::new();
        for a in &m.attendees {
            match &a.presence {
                Presence::Present => present.push(person(&a.name, &a.org)),
                Presence::Absent => absent.push(person(&a.name, &a.org)),
                Presence::Substitute { replaces } => {
                    present.push(person(&a.name, &a.org));
                    substitutes.push(fill(
                        t.substitute_for,
                        &[("name", &a.name), ("org", &a.org), ("replaces", replaces)],
                    ));
                }
            }
        }
        for (heading, list) in [
            (t.present, &present),
            (t.absent, &absent),
            (t.substitutes, &substitutes),
        ] {
            let _ = writeln!(out, "## {heading}\n");
            if list.is_empty() {
                let _ = writeln!(out, "{}\n", t.nobody);
            } else {
                for p in list {
                    let _ = writeln!(out, "- {p}");
                }
                out.push('\n');
            }
        }

        let _ = writeln!(out, "## {}\n", t.cases);
        let agenda = self.meetings.agenda(&m.id);
        if agenda.is_empty() {
            let _ = writeln!(out, "{}\n", t.no_cases);
        }
        for case in agenda {
            self.case_markdown(&mut out, case);
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }

    fn case_markdown(&self, out: &mut String, case: &Case) {
        let t = self.t;
        let decisions = self.meetings.decisions_of(&case.id);
        let hide = hidden(case, &decisions, self.opts.public);
        let exempt_text = |basis: &str| fill(t.exempt, &[("basis", &basis)]);
        let title = match &hide {
            Some(basis) => exempt_text(basis),
            None => case.details.title.clone(),
        };
        let postponed = if case.postponed {
            format!(" ({})", t.postponed)
        } else {
            String::new()
        };
        let _ = writeln!(out, "### {} {title}{postponed}\n", self.number(case));
        let mut notes = Vec::new();
        if !case.details.archive_ref.trim().is_empty() {
            notes.push(format!("{}: {}", t.archive_ref, case.details.archive_ref));
        }
        if let Some(basis) = exempt_basis(case, &decisions) {
            if hide.is_none() {
                notes.push(exempt_text(&basis));
            }
        }
        if let Some(basis) = &case.details.closed_session {
            notes.push(fill(t.closed_session, &[("basis", basis)]));
        }
        let mut disqualified: Vec<String> = case
            .details
            .disqualified
            .iter()
            .chain(decisions.iter().flat_map(|d| &d.disqualified))
            .map(|d| {
                fill(
                    t.disqualified_entry,
                    &[("name", &d.name), ("basis", &d.basis)],
                )
            })
            .collect();
        disqualified.dedup();
        if !disqualified.is_empty() {
            notes.push(format!("{}: {}", t.disqualified, disqualified.join("; ")));
        }
        if hide.is_none() && !case.details.items.is_empty() {
            notes.push(format!(
                "{}: {}",
                t.concerns,
                self.item_names(&case.details.items).join(", ")
            ));
        }
        for n in &notes {
            let _ = writeln!(out, "{n}  ");
        }
        if !notes.is_empty() {
            out.push('\n');
        }
        let proposal = match &hide {
            Some(basis) => exempt_text(basis),
            None => case.details.proposal.clone(),
        };
        if !proposal.trim().is_empty() {
            let _ = writeln!(out, "**{}:** {proposal}\n", t.proposal);
        }
        for round in self.meetings.rounds_of(&case.id) {
            for line in self.round_lines(round, hide.is_some()) {
                let _ = writeln!(out, "{line}");
            }
            out.push('\n');
        }
        for d in &decisions {
            self.decision_markdown(out, d, &decisions, hide.as_deref());
        }
    }

    fn decision_markdown(
        &self,
        out: &mut String,
        d: &Decision,
        all: &[&Decision],
        hide: Option<&str>,
    ) {
        let t = self.t;
        let exempt_text = |basis: &str| fill(t.exempt, &[("basis", &basis)]);
        let id = self.decision_ref(d);
        let heading = match &d.corrects {
            Some(c) => {
                let target = match self.meetings.decision(c) {
                    Some(x) => self.decision_ref(x),
                    None => c.to_string(),
                };
                fill(t.corrects, &[("id", &target)])
            }
            None => t.decision.to_string(),
        };
        let text = match hide {
            Some(basis) => exempt_text(basis),
            None => d.text.clone(),
        };
        let _ = writeln!(out, "**{heading}** ({id}): {text}\n");
        let mut notes = Vec::new();
        if let Some(r) = self.reached(d, hide.is_some()) {
            notes.push(r);
        }
        if !d.dissent.is_empty() {
            let names = match hide {
                Some(basis) => exempt_text(basis),
                None => d.dissent.join(", "),
            };
            notes.push(format!("{}: {names}", t.dissent));
        }
        if hide.is_none() && !d.items.is_empty() {
            notes.push(format!(
                "{}: {}",
                t.concerns,
                self.item_names(&d.items).join(", ")
            ));
        }
        if let Some(stage) = &d.moved_to {
            notes.push(fill(t.moved_to, &[("stage", stage)]));
        }
        if let Some(basis) = &d.closed_session {
            let line = fill(t.closed_session, &[("basis", basis)]);
            if !notes.contains(&line) {
                notes.push(line);
            }
        }
        for later in all.iter().filter(|x| x.corrects == Some(d.id)) {
            notes.push(fill(t.corrected_by, &[("id", &self.decision_ref(later))]));
        }
        if !d.recorded_by.is_empty() {
            notes.push(fill(t.recorded_by, &[("by", &d.recorded_by)]));
        }
        for n in &notes {
            let _ = writeln!(out, "- {n}");
        }
        if !notes.is_empty() {
            out.push('\n');
        }
    }

    fn json(&self, m: &Meeting) -> MinutesJson {
        let (date, time) = match m.details.starts_at.split_once(' ') {
            Some((d, t)) => (d.to_string(), t.trim().to_string()),
            None => (m.details.starts_at.clone(), String::new()),
        };
        let attendees = m
            .attendees
            .iter()
            .map(|a| AttendeeJson {
                name: a.name.clone(),
                org: a.org.clone(),
                presence: match a.presence {
                    Presence::Present => "present",
                    Presence::Absent => "absent",
                    Presence::Substitute { .. } => "substitute",
                },
                replaces: match &a.presence {
                    Presence::Substitute { replaces } => Some(replaces.clone()),
                    _ => None,
                },
            })
            .collect();
        let cases = self
            .meetings
            .agenda(&m.id)
            .into_iter()
            .map(|c| self.case_json(c))
            .collect();
        MinutesJson {
            body: m.details.body.clone(),
            meeting_id: m.id.to_string(),
            meeting_number: Some(m.details.number.clone()).filter(|n| !n.trim().is_empty()),
            date,
            time,
            place: m.details.place.clone(),
            minutes_status: (self.t.status_name)(m.minutes).to_string(),
            public: self.opts.public,
            attendees,
            cases,
        }
    }

    fn case_json(&self, case: &Case) -> CaseJson {
        let t = self.t;
        let decisions = self.meetings.decisions_of(&case.id);
        let hide = hidden(case, &decisions, self.opts.public);
        let exempt_text = |basis: &str| fill(t.exempt, &[("basis", &basis)]);
        let archive = Some(case.details.archive_ref.trim().to_string()).filter(|a| !a.is_empty());
        let parsed = archive.as_deref().and_then(parse_archive_ref);
        let votes = self
            .meetings
            .rounds_of(&case.id)
            .into_iter()
            .map(|r| {
                let result = r.result();
                let counts = result.and_then(RoundResult::summary_counts);
                VoteJson {
                    method: self.method(r),
                    result: result.map(|x| self.outcome(r, x, hide.is_some())),
                    in_favour: counts.map(|c| self.count(&c.yes)),
                    against: counts.map(|c| self.count(&c.no)),
                    abstain: counts.map(|c| self.count(&c.abstain)),
                    ballots: result.map(|x| x.ballots),
                    quorum_met: result.map(|x| x.quorum_met),
                    hand_counted: result.map(|x| x.hand_counted),
                    decided_by_casting_vote: result.map(|x| x.decided_by_casting_vote),
                }
            })
            .collect();
        CaseJson {
            case_id: case.id.to_string(),
            case_number: case.number.map(|n| n.format(self.opts.case_format)),
            case_year: case.number.map(|n| n.year),
            case_sequence: case.number.map(|n| n.seq),
            archive_ref: archive,
            archive_case_year: parsed.map(|p| p.0),
            archive_sequence: parsed.map(|p| p.1),
            restriction: exempt_basis(case, &decisions).map(|basis| Restriction {
                code: "skjermet",
                legal_basis: basis,
            }),
            // The case's, or else what the secretary recorded with a decision.
            closed_session: case
                .details
                .closed_session
                .clone()
                .or_else(|| decisions.iter().find_map(|d| d.closed_session.clone())),
            title: match &hide {
                Some(basis) => exempt_text(basis),
                None => case.details.title.clone(),
            },
            proposal: if hide.is_some() {
                None
            } else {
                Some(case.details.proposal.clone())
            },
            postponed: case.postponed,
            disqualified: {
                let mut all: Vec<DisqualifiedJson> = Vec::new();
                for d in case
                    .details
                    .disqualified
                    .iter()
                    .chain(decisions.iter().flat_map(|d| &d.disqualified))
                {
                    if !all.iter().any(|x| x.name == d.name && x.basis == d.basis) {
                        all.push(DisqualifiedJson {
                            name: d.name.clone(),
                            basis: d.basis.clone(),
                        });
                    }
                }
                all
            },
            votes,
            decisions: decisions
                .iter()
                .map(|d| DecisionJson {
                    decision_id: d.id.to_string(),
                    text: if hide.is_some() {
                        None
                    } else {
                        Some(d.text.clone())
                    },
                    reached: self.reached(d, hide.is_some()),
                    dissent: if hide.is_some() {
                        None
                    } else {
                        Some(d.dissent.clone())
                    },
                    corrects: d.corrects.map(|c| c.to_string()),
                    recorded_by: d.recorded_by.clone(),
                    recorded_at: d.recorded_at,
                    chain_index: d.chain.as_ref().map(|c| c.index),
                    chain_hash: d.chain.as_ref().map(|c| c.hash.clone()),
                })
                .collect(),
        }
    }
}

/// The minutes as JSON: Noark-5-style metadata for an archive.
#[derive(Serialize)]
struct MinutesJson {
    body: String,
    meeting_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    meeting_number: Option<String>,
    /// `YYYY-MM-DD`
    date: String,
    /// `HH:MM`
    time: String,
    place: String,
    minutes_status: String,
    public: bool,
    attendees: Vec<AttendeeJson>,
    cases: Vec<CaseJson>,
}

#[derive(Serialize)]
struct AttendeeJson {
    name: String,
    org: String,
    presence: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    replaces: Option<String>,
}

#[derive(Serialize)]
struct CaseJson {
    case_id: String,
    /// As the body writes it, e.g. "08/12".
    case_number: Option<String>,
    case_year: Option<i32>,
    case_sequence: Option<u32>,
    /// The archive's case number as given, e.g. "2012/3869".
    archive_ref: Option<String>,
    /// Saksår and sakssekvensnummer, where the archive reference parses.
    archive_case_year: Option<i32>,
    archive_sequence: Option<u32>,
    /// Skjerming: "skjermet" and the legal basis, for an exempt case.
    restriction: Option<Restriction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    closed_session: Option<String>,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    proposal: Option<String>,
    postponed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    disqualified: Vec<DisqualifiedJson>,
    votes: Vec<VoteJson>,
    decisions: Vec<DecisionJson>,
}

#[derive(Serialize)]
struct Restriction {
    code: &'static str,
    legal_basis: String,
}

#[derive(Serialize)]
struct DisqualifiedJson {
    name: String,
    basis: String,
}

#[derive(Serialize)]
struct VoteJson {
    method: String,
    result: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_favour: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    against: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    abstain: Option<String>,
    ballots: Option<u32>,
    quorum_met: Option<bool>,
    hand_counted: Option<u32>,
    decided_by_casting_vote: Option<bool>,
}

#[derive(Serialize)]
struct DecisionJson {
    decision_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    reached: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dissent: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    corrects: Option<String>,
    recorded_by: String,
    recorded_at: i64,
    chain_index: Option<u64>,
    chain_hash: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_refs_split_where_they_parse() {
        assert_eq!(parse_archive_ref("2012/3869"), Some((2012, 3869)));
        assert_eq!(parse_archive_ref(" 2012/3869-4 "), Some((2012, 3869)));
        assert_eq!(parse_archive_ref("12/3869"), None);
        assert_eq!(parse_archive_ref("2012/"), None);
        assert_eq!(parse_archive_ref("arkiv"), None);
        assert_eq!(parse_archive_ref("2012/3x"), None);
    }

    #[test]
    fn organisations_sort_the_norwegian_way() {
        let mut orgs = ["Åfjord", "Ørland", "Osen", "Indre Fosen"];
        orgs.sort_by_key(|o| collation_key(o));
        assert_eq!(orgs, ["Indre Fosen", "Osen", "Ørland", "Åfjord"]);
    }
}
