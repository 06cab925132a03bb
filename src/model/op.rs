use super::meeting::MeetingChange;
use super::scoring::ScoreError;
use super::vote::Scores;
use super::{FieldValue, ItemId, OpId, StageKey};
use serde::{Deserialize, Serialize};

/// The version of the op encoding this build writes and understands. A client that meets
/// a newer op refuses it with [`OpError::UnsupportedVersion`] instead of guessing.
pub const OP_VERSION: u16 = 1;

/// One change to the portfolio. Everything the screen shows is `fold(ops)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    /// Encoding version, checked before anything else is decoded.
    pub v: u16,
    pub op_id: OpId,
    /// Who made the change. The server will stamp this from the author's token.
    pub author: String,
    /// The author's clock, milliseconds since the Unix epoch. Shown in history; never
    /// used to order ops (the log order, later the server's seq, does that).
    pub at: i64,
    /// Counter of this client's ops, for the outbox.
    #[serde(default)]
    pub client_seq: u64,
    /// The last server seq the author had seen (0 when it has never synced), so that
    /// concurrent changes can be flagged.
    #[serde(default)]
    pub base_seq: u64,
    pub payload: Payload,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Payload {
    CreateItem {
        item: ItemId,
        stage: StageKey,
        fields: Vec<FieldValue>,
    },
    EditItem {
        item: ItemId,
        changes: Vec<FieldValue>,
    },
    MoveItem {
        item: ItemId,
        to: StageKey,
    },
    DeleteItem {
        item: ItemId,
    },
    RestoreItem {
        item: ItemId,
    },
    /// Moves several items in one change: a bulk triage action. One op, so it is undone,
    /// synced and refused as one. (A decision moves the items it affects itself: see
    /// `MeetingChange::moves`.)
    MoveItems {
        items: Vec<ItemId>,
        to: StageKey,
        /// Why (a rejection or parking is explained to the proposer).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The author's marks for an item on the criteria of `set` (a criteria set's key),
    /// replacing their earlier score; `None` withdraws the author's score.
    ScoreItem {
        item: ItemId,
        set: String,
        scores: Option<Scores>,
    },
    /// A change to a meeting, its cases, vote rounds or the decision log.
    Meeting {
        change: Box<MeetingChange>,
    },
}

impl Payload {
    /// The portfolio items this payload changes: for a meeting change, only a decision
    /// that moves the items it affects (the decision and the move are one op).
    pub fn items(&self) -> &[ItemId] {
        match self {
            Payload::CreateItem { item, .. }
            | Payload::EditItem { item, .. }
            | Payload::MoveItem { item, .. }
            | Payload::DeleteItem { item }
            | Payload::RestoreItem { item }
            | Payload::ScoreItem { item, .. } => std::slice::from_ref(item),
            Payload::MoveItems { items, .. } => items,
            Payload::Meeting { change } => change.moves().map_or(&[], |(items, _)| items),
        }
    }

    /// The one item a single-item payload is about.
    pub fn item(&self) -> Option<ItemId> {
        match self.items() {
            [one] if !matches!(self, Payload::MoveItems { .. } | Payload::Meeting { .. }) => {
                Some(*one)
            }
            _ => None,
        }
    }

    pub fn is_meeting(&self) -> bool {
        matches!(self, Payload::Meeting { .. })
    }

    /// Whether the payload's content holds, whoever sends it: a score must fit its
    /// criteria set (a withdrawal always does). The fold ignores a payload that fails
    /// this, the server refuses it, and the app does not send it.
    pub fn check(&self) -> Result<(), ScoreError> {
        match self {
            Payload::ScoreItem {
                set,
                scores: Some(scores),
                ..
            } => super::scoring::check(set, scores).map(|_| ()),
            _ => Ok(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpError {
    #[error("the change has no version tag")]
    MissingVersion,
    #[error("the change was written by a newer styr (op version {found}; this styr understands version {supported}); update styr")]
    UnsupportedVersion { found: u64, supported: u16 },
    #[error("the change could not be read: {0}")]
    Malformed(String),
}

impl Op {
    /// A new op by `author` at `at` (ms since epoch).
    pub fn new(author: &str, at: i64, payload: Payload) -> Self {
        Op {
            v: OP_VERSION,
            op_id: OpId::new(),
            author: author.to_string(),
            at,
            client_seq: 0,
            base_seq: 0,
            payload,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an op always serialises")
    }

    /// Decodes an op, refusing unknown versions with a clear error. Never panics.
    pub fn decode(bytes: &[u8]) -> Result<Op, OpError> {
        #[derive(Deserialize)]
        struct Probe {
            v: Option<serde_json::Value>,
        }
        let probe: Probe =
            serde_json::from_slice(bytes).map_err(|e| OpError::Malformed(e.to_string()))?;
        match probe.v {
            None => return Err(OpError::MissingVersion),
            Some(v) => match v.as_u64() {
                Some(n) if n == u64::from(OP_VERSION) => {}
                Some(n) => {
                    return Err(OpError::UnsupportedVersion {
                        found: n,
                        supported: OP_VERSION,
                    })
                }
                None => {
                    return Err(OpError::Malformed(format!(
                        "version tag {v} is not a number"
                    )))
                }
            },
        }
        serde_json::from_slice(bytes).map_err(|e| OpError::Malformed(e.to_string()))
    }
}
