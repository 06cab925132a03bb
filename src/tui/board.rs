//! The board: columns of cards, scrolled sideways so the selected column is always
//! visible. Geometry is one pure function, shared by drawing and mouse clicks.

use super::app::App;
use super::widgets::truncate;
use crate::i18n::fill;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

/// Narrowest column; at 80 columns three fit.
const MIN_COL_WIDTH: u16 = 26;
/// Lines per card: title, then priority and anchoring.
const CARD_HEIGHT: u16 = 2;

pub struct Geometry {
    pub first: usize,
    pub visible: usize,
    pub col_width: u16,
}

pub fn geometry(app: &App, area: Rect) -> Geometry {
    let n = app.columns.len().max(1);
    let visible = ((area.width / MIN_COL_WIDTH).max(1) as usize).min(n);
    let first = if app.col >= visible {
        app.col + 1 - visible
    } else {
        0
    };
    Geometry {
        first,
        visible,
        col_width: area.width / visible as u16,
    }
}

fn first_row(selected: usize, rows_visible: usize) -> usize {
    if rows_visible == 0 || selected < rows_visible {
        0
    } else {
        selected + 1 - rows_visible
    }
}

pub fn view(app: &App, f: &mut Frame, area: Rect) {
    let g = geometry(app, area);
    let th = &app.theme;
    for (slot, ci) in (g.first..g.first + g.visible).enumerate() {
        let Some(col) = app.columns.get(ci) else {
            break;
        };
        let x = area.x + slot as u16 * g.col_width;
        let width = if slot + 1 == g.visible {
            area.x + area.width - x
        } else {
            g.col_width
        };
        let rect = Rect {
            x,
            y: area.y,
            width,
            height: area.height,
        };
        let focused = ci == app.col;
        let count = if app.filter.is_some() {
            format!("{}/{}", col.items.len(), col.total)
        } else {
            col.total.to_string()
        };
        let marker = if focused {
            "▶ "
        } else if col.side {
            "◇ "
        } else {
            ""
        };
        let inner_h = rect.height.saturating_sub(2);
        let rows_visible = (inner_h / CARD_HEIGHT) as usize;
        let sel = app.rows.get(ci).copied().unwrap_or(0);
        let top = first_row(sel, rows_visible);
        let below = col.items.len().saturating_sub(top + rows_visible);
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_type(if focused {
                BorderType::Thick
            } else {
                BorderType::Plain
            })
            .border_style(if focused { th.border_focus } else { th.border })
            .title(Span::styled(
                format!("{marker}{} ({count})", col.name),
                if focused { th.accent } else { th.base },
            ));
        if top > 0 {
            block = block.title(Line::from(format!("↑{top}")).right_aligned());
        }
        if below > 0 {
            block = block.title_bottom(Line::from(format!("↓{below}")).right_aligned());
        }
        let inner = block.inner(rect);
        f.render_widget(block, rect);
        let w = inner.width as usize;
        let found = app.filter.as_ref().and_then(|f| f.found.as_ref());
        let mut lines: Vec<Line> = Vec::new();
        if col.items.is_empty() {
            lines.push(Line::styled(app.t.empty_column, th.dim));
        }
        for (ri, id) in col.items.iter().enumerate().skip(top).take(rows_visible) {
            let Some(item) = app.view().get(id) else {
                continue;
            };
            let selected = focused && ri == sel;
            let pointer = if selected { "▶ " } else { "  " };
            let prio = item
                .priority
                .map_or_else(|| app.t.no_priority.to_string(), |p| format!("P{p}"));
            let anchoring = item
                .anchoring
                .first()
                .map(|a| a.format())
                .unwrap_or_else(|| item.submitter.clone());
            let (title_style, meta_style) = if selected {
                (th.selected, th.selected)
            } else {
                (th.base, th.dim)
            };
            let title = truncate(&item.title, w.saturating_sub(2));
            let meta = truncate(&format!("{prio} · {anchoring}"), w.saturating_sub(2));
            let marks = found.and_then(|f| f.highlights.get(id));
            lines.push(title_line(
                pointer,
                &title,
                w.saturating_sub(2),
                marks.map_or(&[][..], Vec::as_slice),
                title_style,
                th.matched,
            ));
            lines.push(Line::styled(
                format!("  {meta:<width$}", width = w.saturating_sub(2)),
                meta_style,
            ));
        }
        f.render_widget(Paragraph::new(lines).style(th.base), inner);
    }
}

/// A card's title line: `marks` (char indices into the title, sorted) get the matched
/// style over the line's own. Marks past a truncated title's end are not drawn.
pub(super) fn title_line(
    pointer: &'static str,
    title: &str,
    width: usize,
    marks: &[usize],
    style: Style,
    matched: Style,
) -> Line<'static> {
    let pad = width.saturating_sub(UnicodeWidthStr::width(title));
    if marks.is_empty() {
        return Line::styled(format!("{pointer}{title}{}", " ".repeat(pad)), style);
    }
    let mut spans = vec![Span::styled(pointer, style)];
    let mut run = String::new();
    let mut run_marked = false;
    let mut next = marks.iter().peekable();
    for (i, c) in title.chars().enumerate() {
        while next.next_if(|&&m| m < i).is_some() {}
        let marked = next.peek().is_some_and(|&&m| m == i);
        if marked != run_marked && !run.is_empty() {
            let s = if run_marked {
                style.patch(matched)
            } else {
                style
            };
            spans.push(Span::styled(std::mem::take(&mut run), s));
        }
        run_marked = marked;
        run.push(c);
    }
    if !run.is_empty() {
        let s = if run_marked {
            style.patch(matched)
        } else {
            style
        };
        spans.push(Span::styled(run, s));
    }
    spans.push(Span::styled(" ".repeat(pad), style));
    Line::from(spans)
}

/// The filter input, drawn on the line above the status line while a filter is active.
pub fn filter_line(app: &App) -> Option<Line<'static>> {
    let filter = app.filter.as_ref()?;
    let shown: usize = app.columns.iter().map(|c| c.items.len()).sum();
    let cursor = if filter.editing { "▏" } else { "" };
    let searching = if filter.searching {
        format!(", {}", app.t.filter_searching)
    } else {
        String::new()
    };
    Some(Line::from(vec![
        Span::styled(app.t.filter_prompt.to_string(), app.theme.accent),
        Span::styled(format!("{}{cursor}", filter.query.text), app.theme.base),
        Span::styled(
            format!(
                "  ({}{searching})",
                fill(app.t.filter_matches, &[("n", &shown)])
            ),
            app.theme.dim,
        ),
    ]))
}

/// A left click selects the card under the pointer.
pub fn click(app: &mut App, m: MouseEvent) {
    if !matches!(m.kind, MouseEventKind::Down(MouseButton::Left))
        || !matches!(app.screen, super::app::Screen::Board)
    {
        return;
    }
    let area = super::view::body_area(app);
    if m.row < area.y || m.row >= area.y + area.height || m.column < area.x {
        return;
    }
    let g = geometry(app, area);
    let ci = g.first + ((m.column - area.x) / g.col_width.max(1)) as usize;
    if ci >= app.columns.len() {
        return;
    }
    let inner_h = area.height.saturating_sub(2);
    let rows_visible = (inner_h / CARD_HEIGHT) as usize;
    let top = first_row(app.rows.get(ci).copied().unwrap_or(0), rows_visible);
    app.col = ci;
    if m.row > area.y {
        let ri = top + ((m.row - area.y - 1) / CARD_HEIGHT) as usize;
        if ri < app.columns[ci].items.len() {
            app.rows[ci] = ri;
        }
    }
}
