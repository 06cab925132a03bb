//! Peak memory of open store → first frame, in a fresh process. The target is
//! ≤ 30 MiB at 10,000 items (rust-kanban: about 56 MiB and 2.9 s for 10,000 cards).
//!
//! The parent writes a generated store (see `common::write_store`) for each size, then
//! runs itself again (`std::env::current_exe()`) with `STYR_BENCH_CHILD` set to the
//! store's folder. The child only opens the store, loads it, builds the `App` and draws
//! the first frame into an 80×24 `TestBackend`, then reports its peak resident set
//! (`VmHWM` in `/proc/self/status`) and the wall time of that path. The parent prints a
//! Markdown table: the median time of the child runs and the highest peak.
//!
//! `cargo bench --bench startup_memory` (cargo passes `--bench`): 5 children per size.
//! Without `--bench` (`cargo test --benches`) it is a smoke test: one child, 1,000 items.
//! Other arguments are ignored. Linux only for the memory figure (`/proc`).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Set in the child: the base folder of the store to open.
const CHILD_ENV: &str = "STYR_BENCH_CHILD";
/// Child runs per size under `cargo bench`.
const RUNS: usize = 5;

fn main() {
    if let Some(base) = std::env::var_os(CHILD_ENV) {
        child(Path::new(&base));
        return;
    }
    let full = std::env::args().any(|a| a == "--bench");
    let (sizes, runs): (&[usize], usize) = if full {
        (&common::SIZES, RUNS)
    } else {
        (&common::SIZES[..1], 1)
    };
    let exe = std::env::current_exe().expect("the bench knows its own path");
    let mut rows = Vec::new();
    let mut baseline_kib = 0;
    for &n in sizes {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let ops = common::write_store(dir.path(), n);
        let disk = common::dir_size(dir.path());
        let mut ms = Vec::with_capacity(runs);
        let mut peak_kib = 0;
        for _ in 0..runs {
            let out = Command::new(&exe)
                .env(CHILD_ENV, dir.path())
                .output()
                .expect("the bench runs itself");
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "child failed ({}): {stdout}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
            let report = Report::parse(&stdout);
            assert_eq!(report.items, n, "the child saw every item");
            ms.push(report.ms);
            peak_kib = peak_kib.max(report.hwm_kib);
            baseline_kib = baseline_kib.max(report.baseline_kib);
        }
        ms.sort_by(f64::total_cmp);
        rows.push((n, ops, disk, ms[ms.len() / 2], peak_kib));
    }
    println!();
    println!(
        "| items | ops | store on disk | open → first frame (median of {runs}) | peak RSS (VmHWM) |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for (n, ops, disk, ms, kib) in rows {
        println!(
            "| {n} | {ops} | {:.1} MiB | {ms:.1} ms | {} |",
            disk as f64 / 1_048_576.0,
            mib(kib)
        );
    }
    println!();
    println!(
        "Peak RSS of the same process before opening the store: {}. Targets at 10,000 \
         items: ≤ 100 ms, ≤ 30 MiB.",
        mib(baseline_kib)
    );
    if !full {
        println!(
            "(smoke run, e.g. under `cargo test --benches`: one child, 1,000 items, and in \
             a test build the figures mean little; `cargo bench` passes --bench for the real run)"
        );
    }
}

fn mib(kib: u64) -> String {
    if kib == 0 {
        "n/a".into()
    } else {
        format!("{:.1} MiB", kib as f64 / 1024.0)
    }
}

/// The child: only the start-up path, then one line for the parent.
fn child(base: &Path) {
    let baseline_kib = vm_hwm_kib();
    let t0 = Instant::now();
    let started = common::open_to_first_frame(base);
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    let hwm_kib = vm_hwm_kib();
    let items = started.app.view().all_items().count();
    println!("items={items} ms={ms} hwm_kib={hwm_kib} baseline_kib={baseline_kib}");
    drop(started);
}

/// Peak resident set size so far, in KiB; 0 where `/proc` has no answer.
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

struct Report {
    items: usize,
    ms: f64,
    hwm_kib: u64,
    baseline_kib: u64,
}

impl Report {
    fn parse(line: &str) -> Report {
        let field = |name: &str| -> &str {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
                .unwrap_or_else(|| panic!("the child reported no {name}: {line}"))
        };
        Report {
            items: field("items").parse().expect("items is a number"),
            ms: field("ms").parse().expect("ms is a number"),
            hwm_kib: field("hwm_kib").parse().expect("hwm_kib is a number"),
            baseline_kib: field("baseline_kib")
                .parse()
                .expect("baseline_kib is a number"),
        }
    }
}
