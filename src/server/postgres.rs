//! The server store on PostgreSQL, for installations that outgrow one machine
//! (`styr serve --db postgres://…`). The same contract as the SQLite store
//! ([`super::store`]): one transaction per batch of pushes, gapless seqs, de-duplication
//! on `op_id`, the same hash chain, an answer only after commit.
//!
//! **Seqs.** The tip of the log (last seq and its hash) is one row of `log_tip`, locked
//! with `SELECT … FOR UPDATE` at the start of every writing transaction. Whoever holds
//! the lock is the only writer of the log, on any server, so `tip + 1` is the next seq
//! and a rolled-back transaction leaves no gap (a PostgreSQL SEQUENCE would: its
//! `nextval` is not rolled back).
//!
//! **Group commit.** As with SQLite, one writer task per process owns one connection,
//! takes every push waiting, stores them in one transaction (each in a savepoint, so a
//! refused push does not fail the others), commits once and then answers each.
//! Reads use a small pool of other connections.
//!
//! **Meetings.** The writer keeps the meetings as the stored log leaves them, folded
//! once at open, and checks, stamps and folds meeting ops and ballots with the same
//! model code as the SQLite store. Because another server may have written since, it
//! first folds in every op stored after the last one it has seen, while holding the
//! tip lock, so its meetings are the log's at the moment it writes.
//!
//! **Several servers.** Every writing transaction that moves the tip also sends
//! `NOTIFY styr_changes, 'h SEQ'` (and `'c INSTANCE ROUND'` for each ballot kept), which
//! PostgreSQL delivers at commit to every listening session. [`ServerStore::changes`]
//! starts one listening connection per process that turns those into [`Change`]s for
//! the event fan-out. They are wake-ups only: the fan-out reads the ops from the store.
//! After a (re)connect, and every few seconds, the listener also reads the tip, so a
//! notification lost with a broken connection is made up for.

use super::store::{
    chain_hash, BallotCast, Change, NewUser, Page, ServerStore, StoreError, StoreFuture, User,
    GENESIS_HASH,
};
use super::writer_jobs::{self, Job, PushJob};
use crate::model::meeting::{MeetingChange, Meetings, RoundId};
use crate::model::vote::{Ballot, Choice};
use crate::model::{Op, Payload, Role};
use crate::protocol::{RoundCount, SeqOp};
use futures_util::{pin_mut, StreamExt};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use subtle::ConstantTimeEq;
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;
use tokio_postgres::error::SqlState;
use tokio_postgres::{AsyncMessage, Client, Config, IsolationLevel, Row, Transaction};

/// The migrations, in order: version N is `MIGRATIONS[N - 1]`. A released migration is
/// never edited; a change of schema is a new entry.
const MIGRATIONS: &[&str] = &[
    // Version 1: the log, its tip, users and the ballots of open rounds.
    "
CREATE TABLE ops (
    seq       BIGINT PRIMARY KEY,    -- the tip's seq + 1, under the tip lock: gapless
    op_id     TEXT NOT NULL UNIQUE,  -- a retried push finds its op here
    op        BYTEA NOT NULL,        -- the op's JSON as stored (author stamped)
    hash      BYTEA NOT NULL,        -- sha256(previous hash || seq (8 bytes BE) || op)
    stored_at BIGINT NOT NULL        -- server clock, ms since the Unix epoch
);
-- One row: the last seq and its hash. Every writing transaction locks it first.
CREATE TABLE log_tip (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash BYTEA NOT NULL
);
INSERT INTO log_tip (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
CREATE TABLE users (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    org        TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE, -- sha256 of the token; the token is never stored
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
-- Ballots of open vote rounds, one per voter (voting again replaces it).
CREATE TABLE ballots (
    round        TEXT NOT NULL,
    voter        TEXT NOT NULL,
    org          TEXT NOT NULL,
    choice       TEXT NOT NULL,      -- JSON of model::vote::Choice
    hand_counted BOOLEAN NOT NULL,
    cast_at      BIGINT NOT NULL,
    PRIMARY KEY (round, voter)
);
",
];

/// The schema this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Any advisory lock key would do; this one is "styr" in ASCII, so that it is
/// recognisable in `pg_locks`. Two servers starting at once migrate one after the other.
const MIGRATION_LOCK: i64 = 0x7374_7972;

/// Most pushes and ops the writer puts in one transaction.
const MAX_JOBS_PER_TX: usize = 1024;
const MAX_OPS_PER_TX: usize = 20_000;
/// Most reader connections open at once; a read waits for one beyond that, rather
/// than opening (and then closing) a connection per request under load, which costs
/// PostgreSQL a process each time and could exhaust `max_connections`.
const POOL_MAX: usize = 16;

/// The channel of the wake-ups between servers on one database.
const CHANNEL: &str = "styr_changes";
/// How often the listener reads the tip itself, in case a notification was lost (it
/// also notices a connection that died without a word this way).
const LISTEN_POLL: Duration = Duration::from_secs(3);
/// The longest wait between two attempts to reconnect the listener.
const LISTEN_RETRY_MAX: Duration = Duration::from_secs(5);
/// The listener's `application_name`, so that it can be told apart in
/// `pg_stat_activity`.
pub const LISTENER_NAME: &str = "styr listen";
/// Wake-ups buffered for the fan-out before it lags (and then reads the head).
const CHANGES_CAPACITY: usize = 1024;

/// True for the URLs this store takes (`postgres://` or `postgresql://`).
pub fn is_postgres_url(s: &str) -> bool {
    let lower = s.get(..13).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// The URL as it may be shown and logged: without its password.
pub fn redact_url(s: &str) -> String {
    match url::Url::parse(s) {
        Ok(mut u) => {
            if u.password().is_some() {
                // Cannot fail for a URL with a host, which one with a password has.
                let _ = u.set_password(Some("***"));
            }
            u.to_string()
        }
        // Not a URL we can take apart: show only its scheme, since a password could be
        // anywhere in it.
        Err(_) => "postgres://…".to_string(),
    }
}

pub(crate) fn db_msg(e: &tokio_postgres::Error) -> String {
    // The server's own message says what went wrong; the error's Display alone is
    // often just "db error".
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => e.to_string(),
    }
}

pub(crate) fn db_err(e: tokio_postgres::Error) -> StoreError {
    StoreError::Db(db_msg(&e))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn seq_of(v: i64) -> u64 {
    v.max(0) as u64
}

fn seq_sql(seq: u64) -> Result<i64, StoreError> {
    i64::try_from(seq).map_err(|_| StoreError::Db("the op log is full".to_string()))
}

fn hash_from(bytes: Vec<u8>, seq: u64) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("the hash of seq {seq} is not 32 bytes")))
}

fn decode_op(seq: u64, bytes: &[u8]) -> Result<SeqOp, StoreError> {
    Op::decode(bytes)
        .map(|op| SeqOp { seq, op })
        .map_err(|e| StoreError::Corrupt(format!("the op at seq {seq}: {e}")))
}

/// TLS with rustls (the platform's roots) when the server offers it; `sslmode` in the
/// URL decides whether it is required (`require`), tried (`prefer`, the default) or
/// not used (`disable`).
fn tls() -> Result<tokio_postgres_rustls::MakeRustlsConnect, StoreError> {
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    for cert in found.certs {
        // A certificate the platform store holds but rustls cannot parse is skipped,
        // as browsers do; the connection fails later only if it was the one needed.
        let _ = roots.add(cert);
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| StoreError::Db(format!("TLS could not be set up: {e}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Where and how to connect: the parsed URL and the TLS setup, made once (reading the
/// platform's certificates for every new pool connection would be wasted work).
#[derive(Clone)]
pub(crate) struct Connector {
    config: Config,
    tls: tokio_postgres_rustls::MakeRustlsConnect,
}

impl Connector {
    pub(crate) fn new(url: &str) -> Result<Connector, StoreError> {
        let config: Config = url
            .parse()
            .map_err(|e| StoreError::Db(format!("the PostgreSQL URL is not valid: {e}")))?;
        Ok(Connector {
            config,
            tls: tls()?,
        })
    }

    /// Opens one connection; its driver runs as a task of its own until the client is
    /// dropped or the server goes away.
    pub(crate) async fn connect(&self) -> Result<Client, StoreError> {
        let (client, connection) = self
            .config
            .connect(self.tls.clone())
            .await
            .map_err(db_err)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "a PostgreSQL connection ended with an error");
            }
        });
        Ok(client)
    }
}

/// Brings the schema up to date in one transaction, under an advisory lock so that
/// servers started together do not run a migration twice.
pub(crate) async fn migrate(client: &mut Client) -> Result<(), StoreError> {
    let tx = client.transaction().await.map_err(db_err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(db_err)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS styr_schema (version BIGINT NOT NULL)")
        .await
        .map_err(db_err)?;
    let version: i64 = match tx
        .query_opt("SELECT version FROM styr_schema", &[])
        .await
        .map_err(db_err)?
    {
        Some(row) => row.get(0),
        None => {
            tx.execute("INSERT INTO styr_schema (version) VALUES (0)", &[])
                .await
                .map_err(db_err)?;
            0
        }
    };
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        tx.batch_execute(sql).await.map_err(|e| {
            StoreError::Db(format!(
                "the migration to schema version {}: {}",
                i + 1,
                db_msg(&e)
            ))
        })?;
    }
    tx.execute("UPDATE styr_schema SET version = $1", &[&SCHEMA_VERSION])
        .await
        .map_err(db_err)?;
    tx.commit().await.map_err(db_err)
}

// ---- users ----

const USER_COLUMNS: &str = "name, role, org, created_at, revoked_at";

fn user_from_row(row: &Row) -> Result<User, StoreError> {
    let name: String = row.get(0);
    let role_text: String = row.get(1);
    let role = role_text.parse::<Role>().map_err(|_| {
        StoreError::Corrupt(format!(
            "the user {name:?} has the unknown role {role_text:?}"
        ))
    })?;
    Ok(User {
        name,
        role,
        org: row.get(2),
        created_at: row.get(3),
        revoked_at: row.get(4),
    })
}

// ---- the writer ----

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

/// The writer's meetings and the last seq folded into them.
struct Folded {
    meetings: Meetings,
    seq: u64,
}

/// Folds into `folded` every op stored after `folded.seq` (by another server).
async fn catch_up(tx: &Transaction<'_>, folded: &mut Folded) -> Result<(), StoreError> {
    let since = seq_sql(folded.seq)?;
    // Only rows that can be meeting ops are decoded; the check on the decoded op decides.
    let rows = tx
        .query_raw(
            "SELECT seq, op FROM ops WHERE seq > $1 \
             AND position('\"kind\":\"meeting\"'::bytea in op) > 0 ORDER BY seq",
            [since],
        )
        .await
        .map_err(db_err)?;
    pin_mut!(rows);
    while let Some(row) = rows.next().await {
        let row = row.map_err(db_err)?;
        let seq = seq_of(row.get(0));
        let bytes: Vec<u8> = row.get(1);
        folded.meetings.apply(&decode_op(seq, &bytes)?.op);
    }
    Ok(())
}

/// Takes the kept ballots of a round out of the table (the close op carries them on).
async fn take_ballots(tx: &Transaction<'_>, round: &RoundId) -> Result<Vec<Ballot>, StoreError> {
    let key = round.to_string();
    let rows = tx
        .query(
            "DELETE FROM ballots WHERE round = $1 RETURNING voter, org, choice, hand_counted",
            &[&key],
        )
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|row| {
            let choice: String = row.get(2);
            let choice: Choice = serde_json::from_str(&choice)
                .map_err(|e| StoreError::Corrupt(format!("a ballot of round {key}: {e}")))?;
            Ok(Ballot {
                voter: Some(row.get(0)),
                org: row.get(1),
                choice,
                hand_counted: row.get(3),
            })
        })
        .collect()
}

/// The count of a round (of a closed one: zero, the result is in the log).
async fn count_on(
    tx: &Transaction<'_>,
    meetings: &Meetings,
    round: &RoundId,
) -> Result<RoundCount, StoreError> {
    let r = meetings
        .round(round)
        .ok_or_else(|| StoreError::NotFound("there is no such vote round".into()))?;
    let rows = tx
        .query(
            "SELECT voter FROM ballots WHERE round = $1 ORDER BY voter",
            &[&round.to_string()],
        )
        .await
        .map_err(db_err)?;
    let mut voters: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
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
async fn cast_on(
    tx: &Transaction<'_>,
    meetings: &Meetings,
    cast: &BallotCast,
    now: i64,
) -> Result<RoundCount, StoreError> {
    let voter = writer_jobs::check_cast(meetings, cast)?;
    let choice = serde_json::to_string(&cast.choice)
        .map_err(|e| StoreError::Db(format!("a ballot could not be encoded: {e}")))?;
    tx.execute(
        "INSERT INTO ballots (round, voter, org, choice, hand_counted, cast_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (round, voter) DO UPDATE \
         SET org = $3, choice = $4, hand_counted = $5, cast_at = $6",
        &[
            &cast.round.to_string(),
            &voter.name,
            &voter.org,
            &choice,
            &cast.hand_counted,
            &now,
        ],
    )
    .await
    .map_err(db_err)?;
    count_on(tx, meetings, &cast.round).await
}

/// Stores one op (or finds it stored): the same steps as the SQLite store's.
async fn store_op(
    tx: &Transaction<'_>,
    op: &Op,
    op_index: usize,
    tip: &mut (u64, [u8; 32]),
    meetings: &mut Meetings,
    now: i64,
) -> Result<SeqOp, StoreError> {
    let op_id = op.op_id.to_string();
    if let Some(row) = tx
        .query_opt("SELECT seq, op FROM ops WHERE op_id = $1", &[&op_id])
        .await
        .map_err(db_err)?
    {
        let bytes: Vec<u8> = row.get(1);
        return decode_op(seq_of(row.get(0)), &bytes);
    }
    let refused = |reason: String, rule: crate::protocol::Reason| StoreError::Refused {
        op_index: Some(op_index),
        reason: format!("op {op_index}: {reason}; nothing in this push was stored"),
        rule: Some(rule),
    };
    op.payload
        .check()
        .map_err(|invalid| refused(invalid.to_string(), (&invalid).into()))?;
    let mut op = op.clone();
    if let Payload::Meeting { change } = &op.payload {
        meetings
            .check(change)
            .map_err(|refusal| refused(refusal.to_string(), (&refusal).into()))?;
        // `stamp` asks for a closing round's ballots through a plain closure; the
        // database is async, so they are taken out first, exactly when stamp would.
        let closing = match &**change {
            MeetingChange::CloseRound { round, .. } if meetings.round(round).is_some() => {
                Some(take_ballots(tx, round).await?)
            }
            _ => None,
        };
        meetings.stamp(&mut op, |_| closing.unwrap_or_default());
    }
    let bytes = op.encode();
    let seq = tip.0 + 1;
    let hash = chain_hash(&tip.1, seq, &bytes);
    tx.execute(
        "INSERT INTO ops (seq, op_id, op, hash, stored_at) VALUES ($1, $2, $3, $4, $5)",
        &[&seq_sql(seq)?, &op_id, &bytes, &&hash[..], &now],
    )
    .await
    .map_err(db_err)?;
    *tip = (seq, hash);
    meetings.apply(&op);
    Ok(SeqOp { seq, op })
}

/// Stores a run of pushes without meeting ops: the checks first (a push refused stores
/// nothing and costs no statement), then one look-up of the op ids already stored and
/// one insert of the new ops. The seqs, hashes and answers are those [`store_op`]
/// gives one op at a time.
async fn store_plain(
    tx: &Transaction<'_>,
    jobs: &[Job],
    tip: &mut (u64, [u8; 32]),
    now: i64,
) -> Result<Vec<Done>, StoreError> {
    let pushes: Vec<&PushJob> = jobs
        .iter()
        .filter_map(|j| match j {
            Job::Push(p) => Some(p),
            _ => None,
        })
        .collect();
    let refusals: Vec<Option<StoreError>> = pushes
        .iter()
        .map(|p| {
            p.ops.iter().enumerate().find_map(|(i, op)| {
                op.payload.check().err().map(|invalid| StoreError::Refused {
                    op_index: Some(i),
                    reason: format!("op {i}: {invalid}; nothing in this push was stored"),
                    rule: Some((&invalid).into()),
                })
            })
        })
        .collect();
    let ids: Vec<String> = pushes
        .iter()
        .zip(&refusals)
        .filter(|(_, r)| r.is_none())
        .flat_map(|(p, _)| p.ops.iter().map(|o| o.op_id.to_string()))
        .collect();
    let mut known: std::collections::HashMap<String, SeqOp> = std::collections::HashMap::new();
    if !ids.is_empty() {
        for row in tx
            .query(
                "SELECT op_id, seq, op FROM ops WHERE op_id = ANY($1)",
                &[&ids],
            )
            .await
            .map_err(db_err)?
        {
            let bytes: Vec<u8> = row.get(2);
            known.insert(row.get(0), decode_op(seq_of(row.get(1)), &bytes)?);
        }
    }
    let (mut seqs, mut op_ids, mut bodies, mut hashes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut done = Vec::with_capacity(pushes.len());
    for (p, refusal) in pushes.iter().zip(refusals) {
        if let Some(e) = refusal {
            done.push(Done::Pushed(Err(e)));
            continue;
        }
        let mut acks = Vec::with_capacity(p.ops.len());
        for op in &p.ops {
            let op_id = op.op_id.to_string();
            if let Some(stored) = known.get(&op_id) {
                acks.push(stored.clone());
                continue;
            }
            let bytes = op.encode();
            let seq = tip.0 + 1;
            let hash = chain_hash(&tip.1, seq, &bytes);
            seqs.push(seq_sql(seq)?);
            op_ids.push(op_id.clone());
            bodies.push(bytes);
            hashes.push(hash.to_vec());
            *tip = (seq, hash);
            let stored = SeqOp {
                seq,
                op: op.clone(),
            };
            // The same op twice in this run is stored once.
            known.insert(op_id, stored.clone());
            acks.push(stored);
        }
        done.push(Done::Pushed(Ok(acks)));
    }
    if !seqs.is_empty() {
        tx.execute(
            "INSERT INTO ops (seq, op_id, op, hash, stored_at) \
             SELECT s, i, o, h, $5 FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::BYTEA[], $4::BYTEA[]) \
             AS t (s, i, o, h)",
            &[&seqs, &op_ids, &bodies, &hashes, &now],
        )
        .await
        .map_err(db_err)?;
    }
    Ok(done)
}

/// One job inside its own savepoint: a failing job rolls back only itself.
async fn run_job(
    tx: &mut Transaction<'_>,
    job: &Job,
    tip: &mut (u64, [u8; 32]),
    meetings: &mut Meetings,
    now: i64,
) -> Result<Done, StoreError> {
    let sp = tx.savepoint("job").await.map_err(db_err)?;
    let done = match job {
        Job::Push(p) => {
            let mut acks = Ok(Vec::with_capacity(p.ops.len()));
            for (i, op) in p.ops.iter().enumerate() {
                match store_op(&sp, op, i, tip, meetings, now).await {
                    Ok(a) => {
                        if let Ok(v) = &mut acks {
                            v.push(a)
                        }
                    }
                    Err(e) => {
                        acks = Err(e);
                        break;
                    }
                }
            }
            Done::Pushed(acks)
        }
        Job::Ballot(b) => Done::Cast(cast_on(&sp, meetings, &b.cast, now).await),
        Job::Count(round, _) => Done::Cast(count_on(&sp, meetings, round).await),
    };
    if done.is_ok() {
        sp.commit().await.map_err(db_err)?;
    } else {
        sp.rollback().await.map_err(db_err)?;
    }
    Ok(done)
}

/// The transaction of one batch; an error fails every job of the batch.
async fn write_jobs(
    client: &mut Client,
    jobs: &[Job],
    folded: &mut Folded,
    instance: &str,
) -> Result<Vec<Done>, StoreError> {
    let mut tx = client.transaction().await.map_err(db_err)?;
    let row = tx
        .query_one("SELECT seq, hash FROM log_tip WHERE id = 1 FOR UPDATE", &[])
        .await
        .map_err(db_err)?;
    let seq = seq_of(row.get(0));
    let mut tip = (seq, hash_from(row.get(1), seq)?);
    if tip.0 > folded.seq {
        catch_up(&tx, folded).await?;
        folded.seq = tip.0;
    }
    // What another server stored is committed and stays folded in; what this batch
    // folds in is undone if the batch does not commit.
    let before = jobs
        .iter()
        .any(Job::touches_meetings)
        .then(|| folded.meetings.clone());
    let result = async {
        let now = now_ms();
        let mut results = Vec::with_capacity(jobs.len());
        let mut next = 0;
        while next < jobs.len() {
            // A run of pushes without meeting ops is stored with a few statements for
            // all of them, not several per op and a savepoint per push.
            let plain = jobs[next..]
                .iter()
                .take_while(|j| j.is_plain_push())
                .count();
            if plain > 0 {
                let run = &jobs[next..next + plain];
                results.extend(store_plain(&tx, run, &mut tip, now).await?);
                next += plain;
                continue;
            }
            let job = &jobs[next];
            next += 1;
            let tip_before = tip;
            let kept = job.touches_meetings().then(|| folded.meetings.clone());
            let done = run_job(&mut tx, job, &mut tip, &mut folded.meetings, now).await?;
            if !done.is_ok() {
                tip = tip_before;
                if let Some(m) = kept {
                    folded.meetings = m;
                }
            }
            results.push(done);
        }
        // The wake-ups for the other servers, delivered by PostgreSQL at commit.
        let mut notes = Vec::new();
        if tip.0 != seq {
            notes.push(format!("h {}", tip.0));
        }
        for (job, done) in jobs.iter().zip(&results) {
            if let (Job::Ballot(b), true) = (job, done.is_ok()) {
                notes.push(format!("c {instance} {}", b.cast.round));
            }
        }
        notes.dedup();
        let tip_seq = seq_sql(tip.0)?;
        let tip_hash = &tip.1[..];
        // Sent together (tokio-postgres pipelines them): one round trip, not several.
        let update = async {
            if tip.0 != seq {
                tx.execute(
                    "UPDATE log_tip SET seq = $1, hash = $2 WHERE id = 1",
                    &[&tip_seq, &tip_hash],
                )
                .await?;
            }
            Ok::<(), tokio_postgres::Error>(())
        };
        let notify = async {
            if !notes.is_empty() {
                tx.execute(
                    "SELECT pg_notify($1, n) FROM unnest($2::TEXT[]) AS n",
                    &[&CHANNEL, &notes],
                )
                .await?;
            }
            Ok(())
        };
        futures_util::future::try_join(update, notify)
            .await
            .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        Ok::<_, StoreError>(results)
    }
    .await;
    match result {
        Ok(done) => {
            folded.seq = tip.0;
            Ok(done)
        }
        Err(e) => {
            if let Some(m) = before {
                folded.meetings = m;
            }
            Err(e)
        }
    }
}

async fn writer_loop(
    connector: Connector,
    mut client: Client,
    mut folded: Folded,
    instance: Arc<str>,
    mut rx: mpsc::UnboundedReceiver<Job>,
) {
    while let Some(first) = rx.recv().await {
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
        // A connection lost (the server restarted, a network break) is opened again
        // for the next batch rather than failing every push from now on.
        if client.is_closed() {
            match connector.connect().await {
                Ok(c) => client = c,
                Err(e) => {
                    tracing::error!(error = %e, "could not reconnect to PostgreSQL");
                    answer(jobs, |j| Done::failed(j, e.clone()));
                    continue;
                }
            }
        }
        let results = match write_jobs(&mut client, &jobs, &mut folded, &instance).await {
            Ok(r) => r,
            Err(e) => jobs.iter().map(|j| Done::failed(j, e.clone())).collect(),
        };
        let anonymous_closed = jobs.iter().zip(&results).any(|(job, done)| {
            matches!(done, Done::Pushed(Ok(_))) && closes_anonymous_round(job, &folded.meetings)
        });
        let mut results = results.into_iter();
        answer(jobs, |_| {
            results
                .next()
                .unwrap_or(Done::Cast(Err(StoreError::Closed)))
        });
        if anonymous_closed {
            // The deleted ballot rows of an anonymous round stay in the table's pages
            // as dead tuples until a VACUUM; this one runs at once, after the commit
            // (VACUUM cannot run in a transaction) and after the answers, so nobody
            // waits for it. It does not reach the WAL already written (or its archive).
            if let Err(e) = client.batch_execute("VACUUM ballots").await {
                tracing::warn!(error = %e, "VACUUM of the ballots table failed");
            }
        }
    }
}

/// Whether `job` closes an anonymous round (as `meetings` know it after the job).
fn closes_anonymous_round(job: &Job, meetings: &Meetings) -> bool {
    let Job::Push(p) = job else {
        return false;
    };
    p.ops.iter().any(|op| match &op.payload {
        Payload::Meeting { change } => match &**change {
            MeetingChange::CloseRound { round, .. } => {
                meetings.round(round).is_some_and(|r| r.anonymous)
            }
            _ => false,
        },
        _ => false,
    })
}

/// Sends each job its result; a client that went away does not need its answer.
fn answer(jobs: Vec<Job>, mut result: impl FnMut(&Job) -> Done) {
    for job in jobs {
        let done = result(&job);
        match (job, done) {
            (Job::Push(p), Done::Pushed(r)) => {
                if let Err(e) = &r {
                    writer_jobs::log_failure(e, "storing a push failed");
                }
                let _ = p.reply.send(r);
            }
            (Job::Ballot(b), Done::Cast(r)) => {
                if let Err(e) = &r {
                    writer_jobs::log_failure(e, "storing a ballot failed");
                }
                let _ = b.reply.send(r);
            }
            (Job::Count(_, reply), Done::Cast(r)) => {
                let _ = reply.send(r);
            }
            (Job::Push(p), Done::Cast(Err(e))) => {
                let _ = p.reply.send(Err(e));
            }
            (Job::Push(p), Done::Cast(Ok(_))) => {
                let _ = p.reply.send(Err(StoreError::Db(
                    "the writer answered a push with a count".into(),
                )));
            }
            (Job::Ballot(b), Done::Pushed(_)) => {
                let _ = b.reply.send(Err(StoreError::Db(
                    "the writer answered a ballot with acks".into(),
                )));
            }
            (Job::Count(_, reply), Done::Pushed(_)) => {
                let _ = reply.send(Err(StoreError::Db(
                    "the writer answered a count with acks".into(),
                )));
            }
        }
    }
}

// ---- the listener ----

/// A wake-up as the writer sends it: `h SEQ` or `c INSTANCE ROUND`. A count from this
/// process (`own`) is not a change from elsewhere: the server told its streams itself.
fn parse_note(payload: &str, own: &str) -> Option<Change> {
    let mut parts = payload.split(' ');
    match (parts.next()?, parts.next()?, parts.next()) {
        ("h", seq, None) => seq.parse().ok().map(Change::Head),
        ("c", origin, Some(round)) if origin != own => round
            .parse::<uuid::Uuid>()
            .ok()
            .map(|r| Change::Count(RoundId(r))),
        _ => None,
    }
}

/// Ends the task it holds when dropped.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Listens for the writers' wake-ups (of every server on the database) until nobody
/// takes them any more, reconnecting when the connection breaks.
async fn listen_loop(connector: Connector, own: Arc<str>, out: broadcast::Sender<Change>) {
    let mut wait = Duration::from_millis(100);
    while out.receiver_count() > 0 {
        match listen_once(&connector, &own, &out, &mut wait).await {
            Ok(()) => return,
            Err(e) => tracing::warn!(
                error = %e,
                "the PostgreSQL listener lost its connection; reconnecting"
            ),
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(LISTEN_RETRY_MAX);
    }
}

/// One listening connection: `Ok` when nobody takes the changes any more, an error
/// when the connection failed.
async fn listen_once(
    connector: &Connector,
    own: &str,
    out: &broadcast::Sender<Change>,
    wait: &mut Duration,
) -> Result<(), StoreError> {
    let mut config = connector.config.clone();
    config.application_name(LISTENER_NAME);
    let (client, mut connection) = config
        .connect(connector.tls.clone())
        .await
        .map_err(db_err)?;
    // The connection's messages (notifications among them) are read by a task of
    // its own, which also drives the queries below.
    let (notes, mut received) = mpsc::unbounded_channel::<String>();
    let _driver = AbortOnDrop(tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    if notes.send(n.payload().to_string()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "the PostgreSQL listener's connection failed");
                    return;
                }
            }
        }
    }));
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .await
        .map_err(db_err)?;
    *wait = Duration::from_millis(100);
    let tip = || async {
        let row = client
            .query_one("SELECT seq FROM log_tip WHERE id = 1", &[])
            .await
            .map_err(db_err)?;
        Ok::<_, StoreError>(Change::Head(seq_of(row.get(0))))
    };
    // What was committed while nobody listened (at start, or while reconnecting).
    let _ = out.send(tip().await?);
    let mut poll = tokio::time::interval(LISTEN_POLL);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    poll.tick().await;
    loop {
        tokio::select! {
            note = received.recv() => match note {
                Some(payload) => match parse_note(&payload, own) {
                    Some(change) => {
                        let _ = out.send(change);
                    }
                    None => tracing::debug!(payload, "an unknown notification was ignored"),
                },
                None => return Err(StoreError::Db("the listening connection closed".into())),
            },
            _ = poll.tick() => {
                if out.receiver_count() == 0 {
                    return Ok(());
                }
                let _ = out.send(tip().await?);
            }
        }
    }
}

/// The PostgreSQL [`ServerStore`].
pub struct PgStore {
    connector: Connector,
    writer: mpsc::UnboundedSender<Job>,
    readers: Mutex<Vec<Client>>,
    /// One per reader connection in use.
    reading: tokio::sync::Semaphore,
    /// This process's name in the wake-ups it sends.
    instance: Arc<str>,
    /// The listener, once [`ServerStore::changes`] has started it.
    listener: Mutex<Option<(broadcast::Sender<Change>, JoinHandle<()>)>>,
}

impl PgStore {
    /// Connects, brings the schema up to date and starts the writer task. Must be
    /// called inside a tokio runtime.
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        Self::open_with(url, true).await
    }

    /// Opens a database that already holds a styr store (for `styr verify`, which must
    /// not make a store of a database given by mistake).
    pub async fn open_existing(url: &str) -> Result<PgStore, StoreError> {
        Self::open_with(url, false).await
    }

    async fn open_with(url: &str, create: bool) -> Result<PgStore, StoreError> {
        let connector = Connector::new(url)?;
        let mut client = connector.connect().await?;
        if !create {
            let found: Option<String> = client
                .query_one("SELECT to_regclass('styr_schema')::text", &[])
                .await
                .map_err(db_err)?
                .get(0);
            if found.is_none() {
                return Err(StoreError::Db(
                    "the database holds no styr server store".into(),
                ));
            }
        }
        migrate(&mut client).await?;
        let folded = {
            let tx = client.transaction().await.map_err(db_err)?;
            let head: i64 = tx
                .query_one("SELECT seq FROM log_tip WHERE id = 1", &[])
                .await
                .map_err(db_err)?
                .get(0);
            let mut folded = Folded {
                meetings: Meetings::default(),
                seq: 0,
            };
            catch_up(&tx, &mut folded).await?;
            folded.seq = seq_of(head);
            tx.commit().await.map_err(db_err)?;
            folded
        };
        let (tx, rx) = mpsc::unbounded_channel();
        let instance: Arc<str> = uuid::Uuid::now_v7().simple().to_string().into();
        tokio::spawn(writer_loop(
            connector.clone(),
            client,
            folded,
            instance.clone(),
            rx,
        ));
        Ok(PgStore {
            connector,
            writer: tx,
            readers: Mutex::new(Vec::new()),
            reading: tokio::sync::Semaphore::new(POOL_MAX),
            instance,
            listener: Mutex::new(None),
        })
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        self.writer.send(job).map_err(|_| StoreError::Closed)
    }

    /// A reader connection (from the pool, or a new one), and the permit that counts
    /// it in use.
    async fn take_reader(&self) -> Result<(Client, tokio::sync::SemaphorePermit<'_>), StoreError> {
        let permit = self
            .reading
            .acquire()
            .await
            .map_err(|_| StoreError::Closed)?;
        loop {
            let pooled = self.readers.lock().ok().and_then(|mut p| p.pop());
            match pooled {
                Some(c) if !c.is_closed() => return Ok((c, permit)),
                // A connection lost while idle: the next one, or a new one.
                Some(_) => continue,
                None => return Ok((self.connector.connect().await?, permit)),
            }
        }
    }

    fn give_back(&self, client: Client) {
        if client.is_closed() {
            return;
        }
        if let Ok(mut pool) = self.readers.lock() {
            pool.push(client);
        }
    }

    /// Runs `f` on a pooled connection inside a read-only snapshot, so that a page and
    /// its head come from the same moment.
    fn read<'a, T, F>(&'a self, f: F) -> StoreFuture<'a, T>
    where
        T: Send + 'a,
        F: for<'t> FnOnce(&'t Transaction<'t>) -> StoreFuture<'t, T> + Send + 'a,
    {
        Box::pin(async move {
            let (mut client, _permit) = self.take_reader().await?;
            let result = async {
                let tx = client
                    .build_transaction()
                    .isolation_level(IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()
                    .await
                    .map_err(db_err)?;
                let r = f(&tx).await;
                tx.commit().await.map_err(db_err)?;
                r
            }
            .await;
            self.give_back(client);
            result
        })
    }

    /// Runs `f` on a pooled connection, outside a transaction.
    async fn with_client<T>(
        &self,
        f: impl for<'c> FnOnce(&'c Client) -> StoreFuture<'c, T> + Send,
    ) -> Result<T, StoreError> {
        let (client, _permit) = self.take_reader().await?;
        let r = f(&client).await;
        self.give_back(client);
        r
    }
}

impl ServerStore for PgStore {
    fn push(&self, ops: Vec<Op>) -> StoreFuture<'_, Vec<SeqOp>> {
        Box::pin(writer_jobs::push(|j| self.send(j), ops))
    }

    fn cast_ballot(&self, cast: BallotCast) -> StoreFuture<'_, RoundCount> {
        Box::pin(writer_jobs::cast_ballot(|j| self.send(j), cast))
    }

    fn round_count(&self, round: RoundId) -> StoreFuture<'_, RoundCount> {
        Box::pin(writer_jobs::round_count(|j| self.send(j), round))
    }

    fn changes(&self) -> Option<broadcast::Receiver<Change>> {
        // The listener runs on the runtime; without one there is nobody to wake.
        tokio::runtime::Handle::try_current().ok()?;
        let mut listener = self.listener.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((out, task)) = &*listener {
            if !task.is_finished() {
                return Some(out.subscribe());
            }
        }
        let (out, rx) = broadcast::channel(CHANGES_CAPACITY);
        let task = tokio::spawn(listen_loop(
            self.connector.clone(),
            self.instance.clone(),
            out.clone(),
        ));
        *listener = Some((out, task));
        Some(rx)
    }

    fn pull(&self, since: u64, limit: usize) -> StoreFuture<'_, Page> {
        self.read(move |tx| {
            Box::pin(async move {
                let head = seq_of(
                    tx.query_one("SELECT seq FROM log_tip WHERE id = 1", &[])
                        .await
                        .map_err(db_err)?
                        .get(0),
                );
                let since = i64::try_from(since).unwrap_or(i64::MAX);
                let limit = i64::try_from(limit).unwrap_or(i64::MAX);
                let rows = tx
                    .query(
                        "SELECT seq, op FROM ops WHERE seq > $1 ORDER BY seq LIMIT $2",
                        &[&since, &limit],
                    )
                    .await
                    .map_err(db_err)?;
                let ops = rows
                    .iter()
                    .map(|row| {
                        let bytes: Vec<u8> = row.get(1);
                        decode_op(seq_of(row.get(0)), &bytes)
                    })
                    .collect::<Result<_, _>>()?;
                Ok(Page { ops, head })
            })
        })
    }

    fn head(&self) -> StoreFuture<'_, u64> {
        Box::pin(self.with_client(|c| {
            Box::pin(async move {
                let row = c
                    .query_one("SELECT seq FROM log_tip WHERE id = 1", &[])
                    .await
                    .map_err(db_err)?;
                Ok(seq_of(row.get(0)))
            })
        }))
    }

    fn user_by_token_hash(&self, token_hash: [u8; 32]) -> StoreFuture<'_, Option<User>> {
        Box::pin(self.with_client(move |c| {
            Box::pin(async move {
                let row = c
                    .query_opt(
                        &format!(
                            "SELECT {USER_COLUMNS}, token_hash FROM users WHERE token_hash = $1"
                        ),
                        &[&&token_hash[..]],
                    )
                    .await
                    .map_err(db_err)?;
                match row {
                    Some(row) => {
                        let stored: Vec<u8> = row.get(5);
                        // Found by the index; still compare in constant time.
                        if bool::from(stored.as_slice().ct_eq(&token_hash[..])) {
                            user_from_row(&row).map(Some)
                        } else {
                            Ok(None)
                        }
                    }
                    None => Ok(None),
                }
            })
        }))
    }

    fn add_user(&self, user: NewUser) -> StoreFuture<'_, User> {
        Box::pin(self.with_client(move |c| {
            Box::pin(async move {
                let result = c
                    .execute(
                        "INSERT INTO users (name, role, org, token_hash, created_at) \
                         VALUES ($1, $2, $3, $4, $5)",
                        &[
                            &user.name,
                            &user.role.as_str(),
                            &user.org,
                            &&user.token_hash[..],
                            &user.created_at,
                        ],
                    )
                    .await;
                match result {
                    Ok(_) => Ok(User {
                        name: user.name.clone(),
                        role: user.role,
                        org: user.org.clone(),
                        created_at: user.created_at,
                        revoked_at: None,
                    }),
                    Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                        Err(StoreError::UserExists(user.name.clone()))
                    }
                    Err(e) => Err(db_err(e)),
                }
            })
        }))
    }

    fn list_users(&self) -> StoreFuture<'_, Vec<User>> {
        Box::pin(self.with_client(|c| {
            Box::pin(async move {
                c.query(
                    &format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"),
                    &[],
                )
                .await
                .map_err(db_err)?
                .iter()
                .map(user_from_row)
                .collect()
            })
        }))
    }

    fn revoke_user(&self, name: String, at: i64) -> StoreFuture<'_, User> {
        Box::pin(self.with_client(move |c| {
            Box::pin(async move {
                c.execute(
                    "UPDATE users SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
                    &[&name, &at],
                )
                .await
                .map_err(db_err)?;
                let row = c
                    .query_opt(
                        &format!("SELECT {USER_COLUMNS} FROM users WHERE name = $1"),
                        &[&name],
                    )
                    .await
                    .map_err(db_err)?;
                match row {
                    Some(row) => user_from_row(&row),
                    None => Err(StoreError::NoSuchUser(name.clone())),
                }
            })
        }))
    }

    fn verify_chain(&self) -> StoreFuture<'_, u64> {
        self.read(|tx| {
            Box::pin(async move {
                let mut prev = GENESIS_HASH;
                let mut expected = 1u64;
                // Streamed, so that a long log is not held in memory at once.
                let rows = tx
                    .query_raw(
                        "SELECT seq, op, hash FROM ops ORDER BY seq",
                        std::iter::empty::<i64>(),
                    )
                    .await
                    .map_err(db_err)?;
                pin_mut!(rows);
                while let Some(row) = rows.next().await {
                    let row = row.map_err(db_err)?;
                    let seq = seq_of(row.get(0));
                    if seq != expected {
                        return Err(StoreError::Chain {
                            seq: expected,
                            reason: format!("the next stored seq is {seq}"),
                        });
                    }
                    let bytes: Vec<u8> = row.get(1);
                    let stored = hash_from(row.get(2), seq)?;
                    let want = chain_hash(&prev, seq, &bytes);
                    if !bool::from(stored.ct_eq(&want)) {
                        return Err(StoreError::Chain {
                            seq,
                            reason: "the stored hash does not match the op and the hash before it"
                                .into(),
                        });
                    }
                    prev = stored;
                    expected += 1;
                }
                let last = expected - 1;
                // The tip row is what the next push chains to: it must be the last op.
                let tip = tx
                    .query_one("SELECT seq, hash FROM log_tip WHERE id = 1", &[])
                    .await
                    .map_err(db_err)?;
                let tip_seq = seq_of(tip.get(0));
                let tip_hash = hash_from(tip.get(1), tip_seq)?;
                if tip_seq != last || !bool::from(tip_hash.ct_eq(&prev)) {
                    return Err(StoreError::Chain {
                        seq: last + 1,
                        reason: format!(
                            "the log's tip says seq {tip_seq}, but the last stored op is {last}"
                        ),
                    });
                }
                Ok(last)
            })
        })
    }
}
