//! `update`: the only place the app state changes. Keys become actions through the
//! keymap; actions change the state and return effects for the loop to carry out.

use super::app::{App, Filter, History, Overlay, PaletteState, Screen};
use super::board;
use super::decisions;
use super::editor::Edited;
use super::form::FormState;
use super::keymap::{self, Action, Context};
use super::meeting;
use super::msg::{Effect, Msg};
use super::palette;
use super::scoring;
use super::triage;
use crate::i18n::fill;
use crate::model::similar::likely_duplicates;
use crate::model::{Confirmed, FieldName, Payload};
use crate::sync::SyncEvent;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Resize(w, h) => {
            app.size = (w, h);
            vec![]
        }
        Msg::Saved { count } => {
            app.pending_saves = app.pending_saves.saturating_sub(count);
            app.save_error = None;
            vec![]
        }
        Msg::SaveFailed { count, error } => {
            app.pending_saves = app.pending_saves.saturating_sub(count);
            app.save_error = Some(error);
            vec![]
        }
        Msg::HistoryLoaded { item, entries } => {
            // An answer for an item no longer shown is dropped.
            if let Some((shown, history)) = &mut app.history {
                if *shown == item {
                    *history = match entries {
                        Ok(entries) => History::Loaded(entries),
                        Err(error) => History::Failed(error),
                    };
                }
            }
            vec![]
        }
        Msg::Sync(event) => on_sync(app, event),
        Msg::SearchResults(results) => {
            app.take_results(results);
            vec![]
        }
        Msg::Reload(replica) => app.reload(*replica),
        Msg::Mouse(m) => {
            board::click(app, m);
            vec![]
        }
        Msg::Key(k) if k.kind == KeyEventKind::Release => vec![],
        Msg::Key(k) => on_key(app, k),
    }
}

/// News from the sync loop. Remote changes slide in under the user's pending ones;
/// the selection stays on the same item and an open form keeps what is typed in it.
fn on_sync(app: &mut App, event: SyncEvent) -> Vec<Effect> {
    let Some(sync) = app.sync.as_mut() else {
        return vec![];
    };
    let mut touched = Vec::new();
    match event {
        SyncEvent::Link(link) => sync.link = link,
        SyncEvent::Identity(identity) => sync.identity = Some(identity),
        SyncEvent::Confirmed(ops) => {
            for o in &ops {
                if let Confirmed::Applied(ids) = app.replica.confirm(o.seq, &o.op) {
                    touched.extend(ids);
                }
            }
        }
        SyncEvent::Refused {
            op_id,
            message,
            reason,
        } => {
            if let Some(ids) = app.replica.reject(&op_id) {
                touched.extend(ids);
            }
            let why = crate::i18n::server_refusal(app.t, reason.as_ref(), &message);
            app.say(app.t.sync.refused, &[("err", &why)]);
        }
        SyncEvent::LocalFailed(error) => app.say(app.t.sync.local_failed, &[("err", &error)]),
        // The cache itself comes back as `Msg::Reload`, sent just before this.
        SyncEvent::Rewound {
            head,
            requeued,
            dropped,
        } => app.say(
            app.t.sync.rewound,
            &[
                ("head", &head),
                ("requeued", &requeued),
                ("dropped", &dropped),
            ],
        ),
        SyncEvent::Count(count) => {
            // Counts can arrive out of order (two ballots answered at once): a count
            // never goes down while the round is open, so the highest one is the truth.
            let older = app
                .counts
                .get(&count.round)
                .is_some_and(|c| c.open == count.open && c.ballots > count.ballots);
            if !older {
                app.counts.insert(count.round, count);
            }
        }
        SyncEvent::BallotCast { round } => {
            if let Some(b) = app.ballots.get_mut(&round) {
                b.sent = true;
            }
            app.message = Some(app.t.meeting.ballot_sent.to_string());
        }
        SyncEvent::BallotFailed { message, .. } => {
            app.say(app.t.meeting.ballot_failed, &[("err", &message)]);
        }
    }
    if touched.is_empty() {
        return vec![];
    }
    let mut effects = app.changed(&touched);
    if let Some((shown, _)) = &app.history {
        if touched.contains(shown) {
            effects.push(Effect::LoadHistory(*shown));
        }
    }
    effects
}

/// The context whose keys apply now.
pub fn context(app: &App) -> Context {
    match &app.screen {
        Screen::Board => Context::Board,
        Screen::Detail { .. } => Context::Detail,
        Screen::Form(_) => Context::Form,
        Screen::Meeting(s) if s.decision.is_some() => Context::Form,
        Screen::Meeting(_) => Context::Meeting,
        Screen::Decisions(s) if s.form.is_some() => Context::Form,
        Screen::Decisions(_) => Context::Decisions,
        Screen::Triage(_) => Context::Triage,
        Screen::Scoring(_) => Context::Scoring,
    }
}

fn is_yes(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Char('j' | 'J' | 'y' | 'Y'))
}

fn is_no(k: &KeyEvent) -> bool {
    matches!(k.code, KeyCode::Char('n' | 'N') | KeyCode::Esc)
}

fn on_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    // A message is read once; the next key clears it.
    app.message = None;
    if app.overlay.is_some() {
        return overlay_key(app, k);
    }
    if matches!(&app.screen, Screen::Meeting(s) if meeting::typing_comment(app, s)) {
        // A scoring ballot's comment takes typed text; other keys act as usual.
        return match meeting::comment_key(app, k) {
            Some(a) => perform(app, a),
            None => vec![],
        };
    }
    match &mut app.screen {
        Screen::Board => {
            if app.filter.as_ref().is_some_and(|f| f.editing) {
                return filter_key(app, k);
            }
            match keymap::lookup(Context::Board, &k) {
                Some(a) => perform(app, a),
                None => vec![],
            }
        }
        Screen::Detail { .. } => match keymap::lookup(Context::Detail, &k) {
            Some(a) => perform(app, a),
            None => vec![],
        },
        Screen::Meeting(s) if s.decision.is_some() => decision_key(app, k),
        Screen::Meeting(_) => match keymap::lookup(Context::Meeting, &k) {
            Some(a) => perform(app, a),
            None => vec![],
        },
        Screen::Decisions(s) if s.form.is_some() => decision_key(app, k),
        Screen::Decisions(s) if s.editing => {
            match k.code {
                KeyCode::Enter | KeyCode::Esc => s.editing = false,
                _ => {
                    s.query.handle(&k, false);
                    s.selected = 0;
                }
            }
            vec![]
        }
        Screen::Decisions(_) => match keymap::lookup(Context::Decisions, &k) {
            Some(a) => perform(app, a),
            None => vec![],
        },
        Screen::Triage(s) if s.prompt.is_some() => {
            let Screen::Triage(mut s) = std::mem::replace(&mut app.screen, Screen::Board) else {
                return vec![];
            };
            let effects = triage::prompt_key(app, &mut s, k);
            app.screen = Screen::Triage(s);
            effects
        }
        Screen::Triage(_) if app.filter.as_ref().is_some_and(|f| f.editing) => filter_key(app, k),
        Screen::Triage(_) => match keymap::lookup(Context::Triage, &k) {
            Some(a) => perform(app, a),
            None => vec![],
        },
        Screen::Scoring(_) => {
            let effects = scoring::key(app, k);
            // Back on the triage screen, a new score may change its order or filter.
            if let Screen::Triage(s) = &mut app.screen {
                s.refresh(
                    &app.columns,
                    app.replica.view(),
                    &app.body_rules.criteria_set(),
                );
            }
            effects
        }
        Screen::Form(form) => {
            if form.confirm_discard {
                if is_yes(&k) {
                    close_form(app);
                } else if is_no(&k) {
                    form.confirm_discard = false;
                }
                return vec![];
            }
            match keymap::lookup(Context::Form, &k) {
                // Arrows and Enter belong to the text field being edited.
                Some(Action::Up | Action::Down) | None => {
                    form.edit(&k);
                    vec![]
                }
                Some(Action::Newline) => {
                    if form.focused().name == FieldName::Description {
                        form.edit(&k);
                    } else {
                        form.next_field();
                    }
                    vec![]
                }
                Some(a) => perform(app, a),
            }
        }
    }
}

fn filter_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(filter) = app.filter.as_mut() else {
        return vec![];
    };
    match k.code {
        KeyCode::Esc => app.close_filter(),
        KeyCode::Enter | KeyCode::Down | KeyCode::Up => {
            filter.editing = false;
            if filter.query.text.trim().is_empty() {
                app.close_filter();
            }
        }
        _ => {
            if filter.query.handle(&k, false) == Edited::Changed {
                return app.search();
            }
        }
    }
    vec![]
}

fn overlay_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(overlay) = app.overlay.take() else {
        return vec![];
    };
    match overlay {
        Overlay::Help => {
            let close = matches!(
                k.code,
                KeyCode::Esc | KeyCode::Char('?' | 'q') | KeyCode::F(1) | KeyCode::Enter
            );
            match k.code {
                KeyCode::Up | KeyCode::Char('k') => {
                    app.help_scroll = app.help_scroll.saturating_sub(1)
                }
                // The view stops at the last key; beyond it nothing moves.
                KeyCode::Down | KeyCode::Char('j') => {
                    app.help_scroll = app.help_scroll.saturating_add(1)
                }
                _ => {}
            }
            if !close {
                app.overlay = Some(Overlay::Help);
            }
            vec![]
        }
        Overlay::DraftOffer(form) => {
            if is_yes(&k) {
                app.screen = Screen::Form(form);
                app.message = Some(app.t.draft_restored.to_string());
                vec![Effect::SaveDraft(None)]
            } else if is_no(&k) {
                app.message = Some(app.t.draft_discarded.to_string());
                vec![Effect::SaveDraft(None)]
            } else {
                app.overlay = Some(Overlay::DraftOffer(form));
                vec![]
            }
        }
        Overlay::Palette(mut p) => {
            let ctx = context(app);
            let entries = palette::entries(app, ctx, &p.query.text);
            match k.code {
                KeyCode::Esc => vec![],
                KeyCode::Enter => match entries.get(p.selected) {
                    Some(&action) => perform(app, action),
                    None => vec![],
                },
                KeyCode::Down => {
                    p.selected = (p.selected + 1).min(entries.len().saturating_sub(1));
                    app.overlay = Some(Overlay::Palette(p));
                    vec![]
                }
                KeyCode::Up => {
                    p.selected = p.selected.saturating_sub(1);
                    app.overlay = Some(Overlay::Palette(p));
                    vec![]
                }
                _ => {
                    if p.query.handle(&k, false) == Edited::Changed {
                        p.selected = 0;
                    }
                    app.overlay = Some(Overlay::Palette(p));
                    vec![]
                }
            }
        }
    }
}

/// Carries out one action in the current screen. Keys and the palette both end here.
pub fn perform(app: &mut App, action: Action) -> Vec<Effect> {
    if !app.offers(action) {
        app.message = Some(if app.is_read_only() {
            app.t.sync.read_only_refused.to_string()
        } else {
            let role = app
                .role()
                .map(|r| (app.t.sync.role_name)(r))
                .unwrap_or_default();
            fill(
                app.t.sync.denied,
                &[
                    ("role", &role),
                    (
                        "needs",
                        &(app.t.sync.role_name)(crate::model::Role::Secretary),
                    ),
                ],
            )
        });
        return vec![];
    }
    match action {
        Action::Help => {
            app.overlay = Some(Overlay::Help);
            app.help_scroll = 0;
            return vec![];
        }
        Action::Palette => {
            app.overlay = Some(Overlay::Palette(PaletteState::default()));
            return vec![];
        }
        Action::Quit if !matches!(app.screen, Screen::Form(_)) => {
            app.quit = true;
            return vec![];
        }
        Action::Undo if !matches!(app.screen, Screen::Form(_)) => return undo(app),
        _ => {}
    }
    match &mut app.screen {
        Screen::Board => board_action(app, action),
        Screen::Scoring(_) => scoring::action(app, action),
        Screen::Meeting(_) => {
            let Screen::Meeting(mut s) = std::mem::replace(&mut app.screen, Screen::Board) else {
                return vec![];
            };
            let effects = meeting::action(app, &mut s, action);
            // The action may have left for another screen (back, the decision log).
            if matches!(app.screen, Screen::Board) && action != Action::Back {
                app.screen = Screen::Meeting(s);
            }
            if action == Action::Decisions {
                app.screen = Screen::Decisions(Box::default());
            }
            effects
        }
        Screen::Decisions(_) => {
            let Screen::Decisions(mut s) = std::mem::replace(&mut app.screen, Screen::Board) else {
                return vec![];
            };
            let n = decisions::shown(app, &s).len();
            match action {
                Action::Back => return vec![],
                Action::Up => s.selected = s.selected.saturating_sub(1),
                Action::Down => s.selected = (s.selected + 1).min(n.saturating_sub(1)),
                Action::Filter => s.editing = true,
                Action::Correct => {
                    s.form = decisions::shown(app, &s)
                        .get(s.selected)
                        .map(|d| meeting::correction_form(d));
                }
                _ => {}
            }
            app.screen = Screen::Decisions(s);
            vec![]
        }
        Screen::Triage(s) if action == Action::ScoreItem => match s.selected_id() {
            // The scoring form keeps the triage screen, marks and all, to return to.
            Some(id) => scoring::open(app, id),
            None => vec![],
        },
        Screen::Triage(_) => {
            let Screen::Triage(mut s) = std::mem::replace(&mut app.screen, Screen::Board) else {
                return vec![];
            };
            match action {
                Action::Back if app.filter.is_some() => app.close_filter(),
                Action::Back => {
                    app.history = None;
                    return vec![];
                }
                Action::Open => {
                    let Some(id) = s.selected_id() else {
                        app.screen = Screen::Triage(s);
                        return vec![];
                    };
                    app.back = Some(Screen::Triage(s));
                    return app.open_detail(id);
                }
                _ => {}
            }
            let before = s.selected_id();
            let mut effects = triage::action(app, &mut s, action);
            // The preview shows why a proposal was last moved: its history is asked for
            // whenever another proposal comes up.
            let now = s.selected_id();
            app.screen = Screen::Triage(s);
            if let Some(id) = now.filter(|id| Some(*id) != before || app.history.is_none()) {
                app.history = Some((id, History::Loading));
                effects.push(Effect::LoadHistory(id));
            }
            effects
        }
        Screen::Detail { id, scroll } => {
            let id = *id;
            match action {
                Action::Back => {
                    app.screen = app.back.take().unwrap_or(Screen::Board);
                    app.history = None;
                    if let Screen::Triage(s) = &mut app.screen {
                        // The detail view may have changed the list; and the preview
                        // wants the history of its own proposal again.
                        s.refresh(
                            &app.columns,
                            app.replica.view(),
                            &app.body_rules.criteria_set(),
                        );
                        if let Some(id) = s.selected_id() {
                            app.history = Some((id, History::Loading));
                            return vec![Effect::LoadHistory(id)];
                        }
                    }
                }
                Action::Up => *scroll = scroll.saturating_sub(1),
                Action::Down => *scroll = scroll.saturating_add(1),
                Action::Edit => open_form(app, id, true),
                Action::ScoreItem => return scoring::open(app, id),
                Action::MoveNext | Action::MovePrev => return move_item(app, id, action),
                Action::TakeOther => return settle(app, id, true),
                Action::KeepShown => return settle(app, id, false),
                Action::Delete => {
                    app.screen = app.back.take().unwrap_or(Screen::Board);
                    app.history = None;
                    return delete(app, id);
                }
                _ => {}
            }
            vec![]
        }
        Screen::Form(form) => match action {
            Action::NextField => {
                form.next_field();
                vec![]
            }
            Action::PrevField => {
                form.prev_field();
                vec![]
            }
            Action::Cancel => {
                if form.is_changed() {
                    form.confirm_discard = true;
                } else {
                    close_form(app);
                }
                vec![]
            }
            Action::Save => save_form(app),
            Action::NextSimilar => {
                if let Some(n) = form.similar.as_ref().map(Vec::len) {
                    form.similar_pick = (form.similar_pick + 1) % n.max(1);
                }
                vec![]
            }
            Action::LinkSimilar => link_similar(app),
            _ => vec![],
        },
    }
}

/// Keys of the decision form on the meeting screen: Tab moves, Ctrl-S saves, Esc
/// closes it, everything else is typing.
fn decision_key(app: &mut App, k: KeyEvent) -> Vec<Effect> {
    let Some(slot) = decision_slot(&mut app.screen) else {
        return vec![];
    };
    let Some(form) = slot.as_mut() else {
        return vec![];
    };
    match keymap::lookup(Context::Form, &k) {
        Some(Action::NextField) | Some(Action::Newline) => {
            form.focus = (form.focus + 1) % meeting::FIELDS
        }
        Some(Action::PrevField) => {
            form.focus = (form.focus + meeting::FIELDS - 1) % meeting::FIELDS
        }
        Some(Action::Cancel) => *slot = None,
        Some(Action::Save) => {
            let Some(form) = slot.take() else {
                return vec![];
            };
            let effects = meeting::save_decision(app, &form);
            if effects.is_empty() {
                // Refused or incomplete: the form stays with everything typed.
                if let Some(slot) = decision_slot(&mut app.screen) {
                    *slot = Some(form);
                }
            }
            return effects;
        }
        Some(Action::Help) => app.overlay = Some(Overlay::Help),
        _ => {
            form.fields[form.focus].handle(&k, false);
        }
    }
    vec![]
}

/// Where the screen keeps its decision form (the meeting screen, or the decision log
/// for a correction).
fn decision_slot(screen: &mut Screen) -> Option<&mut Option<meeting::DecisionForm>> {
    match screen {
        Screen::Meeting(s) => Some(&mut s.decision),
        Screen::Decisions(s) => Some(&mut s.form),
        _ => None,
    }
}

fn board_action(app: &mut App, action: Action) -> Vec<Effect> {
    let ncols = app.columns.len();
    let col_len = app.columns.get(app.col).map_or(0, |c| c.items.len());
    let row = app.rows.get(app.col).copied().unwrap_or(0);
    match action {
        Action::Left => app.col = app.col.saturating_sub(1),
        Action::Right => app.col = (app.col + 1).min(ncols.saturating_sub(1)),
        Action::Up => set_row(app, row.saturating_sub(1)),
        Action::Down => set_row(app, (row + 1).min(col_len.saturating_sub(1))),
        Action::Top => set_row(app, 0),
        Action::Bottom => set_row(app, col_len.saturating_sub(1)),
        Action::Open => {
            if let Some(id) = app.selected_id() {
                return app.open_detail(id);
            }
        }
        Action::Edit => {
            if let Some(id) = app.selected_id() {
                open_form(app, id, false);
            }
        }
        Action::Meetings => match app.latest_meeting() {
            Some(m) => {
                let screen = meeting::MeetingScreen::new(m);
                let effects: Vec<Effect> = meeting::ask_count(app, &screen).into_iter().collect();
                app.screen = Screen::Meeting(Box::new(screen));
                return effects;
            }
            None => app.message = Some(app.t.meeting.no_meetings.to_string()),
        },
        Action::Decisions => app.screen = Screen::Decisions(Box::default()),
        Action::Triage => {
            triage::open(app);
            if let Screen::Triage(s) = &app.screen {
                if let Some(id) = s.selected_id() {
                    app.history = Some((id, History::Loading));
                    return vec![Effect::LoadHistory(id)];
                }
            }
        }
        Action::ScoreItem => {
            if let Some(id) = app.selected_id() {
                return scoring::open(app, id);
            }
        }
        Action::AddToAgenda => {
            if let Some(id) = app.selected_id() {
                return meeting::add_to_agenda(app, id);
            }
        }
        Action::New => {
            let stage = app
                .columns
                .get(app.col)
                .map_or_else(|| app.stages.first().clone(), |c| c.stage.clone());
            app.screen = Screen::Form(Box::new(FormState::for_new(stage)));
        }
        Action::MoveNext | Action::MovePrev => {
            if let Some(id) = app.selected_id() {
                return move_item(app, id, action);
            }
        }
        Action::Delete => {
            if let Some(id) = app.selected_id() {
                return delete(app, id);
            }
        }
        Action::Filter => {
            // Reopening keeps the text and the answer already on the board.
            app.filter = Some(match app.filter.take() {
                Some(f) => Filter { editing: true, ..f },
                None => Filter::new(Default::default()),
            });
        }
        Action::Back if app.filter.is_some() => app.close_filter(),
        _ => {}
    }
    vec![]
}

fn set_row(app: &mut App, row: usize) {
    if let Some(r) = app.rows.get_mut(app.col) {
        *r = row;
    }
}

fn open_form(app: &mut App, id: crate::model::ItemId, from_detail: bool) {
    if let Some(item) = app.view().get(&id) {
        let mut form = FormState::for_item(item);
        form.from_detail = from_detail;
        app.screen = Screen::Form(Box::new(form));
    }
}

fn close_form(app: &mut App) {
    let back = match &app.screen {
        Screen::Form(f) if f.from_detail => f.item.map(|id| Screen::Detail { id, scroll: 0 }),
        _ => None,
    };
    app.screen = back.unwrap_or(Screen::Board);
}

fn save_form(app: &mut App) -> Vec<Effect> {
    let Screen::Form(form) = &mut app.screen else {
        return vec![];
    };
    match form.to_payload(app.t) {
        Err(e) => {
            form.error = Some(e);
            vec![]
        }
        Ok(None) => {
            app.message = Some(app.t.no_changes.to_string());
            close_form(app);
            vec![]
        }
        Ok(Some(payload)) => {
            // Refused before the form closes, so nothing typed is lost.
            if let Err(why) = app.may(&payload) {
                if let Screen::Form(form) = &mut app.screen {
                    form.error = Some(why);
                }
                return vec![];
            }
            if matches!(payload, Payload::CreateItem { .. }) && warn_of_look_alikes(app) {
                return vec![];
            }
            let id = payload.items().first().copied().unwrap_or_default();
            let created = matches!(payload, Payload::CreateItem { .. });
            close_form(app);
            let effects = app.commit(payload, true);
            if effects.is_empty() {
                return effects;
            }
            let title = app
                .view()
                .get(&id)
                .map(|i| i.title.clone())
                .unwrap_or_default();
            let template = if created {
                app.t.created
            } else {
                app.t.updated
            };
            app.say(template, &[("title", &title)]);
            app.select(id);
            effects
        }
    }
}

/// Before a new proposal is created the first time: existing items like it, shown in
/// the form. True when there are any (the save waits for a second Ctrl-S or a link).
fn warn_of_look_alikes(app: &mut App) -> bool {
    let Screen::Form(form) = &app.screen else {
        return false;
    };
    if form.similar.is_some() {
        return false;
    }
    let found = likely_duplicates(
        app.view(),
        form.text(FieldName::Title),
        form.text(FieldName::Description),
        LOOK_ALIKES,
    );
    let Screen::Form(form) = &mut app.screen else {
        return false;
    };
    form.similar_pick = 0;
    form.similar = Some(
        found
            .iter()
            .map(|s| (s.item, (s.score * 100.0).round().clamp(0.0, 100.0) as u8))
            .collect(),
    );
    !found.is_empty()
}

/// How many look-alikes the new-proposal form lists.
const LOOK_ALIKES: usize = 3;

/// Links the new proposal to the picked look-alike instead of creating it: what was
/// typed is added to that item's description, so the proposer's words are kept.
fn link_similar(app: &mut App) -> Vec<Effect> {
    let Screen::Form(form) = &app.screen else {
        return vec![];
    };
    let Some(target) = form.picked_similar() else {
        return vec![];
    };
    let Some(item) = app.view().get(&target) else {
        return vec![];
    };
    let submitter = form.text(FieldName::Submitter).trim();
    let by = if submitter.is_empty() {
        String::new()
    } else {
        fill(app.t.linked_by, &[("submitter", &submitter)])
    };
    let note = fill(
        app.t.linked_note,
        &[
            ("by", &by),
            ("title", &form.text(FieldName::Title).trim()),
            ("description", &form.text(FieldName::Description).trim()),
        ],
    );
    let description = if item.description.trim().is_empty() {
        note.trim().to_string()
    } else {
        format!("{}\n\n{}", item.description.trim_end(), note.trim())
    };
    let title = item.title.clone();
    let payload = Payload::EditItem {
        item: target,
        changes: vec![crate::model::FieldValue::Description(description)],
    };
    if let Err(why) = app.may(&payload) {
        if let Screen::Form(form) = &mut app.screen {
            form.error = Some(why);
        }
        return vec![];
    }
    close_form(app);
    let effects = app.commit(payload, true);
    if !effects.is_empty() {
        app.say(app.t.linked, &[("title", &title)]);
        app.select(target);
    }
    effects
}

fn move_item(app: &mut App, id: crate::model::ItemId, action: Action) -> Vec<Effect> {
    let Some(item) = app.view().get(&id) else {
        return vec![];
    };
    let to = if action == Action::MoveNext {
        app.stages.next(&item.stage)
    } else {
        app.stages.prev(&item.stage)
    };
    let Some(to) = to.cloned() else {
        app.message = Some(
            if action == Action::MoveNext {
                app.t.already_last
            } else {
                app.t.already_first
            }
            .to_string(),
        );
        return vec![];
    };
    let effects = app.commit(
        Payload::MoveItem {
            item: id,
            to: to.clone(),
        },
        true,
    );
    if effects.is_empty() {
        return effects;
    }
    let name = app.stage_name(&to);
    app.say(app.t.moved_to, &[("stage", &name)]);
    app.select(id);
    effects
}

fn delete(app: &mut App, id: crate::model::ItemId) -> Vec<Effect> {
    let title = app
        .view()
        .get(&id)
        .map(|i| i.title.clone())
        .unwrap_or_default();
    let effects = app.commit(Payload::DeleteItem { item: id }, true);
    if effects.is_empty() {
        return effects;
    }
    app.say(app.t.deleted_undo, &[("title", &title)]);
    effects
}

/// Settles the item's latest concurrent change: with `take_other`, the kept free text
/// replaces the one shown; otherwise the value shown is written again. Either way the
/// new op's base seq is past the conflict, so once the server has it the flag is gone
/// on every screen.
fn settle(app: &mut App, id: crate::model::ItemId, take_other: bool) -> Vec<Effect> {
    use crate::model::conflict::Slot;
    let Some(item) = app.view().get(&id) else {
        return vec![];
    };
    let conflict = item
        .sync
        .conflicts
        .iter()
        .rev()
        .find(|c| !take_other || c.kept.is_some())
        .cloned();
    let Some(conflict) = conflict else {
        app.message = Some(app.t.sync.no_conflict.to_string());
        return vec![];
    };
    let payload = match (conflict.slot, take_other) {
        (Slot::Field(field), true) => {
            let text = conflict.kept.clone().unwrap_or_default();
            match crate::model::FieldValue::parse(field, &text) {
                Ok(value) => Payload::EditItem {
                    item: id,
                    changes: vec![value],
                },
                Err(_) => return vec![],
            }
        }
        (Slot::Field(field), false) => Payload::EditItem {
            item: id,
            changes: vec![item.get(field)],
        },
        (Slot::Stage, _) => Payload::MoveItem {
            item: id,
            to: item.stage.clone(),
        },
    };
    let effects = app.commit(payload, true);
    if effects.is_empty() {
        return effects;
    }
    if take_other {
        app.say(app.t.sync.took_other, &[("by", &conflict.by)]);
    } else {
        app.message = Some(app.t.sync.kept_shown.to_string());
    }
    effects
}

fn undo(app: &mut App) -> Vec<Effect> {
    let Some(payloads) = app.undo.pop() else {
        app.message = Some(app.t.nothing_to_undo.to_string());
        return vec![];
    };
    let id = payloads.first().and_then(|p| p.items().first().copied());
    let mut effects = Vec::new();
    for payload in payloads {
        effects.extend(app.commit(payload, false));
    }
    if effects.is_empty() {
        return effects;
    }
    app.message = Some(app.t.undone.to_string());
    if let Some(id) = id {
        app.select(id);
    }
    effects
}

/// A key event for tests and the palette: a plain key press.
pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}
