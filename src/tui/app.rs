//! The application state. One `App`, changed only by `update`, read by `view`.

use super::editor::Editor;
use super::form::FormState;
use super::keymap::Action;
use super::msg::Effect;
use super::theme::Theme;
use crate::i18n::{fill, Lang, Strings};
use crate::model::{
    role, HistoryEntry, ItemId, Op, Payload, Portfolio, Replica, Role, StageKey, Stages,
};
use crate::search::{SearchIndex, SearchResults, Searcher};
use crate::sync::{Identity, Link};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub enum Screen {
    Board,
    Detail {
        id: ItemId,
        scroll: u16,
    },
    Form(Box<FormState>),
    Meeting(Box<super::meeting::MeetingScreen>),
    Decisions(Box<super::decisions::DecisionsScreen>),
    Triage(Box<super::triage::TriageScreen>),
    /// The scoring form, over the screen it was opened from (see `scoring::open`).
    Scoring(Box<super::scoring::ScoringScreen>),
}

pub enum Overlay {
    Help,
    Palette(PaletteState),
    DraftOffer(Box<FormState>),
}

/// The history of the item in the detail view, as far as the store has answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum History {
    Loading,
    Loaded(Vec<HistoryEntry>),
    Failed(String),
}

#[derive(Default)]
pub struct PaletteState {
    pub query: Editor,
    pub selected: usize,
}

/// One board column, derived from the portfolio (and the filter) whenever either changes,
/// so that drawing never sorts or filters.
#[derive(Clone)]
pub struct Column {
    pub stage: StageKey,
    pub name: String,
    pub side: bool,
    /// Items shown, in board order.
    pub items: Vec<ItemId>,
    /// Items in the stage before filtering.
    pub total: usize,
}

pub struct Filter {
    pub query: Editor,
    /// Typing goes to the filter while it is focused; Enter keeps it and returns to the board.
    pub editing: bool,
    /// The latest answer to a query of this filter; until the first one, every card shows.
    pub found: Option<Found>,
    /// A query is out and not yet answered.
    pub searching: bool,
}

impl Filter {
    pub fn new(query: Editor) -> Filter {
        Filter {
            query,
            editing: true,
            found: None,
            searching: false,
        }
    }
}

/// Search results as the board uses them: the hits best first, each with its group
/// (the stage it was in when the index answered, an index into `groups`), and the
/// highlighted characters of the titles that have them (only the best of each column,
/// see `search::HIGHLIGHTS_PER_GROUP`). The hits stay a list: the board walks them in
/// order and puts each in its column, so taking an answer in costs no map over every hit.
#[derive(Debug, Default)]
pub struct Found {
    pub order: Vec<(ItemId, u32)>,
    pub groups: Vec<String>,
    pub highlights: HashMap<ItemId, Vec<usize>>,
}

impl From<SearchResults> for Found {
    fn from(r: SearchResults) -> Found {
        let mut found = Found {
            order: Vec::with_capacity(r.hits.len()),
            groups: r.groups,
            highlights: HashMap::new(),
        };
        for hit in r.hits {
            found.order.push((hit.item, hit.group));
            if !hit.title_highlight.is_empty() {
                found.highlights.insert(hit.item, hit.title_highlight);
            }
        }
        found
    }
}

/// Everything the app needs to start, gathered by `run.rs` or by a test.
pub struct AppInit {
    /// The portfolio: for a local one `Replica::from(portfolio)`, for a server's the
    /// replica its cache keeps.
    pub replica: Replica,
    /// Set when the portfolio is a server's: its address, for the status line.
    pub server: Option<String>,
    /// Who the server last said we are (kept in the cache), until it says again.
    pub identity: Option<Identity>,
    /// `--read-only`: look, search and export, change nothing.
    pub read_only: bool,
    pub stages: Stages,
    pub lang: Lang,
    pub theme: Theme,
    pub title: String,
    pub author: String,
    pub slot: usize,
    pub draft: Option<String>,
    /// Messages to show at start (e.g. a broken theme file).
    pub notices: Vec<String>,
    /// The clock for new ops; tests pass a fixed one.
    pub clock: fn() -> i64,
}

/// The link to the server, as the status line shows it.
pub struct SyncLine {
    pub server: String,
    pub link: Link,
    /// Who the server says we are; until it has answered, nothing is hidden.
    pub identity: Option<Identity>,
}

pub struct App {
    /// Confirmed ops with pending ones on top; `view()` is what the screen shows.
    pub replica: Replica,
    pub sync: Option<SyncLine>,
    pub read_only: bool,
    pub stages: Stages,
    pub lang: Lang,
    pub t: &'static Strings,
    pub theme: Theme,
    pub title: String,
    pub author: String,
    pub slot: usize,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub columns: Vec<Column>,
    /// The columns without a filter, kept between changes of the portfolio: opening,
    /// narrowing and closing a search only places its hits in these columns, without
    /// walking or sorting every item again.
    board: Vec<Column>,
    /// Selected column and, per column, the selected row.
    pub col: usize,
    pub rows: Vec<usize>,
    pub filter: Option<Filter>,
    /// The search index, built when the filter is first opened and kept up to date with
    /// every change after that; shared with the search worker.
    pub search_index: Option<Arc<SearchIndex>>,
    /// Numbers the filter's queries, so that a late answer to an old one is dropped.
    pub searcher: Searcher,
    pub pending_saves: usize,
    pub save_error: Option<String>,
    pub message: Option<String>,
    /// What undoes each change, newest last: one or more payloads per change (a bulk
    /// move goes back to the stages its items came from, one op per stage).
    pub undo: Vec<Vec<Payload>>,
    /// The history of the item shown in the detail view (items do not carry it): asked
    /// of the store when the view opens, and again after each change to that item.
    pub history: Option<(ItemId, History)>,
    pub quit: bool,
    pub size: (u16, u16),
    pub clock: fn() -> i64,
    /// The latest ballot count of each open round, as the server told it.
    pub counts: BTreeMap<crate::model::meeting::RoundId, crate::protocol::RoundCount>,
    /// How far the help overlay is scrolled (a screen's keys can be more than its rows).
    pub help_scroll: u16,
    /// How the body runs its meetings (the settings' `[meeting]`).
    pub body_rules: crate::model::meeting::BodyRules,
    /// Ballots being filled in, by round: nothing but the voter's own keys changes them.
    pub ballots: BTreeMap<crate::model::meeting::RoundId, super::meeting::BallotDraft>,
    /// The screen the detail view returns to when it is not the board (the triage
    /// screen, with its marks and place kept).
    pub back: Option<Screen>,
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl App {
    pub fn new(init: AppInit) -> Self {
        let mut app = App {
            replica: init.replica,
            sync: init.server.map(|server| SyncLine {
                server,
                link: Link::Connecting,
                identity: init.identity,
            }),
            read_only: init.read_only,
            stages: init.stages,
            lang: init.lang,
            t: init.lang.strings(),
            theme: init.theme,
            title: init.title,
            author: init.author,
            slot: init.slot,
            screen: Screen::Board,
            overlay: None,
            columns: Vec::new(),
            board: Vec::new(),
            col: 0,
            rows: Vec::new(),
            filter: None,
            search_index: None,
            searcher: Searcher::default(),
            pending_saves: 0,
            save_error: None,
            message: (!init.notices.is_empty()).then(|| init.notices.join(" ")),
            undo: Vec::new(),
            history: None,
            quit: false,
            size: (80, 24),
            clock: init.clock,
            counts: BTreeMap::new(),
            body_rules: Default::default(),
            help_scroll: 0,
            ballots: BTreeMap::new(),
            back: None,
        };
        if let Some(form) = init.draft.as_deref().and_then(FormState::from_draft) {
            app.overlay = Some(Overlay::DraftOffer(Box::new(form)));
        }
        app.rebuild_columns();
        app
    }

    pub fn stage_name(&self, key: &StageKey) -> String {
        match self.stages.get(key) {
            Some(s) if self.lang == Lang::En => s.name_en.clone(),
            Some(s) => s.name.clone(),
            None => key.to_string(),
        }
    }

    /// How many live items the portfolio holds: the board's columns before filtering hold
    /// each once (a stage the configuration lacks gets a column too). Read on every
    /// frame, so it is summed from the columns rather than counted in the portfolio,
    /// which walks every item.
    pub fn live_items(&self) -> usize {
        self.board.iter().map(|c| c.total).sum()
    }

    /// Recomputes the columns after the portfolio changed, keeping the selection on the
    /// same item where it still exists.
    pub fn rebuild_columns(&mut self) {
        let mut by_stage: BTreeMap<&StageKey, Vec<&crate::model::Item>> = BTreeMap::new();
        for item in self.replica.view().items() {
            by_stage.entry(&item.stage).or_default().push(item);
        }
        let mut keys: Vec<(StageKey, String, bool)> = self
            .stages
            .all()
            .iter()
            .map(|s| (s.key.clone(), self.stage_name(&s.key), s.side))
            .collect();
        // Items in a stage the configuration no longer has still get a column: nothing hidden.
        for k in by_stage.keys() {
            if self.stages.get(k).is_none() {
                keys.push(((*k).clone(), k.to_string(), true));
            }
        }
        let mut board = Vec::with_capacity(keys.len());
        for (stage, name, side) in keys {
            let mut items = by_stage.remove(&stage).unwrap_or_default();
            items.sort_by_key(|i| (i.priority.is_none(), i.priority, i.created, i.id));
            board.push(Column {
                stage,
                name,
                side,
                total: items.len(),
                items: items.iter().map(|i| i.id).collect(),
            });
        }
        self.board = board;
        // The hits' groups are from before this change: each goes where its item is now.
        self.lay_out(false);
    }

    /// Shows the board's columns through the filter: without an answer, every card; with
    /// one, the hits in the answer's order, each in its stage's column. `fresh` says the
    /// answer came after the portfolio's last change (an answer to an older query is
    /// dropped, and every change asks again), so each hit's group is its stage now;
    /// otherwise each hit is looked up (and one deleted since is not shown).
    fn lay_out(&mut self, fresh: bool) {
        let selected = self.selected_id();
        // Ranking happened off this path (`Effect::Search`); here the answer is only placed.
        let found = self
            .filter
            .as_ref()
            .filter(|f| !f.query.text.trim().is_empty())
            .and_then(|f| f.found.as_ref());
        self.columns = match found {
            None => self.board.clone(),
            Some(found) => {
                let mut columns: Vec<Column> = self
                    .board
                    .iter()
                    .map(|c| Column {
                        stage: c.stage.clone(),
                        name: c.name.clone(),
                        side: c.side,
                        items: Vec::new(),
                        total: c.total,
                    })
                    .collect();
                let column_of =
                    |stage: &str| columns.iter().position(|c| c.stage.as_str() == stage);
                let mut place: Vec<(ItemId, usize)> = Vec::with_capacity(found.order.len());
                if fresh {
                    let by_group: Vec<Option<usize>> =
                        found.groups.iter().map(|g| column_of(g)).collect();
                    for &(id, group) in &found.order {
                        if let Some(Some(ci)) = by_group.get(group as usize) {
                            place.push((id, *ci));
                        }
                    }
                } else {
                    let view = self.replica.view();
                    for &(id, _) in &found.order {
                        if let Some(ci) = view.get(&id).and_then(|i| column_of(i.stage.as_str())) {
                            place.push((id, ci));
                        }
                    }
                }
                for (id, ci) in place {
                    columns[ci].items.push(id);
                }
                columns
            }
        };
        self.rows.resize(self.columns.len(), 0);
        self.col = self.col.min(self.columns.len().saturating_sub(1));
        if let Some(id) = selected {
            self.select(id);
        }
        for (c, row) in self.columns.iter().zip(self.rows.iter_mut()) {
            *row = (*row).min(c.items.len().saturating_sub(1));
        }
        if let Screen::Triage(t) = &mut self.screen {
            t.refresh(
                &self.columns,
                self.replica.view(),
                &self.body_rules.criteria_set(),
            );
        }
    }

    pub fn selected_id(&self) -> Option<ItemId> {
        let c = self.columns.get(self.col)?;
        c.items.get(*self.rows.get(self.col)?).copied()
    }

    /// Puts the selection on `id` if it is on the board.
    pub fn select(&mut self, id: ItemId) -> bool {
        for (ci, c) in self.columns.iter().enumerate() {
            if let Some(ri) = c.items.iter().position(|&i| i == id) {
                self.col = ci;
                self.rows[ci] = ri;
                return true;
            }
        }
        false
    }

    /// Makes `payload` an op: applies it on screen at once, remembers how to undo it, and
    /// returns the effect that writes it to disk (the status line says "saving" until then).
    /// When the op's item has its history on show, the history is asked for again: the
    /// store answers after the write, so the answer includes this op.
    ///
    /// A change the role may not make is refused here with a message, and no effect is
    /// returned: callers treat an empty result as "nothing happened".
    pub fn commit(&mut self, payload: Payload, undoable: bool) -> Vec<Effect> {
        if let Err(why) = self.may(&payload) {
            self.message = Some(why);
            return vec![];
        }
        if undoable {
            let inverse = self.view().inverse_all_by(self.user(), &payload);
            if !inverse.is_empty() {
                self.undo.push(inverse);
            }
        }
        let ids = payload.items().to_vec();
        let id = ids.first().copied();
        let mut op = Op::new(self.user(), (self.clock)(), payload);
        op.base_seq = self.replica.last_seq();
        if self.sync.is_none() {
            // A portfolio without a server: this app is the one that numbers cases and
            // chains decisions (there are no ballots to tally without a server).
            if let Payload::Meeting { change } = &op.payload {
                if let Err(refusal) = self.view().meetings().check(change) {
                    self.message = Some((self.t.minutes.refusal)(&refusal));
                    return vec![];
                }
            }
            self.view().meetings().stamp(&mut op, |_| Vec::new());
        }
        self.replica.local(op.clone());
        self.pending_saves += 1;
        let mut effects = vec![Effect::Persist(vec![op])];
        effects.extend(self.changed(&ids));
        if let Some((shown, _)) = self.history {
            if Some(shown) == id {
                effects.push(Effect::LoadHistory(shown));
            }
        }
        effects
    }

    /// After `items` changed in the portfolio: the index follows, the columns are
    /// rebuilt, and an active filter asks its query again (the answer may differ now).
    pub fn changed(&mut self, items: &[ItemId]) -> Vec<Effect> {
        if let Some(index) = self.search_index.as_mut() {
            Arc::make_mut(index).refresh(self.replica.view(), items);
        }
        self.rebuild_columns();
        match &self.filter {
            Some(f) if !f.query.text.trim().is_empty() => self.search(),
            _ => vec![],
        }
    }

    /// The index the search worker reads, built on first use. Building folds every
    /// item once; after that, changes refold only the items they touch.
    pub fn search_index(&mut self) -> Arc<SearchIndex> {
        self.search_index
            .get_or_insert_with(|| Arc::new(SearchIndex::from_portfolio(self.replica.view())))
            .clone()
    }

    /// Asks for the filter's current text to be searched. Nothing waits for the answer:
    /// the board keeps showing the last one until it comes. An empty filter shows every
    /// card at once, and any answer still on its way is dropped.
    pub fn search(&mut self) -> Vec<Effect> {
        let text = match &self.filter {
            Some(f) => f.query.text.clone(),
            None => String::new(),
        };
        if text.trim().is_empty() {
            self.searcher.cancel();
            if let Some(f) = self.filter.as_mut() {
                f.found = None;
                f.searching = false;
            }
            self.lay_out(false);
            return vec![];
        }
        self.search_index();
        let query = self.searcher.query(&text);
        if let Some(f) = self.filter.as_mut() {
            f.searching = true;
        }
        vec![Effect::Search(query)]
    }

    /// Takes an answer in, unless a newer query has been asked since (or the filter is
    /// gone): then it is dropped.
    pub fn take_results(&mut self, results: SearchResults) {
        let Some(f) = self.filter.as_mut() else {
            return;
        };
        let Some(results) = self.searcher.accept(results) else {
            return;
        };
        f.found = Some(Found::from(results));
        f.searching = false;
        self.lay_out(true);
    }

    /// Closes the filter: every card shows, and answers still on their way are dropped.
    pub fn close_filter(&mut self) {
        self.filter = None;
        self.searcher.cancel();
        self.lay_out(false);
    }

    /// Takes the replica the cache now holds, after it was rewritten under the app (the
    /// server was restored from a backup). Undo entries may name ops the cache no
    /// longer has, so they go; the search index is built again when next needed.
    pub fn reload(&mut self, replica: Replica) -> Vec<Effect> {
        self.replica = replica;
        self.undo.clear();
        self.search_index = None;
        self.history = None;
        self.rebuild_columns();
        match &self.filter {
            Some(f) if !f.query.text.trim().is_empty() => self.search(),
            _ => vec![],
        }
    }

    /// What the screen shows: the confirmed portfolio with pending changes on top.
    pub fn view(&self) -> &Portfolio {
        self.replica.view()
    }

    /// Who this app's changes are by: the server's name for us once it has said (it
    /// stamps that name on every op it stores), else the configured author. A pending
    /// op therefore shows under the same name as it will once confirmed, which matters
    /// for what is keyed by author (each scorer's score).
    pub fn user(&self) -> &str {
        self.sync
            .as_ref()
            .and_then(|s| s.identity.as_ref())
            .map_or(self.author.as_str(), |i| i.user.as_str())
    }

    /// The role the server gave us, once it has said; `None` for a local portfolio.
    pub fn role(&self) -> Option<Role> {
        self.sync.as_ref()?.identity.as_ref().map(|i| i.role)
    }

    /// Whether nothing may be changed: `--read-only`, or a viewer's role.
    pub fn is_read_only(&self) -> bool {
        self.read_only || self.role().is_some_and(|r| !r.can_write())
    }

    /// Whether `action` is offered (in help, the palette and on its key): changes are
    /// hidden in read-only mode, and moves from roles that cannot move cards.
    pub fn offers(&self, action: Action) -> bool {
        let writes = matches!(
            action,
            Action::New
                | Action::Edit
                | Action::Delete
                | Action::MoveNext
                | Action::MovePrev
                | Action::Undo
                | Action::Save
                | Action::TakeOther
                | Action::KeepShown
                | Action::OpenVote
                | Action::OpenAnonymous
                | Action::OpenDots
                | Action::OpenRanked
                | Action::OpenApproval
                | Action::OpenScoring
                | Action::Score(_)
                | Action::CloseRound
                | Action::RecordDecision
                | Action::VoteYes
                | Action::VoteNo
                | Action::VoteAbstain
                | Action::AddDot
                | Action::RemoveDot
                | Action::SendBallot
                | Action::CaseUp
                | Action::CaseDown
                | Action::Postpone
                | Action::HandCount
                | Action::AddToAgenda
                | Action::Correct
                | Action::Accept
                | Action::Park
                | Action::Reject
                | Action::ScoreItem
                | Action::AdjustUp
                | Action::AdjustDown
                | Action::Withdraw
                | Action::TwoThirds
                | Action::Election
                | Action::BuildAgenda
        );
        if !writes {
            return true;
        }
        // Concurrent changes only happen on a server's portfolio.
        if matches!(action, Action::TakeOther | Action::KeepShown) && self.sync.is_none() {
            return false;
        }
        if self.is_read_only() {
            return false;
        }
        match (action, self.role()) {
            (
                Action::MoveNext
                | Action::MovePrev
                | Action::Delete
                | Action::Accept
                | Action::Park
                | Action::Reject,
                Some(r),
            ) => r >= Role::Secretary,
            (
                Action::RecordDecision
                | Action::CaseUp
                | Action::CaseDown
                | Action::Postpone
                | Action::HandCount
                | Action::AddToAgenda
                | Action::BuildAgenda
                | Action::Correct,
                Some(r),
            ) => r >= Role::Secretary,
            (
                Action::OpenVote
                | Action::OpenAnonymous
                | Action::OpenDots
                | Action::OpenRanked
                | Action::OpenApproval
                | Action::OpenScoring
                | Action::TwoThirds
                | Action::Election
                | Action::CloseRound,
                Some(r),
            ) => r >= Role::Chair,
            _ => true,
        }
    }

    /// Checks a change against read-only mode and the role, with the sentence to show.
    pub fn may(&self, payload: &Payload) -> Result<(), String> {
        if self.is_read_only() {
            return Err(self.t.sync.read_only_refused.to_string());
        }
        // What no server would keep, whoever sends it (a score that does not fit its set).
        if let Err(e) = payload.check() {
            return Err((self.t.scoring.refusal)(&e));
        }
        let Some(r) = self.role() else {
            return Ok(());
        };
        role::check(&self.stages, r, payload).map_err(|d| {
            let role = (self.t.sync.role_name)(d.has);
            let needs = (self.t.sync.role_name)(d.needs);
            fill(self.t.sync.denied, &[("role", &role), ("needs", &needs)])
        })
    }

    /// Shows the detail view of `id` and asks the store for its history.
    pub fn open_detail(&mut self, id: ItemId) -> Vec<Effect> {
        self.screen = Screen::Detail { id, scroll: 0 };
        self.history = Some((id, History::Loading));
        vec![Effect::LoadHistory(id)]
    }

    pub fn say(&mut self, template: &str, args: &[(&str, &dyn std::fmt::Display)]) {
        self.message = Some(fill(template, args));
    }

    /// The open form as a draft, for when styr must stop.
    pub fn draft(&self) -> Option<String> {
        match &self.screen {
            Screen::Form(f) if f.is_changed() => Some(f.to_draft()),
            _ => match &self.overlay {
                // An offered draft not yet answered stays a draft.
                Some(Overlay::DraftOffer(f)) => Some(f.to_draft()),
                _ => None,
            },
        }
    }
}
