//! The triage screen as a whole app: keys through the real keymap and `update`, ops
//! written to a real store, the screen drawn with TestBackend. Every verdict is one
//! `MoveItems` op with its reason, the next proposal comes up by itself, bulk verdicts
//! say how many they move, and undo takes them back.

mod common;

use common::tui::*;
use styr::i18n::Lang;
use styr::model::{HistoryEvent, ItemId, Payload, Role, StageKey};
use styr::sync::{Identity, SyncEvent};
use styr::tui::app::{Overlay, Screen};
use styr::tui::keymap::Action;
use styr::tui::triage::TriageScreen;
use styr::tui::App;

fn triage(app: &App) -> &TriageScreen {
    match &app.screen {
        Screen::Triage(s) => s,
        _ => panic!("the triage screen is open"),
    }
}

fn title(app: &App, id: ItemId) -> String {
    app.view().get(&id).expect("the item exists").title.clone()
}

fn stage(app: &App, id: ItemId) -> String {
    app.view()
        .get(&id)
        .expect("the item exists")
        .stage
        .as_str()
        .to_string()
}

/// The one `MoveItems` op among `effects`: its items, stage and reason.
fn one_move(effects: &[styr::tui::Effect]) -> (Vec<ItemId>, StageKey, Option<String>) {
    let ops = persisted(effects);
    assert_eq!(ops.len(), 1, "one op: {ops:?}");
    match &ops[0].payload {
        Payload::MoveItems { items, to, reason } => (items.clone(), to.clone(), reason.clone()),
        other => panic!("a MoveItems op, got {other:?}"),
    }
}

#[test]
fn the_triage_screen_lists_incoming_proposals_with_a_preview() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "t");
    let s = triage(&app);
    assert_eq!(s.stage.as_str(), "innkommet");
    assert_eq!(s.list.len(), 24);
    let first = s.list[0];
    let text = screen(&mut app, 100, 30);
    assert!(text.contains("Innkommet (24)"), "{text}");
    assert!(text.contains(&title(&app, first)), "{text}");
    // The preview shows the proposer of the selected proposal.
    let submitter = app.view().get(&first).expect("item").submitter.clone();
    assert!(!submitter.is_empty());
    assert!(text.contains(&submitter), "{text}");
    // Esc goes back to the board.
    press(&mut app, "<Esc>");
    assert!(matches!(app.screen, Screen::Board));
}

#[test]
fn accept_is_one_key_and_the_next_proposal_comes_up() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "t");
    let first = triage(&app).list[0];
    let second = triage(&app).list[1];
    let (items, to, reason) = one_move(&press(&mut app, "a"));
    assert_eq!(items, vec![first]);
    assert_eq!(to.as_str(), "vurdering");
    assert_eq!(reason, None);
    assert_eq!(stage(&app, first), "vurdering");
    assert_eq!(triage(&app).selected_id(), Some(second));
    assert_eq!(triage(&app).list.len(), 23);
    let text = screen(&mut app, 100, 30);
    assert!(text.contains("→ Vurdering"), "{text}");
}

#[test]
fn reject_and_park_ask_for_a_reason_that_history_keeps() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "t");
    let first = triage(&app).list[0];
    // Enter without a reason moves nothing and says so.
    let effects = press(&mut app, "r<Enter>");
    assert!(persisted(&effects).is_empty());
    assert!(triage(&app)
        .prompt
        .as_ref()
        .is_some_and(|p| p.missing_reason));
    let text = screen(&mut app, 100, 30);
    assert!(text.contains("Skriv en begrunnelse"), "{text}");
    let (items, to, reason) = one_move(&press(&mut app, "Dekkes av KS-løsningen<Enter>"));
    assert_eq!(items, vec![first]);
    assert_eq!(to.as_str(), "avvist");
    assert_eq!(reason.as_deref(), Some("Dekkes av KS-løsningen"));
    // The reason is in the item's history, as the store keeps it.
    with_store(|store| {
        let history = store.history(&first).expect("history");
        assert!(
            history.iter().any(|h| matches!(
                &h.event,
                HistoryEvent::Moved { reason: Some(r), .. } if r == "Dekkes av KS-løsningen"
            )),
            "{history:?}"
        );
    });
    // Esc on the prompt moves nothing.
    let effects = press(&mut app, "p<Esc>");
    assert!(persisted(&effects).is_empty());
    assert!(triage(&app).prompt.is_none());
    // The rejected proposal's reason shows in the preview of the Avvist list (the list
    // wraps round from the first stage to the last).
    press(&mut app, "h");
    assert_eq!(triage(&app).stage.as_str(), "avvist");
    assert_eq!(triage(&app).selected_id(), Some(first));
    let text = screen(&mut app, 100, 30);
    assert!(
        text.contains("Begrunnelse: Dekkes av KS-løsningen"),
        "{text}"
    );
}

#[test]
fn a_bulk_park_is_one_op_with_one_reason_and_one_undo() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "t");
    let marked: Vec<ItemId> = triage(&app).list[..3].to_vec();
    press(&mut app, "   ");
    assert_eq!(triage(&app).marks.len(), 3);
    // The prompt says how many before anything moves.
    let effects = press(&mut app, "p");
    assert!(persisted(&effects).is_empty());
    let text = screen(&mut app, 100, 30);
    assert!(text.contains("3 saker → Parkert"), "{text}");
    let (items, to, reason) = one_move(&press(&mut app, "Venter på nasjonal løsning<Enter>"));
    assert_eq!(items, marked);
    assert_eq!(to.as_str(), "parkert");
    assert_eq!(reason.as_deref(), Some("Venter på nasjonal løsning"));
    for id in &marked {
        assert_eq!(stage(&app, *id), "parkert");
    }
    assert!(triage(&app).marks.is_empty());
    assert_eq!(triage(&app).list.len(), 21);
    // One undo takes all three back.
    let effects = press(&mut app, "u");
    assert!(!persisted(&effects).is_empty());
    for id in &marked {
        assert_eq!(stage(&app, *id), "innkommet");
    }
    assert_eq!(triage(&app).list.len(), 24);
}

#[test]
fn a_bulk_accept_also_shows_the_count_first() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "t*");
    assert_eq!(triage(&app).marks.len(), 24);
    press(&mut app, "c");
    assert!(triage(&app).marks.is_empty());
    press(&mut app, " j ");
    assert_eq!(triage(&app).marks.len(), 2);
    assert!(persisted(&press(&mut app, "a")).is_empty());
    assert!(screen(&mut app, 100, 30).contains("2 saker → Vurdering"));
    let (items, to, reason) = one_move(&press(&mut app, "<Enter>"));
    assert_eq!(items.len(), 2);
    assert_eq!(to.as_str(), "vurdering");
    assert_eq!(reason, None, "accepting needs no reason");
}

#[test]
fn search_narrows_the_list_and_finds_by_two_keys() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "t/skole<Enter>");
    let list = triage(&app).list.clone();
    assert!(!list.is_empty());
    assert!(list.len() < 24, "{}", list.len());
    let first = title(&app, list[0]).to_lowercase();
    assert!(first.contains("skole"), "{first}");
    let text = screen(&mut app, 100, 30);
    assert!(text.contains("Filter: skole"), "{text}");
    // Esc clears the filter first, then leaves.
    press(&mut app, "<Esc>");
    assert!(app.filter.is_none());
    assert_eq!(triage(&app).list.len(), 24);
}

#[test]
fn the_detail_view_returns_to_triage() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "tjj ");
    let selected = triage(&app).selected_id();
    press(&mut app, "<Enter>");
    assert!(matches!(app.screen, Screen::Detail { .. }));
    press(&mut app, "<Esc>");
    assert_eq!(triage(&app).selected_id(), selected);
    assert_eq!(triage(&app).marks.len(), 1, "marks are kept");
}

#[test]
fn the_palette_offers_every_triage_action() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "t:");
    assert!(matches!(app.overlay, Some(Overlay::Palette(_))));
    let entries = styr::tui::palette::entries(&app, styr::tui::keymap::Context::Triage, "");
    for a in [
        Action::Accept,
        Action::Park,
        Action::Reject,
        Action::Mark,
        Action::MarkAll,
        Action::ClearMarks,
        Action::Filter,
    ] {
        assert!(entries.contains(&a), "{a:?} in {entries:?}");
    }
    // Typing narrows to the action, and Enter runs it: the reject prompt opens.
    press(&mut app, "avvis<Enter>");
    assert!(triage(&app).prompt.is_some());
    // The board's palette opens triage.
    let mut app = demo_app(Lang::Nb);
    press(&mut app, ":innspill<Enter>");
    assert!(matches!(app.screen, Screen::Triage(_)));
}

#[test]
fn a_member_may_not_move_proposals_and_is_told_before_typing_a_reason() {
    let mut app = synced_app(&demo_ops(), Lang::Nb);
    sync_event(
        &mut app,
        SyncEvent::Identity(Identity {
            user: "medlem-a".into(),
            role: Role::Member,
            org: "Åfjord".into(),
        }),
    );
    press(&mut app, "t");
    let effects = press(&mut app, "r");
    assert!(persisted(&effects).is_empty());
    assert!(triage(&app).prompt.is_none());
    let message = app.message.clone().unwrap_or_default();
    assert!(message.contains("Rollen din"), "{message}");
    // A secretary may.
    sync_event(
        &mut app,
        SyncEvent::Identity(Identity {
            user: "sekretaer".into(),
            role: Role::Secretary,
            org: "Fosen IKT".into(),
        }),
    );
    press(&mut app, "r");
    assert!(triage(&app).prompt.is_some());
}

#[test]
fn every_size_draws_the_triage_screen_without_panic() {
    let mut app = demo_app(Lang::En);
    press(&mut app, "t  p");
    for (w, h) in [
        (1, 1),
        (20, 5),
        (40, 10),
        (60, 12),
        (71, 20),
        (72, 20),
        (200, 60),
    ] {
        let text = screen(&mut app, w, h);
        assert!(!text.is_empty());
    }
    let text = screen(&mut app, 100, 30);
    assert!(text.contains("2 items → Parked"), "{text}");
}

/// The id of the demo item titled `title`.
fn item_titled(app: &App, title: &str) -> ItemId {
    app.view()
        .items()
        .find(|i| i.title == title)
        .unwrap_or_else(|| panic!("no item {title}"))
        .id
}

#[test]
fn a_new_proposal_like_an_existing_one_is_shown_before_it_is_created() {
    let mut app = demo_app(Lang::Nb);
    let before = app.view().len();
    // Another spelling of a demo proposal.
    let effects = press(&mut app, "nDigitale skolebevis<C-s>");
    assert!(persisted(&effects).is_empty(), "nothing is created yet");
    let text = screen(&mut app, 100, 30);
    assert!(text.contains("Ligner på noe som finnes"), "{text}");
    assert!(text.contains("Digitalt skolebevis (Innkommet"), "{text}");
    // A second Ctrl-S creates it anyway.
    let ops = persisted(&press(&mut app, "<C-s>"));
    assert_eq!(ops.len(), 1);
    assert!(matches!(ops[0].payload, Payload::CreateItem { .. }));
    assert_eq!(app.view().len(), before + 1);
}

#[test]
fn a_proposal_unlike_anything_is_created_at_once() {
    let mut app = demo_app(Lang::Nb);
    let ops = persisted(&press(&mut app, "nSnøbrøyting med droner i Vågå<C-s>"));
    assert_eq!(ops.len(), 1);
    assert!(matches!(ops[0].payload, Payload::CreateItem { .. }));
}

#[test]
fn linking_adds_the_proposal_to_the_existing_item_instead_of_creating_it() {
    let mut app = demo_app(Lang::Nb);
    let existing = item_titled(&app, "Digitalt skolebevis");
    let before = app.view().len();
    press(
        &mut app,
        "nDigitale skolebevis<Tab>Vitnemål i lommeboka<Tab>Ørland kommune<C-s>",
    );
    let ops = persisted(&press(&mut app, "<C-l>"));
    assert_eq!(ops.len(), 1);
    match &ops[0].payload {
        Payload::EditItem { item, changes } => {
            assert_eq!(*item, existing);
            assert_eq!(changes.len(), 1);
        }
        other => panic!("an edit of the existing item, got {other:?}"),
    }
    assert_eq!(app.view().len(), before, "nothing new was created");
    let description = app.view().get(&existing).expect("item").description.clone();
    assert!(
        description.ends_with(
            "Også meldt inn av Ørland kommune: Digitale skolebevis. Vitnemål i lommeboka"
        ),
        "{description}"
    );
    assert!(matches!(app.screen, Screen::Board));
    assert_eq!(app.selected_id(), Some(existing));
    // One undo takes the link back.
    press(&mut app, "u");
    assert!(!app
        .view()
        .get(&existing)
        .expect("item")
        .description
        .contains("Ørland"));
}

#[test]
fn editing_after_the_warning_looks_again() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "nDigitale skolebevis<C-s>");
    assert!(screen(&mut app, 100, 30).contains("Ligner på"));
    // Changing the title to something else: the next save looks again, finds nothing
    // alike and creates at once.
    let effects = press(
        &mut app,
        &format!("{}Værvarsel på SMS<C-s>", "<Backspace>".repeat(19)),
    );
    let ops = persisted(&effects);
    assert_eq!(ops.len(), 1, "{ops:?}");
    assert!(matches!(ops[0].payload, Payload::CreateItem { .. }));
}

/// Scores the selected proposal of the triage screen with five equal marks.
fn score_selected(app: &mut App, mark: char) {
    press(app, "S");
    assert!(matches!(app.screen, Screen::Scoring(_)));
    let script: String = [mark; 5]
        .iter()
        .map(|m| format!("{m}j"))
        .collect::<String>();
    press(app, &script);
    let ops = persisted(&press(app, "<C-s>"));
    assert_eq!(ops.len(), 1, "one score op");
    assert!(matches!(ops[0].payload, Payload::ScoreItem { .. }));
    assert!(
        matches!(app.screen, Screen::Triage(_)),
        "saving goes back to triage"
    );
}

#[test]
fn scores_from_triage_sort_and_filter_the_list() {
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "tjj");
    let third = triage(&app).selected_id().expect("a selection");
    score_selected(&mut app, '5'); // 25: Må ha
    assert_eq!(triage(&app).selected_id(), Some(third), "the place is kept");
    press(&mut app, "j");
    let fourth = triage(&app).selected_id().expect("a selection");
    score_selected(&mut app, '2'); // 10: Kan ha
                                   // By score: the best first, then the lower, then the unscored in board order.
    press(&mut app, "s");
    let list = triage(&app).list.clone();
    assert_eq!(list[..2], [third, fourth]);
    assert_eq!(list.len(), 24);
    let text = screen(&mut app, 100, 30);
    assert!(text.contains("etter poeng"), "{text}");
    assert!(text.contains("Må ha 25"), "{text}");
    assert!(text.contains("Kan ha 10"), "{text}");
    // The preview says what the scorers gave.
    assert!(text.contains("Snitt 25"), "{text}");
    // Filter by class: Må ha only, then Bør ha (none), and round to all again.
    press(&mut app, "f");
    assert_eq!(triage(&app).list, vec![third]);
    assert!(screen(&mut app, 100, 30).contains("bare Må ha"));
    press(&mut app, "f");
    assert!(triage(&app).list.is_empty());
    press(&mut app, "f");
    assert_eq!(triage(&app).list, vec![fourth], "Kan ha");
    press(&mut app, "f");
    assert!(triage(&app).list.is_empty(), "Skal ikke ha");
    press(&mut app, "f");
    assert_eq!(triage(&app).list.len(), 22, "the unscored");
    press(&mut app, "f");
    assert_eq!(triage(&app).list.len(), 24, "all again");
}

#[test]
fn a_proposal_that_brings_a_system_and_retires_none_is_flagged() {
    use styr::model::FieldValue;
    let mut app = demo_app(Lang::Nb);
    press(&mut app, "t");
    let first = triage(&app).list[0];
    // Say it brings in a system (an edit, as the form would make it).
    let payload = Payload::EditItem {
        item: first,
        changes: vec![FieldValue::IntroducesSystem("Elevportal X".into())],
    };
    let effects = app.commit(payload, true);
    perform(&mut app, &effects);
    let text = screen(&mut app, 100, 30);
    assert!(text.contains("⚑"), "{text}");
    assert!(text.contains("Innfører et nytt system"), "{text}");
    assert!(text.contains("Nytt system: Elevportal X"), "{text}");
    // Naming the system it retires takes the flag away.
    let effects = app.commit(
        Payload::EditItem {
            item: first,
            changes: vec![FieldValue::RetiresSystem("Gammel elevportal".into())],
        },
        true,
    );
    perform(&mut app, &effects);
    let text = screen(&mut app, 100, 30);
    assert!(!text.contains("⚑"), "{text}");
}
