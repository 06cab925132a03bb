//! The sync loop: one task per open board. It pushes the outbox, pulls what it has not
//! seen, then follows the server's event stream; when the link breaks it waits (jittered
//! backoff) and starts over. Every op it confirms is written to the local log first and
//! only then reported to the app, so the screen never shows a confirmation the disk
//! does not have.

use super::transport::{Identity, ServerEvent, SyncError, Transport};
use super::Backoff;
use crate::model::meeting::RoundId;
use crate::model::{Op, OpId};
use crate::protocol::{BallotRequest, RoundCount, SeqOp, PUSH_MAX_OPS};
use futures_util::StreamExt;
use std::sync::Arc;
use tokio::sync::mpsc;

/// What the sync loop needs from the local cache. Blocking calls: the loop runs them
/// in `spawn_blocking`.
pub trait LocalLog: Send + Sync + 'static {
    type Error: std::fmt::Display + Send;
    /// The ops not yet confirmed, oldest first.
    fn pending(&self) -> Result<Vec<Op>, Self::Error>;
    /// The highest confirmed seq.
    fn last_seq(&self) -> Result<u64, Self::Error>;
    /// Durably folds confirmed ops (consecutive seqs after `last_seq`) and drops them
    /// from the outbox.
    fn confirm(&self, ops: &[SeqOp]) -> Result<(), Self::Error>;
    /// Durably drops a pending op the server refused.
    fn reject(&self, op_id: &OpId) -> Result<(), Self::Error>;
    /// The server's log ends at `head`, before `last_seq` (it was restored from a
    /// backup): `me`'s confirmed ops after it go back to the outbox, the others are
    /// dropped. Returns (ops to send again, ops dropped).
    fn rewind(&self, head: u64, me: &str) -> Result<(usize, usize), Self::Error>;
    /// The id of the confirmed op at `seq`, if the cache has one.
    fn op_id_at(&self, seq: u64) -> Result<Option<OpId>, Self::Error>;
}

/// The link as the status line shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    Connecting,
    /// Pushing or pulling.
    Syncing,
    Online,
    /// Not reachable; `retry_in_ms` until the next attempt.
    Offline {
        reason: String,
        retry_in_ms: u64,
    },
    /// The token was refused: nothing more will happen until the user logs in again.
    LoggedOut {
        reason: String,
    },
}

/// What the sync loop tells the app.
#[derive(Clone, Debug, PartialEq)]
pub enum SyncEvent {
    Link(Link),
    /// Who the server says we are.
    Identity(Identity),
    /// Ops confirmed by the server, already durable locally, in seq order.
    Confirmed(Vec<SeqOp>),
    /// A pending op the server refused, already dropped locally.
    Refused {
        op_id: OpId,
        /// The server's reason in English, for logs and when `reason` is not known.
        message: String,
        /// The rule by its protocol code, for the app to say in its language.
        reason: Option<crate::protocol::Reason>,
    },
    /// The local cache failed; sync stopped.
    LocalFailed(String),
    /// An open round's ballot count (after our ballot, or anyone's).
    Count(RoundCount),
    /// Our ballot was kept by the server.
    BallotCast {
        round: RoundId,
    },
    /// The server went back to `head` (restored from a backup): `requeued` of our own
    /// changes after it are being sent again, `dropped` of others' wait for their
    /// authors to send them again. The cache was rewritten: reload it.
    Rewound {
        head: u64,
        requeued: usize,
        dropped: usize,
    },
    /// Our ballot was not kept: refused (the round closed, …) or the server is away.
    /// The ballot stays on screen to send again.
    BallotFailed {
        round: RoundId,
        message: String,
    },
}

/// What the app tells the sync loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncCmd {
    /// New ops are in the outbox: push them.
    Push,
    /// Send a ballot. Ballots are not kept in the outbox: a vote belongs to the moment,
    /// so one that cannot be sent is reported back, not retried later behind the
    /// voter's back.
    Cast {
        round: RoundId,
        ballot: BallotRequest,
    },
    /// Ask for an open round's count (a round seen while the stream was away).
    Count(RoundId),
    Stop,
}

/// Runs until `Stop` (or the command channel closes) or the token is refused.
pub async fn run<T: Transport, L: LocalLog>(
    transport: Arc<T>,
    local: Arc<L>,
    mut commands: mpsc::UnboundedReceiver<SyncCmd>,
    events: mpsc::UnboundedSender<SyncEvent>,
    mut backoff: Backoff,
) {
    let say = |e: SyncEvent| {
        let _ = events.send(e);
    };
    loop {
        say(SyncEvent::Link(Link::Connecting));
        let ended = session(&*transport, &local, &mut commands, &say, &mut backoff).await;
        let error = match ended {
            Ended::Stopped => return,
            Ended::Local(e) => {
                say(SyncEvent::LocalFailed(e));
                return;
            }
            Ended::Link(SyncError::Unauthorized(reason)) => {
                say(SyncEvent::Link(Link::LoggedOut { reason }));
                // Wait for stop; nothing else can help.
                while let Some(cmd) = commands.recv().await {
                    if cmd == SyncCmd::Stop {
                        return;
                    }
                }
                return;
            }
            Ended::Link(e) => e,
        };
        let delay = backoff.next_delay();
        say(SyncEvent::Link(Link::Offline {
            reason: error.to_string(),
            retry_in_ms: delay.as_millis() as u64,
        }));
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            cmd = commands.recv() => match cmd {
                // New work while offline: try now rather than at the end of a long wait
                // (the user's own pace, so this cannot hammer the server). The outbox
                // already has it on disk either way.
                Some(SyncCmd::Push) => {}
                Some(SyncCmd::Cast { round, .. }) => say(SyncEvent::BallotFailed {
                    round,
                    message: error.to_string(),
                }),
                Some(SyncCmd::Count(_)) => {}
                Some(SyncCmd::Stop) | None => return,
            },
        }
    }
}

/// One round without the event stream, for batch commands (`styr import`): push the
/// outbox, then pull until caught up. Returns how many pending ops the server refused
/// (already dropped locally) and the first reason given: the server's English text and
/// the rule by its protocol code.
pub async fn sync_once<T: Transport, L: LocalLog>(
    transport: &T,
    local: &Arc<L>,
) -> Result<(usize, Option<FirstRefusal>), String> {
    let refused = std::sync::Mutex::new((0usize, None::<FirstRefusal>));
    let say = |e: SyncEvent| {
        if let SyncEvent::Refused {
            message, reason, ..
        } = e
        {
            if let Ok(mut r) = refused.lock() {
                r.0 += 1;
                r.1.get_or_insert((message, reason));
            }
        }
    };
    let result = async {
        push_all(transport, local, &say).await?;
        pull_all(transport, local, &say).await
    }
    .await;
    match result {
        Ok(_) => Ok(refused.into_inner().unwrap_or_default()),
        Err(Ended::Link(e)) => Err(e.to_string()),
        Err(Ended::Local(e)) => Err(e),
        Err(Ended::Stopped) => Ok(refused.into_inner().unwrap_or_default()),
    }
}

/// The first refusal of a [`sync_once`]: the server's text and its rule, when named.
pub type FirstRefusal = (String, Option<crate::protocol::Reason>);

enum Ended {
    Stopped,
    Link(SyncError),
    Local(String),
}

impl From<SyncError> for Ended {
    fn from(e: SyncError) -> Self {
        Ended::Link(e)
    }
}

async fn blocking<L: LocalLog, R: Send + 'static>(
    local: &Arc<L>,
    f: impl FnOnce(&L) -> Result<R, L::Error> + Send + 'static,
) -> Result<R, Ended> {
    let local = Arc::clone(local);
    match tokio::task::spawn_blocking(move || f(&local).map_err(|e| e.to_string())).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(Ended::Local(e)),
        Err(e) => Err(Ended::Local(e.to_string())),
    }
}

async fn session<T: Transport, L: LocalLog>(
    transport: &T,
    local: &Arc<L>,
    commands: &mut mpsc::UnboundedReceiver<SyncCmd>,
    say: &impl Fn(SyncEvent),
    backoff: &mut Backoff,
) -> Ended {
    match session_inner(transport, local, commands, say, backoff).await {
        Ok(()) => Ended::Stopped,
        Err(e) => e,
    }
}

async fn session_inner<T: Transport, L: LocalLog>(
    transport: &T,
    local: &Arc<L>,
    commands: &mut mpsc::UnboundedReceiver<SyncCmd>,
    say: &impl Fn(SyncEvent),
    backoff: &mut Backoff,
) -> Result<(), Ended> {
    let me = transport.me().await?;
    say(SyncEvent::Identity(me.into()));
    say(SyncEvent::Link(Link::Syncing));
    push_all(transport, local, say).await?;
    let mut last = pull_all(transport, local, say).await?;
    let mut stream = transport.events(last).await?;
    backoff.reset();
    say(SyncEvent::Link(Link::Online));
    loop {
        tokio::select! {
            cmd = commands.recv() => match cmd {
                Some(SyncCmd::Push) => {
                    say(SyncEvent::Link(Link::Syncing));
                    push_all(transport, local, say).await?;
                    // Pull rather than wait for the stream: the pushed ops come back
                    // in seq order with whatever others pushed before them.
                    last = pull_all(transport, local, say).await?;
                    say(SyncEvent::Link(Link::Online));
                }
                Some(SyncCmd::Cast { round, ballot }) => match transport.cast(round, &ballot).await {
                    Ok(count) => {
                        say(SyncEvent::Count(count));
                        say(SyncEvent::BallotCast { round });
                    }
                    Err(e) => {
                        say(SyncEvent::BallotFailed { round, message: e.to_string() });
                        if matches!(e, SyncError::Offline(_) | SyncError::Unauthorized(_)) {
                            return Err(e.into());
                        }
                    }
                },
                Some(SyncCmd::Count(round)) => {
                    if let Ok(count) = transport.count(round).await {
                        say(SyncEvent::Count(count));
                    }
                }
                Some(SyncCmd::Stop) | None => return Ok(()),
            },
            next = stream.next() => match next {
                Some(Ok(ServerEvent::Count(count))) => say(SyncEvent::Count(count)),
                Some(Ok(ServerEvent::Op(seq_op))) if seq_op.seq == last + 1 => {
                    confirm(local, say, vec![seq_op]).await?;
                    last += 1;
                }
                // Already folded (replayed, or fetched by a pull).
                Some(Ok(ServerEvent::Op(seq_op))) if seq_op.seq <= last => {}
                // A gap: fetch what is missing from the store.
                Some(Ok(ServerEvent::Op(_))) => last = pull_all(transport, local, say).await?,
                Some(Err(e)) => return Err(e.into()),
                None => return Err(SyncError::Offline("the event stream ended".into()).into()),
            },
        }
    }
}

async fn confirm<L: LocalLog>(
    local: &Arc<L>,
    say: &impl Fn(SyncEvent),
    ops: Vec<SeqOp>,
) -> Result<(), Ended> {
    let batch = ops.clone();
    blocking(local, move |l| l.confirm(&batch)).await?;
    say(SyncEvent::Confirmed(ops));
    Ok(())
}

/// Pushes the outbox in batches. A refused op is dropped locally and the outbox read
/// again; everything else that fails ends the session.
async fn push_all<T: Transport, L: LocalLog>(
    transport: &T,
    local: &Arc<L>,
    say: &impl Fn(SyncEvent),
) -> Result<(), Ended> {
    'outbox: loop {
        let pending = blocking(local, |l| l.pending()).await?;
        for batch in pending.chunks(PUSH_MAX_OPS) {
            match transport.push(batch).await {
                // Confirmation comes from the pull that follows, in seq order.
                Ok(_) => {}
                Err(SyncError::Refused {
                    op_index,
                    message,
                    reason,
                }) => {
                    let Some(op) = batch.get(op_index) else {
                        return Err(SyncError::Server(message).into());
                    };
                    let op_id = op.op_id;
                    blocking(local, move |l| l.reject(&op_id)).await?;
                    say(SyncEvent::Refused {
                        op_id,
                        message,
                        reason,
                    });
                    continue 'outbox;
                }
                Err(e) => return Err(e.into()),
            }
        }
        return Ok(());
    }
}

/// The highest seq up to which the server's log and the cache's hold the same ops,
/// when they differ at `last`: a binary search over single-op pulls (they agree on a
/// prefix, the backup the server was restored from, and differ after it).
async fn agreement<T: Transport, L: LocalLog>(
    transport: &T,
    local: &Arc<L>,
    last: u64,
) -> Result<u64, Ended> {
    let (mut agree, mut differ) = (0u64, last);
    while differ - agree > 1 {
        let mid = agree + (differ - agree) / 2;
        let page = transport.pull(mid - 1).await?;
        let theirs = page
            .ops
            .first()
            .filter(|o| o.seq == mid)
            .map(|o| o.op.op_id);
        let ours = blocking(local, move |l| l.op_id_at(mid)).await?;
        if theirs.is_some() && theirs == ours {
            agree = mid;
        } else {
            differ = mid;
        }
    }
    Ok(agree)
}

/// Pulls every confirmed op after the local last seq, page by page, folding each page
/// durably. Returns the new last seq.
async fn pull_all<T: Transport, L: LocalLog>(
    transport: &T,
    local: &Arc<L>,
    say: &impl Fn(SyncEvent),
) -> Result<u64, Ended> {
    let mut last = blocking(local, |l| l.last_seq()).await?;
    // The first page starts one op early: the op at our last seq must be the one the
    // server has there. If it is not (or the server has less), the server was restored
    // from a backup and has since gone its own way: find where we still agree, send our
    // own changes after that point again, and pull from there.
    let mut check = last > 0;
    loop {
        let since = if check { last - 1 } else { last };
        let page = transport.pull(since).await?;
        if check {
            check = false;
            let theirs = page
                .ops
                .first()
                .filter(|o| o.seq == last)
                .map(|o| o.op.op_id);
            let ours = blocking(local, move |l| l.op_id_at(last)).await?;
            if theirs.is_none() || theirs != ours {
                let agreed = agreement(transport, local, last).await?;
                let me = transport.me().await?.user;
                let (requeued, dropped) = blocking(local, move |l| l.rewind(agreed, &me)).await?;
                say(SyncEvent::Rewound {
                    head: agreed,
                    requeued,
                    dropped,
                });
                push_all(transport, local, say).await?;
                last = agreed;
                continue;
            }
        }
        let ops: Vec<SeqOp> = page.ops.into_iter().filter(|o| o.seq > last).collect();
        let Some(end) = ops.last().map(|o| o.seq) else {
            return Ok(last);
        };
        if ops.first().map(|o| o.seq) != Some(last + 1)
            || ops.windows(2).any(|w| w[1].seq != w[0].seq + 1)
        {
            return Err(SyncError::Server("the server skipped ops in a pull".into()).into());
        }
        confirm(local, say, ops).await?;
        last = end;
        if last >= page.head {
            return Ok(last);
        }
    }
}
