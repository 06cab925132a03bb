//! Drawing the triage screen: the list on the left, the selected proposal on the right,
//! and the reason prompt over both. Reads only what `triage::refresh` prepared.

use super::app::{App, History};
use super::board::title_line;
use super::scoring_view::{class_name, decimal, summary_lines};
use super::triage::{SortBy, TriageScreen, Verdict};
use super::widgets::{centered, truncate, wrap};
use crate::i18n::fill;
use crate::model::{Anchor, HistoryEvent, Item};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

/// Below this width the preview goes under the list instead of beside it.
const SIDE_BY_SIDE: u16 = 72;

pub fn view(app: &App, f: &mut Frame, whole: Rect, s: &TriageScreen) {
    // The verdict keys on the last line, across the whole width.
    let area = Rect {
        height: whole.height.saturating_sub(1),
        ..whole
    };
    f.render_widget(
        Paragraph::new(truncate(
            &format!(" {}", app.t.triage.hint),
            whole.width as usize,
        ))
        .style(app.theme.dim),
        Rect {
            y: whole.y + area.height,
            height: whole.height.min(1),
            ..whole
        },
    );
    let (list_area, preview_area) = if area.width >= SIDE_BY_SIDE {
        let w = area.width * 45 / 100;
        (
            Rect { width: w, ..area },
            Rect {
                x: area.x + w,
                width: area.width - w,
                ..area
            },
        )
    } else {
        let h = area.height / 2;
        (
            Rect { height: h, ..area },
            Rect {
                y: area.y + h,
                height: area.height - h,
                ..area
            },
        )
    };
    list(app, f, list_area, s);
    preview(app, f, preview_area, s);
    if let Some(p) = &s.prompt {
        prompt(app, f, area, p);
    }
}

fn list(app: &App, f: &mut Frame, area: Rect, s: &TriageScreen) {
    let th = &app.theme;
    let t = &app.t.triage;
    let title = format!(" ◂ {} ({}) ▸ ", app.stage_name(&s.stage), s.list.len());
    // The order and the filter, when not the board's, on the bottom edge.
    let mut how = Vec::new();
    match s.sort {
        SortBy::Board => {}
        SortBy::Score => how.push(t.sorted_score.to_string()),
        SortBy::Spread => how.push(t.sorted_spread.to_string()),
    }
    if let Some(want) = s.class_filter {
        let class = match want {
            Some(c) => class_name(app, c).to_string(),
            None => t.unscored.to_string(),
        };
        how.push(fill(t.only, &[("class", &class)]));
    }
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border_focus)
        .title(Span::styled(
            truncate(&title, area.width.saturating_sub(2) as usize),
            th.accent,
        ));
    if !how.is_empty() {
        block = block.title_bottom(Line::styled(format!(" {} ", how.join(" · ")), th.accent));
    }
    if !s.marks.is_empty() {
        block = block.title_bottom(
            Line::styled(fill(t.marked, &[("n", &s.marks.len())]), th.warn).right_aligned(),
        );
    }
    let inner = block.inner(area);
    f.render_widget(block, area);
    if s.list.is_empty() {
        f.render_widget(Paragraph::new(t.empty).style(th.dim), inner);
        return;
    }
    let w = inner.width as usize;
    let rows = (inner.height as usize).max(1);
    let top = s.selected.saturating_sub(rows - 1);
    let found = app.filter.as_ref().and_then(|f| f.found.as_ref());
    let mut lines = Vec::with_capacity(rows);
    for (i, id) in s.list.iter().enumerate().skip(top).take(rows) {
        let Some(item) = app.view().get(id) else {
            continue;
        };
        let selected = i == s.selected;
        let pointer = match (selected, s.marks.contains(id)) {
            (true, true) => "▶●",
            (true, false) => "▶ ",
            (false, true) => " ●",
            (false, false) => "  ",
        };
        let style = if selected { th.selected } else { th.base };
        // At the right: the one-in-one-out flag, and the class and mean once scored.
        let mut tail = String::new();
        if item.lacks_retired_system() {
            tail.push_str(t.flag);
        }
        if let Some(sum) = s.scores.get(id) {
            tail.push_str(&format!(
                " {} {}",
                class_name(app, sum.class),
                decimal(app, sum.mean_x100())
            ));
        }
        let tail = truncate(tail.trim_start(), w.saturating_sub(12) / 2);
        let tail_w = tail.chars().count();
        let room = w.saturating_sub(2 + if tail_w > 0 { tail_w + 1 } else { 0 });
        let title = truncate(&item.title, room);
        let highlights = found.and_then(|f| f.highlights.get(id));
        let mut line = title_line(
            pointer,
            &title,
            room,
            highlights.map_or(&[][..], Vec::as_slice),
            style,
            th.matched,
        );
        if tail_w > 0 {
            let tail_style = if selected { th.selected } else { th.warn };
            line.spans
                .push(Span::styled(format!(" {tail}"), tail_style));
        }
        lines.push(line);
    }
    f.render_widget(Paragraph::new(lines).style(th.base), inner);
}

fn preview(app: &App, f: &mut Frame, area: Rect, s: &TriageScreen) {
    let th = &app.theme;
    let t = app.t;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(item) = s.selected_id().and_then(|id| app.view().get(&id)) else {
        return;
    };
    let w = (inner.width as usize).max(1);
    let mut lines: Vec<Line> = wrap(&item.title, w)
        .into_iter()
        .map(|l| Line::styled(l, th.accent))
        .collect();
    for (label, value) in facts(app, item) {
        lines.extend(
            wrap(&format!("{label}: {value}"), w)
                .into_iter()
                .map(|l| Line::styled(l, th.base)),
        );
    }
    if item.lacks_retired_system() {
        lines.extend(
            wrap(t.scoring.lacks_retired_system, w)
                .into_iter()
                .map(|l| Line::styled(l, th.warn)),
        );
    }
    if !item.scores.is_empty() {
        for text in summary_lines(app, item) {
            lines.extend(
                wrap(&text, w)
                    .into_iter()
                    .map(|l| Line::styled(l, th.accent)),
            );
        }
    }
    if !item.description.is_empty() {
        lines.push(Line::raw(""));
        lines.extend(
            wrap(&item.description, w)
                .into_iter()
                .map(|l| Line::styled(l, th.base)),
        );
    }
    if !s.similar.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(t.triage.similar, th.warn));
        for sim in &s.similar {
            if let Some(other) = app.view().get(&sim.item) {
                let line = format!(
                    "  {} ({}, {:.0} %)",
                    other.title,
                    app.stage_name(&other.stage),
                    sim.score * 100.0
                );
                lines.push(Line::styled(truncate(&line, w), th.warn));
            }
        }
    }
    if let Some(reason) = last_reason(app, item) {
        lines.push(Line::raw(""));
        lines.extend(
            wrap(&fill(t.triage.reason_shown, &[("reason", &reason)]), w)
                .into_iter()
                .map(|l| Line::styled(l, th.dim)),
        );
    }
    f.render_widget(Paragraph::new(lines).style(th.base), inner);
}

/// The short facts a triager decides on, those that are filled in.
fn facts(app: &App, item: &Item) -> Vec<(&'static str, String)> {
    use crate::model::FieldName as F;
    let t = app.t;
    let mut out = Vec::new();
    let mut push = |name: F, value: String| {
        if !value.is_empty() {
            out.push(((t.fields)(name), value));
        }
    };
    push(F::Submitter, item.submitter.clone());
    push(F::Anchoring, Anchor::format_all(&item.anchoring));
    push(F::BenefitSummary, item.benefits.summary.clone());
    push(F::IntroducesSystem, item.introduces_system.clone());
    push(F::RetiresSystem, item.retires_system.clone());
    push(F::Tags, item.tags.join(", "));
    out
}

/// Why the proposal was last moved, once its history has been read.
fn last_reason(app: &App, item: &Item) -> Option<String> {
    match &app.history {
        Some((id, History::Loaded(entries))) if *id == item.id => {
            entries.iter().rev().find_map(|e| match &e.event {
                HistoryEvent::Moved {
                    reason: Some(r), ..
                } => Some(r.clone()),
                _ => None,
            })
        }
        _ => None,
    }
}

fn prompt(app: &App, f: &mut Frame, area: Rect, p: &super::triage::Prompt) {
    let th = &app.theme;
    let t = &app.t.triage;
    let stage = app.stage_name(&p.verdict.stage());
    let head = match p.items.as_slice() {
        [one] => {
            let title = app.view().get(one).map(|i| i.title.as_str()).unwrap_or("");
            fill(t.prompt_one, &[("title", &title), ("stage", &stage)])
        }
        many => fill(t.prompt_many, &[("n", &many.len()), ("stage", &stage)]),
    };
    let ask = if p.verdict == Verdict::Accept {
        t.reason_optional
    } else {
        t.reason_required
    };
    let popup = centered(area, 64, 7);
    f.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border_focus)
        .title_bottom(Line::styled(t.prompt_hint, th.dim));
    let inner = block.inner(popup);
    f.render_widget(block, popup);
    let w = inner.width as usize;
    let mut lines = vec![
        Line::styled(truncate(&head, w), th.accent),
        Line::styled(truncate(ask, w), th.dim),
        Line::styled(format!("> {}", p.reason.text), th.base),
    ];
    if p.missing_reason {
        lines.push(Line::styled(truncate(t.reason_missing, w), th.error));
    }
    f.render_widget(Paragraph::new(lines).style(th.base), inner);
    let typed = p.reason.text.chars().take(p.reason.cursor).count() as u16;
    f.set_cursor_position(Position::new(
        (inner.x + 2 + typed).min(inner.x + inner.width.saturating_sub(1)),
        inner.y + 2,
    ));
}
