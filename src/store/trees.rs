//! The sled database and its six trees, opened together.

use super::codec;

/// `ops`: index → op JSON. `op_ids`: op id → index, for de-duplication. `outbox`:
/// index → op JSON, the ops no server has acknowledged yet. `items`: item id → item
/// (binary, `item_codec`), the materialised view. `item_ops`: item id ++ index → empty,
/// each item's ops in log order (for its history). `meta`: schema version, next index,
/// draft.
#[derive(Clone, Debug)]
pub(crate) struct Trees {
    pub db: sled::Db,
    pub ops: sled::Tree,
    pub op_ids: sled::Tree,
    pub outbox: sled::Tree,
    pub items: sled::Tree,
    pub item_ops: sled::Tree,
    pub meta: sled::Tree,
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
