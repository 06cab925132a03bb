//! Popups drawn over a screen: key help, the command palette and the draft offer.

use super::app::{App, Overlay};
use super::keymap::{self, Context};
use super::palette;
use super::widgets::{centered, truncate};
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

pub fn view(app: &App, f: &mut Frame, area: Rect, ctx: Context) {
    match &app.overlay {
        None => {}
        Some(Overlay::Help) => help(app, f, area, ctx),
        Some(Overlay::Palette(p)) => {
            let th = &app.theme;
            let entries = palette::entries(app, ctx, &p.query.text);
            let h = (entries.len() as u16 + 3).min(area.height);
            let popup = centered(area, 60, h);
            let popup = Rect {
                y: area.y + 1.min(area.height.saturating_sub(h)),
                ..popup
            };
            f.render_widget(Clear, popup);
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(th.border_focus)
                .title(Span::styled(
                    format!(" {} ", app.t.palette_title),
                    th.accent,
                ))
                .title_bottom(Line::styled(app.t.palette_hint, th.dim));
            let inner = block.inner(popup);
            f.render_widget(block, popup);
            let w = inner.width as usize;
            let mut lines = vec![Line::styled(format!("> {}", p.query.text), th.base)];
            for (i, a) in entries.iter().enumerate() {
                let sel = i == p.selected;
                let keys = keymap::label(ctx, *a).unwrap_or("");
                let name = (app.t.actions)(*a);
                let pointer = if sel { "▶ " } else { "  " };
                let left = truncate(
                    &format!("{pointer}{name}"),
                    w.saturating_sub(keys.chars().count() + 1),
                );
                let pad = w.saturating_sub(left.chars().count() + keys.chars().count());
                lines.push(Line::styled(
                    format!("{left}{}{keys}", " ".repeat(pad)),
                    if sel { th.selected } else { th.base },
                ));
            }
            f.render_widget(Paragraph::new(lines).style(th.base), inner);
            let cx = inner.x + 2 + p.query.text.chars().take(p.query.cursor).count() as u16;
            f.set_cursor_position(Position::new(
                cx.min(inner.x + inner.width.saturating_sub(1)),
                inner.y,
            ));
        }
        Some(Overlay::DraftOffer(_)) => {
            let th = &app.theme;
            let popup = centered(area, 56, 6);
            f.render_widget(Clear, popup);
            let text = vec![
                Line::styled(app.t.draft_offer, th.base),
                Line::raw(""),
                Line::styled(app.t.yes_no, th.accent),
            ];
            f.render_widget(
                Paragraph::new(text)
                    .wrap(Wrap { trim: true })
                    .style(th.base)
                    .block(Block::default().borders(Borders::ALL).border_style(th.warn)),
                popup,
            );
        }
    }
}

fn help(app: &App, f: &mut Frame, area: Rect, ctx: Context) {
    let th = &app.theme;
    // Only what this user may do: read-only mode and roles hide the rest.
    let bindings: Vec<_> = keymap::bindings(ctx)
        .iter()
        .filter(|b| app.offers(b.action))
        .collect();
    let h = (bindings.len() as u16 + 2).min(area.height);
    let popup = centered(area, 56, h);
    f.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border_focus)
        .title(Span::styled(format!(" {} ", app.t.help_title), th.accent));
    let inner = block.inner(popup);
    f.render_widget(block, popup);
    // More keys than rows: scrolled with ↑↓, and the border says how many are below.
    let rows = inner.height as usize;
    let max_skip = bindings.len().saturating_sub(rows);
    let skip = (app.help_scroll as usize).min(max_skip);
    let below = bindings.len().saturating_sub(skip + rows);
    if below > 0 {
        let mark = format!(" ↓{below} ");
        let w = mark.chars().count() as u16;
        if popup.width > w + 2 {
            f.render_widget(
                Paragraph::new(Span::styled(mark, th.accent)),
                Rect::new(
                    popup.x + popup.width - w - 1,
                    popup.y + popup.height - 1,
                    w,
                    1,
                ),
            );
        }
    }
    let lines: Vec<Line> = bindings
        .iter()
        .skip(skip)
        .map(|b| {
            Line::from(vec![
                Span::styled(format!("{:<14}", b.label), th.accent),
                Span::styled(
                    truncate(
                        (app.t.actions)(b.action),
                        inner.width.saturating_sub(14) as usize,
                    ),
                    th.base,
                ),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines).style(th.base), inner);
}
