//! A synced portfolio, after TaskChampion's replica: what the screen shows is always the
//! confirmed ops folded in the server's seq order, with the pending ops (the outbox) on
//! top. Local changes show at once; a confirmed op from someone else slides in *under*
//! the pending ones, so the user's unsent work stays on top until the server has ordered it.
//!
//! Only items touched by pending ops carry a second copy (their confirmed state), so a
//! replica costs nothing extra while everything is in sync.

use super::meeting::Meetings;
use super::portfolio::{apply_to_item, create_item};
use super::{Item, ItemId, Op, OpId, Portfolio};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Replica {
    view: Portfolio,
    /// The confirmed state of each item that has pending ops (`None`: the item does not
    /// exist yet on the server, it was created here).
    base: BTreeMap<ItemId, Option<Item>>,
    /// The meetings as the confirmed ops left them. Meetings are small, so the view's
    /// meetings are simply recomputed as these plus the pending meeting ops.
    meetings_base: Meetings,
    pending: Vec<Op>,
    last_seq: u64,
}

/// What became of a confirmed op handed to [`Replica::confirm`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmed {
    /// Folded in; the items it changed (none for a meeting op).
    Applied(Vec<ItemId>),
    /// Already folded (its seq is not past the last one): ignored.
    Duplicate,
    /// Ops are missing before it: pull from `expected` first, then hand it over again.
    Gap { expected: u64, got: u64 },
}

/// A portfolio that syncs with no server: nothing confirmed, nothing pending yet.
impl From<Portfolio> for Replica {
    fn from(view: Portfolio) -> Self {
        let meetings = view.meetings().clone();
        Replica::from_parts(view, BTreeMap::new(), meetings, Vec::new(), 0)
    }
}

impl Replica {
    /// A replica from what a store kept: the view's items (confirmed + pending), the
    /// confirmed state of items with pending ops, the confirmed meetings, the pending ops
    /// in order, and the last seq folded. The view's meetings are derived here.
    pub fn from_parts(
        view: Portfolio,
        base: BTreeMap<ItemId, Option<Item>>,
        meetings_base: Meetings,
        pending: Vec<Op>,
        last_seq: u64,
    ) -> Self {
        let mut replica = Replica {
            view,
            base,
            meetings_base,
            pending,
            last_seq,
        };
        for op in &replica.pending {
            replica.view.mark_seen(op.op_id);
        }
        replica.reshow_meetings();
        replica
    }

    /// The meetings as the confirmed ops left them (without pending changes).
    pub fn confirmed_meetings(&self) -> &Meetings {
        &self.meetings_base
    }

    pub fn view(&self) -> &Portfolio {
        &self.view
    }

    pub fn pending(&self) -> &[Op] {
        &self.pending
    }

    /// The highest seq folded into the confirmed state.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The confirmed state kept for items with pending ops.
    pub fn base(&self) -> &BTreeMap<ItemId, Option<Item>> {
        &self.base
    }

    /// A change made here: shown at once and queued for the server. Returns the item it
    /// changed, or `None` when it changed nothing visible (it stays queued all the same,
    /// unless it was seen before).
    pub fn local(&mut self, op: Op) -> Option<ItemId> {
        if self.view.has_seen(&op.op_id) {
            return None;
        }
        for id in op.payload.items() {
            if !self.base.contains_key(id) {
                self.base.insert(*id, self.view.get_any(id).cloned());
            }
        }
        let changed = self.view.apply(&op);
        self.pending.push(op);
        changed
    }

    /// Folds an op the server confirmed with `seq`. Ops must come in seq order; a
    /// duplicate is ignored and a gap is reported so the caller can pull what is missing.
    pub fn confirm(&mut self, seq: u64, op: &Op) -> Confirmed {
        if seq <= self.last_seq {
            return Confirmed::Duplicate;
        }
        if seq != self.last_seq + 1 {
            return Confirmed::Gap {
                expected: self.last_seq + 1,
                got: seq,
            };
        }
        self.last_seq = seq;
        self.pending.retain(|p| p.op_id != op.op_id);
        self.view.mark_seen(op.op_id);
        if op.payload.is_meeting() {
            self.meetings_base.apply(op);
            self.reshow_meetings();
            // A decision that moves its items goes on to them below.
        }
        let mut changed = Vec::new();
        for &id in op.payload.items() {
            match self.base.get_mut(&id) {
                Some(base) => {
                    confirm_into(base, op, seq);
                    self.reshow(id);
                    changed.push(id);
                }
                None => {
                    let mut item = self.view.get_any(&id).cloned();
                    let before = item.clone();
                    confirm_into(&mut item, op, seq);
                    if item != before {
                        self.view.put_item(id, item);
                        changed.push(id);
                    }
                }
            }
        }
        Confirmed::Applied(changed)
    }

    /// Drops a pending op the server refused (a role rule): its items (or the
    /// meetings) are shown again as their confirmed state plus the pending ops that
    /// remain. Returns the items it touched, or `None` when it was not pending.
    pub fn reject(&mut self, op_id: &OpId) -> Option<Vec<ItemId>> {
        let at = self.pending.iter().position(|p| &p.op_id == op_id)?;
        let op = self.pending.remove(at);
        if op.payload.is_meeting() {
            self.reshow_meetings();
        }
        for id in op.payload.items() {
            self.reshow(*id);
        }
        Some(op.payload.items().to_vec())
    }

    /// Shows the meetings as their confirmed state with the pending meeting ops on top.
    fn reshow_meetings(&mut self) {
        let mut shown = self.meetings_base.clone();
        for op in self.pending.iter().filter(|p| p.payload.is_meeting()) {
            shown.apply(op);
        }
        self.view.set_meetings(shown);
    }

    /// Shows `id` as its confirmed state with its remaining pending ops on top, and
    /// forgets the confirmed copy once nothing is pending for it.
    fn reshow(&mut self, id: ItemId) {
        let Some(base) = self.base.get(&id) else {
            return;
        };
        let mine: Vec<&Op> = self
            .pending
            .iter()
            .filter(|p| p.payload.items().contains(&id))
            .collect();
        let shown = shown_item(base, mine.iter().copied());
        if mine.is_empty() {
            self.base.remove(&id);
        }
        self.view.put_item(id, shown);
    }
}

/// Folds a confirmed op into an item's confirmed state (`None`: not created yet).
pub fn confirm_into(base: &mut Option<Item>, op: &Op, seq: u64) {
    match base {
        Some(item) => {
            apply_to_item(item, op, Some(seq));
        }
        None => *base = create_item(op, Some(seq)),
    }
}

/// What the screen shows of an item: its confirmed state with its pending ops on top.
/// The store uses this too, so the cache on disk and the screen cannot disagree.
pub fn shown_item<'a>(
    base: &Option<Item>,
    pending: impl IntoIterator<Item = &'a Op>,
) -> Option<Item> {
    let mut shown = base.clone();
    for op in pending {
        match &mut shown {
            Some(item) => {
                apply_to_item(item, op, None);
            }
            None => shown = create_item(op, None),
        }
    }
    shown
}
