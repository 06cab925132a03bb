//! The meeting screen: the agenda on the left, the case in the middle, the vote panel on
//! the right. The chair opens and closes rounds, members fill in their ballot and send
//! it, the secretary records the decision with a form the round's result has filled in.
//!
//! A ballot being filled in lives in `App::ballots`, keyed by round, apart from anything
//! a sync or a redraw rebuilds: a remote update can never wipe a half-filled ballot.

use super::app::{App, Screen};
use super::editor::Editor;
use super::keymap::Action;
use super::msg::Effect;
use crate::i18n::fill;
use crate::model::criteria::ADJUSTMENT_LIMIT;
use crate::model::meeting::{
    CaseId, Decision, DecisionId, Disqualified, MeetingChange, MeetingId, Reached, Round, RoundId,
};
use crate::model::vote::{Choice, Majority, Method, Outcome, RoundRules, Weighting, YesNo};
use crate::model::{ItemId, Payload, Role, StageKey, Stages};
use crate::protocol::BallotRequest;

/// Which pane the arrow keys move in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Agenda,
    Ballot,
}

pub struct MeetingScreen {
    pub meeting: MeetingId,
    /// Selected row of the agenda.
    pub case: usize,
    pub focus: Focus,
    /// Selected option on the ballot.
    pub option: usize,
    pub decision: Option<DecisionForm>,
    /// The eligible voter the secretary is entering a hand-counted ballot for.
    pub hand_for: Option<String>,
    /// The round the ballot cursor belongs to: a new round starts at its first option.
    pub round: Option<RoundId>,
    /// The chair's choice for the next yes/no round: two-thirds instead of a simple
    /// majority, and whether it is an election (no casting vote).
    pub two_thirds: bool,
    pub election: bool,
}

/// A ballot being filled in. Only ever changed by the voter's keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BallotDraft {
    /// Per option: dots, 0/1 approvals, or the place in a ranking (1 = first, 0 = not
    /// ranked).
    pub marks: Vec<u32>,
    /// A scoring ballot's mark per criterion (0 = not given yet).
    pub scores: Vec<u8>,
    pub yes_no: Option<YesNo>,
    /// A scoring ballot's adjustment of the sum (within ±5) and the comment saying why.
    pub adjustment: i8,
    pub comment: String,
    /// The server has kept this ballot (it may still be changed and sent again).
    pub sent: bool,
}

impl BallotDraft {
    fn for_round(round: &Round) -> Self {
        let criteria = match &round.rules.method {
            Method::Scoring { criteria } => criteria.criteria.len(),
            _ => 0,
        };
        BallotDraft {
            marks: vec![0; round.rules.options.len()],
            scores: vec![0; criteria],
            ..BallotDraft::default()
        }
    }

    /// The choice to send, if the ballot is complete enough for the method.
    pub fn choice(&self, rules: &RoundRules) -> Option<Choice> {
        match rules.method {
            Method::YesNo { .. } => self.yes_no.map(Choice::YesNo),
            Method::Dots { .. } => Some(Choice::Dots(self.marks.clone())),
            Method::Approval => Some(Choice::Approval(
                (0..self.marks.len())
                    .filter(|&i| self.marks[i] > 0)
                    .collect(),
            )),
            Method::Borda => {
                let mut ranked: Vec<(u32, usize)> = (self.marks.iter().enumerate())
                    .filter(|(_, &m)| m > 0)
                    .map(|(i, &m)| (m, i))
                    .collect();
                ranked.sort();
                (!ranked.is_empty())
                    .then(|| Choice::Ranked(ranked.into_iter().map(|(_, i)| i).collect()))
            }
            // The screen scores one option (the case); every criterion needs a mark, and
            // an adjustment a comment.
            Method::Scoring { .. } => (!self.scores.is_empty()
                && self.scores.iter().all(|&m| m > 0)
                && (self.adjustment == 0 || !self.comment.trim().is_empty())
                && rules.options.len() == 1)
                .then(|| Choice::Scores {
                    per_option: vec![crate::model::vote::Scores {
                        criteria: self.scores.clone(),
                        adjustment: self.adjustment,
                        comment: self.comment.trim().to_string(),
                    }],
                }),
        }
    }

    pub fn used(&self) -> u32 {
        self.marks.iter().sum()
    }
}

/// The secretary's decision form, filled in from the case and the round's result.
pub struct DecisionForm {
    pub case: CaseId,
    pub round: Option<RoundId>,
    pub reached: Reached,
    pub fields: [Editor; FIELDS],
    pub focus: usize,
    /// Items the decision moves, and where.
    pub items: Vec<ItemId>,
    pub moved_to: Option<StageKey>,
    /// The entry this one corrects (a correction is a new entry, never an edit).
    pub corrects: Option<DecisionId>,
}

/// The form's fields: the decision text, dissent (names, comma-separated), the legal
/// basis when exempt from public access, the legal basis when the case was handled in a
/// closed session, and who was disqualified with the legal basis ("name: basis", several
/// separated by ";").
pub const FIELD_TEXT: usize = 0;
pub const FIELD_DISSENT: usize = 1;
pub const FIELD_EXEMPT: usize = 2;
pub const FIELD_CLOSED: usize = 3;
pub const FIELD_DISQUALIFIED: usize = 4;
pub const FIELDS: usize = 5;

/// The disqualified as the form shows them: "name: basis; name: basis".
fn disqualified_text(list: &[Disqualified]) -> String {
    list.iter()
        .map(|d| format!("{}: {}", d.name, d.basis))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The form's disqualified field read back; an entry without a basis is `Err` with it.
fn parse_disqualified(text: &str) -> Result<Vec<Disqualified>, String> {
    text.split(';')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| Disqualified::parse(e).ok_or_else(|| e.to_string()))
        .collect()
}

impl MeetingScreen {
    pub fn new(meeting: MeetingId) -> Self {
        MeetingScreen {
            meeting,
            case: 0,
            focus: Focus::Agenda,
            option: 0,
            decision: None,
            hand_for: None,
            round: None,
            two_thirds: false,
            election: false,
        }
    }
}

impl App {
    /// The meeting to open: the one starting latest (the next or the current one).
    pub fn latest_meeting(&self) -> Option<MeetingId> {
        self.view().meetings().meetings().last().map(|m| m.id)
    }

    /// The case selected on the meeting screen.
    pub fn meeting_case(&self, s: &MeetingScreen) -> Option<CaseId> {
        self.view()
            .meetings()
            .agenda(&s.meeting)
            .get(s.case)
            .map(|c| c.id)
    }

    /// The round to show for a case: the open one, or else the latest.
    pub fn shown_round(&self, case: &CaseId) -> Option<&Round> {
        let m = self.view().meetings();
        m.open_round(case)
            .or_else(|| m.rounds_of(case).last().copied())
    }

    /// Whether this user may vote in `round` (the server decides; this hides the ballot).
    pub fn may_vote(&self, round: &Round) -> bool {
        let me = self.identity_name();
        round.is_open()
            && round.voter(&me).is_some()
            && self.role().is_none_or(|r| r >= Role::Member)
    }

    /// Whether a ballot is on screen: one's own, or one the secretary enters by hand.
    pub fn ballot_open(&self, s: &MeetingScreen, round: &Round) -> bool {
        round.is_open() && (s.hand_for.is_some() || self.may_vote(round))
    }

    fn identity_name(&self) -> String {
        self.sync
            .as_ref()
            .and_then(|s| s.identity.as_ref())
            .map_or_else(|| self.author.clone(), |i| i.user.clone())
    }
}

/// "Next yes/no round: two-thirds majority, election": what the chair's keys set.
pub fn next_round(app: &App, s: &MeetingScreen) -> String {
    let t = &app.t.meeting;
    let majority = if s.two_thirds {
        t.two_thirds
    } else {
        t.simple_majority
    };
    let mut text = fill(t.next_round, &[("majority", &majority)]);
    if s.election {
        text.push_str(", ");
        text.push_str(t.election);
    }
    text
}

/// Handles an action on the meeting screen.
pub fn action(app: &mut App, s: &mut MeetingScreen, action: Action) -> Vec<Effect> {
    let Some(case) = app.meeting_case(s) else {
        match action {
            Action::Back => return back(app),
            Action::BuildAgenda => return build_agenda(app, s.meeting),
            _ => {}
        }
        return vec![];
    };
    let round = app.shown_round(&case).cloned();
    let shown = round.as_ref().map(|r| r.id);
    if s.round != shown {
        s.round = shown;
        s.option = 0;
        s.focus = Focus::Agenda;
        s.hand_for = None;
    }
    match action {
        Action::Back => return back(app),
        Action::SwitchFocus => {
            s.focus = match s.focus {
                Focus::Agenda if round.as_ref().is_some_and(|r| app.ballot_open(s, r)) => {
                    Focus::Ballot
                }
                _ => Focus::Agenda,
            }
        }
        Action::Up | Action::Down => {
            let down = action == Action::Down;
            match (s.focus, &round) {
                (Focus::Ballot, Some(r)) => {
                    let n = match &r.rules.method {
                        // The criteria, then the adjustment and the comment.
                        Method::Scoring { criteria } => criteria.criteria.len() + 2,
                        _ => r.rules.options.len(),
                    };
                    s.option = step(s.option, n, down);
                }
                _ => {
                    let n = app.view().meetings().agenda(&s.meeting).len();
                    s.case = step(s.case, n, down);
                    s.option = 0;
                    s.focus = Focus::Agenda;
                    if let Some(fx) = ask_count(app, s) {
                        return vec![fx];
                    }
                }
            }
        }
        Action::OpenVote
        | Action::OpenAnonymous
        | Action::OpenDots
        | Action::OpenRanked
        | Action::OpenApproval
        | Action::OpenScoring => {
            return open_round(app, s, case, action);
        }
        Action::CloseRound => match round.filter(|r| r.is_open()) {
            Some(r) => {
                return app.commit(
                    Payload::Meeting {
                        change: Box::new(MeetingChange::CloseRound {
                            round: r.id,
                            result: None,
                            ballots: vec![],
                        }),
                    },
                    false,
                )
            }
            None => app.message = Some(app.t.meeting.no_open_round.to_string()),
        },
        Action::VoteYes
        | Action::VoteNo
        | Action::VoteAbstain
        | Action::AddDot
        | Action::RemoveDot
        | Action::Score(_) => {
            if let Some(r) = round.filter(|r| app.ballot_open(s, r)) {
                mark(app, s, &r, action);
            } else {
                app.message = Some(app.t.meeting.no_ballot.to_string());
            }
        }
        Action::SendBallot => {
            let Some(r) = round.filter(|r| app.ballot_open(s, r)) else {
                app.message = Some(app.t.meeting.no_ballot.to_string());
                return vec![];
            };
            let draft = app.ballots.get(&r.id).cloned().unwrap_or_default();
            return match draft.choice(&r.rules) {
                Some(choice) if app.sync.is_some() => {
                    let on_behalf_of = s.hand_for.take();
                    if on_behalf_of.is_some() {
                        // A hand count: a blank ballot for the next person.
                        app.ballots.insert(r.id, BallotDraft::for_round(&r));
                    }
                    vec![Effect::Cast {
                        round: r.id,
                        ballot: BallotRequest {
                            choice,
                            on_behalf_of,
                        },
                    }]
                }
                Some(_) => {
                    app.message = Some(app.t.meeting.needs_server.to_string());
                    vec![]
                }
                None if draft.adjustment != 0 && draft.comment.trim().is_empty() => {
                    app.message = Some((app.t.scoring.refusal)(
                        &crate::model::scoring::ScoreError::AdjustmentWithoutComment,
                    ));
                    vec![]
                }
                None => {
                    app.message = Some(app.t.meeting.ballot_incomplete.to_string());
                    vec![]
                }
            };
        }
        Action::TwoThirds => {
            s.two_thirds = !s.two_thirds;
            app.message = Some(next_round(app, s));
        }
        Action::Election => {
            s.election = !s.election;
            app.message = Some(next_round(app, s));
        }
        Action::BuildAgenda => return build_agenda(app, s.meeting),
        Action::RecordDecision => s.decision = Some(decision_form(app, case, round.as_ref())),
        Action::CaseUp | Action::CaseDown => return reorder(app, s, action == Action::CaseUp),
        Action::Postpone => {
            let postponed = !app
                .view()
                .meetings()
                .case(&case)
                .is_some_and(|c| c.postponed);
            return app.commit(
                Payload::Meeting {
                    change: Box::new(MeetingChange::Postpone { case, postponed }),
                },
                false,
            );
        }
        Action::HandCount => match round.filter(|r| r.is_open()) {
            Some(r) => {
                // Cycles: nobody, then each eligible voter in turn, then nobody again.
                let names: Vec<&str> = r.eligible.iter().map(|v| v.name.as_str()).collect();
                let next = match &s.hand_for {
                    None => names.first(),
                    Some(now) => names
                        .iter()
                        .position(|n| n == now)
                        .and_then(|i| names.get(i + 1)),
                };
                s.hand_for = next.map(|n| n.to_string());
                s.focus = if s.hand_for.is_some() {
                    Focus::Ballot
                } else {
                    Focus::Agenda
                };
            }
            None => app.message = Some(app.t.meeting.no_open_round.to_string()),
        },
        _ => {}
    }
    vec![]
}

/// Puts an item on the latest meeting's agenda as a case of its own.
pub fn add_to_agenda(app: &mut App, item: ItemId) -> Vec<Effect> {
    let Some(meeting) = app.latest_meeting() else {
        app.message = Some(app.t.meeting.no_meetings.to_string());
        return vec![];
    };
    let Some(title) = app.view().get(&item).map(|i| i.title.clone()) else {
        return vec![];
    };
    let effects = app.commit(
        Payload::Meeting {
            change: Box::new(MeetingChange::AddCase {
                meeting,
                case: CaseId::new(),
                details: crate::model::meeting::CaseDetails {
                    title: title.clone(),
                    items: vec![item],
                    ..Default::default()
                },
                number: None,
            }),
        },
        false,
    );
    if !effects.is_empty() {
        app.say(app.t.meeting.added_to_agenda, &[("title", &title)]);
    }
    effects
}

/// Puts every item in Prioritert and Vurdering that is not on the meeting's agenda yet
/// on it, each as a case of its own (one op per case, as the server numbers each).
pub fn build_agenda(app: &mut App, meeting: MeetingId) -> Vec<Effect> {
    let cases = crate::model::meeting::agenda::from_board(app.view(), &meeting);
    if cases.is_empty() {
        app.message = Some(app.t.meeting.agenda_complete.to_string());
        return vec![];
    }
    let n = cases.len();
    let mut effects = Vec::new();
    for details in cases {
        let done = app.commit(
            Payload::Meeting {
                change: Box::new(MeetingChange::AddCase {
                    meeting,
                    case: CaseId::new(),
                    details,
                    number: None,
                }),
            },
            false,
        );
        if done.is_empty() {
            // Refused (the role, approved minutes): the message says why.
            return effects;
        }
        effects.extend(done);
    }
    app.say(app.t.meeting.agenda_built, &[("n", &n)]);
    effects
}

/// Moves the selected case one place up or down the agenda, as one `Reorder` op.
fn reorder(app: &mut App, s: &mut MeetingScreen, up: bool) -> Vec<Effect> {
    let mut order: Vec<CaseId> = app
        .view()
        .meetings()
        .agenda(&s.meeting)
        .iter()
        .map(|c| c.id)
        .collect();
    let to = if up {
        s.case.checked_sub(1)
    } else {
        Some(s.case + 1).filter(|&i| i < order.len())
    };
    let Some(to) = to else {
        return vec![];
    };
    order.swap(s.case, to);
    let effects = app.commit(
        Payload::Meeting {
            change: Box::new(MeetingChange::Reorder {
                meeting: s.meeting,
                order,
            }),
        },
        false,
    );
    if !effects.is_empty() {
        s.case = to;
    }
    effects
}

fn back(app: &mut App) -> Vec<Effect> {
    app.screen = super::app::Screen::Board;
    vec![]
}

fn step(at: usize, n: usize, down: bool) -> usize {
    if n == 0 {
        0
    } else if down {
        (at + 1).min(n - 1)
    } else {
        at.saturating_sub(1)
    }
}

/// Asks the server for the count of the shown round when it is open and not known yet
/// (a round that opened while this screen was away).
pub fn ask_count(app: &App, s: &MeetingScreen) -> Option<Effect> {
    let case = app.meeting_case(s)?;
    let round = app.view().meetings().open_round(&case)?;
    (app.sync.is_some() && !app.counts.contains_key(&round.id)).then_some(Effect::Count(round.id))
}

fn open_round(app: &mut App, s: &MeetingScreen, case: CaseId, action: Action) -> Vec<Effect> {
    let meetings = app.view().meetings();
    let Some(meeting) = meetings.meeting_of_case(&case) else {
        return vec![];
    };
    if meetings.open_round(&case).is_some() {
        app.message = Some(app.t.meeting.round_already_open.to_string());
        return vec![];
    }
    // The body's members: everyone on the list who is not a substitute.
    let body_size = meeting
        .attendees
        .iter()
        .filter(|a| {
            !matches!(
                a.presence,
                crate::model::meeting::Presence::Substitute { .. }
            )
        })
        .count() as u32;
    let rules = &app.body_rules;
    let yes_no = RoundRules {
        method: Method::YesNo {
            majority: if s.two_thirds {
                Majority::TwoThirds
            } else {
                Majority::Simple
            },
        },
        options: vec![],
        weighting: if rules.per_municipality {
            Weighting::PerOrganisation
        } else {
            Weighting::PerPerson
        },
        body_size: body_size.max(1),
        // Never a casting vote in an election.
        casting_vote: rules.casting_vote && !s.election,
        election: s.election,
        chair: (rules.casting_vote && !s.election).then(|| app.identity_name()),
    };
    let dots = rules.dots.max(1);
    let items: Vec<String> = meetings
        .case(&case)
        .map(|c| {
            c.details
                .items
                .iter()
                .filter_map(|id| app.view().get(id).map(|i| i.title.clone()))
                .collect()
        })
        .unwrap_or_default();
    let (rules, anonymous) = match action {
        Action::OpenDots | Action::OpenRanked | Action::OpenApproval => {
            if items.len() < 2 {
                app.message = Some(app.t.meeting.needs_options.to_string());
                return vec![];
            }
            let method = match action {
                Action::OpenDots => Method::Dots { per_voter: dots },
                Action::OpenRanked => Method::Borda,
                _ => Method::Approval,
            };
            let rules = RoundRules {
                method,
                options: items,
                ..yes_no
            };
            (rules, true)
        }
        Action::OpenScoring => {
            let title = meetings
                .case(&case)
                .map(|c| c.details.title.clone())
                .unwrap_or_default();
            let rules = RoundRules {
                // The body's criteria set, as items are scored on.
                method: Method::Scoring {
                    criteria: rules.criteria_set(),
                },
                options: vec![title],
                ..yes_no
            };
            (rules, false)
        }
        Action::OpenAnonymous => (yes_no, true),
        _ => (yes_no, false),
    };
    app.commit(
        Payload::Meeting {
            change: Box::new(MeetingChange::OpenRound {
                round: RoundId::new(),
                case,
                rules,
                anonymous,
                eligible: vec![],
            }),
        },
        false,
    )
}

/// Whether keys type into a scoring ballot's comment: the ballot has focus and its
/// cursor is on the comment row (after the criteria and the adjustment).
pub fn typing_comment(app: &App, s: &MeetingScreen) -> bool {
    let Some(case) = app.meeting_case(s) else {
        return false;
    };
    let Some(round) = app.shown_round(&case) else {
        return false;
    };
    s.decision.is_none()
        && s.focus == Focus::Ballot
        && app.ballot_open(s, round)
        && s.round == Some(round.id)
        && matches!(&round.rules.method, Method::Scoring { criteria } if s.option == criteria.criteria.len() + 1)
}

/// A key while the comment row has the cursor: characters and Backspace edit the
/// comment; everything else (arrows, Tab, Enter, Esc) is the meeting screen's key.
pub fn comment_key(app: &mut App, k: crossterm::event::KeyEvent) -> Option<Action> {
    use crossterm::event::{KeyCode, KeyModifiers};
    let typed = !k
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    let Screen::Meeting(s) = &app.screen else {
        return None;
    };
    let round = app
        .meeting_case(s)
        .and_then(|c| app.shown_round(&c))
        .cloned()?;
    let draft = app
        .ballots
        .entry(round.id)
        .or_insert_with(|| BallotDraft::for_round(&round));
    match k.code {
        KeyCode::Char(c) if typed => draft.comment.push(c),
        KeyCode::Backspace => {
            draft.comment.pop();
        }
        _ => return super::keymap::lookup(super::keymap::Context::Meeting, &k),
    }
    draft.sent = false;
    None
}

fn mark(app: &mut App, s: &mut MeetingScreen, round: &Round, action: Action) {
    let draft = app
        .ballots
        .entry(round.id)
        .or_insert_with(|| BallotDraft::for_round(round));
    draft.marks.resize(round.rules.options.len(), 0);
    if let Method::Scoring { criteria } = &round.rules.method {
        draft.scores.resize(criteria.criteria.len(), 0);
    }
    match (action, &round.rules.method) {
        (Action::Score(mark @ 1..=5), Method::Scoring { .. }) => {
            if let Some(m) = draft.scores.get_mut(s.option) {
                *m = mark;
            }
        }
        (Action::AddDot, Method::Scoring { .. }) => {
            draft.adjustment = (draft.adjustment + 1).min(ADJUSTMENT_LIMIT);
        }
        (Action::RemoveDot, Method::Scoring { .. }) => {
            draft.adjustment = (draft.adjustment - 1).max(-ADJUSTMENT_LIMIT);
        }
        (Action::AddDot, Method::Borda) => {
            let next = draft.marks.iter().max().copied().unwrap_or(0) + 1;
            if let Some(m) = draft.marks.get_mut(s.option).filter(|m| **m == 0) {
                *m = next;
            }
        }
        (Action::RemoveDot, Method::Borda) => {
            let Some(&place) = draft.marks.get(s.option).filter(|m| **m > 0) else {
                return;
            };
            // Everyone after it moves up one place.
            for m in &mut draft.marks {
                if *m == place {
                    *m = 0;
                } else if *m > place {
                    *m -= 1;
                }
            }
        }
        (Action::VoteYes, Method::YesNo { .. }) => draft.yes_no = Some(YesNo::Yes),
        (Action::VoteNo, Method::YesNo { .. }) => draft.yes_no = Some(YesNo::No),
        (Action::VoteAbstain, Method::YesNo { .. }) => draft.yes_no = Some(YesNo::Abstain),
        (Action::AddDot, Method::Dots { per_voter }) => {
            let used = draft.used();
            if let Some(m) = draft.marks.get_mut(s.option).filter(|_| used < *per_voter) {
                *m += 1;
            }
        }
        (Action::AddDot, Method::Approval) => {
            if let Some(m) = draft.marks.get_mut(s.option) {
                *m = 1;
            }
        }
        (Action::RemoveDot, Method::Dots { .. } | Method::Approval) => {
            if let Some(m) = draft.marks.get_mut(s.option) {
                *m = m.saturating_sub(1);
            }
        }
        _ => return,
    }
    draft.sent = false;
    s.focus = Focus::Ballot;
}

/// The decision form, filled in from the case and the shown round's result.
fn decision_form(app: &App, case: CaseId, round: Option<&Round>) -> DecisionForm {
    let meetings = app.view().meetings();
    let details = meetings
        .case(&case)
        .map(|c| c.details.clone())
        .unwrap_or_default();
    let result = round.and_then(|r| r.result());
    let t = &app.t.meeting;
    let mut items = Vec::new();
    let mut moved_to = None;
    let prioritised = StageKey::new(Stages::PRIORITISED);
    let (text, reached) = match (round, result) {
        (Some(r), Some(res)) => match (&res.outcome, res.summary_counts()) {
            (Outcome::Adopted { .. }, Some(c)) => {
                items.clone_from(&details.items);
                moved_to = Some(prioritised.clone());
                let reached = if c.unanimous() && c.abstain.num == 0 {
                    Reached::Unanimous
                } else {
                    Reached::Votes {
                        in_favour: u32::try_from(c.yes.num / c.yes.den.max(1) as i64).unwrap_or(0),
                        against: u32::try_from(c.no.num / c.no.den.max(1) as i64).unwrap_or(0),
                        abstain: u32::try_from(c.abstain.num / c.abstain.den.max(1) as i64)
                            .unwrap_or(0),
                    }
                };
                (details.proposal.clone(), reached)
            }
            (Outcome::Winner { option }, _) => {
                let winner = r.rules.options.get(*option).cloned().unwrap_or_default();
                if let Some(id) = details.items.get(*option) {
                    items.push(*id);
                    moved_to = Some(prioritised.clone());
                }
                (
                    fill(t.decision_winner, &[("option", &winner)]),
                    Reached::Round { round: r.id },
                )
            }
            _ => (String::new(), Reached::Round { round: r.id }),
        },
        _ => (details.proposal.clone(), Reached::Unanimous),
    };
    let dissent: Vec<String> = result
        .map(|res| {
            res.named
                .iter()
                .filter(|n| n.choice == Choice::YesNo(YesNo::No))
                .map(|n| n.voter.clone())
                .collect()
        })
        .unwrap_or_default();
    DecisionForm {
        case,
        round: round.map(|r| r.id),
        reached,
        fields: [
            Editor::new(&text),
            Editor::new(&dissent.join(", ")),
            Editor::new(details.exempt.as_deref().unwrap_or("")),
            Editor::new(details.closed_session.as_deref().unwrap_or("")),
            Editor::new(&disqualified_text(&details.disqualified)),
        ],
        focus: FIELD_TEXT,
        items,
        moved_to,
        corrects: None,
    }
}

/// A correction of `d`: its text to edit, everything else as it was; nothing moves.
pub fn correction_form(d: &Decision) -> DecisionForm {
    DecisionForm {
        case: d.case,
        round: None,
        reached: d.reached.clone(),
        fields: [
            Editor::new(&d.text),
            Editor::new(&d.dissent.join(", ")),
            Editor::new(d.exempt.as_deref().unwrap_or("")),
            Editor::new(d.closed_session.as_deref().unwrap_or("")),
            Editor::new(&disqualified_text(&d.disqualified)),
        ],
        focus: FIELD_TEXT,
        items: Vec::new(),
        moved_to: None,
        corrects: Some(d.id),
    }
}

/// Saves the decision form: the decision, and the items it moves, as one op.
pub fn save_decision(app: &mut App, form: &DecisionForm) -> Vec<Effect> {
    let meetings = app.view().meetings();
    let Some(case) = meetings.case(&form.case).cloned() else {
        return vec![];
    };
    let text = form.fields[FIELD_TEXT].text.trim().to_string();
    if text.is_empty() {
        app.message = Some(app.t.meeting.decision_needs_text.to_string());
        return vec![];
    }
    let exempt = form.fields[FIELD_EXEMPT].text.trim();
    let closed = form.fields[FIELD_CLOSED].text.trim();
    let disqualified = match parse_disqualified(&form.fields[FIELD_DISQUALIFIED].text) {
        Ok(list) => list,
        Err(entry) => {
            app.say(app.t.meeting.bad_disqualified, &[("value", &entry)]);
            return vec![];
        }
    };
    let decision = Decision {
        id: DecisionId::new(),
        case: form.case,
        case_number: case.number,
        title: case.details.title.clone(),
        proposal: case.details.proposal.clone(),
        text,
        reached: form.reached.clone(),
        dissent: form.fields[FIELD_DISSENT]
            .text
            .split(',')
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .collect(),
        disqualified,
        closed_session: (!closed.is_empty()).then(|| closed.to_string()),
        exempt: (!exempt.is_empty()).then(|| exempt.to_string()),
        items: form.items.clone(),
        moved_to: form.moved_to.clone(),
        corrects: form.corrects,
        recorded_by: String::new(),
        recorded_at: 0,
        chain: None,
    };
    // One op: the decision, and the move of the items it affects (the fold moves them).
    let effects = app.commit(
        Payload::Meeting {
            change: Box::new(MeetingChange::Decide {
                decision: Box::new(decision),
            }),
        },
        false,
    );
    if !effects.is_empty() {
        app.message = Some(app.t.meeting.decision_saved.to_string());
    }
    effects
}

/// "sak 08/26" (in the body's format), or the title when the case has no number yet.
pub fn case_label(app: &App, case: &crate::model::meeting::Case) -> String {
    match case.number {
        Some(n) => format!("sak {}", n.format(app.body_rules.case_format)),
        None => case.details.title.clone(),
    }
}
