//! Property tests of the pure model: the fold, idempotence under duplicates, the op
//! encoding and its version check, and undo through `Portfolio::inverse`.

mod common;

use common::gen::{self, Kinds};
use proptest::prelude::*;
use styr::model::{
    histories, history_of, FieldValue, Item, ItemId, Op, OpError, OpId, Payload, Portfolio,
    StageKey,
};
use uuid::Uuid;

/// An item as a person sees it: without its last-changed time.
/// The item without the times of its changes: an undo puts values back, at a new time.
fn visible(item: &Item) -> Item {
    let mut i = item.clone();
    i.updated = 0;
    for s in i.scores.values_mut() {
        s.at = 0;
    }
    i
}

fn op(id: u128, payload: Payload) -> Op {
    let mut op = Op::new("radgiver-a", 1_700_000_000_000, payload);
    op.op_id = OpId(Uuid::from_u128(id));
    op
}

fn json_of(op: &Op) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_slice(&op.encode()) {
        Ok(serde_json::Value::Object(map)) => map,
        other => panic!("an op encodes as a JSON object, got {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn fold_is_deterministic(ops in gen::ops(gen::item_pool(4), 0..40)) {
        let a = Portfolio::fold(&ops);
        let b = Portfolio::fold(&ops.clone());
        prop_assert_eq!(&a, &b);
        // Applying one op at a time is the same as folding.
        let mut c = Portfolio::default();
        for op in &ops {
            c.apply(op);
        }
        prop_assert_eq!(&a, &c);
    }

    #[test]
    fn applying_an_op_twice_equals_applying_it_once(
        prefix in gen::ops(gen::item_pool(4), 0..20),
        fresh in gen::op(gen::item_pool(4)),
        pick in any::<Option<prop::sample::Index>>(),
    ) {
        // Either a new op, or one the portfolio has already seen.
        let op = match pick {
            Some(i) if !prefix.is_empty() => prefix[i.index(prefix.len())].clone(),
            _ => Op { op_id: gen::op_id_not_in(fresh.op_id, &prefix), ..fresh },
        };
        let mut once = Portfolio::fold(&prefix);
        once.apply(&op);
        let mut twice = once.clone();
        prop_assert_eq!(twice.apply(&op), None, "the second apply must change nothing");
        prop_assert_eq!(&twice, &once);
    }

    #[test]
    fn duplicates_later_in_the_log_do_not_change_the_fold(
        ops in gen::ops(gen::item_pool(3), 0..30),
        picks in gen::duplicate_picks(10),
    ) {
        let with_dups = gen::with_duplicates(&ops, &picks);
        prop_assert_eq!(with_dups.len(), if ops.is_empty() { 0 } else { ops.len() + picks.len() });
        prop_assert_eq!(Portfolio::fold(&with_dups), Portfolio::fold(&ops));
    }

    /// What start-up relies on: a portfolio rebuilt from the fold's items (with no op
    /// ids seen) takes the ops that come after as the fold does, duplicates among them
    /// included. Ops already logged never reach it: the store keeps them out.
    #[test]
    fn a_portfolio_from_the_view_continues_the_fold(
        before in gen::ops(gen::item_pool(4), 0..20),
        after in gen::ops_with_duplicates(gen::item_pool(4), 0..20),
    ) {
        let after: Vec<Op> = after
            .into_iter()
            .filter(|op| before.iter().all(|b| b.op_id != op.op_id))
            .collect();
        // The store keeps the meetings apart from the items and loads both.
        let folded = Portfolio::fold(&before);
        let mut loaded = Portfolio::from_items(folded.all_items().cloned());
        loaded.set_meetings(folded.meetings().clone());
        for op in &after {
            loaded.apply(op);
        }
        let all: Vec<&Op> = before.iter().chain(&after).collect();
        prop_assert_eq!(loaded, Portfolio::fold(all));
    }

    /// The store derives an item's history from that item's ops alone; that must be the
    /// history the fold of the whole log gives it.
    #[test]
    fn an_items_history_needs_only_its_own_ops(
        ops in gen::ops_with_duplicates(gen::item_pool(4), 0..40),
    ) {
        let all = histories(&ops);
        let folded = Portfolio::fold(&ops);
        for (id, entries) in &all {
            let own: Vec<&Op> = ops.iter().filter(|op| op.payload.items().contains(id)).collect();
            prop_assert_eq!(&history_of(id, own), entries);
            // Every entry is an op that changed the item, once, in log order.
            prop_assert!(folded.get_any(id).is_some());
            let mut ids: Vec<OpId> = entries.iter().map(|e| e.op_id).collect();
            ids.dedup();
            prop_assert_eq!(ids.len(), entries.len());
        }
        for item in folded.all_items() {
            prop_assert!(all.contains_key(&item.id), "a created item has a history");
        }
    }

    #[test]
    fn ops_round_trip_through_their_encoding(op in gen::any_op()) {
        let bytes = op.encode();
        prop_assert_eq!(Op::decode(&bytes), Ok(op));
    }

    #[test]
    fn any_other_version_is_refused(op in gen::any_op(), v in any::<u64>()) {
        prop_assume!(v != u64::from(styr::model::OP_VERSION));
        let mut map = json_of(&op);
        map.insert("v".into(), v.into());
        let bytes = serde_json::to_vec(&map).expect("a map serialises");
        prop_assert_eq!(
            Op::decode(&bytes),
            Err(OpError::UnsupportedVersion { found: v, supported: styr::model::OP_VERSION })
        );
    }

    #[test]
    fn arbitrary_bytes_never_panic_in_decode(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let decoded = Op::decode(&bytes);
        if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() {
            prop_assert!(matches!(decoded, Err(OpError::Malformed(_))), "{decoded:?}");
        }
        if let Ok(op) = decoded {
            prop_assert_eq!(Op::decode(&op.encode()), Ok(op));
        }
    }

    #[test]
    fn damaged_encodings_are_refused_without_panic(
        op in gen::any_op(),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let bytes = op.encode();
        // Every proper prefix of a JSON object is incomplete.
        let short = &bytes[..cut.index(bytes.len())];
        prop_assert!(Op::decode(short).is_err());
        // A changed byte may still decode (inside a string, say), but never panics,
        // and whatever decodes is a valid op.
        let mut changed = bytes.clone();
        let at = flip.index(changed.len());
        changed[at] = byte;
        if let Ok(other) = Op::decode(&changed) {
            prop_assert_eq!(Op::decode(&other.encode()), Ok(other));
        }
    }

    #[test]
    fn inverse_undoes_edit_move_delete_restore_and_score(
        prefix in gen::ops(gen::item_pool(3), 0..20),
        change in gen::op_with(gen::payload(gen::item_pool(3), Kinds::Changes)),
        undo_id in gen::op_id(),
    ) {
        let change = Op { op_id: gen::op_id_not_in(change.op_id, &prefix), ..change };
        let mut seen = prefix.clone();
        seen.push(change.clone());
        let undo_id = gen::op_id_not_in(undo_id, &seen);
        let mut p = Portfolio::fold(&prefix);
        let id = change.payload.item().expect("the generator makes single-item changes");
        let before = p.get_any(&id).map(visible);
        let inverse = p.inverse_by(&change.author, &change.payload);
        p.apply(&change);
        // With no inverse there is nothing to undo: then the change itself must have
        // left the visible item as it was.
        if let Some(payload) = inverse {
            prop_assert_eq!(payload.item(), Some(id));
            let mut undo = change.clone();
            undo.op_id = undo_id;
            undo.payload = payload;
            p.apply(&undo);
        }
        prop_assert_eq!(p.get_any(&id).map(visible), before);
    }
}

#[test]
fn versions_two_and_999_are_refused() {
    let base = op(
        1,
        Payload::DeleteItem {
            item: ItemId(Uuid::from_u128(9)),
        },
    );
    for v in [2u64, 999] {
        let mut map = json_of(&base);
        map.insert("v".into(), v.into());
        let bytes = serde_json::to_vec(&map).expect("a map serialises");
        assert_eq!(
            Op::decode(&bytes),
            Err(OpError::UnsupportedVersion {
                found: v,
                supported: 1
            })
        );
    }
}

#[test]
fn a_missing_version_is_refused() {
    let base = op(
        1,
        Payload::DeleteItem {
            item: ItemId(Uuid::from_u128(9)),
        },
    );
    let mut map = json_of(&base);
    map.remove("v");
    let bytes = serde_json::to_vec(&map).expect("a map serialises");
    assert_eq!(Op::decode(&bytes), Err(OpError::MissingVersion));
    map.insert("v".into(), serde_json::Value::Null);
    let bytes = serde_json::to_vec(&map).expect("a map serialises");
    assert_eq!(Op::decode(&bytes), Err(OpError::MissingVersion));
    map.insert("v".into(), "1".into());
    let bytes = serde_json::to_vec(&map).expect("a map serialises");
    assert!(matches!(Op::decode(&bytes), Err(OpError::Malformed(_))));
}

/// Found by `duplicates_later_in_the_log_do_not_change_the_fold`: an op about an item
/// that did not exist yet was ignored, but a replayed copy of it after the item's
/// create was applied, so the replay changed the portfolio.
#[test]
fn a_replayed_op_that_came_before_its_item_stays_ignored() {
    let x = ItemId(Uuid::from_u128(7));
    let early_edit = op(
        1,
        Payload::EditItem {
            item: x,
            changes: vec![FieldValue::Title("tidlig".into())],
        },
    );
    let create = op(
        2,
        Payload::CreateItem {
            item: x,
            stage: StageKey::new("innkommet"),
            fields: vec![FieldValue::Title("Sak".into())],
        },
    );
    let once = Portfolio::fold([&early_edit, &create]);
    let replayed = Portfolio::fold([&early_edit, &create, &early_edit]);
    assert_eq!(once.get(&x).map(|i| i.title.as_str()), Some("Sak"));
    assert_eq!(replayed, once);
}

/// Found by `inverse_undoes_edit_move_delete_and_restore`: deleting an item that is
/// already deleted changes nothing, so its undo must not restore the item.
#[test]
fn undoing_a_delete_of_a_deleted_item_keeps_it_deleted() {
    let x = ItemId(Uuid::from_u128(7));
    let create = op(
        1,
        Payload::CreateItem {
            item: x,
            stage: StageKey::new("innkommet"),
            fields: vec![],
        },
    );
    let delete = op(2, Payload::DeleteItem { item: x });
    let mut p = Portfolio::fold([&create, &delete]);
    let again = Payload::DeleteItem { item: x };
    assert_eq!(p.inverse(&again), None);
    p.apply(&op(3, again));
    assert!(p.get(&x).is_none());
    assert!(p.get_any(&x).is_some_and(|i| i.deleted));
    // And restoring a live item: nothing to undo either.
    let restore = Payload::RestoreItem { item: x };
    assert_eq!(p.inverse(&restore), Some(Payload::DeleteItem { item: x }));
    p.apply(&op(4, restore.clone()));
    assert_eq!(p.inverse(&restore), None);
}

#[test]
fn inverse_of_a_create_deletes_only_a_new_item() {
    let x = ItemId(Uuid::from_u128(7));
    let create = Payload::CreateItem {
        item: x,
        stage: StageKey::new("innkommet"),
        fields: vec![],
    };
    let mut p = Portfolio::default();
    assert_eq!(p.inverse(&create), Some(Payload::DeleteItem { item: x }));
    p.apply(&op(1, create.clone()));
    // A second create of the same item changes nothing, so there is nothing to undo.
    assert_eq!(p.inverse(&create), None);
    // Ops about an unknown item change nothing either.
    let y = ItemId(Uuid::from_u128(8));
    assert_eq!(p.inverse(&Payload::DeleteItem { item: y }), None);
    assert_eq!(p.inverse(&Payload::RestoreItem { item: y }), None);
}
