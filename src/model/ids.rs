use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// Identity of a portfolio item. UUIDv7, so ids sort by creation time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ItemId(pub Uuid);

/// Identity of one operation. UUIDv7; the server de-duplicates retried pushes on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OpId(pub Uuid);

impl ItemId {
    /// A fresh id. Ids are minted by the caller (the app), never inside `fold`.
    pub fn new() -> Self {
        ItemId(Uuid::now_v7())
    }
    /// The last eight hex digits: enough for a person to tell items apart (the first
    /// ones are the creation time, the same for items made within a minute).
    pub fn short(&self) -> String {
        self.0.simple().to_string()[24..].to_string()
    }
}

impl OpId {
    pub fn new() -> Self {
        OpId(Uuid::now_v7())
    }
}

impl Default for ItemId {
    fn default() -> Self {
        Self::new()
    }
}

impl Default for OpId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for OpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
