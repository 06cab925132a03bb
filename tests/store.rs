//! The local sled cache against a real sled in a temporary folder: durability across
//! reopen, slots, de-duplication, drafts, migrations, damaged data, concurrency, and a
//! property test that the view always equals the fold of what was appended.

mod common;

use common::gen;
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use styr::model::{
    histories, FieldValue, HistoryEntry, HistoryEvent, Item, ItemId, Op, OpId, Payload, Portfolio,
    StageKey,
};
use styr::store::{OpenError, Store, StoreError, MAX_SLOTS, SCHEMA_VERSION};
use tempfile::TempDir;
use uuid::Uuid;

fn item(n: u128) -> ItemId {
    ItemId(Uuid::from_u128(n))
}

fn op(id: u128, payload: Payload) -> Op {
    let mut op = Op::new("radgiver-a", 1_700_000_000_000 + id as i64, payload);
    op.op_id = OpId(Uuid::from_u128(id));
    op
}

fn create(id: u128, n: u128, title: &str) -> Op {
    op(
        id,
        Payload::CreateItem {
            item: item(n),
            stage: StageKey::new("innkommet"),
            fields: vec![FieldValue::Title(title.into())],
        },
    )
}

fn edit_title(id: u128, n: u128, title: &str) -> Op {
    op(
        id,
        Payload::EditItem {
            item: item(n),
            changes: vec![FieldValue::Title(title.into())],
        },
    )
}

fn move_to(id: u128, n: u128, stage: &str) -> Op {
    op(
        id,
        Payload::MoveItem {
            item: item(n),
            to: StageKey::new(stage),
        },
    )
}

fn delete(id: u128, n: u128) -> Op {
    op(id, Payload::DeleteItem { item: item(n) })
}

/// A small, realistic history: three proposals, edits, a move and a delete.
fn history() -> Vec<Op> {
    vec![
        create(1, 1, "Felles sak/arkiv"),
        create(2, 2, "Digital postkasse"),
        edit_title(3, 1, "Felles sak- og arkivsystem"),
        move_to(4, 1, "vurdering"),
        create(5, 3, "Velferdsteknologi"),
        delete(6, 2),
    ]
}

fn open(base: &Path) -> Store {
    match Store::open(base) {
        Ok(store) => store,
        Err(e) => panic!("the store opens: {e}"),
    }
}

fn db_path(base: &Path, slot: usize) -> std::path::PathBuf {
    base.join(format!("slot-{slot}")).join("db")
}

/// Opens the slot's sled database directly, as another program (or an older styr)
/// would, to plant data the store must cope with.
///
/// sled releases its file lock only when its background flusher, which holds the
/// database too, has noticed the last handle went away; so right after a store is
/// dropped the lock can still be busy for a moment. Wait for it, with a deadline.
fn raw_db(base: &Path, slot: usize) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        match sled::open(db_path(base, slot)) {
            Ok(db) => return db,
            Err(e) if std::time::Instant::now() < deadline && lock_busy(&e) => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("sled opens the slot directly: {e:?}"),
        }
    }
}

fn lock_busy(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io) if io.to_string().contains("could not acquire lock"))
}

#[test]
fn store_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
}

#[test]
fn appended_ops_survive_reopen() {
    let dir = TempDir::new().expect("temp dir");
    let ops = history();
    {
        let store = open(dir.path());
        assert_eq!(store.slot(), 0);
        assert_eq!(store.dir(), dir.path().join("slot-0"));
        store.append(&ops[..2]).expect("first batch");
        store.append(&ops[2..]).expect("second batch");
    }
    let store = open(dir.path());
    assert_eq!(store.slot(), 0, "the slot is free again after drop");
    assert_eq!(store.schema_version(), Ok(SCHEMA_VERSION));
    assert_eq!(store.ops().expect("ops"), ops);
    assert_eq!(store.outbox().expect("outbox"), ops);
    let view = store.load().expect("load");
    assert_eq!(view, Portfolio::fold(&ops));
    let first = view.get(&item(1)).expect("item 1 is live");
    assert_eq!(first.title, "Felles sak- og arkivsystem");
    assert_eq!(first.stage, StageKey::new("vurdering"));
    assert!(view.get(&item(2)).is_none(), "item 2 was deleted");
    assert!(view.get_any(&item(2)).is_some_and(|i| i.deleted));
    assert_eq!(view.len(), 2);
}

#[test]
fn an_empty_store_loads_an_empty_portfolio() {
    let dir = TempDir::new().expect("temp dir");
    let store = open(dir.path());
    assert_eq!(store.load(), Ok(Portfolio::default()));
    assert_eq!(store.ops(), Ok(vec![]));
    assert_eq!(store.outbox(), Ok(vec![]));
    assert_eq!(store.take_draft(), Ok(None));
    store.append(&[]).expect("appending nothing is fine");
    assert_eq!(store.ops(), Ok(vec![]));
}

#[test]
fn a_second_store_on_the_same_base_gets_the_next_slot() {
    let dir = TempDir::new().expect("temp dir");
    let first = open(dir.path());
    let second = open(dir.path());
    assert_eq!(first.slot(), 0);
    assert_eq!(second.slot(), 1);
    assert_eq!(second.dir(), dir.path().join("slot-1"));
    // The slots are separate caches.
    second.append(&history()).expect("append");
    assert_eq!(first.ops(), Ok(vec![]));
    assert_eq!(second.ops().expect("ops").len(), history().len());
    // Slot 0 is taken again once its store is gone; slot 1 stays with `second`.
    drop(first);
    let third = open(dir.path());
    assert_eq!(third.slot(), 0);
    assert_eq!(second.slot(), 1);
}

#[test]
fn every_slot_busy_is_said_plainly() {
    let dir = TempDir::new().expect("temp dir");
    let mut held: Vec<Store> = (0..MAX_SLOTS).map(|_| open(dir.path())).collect();
    let slots: Vec<usize> = held.iter().map(Store::slot).collect();
    assert_eq!(slots, (0..MAX_SLOTS).collect::<Vec<_>>());

    let err = Store::open(dir.path()).expect_err("no slot is free");
    assert_eq!(
        err,
        OpenError::AllSlotsBusy {
            base: dir.path().to_path_buf(),
            tried: MAX_SLOTS
        }
    );
    let msg = err.to_string();
    let lower = msg.to_lowercase();
    for raw in ["lock", "os error", "temporarily unavailable", "wouldblock"] {
        assert!(!lower.contains(raw), "{msg:?} contains {raw:?}");
    }
    assert!(!msg.contains('\n'), "{msg:?} is one line");
    assert!(msg.contains(&dir.path().display().to_string()), "{msg:?}");
    assert!(msg.contains(&MAX_SLOTS.to_string()), "{msg:?}");

    // Closing any one window frees exactly its slot.
    let freed = held.remove(3);
    assert_eq!(freed.slot(), 3);
    drop(freed);
    assert_eq!(open(dir.path()).slot(), 3);
}

#[test]
fn a_slot_whose_sled_is_held_without_the_slot_lock_is_skipped() {
    let dir = TempDir::new().expect("temp dir");
    // Something that opens sled but not styr.lock (an older styr, another tool).
    let foreign = raw_db(dir.path(), 0);
    let store = open(dir.path());
    assert_eq!(store.slot(), 1, "sled's own lock error is never shown");
    drop(store);
    drop(foreign);
    assert_eq!(open(dir.path()).slot(), 0);
}

#[test]
fn the_same_op_is_stored_once() {
    let dir = TempDir::new().expect("temp dir");
    let store = open(dir.path());
    let a = create(1, 1, "Sak");
    let b = edit_title(2, 1, "Ny tittel");
    store.append(std::slice::from_ref(&a)).expect("append a");
    store
        .append(std::slice::from_ref(&a))
        .expect("append a again");
    store
        .append(&[a.clone(), a.clone(), b.clone(), b.clone()])
        .expect("append a batch with copies");
    assert_eq!(store.ops(), Ok(vec![a.clone(), b.clone()]));
    assert_eq!(store.outbox(), Ok(vec![a.clone(), b.clone()]));
    let view = store.load().expect("load");
    assert_eq!(view, Portfolio::fold([&a, &b]));
    let it = view.get(&item(1)).expect("item");
    assert_eq!(it.title, "Ny tittel");
    assert_eq!(
        store.history(&item(1)).map(|h| h.len()),
        Ok(2),
        "each op is in the history once"
    );
}

#[test]
fn a_draft_survives_reopen_until_cleared() {
    let dir = TempDir::new().expect("temp dir");
    let draft = r#"{"screen":"edit","title":"Søknad om midler – «Fosen»"}"#;
    {
        let store = open(dir.path());
        store.save_draft(Some("first")).expect("save");
        store.save_draft(Some(draft)).expect("save over");
        assert_eq!(store.take_draft(), Ok(Some(draft.to_string())));
        // Reading does not clear.
        assert_eq!(store.take_draft(), Ok(Some(draft.to_string())));
    }
    {
        let store = open(dir.path());
        assert_eq!(store.take_draft(), Ok(Some(draft.to_string())));
        store.save_draft(None).expect("clear");
        assert_eq!(store.take_draft(), Ok(None));
    }
    let store = open(dir.path());
    assert_eq!(store.take_draft(), Ok(None));
}

#[test]
fn a_cache_from_before_the_schema_key_is_upgraded() {
    let dir = TempDir::new().expect("temp dir");
    let old = history();
    {
        // A version-0 cache: log and outbox, no schema key, no op-id index, no
        // next index, no view.
        let db = raw_db(dir.path(), 0);
        let log = db.open_tree("ops").expect("tree");
        let outbox = db.open_tree("outbox").expect("tree");
        for (i, op) in old.iter().enumerate() {
            let key = (i as u64).to_be_bytes();
            log.insert(key, op.encode()).expect("insert");
            outbox.insert(key, op.encode()).expect("insert");
        }
        db.flush().expect("flush");
    }
    let store = open(dir.path());
    assert_eq!(store.slot(), 0);
    assert_eq!(store.schema_version(), Ok(SCHEMA_VERSION));
    assert_eq!(store.ops().expect("ops"), old);
    assert_eq!(store.histories(), Ok(histories(&old)));
    assert_eq!(
        store.history(&item(1)),
        Ok(histories(&old)[&item(1)].clone())
    );
    assert_eq!(
        store.load(),
        Ok(Portfolio::fold(&old)),
        "the view was built"
    );
    // The op-id index exists: old ops are recognised.
    store.append(&old[..2]).expect("append copies");
    assert_eq!(store.ops().expect("ops").len(), old.len());
    // The next index continues after the old log.
    let new = edit_title(100, 3, "Velferdsteknologi i hjemmetjenesten");
    store.append(std::slice::from_ref(&new)).expect("append");
    let mut all = old.clone();
    all.push(new);
    assert_eq!(store.ops(), Ok(all.clone()));
    assert_eq!(store.load(), Ok(Portfolio::fold(&all)));
    drop(store);
    let db = raw_db(dir.path(), 0);
    let log = db.open_tree("ops").expect("tree");
    let last = log.last().expect("read").expect("not empty");
    assert_eq!(&last.0[..], &(old.len() as u64).to_be_bytes()[..]);
}

/// Writes a cache as styr with schema version 1 left it: op log, outbox and op-id index
/// as now, the view's items as JSON with their history inside, no `item_ops` index.
fn write_v1_cache(base: &Path, ops: &[Op]) {
    let db = raw_db(base, 0);
    let log = db.open_tree("ops").expect("tree");
    let outbox = db.open_tree("outbox").expect("tree");
    let op_ids = db.open_tree("op_ids").expect("tree");
    let items = db.open_tree("items").expect("tree");
    let meta = db.open_tree("meta").expect("tree");
    for (i, op) in ops.iter().enumerate() {
        let key = (i as u64).to_be_bytes();
        log.insert(key, op.encode()).expect("insert");
        outbox.insert(key, op.encode()).expect("insert");
        op_ids
            .insert(op.op_id.0.as_bytes(), &key[..])
            .expect("insert");
    }
    let all = histories(ops);
    for item in Portfolio::fold(ops).all_items() {
        // Version 1 wrote every field, empty ones too, and the history.
        let mut json = serde_json::json!({
            "id": item.id, "title": item.title, "description": item.description,
            "submitter": item.submitter, "anchoring": item.anchoring, "stage": item.stage,
            "priority": item.priority, "project_leader": item.project_leader,
            "project_group": item.project_group, "timeline": item.timeline,
            "funds_nok": item.funds_nok, "funding_source": item.funding_source,
            "benefits": item.benefits, "retires_system": item.retires_system,
            "tags": item.tags, "created": item.created, "updated": item.updated,
            "deleted": item.deleted,
        });
        json["history"] = serde_json::to_value(&all[&item.id]).expect("history as JSON");
        items
            .insert(
                item.id.0.as_bytes(),
                serde_json::to_vec(&json).expect("JSON"),
            )
            .expect("insert");
    }
    meta.insert("schema_version", &1u32.to_be_bytes()[..])
        .expect("insert");
    meta.insert("next_index", &(ops.len() as u64).to_be_bytes()[..])
        .expect("insert");
    db.flush().expect("flush");
}

#[test]
fn a_version_1_cache_is_migrated_with_items_and_history_intact() {
    let dir = TempDir::new().expect("temp dir");
    let mut old = history();
    old.push(op(
        7,
        Payload::EditItem {
            item: item(3),
            changes: vec![
                FieldValue::Funds(Some(2_500_000)),
                FieldValue::Tags(vec!["velferd".into(), "æøå".into()]),
                FieldValue::TimelineStart(chrono::NaiveDate::from_ymd_opt(2026, 1, 2)),
            ],
        },
    ));
    write_v1_cache(dir.path(), &old);
    let store = open(dir.path());
    assert_eq!(store.schema_version(), Ok(SCHEMA_VERSION));
    assert_eq!(store.ops(), Ok(old.clone()));
    assert_eq!(store.outbox(), Ok(old.clone()));
    let view = store.load().expect("the migrated view loads");
    let items: Vec<Item> = view.all_items().cloned().collect();
    let expected: Vec<Item> = Portfolio::fold(&old).all_items().cloned().collect();
    assert_eq!(items, expected, "every item, every field");
    assert_eq!(
        view.get_any(&item(3)).and_then(|i| i.funds_nok),
        Some(2_500_000)
    );
    // The history, now derived from each item's ops, is the one version 1 stored.
    let first: Vec<HistoryEvent> = store
        .history(&item(1))
        .expect("history")
        .into_iter()
        .map(|h: HistoryEntry| h.event)
        .collect();
    assert!(matches!(
        first.as_slice(),
        [
            HistoryEvent::Created { .. },
            HistoryEvent::Edited { .. },
            HistoryEvent::Moved { .. }
        ]
    ));
    for id in [item(1), item(2), item(3)] {
        assert_eq!(store.history(&id), Ok(histories(&old)[&id].clone()));
    }
    // Logged ops are still recognised, and new ones are indexed and shown.
    store.append(&old).expect("append copies");
    assert_eq!(store.ops(), Ok(old.clone()));
    let new = move_to(100, 3, "vurdering");
    store.append(std::slice::from_ref(&new)).expect("append");
    let mut all = old.clone();
    all.push(new);
    assert_eq!(store.load(), Ok(Portfolio::fold(&all)));
    assert_eq!(
        store.history(&item(3)),
        Ok(histories(&all)[&item(3)].clone())
    );
    drop(store);
    // Opening again migrates nothing more.
    let store = open(dir.path());
    assert_eq!(store.load(), Ok(Portfolio::fold(&all)));
}

#[test]
fn an_items_history_is_derived_from_its_ops() {
    let dir = TempDir::new().expect("temp dir");
    let store = open(dir.path());
    let ops = history();
    store.append(&ops).expect("append");
    let events = |n: u128| -> Vec<HistoryEvent> {
        store
            .history(&item(n))
            .expect("history")
            .into_iter()
            .map(|h| h.event)
            .collect()
    };
    assert_eq!(
        events(2),
        [
            HistoryEvent::Created {
                stage: StageKey::new("innkommet")
            },
            HistoryEvent::Deleted
        ]
    );
    assert_eq!(events(1).len(), 3);
    assert_eq!(events(99), [], "an unknown item has no history");
    let entry = &store.history(&item(1)).expect("history")[2];
    assert_eq!(entry.op_id, ops[3].op_id);
    assert_eq!(entry.author, "radgiver-a");
    assert_eq!(entry.at, ops[3].at);
    // A copy of a logged op adds nothing to the history.
    store.append(&ops[2..4]).expect("append copies");
    assert_eq!(events(1).len(), 3);
}

#[test]
fn a_cache_from_a_newer_styr_is_refused() {
    let dir = TempDir::new().expect("temp dir");
    {
        let db = raw_db(dir.path(), 0);
        let meta = db.open_tree("meta").expect("tree");
        meta.insert("schema_version", &(SCHEMA_VERSION + 1).to_be_bytes()[..])
            .expect("insert");
        db.flush().expect("flush");
    }
    let err = Store::open(dir.path()).expect_err("a newer cache is refused");
    assert_eq!(
        err,
        OpenError::NewerSchema {
            found: SCHEMA_VERSION + 1,
            supported: SCHEMA_VERSION
        }
    );
    assert!(err.to_string().contains("newer styr"), "{err}");
    // Refused, not skipped: a second try meets the same cache, not slot 1.
    assert_eq!(
        Store::open(dir.path()).map(|s| s.slot()),
        Err(OpenError::NewerSchema {
            found: SCHEMA_VERSION + 1,
            supported: SCHEMA_VERSION
        })
    );
    let db = raw_db(dir.path(), 0);
    let meta = db.open_tree("meta").expect("tree");
    assert_eq!(
        meta.get("schema_version").expect("get").as_deref(),
        Some(&(SCHEMA_VERSION + 1).to_be_bytes()[..]),
        "the newer cache is left as it was"
    );
}

#[test]
fn a_damaged_op_is_reported_by_its_position() {
    let dir = TempDir::new().expect("temp dir");
    let ops = history();
    {
        let store = open(dir.path());
        store.append(&ops).expect("append");
    }
    {
        let db = raw_db(dir.path(), 0);
        let log = db.open_tree("ops").expect("tree");
        log.insert(3u64.to_be_bytes(), &b"{\"v\":1,\"op_id\":"[..])
            .expect("insert");
        db.flush().expect("flush");
    }
    let store = open(dir.path());
    let err = store.ops().expect_err("the log is damaged");
    assert!(
        matches!(err, StoreError::CorruptOp { index: 3, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("position 3"), "{err}");
    // Rebuilding refuses too, and leaves the view as it was.
    let before = store.load().expect("the view is intact");
    assert!(matches!(
        store.rebuild_view(),
        Err(StoreError::CorruptOp { index: 3, .. })
    ));
    assert_eq!(store.load(), Ok(before));
    // The outbox has its own copy and is unharmed.
    assert_eq!(store.outbox(), Ok(ops));
}

#[test]
fn a_damaged_item_is_reported_not_panicked_on() {
    let dir = TempDir::new().expect("temp dir");
    {
        let store = open(dir.path());
        store.append(&history()).expect("append");
    }
    {
        let db = raw_db(dir.path(), 0);
        let items = db.open_tree("items").expect("tree");
        items
            .insert(item(1).0.as_bytes(), &b"not json"[..])
            .expect("insert");
        db.flush().expect("flush");
    }
    let store = open(dir.path());
    let err = store.load().expect_err("the view is damaged");
    assert!(
        matches!(&err, StoreError::CorruptEntry { tree: "items", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains(&item(1).to_string()), "{err}");
    // Appending an op to that item reports it too, and stores nothing.
    let before = store.ops().expect("ops");
    let err = store
        .append(&[edit_title(50, 1, "x")])
        .expect_err("the item cannot be read");
    assert!(matches!(err, StoreError::CorruptEntry { .. }), "{err:?}");
    assert_eq!(store.ops(), Ok(before.clone()));
    // The log is intact, so the view can be rebuilt from it.
    store.rebuild_view().expect("rebuild");
    assert_eq!(store.load(), Ok(Portfolio::fold(&before)));
}

#[test]
fn rebuild_view_repairs_a_view_that_drifted() {
    let dir = TempDir::new().expect("temp dir");
    let ops = history();
    {
        let store = open(dir.path());
        store.append(&ops).expect("append");
    }
    {
        let db = raw_db(dir.path(), 0);
        let items = db.open_tree("items").expect("tree");
        items.remove(item(3).0.as_bytes()).expect("remove");
        items
            .insert(
                item(99).0.as_bytes(),
                items
                    .get(item(1).0.as_bytes())
                    .expect("get")
                    .expect("item 1"),
            )
            .expect("insert");
        db.flush().expect("flush");
    }
    let store = open(dir.path());
    assert!(store.load().is_err(), "item 1's JSON under item 99's key");
    store.rebuild_view().expect("rebuild");
    drop(store);
    let store = open(dir.path());
    assert_eq!(store.load(), Ok(Portfolio::fold(&ops)));
}

#[test]
fn appends_from_many_threads_all_land_once() {
    let dir = TempDir::new().expect("temp dir");
    let store = Arc::new(open(dir.path()));
    let shared = create(1, 1, "Felles");
    let threads: Vec<_> = (0..4u128)
        .map(|t| {
            let store = Arc::clone(&store);
            let shared = shared.clone();
            std::thread::spawn(move || {
                for i in 0..10u128 {
                    let id = 1000 + t * 100 + i;
                    store
                        .append(&[shared.clone(), edit_title(id, 1, &format!("{t}-{i}"))])
                        .expect("append");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let ops = store.ops().expect("ops");
    assert_eq!(ops.len(), 1 + 4 * 10);
    let ids: BTreeSet<OpId> = ops.iter().map(|o| o.op_id).collect();
    assert_eq!(ids.len(), ops.len(), "no op is stored twice");
    assert_eq!(ops[0], shared, "the create came first, whoever sent it");
    assert_eq!(store.outbox(), Ok(ops.clone()));
    assert_eq!(store.load(), Ok(Portfolio::fold(&ops)));
}

#[test]
fn append_runs_inside_spawn_blocking() {
    let dir = TempDir::new().expect("temp dir");
    let store = Arc::new(open(dir.path()));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    let ops = history();
    let saved = rt.block_on({
        let store = Arc::clone(&store);
        let ops = ops.clone();
        async move { tokio::task::spawn_blocking(move || store.append(&ops)).await }
    });
    assert_eq!(saved.expect("the task ran"), Ok(()));
    assert_eq!(store.ops(), Ok(ops));
}

/// First copy of each op, in order: what the store keeps of `ops`.
fn first_copies(ops: &[Op]) -> Vec<Op> {
    let mut seen = BTreeSet::new();
    ops.iter()
        .filter(|o| seen.insert(o.op_id))
        .cloned()
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn the_view_always_equals_the_fold_of_what_was_appended(
        ops in gen::ops_with_duplicates(gen::item_pool(4), 0..30),
        sizes in prop::collection::vec(1usize..6, 1..8),
    ) {
        let dir = TempDir::new().expect("temp dir");
        let expected = Portfolio::fold(&ops);
        {
            let store = open(dir.path());
            for batch in gen::batches(&ops, &sizes) {
                store.append(&batch).expect("append");
            }
            prop_assert_eq!(store.load().expect("load"), expected.clone());
            prop_assert_eq!(store.ops().expect("ops"), first_copies(&ops));
            prop_assert_eq!(store.outbox().expect("outbox"), first_copies(&ops));
        }
        let store = open(dir.path());
        prop_assert_eq!(store.load().expect("load after reopen"), expected.clone());
        // Every item's history, from its own ops, is the fold's.
        let all = histories(&ops);
        for item in expected.all_items() {
            prop_assert_eq!(store.history(&item.id).expect("history"), all[&item.id].clone());
        }
        // Ops appended again after a restart are recognised by the store: nothing
        // changes, though the loaded portfolio has seen no op ids.
        for batch in gen::batches(&ops, &sizes) {
            store.append(&batch).expect("append again");
        }
        prop_assert_eq!(store.ops().expect("ops"), first_copies(&ops));
        prop_assert_eq!(store.load().expect("load"), expected.clone());
        store.rebuild_view().expect("rebuild");
        prop_assert_eq!(store.load().expect("load after rebuild"), expected.clone());
        for item in expected.all_items() {
            prop_assert_eq!(store.history(&item.id).expect("history"), all[&item.id].clone());
        }
    }
}
