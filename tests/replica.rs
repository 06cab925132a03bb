//! The conflict rules and the replica invariant (confirmed ops in seq order + pending on
//! top), at the model level. The same property runs against the real server in
//! `tests/sync.rs`; here a sequencer in a few lines stands in for it, so that proptest can
//! try thousands of interleavings in a second.

mod common;

use common::gen::{self, Kinds};
use proptest::prelude::*;
use std::collections::BTreeMap;
use styr::model::conflict::Slot;
use styr::model::{
    Confirmed, FieldName, FieldValue, ItemId, Op, OpId, Payload, Portfolio, Replica, StageKey,
};

fn op(author: &str, base_seq: u64, payload: Payload) -> Op {
    let mut op = Op::new(author, 1_700_000_000_000, payload);
    op.base_seq = base_seq;
    op
}

fn create(item: ItemId) -> Payload {
    Payload::CreateItem {
        item,
        stage: StageKey::new("innkommet"),
        fields: vec![FieldValue::Title("Felles innbyggerportal".into())],
    }
}

fn edit(item: ItemId, value: FieldValue) -> Payload {
    Payload::EditItem {
        item,
        changes: vec![value],
    }
}

/// A portfolio of one item created by `radgiver-a` at seq 1, then `ops` confirmed as seq 2, 3, …
fn confirmed(item: ItemId, ops: &[Op]) -> Portfolio {
    let mut p = Portfolio::default();
    p.apply_confirmed(&op("radgiver-a", 0, create(item)), 1);
    for (i, o) in ops.iter().enumerate() {
        p.apply_confirmed(o, i as u64 + 2);
    }
    p
}

#[test]
fn concurrent_scalar_edits_take_the_higher_seq_and_are_flagged() {
    let item = ItemId::new();
    let p = confirmed(
        item,
        &[
            op("radgiver-a", 1, edit(item, FieldValue::Priority(Some(3)))),
            op("radgiver-b", 1, edit(item, FieldValue::Priority(Some(1)))),
        ],
    );
    let it = p.get(&item).expect("item");
    assert_eq!(it.priority, Some(1), "the higher seq wins");
    let c = it
        .sync
        .conflict(Slot::Field(FieldName::Priority))
        .expect("flagged");
    assert_eq!(
        (c.by.as_str(), c.winner.as_str(), c.seq),
        ("radgiver-a", "radgiver-b", 3)
    );
    assert_eq!(c.kept, None, "a scalar keeps no second version");
}

#[test]
fn an_edit_made_after_seeing_the_other_is_not_a_conflict() {
    let item = ItemId::new();
    let p = confirmed(
        item,
        &[
            op("radgiver-a", 1, edit(item, FieldValue::Priority(Some(3)))),
            op("radgiver-b", 2, edit(item, FieldValue::Priority(Some(1)))),
            // Another field, stale base: no conflict either.
            op("per", 1, edit(item, FieldValue::Funds(Some(5)))),
        ],
    );
    let it = p.get(&item).expect("item");
    assert_eq!(it.priority, Some(1));
    assert!(it.sync.conflicts.is_empty(), "{:?}", it.sync.conflicts);
}

#[test]
fn the_same_author_twice_is_not_a_conflict() {
    let item = ItemId::new();
    let p = confirmed(
        item,
        &[
            op("radgiver-a", 1, edit(item, FieldValue::Priority(Some(3)))),
            op("radgiver-a", 1, edit(item, FieldValue::Priority(Some(1)))),
        ],
    );
    assert!(p.get(&item).expect("item").sync.conflicts.is_empty());
}

#[test]
fn concurrent_free_text_keeps_both_versions_until_someone_picks() {
    let item = ItemId::new();
    let radgiver_a = "Radgiver-A: felles portal for alle sju kommunene.";
    let radgiver_b = "Radgiver-B: portal først i Ørland og Indre Fosen.";
    let mut ops = vec![
        op(
            "radgiver-a",
            1,
            edit(item, FieldValue::Description(radgiver_a.into())),
        ),
        op(
            "radgiver-b",
            1,
            edit(item, FieldValue::Description(radgiver_b.into())),
        ),
    ];
    let p = confirmed(item, &ops);
    let it = p.get(&item).expect("item");
    assert_eq!(it.description, radgiver_b, "the higher seq is shown");
    let c = it
        .sync
        .conflict(Slot::Field(FieldName::Description))
        .expect("flagged");
    assert_eq!(
        c.kept.as_deref(),
        Some(radgiver_a),
        "the replaced text is kept"
    );
    assert_eq!(c.by, "radgiver-a");

    // A third user, who has seen both (base 3), picks Radgiver-A's text: the conflict is settled.
    ops.push(op(
        "per",
        3,
        edit(item, FieldValue::Description(radgiver_a.into())),
    ));
    let p = confirmed(item, &ops);
    let it = p.get(&item).expect("item");
    assert_eq!(it.description, radgiver_a);
    assert!(it.sync.conflicts.is_empty(), "{:?}", it.sync.conflicts);
}

#[test]
fn concurrent_moves_take_the_higher_seq_and_flag_the_stage() {
    let item = ItemId::new();
    let mv = |to: &str| Payload::MoveItem {
        item,
        to: StageKey::new(to),
    };
    let p = confirmed(
        item,
        &[
            op("radgiver-a", 1, mv("vurdering")),
            op("radgiver-b", 1, mv("parkert")),
        ],
    );
    let it = p.get(&item).expect("item");
    assert_eq!(it.stage.as_str(), "parkert");
    let c = it.sync.conflict(Slot::Stage).expect("flagged");
    assert_eq!(
        (c.by.as_str(), c.winner.as_str()),
        ("radgiver-a", "radgiver-b")
    );
}

#[test]
fn a_remote_change_slides_under_a_pending_one() {
    let item = ItemId::new();
    let created = op("radgiver-a", 0, create(item));
    let mut r = Replica::default();
    assert_eq!(r.confirm(1, &created), Confirmed::Applied(vec![item]));

    // Here: priority 2, pending. Meanwhile the server confirms Radgiver-B's priority 5.
    let mine = op("radgiver-a", 1, edit(item, FieldValue::Priority(Some(2))));
    r.local(mine.clone());
    let theirs = op("radgiver-b", 1, edit(item, FieldValue::Priority(Some(5))));
    assert_eq!(r.confirm(2, &theirs), Confirmed::Applied(vec![item]));
    assert_eq!(
        r.view().get(&item).expect("item").priority,
        Some(2),
        "pending stays on top"
    );
    assert_eq!(r.pending().len(), 1);
    assert!(r.base().contains_key(&item));

    // Mine is confirmed after Radgiver-B's: it wins, flagged, and the second copy is gone.
    assert_eq!(r.confirm(3, &mine), Confirmed::Applied(vec![item]));
    let it = r.view().get(&item).expect("item");
    assert_eq!(it.priority, Some(2));
    assert!(it.sync.conflict(Slot::Field(FieldName::Priority)).is_some());
    assert!(r.pending().is_empty());
    assert!(
        r.base().is_empty(),
        "no second copy once nothing is pending"
    );
}

#[test]
fn a_refused_op_is_taken_back() {
    let item = ItemId::new();
    let mut r = Replica::default();
    r.confirm(1, &op("radgiver-a", 0, create(item)));
    let mv = op(
        "radgiver-a",
        1,
        Payload::MoveItem {
            item,
            to: StageKey::new("gjennomforing"),
        },
    );
    r.local(mv.clone());
    assert_eq!(
        r.view().get(&item).expect("item").stage.as_str(),
        "gjennomforing"
    );
    assert_eq!(r.reject(&mv.op_id), Some(vec![item]));
    assert_eq!(
        r.view().get(&item).expect("item").stage.as_str(),
        "innkommet"
    );
    assert!(r.pending().is_empty() && r.base().is_empty());
    assert_eq!(r.reject(&OpId::new()), None, "an unknown op is not pending");
}

#[test]
fn a_local_create_disappears_when_refused() {
    let item = ItemId::new();
    let mut r = Replica::default();
    let c = op("radgiver-a", 0, create(item));
    r.local(c.clone());
    assert!(r.view().get(&item).is_some());
    r.reject(&c.op_id);
    assert!(r.view().get_any(&item).is_none());
}

#[test]
fn duplicates_are_ignored_and_gaps_reported() {
    let item = ItemId::new();
    let mut r = Replica::default();
    let c = op("radgiver-a", 0, create(item));
    assert_eq!(r.confirm(1, &c), Confirmed::Applied(vec![item]));
    assert_eq!(r.confirm(1, &c), Confirmed::Duplicate);
    let e = op("radgiver-a", 1, edit(item, FieldValue::Priority(Some(1))));
    assert_eq!(
        r.confirm(4, &e),
        Confirmed::Gap {
            expected: 2,
            got: 4
        }
    );
    assert_eq!(r.last_seq(), 1);
    assert_eq!(r.view().get(&item).expect("item").priority, None);
}

/// The server in miniature: a log in seq order, de-duplicated on op id.
#[derive(Default)]
struct Sequencer {
    log: Vec<Op>,
    by_id: BTreeMap<OpId, u64>,
}

impl Sequencer {
    fn push(&mut self, op: &Op) -> u64 {
        if let Some(seq) = self.by_id.get(&op.op_id) {
            return *seq;
        }
        self.log.push(op.clone());
        let seq = self.log.len() as u64;
        self.by_id.insert(op.op_id, seq);
        seq
    }

    fn since(&self, seq: u64) -> impl Iterator<Item = (u64, &Op)> {
        self.log
            .iter()
            .enumerate()
            .skip(seq as usize)
            .map(|(i, op)| (i as u64 + 1, op))
    }
}

/// Hands `seq` to the replica, pulling whatever it is missing first.
fn deliver(r: &mut Replica, server: &Sequencer, seq: u64) {
    let op = &server.log[seq as usize - 1];
    if let Confirmed::Gap { expected, .. } = r.confirm(seq, op) {
        for (s, o) in server.since(expected - 1).take_while(|(s, _)| *s <= seq) {
            r.confirm(s, o);
        }
    }
}

fn full_sync(r: &mut Replica, server: &mut Sequencer) {
    for op in r.pending().to_vec() {
        server.push(&op);
    }
    for (seq, op) in server.since(r.last_seq()) {
        r.confirm(seq, op);
    }
}

#[derive(Clone, Debug)]
enum Step {
    /// Replica `r` makes a change.
    Local(usize, Payload),
    /// Replica `r` pushes its first pending op; the request may be lost, and the
    /// reply may be lost (the op is stored but `r` does not hear of it).
    Push { r: usize, lost: bool },
    /// The server's op `pick` (modulo the log's length) reaches replica `r`, perhaps twice.
    Event { r: usize, pick: usize, twice: bool },
}

fn step(pool: Vec<ItemId>) -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..3usize, gen::payload(pool, Kinds::All)).prop_map(|(r, p)| Step::Local(r, p)),
        2 => (0..3usize, any::<bool>()).prop_map(|(r, lost)| Step::Push { r, lost }),
        3 => (0..3usize, any::<usize>(), any::<bool>())
            .prop_map(|(r, pick, twice)| Step::Event { r, pick, twice }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Three replicas, random changes, pushes lost and retried, events duplicated,
    /// reordered and dropped; after two full sync rounds all replicas are identical,
    /// equal to the server's log folded in seq order, and nothing is pending.
    #[test]
    fn replicas_converge(steps in prop::collection::vec(step(gen::item_pool(4)), 0..60)) {
        let mut server = Sequencer::default();
        let mut replicas = vec![Replica::default(), Replica::default(), Replica::default()];
        let mut made = Vec::new();
        for s in steps {
            match s {
                Step::Local(r, payload) => {
                    let author = format!("r{r}");
                    let o = op(&author, replicas[r].last_seq(), payload);
                    made.push(o.op_id);
                    replicas[r].local(o);
                }
                Step::Push { r, lost } => {
                    if let (Some(o), false) = (replicas[r].pending().first().cloned(), lost) {
                        server.push(&o);
                    }
                }
                Step::Event { r, pick, twice } => {
                    if !server.log.is_empty() {
                        let seq = (pick % server.log.len()) as u64 + 1;
                        deliver(&mut replicas[r], &server, seq);
                        if twice {
                            deliver(&mut replicas[r], &server, seq);
                        }
                    }
                }
            }
        }
        for _round in 0..2 {
            for r in &mut replicas {
                full_sync(r, &mut server);
            }
        }
        let mut truth = Portfolio::default();
        for (seq, o) in server.since(0) {
            truth.apply_confirmed(o, seq);
        }
        for (i, r) in replicas.iter().enumerate() {
            prop_assert!(r.pending().is_empty(), "replica {} still has pending ops", i);
            prop_assert!(r.base().is_empty(), "replica {} still keeps confirmed copies", i);
            prop_assert_eq!(r.last_seq(), server.log.len() as u64);
            prop_assert_eq!(r.view(), &truth, "replica {} differs from the server's fold", i);
        }
        for id in made {
            prop_assert!(server.by_id.contains_key(&id), "every change reached the server");
            prop_assert!(truth.has_seen(&id));
        }
    }
}
