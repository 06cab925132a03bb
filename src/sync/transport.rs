//! How the sync loop reaches the server. The real transport is HTTP (`http.rs`); tests
//! wrap it to add delay, drop requests or cut streams, as zed's in-memory connection does.

use crate::model::meeting::RoundId;
use crate::model::{Op, Role};
use crate::protocol::{BallotRequest, Me, PullResponse, PushResponse, RoundCount, SeqOp};
use futures_util::stream::BoxStream;
use std::future::Future;

/// Why a request failed, sorted by what the sync loop does about it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The server could not be reached, or the link broke: go offline, retry later.
    #[error("the server cannot be reached: {0}")]
    Offline(String),
    /// The token is wrong or revoked: stop and tell the user to log in again.
    #[error("the server does not accept the token: {0}")]
    Unauthorized(String),
    /// The server refused one op of a push (a role rule): drop that op, keep going.
    #[error("the server refused a change: {message}")]
    Refused {
        op_index: usize,
        message: String,
        /// The rule, by its protocol code, when the server named it.
        reason: Option<crate::protocol::Reason>,
    },
    /// The server answered with something else it will keep answering (a newer op
    /// version, a body it cannot read): retry later, it may be upgraded.
    #[error("the server answered: {0}")]
    Server(String),
    /// The client could not be set up (a CA file that cannot be read): say so, stop.
    #[error("{0}")]
    Setup(String),
}

impl SyncError {
    /// Whether trying again later may help.
    pub fn is_transient(&self) -> bool {
        matches!(self, SyncError::Offline(_) | SyncError::Server(_))
    }
}

/// What the server's event stream carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerEvent {
    /// A stored op, in seq order.
    Op(SeqOp),
    /// An open round's new ballot count.
    Count(RoundCount),
}

/// A live stream of server events: stored ops in seq order, and ballot counts.
pub type Events = BoxStream<'static, Result<ServerEvent, SyncError>>;

/// The protocol of `crate::protocol`, one method per endpoint.
pub trait Transport: Send + Sync + 'static {
    fn me(&self) -> impl Future<Output = Result<Me, SyncError>> + Send;
    fn push(&self, ops: &[Op]) -> impl Future<Output = Result<PushResponse, SyncError>> + Send;
    fn pull(&self, since: u64) -> impl Future<Output = Result<PullResponse, SyncError>> + Send;
    /// Opens the event stream, replaying every op after `since` first.
    fn events(&self, since: u64) -> impl Future<Output = Result<Events, SyncError>> + Send;
    /// Casts (or replaces) a ballot in an open round.
    fn cast(
        &self,
        round: RoundId,
        ballot: &BallotRequest,
    ) -> impl Future<Output = Result<RoundCount, SyncError>> + Send;
    /// An open round's count.
    fn count(&self, round: RoundId) -> impl Future<Output = Result<RoundCount, SyncError>> + Send;
}

/// Who the sync loop talks as, once the server has said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub user: String,
    pub role: Role,
    pub org: String,
}

impl From<Me> for Identity {
    fn from(me: Me) -> Self {
        Identity {
            user: me.user,
            role: me.role,
            org: me.org,
        }
    }
}
