//! The detail view: every field of one item, its description and its history.

use super::app::App;
use super::widgets::kroner;
use crate::i18n::fill;
use crate::model::{FieldName, HistoryEvent, Item, ItemId};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
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

fn history_line(app: &App, item: &Item, i: usize) -> String {
    let h = &item.history[i];
    let t = app.t;
    let what = match &h.event {
        HistoryEvent::Created { stage } => fill(t.ev_created, &[("stage", &app.stage_name(stage))]),
        HistoryEvent::Edited { fields } => {
            let names: Vec<&str> = fields.iter().map(|f| (t.fields)(*f)).collect();
            fill(t.ev_edited, &[("fields", &names.join(", ").to_lowercase())])
        }
        HistoryEvent::Moved { from, to } => fill(
            t.ev_moved,
            &[("from", &app.stage_name(from)), ("to", &app.stage_name(to))],
        ),
        HistoryEvent::Deleted => t.ev_deleted.to_string(),
        HistoryEvent::Restored => t.ev_restored.to_string(),
    };
    format!("{}  {}  {what}", date(h.at), h.author)
}

pub fn view(app: &App, f: &mut Frame, area: Rect, id: ItemId, scroll: u16) {
    let th = &app.theme;
    let t = app.t;
    let Some(item) = app.portfolio.get(&id) else {
        f.render_widget(Paragraph::new(t.no_selection).style(th.dim), area);
        return;
    };
    let label = |name: &str| Span::styled(format!("{name:<22}"), th.dim);
    let mut lines: Vec<Line> = vec![Line::from(vec![
        label(t.stage),
        Span::styled(app.stage_name(&item.stage), th.accent),
    ])];
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
        if value.is_empty() {
            continue;
        }
        lines.push(Line::from(vec![
            label((t.fields)(name)),
            Span::styled(value, th.base),
        ]));
    }
    lines.push(Line::from(vec![
        label(t.created_at),
        Span::styled(date(item.created), th.base),
    ]));
    lines.push(Line::from(vec![
        label(t.updated_at),
        Span::styled(date(item.updated), th.base),
    ]));
    if !item.description.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled((t.fields)(FieldName::Description), th.accent));
        lines.extend(
            item.description
                .lines()
                .map(|l| Line::styled(l.to_string(), th.base)),
        );
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(t.history, th.accent));
    for i in (0..item.history.len()).rev() {
        lines.push(Line::styled(history_line(app, item, i), th.dim));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border_focus)
        .title(Span::styled(format!(" {} ", item.title), th.accent));
    f.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(th.base)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        area,
    );
}
