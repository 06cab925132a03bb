//! The peers harness's CPU clock (`benches/peers/term.rs`), which decides B3 ("≈ 0 %
//! idle CPU"): it must see a millisecond, where clock ticks would read 0 or 10 ms, and
//! still count a thread that ended between two readings.

#[allow(dead_code)]
#[path = "../benches/peers/term.rs"]
mod term;

use std::time::{Duration, Instant};
use term::CpuClock;

/// How long a test may spin before it gives up (a loaded two-core CI machine).
const DEADLINE: Duration = Duration::from_secs(20);

fn me() -> u32 {
    std::process::id()
}

/// This thread's own run time, from its `schedstat`.
fn thread_run_time() -> Duration {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    let ns: u64 = s.split_whitespace().next().unwrap().parse().unwrap();
    Duration::from_nanos(ns)
}

/// One test, so that no other test thread of this binary starts or ends while the
/// clock reads the process's threads (an ended thread makes it fall back to ticks).
#[test]
fn the_idle_cpu_clock() {
    a_millisecond_of_cpu_reads_as_a_millisecond_not_as_a_tick();
    a_thread_that_ended_between_readings_is_still_counted();
}

fn a_millisecond_of_cpu_reads_as_a_millisecond_not_as_a_tick() {
    let start = CpuClock::read(me()).expect("our own /proc entry");
    let deadline = Instant::now() + DEADLINE;
    let mut x = 0u64;
    let used = loop {
        for i in 0..10_000u64 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(i));
        }
        let used = CpuClock::read(me()).unwrap().since(&start);
        if used >= Duration::from_millis(1) || Instant::now() > deadline {
            break used;
        }
    };
    assert!(
        used >= Duration::from_millis(1),
        "no CPU seen in {DEADLINE:?}"
    );
    // The first reading past 1 ms comes within a few loop rounds and one /proc read
    // each; a clock counting in 10 ms ticks would read 10 ms or more here.
    assert!(
        used < Duration::from_millis(8),
        "first reading past 1 ms was {used:?}: not nanosecond precision"
    );
}

fn a_thread_that_ended_between_readings_is_still_counted() {
    let start = CpuClock::read(me()).expect("our own /proc entry");
    let spun = std::thread::spawn(|| {
        let deadline = Instant::now() + DEADLINE;
        let mut x = 0u64;
        while thread_run_time() < Duration::from_millis(60) && Instant::now() < deadline {
            for i in 0..10_000u64 {
                x = std::hint::black_box(x.wrapping_add(i));
            }
        }
        thread_run_time()
    })
    .join()
    .unwrap();
    assert!(
        spun >= Duration::from_millis(60),
        "the thread could not spin"
    );
    let used = CpuClock::read(me()).unwrap().since(&start);
    // The ended thread's time is only in the process's ticks (truncated, user and
    // system each): at least 60 ms less two ticks.
    assert!(
        used >= Duration::from_millis(40),
        "{used:?} counted for a thread that ran {spun:?}"
    );
}
