use super::conflict::{Slot, SyncState};
use super::meeting::{MeetingChange, Meetings};
use super::{
    FieldName, FieldValue, HistoryEntry, HistoryEvent, Item, ItemId, ItemScore, Op, OpId, Payload,
    StageKey,
};
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
    /// Boxed: a map node holds eleven entries and, filled in key order as the store
    /// loads it, keeps about half of them empty; an `Item` is several hundred bytes, a
    /// box eight (at 10,000 items, a few MiB of empty slots).
    items: BTreeMap<ItemId, Box<Item>>,
    /// The meetings, cases, vote rounds and decision log: the fold of the meeting ops.
    meetings: Meetings,
    /// Ids of every op applied or ignored by this value. Items alone cannot tell that
    /// an op about a then-unknown item was already seen.
    seen: BTreeSet<OpId>,
}

/// Two portfolios are equal when they hold the same items (deleted ones included) and
/// the same meetings. Which op ids each has taken in is bookkeeping of the process, not
/// content: a portfolio loaded from the store equals the fold of the store's log.
impl PartialEq for Portfolio {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items && self.meetings == other.meetings
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
            map.insert(item.id, Box::new(item));
        }
        Portfolio {
            items: map,
            meetings: Meetings::default(),
            seen: BTreeSet::new(),
        }
    }

    /// The meetings as the meeting ops left them.
    pub fn meetings(&self) -> &Meetings {
        &self.meetings
    }

    /// Replaces the meetings as a whole: for a store that keeps them apart from items,
    /// and a replica that recomputes them from confirmed state and pending ops.
    pub fn set_meetings(&mut self, meetings: Meetings) {
        self.meetings = meetings;
    }

    /// Whether this portfolio has applied (or ignored) an op with this id.
    pub fn has_seen(&self, op_id: &OpId) -> bool {
        self.seen.contains(op_id)
    }

    /// Applies one op. Returns the id of the (first) item it changed, or `None` when
    /// the op changed no item (already applied, about an unknown item, or a meeting op
    /// other than a decision that moves items).
    pub fn apply(&mut self, op: &Op) -> Option<ItemId> {
        self.apply_at(op, None).into_iter().next().map(|(id, _)| id)
    }

    /// Applies an op the server confirmed with `seq`, with the conflict rules of
    /// [`super::conflict`]. Confirmed ops must come in seq order.
    pub fn apply_confirmed(&mut self, op: &Op, seq: u64) -> Option<ItemId> {
        self.apply_at(op, Some(seq))
            .into_iter()
            .next()
            .map(|(id, _)| id)
    }

    /// As [`Portfolio::apply`], returning the history entry of each item the op changed.
    pub fn apply_event(&mut self, op: &Op) -> Vec<(ItemId, HistoryEntry)> {
        self.apply_at(op, None)
    }

    fn apply_at(&mut self, op: &Op, seq: Option<u64>) -> Vec<(ItemId, HistoryEntry)> {
        if !self.seen.insert(op.op_id) {
            return Vec::new();
        }
        if op.payload.is_meeting() {
            // A decision that moves its items goes on to them below.
            self.meetings.apply(op);
        }
        let mut changed = Vec::new();
        for &id in op.payload.items() {
            let event = match self.items.get_mut(&id) {
                Some(item) => apply_to_item(item, op, seq),
                None => create_item(op, seq).map(|new| {
                    let event = HistoryEvent::Created {
                        stage: new.stage.clone(),
                    };
                    self.items.insert(id, Box::new(new));
                    event
                }),
            };
            if let Some(event) = event {
                changed.push((
                    id,
                    HistoryEntry {
                        op_id: op.op_id,
                        at: op.at,
                        author: op.author.clone(),
                        event,
                    },
                ));
            }
        }
        changed
    }

    /// Replaces (or with `None` removes) one item as a whole, without touching the set
    /// of seen ops: for a replica that recomputes an item from its confirmed state and
    /// its pending ops.
    pub(crate) fn put_item(&mut self, id: ItemId, item: Option<Item>) {
        match item {
            Some(item) => self.items.insert(id, Box::new(item)),
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
        if let Payload::MoveItems { items, .. } = payload {
            // One op back per original stage would be several ops; undo of a bulk
            // move is the caller's (it moves each group back), see `inverse_all`.
            let _ = items;
            return None;
        }
        let id = payload.item()?;
        let item = self.items.get(&id).map(|b| &**b);
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
            // Whose score to put back depends on who scores: see `inverse_by`.
            Payload::ScoreItem { .. } | Payload::MoveItems { .. } | Payload::Meeting { .. } => None,
        }
    }

    /// As [`Portfolio::inverse`], for a payload `author` is about to send. A score is
    /// the author's own, so its undo puts back the author's previous score in this item
    /// (or withdraws the new one when they had none).
    pub fn inverse_by(&self, author: &str, payload: &Payload) -> Option<Payload> {
        let Payload::ScoreItem { item: id, set, .. } = payload else {
            return self.inverse(payload);
        };
        let item = self.items.get(id)?;
        Some(match item.scores.get(author) {
            Some(before) => Payload::ScoreItem {
                item: *id,
                set: before.set.clone(),
                scores: Some(before.scores.clone()),
            },
            None => Payload::ScoreItem {
                item: *id,
                set: set.clone(),
                scores: None,
            },
        })
    }

    /// As [`Portfolio::inverse_all`], for a payload `author` is about to send (see
    /// [`Portfolio::inverse_by`]).
    pub fn inverse_all_by(&self, author: &str, payload: &Payload) -> Vec<Payload> {
        match payload {
            Payload::ScoreItem { .. } => self.inverse_by(author, payload).into_iter().collect(),
            _ => self.inverse_all(payload),
        }
    }

    /// The payloads that undo `payload`, in order: one for most changes; for a bulk
    /// move, one `MoveItems` back per stage the items came from. Empty when there is
    /// nothing to undo (and for meeting changes, which are never undone: the log is
    /// append-only).
    pub fn inverse_all(&self, payload: &Payload) -> Vec<Payload> {
        let Payload::MoveItems { items, to, .. } = payload else {
            return self.inverse(payload).into_iter().collect();
        };
        let mut back: BTreeMap<&StageKey, Vec<ItemId>> = BTreeMap::new();
        for id in items {
            if let Some(item) = self.items.get(id).filter(|i| &i.stage != to) {
                back.entry(&item.stage).or_default().push(*id);
            }
        }
        back.into_iter()
            .map(|(stage, items)| Payload::MoveItems {
                items,
                to: stage.clone(),
                reason: None,
            })
            .collect()
    }

    pub fn get(&self, id: &ItemId) -> Option<&Item> {
        self.items.get(id).map(|b| &**b).filter(|i| !i.deleted)
    }

    /// Includes deleted items, for undo and export of history.
    pub fn get_any(&self, id: &ItemId) -> Option<&Item> {
        self.items.get(id).map(|b| &**b)
    }

    /// Live (not deleted) items, oldest first.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.items.values().map(|b| &**b).filter(|i| !i.deleted)
    }

    /// Every item, deleted ones too.
    pub fn all_items(&self) -> impl Iterator<Item = &Item> {
        self.items.values().map(|b| &**b)
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
    Some(new)
}

fn new_version(sync: &mut SyncState, slot: Slot, op: &Op, seq: u64) {
    sync.record(slot, seq, op.base_seq, &op.author, || None);
}

/// Applies `op` to an existing item. Returns what it did, or `None` for a create of an
/// existing item (which changes nothing).
pub(crate) fn apply_to_item(item: &mut Item, op: &Op, seq: Option<u64>) -> Option<HistoryEvent> {
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
        Payload::CreateItem { .. } => return None,
        Payload::EditItem { changes, .. } => {
            for c in changes {
                record(item, Slot::Field(c.name()));
                item.set(c.clone());
            }
            HistoryEvent::Edited {
                fields: changes.iter().map(FieldValue::name).collect(),
            }
        }
        Payload::MoveItem { to, .. } | Payload::MoveItems { to, .. } => {
            if &item.stage == to && matches!(op.payload, Payload::MoveItems { .. }) {
                // A bulk move leaves items already there alone (no history entry).
                return None;
            }
            record(item, Slot::Stage);
            let from = std::mem::replace(&mut item.stage, to.clone());
            let reason = match &op.payload {
                Payload::MoveItems { reason, .. } => reason.clone(),
                _ => None,
            };
            HistoryEvent::Moved {
                from,
                to: to.clone(),
                reason,
            }
        }
        Payload::Meeting { change } => {
            // A decision moves the items it affects, as a bulk move does: items already
            // in the stage are left alone. The reason is the decision's text.
            let MeetingChange::Decide { decision } = &**change else {
                return None;
            };
            let (_, to) = change.moves()?;
            if &item.stage == to {
                return None;
            }
            record(item, Slot::Stage);
            let from = std::mem::replace(&mut item.stage, to.clone());
            HistoryEvent::Moved {
                from,
                to: to.clone(),
                reason: Some(decision.text.clone()),
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
        Payload::ScoreItem { set, scores, .. } => {
            // A score that does not fit its set is refused by the server and never sent
            // by the app; one that arrives anyway is ignored, so every log still folds.
            if op.payload.check().is_err() {
                return None;
            }
            match scores {
                Some(scores) => {
                    item.scores.insert(
                        op.author.clone(),
                        ItemScore {
                            set: set.clone(),
                            scores: scores.clone(),
                            at: op.at,
                        },
                    );
                }
                // Withdrawing a score that is not there changes nothing.
                None => {
                    item.scores.remove(&op.author)?;
                }
            }
            HistoryEvent::Scored {
                set: set.clone(),
                total: scores.as_ref().map(|s| s.total()),
            }
        }
    };
    item.updated = item.updated.max(op.at);
    Some(event)
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
