//! Nothing a server acknowledged is lost when `styr serve` is killed: a real `styr serve`
//! child process on one SQLite file takes a burst of pushes from plain HTTP clients
//! (each recording which ops were answered with 2xx), ballots from three voters in an
//! open round, and changes from two real sync clients (sled caches, the real sync loop,
//! behind a proxy that keeps one address for them); it is killed with SIGKILL at a
//! random moment in the burst and started again on the same file, several times over.
//!
//! After each kill the file verifies (hash chain), and after each restart every
//! acknowledged op is in the store at the seq its answer named, no op id is there twice
//! and the seqs have no gap; every acknowledged ballot is still counted. At the end the
//! clients' unanswered pushes and ballots are retried until answered, each lands
//! exactly once, the sync clients converge to the server's log, and the round's tally
//! at its close is what the voters' acknowledged ballots add up to.

mod common;

use common::client::Client;
use common::meeting::*;
use common::proxy::Proxy;
use common::server::{now_ms, DEADLINE};
use common::styr_cli::{run, text, Server};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use styr::model::meeting::{CaseId, MeetingChange, MeetingId, RoundId};
use styr::model::vote::Choice;
use styr::model::{FieldValue, ItemId, Op, OpId, Payload, Role, StageKey};
use styr::protocol::{
    ballots_path, BallotRequest, PullResponse, PushRequest, PushResponse, RoundCount, SeqOp,
    PATH_OPS,
};
use styr::server::{users, ServerStore, SqliteStore};

const ROUNDS: usize = 10;
const PUSHERS: usize = 3;
const VOTERS: [&str; 3] = ["medlem-a", "medlem-b", "medlem-c"];
/// The ballots each voter goes through, in turn (five dots over three options).
const BALLOTS: [[u32; 3]; 5] = [[5, 0, 0], [1, 4, 0], [0, 2, 3], [2, 2, 1], [0, 0, 5]];

/// A plain HTTP client pushing batches of new proposals. A batch without a 2xx answer
/// is pushed again (the same ops) until it has one.
struct Pusher {
    token: String,
    /// The batch sent without an answer, to send again.
    unanswered: Option<Vec<Op>>,
    /// Every op answered with 2xx.
    acked: Vec<OpId>,
    /// The seqs the answers named (when the answer's body arrived whole).
    acked_seqs: Vec<(u64, OpId)>,
}

/// A voter going through `BALLOTS`; a ballot without a 2xx answer is cast again.
struct Voter {
    name: &'static str,
    token: String,
    next: usize,
    unanswered: bool,
    acked: Option<[u32; 3]>,
}

fn new_batch(n: usize) -> Vec<Op> {
    (0..n)
        .map(|i| {
            Op::new(
                "pusher",
                now_ms(),
                Payload::CreateItem {
                    item: ItemId::new(),
                    stage: StageKey::new("innkommet"),
                    fields: vec![FieldValue::Title(format!("Forslag {i}"))],
                },
            )
        })
        .collect()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("a client")
}

/// One attempt at the pusher's next batch (or its unanswered one). Returns whether it
/// was answered with 2xx.
async fn push_once(c: &reqwest::Client, url: &str, p: &mut Pusher) -> bool {
    let batch = p
        .unanswered
        .take()
        .unwrap_or_else(|| new_batch(fastrand::usize(1..=4)));
    let sent = c
        .post(format!("{url}{PATH_OPS}"))
        .bearer_auth(&p.token)
        .json(&PushRequest { ops: batch.clone() })
        .send()
        .await;
    match sent {
        Ok(res) if res.status().is_success() => {
            p.acked.extend(batch.iter().map(|o| o.op_id));
            // The answer's body may be cut off by the kill; the 2xx is the promise.
            if let Ok(answer) = res.json::<PushResponse>().await {
                let ids: Vec<OpId> = answer.acks.iter().map(|a| a.op.op_id).collect();
                let sent_ids: Vec<OpId> = batch.iter().map(|o| o.op_id).collect();
                assert_eq!(ids, sent_ids, "an answer acknowledges the ops it was sent");
                p.acked_seqs
                    .extend(answer.acks.iter().map(|a| (a.seq, a.op.op_id)));
            }
            true
        }
        Ok(res) if res.status().is_server_error() => {
            p.unanswered = Some(batch);
            false
        }
        Ok(res) => panic!("a push was refused: {}", res.status()),
        Err(_) => {
            p.unanswered = Some(batch);
            false
        }
    }
}

async fn cast_once(c: &reqwest::Client, url: &str, round: RoundId, v: &mut Voter) -> bool {
    let ballot = BALLOTS[v.next % BALLOTS.len()];
    let sent = c
        .post(format!("{url}{}", ballots_path(&round)))
        .bearer_auth(&v.token)
        .json(&BallotRequest {
            choice: Choice::Dots(ballot.to_vec()),
            on_behalf_of: None,
        })
        .send()
        .await;
    match sent {
        Ok(res) if res.status().is_success() => {
            v.acked = Some(ballot);
            v.unanswered = false;
            v.next += 1;
            true
        }
        Ok(res) if res.status().is_server_error() => {
            v.unanswered = true;
            false
        }
        Ok(res) => panic!("{}'s ballot was refused: {}", v.name, res.status()),
        Err(_) => {
            v.unanswered = true;
            false
        }
    }
}

/// The whole log, page by page.
async fn pull_all(c: &reqwest::Client, url: &str, token: &str) -> Vec<SeqOp> {
    let mut ops: Vec<SeqOp> = Vec::new();
    loop {
        let since = ops.last().map_or(0, |o| o.seq);
        let page: PullResponse = c
            .get(format!("{url}{PATH_OPS}"))
            .query(&[("since", since), ("limit", 5000)])
            .bearer_auth(token)
            .send()
            .await
            .expect("the restarted server answers a pull")
            .json()
            .await
            .expect("a pull page");
        let done = page.ops.last().is_none_or(|o| o.seq >= page.head);
        ops.extend(page.ops);
        if done {
            return ops;
        }
    }
}

/// `styr serve` on a free port of loopback; returns it and its address.
fn start_server(home: &Path, db: &Path) -> (Server, SocketAddr) {
    let mut server = Server::start(home, db, "127.0.0.1:0");
    let line = server.wait_line("listening on http://");
    let url = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    let addr = url
        .parse()
        .unwrap_or_else(|_| panic!("an address: {url:?}"));
    (server, addr)
}

/// Checks the stored log: seqs 1..=n without a gap, no op id twice, every acknowledged
/// op there (and at the seq its answer named). Returns the op ids.
fn check_log(when: &str, log: &[SeqOp], pushers: &[Pusher]) -> BTreeSet<OpId> {
    for (i, o) in log.iter().enumerate() {
        assert_eq!(o.seq, i as u64 + 1, "{when}: the seqs have a gap");
    }
    let ids: BTreeSet<OpId> = log.iter().map(|o| o.op.op_id).collect();
    assert_eq!(ids.len(), log.len(), "{when}: an op is stored twice");
    for p in pushers {
        for id in &p.acked {
            assert!(ids.contains(id), "{when}: acknowledged op {id:?} is lost");
        }
        for (seq, id) in &p.acked_seqs {
            assert_eq!(
                log[*seq as usize - 1].op.op_id,
                *id,
                "{when}: an op is not at the seq its answer named"
            );
        }
    }
    ids
}

#[test]
fn acknowledged_pushes_and_ballots_survive_sigkill_of_the_server() {
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let home = tempfile::tempdir().expect("tempdir");
    let db = home.path().join("styr.db");

    // Users first, in the file, as `styr user add` makes them.
    let tokens: BTreeMap<String, String> = rt.block_on(async {
        let store: Arc<dyn ServerStore> = Arc::new(SqliteStore::open(&db).expect("the db"));
        users::ensure_admin(&*store, now_ms()).await.expect("admin");
        let mut tokens = BTreeMap::new();
        let mut people: Vec<(String, Role)> = vec![
            ("sekretaer".into(), Role::Secretary),
            ("leder".into(), Role::Chair),
            ("radgiver-a".into(), Role::Chair),
            ("radgiver-b".into(), Role::Chair),
        ];
        people.extend((0..PUSHERS).map(|i| (format!("pusher-{i}"), Role::Chair)));
        people.extend(VOTERS.iter().map(|v| (v.to_string(), Role::Member)));
        for (name, role) in people {
            let token = users::add_to(&*store, &name, role, "Fosen IKT", now_ms())
                .await
                .expect("a user")
                .token;
            tokens.insert(name, token);
        }
        tokens
    });
    let token = |name: &str| tokens[name].clone();

    let (mut server, mut addr) = start_server(home.path(), &db);
    let url = |a: SocketAddr| format!("http://{a}");
    let c = http();

    // A meeting with the voters present and a named dot round open.
    let round = RoundId::new();
    rt.block_on(async {
        let (meeting, case) = (MeetingId::new(), CaseId::new());
        let mut present = vec!["leder"];
        present.extend(VOTERS);
        for (who, change) in [
            ("sekretaer", schedule(meeting, "2026-11-26 10:00")),
            ("sekretaer", attendance(meeting, &present, &[])),
            (
                "sekretaer",
                add_case(meeting, case, "Felles sak- og arkivsystem"),
            ),
            (
                "leder",
                open_round(
                    round,
                    case,
                    dot_rules(&["Arkiv", "Velferd", "Skole"], 5, 4),
                    false,
                ),
            ),
        ] {
            let res =
                common::server::push(&c, &url(addr), &token(who), &[meeting_op(who, change)]).await;
            assert!(res.status().is_success(), "{}", res.status());
        }
    });

    let proxy = rt.block_on(Proxy::start(addr));
    let clients: Vec<Arc<Client>> = {
        let _in_rt = rt.enter();
        ["radgiver-a", "radgiver-b"]
            .iter()
            .map(|n| Arc::new(Client::start(n, &proxy.url(), &token(n))))
            .collect()
    };
    let mut pushers: Vec<Pusher> = (0..PUSHERS)
        .map(|i| Pusher {
            token: token(&format!("pusher-{i}")),
            unanswered: None,
            acked: vec![],
            acked_seqs: vec![],
        })
        .collect();
    let mut voters: Vec<Voter> = VOTERS
        .iter()
        .map(|name| Voter {
            name,
            token: token(name),
            next: fastrand::usize(0..BALLOTS.len()),
            unanswered: false,
            acked: None,
        })
        .collect();
    // Every change a sync client saved (its "Lagret").
    let mut saved: Vec<OpId> = Vec::new();
    let mut kills_with_unanswered = 0;

    for round_no in 0..ROUNDS {
        let base = url(addr);
        let stop = Arc::new(AtomicBool::new(false));
        let answered = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for mut p in std::mem::take(&mut pushers) {
            let (c, base, stop, answered) =
                (c.clone(), base.clone(), stop.clone(), answered.clone());
            tasks.push(rt.spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    if push_once(&c, &base, &mut p).await {
                        answered.fetch_add(1, Ordering::SeqCst);
                    } else {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
                p
            }));
        }
        let mut ballot_tasks = Vec::new();
        for mut v in std::mem::take(&mut voters) {
            let (c, base, stop) = (c.clone(), base.clone(), stop.clone());
            ballot_tasks.push(rt.spawn(async move {
                while !stop.load(Ordering::SeqCst) {
                    if !cast_once(&c, &base, round, &mut v).await {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
                v
            }));
        }
        let mut change_tasks = Vec::new();
        for client in &clients {
            let (client, stop) = (client.clone(), stop.clone());
            change_tasks.push(rt.spawn(async move {
                let mut made = Vec::new();
                let mut mine: Vec<ItemId> = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    let payload = match mine.last() {
                        Some(item) if fastrand::bool() => Payload::EditItem {
                            item: *item,
                            changes: vec![FieldValue::Priority(Some(fastrand::u32(1..10)))],
                        },
                        _ => {
                            let item = ItemId::new();
                            mine.push(item);
                            Payload::CreateItem {
                                item,
                                stage: StageKey::new("innkommet"),
                                fields: vec![FieldValue::Title(format!("Fra {}", client.name))],
                            }
                        }
                    };
                    made.push(client.change(payload).await.op_id);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                made
            }));
        }

        // Kill after a random number of answered pushes: in the middle of the burst.
        let kill_after = fastrand::usize(3..30);
        let until = Instant::now() + DEADLINE;
        while answered.load(Ordering::SeqCst) < kill_after {
            assert!(
                Instant::now() < until,
                "round {round_no}: the server stopped answering:\n{}",
                server.output()
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        server.child.kill().expect("SIGKILL");
        server.child.wait().expect("reaped");
        stop.store(true, Ordering::SeqCst);
        rt.block_on(async {
            for t in tasks {
                pushers.push(t.await.expect("a pusher"));
            }
            for t in ballot_tasks {
                voters.push(t.await.expect("a voter"));
            }
            for t in change_tasks {
                saved.extend(t.await.expect("a sync client"));
            }
        });
        if pushers.iter().any(|p| p.unanswered.is_some()) {
            kills_with_unanswered += 1;
        }

        // The file the kill left is sound: the hash chain holds.
        let verified = styr::server::verify::verify_file(&db)
            .unwrap_or_else(|e| panic!("round {round_no}: the killed server's file: {e}"));
        let acked: usize = pushers.iter().map(|p| p.acked.len()).sum();
        assert!(
            verified.ops as usize >= acked,
            "round {round_no}: {} ops stored, {acked} acknowledged",
            verified.ops
        );

        // Back on the same file, on another port; the proxy keeps the sync clients' address.
        let (s, a) = start_server(home.path(), &db);
        (server, addr) = (s, a);
        let log = rt.block_on(pull_all(&c, &url(addr), &token("leder")));
        check_log(&format!("round {round_no}"), &log, &pushers);
        assert_eq!(
            log.len() as u64,
            verified.ops,
            "round {round_no}: the restart lost ops"
        );
        // Every voter whose ballot was answered is still counted.
        let count: RoundCount = rt.block_on(common::server::round_count(
            &c,
            &url(addr),
            &token("leder"),
            &round,
        ));
        assert!(count.open);
        for v in voters.iter().filter(|v| v.acked.is_some()) {
            assert!(
                count.voters.iter().any(|n| n == v.name),
                "round {round_no}: {}'s acknowledged ballot is lost: {count:?}",
                v.name
            );
        }
        proxy.heal(addr);
    }

    assert!(
        kills_with_unanswered > 0,
        "no kill caught a push in flight, so nothing was retried"
    );

    // The clients retry what was never answered, until it is.
    let base = url(addr);
    rt.block_on(async {
        let until = Instant::now() + DEADLINE;
        for p in &mut pushers {
            while p.unanswered.is_some() {
                assert!(Instant::now() < until, "a retried push is never answered");
                push_once(&c, &base, p).await;
            }
        }
        for v in &mut voters {
            while v.unanswered || v.acked.is_none() {
                assert!(Instant::now() < until, "a retried ballot is never answered");
                cast_once(&c, &base, round, v).await;
            }
        }
    });
    // The sync clients push their outboxes and come up to the server's head.
    rt.block_on(async {
        for client in &clients {
            common::server::wait_for(&format!("{} to converge", client.name), || {
                let (c, base, token, client) =
                    (c.clone(), base.clone(), token("leder"), client.clone());
                async move {
                    let head = pull_all(&c, &base, &token).await.len() as u64;
                    let r = client.replica();
                    r.pending().is_empty() && r.last_seq() == head
                }
            })
            .await;
        }
    });
    let log = rt.block_on(pull_all(&c, &base, &token("leder")));
    let ids = check_log("at the end", &log, &pushers);
    for id in &saved {
        assert!(ids.contains(id), "a sync client's saved change is lost");
    }
    for client in &clients {
        let theirs: Vec<OpId> = client.logged_ids();
        let set: BTreeSet<OpId> = theirs.iter().copied().collect();
        assert_eq!(
            set.len(),
            theirs.len(),
            "{}: an op twice in the cache",
            client.name
        );
        assert_eq!(
            set, ids,
            "{}: the cache's log is not the server's",
            client.name
        );
    }
    assert_eq!(
        clients[0].replica().view(),
        clients[1].replica().view(),
        "the sync clients show the same portfolio"
    );

    // The close's tally is the sum of the last acknowledged ballot of each voter.
    let closed: PushResponse = rt.block_on(async {
        let res = common::server::push(
            &c,
            &base,
            &token("leder"),
            &[meeting_op("leder", close_round(round))],
        )
        .await;
        assert!(res.status().is_success(), "{}", res.status());
        res.json().await.expect("the close's answer")
    });
    let Payload::Meeting { change } = &closed.acks[0].op.payload else {
        panic!("not a meeting op");
    };
    let MeetingChange::CloseRound { result, .. } = &**change else {
        panic!("not a close");
    };
    let result = result.as_ref().expect("the server tallies at close");
    let mut expected = [0i64; 3];
    for v in &voters {
        for (e, dots) in expected.iter_mut().zip(v.acked.expect("acknowledged")) {
            *e += i64::from(dots);
        }
    }
    let points: Vec<i64> = result.totals.iter().map(|t| t.points).collect();
    assert_eq!(
        points, expected,
        "the tally is what the voters were told they cast"
    );
    assert_eq!(result.ballots as usize, VOTERS.len());

    server.stop();
    let out = run(
        home.path(),
        &["verify", "--db", db.to_str().expect("utf-8 path")],
    );
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    drop(clients);
    let acked: usize = pushers.iter().map(|p| p.acked.len()).sum();
    eprintln!(
        "{ROUNDS} kills: {} ops stored, {acked} acknowledged pushes, {} sync changes, \
         {kills_with_unanswered} kills with a push in flight, {:?}",
        log.len(),
        saved.len(),
        started.elapsed()
    );
}
