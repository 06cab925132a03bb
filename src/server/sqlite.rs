//! The embedded server store: one SQLite file (WAL, `synchronous=FULL`).
//!
//! **Group commit.** One writer thread owns the write connection. It waits for a push,
//! then takes every other push already waiting, stores them all in one transaction (each
//! push inside its own savepoint, so one failing push does not fail the others), commits
//! once (one fsync for the lot) and only then answers each push. Readers (pull, SSE
//! replay, token look-ups) use their own connections from a small pool on tokio's
//! blocking threads; WAL lets them read while the writer writes.
//!
//! Seqs are assigned in the transaction as `max(seq) + 1`, so they are gapless; `op_id`
//! has a unique index, and a stored op_id returns its stored row instead of a new one.
//!
//! **Meetings.** The writer thread also holds the meetings as the stored log leaves them
//! (folded once at open), checks each meeting op against them, stamps it and folds it in,
//! all inside the push's savepoint (a refused push restores the copy taken before it).
//! Ballots go through the writer too, so a ballot and the op that closes its round are
//! ordered: a ballot stored before the close is counted, one after it is refused.
//! While a round is open its ballots sit in the `ballots` table; closing deletes them
//! (they live on in the close op, without names if the round is anonymous), and
//! `secure_delete` overwrites the freed pages so the file keeps no trace of who voted.

use super::store::{
    chain_hash, BallotCast, NewUser, Page, ServerStore, StoreError, StoreFuture, User, GENESIS_HASH,
};
use super::writer_jobs::{self, Job};
use crate::model::meeting::{Meetings, RoundId};
use crate::model::vote::{Ballot, Choice};
use crate::model::{Op, Payload, Role};
use crate::protocol::{RoundCount, SeqOp};
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// The schema this build writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i64 = 2;

/// How long a connection waits for another writer (the user CLI, a migration) to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Most pushes and ops the writer puts in one transaction.
const MAX_JOBS_PER_TX: usize = 1024;
const MAX_OPS_PER_TX: usize = 20_000;
/// Idle reader connections kept.
const POOL_KEEP: usize = 8;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ops (
    seq       INTEGER PRIMARY KEY,  -- assigned by the writer as max(seq) + 1: gapless
    op_id     TEXT NOT NULL UNIQUE, -- a retried push finds its op here
    op        BLOB NOT NULL,        -- the op's JSON as stored (author stamped)
    hash      BLOB NOT NULL,        -- sha256(previous hash || seq (8 bytes BE) || op)
    stored_at INTEGER NOT NULL      -- server clock, ms since the Unix epoch
);
CREATE TABLE IF NOT EXISTS users (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    org        TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE, -- sha256 of the token; the token is never stored
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);
-- Version 2: ballots of open vote rounds, one per voter (voting again replaces it).
CREATE TABLE IF NOT EXISTS ballots (
    round        TEXT NOT NULL,
    voter        TEXT NOT NULL,
    org          TEXT NOT NULL,
    choice       TEXT NOT NULL,     -- JSON of model::vote::Choice
    hand_counted INTEGER NOT NULL,
    cast_at      INTEGER NOT NULL,
    PRIMARY KEY (round, voter)
) WITHOUT ROWID;
";

fn db_err(e: rusqlite::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Opens a connection with styr's pragmas and brings the schema up to date. The user
/// commands use this directly (the server may be running: WAL and the busy timeout let
/// them share the file).
pub fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Db(format!("{}: {e}", dir.display())))?;
    }
    let mut conn = Connection::open(path).map_err(db_err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(db_err)?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(db_err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Db(format!(
            "the database would not switch to WAL mode (it is in {mode} mode)"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(db_err)?;
    migrate(&mut conn)?;
    Ok(conn)
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(db_err)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_err)?;
    tx.execute_batch(SCHEMA).map_err(db_err)?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)
        .map_err(db_err)?;
    tx.commit().map_err(db_err)
}

// ---- reads and user rows, shared by the store and the user commands ----

fn hash_from(bytes: Vec<u8>, seq: u64) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("the hash of seq {seq} is not 32 bytes")))
}

/// A BLOB (or TEXT, if someone wrote one by hand) column as bytes.
fn bytes_at(row: &rusqlite::Row<'_>, idx: usize) -> Result<Vec<u8>, StoreError> {
    use rusqlite::types::ValueRef;
    match row.get_ref(idx).map_err(db_err)? {
        ValueRef::Blob(b) | ValueRef::Text(b) => Ok(b.to_vec()),
        other => Err(StoreError::Corrupt(format!(
            "column {idx} holds {:?}, not bytes",
            other.data_type()
        ))),
    }
}

fn decode_op(seq: u64, bytes: &[u8]) -> Result<SeqOp, StoreError> {
    Op::decode(bytes)
        .map(|op| SeqOp { seq, op })
        .map_err(|e| StoreError::Corrupt(format!("the op at seq {seq}: {e}")))
}

fn head_of(conn: &Connection) -> Result<u64, StoreError> {
    let head: i64 = conn
        .query_row("SELECT COALESCE(MAX(seq), 0) FROM ops", [], |r| r.get(0))
        .map_err(db_err)?;
    Ok(head.max(0) as u64)
}

/// Ops with seq > `since`, at most `limit`, and the head, from one read snapshot.
pub fn pull_on(conn: &mut Connection, since: u64, limit: usize) -> Result<Page, StoreError> {
    let tx = conn.transaction().map_err(db_err)?;
    let head = head_of(&tx)?;
    let since = i64::try_from(since).unwrap_or(i64::MAX);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut ops = Vec::new();
    {
        let mut stmt = tx
            .prepare_cached("SELECT seq, op FROM ops WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .map_err(db_err)?;
        let mut rows = stmt.query(params![since, limit]).map_err(db_err)?;
        while let Some(row) = rows.next().map_err(db_err)? {
            let seq: i64 = row.get(0).map_err(db_err)?;
            let bytes = bytes_at(row, 1)?;
            ops.push(decode_op(seq.max(0) as u64, &bytes)?);
        }
    }
    tx.finish().map_err(db_err)?;
    Ok(Page { ops, head })
}

fn user_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(User, Option<String>)> {
    let role_text: String = row.get(1)?;
    let role = role_text.parse::<Role>();
    let bad_role = role.as_ref().err().map(|_| role_text.clone());
    Ok((
        User {
            name: row.get(0)?,
            role: role.unwrap_or(Role::Viewer),
            org: row.get(2)?,
            created_at: row.get(3)?,
            revoked_at: row.get(4)?,
        },
        bad_role,
    ))
}

fn checked_user((user, bad_role): (User, Option<String>)) -> Result<User, StoreError> {
    match bad_role {
        None => Ok(user),
        Some(r) => Err(StoreError::Corrupt(format!(
            "the user {:?} has the unknown role {r:?}",
            user.name
        ))),
    }
}

const USER_COLUMNS: &str = "name, role, org, created_at, revoked_at";

pub fn user_by_token_hash_on(
    conn: &Connection,
    token_hash: &[u8; 32],
) -> Result<Option<User>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {USER_COLUMNS}, token_hash FROM users WHERE token_hash = ?1"
        ))
        .map_err(db_err)?;
    let found = stmt
        .query_row(params![&token_hash[..]], |row| {
            let stored: Vec<u8> = row.get(5)?;
            Ok((user_from_row(row)?, stored))
        })
        .optional()
        .map_err(db_err)?;
    match found {
        // Found by the index; still compare in constant time before trusting it.
        Some((user, stored)) if bool::from(stored.as_slice().ct_eq(&token_hash[..])) => {
            checked_user(user).map(Some)
        }
        _ => Ok(None),
    }
}

pub fn add_user_on(conn: &Connection, user: &NewUser) -> Result<User, StoreError> {
    let result = conn.execute(
        "INSERT INTO users (name, role, org, token_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            user.name,
            user.role.as_str(),
            user.org,
            &user.token_hash[..],
            user.created_at
        ],
    );
    match result {
        Ok(_) => Ok(User {
            name: user.name.clone(),
            role: user.role,
            org: user.org.clone(),
            created_at: user.created_at,
            revoked_at: None,
        }),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
            Err(StoreError::UserExists(user.name.clone()))
        }
        Err(e) => Err(db_err(e)),
    }
}

pub fn list_users_on(conn: &Connection) -> Result<Vec<User>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"))
        .map_err(db_err)?;
    let rows = stmt.query_map([], user_from_row).map_err(db_err)?;
    rows.map(|r| r.map_err(db_err).and_then(checked_user))
        .collect()
}

pub fn revoke_user_on(conn: &Connection, name: &str, at: i64) -> Result<User, StoreError> {
    conn.execute(
        "UPDATE users SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        params![name, at],
    )
    .map_err(db_err)?;
    let mut stmt = conn
        .prepare_cached(&format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1"))
        .map_err(db_err)?;
    let user = stmt
        .query_row(params![name], user_from_row)
        .optional()
        .map_err(db_err)?;
    match user {
        Some(u) => checked_user(u),
        None => Err(StoreError::NoSuchUser(name.to_string())),
    }
}

pub fn verify_chain_on(conn: &mut Connection) -> Result<u64, StoreError> {
    let tx = conn.transaction().map_err(db_err)?;
    let mut prev = GENESIS_HASH;
    let mut expected = 1u64;
    {
        let mut stmt = tx
            .prepare("SELECT seq, op, hash FROM ops ORDER BY seq")
            .map_err(db_err)?;
        let mut rows = stmt.query([]).map_err(db_err)?;
        while let Some(row) = rows.next().map_err(db_err)? {
            let seq: i64 = row.get(0).map_err(db_err)?;
            let seq = seq.max(0) as u64;
            if seq != expected {
                return Err(StoreError::Chain {
                    seq: expected,
                    reason: format!("the next stored seq is {seq}"),
                });
            }
            let bytes = bytes_at(row, 1)?;
            let stored = hash_from(bytes_at(row, 2)?, seq)?;
            let want = chain_hash(&prev, seq, &bytes);
            if !bool::from(stored.ct_eq(&want)) {
                return Err(StoreError::Chain {
                    seq,
                    reason: "the stored hash does not match the op and the hash before it".into(),
                });
            }
            prev = stored;
            expected += 1;
        }
    }
    tx.finish().map_err(db_err)?;
    Ok(expected - 1)
}

// ---- the writer ----

/// The meetings as the stored log leaves them: every meeting op, in seq order.
fn fold_meetings(conn: &Connection) -> Result<Meetings, StoreError> {
    let mut meetings = Meetings::default();
    // Only rows that can be meeting ops are decoded; the check on the decoded op decides.
    let mut stmt = conn
        .prepare("SELECT seq, op FROM ops WHERE instr(op, '\"kind\":\"meeting\"') > 0 ORDER BY seq")
        .map_err(db_err)?;
    let mut rows = stmt.query([]).map_err(db_err)?;
    while let Some(row) = rows.next().map_err(db_err)? {
        let seq: i64 = row.get(0).map_err(db_err)?;
        let op = decode_op(seq.max(0) as u64, &bytes_at(row, 1)?)?;
        meetings.apply(&op.op);
    }
    Ok(meetings)
}

/// Takes the kept ballots of a round out of the table (the close op carries them on).
fn take_ballots(conn: &Connection, round: &RoundId) -> Result<Vec<Ballot>, StoreError> {
    let key = round.to_string();
    let mut ballots = Vec::new();
    {
        let mut stmt = conn
            .prepare_cached("SELECT voter, org, choice, hand_counted FROM ballots WHERE round = ?1")
            .map_err(db_err)?;
        let mut rows = stmt.query(params![key]).map_err(db_err)?;
        while let Some(row) = rows.next().map_err(db_err)? {
            let choice: String = row.get(2).map_err(db_err)?;
            let choice: Choice = serde_json::from_str(&choice)
                .map_err(|e| StoreError::Corrupt(format!("a ballot of round {key}: {e}")))?;
            ballots.push(Ballot {
                voter: Some(row.get(0).map_err(db_err)?),
                org: row.get(1).map_err(db_err)?,
                choice,
                hand_counted: row.get::<_, i64>(3).map_err(db_err)? != 0,
            });
        }
    }
    conn.prepare_cached("DELETE FROM ballots WHERE round = ?1")
        .map_err(db_err)?
        .execute(params![key])
        .map_err(db_err)?;
    Ok(ballots)
}

/// The count of an open round (or of a closed one: zero, the result is in the log).
fn count_on(
    conn: &Connection,
    meetings: &Meetings,
    round: &RoundId,
) -> Result<RoundCount, StoreError> {
    let r = meetings
        .round(round)
        .ok_or_else(|| StoreError::NotFound("there is no such vote round".into()))?;
    let mut voters = Vec::new();
    let mut stmt = conn
        .prepare_cached("SELECT voter FROM ballots WHERE round = ?1 ORDER BY voter")
        .map_err(db_err)?;
    let mut rows = stmt.query(params![round.to_string()]).map_err(db_err)?;
    while let Some(row) = rows.next().map_err(db_err)? {
        voters.push(row.get::<_, String>(0).map_err(db_err)?);
    }
    let ballots = u32::try_from(voters.len()).unwrap_or(u32::MAX);
    if r.anonymous {
        voters.clear();
    }
    Ok(RoundCount {
        round: *round,
        open: r.is_open(),
        ballots,
        voters,
    })
}

/// Checks a ballot against the round and keeps it, replacing the voter's earlier one.
fn cast_on(
    conn: &Connection,
    meetings: &Meetings,
    cast: &BallotCast,
    now: i64,
) -> Result<RoundCount, StoreError> {
    let voter = writer_jobs::check_cast(meetings, cast)?;
    let choice = serde_json::to_string(&cast.choice)
        .map_err(|e| StoreError::Db(format!("a ballot could not be encoded: {e}")))?;
    conn.prepare_cached(
        "INSERT INTO ballots (round, voter, org, choice, hand_counted, cast_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (round, voter) DO UPDATE SET org = ?3, choice = ?4, hand_counted = ?5, cast_at = ?6",
    )
    .map_err(db_err)?
    .execute(params![
        cast.round.to_string(),
        voter.name,
        voter.org,
        choice,
        i64::from(cast.hand_counted),
        now
    ])
    .map_err(db_err)?;
    count_on(conn, meetings, &cast.round)
}

/// The last stored seq and its hash.
fn read_tip(conn: &Connection) -> Result<(u64, [u8; 32]), StoreError> {
    let row = conn
        .query_row(
            "SELECT seq, hash FROM ops ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )
        .optional()
        .map_err(db_err)?;
    match row {
        None => Ok((0, GENESIS_HASH)),
        Some((seq, hash)) => {
            let seq = seq.max(0) as u64;
            Ok((seq, hash_from(hash, seq)?))
        }
    }
}

fn store_op(
    conn: &Connection,
    op: &Op,
    op_index: usize,
    tip: &mut (u64, [u8; 32]),
    meetings: &mut Meetings,
    now: i64,
) -> Result<SeqOp, StoreError> {
    let op_id = op.op_id.to_string();
    let existing = conn
        .prepare_cached("SELECT seq, op FROM ops WHERE op_id = ?1")
        .map_err(db_err)?
        .query_row(params![op_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .optional()
        .map_err(db_err)?;
    if let Some((seq, bytes)) = existing {
        return decode_op(seq.max(0) as u64, &bytes);
    }
    // Content no client may send (a score that does not fit its set) is refused as a
    // meeting rule's refusal is: the client hears why and drops the op.
    op.payload.check().map_err(|invalid| StoreError::Refused {
        op_index: Some(op_index),
        reason: format!("op {op_index}: {invalid}; nothing in this push was stored"),
        rule: Some((&invalid).into()),
    })?;
    let mut op = op.clone();
    if let Payload::Meeting { change } = &op.payload {
        meetings
            .check(change)
            .map_err(|refusal| StoreError::Refused {
                op_index: Some(op_index),
                reason: format!("op {op_index}: {refusal}; nothing in this push was stored"),
                rule: Some((&refusal).into()),
            })?;
        let mut taken = Ok(());
        meetings.stamp(&mut op, |round| {
            take_ballots(conn, round).unwrap_or_else(|e| {
                taken = Err(e);
                Vec::new()
            })
        });
        taken?;
    }
    let bytes = op.encode();
    let seq = tip.0 + 1;
    let hash = chain_hash(&tip.1, seq, &bytes);
    let seq_sql =
        i64::try_from(seq).map_err(|_| StoreError::Db("the op log is full".to_string()))?;
    conn.prepare_cached(
        "INSERT INTO ops (seq, op_id, op, hash, stored_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .map_err(db_err)?
    .execute(params![seq_sql, op_id, bytes, &hash[..], now])
    .map_err(db_err)?;
    *tip = (seq, hash);
    meetings.apply(&op);
    Ok(SeqOp { seq, op })
}

/// What became of one job of a batch.
enum Done {
    Pushed(Result<Vec<SeqOp>, StoreError>),
    Cast(Result<RoundCount, StoreError>),
}

impl Done {
    fn is_ok(&self) -> bool {
        matches!(self, Done::Pushed(Ok(_)) | Done::Cast(Ok(_)))
    }

    fn failed(job: &Job, e: StoreError) -> Done {
        match job {
            Job::Push(_) => Done::Pushed(Err(e)),
            _ => Done::Cast(Err(e)),
        }
    }
}

/// Stores the jobs in one transaction, each in its own savepoint; one result per job.
/// `meetings` follows what is stored: a job that fails leaves it as it was.
fn write_batch(conn: &mut Connection, jobs: &[Job], meetings: &mut Meetings) -> Vec<Done> {
    let touches_meetings = jobs
        .iter()
        .any(|j| matches!(j, Job::Push(p) if p.ops.iter().any(|o| o.payload.is_meeting())));
    let before = touches_meetings.then(|| meetings.clone());
    match write_jobs(conn, jobs, meetings) {
        Ok(done) => done,
        Err(e) => {
            if let Some(m) = before {
                *meetings = m;
            }
            jobs.iter().map(|j| Done::failed(j, e.clone())).collect()
        }
    }
}

/// The transaction of [`write_batch`]; an error fails every job of the batch.
fn write_jobs(
    conn: &mut Connection,
    jobs: &[Job],
    meetings: &mut Meetings,
) -> Result<Vec<Done>, StoreError> {
    let mut tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db_err)?;
    let mut tip = read_tip(&tx)?;
    let now = now_ms();
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs {
        let tip_before = tip;
        // Only pushes with meeting ops change the meetings: copy just for those.
        let kept = match job {
            Job::Push(p) if p.ops.iter().any(|o| o.payload.is_meeting()) => Some(meetings.clone()),
            _ => None,
        };
        let sp = tx.savepoint().map_err(db_err)?;
        let done = match job {
            Job::Push(p) => Done::Pushed(
                p.ops
                    .iter()
                    .enumerate()
                    .map(|(i, op)| store_op(&sp, op, i, &mut tip, meetings, now))
                    .collect(),
            ),
            Job::Ballot(b) => Done::Cast(cast_on(&sp, meetings, &b.cast, now)),
            Job::Count(round, _) => Done::Cast(count_on(&sp, meetings, round)),
        };
        let done = if done.is_ok() {
            match sp.commit() {
                Ok(()) => done,
                Err(e) => Done::failed(job, db_err(e)),
            }
        } else {
            drop(sp); // rolls back this job only
            done
        };
        if !done.is_ok() {
            tip = tip_before;
            if let Some(m) = kept {
                *meetings = m;
            }
        }
        results.push(done);
    }
    tx.commit().map_err(db_err)?;
    Ok(results)
}

/// Copies the WAL back into the database file beside the writer, in quiet moments: a
/// checkpoint fsyncs the database file, and on a shared disk that slows the writer's
/// own fsyncs, so it waits until no push has come for [`CHECKPOINT_IDLE`], or at the
/// latest [`CHECKPOINT_AT_LEAST`] after the first commit since the last one (so the WAL
/// stays bounded under steady load). PASSIVE never blocks the writer or readers.
fn checkpoint_loop(conn: Connection, ticks: mpsc::Receiver<()>) {
    let checkpoint = || {
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "a WAL checkpoint failed; the next one will retry");
        }
    };
    // Wait for a first commit, then for quiet (or the deadline), then checkpoint.
    while ticks.recv().is_ok() {
        let deadline = std::time::Instant::now() + CHECKPOINT_AT_LEAST;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match ticks.recv_timeout(CHECKPOINT_IDLE.min(left)) {
                Ok(()) if !left.is_zero() => continue,
                Ok(()) | Err(mpsc::RecvTimeoutError::Timeout) => break,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    checkpoint();
                    return;
                }
            }
        }
        checkpoint();
    }
    checkpoint();
}

/// No push for this long counts as quiet.
const CHECKPOINT_IDLE: std::time::Duration = std::time::Duration::from_millis(250);
/// The longest the WAL grows under steady load before a checkpoint anyway.
const CHECKPOINT_AT_LEAST: std::time::Duration = std::time::Duration::from_secs(30);

fn writer_loop(
    mut conn: Connection,
    mut meetings: Meetings,
    rx: mpsc::Receiver<Job>,
    ticks: mpsc::SyncSender<()>,
) {
    while let Ok(first) = rx.recv() {
        let mut ops = first.ops();
        let mut jobs = vec![first];
        while jobs.len() < MAX_JOBS_PER_TX && ops < MAX_OPS_PER_TX {
            match rx.try_recv() {
                Ok(job) => {
                    ops += job.ops();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let results = write_batch(&mut conn, &jobs, &mut meetings);
        // Wakes the checkpointer; if a wake-up is already waiting, this one is not needed.
        let _ = ticks.try_send(());
        for (job, done) in jobs.into_iter().zip(results) {
            // A client that went away does not need its answer.
            match (job, done) {
                (Job::Push(p), Done::Pushed(result)) => {
                    if let Err(e) = &result {
                        writer_jobs::log_failure(e, "storing a push failed");
                    }
                    let _ = p.reply.send(result);
                }
                (Job::Ballot(b), Done::Cast(result)) => {
                    if let Err(e) = &result {
                        writer_jobs::log_failure(e, "storing a ballot failed");
                    }
                    let _ = b.reply.send(result);
                }
                (Job::Count(_, reply), Done::Cast(result)) => {
                    let _ = reply.send(result);
                }
                _ => unreachable!("write_batch answers each job in kind"),
            }
        }
    }
}

/// The SQLite [`ServerStore`].
pub struct SqliteStore {
    path: PathBuf,
    writer: Option<mpsc::Sender<Job>>,
    writer_thread: Option<JoinHandle<()>>,
    readers: Mutex<Vec<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and starts its writer thread.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let conn = open_connection(path)?;
        // The writer never checkpoints itself: SQLite's automatic checkpoint runs inside
        // the commit that crosses the threshold and fsyncs the database file there, which
        // stalled every waiting push for a few hundred ms. A thread of its own does it.
        conn.pragma_update(None, "wal_autocheckpoint", 0)
            .map_err(db_err)?;
        // Deleted ballots are overwritten, not just unlinked (see the module docs).
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(db_err)?;
        let meetings = fold_meetings(&conn)?;
        let (ticks, tick_rx) = mpsc::sync_channel::<()>(1);
        let checkpoint_conn = open_connection(path)?;
        std::thread::Builder::new()
            .name("styr-db-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpoint_conn, tick_rx))
            .map_err(|e| StoreError::Db(format!("could not start the checkpoint thread: {e}")))?;
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("styr-db-writer".into())
            .spawn(move || writer_loop(conn, meetings, rx, ticks))
            .map_err(|e| StoreError::Db(format!("could not start the writer thread: {e}")))?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            writer: Some(tx),
            writer_thread: Some(thread),
            readers: Mutex::new(Vec::new()),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        let writer = self.writer.as_ref().ok_or(StoreError::Closed)?;
        writer.send(job).map_err(|_| StoreError::Closed)
    }

    fn take_reader(&self) -> Result<Connection, StoreError> {
        let pooled = self.readers.lock().ok().and_then(|mut p| p.pop());
        match pooled {
            Some(c) => Ok(c),
            None => {
                let conn = Connection::open(&self.path).map_err(db_err)?;
                conn.busy_timeout(BUSY_TIMEOUT).map_err(db_err)?;
                Ok(conn)
            }
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut pool) = self.readers.lock() {
            if pool.len() < POOL_KEEP {
                pool.push(conn);
            }
        }
    }

    /// Runs `f` on a pooled connection on tokio's blocking threads.
    fn blocking<'a, T, F>(&'a self, f: F) -> StoreFuture<'a, T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        Box::pin(async move {
            let mut conn = self.take_reader()?;
            let (conn, result) = tokio::task::spawn_blocking(move || {
                let r = f(&mut conn);
                (conn, r)
            })
            .await
            .map_err(|e| StoreError::Db(format!("a database task failed: {e}")))?;
            self.give_back(conn);
            result
        })
    }
}

impl Drop for SqliteStore {
    /// Closes the channel and waits for the writer to finish the pushes it has, so that
    /// the file can be opened again at once.
    fn drop(&mut self) {
        self.writer.take();
        if let Some(t) = self.writer_thread.take() {
            let _ = t.join();
        }
    }
}

impl ServerStore for SqliteStore {
    fn push(&self, ops: Vec<Op>) -> StoreFuture<'_, Vec<SeqOp>> {
        Box::pin(writer_jobs::push(|j| self.send(j), ops))
    }

    fn cast_ballot(&self, cast: BallotCast) -> StoreFuture<'_, RoundCount> {
        Box::pin(writer_jobs::cast_ballot(|j| self.send(j), cast))
    }

    fn round_count(&self, round: RoundId) -> StoreFuture<'_, RoundCount> {
        Box::pin(writer_jobs::round_count(|j| self.send(j), round))
    }

    fn pull(&self, since: u64, limit: usize) -> StoreFuture<'_, Page> {
        self.blocking(move |c| pull_on(c, since, limit))
    }

    fn head(&self) -> StoreFuture<'_, u64> {
        self.blocking(|c| head_of(c))
    }

    fn user_by_token_hash(&self, token_hash: [u8; 32]) -> StoreFuture<'_, Option<User>> {
        self.blocking(move |c| user_by_token_hash_on(c, &token_hash))
    }

    fn add_user(&self, user: NewUser) -> StoreFuture<'_, User> {
        self.blocking(move |c| add_user_on(c, &user))
    }

    fn list_users(&self) -> StoreFuture<'_, Vec<User>> {
        self.blocking(|c| list_users_on(c))
    }

    fn revoke_user(&self, name: String, at: i64) -> StoreFuture<'_, User> {
        self.blocking(move |c| revoke_user_on(c, &name, at))
    }

    fn verify_chain(&self) -> StoreFuture<'_, u64> {
        self.blocking(verify_chain_on)
    }
}
