//! A sync client as `styr` runs one, without the terminal: a synced sled cache in a
//! temporary folder, the real HTTP transport and the real sync loop, with its events
//! collected so tests can wait for them.

use super::server::{wait_for, DEADLINE};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use styr::model::{Op, Payload, Replica};
use styr::store::Store;
use styr::sync::{Backoff, HttpTransport, Link, ServerUrl, SyncCmd, SyncEvent};
use tokio::sync::mpsc;

pub struct Client {
    pub name: String,
    pub store: Arc<Store>,
    pub events: Arc<Mutex<Vec<SyncEvent>>>,
    commands: mpsc::UnboundedSender<SyncCmd>,
    _dir: tempfile::TempDir,
}

impl Client {
    /// Starts a client of `url` with `token`; reconnects quickly, for tests.
    pub fn start(name: &str, url: &str, token: &str) -> Client {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(Store::open_synced(dir.path()).expect("the cache opens"));
        let server = ServerUrl::parse(url, false).expect("a loopback address");
        let transport = Arc::new(HttpTransport::new(server, token).expect("a client"));
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (event_tx, mut event_rx) = mpsc::unbounded_channel();
        let backoff = Backoff::new(Duration::from_millis(20), Duration::from_millis(200));
        tokio::spawn(styr::sync::engine::run(
            transport,
            store.clone(),
            command_rx,
            event_tx,
            backoff,
        ));
        let events: Arc<Mutex<Vec<SyncEvent>>> = Arc::default();
        let sink = events.clone();
        tokio::spawn(async move {
            while let Some(e) = event_rx.recv().await {
                sink.lock().expect("lock").push(e);
            }
        });
        Client {
            name: name.to_string(),
            store,
            events,
            commands,
            _dir: dir,
        }
    }

    /// A change made here: written to the outbox (as the app's writer does), then pushed.
    pub async fn change(&self, payload: Payload) -> Op {
        let mut op = Op::new(&self.name, super::server::now_ms(), payload);
        op.base_seq = self.store.last_seq().expect("seq");
        let store = self.store.clone();
        let saved = op.clone();
        tokio::task::spawn_blocking(move || store.append(&[saved]))
            .await
            .expect("joined")
            .expect("saved");
        let _ = self.commands.send(SyncCmd::Push);
        op
    }

    /// The ids of the ops in the cache's log, in log order.
    pub fn logged_ids(&self) -> Vec<styr::model::OpId> {
        self.store
            .ops()
            .expect("the cache's log reads")
            .iter()
            .map(|o| o.op_id)
            .collect()
    }

    pub fn replica(&self) -> Replica {
        self.store.load_replica().expect("the cache loads")
    }

    pub fn link(&self) -> Option<Link> {
        self.events
            .lock()
            .expect("lock")
            .iter()
            .rev()
            .find_map(|e| match e {
                SyncEvent::Link(l) => Some(l.clone()),
                _ => None,
            })
    }

    pub fn saw(&self, pred: impl Fn(&SyncEvent) -> bool) -> bool {
        self.events.lock().expect("lock").iter().any(pred)
    }

    /// Waits until the cache satisfies `cond`.
    pub async fn wait(&self, what: &str, cond: impl Fn(&Replica) -> bool) {
        let what = format!("{}: {what}", self.name);
        wait_for(&what, || {
            let ok = cond(&self.replica());
            async move { ok }
        })
        .await;
    }

    pub async fn wait_link(&self, what: &str, cond: impl Fn(&Link) -> bool) {
        let what = format!("{}: link {what}", self.name);
        wait_for(&what, || {
            let ok = self.link().is_some_and(|l| cond(&l));
            async move { ok }
        })
        .await;
    }

    pub fn stop(&self) {
        let _ = self.commands.send(SyncCmd::Stop);
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.stop();
    }
}

#[allow(dead_code)]
const _: Duration = DEADLINE;
