//! The model's and the store's hot paths at portfolio sizes a cooperation reaches after
//! years of use, in process (criterion):
//!
//! * **fold**: `Portfolio::fold` of 10,000 and 100,000 ops (half creates, half edits,
//!   moves and a few deletes; `common::portfolio_ops`), all in memory;
//! * **materialise**: `Store::rebuild_view` over a sled store holding the same 10,000 and
//!   100,000 ops: the whole log read, every item folded and written back to the view, and
//!   flushed;
//! * **open + load**: `Store::open` → `load` of a store with 10,000 and 100,000 items
//!   (20,000 and 200,000 ops): what start-up costs before anything is drawn.
//!
//! Setup (not measured) writes the stores to temporary folders: about 65 MiB per 10,000
//! items on disk. Few samples, flat sampling: the 100,000 cases take a second or more
//! per iteration. `cargo bench --bench store_paths`.

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use std::hint::black_box;
use std::time::{Duration, Instant};
use styr::model::Portfolio;
use styr::store::Store;

/// Op counts for fold and materialise; `portfolio_ops(n)` makes two ops per item.
const OPS: [usize; 2] = [10_000, 100_000];
/// Item counts for open + load.
const ITEMS: [usize; 2] = [10_000, 100_000];

fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g
}

fn fold(c: &mut Criterion) {
    let mut g = group(c, "fold");
    for n in OPS {
        let ops = common::portfolio_ops(n / 2);
        assert_eq!(ops.len(), n);
        let expected = Portfolio::fold(&ops).all_items().count();
        assert_eq!(expected, n / 2);
        g.bench_with_input(BenchmarkId::from_parameter(n), &ops, |b, ops| {
            b.iter(|| black_box(Portfolio::fold(black_box(ops))));
        });
    }
    g.finish();
}

fn materialise(c: &mut Criterion) {
    let mut g = group(c, "materialise");
    for n in OPS {
        let dir = tempfile::tempdir().expect("a temporary folder");
        assert_eq!(common::write_store(dir.path(), n / 2), n);
        let store = Store::open(dir.path()).expect("the bench store opens");
        let before = store.load().expect("loads");
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| store.rebuild_view().expect("the view is rebuilt"));
        });
        // The rebuilt view is the one the appends had written.
        assert!(store.load().expect("loads") == before);
    }
    g.finish();
}

fn open_load(c: &mut Criterion) {
    let mut g = group(c, "open_load");
    for n in ITEMS {
        let dir = tempfile::tempdir().expect("a temporary folder");
        common::write_store(dir.path(), n);
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let t0 = Instant::now();
                    let store = Store::open(dir.path()).expect("the bench store opens");
                    let portfolio = store.load().expect("the bench store loads");
                    total += t0.elapsed();
                    assert_eq!(portfolio.all_items().count(), n);
                    // Closing sled is not part of start-up.
                    drop(black_box((portfolio, store)));
                }
                total
            });
        });
    }
    g.finish();
}

criterion_group!(benches, fold, materialise, open_load);
criterion_main!(benches);
