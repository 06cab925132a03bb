//! Meetings in the model and the local cache: the fold's rules, the server's stamps
//! (case numbers, eligible voters, tallies, the decision chain), and meetings kept by the
//! replica and the sled cache through pending, confirmed and refused ops.

mod common;

use common::meeting::*;
use styr::model::meeting::{
    verify_chain, CaseId, ChainBreak, MeetingChange, MeetingId, Meetings, MinutesStatus, Presence,
    Reached, Refusal, RoundId,
};
use styr::model::vote::{Ballot, Choice, YesNo};
use styr::model::{Op, Payload, Replica};
use styr::protocol::SeqOp;
use styr::store::Store;

/// Folds `changes` as the server would: each checked, stamped with `ballots` for any
/// close, then applied. Returns the stored ops.
fn serve(m: &mut Meetings, changes: Vec<MeetingChange>, ballots: &[Ballot]) -> Vec<Op> {
    changes
        .into_iter()
        .map(|change| {
            if let Err(e) = m.check(&change) {
                panic!("refused: {e} ({change:?})");
            }
            let mut op = meeting_op("sekretaer", change);
            m.stamp(&mut op, |_| ballots.to_vec());
            assert!(m.apply(&op));
            op
        })
        .collect()
}

fn ballot(voter: &str, choice: YesNo) -> Ballot {
    Ballot {
        voter: Some(voter.into()),
        org: "Åfjord".into(),
        choice: Choice::YesNo(choice),
        hand_counted: false,
    }
}

#[test]
fn the_fold_numbers_cases_per_body_and_year_and_fixes_the_voters() {
    let mut m = Meetings::default();
    let (a, b) = (MeetingId::new(), MeetingId::new());
    let cases: Vec<CaseId> = (0..3).map(|_| CaseId::new()).collect();
    serve(
        &mut m,
        vec![
            schedule(a, "2026-03-01 10:00"),
            schedule(b, "2027-01-15 10:00"),
            attendance(a, &["leder", "medlem-a"], &["medlem-b"]),
            add_case(a, cases[0], "Første"),
            add_case(a, cases[1], "Andre"),
            add_case(b, cases[2], "Nytt år"),
        ],
        &[],
    );
    let number = |c: &CaseId| m.case(c).unwrap().number.unwrap().to_string();
    assert_eq!(number(&cases[0]), "01/26");
    assert_eq!(number(&cases[1]), "02/26");
    assert_eq!(
        number(&cases[2]),
        "01/27",
        "the count starts again each year"
    );

    let round = RoundId::new();
    let ops = serve(
        &mut m,
        vec![open_round(round, cases[0], yes_no_rules(3), false)],
        &[],
    );
    let Payload::Meeting { change } = &ops[0].payload else {
        panic!()
    };
    let MeetingChange::OpenRound { eligible, .. } = &**change else {
        panic!()
    };
    let names: Vec<&str> = eligible.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        ["leder", "medlem-a"],
        "the absent member may not vote"
    );

    // The rules while it is open.
    assert_eq!(
        m.check(&open_round(
            RoundId::new(),
            cases[0],
            yes_no_rules(3),
            false
        )),
        Err(Refusal::RoundOpen)
    );
    let bad = dot_rules(&[], 3, 3);
    assert!(matches!(
        m.check(&open_round(RoundId::new(), cases[1], bad, false)),
        Err(Refusal::BadRules(_))
    ));
    serve(
        &mut m,
        vec![close_round(round)],
        &[ballot("leder", YesNo::Yes), ballot("medlem-a", YesNo::No)],
    );
    let closed = m.round(&round).unwrap();
    let result = closed.result().expect("tallied at close");
    assert_eq!(result.ballots, 2);
    assert_eq!(m.check(&close_round(round)), Err(Refusal::RoundClosed));
}

#[test]
fn an_anonymous_round_publishes_ballots_without_names() {
    let mut m = Meetings::default();
    let (meeting, case, round) = (MeetingId::new(), CaseId::new(), RoundId::new());
    let opening = || {
        vec![
            schedule(meeting, "2026-03-01 10:00"),
            attendance(meeting, &["leder", "medlem-a", "medlem-b"], &[]),
            add_case(meeting, case, "Hemmelig"),
            open_round(round, case, yes_no_rules(3), true),
        ]
    };
    serve(&mut m, opening(), &[]);
    let kept = [
        ballot("medlem-b", YesNo::Yes),
        ballot("leder", YesNo::No),
        ballot("medlem-a", YesNo::Yes),
    ];
    serve(&mut m, vec![close_round(round)], &kept);
    let styr::model::meeting::RoundState::Closed {
        ballots, result, ..
    } = &m.round(&round).unwrap().state
    else {
        panic!("closed");
    };
    assert!(ballots.iter().all(|b| b.voter.is_none()));
    assert!(result.as_ref().unwrap().named.is_empty());
    // The order says nothing about who voted when: the same ballots in another order
    // publish the same list.
    let mut again = Meetings::default();
    serve(&mut again, opening(), &[]);
    let reversed: Vec<Ballot> = kept.iter().rev().cloned().collect();
    serve(&mut again, vec![close_round(round)], &reversed);
    let published = |m: &Meetings| match &m.round(&round).unwrap().state {
        styr::model::meeting::RoundState::Closed {
            ballots, result, ..
        } => (ballots.clone(), result.clone()),
        _ => panic!("closed"),
    };
    assert_eq!(published(&again), published(&m));
}

#[test]
fn approved_minutes_take_only_corrections_and_the_chain_finds_any_edit() {
    let mut m = Meetings::default();
    let (meeting, case) = (MeetingId::new(), CaseId::new());
    serve(
        &mut m,
        vec![
            schedule(meeting, "2026-03-01 10:00"),
            add_case(meeting, case, "Sak"),
            decide(case, "Sak", "Vedtatt.", Reached::Unanimous),
            decide(case, "Sak", "Også vedtatt.", Reached::Unanimous),
            MeetingChange::Minutes {
                meeting,
                status: MinutesStatus::Approved,
            },
        ],
        &[],
    );
    assert_eq!(verify_chain(m.decisions()), Ok(2));
    assert_eq!(
        m.check(&decide(case, "Sak", "Sent", Reached::Unanimous)),
        Err(Refusal::Locked)
    );
    assert_eq!(
        m.check(&add_case(meeting, CaseId::new(), "Sen sak")),
        Err(Refusal::Locked)
    );
    assert_eq!(
        m.check(&MeetingChange::Minutes {
            meeting,
            status: MinutesStatus::Draft
        }),
        Err(Refusal::Backwards)
    );
    let first = m.decisions()[0].id;
    let MeetingChange::Decide { mut decision } = decide(case, "Sak", "Rettet.", Reached::Unanimous)
    else {
        unreachable!()
    };
    decision.corrects = Some(first);
    let correction = MeetingChange::Decide { decision };
    serve(&mut m, vec![correction], &[]);
    assert_eq!(verify_chain(m.decisions()), Ok(3));

    // Any edit of an entry breaks the chain at that entry.
    let mut log: Vec<_> = m.decisions().to_vec();
    log[1].text = "Endret i ettertid.".into();
    assert!(matches!(
        verify_chain(&log),
        Err(ChainBreak::Altered { position: 2, .. })
    ));
    let mut log: Vec<_> = m.decisions().to_vec();
    log.remove(1);
    assert!(
        verify_chain(&log).is_err(),
        "a removed entry breaks the chain"
    );
}

#[test]
fn the_replica_shows_pending_meeting_changes_on_top_of_confirmed_ones() {
    let mut server = Meetings::default();
    let meeting = MeetingId::new();
    let confirmed = serve(
        &mut server,
        vec![schedule(meeting, "2026-03-01 10:00")],
        &[],
    );
    let mut r = Replica::default();
    r.confirm(1, &confirmed[0]);
    let case = CaseId::new();
    let pending = meeting_op("sekretaer", add_case(meeting, case, "Lokal sak"));
    r.local(pending.clone());
    let shown = r.view().meetings().case(&case).expect("shown at once");
    assert_eq!(shown.number, None, "the number comes from the server");
    // Someone else's case is confirmed first; ours stays on top, then is confirmed with
    // its number.
    let theirs = serve(
        &mut server,
        vec![add_case(meeting, CaseId::new(), "Deres sak")],
        &[],
    );
    r.confirm(2, &theirs[0]);
    assert!(r.view().meetings().case(&case).is_some());
    let mut ours = pending.clone();
    server.stamp(&mut ours, |_| vec![]);
    server.apply(&ours);
    r.confirm(3, &ours);
    assert!(r.pending().is_empty());
    let numbers: Vec<String> = r
        .view()
        .meetings()
        .agenda(&meeting)
        .iter()
        .map(|c| c.number.unwrap().to_string())
        .collect();
    assert_eq!(numbers, ["01/26", "02/26"]);
    assert_eq!(r.view().meetings(), r.confirmed_meetings());

    // A refused meeting op disappears again.
    let refused = meeting_op("sekretaer", add_case(meeting, CaseId::new(), "Avvist"));
    r.local(refused.clone());
    assert_eq!(r.view().meetings().agenda(&meeting).len(), 3);
    assert_eq!(r.reject(&refused.op_id), Some(vec![]));
    assert_eq!(r.view().meetings().agenda(&meeting).len(), 2);
}

#[test]
fn the_cache_keeps_meetings_through_restarts_confirmations_and_refusals() {
    let dir = tempfile::tempdir().unwrap();
    let meeting = MeetingId::new();
    let mut server = Meetings::default();
    let confirmed = serve(
        &mut server,
        vec![schedule(meeting, "2026-03-01 10:00")],
        &[],
    );
    let mine = meeting_op("sekretaer", add_case(meeting, CaseId::new(), "Venter"));
    {
        let store = Store::open_synced(dir.path()).unwrap();
        store
            .confirm(&[SeqOp {
                seq: 1,
                op: confirmed[0].clone(),
            }])
            .unwrap();
        store.append(std::slice::from_ref(&mine)).unwrap();
        let r = store.load_replica().unwrap();
        assert_eq!(r.view().meetings().agenda(&meeting).len(), 1);
        assert_eq!(r.confirmed_meetings().agenda(&meeting).len(), 0);
    }
    // After a restart: the same, from disk.
    let store = Store::open_synced(dir.path()).unwrap();
    let r = store.load_replica().unwrap();
    assert_eq!(r.view().meetings().agenda(&meeting).len(), 1);
    assert_eq!(store.load().unwrap().meetings().agenda(&meeting).len(), 1);
    // The server confirms it (with a number): the outbox empties, the number shows.
    let mut stamped = mine.clone();
    server.stamp(&mut stamped, |_| vec![]);
    store
        .confirm(&[SeqOp {
            seq: 2,
            op: stamped,
        }])
        .unwrap();
    assert!(store.outbox().unwrap().is_empty());
    let r = store.load_replica().unwrap();
    let agenda = r.view().meetings().agenda(&meeting);
    assert_eq!(agenda[0].number.unwrap().to_string(), "01/26");
    // A refused one leaves no trace.
    let refused = meeting_op(
        "sekretaer",
        MeetingChange::Minutes {
            meeting,
            status: MinutesStatus::Approved,
        },
    );
    store.append(std::slice::from_ref(&refused)).unwrap();
    assert!(store.reject(&refused.op_id).unwrap());
    let r = store.load_replica().unwrap();
    assert_eq!(
        r.view().meetings().meeting(&meeting).unwrap().minutes,
        MinutesStatus::Draft
    );
    // Rebuilding the view from the logs gives the same meetings.
    store.rebuild_view().unwrap();
    assert_eq!(
        store.load_replica().unwrap().view().meetings(),
        r.view().meetings()
    );

    // A local cache (no server) keeps its meetings as the fold of its whole log.
    let local = tempfile::tempdir().unwrap();
    let store = Store::open(local.path()).unwrap();
    store.append(&confirmed).unwrap();
    store.append(std::slice::from_ref(&mine)).unwrap();
    drop(store);
    let store = Store::open(local.path()).unwrap();
    let p = store.load().unwrap();
    assert_eq!(p.meetings().agenda(&meeting).len(), 1);
    assert!(matches!(
        p.meetings()
            .meeting(&meeting)
            .unwrap()
            .attendees
            .first()
            .map(|a| &a.presence),
        None | Some(Presence::Present)
    ));
}
