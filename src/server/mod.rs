//! `styr serve` as a library: [`router`] builds the axum app over an [`AppState`];
//! [`serve`] and [`serve_tls`] run it on a listener until a shutdown future resolves.
//! The wire protocol is [`crate::protocol`]; the store is the [`ServerStore`] trait with
//! [`SqliteStore`] as the embedded default.
//!
//! - `api`: the handlers (health, me, push, pull) and the JSON error replies.
//! - `events`: the SSE stream. A broadcast of the head seq only wakes subscribers; each
//!   one reads the ops after its last sent seq from the store, so a slow subscriber
//!   that lags behind the broadcast still gets every op, in order.
//! - the relay (here): with a store that other processes write too (several servers on
//!   one PostgreSQL, [`ServerStore::changes`]), one task per server reads the ops the
//!   others stored from the store and puts them on the same broadcast, in seq order,
//!   and passes on their ballot counts.
//! - `auth`: tokens (256 random bits, stored as SHA-256) and the failed-login guard.
//! - `users`: adding, listing and revoking users, for `styr user` and the first start.

mod api;
pub mod auth;
pub mod backup;
pub mod events;
pub mod migrate;
pub mod postgres;
mod rounds;
pub mod sqlite;
pub mod store;
pub mod tls;
pub mod users;
pub mod verify;
mod writer_jobs;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use store::{BallotCast, Change, NewUser, Page, ServerStore, StoreError, User};

use crate::model::Stages;
use crate::protocol::{
    RoundCount, SeqOp, PATH_EVENTS, PATH_HEALTH, PATH_ME, PATH_OPS, PATH_ROUNDS,
};
use auth::{LoginGuard, LoginLimits};
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use axum::Router;
use std::collections::BTreeSet;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, watch};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What the server is told at start.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The board's stages, for the role rules (from the server's `config.toml`).
    pub stages: Stages,
    pub login_limits: LoginLimits,
    /// Wake-ups buffered per SSE subscriber before it lags (it then catches up from the
    /// store; nothing is lost).
    pub events_capacity: usize,
    /// Longest time a request (not an SSE stream) may take, reading its body included.
    pub request_timeout: Duration,
    /// Event streams one user may hold open at once (each styr window holds one), so
    /// that one token cannot tie up the server with streams.
    pub streams_per_user: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            stages: Stages::default(),
            login_limits: LoginLimits::default(),
            events_capacity: 1024,
            request_timeout: Duration::from_secs(30),
            streams_per_user: 16,
        }
    }
}

/// One open event stream, counted against its user's limit while it lives.
pub(crate) struct StreamTicket {
    state: AppState,
    user: String,
}

impl Drop for StreamTicket {
    fn drop(&mut self) {
        let mut open = self
            .state
            .inner
            .streams
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.user) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.user);
            }
        }
    }
}

/// What the SSE streams are woken with: the stored ops of one push.
#[derive(Clone, Debug)]
pub struct Wake {
    pub ops: Arc<Vec<SeqOp>>,
}

/// Everything the handlers share. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn ServerStore>,
    stages: Stages,
    guard: LoginGuard,
    request_timeout: Duration,
    /// The acks of each push after its commit. For the SSE streams this is a wake-up
    /// and a shortcut: a stream takes the ops from it only when they follow its last
    /// sent seq without a gap, and otherwise reads the store.
    wake: broadcast::Sender<Wake>,
    /// Ballot counts of open rounds, for the SSE streams (a missed one is only a count:
    /// the next one, or `GET /rounds/{round}`, says it again).
    counts: broadcast::Sender<RoundCount>,
    /// Set when the server shuts down, so that SSE streams end and graceful shutdown
    /// does not wait for them forever.
    closing: watch::Sender<bool>,
    /// How often an SSE subscriber fell behind the broadcast (and caught up from the store).
    lagged: AtomicU64,
    /// Open event streams per user, and how many one may have.
    streams: std::sync::Mutex<std::collections::HashMap<String, usize>>,
    streams_per_user: usize,
    /// With a relay: every op up to this seq is on the wake broadcast, which then
    /// carries only ops in seq order without a gap (the relay reads what is missing
    /// from the store). `None` without a relay (or before it has started): every
    /// push's acks go out as they come.
    announced: std::sync::Mutex<Option<u64>>,
    /// True once the relay (if there is one) knows where the log stands.
    ready: watch::Sender<bool>,
}

impl AppState {
    /// The state over `store`. When other processes write the store too, this starts
    /// the relay (so it must then be called inside a tokio runtime, as the store's
    /// [`ServerStore::changes`] is).
    pub fn new(store: Arc<dyn ServerStore>, config: ServerConfig) -> Self {
        let (wake, _) = broadcast::channel(config.events_capacity.max(1));
        let (counts, _) = broadcast::channel(config.events_capacity.max(1));
        let (closing, _) = watch::channel(false);
        let changes = store.changes();
        let (ready, _) = watch::channel(changes.is_none());
        let state = AppState {
            inner: Arc::new(Inner {
                store,
                stages: config.stages,
                guard: LoginGuard::new(config.login_limits),
                request_timeout: config.request_timeout,
                wake,
                counts,
                closing,
                lagged: AtomicU64::new(0),
                streams: Default::default(),
                streams_per_user: config.streams_per_user.max(1),
                announced: std::sync::Mutex::new(None),
                ready,
            }),
        };
        if let Some(changes) = changes {
            tokio::spawn(relay(Arc::downgrade(&state.inner), changes));
        }
        state
    }

    /// Resolves once the relay (if any) has started, so that no op another server
    /// stores from then on can miss the streams. [`serve`] waits for it before it
    /// takes connections.
    pub async fn ready(&self) {
        let mut ready = self.inner.ready.subscribe();
        let _ = ready.wait_for(|r| *r).await;
    }

    pub fn store(&self) -> &Arc<dyn ServerStore> {
        &self.inner.store
    }

    /// Ends every open SSE stream; called by [`serve`] when its shutdown future resolves.
    pub fn close(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Counts an event stream of `user` as open, unless they have as many as they may:
    /// the ticket counts it closed again when dropped (with the stream).
    pub(crate) fn open_stream(&self, user: &str) -> Option<StreamTicket> {
        let mut open = self.inner.streams.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(user.to_string()).or_default();
        if *n >= self.inner.streams_per_user {
            return None;
        }
        *n += 1;
        Some(StreamTicket {
            state: self.clone(),
            user: user.to_string(),
        })
    }

    /// How many event streams `user` has open.
    pub fn open_streams(&self, user: &str) -> usize {
        let open = self.inner.streams.lock().unwrap_or_else(|e| e.into_inner());
        open.get(user).copied().unwrap_or(0)
    }

    /// How many times an SSE subscriber lagged behind the wake-ups.
    pub fn lagged_count(&self) -> u64 {
        self.inner.lagged.load(Ordering::Relaxed)
    }

    /// Tells the SSE subscribers a round's new ballot count.
    pub fn notify_count(&self, count: RoundCount) {
        let _ = self.inner.counts.send(count);
    }

    /// Tells the SSE subscribers about ops just stored.
    pub fn notify(&self, ops: Vec<SeqOp>) {
        self.announce(ops);
    }

    /// Puts `ops` on the wake broadcast: all of them without a relay; with one, those
    /// that follow the last announced seq without a gap (the relay brings the rest from
    /// the store, and so the broadcast stays in seq order).
    fn announce(&self, mut ops: Vec<SeqOp>) {
        let mut announced = self
            .inner
            .announced
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(last) = *announced {
            ops.retain(|o| o.seq > last);
            ops.sort_by_key(|o| o.seq);
            ops.dedup_by_key(|o| o.seq);
            let run = (last + 1..)
                .zip(&ops)
                .take_while(|(want, o)| o.seq == *want)
                .count();
            ops.truncate(run);
            match ops.last() {
                Some(op) => *announced = Some(op.seq),
                None => return,
            }
        }
        // No subscribers is not an error.
        let _ = self.inner.wake.send(Wake { ops: Arc::new(ops) });
    }

    /// Brings the wake broadcast up to `head`, reading from the store what this
    /// server has not announced (what other servers stored).
    async fn relay_to(&self, head: u64) {
        loop {
            let since = {
                let mut announced = self
                    .inner
                    .announced
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                match *announced {
                    Some(last) if last < head => {
                        // Nobody is listening: nothing to read. A stream that starts
                        // later reads its start from the store.
                        if self.inner.wake.receiver_count() == 0 {
                            *announced = Some(head);
                            return;
                        }
                        last
                    }
                    _ => return,
                }
            };
            match self.inner.store.pull(since, events::PAGE).await {
                Ok(page) if !page.ops.is_empty() => self.announce(page.ops),
                Ok(_) => return,
                Err(e) => {
                    // The listener reads the tip again in a few seconds; try then.
                    tracing::warn!(error = %e, "the relay could not read the store");
                    return;
                }
            }
        }
    }
}

/// How long the relay waits before trying the store again when it cannot start.
const RELAY_RETRY: Duration = Duration::from_secs(1);

/// Passes on what other processes store: new ops onto the wake broadcast (read from
/// the store, in seq order) and new ballot counts. Ends with the state or at shutdown.
async fn relay(inner: Weak<Inner>, mut changes: broadcast::Receiver<Change>) {
    let mut closing = match inner.upgrade() {
        Some(i) => i.closing.subscribe(),
        None => return,
    };
    // Start from the head now: a stream reads what came before from the store.
    loop {
        let Some(inner) = inner.upgrade() else { return };
        match inner.store.head().await {
            Ok(head) => {
                *inner.announced.lock().unwrap_or_else(|e| e.into_inner()) = Some(head);
                inner.ready.send_replace(true);
                break;
            }
            Err(e) => tracing::warn!(error = %e, "the relay could not read the head"),
        }
        drop(inner);
        tokio::select! {
            _ = tokio::time::sleep(RELAY_RETRY) => {}
            _ = closing.changed() => return,
        }
    }
    loop {
        let first = tokio::select! {
            c = changes.recv() => c,
            _ = closing.changed() => return,
        };
        // Everything waiting is taken together: one read for many wake-ups.
        let mut head = None;
        let mut rounds = BTreeSet::new();
        let mut lagged = false;
        let mut next = Some(first);
        while let Some(change) = next.take() {
            match change {
                Ok(Change::Head(h)) => head = head.max(Some(h)),
                Ok(Change::Count(r)) => {
                    rounds.insert(r);
                }
                Err(RecvError::Lagged(_)) => lagged = true,
                Err(RecvError::Closed) => return,
            }
            next = match changes.try_recv() {
                Ok(c) => Some(Ok(c)),
                Err(TryRecvError::Lagged(n)) => Some(Err(RecvError::Lagged(n))),
                Err(TryRecvError::Empty | TryRecvError::Closed) => None,
            };
        }
        let Some(inner) = inner.upgrade() else { return };
        let state = AppState { inner };
        if lagged {
            head = head.max(state.inner.store.head().await.ok());
        }
        if let Some(head) = head {
            state.relay_to(head).await;
        }
        // Counts lost with a lag are only counts: the next ballot says it again.
        for round in rounds {
            match state.inner.store.round_count(round).await {
                Ok(count) => state.notify_count(count),
                Err(e) => tracing::debug!(error = %e, "a relayed count could not be read"),
            }
        }
    }
}

/// The whole HTTP app: the routes of [`crate::protocol`], JSON errors for everything
/// (also 404, 405, 408, 413 and panics), tracing, the body limit and the timeout.
pub fn router(state: AppState) -> Router {
    let timeout = state.inner.request_timeout;
    Router::new()
        .route(PATH_HEALTH, get(api::health))
        .route(PATH_ME, get(api::me))
        .route(PATH_OPS, get(api::pull).post(api::push))
        .route(PATH_EVENTS, get(events::subscribe))
        .route(&format!("{PATH_ROUNDS}/{{round}}"), get(rounds::count))
        .route(
            &format!("{PATH_ROUNDS}/{{round}}/ballots"),
            post(rounds::cast),
        )
        .fallback(api::not_found)
        .with_state(state)
        // Each `layer` wraps the ones before it: the body limit is innermost, tracing
        // outermost.
        .layer(DefaultBodyLimit::max(api::DRAIN_LIMIT_BYTES))
        .layer(RequestBodyLimitLayer::new(api::DRAIN_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::map_response(api::json_errors))
        .layer(CatchPanicLayer::custom(api::panic_response))
        .layer(TraceLayer::new_for_http())
}

/// Serves plain HTTP on `listener` until `shutdown` resolves, then ends the SSE streams
/// and lets the open requests finish.
pub async fn serve<F>(listener: TcpListener, state: AppState, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    state.ready().await;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            state.close();
        })
        .await
}

/// Like [`serve`], over TLS (rustls). Handshakes run in their own tasks, so a slow
/// client cannot hold up the others.
pub async fn serve_tls<F>(
    listener: TcpListener,
    tls: Arc<tls::ServerConfig>,
    state: AppState,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    state.ready().await;
    let listener = tls::TlsListener::new(listener, tls).tap_io(|_| {});
    let app = router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            state.close();
        })
        .await
}

/// The address to give `styr login` for a server bound to `addr`: this host's name when
/// it listens on every interface.
pub fn public_url(addr: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    if addr.ip().is_unspecified() {
        format!("{scheme}://{}:{}", host_name(), addr.port())
    } else {
        format!("{scheme}://{addr}")
    }
}

/// This machine's host name, or `localhost` when it has none.
pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most that much.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    match std::str::from_utf8(&buf[..end]) {
        Ok(name) if rc == 0 && !name.is_empty() => name.to_string(),
        _ => "localhost".to_string(),
    }
}
