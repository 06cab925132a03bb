//! Network faults between clients and the server, injected by the loopback proxy of
//! `common/proxy.rs`: a slow link, lost connections, answers torn mid-body (push
//! answers, pulls and event streams) and a partition for a while.
//!
//! * Three sync clients (real sled caches, the real sync loop and HTTP transport, each
//!   behind its own proxy) keep making changes through every fault; after healing,
//!   every replica holds exactly the server's log (no op lost, none twice) and they all
//!   show the same portfolio. Their reconnect delays, as the sync loop reports them,
//!   stay under the backoff's growing ceiling, grow, and differ between clients.
//! * A real `styr` board in a pseudo-terminal, logged in through a proxy, answers key
//!   presses on screen within a liveness deadline while its link is slow and while it
//!   is partitioned, and sends what was done meanwhile once the link heals.

mod common;

use common::client::Client;
use common::proxy::Proxy;
use common::server::{wait_for, TestServer};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use styr::model::{FieldValue, ItemId, OpId, Payload, Role, StageKey};
use styr::protocol::SeqOp;
use styr::sync::{Link, SyncEvent};

/// The clients' reconnect delays (`common::client`): from 20 ms up to 200 ms.
const BACKOFF_BASE_MS: u64 = 20;
const BACKOFF_CAP_MS: u64 = 200;

fn addr_of(url: &str) -> SocketAddr {
    url.trim_start_matches("http://")
        .parse()
        .expect("an address")
}

fn create(item: ItemId, title: &str) -> Payload {
    Payload::CreateItem {
        item,
        stage: StageKey::new("innkommet"),
        fields: vec![FieldValue::Title(title.into())],
    }
}

/// A change by `c` to one of the shared items, or a new item of its own.
fn some_change(c: &Client, shared: &[ItemId], n: usize) -> Payload {
    let item = shared[fastrand::usize(0..shared.len())];
    match n % 4 {
        0 => create(ItemId::new(), &format!("{} nr {n}", c.name)),
        1 => Payload::MoveItem {
            item,
            to: StageKey::new(["vurdering", "innkommet", "prioritert"][n % 3]),
        },
        2 => Payload::EditItem {
            item,
            changes: vec![FieldValue::Priority(Some(n as u32))],
        },
        _ => Payload::EditItem {
            item,
            changes: vec![FieldValue::Description(format!("{} skrev {n}", c.name))],
        },
    }
}

async fn server_log(server: &TestServer) -> Vec<SeqOp> {
    server
        .store()
        .pull(0, usize::MAX)
        .await
        .expect("the server's log")
        .ops
}

/// Waits until every client has nothing pending and has folded the server's head.
async fn converged(server: &TestServer, clients: &[Client], what: &str) {
    wait_for(what, || async {
        let head = server.store().head().await.expect("head");
        clients.iter().all(|c| {
            let r = c.replica();
            r.pending().is_empty() && r.last_seq() == head
        })
    })
    .await;
}

/// The reconnect delays a client was told, each with its place in its run of failed
/// attempts (0 for the first failure after being online).
fn retry_delays(c: &Client) -> Vec<(u32, u64)> {
    let mut out = Vec::new();
    let mut attempt = 0u32;
    for e in c.events.lock().expect("lock").iter() {
        match e {
            SyncEvent::Link(Link::Online) => attempt = 0,
            SyncEvent::Link(Link::Offline { retry_in_ms, .. }) => {
                out.push((attempt, *retry_in_ms));
                attempt += 1;
            }
            _ => {}
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_clients_through_delay_loss_torn_answers_and_a_partition_converge() {
    let started = Instant::now();
    let server = TestServer::start().await;
    let upstream = addr_of(&server.url);
    let mut proxies = Vec::new();
    let mut clients = Vec::new();
    for name in ["radgiver-a", "radgiver-b", "radgiver-c"] {
        let token = server.add_user(name, Role::Chair).await;
        let proxy = Proxy::start(upstream).await;
        clients.push(Client::start(name, &proxy.url(), &token));
        proxies.push(proxy);
    }
    let mut made: Vec<OpId> = Vec::new();
    let mut n = 0usize;

    // Three shared proposals everyone changes.
    let shared: Vec<ItemId> = (0..3).map(|_| ItemId::new()).collect();
    for (i, item) in shared.iter().enumerate() {
        made.push(
            clients[0]
                .change(create(*item, &format!("Felles {i}")))
                .await
                .op_id,
        );
    }
    converged(&server, &clients, "everyone has the shared proposals").await;

    // 1. A slow link: every chunk waits 25 ms, each way.
    for p in &proxies {
        p.set_latency(Duration::from_millis(25));
    }
    for _ in 0..3 {
        for c in &clients {
            n += 1;
            made.push(c.change(some_change(c, &shared, n)).await.op_id);
        }
    }
    converged(&server, &clients, "convergence over a slow link").await;
    for p in &proxies {
        p.set_latency(Duration::ZERO);
    }

    // 2. A lossy link that also tears answers: half of the new connections are lost,
    // and the next eight that get through are cut 1 to 600 bytes into an answer body
    // (a push's answer, a pull's page, the event stream). Open connections go, so
    // everyone has to connect again through it.
    for p in &proxies {
        p.drop_new(50);
        p.tear_next(8, 1..600);
        p.drop_links();
    }
    for _ in 0..40 {
        if proxies.iter().all(|p| p.tears_left() == 0) {
            break;
        }
        for c in &clients {
            n += 1;
            made.push(c.change(some_change(c, &shared, n)).await.op_id);
        }
        // The pace of people typing, not a wait for anything.
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    for (p, c) in proxies.iter().zip(&clients) {
        let s = p.stats();
        assert!(s.torn > 0, "{}: no answer was torn: {s:?}", c.name);
        assert!(s.dropped > 0, "{}: no connection was lost: {s:?}", c.name);
        p.clear_faults();
    }
    converged(&server, &clients, "convergence after torn answers").await;

    // 3. A partition: b and c are cut off for 1.5 s and keep working offline; a keeps
    // working online.
    let before: Vec<usize> = proxies.iter().map(|p| p.stats().refused).collect();
    let partition = Duration::from_millis(1500);
    let cut_at = Instant::now();
    for p in &proxies[1..] {
        p.partition_for(partition);
    }
    for c in &clients[1..] {
        c.wait_link("offline", |l| matches!(l, Link::Offline { .. }))
            .await;
    }
    let mut offline_items = Vec::new();
    for round in 0..3 {
        for c in &clients {
            n += 1;
            let item = ItemId::new();
            made.push(
                c.change(create(item, &format!("{} frakoblet {round}", c.name)))
                    .await
                    .op_id,
            );
            made.push(c.change(some_change(c, &shared, n)).await.op_id);
            offline_items.push(item);
            // Offline work shows at once, from the cache.
            assert!(c.replica().view().get(&item).is_some(), "{}", c.name);
        }
    }
    for c in &clients[1..] {
        let r = c.replica();
        assert!(
            r.pending().len() >= 6,
            "{}: the offline work waits in the outbox: {}",
            c.name,
            r.pending().len()
        );
    }
    wait_for("the partition to end", || {
        let on = proxies.iter().any(|p| p.partitioned());
        async move { !on }
    })
    .await;
    let partitioned_for = cut_at.elapsed();
    // Reconnecting backs off: a few knocks a second, not a busy loop.
    for (i, c) in clients.iter().enumerate().skip(1) {
        let knocks = proxies[i].stats().refused - before[i];
        let most = (partitioned_for.as_millis() as usize / 20).max(40);
        assert!(
            knocks >= 2 && knocks <= most,
            "{}: {knocks} connection attempts in {partitioned_for:?}",
            c.name
        );
    }

    // 4. Healed: everyone converges to the server's log, exactly.
    converged(&server, &clients, "convergence after the partition").await;
    let log = server_log(&server).await;
    for (i, o) in log.iter().enumerate() {
        assert_eq!(o.seq, i as u64 + 1, "the server's seqs have a gap");
    }
    let ids: Vec<OpId> = log.iter().map(|o| o.op.op_id).collect();
    let id_set: BTreeSet<OpId> = ids.iter().copied().collect();
    assert_eq!(id_set.len(), ids.len(), "an op stored twice on the server");
    let made_set: BTreeSet<OpId> = made.iter().copied().collect();
    assert_eq!(
        id_set, made_set,
        "the server has exactly the ops the clients made"
    );
    for c in &clients {
        let theirs: Vec<OpId> = c.logged_ids();
        let set: BTreeSet<OpId> = theirs.iter().copied().collect();
        assert_eq!(
            set.len(),
            theirs.len(),
            "{}: an op twice in the cache",
            c.name
        );
        assert_eq!(
            set, id_set,
            "{}: the cache's log is not the server's",
            c.name
        );
        assert_eq!(
            c.replica().view(),
            clients[0].replica().view(),
            "{}",
            c.name
        );
        for item in &offline_items {
            assert!(c.replica().view().get(item).is_some(), "{}", c.name);
        }
    }

    // The reconnect delays each client was told: under the ceiling of their attempt,
    // larger deep in a run of failures than at its start, and not the same everywhere.
    let delays: Vec<Vec<(u32, u64)>> = clients.iter().map(retry_delays).collect();
    let mut deep = Vec::new();
    for (c, d) in clients.iter().zip(&delays) {
        assert!(!d.is_empty(), "{} never went offline", c.name);
        for (attempt, ms) in d {
            let ceiling = (BACKOFF_BASE_MS << (*attempt).min(20)).min(BACKOFF_CAP_MS);
            assert!(
                *ms >= BACKOFF_BASE_MS / 10 && *ms <= ceiling,
                "{}: {ms} ms at attempt {attempt} (ceiling {ceiling})",
                c.name
            );
        }
        deep.extend(d.iter().filter(|(a, _)| *a >= 4).map(|(_, ms)| *ms));
    }
    assert!(deep.len() >= 4, "long runs of failures: {delays:?}");
    let mean = deep.iter().sum::<u64>() as f64 / deep.len() as f64;
    assert!(
        mean > BACKOFF_BASE_MS as f64,
        "the delays grow: {mean} ms on average deep in a run, {delays:?}"
    );
    assert!(
        delays[1] != delays[2],
        "two clients cut off together do not knock in step: {delays:?}"
    );
    eprintln!(
        "{} ops, {} torn, {} lost connections, {} reconnect delays, in {:?}",
        log.len(),
        proxies.iter().map(|p| p.stats().torn).sum::<usize>(),
        proxies.iter().map(|p| p.stats().dropped).sum::<usize>(),
        delays.iter().map(Vec::len).sum::<usize>(),
        started.elapsed()
    );
}

/// Sends `key` to the board and waits until the screen answers (`answered`); returns
/// how long that took. The deadline is a liveness limit, not a speed target: a board
/// whose drawing waited on the network would miss it by the length of the fault.
fn key_answered(
    board: &mut common::pty::Pty,
    key: &str,
    what: &str,
    answered: impl Fn(&str) -> bool,
) -> Duration {
    const LIVELY: Duration = Duration::from_secs(2);
    let sent = Instant::now();
    board.send(key);
    loop {
        let s = board.screen();
        if answered(&s) {
            return sent.elapsed();
        }
        assert!(
            sent.elapsed() < LIVELY,
            "{what}: the board did not answer {key:?} within {LIVELY:?}; the screen:\n{s}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_board_answers_keys_at_once_while_its_link_is_slow_or_partitioned() {
    use common::styr_cli::*;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let server_home = tempfile::tempdir().expect("tempdir");
    let home = tempfile::tempdir().expect("tempdir");
    let db = server_home.path().join("styr.db");
    let (server, url, admin) = first_start(server_home.path(), &db);
    let token = add_user(server_home.path(), &db, &url, "radgiver-a", "chair");
    let c = common::server::client();
    rt.block_on(async {
        let ops: Vec<_> = ["Felles innbyggerportal", "Digital postkasse"]
            .iter()
            .map(|t| {
                styr::model::Op::new("admin", common::server::now_ms(), create(ItemId::new(), t))
            })
            .collect();
        let res = common::server::push(&c, &url, &admin, &ops).await;
        assert!(res.status().is_success(), "{}", res.status());
    });
    let proxy = rt.block_on(Proxy::start(addr_of(&url)));
    login(home.path(), &proxy.url(), &token);
    let mut board = board(home.path());
    board.wait_for(&["Innkommet (2)", "Vurdering (0)", "● tilkoblet"]);
    let mut answers = Vec::new();

    // A slow link: a second per chunk each way, so the move's push and pull take
    // seconds. The screen does not wait for them.
    proxy.set_latency(Duration::from_secs(1));
    answers.push(key_answered(&mut board, "L", "slow link", |s| {
        s.contains("Innkommet (1)") && s.contains("Vurdering (1)")
    }));
    answers.push(key_answered(&mut board, "h", "slow link", |s| {
        s.contains("Innkommet 1/1")
    }));
    // The help overlay lists the keys; `?` opens and closes it.
    answers.push(key_answered(&mut board, "?", "slow link", |s| {
        s.contains("Shift-←/H")
    }));
    answers.push(key_answered(&mut board, "?", "slow link", |s| {
        !s.contains("Shift-←/H")
    }));

    // Every chunk still waits its second: the move has not reached the server, yet
    // the screen showed it (and everything after it) at once.
    let head = rt.block_on(async {
        let health: styr::protocol::Health = c
            .get(format!("{url}{}", styr::protocol::PATH_HEALTH))
            .send()
            .await
            .expect("health")
            .json()
            .await
            .expect("health");
        health.head
    });
    assert_eq!(head, 2, "the slow link let the move through at once");

    // Partitioned: nothing gets through, and the board says so; keys are answered all
    // the same and the work waits.
    proxy.clear_faults();
    proxy.cut();
    board.wait_for(&["○ frakoblet"]);
    answers.push(key_answered(&mut board, "L", "partitioned", |s| {
        s.contains("Innkommet (0)") && s.contains("Vurdering (2)")
    }));
    board.wait_for(&["✓ Lagret", "venter"]);
    answers.push(key_answered(&mut board, "H", "partitioned", |s| {
        s.contains("Innkommet (1)") && s.contains("Vurdering (1)")
    }));
    answers.push(key_answered(&mut board, "L", "partitioned", |s| {
        s.contains("Innkommet (0)") && s.contains("Vurdering (2)")
    }));

    // Healed: the waiting moves go out once each and the board is online and idle.
    proxy.heal(addr_of(&url));
    board.wait_until("online with nothing waiting", |s| {
        s.contains("● tilkoblet") && !s.contains("venter")
    });
    let log = rt.block_on(async {
        let page: styr::protocol::PullResponse = c
            .get(format!("{url}{}", styr::protocol::PATH_OPS))
            .bearer_auth(&admin)
            .send()
            .await
            .expect("a pull")
            .json()
            .await
            .expect("a page");
        page.ops
    });
    let ids: BTreeSet<OpId> = log.iter().map(|o| o.op.op_id).collect();
    assert_eq!(ids.len(), log.len(), "an op twice");
    assert_eq!(log.len(), 2 + 4, "two seeded, four moves: {log:?}");
    board.send("q");
    assert_eq!(board.wait_exit(), 0, "{}", board.screen());
    server.stop();
    let slowest = answers.iter().max().expect("answers");
    eprintln!("keys answered in {answers:?} (slowest {slowest:?})");
}
