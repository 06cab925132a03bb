//! The request handlers and the error replies. Every error is an [`ApiError`] JSON body.

use super::auth::{bearer, hash_token};
use super::store::{StoreError, User};
use super::AppState;
use crate::model::{role, Op, OpError};
use crate::protocol::{
    ApiError, Health, Me, PullResponse, PushResponse, BODY_LIMIT_BYTES, PULL_LIMIT_DEFAULT,
    PULL_LIMIT_MAX, PUSH_MAX_OPS,
};
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, FromRequestParts, Query, State};
use axum::http::{header, request::Parts, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

/// An error reply: status, [`ApiError`] body, and `Retry-After` for 429.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub body: ApiError,
    pub retry_after_secs: Option<u64>,
}

impl Failure {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Failure {
            status,
            body: ApiError::new(code, message),
            retry_after_secs: None,
        }
    }

    /// Tells the client when to try again.
    pub(super) fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = Some(secs.max(1));
        self
    }

    pub(super) fn at(mut self, op_index: usize) -> Self {
        self.body.error.op_index = Some(op_index);
        self
    }

    pub(super) fn bad_request(message: impl Into<String>) -> Self {
        Failure::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// A store failure: a meeting rule's refusal (409, with the op's index in a push)
    /// or something unknown (404) is the client's to hear; anything else is logged in
    /// full and reported plainly.
    pub fn store(e: StoreError) -> Self {
        match e {
            StoreError::Refused {
                op_index,
                reason,
                rule,
            } => {
                let mut f = Failure::new(StatusCode::CONFLICT, "conflict", reason);
                f.body.error.reason = rule;
                return match op_index {
                    Some(i) => f.at(i),
                    None => f,
                };
            }
            StoreError::NotFound(what) => {
                return Failure::new(StatusCode::NOT_FOUND, "not_found", what)
            }
            _ => {}
        }
        tracing::error!(error = %e, "store error");
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server could not read or write its database; try again later",
        )
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(self.body)).into_response();
        if let Some(secs) = self.retry_after_secs {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

/// The user behind the request's bearer token.
pub struct Authed(pub User);

fn client_ip(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = Failure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Failure> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(Failure::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "this request needs a token (Authorization: Bearer <token>); ask an admin for one",
            ));
        };
        let ip = client_ip(parts);
        let guard = &state.inner.guard;
        if let Some(wait) = guard.blocked(ip, Instant::now()) {
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(Failure {
                retry_after_secs: Some(secs.max(1)),
                ..Failure::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    format!(
                        "too many failed logins from this address; wait {} s",
                        secs.max(1)
                    ),
                )
            });
        }
        let user = match value.to_str().ok().and_then(bearer) {
            Some(token) => state
                .inner
                .store
                .user_by_token_hash(hash_token(token))
                .await
                .map_err(Failure::store)?,
            None => None,
        };
        let message = match user {
            Some(u) if u.is_active() => return Ok(Authed(u)),
            Some(u) => {
                tracing::warn!(%ip, user = %u.name, "revoked token used");
                "this token has been revoked; ask an admin for a new one"
            }
            None => {
                tracing::warn!(%ip, "invalid token");
                "the token is not valid"
            }
        };
        guard.failed(ip, Instant::now());
        Err(Failure::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            message,
        ))
    }
}

pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, Failure> {
    let head = state.inner.store.head().await.map_err(Failure::store)?;
    Ok(Json(Health {
        ok: true,
        head,
        version: env!("CARGO_PKG_VERSION").to_string(),
    }))
}

pub async fn me(Authed(user): Authed) -> Json<Me> {
    Json(Me {
        user: user.name,
        role: user.role,
        org: user.org,
    })
}

#[derive(Deserialize)]
struct RawPush<'a> {
    #[serde(borrow)]
    ops: Vec<&'a RawValue>,
}

/// Bodies up to this size are read to the end even when over [`BODY_LIMIT_BYTES`], so
/// that the client, still sending, gets the 413 instead of a reset connection. Beyond it
/// (by `Content-Length` at once, or while streaming) the connection is cut.
pub const DRAIN_LIMIT_BYTES: usize = 4 * BODY_LIMIT_BYTES;

/// Reads a body of at most [`BODY_LIMIT_BYTES`]; a larger one is read and dropped, then
/// refused with 413.
pub(super) async fn read_body(body: Body) -> Result<Vec<u8>, Failure> {
    let mut stream = body.into_data_stream();
    let mut buf = Vec::new();
    let mut over = false;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(_) if over => return Err(too_large()),
            Err(e) => {
                return Err(Failure::bad_request(format!(
                    "the request body could not be read: {e}"
                )))
            }
        };
        if over {
            continue;
        }
        if buf.len() + chunk.len() > BODY_LIMIT_BYTES {
            over = true;
            buf = Vec::new();
            continue;
        }
        buf.extend_from_slice(&chunk);
    }
    if over {
        Err(too_large())
    } else {
        Ok(buf)
    }
}

fn too_large() -> Failure {
    Failure::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!(
            "the request body is larger than {BODY_LIMIT_BYTES} bytes; push fewer ops at a time"
        ),
    )
}

/// Reads a push body into checked ops, refusing the whole batch on the first bad op.
pub(crate) fn parse_push(body: &[u8]) -> Result<Vec<Op>, Failure> {
    let raw: RawPush<'_> = serde_json::from_slice(body).map_err(|e| {
        let why = if e.is_eof() {
            "it ends too early (truncated?)".to_string()
        } else {
            e.to_string()
        };
        Failure::bad_request(format!(
            "the body is not a push ({{\"ops\": [...]}}): {why}"
        ))
    })?;
    if raw.ops.is_empty() {
        return Err(Failure::bad_request("the push has no ops"));
    }
    if raw.ops.len() > PUSH_MAX_OPS {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "the push has {} ops; at most {PUSH_MAX_OPS} go in one push",
                raw.ops.len()
            ),
        ));
    }
    raw.ops
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Op::decode(r.get().as_bytes()).map_err(|e| {
                let f = match e {
                    OpError::UnsupportedVersion { .. } => Failure::new(
                        StatusCode::BAD_REQUEST,
                        "unsupported_version",
                        format!("op {i}: {e}"),
                    ),
                    _ => Failure::bad_request(format!("op {i}: {e}")),
                };
                f.at(i)
            })
        })
        .collect()
}

pub async fn push(
    State(state): State<AppState>,
    Authed(user): Authed,
    body: Body,
) -> Result<Json<PushResponse>, Failure> {
    let body = read_body(body).await?;
    let mut ops = parse_push(&body)?;
    for (i, op) in ops.iter_mut().enumerate() {
        if let Err(denied) = role::check(&state.inner.stages, user.role, &op.payload) {
            let mut f = Failure::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("op {i}: {denied}; nothing in this push was stored"),
            )
            .at(i);
            f.body.error.reason = Some((&denied).into());
            return Err(f);
        }
        op.author.clone_from(&user.name);
    }
    let acks = state.inner.store.push(ops).await.map_err(Failure::store)?;
    state.notify(acks.clone());
    Ok(Json(PushResponse { acks }))
}

#[derive(Deserialize)]
pub struct PullQuery {
    since: Option<u64>,
    limit: Option<usize>,
}

pub fn query_failure(rejection: QueryRejection) -> Failure {
    Failure::bad_request(format!("bad query: {}", rejection.body_text()))
}

pub async fn pull(
    State(state): State<AppState>,
    Authed(_): Authed,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullResponse>, Failure> {
    let Query(q) = query.map_err(query_failure)?;
    let limit = match q.limit {
        None | Some(0) => PULL_LIMIT_DEFAULT,
        Some(n) => n.min(PULL_LIMIT_MAX),
    };
    let page = state
        .inner
        .store
        .pull(q.since.unwrap_or(0), limit)
        .await
        .map_err(Failure::store)?;
    Ok(Json(PullResponse {
        ops: page.ops,
        head: page.head,
    }))
}

pub async fn not_found(uri: Uri) -> Failure {
    Failure::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("there is nothing at {}", uri.path()),
    )
}

/// Gives every error reply that is not JSON yet (axum's 405, tower-http's 408 and 413)
/// an [`ApiError`] body, keeping its status and headers.
pub async fn json_errors(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too_large",
            format!("the request body is larger than {BODY_LIMIT_BYTES} bytes; push fewer ops at a time"),
        ),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "the request took too long".to_string()),
        StatusCode::METHOD_NOT_ALLOWED => (
            "bad_request",
            "this path does not take that method".to_string(),
        ),
        StatusCode::NOT_FOUND => ("not_found", "there is nothing here".to_string()),
        StatusCode::UNAUTHORIZED => ("unauthorized", "a valid token is needed".to_string()),
        StatusCode::FORBIDDEN => ("forbidden", "not allowed".to_string()),
        StatusCode::TOO_MANY_REQUESTS => ("too_many_requests", "slow down".to_string()),
        s if s.is_server_error() => ("internal", "the server failed; try again later".to_string()),
        _ => ("bad_request", "the request was not understood".to_string()),
    };
    let (mut parts, _) = res.into_parts();
    let body = serde_json::to_vec(&ApiError::new(code, message)).unwrap_or_default();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// The reply when a handler panicked (it should never happen; the server goes on).
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    tracing::error!(panic = %what, "a request handler panicked");
    Failure::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the server failed; try again later",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_push_refuses_bad_bodies_with_clear_codes() {
        let code = |b: &str| parse_push(b.as_bytes()).unwrap_err().body.error.code;
        assert_eq!(code(r#"{"ops": ["#), "bad_request");
        assert_eq!(code(r#"{"ops": 5}"#), "bad_request");
        assert_eq!(code(r#"{"ops": []}"#), "bad_request");
        assert_eq!(code(r#"[]"#), "bad_request");
        let f = parse_push(br#"{"ops": [{"v": 2}]}"#).unwrap_err();
        assert_eq!(f.body.error.code, "unsupported_version");
        assert_eq!(f.body.error.op_index, Some(0));
        assert!(
            f.body.error.message.contains("version 2"),
            "{}",
            f.body.error.message
        );
        let f = parse_push(br#"{"ops": [{"op_id": 1}]}"#).unwrap_err();
        assert_eq!(f.body.error.op_index, Some(0));
    }
}
