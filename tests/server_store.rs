//! The server store through its trait (many tasks at once, the hash chain), the user
//! commands (library and the real binary), and `styr serve` killed in the middle of
//! pushes and started again on the same file.

mod common;

use common::server::{client, create_op, push, DEADLINE};
use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Instant;
use styr::model::{Op, OpId, Role};
use styr::protocol::{PullResponse, PushResponse, SeqOp};
use styr::server::sqlite::{open_connection, verify_chain_on};
use styr::server::{users, ServerStore, SqliteStore, StoreError};

fn stamped(n: usize) -> Vec<Op> {
    (0..n)
        .map(|_| {
            let mut op = create_op("innkommet");
            op.author = "admin".into();
            op
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_tasks_pushing_through_the_trait_get_gapless_seqs() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn ServerStore> =
        Arc::new(SqliteStore::open(&dir.path().join("styr.db")).unwrap());
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
        all.extend(t.join().unwrap());
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hash_chain_finds_an_altered_op() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("styr.db");
    let store = SqliteStore::open(&db).unwrap();
    store.push(stamped(5)).await.unwrap();
    assert_eq!(store.verify_chain().await.unwrap(), 5);
    // Someone edits op 3 behind styr's back.
    let conn = open_connection(&db).unwrap();
    conn.execute(
        "UPDATE ops SET op = replace(op, '\"admin\"', '\"mallory\"') WHERE seq = 3",
        [],
    )
    .unwrap();
    match store.verify_chain().await {
        Err(StoreError::Chain { seq, .. }) => assert_eq!(seq, 3),
        other => panic!("expected a broken chain at 3, got {other:?}"),
    }
    // And a deleted op is a gap.
    conn.execute("DELETE FROM ops WHERE seq = 2", []).unwrap();
    match store.verify_chain().await {
        Err(StoreError::Chain { seq, .. }) => assert_eq!(seq, 2),
        other => panic!("expected a gap at 2, got {other:?}"),
    }
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

    let mut stored: Vec<SeqOp> = Vec::new();
    loop {
        let page: PullResponse = c
            .get(format!("{url}{}", styr::protocol::PATH_OPS))
            .query(&[("since", stored.last().map_or(0, |s| s.seq))])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if page.ops.is_empty() {
            break;
        }
        stored.extend(page.ops);
    }
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
