//! Fuzzy search speed (issue 6, item 2): ranking per keystroke over 10,000 and 100,000
//! titles with Norwegian letters, as a query grows one letter at a time, with and without
//! narrowing; and key → redrawn screen at 10,000 items (update + search + update + view
//! into a 120×40 `TestBackend`), p50/p99.
//!
//! Targets: ranking ≤ 5 ms at 10,000 and ≤ 50 ms at 100,000 per keystroke; key → screen
//! p99 ≤ 16 ms at 10,000.
//!
//! `cargo bench --bench search`. The criterion groups report the mean time per keystroke
//! over the whole growing query (each iteration types it all, the time is divided by its
//! length); the plain tables before them give each keystroke's own median and the
//! key → screen percentiles. `STYR_BENCH_ONLY=screen` runs only the key → screen table.

mod common;

use criterion::{BenchmarkId, Criterion};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::hint::black_box;
use std::time::{Duration, Instant};
use styr::i18n::Lang;
use styr::model::{FieldValue, ItemId, Payload, Portfolio, Stages};
use styr::search::{search, Entry, Narrowing, Query, SearchIndex};
use styr::tui::app::{now_ms, AppInit};
use styr::tui::theme::Theme;
use styr::tui::{update, view, App, Effect, Msg};
use uuid::Uuid;

const QUERY: &str = "digital kompetanse";
const SIZES: [usize; 2] = [10_000, 100_000];

const WORDS: &[&str] = &[
    "kompetanse",
    "digital",
    "innbyggere",
    "skole",
    "helse",
    "velferdsteknologi",
    "økonomi",
    "arkiv",
    "sikkerhet",
    "læring",
    "nettside",
    "tjenester",
    "samhandling",
    "bredbånd",
    "åpne data",
    "kommunikasjon",
    "plattform",
    "øvelse",
    "tilgang",
    "måling",
    "kompetanseheving",
    "digitalisering",
    "ansatte",
    "fagsystem",
];

const PLACES: &[&str] = &[
    "Åfjord",
    "Ørland",
    "Indre Fosen",
    "Osen",
    "Bodø",
    "Sør-Varanger",
    "Måsøy",
    "Bærum",
    "Vågå",
    "Tromsø",
    "Østre Toten",
    "Ålesund",
];

/// `n` titles: a demo title (the action plan and the proposals sheet) with varied words
/// and a place, the same on every run.
fn titles(n: usize) -> Vec<String> {
    let base: Vec<String> = styr::io::demo::demo_ops(0)
        .into_iter()
        .filter_map(|op| match op.payload {
            Payload::CreateItem { fields, .. } => fields.into_iter().find_map(|f| match f {
                FieldValue::Title(t) => Some(t),
                _ => None,
            }),
            _ => None,
        })
        .collect();
    let mut rng = fastrand::Rng::with_seed(0x5EA_2C4);
    (0..n)
        .map(|k| {
            let b = &base[rng.usize(..base.len())];
            let w1 = WORDS[rng.usize(..WORDS.len())];
            let w2 = WORDS[rng.usize(..WORDS.len())];
            let place = PLACES[rng.usize(..PLACES.len())];
            match rng.u8(..4) {
                0 => format!("{b} – {w1} i {place}"),
                1 => format!("{w1} og {w2}: {b}"),
                2 => format!("{place}: {w1} {w2} #{k}"),
                _ => format!("{b} ({place}, {w2})"),
            }
        })
        .collect()
}

fn title_index(titles: &[String]) -> SearchIndex {
    SearchIndex::from_entries(titles.iter().enumerate().map(|(k, t)| Entry {
        item: ItemId(Uuid::from_u128(k as u128 + 1)),
        group: (k % 9).to_string(),
        title: t.clone(),
        fields: vec![],
    }))
}

fn prefixes() -> Vec<String> {
    (1..=QUERY.chars().count())
        .map(|n| QUERY.chars().take(n).collect())
        .collect()
}

/// Types the whole query once; returns each keystroke's time.
fn type_query(index: &SearchIndex, narrowing: bool) -> Vec<Duration> {
    let mut n = Narrowing::default();
    prefixes()
        .into_iter()
        .enumerate()
        .map(|(g, text)| {
            let q = Query {
                generation: g as u64,
                text,
            };
            let t0 = Instant::now();
            let r = if narrowing {
                n.search(index, &q)
            } else {
                search(index, &q, None)
            };
            let t = t0.elapsed();
            black_box(r);
            t
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Each keystroke's median over `rounds` typings, and the build time of the index.
fn keystroke_table(quick: bool) {
    let rounds = if quick { 1 } else { 15 };
    println!("\n## Ranking per keystroke, query {QUERY:?} typed one letter at a time\n");
    for n in SIZES {
        let titles = titles(if quick { n / 100 } else { n });
        let t0 = Instant::now();
        let index = title_index(&titles);
        let build = t0.elapsed();
        let hits: Vec<usize> = prefixes()
            .iter()
            .map(|p| {
                search(
                    &index,
                    &Query {
                        generation: 0,
                        text: p.clone(),
                    },
                    None,
                )
                .hits
                .len()
            })
            .collect();
        println!(
            "{} titles (index built in {}); hits per prefix: {hits:?}\n",
            titles.len(),
            ms(build)
        );
        println!("| prefix | full search (median) | narrowed (median) |");
        println!("|---|---:|---:|");
        let mut full: Vec<Vec<Duration>> = vec![Vec::new(); hits.len()];
        let mut narrow: Vec<Vec<Duration>> = vec![Vec::new(); hits.len()];
        for _ in 0..rounds {
            for (k, t) in type_query(&index, false).into_iter().enumerate() {
                full[k].push(t);
            }
            for (k, t) in type_query(&index, true).into_iter().enumerate() {
                narrow[k].push(t);
            }
        }
        let mut worst = (Duration::ZERO, Duration::ZERO);
        for (k, p) in prefixes().iter().enumerate() {
            full[k].sort();
            narrow[k].sort();
            let (f, nn) = (percentile(&full[k], 0.5), percentile(&narrow[k], 0.5));
            worst = (worst.0.max(f), worst.1.max(nn));
            println!("| {p:?} | {} | {} |", ms(f), ms(nn));
        }
        println!(
            "| **worst keystroke** | **{}** | **{}** |\n",
            ms(worst.0),
            ms(worst.1)
        );
    }
}

/// The app over `n` generated items (`common::portfolio_ops`: titles, descriptions,
/// submitters, anchoring with æøå), searched in process as `run.rs` does on its worker.
fn key_to_screen(quick: bool) {
    let n = if quick { 1_000 } else { 10_000 };
    let rounds = if quick { 2 } else { 40 };
    let portfolio = Portfolio::fold(&common::portfolio_ops(n));
    let (theme, _) = Theme::load("dark", None, false);
    let mut app = App::new(AppInit {
        replica: portfolio.into(),
        server: None,
        identity: None,
        read_only: false,
        stages: Stages::default(),
        lang: Lang::Nb,
        theme,
        title: "Benk".into(),
        author: "benk".into(),
        slot: 0,
        draft: None,
        notices: vec![],
        clock: now_ms,
    });
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    update(&mut app, Msg::Resize(120, 40));
    let t0 = Instant::now();
    let index = app.search_index();
    let build = t0.elapsed();
    drop(index);
    let mut narrowing = Narrowing::default();
    let mut times = Vec::new();
    let mut search_times = Vec::new();
    let mut script: Vec<char> = vec!['/'];
    script.extend(QUERY.chars());
    for round in 0..rounds {
        for &c in &script {
            let key = crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            );
            let t0 = Instant::now();
            let effects = update(&mut app, Msg::Key(key));
            for e in effects {
                if let Effect::Search(q) = e {
                    let index = app.search_index();
                    let s0 = Instant::now();
                    let r = narrowing.search(&index, &q);
                    search_times.push(s0.elapsed());
                    update(&mut app, Msg::SearchResults(r));
                }
            }
            terminal.draw(|f| view(&app, f)).expect("draw");
            if round > 0 {
                times.push(t0.elapsed());
            }
        }
        let shown: usize = app.columns.iter().map(|c| c.items.len()).sum();
        assert!(shown > 0, "the full query finds something");
        let esc = crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Esc,
            crossterm::event::KeyModifiers::NONE,
        );
        update(&mut app, Msg::Key(esc));
        terminal.draw(|f| view(&app, f)).expect("draw");
    }
    times.sort();
    search_times.sort();
    println!(
        "\n## Key → redrawn screen, {n} items, 120×40, {} keystrokes\n",
        times.len()
    );
    println!("index built on the first search: {}", ms(build));
    println!("| | p50 | p99 | max |");
    println!("|---|---:|---:|---:|");
    println!(
        "| key → screen (update + search + update + view) | {} | {} | {} |",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(percentile(&times, 1.0))
    );
    println!(
        "| of which ranking (narrowed) | {} | {} | {} |",
        ms(percentile(&search_times, 0.5)),
        ms(percentile(&search_times, 0.99)),
        ms(percentile(&search_times, 1.0))
    );
}

fn ranking(c: &mut Criterion, quick: bool) {
    let mut group = c.benchmark_group("rank_per_keystroke");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(if quick { 1 } else { 5 }));
    let keystrokes = prefixes().len() as u32;
    for n in SIZES {
        let index = title_index(&titles(if quick { n / 100 } else { n }));
        for (name, narrowing) in [("full", false), ("narrowed", true)] {
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += type_query(&index, narrowing).into_iter().sum::<Duration>();
                    }
                    total / keystrokes
                });
            });
        }
    }
    group.finish();
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then a quick run.
    let quick = !std::env::args().any(|a| a == "--bench");
    // `STYR_BENCH_ONLY=screen`: only the key → screen table (for profiling that path).
    if std::env::var("STYR_BENCH_ONLY").is_ok_and(|v| v == "screen") {
        key_to_screen(quick);
        return;
    }
    keystroke_table(quick);
    key_to_screen(quick);
    let mut c = Criterion::default().configure_from_args();
    ranking(&mut c, quick);
    c.final_summary();
}
