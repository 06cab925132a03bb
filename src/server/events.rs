//! Server-Sent Events: every stored op, in seq order, to every subscriber.
//!
//! The broadcast in [`AppState`] wakes the streams with the ops of each push. A stream
//! takes them directly only when they follow the last seq it sent without a gap;
//! otherwise (pushes committed together can be announced out of order, or the stream
//! fell behind the broadcast: `Lagged`) it reads the ops after its last seq from the
//! store. A reconnect with `Last-Event-ID` replays the same way: nothing is missed.

use super::api::{query_failure, Authed, Failure};
use super::store::StoreError;
use super::{AppState, Wake};
use crate::protocol::{RoundCount, SeqOp, EVENT_COUNT, EVENT_OP, KEEP_ALIVE_SECS};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

/// Ops read from the store at a time by one stream.
pub(crate) const PAGE: usize = 500;

struct Cursor {
    state: AppState,
    wake: broadcast::Receiver<Wake>,
    closing: watch::Receiver<bool>,
    /// The last seq handed out.
    since: u64,
    /// The highest head this stream knows of; `u64::MAX` when it must look.
    known_head: u64,
    buf: VecDeque<SeqOp>,
}

/// Every op with seq > `since` (or, with `None`, every op stored from now on), in seq
/// order, for as long as the server runs. Ends on a store error or at shutdown.
pub async fn op_stream(
    state: AppState,
    since: Option<u64>,
) -> Result<impl Stream<Item = SeqOp> + Send + 'static, StoreError> {
    // Subscribe before reading anything, so that no wake-up can fall in between.
    let wake = state.inner.wake.subscribe();
    let closing = state.inner.closing.subscribe();
    let since = match since {
        Some(n) => n,
        None => state.inner.store.head().await?,
    };
    let cursor = Cursor {
        state,
        wake,
        closing,
        since,
        known_head: u64::MAX,
        buf: VecDeque::new(),
    };
    Ok(futures_util::stream::unfold(cursor, next_op))
}

async fn next_op(mut c: Cursor) -> Option<(SeqOp, Cursor)> {
    loop {
        if let Some(op) = c.buf.pop_front() {
            c.since = op.seq;
            return Some((op, c));
        }
        if *c.closing.borrow() {
            return None;
        }
        if c.known_head > c.since {
            match c.state.inner.store.pull(c.since, PAGE).await {
                Ok(page) => {
                    c.known_head = page.head;
                    if !page.ops.is_empty() {
                        c.buf.extend(page.ops);
                        continue;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "an event stream could not read the store");
                    return None;
                }
            }
        }
        tokio::select! {
            woke = c.wake.recv() => match woke {
                Ok(w) => take_following(&mut c, &w),
                Err(RecvError::Lagged(_)) => {
                    c.state.inner.lagged.fetch_add(1, Ordering::Relaxed);
                    c.known_head = u64::MAX;
                }
                Err(RecvError::Closed) => return None,
            },
            _ = c.closing.changed() => return None,
        }
    }
}

/// Buffers the ops of `w` that follow `c.since` without a gap; anything beyond a gap
/// is left for the store (`known_head` says there is more).
fn take_following(c: &mut Cursor, w: &Wake) {
    let mut fresh: Vec<&SeqOp> = w.ops.iter().filter(|o| o.seq > c.since).collect();
    fresh.sort_by_key(|o| o.seq);
    fresh.dedup_by_key(|o| o.seq);
    if let Some(last) = fresh.last() {
        c.known_head = c.known_head.max(last.seq);
    }
    for (next, op) in (c.since + 1..).zip(fresh) {
        if op.seq != next {
            break;
        }
        c.buf.push_back(op.clone());
    }
}

#[derive(Deserialize)]
pub struct EventsQuery {
    since: Option<u64>,
}

/// Ballot counts from now on, until the server shuts down. A subscriber that lags
/// skips counts (the next one says it all again).
fn count_stream(state: &AppState) -> impl Stream<Item = RoundCount> + Send + 'static {
    let counts = state.inner.counts.subscribe();
    let closing = state.inner.closing.subscribe();
    futures_util::stream::unfold((counts, closing), |(mut counts, mut closing)| async move {
        loop {
            if *closing.borrow() {
                return None;
            }
            tokio::select! {
                got = counts.recv() => match got {
                    Ok(c) => return Some((c, (counts, closing))),
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                },
                _ = closing.changed() => return None,
            }
        }
    })
}

fn count_event(count: RoundCount) -> Event {
    Event::default()
        .event(EVENT_COUNT)
        .json_data(&count)
        .unwrap_or_else(|_| Event::default().comment("unencodable count"))
}

fn event(op: SeqOp) -> Event {
    let base = Event::default().event(EVENT_OP).id(op.seq.to_string());
    match base.json_data(&op) {
        Ok(e) => e,
        // Cannot happen for a SeqOp; a comment keeps the stream alive if it ever did.
        Err(_) => Event::default().comment("unencodable op"),
    }
}

pub async fn subscribe(
    State(state): State<AppState>,
    Authed(user): Authed,
    headers: HeaderMap,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<impl IntoResponse, Failure> {
    let Query(q) = query.map_err(query_failure)?;
    let ticket = state.open_stream(&user.name).ok_or_else(|| {
        Failure::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "too_many_streams",
            "this user has as many event streams open as one may; close a styr window first",
        )
        .retry_after(30)
    })?;
    let last_id = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| {
                    Failure::new(
                        axum::http::StatusCode::BAD_REQUEST,
                        "bad_request",
                        "Last-Event-ID must be a seq (a whole number)",
                    )
                })?,
        ),
    };
    // A reconnecting EventSource sends Last-Event-ID with its first URL: the header wins.
    let since = last_id.or(q.since);
    let counts = count_stream(&state);
    let stream = op_stream(state, since).await.map_err(Failure::store)?;
    // The op stream decides when the whole stream ends (store error or shutdown).
    let ops = stream
        .map(event)
        .map(Some)
        .chain(futures_util::stream::once(async { None }));
    let merged = futures_util::stream::select(ops, counts.map(count_event).map(Some))
        .take_while(|e| std::future::ready(e.is_some()))
        .filter_map(std::future::ready);
    // The ticket lives as long as the stream, and counts it closed with it.
    let sse = Sse::new(merged.map(move |e| {
        let _open = &ticket;
        Ok::<_, Infallible>(e)
    }))
    .keep_alive(KeepAlive::new().interval(Duration::from_secs(KEEP_ALIVE_SECS)));
    Ok((
        [(
            HeaderName::from_static("x-accel-buffering"),
            HeaderValue::from_static("no"),
        )],
        sse,
    ))
}
