//! `styr serve backup FILE`: taken with the real `styr` binary while clients push over
//! HTTP to a real server, the backup is a whole prefix of the op log with both hash
//! chains intact; a server restored from it takes the clients' retried pushes back
//! without a duplicate; and a backup never overwrites a file.

mod common;

use common::server::*;
use common::styr_cli::{run, text};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use styr::model::{Op, OpId, Role};
use styr::protocol::{PushResponse, SeqOp};
use styr::server::sqlite::{open_connection, pull_on};
use styr::server::verify::verify_file;
use styr::server::ServerConfig;

/// Writers and how many ops each pushes per request.
const WRITERS: usize = 4;
const BATCH: usize = 5;

/// Every op in a database file, in seq order.
fn ops_in(db: &std::path::Path) -> Vec<SeqOp> {
    let mut conn = open_connection(db).expect("the database opens");
    pull_on(&mut conn, 0, usize::MAX).expect("pull").ops
}

/// Pushes batches until `stop`, returning every op the server acknowledged.
async fn writer(url: String, token: String, stop: Arc<AtomicBool>) -> Vec<Op> {
    let c = client();
    let mut acked = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let ops: Vec<Op> = (0..BATCH).map(|_| create_op("innkommet")).collect();
        let res = push(&c, &url, &token, &ops).await;
        assert!(res.status().is_success(), "{}", res.status());
        let body: PushResponse = res.json().await.expect("a push answer");
        assert_eq!(body.acks.len(), ops.len());
        acked.extend(ops);
    }
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_clients_write_is_whole_and_restores_without_duplicates() {
    let server = TestServer::start().await;
    let token = server.add_user("sekretaer", Role::Secretary).await;
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..WRITERS)
        .map(|_| tokio::spawn(writer(server.url.clone(), token.clone(), stop.clone())))
        .collect();
    // Let the writers get going: wait until the log has some ops in it.
    wait_for("the first pushes", || {
        let store = server.store().clone();
        async move { store.head().await.unwrap_or(0) >= (WRITERS * BATCH) as u64 }
    })
    .await;

    let home = tempfile::tempdir().expect("tempdir");
    let file = home.path().join("kopi.db");
    let before = server.store().head().await.expect("head");
    let (db, f) = (server.db.clone(), file.clone());
    let home_path = home.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        run(
            &home_path,
            &[
                "serve",
                "backup",
                f.to_str().expect("utf-8"),
                "--db",
                db.to_str().expect("utf-8"),
            ],
        )
    })
    .await
    .expect("the backup command ran");
    let after = server.store().head().await.expect("head");
    stop.store(true, Ordering::Relaxed);
    let mut acked = Vec::new();
    for w in writers {
        acked.extend(w.await.expect("a writer"));
    }
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(after > before, "the clients wrote during the backup");

    // The copy verifies and is a whole prefix of the live log: every push committed
    // before the copy began, nothing torn.
    let verified = verify_file(&file).expect("the backup verifies");
    let backed_up = ops_in(&file);
    let live = ops_in(&server.db);
    let n = backed_up.len();
    assert_eq!(verified.ops, n as u64);
    assert!(
        (before as usize..=after as usize).contains(&n),
        "{before} ≤ {n} ≤ {after}"
    );
    assert_eq!(backed_up[..], live[..n]);
    assert_eq!(n % BATCH, 0, "whole pushes only");
    let said = text(&out.stdout);
    assert!(said.contains(&format!("{n} endringer")), "{said}");
    // Nothing of the temporary copy is left beside it.
    let leftovers: Vec<String> = std::fs::read_dir(home.path())
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("kopi") && n != "kopi.db")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Restore: a server on the backup. Clients push again what they were told was
    // stored (an outbox retrying after the restore): ops the backup has keep their
    // seq, the rest land once each.
    drop(server);
    let dir = tempfile::tempdir().expect("tempdir");
    let restored_db = dir.path().join("styr.db");
    std::fs::copy(&file, &restored_db).expect("the backup is copied into place");
    let restored = TestServer::start_on(dir, restored_db, ServerConfig::default()).await;
    let token = restored.add_user("sekretaer-2", Role::Secretary).await;
    let c = client();
    for chunk in acked.chunks(50) {
        let res = push(&c, &restored.url, &token, chunk).await;
        assert!(res.status().is_success(), "{}", res.status());
    }
    let after_restore = ops_in(&restored.db);
    let ids: Vec<OpId> = after_restore.iter().map(|o| o.op.op_id).collect();
    let unique: BTreeSet<OpId> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no op twice");
    let wanted: BTreeSet<OpId> = acked.iter().map(|o| o.op_id).collect();
    assert!(
        wanted.is_subset(&unique),
        "every acknowledged op is in the restored server"
    );
    assert_eq!(after_restore[..n], backed_up[..], "the backup's seqs hold");
    verify_file(&restored.db).expect("the restored log verifies");
}

#[test]
fn a_backup_never_overwrites_and_names_a_missing_database() {
    let home = tempfile::tempdir().expect("tempdir");
    let existing = home.path().join("finnes.db");
    std::fs::write(&existing, b"something else").expect("write");
    let db = home.path().join("styr.db");
    // No database yet.
    let out = run(
        home.path(),
        &[
            "serve",
            "backup",
            "ny.db",
            "--db",
            db.to_str().expect("utf-8"),
        ],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("Sikkerhetskopien ble ikke tatt"), "{err}");
    assert!(err.contains("styr.db"), "{err}");
    assert!(!home.path().join("ny.db").exists());
    assert!(!db.exists(), "a backup does not create the database");
    // A database, and a target that exists: refused, the file untouched.
    let conn = open_connection(&db).expect("a database");
    drop(conn);
    let out = run(
        home.path(),
        &[
            "serve",
            "backup",
            existing.to_str().expect("utf-8"),
            "--db",
            db.to_str().expect("utf-8"),
        ],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("finnes.db"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read(&existing).expect("read"),
        b"something else".to_vec()
    );
}

/// A change by a sync client: a new proposal.
fn proposal() -> styr::model::Payload {
    styr::model::Payload::CreateItem {
        item: styr::model::ItemId::new(),
        stage: styr::model::StageKey::new("innkommet"),
        fields: vec![],
    }
}

/// The op ids a client's cache holds as confirmed, and whether anything waits.
fn confirmed_ids(c: &common::client::Client) -> (BTreeSet<OpId>, usize, u64) {
    let r = c.replica();
    let ids = c.logged_ids().into_iter().collect();
    (ids, r.pending().len(), r.last_seq())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_ahead_of_a_restored_server_send_their_own_changes_again_and_converge() {
    use common::client::Client;
    use common::proxy::Proxy;
    let server = TestServer::start().await;
    let a = server.add_user("radgiver-a", Role::Secretary).await;
    let b = server.add_user("radgiver-b", Role::Secretary).await;
    let addr = |url: &str| -> std::net::SocketAddr {
        url.trim_start_matches("http://")
            .parse()
            .expect("an address")
    };
    // The clients reach the server through a proxy, so that the restored server (on
    // another port) has the same address for them.
    let proxy = Proxy::start(addr(&server.url)).await;
    let ca = Client::start("radgiver-a", &proxy.url(), &a);
    let cb = Client::start("radgiver-b", &proxy.url(), &b);
    let settled = |n: u64| {
        move |c: &Client| {
            let (ids, pending, last) = confirmed_ids(c);
            ids.len() as u64 == n && pending == 0 && last == n
        }
    };
    for _ in 0..3 {
        ca.change(proposal()).await;
        cb.change(proposal()).await;
    }
    for c in [&ca, &cb] {
        let done = settled(6);
        wait_for("six changes everywhere", || {
            let ok = done(c);
            async move { ok }
        })
        .await;
    }
    // The backup holds those six.
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = dir.path().join("kopi.db");
    let report = styr::server::backup::backup(&server.db, &copy).expect("the backup");
    assert_eq!(report.ops, 6);
    // Two more each, which the backup does not have.
    let mut later = Vec::new();
    for _ in 0..2 {
        later.push(ca.change(proposal()).await.op_id);
        later.push(cb.change(proposal()).await.op_id);
    }
    for c in [&ca, &cb] {
        let done = settled(10);
        wait_for("ten changes everywhere", || {
            let ok = done(c);
            async move { ok }
        })
        .await;
    }
    // The server is lost and restored from the backup.
    proxy.cut();
    let _ = server.shutdown().await;
    let restored_dir = tempfile::tempdir().expect("tempdir");
    let restored_db = restored_dir.path().join("styr.db");
    std::fs::copy(&copy, &restored_db).expect("the backup is put in place");
    let restored = TestServer::start_on(restored_dir, restored_db, ServerConfig::default()).await;
    proxy.heal(addr(&restored.url));
    // Each client finds the server behind it, sends its own two again and takes the
    // other's two from the server: both end with all ten, once each, as the server.
    for c in [&ca, &cb] {
        wait_for("the client to find the server behind it", || {
            let ok = c.saw(|e| matches!(e, styr::sync::SyncEvent::Rewound { .. }));
            async move { ok }
        })
        .await;
    }
    let server_head = || {
        let store = restored.store().clone();
        async move { store.head().await.unwrap_or(0) }
    };
    wait_for("the restored server to have all ten", || {
        let head = server_head();
        async move { head.await == 10 }
    })
    .await;
    for c in [&ca, &cb] {
        let done = settled(10);
        wait_for("the clients converge on the restored server", || {
            let ok = done(c);
            async move { ok }
        })
        .await;
        let rewound: Vec<styr::sync::SyncEvent> = c
            .events
            .lock()
            .expect("lock")
            .iter()
            .filter(|e| matches!(e, styr::sync::SyncEvent::Rewound { .. }))
            .cloned()
            .collect();
        // One rewind each. The first client to come back rewinds to the backup's 6;
        // the second may find the server's seq 7 holding the very op its own cache has
        // there (the first re-sent it first), and then rightly agrees up to 7.
        match rewound.as_slice() {
            [styr::sync::SyncEvent::Rewound {
                head,
                requeued,
                dropped,
            }] => {
                assert!((6..10).contains(head), "{}: rewound to {head}", c.name);
                assert_eq!(
                    (*requeued + *dropped) as u64,
                    10 - head,
                    "{}: every op after the agreed seq is sent again or dropped",
                    c.name
                );
                assert!(*requeued <= 2, "{}: only its own are sent again", c.name);
            }
            other => panic!("{}: one rewind, got {other:?}", c.name),
        }
    }
    let stored = ops_in(&restored.db);
    let ids: Vec<OpId> = stored.iter().map(|o| o.op.op_id).collect();
    let unique: BTreeSet<OpId> = ids.iter().copied().collect();
    assert_eq!(ids.len(), 10);
    assert_eq!(unique.len(), 10, "no op twice");
    for id in &later {
        assert!(
            unique.contains(id),
            "every change made after the backup is back"
        );
    }
    assert_eq!(confirmed_ids(&ca).0, unique);
    assert_eq!(confirmed_ids(&cb).0, unique);
    assert_eq!(ca.replica().view(), cb.replica().view());
    verify_file(&restored.db).expect("the restored log verifies");
}
