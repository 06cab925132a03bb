//! The scoring form: the user's own marks for one item on the body's criteria (1–5
//! each), an adjustment of the sum within ±5 and a comment. Saving sends one
//! `ScoreItem` op; `x` withdraws the user's score.
//!
//! The form sits over the screen it was opened from and gives it back on save or Esc,
//! so any screen can offer it: [`open`] is the whole interface.

use super::app::{App, Screen};
use super::editor::Editor;
use super::keymap::{self, Action, Context};
use super::msg::Effect;
use crate::model::criteria::{CriteriaSet, ADJUSTMENT_LIMIT, SCORE_MAX, SCORE_MIN};
use crate::model::vote::Scores;
use crate::model::{ItemId, Payload};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where the keys go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// ↑/↓ pick a criterion, digits mark it, +/- adjust.
    Criteria,
    /// Typing goes into the comment.
    Comment,
}

pub struct ScoringScreen {
    pub item: ItemId,
    /// The body's criteria set (the settings' `[meeting] criteria`).
    pub set: CriteriaSet,
    /// One mark per criterion of `set`; `None` until the user gives one.
    pub marks: Vec<Option<u8>>,
    pub adjustment: i8,
    pub comment: Editor,
    /// The selected criterion.
    pub selected: usize,
    pub focus: Focus,
    /// Why the last save was not sent; the form stays open with everything in it.
    pub error: Option<String>,
    /// The screen the form was opened from, shown again when it closes.
    pub back: Screen,
}

impl ScoringScreen {
    /// Sum of the marks given so far plus the adjustment.
    pub fn total(&self) -> i64 {
        self.marks
            .iter()
            .flatten()
            .map(|&m| i64::from(m))
            .sum::<i64>()
            + i64::from(self.adjustment)
    }

    /// How many criteria have no mark yet.
    pub fn missing(&self) -> usize {
        self.marks.iter().filter(|m| m.is_none()).count()
    }

    /// The selected criterion's key.
    pub fn criterion(&self) -> Option<&str> {
        self.set.criteria.get(self.selected).map(String::as_str)
    }
}

/// Opens the scoring form for item `id` over the current screen, prefilled with the
/// user's earlier score in the body's criteria set. Refused with a message (and
/// nothing changed) in read-only mode or when the item is not there.
pub fn open(app: &mut App, id: ItemId) -> Vec<Effect> {
    if app.is_read_only() {
        app.message = Some(app.t.sync.read_only_refused.to_string());
        return vec![];
    }
    let Some(item) = app.view().get(&id) else {
        app.message = Some(app.t.no_selection.to_string());
        return vec![];
    };
    let set = app.body_rules.criteria_set();
    // A score in another set (the body changed sets) does not prefill: its marks are
    // for other criteria.
    let earlier = item.scores.get(app.user()).filter(|s| s.set == set.key);
    let (marks, adjustment, comment) = match earlier {
        Some(s) => (
            s.scores.criteria.iter().map(|&m| Some(m)).collect(),
            s.scores.adjustment,
            s.scores.comment.as_str(),
        ),
        None => (vec![None; set.criteria.len()], 0, ""),
    };
    let comment = Editor::new(comment);
    let back = std::mem::replace(&mut app.screen, Screen::Board);
    app.screen = Screen::Scoring(Box::new(ScoringScreen {
        item: id,
        set,
        marks,
        adjustment,
        comment,
        selected: 0,
        focus: Focus::Criteria,
        error: None,
        back,
    }));
    vec![]
}

/// A key on the scoring form. In the comment, everything but Tab, Esc, Ctrl-S, F1 and
/// Ctrl-P is typing.
pub fn key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Screen::Scoring(s) = &mut app.screen else {
        return vec![];
    };
    if s.focus == Focus::Comment {
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        let action = match k.code {
            KeyCode::Tab | KeyCode::BackTab => Some(Action::NextField),
            KeyCode::Esc => Some(Action::Back),
            KeyCode::F(1) => Some(Action::Help),
            KeyCode::Char('s' | 'S') if ctrl => Some(Action::Save),
            KeyCode::Char('p' | 'P') if ctrl => Some(Action::Palette),
            _ => None,
        };
        return match action {
            Some(a) => super::update::perform(app, a),
            None => {
                s.comment.handle(&k, false);
                s.error = None;
                vec![]
            }
        };
    }
    match keymap::lookup(Context::Scoring, &k) {
        Some(a) => super::update::perform(app, a),
        None => vec![],
    }
}

/// Carries out `action` on the open scoring form.
pub fn action(app: &mut App, action: Action) -> Vec<Effect> {
    let Screen::Scoring(mut s) = std::mem::replace(&mut app.screen, Screen::Board) else {
        return vec![];
    };
    let last = s.marks.len().saturating_sub(1);
    match action {
        Action::Up => s.selected = s.selected.saturating_sub(1),
        Action::Down => s.selected = (s.selected + 1).min(last),
        Action::Score(mark) if (SCORE_MIN..=SCORE_MAX).contains(&mark) => {
            if let Some(m) = s.marks.get_mut(s.selected) {
                *m = Some(mark);
            }
            s.error = None;
        }
        Action::AdjustUp => s.adjustment = (s.adjustment + 1).min(ADJUSTMENT_LIMIT),
        Action::AdjustDown => s.adjustment = (s.adjustment - 1).max(-ADJUSTMENT_LIMIT),
        Action::NextField => {
            s.focus = match s.focus {
                Focus::Criteria => Focus::Comment,
                Focus::Comment => Focus::Criteria,
            }
        }
        Action::Back => {
            app.screen = s.back;
            return vec![];
        }
        Action::Save => return save(app, s),
        Action::Withdraw => return withdraw(app, s),
        _ => {}
    }
    app.screen = Screen::Scoring(s);
    vec![]
}

/// Sends the score as one op and closes the form; an incomplete or refused score keeps
/// the form open with the reason.
fn save(app: &mut App, mut s: Box<ScoringScreen>) -> Vec<Effect> {
    let criteria: Option<Vec<u8>> = s.marks.iter().copied().collect();
    let Some(criteria) = criteria else {
        s.error = Some(crate::i18n::fill(
            app.t.scoring.incomplete,
            &[("n", &s.missing())],
        ));
        app.screen = Screen::Scoring(s);
        return vec![];
    };
    let payload = Payload::ScoreItem {
        item: s.item,
        set: s.set.key.clone(),
        scores: Some(Scores {
            criteria,
            adjustment: s.adjustment,
            comment: s.comment.text.trim().to_string(),
        }),
    };
    // Refused before the form closes, so nothing typed is lost.
    if let Err(why) = app.may(&payload) {
        s.error = Some(why);
        app.screen = Screen::Scoring(s);
        return vec![];
    }
    let id = s.item;
    app.screen = s.back;
    let effects = app.commit(payload, true);
    if !effects.is_empty() {
        let title = title_of(app, id);
        app.say(app.t.scoring.saved, &[("title", &title)]);
    }
    effects
}

/// Withdraws the user's score (in any set) and closes the form.
fn withdraw(app: &mut App, s: Box<ScoringScreen>) -> Vec<Effect> {
    let id = s.item;
    let earlier = app
        .view()
        .get(&id)
        .and_then(|i| i.scores.get(app.user()))
        .map(|e| e.set.clone());
    let Some(set) = earlier else {
        app.message = Some(app.t.scoring.nothing_to_withdraw.to_string());
        app.screen = Screen::Scoring(s);
        return vec![];
    };
    app.screen = s.back;
    let effects = app.commit(
        Payload::ScoreItem {
            item: id,
            set,
            scores: None,
        },
        true,
    );
    if !effects.is_empty() {
        let title = title_of(app, id);
        app.say(app.t.scoring.withdrawn, &[("title", &title)]);
    }
    effects
}

fn title_of(app: &App, id: ItemId) -> String {
    app.view()
        .get(&id)
        .map(|i| i.title.clone())
        .unwrap_or_default()
}
