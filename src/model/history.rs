//! An item's history: what each op did to it, derived from the ops themselves. Items do
//! not carry their history; the store keeps an index of each item's ops, and the detail
//! view asks for the history when it opens.

use super::{FieldName, ItemId, Op, OpId, Portfolio, StageKey};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happened to an item, kept with the op that did it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub op_id: OpId,
    pub at: i64,
    pub author: String,
    pub event: HistoryEvent,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum HistoryEvent {
    Created {
        stage: StageKey,
    },
    Edited {
        fields: Vec<FieldName>,
    },
    Moved {
        from: StageKey,
        to: StageKey,
        /// Why, when the mover said (a rejection or a parking).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Deleted,
    Restored,
    /// The author scored the item: the total (marks plus adjustment) in `set`, or `None`
    /// when they withdrew their score.
    Scored {
        set: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total: Option<i64>,
    },
}

/// The history of every item that `ops` touch, oldest entry first: one entry per op
/// that changed its item when the ops are folded in this order, so an op about an item
/// not created yet, or a second copy of an op, leaves no entry (as in the fold).
pub fn histories<'a>(ops: impl IntoIterator<Item = &'a Op>) -> BTreeMap<ItemId, Vec<HistoryEntry>> {
    let mut portfolio = Portfolio::default();
    let mut out: BTreeMap<ItemId, Vec<HistoryEntry>> = BTreeMap::new();
    for op in ops {
        for (id, entry) in portfolio.apply_event(op) {
            out.entry(id).or_default().push(entry);
        }
    }
    out
}

/// The history of item `id`, from (at least) every op about it in log order. Ops about
/// other items are passed over.
pub fn history_of<'a>(id: &ItemId, ops: impl IntoIterator<Item = &'a Op>) -> Vec<HistoryEntry> {
    histories(ops.into_iter().filter(|op| op.payload.items().contains(id)))
        .remove(id)
        .unwrap_or_default()
}
