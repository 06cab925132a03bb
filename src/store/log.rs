//! The op log and the outbox: appending (log, outbox, op-id index, item-op index and
//! view in one transaction) and reading them back in order.

use super::codec::{self, META_NEXT_INDEX};
use super::trees::Trees;
use super::StoreError;
use crate::model::{ItemId, Op, Portfolio};
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionalTree,
};
use sled::Transactional;

/// Appends the ops not stored yet, in one multi-tree transaction. Returns how many were
/// new. Does not flush: the caller does, after releasing its writer lock.
///
/// In a synced cache (`synced`), the first pending op on an item also keeps the item's
/// confirmed state in `base`, so a confirmation can slide in under the pending ops.
pub(crate) fn append(trees: &Trees, ops: &[Op], synced: bool) -> Result<usize, StoreError> {
    // Encode once, outside the transaction, which sled may run more than once.
    let encoded: Vec<Vec<u8>> = ops.iter().map(Op::encode).collect();
    let added = (
        &trees.ops,
        &trees.op_ids,
        &trees.outbox,
        &trees.items,
        &trees.item_ops,
        &trees.meta,
        &trees.base,
    )
        .transaction(|(log, op_ids, outbox, items, item_ops, meta, base)| {
            let mut next = match meta.get(META_NEXT_INDEX)? {
                Some(v) => codec::decode_u64(META_NEXT_INDEX, &v).map_err(abort)?,
                None => 0,
            };
            let mut added = 0;
            for (op, bytes) in ops.iter().zip(&encoded) {
                let id = op.op_id.0.as_bytes();
                // Also catches a second copy within this same batch: the transaction
                // reads its own writes.
                if op_ids.get(id)?.is_some() {
                    continue;
                }
                let index = next;
                let key = codec::index_key(index);
                next = next
                    .checked_add(1)
                    .ok_or_else(|| abort(StoreError::Corrupt("the op log is full".into())))?;
                log.insert(&key[..], bytes.as_slice())?;
                outbox.insert(&key[..], bytes.as_slice())?;
                op_ids.insert(&id[..], &key[..])?;
                for item in op.payload.items() {
                    item_ops.insert(&codec::item_op_key(item, index)[..], &[][..])?;
                }
                if synced {
                    keep_base(items, base, op)?;
                } else if op.payload.is_meeting() {
                    // A local cache's meetings are the fold of its whole log.
                    fold_meetings(meta, op)?;
                }
                apply_to_view(items, op)?;
                added += 1;
            }
            meta.insert(META_NEXT_INDEX, &codec::index_key(next)[..])?;
            Ok(added)
        })?;
    Ok(added)
}

/// Reads the op's items from the view, applies the op with the model, writes them back.
fn apply_to_view(
    items: &TransactionalTree,
    op: &Op,
) -> ConflictableTransactionResult<(), StoreError> {
    let mut current = Vec::new();
    for id in op.payload.items() {
        let key = codec::item_key(id);
        if let Some(bytes) = items.get(&key[..])? {
            current.push(codec::decode_item(&key, &bytes).map_err(abort)?);
        }
    }
    let mut portfolio = Portfolio::from_items(current);
    for (id, _) in portfolio.apply_event(op) {
        if let Some(item) = portfolio.get_any(&id) {
            items.insert(&codec::item_key(&id)[..], codec::encode_item(item))?;
        }
    }
    Ok(())
}

/// Folds a meeting op into the meetings kept in `meta`.
pub(crate) fn fold_meetings(
    meta: &TransactionalTree,
    op: &Op,
) -> ConflictableTransactionResult<(), StoreError> {
    let mut meetings = match meta.get(codec::META_MEETINGS)? {
        Some(bytes) => codec::decode_meetings(&bytes).map_err(abort)?,
        None => Default::default(),
    };
    if meetings.apply(op) {
        meta.insert(codec::META_MEETINGS, codec::encode_meetings(&meetings))?;
    }
    Ok(())
}

/// Keeps the confirmed state of the op's items, unless an earlier pending op did.
fn keep_base(
    items: &TransactionalTree,
    base: &TransactionalTree,
    op: &Op,
) -> ConflictableTransactionResult<(), StoreError> {
    for id in op.payload.items() {
        let key = codec::item_key(id);
        if base.get(&key[..])?.is_some() {
            continue;
        }
        let current = match items.get(&key[..])? {
            Some(bytes) => Some(codec::decode_item(&key, &bytes).map_err(abort)?),
            None => None,
        };
        base.insert(&key[..], codec::encode_base(current.as_ref()))?;
    }
    Ok(())
}

/// The meetings kept in `meta` (empty when there are none yet).
pub(crate) fn read_meetings(trees: &Trees) -> Result<crate::model::meeting::Meetings, StoreError> {
    match trees.meta.get(codec::META_MEETINGS)? {
        Some(bytes) => codec::decode_meetings(&bytes),
        None => Ok(Default::default()),
    }
}

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

/// Every op in `tree` (the log or the outbox), in index order.
pub(crate) fn read(tree: &sled::Tree, label: &'static str) -> Result<Vec<Op>, StoreError> {
    Ok(read_indexed(tree, label)?
        .into_iter()
        .map(|(_, op)| op)
        .collect())
}

/// As [`read`], with each op's index.
pub(crate) fn read_indexed(
    tree: &sled::Tree,
    label: &'static str,
) -> Result<Vec<(u64, Op)>, StoreError> {
    let mut ops = Vec::with_capacity(tree.len());
    for entry in tree.iter() {
        let (key, value) = entry?;
        let index = codec::decode_index(label, &key)?;
        ops.push((index, codec::decode_op(label, index, &value)?));
    }
    Ok(ops)
}

/// The ops about `item`, in log order, found through the `item_ops` index.
pub(crate) fn read_item(trees: &Trees, item: &ItemId) -> Result<Vec<Op>, StoreError> {
    let mut ops = Vec::new();
    for key in trees.item_ops.scan_prefix(codec::item_key(item)).keys() {
        let key = key?;
        let index = codec::decode_item_op_key(&key)?;
        let bytes =
            trees
                .ops
                .get(codec::index_key(index))?
                .ok_or_else(|| StoreError::CorruptEntry {
                    tree: codec::ITEM_OPS,
                    key: codec::hex(&key),
                    reason: format!(
                        "it names the change at position {index}, which is not in the op log"
                    ),
                })?;
        ops.push(codec::decode_op(codec::OPS_LABEL, index, &bytes)?);
    }
    Ok(ops)
}
