//! The triage screen [innspill]: the proposals of one stage (Innkommet to start with),
//! one at a time with a preview, each accepted, parked or rejected with one key.
//!
//! Every verdict is one `MoveItems` op, whether it moves one proposal or fifty marked
//! ones: one reason, one line in each item's history, one undo. Parking and rejecting
//! ask for the reason first, because the proposer is owed one; a bulk verdict always
//! asks, and says how many proposals it will move before it does.
//!
//! The list is derived from the board's column of the stage (so the board's filter and
//! its ranking apply) whenever the portfolio or the filter changes, never while drawing.

use super::app::{App, Column, Screen};
use super::editor::{Edited, Editor};
use super::keymap::Action;
use super::msg::Effect;
use crate::model::criteria::{CriteriaSet, PriorityClass};
use crate::model::similar::{likely_duplicates, Similar};
use crate::model::{ItemId, Payload, Portfolio, ScoreSummary, StageKey, Stages};
use crossterm::event::{KeyCode, KeyEvent};
use std::collections::{BTreeSet, HashMap};

/// How many look-alikes the preview lists.
const SIMILAR_SHOWN: usize = 3;

pub struct TriageScreen {
    /// The stage whose proposals are listed.
    pub stage: StageKey,
    /// The proposals shown, in the board's order (best match first while filtering).
    pub list: Vec<ItemId>,
    pub selected: usize,
    /// Proposals marked for a bulk verdict.
    pub marks: BTreeSet<ItemId>,
    /// A verdict waiting for its reason (or, in bulk, for a go-ahead).
    pub prompt: Option<Prompt>,
    /// Existing items like the selected one, worked out when the selection moves.
    pub similar: Vec<Similar>,
    similar_for: Option<ItemId>,
    pub sort: SortBy,
    /// Only proposals of this class (`Some(None)`: only those nobody has scored yet).
    pub class_filter: Option<Option<PriorityClass>>,
    /// The score summary of each listed proposal that has one, in the body's criteria
    /// set: worked out with the list, read while drawing.
    pub scores: HashMap<ItemId, ScoreSummary>,
}

/// The list's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    /// The board's order (best match first while searching).
    #[default]
    Board,
    /// Highest mean score first; unscored last.
    Score,
    /// Where scorers disagree most first, for the meeting to talk about; unscored last.
    Spread,
}

impl SortBy {
    fn next(self) -> SortBy {
        match self {
            SortBy::Board => SortBy::Score,
            SortBy::Score => SortBy::Spread,
            SortBy::Spread => SortBy::Board,
        }
    }
}

/// The class filter after `f`: every class in turn, then the unscored, then all.
fn next_class_filter(f: Option<Option<PriorityClass>>) -> Option<Option<PriorityClass>> {
    use PriorityClass::*;
    match f {
        None => Some(Some(MustHave)),
        Some(Some(MustHave)) => Some(Some(ShouldHave)),
        Some(Some(ShouldHave)) => Some(Some(CouldHave)),
        Some(Some(CouldHave)) => Some(Some(WillNotHave)),
        Some(Some(WillNotHave)) => Some(None),
        Some(None) => None,
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Park,
    Reject,
}

impl Verdict {
    pub fn stage(self) -> StageKey {
        StageKey::new(match self {
            Verdict::Accept => Stages::ASSESSMENT,
            Verdict::Park => Stages::PARKED,
            Verdict::Reject => Stages::REJECTED,
        })
    }

    /// Parking and rejecting must say why: the proposer reads it.
    pub fn needs_reason(self) -> bool {
        self != Verdict::Accept
    }

    fn of(action: Action) -> Option<Verdict> {
        match action {
            Action::Accept => Some(Verdict::Accept),
            Action::Park => Some(Verdict::Park),
            Action::Reject => Some(Verdict::Reject),
            _ => None,
        }
    }
}

pub struct Prompt {
    pub verdict: Verdict,
    pub items: Vec<ItemId>,
    pub reason: Editor,
    /// Set when Enter was pressed without the reason the verdict needs.
    pub missing_reason: bool,
}

impl TriageScreen {
    pub fn new(stage: StageKey) -> TriageScreen {
        TriageScreen {
            stage,
            list: Vec::new(),
            selected: 0,
            marks: BTreeSet::new(),
            prompt: None,
            similar: Vec::new(),
            similar_for: None,
            sort: SortBy::Board,
            class_filter: None,
            scores: HashMap::new(),
        }
    }

    pub fn selected_id(&self) -> Option<ItemId> {
        self.list.get(self.selected).copied()
    }

    /// Takes the stage's column as it now is. The selection stays on its proposal; when
    /// that proposal has left the list (it was just moved), the one after it takes its
    /// place, so the next proposal is up without a key. Marks of proposals that left
    /// are dropped. The class filter and the sort by score apply on top of the board's
    /// order (a stable sort: equal scores keep it).
    pub fn refresh(&mut self, columns: &[Column], portfolio: &Portfolio, set: &CriteriaSet) {
        let was = self.selected_id();
        let mut list: Vec<ItemId> = columns
            .iter()
            .find(|c| c.stage == self.stage)
            .map(|c| c.items.clone())
            .unwrap_or_default();
        self.scores = list
            .iter()
            .filter_map(|id| {
                let summary = portfolio.get(id)?.score_summary(set)?;
                Some((*id, summary))
            })
            .collect();
        let scores = &self.scores;
        if let Some(want) = self.class_filter {
            list.retain(|id| scores.get(id).map(|s| s.class) == want);
        }
        match self.sort {
            SortBy::Board => {}
            SortBy::Score => list.sort_by(|a, b| match (scores.get(a), scores.get(b)) {
                (Some(x), Some(y)) => y.cmp_mean(x),
                (x, y) => y.is_some().cmp(&x.is_some()),
            }),
            SortBy::Spread => list.sort_by(|a, b| match (scores.get(a), scores.get(b)) {
                (Some(x), Some(y)) => y.spread.cmp(&x.spread),
                (x, y) => y.is_some().cmp(&x.is_some()),
            }),
        }
        self.list = list;
        if let Some(i) = was.and_then(|id| self.list.iter().position(|&x| x == id)) {
            self.selected = i;
        }
        self.selected = self.selected.min(self.list.len().saturating_sub(1));
        let list = &self.list;
        self.marks.retain(|id| list.contains(id));
        self.look_alikes(portfolio);
    }

    /// Finds existing items like the selected proposal, once per selection: one pass
    /// over the portfolio's titles (see `model::similar`).
    fn look_alikes(&mut self, portfolio: &Portfolio) {
        let id = self.selected_id();
        if id == self.similar_for {
            return;
        }
        self.similar_for = id;
        self.similar = id
            .and_then(|id| portfolio.get(&id))
            .map(|item| {
                likely_duplicates(portfolio, &item.title, &item.description, SIMILAR_SHOWN + 1)
                    .into_iter()
                    .filter(|s| s.item != item.id)
                    .take(SIMILAR_SHOWN)
                    .collect()
            })
            .unwrap_or_default();
    }
}

/// Opens the triage screen on the first stage (Innkommet).
pub fn open(app: &mut App) {
    let mut screen = TriageScreen::new(app.stages.first().clone());
    screen.refresh(
        &app.columns,
        app.replica.view(),
        &app.body_rules.criteria_set(),
    );
    app.screen = Screen::Triage(Box::new(screen));
}

/// One action on the triage screen.
pub fn action(app: &mut App, s: &mut TriageScreen, action: Action) -> Vec<Effect> {
    let last = s.list.len().saturating_sub(1);
    match action {
        Action::Up => s.selected = s.selected.saturating_sub(1),
        Action::Down => s.selected = (s.selected + 1).min(last),
        Action::Top => s.selected = 0,
        Action::Bottom => s.selected = last,
        Action::Left | Action::Right => {
            let stages = app.stages.all();
            let here = stages.iter().position(|st| st.key == s.stage).unwrap_or(0);
            let next = if action == Action::Left {
                here.checked_sub(1)
                    .unwrap_or(stages.len().saturating_sub(1))
            } else {
                (here + 1) % stages.len().max(1)
            };
            if let Some(st) = stages.get(next) {
                s.stage = st.key.clone();
                s.selected = 0;
                s.marks.clear();
            }
        }
        Action::Mark => {
            if let Some(id) = s.selected_id() {
                if !s.marks.remove(&id) {
                    s.marks.insert(id);
                }
                s.selected = (s.selected + 1).min(last);
            }
        }
        Action::MarkAll => s.marks.extend(s.list.iter().copied()),
        Action::ClearMarks => s.marks.clear(),
        // A new order or filter starts at its top.
        Action::SortByScore => {
            s.sort = s.sort.next();
            s.list.clear();
            s.selected = 0;
        }
        Action::FilterByClass => {
            s.class_filter = next_class_filter(s.class_filter);
            s.list.clear();
            s.selected = 0;
        }
        Action::Filter => {
            app.filter = Some(match app.filter.take() {
                Some(f) => super::app::Filter { editing: true, ..f },
                None => super::app::Filter::new(Default::default()),
            });
        }
        _ => {
            if let Some(verdict) = Verdict::of(action) {
                return judge(app, s, verdict);
            }
        }
    }
    s.refresh(
        &app.columns,
        app.replica.view(),
        &app.body_rules.criteria_set(),
    );
    vec![]
}

/// A verdict on the marked proposals, or on the selected one when none is marked.
fn judge(app: &mut App, s: &mut TriageScreen, verdict: Verdict) -> Vec<Effect> {
    let to = verdict.stage();
    if app.stages.get(&to).is_none() {
        app.say(app.t.triage.no_stage, &[("stage", &to)]);
        return vec![];
    }
    let bulk = !s.marks.is_empty();
    let items: Vec<ItemId> = if bulk {
        s.list
            .iter()
            .filter(|id| s.marks.contains(id))
            .copied()
            .collect()
    } else {
        s.selected_id().into_iter().collect()
    };
    if items.is_empty() {
        app.message = Some(app.t.triage.nothing_selected.to_string());
        return vec![];
    }
    // Refused before any reason is typed, so no one writes a reason in vain.
    let probe = Payload::MoveItems {
        items: items.clone(),
        to: to.clone(),
        reason: None,
    };
    if let Err(why) = app.may(&probe) {
        app.message = Some(why);
        return vec![];
    }
    if bulk || verdict.needs_reason() {
        s.prompt = Some(Prompt {
            verdict,
            items,
            reason: Editor::default(),
            missing_reason: false,
        });
        return vec![];
    }
    run(app, s, verdict, items, None)
}

/// Keys while a verdict waits: typing goes to the reason, Enter runs it, Esc drops it.
pub fn prompt_key(app: &mut App, s: &mut TriageScreen, k: KeyEvent) -> Vec<Effect> {
    let Some(p) = s.prompt.as_mut() else {
        return vec![];
    };
    match k.code {
        KeyCode::Esc => {
            s.prompt = None;
            app.message = Some(app.t.triage.cancelled.to_string());
        }
        KeyCode::Enter => {
            let reason = p.reason.text.trim().to_string();
            if p.verdict.needs_reason() && reason.is_empty() {
                p.missing_reason = true;
                return vec![];
            }
            let Some(p) = s.prompt.take() else {
                return vec![];
            };
            let reason = (!reason.is_empty()).then_some(reason);
            return run(app, s, p.verdict, p.items, reason);
        }
        _ => {
            if p.reason.handle(&k, false) == Edited::Changed {
                p.missing_reason = false;
            }
        }
    }
    vec![]
}

/// Moves `items` as one op, then says what happened and how to undo it.
fn run(
    app: &mut App,
    s: &mut TriageScreen,
    verdict: Verdict,
    items: Vec<ItemId>,
    reason: Option<String>,
) -> Vec<Effect> {
    let to = verdict.stage();
    let title = match items.as_slice() {
        [one] => app.view().get(one).map(|i| i.title.clone()),
        _ => None,
    };
    let n = items.len();
    let effects = app.commit(
        Payload::MoveItems {
            items,
            to: to.clone(),
            reason,
        },
        true,
    );
    if effects.is_empty() {
        return effects;
    }
    s.marks.clear();
    s.refresh(
        &app.columns,
        app.replica.view(),
        &app.body_rules.criteria_set(),
    );
    let stage = app.stage_name(&to);
    match title {
        Some(title) => app.say(
            app.t.triage.moved_one,
            &[("title", &title), ("stage", &stage)],
        ),
        None => app.say(app.t.triage.moved_many, &[("n", &n), ("stage", &stage)]),
    }
    effects
}
