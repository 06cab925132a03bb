//! A TCP proxy on loopback between sync clients and the server, to inject faults: the
//! link can be cut (open connections are dropped, new ones refused) and pointed at a
//! restarted server on another port, while the clients keep one address.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub struct Proxy {
    pub addr: SocketAddr,
    upstream: Arc<Mutex<Option<SocketAddr>>>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy binds");
        let addr = listener.local_addr().expect("address");
        let upstream = Arc::new(Mutex::new(Some(upstream)));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (up, ls) = (upstream.clone(), links.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let target = *up.lock().expect("lock");
                let Some(target) = target else {
                    continue; // cut: the connection is dropped at once
                };
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                ls.lock().expect("lock").push(link);
            }
        });
        Proxy {
            addr,
            upstream,
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
        for link in self.links.lock().expect("lock").drain(..) {
            link.abort();
        }
    }

    /// Lets connections through again, to `upstream`.
    pub fn heal(&self, upstream: SocketAddr) {
        *self.upstream.lock().expect("lock") = Some(upstream);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}
