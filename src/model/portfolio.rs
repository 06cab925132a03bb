use super::{FieldValue, HistoryEntry, HistoryEvent, Item, ItemId, Op, OpId, Payload, StageKey};
use std::collections::{BTreeMap, BTreeSet};

/// The portfolio as the screen shows it: the fold of an op log.
///
/// `apply` is idempotent: the portfolio remembers the id of every op it has taken in,
/// whether the op changed anything or not, so an op seen twice (a retried push, a
/// replayed log) changes nothing the second time. Ops that refer to an item that does
/// not exist are ignored, so any sequence of ops folds without error; a copy of such an
/// op that arrives after the item's create stays ignored too.
///
/// The remembered ids are those this value has taken in since it was made: a portfolio
/// loaded from the store's view starts with none. Ops already in the store's log are
/// kept out by the store itself (its op-id index), so they never reach a loaded
/// portfolio a second time.
#[derive(Clone, Debug, Default)]
pub struct Portfolio {
    items: BTreeMap<ItemId, Item>,
    /// Ids of every op applied or ignored by this value. Items alone cannot tell that
    /// an op about a then-unknown item was already seen.
    seen: BTreeSet<OpId>,
}

/// Two portfolios are equal when they hold the same items (deleted ones included).
/// Which op ids each has taken in is bookkeeping of the process, not content: a
/// portfolio loaded from the store equals the fold of the store's log.
impl PartialEq for Portfolio {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items
    }
}

impl Eq for Portfolio {}

impl Portfolio {
    pub fn fold<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Self {
        let mut p = Portfolio::default();
        for op in ops {
            p.apply(op);
        }
        p
    }

    /// Rebuilds a portfolio from its materialised items (the store's view), taking
    /// them one at a time as they are decoded, with no op ids seen yet.
    pub fn from_items(items: impl IntoIterator<Item = Item>) -> Self {
        let mut map = BTreeMap::new();
        // One insert at a time, not `collect`: that would first gather every item in a
        // growing `Vec` (twice the memory at the peak) to sort it.
        for item in items {
            map.insert(item.id, item);
        }
        Portfolio {
            items: map,
            seen: BTreeSet::new(),
        }
    }

    /// Whether this portfolio has applied (or ignored) an op with this id.
    pub fn has_seen(&self, op_id: &OpId) -> bool {
        self.seen.contains(op_id)
    }

    /// Applies one op. Returns the id of the item it changed, or `None` when the op
    /// changed nothing (already applied, or about an unknown item).
    pub fn apply(&mut self, op: &Op) -> Option<ItemId> {
        self.apply_event(op).map(|_| op.payload.item())
    }

    /// As [`Portfolio::apply`], returning the history entry for what the op did.
    pub fn apply_event(&mut self, op: &Op) -> Option<HistoryEntry> {
        if !self.seen.insert(op.op_id) {
            return None;
        }
        let id = op.payload.item();
        let entry = |event| HistoryEntry {
            op_id: op.op_id,
            at: op.at,
            author: op.author.clone(),
            event,
        };
        if let Payload::CreateItem {
            item,
            stage,
            fields,
        } = &op.payload
        {
            if self.items.contains_key(item) {
                return None;
            }
            let mut new = Item::blank(*item, stage.clone(), op.at);
            for f in fields {
                new.set(f.clone());
            }
            self.items.insert(*item, new);
            return Some(entry(HistoryEvent::Created {
                stage: stage.clone(),
            }));
        }
        let item = self.items.get_mut(&id)?;
        let event = match &op.payload {
            Payload::CreateItem { .. } => unreachable!("handled above"),
            Payload::EditItem { changes, .. } => {
                for c in changes {
                    item.set(c.clone());
                }
                HistoryEvent::Edited {
                    fields: changes.iter().map(FieldValue::name).collect(),
                }
            }
            Payload::MoveItem { to, .. } => {
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
        Some(entry(event))
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
