//! Drawing the edit form: a label column and the fields, scrolled so the focused field
//! is visible, with the cursor placed in it.

use super::app::App;
use super::form::FormState;
use super::widgets::{centered, truncate};

use crate::model::FieldName;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui::Frame;

const LABEL: u16 = 23;

fn height(form: &FormState, i: usize) -> u16 {
    if form.fields[i].name == FieldName::Description {
        let lines = form.fields[i].editor.text.split('\n').count() as u16;
        lines.clamp(3, 6)
    } else {
        1
    }
}

/// The look-alikes of a new proposal, as lines: a heading, then one line each with
/// the picked one marked.
fn look_alikes(app: &App, form: &FormState, width: usize) -> Vec<Line<'static>> {
    let th = &app.theme;
    let Some(list) = form.similar.as_ref().filter(|l| !l.is_empty()) else {
        return Vec::new();
    };
    let mut lines = vec![Line::styled(
        truncate(app.t.similar_warning, width),
        th.warn,
    )];
    let picked = form.picked_similar();
    for (id, percent) in list {
        let Some(item) = app.view().get(id) else {
            continue;
        };
        let mark = if Some(*id) == picked { "▶ " } else { "  " };
        let text = format!(
            "{mark}{} ({}, {percent} %)",
            item.title,
            app.stage_name(&item.stage)
        );
        let style = if Some(*id) == picked {
            th.selected
        } else {
            th.warn
        };
        lines.push(Line::styled(truncate(&text, width), style));
    }
    lines
}

pub fn view(app: &App, f: &mut Frame, area: Rect, form: &FormState) {
    let th = &app.theme;
    let t = app.t;
    let title = match form.item.and_then(|id| app.view().get_any(&id)) {
        Some(item) => format!(" {}: {} ", t.edit_item, item.title),
        None => format!(" {} · {} ", t.new_item, app.stage_name(&form.stage)),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border_focus)
        .title(Span::styled(
            truncate(&title, area.width.saturating_sub(4) as usize),
            th.accent,
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height < 2 || inner.width <= LABEL + 2 {
        return;
    }
    // The last line is for hints and errors; look-alikes of a new proposal go above it.
    let similar = look_alikes(app, form, inner.width as usize);
    let similar_h = (similar.len() as u16).min(inner.height.saturating_sub(2));
    let fields_h = inner.height - 1 - similar_h;
    let mut first = 0;
    while (first..=form.focus).map(|i| height(form, i)).sum::<u16>() > fields_h
        && first < form.focus
    {
        first += 1;
    }
    let value_w = (inner.width - LABEL - 1) as usize;
    let mut y = inner.y;
    for (i, field) in form.fields.iter().enumerate().skip(first) {
        let h = height(form, i);
        if y + h > inner.y + fields_h {
            break;
        }
        let focused = i == form.focus;
        let changed = field.editor.text != field.original;
        let marker = if focused {
            "▶"
        } else if changed {
            "*"
        } else {
            " "
        };
        let label = format!(
            "{marker}{:<w$}",
            truncate((t.fields)(field.name), LABEL as usize - 1),
            w = LABEL as usize - 1
        );
        f.render_widget(
            Paragraph::new(Span::styled(
                label,
                if focused { th.accent } else { th.dim },
            )),
            Rect {
                x: inner.x,
                y,
                width: LABEL,
                height: 1,
            },
        );
        let value_rect = Rect {
            x: inner.x + LABEL + 1,
            y,
            width: value_w as u16,
            height: h,
        };
        let style = if focused { th.selected } else { th.base };
        let (line, col) = field.editor.line_col();
        let lines: Vec<&str> = field.editor.text.split('\n').collect();
        let first_line = line.saturating_sub(h as usize - 1);
        let mut shown = Vec::new();
        for (li, l) in lines.iter().enumerate().skip(first_line).take(h as usize) {
            // Scroll long lines sideways so the cursor stays in view.
            let skip = if focused && li == line {
                (col + 1).saturating_sub(value_w)
            } else {
                0
            };
            let text: String = l.chars().skip(skip).take(value_w).collect();
            shown.push(Line::styled(format!("{text:<value_w$}"), style));
            if focused && li == line {
                let cx = value_rect.x + (col - skip) as u16;
                f.set_cursor_position(Position::new(cx, y + (li - first_line) as u16));
            }
        }
        while shown.len() < h as usize {
            shown.push(Line::styled(" ".repeat(value_w), style));
        }
        f.render_widget(Paragraph::new(shown), value_rect);
        y += h;
    }
    if similar_h > 0 {
        f.render_widget(
            Paragraph::new(similar),
            Rect {
                x: inner.x,
                y: inner.y + fields_h,
                width: inner.width,
                height: similar_h,
            },
        );
    }
    let footer = match &form.error {
        Some(e) => Line::styled(format!("✗ {e}"), th.error),
        None if similar_h > 0 => Line::styled(t.similar_hint, th.warn),
        None => Line::styled(t.form_hint, th.dim),
    };
    f.render_widget(
        Paragraph::new(footer),
        Rect {
            x: inner.x,
            y: inner.y + inner.height - 1,
            width: inner.width,
            height: 1,
        },
    );
    if form.confirm_discard {
        let text = format!("{}  {}", t.confirm_discard, t.yes_no);
        let popup = centered(area, (text.chars().count() as u16 + 4).min(area.width), 3);
        f.render_widget(Clear, popup);
        f.render_widget(
            Paragraph::new(Span::styled(text, th.warn))
                .block(Block::default().borders(Borders::ALL).border_style(th.warn)),
            popup,
        );
    }
}
