//! Drawing the scoring form: the criteria with their marks, the adjustment, the comment
//! and the running total; below them the guidance for all five marks of the selected
//! criterion, the current one highlighted, so nobody has to remember what a 3 means.

use super::app::App;
use super::scoring::{Focus, ScoringScreen};
use super::widgets::{truncate, wrap};
use crate::i18n::fill;
use crate::model::criteria::{PriorityClass, SCORE_MAX, SCORE_MIN};
use crate::model::Item;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

const LABEL: usize = 32;

pub fn view(app: &App, f: &mut Frame, area: Rect, s: &ScoringScreen) {
    let th = &app.theme;
    let t = app.t;
    let st = t.scoring;
    let title = app
        .view()
        .get_any(&s.item)
        .map(|i| i.title.clone())
        .unwrap_or_default();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border_focus)
        .title(Span::styled(
            truncate(
                &format!(" {} ", fill(st.title, &[("title", &title)])),
                area.width.saturating_sub(4) as usize,
            ),
            th.accent,
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height < 3 || inner.width < 20 {
        return;
    }
    let width = inner.width as usize;
    let mut lines: Vec<Line> = vec![Line::styled(
        fill(st.set_line, &[("set", &(st.set_name)(&s.set.key))]),
        th.dim,
    )];
    lines.push(Line::raw(""));
    let on_criteria = s.focus == Focus::Criteria;
    for (i, key) in s.set.criteria.iter().enumerate() {
        let selected = on_criteria && i == s.selected;
        let marker = if selected { "▶ " } else { "  " };
        let name = truncate((t.criterion)(key), LABEL);
        let mark = s.marks.get(i).copied().flatten();
        let boxes: String = (SCORE_MIN..=SCORE_MAX)
            .map(|m| match mark {
                Some(x) if x == m => format!("[{m}]"),
                _ => format!(" {m} "),
            })
            .collect();
        let style = if selected { th.selected } else { th.base };
        lines.push(Line::from(vec![
            Span::styled(format!("{marker}{name:<LABEL$} "), style),
            Span::styled(boxes, if mark.is_some() { th.accent } else { th.dim }),
        ]));
    }
    lines.push(Line::raw(""));
    let adjustment = match s.adjustment {
        0 => "0".to_string(),
        a => format!("{a:+}"),
    };
    lines.push(Line::from(vec![
        Span::styled(format!("  {:<LABEL$} ", st.adjustment), th.dim),
        Span::styled(adjustment, th.base),
    ]));
    // The comment: one line, scrolled so the cursor stays in view.
    let comment_y = lines.len();
    let value_w = width.saturating_sub(LABEL + 3).max(1);
    let (_, col) = s.comment.line_col();
    let skip = (col + 1).saturating_sub(value_w);
    // An adjustment needs a reason: say so where it goes, until typing starts there.
    let shown: String = if s.comment.text.is_empty() && s.adjustment != 0 && on_criteria {
        st.comment_needed.to_string()
    } else {
        s.comment.text.chars().skip(skip).take(value_w).collect()
    };
    let comment_style = if on_criteria { th.base } else { th.selected };
    let marker = if on_criteria { "  " } else { "▶ " };
    lines.push(Line::from(vec![
        Span::styled(
            format!("{marker}{:<LABEL$} ", st.comment),
            if on_criteria { th.dim } else { th.accent },
        ),
        Span::styled(format!("{shown:<value_w$}"), comment_style),
    ]));
    lines.push(Line::raw(""));
    let mut total = fill(
        st.total,
        &[("total", &s.total()), ("max", &s.set.max_total())],
    );
    if s.missing() == 0 {
        let class = s.set.class_of_ratio(s.total(), 1);
        total.push_str(&format!(" · {}", class_name(app, class)));
    }
    lines.push(Line::styled(format!("  {total}"), th.accent));
    lines.push(Line::raw(""));
    // The guidance of the selected criterion: every mark, the current one highlighted.
    if let Some(key) = s.criterion() {
        let current = s.marks.get(s.selected).copied().flatten();
        lines.push(Line::styled(
            format!("{} – {}", st.guidance, (t.criterion)(key)),
            th.accent,
        ));
        for m in SCORE_MIN..=SCORE_MAX {
            let text = format!("{m}  {}", (t.criterion_guidance)(key, m));
            let chosen = current == Some(m);
            let style = if chosen { th.selected } else { th.dim };
            for (i, part) in wrap(&text, width.saturating_sub(4)).into_iter().enumerate() {
                let head = match (i, chosen) {
                    (0, true) => "▶ ",
                    _ => "  ",
                };
                let indent = if i == 0 { "" } else { "   " };
                lines.push(Line::styled(format!("{head}{indent}{part}"), style));
            }
        }
    }
    // The last two lines are for the keys (wrapped on a narrow terminal) or an error.
    let body_h = inner.height.saturating_sub(2);
    f.render_widget(
        Paragraph::new(lines).style(th.base),
        Rect {
            height: body_h,
            ..inner
        },
    );
    if !on_criteria && (comment_y as u16) < body_h {
        let cx = inner.x + (LABEL + 3 + col - skip).min(width.saturating_sub(1)) as u16;
        f.set_cursor_position(Position::new(cx, inner.y + comment_y as u16));
    }
    let footer = match &s.error {
        Some(e) => Line::styled(format!("✗ {e}"), th.error),
        None if on_criteria => Line::styled(st.hint, th.dim),
        None => Line::styled(st.hint_comment, th.dim),
    };
    f.render_widget(
        Paragraph::new(footer).wrap(Wrap { trim: true }),
        Rect {
            y: inner.y + body_h,
            height: inner.height - body_h,
            ..inner
        },
    );
}

/// An item's scores as the detail view shows them, one text per line: the summary in the body's criteria set (mean, class, spread, number
/// of scorers), then each scorer's total, so that disagreement is plain to see.
pub fn summary_lines(app: &App, item: &Item) -> Vec<String> {
    let t = app.t;
    let st = t.scoring;
    let set = app.body_rules.criteria_set();
    let mut out = Vec::new();
    match item.score_summary(&set) {
        None => out.push(st.none_yet.to_string()),
        Some(sum) => {
            out.push(fill(
                st.summary,
                &[
                    ("mean", &decimal(app, sum.mean_x100())),
                    ("class", &class_name(app, sum.class)),
                    ("spread", &sum.spread),
                    ("n", &sum.scorers),
                ],
            ));
            let totals: Vec<String> = sum
                .totals
                .iter()
                .map(|(who, total)| fill(st.scorer_total, &[("scorer", who), ("total", total)]))
                .collect();
            out.push(totals.join(" · "));
        }
    }
    // Scores kept in another set (the body changed sets) are not lost: they are counted.
    let mut others: std::collections::BTreeMap<&str, usize> = Default::default();
    for s in item.scores.values().filter(|s| s.set != set.key) {
        *others.entry(s.set.as_str()).or_default() += 1;
    }
    for (other, n) in others {
        out.push(fill(
            st.other_set,
            &[("n", &n), ("set", &(st.set_name)(other))],
        ));
    }
    out
}

/// "Må ha", "Bør ha", … as the screens name the classes.
pub(super) fn class_name(app: &App, class: PriorityClass) -> &'static str {
    let [must, should, could, not] = app.t.meeting.classes;
    match class {
        PriorityClass::MustHave => must,
        PriorityClass::ShouldHave => should,
        PriorityClass::CouldHave => could,
        PriorityClass::WillNotHave => not,
    }
}

/// A value × 100 as a decimal number with two places, in the language's way ("21,67").
pub(super) fn decimal(app: &App, x100: i64) -> String {
    let sign = if x100 < 0 { "-" } else { "" };
    let abs = x100.unsigned_abs();
    format!(
        "{sign}{}{}{:02}",
        abs / 100,
        app.t.minutes.decimal_separator,
        abs % 100
    )
}
