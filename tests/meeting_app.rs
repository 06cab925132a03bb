//! The meeting screen as a whole app: keys through the real keymap and `update`, the
//! server's answers fed in as sync events, the screen drawn with TestBackend. Each role
//! sees and may press only its own keys; a half-filled ballot survives remote updates.

mod common;

use common::meeting::*;
use common::tui::*;
use styr::i18n::Lang;
use styr::model::meeting::{CaseDetails, CaseId, MeetingChange, MeetingId, Meetings, RoundId};
use styr::model::vote::{Ballot, Choice, YesNo};
use styr::model::{ItemId, Op, Payload, Role};
use styr::protocol::{RoundCount, SeqOp};
use styr::sync::{Identity, Link, SyncEvent};
use styr::tui::app::{Overlay, Screen};
use styr::tui::keymap::{self, Action, Context};
use styr::tui::{Effect, Msg};

struct Room {
    app: styr::tui::App,
    server: Meetings,
    seq: u64,
    case: CaseId,
    /// Every op the server has confirmed, in seq order.
    log: Vec<Op>,
}

/// Stamps `change` as the server would and confirms it to the app as the next seq.
fn confirm(room: &mut Room, change: MeetingChange, ballots: &[Ballot]) -> Op {
    confirm_op(room, meeting_op("leder", change), ballots)
}

/// Stamps `op` (one the app made, or another's) as the server would and confirms it.
fn confirm_op(room: &mut Room, mut op: Op, ballots: &[Ballot]) -> Op {
    if let Payload::Meeting { change } = &op.payload {
        assert_eq!(room.server.check(change), Ok(()), "the server keeps it");
    }
    room.server.stamp(&mut op, |_| ballots.to_vec());
    room.server.apply(&op);
    room.seq += 1;
    room.log.push(op.clone());
    sync_event(
        &mut room.app,
        SyncEvent::Confirmed(vec![SeqOp {
            seq: room.seq,
            op: op.clone(),
        }]),
    );
    op
}

/// The demo portfolio and a meeting with one case about three of its items, all
/// confirmed, seen by `user` with `role`.
fn room(user: &str, role: Role) -> Room {
    let ops = demo_ops();
    let items: Vec<ItemId> = ops
        .iter()
        .take(3)
        .filter_map(|o| o.payload.item())
        .collect();
    let mut app = synced_app(&ops, Lang::Nb);
    sync_event(
        &mut app,
        SyncEvent::Identity(Identity {
            user: user.into(),
            role,
            org: "Åfjord".into(),
        }),
    );
    sync_event(&mut app, SyncEvent::Link(Link::Online));
    let mut room = Room {
        app,
        server: Meetings::default(),
        seq: ops.len() as u64,
        case: CaseId::new(),
        log: ops.clone(),
    };
    let meeting = MeetingId::new();
    confirm(&mut room, schedule(meeting, "2026-11-26 10:00"), &[]);
    confirm(
        &mut room,
        attendance(meeting, &["leder", "medlem-a", "medlem-b"], &["medlem-c"]),
        &[],
    );
    let case = room.case;
    confirm(
        &mut room,
        MeetingChange::AddCase {
            meeting,
            case,
            details: CaseDetails {
                title: "Prioritering 2027".into(),
                proposal: "Bestillerutvalget prioriterer tiltakene.".into(),
                items,
                ..CaseDetails::default()
            },
            number: None,
        },
        &[],
    );
    press(&mut room.app, "M");
    room
}

fn open(room: &mut Room, anonymous: bool) -> RoundId {
    let round = RoundId::new();
    let case = room.case;
    confirm(
        room,
        open_round(round, case, yes_no_rules(4), anonymous),
        &[],
    );
    round
}

#[test]
fn the_meeting_screen_at_80x24() {
    let mut room = room("medlem-a", Role::Member);
    let s = screen(&mut room.app, 80, 24);
    for want in [
        "Saksliste",
        "01/26 Prioritering",
        "Forslag til vedtak",
        "Ingen votering",
    ] {
        assert!(s.contains(want), "{want} in\n{s}");
    }
    insta::assert_snapshot!("meeting_nb_80x24", s);
    open(&mut room, false);
    update_count(&mut room, 2, &["leder", "medlem-b"]);
    let s = screen(&mut room.app, 80, 24);
    insta::assert_snapshot!("meeting_open_round_nb_80x24", s);
}

fn update_count(room: &mut Room, ballots: u32, voters: &[&str]) {
    let round = room
        .server
        .open_round(&room.case)
        .expect("an open round")
        .id;
    sync_event(
        &mut room.app,
        SyncEvent::Count(RoundCount {
            round,
            open: true,
            ballots,
            voters: voters.iter().map(|v| v.to_string()).collect(),
        }),
    );
}

#[test]
fn a_half_filled_ballot_survives_remote_updates_and_is_cast_whole() {
    let mut room = room("medlem-a", Role::Member);
    let round = open(&mut room, false);
    press(&mut room.app, "\ty");
    assert!(screen(&mut room.app, 80, 24).contains("endret, ikke sendt"));
    // Others vote, a remote change lands, the screen is redrawn: the ballot stays.
    update_count(&mut room, 1, &["leder"]);
    let meeting = room.server.meetings()[0].id;
    confirm(
        &mut room,
        add_case(meeting, CaseId::new(), "En sak til"),
        &[],
    );
    let s = screen(&mut room.app, 80, 24);
    assert!(s.contains("(•) For"), "{s}");
    assert!(s.contains("1 av 3 har stemt") && s.contains("leder"), "{s}");
    let effects = press(&mut room.app, "<Enter>");
    assert_eq!(
        effects,
        vec![Effect::Cast {
            round,
            ballot: styr::protocol::BallotRequest {
                choice: Choice::YesNo(YesNo::Yes),
                on_behalf_of: None,
            },
        }]
    );
    sync_event(&mut room.app, SyncEvent::BallotCast { round });
    assert!(screen(&mut room.app, 80, 24).contains("Stemmen er levert"));
    // Changing one's mind: a new choice is "changed" until sent again.
    press(&mut room.app, "n");
    assert!(screen(&mut room.app, 80, 24).contains("endret, ikke sendt"));
}

#[test]
fn each_role_sees_and_may_use_only_its_keys() {
    let help = |app: &mut styr::tui::App| {
        press(app, "?");
        assert!(matches!(app.overlay, Some(Overlay::Help)));
        let s = screen(app, 80, 40);
        press(app, "<Esc>");
        s
    };
    let label = |a: Action| keymap::label(Context::Meeting, a).unwrap();
    let t = Lang::Nb.strings();

    let mut member = room("medlem-a", Role::Member);
    let s = help(&mut member.app);
    assert!(s.contains((t.actions)(Action::VoteYes)), "{s}");
    assert!(
        !s.contains((t.actions)(Action::OpenVote)),
        "a member is not offered the chair's keys:\n{s}"
    );
    assert!(!s.contains((t.actions)(Action::RecordDecision)));
    assert!(press(&mut member.app, label(Action::OpenVote)).is_empty());
    assert!(persisted(&press(&mut member.app, "v")).is_empty());

    let mut chair = room("leder", Role::Chair);
    let s = help(&mut chair.app);
    assert!(s.contains((t.actions)(Action::OpenVote)), "{s}");
    assert!(s.contains((t.actions)(Action::CloseRound)), "{s}");
    let ops = persisted(&press(&mut chair.app, "o"));
    assert_eq!(ops.len(), 1);
    assert!(matches!(
        &ops[0].payload,
        Payload::Meeting { change } if matches!(**change, MeetingChange::OpenRound { anonymous: false, .. })
    ));
    let again = press(&mut chair.app, "o");
    assert!(persisted(&again).is_empty(), "one open round per case");

    let mut secretary = room("sekretaer", Role::Secretary);
    let s = help(&mut secretary.app);
    assert!(s.contains((t.actions)(Action::RecordDecision)), "{s}");
    assert!(!s.contains((t.actions)(Action::OpenVote)), "{s}");
}

#[test]
fn closing_shows_the_result_and_the_decision_form_is_filled_in_from_it() {
    let mut room = room("sekretaer", Role::Secretary);
    let round = open(&mut room, false);
    let ballots: Vec<Ballot> = [
        ("leder", YesNo::Yes),
        ("medlem-a", YesNo::Yes),
        ("medlem-b", YesNo::No),
    ]
    .iter()
    .map(|(v, c)| Ballot {
        voter: Some(v.to_string()),
        org: "Åfjord".into(),
        choice: Choice::YesNo(*c),
        hand_counted: false,
    })
    .collect();
    let s = screen(&mut room.app, 80, 24);
    assert!(!s.contains("Resultat"), "nothing before the close:\n{s}");
    confirm(&mut room, close_round(round), &ballots);
    let s = screen(&mut room.app, 80, 24);
    assert!(s.contains("vedtatt med 2 mot 1 stemmer"), "{s}");
    insta::assert_snapshot!("meeting_closed_nb_80x24", s);

    press(&mut room.app, "v");
    let Screen::Meeting(m) = &room.app.screen else {
        panic!("still the meeting")
    };
    let form = m.decision.as_ref().expect("the form is open");
    assert_eq!(
        form.fields[0].text,
        "Bestillerutvalget prioriterer tiltakene."
    );
    assert_eq!(
        form.fields[1].text, "medlem-b",
        "the one who voted against, as dissent"
    );
    assert_eq!(form.items.len(), 3);
    let items = form.items.clone();
    let effects = press(&mut room.app, "<C-s>");
    let ops = persisted(&effects);
    let [op] = &ops[..] else {
        panic!("one op: the decision and the move of its items: {ops:?}")
    };
    let Payload::Meeting { change } = &op.payload else {
        panic!()
    };
    let MeetingChange::Decide { decision } = &**change else {
        panic!()
    };
    assert_eq!(decision.dissent, ["medlem-b"]);
    assert_eq!(
        decision.case_number.map(|n| n.to_string()).as_deref(),
        Some("01/26")
    );
    assert_eq!(decision.items, items);
    assert_eq!(
        decision.moved_to.as_ref().map(|s| s.as_str()),
        Some("prioritert")
    );
    assert_eq!(op.payload.items(), &items[..], "the op moves the items");
    let moved = |app: &styr::tui::App| {
        items.iter().all(|id| {
            app.view()
                .get(id)
                .is_some_and(|i| i.stage.as_str() == "prioritert")
        })
    };
    assert!(moved(&room.app), "shown moved at once");
    let history = styr::model::history_of(&items[0], room.log.iter().chain([op]));
    assert!(
        matches!(history.last().map(|h| &h.event), Some(styr::model::HistoryEvent::Moved { to, .. }) if to.as_str() == "prioritert"),
        "the item's history says the decision moved it: {history:?}"
    );
    // Undo has nothing to take back: the decision log is append-only, and the move is
    // part of the decision, so it is never undone half.
    press(&mut room.app, "<Esc>");
    assert!(persisted(&press(&mut room.app, "u")).is_empty());
    assert!(moved(&room.app));
    // The server confirms it; the screen, the cache on disk and a fresh fold of the
    // server's log all agree.
    confirm_op(&mut room, op.clone(), &[]);
    assert!(room.app.replica.pending().is_empty());
    assert!(moved(&room.app));
    let mut fresh = styr::model::Portfolio::default();
    for (i, op) in room.log.iter().enumerate() {
        fresh.apply_confirmed(op, i as u64 + 1);
    }
    assert_eq!(room.app.view(), &fresh);
    let mut replica = styr::model::Replica::default();
    for (i, op) in room.log.iter().enumerate() {
        replica.confirm(i as u64 + 1, op);
    }
    assert_eq!(replica.view(), &fresh);
    assert_eq!(stored_replica().view(), &fresh);
    press(&mut room.app, "M");
    // The decision log screen finds it by case number.
    press(&mut room.app, "<Esc>D/01/26<Enter>");
    let s = screen(&mut room.app, 80, 24);
    assert!(s.contains("01/26  Prioritering 2027"), "{s}");
    update_tiny(&mut room.app);
}

/// Every meeting screen copes with a terminal far too small.
fn update_tiny(app: &mut styr::tui::App) {
    for (w, h) in [(1, 1), (20, 5), (40, 10)] {
        let _ = styr::tui::update(app, Msg::Resize(w, h));
        let _ = screen(app, w, h);
    }
}

#[test]
fn the_secretary_enters_hand_counts_and_keeps_the_agenda() {
    let mut room = room("sekretaer", Role::Secretary);
    let meeting = room.server.meetings()[0].id;
    let second = CaseId::new();
    confirm(&mut room, add_case(meeting, second, "Andre sak"), &[]);
    let round = open(&mut room, false);
    // h picks whom the ballot is for: the eligible voters in turn.
    press(&mut room.app, "hh");
    let s = screen(&mut room.app, 80, 24);
    assert!(s.contains("Håndtelt for medlem-a"), "{s}");
    let effects = press(&mut room.app, "n<Enter>");
    assert_eq!(
        effects,
        vec![Effect::Cast {
            round,
            ballot: styr::protocol::BallotRequest {
                choice: Choice::YesNo(YesNo::No),
                on_behalf_of: Some("medlem-a".into()),
            },
        }]
    );
    assert!(!screen(&mut room.app, 80, 24).contains("Håndtelt for"));

    // J moves the case down the agenda, z postpones it: one op each.
    let ops = persisted(&press(&mut room.app, "J"));
    assert!(matches!(
        &ops[..],
        [op] if matches!(&op.payload, Payload::Meeting { change } if matches!(&**change, MeetingChange::Reorder { order, .. } if order[0] == second))
    ));
    assert!(room.app.view().meetings().agenda(&meeting)[0].id == second);
    let ops = persisted(&press(&mut room.app, "z"));
    assert!(matches!(
        &ops[..],
        [op] if matches!(&op.payload, Payload::Meeting { change } if matches!(&**change, MeetingChange::Postpone { postponed: true, .. }))
    ));
    assert!(screen(&mut room.app, 80, 24).contains("(utsatt)"));

    // A member has none of these keys.
    let mut member = room_for_member();
    assert!(press(&mut member.app, "Jz").is_empty());
}

fn room_for_member() -> Room {
    room("medlem-a", Role::Member)
}

/// Opens a round with `method` on the room's case, over its items (or the case itself
/// when scoring), confirmed as the server would.
fn opens(
    room: &mut Room,
    method: styr::model::vote::Method,
) -> (RoundId, styr::model::vote::RoundRules) {
    let case = room.server.case(&room.case).unwrap().clone();
    let options: Vec<String> = match method {
        styr::model::vote::Method::Scoring { .. } => vec![case.details.title.clone()],
        _ => case
            .details
            .items
            .iter()
            .map(|id| room.app.view().get(id).unwrap().title.clone())
            .collect(),
    };
    let rules = styr::model::vote::RoundRules {
        method,
        options,
        ..yes_no_rules(4)
    };
    let round = RoundId::new();
    let case = room.case;
    confirm(room, open_round(round, case, rules.clone(), true), &[]);
    (round, rules)
}

#[test]
fn the_chair_opens_every_method_with_one_key() {
    use styr::model::vote::Method;
    for (key, want) in [
        ("p", "dots"),
        ("r", "borda"),
        ("g", "approval"),
        ("s", "scoring"),
        ("o", "yes_no"),
    ] {
        let mut chair = room("leder", Role::Chair);
        let ops = persisted(&press(&mut chair.app, key));
        let [op] = &ops[..] else {
            panic!("{key}: {ops:?}")
        };
        let Payload::Meeting { change } = &op.payload else {
            panic!()
        };
        let MeetingChange::OpenRound { rules, .. } = &**change else {
            panic!()
        };
        let kind = match &rules.method {
            Method::Dots { .. } => "dots",
            Method::Borda => "borda",
            Method::Approval => "approval",
            Method::Scoring { criteria } => {
                assert_eq!(criteria.criteria.len(), 5);
                assert_eq!(rules.options, ["Prioritering 2027"]);
                "scoring"
            }
            Method::YesNo { .. } => "yes_no",
        };
        assert_eq!(kind, want, "key {key}");
        if matches!(
            rules.method,
            Method::Dots { .. } | Method::Borda | Method::Approval
        ) {
            assert_eq!(rules.options.len(), 3, "over the case's items");
        }
    }
}

#[test]
fn ranked_and_scoring_ballots_are_filled_in_with_keys() {
    let mut room = room("medlem-a", Role::Member);
    let (round, _) = opens(&mut room, styr::model::vote::Method::Borda);
    // Second item first, then the first; a place taken back closes the gap.
    press(&mut room.app, "\tj+k+jj+");
    press(&mut room.app, "k-"); // the second item leaves the ranking
    press(&mut room.app, "+"); // and comes back last
    let effects = press(&mut room.app, "<Enter>");
    let [Effect::Cast { ballot, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    assert_eq!(ballot.choice, Choice::Ranked(vec![0, 2, 1]));
    let closed = Ballot {
        voter: Some("medlem-a".into()),
        org: "Åfjord".into(),
        choice: ballot.choice.clone(),
        hand_counted: false,
    };
    let chairs = Ballot {
        voter: Some("leder".into()),
        ..closed.clone()
    };
    confirm(&mut room, close_round(round), &[closed, chairs]);
    let s = screen(&mut room.app, 80, 24);
    // Two ballots of a body of four: quorum; first places 2 points, second 1.
    assert!(s.contains("Flest stemmer:") && s.contains("   4  "), "{s}");

    let (round, _) = opens(
        &mut room,
        styr::model::vote::Method::Scoring {
            criteria: styr::model::criteria::CriteriaSet::prosjektportalen(),
        },
    );
    press(&mut room.app, "\t5j5j4j4");
    let incomplete = press(&mut room.app, "<Enter>");
    assert!(incomplete.is_empty(), "every criterion needs a mark");
    let s = screen(&mut room.app, 80, 24);
    assert!(
        s.contains("Strategisk verdi") && s.contains("Sum 18"),
        "{s}"
    );
    // An adjustment of +2 needs a comment: refused until it has one.
    let without = press(&mut room.app, "j3++<Enter>");
    assert!(without.is_empty(), "an adjustment needs a comment");
    let s = screen(&mut room.app, 80, 24);
    assert!(s.contains("Justering +2") && s.contains("Sum 23"), "{s}");
    // The comment row takes typed text, j and k included; arrows and Enter still act.
    let effects = press(
        &mut room.app,
        "<Down><Down>Lovkrav jk<Backspace><Backspace><Enter>",
    );
    let [Effect::Cast { ballot, .. }] = &effects[..] else {
        panic!("{effects:?}")
    };
    let Choice::Scores { per_option } = &ballot.choice else {
        panic!()
    };
    assert_eq!(per_option[0].criteria, [5, 5, 4, 4, 3]);
    assert_eq!(per_option[0].adjustment, 2);
    assert_eq!(per_option[0].comment, "Lovkrav");
    let mine = Ballot {
        voter: Some("medlem-a".into()),
        org: "Åfjord".into(),
        choice: ballot.choice.clone(),
        hand_counted: false,
    };
    let theirs = Ballot {
        voter: Some("leder".into()),
        choice: Choice::Scores {
            per_option: vec![styr::model::vote::Scores {
                criteria: vec![3, 3, 3, 3, 3],
                adjustment: 0,
                comment: String::new(),
            }],
        },
        ..mine.clone()
    };
    confirm(&mut room, close_round(round), &[mine, theirs]);
    let s = screen(&mut room.app, 80, 24);
    // (23 + 15) / 2 = 19: more than 16, so Bør ha; the scorers are 8 apart.
    assert!(
        s.contains("Bør ha (19.0)") && s.contains("spredning 8"),
        "{s}"
    );
}

#[test]
fn the_secretary_puts_a_board_item_on_the_agenda_with_one_key() {
    let mut room = room("sekretaer", Role::Secretary);
    press(&mut room.app, "<Esc>");
    let item = room.app.selected_id().expect("a selected card");
    let title = room.app.view().get(&item).unwrap().title.clone();
    let ops = persisted(&press(&mut room.app, "A"));
    let [op] = &ops[..] else { panic!("{ops:?}") };
    let Payload::Meeting { change } = &op.payload else {
        panic!()
    };
    let MeetingChange::AddCase {
        details, number, ..
    } = &**change
    else {
        panic!()
    };
    assert_eq!(details.items, [item]);
    assert_eq!(details.title, title);
    assert_eq!(*number, None, "the server numbers it");
    press(&mut room.app, "M");
    let agenda = room
        .app
        .view()
        .meetings()
        .agenda(&room.server.meetings()[0].id);
    assert_eq!(agenda.len(), 2, "shown at once, before the server confirms");
    let mut member = room_for_member();
    press(&mut member.app, "<Esc>");
    assert!(press(&mut member.app, "A").is_empty(), "a member may not");
}

#[test]
fn a_correction_is_a_new_entry_linked_to_the_one_it_corrects() {
    let mut room = room("sekretaer", Role::Secretary);
    let case = room.case;
    confirm(
        &mut room,
        decide(
            case,
            "Prioritering 2027",
            "Vedtatt med feil.",
            styr::model::meeting::Reached::Unanimous,
        ),
        &[],
    );
    let first = room.app.view().meetings().decisions()[0].id;
    press(&mut room.app, "D");
    press(&mut room.app, "r");
    let s = screen(&mut room.app, 80, 24);
    assert!(
        s.contains("Vedtatt med feil."),
        "the form starts from the entry:\n{s}"
    );
    let ops = persisted(&press(&mut room.app, "<C-u>Rettet vedtak.<C-s>"));
    let [op] = &ops[..] else { panic!("{ops:?}") };
    let Payload::Meeting { change } = &op.payload else {
        panic!()
    };
    let MeetingChange::Decide { decision } = &**change else {
        panic!()
    };
    assert_eq!(decision.corrects, Some(first));
    assert_eq!(decision.text, "Rettet vedtak.");
    assert!(
        decision.items.is_empty() && decision.moved_to.is_none(),
        "a correction moves nothing"
    );
    let s = screen(&mut room.app, 80, 24);
    assert!(s.contains("[retting] Rettet vedtak."), "{s}");
    assert_eq!(
        room.app.view().meetings().decisions().len(),
        2,
        "the first entry stays"
    );
}

#[test]
fn help_scrolls_when_a_role_has_more_keys_than_rows() {
    let mut chair = room("leder", Role::Chair);
    press(&mut chair.app, "?");
    let s = screen(&mut chair.app, 80, 24);
    assert!(s.contains("↓"), "the border says more keys are below:\n{s}");
    assert!(!s.contains("Avslutt"), "{s}");
    press(&mut chair.app, "jjjjjjjjjjjjjjjjjjjj");
    let s = screen(&mut chair.app, 80, 24);
    assert!(
        s.contains("Avslutt") && s.contains("Vedtaksprotokoll"),
        "{s}"
    );
    assert!(
        matches!(chair.app.overlay, Some(Overlay::Help)),
        "j scrolls, not closes"
    );
    press(&mut chair.app, "<Esc>");
    assert!(chair.app.overlay.is_none());
}

/// The chair's keys set the next yes/no round: `t` two thirds, `e` an election.
#[test]
fn the_chair_chooses_two_thirds_and_election_per_round() {
    use styr::model::vote::{Majority, Method, Outcome};
    let t = Lang::Nb.strings();
    let mut member = room("medlem-a", Role::Member);
    press(&mut member.app, "?");
    let s = screen(&mut member.app, 80, 60);
    assert!(!s.contains((t.actions)(Action::TwoThirds)), "{s}");
    let mut chair = room("leder", Role::Chair);
    press(&mut chair.app, "?");
    let s = screen(&mut chair.app, 80, 60);
    assert!(s.contains((t.actions)(Action::TwoThirds)), "{s}");
    assert!(s.contains((t.actions)(Action::Election)), "{s}");
    press(&mut chair.app, "<Esc>");

    // Nine members present.
    let meeting = chair.server.meetings()[0].id;
    let nine = [
        "leder", "medlem-a", "medlem-b", "medlem-c", "medlem-d", "medlem-e", "medlem-f",
        "medlem-g", "medlem-h",
    ];
    confirm(&mut chair, attendance(meeting, &nine, &[]), &[]);
    let second = CaseId::new();
    confirm(&mut chair, add_case(meeting, second, "Andre sak"), &[]);
    assert!(screen(&mut chair.app, 80, 24).contains("simpelt flertall"));
    press(&mut chair.app, "t");
    let s = screen(&mut chair.app, 80, 24);
    assert!(
        s.contains("Neste ja/nei-votering: 2/3") && !s.contains("simpelt flertall"),
        "{s}"
    );
    let ballots = |yes: usize, no: usize| -> Vec<Ballot> {
        nine.iter()
            .take(yes + no)
            .enumerate()
            .map(|(i, v)| Ballot {
                voter: Some(v.to_string()),
                org: "Åfjord".into(),
                choice: Choice::YesNo(if i < yes { YesNo::Yes } else { YesNo::No }),
                hand_counted: false,
            })
            .collect()
    };
    // 6 of 9 is two thirds: adopted. 5 of 8 is less: not adopted.
    for (row, yes, no, adopted) in [("", 6, 3, true), ("j", 5, 3, false)] {
        let ops = persisted(&press(&mut chair.app, &format!("{row}o")));
        let [op] = &ops[..] else { panic!("{ops:?}") };
        let Payload::Meeting { change } = &op.payload else {
            panic!()
        };
        let MeetingChange::OpenRound { round, rules, .. } = &**change else {
            panic!()
        };
        assert_eq!(
            rules.method,
            Method::YesNo {
                majority: Majority::TwoThirds
            }
        );
        assert_eq!(rules.body_size, 9);
        let round = *round;
        confirm_op(&mut chair, op.clone(), &[]);
        assert!(screen(&mut chair.app, 80, 24).contains("Åpen · navngitt · 2/3"));
        confirm(&mut chair, close_round(round), &ballots(yes, no));
        let result = chair
            .app
            .view()
            .meetings()
            .round(&round)
            .and_then(|r| r.result())
            .cloned()
            .expect("closed with a result");
        assert!(result.quorum_met);
        assert_eq!(
            matches!(result.outcome, Outcome::Adopted { .. }),
            adopted,
            "{yes} for, {no} against: {:?}",
            result.outcome
        );
    }

    // An election: never a casting vote, whatever the body's rules say.
    let mut chair = room("leder", Role::Chair);
    chair.app.body_rules.casting_vote = true;
    let ops = persisted(&press(&mut chair.app, "eo"));
    let [op] = &ops[..] else { panic!("{ops:?}") };
    let Payload::Meeting { change } = &op.payload else {
        panic!()
    };
    let MeetingChange::OpenRound { rules, .. } = &**change else {
        panic!()
    };
    assert!(rules.election && !rules.casting_vote && rules.chair.is_none());
    assert_eq!(
        rules.method,
        Method::YesNo {
            majority: Majority::Simple
        }
    );
}

#[test]
fn a_scoring_round_uses_the_bodys_criteria_set() {
    let mut chair = room("leder", Role::Chair);
    chair.app.body_rules.criteria = "nordland".into();
    let ops = persisted(&press(&mut chair.app, "s"));
    let [op] = &ops[..] else { panic!("{ops:?}") };
    let Payload::Meeting { change } = &op.payload else {
        panic!()
    };
    let MeetingChange::OpenRound { rules, .. } = &**change else {
        panic!()
    };
    let styr::model::vote::Method::Scoring { criteria } = &rules.method else {
        panic!("{rules:?}")
    };
    assert_eq!(criteria.key, "nordland");
    assert_eq!(criteria.criteria.len(), 3);
}

/// The decision log filters by year, by the item a decision affects (title or short
/// id) and by case number, and shows numbers in the body's format.
#[test]
fn the_decision_log_filters_by_year_item_and_case_number() {
    use styr::model::meeting::{CaseNumberFormat, Decision, DecisionId, Reached};
    let mut room = room("sekretaer", Role::Secretary);
    let case = room.case;
    let items = room.server.case(&case).unwrap().details.items.clone();
    let item_title = room.app.view().get(&items[0]).unwrap().title.clone();
    confirm(
        &mut room,
        MeetingChange::Decide {
            decision: Box::new(Decision {
                items: vec![items[0]],
                ..decision(
                    DecisionId::new(),
                    case,
                    "Tiltak prioritert",
                    "Tiltakene prioriteres.",
                    Reached::Unanimous,
                )
            }),
        },
        &[],
    );
    // A meeting the year after, with a case of its own.
    let next = MeetingId::new();
    confirm(&mut room, schedule(next, "2027-01-14 10:00"), &[]);
    let later = CaseId::new();
    confirm(&mut room, add_case(next, later, "Skyløsning"), &[]);
    confirm(
        &mut room,
        decide(
            later,
            "Skyløsning",
            "Skyløsningen utredes.",
            Reached::Unanimous,
        ),
        &[],
    );
    press(&mut room.app, "D");
    let s = screen(&mut room.app, 80, 24);
    assert!(
        s.contains("01/27  Skyløsning") && s.contains("01/26  Tiltak prioritert"),
        "{s}"
    );
    let shown = |app: &mut styr::tui::App, query: &str| {
        press(app, &format!("/<C-u>{query}<Enter>"));
        screen(app, 80, 24)
    };
    for (query, finds, not) in [
        ("2027", "Skyløsning", "Tiltak prioritert"),
        ("2026", "Tiltak prioritert", "Skyløsning"),
        ("01/27", "Skyløsning", "Tiltak prioritert"),
        ("01/26", "Tiltak prioritert", "Skyløsning"),
        (item_title.as_str(), "Tiltak prioritert", "Skyløsning"),
        (&items[0].short(), "Tiltak prioritert", "Skyløsning"),
    ] {
        let s = shown(&mut room.app, query);
        assert!(s.contains(finds), "{query:?} finds {finds:?}:\n{s}");
        assert!(
            !s.contains(&format!("  {not}")),
            "{query:?} leaves out {not:?}:\n{s}"
        );
    }
    room.app.body_rules.case_format = CaseNumberFormat::YyyyNnn;
    let s = shown(&mut room.app, "");
    assert!(
        s.contains("2027/001  Skyløsning") && s.contains("2026/001  Tiltak prioritert"),
        "{s}"
    );
    let s = shown(&mut room.app, "2026/001");
    assert!(
        s.contains("Tiltak prioritert") && !s.contains("Skyløsning"),
        "{s}"
    );
}

/// `b` puts the items in Prioritert and Vurdering on the agenda, each as a case.
#[test]
fn the_secretary_builds_the_agenda_from_the_board() {
    use styr::model::{StageKey, Stages};
    let mut room = room("sekretaer", Role::Secretary);
    let meeting = room.server.meetings()[0].id;
    let on_agenda = room.server.case(&room.case).unwrap().details.items.clone();
    let want: Vec<ItemId> = [Stages::PRIORITISED, Stages::ASSESSMENT]
        .iter()
        .flat_map(|s| room.app.view().in_stage(&StageKey::new(s)))
        .map(|i| i.id)
        .filter(|id| !on_agenda.contains(id))
        .collect();
    assert!(!want.is_empty(), "the demo has items to put on");
    let ops = persisted(&press(&mut room.app, "b"));
    let added: Vec<ItemId> = ops
        .iter()
        .map(|op| match &op.payload {
            Payload::Meeting { change } => match &**change {
                MeetingChange::AddCase { details, .. } => {
                    assert_eq!(details.items.len(), 1);
                    details.items[0]
                }
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        added, want,
        "Prioritert first, then Vurdering, in board order"
    );
    assert_eq!(
        room.app.view().meetings().agenda(&meeting).len(),
        1 + want.len()
    );
    assert!(
        persisted(&press(&mut room.app, "b")).is_empty(),
        "nothing twice"
    );
    let mut member = room_for_member();
    assert!(press(&mut member.app, "b").is_empty(), "a member may not");
}

/// The decision form takes a closed session and the disqualified with their legal basis,
/// all five fields fit at 80x24, and an entry without a basis is refused with the form kept.
#[test]
fn the_decision_form_records_closed_session_and_disqualification() {
    let mut room = room("sekretaer", Role::Secretary);
    press(&mut room.app, "v");
    let s = screen(&mut room.app, 80, 24);
    for want in [
        "Vedtak",
        "Dissens",
        "Unntatt",
        "Lukket møte",
        "Inhabil",
        "Ctrl-S",
    ] {
        assert!(s.contains(want), "{want} in\n{s}");
    }
    // Tab to the closed session, then to the disqualified; one entry lacks its basis.
    press(
        &mut room.app,
        "<Tab><Tab><Tab>kommuneloven § 11-5 andre ledd<Tab>medlem-b: fvl. § 6 første ledd bokstav a; medlem-c",
    );
    assert!(persisted(&press(&mut room.app, "<C-s>")).is_empty());
    let s = screen(&mut room.app, 80, 24);
    assert!(s.contains("«medlem-c» mangler"), "{s}");
    let Screen::Meeting(m) = &room.app.screen else {
        panic!()
    };
    assert!(m.decision.is_some(), "the form stays with what was typed");
    let ops = persisted(&press(&mut room.app, "<Backspace><Backspace><Backspace><Backspace><Backspace><Backspace><Backspace><Backspace><Backspace><Backspace><C-s>"));
    let [op] = &ops[..] else { panic!("{ops:?}") };
    let Payload::Meeting { change } = &op.payload else {
        panic!()
    };
    let MeetingChange::Decide { decision } = &**change else {
        panic!()
    };
    assert_eq!(
        decision.closed_session.as_deref(),
        Some("kommuneloven § 11-5 andre ledd")
    );
    assert_eq!(decision.disqualified.len(), 1);
    assert_eq!(decision.disqualified[0].name, "medlem-b");
    assert_eq!(
        decision.disqualified[0].basis,
        "fvl. § 6 første ledd bokstav a"
    );
}
