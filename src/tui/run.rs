//! The loop: the one place that owns the terminal. It turns terminal events and signals
//! into messages, runs `update`, carries out effects on tokio tasks, and draws only when
//! something changed, so an idle styr uses no CPU.
//!
//! Whatever ends the loop (quit, SIGTERM, SIGHUP, the terminal going away, a panic),
//! an open form is written to disk as a draft first, then the terminal is restored.

use super::app::App;
use super::msg::{Effect, Msg};
use super::{update, view};
use crate::i18n::fill;
use crate::model::{ItemId, Op};
use crate::store::Store;
use crate::sync::{Backoff, HttpTransport, SyncCmd, SyncEvent};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, MouseEventKind};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{self, Stdout};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

/// While messages keep coming, a frame is still drawn at least this often.
const FRAME_AT_LEAST: Duration = Duration::from_millis(50);

/// How the session ended; `main` turns it into an exit code and a message.
#[derive(Debug, PartialEq, Eq)]
pub enum Ending {
    Quit,
    Signal(&'static str),
    Hangup,
    Panic(String),
}

impl Ending {
    pub fn exit_code(&self) -> i32 {
        match self {
            Ending::Quit => 0,
            Ending::Signal("SIGHUP") | Ending::Hangup => 129,
            Ending::Signal("SIGINT") => 130,
            Ending::Signal(_) => 143,
            Ending::Panic(_) => 101,
        }
    }
}

/// Puts the terminal back as it was. Safe to call twice, and when the terminal is gone.
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

fn install_panic_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // The main thread is the one drawing; restore before the message so it is readable.
        // A panic on a worker thread is reported through its task instead.
        if std::thread::current().name() == Some("main") {
            restore_terminal();
            default(info);
        }
    }));
}

enum Job {
    Ops(Vec<Op>),
    Draft(Option<String>),
    History(ItemId),
    /// For the sync loop (a ballot, a count), after the writes asked for before it.
    Sync(SyncCmd),
}

/// The writer: one task, so writes reach sled in the order they were made. Each write is
/// flushed (blocking `Db::flush`, on the blocking pool) before it is reported as saved.
/// History reads go through it too, so that they see every write asked for before them.
///
/// After each write, the sync loop (if any) is told to push.
fn spawn_writer(
    store: Arc<Store>,
    tx: mpsc::UnboundedSender<Msg>,
    sync: Option<mpsc::UnboundedSender<SyncCmd>>,
) -> mpsc::UnboundedSender<Job> {
    let (jobs, mut rx) = mpsc::unbounded_channel::<Job>();
    tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            let s = store.clone();
            match job {
                Job::Ops(ops) => {
                    let count = ops.len();
                    let r = tokio::task::spawn_blocking(move || s.append(&ops)).await;
                    let msg = match r {
                        Ok(Ok(())) => {
                            if let Some(sync) = &sync {
                                let _ = sync.send(SyncCmd::Push);
                            }
                            Msg::Saved { count }
                        }
                        Ok(Err(e)) => Msg::SaveFailed {
                            count,
                            error: e.to_string(),
                        },
                        Err(e) => Msg::SaveFailed {
                            count,
                            error: e.to_string(),
                        },
                    };
                    let _ = tx.send(msg);
                }
                Job::Draft(d) => {
                    let _ = tokio::task::spawn_blocking(move || s.save_draft(d.as_deref())).await;
                }
                Job::Sync(cmd) => {
                    if let Some(sync) = &sync {
                        let _ = sync.send(cmd);
                    }
                }
                Job::History(item) => {
                    let r = tokio::task::spawn_blocking(move || s.history(&item)).await;
                    let entries = match r {
                        Ok(Ok(entries)) => Ok(entries),
                        Ok(Err(e)) => Err(e.to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    let _ = tx.send(Msg::HistoryLoaded { item, entries });
                }
            }
        }
    });
    jobs
}

/// Caps the reconnect delay (in milliseconds) below its default of 30 s; for tests and
/// for a server that is known to restart quickly.
pub const BACKOFF_MAX_ENV: &str = "STYR_SYNC_BACKOFF_MAX_MS";

/// The reconnect backoff: the default, with its cap from [`BACKOFF_MAX_ENV`].
pub fn backoff_from_env() -> Backoff {
    backoff_capped(std::env::var(BACKOFF_MAX_ENV).ok().as_deref())
}

/// The default backoff, capped at `max_ms` milliseconds when that is a number (anything
/// else is ignored; a cap below the first delay is the first delay).
pub fn backoff_capped(max_ms: Option<&str>) -> Backoff {
    let default = Backoff::default();
    match max_ms.and_then(|v| v.trim().parse::<u64>().ok()) {
        Some(ms) => Backoff::new(default.base(), Duration::from_millis(ms)),
        None => default,
    }
}

/// Starts the sync loop on this runtime; its events become `Msg::Sync`.
fn spawn_sync(
    transport: HttpTransport,
    store: Arc<Store>,
    tx: mpsc::UnboundedSender<Msg>,
) -> mpsc::UnboundedSender<SyncCmd> {
    let (commands, command_rx) = mpsc::unbounded_channel();
    let (events, mut event_rx) = mpsc::unbounded_channel();
    tokio::spawn(crate::sync::engine::run(
        Arc::new(transport),
        store.clone(),
        command_rx,
        events,
        backoff_from_env(),
    ));
    tokio::spawn(async move {
        while let Some(e) = event_rx.recv().await {
            if let SyncEvent::Identity(who) = &e {
                let me = crate::protocol::Me {
                    user: who.user.clone(),
                    role: who.role,
                    org: who.org.clone(),
                };
                let s = store.clone();
                let _ = tokio::task::spawn_blocking(move || s.remember_identity(&me)).await;
            }
            if matches!(e, SyncEvent::Rewound { .. }) {
                let s = store.clone();
                if let Ok(Ok(replica)) = tokio::task::spawn_blocking(move || s.load_replica()).await
                {
                    if tx.send(Msg::Reload(Box::new(replica))).is_err() {
                        return;
                    }
                }
            }
            if tx.send(Msg::Sync(e)).is_err() {
                return;
            }
        }
    });
    commands
}

/// Watches the terminal for a hangup on its own thread. crossterm does not report a
/// closed terminal: its reader keeps reading end-of-file, so without this a styr whose
/// SSH connection dropped (and that missed SIGHUP) would spin at full CPU for ever.
/// `poll` with no requested events wakes only on hangup or error, so this costs nothing.
fn watch_hangup(gone: mpsc::UnboundedSender<()>) {
    // If the thread cannot start, styr still ends on SIGHUP.
    let _ = std::thread::Builder::new()
        .name("styr-hangup".into())
        .spawn(move || loop {
            let mut pfd = libc::pollfd {
                fd: libc::STDIN_FILENO,
                events: 0,
                revents: 0,
            };
            // SAFETY: one valid pollfd on our own stdin; no timeout.
            let r = unsafe { libc::poll(&mut pfd, 1, -1) };
            if r < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            if r < 0 || pfd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                let _ = gone.send(());
                return;
            }
        });
}

/// Reads the terminal on a thread of its own and sends what it reads into the loop.
///
/// Never on the loop's thread: once the terminal is hung up, crossterm's reader loops
/// on end-of-file inside `read` and never returns, holding its global lock. A loop that
/// read there (or only asked whether input was waiting) froze for good, and styr
/// outlived its SSH connection. Here only this thread is caught, the loop still hears
/// the hangup from `watch_hangup` and ends the process. No timeout: an idle styr wakes
/// for nothing. Returns whether the thread started.
fn spawn_input(tx: mpsc::UnboundedSender<Msg>, gone: mpsc::UnboundedSender<()>) -> bool {
    std::thread::Builder::new()
        .name("styr-input".into())
        .spawn(move || loop {
            match crossterm::event::read() {
                Ok(ev) => {
                    if let Some(m) = to_msg(ev) {
                        if tx.send(m).is_err() {
                            return;
                        }
                    }
                }
                // The terminal cannot be read: it is gone.
                Err(_) => {
                    let _ = gone.send(());
                    return;
                }
            }
        })
        .is_ok()
}

fn to_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) => Some(Msg::Key(k)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        Event::Mouse(m) if matches!(m.kind, MouseEventKind::Down(_)) => Some(Msg::Mouse(m)),
        _ => None,
    }
}

/// Runs the app until it ends. The caller restores nothing: this does.
///
/// With a transport, the sync loop runs beside it: it pushes what the writer has saved,
/// and its news comes in as `Msg::Sync`.
pub fn run(app: App, store: Store, sync: Option<HttpTransport>) -> io::Result<(Ending, App)> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    install_panic_hook();
    enable_raw_mode()?;
    let mut stdout = io::stdout();
    if let Err(e) = execute!(stdout, EnterAlternateScreen, EnableMouseCapture) {
        restore_terminal();
        return Err(e);
    }
    let store = Arc::new(store);
    let result = rt.block_on(event_loop(app, store.clone(), sync));
    let (ending, app) = result;
    // Work first, then the terminal: an open form goes to disk as a draft.
    if ending != Ending::Quit {
        if let Some(draft) = app.draft() {
            let _ = store.save_draft(Some(&draft));
        }
    }
    restore_terminal();
    rt.shutdown_timeout(Duration::from_millis(500));
    Ok((ending, app))
}

async fn event_loop(
    mut app: App,
    store: Arc<Store>,
    transport: Option<HttpTransport>,
) -> (Ending, App) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let sync = transport.map(|t| spawn_sync(t, store.clone(), tx.clone()));
    // Ranking runs on a thread of its own; if it cannot start, searches run in the loop.
    let search = {
        let tx = tx.clone();
        crate::search::Worker::spawn(move |r| tx.send(Msg::SearchResults(r)).is_ok()).ok()
    };
    let jobs = spawn_writer(store, tx.clone(), sync.clone());
    let mut terminal = match Terminal::new(CrosstermBackend::new(io::stdout())) {
        Ok(t) => t,
        Err(_) => return (Ending::Hangup, app),
    };
    if let Ok(size) = terminal.size() {
        app.size = (size.width, size.height);
    }
    let (mut term, mut hup, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(a), Ok(b), Ok(c)) => (a, b, c),
        _ => return (Ending::Hangup, app),
    };
    let (gone_tx, mut gone) = mpsc::unbounded_channel::<()>();
    watch_hangup(gone_tx.clone());
    if !spawn_input(tx.clone(), gone_tx) {
        // Without input styr can be neither used nor quit.
        return (Ending::Hangup, app);
    }
    let mut dirty = true;
    let mut drawn = Instant::now();
    // Fault injection for the end-to-end tests (`STYR_FAULT=draw-panic`): F12 makes
    // the next frame panic while drawing, to prove what a real bug there would leave.
    let fault_draw_panic = std::env::var("STYR_FAULT").is_ok_and(|f| f == "draw-panic");
    let mut panic_next_draw = false;
    let ending = loop {
        // Coalesce: while more messages are already waiting (keys typed faster than a
        // frame), handle them before drawing, but draw at least every `FRAME_AT_LEAST`.
        let more_waiting = !rx.is_empty() && drawn.elapsed() < FRAME_AT_LEAST;
        if dirty && !more_waiting {
            match draw(&mut terminal, &app, panic_next_draw) {
                Ok(()) => {}
                Err(Some(panic)) => break Ending::Panic(panic),
                Err(None) => break Ending::Hangup,
            }
            dirty = false;
            drawn = Instant::now();
        }
        if app.quit && app.pending_saves == 0 {
            break Ending::Quit;
        }
        let msg = tokio::select! {
            Some(m) = rx.recv() => Some(m),
            // The terminal is gone (an SSH drop): stop instead of reading it.
            Some(()) = gone.recv() => break Ending::Hangup,
            _ = term.recv() => break Ending::Signal("SIGTERM"),
            _ = hup.recv() => break Ending::Signal("SIGHUP"),
            _ = int.recv() => break Ending::Signal("SIGINT"),
            // Quitting waits for the last writes, but not for ever.
            _ = tokio::time::sleep(Duration::from_secs(5)), if app.quit => break Ending::Quit,
        };
        let mut batch: Vec<Msg> = msg.into_iter().collect();
        // Drain whatever else is ready, then draw once.
        while let Ok(m) = rx.try_recv() {
            batch.push(m);
        }
        for m in batch {
            dirty = true;
            if fault_draw_panic {
                if let Msg::Key(k) = &m {
                    panic_next_draw |= k.code == crossterm::event::KeyCode::F(12);
                }
            }
            match catch_unwind(AssertUnwindSafe(|| update(&mut app, m))) {
                Ok(effects) => run_effects(&jobs, search.as_ref(), &tx, &mut app, effects),
                Err(p) => return (Ending::Panic(panic_text(p)), app),
            }
        }
    };
    if ending != Ending::Quit {
        // Give writes already made a moment to reach the disk.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
        while app.pending_saves > 0 {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(m)) => {
                    let _ = catch_unwind(AssertUnwindSafe(|| update(&mut app, m)));
                }
                _ => break,
            }
        }
    }
    (ending, app)
}

fn run_effects(
    jobs: &mpsc::UnboundedSender<Job>,
    search: Option<&crate::search::Worker>,
    tx: &mpsc::UnboundedSender<Msg>,
    app: &mut App,
    effects: Vec<Effect>,
) {
    for e in effects {
        match e {
            Effect::Persist(ops) => {
                let _ = jobs.send(Job::Ops(ops));
            }
            Effect::SaveDraft(d) => {
                let _ = jobs.send(Job::Draft(d));
            }
            Effect::LoadHistory(item) => {
                let _ = jobs.send(Job::History(item));
            }
            Effect::Search(query) => {
                let index = app.search_index();
                match search {
                    Some(worker) => worker.submit(index, query),
                    None => {
                        let results = crate::search::search(&index, &query, None);
                        let _ = tx.send(Msg::SearchResults(results));
                    }
                }
            }
            Effect::Cast { round, ballot } => {
                let _ = jobs.send(Job::Sync(SyncCmd::Cast { round, ballot }));
            }
            Effect::Count(round) => {
                let _ = jobs.send(Job::Sync(SyncCmd::Count(round)));
            }
        }
    }
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown".into())
}

/// Draws one frame. `Err(Some)` is a panic while drawing, `Err(None)` a dead terminal.
fn draw(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &App,
    injected_panic: bool,
) -> Result<(), Option<String>> {
    match catch_unwind(AssertUnwindSafe(|| {
        terminal
            .draw(|f| {
                if injected_panic {
                    panic!("injected fault: a panic while drawing");
                }
                view(app, f)
            })
            .map(|_| ())
    })) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(None),
        Err(p) => Err(Some(panic_text(p))),
    }
}

/// The message `main` prints after the terminal is restored.
pub fn ending_message(app: &App, ending: &Ending) -> Option<String> {
    match ending {
        Ending::Quit => None,
        Ending::Signal(s) => Some(fill(app.t.interrupted_signal, &[("signal", s)])),
        Ending::Hangup => None,
        Ending::Panic(p) => Some(fill(app.t.crashed, &[("err", p)])),
    }
}
