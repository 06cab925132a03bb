//! Drawing the meeting screen. Reads the app only; everything it shows was computed by
//! the fold (meetings, rounds, results) or kept by `update` (counts, ballots).

use super::app::App;
use super::keymap::Action;
use super::meeting::{
    case_label, Focus, MeetingScreen, FIELD_CLOSED, FIELD_DISQUALIFIED, FIELD_DISSENT,
    FIELD_EXEMPT, FIELD_TEXT,
};
use super::widgets::{truncate, wrap};
use crate::i18n::fill;
use crate::model::meeting::{MinutesStatus, Round, RoundState};
use crate::model::vote::{Method, Outcome, RoundResult, YesNo};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

pub fn view(app: &App, f: &mut Frame, area: Rect, s: &MeetingScreen) {
    let th = &app.theme;
    let t = &app.t.meeting;
    let meetings = app.view().meetings();
    let Some(meeting) = meetings.meeting(&s.meeting) else {
        f.render_widget(Paragraph::new(t.no_meetings).style(th.dim), area);
        return;
    };
    let [left, middle, right] = Layout::horizontal([
        Constraint::Percentage(27),
        Constraint::Percentage(35),
        Constraint::Percentage(38),
    ])
    .areas(area);

    // The agenda.
    let agenda = meetings.agenda(&s.meeting);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if s.focus == Focus::Agenda {
            th.border_focus
        } else {
            th.border
        })
        .title(Span::styled(
            format!(
                " {} · {} ",
                t.agenda,
                match meeting.minutes {
                    MinutesStatus::Draft => t.minutes_draft,
                    MinutesStatus::Approved => t.minutes_approved,
                    MinutesStatus::Frozen => t.minutes_frozen,
                }
            ),
            th.accent,
        ));
    let inner = block.inner(left);
    f.render_widget(block, left);
    let width = inner.width as usize;
    let lines: Vec<Line> = if agenda.is_empty() {
        vec![Line::from(Span::styled(t.no_cases, th.dim))]
    } else {
        agenda
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let number = c
                    .number
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "··/··".into());
                // The mark goes first: a narrow agenda cuts the end of the title.
                let text = if c.postponed {
                    format!("{number} ({}) {}", t.postponed, c.details.title)
                } else {
                    format!("{number} {}", c.details.title)
                };
                let marker = if i == s.case { "▶" } else { " " };
                let style = if i == s.case { th.selected } else { th.base };
                Line::from(Span::styled(
                    truncate(&format!("{marker}{text}"), width),
                    style,
                ))
            })
            .collect()
    };
    f.render_widget(Paragraph::new(lines), inner);

    let Some(case) = agenda.get(s.case) else {
        return;
    };
    // The case.
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border)
        .title(Span::styled(
            format!(" {} ", case_label(app, case)),
            th.accent,
        ));
    let inner = block.inner(middle);
    f.render_widget(block, middle);
    let w = inner.width as usize;
    let mut lines = vec![Line::from(Span::styled(
        truncate(&case.details.title, w),
        th.accent,
    ))];
    if let Some(basis) = &case.details.exempt {
        lines.push(Line::from(Span::styled(
            truncate(&fill(t.exempt, &[("basis", basis)]), w),
            th.warn,
        )));
    }
    lines.push(Line::from(Span::styled(format!("{}:", t.proposal), th.dim)));
    lines.extend(wrap(&case.details.proposal, w).into_iter().map(Line::from));
    let items: Vec<String> = case
        .details
        .items
        .iter()
        .filter_map(|id| app.view().get_any(id).map(|i| format!("· {}", i.title)))
        .collect();
    if !items.is_empty() {
        lines.push(Line::from(Span::styled(format!("{}:", t.items), th.dim)));
        lines.extend(items.iter().map(|i| Line::from(truncate(i, w))));
    }
    for d in meetings.decisions_of(&case.id) {
        lines.push(Line::from(Span::styled(format!("{}:", t.decided), th.ok)));
        lines.extend(wrap(&d.text, w).into_iter().map(Line::from));
    }
    f.render_widget(Paragraph::new(lines), inner);

    // The vote panel, or the decision form over it.
    if let Some(form) = &s.decision {
        decision_form(app, f, right, form);
        return;
    }
    let round = app.shown_round(&case.id);
    vote_panel(app, f, right, s, round);
}

fn vote_panel(app: &App, f: &mut Frame, area: Rect, s: &MeetingScreen, round: Option<&Round>) {
    let th = &app.theme;
    let t = &app.t.meeting;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if s.focus == Focus::Ballot {
            th.border_focus
        } else {
            th.border
        })
        .title(Span::styled(format!(" {} ", t.vote), th.accent));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    // The chair sees what the next yes/no round will need (t and e change it).
    let next = (app.offers(Action::TwoThirds) && round.is_none_or(|r| !r.is_open()))
        .then(|| super::meeting::next_round(app, s));
    let Some(round) = round else {
        let mut lines: Vec<Line> = wrap(t.no_round, w)
            .into_iter()
            .map(|l| Line::from(Span::styled(l, th.dim)))
            .collect();
        for l in next.iter().flat_map(|n| wrap(n, w)) {
            lines.push(Line::from(Span::styled(l, th.accent)));
        }
        f.render_widget(Paragraph::new(lines), inner);
        return;
    };
    let kind = if round.anonymous {
        t.anonymous
    } else {
        t.named
    };
    let state = if round.is_open() {
        t.round_open
    } else {
        t.round_closed
    };
    let mut head = format!("{state} · {kind}");
    if let Method::YesNo {
        majority: crate::model::vote::Majority::TwoThirds,
    } = round.rules.method
    {
        head.push_str(" · 2/3");
    }
    if round.rules.election {
        head.push_str(&format!(" · {}", t.election_short));
    }
    let mut lines = vec![Line::from(Span::styled(
        truncate(&head, w),
        if round.is_open() { th.warn } else { th.dim },
    ))];
    match &round.state {
        RoundState::Open => {
            let count = app.counts.get(&round.id);
            let n = count.map_or(0, |c| c.ballots);
            lines.push(Line::from(Span::styled(
                truncate(
                    &fill(t.count, &[("n", &n), ("of", &round.eligible.len())]),
                    w,
                ),
                th.accent,
            )));
            if let Some(c) = count.filter(|c| !c.voters.is_empty()) {
                for l in wrap(&fill(t.voted, &[("names", &c.voters.join(", "))]), w) {
                    lines.push(Line::from(Span::styled(l, th.dim)));
                }
            }
            if app.ballot_open(s, round) {
                lines.push(Line::from(""));
                if let Some(name) = &s.hand_for {
                    lines.push(Line::from(Span::styled(
                        truncate(&fill(t.hand_for, &[("name", name)]), w),
                        th.warn,
                    )));
                }
                lines.extend(ballot_lines(app, s, round, w));
            }
        }
        RoundState::Closed { result, .. } => {
            if let Some(r) = result {
                lines.extend(result_lines(app, round, r, w));
            }
        }
    }
    for l in next.iter().flat_map(|n| wrap(n, w)) {
        lines.push(Line::from(Span::styled(l, th.accent)));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn ballot_lines<'a>(app: &'a App, s: &MeetingScreen, round: &Round, w: usize) -> Vec<Line<'a>> {
    let th = &app.theme;
    let t = &app.t.meeting;
    let draft = app.ballots.get(&round.id).cloned().unwrap_or_default();
    let status = if draft.sent {
        t.ballot_sent
    } else if draft.marks.iter().any(|&m| m > 0)
        || draft.scores.iter().any(|&m| m > 0)
        || draft.adjustment != 0
        || !draft.comment.is_empty()
        || draft.yes_no.is_some()
    {
        t.ballot_changed
    } else {
        ""
    };
    let mut lines = vec![
        Line::from(Span::styled(truncate(t.your_ballot, w), th.accent)),
        Line::from(Span::styled(
            truncate(status, w),
            if draft.sent { th.ok } else { th.warn },
        )),
    ];
    match &round.rules.method {
        Method::YesNo { .. } => {
            for (choice, label) in [
                (YesNo::Yes, t.yes),
                (YesNo::No, t.no),
                (YesNo::Abstain, t.abstain),
            ] {
                let mark = if draft.yes_no == Some(choice) {
                    "(•)"
                } else {
                    "( )"
                };
                let style = if draft.yes_no == Some(choice) {
                    th.selected
                } else {
                    th.base
                };
                lines.push(Line::from(Span::styled(
                    truncate(&format!("{mark} {label}"), w),
                    style,
                )));
            }
            lines.push(Line::from(Span::styled(truncate(t.ballot_hint, w), th.dim)));
        }
        Method::Scoring { criteria } => {
            for (i, key) in criteria.criteria.iter().enumerate() {
                let mark = draft.scores.get(i).copied().unwrap_or(0);
                let shown = if mark == 0 {
                    "·".to_string()
                } else {
                    mark.to_string()
                };
                let here = i == s.option && s.focus == Focus::Ballot;
                let cursor = if here { "▶" } else { " " };
                lines.push(Line::from(Span::styled(
                    truncate(&format!("{cursor}{shown} {}", (app.t.criterion)(key)), w),
                    if here { th.selected } else { th.base },
                )));
            }
            let n = criteria.criteria.len();
            let row = |i: usize, text: String| {
                let here = i == s.option && s.focus == Focus::Ballot;
                let cursor = if here { "▶" } else { " " };
                Line::from(Span::styled(
                    truncate(&format!("{cursor}{text}"), w),
                    if here { th.selected } else { th.base },
                ))
            };
            lines.push(row(
                n,
                fill(
                    t.adjustment_row,
                    &[("n", &format!("{:+}", draft.adjustment))],
                ),
            ));
            let typing = n + 1 == s.option && s.focus == Focus::Ballot;
            let comment = if typing {
                format!("{}▏", draft.comment)
            } else {
                draft.comment.clone()
            };
            lines.push(row(n + 1, fill(t.comment_row, &[("text", &comment)])));
            let sum: i64 = draft.scores.iter().map(|&m| i64::from(m)).sum::<i64>()
                + i64::from(draft.adjustment);
            lines.push(Line::from(Span::styled(
                truncate(&fill(t.total, &[("n", &sum)]), w),
                th.dim,
            )));
            lines.push(Line::from(Span::styled(truncate(t.scores_hint, w), th.dim)));
        }
        method => {
            for (i, option) in round.rules.options.iter().enumerate() {
                let n = draft.marks.get(i).copied().unwrap_or(0);
                let mark = match method {
                    Method::Borda if n > 0 => format!("{n}."),
                    Method::Borda => String::new(),
                    Method::Approval if n > 0 => "✓".to_string(),
                    Method::Approval => String::new(),
                    _ => "●".repeat(n as usize),
                };
                let here = i == s.option && s.focus == Focus::Ballot;
                let cursor = if here { "▶" } else { " " };
                lines.push(Line::from(Span::styled(
                    truncate(&format!("{cursor}{mark:<5} {option}"), w),
                    if here { th.selected } else { th.base },
                )));
            }
            if let Method::Dots { per_voter } = method {
                let left = per_voter.saturating_sub(draft.used());
                lines.push(Line::from(Span::styled(
                    truncate(&fill(t.dots_left, &[("n", &left)]), w),
                    th.dim,
                )));
            }
            let hint = if matches!(method, Method::Borda) {
                t.ranked_hint
            } else {
                t.dots_hint
            };
            lines.push(Line::from(Span::styled(truncate(hint, w), th.dim)));
        }
    }
    lines
}

/// The lines that say what a closed round decided, the same on every screen.
pub fn result_lines<'a>(app: &'a App, round: &Round, r: &RoundResult, w: usize) -> Vec<Line<'a>> {
    let th = &app.theme;
    let t = &app.t.meeting;
    let mut lines = vec![Line::from(Span::styled(t.result, th.accent))];
    let outcome = match &r.outcome {
        Outcome::Adopted { .. } => match r.summary_counts() {
            Some(c) if c.unanimous() && c.abstain.num == 0 => t.unanimous.to_string(),
            Some(c) => fill(t.votes_for_against, &[("for", &c.yes), ("against", &c.no)]),
            None => t.adopted.to_string(),
        },
        Outcome::NotAdopted { .. } => t.not_adopted.to_string(),
        Outcome::Winner { option } => fill(
            t.winner,
            &[(
                "option",
                &round
                    .rules
                    .options
                    .get(*option)
                    .cloned()
                    .unwrap_or_default(),
            )],
        ),
        Outcome::Tie { .. } => t.tie.to_string(),
        Outcome::NoQuorum => t.no_quorum.to_string(),
        Outcome::NoBallots | Outcome::Overflow => t.no_ballots.to_string(),
        Outcome::Classed { class, mean, .. } => {
            let name = match class {
                crate::model::criteria::PriorityClass::MustHave => t.classes[0],
                crate::model::criteria::PriorityClass::ShouldHave => t.classes[1],
                crate::model::criteria::PriorityClass::CouldHave => t.classes[2],
                crate::model::criteria::PriorityClass::WillNotHave => t.classes[3],
            };
            format!("{name} ({:.1})", mean.to_f64())
        }
    };
    for l in wrap(&outcome, w) {
        lines.push(Line::from(Span::styled(l, th.ok)));
    }
    for total in &r.totals {
        let label = match (&round.rules.method, total.label.as_str()) {
            (Method::YesNo { .. }, "yes") => t.yes.to_string(),
            (Method::YesNo { .. }, "no") => t.no.to_string(),
            (Method::YesNo { .. }, "abstain") => t.abstain.to_string(),
            (_, l) => l.to_string(),
        };
        let points = crate::model::vote::Fraction::new(total.points, r.unit)
            .map(|f| f.to_string())
            .unwrap_or_default();
        lines.push(Line::from(truncate(&format!("{points:>4}  {label}"), w)));
        if let Some(stats) = &total.scores {
            let mean = total
                .mean()
                .map(|m| format!("{:.1}", m.to_f64()))
                .unwrap_or_default();
            let spread = fill(t.spread, &[("n", &stats.spread())]);
            lines.push(Line::from(Span::styled(
                truncate(&format!("      ⌀ {mean} · {spread}"), w),
                th.dim,
            )));
        }
    }
    // How each voted, in a named yes/no round (the minutes say the same).
    if matches!(round.rules.method, Method::YesNo { .. }) && !r.named.is_empty() {
        for n in &r.named {
            let how = match &n.choice {
                crate::model::vote::Choice::YesNo(YesNo::Yes) => t.yes,
                crate::model::vote::Choice::YesNo(YesNo::No) => t.no,
                _ => t.abstain,
            };
            lines.push(Line::from(Span::styled(
                truncate(&format!("  {}: {how}", n.voter), w),
                th.dim,
            )));
        }
    }
    if r.hand_counted > 0 {
        lines.push(Line::from(Span::styled(
            fill(t.hand_counted, &[("n", &r.hand_counted)]),
            th.dim,
        )));
    }
    if r.decided_by_casting_vote {
        lines.push(Line::from(Span::styled(
            truncate(t.casting_vote, w),
            th.dim,
        )));
    }
    lines
}

pub fn decision_form(app: &App, f: &mut Frame, area: Rect, form: &super::meeting::DecisionForm) {
    let th = &app.theme;
    let t = &app.t.meeting;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border_focus)
        .title(Span::styled(format!(" {} ", t.decision_form), th.accent));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    for (i, label) in [
        (FIELD_TEXT, t.field_text),
        (FIELD_DISSENT, t.field_dissent),
        (FIELD_EXEMPT, t.field_exempt),
        (FIELD_CLOSED, t.field_closed),
        (FIELD_DISQUALIFIED, t.field_disqualified),
    ] {
        let style = if form.focus == i { th.accent } else { th.dim };
        lines.push(Line::from(Span::styled(truncate(label, w), style)));
        let text = &form.fields[i].text;
        let shown = if form.focus == i {
            format!("{text}▏")
        } else {
            text.clone()
        };
        let rows = wrap(&shown, w);
        if rows.is_empty() {
            lines.push(Line::from(""));
        }
        lines.extend(
            rows.into_iter()
                .map(|l| Line::from(Span::styled(l, th.base))),
        );
    }
    lines.push(Line::from(Span::styled(truncate(t.form_hint, w), th.dim)));
    f.render_widget(Paragraph::new(lines), inner);
}
