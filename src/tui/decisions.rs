//! The decision log screen: every decision, newest first, searchable by case number,
//! year, title, text and the items it affects, by title or short id ("08/26", "2026",
//! "arkiv", "3f9a01c2").

use super::app::App;
use super::editor::Editor;
use super::widgets::truncate;
use crate::model::meeting::{CaseNumberFormat, Decision};
use crate::model::text;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

#[derive(Default)]
pub struct DecisionsScreen {
    pub selected: usize,
    pub query: Editor,
    /// Typing goes to the query while it is focused.
    pub editing: bool,
    /// A correction of the selected decision being written.
    pub form: Option<super::meeting::DecisionForm>,
}

/// The decisions the query lets through, newest first.
pub fn shown<'a>(app: &'a App, s: &DecisionsScreen) -> Vec<&'a Decision> {
    let q = text::fold(s.query.text.trim());
    let format = app.body_rules.case_format;
    app.view()
        .meetings()
        .decisions()
        .iter()
        .rev()
        .filter(|d| q.is_empty() || text::fold(&haystack(app, d, format)).contains(&q))
        .collect()
}

/// What a query is looked for in: the case number in the body's format and in the
/// other (a secretary may type either), the year (of the case number, else of when it
/// was recorded), title, text, and each affected item's title and short id.
fn haystack(app: &App, d: &Decision, format: CaseNumberFormat) -> String {
    let mut s = String::new();
    if let Some(n) = d.case_number {
        let other = match format {
            CaseNumberFormat::NnYy => CaseNumberFormat::YyyyNnn,
            CaseNumberFormat::YyyyNnn => CaseNumberFormat::NnYy,
        };
        s.push_str(&format!(
            "{} {} {} ",
            n.format(format),
            n.format(other),
            n.year
        ));
    } else if let Some(at) = chrono::DateTime::from_timestamp_millis(d.recorded_at) {
        s.push_str(&format!("{} ", at.format("%Y")));
    }
    s.push_str(&d.title);
    s.push(' ');
    s.push_str(&d.text);
    let meetings = app.view().meetings();
    let case_items = meetings.case(&d.case).map(|c| &c.details.items);
    for id in d.items.iter().chain(case_items.into_iter().flatten()) {
        s.push(' ');
        s.push_str(&id.short());
        if let Some(item) = app.view().get_any(id) {
            s.push(' ');
            s.push_str(&item.title);
        }
    }
    s
}

pub fn view(app: &App, f: &mut Frame, area: Rect, s: &DecisionsScreen) {
    let th = &app.theme;
    let t = &app.t.meeting;
    let title = if s.query.text.is_empty() && !s.editing {
        format!(" {} ", t.decisions_title)
    } else {
        format!(
            " {} · /{}{} ",
            t.decisions_title,
            s.query.text,
            if s.editing { "▏" } else { "" }
        )
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(th.border_focus)
        .title(Span::styled(title, th.accent));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let list = shown(app, s);
    if list.is_empty() {
        f.render_widget(Paragraph::new(t.no_decisions).style(th.dim), inner);
        return;
    }
    let per = 2usize;
    let visible = (inner.height as usize / per).max(1);
    let first = s.selected.saturating_sub(visible - 1);
    let mut lines = Vec::new();
    for (i, d) in list.iter().enumerate().skip(first).take(visible) {
        let number = d
            .case_number
            .map(|n| n.format(app.body_rules.case_format))
            .unwrap_or_else(|| "··/··".into());
        let style = if i == s.selected {
            th.selected
        } else {
            th.accent
        };
        lines.push(Line::from(Span::styled(
            truncate(&format!("{number}  {}", d.title), w),
            style,
        )));
        let body = match &d.exempt {
            Some(basis) => crate::i18n::fill(t.exempt, &[("basis", basis)]),
            None => d.text.replace('\n', " "),
        };
        let body = match d.corrects {
            Some(_) => format!("{} {body}", t.correction),
            None => body,
        };
        lines.push(Line::from(Span::styled(
            truncate(&format!("      {body}"), w),
            th.base,
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
    if let Some(form) = &s.form {
        let w = (area.width / 2).max(30).min(area.width);
        let popup = Rect::new(area.x + area.width - w, area.y, w, area.height);
        f.render_widget(ratatui::widgets::Clear, popup);
        super::meeting_view::decision_form(app, f, popup, form);
    }
}
