//! The decision log [vedtaksprotokoll]: append-only entries, each chained to the one
//! before by SHA-256, so that `styr verify` can show no recorded decision was altered.
//! A correction is a new entry that names the one it corrects; nothing is edited.

use super::DecisionId;
use super::{CaseId, CaseNumber, Disqualified, RoundId};
use crate::model::{ItemId, StageKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One entry of the decision log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub id: DecisionId,
    pub case: CaseId,
    /// The case's number when the decision was made (set by the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<CaseNumber>,
    pub title: String,
    /// The proposal voted on [forslag til vedtak / innstilling].
    #[serde(default)]
    pub proposal: String,
    /// The decision text [vedtak].
    pub text: String,
    pub reached: Reached,
    /// Who dissented [dissens], by name, where they asked for it to be recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dissent: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disqualified: Vec<Disqualified>,
    /// The legal basis when the case was handled in a closed session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_session: Option<String>,
    /// Exempt from public access: the section cited (e.g. "offl. § 13").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exempt: Option<String>,
    /// Portfolio items the decision affects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ItemId>,
    /// The stage the items were moved to by the decision, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved_to: Option<StageKey>,
    /// The entry this one corrects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<DecisionId>,
    /// Who recorded it and when (ms since the Unix epoch); the server stamps the name.
    #[serde(default)]
    pub recorded_by: String,
    #[serde(default)]
    pub recorded_at: i64,
    /// The entry's place in the chain (set by the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainLink>,
}

/// How the decision was reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "how", rename_all = "snake_case")]
pub enum Reached {
    /// Enstemmig.
    Unanimous,
    /// Counted votes (by hand, or copied from a round).
    Votes {
        in_favour: u32,
        against: u32,
        abstain: u32,
    },
    /// The result of a vote round; the minutes show the round's result.
    Round { round: RoundId },
    /// Anything else, in the secretary's words.
    Other { text: String },
}

/// An entry's link in the chain: its position (1, 2, …), the hash of the entry before
/// it (64 hex digits; zeros before the first) and its own hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainLink {
    pub index: u64,
    pub prev: String,
    pub hash: String,
}

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl Decision {
    /// The canonical form the chain hashes: the entry as JSON without its link. serde
    /// writes struct fields in declaration order, so the form is stable.
    pub fn canonical(&self) -> Vec<u8> {
        let mut copy = self.clone();
        copy.chain = None;
        serde_json::to_vec(&copy).expect("a decision always serialises")
    }

    /// `sha256(prev ‖ canonical form)` as hex, where `prev` is the previous hash in hex.
    pub fn chain_hash(&self, prev: &str) -> String {
        let mut h = Sha256::new();
        h.update(prev.as_bytes());
        h.update(self.canonical());
        hex(&h.finalize())
    }

    /// Sets this entry's link after `prev` (the previous entry's hash) at `index`.
    pub fn link(&mut self, index: u64, prev: &str) {
        let hash = self.chain_hash(prev);
        self.chain = Some(ChainLink {
            index,
            prev: prev.to_string(),
            hash,
        });
    }
}

/// Where the chain breaks, with the first entry that does not hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("decision {position} ({id}) has no chain link")]
    Unlinked { position: u64, id: DecisionId },
    #[error("decision {position} ({id}) is out of place: it says it is number {index}")]
    Misplaced {
        position: u64,
        id: DecisionId,
        index: u64,
    },
    #[error("decision {position} ({id}) does not follow the one before it")]
    WrongPrev { position: u64, id: DecisionId },
    #[error("decision {position} ({id}) was altered after it was recorded")]
    Altered { position: u64, id: DecisionId },
}

impl ChainBreak {
    /// The entry the break is found at.
    pub fn id(&self) -> DecisionId {
        match self {
            ChainBreak::Unlinked { id, .. }
            | ChainBreak::Misplaced { id, .. }
            | ChainBreak::WrongPrev { id, .. }
            | ChainBreak::Altered { id, .. } => *id,
        }
    }
}

/// Checks a whole log in order: every entry linked, numbered 1, 2, …, pointing at the
/// hash of the one before, and hashing to what it says. Returns the number checked.
pub fn verify_chain<'a>(log: impl IntoIterator<Item = &'a Decision>) -> Result<u64, ChainBreak> {
    let mut prev = GENESIS.to_string();
    let mut position = 0u64;
    for d in log {
        position += 1;
        let Some(link) = &d.chain else {
            return Err(ChainBreak::Unlinked { position, id: d.id });
        };
        if link.index != position {
            return Err(ChainBreak::Misplaced {
                position,
                id: d.id,
                index: link.index,
            });
        }
        if link.prev != prev {
            return Err(ChainBreak::WrongPrev { position, id: d.id });
        }
        if d.chain_hash(&prev) != link.hash {
            return Err(ChainBreak::Altered { position, id: d.id });
        }
        prev = link.hash.clone();
    }
    Ok(position)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
