//! Load generator for `styr serve`: an in-process server (real HTTP on 127.0.0.1, a
//! SQLite file on disk, WAL with `synchronous=FULL`) and 50 concurrent connections,
//! each pushing single-op batches as fast as they are acknowledged, for 10 s. Every
//! acknowledged op is durable (committed and fsynced) before its reply is sent.
//!
//! Two runs on the same server: **closed loop** (each connection sends its next push as
//! soon as the last is acknowledged: the most the server does) and **paced** at the
//! issue's 2,000 ops/s (each connection sends on a fixed schedule, 40 pushes/s; the
//! latency is counted from the scheduled time, so a late send counts as waiting).
//!
//! `cargo bench --bench server_push` (cargo passes `--bench`): the full run.
//! Without `--bench` (`cargo test --benches`) it is a smoke run: 5 connections, 1 s.

#[allow(dead_code)]
#[path = "../tests/common/server.rs"]
mod fixture;

#[allow(dead_code)]
mod fanout;
use fanout::{ms, percentile};

use fixture::{create_op, TestServer};
use std::time::{Duration, Instant};
use styr::protocol::{PushRequest, PushResponse, PATH_OPS};

struct Outcome {
    latencies: Vec<Duration>,
    errors: u64,
}

/// Pushes until `until`; with `pace = (first, period)` on that schedule, else back to back.
async fn connection(
    url: String,
    token: String,
    until: Instant,
    pace: Option<(Instant, Duration)>,
) -> Outcome {
    // One client per task, one connection each.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client");
    let mut out = Outcome {
        latencies: Vec::new(),
        errors: 0,
    };
    let mut k = 0u32;
    while Instant::now() < until {
        let body = PushRequest {
            ops: vec![create_op("innkommet")],
        };
        let t0 = match pace {
            None => Instant::now(),
            Some((first, period)) => {
                let at = first + period * k;
                k += 1;
                if at >= until {
                    break;
                }
                tokio::time::sleep_until(at.into()).await;
                at
            }
        };
        let res = client
            .post(format!("{url}{PATH_OPS}"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await;
        let ok = match res {
            Ok(r) if r.status().is_success() => r
                .json::<PushResponse>()
                .await
                .map(|p| p.acks.len() == 1)
                .unwrap_or(false),
            _ => false,
        };
        if ok {
            out.latencies.push(t0.elapsed());
        } else {
            out.errors += 1;
        }
    }
    out
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (conns, secs) = if full { (50, 10) } else { (5, 1) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let server = TestServer::start().await;
        // Warm up: the first connection and the first commit.
        let warm = connection(
            server.url.clone(),
            server.admin_token.clone(),
            Instant::now() + Duration::from_millis(200),
            None,
        )
        .await;
        let mut stored = warm.latencies.len() as u64;
        if !full {
            println!(
                "(smoke run, e.g. under `cargo test --benches`: {conns} connections for {secs} s, \
                 and in a test build the figures mean little; `cargo bench` passes --bench)"
            );
        }
        println!(
            "| run | connections | seconds | durable ops | ops/s | p50 | p99 | max | errors |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        for paced in [false, true] {
            let start = Instant::now() + Duration::from_millis(50);
            let until = start + Duration::from_secs(secs);
            // 2,000 ops/s over all connections, their start times spread over one period.
            let period = Duration::from_secs_f64(conns as f64 / 2000.0);
            let tasks: Vec<_> = (0..conns)
                .map(|i| {
                    let pace = paced.then(|| (start + period * i / conns, period));
                    tokio::spawn(connection(
                        server.url.clone(),
                        server.admin_token.clone(),
                        until,
                        pace,
                    ))
                })
                .collect();
            let mut latencies = Vec::new();
            let mut errors = 0;
            for t in tasks {
                let o = t.await.expect("a load task");
                latencies.extend(o.latencies);
                errors += o.errors;
            }
            let elapsed = until.saturating_duration_since(start);
            latencies.sort();
            let n = latencies.len() as u64;
            stored += n;
            let head = server.store().head().await.expect("the head");
            assert_eq!(head, stored, "every acknowledged op is stored once");
            println!(
                "| {} | {conns} | {:.1} | {n} | {:.0} | {} | {} | {} | {errors} |",
                if paced {
                    "paced, 2,000/s"
                } else {
                    "closed loop"
                },
                elapsed.as_secs_f64(),
                n as f64 / elapsed.as_secs_f64(),
                ms(percentile(&latencies, 0.50)),
                ms(percentile(&latencies, 0.99)),
                ms(latencies.last().copied().unwrap_or_default()),
            );
        }
        let (_dir, _db) = server.shutdown().await;
    });
}

/// For the peers harness: a fresh server, warmed up, then `conns` connections pushing
/// back to back for `secs` seconds.
#[allow(dead_code)] // used by the peers harness
pub struct Load {
    pub latencies: Vec<Duration>,
    pub errors: u64,
    pub elapsed: Duration,
}

#[allow(dead_code)] // used by the peers harness
pub fn closed_loop(conns: u32, secs: u64) -> Load {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let server = TestServer::start().await;
        let warm = connection(
            server.url.clone(),
            server.admin_token.clone(),
            Instant::now() + Duration::from_millis(200),
            None,
        )
        .await;
        let start = Instant::now() + Duration::from_millis(50);
        let until = start + Duration::from_secs(secs);
        let tasks: Vec<_> = (0..conns)
            .map(|_| {
                tokio::spawn(connection(
                    server.url.clone(),
                    server.admin_token.clone(),
                    until,
                    None,
                ))
            })
            .collect();
        let mut out = Load {
            latencies: Vec::new(),
            errors: 0,
            elapsed: until.saturating_duration_since(start),
        };
        for t in tasks {
            let o = t.await.expect("a load task");
            out.latencies.extend(o.latencies);
            out.errors += o.errors;
        }
        out.latencies.sort();
        let head = server.store().head().await.expect("the head");
        let stored = (warm.latencies.len() + out.latencies.len()) as u64;
        if head != stored {
            out.errors += head.abs_diff(stored);
        }
        let (_dir, _db) = server.shutdown().await;
        out
    })
}
