//! Several `styr serve` on one PostgreSQL, and the move from SQLite to PostgreSQL, on
//! one throw-away cluster this test starts (each case on a database of its own):
//!
//! - an op pushed to one server reaches the event streams of every server, in seq
//!   order, also after the listening connection was cut;
//! - a vote round with ballots cast through both servers: both show the same counts
//!   and the same result, and case numbers added through both never repeat;
//! - one server (the binary) killed with SIGKILL in the middle of pushes through one
//!   address (a proxy, as a load balancer would be): no acknowledged op is lost, the
//!   clients go on with the other server and converge, every op stored exactly once;
//! - `styr serve migrate` from a populated SQLite file: every op, seq and hash the
//!   same, users and open ballots along, a second run copies only what is new, a used
//!   database is refused, and `styr verify` passes on the copy.

mod common;

use common::client::Client as SyncClient;
use common::meeting::{
    add_case, assert_cases_numbered, attendance, close_round, decide, meeting_op, open_round,
    schedule, yes_no_rules,
};
use common::pg::PgCluster;
use common::proxy::Proxy;
use common::server::{
    client, create_op, now_ms, pull_all, push, round_count, wait_for, SseReader, TestServer,
    DEADLINE,
};
use common::styr_cli::{self, Server as ServeProcess};
use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use styr::model::meeting::{CaseId, MeetingChange, MeetingId, Meetings, Reached, RoundId};
use styr::model::vote::{Choice, YesNo};
use styr::model::{ItemId, Op, OpId, Payload, Role, StageKey};
use styr::protocol::{
    ballots_path, BallotRequest, PushResponse, RoundCount, SeqOp, PATH_EVENTS, PATH_OPS,
};
use styr::server::{self, users, AppState, PgStore, ServerConfig, ServerStore};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A `styr serve` in this process on a PostgreSQL database, on 127.0.0.1:0.
struct PgServer {
    url: String,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl PgServer {
    async fn start(db: &str) -> PgServer {
        let store: Arc<dyn ServerStore> = Arc::new(PgStore::open(db).await.expect("opens"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binds");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let state = AppState::new(store, ServerConfig::default());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        PgServer {
            url,
            state,
            stop: Some(stop),
            task,
        }
    }

    fn store(&self) -> &Arc<dyn ServerStore> {
        self.state.store()
    }

    async fn add_user(&self, name: &str, role: Role) -> String {
        users::add_to(&**self.store(), name, role, "Fosen IKT", now_ms())
            .await
            .expect("the user is added")
            .token
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.abort();
    }
}

/// The event stream of `url` from `since`, on a client without a timeout (the stream
/// lives as long as the case).
async fn events(url: &str, token: &str, since: u64) -> SseReader {
    let res = reqwest::Client::new()
        .get(format!("{url}{PATH_EVENTS}"))
        .query(&[("since", since)])
        .bearer_auth(token)
        .send()
        .await
        .expect("the stream opens");
    assert!(res.status().is_success(), "{}", res.status());
    SseReader::new(res)
}

/// The next op on a stream (counts are skipped); fails the test at the deadline.
async fn next_op(stream: &mut SseReader, what: &str) -> (SeqOp, String) {
    let until = Instant::now() + DEADLINE;
    loop {
        let ev = stream
            .next_until(until)
            .await
            .unwrap_or_else(|| panic!("{what}: no op on the stream within {DEADLINE:?}"));
        if ev.event.as_deref() == Some("op") {
            let op: SeqOp = serde_json::from_str(&ev.data).expect("an op event");
            assert_eq!(ev.id, Some(op.seq.to_string()), "the event's id is its seq");
            return (op, ev.data);
        }
    }
}

async fn pushed(c: &reqwest::Client, url: &str, token: &str, ops: &[Op]) -> Vec<SeqOp> {
    let res = push(c, url, token, ops).await;
    assert!(
        res.status().is_success(),
        "{}: {}",
        res.status(),
        res.text().await.unwrap_or_default()
    );
    res.json::<PushResponse>().await.expect("acks").acks
}

async fn vote(c: &reqwest::Client, url: &str, token: &str, round: RoundId, choice: YesNo) {
    let res = c
        .post(format!("{url}{}", ballots_path(&round)))
        .bearer_auth(token)
        .json(&BallotRequest {
            choice: Choice::YesNo(choice),
            on_behalf_of: None,
        })
        .send()
        .await
        .expect("the server answers");
    assert!(
        res.status().is_success(),
        "{}: {}",
        res.status(),
        res.text().await.unwrap_or_default()
    );
}

fn change_of(op: &Op) -> &MeetingChange {
    match &op.payload {
        Payload::Meeting { change } => change,
        other => panic!("not a meeting op: {other:?}"),
    }
}

/// A plain connection to the test database, to look behind the servers.
async fn sql(url: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connects");
    tokio::spawn(conn);
    client
}

async fn listeners(db: &tokio_postgres::Client) -> i64 {
    db.query_one(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE application_name = $1 AND datname = current_database()",
        &[&server::postgres::LISTENER_NAME],
    )
    .await
    .expect("pg_stat_activity")
    .get(0)
}

async fn case<F: Future<Output = ()>>(name: &str, run: F) {
    let started = Instant::now();
    eprintln!("case {name}: start");
    run.await;
    eprintln!("case {name}: passed in {:?}", started.elapsed());
}

/// One cluster for every case (starting one takes seconds); a database each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn several_servers_on_one_postgresql() {
    let started = Instant::now();
    let cluster = Arc::new(
        tokio::task::spawn_blocking(PgCluster::start)
            .await
            .expect("the cluster starts"),
    );
    eprintln!("PostgreSQL cluster started in {:?}", started.elapsed());
    let db = |name: &'static str| {
        let cluster = cluster.clone();
        async move {
            tokio::task::spawn_blocking(move || cluster.create_database(name))
                .await
                .expect("createdb ran")
        }
    };
    case(
        "an op pushed to one server reaches the streams of all",
        a_push_to_one_server_reaches_every_stream(db("streams").await),
    )
    .await;
    case(
        "a cut listening connection comes back and misses nothing",
        a_cut_listener_comes_back(db("listener").await),
    )
    .await;
    case(
        "a vote through two servers: the same counts and result",
        a_vote_through_two_servers(db("vote").await),
    )
    .await;
    case(
        "one server killed mid-burst: nothing acknowledged lost",
        one_server_killed_in_a_burst(db("kill").await),
    )
    .await;
    case(
        "migrate from SQLite keeps every op and the chain",
        migrate_from_sqlite(db("migrated").await, db("used").await),
    )
    .await;
    eprintln!("all cases done in {:?}", started.elapsed());
}

async fn a_push_to_one_server_reaches_every_stream(db: String) {
    let a = PgServer::start(&db).await;
    let b = PgServer::start(&db).await;
    let token = a.add_user("sekretaer", Role::Secretary).await;
    let c = client();
    let mut on_a = events(&a.url, &token, 0).await;
    let mut on_b = events(&b.url, &token, 0).await;

    // Only A takes the push; only the notification can wake B's stream.
    let first = create_op("innkommet");
    let ack = pushed(&c, &a.url, &token, std::slice::from_ref(&first)).await;
    let (seen, _) = next_op(&mut on_b, "B's stream, an op pushed to A").await;
    assert_eq!((seen.seq, seen.op.op_id), (ack[0].seq, first.op_id));
    // And the other way round.
    let second = create_op("innkommet");
    let ack = pushed(&c, &b.url, &token, std::slice::from_ref(&second)).await;
    for (seq, id) in [(1, first.op_id), (ack[0].seq, second.op_id)] {
        let (seen, _) = next_op(&mut on_a, "A's stream").await;
        assert_eq!((seen.seq, seen.op.op_id), (seq, id));
    }
    let (seen, _) = next_op(&mut on_b, "B's stream, its own push").await;
    assert_eq!(seen.op.op_id, second.op_id);

    // Many pushes at once through both: each stream carries the log, every op once,
    // in seq order without a gap.
    let mut tasks = Vec::new();
    for t in 0..8usize {
        let (c, token) = (c.clone(), token.clone());
        let url = if t % 2 == 0 {
            a.url.clone()
        } else {
            b.url.clone()
        };
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let ops: Vec<Op> = (0..1 + (t + i) % 3)
                    .map(|_| create_op("innkommet"))
                    .collect();
                pushed(&c, &url, &token, &ops).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("a pusher");
    }
    let log = pull_all(&c, &b.url, &token).await;
    assert_eq!(
        log.iter().map(|s| s.seq).collect::<Vec<_>>(),
        (1..=log.len() as u64).collect::<Vec<_>>()
    );
    let want: Vec<(u64, OpId)> = log[2..].iter().map(|s| (s.seq, s.op.op_id)).collect();
    for (name, stream) in [("A", &mut on_a), ("B", &mut on_b)] {
        let mut got = Vec::new();
        while got.len() < want.len() {
            let (s, _) = next_op(stream, name).await;
            got.push((s.seq, s.op.op_id));
        }
        assert_eq!(got, want, "{name}'s stream is the log");
    }
    assert_eq!(
        a.store().verify_chain().await.expect("chain"),
        log.len() as u64
    );
}

async fn a_cut_listener_comes_back(db: String) {
    let a = PgServer::start(&db).await;
    let b = PgServer::start(&db).await;
    let token = a.add_user("sekretaer", Role::Secretary).await;
    let c = client();
    let mut on_b = events(&b.url, &token, 0).await;
    let pg = sql(&db).await;
    wait_for("both servers listening", || {
        let pg = &pg;
        async move { listeners(pg).await == 2 }
    })
    .await;
    // Both listening connections are ended by the database, and an op is pushed to A
    // at once: whatever its notification met, B's stream gets the op.
    pg.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = $1 AND datname = current_database()",
        &[&server::postgres::LISTENER_NAME],
    )
    .await
    .expect("terminated");
    let op = create_op("innkommet");
    pushed(&c, &a.url, &token, std::slice::from_ref(&op)).await;
    let (seen, _) = next_op(&mut on_b, "B's stream after its listener was cut").await;
    assert_eq!(seen.op.op_id, op.op_id);
    wait_for("both listeners back", || {
        let pg = &pg;
        async move { listeners(pg).await == 2 }
    })
    .await;
    let op = create_op("innkommet");
    pushed(&c, &a.url, &token, std::slice::from_ref(&op)).await;
    let (seen, _) = next_op(&mut on_b, "B's stream, listener back").await;
    assert_eq!((seen.seq, seen.op.op_id), (2, op.op_id));
}

async fn a_vote_through_two_servers(db: String) {
    let a = PgServer::start(&db).await;
    let b = PgServer::start(&db).await;
    let secretary = a.add_user("sekretaer", Role::Secretary).await;
    let chair = a.add_user("leder", Role::Chair).await;
    let members = [
        "medlem-a", "medlem-b", "medlem-c", "medlem-d", "medlem-e", "medlem-f",
    ];
    let mut tokens: Vec<(String, String)> = vec![("leder".into(), chair.clone())];
    for m in members {
        tokens.push((m.to_string(), b.add_user(m, Role::Member).await));
    }
    let c = client();
    let meeting = MeetingId::new();
    let case_id = CaseId::new();
    let mut present = vec!["leder"];
    present.extend(members);
    pushed(
        &c,
        &a.url,
        &secretary,
        &[
            meeting_op("x", schedule(meeting, "2026-11-26 10:00")),
            meeting_op("x", attendance(meeting, &present, &[])),
            meeting_op(
                "x",
                add_case(meeting, case_id, "Felles sak- og arkivsystem"),
            ),
        ],
    )
    .await;
    let mut on_a = events(&a.url, &secretary, 0).await;
    let mut on_b = events(&b.url, &secretary, 0).await;
    let round = RoundId::new();
    pushed(
        &c,
        &b.url,
        &chair,
        &[meeting_op(
            "x",
            open_round(round, case_id, yes_no_rules(7), false),
        )],
    )
    .await;

    // medlem-a votes no through B, and then yes through A: one ballot, the last.
    vote(&c, &b.url, &tokens[1].1, round, YesNo::No).await;
    // Everyone votes at once, half through each server, while cases are added
    // through both.
    let mut tasks = Vec::new();
    for (i, (name, token)) in tokens.iter().enumerate() {
        let (c, token) = (c.clone(), token.clone());
        let url = if i % 2 == 1 {
            a.url.clone()
        } else {
            b.url.clone()
        };
        let choice = if name == "medlem-e" || name == "medlem-f" {
            YesNo::No
        } else {
            YesNo::Yes
        };
        tasks.push(tokio::spawn(async move {
            vote(&c, &url, &token, round, choice).await;
        }));
    }
    for i in 0..10usize {
        let (c, secretary) = (c.clone(), secretary.clone());
        let url = if i % 2 == 0 {
            a.url.clone()
        } else {
            b.url.clone()
        };
        tasks.push(tokio::spawn(async move {
            pushed(
                &c,
                &url,
                &secretary,
                &[meeting_op(
                    "x",
                    add_case(meeting, CaseId::new(), &format!("Sak {i}")),
                )],
            )
            .await;
        }));
    }
    for t in tasks {
        t.await.expect("a voter or a secretary");
    }
    let everyone: BTreeSet<String> = tokens.iter().map(|(n, _)| n.clone()).collect();
    for url in [&a.url, &b.url] {
        let count = round_count(&c, url, &secretary, &round).await;
        assert_eq!(count.ballots, 7, "{url}: seven voters, medlem-a once");
        assert_eq!(
            count.voters.iter().cloned().collect::<BTreeSet<_>>(),
            everyone
        );
    }
    // Both streams told the count of all seven, whichever server took the last ballot.
    for (name, stream) in [("A", &mut on_a), ("B", &mut on_b)] {
        let until = Instant::now() + DEADLINE;
        loop {
            let ev = stream
                .next_until(until)
                .await
                .unwrap_or_else(|| panic!("{name}: no count of seven on the stream"));
            if ev.event.as_deref() == Some("count") {
                let count: RoundCount = serde_json::from_str(&ev.data).expect("a count");
                if count.ballots == 7 {
                    break;
                }
            }
        }
    }

    let closed = pushed(&c, &a.url, &chair, &[meeting_op("x", close_round(round))]).await;
    let closed = &closed[0];
    let mut seen = Vec::new();
    for (name, stream) in [("A", &mut on_a), ("B", &mut on_b)] {
        loop {
            let (s, data) = next_op(stream, name).await;
            if s.seq == closed.seq {
                seen.push(data);
                break;
            }
        }
    }
    assert_eq!(seen[0], seen[1], "both streams carry the same close op");
    let MeetingChange::CloseRound {
        result, ballots, ..
    } = change_of(&closed.op)
    else {
        panic!("not a close");
    };
    let result = result.as_ref().expect("the server tallies at close");
    assert_eq!(ballots.len(), 7);
    let yes: BTreeSet<&str> = ballots
        .iter()
        .filter(|b| b.choice == Choice::YesNo(YesNo::Yes))
        .filter_map(|b| b.voter.as_deref())
        .collect();
    assert_eq!(
        yes,
        ["leder", "medlem-a", "medlem-b", "medlem-c", "medlem-d"]
            .into_iter()
            .collect(),
        "medlem-a's second ballot replaced the first"
    );
    let log = pull_all(&c, &b.url, &secretary).await;
    let stored = log.iter().find(|s| s.seq == closed.seq).expect("stored");
    assert_eq!(
        serde_json::to_value(&stored.op).expect("json"),
        serde_json::to_value(&closed.op).expect("json")
    );
    assert!(!result.totals.is_empty());

    let meetings = Meetings::fold(log.iter().map(|s| &s.op));
    assert_cases_numbered(&meetings, &meeting, 11);
}

/// A pusher's outcome: every op it was told is stored, with its seq.
type Acked = Arc<Mutex<HashMap<OpId, u64>>>;

/// Pushes `ops` in batches through `url` until each batch is acknowledged, retrying a
/// batch whose answer did not come (a server killed under it).
async fn push_until_acked(url: String, token: String, ops: Vec<Op>, acked: Acked) {
    let c = client();
    let until = Instant::now() + DEADLINE * 3;
    for batch in ops.chunks(3) {
        loop {
            let res = c
                .post(format!("{url}{PATH_OPS}"))
                .bearer_auth(&token)
                .json(&styr::protocol::PushRequest {
                    ops: batch.to_vec(),
                })
                .send()
                .await;
            if let Ok(res) = res {
                if res.status().is_success() {
                    if let Ok(body) = res.json::<PushResponse>().await {
                        let mut a = acked.lock().expect("lock");
                        for ack in body.acks {
                            if let Some(before) = a.insert(ack.op.op_id, ack.seq) {
                                assert_eq!(before, ack.seq, "a retried op got another seq");
                            }
                        }
                        break;
                    }
                }
            }
            assert!(Instant::now() < until, "a batch was never acknowledged");
            // A short pause before the retry, as a client's backoff would.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

async fn change(c: &SyncClient) -> Op {
    c.change(Payload::CreateItem {
        item: ItemId::new(),
        stage: StageKey::new("innkommet"),
        fields: vec![],
    })
    .await
}

fn address(url: &str) -> SocketAddr {
    url.trim_start_matches("http://")
        .parse()
        .unwrap_or_else(|_| panic!("not an http://ADDR URL: {url}"))
}

async fn one_server_killed_in_a_burst(db: String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    let mut a = ServeProcess::start(home, Path::new(&db), "127.0.0.1:0");
    let (a_url, token) = styr_cli::login_line(&a.wait_line("styr login http://127.0.0.1:"));
    let mut b = ServeProcess::start(home, Path::new(&db), "127.0.0.1:0");
    let line = b.wait_line("listening on ");
    let b_url = line[line.find("listening on ").expect("found") + 13..]
        .split_whitespace()
        .next()
        .expect("a URL")
        .to_string();
    // One address for both, as a load balancer gives; A first.
    let proxy = Proxy::start(address(&a_url)).await;
    let front = proxy.url();
    let clients: Vec<SyncClient> = (0..2)
        .map(|i| SyncClient::start(&format!("klient-{i}"), &front, &token))
        .collect();

    let per_pusher = 120;
    let all: Vec<Vec<Op>> = (0..4)
        .map(|_| (0..per_pusher).map(|_| create_op("innkommet")).collect())
        .collect();
    let acked: Acked = Arc::default();
    let pushers: Vec<_> = all
        .iter()
        .map(|ops| {
            tokio::spawn(push_until_acked(
                front.clone(),
                token.clone(),
                ops.clone(),
                acked.clone(),
            ))
        })
        .collect();
    let mut made = Vec::new();
    for c in &clients {
        for _ in 0..5 {
            made.push(change(c).await.op_id);
        }
    }
    let total = 4 * per_pusher;
    wait_for("a quarter of the pushes acknowledged", || {
        let n = acked.lock().expect("lock").len();
        async move { n >= total / 4 }
    })
    .await;
    // SIGKILL: no goodbye to anyone. The balancer sends everyone to B from now on.
    a.child.kill().expect("killed");
    a.child.wait().expect("reaped");
    let acked_at_kill = acked.lock().expect("lock").clone();
    proxy.heal(address(&b_url));
    proxy.drop_links();
    for c in &clients {
        for _ in 0..5 {
            made.push(change(c).await.op_id);
        }
    }
    for p in pushers {
        p.await.expect("a pusher");
    }
    assert!(
        acked_at_kill.len() < total,
        "the kill came before the end of the burst"
    );

    let c = client();
    let log = pull_all(&c, &b_url, &token).await;
    assert_eq!(
        log.iter().map(|s| s.seq).collect::<Vec<_>>(),
        (1..=log.len() as u64).collect::<Vec<_>>(),
        "gapless"
    );
    let ids: Vec<OpId> = log.iter().map(|s| s.op.op_id).collect();
    let id_set: BTreeSet<OpId> = ids.iter().copied().collect();
    assert_eq!(id_set.len(), ids.len(), "an op stored twice");
    let mut want: BTreeSet<OpId> = all.iter().flatten().map(|o| o.op_id).collect();
    want.extend(made.iter().copied());
    assert_eq!(id_set, want, "every op stored, and nothing else");
    let seq_of: HashMap<OpId, u64> = log.iter().map(|s| (s.op.op_id, s.seq)).collect();
    for (id, seq) in acked.lock().expect("lock").iter() {
        assert_eq!(seq_of.get(id), Some(seq), "an acknowledged op kept its seq");
    }
    let head = log.len() as u64;
    for client in &clients {
        client
            .wait("caught up with B", |r| {
                r.pending().is_empty() && r.last_seq() == head
            })
            .await;
        let theirs: Vec<OpId> = client.logged_ids();
        assert_eq!(
            theirs.iter().copied().collect::<BTreeSet<_>>(),
            id_set,
            "{}: the cache's log is the server's",
            client.name
        );
        assert_eq!(theirs.len(), ids.len(), "{}: an op twice", client.name);
    }
    assert_eq!(
        clients[0].replica().view(),
        clients[1].replica().view(),
        "both clients show the same portfolio"
    );
    // `styr verify` on the database: both chains hold over every op.
    let out = styr_cli::run(home, &["verify", "--db", &db]);
    assert!(out.status.success(), "{}", styr_cli::text(&out.stderr));
    assert!(
        styr_cli::text(&out.stdout).contains(&format!("{head} endringer")),
        "{}",
        styr_cli::text(&out.stdout)
    );
    b.stop();
}

/// `(seq, op_id, hash)` of every op in a SQLite server file.
fn sqlite_chain(db: &Path) -> Vec<(i64, String, Vec<u8>)> {
    let conn = rusqlite::Connection::open(db).expect("opens");
    let mut stmt = conn
        .prepare("SELECT seq, op_id, hash FROM ops ORDER BY seq")
        .expect("prepares");
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("reads");
    rows.map(|r| r.expect("a row")).collect()
}

async fn pg_chain(pg: &tokio_postgres::Client) -> Vec<(i64, String, Vec<u8>)> {
    pg.query("SELECT seq, op_id, hash FROM ops ORDER BY seq", &[])
        .await
        .expect("reads")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

fn migrate(home: &Path, file: &Path, to: &str) -> std::process::Output {
    let from = format!("sqlite://{}", file.display());
    styr_cli::run(home, &["serve", "migrate", "--from", &from, "--to", to])
}

async fn migrate_from_sqlite(db: String, used: String) {
    // A SQLite server with a history: items, a meeting with a decision, a closed round
    // and an open one with ballots in it.
    let old = TestServer::start().await;
    let secretary = old.add_user("sekretaer", Role::Secretary).await;
    let chair = old.add_user("leder", Role::Chair).await;
    let members = ["medlem-a", "medlem-b", "medlem-c"];
    let mut tokens = Vec::new();
    for m in members {
        tokens.push(old.add_user(m, Role::Member).await);
    }
    let c = client();
    let items: Vec<Op> = (0..40).map(|_| create_op("innkommet")).collect();
    for batch in items.chunks(10) {
        pushed(&c, &old.url, &secretary, batch).await;
    }
    let meeting = MeetingId::new();
    let (first, second) = (CaseId::new(), CaseId::new());
    pushed(
        &c,
        &old.url,
        &secretary,
        &[
            meeting_op("x", schedule(meeting, "2026-11-26 10:00")),
            meeting_op(
                "x",
                attendance(meeting, &["leder", "medlem-a", "medlem-b", "medlem-c"], &[]),
            ),
            meeting_op("x", add_case(meeting, first, "Felles sak- og arkivsystem")),
            meeting_op("x", add_case(meeting, second, "Ny nettside")),
        ],
    )
    .await;
    let (closed_round, open) = (RoundId::new(), RoundId::new());
    pushed(
        &c,
        &old.url,
        &chair,
        &[meeting_op(
            "x",
            open_round(closed_round, first, yes_no_rules(4), false),
        )],
    )
    .await;
    for t in &tokens {
        vote(&c, &old.url, t, closed_round, YesNo::Yes).await;
    }
    pushed(
        &c,
        &old.url,
        &chair,
        &[meeting_op("x", close_round(closed_round))],
    )
    .await;
    pushed(
        &c,
        &old.url,
        &secretary,
        &[meeting_op(
            "x",
            decide(
                first,
                "Felles sak- og arkivsystem",
                "Saken prioriteres.",
                Reached::Unanimous,
            ),
        )],
    )
    .await;
    pushed(
        &c,
        &old.url,
        &chair,
        &[meeting_op(
            "x",
            open_round(open, second, yes_no_rules(4), false),
        )],
    )
    .await;
    vote(&c, &old.url, &tokens[0], open, YesNo::No).await;
    vote(&c, &old.url, &tokens[1], open, YesNo::Yes).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path();
    // While the old server runs.
    let out = migrate(home, &old.db, &db);
    assert!(out.status.success(), "{}", styr_cli::text(&out.stderr));
    let said = styr_cli::text(&out.stdout);
    let n = sqlite_chain(&old.db).len();
    assert!(said.contains(&format!("Kopierte {n} endringer")), "{said}");
    assert!(said.contains("2 stemmer"), "{said}");
    // Again: nothing new, nothing copied.
    let out = migrate(home, &old.db, &db);
    assert!(out.status.success(), "{}", styr_cli::text(&out.stderr));
    assert!(
        styr_cli::text(&out.stdout).contains("Kopierte 0 endringer til"),
        "{}",
        styr_cli::text(&out.stdout)
    );
    // The old server takes more, a ballot among it; the next run copies only that.
    let more: Vec<Op> = (0..3).map(|_| create_op("innkommet")).collect();
    pushed(&c, &old.url, &secretary, &more).await;
    vote(&c, &old.url, &tokens[2], open, YesNo::Yes).await;
    let (_dir, file) = old.shutdown().await;
    let out = migrate(home, &file, &db);
    assert!(out.status.success(), "{}", styr_cli::text(&out.stderr));
    let said = styr_cli::text(&out.stdout);
    assert!(
        said.contains("Kopierte 3 endringer til") && said.contains("3 stemmer"),
        "{said}"
    );

    // The copy: the same ops at the same seqs with the same hashes, and the tip.
    let pg = sql(&db).await;
    let chain = sqlite_chain(&file);
    assert_eq!(pg_chain(&pg).await, chain);
    let tip = pg
        .query_one("SELECT seq, hash FROM log_tip", &[])
        .await
        .expect("the tip");
    let last = chain.last().expect("ops");
    assert_eq!(
        (tip.get::<_, i64>(0), tip.get::<_, Vec<u8>>(1)),
        (last.0, last.2.clone())
    );

    // Served from PostgreSQL: the old tokens work, the log is the file's, op for op,
    // and the round left open closes with the ballots cast before the move.
    let new = PgServer::start(&db).await;
    let log = pull_all(&c, &new.url, &secretary).await;
    let conn = styr::server::sqlite::open_connection(&file).expect("opens");
    let mut conn = conn;
    let before = styr::server::sqlite::pull_on(&mut conn, 0, usize::MAX).expect("pulls");
    assert_eq!(
        serde_json::to_value(&log).expect("json"),
        serde_json::to_value(&before.ops).expect("json"),
        "every op the same"
    );
    let count = round_count(&c, &new.url, &chair, &open).await;
    assert_eq!((count.open, count.ballots), (true, 3));
    let closed = pushed(&c, &new.url, &chair, &[meeting_op("x", close_round(open))]).await;
    let MeetingChange::CloseRound { ballots, .. } = change_of(&closed[0].op) else {
        panic!("not a close");
    };
    assert_eq!(
        ballots.len(),
        3,
        "the ballots cast before the move are counted"
    );
    assert_eq!(
        closed[0].seq,
        last.0 as u64 + 1,
        "the log goes on where it was"
    );
    drop(new);
    let out = styr_cli::run(home, &["verify", "--db", &db]);
    assert!(out.status.success(), "{}", styr_cli::text(&out.stderr));
    assert!(
        styr_cli::text(&out.stdout).contains("1 vedtak"),
        "{}",
        styr_cli::text(&out.stdout)
    );

    // A database a server has already used (its own admin, its own log) is refused,
    // and nothing is written to it.
    let other = PgServer::start(&used).await;
    let token = other.add_user("sekretaer", Role::Secretary).await;
    pushed(&c, &other.url, &token, &[create_op("innkommet")]).await;
    drop(other);
    let out = migrate(home, &file, &used);
    assert_eq!(out.status.code(), Some(1));
    let err = styr_cli::text(&out.stderr);
    assert!(err.contains("already holds 1 changes and 1 users"), "{err}");
    assert_eq!(pg_chain(&sql(&used).await).await.len(), 1);
}
