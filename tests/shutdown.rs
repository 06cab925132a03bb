//! Graceful shutdown of `styr serve`: SIGTERM (or Ctrl-C) in the middle of a burst of
//! pushes, with event streams open. The server stops taking connections, answers the
//! pushes it has begun, ends the event streams (so clients reconnect cleanly), exits 0
//! within 5 seconds, and every push it answered is in the store when it comes back.

mod common;

use common::server::{client, create_op, DEADLINE};
use common::styr_cli::{first_start, Server};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use styr::model::{Op, OpId};
use styr::protocol::{PushResponse, PATH_EVENTS};
use styr::server::sqlite::{open_connection, pull_on};

/// What the promise allows for the whole stop.
const STOP_WITHIN: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_during_a_burst_answers_what_it_began_and_exits_within_5_s() {
    let home = tempfile::tempdir().expect("tempdir");
    let db = home.path().join("styr.db");
    let (server, url, token) = first_start(home.path(), &db);
    let c = client();

    // Two event streams, as two open boards hold them.
    let mut streams = Vec::new();
    for _ in 0..2 {
        let res = c
            .get(format!("{url}{PATH_EVENTS}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("the stream opens");
        assert!(res.status().is_success());
        streams.push(res);
    }
    // Four writers push until their pushes stop being answered.
    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<std::sync::Mutex<Vec<Op>>> = Arc::default();
    let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut writers = Vec::new();
    for _ in 0..4 {
        let (c, url, token) = (c.clone(), url.clone(), token.clone());
        let (stop, acked, answered) = (stop.clone(), acked.clone(), answered.clone());
        writers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let ops: Vec<Op> = (0..3).map(|_| create_op("innkommet")).collect();
                let res = match c
                    .post(format!("{url}{}", styr::protocol::PATH_OPS))
                    .bearer_auth(&token)
                    .json(&styr::protocol::PushRequest { ops: ops.clone() })
                    .send()
                    .await
                {
                    Ok(r) => r,
                    // Refused or cut: the server is going; this push was never answered.
                    Err(_) => return,
                };
                if !res.status().is_success() {
                    return;
                }
                let Ok(body) = res.json::<PushResponse>().await else {
                    return;
                };
                assert_eq!(body.acks.len(), ops.len());
                acked.lock().expect("lock").extend(ops);
                answered.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    // Let the burst get going, then SIGTERM in the middle of it.
    let until = Instant::now() + DEADLINE;
    while answered.load(Ordering::Relaxed) < 20 {
        assert!(Instant::now() < until, "the writers got going");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let stopping = Instant::now();
    let server = tokio::task::spawn_blocking(move || {
        // SIGTERM and the wait for exit 0 (the helper asserts both).
        server.stop();
    });
    // The event streams end (the clients will reconnect), rather than hang.
    for res in streams {
        let body = tokio::time::timeout(STOP_WITHIN, res.bytes()).await;
        assert!(body.is_ok(), "an event stream was still open after 5 s");
    }
    server.await.expect("styr serve stopped with exit 0");
    let took = stopping.elapsed();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.expect("a writer");
    }
    assert!(took < STOP_WITHIN, "stopped in {took:?}");

    // Everything answered is stored, once, with the chain intact.
    let acked = acked.lock().expect("lock").clone();
    assert!(acked.len() >= 60);
    let mut conn = open_connection(&db).expect("the database opens");
    let stored = pull_on(&mut conn, 0, usize::MAX).expect("pull").ops;
    let ids: Vec<OpId> = stored.iter().map(|o| o.op.op_id).collect();
    let unique: BTreeSet<OpId> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no op twice");
    for op in &acked {
        assert!(unique.contains(&op.op_id), "an answered push is stored");
    }
    styr::server::verify::verify_file(&db).expect("the log verifies");

    // It comes back on the same file and serves what it stored.
    let mut again = Server::start(home.path(), &db, "127.0.0.1:0");
    let line = again.wait_line("listening on http://");
    let url = line
        .split("listening on ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the address")
        .to_string();
    let res = c
        .get(format!("{url}{}?since=0&limit=1", styr::protocol::PATH_OPS))
        .bearer_auth(&token)
        .send()
        .await
        .expect("the restarted server answers");
    assert!(res.status().is_success(), "{}", res.status());
    let page: styr::protocol::PullResponse = res.json().await.expect("a page");
    assert_eq!(page.head, stored.len() as u64);
    again.stop();
}
