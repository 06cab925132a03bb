//! Scoring items on the criteria: the fold of `ScoreItem` ops (replacement, withdrawal,
//! refusal of scores that do not fit their set), the summary (mean, class, spread), undo,
//! roles, and the scoring form driven through the real app.

mod common;

use common::tui::*;
use styr::i18n::Lang;
use styr::model::criteria::{CriteriaSet, PriorityClass};
use styr::model::role::{self, Role};
use styr::model::vote::Scores;
use styr::model::{
    FieldValue, HistoryEvent, ItemId, Op, OpId, Payload, Portfolio, ScoreError, StageKey, Stages,
};
use styr::tui::app::Screen;
use styr::tui::keymap::{self, Action, Context};
use styr::tui::Msg;
use uuid::Uuid;

const ITEM: ItemId = ItemId(Uuid::from_u128(7));

fn op(n: u128, author: &str, payload: Payload) -> Op {
    let mut op = Op::new(author, 1_700_000_000_000 + n as i64, payload);
    op.op_id = OpId(Uuid::from_u128(n));
    op
}

fn marks(criteria: &[u8], adjustment: i8, comment: &str) -> Scores {
    Scores {
        criteria: criteria.to_vec(),
        adjustment,
        comment: comment.into(),
    }
}

fn score(item: ItemId, set: &str, scores: Option<Scores>) -> Payload {
    Payload::ScoreItem {
        item,
        set: set.into(),
        scores,
    }
}

/// A portfolio with one item, "Chatbot".
fn portfolio() -> Portfolio {
    Portfolio::fold(&[op(
        1,
        "sekretar",
        Payload::CreateItem {
            item: ITEM,
            stage: StageKey::new("innkommet"),
            fields: vec![FieldValue::Title("Chatbot".into())],
        },
    )])
}

#[test]
fn a_later_score_replaces_the_earlier_and_a_withdrawal_removes_it() {
    let mut p = portfolio();
    let pp = "prosjektportalen";
    p.apply(&op(
        2,
        "radgiver-a",
        score(ITEM, pp, Some(marks(&[3, 3, 3, 3, 3], 0, ""))),
    ));
    p.apply(&op(
        3,
        "radgiver-b",
        score(ITEM, pp, Some(marks(&[5, 5, 4, 4, 4], 0, ""))),
    ));
    p.apply(&op(
        4,
        "radgiver-a",
        score(ITEM, pp, Some(marks(&[4, 4, 4, 4, 4], 1, "haster"))),
    ));
    let item = p.get(&ITEM).expect("the item");
    assert_eq!(item.scores.len(), 2, "one score per scorer");
    let a = &item.scores["radgiver-a"];
    assert_eq!(a.scores.total(), 21);
    assert_eq!(a.scores.comment, "haster");
    assert_eq!(a.at, 1_700_000_000_004, "the time of the latest score");
    p.apply(&op(5, "radgiver-b", score(ITEM, pp, None)));
    let item = p.get(&ITEM).expect("the item");
    assert_eq!(item.scores.keys().collect::<Vec<_>>(), ["radgiver-a"]);
    // Withdrawing again, or a score of an unknown item, changes nothing.
    assert_eq!(p.apply(&op(6, "radgiver-b", score(ITEM, pp, None))), None);
    let other = ItemId(Uuid::from_u128(99));
    assert_eq!(
        p.apply(&op(
            7,
            "radgiver-b",
            score(other, pp, Some(marks(&[1; 5], 0, "")))
        )),
        None
    );
}

#[test]
fn scores_that_do_not_fit_their_set_are_refused_everywhere() {
    let cases = [
        (
            score(ITEM, "nordland", Some(marks(&[1, 2], 0, ""))),
            ScoreError::CriteriaCount {
                expected: 3,
                got: 2,
            },
        ),
        (
            score(ITEM, "nordland", Some(marks(&[1, 6, 2], 0, ""))),
            ScoreError::MarkOutOfRange {
                criterion: 1,
                mark: 6,
            },
        ),
        (
            score(ITEM, "nordland", Some(marks(&[0, 1, 2], 0, ""))),
            ScoreError::MarkOutOfRange {
                criterion: 0,
                mark: 0,
            },
        ),
        (
            score(ITEM, "nordland", Some(marks(&[1, 1, 1], -6, "for dyrt"))),
            ScoreError::AdjustmentOutOfRange(-6),
        ),
        (
            score(ITEM, "nordland", Some(marks(&[1, 1, 1], 2, " "))),
            ScoreError::AdjustmentWithoutComment,
        ),
        (
            score(ITEM, "fosen", Some(marks(&[1, 1, 1], 0, ""))),
            ScoreError::UnknownSet("fosen".into()),
        ),
    ];
    for (n, (payload, why)) in cases.into_iter().enumerate() {
        assert_eq!(payload.check(), Err(why.clone()), "{payload:?}");
        // The fold ignores it: no score, no history entry.
        let mut p = portfolio();
        let events = p.apply_event(&op(10 + n as u128, "radgiver-a", payload));
        assert!(events.is_empty(), "{why}");
        assert!(p.get(&ITEM).expect("the item").scores.is_empty(), "{why}");
    }
    // The limits themselves are fine, and a withdrawal always is.
    assert_eq!(
        score(ITEM, "nordland", Some(marks(&[5, 1, 5], -5, "dyr drift"))).check(),
        Ok(())
    );
    assert_eq!(score(ITEM, "fosen", None).check(), Ok(()));
}

#[test]
fn a_score_has_a_history_entry() {
    let mut p = portfolio();
    let events = p.apply_event(&op(
        2,
        "radgiver-a",
        score(
            ITEM,
            "nordland",
            Some(marks(&[4, 4, 5], -1, "usikker gevinst")),
        ),
    ));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1.author, "radgiver-a");
    assert_eq!(
        events[0].1.event,
        HistoryEvent::Scored {
            set: "nordland".into(),
            total: Some(12)
        }
    );
    let events = p.apply_event(&op(3, "radgiver-a", score(ITEM, "nordland", None)));
    assert_eq!(
        events[0].1.event,
        HistoryEvent::Scored {
            set: "nordland".into(),
            total: None
        }
    );
}

#[test]
fn undo_puts_back_the_authors_previous_score_or_withdraws() {
    let mut p = portfolio();
    let pp = "prosjektportalen";
    let first = score(ITEM, pp, Some(marks(&[3, 3, 3, 3, 3], 0, "")));
    // No score before: undo withdraws.
    assert_eq!(
        p.inverse_by("radgiver-a", &first),
        Some(score(ITEM, pp, None))
    );
    p.apply(&op(2, "radgiver-a", first.clone()));
    // Someone else's score is theirs: undoing radgiver-b's first score withdraws only it.
    assert_eq!(
        p.inverse_by("radgiver-b", &first),
        Some(score(ITEM, pp, None))
    );
    let second = score(ITEM, pp, Some(marks(&[5, 5, 5, 5, 5], 0, "")));
    let undo = p.inverse_by("radgiver-a", &second).expect("an undo");
    assert_eq!(undo, first, "the earlier marks come back");
    p.apply(&op(3, "radgiver-a", second));
    p.apply(&op(4, "radgiver-a", undo));
    let item = p.get(&ITEM).expect("the item");
    assert_eq!(item.scores["radgiver-a"].scores.total(), 15);
    // Undoing a withdrawal gives the score back.
    let withdraw = score(ITEM, pp, None);
    assert_eq!(p.inverse_by("radgiver-a", &withdraw), Some(first));
    // The plain inverse cannot know whose score it is.
    assert_eq!(p.inverse(&withdraw), None);
}

#[test]
fn the_summary_counts_one_set_with_exact_classes() {
    let mut p = portfolio();
    let pp = CriteriaSet::prosjektportalen();
    assert_eq!(p.get(&ITEM).expect("item").score_summary(&pp), None);
    // Totals 25, 19 and 22: mean 22, which is Bør ha (Må ha is *more* than 22).
    for (n, who, m, adj, why) in [
        (2, "radgiver-a", [5, 5, 5, 5, 5], 0, ""),
        (3, "radgiver-b", [4, 4, 4, 4, 4], -1, "usikker"),
        (4, "radgiver-c", [5, 5, 4, 4, 4], 0, ""),
    ] {
        p.apply(&op(n, who, score(ITEM, &pp.key, Some(marks(&m, adj, why)))));
    }
    // A score in another set is kept but not counted.
    p.apply(&op(
        5,
        "radgiver-d",
        score(ITEM, "nordland", Some(marks(&[1, 1, 1], 0, ""))),
    ));
    let item = p.get(&ITEM).expect("item");
    let s = item.score_summary(&pp).expect("scored");
    assert_eq!((s.scorers, s.sum), (3, 66));
    assert_eq!(s.mean(), 22.0);
    assert_eq!(s.mean_x100(), 2200);
    assert_eq!(s.class, PriorityClass::ShouldHave);
    assert_eq!((s.min, s.max, s.spread), (19, 25, 6));
    assert_eq!(
        s.totals,
        vec![
            ("radgiver-a".to_string(), 25),
            ("radgiver-b".to_string(), 19),
            ("radgiver-c".to_string(), 22)
        ]
    );
    let n = item
        .score_summary(&CriteriaSet::nordland())
        .expect("one Nordland score");
    assert_eq!((n.scorers, n.sum, n.spread), (1, 3, 0));
    assert_eq!(n.class, PriorityClass::WillNotHave);
}

#[test]
fn a_mean_just_above_22_is_must_have() {
    // 100 scorers, totals summing to 2201: a mean of exactly 22.01.
    let mut p = portfolio();
    for n in 0..100u128 {
        let m = if n == 0 {
            [5, 5, 5, 4, 4]
        } else {
            [5, 5, 4, 4, 4]
        };
        p.apply(&op(
            10 + n,
            &format!("radgiver-{n}"),
            score(ITEM, "prosjektportalen", Some(marks(&m, 0, ""))),
        ));
    }
    let s = p
        .get(&ITEM)
        .expect("item")
        .score_summary(&CriteriaSet::prosjektportalen())
        .expect("scored");
    assert_eq!((s.scorers, s.sum), (100, 2201));
    assert_eq!(s.mean_x100(), 2201);
    assert_eq!(s.class, PriorityClass::MustHave);
    assert_eq!(s.spread, 1);
    // The other boundaries: more than 16 is Bør ha, exactly 16 Kan ha, 8 Skal ikke ha.
    for (total, class) in [
        ([4, 4, 3, 3, 3], PriorityClass::ShouldHave),
        ([4, 3, 3, 3, 3], PriorityClass::CouldHave),
        ([2, 2, 2, 1, 1], PriorityClass::WillNotHave),
    ] {
        let mut p = portfolio();
        p.apply(&op(
            2,
            "radgiver-a",
            score(ITEM, "prosjektportalen", Some(marks(&total, 0, ""))),
        ));
        let s = p
            .get(&ITEM)
            .expect("item")
            .score_summary(&CriteriaSet::prosjektportalen());
        assert_eq!(s.map(|s| s.class), Some(class), "{total:?}");
    }
}

#[test]
fn members_score_viewers_do_not() {
    let stages = Stages::default();
    let p = score(ITEM, "nordland", None);
    assert!(role::check(&stages, Role::Member, &p).is_ok());
    let denied = role::check(&stages, Role::Viewer, &p).unwrap_err();
    assert_eq!(denied.needs, Role::Member);
}

#[test]
fn ops_with_scores_survive_encoding() {
    let o = op(
        2,
        "radgiver-a",
        score(ITEM, "nordland", Some(marks(&[1, 2, 3], 1, "«sitat»"))),
    );
    assert_eq!(Op::decode(&o.encode()), Ok(o));
}

#[test]
fn the_form_scores_the_selected_item_and_the_detail_view_sums_up() {
    let mut app = demo_app(Lang::Nb);
    let id = app.selected_id().expect("a selection");
    // Someone scored it before us, high.
    let mut earlier = op(
        500,
        "radgiver-b",
        score(id, "prosjektportalen", Some(marks(&[5, 5, 5, 5, 4], 0, ""))),
    );
    earlier.at = FIXED_MS;
    app.replica.local(earlier);
    // S opens the form over the board.
    press(&mut app, "S");
    assert!(matches!(app.screen, Screen::Scoring(_)));
    // Mark all five criteria, with a guidance text for the selected mark on screen.
    press(&mut app, "3");
    let s = screen(&mut app, 100, 32);
    assert!(s.contains("Støtter et delmål i strategien"), "{s}");
    assert!(
        s.contains("Sentralt for et hovedmål i strategien"),
        "all levels:\n{s}"
    );
    // Saving before every criterion has a mark says what is missing.
    assert!(persisted(&press(&mut app, "<C-s>")).is_empty());
    assert!(screen(&mut app, 100, 32).contains("4 mangler"));
    press(&mut app, "j4j2j5j3");
    // An adjustment needs a comment: refused with the reason, the form stays.
    press(&mut app, "+");
    assert!(persisted(&press(&mut app, "<C-s>")).is_empty());
    assert!(matches!(app.screen, Screen::Scoring(_)));
    assert!(screen(&mut app, 100, 32).contains("begrunnes"));
    press(&mut app, "<Tab>Viktig for skolene<Tab>");
    let form = screen(&mut app, 100, 32);
    insta::assert_snapshot!("scoring_form_nb_100x32", form);
    let ops = persisted(&press(&mut app, "<C-s>"));
    assert_eq!(ops.len(), 1, "one op");
    assert_eq!(ops[0].author, "tester");
    assert_eq!(
        ops[0].payload,
        score(
            id,
            "prosjektportalen",
            Some(marks(&[3, 4, 2, 5, 3], 1, "Viktig for skolene"))
        )
    );
    assert!(
        matches!(app.screen, Screen::Board),
        "back where it was opened"
    );
    assert_eq!(app.selected_id(), Some(id));
    // The detail view: mean, class, spread, scorers, and each scorer's total.
    press(&mut app, "<Enter>");
    let s = screen(&mut app, 100, 40);
    assert!(
        s.contains("Snitt 21,00 · Bør ha · spredning 6 · 2 har gitt poeng"),
        "{s}"
    );
    assert!(s.contains("radgiver-b: 24 · tester: 18"), "{s}");
    assert!(
        s.contains("ga 18 poeng (Prosjektportalen)"),
        "history:\n{s}"
    );
    insta::assert_snapshot!("scoring_detail_nb_100x40", s);
    // S in the detail view opens the form again, with our own score in it; Esc goes
    // back to the detail view without a change.
    press(&mut app, "S");
    let Screen::Scoring(form) = &app.screen else {
        panic!("the form");
    };
    assert_eq!(
        form.marks,
        vec![Some(3), Some(4), Some(2), Some(5), Some(3)]
    );
    assert_eq!(
        (form.adjustment, form.comment.text.as_str()),
        (1, "Viktig for skolene")
    );
    assert!(persisted(&press(&mut app, "<Esc>")).is_empty());
    assert!(matches!(app.screen, Screen::Detail { id: shown, .. } if shown == id));
    // Undo withdraws our score (we had none before).
    let ops = persisted(&press(&mut app, "u"));
    assert_eq!(ops[0].payload, score(id, "prosjektportalen", None));
    let s = screen(&mut app, 100, 40);
    assert!(
        s.contains("Snitt 24,00 · Må ha · spredning 0 · 1 har gitt poeng"),
        "{s}"
    );
    // x in the form withdraws; with nothing to withdraw it says so.
    press(&mut app, "S");
    assert!(persisted(&press(&mut app, "x")).is_empty());
    assert!(app
        .message
        .as_deref()
        .is_some_and(|m| m.contains("ikke gitt poeng")));
    press(&mut app, "<Esc>");
    update_saved(&mut app);
}

/// The status line's "saving" settles, as the writer would report.
fn update_saved(app: &mut styr::tui::App) {
    let pending = app.pending_saves;
    styr::tui::update(app, Msg::Saved { count: pending });
    assert_eq!(app.pending_saves, 0);
}

#[test]
fn the_form_works_from_any_screen_and_help_lists_its_keys() {
    let mut app = demo_app(Lang::En);
    let id = app.selected_id().expect("a selection");
    app.screen = Screen::Decisions(Box::default());
    styr::tui::scoring::open(&mut app, id);
    assert!(matches!(app.screen, Screen::Scoring(_)));
    // Help and the palette show the form's keys.
    for action in [
        Action::Score(0),
        Action::AdjustUp,
        Action::Save,
        Action::Withdraw,
        Action::Back,
    ] {
        assert!(
            keymap::label(Context::Scoring, action).is_some(),
            "{action:?}"
        );
    }
    press(&mut app, "<F1>");
    let s = screen(&mut app, 100, 32);
    assert!(s.contains("Withdraw your score"), "{s}");
    press(&mut app, "<Esc>");
    // Typing in the comment takes every letter, even those that are keys elsewhere.
    press(&mut app, "<Tab>xjk+-<Tab>");
    let Screen::Scoring(form) = &app.screen else {
        panic!("still the form");
    };
    assert_eq!(form.comment.text, "xjk+-");
    assert_eq!(form.adjustment, 0);
    press(&mut app, "<Esc>");
    assert!(
        matches!(app.screen, Screen::Decisions(_)),
        "back where it was"
    );
}

#[test]
fn a_read_only_app_does_not_open_the_form() {
    let mut app = demo_app(Lang::Nb);
    app.read_only = true;
    assert!(persisted(&press(&mut app, "S")).is_empty());
    assert!(matches!(app.screen, Screen::Board));
    let id = app.selected_id().expect("a selection");
    styr::tui::scoring::open(&mut app, id);
    assert!(matches!(app.screen, Screen::Board));
    assert!(app.message.is_some());
}

#[test]
fn the_nordland_set_is_used_when_the_body_says_so() {
    let mut app = demo_app(Lang::Nb);
    app.body_rules.criteria = "nordland".into();
    press(&mut app, "S");
    let s = screen(&mut app, 100, 32);
    assert!(s.contains("Kriteriesett: Nordland"), "{s}");
    assert!(s.contains("Verdi for brukerne"), "{s}");
    assert!(s.contains("Brukerne merker ingen forskjell"), "{s}");
    let ops = persisted(&press(&mut app, "5j5j5<C-s>"));
    assert_eq!(
        ops[0].payload,
        score(
            app.selected_id().expect("a selection"),
            "nordland",
            Some(marks(&[5, 5, 5], 0, ""))
        )
    );
}

#[test]
fn the_detail_view_flags_a_new_system_with_none_retired() {
    let create = |n: u128, title: &str, fields: Vec<FieldValue>| {
        let mut fields = fields;
        fields.insert(0, FieldValue::Title(title.into()));
        let mut o = op(
            n,
            "sekretar",
            Payload::CreateItem {
                item: ItemId(Uuid::from_u128(n)),
                stage: StageKey::new("innkommet"),
                fields,
            },
        );
        o.at = FIXED_MS;
        o
    };
    let ops = [
        create(
            1,
            "Digital postkasse",
            vec![FieldValue::IntroducesSystem("SvarUt".into())],
        ),
        create(
            2,
            "Nytt sak- og arkivsystem",
            vec![
                FieldValue::IntroducesSystem("Elements".into()),
                FieldValue::RetiresSystem("ePhorte".into()),
            ],
        ),
    ];
    let mut app = app_with(&ops, Lang::Nb, "dark", false);
    press(&mut app, "<Enter>");
    let s = screen(&mut app, 100, 30);
    assert!(s.contains("Nytt system") && s.contains("SvarUt"), "{s}");
    assert!(s.contains("uten å si hvilket som fases ut"), "{s}");
    press(&mut app, "<Esc>j<Enter>");
    let s = screen(&mut app, 100, 30);
    assert!(s.contains("Elements") && s.contains("ePhorte"), "{s}");
    assert!(!s.contains("fases ut (ett"), "{s}");
    assert!(s.contains("Ingen har gitt poeng ennå"), "{s}");
}

#[test]
fn the_server_refuses_a_score_that_does_not_fit_and_keeps_a_good_one() {
    use styr::server::{ServerStore, SqliteStore, StoreError};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let server = SqliteStore::open(&dir.path().join("styr.db")).expect("server store");
        let create = op(
            1,
            "sekretar",
            Payload::CreateItem {
                item: ITEM,
                stage: StageKey::new("innkommet"),
                fields: vec![FieldValue::Title("Chatbot".into())],
            },
        );
        let bad = op(
            2,
            "radgiver-a",
            score(ITEM, "nordland", Some(marks(&[4, 4, 4], 3, ""))),
        );
        match server.push(vec![create.clone(), bad]).await {
            Err(StoreError::Refused {
                op_index: Some(1),
                reason,
                rule,
            }) => {
                assert!(reason.contains("comment"), "{reason}");
                assert_eq!(rule, Some(styr::protocol::Reason::AdjustmentWithoutComment));
            }
            other => panic!("expected a refusal of op 1, got {other:?}"),
        }
        assert_eq!(server.head().await.expect("head"), 0, "nothing stored");
        let good = op(
            3,
            "radgiver-a",
            score(ITEM, "nordland", Some(marks(&[4, 4, 4], 3, "Stor effekt"))),
        );
        server.push(vec![create, good]).await.expect("stored");
        let page = server.pull(0, 10).await.expect("pull");
        let mut p = Portfolio::default();
        for o in &page.ops {
            p.apply_confirmed(&o.op, o.seq);
        }
        let s = p
            .get(&ITEM)
            .expect("the item")
            .score_summary(&CriteriaSet::nordland())
            .expect("scored");
        assert_eq!((s.scorers, s.sum), (1, 15));
        assert_eq!(s.class, PriorityClass::MustHave);
    });
}
