//! Driving the real app in tests: build it from the demo data with a fixed clock, feed
//! it keys through the real `update`, and draw it into ratatui's `TestBackend`.
//!
//! Each app stands on a real store in a temporary folder, as in `run.rs`: the helpers
//! write the ops it persists there, and answer its history requests from there.

#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::cell::RefCell;
use styr::i18n::Lang;
use styr::model::{Op, Stages};
use styr::store::Store;
use styr::tui::app::AppInit;
use styr::tui::theme::Theme;
use styr::tui::{update, view, App, Effect, Msg};
use tempfile::TempDir;

/// 2012-04-16 09:00 UTC: the demo's fixed "now", so screens are the same on every run.
pub const FIXED_MS: i64 = 1_334_566_800_000;

fn fixed_clock() -> i64 {
    FIXED_MS
}

pub fn demo_ops() -> Vec<Op> {
    styr::io::demo::demo_ops(FIXED_MS)
}

thread_local! {
    /// The store behind this test thread's latest app (each test runs on its own thread).
    static STORE: RefCell<Option<(Store, TempDir)>> = const { RefCell::new(None) };
}

/// The app over a new store holding `ops`, loaded as `main.rs` loads it.
pub fn app_with(ops: &[Op], lang: Lang, theme: &str, no_color: bool) -> App {
    // History times are shown in local time; pin the zone so snapshots are stable.
    std::env::set_var("TZ", "UTC");
    let dir = TempDir::new().expect("temp dir");
    let store = Store::open(dir.path()).expect("the store opens");
    store.append(ops).expect("the ops are stored");
    let portfolio = store.load().expect("the store loads");
    STORE.with(|s| *s.borrow_mut() = Some((store, dir)));
    let (theme, err) = Theme::load(theme, None, no_color);
    assert!(err.is_none(), "{err:?}");
    App::new(AppInit {
        replica: portfolio.into(),
        server: None,
        identity: None,
        read_only: false,
        stages: Stages::default(),
        lang,
        theme,
        title: lang.strings().demo_portfolio.to_string(),
        author: "tester".into(),
        slot: 0,
        draft: None,
        notices: vec![],
        clock: fixed_clock,
    })
}

/// The app over a server's cache (a synced store) in which the server has confirmed
/// `ops` as seq 1, 2, …, as `main.rs` opens it after `styr login`.
pub fn synced_app(ops: &[Op], lang: Lang) -> App {
    std::env::set_var("TZ", "UTC");
    let dir = TempDir::new().expect("temp dir");
    let store = Store::open_synced(dir.path()).expect("the store opens");
    let confirmed: Vec<styr::protocol::SeqOp> = ops
        .iter()
        .enumerate()
        .map(|(i, op)| styr::protocol::SeqOp {
            seq: i as u64 + 1,
            op: op.clone(),
        })
        .collect();
    store.confirm(&confirmed).expect("the ops are confirmed");
    let replica = store.load_replica().expect("the store loads");
    STORE.with(|s| *s.borrow_mut() = Some((store, dir)));
    let (theme, err) = Theme::load("dark", None, false);
    assert!(err.is_none(), "{err:?}");
    App::new(AppInit {
        replica,
        server: Some("https://styr.fosen-ikt.no".into()),
        identity: None,
        read_only: false,
        stages: Stages::default(),
        lang,
        theme,
        title: lang.strings().portfolio.to_string(),
        author: "tester".into(),
        slot: 0,
        draft: None,
        notices: vec![],
        clock: fixed_clock,
    })
}

/// Feeds a message from the sync loop into `update`, as the store's confirm would
/// have been done first by the loop, and carries out the effects.
pub fn sync_event(app: &mut App, event: styr::sync::SyncEvent) {
    if let styr::sync::SyncEvent::Confirmed(ops) = &event {
        STORE.with(|s| {
            let guard = s.borrow();
            let (store, _) = guard.as_ref().expect("the app was made by synced_app");
            store.confirm(ops).expect("confirmed in the store");
        });
    }
    let effects = update(app, Msg::Sync(event));
    perform(app, &effects);
}

/// Runs `f` on the current test's store.
pub fn with_store(f: impl FnOnce(&Store)) {
    STORE.with(|s| {
        let guard = s.borrow();
        let (store, _) = guard.as_ref().expect("an app was made");
        f(store)
    })
}

/// The replica the current test's store holds now.
pub fn stored_replica() -> styr::model::Replica {
    STORE.with(|s| {
        let guard = s.borrow();
        let (store, _) = guard.as_ref().expect("an app was made");
        store.load_replica().expect("loads")
    })
}

pub fn demo_app(lang: Lang) -> App {
    app_with(&demo_ops(), lang, "dark", false)
}

/// Parses a key script: plain characters are typed; `<Enter>`, `<Esc>`, `<Tab>`,
/// `<BackTab>`, `<Left>`, `<Right>`, `<Up>`, `<Down>`, `<S-Left>`, `<S-Right>`,
/// `<Backspace>`, `<F1>` and `<C-x>` name special keys.
pub fn keys(script: &str) -> Vec<KeyEvent> {
    let mut out = Vec::new();
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '<' || chars.peek().is_none() {
            out.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
            continue;
        }
        let name: String = chars.by_ref().take_while(|&c| c != '>').collect();
        let (mods, base) = match name.split_once('-') {
            Some(("S", b)) => (KeyModifiers::SHIFT, b.to_string()),
            Some(("C", b)) => (KeyModifiers::CONTROL, b.to_string()),
            _ => (KeyModifiers::NONE, name.clone()),
        };
        let code = match base.as_str() {
            "Enter" => KeyCode::Enter,
            "Esc" => KeyCode::Esc,
            "Tab" => KeyCode::Tab,
            "BackTab" => KeyCode::BackTab,
            "Left" => KeyCode::Left,
            "Right" => KeyCode::Right,
            "Up" => KeyCode::Up,
            "Down" => KeyCode::Down,
            "Backspace" => KeyCode::Backspace,
            "Delete" => KeyCode::Delete,
            "Home" => KeyCode::Home,
            "End" => KeyCode::End,
            "F1" => KeyCode::F(1),
            "lt" => KeyCode::Char('<'),
            one if one.chars().count() == 1 => KeyCode::Char(one.chars().next().unwrap_or(' ')),
            other => panic!("unknown key <{other}> in test script"),
        };
        out.push(KeyEvent::new(code, mods));
    }
    out
}

/// Feeds a key script into the real `update`; returns every effect it asked for. The
/// effects are carried out against the app's store in order, as `run.rs`'s writer task
/// does: ops are written (without answering `Saved`, which tests send themselves) and
/// history requests are answered with `Msg::HistoryLoaded`.
pub fn press(app: &mut App, script: &str) -> Vec<Effect> {
    let mut all = Vec::new();
    for k in keys(script) {
        let effects = update(app, Msg::Key(k));
        perform(app, &effects);
        all.extend(effects);
    }
    all
}

/// Carries out `effects` against the store of the current test's app.
pub fn perform(app: &mut App, effects: &[Effect]) {
    for effect in effects {
        let answer = STORE.with(|s| {
            let guard = s.borrow();
            let (store, _) = guard.as_ref().expect("the app was made by app_with");
            match effect {
                Effect::Persist(ops) => {
                    store.append(ops).expect("the ops are stored");
                    None
                }
                Effect::SaveDraft(d) => {
                    store.save_draft(d.as_deref()).expect("the draft is stored");
                    None
                }
                Effect::LoadHistory(item) => Some(Msg::HistoryLoaded {
                    item: *item,
                    entries: store.history(item).map_err(|e| e.to_string()),
                }),
                // Ballots and counts go to a server; these app tests have none (the
                // meeting tests look at the effects themselves).
                Effect::Cast { .. } | Effect::Count(_) => None,
                // The loop ranks on the search worker; here it is done at once.
                Effect::Search(query) => Some(Msg::SearchResults(styr::search::search(
                    &app.search_index(),
                    query,
                    None,
                ))),
            }
        });
        if let Some(msg) = answer {
            let more = update(app, msg);
            perform(app, &more);
        }
    }
}

/// The ops among `effects`, in order.
pub fn persisted(effects: &[Effect]) -> Vec<Op> {
    effects
        .iter()
        .flat_map(|e| match e {
            Effect::Persist(ops) => ops.clone(),
            _ => vec![],
        })
        .collect()
}

pub fn terminal(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    update(app, Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    t.draw(|f| view(app, f)).expect("draw");
    t
}

/// The screen as text, one line per row.
pub fn screen(app: &mut App, w: u16, h: u16) -> String {
    let t = terminal(app, w, h);
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
