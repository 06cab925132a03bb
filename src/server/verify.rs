//! `styr verify --db FILE|URL`: checks a server database without the server (a SQLite
//! file, or a PostgreSQL database by its URL). First the op log's hash chain (any edit to any stored op, made through styr or directly in the
//! file, breaks it at that op), then the decision log's own chain over the decisions the
//! ops hold. A break is named: its seq, and for a decision its case number and title.

use super::sqlite::{open_connection, verify_chain_on};
use super::store::{ServerStore, StoreError};
use crate::model::meeting::{verify_chain, MeetingChange, Meetings};
use crate::model::{Op, Payload};
use rusqlite::{params, OptionalExtension};
use std::path::Path;

/// What a sound database holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    pub ops: u64,
    pub decisions: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("{0}")]
    Store(StoreError),
    /// The op chain breaks at `seq`; `what` names the op there.
    #[error("the op log is broken at seq {seq} ({what}): {reason}")]
    OpChain {
        seq: u64,
        what: String,
        reason: String,
    },
    #[error("the decision log is broken: {0}")]
    DecisionChain(String),
    #[error("{0}")]
    Other(String),
}

/// Verifies the database at `path`.
pub fn verify_file(path: &Path) -> Result<Verified, VerifyError> {
    if !path.exists() {
        return Err(VerifyError::Store(StoreError::Db(format!(
            "{}: no such file",
            path.display()
        ))));
    }
    let mut conn = open_connection(path).map_err(VerifyError::Store)?;
    let ops = match verify_chain_on(&mut conn) {
        Ok(n) => n,
        Err(StoreError::Chain { seq, reason }) => {
            let what = describe(&conn, seq);
            return Err(VerifyError::OpChain { seq, what, reason });
        }
        Err(e) => return Err(VerifyError::Store(e)),
    };
    let page = super::sqlite::pull_on(&mut conn, 0, usize::MAX).map_err(VerifyError::Store)?;
    let meetings = Meetings::fold(page.ops.iter().map(|o| &o.op));
    let decisions = verify_chain(meetings.decisions()).map_err(|b| {
        let d = meetings.decision(&b.id());
        VerifyError::DecisionChain(format!("{b}{}", d.map(name_decision).unwrap_or_default()))
    })?;
    Ok(Verified { ops, decisions })
}

/// Verifies a store through its trait (how a PostgreSQL database is checked): the op
/// chain, then the decision chain over the meetings the ops make.
pub async fn verify_store(store: &dyn ServerStore) -> Result<Verified, VerifyError> {
    let ops = match store.verify_chain().await {
        Ok(n) => n,
        Err(StoreError::Chain { seq, reason }) => {
            let what = match store.pull(seq.saturating_sub(1), 1).await {
                Ok(page) => match page.ops.first() {
                    Some(s) if s.seq == seq => describe_op(&s.op),
                    _ => "missing".into(),
                },
                Err(e) => format!("unreadable: {e}"),
            };
            return Err(VerifyError::OpChain { seq, what, reason });
        }
        Err(e) => return Err(VerifyError::Store(e)),
    };
    let mut meetings = Meetings::default();
    let mut since = 0;
    loop {
        let page = store.pull(since, 5_000).await.map_err(VerifyError::Store)?;
        let Some(last) = page.ops.last() else { break };
        since = last.seq;
        for s in &page.ops {
            meetings.apply(&s.op);
        }
    }
    let decisions = verify_chain(meetings.decisions()).map_err(|b| {
        let d = meetings.decision(&b.id());
        VerifyError::DecisionChain(format!("{b}{}", d.map(name_decision).unwrap_or_default()))
    })?;
    Ok(Verified { ops, decisions })
}

/// The op at `seq` in a few words, for a person looking for it.
fn describe(conn: &rusqlite::Connection, seq: u64) -> String {
    let bytes: Option<Vec<u8>> = conn
        .query_row(
            "SELECT op FROM ops WHERE seq = ?1",
            params![i64::try_from(seq).unwrap_or(i64::MAX)],
            |r| r.get(0),
        )
        .optional()
        .ok()
        .flatten();
    let Some(bytes) = bytes else {
        return "missing".into();
    };
    match Op::decode(&bytes) {
        Ok(op) => describe_op(&op),
        Err(e) => format!("unreadable: {e}"),
    }
}

fn describe_op(op: &Op) -> String {
    match &op.payload {
        Payload::Meeting { change } => match &**change {
            MeetingChange::Decide { decision } => {
                format!("a decision{}", name_decision(decision))
            }
            _ => "a meeting change".into(),
        },
        _ => "a portfolio change".into(),
    }
}

fn name_decision(d: &crate::model::meeting::Decision) -> String {
    let number = d
        .case_number
        .map(|n| format!(" in sak {n}"))
        .unwrap_or_default();
    format!("{number}, «{}», id {}", d.title, d.id)
}
