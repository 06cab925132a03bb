//! Push → every screen redrawn: 50 clients on loopback, each the real client path minus
//! the terminal itself: a synced sled cache, the sync loop over HTTP and SSE (which makes
//! each confirmation durable first), then `update` with the news and `view` into an 80×24
//! `TestBackend`. The time runs from sending a push until the last of the 50 has drawn
//! a frame with the op in it.
//!
//! `cargo bench --bench sync_screen`: 50 clients, 200 pushes. Without `--bench` (as under
//! `cargo test --benches`): a smoke run with 5 clients and 10 pushes.

#[allow(dead_code)]
#[path = "../tests/common/server.rs"]
mod fixture;

#[allow(dead_code)]
mod fanout;
use fanout::{ms, percentile};

use fixture::{TestServer, DEADLINE};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::sync::Arc;
use std::time::Instant;
use styr::i18n::Lang;
use styr::model::Stages;
use styr::store::Store;
use styr::sync::{Backoff, HttpTransport, Link, ServerUrl, SyncEvent};
use styr::tui::app::{now_ms, AppInit};
use styr::tui::theme::{self, Theme};
use styr::tui::{update, view, App, Msg};
use tokio::sync::mpsc;

fn app(store: &Store, url: &str) -> App {
    let (theme, _) = Theme::load(theme::DEFAULT, None, false);
    App::new(AppInit {
        replica: store.load_replica().expect("loads"),
        server: Some(url.to_string()),
        identity: None,
        read_only: false,
        stages: Stages::default(),
        lang: Lang::Nb,
        theme,
        title: "Benk".into(),
        author: "benk".into(),
        slot: store.slot(),
        draft: None,
        notices: vec![],
        clock: now_ms,
    })
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (clients, pushes) = if full { (50, 200) } else { (5, 10) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let server = TestServer::start().await;
        let dir = tempfile::tempdir().expect("tempdir");
        // Each client reports (seq drawn, when) after every frame with new ops.
        let (drawn_tx, mut drawn_rx) = mpsc::unbounded_channel::<(u64, Instant)>();
        let (online_tx, mut online_rx) = mpsc::unbounded_channel::<()>();
        let mut keep = Vec::new();
        for i in 0..clients {
            let store =
                Arc::new(Store::open_synced(&dir.path().join(i.to_string())).expect("cache"));
            let url = ServerUrl::parse(&server.url, false).expect("loopback");
            let transport = Arc::new(HttpTransport::new(url, &server.admin_token).expect("client"));
            let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
            let (ev_tx, mut ev_rx) = mpsc::unbounded_channel();
            tokio::spawn(styr::sync::engine::run(
                transport,
                store.clone(),
                cmd_rx,
                ev_tx,
                Backoff::default(),
            ));
            let mut app = app(&store, &server.url);
            let (drawn, online) = (drawn_tx.clone(), online_tx.clone());
            tokio::spawn(async move {
                let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("backend");
                while let Some(e) = ev_rx.recv().await {
                    let seq = match &e {
                        SyncEvent::Confirmed(ops) => ops.last().map(|o| o.seq),
                        SyncEvent::Link(Link::Online) => {
                            let _ = online.send(());
                            None
                        }
                        _ => None,
                    };
                    update(&mut app, Msg::Sync(e));
                    terminal.draw(|f| view(&app, f)).expect("draw");
                    if let Some(seq) = seq {
                        let _ = drawn.send((seq, Instant::now()));
                    }
                }
            });
            keep.push(cmd_tx);
        }
        for _ in 0..clients {
            tokio::time::timeout(DEADLINE, online_rx.recv())
                .await
                .expect("every client comes online in time");
        }
        let times = fanout::time_pushes(&server, &mut drawn_rx, clients, pushes).await;
        if !full {
            println!(
                "(smoke run: {clients} clients, {pushes} pushes; `cargo bench` passes --bench)"
            );
        }
        println!("| clients | pushes | push → all screens redrawn p50 | p99 | max |");
        println!("|---:|---:|---:|---:|---:|");
        println!(
            "| {clients} | {pushes} | {} | {} | {} |",
            ms(percentile(&times, 0.50)),
            ms(percentile(&times, 0.99)),
            ms(times.last().copied().unwrap_or_default()),
        );
        drop(keep);
    });
}
