//! styr side by side with the terminal tools people would otherwise use, measured as a
//! user feels it: through a real pseudo-terminal, the release binaries, the same items.
//!
//! `cargo bench --bench peers` runs everything, prints a Markdown table and writes it
//! into `docs/BENCHMARKS.md` between the `peers:begin` and `peers:end` markers. Options
//! after `--`: `--quick` (fewer repetitions, no 100,000), `--only B1,B4` (some
//! scenarios), `--no-write` (print only), `--show` (print each tool's first screen at
//! 1,000 items and stop: to check what the harness waits for).
//!
//! * **B1** start → first board frame at 1,000 and 10,000 items: from spawning the
//!   program to the first output after which the screen shows the board with items.
//!   Median of 5 warm starts (one start before them is not counted).
//! * **B2** peak RSS through B3's session, of the program together with the processes
//!   it starts (sampled every 2 ms; taskwarrior-tui keeps its tasks in `task` children),
//!   and of its own process (`VmHWM`) beside it.
//! * **B3** CPU while idle on the board for 10 s, after the first frame has settled: its
//!   threads' run time from `/proc/PID/task/*/schedstat` (nanoseconds; ticks of
//!   `/proc/PID/stat` if a thread ended meanwhile) plus the children it waited for
//!   (ticks); also the bytes the program wrote to the terminal meanwhile.
//! * **B4** key → screen while searching 10,000 and 100,000 titles: a query typed one
//!   key at a time; each key is timed from writing it to the first output after which
//!   the screen equals the screen that key settles to (taken from one untimed typing
//!   of the query first). p50 and p99 over every key of 5 typings (3 at 100,000).
//! * **B7** ballot → every screen: 50 voters on loopback, each following the event
//!   stream like a client does, one ballot each within a second; in process (the
//!   `voting` bench's server and clients; a pty per client would measure 50 terminal
//!   emulators on two cores, not styr).
//! * **B8** durable ops/s and p99 against the server with 50 connections, closed loop,
//!   10 s; in process (the `server_push` bench's load generator).
//! * **B9** settle after 100 resizes in one second: styr at 1,000 items, the terminal
//!   resized every 10 ms between four sizes and back to 120×40 last; from the last
//!   resize to the screen equal to the board's frame at 120×40. 5 storms.
//!
//! Peers, when installed (`benches/install-peers.sh`): rust-kanban (it loads a JSON save
//! file; the harness writes one with the same items, a board per stage) and
//! taskwarrior-tui with taskwarrior (the same items through `task import`, a project per
//! stage) for B1–B3, fzf for B4 (the same titles on stdin). A peer that is not found is
//! skipped with a note.

// The server fixture and `fanout` come in twice, through `server_push` and `voting`:
// each bench file stays a whole program of its own.
#![allow(clippy::duplicate_mod)]

mod common;

#[path = "peers/term.rs"]
mod term;

#[allow(dead_code)]
#[path = "server_push.rs"]
mod server_push;

#[allow(dead_code)]
#[path = "voting.rs"]
mod voting;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use styr::model::{Item, Portfolio, Stages};
use term::Term;

const COLS: u16 = 120;
const ROWS: u16 = 40;
/// Typed into every search, one key at a time.
const QUERY: &str = "døgnåpen ørland";
const START_DEADLINE: Duration = Duration::from_secs(120);
const KEY_DEADLINE: Duration = Duration::from_secs(20);
/// A key whose screen is not the calibrated one by then counts as missed.
const MISS_AFTER: Duration = Duration::from_secs(2);
const IDLE: Duration = Duration::from_secs(10);

struct Opts {
    quick: bool,
    only: Option<Vec<String>>,
    write: bool,
    show: bool,
}

impl Opts {
    fn parse() -> Opts {
        let args: Vec<String> = std::env::args().collect();
        let only = args
            .iter()
            .position(|a| a == "--only")
            .and_then(|i| args.get(i + 1))
            .map(|s| s.split(',').map(|p| p.trim().to_uppercase()).collect());
        Opts {
            quick: args.iter().any(|a| a == "--quick"),
            only,
            write: !args.iter().any(|a| a == "--no-write"),
            show: args.iter().any(|a| a == "--show"),
        }
    }
    fn runs(&self, scenario: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|s| s == scenario))
    }
}

// ---------------------------------------------------------------------------------------
// The tools

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Styr,
    RustKanban,
    TaskwarriorTui,
    Fzf,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Styr => "styr",
            Kind::RustKanban => "rust-kanban",
            Kind::TaskwarriorTui => "taskwarrior-tui",
            Kind::Fzf => "fzf",
        }
    }
}

/// A program found on this machine, and its version line.
struct Found {
    path: PathBuf,
    version: String,
}

/// Looks for `name` on `PATH` and in `~/.cargo/bin`.
fn which(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file())
}

fn version(path: &Path, arg: &str) -> String {
    std::process::Command::new(path)
        .arg(arg)
        .output()
        .ok()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout).to_string()
                + &String::from_utf8_lossy(&o.stderr);
            text.lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

fn find(name: &str, version_arg: &str) -> Option<Found> {
    which(name).map(|path| Found {
        version: version(&path, version_arg),
        path,
    })
}

/// How to start one tool on one data set, and how to tell its board is up.
struct Launch {
    kind: Kind,
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, PathBuf)>,
    /// Whether the screen shows the board.
    ready: fn(&str, &Needles) -> bool,
    quit: Option<&'static str>,
}

/// What a first frame must show: the first stage's name and some item text.
#[derive(Clone)]
struct Needles {
    stage: String,
    items: Vec<String>,
}

impl Launch {
    fn spawn(&self) -> Term {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &Path)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_path()))
            .collect();
        term::spawn(&self.program, &args, &env, COLS, ROWS)
    }
}

/// The board is up when the first stage's name and at least three item titles (their
/// first 16 characters, as narrow columns cut them) are on screen.
fn board_ready(screen: &str, needles: &Needles) -> bool {
    screen.contains(&needles.stage)
        && needles
            .items
            .iter()
            .filter(|t| screen.contains(t.as_str()))
            .take(3)
            .count()
            >= 3
}

/// taskwarrior-tui shows no stage names, only the report: three items are enough.
fn list_ready(screen: &str, needles: &Needles) -> bool {
    needles
        .items
        .iter()
        .filter(|t| screen.contains(t.as_str()))
        .take(3)
        .count()
        >= 3
}

// ---------------------------------------------------------------------------------------
// The data

struct DataSet {
    n: usize,
    items: Vec<Item>,
    styr: PathBuf,
    rust_kanban: Option<(PathBuf, PathBuf)>,
    taskwarrior: Option<PathBuf>,
    titles: PathBuf,
}

fn prefix(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// rust-kanban 0.10.5 cuts card names by bytes and panics when the cut falls inside a
/// letter ("end byte index 20 is not a char boundary; it is inside '–'"), so its cards
/// get the same text spelt in ASCII (æ → ae, ø → o, å → a, – → -).
fn ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'æ' => out.push_str("ae"),
            'Æ' => out.push_str("Ae"),
            'ø' | 'ö' => out.push('o'),
            'Ø' | 'Ö' => out.push('O'),
            'å' | 'ä' | 'á' => out.push('a'),
            'Å' | 'Ä' => out.push('A'),
            'é' => out.push('e'),
            '–' | '—' => out.push('-'),
            c if c.is_ascii() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

fn needles(items: &[Item], stage: &str, kind: Kind) -> Needles {
    let text = |t: &str| {
        if kind == Kind::RustKanban {
            ascii(t)
        } else {
            t.to_string()
        }
    };
    let mut titles: Vec<String> = items.iter().map(|i| prefix(&text(&i.title), 16)).collect();
    titles.sort();
    titles.dedup();
    Needles {
        stage: text(stage),
        items: titles,
    }
}

fn prepare(base: &Path, n: usize, rk: bool, tw: Option<&Found>) -> DataSet {
    let t0 = Instant::now();
    let styr = base.join(format!("styr-{n}"));
    common::write_store(&styr.join("local"), n);
    let ops = common::portfolio_ops(n);
    let items: Vec<Item> = Portfolio::fold(&ops).items().cloned().collect();
    drop(ops);
    let titles = base.join(format!("titles-{n}.txt"));
    let mut text = String::new();
    for i in &items {
        text.push_str(&i.title);
        text.push('\n');
    }
    std::fs::write(&titles, text).expect("titles written");
    let rust_kanban = rk.then(|| write_rust_kanban(base, n, &items));
    let taskwarrior = tw.map(|task| write_taskwarrior(base, n, &items, &task.path));
    eprintln!(
        "prepared {n} items ({} shown) in {:.1} s",
        items.len(),
        t0.elapsed().as_secs_f64()
    );
    DataSet {
        n,
        items,
        styr,
        rust_kanban,
        taskwarrior,
        titles,
    }
}

/// rust-kanban 0.10 reads its save files from `$TMPDIR/kanban_saves`, newest first by
/// the date and version in the name, and its config from `$HOME/.config/rust_kanban`.
/// One board per stage, one card per item. Returns (home, tmp).
fn write_rust_kanban(base: &Path, n: usize, items: &[Item]) -> (PathBuf, PathBuf) {
    let home = base.join(format!("rk-home-{n}"));
    let tmp = base.join(format!("rk-tmp-{n}"));
    std::fs::create_dir_all(home.join(".config")).expect("rk home");
    std::fs::create_dir_all(tmp.join("kanban_saves")).expect("rk saves");
    let date = "15/01/2024-08:00:00";
    let boards: Vec<serde_json::Value> = Stages::default()
        .all()
        .iter()
        .enumerate()
        .map(|(b, stage)| {
            let cards: Vec<serde_json::Value> = items
                .iter()
                .enumerate()
                .filter(|(_, i)| i.stage == stage.key)
                .map(|(k, i)| {
                    serde_json::json!({
                        "id": [1_000 + k as u64, 0],
                        "name": ascii(&i.title),
                        "description": ascii(&i.description),
                        "date_created": date,
                        "date_modified": date,
                        "due_date": "Not Set",
                        "date_completed": "Not Set",
                        "priority": match i.priority {
                            Some(p) if p <= 20 => "High",
                            Some(_) => "Medium",
                            None => "Low",
                        },
                        "card_status": "Active",
                        "tags": i.tags.iter().map(|t| ascii(t)).collect::<Vec<_>>(),
                        "comments": [],
                    })
                })
                .collect();
            serde_json::json!({
                "id": [b as u64 + 1, 0],
                "name": ascii(&stage.name),
                "description": format!("Steg: {}", ascii(&stage.name)),
                "cards": { "cards": cards },
            })
        })
        .collect();
    let save = serde_json::json!({
        "boards": boards,
        "export_date": "15/01/2024-08:00:00 (DD/MM/YYYY-HH:MM:SS)",
        "kanban_version": "0.10.5",
    });
    std::fs::write(rust_kanban_save(&tmp), save.to_string()).expect("rk save written");
    (home, tmp)
}

/// Today's name, as rust-kanban looks for the newest save by the date in its name.
fn rust_kanban_save(tmp: &Path) -> PathBuf {
    let today = chrono::Local::now().format("%d-%m-%Y");
    tmp.join("kanban_saves")
        .join(format!("kanban_{today}_v1.json"))
}

/// A taskwarrior data folder with one pending task per item (project = stage key),
/// through `task import`. Returns the folder; its `taskrc` is in it.
fn write_taskwarrior(base: &Path, n: usize, items: &[Item], task: &Path) -> PathBuf {
    let dir = base.join(format!("tw-{n}"));
    std::fs::create_dir_all(dir.join("data")).expect("tw dir");
    let rc = dir.join("taskrc");
    std::fs::write(
        &rc,
        format!(
            "data.location={}\nconfirmation=off\nnews.version=2.6.0\nverbose=nothing\n",
            dir.join("data").display()
        ),
    )
    .expect("taskrc");
    let tasks: Vec<serde_json::Value> = items
        .iter()
        .map(|i| {
            let mut t = serde_json::json!({
                "uuid": i.id.to_string(),
                "description": i.title,
                "status": "pending",
                "entry": "20240115T080000Z",
                "project": i.stage.as_str(),
            });
            let tags: Vec<String> = i
                .tags
                .iter()
                .map(|t| t.replace(char::is_whitespace, "_"))
                .collect();
            if !tags.is_empty() {
                t["tags"] = serde_json::json!(tags);
            }
            if let Some(p) = i.priority {
                t["priority"] = serde_json::json!(match p {
                    0..=20 => "H",
                    21..=40 => "M",
                    _ => "L",
                });
            }
            t
        })
        .collect();
    let file = dir.join("import.json");
    std::fs::write(&file, serde_json::Value::Array(tasks).to_string()).expect("tasks");
    let out = std::process::Command::new(task)
        .arg("import")
        .arg(&file)
        .env("TASKRC", &rc)
        .env("TASKDATA", dir.join("data"))
        .output()
        .expect("task import runs");
    assert!(
        out.status.success(),
        "task import: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

// ---------------------------------------------------------------------------------------
// Launches

fn styr_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_styr"))
}

fn styr_launch(base: &Path, data: &DataSet) -> Launch {
    let home = base.join("styr-home");
    std::fs::create_dir_all(&home).expect("home");
    Launch {
        kind: Kind::Styr,
        program: styr_bin(),
        args: vec!["--data-dir".into(), data.styr.display().to_string()],
        env: vec![
            ("HOME".into(), home.clone()),
            ("XDG_CONFIG_HOME".into(), home.join("config")),
            ("XDG_DATA_HOME".into(), home.join("data")),
        ],
        ready: board_ready,
        quit: Some("q"),
    }
}

fn rust_kanban_launch(found: &Found, data: &DataSet) -> Option<Launch> {
    let (home, tmp) = data.rust_kanban.clone()?;
    Some(Launch {
        kind: Kind::RustKanban,
        program: found.path.clone(),
        args: vec![],
        env: vec![("HOME".into(), home), ("TMPDIR".into(), tmp)],
        ready: board_ready,
        quit: None,
    })
}

fn taskwarrior_launch(found: &Found, data: &DataSet) -> Option<Launch> {
    let dir = data.taskwarrior.clone()?;
    Some(Launch {
        kind: Kind::TaskwarriorTui,
        program: found.path.clone(),
        args: vec![],
        env: vec![
            ("HOME".into(), dir.clone()),
            ("TASKRC".into(), dir.join("taskrc")),
            ("TASKDATA".into(), dir.join("data")),
        ],
        ready: list_ready,
        quit: None,
    })
}

/// Puts rust-kanban's save back as written, without the saves a run may have added.
fn reset_rust_kanban(data: &DataSet) {
    if let Some((_, tmp)) = &data.rust_kanban {
        let keep = rust_kanban_save(tmp);
        for e in std::fs::read_dir(tmp.join("kanban_saves"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if e.path() != keep {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// B1–B3

struct Startup {
    first_frame: Vec<Duration>,
    /// The program's own `VmHWM`.
    peak_kib: Option<u64>,
    /// The peak of the program and the processes it starts, together (see `TreeWatch`).
    tree_peak_kib: Option<u64>,
    idle_cpu: Option<Duration>,
    idle_bytes: u64,
    failed: Option<String>,
}

fn startup(launch: &Launch, data: &DataSet, needles: &Needles, reps: usize) -> Startup {
    let mut out = Startup {
        first_frame: vec![],
        peak_kib: None,
        tree_peak_kib: None,
        idle_cpu: None,
        idle_bytes: 0,
        failed: None,
    };
    let ready = launch.ready;
    for rep in 0..=reps {
        reset_rust_kanban(data);
        let t = launch.spawn();
        let nd = needles.clone();
        t.arm(move |s| ready(s, &nd));
        let hit = t.wait_armed(START_DEADLINE);
        match hit {
            Some(at) if rep > 0 => out.first_frame.push(at - t.started),
            Some(_) => {}
            None => {
                out.failed = Some(format!(
                    "{}: no board within {} s; the screen:\n{}",
                    launch.kind.name(),
                    START_DEADLINE.as_secs(),
                    t.screen()
                ));
                t.close(None);
                return out;
            }
        }
        t.close(launch.quit);
    }
    // One more start for the idle and memory figures.
    reset_rust_kanban(data);
    let t = launch.spawn();
    let tree = term::TreeWatch::start(t.pid());
    let nd = needles.clone();
    t.arm(move |s| ready(s, &nd));
    if t.wait_armed(START_DEADLINE).is_some() {
        t.settle(Duration::from_millis(500), Duration::from_secs(10));
        let pid = t.pid();
        let (cpu0, bytes0) = (term::CpuClock::read(pid), t.bytes());
        std::thread::sleep(IDLE);
        let (cpu1, bytes1) = (term::CpuClock::read(pid), t.bytes());
        out.idle_cpu = cpu0.zip(cpu1).map(|(a, b)| b.since(&a));
        out.idle_bytes = bytes1 - bytes0;
        out.peak_kib = term::peak_rss_kib(pid);
    }
    let tree_kib = tree.peak_kib();
    out.tree_peak_kib = out.peak_kib.map(|own| own.max(tree_kib));
    t.close(launch.quit);
    out
}

// ---------------------------------------------------------------------------------------
// B4

struct KeyTimes {
    times: Vec<Duration>,
    /// The same times by the key's place in the query, for the per-key line on stderr.
    by_key: Vec<Vec<Duration>>,
    /// Keys whose screen did not reach the calibrated one in time.
    misses: usize,
    failed: Option<String>,
}

/// Types `QUERY` into a started search. `open` opens the search box, `reset` empties it
/// again (both settle before the next key). Calibrates once, then times `rounds` typings.
fn key_to_screen(t: &mut Term, open: &str, reset: &str, rounds: usize) -> KeyTimes {
    // Longer than any key takes here, so the calibrated screens are the settled ones.
    let quiet = Duration::from_millis(700);
    let mut out = KeyTimes {
        times: vec![],
        by_key: vec![vec![]; QUERY.chars().count()],
        misses: 0,
        failed: None,
    };
    // Calibrate from the state every timed typing starts from: after a reset and a whole
    // typing before it. The first typing after start is not that state: styr keeps the
    // selected card across Esc, so a typing ends on the card the previous one left, and
    // screens calibrated right after start made most later keys count as missed.
    let mut expected = Vec::new();
    for _ in 0..2 {
        t.send(reset);
        t.settle(quiet, KEY_DEADLINE);
        if !open.is_empty() {
            t.send(open);
            t.settle(quiet, KEY_DEADLINE);
        }
        expected.clear();
        for ch in QUERY.chars() {
            t.send(&ch.to_string());
            expected.push(t.settle(quiet, KEY_DEADLINE));
        }
    }
    for _ in 0..rounds {
        t.send(reset);
        t.settle(quiet, KEY_DEADLINE);
        if !open.is_empty() {
            t.send(open);
            t.settle(quiet, KEY_DEADLINE);
        }
        for (i, (ch, want)) in QUERY.chars().zip(&expected).enumerate() {
            let want = want.clone();
            t.arm(move |s| s == want);
            let t0 = Instant::now();
            t.send(&ch.to_string());
            match t.wait_armed(MISS_AFTER) {
                Some(at) => {
                    let d = at.saturating_duration_since(t0);
                    out.times.push(d);
                    out.by_key[i].push(d);
                }
                None => {
                    out.misses += 1;
                    if out.misses == 1 {
                        let now = t.screen();
                        let want = expected.iter().find(|e| **e != now);
                        eprintln!(
                            "first missed key {ch:?}: the screen\n{now}\nthe calibrated screen\n{}",
                            want.map(String::as_str).unwrap_or("")
                        );
                    }
                }
            }
        }
    }
    out.times.sort();
    let per_key: Vec<String> = QUERY
        .chars()
        .zip(&mut out.by_key)
        .map(|(ch, ts)| {
            ts.sort();
            format!("{ch}:{}", ms(percentile(ts, 0.5)))
        })
        .collect();
    eprintln!("  median by key: {}", per_key.join("  "));
    out
}

fn search_styr(launch: &Launch, needles: &Needles, rounds: usize) -> KeyTimes {
    let mut t = launch.spawn();
    let nd = needles.clone();
    let ready = launch.ready;
    t.arm(move |s| ready(s, &nd));
    if t.wait_armed(START_DEADLINE).is_none() {
        let screen = t.screen();
        t.close(None);
        return KeyTimes {
            times: vec![],
            by_key: vec![],
            misses: 0,
            failed: Some(format!("styr: no board; the screen:\n{screen}")),
        };
    }
    // Esc leaves the search (and clears it); `/` opens it again.
    let out = key_to_screen(&mut t, "/", "\x1b", rounds);
    t.close(Some("q"));
    out
}

fn search_fzf(fzf: &Found, data: &DataSet, rounds: usize) -> KeyTimes {
    let cmd = format!(
        "exec '{}' < '{}'",
        fzf.path.display(),
        data.titles.display()
    );
    let home = data.titles.with_extension("home");
    std::fs::create_dir_all(&home).expect("fzf home");
    let mut t = term::spawn(
        Path::new("/bin/sh"),
        &["-c", &cmd],
        &[("HOME", home.as_path())],
        COLS,
        ROWS,
    );
    // Up when every line is read: the info line shows "N/N".
    let all = data.items.len();
    let count = format!("{all}/{all}");
    t.arm(move |s| s.contains(&count));
    if t.wait_armed(START_DEADLINE).is_none() {
        let screen = t.screen();
        t.close(None);
        return KeyTimes {
            times: vec![],
            by_key: vec![],
            misses: 0,
            failed: Some(format!(
                "fzf: the titles were not read; the screen:\n{screen}"
            )),
        };
    }
    // Ctrl-U empties the query.
    let out = key_to_screen(&mut t, "", "\x15", rounds);
    t.close(Some("\x1b"));
    out
}

// ---------------------------------------------------------------------------------------
// B9

struct Settle {
    times: Vec<Duration>,
    wrong: usize,
}

fn resize_storm(launch: &Launch, needles: &Needles, storms: usize) -> Settle {
    let mut out = Settle {
        times: vec![],
        wrong: 0,
    };
    let t = launch.spawn();
    let nd = needles.clone();
    let ready = launch.ready;
    t.arm(move |s| ready(s, &nd));
    if t.wait_armed(START_DEADLINE).is_none() {
        t.close(None);
        out.wrong = storms;
        return out;
    }
    let quiet = Duration::from_millis(400);
    let frame = t.settle(quiet, KEY_DEADLINE);
    const SIZES: [(u16, u16); 4] = [(80, 24), (100, 30), (132, 43), (90, 35)];
    for _ in 0..storms {
        let start = Instant::now();
        for i in 0..99u32 {
            let at = start + Duration::from_millis(10) * i;
            std::thread::sleep(at.saturating_duration_since(Instant::now()));
            let (c, r) = SIZES[i as usize % SIZES.len()];
            t.resize(c, r);
        }
        std::thread::sleep(
            (start + Duration::from_millis(990)).saturating_duration_since(Instant::now()),
        );
        let want = frame.clone();
        t.arm(move |s| s == want);
        t.resize(COLS, ROWS);
        let last = Instant::now();
        match t.wait_armed(KEY_DEADLINE) {
            Some(at) => {
                out.times.push(at.saturating_duration_since(last));
                if t.settle(quiet, KEY_DEADLINE) != frame {
                    out.wrong += 1;
                }
            }
            None => out.wrong += 1,
        }
    }
    t.close(launch.quit);
    out.times.sort();
    out
}

// ---------------------------------------------------------------------------------------
// Figures and the table

fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    Some(sorted[i.min(sorted.len() - 1)])
}

fn median(v: &[Duration]) -> Option<Duration> {
    let mut s = v.to_vec();
    s.sort();
    percentile(&s, 0.5)
}

fn ms(d: Option<Duration>) -> String {
    match d {
        Some(d) if d.as_secs_f64() >= 1.0 => format!("{:.2} s", d.as_secs_f64()),
        Some(d) => format!("{:.1} ms", d.as_secs_f64() * 1000.0),
        None => "–".into(),
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map(|k| format!("{:.1} MiB", k as f64 / 1024.0))
        .unwrap_or_else(|| "–".into())
}

fn pct(cpu: Option<Duration>) -> String {
    cpu.map(|c| format!("{:.2} %", c.as_secs_f64() / IDLE.as_secs_f64() * 100.0))
        .unwrap_or_else(|| "–".into())
}

fn ratio(styr: Option<f64>, peer: Option<f64>) -> String {
    match (styr, peer) {
        (Some(s), Some(p)) if p > 0.0 => format!("{:.2}×", s / p),
        _ => "–".into(),
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .unwrap_or("?")
        .trim()
        .to_string();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map(|k| format!("{:.1} GiB", k / 1024.0 / 1024.0))
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_string();
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!("{cpus} CPUs ({model}), {mem} RAM, Linux {kernel}")
}

/// One row of the table: scenario, styr, each peer's figure, the ratio to the best peer,
/// the target and whether it is met.
struct Row {
    scenario: String,
    styr: String,
    peers: Vec<String>,
    ratio: String,
    target: String,
    met: String,
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "**no**" }.to_string()
}

fn main() {
    let opts = Opts::parse();
    let load_start = loadavg();
    let started = chrono::Utc::now();
    let rk = find("rust-kanban", "--version");
    let tt = find("taskwarrior-tui", "--version");
    let task = find("task", "--version");
    let fzf = find("fzf", "--version");
    let tw = match (&tt, &task) {
        (Some(_), Some(t)) => Some(t),
        _ => None,
    };
    let mut notes: Vec<String> = Vec::new();
    if rk.is_none() {
        notes.push("rust-kanban not found: skipped (`benches/install-peers.sh`).".into());
    }
    if tw.is_none() {
        notes.push(
            "taskwarrior-tui or taskwarrior not found: skipped (`benches/install-peers.sh`)."
                .into(),
        );
    }
    if fzf.is_none() {
        notes.push("fzf not found: skipped (`benches/install-peers.sh`).".into());
    }
    let reps = if opts.quick { 2 } else { 5 };
    let base = tempfile::Builder::new()
        .prefix("styr-peers-")
        .tempdir()
        .expect("a scratch folder");
    let first_stage = Stages::default().all()[0].name.clone();

    if opts.show {
        let data = prepare(base.path(), 1_000, rk.is_some(), tw);
        let mut launches = vec![styr_launch(base.path(), &data)];
        launches.extend(rk.as_ref().and_then(|f| rust_kanban_launch(f, &data)));
        launches.extend(tt.as_ref().and_then(|f| taskwarrior_launch(f, &data)));
        for l in launches {
            let t = l.spawn();
            let text = t.settle(Duration::from_secs(2), Duration::from_secs(60));
            let nd = needles(&data.items, &first_stage, l.kind);
            println!(
                "== {} (ready: {}) ==\n{text}",
                l.kind.name(),
                (l.ready)(&text, &nd)
            );
            t.close(l.quit);
        }
        eprintln!("data kept in {}", base.keep().display());
        return;
    }

    let mut rows: Vec<Row> = Vec::new();
    let peer_names: Vec<&str> = vec!["rust-kanban", "taskwarrior-tui", "fzf"];
    let mut failures: Vec<String> = Vec::new();
    let mut loads: Vec<String> = vec![load_start.clone()];
    let mut sets: Vec<DataSet> = Vec::new();
    let need_startup = opts.runs("B1") || opts.runs("B2") || opts.runs("B3");
    for n in common::SIZES {
        if need_startup || opts.runs("B4") || (n == 1_000 && opts.runs("B9")) {
            sets.push(prepare(
                base.path(),
                n,
                rk.is_some() && need_startup,
                tw.filter(|_| need_startup),
            ));
        }
    }

    // B1–B3
    if need_startup {
        for data in &sets {
            let mut results: Vec<(Kind, Startup)> = Vec::new();
            let mut launches = vec![styr_launch(base.path(), data)];
            launches.extend(rk.as_ref().and_then(|f| rust_kanban_launch(f, data)));
            launches.extend(tt.as_ref().and_then(|f| taskwarrior_launch(f, data)));
            for l in &launches {
                eprintln!("B1–B3: {} at {} items", l.kind.name(), data.n);
                let nd = needles(&data.items, &first_stage, l.kind);
                let s = startup(l, data, &nd, reps);
                if let Some(f) = &s.failed {
                    failures.push(f.clone());
                }
                results.push((l.kind, s));
            }
            loads.push(loadavg());
            let get = |k: Kind| results.iter().find(|(kind, _)| *kind == k).map(|(_, s)| s);
            let styr = get(Kind::Styr).expect("styr ran");
            let peer_cells = |f: &dyn Fn(&Startup) -> String| -> Vec<String> {
                [Kind::RustKanban, Kind::TaskwarriorTui, Kind::Fzf]
                    .iter()
                    .map(|k| get(*k).map(f).unwrap_or_else(|| "–".into()))
                    .collect()
            };
            let best = |f: &dyn Fn(&Startup) -> Option<f64>| -> Option<f64> {
                results
                    .iter()
                    .filter(|(k, _)| *k != Kind::Styr)
                    .filter_map(|(_, s)| f(s))
                    .fold(None, |a: Option<f64>, x| Some(a.map_or(x, |a| a.min(x))))
            };
            let n = data.n;
            let items = thousands(n);
            if opts.runs("B1") {
                let f = |s: &Startup| median(&s.first_frame).map(|d| d.as_secs_f64());
                let (sv, bp) = (f(styr), best(&f));
                let met = match (sv, bp) {
                    (Some(s), Some(p)) => s <= 0.5 * p && (n != 1_000 || s <= 0.1),
                    (Some(s), None) => n != 1_000 || s <= 0.1,
                    _ => false,
                };
                rows.push(Row {
                    scenario: format!(
                        "B1 start → first board frame, {items} items (median of {reps})"
                    ),
                    styr: ms(median(&styr.first_frame)),
                    peers: peer_cells(&|s| ms(median(&s.first_frame))),
                    ratio: ratio(sv, bp),
                    target: if n == 1_000 {
                        "≤ 0.5× best peer, ≤ 100 ms".into()
                    } else {
                        "≤ 0.5× best peer".into()
                    },
                    met: yes(met),
                });
            }
            if opts.runs("B2") {
                // Judged on the program with the processes it starts (taskwarrior-tui's
                // tasks live in its `task` children); its own figure is shown beside.
                let f = |s: &Startup| s.tree_peak_kib.map(|k| k as f64);
                let (sv, bp) = (f(styr), best(&f));
                let cell =
                    |s: &Startup| format!("{} (own {})", mib(s.tree_peak_kib), mib(s.peak_kib));
                rows.push(Row {
                    scenario: format!("B2 peak RSS with child processes (own), {items} items"),
                    styr: cell(styr),
                    peers: peer_cells(&cell),
                    ratio: ratio(sv, bp),
                    target: "≤ best peer".into(),
                    met: yes(matches!((sv, bp), (Some(s), Some(p)) if s <= p)),
                });
            }
            if opts.runs("B3") {
                let f = |s: &Startup| s.idle_cpu.map(|c| c.as_secs_f64());
                let (sv, bp) = (f(styr), best(&f));
                rows.push(Row {
                    scenario: format!(
                        "B3 CPU idle on the board, 10 s, {items} items (bytes written)"
                    ),
                    styr: format!("{} ({} B)", pct(styr.idle_cpu), styr.idle_bytes),
                    peers: peer_cells(&|s| format!("{} ({} B)", pct(s.idle_cpu), s.idle_bytes)),
                    ratio: ratio(sv, bp),
                    target: "≈ 0 %".into(),
                    // At most 10 ms of CPU in 10 s (0.1 %): a few wake-ups, no redraws.
                    met: yes(matches!(sv, Some(s) if s <= 0.01 && styr.idle_bytes == 0)),
                });
            }
        }
    }

    // B4
    if opts.runs("B4") {
        let mut sizes: Vec<usize> = vec![10_000];
        if !opts.quick {
            sizes.push(100_000);
        }
        for n in sizes {
            if !sets.iter().any(|d| d.n == n) {
                sets.push(prepare(base.path(), n, false, None));
            }
            let data = sets.iter().find(|d| d.n == n).expect("prepared");
            let rounds = if opts.quick {
                2
            } else if n >= 100_000 {
                3
            } else {
                5
            };
            let nd = needles(&data.items, &first_stage, Kind::Styr);
            eprintln!("B4: styr at {n} titles");
            let s = search_styr(&styr_launch(base.path(), data), &nd, rounds);
            let f = fzf.as_ref().map(|f| {
                eprintln!("B4: fzf at {n} titles");
                search_fzf(f, data, rounds)
            });
            loads.push(loadavg());
            for k in [Some(&s), f.as_ref()].into_iter().flatten() {
                if let Some(e) = &k.failed {
                    failures.push(e.clone());
                }
            }
            let miss = |k: &KeyTimes| {
                if k.misses > 0 {
                    format!(" ({} keys missed)", k.misses)
                } else {
                    String::new()
                }
            };
            let items = thousands(n);
            let keys = s.times.len() + s.misses;
            for (label, p) in [("p50", 0.5), ("p99", 0.99)] {
                let sv = percentile(&s.times, p).map(|d| d.as_secs_f64());
                let fv = f
                    .as_ref()
                    .and_then(|f| percentile(&f.times, p))
                    .map(|d| d.as_secs_f64());
                let (target, met) = match (n, label) {
                    (10_000, "p50") => (
                        "≤ 0.5× fzf".to_string(),
                        matches!((sv, fv), (Some(s), Some(f)) if s <= 0.5 * f),
                    ),
                    (10_000, _) => ("≤ 50 ms".into(), matches!(sv, Some(s) if s <= 0.05)),
                    _ => ("–".into(), true),
                };
                rows.push(Row {
                    scenario: format!(
                        "B4 key → screen {label}, {items} titles, {QUERY:?} ({keys} keys)"
                    ),
                    styr: ms(percentile(&s.times, p)) + &miss(&s),
                    peers: vec![
                        "–".into(),
                        "–".into(),
                        f.as_ref()
                            .map(|f| ms(percentile(&f.times, p)) + &miss(f))
                            .unwrap_or_else(|| "–".into()),
                    ],
                    ratio: ratio(sv, fv),
                    target: target.clone(),
                    met: if target == "–" {
                        "–".into()
                    } else {
                        yes(met)
                    },
                });
            }
        }
    }

    // B7
    if opts.runs("B7") {
        eprintln!("B7: 50 voters, ballot → every screen");
        let rounds = if opts.quick { 2 } else { 10 };
        let r = voting::every_screen(50, rounds);
        loads.push(loadavg());
        let p99 = percentile(&r.times, 0.99);
        rows.push(Row {
            scenario: format!(
                "B7 ballot → every screen (50 voters + chair), p50 / p99, {} ballots, {} errors",
                r.times.len(),
                r.errors
            ),
            styr: format!("{} / {}", ms(percentile(&r.times, 0.5)), ms(p99)),
            peers: vec!["–".into(); 3],
            ratio: "–".into(),
            target: "p99 ≤ 100 ms".into(),
            met: yes(matches!(p99, Some(p) if p <= Duration::from_millis(100)) && r.errors == 0),
        });
    }

    // B8
    if opts.runs("B8") {
        eprintln!("B8: 50 connections, durable pushes");
        let secs = if opts.quick { 3 } else { 10 };
        let r = server_push::closed_loop(50, secs);
        loads.push(loadavg());
        let p99 = percentile(&r.latencies, 0.99);
        let rate = r.latencies.len() as f64 / r.elapsed.as_secs_f64();
        rows.push(Row {
            scenario: format!("B8 durable pushes, 50 connections, {secs} s: ops/s, p99, errors"),
            styr: format!("{rate:.0} /s, {}, {} errors", ms(p99), r.errors),
            peers: vec!["–".into(); 3],
            ratio: "–".into(),
            target: "≥ 2,000/s, p99 ≤ 20 ms, 0 errors".into(),
            met: yes(rate >= 2000.0
                && matches!(p99, Some(p) if p <= Duration::from_millis(20))
                && r.errors == 0),
        });
    }

    // B9
    if opts.runs("B9") {
        if !sets.iter().any(|d| d.n == 1_000) {
            sets.push(prepare(base.path(), 1_000, false, None));
        }
        let data = sets.iter().find(|d| d.n == 1_000).expect("prepared");
        let nd = needles(&data.items, &first_stage, Kind::Styr);
        eprintln!("B9: 100 resizes in a second");
        let storms = if opts.quick { 2 } else { 5 };
        let r = resize_storm(&styr_launch(base.path(), data), &nd, storms);
        loads.push(loadavg());
        let worst = r.times.last().copied();
        rows.push(Row {
            scenario: format!(
                "B9 settle after 100 resizes in 1 s, median / worst of {storms}{}",
                if r.wrong > 0 {
                    format!(" ({} wrong or missing frames)", r.wrong)
                } else {
                    String::new()
                }
            ),
            styr: format!("{} / {}", ms(median(&r.times)), ms(worst)),
            peers: vec!["–".into(); 3],
            ratio: "–".into(),
            target: "≤ 100 ms".into(),
            met: yes(r.wrong == 0 && matches!(worst, Some(w) if w <= Duration::from_millis(100))),
        });
    }

    // The table
    let mut md = String::new();
    let _ = writeln!(
        md,
        "Run {} UTC, `cargo bench --bench peers`{}. {}; load average (1, 5, 15 min) {} at \
         the start, then after each scenario {}.",
        started.format("%Y-%m-%d %H:%M"),
        if opts.quick { " -- --quick" } else { "" },
        machine(),
        load_start,
        loads[1..].join(" · ")
    );
    md.push('\n');
    let mut versions = vec![format!("styr {}", env!("CARGO_PKG_VERSION"))];
    for (name, f) in [
        ("rust-kanban", &rk),
        ("taskwarrior-tui", &tt),
        ("taskwarrior", &task),
        ("fzf", &fzf),
    ] {
        if let Some(f) = f {
            versions.push(format!("{name}: `{}`", f.version));
        }
    }
    let _ = writeln!(md, "Versions: {}.", versions.join(", "));
    md.push('\n');
    let _ = writeln!(
        md,
        "| scenario | styr | {} | styr / best peer | target | met |",
        peer_names.join(" | ")
    );
    let _ = writeln!(md, "|---|---:|---:|---:|---:|---:|---:|---|");
    for r in &rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} |",
            r.scenario,
            r.styr,
            r.peers.join(" | "),
            r.ratio,
            r.target,
            r.met
        );
    }
    for n in &notes {
        let _ = writeln!(md, "\n{n}");
    }
    println!("{md}");
    for f in &failures {
        eprintln!("{f}");
    }
    if opts.write && opts.only.is_none() {
        write_doc(&md);
    }
}

const BEGIN: &str = "<!-- peers:begin -->";
const END: &str = "<!-- peers:end -->";

/// Replaces what is between the markers in `docs/BENCHMARKS.md` (or appends both).
fn write_doc(md: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/BENCHMARKS.md");
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    let block = format!("{BEGIN}\n{md}{END}");
    let new = match (doc.find(BEGIN), doc.find(END)) {
        (Some(a), Some(b)) if a < b => format!("{}{block}{}", &doc[..a], &doc[b + END.len()..]),
        _ => format!("{doc}\n{block}\n"),
    };
    std::fs::write(&path, new).expect("docs/BENCHMARKS.md written");
    eprintln!("table written to {}", path.display());
}
