//! The sled database and its eight trees, opened together.

use super::codec;

/// `ops`: index → op JSON. `op_ids`: op id → index, for de-duplication. `outbox`:
/// index → op JSON, the ops no server has acknowledged yet. `items`: item id → item
/// (binary, `item_codec`), the materialised view. `item_ops`: item id ++ index → empty,
/// each item's ops in log order (for its history). `meta`: schema version, next index,
/// draft, last seq. `base`: item id → the confirmed state of an item with pending ops
/// (synced caches only). `seqs`: seq → index, the confirmed ops in the server's order.
#[derive(Clone, Debug)]
pub(crate) struct Trees {
    pub db: sled::Db,
    pub ops: sled::Tree,
    pub op_ids: sled::Tree,
    pub outbox: sled::Tree,
    pub items: sled::Tree,
    pub item_ops: sled::Tree,
    pub meta: sled::Tree,
    pub base: sled::Tree,
    pub seqs: sled::Tree,
}

impl Trees {
    pub fn open(db: sled::Db) -> sled::Result<Self> {
        Ok(Trees {
            ops: db.open_tree(codec::OPS)?,
            op_ids: db.open_tree(codec::OP_IDS)?,
            outbox: db.open_tree(codec::OUTBOX)?,
            items: db.open_tree(codec::ITEMS)?,
            item_ops: db.open_tree(codec::ITEM_OPS)?,
            meta: db.open_tree(codec::META)?,
            base: db.open_tree(codec::BASE)?,
            seqs: db.open_tree(codec::SEQS)?,
            db,
        })
    }

    /// Blocks until everything written so far is on disk. This is sled's blocking
    /// `flush`, never `flush_async` (sled issue 1308: overlapping async flushes can hang).
    pub fn flush(&self) -> Result<(), super::StoreError> {
        self.db.flush()?;
        Ok(())
    }
}
