//! The app synced with a server, fed the sync loop's messages through the real `update`:
//! remote changes slide in without moving the selection or touching an open form, the
//! status line says how the link is, and roles hide and refuse what they cannot do.

mod common;

use common::tui::*;
use styr::i18n::Lang;
use styr::model::{Op, Payload, Role, StageKey};
use styr::protocol::SeqOp;
use styr::sync::{Identity, Link, SyncEvent};
use styr::tui::app::{Overlay, Screen};
use styr::tui::{update, Msg};

fn remote(seq: u64, author: &str, payload: Payload) -> SyncEvent {
    let mut op = Op::new(author, FIXED_MS, payload);
    op.base_seq = seq - 1;
    SyncEvent::Confirmed(vec![SeqOp { seq, op }])
}

fn title_of(app: &styr::tui::App, id: styr::model::ItemId) -> String {
    app.view().get(&id).expect("item").title.clone()
}

fn as_role(app: &mut styr::tui::App, role: Role) {
    sync_event(
        app,
        SyncEvent::Identity(Identity {
            user: "radgiver-a".into(),
            role,
            org: "Ørland kommune".into(),
        }),
    );
    sync_event(app, SyncEvent::Link(Link::Online));
}

#[test]
fn a_remote_move_appears_and_the_selection_stays() {
    let ops = demo_ops();
    let n = ops.len() as u64;
    let mut app = synced_app(&ops, Lang::Nb);
    as_role(&mut app, Role::Chair);
    press(&mut app, "j");
    let selected = app.selected_id().expect("a selection");
    // Someone else moves another incoming proposal to Vurdering.
    let other = app.columns[0].items[0];
    assert_ne!(other, selected);
    sync_event(
        &mut app,
        remote(
            n + 1,
            "radgiver-b",
            Payload::MoveItem {
                item: other,
                to: StageKey::new("vurdering"),
            },
        ),
    );
    assert_eq!(
        app.selected_id(),
        Some(selected),
        "the selection did not move"
    );
    assert_eq!(
        app.view().get(&other).expect("item").stage.as_str(),
        "vurdering"
    );
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("Vurdering (1)"), "{s}");
    assert!(s.contains("● tilkoblet"), "{s}");
    assert_eq!(
        stored_replica().view(),
        app.view(),
        "screen and cache agree"
    );
}

#[test]
fn a_remote_edit_does_not_touch_an_open_form() {
    let ops = demo_ops();
    let n = ops.len() as u64;
    let mut app = synced_app(&ops, Lang::Nb);
    as_role(&mut app, Role::Member);
    let id = app.selected_id().expect("a selection");
    press(&mut app, "e");
    press(&mut app, " (utkast)");
    let Screen::Form(form) = &app.screen else {
        panic!("the form is open");
    };
    let typed = form.fields[0].editor.text.clone();
    assert!(typed.ends_with(" (utkast)"), "{typed}");
    sync_event(
        &mut app,
        remote(
            n + 1,
            "radgiver-b",
            Payload::EditItem {
                item: id,
                changes: vec![styr::model::FieldValue::Title(
                    "Nytt navn fra Radgiver-B".into(),
                )],
            },
        ),
    );
    let Screen::Form(form) = &app.screen else {
        panic!("the form is still open");
    };
    assert_eq!(form.fields[0].editor.text, typed, "what is typed stays");
    assert_eq!(title_of(&app, id), "Nytt navn fra Radgiver-B");
}

#[test]
fn offline_is_calm_and_pending_changes_are_counted() {
    let mut app = synced_app(&demo_ops(), Lang::Nb);
    as_role(&mut app, Role::Secretary);
    sync_event(
        &mut app,
        SyncEvent::Link(Link::Offline {
            reason: "connection refused".into(),
            retry_in_ms: 800,
        }),
    );
    press(&mut app, "L");
    update(&mut app, Msg::Saved { count: 1 });
    let s = screen(&mut app, 80, 24);
    let status = s.lines().last().expect("a status line");
    assert!(status.contains("○ frakoblet"), "{status}");
    assert!(status.contains("1 venter"), "{status}");
    assert!(
        !s.contains("connection refused"),
        "offline is a state, not an error: {s}"
    );
    assert_eq!(stored_replica().pending().len(), 1);
}

#[test]
fn a_pending_change_stays_on_top_until_the_server_orders_it() {
    let ops = demo_ops();
    let n = ops.len() as u64;
    let mut app = synced_app(&ops, Lang::Nb);
    as_role(&mut app, Role::Secretary);
    let id = app.selected_id().expect("a selection");
    let effects = press(&mut app, "L");
    let mine = persisted(&effects).pop().expect("a move");
    assert_eq!(mine.base_seq, n, "the op says what its author had seen");
    // Radgiver-B parks it at the same time; the server orders Radgiver-B's first.
    sync_event(
        &mut app,
        remote(
            n + 1,
            "radgiver-b",
            Payload::MoveItem {
                item: id,
                to: StageKey::new("parkert"),
            },
        ),
    );
    assert_eq!(
        app.view().get(&id).expect("item").stage.as_str(),
        "vurdering"
    );
    sync_event(
        &mut app,
        SyncEvent::Confirmed(vec![SeqOp {
            seq: n + 2,
            op: mine,
        }]),
    );
    let item = app.view().get(&id).expect("item");
    assert_eq!(item.stage.as_str(), "vurdering", "mine came later and wins");
    assert!(item
        .sync
        .conflict(styr::model::conflict::Slot::Stage)
        .is_some());
    assert!(app.replica.pending().is_empty());
    assert_eq!(stored_replica().view(), app.view());
}

#[test]
fn a_refused_change_is_taken_back_with_a_message() {
    let mut app = synced_app(&demo_ops(), Lang::En);
    as_role(&mut app, Role::Secretary);
    let id = app.selected_id().expect("a selection");
    let effects = press(&mut app, "L");
    let mine = persisted(&effects).pop().expect("a move");
    // The server knows better (its stages, say): it refuses.
    styr_reject(&mine);
    sync_event(
        &mut app,
        SyncEvent::Refused {
            op_id: mine.op_id,
            message: "moving an item to this stage needs the role chair".into(),
            reason: None,
        },
    );
    assert_eq!(
        app.view().get(&id).expect("item").stage.as_str(),
        "innkommet"
    );
    let s = screen(&mut app, 100, 24);
    assert!(s.contains("The server refused the change"), "{s}");
}

/// A real server refuses a member's move, naming the rule by its code; the app says it
/// in bokmål in the status line. A code this styr does not know shows the server's text.
#[test]
fn a_servers_refusal_is_said_in_bokmal() {
    use styr::protocol::Reason;
    use styr::sync::{HttpTransport, SyncError, Transport};
    let mut app = synced_app(&demo_ops(), Lang::Nb);
    // The app believes it is a secretary (an old role, say); the server knows better.
    as_role(&mut app, Role::Secretary);
    let id = app.selected_id().expect("a selection");
    let mine = persisted(&press(&mut app, "L")).pop().expect("a move");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let refused = rt.block_on(async {
        let server = common::server::TestServer::start().await;
        let token = server.add_user("medlem", Role::Member).await;
        let url = styr::sync::ServerUrl::parse(&server.url, true).expect("url");
        let transport = HttpTransport::new(url, &token).expect("transport");
        transport.push(std::slice::from_ref(&mine)).await
    });
    let Err(SyncError::Refused {
        op_index: 0,
        message,
        reason,
    }) = refused
    else {
        panic!("expected a refusal, got {refused:?}");
    };
    assert!(message.contains("needs the role secretary"), "{message}");
    assert_eq!(
        reason,
        Some(Reason::RoleNeeded {
            action: "moving an item to this stage".into(),
            needs: Role::Secretary,
            has: Role::Member,
        })
    );
    styr_reject(&mine);
    sync_event(
        &mut app,
        SyncEvent::Refused {
            op_id: mine.op_id,
            message: message.clone(),
            reason,
        },
    );
    assert_eq!(
        app.view().get(&id).expect("item").stage.as_str(),
        "innkommet"
    );
    let s = screen(&mut app, 220, 24);
    assert!(
        s.contains("Serveren avviste endringen: Rollen din (medlem) kan ikke gjøre dette; det krever sekretær."),
        "{s}"
    );
    assert!(!s.contains("needs the role"), "no English: {s}");
    // A rule from a newer server: its own words.
    sync_event(
        &mut app,
        SyncEvent::Refused {
            op_id: mine.op_id,
            message: "the agenda is frozen".into(),
            reason: Some(Reason::Unknown),
        },
    );
    let s = screen(&mut app, 220, 24);
    assert!(
        s.contains("Serveren avviste endringen: the agenda is frozen"),
        "{s}"
    );
}

fn styr_reject(op: &Op) {
    with_store(|store| {
        store.reject(&op.op_id).expect("rejected");
    });
}

#[test]
fn a_viewer_sees_no_changes_offered_and_gets_a_reason_for_keys() {
    let mut app = synced_app(&demo_ops(), Lang::Nb);
    as_role(&mut app, Role::Viewer);
    let before = app.view().clone();
    let effects = press(&mut app, "Lnde");
    assert!(persisted(&effects).is_empty());
    assert_eq!(app.view(), &before);
    assert!(matches!(app.screen, Screen::Board));
    press(&mut app, "?");
    assert!(matches!(app.overlay, Some(Overlay::Help)));
    let s = screen(&mut app, 80, 30);
    assert!(
        !s.contains("Rediger saken") && !s.contains("Slett saken"),
        "{s}"
    );
    assert!(s.contains("Åpne saken"), "{s}");
    assert!(s.contains("kun lesing"), "{s}");
}

#[test]
fn read_only_mode_refuses_changes_even_for_a_chair() {
    let mut app = synced_app(&demo_ops(), Lang::En);
    app.read_only = true;
    as_role(&mut app, Role::Chair);
    let effects = press(&mut app, "L");
    assert!(persisted(&effects).is_empty());
    assert_eq!(
        app.message.as_deref(),
        Some("The board is open read-only; nothing can be changed.")
    );
}

#[test]
fn a_member_proposes_and_edits_but_cannot_move_or_delete() {
    let mut app = synced_app(&demo_ops(), Lang::En);
    as_role(&mut app, Role::Member);
    let effects = press(&mut app, "Ld");
    assert!(persisted(&effects).is_empty());
    assert!(
        app.message.as_deref().unwrap_or("").contains("member"),
        "{:?}",
        app.message
    );
    let effects = press(&mut app, "nChatbot for byggesak<C-s>");
    assert_eq!(persisted(&effects).len(), 1, "a member may propose");
}

#[test]
fn a_secretary_cannot_move_past_prioritert_and_keeps_the_card() {
    let mut app = synced_app(&demo_ops(), Lang::En);
    as_role(&mut app, Role::Secretary);
    // The first item in Prioritert.
    let col = app
        .columns
        .iter()
        .position(|c| c.stage.as_str() == "prioritert")
        .expect("a Prioritert column");
    app.col = col;
    let id = app.selected_id().expect("an item in Prioritert");
    let effects = press(&mut app, "L");
    assert!(persisted(&effects).is_empty());
    assert_eq!(
        app.view().get(&id).expect("item").stage.as_str(),
        "prioritert"
    );
    let msg = app.message.clone().unwrap_or_default();
    assert!(msg.contains("secretary") && msg.contains("chair"), "{msg}");
}

#[test]
fn concurrent_texts_are_both_shown_and_the_user_picks_one() {
    let ops = demo_ops();
    let n = ops.len() as u64;
    let mut app = synced_app(&ops, Lang::Nb);
    as_role(&mut app, Role::Secretary);
    let id = app.selected_id().expect("a selection");
    let text = |t: &str| Payload::EditItem {
        item: id,
        changes: vec![styr::model::FieldValue::Description(t.into())],
    };
    // Radgiver-A and Radgiver-B both rewrote the description, neither having seen the other's.
    let mut radgiver_a = Op::new(
        "radgiver-a",
        FIXED_MS,
        text("Karis versjon: felles løsning."),
    );
    radgiver_a.base_seq = n;
    let mut radgiver_b = Op::new(
        "radgiver-b",
        FIXED_MS,
        text("Olas versjon: egen løsning per kommune."),
    );
    radgiver_b.base_seq = n;
    sync_event(
        &mut app,
        SyncEvent::Confirmed(vec![
            SeqOp {
                seq: n + 1,
                op: radgiver_a,
            },
            SeqOp {
                seq: n + 2,
                op: radgiver_b,
            },
        ]),
    );
    press(&mut app, "<Enter>");
    let s = screen(&mut app, 80, 40);
    assert!(
        s.contains("endret samtidig av radgiver-a (vist: radgiver-b)"),
        "{s}"
    );
    assert!(s.contains("Den andre versjonen (radgiver-a):"), "{s}");
    assert!(s.contains("Karis versjon: felles løsning."), "{s}");
    assert!(s.contains("Olas versjon"), "{s}");

    // Take Radgiver-A's: one edit, written after seeing both.
    let effects = press(&mut app, "v");
    let mine = persisted(&effects).pop().expect("an edit");
    assert_eq!(mine.base_seq, n + 2);
    assert_eq!(
        app.view().get(&id).expect("item").description,
        "Karis versjon: felles løsning."
    );
    assert_eq!(
        app.message.as_deref(),
        Some("Valgte versjonen til radgiver-a.")
    );
    // Once the server has ordered it, the conflict is settled on every screen.
    sync_event(
        &mut app,
        SyncEvent::Confirmed(vec![SeqOp {
            seq: n + 3,
            op: mine,
        }]),
    );
    assert!(app.view().get(&id).expect("item").sync.conflicts.is_empty());
    let s = screen(&mut app, 80, 40);
    assert!(!s.contains("endret samtidig"), "{s}");
    assert_eq!(stored_replica().view(), app.view());
    press(&mut app, "V");
    assert_eq!(
        app.message.as_deref(),
        Some("Ingen samtidige endringer å velge mellom.")
    );
}

#[test]
fn the_keys_for_concurrent_changes_are_offered_on_a_servers_portfolio() {
    let mut app = synced_app(&demo_ops(), Lang::Nb);
    as_role(&mut app, Role::Member);
    press(&mut app, "<Enter>?");
    let s = screen(&mut app, 80, 30);
    assert!(s.contains("Bruk den andre versjonen"), "{s}");
    assert!(s.contains("Behold den viste versjonen"), "{s}");
}

#[test]
fn a_cache_rewound_under_the_app_is_taken_in_and_said() {
    let ops = demo_ops();
    let mut app = synced_app(&ops, Lang::Nb);
    as_role(&mut app, Role::Secretary);
    // A local move, so there is something to undo.
    press(&mut app, "L");
    assert!(!app.undo.is_empty());
    // The cache as the sync loop left it after a rewind: here, the first 30 ops only.
    let mut shorter = styr::model::Replica::default();
    for (i, op) in ops.iter().take(30).enumerate() {
        shorter.confirm(i as u64 + 1, op);
    }
    update(&mut app, Msg::Reload(Box::new(shorter)));
    update(
        &mut app,
        Msg::Sync(SyncEvent::Rewound {
            head: 30,
            requeued: 1,
            dropped: 4,
        }),
    );
    assert_eq!(app.view().len(), 30);
    assert!(
        app.undo.is_empty(),
        "undo named ops the cache no longer has"
    );
    let s = screen(&mut app, 100, 30);
    assert!(s.contains("30 saker"), "{s}");
    assert!(s.contains("satt tilbake fra en sikkerhetskopi"), "{s}");
}
