//! The HTTP transport: reqwest with rustls, JSON bodies, the event stream parsed by
//! `eventsource-stream`.

use super::transport::{Events, ServerEvent, SyncError, Transport};
use super::ServerUrl;
use crate::model::meeting::RoundId;
use crate::model::Op;
use crate::protocol::{
    ballots_path, round_path, ApiError, BallotRequest, Me, PullResponse, PushRequest, PushResponse,
    RoundCount, SeqOp, EVENT_COUNT, EVENT_OP, KEEP_ALIVE_SECS, PATH_EVENTS, PATH_ME, PATH_OPS,
};
use eventsource_stream::Eventsource;
use futures_util::{stream, StreamExt, TryStreamExt};
use std::time::Duration;

/// How long a plain request may take before the link counts as down.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The event stream carries a keep-alive every 15 s; three missed ones mean the link
/// is dead even if TCP has not noticed (a half-open connection after a network change).
const STREAM_IDLE: Duration = Duration::from_secs(3 * KEEP_ALIVE_SECS);

pub struct HttpTransport {
    client: reqwest::Client,
    server: ServerUrl,
    token: String,
}

impl HttpTransport {
    pub fn new(server: ServerUrl, token: &str) -> Result<Self, SyncError> {
        Self::with_ca(server, token, None)
    }

    /// As [`HttpTransport::new`], also trusting the certificate authority in `ca_file`
    /// (PEM) beside the system's and the web's.
    pub fn with_ca(
        server: ServerUrl,
        token: &str,
        ca_file: Option<&std::path::Path>,
    ) -> Result<Self, SyncError> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("styr/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = ca_file {
            let setup = |e: String| SyncError::Setup(format!("{}: {e}", path.display()));
            let pem = std::fs::read(path).map_err(|e| setup(e.to_string()))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| setup(format!("not a PEM certificate: {e}")))?;
            if certs.is_empty() {
                return Err(setup("no certificate in the file".into()));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| SyncError::Setup(e.to_string()))?;
        Ok(HttpTransport {
            client,
            server,
            token: token.to_string(),
        })
    }

    pub fn server(&self) -> &ServerUrl {
        &self.server
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.client
            .get(self.server.join(path))
            .bearer_auth(&self.token)
    }

    async fn send<R: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<R, SyncError> {
        let response = request
            .timeout(REQUEST_TIMEOUT)
            .send()
            .await
            .map_err(offline)?;
        let response = check(response).await?;
        response
            .json::<R>()
            .await
            .map_err(|e| SyncError::Server(format!("an unreadable reply: {e}")))
    }
}

fn offline(e: reqwest::Error) -> SyncError {
    SyncError::Offline(e.to_string())
}

/// Sorts a non-2xx reply by what the sync loop should do about it.
async fn check(response: reqwest::Response) -> Result<reqwest::Response, SyncError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = response.bytes().await.unwrap_or_default();
    let error = serde_json::from_slice::<ApiError>(&body).ok();
    let message = error
        .as_ref()
        .map(|e| e.error.message.clone())
        .unwrap_or_else(|| status.to_string());
    Err(match status.as_u16() {
        401 => SyncError::Unauthorized(message),
        403 | 409 => match error.and_then(|e| e.error.op_index.map(|i| (i, e.error.reason))) {
            Some((op_index, reason)) => SyncError::Refused {
                op_index,
                message,
                reason,
            },
            None => SyncError::Unauthorized(message),
        },
        // Slowed down, overloaded or restarting: try again later.
        408 | 429 | 500..=599 => SyncError::Offline(message),
        _ => SyncError::Server(message),
    })
}

impl Transport for HttpTransport {
    async fn me(&self) -> Result<Me, SyncError> {
        self.send(self.get(PATH_ME)).await
    }

    async fn push(&self, ops: &[Op]) -> Result<PushResponse, SyncError> {
        let body = PushRequest { ops: ops.to_vec() };
        let request = self
            .client
            .post(self.server.join(PATH_OPS))
            .bearer_auth(&self.token)
            .json(&body);
        self.send(request).await
    }

    async fn pull(&self, since: u64) -> Result<PullResponse, SyncError> {
        self.send(self.get(PATH_OPS).query(&[("since", since)]))
            .await
    }

    async fn cast(&self, round: RoundId, ballot: &BallotRequest) -> Result<RoundCount, SyncError> {
        self.cast_ballot(round, ballot).await
    }

    async fn count(&self, round: RoundId) -> Result<RoundCount, SyncError> {
        self.send(self.get(&round_path(&round))).await
    }

    async fn events(&self, since: u64) -> Result<Events, SyncError> {
        let response = self
            .get(PATH_EVENTS)
            .query(&[("since", since)])
            .header("Last-Event-ID", since.to_string())
            .header("Accept", "text/event-stream");
        // Only the answer's head has a deadline; the stream itself lives on keep-alives.
        let response = match tokio::time::timeout(REQUEST_TIMEOUT, response.send()).await {
            Ok(sent) => sent.map_err(offline)?,
            Err(_) => {
                return Err(SyncError::Offline(
                    "the server did not answer the event stream request".into(),
                ))
            }
        };
        let bytes = check(response).await?.bytes_stream();
        // Each read must come within STREAM_IDLE, keep-alives included.
        let guarded = stream::unfold(Box::pin(bytes), |mut s| async move {
            match tokio::time::timeout(STREAM_IDLE, s.next()).await {
                Ok(Some(item)) => Some((item.map_err(offline), s)),
                Ok(None) => None,
                Err(_) => Some((
                    Err(SyncError::Offline(
                        "the event stream went silent".to_string(),
                    )),
                    s,
                )),
            }
        });
        let events = guarded
            .eventsource()
            .map_err(|e| match e {
                eventsource_stream::EventStreamError::Transport(e) => e,
                other => SyncError::Offline(other.to_string()),
            })
            .try_filter(|e| std::future::ready(e.event == EVENT_OP || e.event == EVENT_COUNT))
            .and_then(|e| async move {
                let unreadable = |err: serde_json::Error| {
                    SyncError::Server(format!("an unreadable event: {err}"))
                };
                if e.event == EVENT_COUNT {
                    serde_json::from_str::<RoundCount>(&e.data)
                        .map(ServerEvent::Count)
                        .map_err(unreadable)
                } else {
                    serde_json::from_str::<SeqOp>(&e.data)
                        .map(ServerEvent::Op)
                        .map_err(unreadable)
                }
            });
        Ok(events.boxed())
    }
}

impl HttpTransport {
    async fn cast_ballot(
        &self,
        round: RoundId,
        ballot: &BallotRequest,
    ) -> Result<RoundCount, SyncError> {
        let request = self
            .client
            .post(self.server.join(&ballots_path(&round)))
            .bearer_auth(&self.token)
            .json(ballot);
        self.send(request).await
    }

    /// The server's health: reachable, and its highest seq. Needs no token.
    pub async fn health(&self) -> Result<crate::protocol::Health, SyncError> {
        let request = self
            .client
            .get(self.server.join(crate::protocol::PATH_HEALTH));
        self.send(request).await
    }
}
