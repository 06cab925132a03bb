//! What a store's writer is asked to do, shared by the SQLite and the PostgreSQL store:
//! both put every write through one writer (group commit: it takes every job waiting,
//! commits them in one transaction and answers each only after the commit), and the
//! asking side waits for the answer on a oneshot.

use super::store::{BallotCast, StoreError};
use crate::model::meeting::{Meetings, Refusal as MeetingRefusal, RoundId};
use crate::model::vote;
use crate::model::Op;
use crate::protocol::{RoundCount, SeqOp};
use tokio::sync::oneshot;

pub(super) struct PushJob {
    pub ops: Vec<Op>,
    pub reply: oneshot::Sender<Result<Vec<SeqOp>, StoreError>>,
}

pub(super) struct BallotJob {
    pub cast: BallotCast,
    pub reply: oneshot::Sender<Result<RoundCount, StoreError>>,
}

/// What the writer is asked to do.
pub(super) enum Job {
    Push(PushJob),
    Ballot(BallotJob),
    /// A read that needs the writer's meetings (a round's count).
    Count(RoundId, oneshot::Sender<Result<RoundCount, StoreError>>),
}

impl Job {
    /// How many ops the job stores, to bound a group commit.
    pub fn ops(&self) -> usize {
        match self {
            Job::Push(p) => p.ops.len(),
            _ => 1,
        }
    }

    /// A push with no meeting op: nothing in it needs the meetings or a savepoint.
    pub fn is_plain_push(&self) -> bool {
        matches!(self, Job::Push(p) if !p.ops.iter().any(|o| o.payload.is_meeting()))
    }

    /// A push with a meeting op: it needs the meetings (and its own savepoint).
    pub fn touches_meetings(&self) -> bool {
        matches!(self, Job::Push(p) if p.ops.iter().any(|o| o.payload.is_meeting()))
    }
}

/// Hands `job` (made with the reply's sender) to the writer with `send`, and waits for
/// the answer. A writer that is gone answers `StoreError::Closed`.
async fn ask<T>(
    send: impl FnOnce(Job) -> Result<(), StoreError>,
    job: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Job,
) -> Result<T, StoreError> {
    let (reply, answer) = oneshot::channel();
    send(job(reply))?;
    answer.await.map_err(|_| StoreError::Closed)?
}

/// `ServerStore::push` through a writer.
pub(super) async fn push(
    send: impl FnOnce(Job) -> Result<(), StoreError>,
    ops: Vec<Op>,
) -> Result<Vec<SeqOp>, StoreError> {
    if ops.is_empty() {
        return Ok(Vec::new());
    }
    ask(send, |reply| Job::Push(PushJob { ops, reply })).await
}

/// `ServerStore::cast_ballot` through a writer.
pub(super) async fn cast_ballot(
    send: impl FnOnce(Job) -> Result<(), StoreError>,
    cast: BallotCast,
) -> Result<RoundCount, StoreError> {
    ask(send, |reply| Job::Ballot(BallotJob { cast, reply })).await
}

/// `ServerStore::round_count` through a writer.
pub(super) async fn round_count(
    send: impl FnOnce(Job) -> Result<(), StoreError>,
    round: RoundId,
) -> Result<RoundCount, StoreError> {
    ask(send, |reply| Job::Count(round, reply)).await
}

/// Checks a ballot against its round, for both stores: the round exists and is open,
/// the voter is on the list fixed when it opened (members present, and a substitute
/// only in place of a member recorded absent: see
/// [`crate::model::meeting::Meeting::eligible`]), and the choice fits the method.
/// Returns the voter as the list has them (with their organisation).
pub(super) fn check_cast(
    meetings: &Meetings,
    cast: &BallotCast,
) -> Result<crate::model::meeting::Voter, StoreError> {
    let refused = |refusal: MeetingRefusal| StoreError::Refused {
        op_index: None,
        reason: refusal.to_string(),
        rule: Some((&refusal).into()),
    };
    let r = meetings
        .round(&cast.round)
        .ok_or_else(|| StoreError::NotFound("there is no such vote round".into()))?;
    if !r.is_open() {
        return Err(refused(MeetingRefusal::RoundClosed));
    }
    let voter = r
        .voter(&cast.voter)
        .ok_or_else(|| refused(MeetingRefusal::NotEligible))?;
    vote::validate(&r.rules, &cast.choice).map_err(|e| StoreError::Refused {
        op_index: None,
        reason: format!("the ballot does not fit the round: {e}"),
        rule: None,
    })?;
    Ok(voter.clone())
}

/// Logs a job that failed, for both stores. Refusals are the client's business (they get
/// the reason), so they are logged at debug level only, and a refused ballot by its rule
/// alone: the reason can quote the ballot (a mark, an adjustment, dots used), and no log
/// line may say anything of how someone voted. Real failures are logged as errors.
pub(super) fn log_failure(e: &StoreError, what: &str) {
    match e {
        StoreError::Refused {
            op_index: None,
            rule,
            ..
        } => {
            let rule = rule.as_ref().map(|r| format!("{r:?}")).unwrap_or_default();
            tracing::debug!(rule, "{what}: refused");
        }
        StoreError::Refused { .. } | StoreError::NotFound(_) => {
            tracing::debug!(error = %e, "{what}")
        }
        _ => tracing::error!(error = %e, "{what}"),
    }
}
