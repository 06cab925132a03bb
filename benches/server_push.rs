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
//! Then the same two runs against **two servers on one PostgreSQL** (a cluster the
//! bench starts with `initdb`, durable: `fsync` and `synchronous_commit` on, as
//! installed), the connections spread over both servers, so the figures of both stores
//! come from the same run on the same machine.
//!
//! `cargo bench --bench server_push` (cargo passes `--bench`): the full run.
//! Without `--bench` it is a smoke run: 5 connections, 1 s.

#[allow(dead_code)]
#[path = "../tests/common/server.rs"]
mod fixture;

#[allow(dead_code)]
#[path = "../tests/common/pg.rs"]
mod pg;

#[allow(dead_code)]
mod fanout;
use fanout::{ms, percentile};

use fixture::{create_op, now_ms, TestServer};
use std::sync::Arc;
use std::time::{Duration, Instant};
use styr::model::Role;
use styr::protocol::{PushRequest, PushResponse, PATH_OPS};
use styr::server::{self, users, AppState, PgStore, ServerConfig, ServerStore};

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

/// The servers under load: their addresses, a token, and a store to count with.
struct Target {
    name: &'static str,
    urls: Vec<String>,
    token: String,
    store: Arc<dyn ServerStore>,
}

/// Runs closed loop and paced against `target`, `conns` connections spread over its
/// servers, and prints a row for each.
async fn runs(target: &Target, conns: u32, secs: u64) {
    // Warm up: the first connections and the first commits.
    let mut stored = target.store.head().await.expect("the head");
    for url in &target.urls {
        let warm = connection(
            url.clone(),
            target.token.clone(),
            Instant::now() + Duration::from_millis(200),
            None,
        )
        .await;
        stored += warm.latencies.len() as u64;
    }
    for paced in [false, true] {
        let start = Instant::now() + Duration::from_millis(50);
        let until = start + Duration::from_secs(secs);
        // 2,000 ops/s over all connections, their start times spread over one period.
        let period = Duration::from_secs_f64(conns as f64 / 2000.0);
        let tasks: Vec<_> = (0..conns)
            .map(|i| {
                let pace = paced.then(|| (start + period * i / conns, period));
                let url = target.urls[i as usize % target.urls.len()].clone();
                tokio::spawn(connection(url, target.token.clone(), until, pace))
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
        let head = target.store.head().await.expect("the head");
        assert_eq!(head, stored, "every acknowledged op is stored once");
        println!(
            "| {} | {} | {} | {conns} | {:.1} | {n} | {:.0} | {} | {} | {} | {errors} |",
            target.name,
            target.urls.len(),
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
}

/// A server in this process on `store`, until the runtime ends.
async fn serve_on(store: Arc<dyn ServerStore>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let state = AppState::new(store, ServerConfig::default());
    tokio::spawn(server::serve(listener, state, std::future::pending()));
    url
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (conns, secs) = if full { (50, 10) } else { (5, 1) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let cluster = rt.block_on(async {
        if !full {
            println!(
                "(smoke run: {conns} connections for {secs} s, and in a test build the figures \
                 mean little; `cargo bench` passes --bench)"
            );
        }
        println!(
            "| store | servers | run | connections | seconds | durable ops | ops/s | p50 | p99 | max | errors |"
        );
        println!("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        let server = TestServer::start().await;
        let sqlite = Target {
            name: "SQLite",
            urls: vec![server.url.clone()],
            token: server.admin_token.clone(),
            store: server.store().clone(),
        };
        runs(&sqlite, conns, secs).await;
        drop(sqlite);
        let (_dir, _db) = server.shutdown().await;

        let cluster = tokio::task::spawn_blocking(pg::PgCluster::start_durable)
            .await
            .expect("the cluster starts");
        let a: Arc<dyn ServerStore> = Arc::new(PgStore::open(&cluster.url).await.expect("opens"));
        let b: Arc<dyn ServerStore> = Arc::new(PgStore::open(&cluster.url).await.expect("opens"));
        let token = users::add_to(&*a, "admin", Role::Admin, "", now_ms())
            .await
            .expect("a user")
            .token;
        let postgres = Target {
            name: "PostgreSQL",
            urls: vec![serve_on(a.clone()).await, serve_on(b).await],
            token,
            store: a,
        };
        runs(&postgres, conns, secs).await;
        cluster
    });
    // The servers' tasks end with the runtime, before the cluster is stopped.
    drop(rt);
    drop(cluster);
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
