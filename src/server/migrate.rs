//! `styr serve migrate --from sqlite://FILE --to postgres://…`: moves a server's whole
//! history from the SQLite file to PostgreSQL. The ops keep their seqs, stored JSON and
//! hashes (the chain is the same chain), the users their token hashes (everyone stays
//! logged in), and the ballots of open rounds come along, so a round open at the move
//! can be closed on the new store.
//!
//! The file is read in one read transaction (a consistent snapshot, also while the old
//! server runs and takes pushes) and its chain is checked while it is read; the target
//! is written in one transaction with its tip row locked, so a copy is whole or not
//! there at all.
//!
//! The target must be empty, or hold an earlier copy of the same file: its log a prefix
//! of the file's (the same hash at its tip) and its users the file's (the same token
//! hashes). Then only the ops after its tip are copied, and the users and ballots are
//! brought up to the file's. So a running installation moves in two steps: migrate
//! while it runs, stop the old server, migrate again (copies what came in meanwhile),
//! start the new servers. Running it again after that copies nothing. Anything else in
//! the target (a server started on it, users added there) is refused with a message
//! before anything is written.

use super::postgres::{db_err, migrate as migrate_schema, Connector};
use super::sqlite::open_connection;
use super::store::{chain_hash, StoreError, GENESIS_HASH};
use std::collections::HashMap;
use std::path::Path;
use tokio::sync::mpsc;

/// Ops sent to PostgreSQL in one statement.
const CHUNK: usize = 2000;

/// What a migration did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migrated {
    /// Ops in the target now (the file's head).
    pub ops: u64,
    /// Ops copied by this run.
    pub copied: u64,
    pub users: u64,
    /// Ballots of open rounds.
    pub ballots: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}: no such file")]
    NoSource(String),
    #[error(
        "the PostgreSQL database already holds {ops} changes and {users} users that are not \
         an earlier copy of this file; migrate copies into an empty database (one that no \
         styr serve has used) or into one it copied this file into before; nothing was copied"
    )]
    NotEmpty { ops: u64, users: u64 },
}

struct UserRow {
    name: String,
    role: String,
    org: String,
    token_hash: Vec<u8>,
    created_at: i64,
    revoked_at: Option<i64>,
}

struct BallotRow {
    round: String,
    voter: String,
    org: String,
    choice: String,
    hand_counted: bool,
    cast_at: i64,
}

#[derive(Default)]
struct OpRows {
    seq: Vec<i64>,
    op_id: Vec<String>,
    op: Vec<Vec<u8>>,
    hash: Vec<Vec<u8>>,
    stored_at: Vec<i64>,
}

/// What the reader of the file sends: chunks of ops after the target's tip, then the
/// rest of the snapshot.
enum Read {
    Ops(OpRows),
    End {
        head: u64,
        head_hash: [u8; 32],
        /// The file's hash at the target's tip seq (`None` when the file is shorter).
        hash_at_tip: Option<[u8; 32]>,
        users: Vec<UserRow>,
        ballots: Vec<BallotRow>,
    },
}

fn sqlite_err(e: rusqlite::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

/// A BLOB (or TEXT, if someone wrote one by hand) column as bytes.
fn bytes_at(row: &rusqlite::Row<'_>, idx: usize) -> Result<Vec<u8>, StoreError> {
    use rusqlite::types::ValueRef;
    match row.get_ref(idx).map_err(sqlite_err)? {
        ValueRef::Blob(b) | ValueRef::Text(b) => Ok(b.to_vec()),
        other => Err(StoreError::Corrupt(format!(
            "column {idx} holds {:?}, not bytes",
            other.data_type()
        ))),
    }
}

/// Reads the file in one snapshot, checking the chain, and sends the ops after `tip`
/// in chunks. Stops early when the receiver is gone (the copy failed).
fn read_file(
    path: &Path,
    tip: u64,
    out: &mpsc::Sender<Result<Read, StoreError>>,
) -> Result<(), StoreError> {
    let mut conn = open_connection(path)?;
    let tx = conn.transaction().map_err(sqlite_err)?;
    let mut users = Vec::new();
    {
        let mut stmt = tx
            .prepare(
                "SELECT name, role, org, token_hash, created_at, revoked_at FROM users ORDER BY id",
            )
            .map_err(sqlite_err)?;
        let mut rows = stmt.query([]).map_err(sqlite_err)?;
        while let Some(row) = rows.next().map_err(sqlite_err)? {
            users.push(UserRow {
                name: row.get(0).map_err(sqlite_err)?,
                role: row.get(1).map_err(sqlite_err)?,
                org: row.get(2).map_err(sqlite_err)?,
                token_hash: bytes_at(row, 3)?,
                created_at: row.get(4).map_err(sqlite_err)?,
                revoked_at: row.get(5).map_err(sqlite_err)?,
            });
        }
    }
    let mut ballots = Vec::new();
    {
        let mut stmt = tx
            .prepare("SELECT round, voter, org, choice, hand_counted, cast_at FROM ballots")
            .map_err(sqlite_err)?;
        let mut rows = stmt.query([]).map_err(sqlite_err)?;
        while let Some(row) = rows.next().map_err(sqlite_err)? {
            let hand_counted: i64 = row.get(4).map_err(sqlite_err)?;
            ballots.push(BallotRow {
                round: row.get(0).map_err(sqlite_err)?,
                voter: row.get(1).map_err(sqlite_err)?,
                org: row.get(2).map_err(sqlite_err)?,
                choice: row.get(3).map_err(sqlite_err)?,
                hand_counted: hand_counted != 0,
                cast_at: row.get(5).map_err(sqlite_err)?,
            });
        }
    }
    let mut prev = GENESIS_HASH;
    let mut expected = 1u64;
    let mut hash_at_tip = (tip == 0).then_some(GENESIS_HASH);
    let mut chunk = OpRows::default();
    {
        let mut stmt = tx
            .prepare("SELECT seq, op_id, op, hash, stored_at FROM ops ORDER BY seq")
            .map_err(sqlite_err)?;
        let mut rows = stmt.query([]).map_err(sqlite_err)?;
        while let Some(row) = rows.next().map_err(sqlite_err)? {
            let seq: i64 = row.get(0).map_err(sqlite_err)?;
            let seq = seq.max(0) as u64;
            if seq != expected {
                return Err(StoreError::Chain {
                    seq: expected,
                    reason: format!("the next stored seq is {seq}"),
                });
            }
            let op = bytes_at(row, 2)?;
            let hash = bytes_at(row, 3)?;
            let want = chain_hash(&prev, seq, &op);
            if hash[..] != want[..] {
                return Err(StoreError::Chain {
                    seq,
                    reason: "the stored hash does not match the op and the hash before it".into(),
                });
            }
            prev = want;
            if seq == tip {
                hash_at_tip = Some(want);
            }
            if seq > tip {
                chunk.seq.push(i64::try_from(seq).unwrap_or(i64::MAX));
                chunk.op_id.push(row.get(1).map_err(sqlite_err)?);
                chunk.op.push(op);
                chunk.hash.push(hash);
                chunk.stored_at.push(row.get(4).map_err(sqlite_err)?);
                if chunk.seq.len() == CHUNK {
                    let full = std::mem::take(&mut chunk);
                    if out.blocking_send(Ok(Read::Ops(full))).is_err() {
                        return Ok(());
                    }
                }
            }
            expected += 1;
        }
    }
    tx.finish().map_err(sqlite_err)?;
    if !chunk.seq.is_empty() && out.blocking_send(Ok(Read::Ops(chunk))).is_err() {
        return Ok(());
    }
    let _ = out.blocking_send(Ok(Read::End {
        head: expected - 1,
        head_hash: prev,
        hash_at_tip,
        users,
        ballots,
    }));
    Ok(())
}

/// Copies the SQLite file at `from` into the PostgreSQL database at `to` (see the
/// module's notes for when the target is taken).
pub async fn sqlite_to_postgres(from: &Path, to: &str) -> Result<Migrated, MigrateError> {
    if !from.is_file() {
        return Err(MigrateError::NoSource(from.display().to_string()));
    }
    let connector = Connector::new(to)?;
    let mut client = connector.connect().await?;
    migrate_schema(&mut client).await?;
    let tx = client.transaction().await.map_err(db_err)?;
    // Held to the end: no server on the target can write in between.
    let row = tx
        .query_one("SELECT seq, hash FROM log_tip WHERE id = 1 FOR UPDATE", &[])
        .await
        .map_err(db_err)?;
    let tip_seq: i64 = row.get(0);
    let tip_seq = tip_seq.max(0) as u64;
    let tip_hash: Vec<u8> = row.get(1);
    let target_users: HashMap<String, Vec<u8>> = tx
        .query("SELECT name, token_hash FROM users", &[])
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let not_empty = MigrateError::NotEmpty {
        ops: tip_seq,
        users: target_users.len() as u64,
    };

    let (send, mut received) = mpsc::channel(4);
    let path = from.to_path_buf();
    let reader = tokio::task::spawn_blocking(move || {
        if let Err(e) = read_file(&path, tip_seq, &send) {
            let _ = send.blocking_send(Err(e));
        }
    });
    let mut copied = 0u64;
    let end = loop {
        let Some(read) = received.recv().await else {
            return Err(
                StoreError::Db("the database file could not be read to the end".into()).into(),
            );
        };
        match read? {
            Read::Ops(rows) => {
                // An op the target holds at another seq fails the insert: it is then
                // no copy of this file.
                copied += rows.seq.len() as u64;
                tx.execute(
                    "INSERT INTO ops (seq, op_id, op, hash, stored_at) \
                     SELECT * FROM UNNEST($1::BIGINT[], $2::TEXT[], $3::BYTEA[], $4::BYTEA[], $5::BIGINT[])",
                    &[&rows.seq, &rows.op_id, &rows.op, &rows.hash, &rows.stored_at],
                )
                .await
                .map_err(|e| match e.code() {
                    Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => MigrateError::NotEmpty {
                        ops: tip_seq,
                        users: target_users.len() as u64,
                    },
                    _ => db_err(e).into(),
                })?;
            }
            Read::End {
                head,
                head_hash,
                hash_at_tip,
                users,
                ballots,
            } => {
                break (head, head_hash, hash_at_tip, users, ballots);
            }
        }
    };
    let _ = reader.await;
    let (head, head_hash, hash_at_tip, users, ballots) = end;
    // The target is an earlier copy of this file, or empty.
    let same_log = hash_at_tip.is_some_and(|h| h[..] == tip_hash[..]);
    let same_users = target_users.iter().all(|(name, hash)| {
        users
            .iter()
            .any(|u| &u.name == name && &u.token_hash == hash)
    });
    if !same_log || !same_users {
        return Err(not_empty);
    }
    let head_sql = i64::try_from(head).unwrap_or(i64::MAX);
    tx.execute(
        "UPDATE log_tip SET seq = $1, hash = $2 WHERE id = 1",
        &[&head_sql, &&head_hash[..]],
    )
    .await
    .map_err(db_err)?;
    for u in &users {
        // A user revoked in the target stays revoked.
        tx.execute(
            "INSERT INTO users (name, role, org, token_hash, created_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO UPDATE SET \
             role = EXCLUDED.role, org = EXCLUDED.org, token_hash = EXCLUDED.token_hash, \
             created_at = EXCLUDED.created_at, \
             revoked_at = COALESCE(users.revoked_at, EXCLUDED.revoked_at)",
            &[
                &u.name,
                &u.role,
                &u.org,
                &u.token_hash,
                &u.created_at,
                &u.revoked_at,
            ],
        )
        .await
        .map_err(db_err)?;
    }
    // The file's ballots are those of its open rounds; a round closed since the last
    // copy has taken its ballots into its close op.
    tx.execute("DELETE FROM ballots", &[])
        .await
        .map_err(db_err)?;
    for b in &ballots {
        tx.execute(
            "INSERT INTO ballots (round, voter, org, choice, hand_counted, cast_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &b.round,
                &b.voter,
                &b.org,
                &b.choice,
                &b.hand_counted,
                &b.cast_at,
            ],
        )
        .await
        .map_err(db_err)?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(Migrated {
        ops: head,
        copied,
        users: users.len() as u64,
        ballots: ballots.len() as u64,
    })
}
