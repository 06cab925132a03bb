//! Whole-app tests: keys go through the real keymap and `update`, and the result is
//! checked in the state, in the effects (the ops that would be written) and on screen.

mod common;

use common::tui::*;
use styr::i18n::Lang;
use styr::model::{Payload, StageKey};
use styr::tui::app::{Overlay, Screen};
use styr::tui::form::FormState;
use styr::tui::keymap::{self, Context};
use styr::tui::{update, Effect, Msg};

fn stage_of(app: &styr::tui::App, title: &str) -> StageKey {
    app.view()
        .items()
        .find(|i| i.title == title)
        .unwrap_or_else(|| panic!("no item {title}"))
        .stage
        .clone()
}

fn selected_title(app: &styr::tui::App) -> String {
    let id = app.selected_id().expect("a selection");
    app.view().get(&id).expect("item").title.clone()
}

#[test]
fn the_demo_board_shows_every_stage_with_counts() {
    let mut app = demo_app(Lang::Nb);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Innkommet (24)"), "{s}");
    assert!(s.contains("Vurdering (0)"), "{s}");
    assert!(s.contains("35 saker"), "{s}");
    assert!(s.contains("✓ Lagret"), "{s}");
    let total: usize = app.columns.iter().map(|c| c.total).sum();
    assert_eq!(total, 35);
    assert_eq!(app.columns.len(), 9);
}

#[test]
fn moving_a_card_makes_one_op_and_the_selection_follows() {
    let mut app = demo_app(Lang::Nb);
    let title = selected_title(&app);
    let effects = press(&mut app, "L");
    let ops = persisted(&effects);
    assert_eq!(ops.len(), 1);
    assert!(matches!(&ops[0].payload, Payload::MoveItem { to, .. } if to.as_str() == "vurdering"));
    assert_eq!(stage_of(&app, &title).as_str(), "vurdering");
    assert_eq!(app.col, 1, "the selection follows the card");
    assert_eq!(selected_title(&app), title);
    assert_eq!(app.pending_saves, 1);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Vurdering (1)"), "{s}");
    assert!(s.contains("Flyttet til Vurdering"), "{s}");
    assert!(s.contains("… Lagrer"), "{s}");
    update(&mut app, Msg::Saved { count: 1 });
    assert!(screen(&mut app, 80, 24).contains("✓ Lagret"));
    // Shift-arrows do the same, and H moves back.
    press(&mut app, "<S-Right>");
    assert_eq!(stage_of(&app, &title).as_str(), "forprosjekt");
    press(&mut app, "HH");
    assert_eq!(stage_of(&app, &title).as_str(), "innkommet");
    press(&mut app, "H");
    assert!(
        app.message.as_deref().unwrap_or("").contains("første"),
        "{:?}",
        app.message
    );
}

#[test]
fn delete_and_undo() {
    let mut app = demo_app(Lang::Nb);
    let title = selected_title(&app);
    let before = app.view().len();
    // The status line's count follows deletes and restores (it is kept with the
    // columns, not counted from the portfolio on every frame).
    let count = |n: usize| format!("{n} saker");
    assert!(screen(&mut app, 80, 24).contains(&count(before)));
    let ops = persisted(&press(&mut app, "d"));
    assert!(matches!(ops[0].payload, Payload::DeleteItem { .. }));
    assert!(app.view().items().all(|i| i.title != title));
    assert_eq!(app.view().len(), before - 1);
    let shown = screen(&mut app, 80, 24);
    assert!(shown.contains("Innkommet (23)"));
    assert!(shown.contains(&count(before - 1)), "{shown}");
    let ops = persisted(&press(&mut app, "u"));
    assert!(matches!(ops[0].payload, Payload::RestoreItem { .. }));
    assert!(screen(&mut app, 80, 24).contains(&count(before)));
    assert_eq!(stage_of(&app, &title).as_str(), "innkommet");
    assert_eq!(selected_title(&app), title);
    press(&mut app, "u");
    assert_eq!(app.message.as_deref(), Some(app.t.nothing_to_undo));
}

#[test]
fn navigation_moves_between_columns_and_cards() {
    let mut app = demo_app(Lang::Nb);
    let first = selected_title(&app);
    press(&mut app, "j");
    assert_ne!(selected_title(&app), first);
    press(&mut app, "k");
    assert_eq!(selected_title(&app), first);
    press(&mut app, "G");
    assert_eq!(app.rows[0], 23);
    press(&mut app, "llll");
    assert_eq!(app.col, 4);
    let s = screen(&mut app, 80, 24);
    assert!(
        s.contains("Gjennomføring"),
        "the selected column scrolls into view:\n{s}"
    );
    assert!(!s.contains("Innkommet ("), "{s}");
    press(&mut app, "hhhhhhhh");
    assert_eq!(app.col, 0);
}

#[test]
fn open_edit_and_save_an_item() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "<Enter>");
    let Screen::Detail { id, .. } = app.screen else {
        panic!("detail expected")
    };
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Innsender"), "{s}");
    assert!(s.contains("Historikk"), "{s}");
    press(&mut app, "e");
    assert!(matches!(app.screen, Screen::Form(_)));
    // Title: go to the end, add text; priority field: set 2.
    press(&mut app, " (revidert)<Tab><Tab><Tab><Tab>2");
    let ops = persisted(&press(&mut app, "<C-s>"));
    assert_eq!(ops.len(), 1);
    let Payload::EditItem { changes, .. } = &ops[0].payload else {
        panic!("edit expected")
    };
    assert_eq!(
        changes.len(),
        2,
        "only changed fields are sent: {changes:?}"
    );
    let item = app.view().get(&id).expect("item");
    assert!(item.title.ends_with(" (revidert)"));
    assert_eq!(item.priority, Some(2));
    assert!(
        matches!(app.screen, Screen::Detail { .. }),
        "back to where the edit began"
    );
    // The history, asked of the store again after the edit, shows it (newest first).
    let s = screen(&mut app, 120, 40);
    let edited = s.find("tester  endret tittel, prioritet").expect(&s);
    let created = s.find("demo  opprettet i").expect(&s);
    assert!(edited < created, "{s}");
    // A move from the detail view shows up too.
    press(&mut app, "L");
    assert!(screen(&mut app, 120, 40).contains("tester  flyttet fra"));
}

#[test]
fn the_history_comes_from_the_store_after_the_detail_view_opens() {
    let mut app = demo_app(Lang::Nb);
    let effects = update(&mut app, Msg::Key(keys("<Enter>")[0]));
    let Screen::Detail { id, .. } = app.screen else {
        panic!("detail expected")
    };
    assert_eq!(effects, vec![Effect::LoadHistory(id)]);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Henter historikken"), "{s}");
    perform(&mut app, &effects);
    let s = screen(&mut app, 80, 24);
    assert!(!s.contains("Henter historikken"), "{s}");
    assert!(s.contains("demo  opprettet i"), "{s}");
    // An answer about another item is not shown; a failure is said.
    let other = app
        .view()
        .items()
        .map(|i| i.id)
        .find(|i| *i != id)
        .expect("another item");
    update(
        &mut app,
        Msg::HistoryLoaded {
            item: other,
            entries: Ok(vec![]),
        },
    );
    assert!(screen(&mut app, 80, 24).contains("demo  opprettet i"));
    update(
        &mut app,
        Msg::HistoryLoaded {
            item: id,
            entries: Err("disken svarte ikke".into()),
        },
    );
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("disken svarte ikke"), "{s}");
    // Back on the board nothing is kept.
    press(&mut app, "<Esc>");
    assert!(app.history.is_none());
}

#[test]
fn a_bad_number_is_named_and_nothing_is_saved() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "e");
    let to_funds = "<Tab>".repeat(10);
    press(&mut app, &to_funds);
    let effects = press(&mut app, "12,5 mill<C-s>");
    assert!(persisted(&effects).is_empty());
    let s = screen(&mut app, 80, 24);
    assert!(
        s.contains("Prosjektmidler (kr): «12,5 mill» er ikke et heltall"),
        "{s}"
    );
    assert!(matches!(app.screen, Screen::Form(_)));
}

#[test]
fn escape_asks_before_throwing_edits_away() {
    let mut app = demo_app(Lang::Nb);
    let title = selected_title(&app);
    press(&mut app, "exyz<Esc>");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Forkaste endringene?"), "{s}");
    press(&mut app, "n");
    assert!(matches!(&app.screen, Screen::Form(f) if !f.confirm_discard));
    let effects = press(&mut app, "<Esc>j");
    assert!(persisted(&effects).is_empty());
    assert!(matches!(app.screen, Screen::Board));
    assert_eq!(selected_title(&app), title);
    // Without changes, Esc just closes.
    press(&mut app, "e<Esc>");
    assert!(matches!(app.screen, Screen::Board));
}

#[test]
fn a_new_proposal_lands_in_the_selected_column() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "n");
    let effects = press(
        &mut app,
        "Felles møterom for Åfjord<Tab>Linje én<Enter>linje to<C-s>",
    );
    let ops = persisted(&effects);
    let Payload::CreateItem { stage, fields, .. } = &ops[0].payload else {
        panic!("create")
    };
    assert_eq!(stage.as_str(), "innkommet");
    assert_eq!(fields.len(), 2);
    assert_eq!(selected_title(&app), "Felles møterom for Åfjord");
    let item = app
        .view()
        .items()
        .find(|i| i.title.starts_with("Felles møterom"))
        .expect("new");
    assert_eq!(item.description, "Linje én\nlinje to");
    // An empty title is refused.
    press(&mut app, "n");
    assert!(persisted(&press(&mut app, "<C-s>")).is_empty());
    assert!(screen(&mut app, 80, 24).contains("Tittel må fylles ut"));
}

#[test]
fn the_filter_folds_norwegian_letters() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "/DØGNÅPEN");
    let shown: usize = app.columns.iter().map(|c| c.items.len()).sum();
    assert!(
        shown >= 2,
        "both Døgnåpen measures match an upper-case query, got {shown}"
    );
    let titles: Vec<String> = app
        .columns
        .iter()
        .flat_map(|c| &c.items)
        .filter_map(|id| app.view().get(id))
        .map(|i| i.title.clone())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t == "Døgnåpen digital forvaltning – forprosjekt"),
        "{titles:?}"
    );
    assert!(
        titles
            .iter()
            .any(|t| t == "Døgnåpen digital forvaltning – hovedprosjekt"),
        "{titles:?}"
    );
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Filter: DØGNÅPEN"), "{s}");
    // A decomposed å (a + ring) finds the precomposed one.
    press(&mut app, "<Esc>/døgna\u{030A}pen");
    let decomposed: usize = app.columns.iter().map(|c| c.items.len()).sum();
    assert_eq!(decomposed, shown);
    press(&mut app, "<Esc>");
    assert!(app.filter.is_none());
    assert_eq!(app.columns.iter().map(|c| c.items.len()).sum::<usize>(), 35);
}

#[test]
fn help_lists_every_key_of_the_screen() {
    for (ctx, setup) in [(Context::Board, ""), (Context::Detail, "<Enter>")] {
        let mut app = demo_app(Lang::En);
        press(&mut app, setup);
        press(&mut app, "?");
        assert!(matches!(app.overlay, Some(Overlay::Help)));
        let s = screen(&mut app, 120, 40);
        // Every key this user is offered: on a local board, that is all but the keys
        // for settling concurrent changes (tests/app_sync.rs has those).
        for b in keymap::bindings(ctx)
            .iter()
            .filter(|b| app.offers(b.action))
        {
            assert!(s.contains(b.label), "{} missing from help:\n{s}", b.label);
            assert!(s.contains((app.t.actions)(b.action)), "{s}");
        }
        press(&mut app, "<Esc>");
        assert!(app.overlay.is_none());
    }
    let app = demo_app(Lang::En);
    let hidden: Vec<_> = keymap::bindings(Context::Detail)
        .iter()
        .filter(|b| !app.offers(b.action))
        .map(|b| b.label)
        .collect();
    assert_eq!(
        hidden,
        ["v", "V"],
        "only the conflict keys are hidden on a local board"
    );
}

#[test]
fn the_palette_runs_actions() {
    let mut app = demo_app(Lang::Nb);
    let title = selected_title(&app);
    press(&mut app, ":");
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Kommandoer"), "{s}");
    let ops = persisted(&press(&mut app, "flytt saken til neste<Enter>"));
    assert_eq!(ops.len(), 1);
    assert_eq!(stage_of(&app, &title).as_str(), "vurdering");
    assert!(app.overlay.is_none());
    // Ctrl-P opens it too.
    press(&mut app, "<C-p>");
    assert!(matches!(app.overlay, Some(Overlay::Palette(_))));
}

#[test]
fn quit_waits_for_nothing_when_saved() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "q");
    assert!(app.quit);
}

#[test]
fn a_draft_is_offered_and_restored() {
    let portfolio = styr::model::Portfolio::fold(&demo_ops());
    let item = portfolio.items().next().expect("item").clone();
    let mut form = FormState::for_item(&item);
    form.fields[0].editor = styr::tui::editor::Editor::new("Halvskrevet tittel");
    let mut app = app_with(&demo_ops(), Lang::Nb, "dark", false);
    app.overlay = Some(Overlay::DraftOffer(Box::new(
        FormState::from_draft(&form.to_draft()).expect("draft reads back"),
    )));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("ulagret skjema"), "{s}");
    assert!(app.draft().is_some(), "an unanswered offer stays a draft");
    let effects = press(&mut app, "j");
    assert_eq!(effects, vec![Effect::SaveDraft(None)]);
    let Screen::Form(f) = &app.screen else {
        panic!("form expected")
    };
    assert_eq!(f.fields[0].editor.text, "Halvskrevet tittel");
    assert!(
        app.draft().is_some(),
        "the open, changed form is what a signal would save"
    );
}

#[test]
fn any_terminal_size_draws_without_panic() {
    let mut app = demo_app(Lang::Nb);
    for (w, h) in [
        (1, 1),
        (2, 1),
        (10, 3),
        (39, 9),
        (40, 10),
        (80, 24),
        (500, 200),
        (1, 200),
        (500, 1),
    ] {
        let s = screen(&mut app, w, h);
        if (w < 40 || h < 10) && w >= 36 {
            assert!(
                s.starts_with("Terminalen er for liten: minst 40x10"),
                "{w}x{h}: {s}"
            );
        }
    }
    for screen_keys in ["<Enter>", "<Esc>e", "<Esc>?", "<Esc>:"] {
        press(&mut app, screen_keys);
        for (w, h) in [(1, 1), (40, 10), (41, 11), (300, 100)] {
            screen(&mut app, w, h);
        }
    }
    let s = screen(&mut app, 30, 5);
    assert!(s.contains("for liten"), "{s}");
}

#[test]
fn english_with_lang_en() {
    let mut app = demo_app(Lang::En);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Incoming (24)"), "{s}");
    assert!(s.contains("35 items"), "{s}");
}

/// The cells of the screen row that holds `text`, from where it starts.
fn cells_of(
    t: &ratatui::Terminal<ratatui::backend::TestBackend>,
    text: &str,
) -> Vec<ratatui::buffer::Cell> {
    let buf = t.backend().buffer();
    let w = buf.area.width;
    for y in 0..buf.area.height {
        let row: Vec<ratatui::buffer::Cell> = (0..w).map(|x| buf[(x, y)].clone()).collect();
        let line: Vec<&str> = row.iter().map(|c| c.symbol()).collect();
        let want: Vec<String> = text.chars().map(|c| c.to_string()).collect();
        if let Some(x) = line
            .windows(want.len())
            .position(|win| win == want.as_slice())
        {
            return row[x..x + want.len()].to_vec();
        }
    }
    panic!("{text:?} is not on screen");
}

fn underlined(cell: &ratatui::buffer::Cell) -> bool {
    cell.modifier.contains(ratatui::style::Modifier::UNDERLINED)
}

fn shown_titles(app: &styr::tui::App) -> Vec<String> {
    app.columns
        .iter()
        .flat_map(|c| &c.items)
        .filter_map(|id| app.view().get(id))
        .map(|i| i.title.clone())
        .collect()
}

#[test]
fn typing_a_query_shows_the_hits_with_matched_letters_marked() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "/døgnå");
    let titles = shown_titles(&app);
    let index = app.search_index();
    let hits = styr::search::search(
        &index,
        &styr::search::Query {
            generation: 0,
            text: "døgnå".into(),
        },
        None,
    )
    .hits;
    assert_eq!(titles.len(), hits.len(), "only hits are shown: {titles:?}");
    assert!(titles.len() < 35);
    // Both Døgnåpen measures, each first in its column (the best matches).
    for c in app.columns.iter().filter(|c| !c.items.is_empty()) {
        let first = &app.view().get(&c.items[0]).expect("item").title;
        assert!(
            c.items.len() == 1 || first.starts_with("Døgnåpen"),
            "{first}"
        );
    }
    assert_eq!(
        titles.iter().filter(|t| t.starts_with("Døgnåpen")).count(),
        2
    );
    let t = terminal(&mut app, 120, 40);
    let cells = cells_of(&t, "Døgnåpen digital");
    let marked: String = cells
        .iter()
        .filter(|c| underlined(c))
        .map(|c| c.symbol())
        .collect();
    assert_eq!(marked, "Døgnå", "the matched letters are underlined");
    assert!(cells
        .iter()
        .take(5)
        .all(|c| c.modifier.contains(ratatui::style::Modifier::BOLD)));
    let s = screen(&mut app, 120, 40);
    assert!(
        s.contains(&format!("Filter: døgnå▏  ({} treff)", hits.len())),
        "{s}"
    );
    // Without colour the match is still marked.
    let mut plain = app_with(&demo_ops(), Lang::Nb, "dark", true);
    press(&mut plain, "/døgnå");
    let t = terminal(&mut plain, 120, 40);
    assert!(cells_of(&t, "Døgnå").iter().all(underlined));
}

#[test]
fn a_late_answer_to_an_older_query_is_dropped() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "/");
    let first = update(&mut app, Msg::Key(keys("d")[0]));
    let second = update(&mut app, Msg::Key(keys("ø")[0]));
    let (Some(Effect::Search(q1)), Some(Effect::Search(q2))) = (first.first(), second.first())
    else {
        panic!("each key asks for a search: {first:?} {second:?}")
    };
    assert!(q2.generation > q1.generation);
    // Nothing answered yet: every card shows, and the filter line says a search is out.
    assert_eq!(shown_titles(&app).len(), 35);
    assert!(screen(&mut app, 120, 40).contains("søker …"));
    let index = app.search_index();
    update(
        &mut app,
        Msg::SearchResults(styr::search::search(&index, q2, None)),
    );
    let after_fresh = shown_titles(&app);
    assert!(after_fresh.len() < 35, "{after_fresh:?}");
    assert!(!screen(&mut app, 120, 40).contains("søker …"));
    // The answer to "d" (many more hits) arrives last, and changes nothing.
    let late = styr::search::search(&index, q1, None);
    assert!(late.hits.len() > after_fresh.len());
    update(&mut app, Msg::SearchResults(late));
    assert_eq!(shown_titles(&app), after_fresh);
}

#[test]
fn clearing_the_filter_shows_every_card_again() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "/fosen");
    let filtered = shown_titles(&app).len();
    assert!(filtered < 35, "{filtered}");
    // Deleting the text shows all at once, without waiting for a search.
    let effects = press(
        &mut app,
        "<Backspace><Backspace><Backspace><Backspace><Backspace>",
    );
    assert!(matches!(effects.last(), None | Some(Effect::Search(_))));
    assert_eq!(shown_titles(&app).len(), 35);
    // Esc closes the filter; an answer still on its way is then dropped.
    press(&mut app, "<Esc>/");
    let asked = update(&mut app, Msg::Key(keys("x")[0]));
    let Some(Effect::Search(q)) = asked.first() else {
        panic!("{asked:?}")
    };
    press(&mut app, "<Esc>");
    assert!(app.filter.is_none());
    let index = app.search_index();
    update(
        &mut app,
        Msg::SearchResults(styr::search::search(&index, q, None)),
    );
    assert_eq!(shown_titles(&app).len(), 35);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Innkommet (24)"), "{s}");
}

#[test]
fn a_change_while_filtering_is_searched_again() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "/døgnåpen<Enter>");
    let before = shown_titles(&app).len();
    assert!(before < 35);
    // A new card that matches shows up once the renewed search answers.
    let effects = press(&mut app, "nDøgnåpen skole<C-s>");
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Search(_))),
        "{effects:?}"
    );
    let titles = shown_titles(&app);
    assert!(titles.iter().any(|t| t == "Døgnåpen skole"), "{titles:?}");
    assert_eq!(titles.len(), before + 1);
}

/// A card moved while the board is filtered shows in its new column at once (before the
/// renewed search answers, its old answer is placed by where each item is now) and
/// stays there when the answer comes (placed by the groups the answer carries).
#[test]
fn a_card_moved_while_filtering_shows_in_its_new_column() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "/døgnåpen<Enter>");
    let id = app.selected_id().expect("a hit is selected");
    let column_of = |app: &styr::tui::App, id| {
        app.columns
            .iter()
            .position(|c| c.items.contains(&id))
            .expect("the card is on the board")
    };
    let was = column_of(&app, id);
    let totals: Vec<usize> = app.columns.iter().map(|c| c.total).collect();
    let effects = update(&mut app, Msg::Key(keys("L")[0]));
    let Some(Effect::Search(q)) = effects.iter().find(|e| matches!(e, Effect::Search(_))) else {
        panic!("a move while filtering searches again: {effects:?}")
    };
    assert_eq!(column_of(&app, id), was + 1, "moved before the answer");
    // Each column's count of all its cards follows the move too.
    assert_eq!(app.columns[was].total, totals[was] - 1);
    assert_eq!(app.columns[was + 1].total, totals[was + 1] + 1);
    let index = app.search_index();
    update(
        &mut app,
        Msg::SearchResults(styr::search::search(&index, q, None)),
    );
    assert_eq!(column_of(&app, id), was + 1, "and after it");
    assert_eq!(
        app.selected_id(),
        Some(id),
        "the selection follows the card"
    );
}
