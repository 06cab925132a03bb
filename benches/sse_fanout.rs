//! SSE fan-out of `styr serve`: 50 subscribers on loopback, and the time from sending a
//! push to the op having arrived at all 50, over a few hundred pushes (one at a time).
//! The time includes the push's own durable commit. Two kinds of subscriber: a bare SSE
//! reader, and styr's own client library (`sync::HttpTransport::events`, what every
//! `styr` runs), so the library's own cost is visible.
//!
//! `cargo bench --bench sse_fanout` (cargo passes `--bench`): 50 subscribers, 300 pushes.
//! Without `--bench` (`cargo test --benches`): a smoke run, 5 subscribers, 20 pushes.

#[allow(dead_code)]
#[path = "../tests/common/server.rs"]
mod fixture;

#[allow(dead_code)]
mod fanout;
use fanout::{ms, percentile};

use fixture::{SseReader, TestServer, DEADLINE};
use std::time::Instant;
use styr::protocol::SeqOp;
use styr::sync::Transport as _;
use tokio::sync::mpsc;

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (subs, pushes) = if full { (50, 300) } else { (5, 20) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let server = TestServer::start().await;
        // Each subscriber reports (seq, arrival time) of every op it gets.
        let (tx, mut rx) = mpsc::unbounded_channel::<(u64, Instant)>();
        let mut readers = Vec::new();
        let library = std::env::var("STYR_FANOUT_CLIENT").as_deref() == Ok("library");
        for _ in 0..subs {
            if library {
                let url = styr::sync::ServerUrl::parse(&server.url, false).expect("loopback");
                let transport =
                    styr::sync::HttpTransport::new(url, &server.admin_token).expect("a client");
                let mut events = transport.events(0).await.expect("a subscription");
                let tx = tx.clone();
                readers.push(tokio::spawn(async move {
                    use futures_util::StreamExt;
                    let _keep = transport;
                    for _ in 0..pushes {
                        let Ok(Some(Ok(styr::sync::ServerEvent::Op(op)))) =
                            tokio::time::timeout(DEADLINE, events.next()).await
                        else {
                            return;
                        };
                        let _ = tx.send((op.seq, Instant::now()));
                    }
                }));
                continue;
            }
            let res = reqwest::Client::new()
                .get(server.events_url())
                .bearer_auth(&server.admin_token)
                .send()
                .await
                .expect("a subscription");
            assert!(res.status().is_success());
            let mut events = SseReader::new(res);
            let tx = tx.clone();
            readers.push(tokio::spawn(async move {
                for _ in 0..pushes {
                    let Some(ev) = events.next_until(Instant::now() + DEADLINE).await else {
                        return;
                    };
                    let op: SeqOp = serde_json::from_str(&ev.data).expect("an op");
                    let _ = tx.send((op.seq, Instant::now()));
                }
            }));
        }
        drop(tx);
        let times = fanout::time_pushes(&server, &mut rx, subs, pushes).await;
        for r in readers {
            r.await.expect("a reader");
        }
        if !full {
            println!(
                "(smoke run, e.g. under `cargo test --benches`: {subs} subscribers, {pushes} \
                 pushes; `cargo bench` passes --bench for the real run)"
            );
        }
        let via = if library {
            "styr client library"
        } else {
            "bare SSE reader"
        };
        println!("| subscribers | via | pushes | push → all received p50 | p99 | max |");
        println!("|---:|---|---:|---:|---:|---:|");
        println!(
            "| {subs} | {via} | {pushes} | {} | {} | {} |",
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.99)),
            ms(times.last().copied().unwrap_or_default()),
        );
    });
}
