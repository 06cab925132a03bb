use super::conflict::{Slot, SyncState};
use super::{
    FieldName, FieldValue, HistoryEntry, HistoryEvent, Item, ItemId, Op, OpId, Payload, StageKey,
};
use std::collections::{BTreeMap, BTreeSet};

/// The portfolio as the screen shows it: the fold of an op log.
///
/// `apply` is idempotent: the portfolio remembers the id of every op it has taken in,
/// whether the op changed anything or not, so an op seen twice (a retried push, a
/// replayed log) changes nothing the second time. Ops that refer to an item that does
/// not exist are ignored, so any sequence of ops folds without error; a copy of such an
/// op that arrives after the item's create stays ignored too.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Portfolio {
    items: BTreeMap<ItemId, Item>,
    /// Ids of every op applied or ignored so far. Item histories alone cannot tell that
    /// an op about a then-unknown item was already seen.
    seen: BTreeSet<OpId>,
}

impl Portfolio {
    pub fn fold<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Self {
        let mut p = Portfolio::default();
        for op in ops {
            p.apply(op);
        }
        p
    }

    /// Rebuilds a portfolio from its materialised items (the store's view). The ops it
    /// has seen are those in the items' histories; use [`Portfolio::from_view`] when the
    /// ids of ignored ops are known too.
    pub fn from_items(items: impl IntoIterator<Item = Item>) -> Self {
        Self::from_view(items, [])
    }

    /// Rebuilds a portfolio from its materialised items plus the ids of every op that
    /// was folded into them (the store keeps both), so that it equals the fold.
    pub fn from_view(
        items: impl IntoIterator<Item = Item>,
        seen: impl IntoIterator<Item = OpId>,
    ) -> Self {
        let items: BTreeMap<ItemId, Item> = items.into_iter().map(|i| (i.id, i)).collect();
        let mut seen: BTreeSet<OpId> = seen.into_iter().collect();
        seen.extend(
            items
                .values()
                .flat_map(|i| i.history.iter().map(|h| h.op_id)),
        );
        Portfolio { items, seen }
    }

    /// Whether an op with this id has been applied (or ignored) already.
    pub fn has_seen(&self, op_id: &OpId) -> bool {
        self.seen.contains(op_id)
    }

    /// Applies one op. Returns the id of the item it changed, or `None` when the op
    /// changed nothing (already applied, or about an unknown item).
    pub fn apply(&mut self, op: &Op) -> Option<ItemId> {
        self.apply_at(op, None)
    }

    /// Applies an op the server confirmed with `seq`, with the conflict rules of
    /// [`super::conflict`]. Confirmed ops must come in seq order.
    pub fn apply_confirmed(&mut self, op: &Op, seq: u64) -> Option<ItemId> {
        self.apply_at(op, Some(seq))
    }

    fn apply_at(&mut self, op: &Op, seq: Option<u64>) -> Option<ItemId> {
        if !self.seen.insert(op.op_id) {
            return None;
        }
        let id = op.payload.item();
        match self.items.get_mut(&id) {
            Some(item) => apply_to_item(item, op, seq).then_some(id),
            None => {
                let new = create_item(op, seq)?;
                self.items.insert(id, new);
                Some(id)
            }
        }
    }

    /// Replaces (or with `None` removes) one item as a whole, without touching the set
    /// of seen ops: for a replica that recomputes an item from its confirmed state and
    /// its pending ops.
    pub(crate) fn put_item(&mut self, id: ItemId, item: Option<Item>) {
        match item {
            Some(item) => self.items.insert(id, item),
            None => self.items.remove(&id),
        };
    }

    /// Marks an op as seen without applying it.
    pub(crate) fn mark_seen(&mut self, op_id: OpId) {
        self.seen.insert(op_id);
    }

    /// The payload that undoes `payload` against the current state, computed before it
    /// is applied. `None` when there is nothing to undo: the item is unknown, or the
    /// payload would not change it (a create of an existing item, a delete of a deleted
    /// one, a restore of a live one).
    pub fn inverse(&self, payload: &Payload) -> Option<Payload> {
        let id = payload.item();
        let item = self.items.get(&id);
        match payload {
            Payload::CreateItem { .. } => match item {
                None => Some(Payload::DeleteItem { item: id }),
                Some(_) => None,
            },
            Payload::EditItem { changes, .. } => {
                let item = item?;
                Some(Payload::EditItem {
                    item: id,
                    changes: changes.iter().map(|c| item.get(c.name())).collect(),
                })
            }
            Payload::MoveItem { .. } => Some(Payload::MoveItem {
                item: id,
                to: item?.stage.clone(),
            }),
            Payload::DeleteItem { .. } => {
                (!item?.deleted).then_some(Payload::RestoreItem { item: id })
            }
            Payload::RestoreItem { .. } => {
                item?.deleted.then_some(Payload::DeleteItem { item: id })
            }
        }
    }

    pub fn get(&self, id: &ItemId) -> Option<&Item> {
        self.items.get(id).filter(|i| !i.deleted)
    }

    /// Includes deleted items, for undo and export of history.
    pub fn get_any(&self, id: &ItemId) -> Option<&Item> {
        self.items.get(id)
    }

    /// Live (not deleted) items, oldest first.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.items.values().filter(|i| !i.deleted)
    }

    /// Every item, deleted ones too.
    pub fn all_items(&self) -> impl Iterator<Item = &Item> {
        self.items.values()
    }

    pub fn len(&self) -> usize {
        self.items().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Live items in `stage`, ordered as the board shows them: by priority (items
    /// without one last), then oldest first.
    pub fn in_stage(&self, stage: &StageKey) -> Vec<&Item> {
        let mut v: Vec<&Item> = self.items().filter(|i| &i.stage == stage).collect();
        v.sort_by_key(|i| (i.priority.is_none(), i.priority, i.created, i.id));
        v
    }
}

/// The item a create op makes, or `None` when the op is not a create.
pub(crate) fn create_item(op: &Op, seq: Option<u64>) -> Option<Item> {
    let Payload::CreateItem {
        item,
        stage,
        fields,
    } = &op.payload
    else {
        return None;
    };
    let mut new = Item::blank(*item, stage.clone(), op.at);
    for f in fields {
        new.set(f.clone());
    }
    if let Some(seq) = seq {
        let mut record = |slot| new_version(&mut new.sync, slot, op, seq);
        record(Slot::Stage);
        for f in fields {
            record(Slot::Field(f.name()));
        }
    }
    new.history.push(history_entry(
        op,
        HistoryEvent::Created {
            stage: stage.clone(),
        },
    ));
    Some(new)
}

fn new_version(sync: &mut SyncState, slot: Slot, op: &Op, seq: u64) {
    sync.record(slot, seq, op.base_seq, &op.author, || None);
}

fn history_entry(op: &Op, event: HistoryEvent) -> HistoryEntry {
    HistoryEntry {
        op_id: op.op_id,
        at: op.at,
        author: op.author.clone(),
        event,
    }
}

/// Applies `op` to an existing item. Returns whether the op was taken in: a create of
/// an existing item and an op already in the item's history are not.
pub(crate) fn apply_to_item(item: &mut Item, op: &Op, seq: Option<u64>) -> bool {
    if item.history.iter().any(|h| h.op_id == op.op_id) {
        return false;
    }
    let record = |item: &mut Item, slot: Slot| {
        if let Some(seq) = seq {
            let text = |item: &Item| match slot {
                Slot::Field(f) => field_text_of(item, f),
                Slot::Stage => None,
            };
            let current = text(item);
            item.sync
                .record(slot, seq, op.base_seq, &op.author, move || current);
        }
    };
    let event = match &op.payload {
        Payload::CreateItem { .. } => return false,
        Payload::EditItem { changes, .. } => {
            for c in changes {
                record(item, Slot::Field(c.name()));
                item.set(c.clone());
            }
            HistoryEvent::Edited {
                fields: changes.iter().map(FieldValue::name).collect(),
            }
        }
        Payload::MoveItem { to, .. } => {
            record(item, Slot::Stage);
            let from = std::mem::replace(&mut item.stage, to.clone());
            HistoryEvent::Moved {
                from,
                to: to.clone(),
            }
        }
        Payload::DeleteItem { .. } => {
            item.deleted = true;
            HistoryEvent::Deleted
        }
        Payload::RestoreItem { .. } => {
            item.deleted = false;
            HistoryEvent::Restored
        }
    };
    item.updated = item.updated.max(op.at);
    item.history.push(history_entry(op, event));
    true
}

/// The text of a free-text field, kept when a concurrent edit replaces it.
fn field_text_of(item: &Item, field: FieldName) -> Option<String> {
    if !field.is_free_text() {
        return None;
    }
    match item.get(field) {
        FieldValue::Description(t)
        | FieldValue::BenefitSummary(t)
        | FieldValue::SavedCosts(t)
        | FieldValue::SavedTime(t)
        | FieldValue::IncreasedQuality(t) => Some(t),
        _ => None,
    }
}
