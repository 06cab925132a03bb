//! A real `styr serve` in process: `server::serve` on 127.0.0.1:0 over a SQLite file in
//! a temporary directory, with the first admin made as at a first start. Shut down and
//! removed on drop. Also a small SSE reader and op builders for the server tests and
//! the benches.

use futures_util::{Stream, StreamExt};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use styr::model::{ItemId, Op, Payload, Role, StageKey};
use styr::protocol::{PullResponse, PushRequest, SeqOp, PATH_EVENTS, PATH_OPS};
use styr::server::{self, users, AppState, ServerConfig, ServerStore, SqliteStore};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long a test waits for something that should happen at once.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub struct TestServer {
    pub url: String,
    pub admin_token: String,
    pub state: AppState,
    pub db: PathBuf,
    dir: Option<tempfile::TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(ServerConfig::default()).await
    }

    pub async fn start_with(config: ServerConfig) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let db = dir.path().join("styr.db");
        Self::start_on(dir, db, config).await
    }

    /// Starts on an existing directory and database file (a restart).
    pub async fn start_on(dir: tempfile::TempDir, db: PathBuf, config: ServerConfig) -> Self {
        let store: Arc<dyn ServerStore> =
            Arc::new(SqliteStore::open(&db).expect("the test database opens"));
        let admin_token = match users::ensure_admin(&*store, now_ms()).await.unwrap() {
            Some(c) => c.token,
            None => {
                users::add_to(
                    &*store,
                    &format!("admin{}", now_ms()),
                    Role::Admin,
                    "",
                    now_ms(),
                )
                .await
                .unwrap()
                .token
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = AppState::new(store, config);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        TestServer {
            url,
            admin_token,
            state,
            db,
            dir: Some(dir),
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub fn store(&self) -> &Arc<dyn ServerStore> {
        self.state.store()
    }

    /// A new user with `role`; returns their token.
    pub async fn add_user(&self, name: &str, role: Role) -> String {
        users::add_to(&**self.store(), name, role, "Fosen IKT", now_ms())
            .await
            .unwrap()
            .token
    }

    pub fn ops_url(&self) -> String {
        format!("{}{PATH_OPS}", self.url)
    }

    pub fn events_url(&self) -> String {
        format!("{}{PATH_EVENTS}", self.url)
    }

    /// Shuts the server down gracefully and gives back its directory and database path.
    pub async fn shutdown(mut self) -> (tempfile::TempDir, PathBuf) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let r = tokio::time::timeout(DEADLINE, task).await;
            assert!(
                r.is_ok(),
                "the server did not shut down within {DEADLINE:?}"
            );
        }
        (self.dir.take().unwrap(), self.db.clone())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// An open round's count as the server tells it (never a tally).
pub async fn round_count(
    c: &reqwest::Client,
    url: &str,
    token: &str,
    round: &styr::model::meeting::RoundId,
) -> styr::protocol::RoundCount {
    c.get(format!("{url}{}", styr::protocol::round_path(round)))
        .bearer_auth(token)
        .send()
        .await
        .expect("the count")
        .json()
        .await
        .expect("a count")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

pub fn create_op(stage: &str) -> Op {
    Op::new(
        "someone",
        now_ms(),
        Payload::CreateItem {
            item: ItemId::new(),
            stage: StageKey::new(stage),
            fields: vec![],
        },
    )
}

pub async fn push(
    c: &reqwest::Client,
    server_url: &str,
    token: &str,
    ops: &[Op],
) -> reqwest::Response {
    c.post(format!("{server_url}{PATH_OPS}"))
        .bearer_auth(token)
        .json(&PushRequest { ops: ops.to_vec() })
        .send()
        .await
        .expect("the server answers")
}

/// One page of the server's log after `since`.
pub async fn pull_page(
    c: &reqwest::Client,
    server_url: &str,
    token: &str,
    since: u64,
) -> PullResponse {
    c.get(format!("{server_url}{PATH_OPS}"))
        .query(&[("since", since)])
        .bearer_auth(token)
        .send()
        .await
        .expect("pull")
        .json()
        .await
        .expect("a page")
}

/// The server's whole log, page by page.
pub async fn pull_all(c: &reqwest::Client, server_url: &str, token: &str) -> Vec<SeqOp> {
    let mut log: Vec<SeqOp> = Vec::new();
    loop {
        let since = log.last().map_or(0, |s| s.seq);
        let page = pull_page(c, server_url, token, since).await;
        if page.ops.is_empty() {
            return log;
        }
        log.extend(page.ops);
    }
}

/// One Server-Sent Event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: String,
}

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

/// Reads events from an SSE response; comments (keep-alives) are skipped.
pub struct SseReader {
    body: ByteStream,
    buf: String,
}

impl SseReader {
    pub fn new(res: reqwest::Response) -> Self {
        SseReader {
            body: Box::pin(res.bytes_stream()),
            buf: String::new(),
        }
    }

    /// The next event, or `None` when the stream ended or `until` passed.
    pub async fn next_until(&mut self, until: Instant) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut ev = SseEvent::default();
                let mut any = false;
                for line in block.lines() {
                    let (field, value) = match line.split_once(':') {
                        Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
                        None => (line, ""),
                    };
                    match field {
                        "id" => ev.id = Some(value.to_string()),
                        "event" => ev.event = Some(value.to_string()),
                        "data" => {
                            if any {
                                ev.data.push('\n');
                            }
                            ev.data.push_str(value);
                            any = true;
                        }
                        _ => {}
                    }
                }
                if any || ev.id.is_some() {
                    return Some(ev);
                }
                continue;
            }
            let left = until.checked_duration_since(Instant::now())?;
            match tokio::time::timeout(left, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.buf.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return None,
            }
        }
    }
}

/// Waits until `cond` holds, polling, or fails the test at the deadline.
pub async fn wait_for<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let until = Instant::now() + DEADLINE;
    while !cond().await {
        assert!(Instant::now() < until, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
