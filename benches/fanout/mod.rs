//! Shared by the server benches: percentiles, and the push-then-wait-for-everyone loop
//! of the fan-out benches.

use super::fixture::{client, create_op, push, TestServer, DEADLINE};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Pushes one op at a time, `pushes` times, and after each waits until `receivers`
/// reports of its seq have come in on `rx` (each a `(seq, when)`). Returns the times
/// from sending each push to its last report, sorted.
pub async fn time_pushes(
    server: &TestServer,
    rx: &mut mpsc::UnboundedReceiver<(u64, Instant)>,
    receivers: usize,
    pushes: usize,
) -> Vec<Duration> {
    let c = client();
    let mut times = Vec::new();
    for _ in 0..pushes {
        let t0 = Instant::now();
        let res = push(
            &c,
            &server.url,
            &server.admin_token,
            &[create_op("innkommet")],
        )
        .await;
        assert!(res.status().is_success());
        let seq = res
            .json::<styr::protocol::PushResponse>()
            .await
            .expect("acks")
            .acks[0]
            .seq;
        let mut got = 0;
        let mut last = t0;
        while got < receivers {
            let (s, at) = tokio::time::timeout(DEADLINE, rx.recv())
                .await
                .expect("every receiver reports in time")
                .expect("the receivers run");
            if s == seq {
                got += 1;
                last = last.max(at);
            }
        }
        times.push(last - t0);
    }
    times.sort();
    times
}
