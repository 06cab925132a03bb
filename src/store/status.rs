//! What `styr status` reports about a server's cache while styr may have it open.
//!
//! A running styr holds its slot's lock, so no other process can open that slot's sled
//! database. So a synced store keeps a small `status.json` in its slot folder (pending
//! ops, last confirmed seq, when), rewritten after every append, confirmation and
//! refusal: written to a temporary file, then renamed over the old one, so a reader sees
//! the old file or the new one, never half of one. A slot nobody holds is read from
//! sled itself, which is the truth even for a cache older than this file.

use super::{slot, Store, StoreError, MAX_SLOTS};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The file's name in each slot folder.
pub const STATUS_FILE: &str = "status.json";

/// A synced cache's state as `styr status` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// Ops in the outbox: saved here, not yet confirmed by the server.
    pub pending: u64,
    /// The highest seq confirmed into this cache.
    pub last_seq: u64,
    /// When this was written (milliseconds since the epoch).
    pub updated_ms: i64,
}

/// One slot of a cache, for `styr status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotReport {
    pub slot: usize,
    /// A running styr holds the slot; the numbers come from its `status.json`.
    pub busy: bool,
    /// The numbers, or why they could not be read.
    pub status: Result<SyncStatus, String>,
}

impl Store {
    /// This cache's pending count and last seq, read now.
    pub fn sync_status(&self) -> Result<SyncStatus, StoreError> {
        Ok(SyncStatus {
            pending: self.trees.outbox.len() as u64,
            last_seq: self.last_seq()?,
            updated_ms: now_ms(),
        })
    }

    /// Rewrites `status.json` of a synced cache, under the writer lock so that two
    /// writers (the app's and the sync loop's) cannot leave an older state last. The file
    /// is only a report: when it cannot be written it is removed, so that it never
    /// tells something old as if it were new; the change itself is saved either way.
    pub(super) fn write_status(&self) {
        if !self.synced {
            return;
        }
        let _writer = self.writer();
        let path = self.dir.join(STATUS_FILE);
        let written = self
            .sync_status()
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::to_vec(&s).map_err(|e| e.to_string()))
            .and_then(|bytes| {
                let tmp = self.dir.join(format!(".{STATUS_FILE}.tmp"));
                std::fs::write(&tmp, bytes)
                    .and_then(|()| std::fs::rename(&tmp, &path))
                    .map_err(|e| e.to_string())
            });
        if written.is_err() {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Every slot of the cache in `base` that holds a cache, in slot order. Empty when
/// there is no cache.
pub fn slot_reports(base: &Path) -> Vec<SlotReport> {
    let mut reports = Vec::new();
    for n in 0..MAX_SLOTS {
        let dir = base.join(format!("slot-{n}"));
        if !dir.join("db").exists() && !dir.join(STATUS_FILE).exists() {
            continue;
        }
        reports.push(match slot::claim_dir(n, &dir) {
            Ok(Some(claimed)) => SlotReport {
                slot: n,
                busy: false,
                status: Store::from_claimed(claimed)
                    .map_err(|e| e.to_string())
                    .and_then(|s| {
                        let status = s.sync_status().map_err(|e| e.to_string());
                        s.write_status();
                        status
                    }),
            },
            Ok(None) => SlotReport {
                slot: n,
                busy: true,
                status: read_file(&dir),
            },
            Err(e) => SlotReport {
                slot: n,
                busy: false,
                status: Err(e.to_string()),
            },
        });
    }
    reports
}

/// The `status.json` of a slot, as the styr holding it last wrote it.
pub fn read_file(dir: &Path) -> Result<SyncStatus, String> {
    let path = dir.join(STATUS_FILE);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
