//! The detail view: every field of one item, its description and its history.

use super::app::{App, History};
use super::widgets::{kroner, wrap};
use crate::i18n::fill;
use crate::model::conflict::Slot;
use crate::model::{FieldName, HistoryEntry, HistoryEvent, ItemId};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

fn date(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|d| {
            d.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

fn history_line(app: &App, h: &HistoryEntry) -> String {
    let t = app.t;
    let what = match &h.event {
        HistoryEvent::Created { stage } => fill(t.ev_created, &[("stage", &app.stage_name(stage))]),
        HistoryEvent::Edited { fields } => {
            let names: Vec<&str> = fields.iter().map(|f| (t.fields)(*f)).collect();
            fill(t.ev_edited, &[("fields", &names.join(", ").to_lowercase())])
        }
        HistoryEvent::Moved { from, to, reason } => {
            let moved = fill(
                t.ev_moved,
                &[("from", &app.stage_name(from)), ("to", &app.stage_name(to))],
            );
            match reason {
                Some(r) => format!("{moved}: {r}"),
                None => moved,
            }
        }
        HistoryEvent::Deleted => t.ev_deleted.to_string(),
        HistoryEvent::Restored => t.ev_restored.to_string(),
        HistoryEvent::Scored {
            set,
            total: Some(total),
        } => fill(
            t.scoring.ev_scored,
            &[("total", total), ("set", &(t.scoring.set_name)(set))],
        ),
        HistoryEvent::Scored { total: None, .. } => t.scoring.ev_withdrawn.to_string(),
    };
    format!("{}  {}  {what}", date(h.at), h.author)
}

pub fn view(app: &App, f: &mut Frame, area: Rect, id: ItemId, scroll: u16) {
    let th = &app.theme;
    let t = app.t;
    let Some(item) = app.view().get(&id) else {
        f.render_widget(Paragraph::new(t.no_selection).style(th.dim), area);
        return;
    };
    const LABEL: usize = 22;
    let width = area.width.saturating_sub(2) as usize;
    let value_w = width.saturating_sub(LABEL).max(10);
    let mut lines: Vec<Line> = wrap(&item.title, width)
        .into_iter()
        .map(|l| Line::styled(l, th.accent))
        .collect();
    lines.push(Line::raw(""));
    // A labelled value, wrapped under itself rather than under the label.
    let field = |lines: &mut Vec<Line>, name: &str, value: &str, style| {
        for (i, part) in wrap(value, value_w).into_iter().enumerate() {
            let head = if i == 0 { name } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!("{head:<LABEL$}"), th.dim),
                Span::styled(part, style),
            ]));
        }
    };
    // A concurrent change is said in words, not by colour alone.
    let flag = |lines: &mut Vec<Line>, slot: Slot| {
        if let Some(c) = item.sync.conflict(slot) {
            let note = fill(
                t.sync.changed_concurrently,
                &[("by", &c.by), ("winner", &c.winner)],
            );
            field(lines, "", &format!("⚠ {note}"), th.warn);
            if let Some(kept) = &c.kept {
                field(
                    lines,
                    "",
                    &fill(t.sync.other_version, &[("by", &c.by)]),
                    th.warn,
                );
                field(lines, "", kept, th.base);
            }
            field(lines, "", t.sync.conflict_hint, th.dim);
        }
    };
    field(&mut lines, t.stage, &app.stage_name(&item.stage), th.accent);
    flag(&mut lines, Slot::Stage);
    flag(&mut lines, Slot::Field(FieldName::Title));
    for name in FieldName::ALL {
        if name == FieldName::Title || name == FieldName::Description {
            continue;
        }
        let value = match name {
            FieldName::Funds => item
                .funds_nok
                .map(|n| format!("{} {}", kroner(n), t.kr))
                .unwrap_or_default(),
            FieldName::Priority => item
                .priority
                .map(|p| format!("P{p}"))
                .unwrap_or_else(|| t.no_priority.into()),
            _ => item.get(name).to_text(),
        };
        if !value.is_empty() {
            field(&mut lines, (t.fields)(name), &value, th.base);
        }
        flag(&mut lines, Slot::Field(name));
        // One system in, one out: said in words under the pair, not by colour alone.
        if name == FieldName::RetiresSystem && item.lacks_retired_system() {
            field(&mut lines, "", t.scoring.lacks_retired_system, th.warn);
        }
    }
    field(&mut lines, t.created_at, &date(item.created), th.base);
    field(&mut lines, t.updated_at, &date(item.updated), th.base);
    // The scores as labelled lines, like the fields: one line when nobody has scored.
    for (i, text) in super::scoring_view::summary_lines(app, item)
        .iter()
        .enumerate()
    {
        let label = if i == 0 { t.scoring.heading } else { "" };
        field(&mut lines, label, text, th.base);
    }
    if !item.description.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled((t.fields)(FieldName::Description), th.accent));
        lines.extend(
            wrap(&item.description, width)
                .into_iter()
                .map(|l| Line::styled(l, th.base)),
        );
    }
    flag(&mut lines, Slot::Field(FieldName::Description));
    lines.push(Line::raw(""));
    lines.push(Line::styled(t.history, th.accent));
    // Newest first. The history arrives from the store after the view opens.
    let history: Vec<String> = match &app.history {
        Some((shown, History::Loaded(entries))) if *shown == id => {
            entries.iter().rev().map(|h| history_line(app, h)).collect()
        }
        Some((shown, History::Failed(err))) if *shown == id => {
            vec![fill(t.history_failed, &[("err", err)])]
        }
        _ => vec![t.history_loading.to_string()],
    };
    for entry in &history {
        lines.extend(
            wrap(entry, width)
                .into_iter()
                .map(|l| Line::styled(l, th.dim)),
        );
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border_focus);
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(th.base)
            .scroll((scroll, 0)),
        area,
    );
}
