//! The materialised view: the `items` tree holds every item as the fold of the op log
//! left it, so that opening the app reads items instead of replaying history. The
//! `item_ops` index (each item's ops) is derived from the log too, and rebuilt with it.

use super::codec;
use super::log;
use super::trees::Trees;
use super::StoreError;
use crate::model::{Op, Portfolio};

/// The view as a portfolio. Items go into the portfolio as they are decoded, without
/// gathering them first; the portfolio starts with no op ids seen (the store's `op_ids`
/// index keeps logged ops out).
pub(crate) fn load(trees: &Trees) -> Result<Portfolio, StoreError> {
    let mut failed = None;
    let items = trees.items.iter().map_while(|entry| {
        let decoded = entry
            .map_err(StoreError::from)
            .and_then(|(key, value)| codec::decode_item(&key, &value));
        match decoded {
            Ok(item) => Some(item),
            Err(e) => {
                failed = Some(e);
                None
            }
        }
    });
    let mut portfolio = Portfolio::from_items(items);
    if let Some(e) = failed {
        return Err(e);
    }
    portfolio.set_meetings(log::read_meetings(trees)?);
    Ok(portfolio)
}

/// Replaces the whole view with `portfolio`'s items in one atomic batch.
pub(crate) fn replace(trees: &Trees, portfolio: &Portfolio) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    for key in trees.items.iter().keys() {
        batch.remove(key?);
    }
    // Inserts after removes: a key in both ends up inserted.
    for item in portfolio.all_items() {
        batch.insert(&codec::item_key(&item.id)[..], codec::encode_item(item));
    }
    trees.items.apply_batch(batch)?;
    Ok(())
}

/// Replaces the `item_ops` index with one entry per op in `log` (index, op), in one
/// atomic batch.
pub(crate) fn replace_item_ops(trees: &Trees, log: &[(u64, Op)]) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    for key in trees.item_ops.iter().keys() {
        batch.remove(key?);
    }
    for (index, op) in log {
        for item in op.payload.items() {
            batch.insert(&codec::item_op_key(item, *index)[..], &[][..]);
        }
    }
    trees.item_ops.apply_batch(batch)?;
    Ok(())
}

/// Derives the view and the `item_ops` index from the op log again. The log is read in
/// full first, so a damaged log changes nothing.
pub(crate) fn rebuild(trees: &Trees) -> Result<(), StoreError> {
    let log = log::read_indexed(&trees.ops, codec::OPS_LABEL)?;
    let portfolio = Portfolio::fold(log.iter().map(|(_, op)| op));
    replace(trees, &portfolio)?;
    replace_meetings(trees, portfolio.meetings())?;
    replace_item_ops(trees, &log)
}

/// Keeps `meetings` as the cache's meetings.
pub(crate) fn replace_meetings(
    trees: &Trees,
    meetings: &crate::model::meeting::Meetings,
) -> Result<(), StoreError> {
    trees
        .meta
        .insert(codec::META_MEETINGS, codec::encode_meetings(meetings))?;
    Ok(())
}
