//! The server's store behind a trait, so that the SQLite file (the embedded default,
//! [`super::sqlite::SqliteStore`]) and a later PostgreSQL store are interchangeable.
//! Nothing here names SQLite.
//!
//! The contract every implementation keeps:
//! - [`ServerStore::push`] stores a batch in one durable transaction and returns only
//!   after it is committed. Each new op gets the next gapless global seq (1, 2, 3, …);
//!   an op whose `op_id` is already stored returns the stored [`SeqOp`] and is not
//!   stored again. The ops arrive already checked and stamped (author = token's user).
//! - Each stored op carries `hash = sha256(previous hash ‖ seq as 8 big-endian bytes ‖
//!   the op's stored JSON)`, the first one chained to 32 zero bytes, so that
//!   [`ServerStore::verify_chain`] (and later `styr verify`) can show nothing was altered.
//! - Users are found by the SHA-256 hash of their token; the raw token is never stored.
//! - Meeting ops are checked against the meetings as the stored log leaves them and
//!   stamped by [`crate::model::meeting::Meetings::stamp`] inside the transaction that
//!   stores them (case numbers, eligible voters, a closed round's tally, the decision
//!   chain), so that two pushes at once can never get the same case number. Ballots of
//!   an open round are kept apart from the log and never leave the store except as a
//!   count, until the round's close op carries them out.

use crate::model::meeting::RoundId;
use crate::model::vote::Choice;
use crate::model::{Op, Role};
use crate::protocol::{RoundCount, SeqOp};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::pin::Pin;

/// A boxed future, so that the trait can be used as `Arc<dyn ServerStore>`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The database could not be read or written (disk, lock, I/O).
    #[error("database error: {0}")]
    Db(String),
    /// The database holds something this styr cannot read.
    #[error("the database is damaged: {0}")]
    Corrupt(String),
    /// The database was made by a newer styr.
    #[error("the database has schema version {found}; this styr understands up to {supported}; update styr")]
    NewerSchema { found: i64, supported: i64 },
    /// The hash chain does not hold at this seq.
    #[error("the op log's hash chain is broken at seq {seq}: {reason}")]
    Chain { seq: u64, reason: String },
    #[error("a user named {0:?} already exists")]
    UserExists(String),
    #[error("no user named {0:?}")]
    NoSuchUser(String),
    /// The store is shutting down (its writer has stopped).
    #[error("the store is closed")]
    Closed,
    /// A meeting rule refused the op at `op_index` of a push (or a ballot, with no
    /// index): nothing of that push was stored.
    #[error("{reason}")]
    Refused {
        op_index: Option<usize>,
        reason: String,
        /// The rule, as the protocol names it, for the client to say in its language.
        rule: Option<crate::protocol::Reason>,
    },
    /// The round (or other thing asked for) does not exist.
    #[error("{0}")]
    NotFound(String),
}

/// A user as the store keeps it (without the token hash).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    pub name: String,
    pub role: Role,
    pub org: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

impl User {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// A new user: the token hash is computed by the caller ([`super::auth::hash_token`]).
#[derive(Clone, Debug)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    pub org: String,
    pub token_hash: [u8; 32],
    pub created_at: i64,
}

/// A ballot to keep: checked by the store against the round (open, voter eligible,
/// choice fits the method) under the same lock as the ops that open and close rounds.
#[derive(Clone, Debug)]
pub struct BallotCast {
    pub round: RoundId,
    /// The eligible voter the ballot is for.
    pub voter: String,
    pub choice: Choice,
    /// Entered by a secretary for someone voting by hand.
    pub hand_counted: bool,
}

/// One page of the log and the head when it was read.
#[derive(Clone, Debug, Default)]
pub struct Page {
    pub ops: Vec<SeqOp>,
    pub head: u64,
}

pub trait ServerStore: Send + Sync + 'static {
    /// Stores `ops` (checked and stamped) in one durable transaction; one [`SeqOp`] per
    /// op in the same order. Returns only after commit.
    fn push(&self, ops: Vec<Op>) -> StoreFuture<'_, Vec<SeqOp>>;

    /// Ops with seq > `since`, in seq order, at most `limit` of them, with the head.
    fn pull(&self, since: u64, limit: usize) -> StoreFuture<'_, Page>;

    /// The highest seq stored (0 when empty).
    fn head(&self) -> StoreFuture<'_, u64>;

    /// The user whose token hashes to `token_hash`, revoked or not. Implementations
    /// look up by hash and then compare the hash in constant time.
    fn user_by_token_hash(&self, token_hash: [u8; 32]) -> StoreFuture<'_, Option<User>>;

    fn add_user(&self, user: NewUser) -> StoreFuture<'_, User>;

    fn list_users(&self) -> StoreFuture<'_, Vec<User>>;

    /// Marks the user revoked at `at`; their token stops working at once.
    fn revoke_user(&self, name: String, at: i64) -> StoreFuture<'_, User>;

    /// Walks the whole log: seqs 1..=head without a gap and every hash as it should
    /// be. Returns the number of ops checked.
    fn verify_chain(&self) -> StoreFuture<'_, u64>;

    /// Keeps a ballot durably (replacing the voter's earlier one in the round) and
    /// returns the round's count. Refused when the round is not open, the voter is not
    /// eligible or the choice does not fit.
    fn cast_ballot(&self, cast: BallotCast) -> StoreFuture<'_, RoundCount>;

    /// How many ballots an open round has (and who cast them, if it is named).
    fn round_count(&self, round: RoundId) -> StoreFuture<'_, RoundCount>;

    /// What other processes writing to the same database (several `styr serve` on one
    /// PostgreSQL) change, as wake-ups: a new head, a round whose count changed. Only
    /// wake-ups: the store stays the source of truth, so a receiver reads the ops and
    /// counts from the store, and one that lagged reads from its last seq. `None` for a
    /// store that only this process writes (the default).
    fn changes(&self) -> Option<tokio::sync::broadcast::Receiver<Change>> {
        None
    }
}

/// A wake-up from [`ServerStore::changes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Ops up to this seq are committed (by any process, this one included).
    Head(u64),
    /// Another process stored a ballot in this round.
    Count(RoundId),
}

/// The hash before the first op.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// `sha256(prev ‖ seq as 8 big-endian bytes ‖ op_json)`.
pub fn chain_hash(prev: &[u8; 32], seq: u64, op_json: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(op_json);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_hash_depends_on_every_part() {
        let a = chain_hash(&GENESIS_HASH, 1, b"{}");
        assert_ne!(a, chain_hash(&GENESIS_HASH, 2, b"{}"));
        assert_ne!(a, chain_hash(&GENESIS_HASH, 1, b"{ }"));
        assert_ne!(a, chain_hash(&a, 1, b"{}"));
        assert_eq!(a, chain_hash(&GENESIS_HASH, 1, b"{}"));
    }
}
