//! The synced cache against a real sled: pending ops stay on top of confirmations,
//! confirmed own ops leave the outbox, refused ops are taken back, everything survives a
//! reopen, and the store takes exactly the steps of the in-memory replica the screen uses.

mod common;

use common::gen::{self, Kinds};
use proptest::prelude::*;
use styr::model::{FieldValue, ItemId, Op, Payload, Replica, StageKey};
use styr::protocol::SeqOp;
use styr::store::{read_status_file, slot_reports, Store, SyncStatus, STATUS_FILE};
use tempfile::TempDir;

fn op(author: &str, base_seq: u64, payload: Payload) -> Op {
    let mut op = Op::new(author, 1_700_000_000_000, payload);
    op.base_seq = base_seq;
    op
}

fn create(item: ItemId, title: &str) -> Payload {
    Payload::CreateItem {
        item,
        stage: StageKey::new("innkommet"),
        fields: vec![FieldValue::Title(title.into())],
    }
}

fn priority(item: ItemId, p: u32) -> Payload {
    Payload::EditItem {
        item,
        changes: vec![FieldValue::Priority(Some(p))],
    }
}

fn seq_op(seq: u64, op: &Op) -> SeqOp {
    SeqOp {
        seq,
        op: op.clone(),
    }
}

fn synced() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_synced(dir.path()).expect("opens");
    (dir, store)
}

#[test]
fn a_confirmation_slides_under_a_pending_change_and_survives_a_reopen() {
    let (dir, store) = synced();
    assert!(store.is_synced());
    let item = ItemId::new();
    let created = op("radgiver-b", 0, create(item, "Felles innbyggerportal"));
    store.confirm(&[seq_op(1, &created)]).expect("confirmed");
    assert_eq!(store.last_seq().expect("seq"), 1);

    let mine = op("radgiver-a", 1, priority(item, 2));
    store.append(std::slice::from_ref(&mine)).expect("saved");
    let theirs = op("radgiver-b", 1, priority(item, 5));
    store.confirm(&[seq_op(2, &theirs)]).expect("confirmed");

    let r = store.load_replica().expect("loads");
    assert_eq!(
        r.view().get(&item).expect("item").priority,
        Some(2),
        "pending on top"
    );
    assert_eq!(r.pending(), std::slice::from_ref(&mine));
    assert_eq!(
        r.base()
            .get(&item)
            .and_then(|b| b.as_ref())
            .map(|b| b.priority),
        Some(Some(5)),
        "the confirmed state is kept beside it"
    );
    drop(store);

    let store = Store::open_synced(dir.path()).expect("reopens");
    assert_eq!(store.slot(), 0);
    assert_eq!(store.last_seq().expect("seq"), 2);
    store
        .confirm(&[seq_op(3, &mine)])
        .expect("own op confirmed");
    let r = store.load_replica().expect("loads");
    assert!(r.pending().is_empty() && r.base().is_empty());
    assert!(store.outbox().expect("outbox").is_empty());
    let it = r.view().get(&item).expect("item");
    assert_eq!(it.priority, Some(2), "the higher seq wins");
    assert_eq!(store.history(&item).expect("history").len(), 3);
    // A rebuild from the logs gives the same view.
    store.rebuild_view().expect("rebuilt");
    assert_eq!(store.load_replica().expect("loads"), r);
}

#[test]
fn duplicates_are_skipped_and_a_gap_writes_nothing() {
    let (_dir, store) = synced();
    let item = ItemId::new();
    let created = op("radgiver-b", 0, create(item, "Chatbot"));
    store.confirm(&[seq_op(1, &created)]).expect("confirmed");
    store
        .confirm(&[seq_op(1, &created)])
        .expect("a duplicate is fine");
    let later = op("radgiver-b", 1, priority(item, 1));
    assert!(
        store.confirm(&[seq_op(3, &later)]).is_err(),
        "seq 2 is missing"
    );
    assert_eq!(store.last_seq().expect("seq"), 1);
    assert_eq!(
        store
            .load()
            .expect("view")
            .get(&item)
            .expect("item")
            .priority,
        None
    );
    assert_eq!(store.ops().expect("log").len(), 1);
}

#[test]
fn a_refused_change_is_taken_back_everywhere() {
    let (_dir, store) = synced();
    let item = ItemId::new();
    store
        .confirm(&[seq_op(1, &op("radgiver-b", 0, create(item, "Chatbot")))])
        .expect("confirmed");
    let mv = op(
        "radgiver-a",
        1,
        Payload::MoveItem {
            item,
            to: StageKey::new("gjennomforing"),
        },
    );
    store.append(std::slice::from_ref(&mv)).expect("saved");
    assert_eq!(
        store
            .load()
            .expect("view")
            .get(&item)
            .expect("item")
            .stage
            .as_str(),
        "gjennomforing"
    );
    assert!(store.reject(&mv.op_id).expect("rejected"));
    assert!(!store.reject(&mv.op_id).expect("only once"));
    let r = store.load_replica().expect("loads");
    assert_eq!(
        r.view().get(&item).expect("item").stage.as_str(),
        "innkommet"
    );
    assert!(r.pending().is_empty() && r.base().is_empty());
    assert_eq!(
        store.history(&item).expect("history").len(),
        1,
        "only the create"
    );
}

#[test]
fn a_local_cache_keeps_no_confirmed_copies() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("opens");
    assert!(!store.is_synced());
    store
        .append(&[op("radgiver-a", 0, create(ItemId::new(), "Chatbot"))])
        .expect("saved");
    assert!(store.load_replica().expect("loads").base().is_empty());
}

/// `status.json` in the slot folder, as `styr status` reads it while styr runs.
fn status_of(store: &Store) -> SyncStatus {
    read_status_file(store.dir()).expect("status.json is there and readable")
}

#[test]
fn the_status_file_follows_every_append_confirmation_and_refusal() {
    let (dir, store) = synced();
    assert_eq!(
        (status_of(&store).pending, status_of(&store).last_seq),
        (0, 0),
        "written when the synced cache opens"
    );
    let item = ItemId::new();
    let created = op("radgiver-a", 0, create(item, "Felles innbyggerportal"));
    let edited = op("radgiver-a", 0, priority(item, 3));
    store
        .append(&[created.clone(), edited.clone()])
        .expect("saved");
    let s = status_of(&store);
    assert_eq!((s.pending, s.last_seq), (2, 0));
    assert!(s.updated_ms > 0);

    store.confirm(&[seq_op(1, &created)]).expect("confirmed");
    let s = status_of(&store);
    assert_eq!((s.pending, s.last_seq), (1, 1));

    assert!(store.reject(&edited.op_id).expect("rejected"));
    let s = status_of(&store);
    assert_eq!((s.pending, s.last_seq), (0, 1));
    assert_eq!(store.sync_status().expect("read").pending, 0);

    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(store.dir())
        .expect("slot folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");

    // While the store is open its slot is reported busy, with the file's numbers; once
    // closed, the slot is read from sled itself.
    let mine = op("radgiver-a", 1, priority(item, 4));
    store.append(std::slice::from_ref(&mine)).expect("saved");
    let reports = slot_reports(dir.path());
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].busy);
    let s = reports[0].status.clone().expect("numbers");
    assert_eq!((s.pending, s.last_seq), (1, 1));
    drop(store);
    // A stale file must not win over the cache itself.
    std::fs::write(dir.path().join("slot-0").join(STATUS_FILE), "{not json").expect("write");
    let reports = slot_reports(dir.path());
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(reports[0].slot, 0);
    assert!(!reports[0].busy);
    let s = reports[0].status.clone().expect("numbers");
    assert_eq!((s.pending, s.last_seq), (1, 1));
    // Reading it repaired the file.
    let s = read_status_file(&dir.path().join("slot-0")).expect("rewritten");
    assert_eq!((s.pending, s.last_seq), (1, 1));
}

#[test]
fn no_cache_means_no_slot_reports_and_a_local_cache_writes_no_status_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(slot_reports(&dir.path().join("nothing-here")).is_empty());
    let store = Store::open(dir.path()).expect("opens");
    store
        .append(&[op("radgiver-a", 0, create(ItemId::new(), "Lokal sak"))])
        .expect("saved");
    assert!(!store.dir().join(STATUS_FILE).exists());
}

#[derive(Clone, Debug)]
enum Step {
    Local(Payload),
    /// The server confirms the next op of its log (made of our pushed ops and others').
    Remote(Payload),
    /// The server confirms our oldest pending op.
    ConfirmOwn,
    Reject,
    Reopen,
}

fn step() -> impl Strategy<Value = Step> {
    let pool = gen::item_pool(3);
    prop_oneof![
        3 => gen::payload(pool.clone(), Kinds::All).prop_map(Step::Local),
        3 => gen::payload(pool, Kinds::All).prop_map(Step::Remote),
        2 => Just(Step::ConfirmOwn),
        1 => Just(Step::Reject),
        1 => Just(Step::Reopen),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The cache on disk and the replica on screen take the same steps: after any mix of
    /// local changes, confirmations, refusals and reopens they hold the same thing.
    #[test]
    fn the_store_and_the_screen_agree(steps in prop::collection::vec(step(), 1..30)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open_synced(dir.path()).expect("opens");
        let mut screen = Replica::default();
        let mut seq = 0;
        for s in steps {
            match s {
                Step::Local(p) => {
                    let o = op("radgiver-a", screen.last_seq(), p);
                    store.append(std::slice::from_ref(&o)).expect("saved");
                    screen.local(o);
                }
                Step::Remote(p) => {
                    seq += 1;
                    let o = op("radgiver-b", seq - 1, p);
                    store.confirm(&[seq_op(seq, &o)]).expect("confirmed");
                    screen.confirm(seq, &o);
                }
                Step::ConfirmOwn => {
                    if let Some(o) = screen.pending().first().cloned() {
                        seq += 1;
                        store.confirm(&[seq_op(seq, &o)]).expect("confirmed");
                        screen.confirm(seq, &o);
                    }
                }
                Step::Reject => {
                    if let Some(o) = screen.pending().last().cloned() {
                        prop_assert!(store.reject(&o.op_id).expect("rejected"));
                        screen.reject(&o.op_id);
                    }
                }
                Step::Reopen => {
                    drop(store);
                    store = Store::open_synced(dir.path()).expect("reopens");
                }
            }
            let on_disk = store.load_replica().expect("loads");
            prop_assert_eq!(on_disk.view(), screen.view());
            prop_assert_eq!(on_disk.base(), screen.base());
            prop_assert_eq!(on_disk.pending(), screen.pending());
            prop_assert_eq!(on_disk.last_seq(), screen.last_seq());
        }
        let before = store.load_replica().expect("loads");
        store.rebuild_view().expect("rebuilt");
        prop_assert_eq!(store.load_replica().expect("loads"), before, "a rebuild agrees");
    }
}

#[test]
fn the_last_known_identity_survives_a_restart_for_an_offline_start() {
    let (dir, store) = synced();
    assert_eq!(store.identity(), None);
    let me = styr::protocol::Me {
        user: "radgiver-a".into(),
        role: styr::model::Role::Viewer,
        org: "Ørland kommune".into(),
    };
    store.remember_identity(&me).expect("kept");
    store
        .append(&[op("radgiver-a", 0, create(ItemId::new(), "x"))])
        .expect("a flushed write");
    drop(store);
    let store = Store::open_synced(dir.path()).expect("reopens");
    assert_eq!(store.identity(), Some(me));
}
