//! The local cache, in sled: the op log, the outbox of ops no server has acknowledged,
//! the materialised view (items) and a little metadata (schema version, next log index,
//! the TUI's unsaved draft).
//!
//! Every write is durable before it returns: [`Store::append`] commits the log, outbox,
//! op-id index, item-op index and view in one sled transaction, then calls sled's
//! blocking `flush`.
//! These are blocking calls: from async code run them in `tokio::task::spawn_blocking`.
//!
//! Several styr processes can share one base folder: each takes the first free numbered
//! slot (see [`MAX_SLOTS`]).

mod codec;
mod error;
mod item_codec;
mod log;
mod schema;
mod slot;
mod status;
mod sync;
mod trees;
mod view;

pub use error::{OpenError, StoreError};
pub use schema::SCHEMA_VERSION;
pub use slot::MAX_SLOTS;
pub use status::{
    read_file as read_status_file, slot_reports, SlotReport, SyncStatus, STATUS_FILE,
};

use crate::model::{HistoryEntry, ItemId, Op, Portfolio};
use codec::{META_DRAFT, OPS_LABEL, OUTBOX_LABEL};
use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use trees::Trees;

/// An open local cache in one slot. Dropping it closes sled, then releases the slot.
pub struct Store {
    // Field order is drop order: sled closes before the slot lock is released.
    trees: Trees,
    /// Serialises writers, so that `rebuild_view` cannot interleave with `append`.
    writer: Mutex<()>,
    /// The cache of a server's portfolio: pending ops keep their item's confirmed state.
    synced: bool,
    slot: usize,
    dir: PathBuf,
    _lock: File,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("slot", &self.slot)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens the first free numbered slot under `base` (`base/slot-0`, `base/slot-1`, …
    /// up to [`MAX_SLOTS`]), creating folders as needed, and migrates its cache to
    /// [`SCHEMA_VERSION`].
    pub fn open(base: &Path) -> Result<Store, OpenError> {
        Store::from_claimed(slot::claim(base, MAX_SLOTS)?)
    }

    /// Opens the sled database of a slot already held, and migrates it.
    fn from_claimed(claimed: slot::Claimed) -> Result<Store, OpenError> {
        let trees = Trees::open(claimed.db).map_err(StoreError::from)?;
        schema::migrate(&trees, schema::MIGRATIONS)?;
        let synced = trees
            .meta
            .get(codec::META_SYNCED)
            .map_err(StoreError::from)?
            .is_some();
        Ok(Store {
            trees,
            writer: Mutex::new(()),
            synced,
            slot: claimed.slot,
            dir: claimed.dir,
            _lock: claimed.lock,
        })
    }

    /// Which slot this store holds (0 for the first styr on a base folder).
    pub fn slot(&self) -> usize {
        self.slot
    }

    /// The slot's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Reads the materialised view (the items tree) into a portfolio. Never replays
    /// the op log, and reads no history. The portfolio has seen no op ids: ops already
    /// logged are kept out by [`Store::append`], not by the portfolio.
    pub fn load(&self) -> Result<Portfolio, StoreError> {
        let mut portfolio = view::load(&self.trees)?;
        if self.synced {
            // The kept meetings are the confirmed ones; the pending changes go on top.
            let mut meetings = portfolio.meetings().clone();
            for op in self.outbox()?.iter().filter(|o| o.payload.is_meeting()) {
                meetings.apply(op);
            }
            portfolio.set_meetings(meetings);
        }
        Ok(portfolio)
    }

    /// Appends ops durably. In one transaction over all trees, each op not stored yet
    /// (by op id, through the `op_ids` index) goes into the op log and the outbox under
    /// the next local index, into its item's entries in `item_ops`, and is applied to its
    /// item in the view. Ops already stored, in this process or any earlier one, are
    /// skipped, so a retried or replayed append is harmless. Returns only after sled's
    /// blocking flush.
    pub fn append(&self, ops: &[Op]) -> Result<(), StoreError> {
        if ops.is_empty() {
            return Ok(());
        }
        {
            let _writer = self.writer();
            log::append(&self.trees, ops, self.synced)?;
        }
        self.trees.flush()?;
        self.write_status();
        Ok(())
    }

    /// The op log, in the order it was appended.
    pub fn ops(&self) -> Result<Vec<Op>, StoreError> {
        log::read(&self.trees.ops, OPS_LABEL)
    }

    /// Ops not yet acknowledged by a server, in log order. Until sync exists, every op.
    pub fn outbox(&self) -> Result<Vec<Op>, StoreError> {
        log::read(&self.trees.outbox, OUTBOX_LABEL)
    }

    /// The history of one item, derived from its ops (found through the `item_ops`
    /// index) when asked for: the view's items do not carry it. Empty for an item the
    /// log does not know.
    pub fn history(&self, item: &ItemId) -> Result<Vec<HistoryEntry>, StoreError> {
        // Under the writer lock, so that an append is seen whole or not at all.
        let ops = {
            let _writer = self.writer();
            log::read_item(&self.trees, item)?
        };
        Ok(crate::model::history_of(item, &ops))
    }

    /// Every item's history, from the whole op log (for the JSON export).
    pub fn histories(&self) -> Result<BTreeMap<ItemId, Vec<HistoryEntry>>, StoreError> {
        Ok(crate::model::histories(&self.ops()?))
    }

    /// Throws the view and the item-op index away and derives them from the op log
    /// again, then flushes. For a view that has drifted or grown; the log is read in
    /// full before the view is touched, so a damaged log leaves the old view in place.
    pub fn rebuild_view(&self) -> Result<(), StoreError> {
        {
            let _writer = self.writer();
            view::rebuild(&self.trees)?;
            if self.synced {
                // The view of a synced cache is its confirmed ops in seq order with the
                // outbox on top, not the local log order.
                self.rebuild_synced()?;
            }
        }
        self.trees.flush()?;
        self.write_status();
        Ok(())
    }

    /// Keeps the TUI's unsaved draft (JSON text), durably; `None` clears it.
    pub fn save_draft(&self, draft: Option<&str>) -> Result<(), StoreError> {
        match draft {
            Some(text) => self.trees.meta.insert(META_DRAFT, text.as_bytes())?,
            None => self.trees.meta.remove(META_DRAFT)?,
        };
        self.trees.flush()
    }

    /// The saved draft, if any. It stays saved until `save_draft(None)`.
    pub fn take_draft(&self) -> Result<Option<String>, StoreError> {
        self.trees
            .meta
            .get(META_DRAFT)?
            .map(|bytes| {
                String::from_utf8(bytes.to_vec()).map_err(|e| StoreError::CorruptEntry {
                    tree: codec::META,
                    key: "draft".into(),
                    reason: e.to_string(),
                })
            })
            .transpose()
    }

    /// The layout version of this cache (after migration, [`SCHEMA_VERSION`]).
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(schema::read_version(&self.trees)?.unwrap_or(0))
    }

    fn writer(&self) -> MutexGuard<'_, ()> {
        // The guarded value is `()`: a panic elsewhere cannot leave it inconsistent.
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
