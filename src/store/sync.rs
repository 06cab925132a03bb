//! The synced cache: confirmed ops in the server's seq order, the outbox of pending
//! ops, and for each item with pending ops its confirmed state (`base`). What the view
//! holds is always the confirmed state with the pending ops on top; the steps that keep
//! it so are the model's `Replica`, run on just the items a batch touches, so the cache
//! on disk and the screen take the same steps.

use super::codec::{self, META_LAST_SEQ, META_NEXT_INDEX, META_SYNCED, OUTBOX_LABEL};
use super::log;
use super::{OpenError, Store, StoreError};
use crate::model::{Confirmed, Item, ItemId, Op, OpId, Portfolio, Replica};
use crate::protocol::SeqOp;
use sled::Transactional;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The part of the cache a batch of confirmations or a refusal touches.
struct Slice {
    view: Portfolio,
    base: BTreeMap<ItemId, Option<Item>>,
    /// Pending ops of these items with their outbox index, in log order.
    pending: Vec<(u64, Op)>,
}

impl Store {
    /// Opens a slot of a server's cache (see [`Store::open`]) and marks it synced.
    pub fn open_synced(base: &Path) -> Result<Store, OpenError> {
        let mut store = Store::open(base)?;
        if !store.synced {
            store
                .trees
                .meta
                .insert(META_SYNCED, &[1u8][..])
                .map_err(StoreError::from)?;
            store.trees.flush()?;
            store.synced = true;
        }
        store.write_status();
        Ok(store)
    }

    pub fn is_synced(&self) -> bool {
        self.synced
    }

    /// Keeps who the server says we are, so that a start without the network still
    /// hides what the role cannot do. Not flushed on its own: it is a hint.
    pub fn remember_identity(&self, me: &crate::protocol::Me) -> Result<(), StoreError> {
        let json = serde_json::to_vec(me).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.trees.meta.insert(codec::META_IDENTITY, json)?;
        Ok(())
    }

    /// Who the server last said we are; `None` if it never has (or the entry is damaged,
    /// which only means the server will say again).
    pub fn identity(&self) -> Option<crate::protocol::Me> {
        let bytes = self.trees.meta.get(codec::META_IDENTITY).ok()??;
        serde_json::from_slice(&bytes).ok()
    }

    /// The highest seq confirmed into this cache (0 before the first sync).
    pub fn last_seq(&self) -> Result<u64, StoreError> {
        read_u64(&self.trees.meta, META_LAST_SEQ)
    }

    /// The replica as the cache holds it: the view, the confirmed state of items with
    /// pending ops, the pending ops and the last seq.
    pub fn load_replica(&self) -> Result<Replica, StoreError> {
        let _writer = self.writer();
        let view = self.load()?;
        let mut base = BTreeMap::new();
        for entry in self.trees.base.iter() {
            let (key, value) = entry?;
            let item = codec::decode_base(&key, &value)?;
            let id =
                ItemId(
                    uuid::Uuid::from_slice(&key).map_err(|_| StoreError::CorruptEntry {
                        tree: codec::BASE,
                        key: codec::hex(&key),
                        reason: "the key is not an item id".into(),
                    })?,
                );
            base.insert(id, item);
        }
        let pending = log::read(&self.trees.outbox, OUTBOX_LABEL)?;
        let meetings = log::read_meetings(&self.trees)?;
        Ok(Replica::from_parts(
            view,
            base,
            meetings,
            pending,
            self.last_seq()?,
        ))
    }

    /// Folds ops the server confirmed, durably, and drops them from the outbox. Ops
    /// with a seq already folded are skipped; a gap (a seq beyond the next one) is an
    /// error and nothing of the batch is written. Returns only after the flush.
    pub fn confirm(&self, ops: &[SeqOp]) -> Result<(), StoreError> {
        {
            let _writer = self.writer();
            let last = self.last_seq()?;
            let ops: Vec<&SeqOp> = ops.iter().filter(|o| o.seq > last).collect();
            if ops.is_empty() {
                return Ok(());
            }
            let items: BTreeSet<ItemId> = ops
                .iter()
                .flat_map(|o| o.op.payload.items().iter().copied())
                .collect();
            let slice = self.slice(&items)?;
            let mut replica = Replica::from_parts(
                slice.view,
                slice.base,
                log::read_meetings(&self.trees)?,
                slice.pending.into_iter().map(|(_, op)| op).collect(),
                last,
            );
            for o in &ops {
                if let Confirmed::Gap { expected, got } = replica.confirm(o.seq, &o.op) {
                    return Err(StoreError::Corrupt(format!(
                        "the server's changes came out of order (expected number {expected}, got {got})"
                    )));
                }
            }
            // Our own ops among the confirmed ones leave the outbox.
            let mut confirmed_own = Vec::new();
            for o in &ops {
                if let Some(k) = self.trees.op_ids.get(o.op.op_id.0.as_bytes())? {
                    let index = codec::decode_index(codec::OP_IDS, &k)?;
                    if self.trees.outbox.contains_key(codec::index_key(index))? {
                        confirmed_own.push(index);
                    }
                }
            }
            let meetings = ops
                .iter()
                .any(|o| o.op.payload.is_meeting())
                .then(|| replica.confirmed_meetings());
            self.write_confirmed(&ops, &items, &replica, &confirmed_own, meetings)?;
        }
        self.trees.flush()?;
        self.write_status();
        Ok(())
    }

    /// Drops a pending op the server refused: out of the outbox, the log and the item's
    /// history (no one else ever had it), and the item shown again as its confirmed
    /// state plus what is still pending. Returns whether it was pending.
    pub fn reject(&self, op_id: &OpId) -> Result<bool, StoreError> {
        {
            let _writer = self.writer();
            let Some(index) = self.trees.op_ids.get(op_id.0.as_bytes())? else {
                return Ok(false);
            };
            let index = codec::decode_index(codec::OP_IDS, &index)?;
            let Some(bytes) = self.trees.outbox.get(codec::index_key(index))? else {
                return Ok(false);
            };
            let op = codec::decode_op(OUTBOX_LABEL, index, &bytes)?;
            let ids: BTreeSet<ItemId> = op.payload.items().iter().copied().collect();
            let slice = self.slice(&ids)?;
            let mut replica = Replica::from_parts(
                slice.view,
                slice.base,
                Default::default(),
                slice.pending.into_iter().map(|(_, op)| op).collect(),
                self.last_seq()?,
            );
            replica.reject(op_id);
            (
                &self.trees.items,
                &self.trees.base,
                &self.trees.outbox,
                &self.trees.item_ops,
                &self.trees.ops,
                &self.trees.op_ids,
            )
                .transaction(|(items, base, outbox, item_ops, log, op_ids)| {
                    for id in &ids {
                        write_item(items, base, &replica, id, &codec::item_key(id))?;
                        item_ops.remove(&codec::item_op_key(id, index)[..])?;
                    }
                    outbox.remove(&codec::index_key(index)[..])?;
                    log.remove(&codec::index_key(index)[..])?;
                    op_ids.remove(op_id.0.as_bytes())?;
                    Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>(())
                })?;
        }
        self.trees.flush()?;
        self.write_status();
        Ok(true)
    }

    /// The server's log ends at `head`, before this cache's last seq: it was restored
    /// from a backup, and what it confirmed after `head` is gone from it. The confirmed
    /// ops after `head` that `me` made go back into the outbox, in the order they were
    /// made, to be sent again (the server keeps each op once, by its id); the others
    /// are dropped here (their authors' caches send them again). The view is derived
    /// anew from what is left. Returns (ops sent again, ops dropped).
    pub fn rewind(&self, head: u64, me: &str) -> Result<(usize, usize), StoreError> {
        let counts;
        {
            let _writer = self.writer();
            if head >= self.last_seq()? {
                return Ok((0, 0));
            }
            let mut requeue: Vec<(Vec<u8>, u64, sled::IVec)> = Vec::new();
            let mut drop: Vec<(Vec<u8>, u64, Op)> = Vec::new();
            let from = head.saturating_add(1).to_be_bytes();
            for entry in self.trees.seqs.range(&from[..]..) {
                let (key, value) = entry?;
                let index = codec::decode_index(codec::SEQS, &value)?;
                let bytes =
                    self.trees
                        .ops
                        .get(&value)?
                        .ok_or_else(|| StoreError::CorruptEntry {
                            tree: codec::SEQS,
                            key: codec::hex(&key),
                            reason: format!(
                            "it names the change at position {index}, which is not in the op log"
                        ),
                        })?;
                let op = codec::decode_op(codec::OPS_LABEL, index, &bytes)?;
                if op.author == me {
                    requeue.push((key.to_vec(), index, bytes));
                } else {
                    drop.push((key.to_vec(), index, op));
                }
            }
            counts = (requeue.len(), drop.len());
            let t = &self.trees;
            (&t.seqs, &t.outbox, &t.ops, &t.op_ids, &t.item_ops, &t.meta).transaction(
                |(seqs, outbox, ops, op_ids, item_ops, meta)| {
                    for (key, index, bytes) in &requeue {
                        seqs.remove(key.as_slice())?;
                        outbox.insert(&codec::index_key(*index)[..], bytes.clone())?;
                    }
                    for (key, index, op) in &drop {
                        seqs.remove(key.as_slice())?;
                        ops.remove(&codec::index_key(*index)[..])?;
                        op_ids.remove(op.op_id.0.as_bytes())?;
                        for item in op.payload.items() {
                            item_ops.remove(&codec::item_op_key(item, *index)[..])?;
                        }
                    }
                    meta.insert(META_LAST_SEQ, &head.to_be_bytes()[..])?;
                    Ok::<_, sled::transaction::ConflictableTransactionError<StoreError>>(())
                },
            )?;
            self.rebuild_synced()?;
        }
        self.trees.flush()?;
        self.write_status();
        Ok(counts)
    }

    /// Derives a synced cache's view and confirmed states from its logs: the confirmed
    /// ops in seq order, then the outbox on top. Called by `rebuild_view` under the
    /// writer lock; everything is read before anything is written.
    pub(super) fn rebuild_synced(&self) -> Result<(), StoreError> {
        let mut confirmed = Portfolio::default();
        let mut last = 0;
        for entry in self.trees.seqs.iter() {
            let (key, value) = entry?;
            let seq = codec::decode_index(codec::SEQS, &key)?;
            let index = codec::decode_index(codec::SEQS, &value)?;
            let bytes = self
                .trees
                .ops
                .get(value)?
                .ok_or_else(|| StoreError::CorruptEntry {
                    tree: codec::SEQS,
                    key: seq.to_string(),
                    reason: format!(
                        "it names the change at position {index}, which is not in the op log"
                    ),
                })?;
            confirmed.apply_confirmed(&codec::decode_op(codec::OPS_LABEL, index, &bytes)?, seq);
            last = seq;
        }
        let meetings = confirmed.meetings().clone();
        let mut replica =
            Replica::from_parts(confirmed, BTreeMap::new(), meetings, Vec::new(), last);
        for op in log::read(&self.trees.outbox, OUTBOX_LABEL)? {
            replica.local(op);
        }
        super::view::replace(&self.trees, replica.view())?;
        super::view::replace_meetings(&self.trees, replica.confirmed_meetings())?;
        let mut batch = sled::Batch::default();
        for key in self.trees.base.iter().keys() {
            batch.remove(key?);
        }
        for (id, item) in replica.base() {
            batch.insert(&codec::item_key(id)[..], codec::encode_base(item.as_ref()));
        }
        self.trees.base.apply_batch(batch)?;
        self.trees
            .meta
            .insert(META_LAST_SEQ, &last.to_be_bytes()[..])?;
        Ok(())
    }

    /// Reads the view, confirmed state and pending ops of `items`, under the writer lock.
    fn slice(&self, items: &BTreeSet<ItemId>) -> Result<Slice, StoreError> {
        let mut view_items = Vec::new();
        let mut base = BTreeMap::new();
        let mut pending = Vec::new();
        for id in items {
            let key = codec::item_key(id);
            if let Some(bytes) = self.trees.items.get(key)? {
                view_items.push(codec::decode_item(&key, &bytes)?);
            }
            if let Some(bytes) = self.trees.base.get(key)? {
                base.insert(*id, codec::decode_base(&key, &bytes)?);
            }
            for k in self.trees.item_ops.scan_prefix(key).keys() {
                let index = codec::decode_item_op_key(&k?)?;
                if let Some(bytes) = self.trees.outbox.get(codec::index_key(index))? {
                    pending.push((index, codec::decode_op(OUTBOX_LABEL, index, &bytes)?));
                }
            }
        }
        // An op about several items (a bulk move, a decision moving its items) is
        // found under each of them: it is pending once.
        pending.sort_by_key(|(i, _)| *i);
        pending.dedup_by_key(|(i, _)| *i);
        Ok(Slice {
            view: Portfolio::from_items(view_items),
            base,
            pending,
        })
    }

    /// Writes a batch of confirmations in one transaction: new ops into the log, their
    /// seqs, the touched items' view and confirmed state, the outbox without the ops
    /// that are now confirmed, and the last seq.
    fn write_confirmed(
        &self,
        ops: &[&SeqOp],
        items: &BTreeSet<ItemId>,
        replica: &Replica,
        confirmed_own: &[u64],
        meetings: Option<&crate::model::meeting::Meetings>,
    ) -> Result<(), StoreError> {
        let meetings = meetings.map(codec::encode_meetings);
        let encoded: Vec<Vec<u8>> = ops.iter().map(|o| o.op.encode()).collect();
        let last = ops.last().map_or(0, |o| o.seq);
        let t = &self.trees;
        (
            &t.ops,
            &t.op_ids,
            &t.outbox,
            &t.items,
            &t.item_ops,
            &t.meta,
            &t.base,
            &t.seqs,
        )
            .transaction(|(log, op_ids, outbox, view, item_ops, meta, base, seqs)| {
                let mut next = match meta.get(META_NEXT_INDEX)? {
                    Some(v) => codec::decode_u64(META_NEXT_INDEX, &v)
                        .map_err(sled::transaction::ConflictableTransactionError::Abort)?,
                    None => 0,
                };
                for (o, bytes) in ops.iter().zip(&encoded) {
                    let id = o.op.op_id.0.as_bytes();
                    let index = match op_ids.get(id)? {
                        Some(k) => {
                            let index = codec::decode_index(codec::OP_IDS, &k)
                                .map_err(sled::transaction::ConflictableTransactionError::Abort)?;
                            // Our own op, as the server stored it: with the author and
                            // whatever the server filled in (a case number, a tally), so
                            // that a rebuild from the log folds what everyone else folds.
                            log.insert(&codec::index_key(index)[..], bytes.as_slice())?;
                            index
                        }
                        None => {
                            let index = next;
                            next += 1;
                            let key = codec::index_key(index);
                            log.insert(&key[..], bytes.as_slice())?;
                            op_ids.insert(&id[..], &key[..])?;
                            for item in o.op.payload.items() {
                                item_ops.insert(&codec::item_op_key(item, index)[..], &[][..])?;
                            }
                            index
                        }
                    };
                    seqs.insert(&o.seq.to_be_bytes()[..], &codec::index_key(index)[..])?;
                }
                for index in confirmed_own {
                    outbox.remove(&codec::index_key(*index)[..])?;
                }
                for id in items {
                    write_item(view, base, replica, id, &codec::item_key(id))?;
                }
                meta.insert(META_NEXT_INDEX, &codec::index_key(next)[..])?;
                meta.insert(META_LAST_SEQ, &last.to_be_bytes()[..])?;
                if let Some(m) = &meetings {
                    meta.insert(codec::META_MEETINGS, m.as_slice())?;
                }
                Ok(())
            })?;
        Ok(())
    }
}

/// Writes one item's shown state and confirmed state as the replica has them.
fn write_item(
    items: &sled::transaction::TransactionalTree,
    base: &sled::transaction::TransactionalTree,
    replica: &Replica,
    id: &ItemId,
    key: &[u8],
) -> Result<(), sled::transaction::ConflictableTransactionError<StoreError>> {
    match replica.view().get_any(id) {
        Some(item) => items.insert(key, codec::encode_item(item))?,
        None => items.remove(key)?,
    };
    match replica.base().get(id) {
        Some(confirmed) => base.insert(key, codec::encode_base(confirmed.as_ref()))?,
        None => base.remove(key)?,
    };
    Ok(())
}

fn read_u64(tree: &sled::Tree, key: &[u8]) -> Result<u64, StoreError> {
    match tree.get(key)? {
        Some(v) => codec::decode_u64(key, &v),
        None => Ok(0),
    }
}

impl crate::sync::LocalLog for Store {
    type Error = StoreError;

    fn pending(&self) -> Result<Vec<Op>, StoreError> {
        self.outbox()
    }

    fn last_seq(&self) -> Result<u64, StoreError> {
        Store::last_seq(self)
    }

    fn confirm(&self, ops: &[SeqOp]) -> Result<(), StoreError> {
        Store::confirm(self, ops)
    }

    fn reject(&self, op_id: &OpId) -> Result<(), StoreError> {
        Store::reject(self, op_id).map(|_| ())
    }

    fn rewind(&self, head: u64, me: &str) -> Result<(usize, usize), StoreError> {
        Store::rewind(self, head, me)
    }

    fn op_id_at(&self, seq: u64) -> Result<Option<OpId>, StoreError> {
        let Some(index) = self.trees.seqs.get(seq.to_be_bytes())? else {
            return Ok(None);
        };
        let n = codec::decode_index(codec::SEQS, &index)?;
        match self.trees.ops.get(&index)? {
            Some(bytes) => Ok(Some(codec::decode_op(codec::OPS_LABEL, n, &bytes)?.op_id)),
            None => Ok(None),
        }
    }
}
