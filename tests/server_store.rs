//! The server store through its trait: one suite of cases (many tasks at once, retries,
//! paging, the hash chain, users, meetings and ballots, a reopen) run against both
//! stores, SQLite and PostgreSQL (on a throw-away cluster the test starts). Then the
//! user commands (library and the real binary), and `styr serve` killed in the middle
//! of pushes and started again on the same file.

mod common;

use common::meeting::{
    add_case, assert_cases_numbered, attendance, close_round, meeting_op, open_round, schedule,
    yes_no_rules,
};
use common::pg::PgCluster;
use common::server::{client, create_op, push, DEADLINE};
use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Instant;
use styr::model::meeting::{CaseId, MeetingChange, MeetingId, Meetings, RoundId};
use styr::model::vote::{Choice, YesNo};
use styr::model::{Op, OpId, Payload, Role};
use styr::protocol::{PushResponse, SeqOp};
use styr::server::sqlite::{open_connection, verify_chain_on};
use styr::server::{users, BallotCast, Page, PgStore, ServerStore, SqliteStore, StoreError};

fn stamped(n: usize) -> Vec<Op> {
    (0..n)
        .map(|_| {
            let mut op = create_op("innkommet");
            op.author = "admin".into();
            op
        })
        .collect()
}

// ---- the store suite: the same cases against SQLite and PostgreSQL ----

/// A fresh, empty store under test, and how to reach behind it.
struct Subject {
    store: Arc<dyn ServerStore>,
    backend: Backend,
}

enum Backend {
    Sqlite {
        db: PathBuf,
        _dir: tempfile::TempDir,
    },
    Postgres {
        url: String,
    },
}

/// Edits made behind the store's back, as someone with access to the database might.
enum Tamper {
    /// Op 3's author is changed in place.
    AlterOp3,
    /// Op 2 is deleted.
    DeleteOp2,
}

impl Subject {
    async fn sqlite() -> Subject {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("styr.db");
        Subject {
            store: Arc::new(SqliteStore::open(&db).expect("opens")),
            backend: Backend::Sqlite { db, _dir: dir },
        }
    }

    async fn postgres(url: String) -> Subject {
        Subject {
            store: Arc::new(PgStore::open(&url).await.expect("opens")),
            backend: Backend::Postgres { url },
        }
    }

    /// The same database opened again by a new store (a restarted server).
    async fn reopen(self) -> Subject {
        let Subject { store, backend } = self;
        drop(store);
        let store: Arc<dyn ServerStore> = match &backend {
            Backend::Sqlite { db, .. } => Arc::new(SqliteStore::open(db).expect("opens again")),
            Backend::Postgres { url } => Arc::new(PgStore::open(url).await.expect("opens again")),
        };
        Subject { store, backend }
    }

    async fn tamper(&self, t: Tamper) {
        match &self.backend {
            Backend::Sqlite { db, .. } => {
                let sql = match t {
                    Tamper::AlterOp3 => {
                        "UPDATE ops SET op = replace(op, '\"admin\"', '\"mallory\"') WHERE seq = 3"
                    }
                    Tamper::DeleteOp2 => "DELETE FROM ops WHERE seq = 2",
                };
                open_connection(db)
                    .expect("opens")
                    .execute(sql, [])
                    .expect("tampered");
            }
            Backend::Postgres { url } => {
                let sql = match t {
                    Tamper::AlterOp3 => {
                        "UPDATE ops SET op = convert_to(replace(convert_from(op, 'UTF8'), \
                         '\"admin\"', '\"mallory\"'), 'UTF8') WHERE seq = 3"
                    }
                    Tamper::DeleteOp2 => "DELETE FROM ops WHERE seq = 2",
                };
                let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
                    .await
                    .expect("connects");
                let driver = tokio::spawn(conn);
                client.batch_execute(sql).await.expect("tampered");
                drop(client);
                let _ = driver.await;
            }
        }
    }
}

type Case = fn(Subject) -> Pin<Box<dyn Future<Output = ()> + Send>>;

/// Every case of the suite, by name. Each gets a fresh store.
const CASES: &[(&str, Case)] = &[
    ("gapless_seqs_from_many_tasks", |s| {
        Box::pin(gapless_seqs_from_many_tasks(s))
    }),
    ("a_refused_push_stores_nothing_and_spares_the_others", |s| {
        Box::pin(a_refused_push_stores_nothing_and_spares_the_others(s))
    }),
    ("retried_ops_get_their_stored_seqs", |s| {
        Box::pin(retried_ops_get_their_stored_seqs(s))
    }),
    ("pull_pages_through_the_log", |s| {
        Box::pin(pull_pages_through_the_log(s))
    }),
    ("the_hash_chain_finds_an_altered_op", |s| {
        Box::pin(the_hash_chain_finds_an_altered_op(s))
    }),
    ("users_are_added_found_by_token_and_revoked", |s| {
        Box::pin(users_are_added_found_by_token_and_revoked(s))
    }),
    ("meeting_ops_are_stamped_and_ballots_counted", |s| {
        Box::pin(meeting_ops_are_stamped_and_ballots_counted(s))
    }),
    ("the_log_survives_a_reopen", |s| {
        Box::pin(the_log_survives_a_reopen(s))
    }),
];

async fn run_suite<F, Fut>(mut fresh: F)
where
    F: FnMut(&'static str) -> Fut,
    Fut: Future<Output = Subject>,
{
    for (name, case) in CASES {
        let started = Instant::now();
        // Named on stderr, so that a failing case is found in the test's output.
        eprintln!("store case {name}: start");
        case(fresh(name).await).await;
        eprintln!("store case {name}: passed in {:?}", started.elapsed());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_suite_on_sqlite() {
    run_suite(|_| Subject::sqlite()).await;
}

/// The suite against a PostgreSQL cluster of its own (one database per case).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn store_suite_on_postgres() {
    let started = Instant::now();
    let cluster = tokio::task::spawn_blocking(PgCluster::start)
        .await
        .expect("the cluster starts");
    eprintln!("PostgreSQL cluster started in {:?}", started.elapsed());
    let cluster = Arc::new(cluster);
    run_suite(|name| {
        let cluster = cluster.clone();
        async move {
            let url = tokio::task::spawn_blocking(move || cluster.create_database(name))
                .await
                .expect("createdb ran");
            Subject::postgres(url).await
        }
    })
    .await;
    // Beyond the shared suite: what only PostgreSQL offers, two servers on one database.
    let url = tokio::task::spawn_blocking({
        let cluster = cluster.clone();
        move || cluster.create_database("two_stores")
    })
    .await
    .expect("createdb ran");
    two_stores_on_one_database_share_seqs_and_case_numbers(&url).await;
    // And the binary on it (a cluster is not started twice for one test binary).
    let url = tokio::task::spawn_blocking({
        let cluster = cluster.clone();
        move || cluster.create_database("serve_restart")
    })
    .await
    .expect("createdb ran");
    serve_on_postgres_keeps_pushes_over_a_restart(&url).await;
    eprintln!("PostgreSQL suite done in {:?}", started.elapsed());
}

/// Two `PgStore`s on one database (as two `styr serve` processes would be) take pushes
/// at once: the seqs stay gapless across both, and case numbers never repeat, because
/// each writer folds in the other's ops under the tip lock before it stamps.
async fn two_stores_on_one_database_share_seqs_and_case_numbers(url: &str) {
    let a: Arc<dyn ServerStore> = Arc::new(PgStore::open(url).await.expect("opens"));
    let b: Arc<dyn ServerStore> = Arc::new(PgStore::open(url).await.expect("opens"));
    let meeting = MeetingId::new();
    a.push(vec![
        meeting_op("sekretaer", schedule(meeting, "2026-11-26 10:00")),
        meeting_op("sekretaer", attendance(meeting, &["leder"], &[])),
    ])
    .await
    .expect("pushed");
    let mut tasks = Vec::new();
    for i in 0..40usize {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            let mut ops = stamped(1 + i % 3);
            ops.push(meeting_op(
                "sekretaer",
                add_case(meeting, CaseId::new(), &format!("Sak {i}")),
            ));
            store.push(ops).await.expect("pushed")
        }));
    }
    let mut seqs = BTreeSet::new();
    for t in tasks {
        for ack in t.await.expect("task") {
            assert!(seqs.insert(ack.seq), "seq {} given twice", ack.seq);
        }
    }
    let head = b.head().await.expect("head");
    assert_eq!(head, 2 + seqs.len() as u64);
    assert_eq!(seqs, (3..=head).collect(), "gapless across both stores");
    let page = a.pull(0, 10_000).await.expect("pulled");
    let mut meetings = Meetings::default();
    for s in &page.ops {
        meetings.apply(&s.op);
    }
    assert_cases_numbered(&meetings, &meeting, 40);
    assert_eq!(a.verify_chain().await.expect("chain holds"), head);
}

async fn gapless_seqs_from_many_tasks(s: Subject) {
    let store = s.store.clone();
    let mut handles = Vec::new();
    for t in 0..32usize {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut got: Vec<SeqOp> = Vec::new();
            for i in 0..20usize {
                let ops = stamped(1 + (t + i) % 4);
                let acks = store.push(ops.clone()).await.unwrap();
                assert_eq!(acks.len(), ops.len());
                for (a, op) in acks.iter().zip(&ops) {
                    assert_eq!(a.op, *op);
                }
                // Every fifth push is retried: same seqs back.
                if i % 5 == 0 {
                    assert_eq!(store.push(ops).await.unwrap(), acks);
                }
                got.extend(acks);
            }
            got
        }));
    }
    // And plain threads on the same store, blocking on a runtime handle.
    let rt = tokio::runtime::Handle::current();
    let mut threads = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        let rt = rt.clone();
        threads.push(std::thread::spawn(move || {
            (0..25)
                .flat_map(|_| rt.block_on(store.push(stamped(2))).unwrap())
                .collect::<Vec<_>>()
        }));
    }
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }
    for t in threads {
        all.extend(
            tokio::task::spawn_blocking(move || t.join().unwrap())
                .await
                .unwrap(),
        );
    }
    let n = all.len() as u64;
    let seqs: BTreeSet<u64> = all.iter().map(|a| a.seq).collect();
    assert_eq!(seqs.len() as u64, n, "no seq given twice");
    assert_eq!(seqs, (1..=n).collect(), "1..=N without a gap");
    assert_eq!(store.head().await.unwrap(), n);
    let page = store.pull(0, n as usize + 10).await.unwrap();
    assert_eq!(page.ops.len() as u64, n);
    let by_seq: HashMap<u64, &SeqOp> = all.iter().map(|a| (a.seq, a)).collect();
    for stored in &page.ops {
        assert_eq!(by_seq[&stored.seq], stored, "stored as acknowledged");
    }
    assert_eq!(store.verify_chain().await.unwrap(), n);
}

/// Pushes committed together, some with an op the checks refuse (a score for a set
/// that does not exist): each refused push stores nothing, the others keep gapless seqs.
async fn a_refused_push_stores_nothing_and_spares_the_others(s: Subject) {
    let store = s.store.clone();
    let mut tasks = Vec::new();
    for t in 0..20usize {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut ops = stamped(2);
            if t % 2 == 1 {
                ops[1].payload = Payload::ScoreItem {
                    item: styr::model::ItemId::new(),
                    set: "no-such-set".into(),
                    scores: Some(styr::model::vote::Scores {
                        criteria: vec![1, 1, 1],
                        adjustment: 0,
                        comment: String::new(),
                    }),
                };
            }
            (t, ops.clone(), store.push(ops).await)
        }));
    }
    let mut kept = BTreeSet::new();
    let mut refused = BTreeSet::new();
    for task in tasks {
        let (t, ops, result) = task.await.expect("task");
        match result {
            Ok(acks) => {
                assert_eq!(t % 2, 0, "push {t} should have been refused");
                assert_eq!(acks.len(), 2);
                kept.extend(acks.iter().map(|a| (a.seq, a.op.op_id)));
            }
            Err(StoreError::Refused {
                op_index: Some(1), ..
            }) => {
                assert_eq!(t % 2, 1, "push {t} was refused");
                refused.extend(ops.iter().map(|o| o.op_id));
            }
            Err(e) => panic!("push {t}: {e}"),
        }
    }
    let page = store.pull(0, 1_000).await.expect("pulled");
    assert_eq!(
        page.ops
            .iter()
            .map(|o| (o.seq, o.op.op_id))
            .collect::<BTreeSet<_>>(),
        kept
    );
    assert_eq!(page.head, 20);
    assert_eq!(
        page.ops.iter().map(|o| o.seq).collect::<Vec<_>>(),
        (1..=20).collect::<Vec<u64>>()
    );
    assert!(page.ops.iter().all(|o| !refused.contains(&o.op.op_id)));
    assert_eq!(store.verify_chain().await.expect("chain"), 20);
}

async fn retried_ops_get_their_stored_seqs(s: Subject) {
    let first = stamped(3);
    let acks = s.store.push(first.clone()).await.unwrap();
    assert_eq!(acks.iter().map(|a| a.seq).collect::<Vec<_>>(), [1, 2, 3]);
    // A push mixing a stored op with new ones: the stored one keeps its seq, the new
    // ones follow the head, and nothing is stored twice.
    let mut mixed = stamped(2);
    mixed.insert(1, first[1].clone());
    let again = s.store.push(mixed.clone()).await.unwrap();
    assert_eq!(again.iter().map(|a| a.seq).collect::<Vec<_>>(), [4, 2, 5]);
    assert_eq!(again[1], acks[1], "the stored op as it was stored");
    // The same op twice in one push is stored once.
    let twin = stamped(1).remove(0);
    let twins = s.store.push(vec![twin.clone(), twin]).await.unwrap();
    assert_eq!(twins[0], twins[1]);
    assert_eq!(twins[0].seq, 6);
    assert_eq!(s.store.head().await.unwrap(), 6);
    assert!(s.store.push(Vec::new()).await.unwrap().is_empty());
    assert_eq!(s.store.verify_chain().await.unwrap(), 6);
}

async fn pull_pages_through_the_log(s: Subject) {
    assert_eq!(s.store.head().await.unwrap(), 0);
    let empty = s.store.pull(0, 10).await.unwrap();
    assert!(empty.ops.is_empty());
    assert_eq!(empty.head, 0);
    let pushed = s.store.push(stamped(25)).await.unwrap();
    let mut since = 0;
    let mut got = Vec::new();
    loop {
        let page = s.store.pull(since, 10).await.unwrap();
        assert_eq!(page.head, 25);
        assert!(page.ops.len() <= 10);
        let Some(last) = page.ops.last() else { break };
        since = last.seq;
        got.extend(page.ops);
    }
    assert_eq!(got, pushed);
    assert!(s.store.pull(25, 10).await.unwrap().ops.is_empty());
    assert!(s.store.pull(u64::MAX, 10).await.unwrap().ops.is_empty());
}

async fn the_hash_chain_finds_an_altered_op(s: Subject) {
    assert_eq!(
        s.store.verify_chain().await.unwrap(),
        0,
        "an empty log holds"
    );
    s.store.push(stamped(5)).await.unwrap();
    assert_eq!(s.store.verify_chain().await.unwrap(), 5);
    // Someone edits op 3 behind styr's back.
    s.tamper(Tamper::AlterOp3).await;
    match s.store.verify_chain().await {
        Err(StoreError::Chain { seq, .. }) => assert_eq!(seq, 3),
        other => panic!("expected a broken chain at 3, got {other:?}"),
    }
    // And a deleted op is a gap.
    s.tamper(Tamper::DeleteOp2).await;
    match s.store.verify_chain().await {
        Err(StoreError::Chain { seq, .. }) => assert_eq!(seq, 2),
        other => panic!("expected a gap at 2, got {other:?}"),
    }
}

async fn users_are_added_found_by_token_and_revoked(s: Subject) {
    use styr::server::auth::hash_token;
    use styr::server::NewUser;
    let new = |name: &str, role, token: &str| NewUser {
        name: name.into(),
        role,
        org: "Ørland kommune".into(),
        token_hash: hash_token(token),
        created_at: 1000,
    };
    assert!(s.store.list_users().await.unwrap().is_empty());
    let a = s
        .store
        .add_user(new("radgiver-b", Role::Chair, "styr_b"))
        .await
        .unwrap();
    assert_eq!((a.name.as_str(), a.role), ("radgiver-b", Role::Chair));
    s.store
        .add_user(new("Bestiller Åfjord", Role::Member, "styr_a"))
        .await
        .unwrap();
    assert!(matches!(
        s.store
            .add_user(new("radgiver-b", Role::Viewer, "styr_c"))
            .await,
        Err(StoreError::UserExists(n)) if n == "radgiver-b"
    ));
    let names: Vec<String> = s
        .store
        .list_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    assert_eq!(names, ["Bestiller Åfjord", "radgiver-b"], "sorted by name");
    let found = s
        .store
        .user_by_token_hash(hash_token("styr_b"))
        .await
        .unwrap();
    assert_eq!(found.map(|u| u.name), Some("radgiver-b".to_string()));
    assert_eq!(
        s.store
            .user_by_token_hash(hash_token("styr_x"))
            .await
            .unwrap(),
        None
    );
    let revoked = s
        .store
        .revoke_user("radgiver-b".into(), 5000)
        .await
        .unwrap();
    assert_eq!(revoked.revoked_at, Some(5000));
    // Revoking again keeps the first time.
    let again = s
        .store
        .revoke_user("radgiver-b".into(), 6000)
        .await
        .unwrap();
    assert_eq!(again.revoked_at, Some(5000));
    let found = s
        .store
        .user_by_token_hash(hash_token("styr_b"))
        .await
        .unwrap()
        .expect("a revoked user is still found, to be told they are revoked");
    assert!(!found.is_active());
    assert!(matches!(
        s.store.revoke_user("nobody".into(), 6000).await,
        Err(StoreError::NoSuchUser(_))
    ));
}

async fn meeting_ops_are_stamped_and_ballots_counted(s: Subject) {
    let meeting = MeetingId::new();
    let case = CaseId::new();
    let round = RoundId::new();
    let setup = vec![
        meeting_op("sekretaer", schedule(meeting, "2026-11-26 10:00")),
        meeting_op(
            "sekretaer",
            attendance(meeting, &["leder", "medlem-a", "medlem-b"], &["medlem-d"]),
        ),
        meeting_op(
            "sekretaer",
            add_case(meeting, case, "Felles sak- og arkivsystem"),
        ),
    ];
    s.store.push(setup).await.unwrap();
    // Cases pushed at once get distinct numbers, without a gap.
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = s.store.clone();
        tasks.push(tokio::spawn(async move {
            let op = meeting_op(
                "sekretaer",
                add_case(meeting, CaseId::new(), &format!("Sak {i}")),
            );
            store.push(vec![op]).await.unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let numbers = |page: &Page| {
        let mut meetings = Meetings::default();
        for s in &page.ops {
            meetings.apply(&s.op);
        }
        let mut n: Vec<u32> = meetings
            .agenda(&meeting)
            .iter()
            .map(|c| c.number.expect("every case has a number").seq)
            .collect();
        n.sort();
        n
    };
    let page = s.store.pull(0, 1000).await.unwrap();
    assert_eq!(numbers(&page), (1..=11).collect::<Vec<u32>>());

    s.store
        .push(vec![meeting_op(
            "leder",
            open_round(round, case, yes_no_rules(4), false),
        )])
        .await
        .unwrap();
    let yes = |voter: &str| BallotCast {
        round,
        voter: voter.into(),
        choice: Choice::YesNo(YesNo::Yes),
        hand_counted: false,
    };
    s.store.cast_ballot(yes("leder")).await.unwrap();
    s.store.cast_ballot(yes("medlem-a")).await.unwrap();
    // Voting again replaces the earlier ballot.
    let count = s.store.cast_ballot(yes("medlem-a")).await.unwrap();
    assert_eq!((count.ballots, count.open), (2, true));
    assert_eq!(count.voters, ["leder", "medlem-a"]);
    assert!(
        matches!(
            s.store.cast_ballot(yes("medlem-d")).await,
            Err(StoreError::Refused { op_index: None, .. })
        ),
        "an absent member may not vote"
    );
    assert!(matches!(
        s.store
            .cast_ballot(BallotCast {
                round: RoundId::new(),
                ..yes("leder")
            })
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.store.round_count(round).await.unwrap().ballots, 2);

    let closed = s
        .store
        .push(vec![meeting_op("leder", close_round(round))])
        .await
        .unwrap();
    let Payload::Meeting { change } = &closed[0].op.payload else {
        panic!("a meeting op")
    };
    let MeetingChange::CloseRound {
        result, ballots, ..
    } = &**change
    else {
        panic!("a close op")
    };
    assert_eq!(result.as_ref().expect("tallied by the store").ballots, 2);
    assert_eq!(ballots.len(), 2, "the close op carries the ballots out");
    assert!(
        matches!(
            s.store.cast_ballot(yes("medlem-b")).await,
            Err(StoreError::Refused { .. })
        ),
        "a closed round takes no ballot"
    );
    let count = s.store.round_count(round).await.unwrap();
    assert_eq!((count.ballots, count.open), (0, false));

    // A meeting rule's refusal stores nothing of its push.
    let head = s.store.head().await.unwrap();
    let refused = s
        .store
        .push(vec![
            stamped(1).remove(0),
            meeting_op("leder", close_round(round)),
        ])
        .await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Refused {
                op_index: Some(1),
                ..
            })
        ),
        "{refused:?}"
    );
    assert_eq!(s.store.head().await.unwrap(), head);

    // A store opened again folds the meetings from the log: numbering goes on.
    let s = s.reopen().await;
    s.store
        .push(vec![meeting_op(
            "sekretaer",
            add_case(meeting, CaseId::new(), "Sak etter omstart"),
        )])
        .await
        .unwrap();
    let page = s.store.pull(0, 1000).await.unwrap();
    assert_eq!(numbers(&page), (1..=12).collect::<Vec<u32>>());
    assert_eq!(s.store.verify_chain().await.unwrap(), page.head);
}

async fn the_log_survives_a_reopen(s: Subject) {
    let acks = s.store.push(stamped(7)).await.unwrap();
    let s = s.reopen().await;
    assert_eq!(s.store.head().await.unwrap(), 7);
    assert_eq!(s.store.pull(0, 100).await.unwrap().ops, acks);
    // The chain goes on from the stored tip.
    let more = s.store.push(stamped(2)).await.unwrap();
    assert_eq!(more[0].seq, 8);
    assert_eq!(
        s.store
            .push(acks.iter().map(|a| a.op.clone()).collect())
            .await
            .unwrap(),
        acks
    );
    assert_eq!(s.store.verify_chain().await.unwrap(), 9);
}

#[test]
fn user_commands_add_list_revoke_on_a_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server").join("styr.db");
    let radgiver_a = users::add(
        &db,
        " Bestiller Åfjord ",
        Role::Member,
        "Åfjord kommune",
        1000,
    )
    .unwrap();
    assert_eq!(radgiver_a.user.name, "Bestiller Åfjord");
    assert!(radgiver_a.token.starts_with("styr_"));
    let radgiver_b = users::add(&db, "radgiver-b", Role::Chair, "Ørland kommune", 2000).unwrap();
    assert_ne!(radgiver_a.token, radgiver_b.token);
    assert!(matches!(
        users::add(&db, "radgiver-b", Role::Viewer, "", 3000),
        Err(users::UserError::Store(StoreError::UserExists(_)))
    ));
    assert!(matches!(
        users::add(&db, "bad\nname", Role::Viewer, "", 3000),
        Err(users::UserError::BadName(_))
    ));
    let list = users::list(&db).unwrap();
    assert_eq!(
        list.iter()
            .map(|u| (u.name.as_str(), u.role, u.is_active()))
            .collect::<Vec<_>>(),
        vec![
            ("Bestiller Åfjord", Role::Member, true),
            ("radgiver-b", Role::Chair, true)
        ]
    );
    // The token is stored only as its hash, and finds its user.
    let conn = open_connection(&db).unwrap();
    let stored: Vec<u8> = conn
        .query_row(
            "SELECT token_hash FROM users WHERE name = 'radgiver-b'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        stored,
        styr::server::auth::hash_token(&radgiver_b.token).to_vec()
    );
    let found = styr::server::sqlite::user_by_token_hash_on(
        &conn,
        &styr::server::auth::hash_token(&radgiver_b.token),
    )
    .unwrap();
    assert_eq!(found.map(|u| u.name), Some("radgiver-b".to_string()));

    let revoked = users::revoke(&db, "radgiver-b", 5000).unwrap();
    assert_eq!(revoked.revoked_at, Some(5000));
    assert!(!users::list(&db).unwrap()[1].is_active());
    assert!(matches!(
        users::revoke(&db, "nobody", 6000),
        Err(StoreError::NoSuchUser(_))
    ));
}

fn styr(args: &[&str], home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_styr"));
    c.args(args)
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("STYR_DATA_DIR", home.join("data"))
        .env("LANG", "en_GB.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("STYR_SERVER_DB")
        .stdin(Stdio::null());
    c
}

#[test]
fn user_commands_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("srv.db");
    let db = db.to_str().unwrap();
    let out = styr(
        &[
            "user",
            "add",
            "Radgiver-A",
            "--role",
            "secretary",
            "--org",
            "Fosen IKT",
            "--db",
            db,
            "--url",
            "https://styr.example:8470",
        ],
        home,
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("styr login "))
        .unwrap_or_else(|| panic!("no login line in {text:?}"));
    let parts: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(parts[2], "https://styr.example:8470");
    let token = parts[3];
    assert!(token.starts_with("styr_") && token.len() == 69, "{token}");

    let out = styr(&["user", "list", "--db", db], home).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text.lines().find(|l| l.starts_with("Radgiver-A")).unwrap();
    assert!(
        row.contains("secretary") && row.contains("Fosen IKT") && row.contains("active"),
        "{row}"
    );

    // A second user with the same name is refused, with a message and exit code 1.
    let out = styr(&["user", "add", "Radgiver-A", "--db", db], home)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

    let out = styr(&["user", "revoke", "Radgiver-A", "--db", db], home)
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = styr(&["user", "list", "--db", db, "--lang", "nb"], home)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with("Radgiver-A") && l.contains("sperret")),
        "{text}"
    );
    let out = styr(&["user", "revoke", "Nobody", "--db", db], home)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

/// A `styr serve` child process and its output lines.
struct ServeProcess {
    child: Child,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

impl ServeProcess {
    fn start(home: &Path, db: &Path) -> Self {
        let mut child = styr(
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                db.to_str().unwrap(),
            ],
            home,
        )
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        let lines = |r: Box<dyn std::io::Read + Send>| {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(r).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            rx
        };
        let stdout = lines(Box::new(child.stdout.take().unwrap()));
        let stderr = lines(Box::new(child.stderr.take().unwrap()));
        ServeProcess {
            child,
            stdout,
            stderr,
        }
    }

    fn line_with(rx: &mpsc::Receiver<String>, what: &str) -> String {
        let until = Instant::now() + DEADLINE;
        loop {
            let left = until
                .checked_duration_since(Instant::now())
                .unwrap_or_else(|| panic!("no line with {what:?} in time"));
            let line = rx
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no line with {what:?} in time"));
            if line.contains(what) {
                return line;
            }
        }
    }

    /// The URL from the log line `listening on URL`.
    fn url(&self) -> String {
        let line = Self::line_with(&self.stderr, "listening on ");
        let rest = &line[line.find("listening on ").unwrap() + "listening on ".len()..];
        rest.split_whitespace().next().unwrap().to_string()
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_killed_in_the_middle_of_pushes_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let db = home.join("server.db");
    let mut first = ServeProcess::start(home, &db);
    let login = ServeProcess::line_with(&first.stdout, "styr login ");
    let parts: Vec<String> = login.split_whitespace().map(str::to_string).collect();
    let (url, token) = (parts[2].clone(), parts[3].clone());
    assert_eq!(first.url(), url);

    let total = 600;
    let all: Arc<Vec<Op>> = Arc::new((0..total).map(|_| create_op("innkommet")).collect());
    let acked: Arc<Mutex<HashMap<OpId, u64>>> = Arc::default();
    let mut pushers = Vec::new();
    for w in 0..6usize {
        let (all, acked, url, token) = (all.clone(), acked.clone(), url.clone(), token.clone());
        pushers.push(tokio::spawn(async move {
            let c = client();
            let mine: Vec<Op> = all.iter().skip(w).step_by(6).cloned().collect();
            for batch in mine.chunks(4) {
                let res = c
                    .post(format!("{url}{}", styr::protocol::PATH_OPS))
                    .bearer_auth(&token)
                    .json(&styr::protocol::PushRequest {
                        ops: batch.to_vec(),
                    })
                    .send()
                    .await;
                let Ok(res) = res else { return };
                let Ok(body) = res.json::<PushResponse>().await else {
                    return;
                };
                let mut a = acked.lock().unwrap();
                for ack in body.acks {
                    a.insert(ack.op.op_id, ack.seq);
                }
            }
        }));
    }
    // Kill the server (SIGKILL) once a good part is acknowledged.
    let until = Instant::now() + DEADLINE;
    while acked.lock().unwrap().len() < total / 4 {
        assert!(
            Instant::now() < until,
            "pushes were not acknowledged in time"
        );
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    for p in pushers {
        p.await.unwrap();
    }
    let acked_before: HashMap<OpId, u64> = acked.lock().unwrap().clone();
    assert!(acked_before.len() < total, "the kill came before the end");

    // Start again on the same file; retry every op not seen acknowledged.
    let second = ServeProcess::start(home, &db);
    let url = second.url();
    let c = client();
    let unacked: Vec<Op> = all
        .iter()
        .filter(|o| !acked_before.contains_key(&o.op_id))
        .cloned()
        .collect();
    for batch in unacked.chunks(50) {
        let res = push(&c, &url, &token, batch).await;
        assert!(res.status().is_success());
    }
    // Retrying acknowledged ops gives their seqs back.
    let some_acked: Vec<Op> = all
        .iter()
        .filter(|o| acked_before.contains_key(&o.op_id))
        .take(20)
        .cloned()
        .collect();
    let res: PushResponse = push(&c, &url, &token, &some_acked)
        .await
        .json()
        .await
        .unwrap();
    for a in res.acks {
        assert_eq!(Some(&a.seq), acked_before.get(&a.op.op_id));
    }

    let stored = common::server::pull_all(&c, &url, &token).await;
    assert_eq!(stored.len(), total, "every op stored exactly once");
    let ids: BTreeSet<OpId> = stored.iter().map(|s| s.op.op_id).collect();
    assert_eq!(ids, all.iter().map(|o| o.op_id).collect());
    assert_eq!(
        stored.iter().map(|s| s.seq).collect::<Vec<_>>(),
        (1..=total as u64).collect::<Vec<_>>()
    );
    for s in &stored {
        if let Some(seq) = acked_before.get(&s.op.op_id) {
            assert_eq!(*seq, s.seq, "an acknowledged op kept its seq");
        }
    }
    let mut conn = open_connection(&db).unwrap();
    assert_eq!(verify_chain_on(&mut conn).unwrap(), total as u64);

    // SIGTERM stops the server cleanly.
    let mut second = second;
    // SAFETY: sending a signal to our own child by its id.
    unsafe { libc::kill(second.child.id() as i32, libc::SIGTERM) };
    let until = Instant::now() + DEADLINE;
    loop {
        if let Some(status) = second.child.try_wait().unwrap() {
            assert!(status.success(), "{status:?}");
            break;
        }
        assert!(Instant::now() < until, "serve did not stop on SIGTERM");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The writer never checkpoints inside a commit (that stalled every waiting push); the
/// checkpoint thread copies the WAL into the database file once pushes pause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_is_checkpointed_when_pushes_pause() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("styr.db");
    let store = SqliteStore::open(&db).expect("opens");
    let before = std::fs::metadata(&db).expect("db file").len();
    for chunk in stamped(600).chunks(100) {
        store.push(chunk.to_vec()).await.expect("pushed");
    }
    let until = Instant::now() + DEADLINE;
    loop {
        let now = std::fs::metadata(&db).expect("db file").len();
        if now > before + 100_000 {
            break;
        }
        assert!(
            Instant::now() < until,
            "the database file did not grow past {before} bytes: no checkpoint ran"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(store.head().await.expect("head"), 600);
}

/// `styr serve --db postgres://…`: the real binary on the suite's cluster takes pushes,
/// keeps them over a restart, and never shows the URL's password.
async fn serve_on_postgres_keeps_pushes_over_a_restart(db_url: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    // Trust authentication ignores the password; it is there to be hidden.
    let url = db_url.replace("postgres://styr@", "postgres://styr:pw-not-to-be-shown@");
    let db = Path::new(&url);
    let first = ServeProcess::start(home, db);
    let login = ServeProcess::line_with(&first.stdout, "styr login ");
    let parts: Vec<String> = login.split_whitespace().map(str::to_string).collect();
    let (server, token) = (parts[2].clone(), parts[3].clone());
    // Every log line up to "listening on" (which names the database) hides the password.
    let until = Instant::now() + DEADLINE;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let line = first.stderr.recv_timeout(left).expect("a log line in time");
        assert!(!line.contains("pw-not-to-be-shown"), "{line}");
        if line.contains("listening on ") {
            assert!(line.contains("127.0.0.1"), "{line}");
            break;
        }
    }
    let c = client();
    let ops: Vec<Op> = (0..30).map(|_| create_op("innkommet")).collect();
    for batch in ops.chunks(10) {
        let res = push(&c, &server, &token, batch).await;
        assert!(res.status().is_success(), "{}", res.status());
    }
    drop(first);

    let second = ServeProcess::start(home, db);
    let server = second.url();
    let page = common::server::pull_page(&c, &server, &token, 0).await;
    assert_eq!(
        page.ops.iter().map(|s| s.op.op_id).collect::<Vec<_>>(),
        ops.iter().map(|o| o.op_id).collect::<Vec<_>>()
    );
    assert_eq!(
        page.ops.iter().map(|s| s.seq).collect::<Vec<_>>(),
        (1..=30).collect::<Vec<u64>>()
    );
    drop(second);

    // The user commands work on the URL as on a file.
    let out = styr(
        &[
            "user",
            "add",
            "Radgiver-A",
            "--role",
            "secretary",
            "--db",
            &url,
        ],
        home,
    )
    .output()
    .expect("styr runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = styr(&["user", "revoke", "Radgiver-A", "--db", &url], home)
        .output()
        .expect("styr runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = styr(&["user", "list", "--db", &url], home)
        .output()
        .expect("styr runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("Radgiver-A")
            && l.contains("secretary")
            && l.contains("revoked")),
        "{text}"
    );
    assert!(text.lines().any(|l| l.starts_with("admin")), "{text}");
    let out = styr(&["user", "add", "Radgiver-A", "--db", &url], home)
        .output()
        .expect("styr runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));

    // `styr verify` takes the URL too, and names it without its password.
    let out = styr(&["verify", "--db", &url], home)
        .output()
        .expect("styr runs");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("30 changes and 0 decisions"), "{said}");
    assert!(!said.contains("pw-not-to-be-shown"), "{said}");
    // The backup needs the SQLite file and says so instead of making a file of the URL.
    let backup = home.join("copy.db");
    let out = styr(
        &[
            "serve",
            "backup",
            backup.to_str().expect("utf-8"),
            "--db",
            &url,
        ],
        home,
    )
    .output()
    .expect("styr runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PostgreSQL"), "{err}");
    assert!(!err.contains("pw-not-to-be-shown"), "{err}");
    assert!(!backup.exists());
}
