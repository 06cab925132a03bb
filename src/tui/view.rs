//! `view`: draws the app from its state. Nothing here sorts, searches or touches disk;
//! it only reads what `update` prepared.

use super::app::{App, Screen};
use super::update::context;
use super::widgets::truncate;
use super::{board, detail, form_view, overlay};
use crate::i18n::fill;
use crate::sync::Link;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;

/// Below this, styr shows one line asking for a bigger terminal.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

/// The area between the header and the status line(s), for a screen of `app.size`.
pub fn body_area(app: &App) -> Rect {
    body_in(app, Rect::new(0, 0, app.size.0, app.size.1))
}

fn body_in(app: &App, a: Rect) -> Rect {
    let filter = u16::from(app.filter.is_some() && shows_filter(app));
    Rect {
        x: a.x,
        y: a.y + 1,
        width: a.width,
        height: a.height.saturating_sub(2 + filter),
    }
}

/// The screens that list items through the board's filter, and so show its line.
fn shows_filter(app: &App) -> bool {
    matches!(app.screen, Screen::Board | Screen::Triage(_))
}

pub fn view(app: &App, f: &mut Frame) {
    let area = f.area();
    let th = &app.theme;
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let msg = fill(app.t.too_small, &[("w", &MIN_WIDTH), ("h", &MIN_HEIGHT)]);
        // One line where it fits; wrapped over the rows there are where it does not.
        f.render_widget(
            Paragraph::new(msg)
                .wrap(ratatui::widgets::Wrap { trim: true })
                .style(th.base),
            area,
        );
        return;
    }
    f.render_widget(Block::default().style(th.base), area);
    let body = body_in(app, area);
    header(app, f, Rect::new(0, 0, area.width, 1));
    match &app.screen {
        Screen::Board => board::view(app, f, body),
        Screen::Detail { id, scroll } => detail::view(app, f, body, *id, *scroll),
        Screen::Form(form) => form_view::view(app, f, body, form),
        Screen::Meeting(s) => super::meeting_view::view(app, f, body, s),
        Screen::Decisions(s) => super::decisions::view(app, f, body, s),
        Screen::Triage(s) => super::triage_view::view(app, f, body, s),
        Screen::Scoring(s) => super::scoring_view::view(app, f, body, s),
    }
    if let (true, Some(line)) = (shows_filter(app), board::filter_line(app)) {
        f.render_widget(
            Paragraph::new(line),
            Rect::new(0, area.height - 2, area.width, 1),
        );
    }
    status(app, f, Rect::new(0, area.height - 1, area.width, 1));
    overlay::view(app, f, body, context(app));
}

fn header(app: &App, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    let screen = match &app.screen {
        Screen::Board => app.t.board,
        Screen::Detail { .. } => app.t.detail,
        Screen::Form(form) if form.item.is_none() => app.t.new_item,
        Screen::Form(_) => app.t.edit_item,
        Screen::Meeting(_) => app.t.meeting.title,
        Screen::Decisions(_) => app.t.meeting.decisions_title,
        Screen::Triage(_) => app.t.triage.title,
        Screen::Scoring(_) => app.t.scoring.heading,
    };
    let left = format!(" styr · {} · {screen}", app.title);
    let right = format!("{} ", app.t.hint_help);
    let pad = (area.width as usize).saturating_sub(left.chars().count() + right.chars().count());
    let line = if pad > 0 {
        format!("{left}{}{right}", " ".repeat(pad))
    } else {
        truncate(&left, area.width as usize)
    };
    f.render_widget(Paragraph::new(Span::styled(line, th.bar)), area);
}

/// Where you are, how many items, and whether your changes are on disk.
fn status(app: &App, f: &mut Frame, area: Rect) {
    let th = &app.theme;
    let t = app.t;
    let place = match &app.screen {
        Screen::Board => app.columns.get(app.col).map(|c| {
            let row = if c.items.is_empty() {
                0
            } else {
                app.rows[app.col] + 1
            };
            format!("{} {row}/{}", c.name, c.items.len())
        }),
        Screen::Detail { id, .. } => app.view().get(id).map(|i| app.stage_name(&i.stage)),
        Screen::Form(form) => Some(app.stage_name(&form.stage)),
        Screen::Meeting(s) => app.view().meetings().meeting(&s.meeting).map(|m| {
            format!(
                "{} {}",
                m.details.body,
                m.details
                    .starts_at
                    .get(..10)
                    .unwrap_or(&m.details.starts_at)
            )
        }),
        Screen::Decisions(_) => Some(format!("{}", app.view().meetings().decisions().len())),
        Screen::Triage(s) => Some(format!(
            "{} {}/{}",
            app.stage_name(&s.stage),
            if s.list.is_empty() { 0 } else { s.selected + 1 },
            s.list.len()
        )),
        Screen::Scoring(s) => app.view().get(&s.item).map(|i| app.stage_name(&i.stage)),
    }
    .unwrap_or_default();
    let mut left = match app.screen {
        Screen::Meeting(_) | Screen::Decisions(_) => format!(" {place}"),
        _ => format!(
            " {place} · {}",
            fill(t.items_count, &[("n", &app.live_items())])
        ),
    };
    if app.slot > 0 && app.sync.is_none() {
        left.push_str(&format!(" · {}", fill(t.slot_note, &[("n", &app.slot)])));
    }
    if app.is_read_only() {
        left.push_str(&format!(" · {}", t.sync.read_only));
    }
    let (save, save_style) = match (&app.save_error, app.pending_saves) {
        (Some(e), _) => (fill(t.not_saved, &[("err", e)]), th.error),
        (None, 0) => (t.saved.to_string(), th.ok),
        (None, _) => (t.saving.to_string(), th.warn),
    };
    // Synced: the link, calm (offline is a state, not an error), and what waits to go.
    let (save, save_style) = match &app.sync {
        None => (save, save_style),
        Some(sync) => {
            let (link, style) = match &sync.link {
                Link::Online => (t.sync.online, th.ok),
                Link::Syncing => (t.sync.syncing, th.ok),
                Link::Connecting => (t.sync.connecting, th.bar),
                Link::Offline { .. } => (t.sync.offline, th.warn),
                Link::LoggedOut { .. } => (t.sync.logged_out, th.error),
            };
            let waiting = app.replica.pending().len();
            let style = if save_style == th.ok {
                style
            } else {
                save_style
            };
            if waiting == 0 {
                (format!("{save} · {link}"), style)
            } else {
                let pending = fill(t.sync.pending, &[("n", &waiting)]);
                (format!("{save} · {link} · {pending}"), style)
            }
        }
    };
    let save = format!("{save} ");
    let width = area.width as usize;
    let msg_room = width.saturating_sub(left.chars().count() + save.chars().count() + 3);
    let msg = app
        .message
        .as_deref()
        .map(|m| truncate(m, msg_room))
        .unwrap_or_default();
    let sep = if msg.is_empty() { "" } else { " · " };
    let pad = width.saturating_sub(
        left.chars().count() + sep.chars().count() + msg.chars().count() + save.chars().count(),
    );
    let line = Line::from(vec![
        Span::styled(left, th.bar),
        Span::styled(sep, th.bar),
        Span::styled(msg, th.bar),
        Span::styled(" ".repeat(pad), th.bar),
        Span::styled(save, save_style),
    ]);
    f.render_widget(Paragraph::new(line).style(th.bar), area);
}
