//! Conflict rules for ops confirmed by the server, applied in seq order.
//!
//! Every client folds confirmed ops in the server's seq order, so all clients end with
//! the same values; these rules decide what else they show:
//! - **Scalar fields and card moves:** the higher seq wins. When the winning op's author
//!   had not seen the change it replaces (its `base_seq` is below the seq of the last
//!   change to that field, made by someone else), the field is flagged "changed
//!   concurrently by X".
//! - **Free text** (description and the benefit texts): the higher seq is shown, and the
//!   replaced text is kept beside it until someone who has seen both picks one. Nothing
//!   anyone typed is silently lost.
//! - A later op by someone who had seen the conflict (its `base_seq` is at or past the
//!   conflict) clears the flag for that field.
//! - Deletes are ordinary ops; a delete can be undone by a restore.

use super::FieldName;
use serde::{Deserialize, Serialize};

/// What a field (or the stage) was last set by: the confirmed op's seq and author.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub seq: u64,
    pub author: String,
}

/// Which part of an item a version or a conflict is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Slot {
    Stage,
    Field(FieldName),
}

/// A change that replaced another one its author had not seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    pub slot: Slot,
    /// The author of the change that was replaced.
    pub by: String,
    /// The author and seq of the change that is shown.
    pub winner: String,
    pub seq: u64,
    /// For free text: the replaced text, so that the user can choose it instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<String>,
}

impl FieldName {
    /// Free text is never silently overwritten: a concurrent edit keeps both versions.
    pub fn is_free_text(self) -> bool {
        matches!(
            self,
            FieldName::Description
                | FieldName::BenefitSummary
                | FieldName::SavedCosts
                | FieldName::SavedTime
                | FieldName::IncreasedQuality
        )
    }
}

/// The last-set versions and open conflicts of one item. Empty until the item is synced,
/// so a portfolio that never meets a server pays nothing for it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<(Slot, Version)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<Conflict>,
}

impl SyncState {
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty() && self.conflicts.is_empty()
    }

    pub fn version(&self, slot: Slot) -> Option<&Version> {
        self.versions
            .iter()
            .find(|(s, _)| *s == slot)
            .map(|(_, v)| v)
    }

    /// Records that the confirmed op `seq` by `author`, written when its author had seen
    /// up to `base_seq`, sets `slot`. `current_text` is the slot's text before the op,
    /// for free text. Returns whether a conflict was flagged.
    pub fn record(
        &mut self,
        slot: Slot,
        seq: u64,
        base_seq: u64,
        author: &str,
        current_text: impl FnOnce() -> Option<String>,
    ) -> bool {
        // Someone who had seen an open conflict on this slot has settled it.
        self.conflicts
            .retain(|c| !(c.slot == slot && base_seq >= c.seq));
        let replaced = self
            .version(slot)
            .filter(|prev| prev.seq > base_seq && prev.seq < seq && prev.author != author)
            .cloned();
        let flagged = replaced.is_some();
        if let Some(prev) = replaced {
            let kept = match slot {
                Slot::Field(f) if f.is_free_text() => current_text(),
                _ => None,
            };
            self.conflicts.push(Conflict {
                slot,
                by: prev.author,
                winner: author.to_string(),
                seq,
                kept,
            });
        }
        let version = Version {
            seq,
            author: author.to_string(),
        };
        match self.versions.iter_mut().find(|(s, _)| *s == slot) {
            Some((_, v)) => *v = version,
            None => self.versions.push((slot, version)),
        }
        flagged
    }

    /// The open conflict on `slot`, if any (the latest one).
    pub fn conflict(&self, slot: Slot) -> Option<&Conflict> {
        self.conflicts.iter().rev().find(|c| c.slot == slot)
    }
}
