//! Open store → first frame, in process: how long a user with a large portfolio waits
//! for the board. The target is ≤ 100 ms at 10,000 items.
//!
//! Setup (not measured) writes a generated portfolio of 1,000 or 10,000 items (about
//! two ops each, see `common::portfolio_ops`) to a sled store in a temporary folder.
//! Measured: `Store::open` → `load` → theme and draft → `App::new` → one frame drawn by
//! `view` into an 80×24 `TestBackend`. The store is closed after the clock stops, at
//! the end of every iteration: a sled folder has one open handle at a time.
//!
//! The OS page cache is warm after the first iteration, so this is a warm start.
//! `cargo bench --bench first_frame`; peak memory is `benches/startup_memory.rs`.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn first_frame(c: &mut Criterion) {
    let mut group = c.benchmark_group("open_to_first_frame");
    // Each iteration is tens of milliseconds: flat sampling with few samples keeps the
    // whole run (both sizes, setup included) well under two minutes on two cores.
    group
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for n in common::SIZES {
        let dir = tempfile::tempdir().expect("a temporary folder");
        common::write_store(dir.path(), n);
        // One untimed start, to check the board is really there.
        let started = common::open_to_first_frame(dir.path());
        assert_eq!(started.app.view().all_items().count(), n);
        assert!(common::screen_text(&started.terminal).contains("Innkommet"));
        drop(started);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t0 = Instant::now();
                    let started = common::open_to_first_frame(dir.path());
                    total += t0.elapsed();
                    // Closing sled is not part of start-up.
                    drop(black_box(started));
                }
                total
            });
        });
    }
    group.finish();
}

criterion_group!(benches, first_frame);
criterion_main!(benches);
