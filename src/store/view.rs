//! The materialised view: the `items` tree holds every item as the fold of the op log
//! left it, so that opening the app reads items instead of replaying history.

use super::codec;
use super::trees::Trees;
use super::StoreError;
use crate::model::Portfolio;

/// The view as a portfolio, with the ids of every logged op so that it equals the fold
/// of the log (ops about unknown items included).
pub(crate) fn load(trees: &Trees) -> Result<Portfolio, StoreError> {
    let mut items = Vec::new();
    for entry in trees.items.iter() {
        let (key, value) = entry?;
        items.push(codec::decode_item(&key, &value)?);
    }
    let mut seen = Vec::new();
    for key in trees.op_ids.iter().keys() {
        seen.push(codec::decode_op_id(&key?)?);
    }
    Ok(Portfolio::from_view(items, seen))
}

/// Replaces the whole view with `portfolio`'s items in one atomic batch.
pub(crate) fn replace(trees: &Trees, portfolio: &Portfolio) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    for key in trees.items.iter().keys() {
        batch.remove(key?);
    }
    // Inserts after removes: a key in both ends up inserted.
    for item in portfolio.all_items() {
        batch.insert(&codec::item_key(&item.id)[..], codec::encode_item(item)?);
    }
    trees.items.apply_batch(batch)?;
    Ok(())
}
