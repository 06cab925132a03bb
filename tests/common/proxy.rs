//! A TCP proxy on loopback between sync clients and the server, to inject faults: the
//! link can be cut (open connections are dropped, new ones refused) and pointed at a
//! restarted server on another port, while the clients keep one address.
//!
//! Fault modes, each on until changed (they can be combined):
//! * [`Proxy::set_latency`]: every chunk, either way, waits this long before it is
//!   passed on (a slow link; a long one is a stalled link);
//! * [`Proxy::drop_new`]: each new connection is closed at once with this chance (a
//!   lossy network; open connections are left alone);
//! * [`Proxy::tear_next`]: the next `n` connections are cut after a number of bytes of
//!   the server's answer body (counted from the end of the connection's first answer
//!   head), so a push's answer or an event stream is torn mid-body;
//! * [`Proxy::drop_links`]: every open connection is dropped once;
//! * [`Proxy::partition_for`]: [`Proxy::cut`] now, and let connections through again
//!   (to the same server) once the time is up.

use std::net::SocketAddr;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// What the proxy has done so far, for tests to see that a fault really bit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections passed on to the server.
    pub passed: usize,
    /// Connections closed at once: cut, partitioned or dropped.
    pub refused: usize,
    /// Of those, dropped by `drop_new`'s chance.
    pub dropped: usize,
    /// Connections cut mid-answer by `tear_next`.
    pub torn: usize,
}

#[derive(Default)]
struct Faults {
    latency: Duration,
    drop_percent: u8,
    tear: usize,
    tear_bytes: Range<usize>,
    partitioned_until: Option<Instant>,
}

#[derive(Default)]
struct Counters {
    passed: AtomicUsize,
    refused: AtomicUsize,
    dropped: AtomicUsize,
    torn: AtomicUsize,
}

pub struct Proxy {
    pub addr: SocketAddr,
    upstream: Arc<Mutex<Option<SocketAddr>>>,
    faults: Arc<Mutex<Faults>>,
    counters: Arc<Counters>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let addr = listener.local_addr().expect("address");
        let upstream = Arc::new(Mutex::new(Some(upstream)));
        let faults: Arc<Mutex<Faults>> = Arc::default();
        let counters: Arc<Counters> = Arc::default();
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (up, ls, fs, cs) = (
            upstream.clone(),
            links.clone(),
            faults.clone(),
            counters.clone(),
        );
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let target = *up.lock().expect("lock");
                let (tear_after, dropped, partitioned) = {
                    let mut f = fs.lock().expect("lock");
                    let partitioned = f.partitioned_until.is_some_and(|t| Instant::now() < t);
                    let dropped =
                        !partitioned && f.drop_percent > 0 && fastrand::u8(0..100) < f.drop_percent;
                    let tear = if !partitioned && !dropped && target.is_some() && f.tear > 0 {
                        f.tear -= 1;
                        Some(fastrand::usize(f.tear_bytes.clone()))
                    } else {
                        None
                    };
                    (tear, dropped, partitioned)
                };
                let Some(target) = target.filter(|_| !partitioned && !dropped) else {
                    // Cut, partitioned or lost: the connection is dropped at once.
                    cs.refused.fetch_add(1, Ordering::SeqCst);
                    if dropped {
                        cs.dropped.fetch_add(1, Ordering::SeqCst);
                    }
                    continue;
                };
                cs.passed.fetch_add(1, Ordering::SeqCst);
                let (faults, counters) = (fs.clone(), cs.clone());
                let link = tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(target).await {
                        relay(client, server, faults, counters, tear_after).await;
                    }
                });
                let mut ls = ls.lock().expect("lock");
                ls.retain(|l| !l.is_finished());
                ls.push(link);
            }
        });
        Proxy {
            addr,
            upstream,
            faults,
            counters,
            links,
            accept,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Drops every open connection and refuses new ones: the network is gone.
    pub fn cut(&self) {
        *self.upstream.lock().expect("lock") = None;
        self.drop_links();
    }

    /// Lets connections through again, to `upstream`.
    pub fn heal(&self, upstream: SocketAddr) {
        *self.upstream.lock().expect("lock") = Some(upstream);
    }

    /// Every chunk, either way, waits `latency` before it goes on.
    pub fn set_latency(&self, latency: Duration) {
        self.faults.lock().expect("lock").latency = latency;
    }

    /// Each new connection is closed at once with a chance of `percent` in 100.
    pub fn drop_new(&self, percent: u8) {
        self.faults.lock().expect("lock").drop_percent = percent.min(100);
    }

    /// The next `connections` connections are cut after a random number (in `bytes`)
    /// of bytes of the server's answer body.
    pub fn tear_next(&self, connections: usize, bytes: Range<usize>) {
        assert!(!bytes.is_empty(), "a byte range to cut in");
        let mut f = self.faults.lock().expect("lock");
        f.tear = connections;
        f.tear_bytes = bytes;
    }

    /// How many of the connections `tear_next` asked for are still to be torn.
    pub fn tears_left(&self) -> usize {
        self.faults.lock().expect("lock").tear
    }

    /// Cuts every open connection now and refuses new ones for `time`; after that they
    /// go to the same server again.
    pub fn partition_for(&self, time: Duration) {
        self.faults.lock().expect("lock").partitioned_until = Some(Instant::now() + time);
        self.drop_links();
    }

    /// Whether a partition is on.
    pub fn partitioned(&self) -> bool {
        self.faults
            .lock()
            .expect("lock")
            .partitioned_until
            .is_some_and(|t| Instant::now() < t)
    }

    /// Every fault off (a cut is healed with [`Proxy::heal`]).
    pub fn clear_faults(&self) {
        *self.faults.lock().expect("lock") = Faults::default();
    }

    pub fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            passed: c.passed.load(Ordering::SeqCst),
            refused: c.refused.load(Ordering::SeqCst),
            dropped: c.dropped.load(Ordering::SeqCst),
            torn: c.torn.load(Ordering::SeqCst),
        }
    }

    /// Drops every open connection once and lets new ones through (a NAT or Wi-Fi
    /// change): the clients must connect again, through whatever faults are on.
    pub fn drop_links(&self) {
        for link in self.links.lock().expect("lock").drain(..) {
            link.abort();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

/// Passes bytes both ways with the faults applied; returns when either side closes,
/// or when the answer has been torn.
async fn relay(
    client: TcpStream,
    server: TcpStream,
    faults: Arc<Mutex<Faults>>,
    counters: Arc<Counters>,
    tear_after: Option<usize>,
) {
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();
    let f = faults.clone();
    let upward = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match client_rx.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            delay(&f).await;
            if server_tx.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_tx.shutdown().await;
    };
    let downward = async move {
        let mut buf = vec![0u8; 16 * 1024];
        // The end of the first answer head, then how many body bytes may still pass.
        let mut head = Vec::new();
        let mut body_left = tear_after;
        let mut in_body = false;
        loop {
            let n = match server_rx.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            delay(&faults).await;
            let mut chunk = &buf[..n];
            let mut torn = false;
            if let Some(left) = body_left.as_mut() {
                let mut head_len = 0;
                if !in_body {
                    let before = head.len();
                    head.extend_from_slice(chunk);
                    if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
                        in_body = true;
                        head_len = end + 4 - before;
                    } else {
                        head_len = chunk.len();
                    }
                }
                if in_body {
                    let body = chunk.len() - head_len;
                    if body >= *left {
                        chunk = &chunk[..head_len + *left];
                        torn = true;
                    } else {
                        *left -= body;
                    }
                }
            }
            if client_tx.write_all(chunk).await.is_err() {
                break;
            }
            if torn {
                counters.torn.fetch_add(1, Ordering::SeqCst);
                let _ = client_tx.flush().await;
                return;
            }
        }
        let _ = client_tx.shutdown().await;
    };
    // The first direction to end ends the link (a torn answer closes both sides).
    tokio::select! {
        _ = downward => {}
        _ = async { upward.await; std::future::pending::<()>().await } => {}
    }
}

async fn delay(faults: &Arc<Mutex<Faults>>) {
    let latency = faults.lock().expect("lock").latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
}
