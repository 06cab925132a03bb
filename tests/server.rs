//! `styr serve` over real HTTP on 127.0.0.1 with a real SQLite file: the protocol of
//! `styr::protocol`, roles, tokens, bad input, SSE.

mod common;

use common::server::{client, create_op, now_ms, push, wait_for, SseReader, TestServer, DEADLINE};
use futures_util::StreamExt;
use reqwest::StatusCode;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use styr::model::{ItemId, Op, Payload, Role, StageKey};
use styr::protocol::{
    ApiError, Health, Me, PullResponse, PushResponse, SeqOp, BODY_LIMIT_BYTES, EVENT_OP,
    PATH_HEALTH, PATH_ME, PULL_LIMIT_MAX, PUSH_MAX_OPS,
};
use styr::server::auth::LoginLimits;
use styr::server::ServerConfig;

async fn pull_all(s: &TestServer, token: &str) -> Vec<SeqOp> {
    let c = client();
    let mut since = 0;
    let mut all = Vec::new();
    loop {
        let page: PullResponse = c
            .get(s.ops_url())
            .query(&[("since", since)])
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap();
        let Some(last) = page.ops.last() else {
            return all;
        };
        since = last.seq;
        all.extend(page.ops);
    }
}

async fn acks(res: reqwest::Response) -> Vec<SeqOp> {
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<PushResponse>().await.unwrap().acks
}

async fn api_error(res: reqwest::Response, status: StatusCode) -> ApiError {
    assert_eq!(res.status(), status);
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(ct.starts_with("application/json"), "content type {ct:?}");
    res.json::<ApiError>().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_pull_round_trip() {
    let s = TestServer::start().await;
    let c = client();
    let health: Health = c
        .get(format!("{}{PATH_HEALTH}", s.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(health.ok);
    assert_eq!(health.head, 0);

    let me: Me = c
        .get(format!("{}{PATH_ME}", s.url))
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((me.user.as_str(), me.role), ("admin", Role::Admin));

    let ops: Vec<Op> = (0..3).map(|_| create_op("innkommet")).collect();
    let got = acks(push(&c, &s.url, &s.admin_token, &ops).await).await;
    assert_eq!(got.iter().map(|a| a.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    for (a, op) in got.iter().zip(&ops) {
        assert_eq!(a.op.op_id, op.op_id);
        assert_eq!(a.op.author, "admin");
        assert_eq!(a.op.payload, op.payload);
    }
    let pulled = pull_all(&s, &s.admin_token).await;
    assert_eq!(pulled, got);

    // since and limit page the log; head says how far it goes.
    let page: PullResponse = c
        .get(s.ops_url())
        .query(&[("since", "1"), ("limit", "1")])
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page.ops, got[1..2].to_vec());
    assert_eq!(page.head, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_limit_is_capped() {
    let s = TestServer::start().await;
    let c = client();
    let n = PULL_LIMIT_MAX + 10;
    let mut ops: Vec<Op> = (0..n).map(|_| create_op("innkommet")).collect();
    while !ops.is_empty() {
        let rest = ops.split_off(ops.len().min(PUSH_MAX_OPS));
        acks(push(&c, &s.url, &s.admin_token, &ops).await).await;
        ops = rest;
    }
    let page: PullResponse = c
        .get(s.ops_url())
        .query(&[("limit", "999999")])
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page.ops.len(), PULL_LIMIT_MAX);
    assert_eq!(page.head, n as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retried_push_returns_the_same_seq_and_stores_once() {
    let s = TestServer::start().await;
    let c = client();
    let a = create_op("innkommet");
    let b = create_op("innkommet");
    let first = acks(push(&c, &s.url, &s.admin_token, &[a.clone(), b.clone()]).await).await;
    // The same ops again, one of them twice in the batch, and a new one.
    let fresh = create_op("innkommet");
    let again = acks(
        push(
            &c,
            &s.url,
            &s.admin_token,
            &[b.clone(), a.clone(), fresh.clone(), a.clone()],
        )
        .await,
    )
    .await;
    assert_eq!(again[0], first[1]);
    assert_eq!(again[1], first[0]);
    assert_eq!(again[2].seq, 3);
    assert_eq!(again[3], first[0]);
    let all = pull_all(&s, &s.admin_token).await;
    assert_eq!(all.len(), 3);
    assert_eq!(
        all.iter().map(|o| o.op.op_id).collect::<Vec<_>>(),
        vec![a.op_id, b.op_id, fresh.op_id]
    );
    assert_eq!(s.store().verify_chain().await.unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_http_pushes_get_unique_gapless_seqs() {
    let s = TestServer::start().await;
    let tasks = 50;
    let per_task = 10;
    let mut handles = Vec::new();
    for t in 0..tasks {
        let url = s.url.clone();
        let token = s.admin_token.clone();
        handles.push(tokio::spawn(async move {
            let c = client();
            let mut seqs = Vec::new();
            for i in 0..per_task {
                // Batches of one to three ops.
                let ops: Vec<Op> = (0..1 + (t + i) % 3)
                    .map(|_| create_op("innkommet"))
                    .collect();
                let got = acks(push(&c, &url, &token, &ops).await).await;
                assert_eq!(got.len(), ops.len());
                seqs.extend(got.iter().map(|a| a.seq));
            }
            seqs
        }));
    }
    let mut seqs = Vec::new();
    for h in handles {
        seqs.extend(h.await.unwrap());
    }
    let n = seqs.len() as u64;
    let set: BTreeSet<u64> = seqs.into_iter().collect();
    assert_eq!(set.len() as u64, n, "every seq given once");
    assert_eq!(
        set,
        (1..=n).collect::<BTreeSet<_>>(),
        "seqs are 1..=N without a gap"
    );
    assert_eq!(pull_all(&s, &s.admin_token).await.len() as u64, n);
    assert_eq!(s.store().verify_chain().await.unwrap(), n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_subscriber_receives_a_pushed_op() {
    let s = TestServer::start().await;
    let viewer = s.add_user("Vera Viewer", Role::Viewer).await;
    let c = client();
    let res = c
        .get(s.events_url())
        .bearer_auth(&viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut events = SseReader::new(res);
    let op = create_op("innkommet");
    let got = acks(push(&c, &s.url, &s.admin_token, std::slice::from_ref(&op)).await).await;
    let ev = events
        .next_until(Instant::now() + DEADLINE)
        .await
        .expect("the pushed op arrives over SSE");
    assert_eq!(ev.event.as_deref(), Some(EVENT_OP));
    assert_eq!(ev.id.as_deref(), Some("1"));
    let seq_op: SeqOp = serde_json::from_str(&ev.data).unwrap();
    assert_eq!(seq_op, got[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_resume_with_last_event_id_misses_nothing() {
    let s = TestServer::start().await;
    let c = client();
    let first: Vec<Op> = (0..5).map(|_| create_op("innkommet")).collect();
    acks(push(&c, &s.url, &s.admin_token, &first).await).await;

    // since=0 replays the log; read three events, then hang up.
    let res = c
        .get(s.events_url())
        .query(&[("since", "0")])
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap();
    let mut events = SseReader::new(res);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let ev = events.next_until(Instant::now() + DEADLINE).await.unwrap();
        seen.push(ev.id.unwrap().parse::<u64>().unwrap());
    }
    drop(events);
    assert_eq!(seen, vec![1, 2, 3]);

    // While disconnected, more ops are stored.
    let later: Vec<Op> = (0..4).map(|_| create_op("innkommet")).collect();
    acks(push(&c, &s.url, &s.admin_token, &later).await).await;

    // Reconnect with Last-Event-ID (a stale ?since= too: the header wins).
    let res = c
        .get(s.events_url())
        .query(&[("since", "1")])
        .header("Last-Event-ID", "3")
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap();
    let mut events = SseReader::new(res);
    let live = create_op("innkommet");
    acks(push(&c, &s.url, &s.admin_token, std::slice::from_ref(&live)).await).await;
    for want in 4..=10u64 {
        let ev = events.next_until(Instant::now() + DEADLINE).await.unwrap();
        assert_eq!(ev.id, Some(want.to_string()));
        let seq_op: SeqOp = serde_json::from_str(&ev.data).unwrap();
        assert_eq!(seq_op.seq, want);
        if want == 10 {
            assert_eq!(seq_op.op.op_id, live.op_id);
        }
    }

    // A bad Last-Event-ID is a 400 with a JSON body.
    let res = c
        .get(s.events_url())
        .header("Last-Event-ID", "abc")
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap();
    api_error(res, StatusCode::BAD_REQUEST).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lagging_subscriber_still_gets_every_op_in_order() {
    // Room for two wake-ups only: a subscriber that is not read while 60 pushes land
    // lags behind the broadcast for certain.
    let s = TestServer::start_with(ServerConfig {
        events_capacity: 2,
        ..ServerConfig::default()
    })
    .await;
    let stream = styr::server::events::op_stream(s.state.clone(), None)
        .await
        .unwrap();
    let mut stream = Box::pin(stream);
    let c = client();
    // The stream has sent op 1 and waits for the next wake-up…
    let mut want = acks(push(&c, &s.url, &s.admin_token, &[create_op("innkommet")]).await).await;
    let first = tokio::time::timeout(DEADLINE, stream.next()).await.unwrap();
    assert_eq!(first.as_ref(), Some(&want[0]));
    // …and one over HTTP, read only after the pushes.
    let res = c
        .get(s.events_url())
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap();
    let mut http_events = SseReader::new(res);
    // …while 60 pushes land without it being read.
    for _ in 0..60 {
        let op = create_op("innkommet");
        want.extend(acks(push(&c, &s.url, &s.admin_token, &[op]).await).await);
    }
    let mut got = first.into_iter().collect::<Vec<_>>();
    while got.len() < want.len() {
        let next = tokio::time::timeout(DEADLINE, stream.next()).await.unwrap();
        got.push(next.expect("the stream goes on"));
    }
    assert_eq!(got, want);
    assert!(s.state.lagged_count() >= 1, "the subscriber did lag");
    for w in &want[1..] {
        let ev = http_events
            .next_until(Instant::now() + DEADLINE)
            .await
            .unwrap();
        assert_eq!(serde_json::from_str::<SeqOp>(&ev.data).unwrap(), *w);
    }
}

/// The payloads of every op kind and the least role for each, written out by hand.
fn op_kinds() -> Vec<(&'static str, Payload, Role)> {
    let item = ItemId::new();
    let st = StageKey::new;
    vec![
        (
            "create in innkommet",
            Payload::CreateItem {
                item,
                stage: st("innkommet"),
                fields: vec![],
            },
            Role::Member,
        ),
        (
            "create in vurdering",
            Payload::CreateItem {
                item,
                stage: st("vurdering"),
                fields: vec![],
            },
            Role::Secretary,
        ),
        (
            "create in gjennomforing",
            Payload::CreateItem {
                item,
                stage: st("gjennomforing"),
                fields: vec![],
            },
            Role::Chair,
        ),
        (
            "edit",
            Payload::EditItem {
                item,
                changes: vec![],
            },
            Role::Member,
        ),
        (
            "move to prioritert",
            Payload::MoveItem {
                item,
                to: st("prioritert"),
            },
            Role::Secretary,
        ),
        (
            "move to parkert",
            Payload::MoveItem {
                item,
                to: st("parkert"),
            },
            Role::Secretary,
        ),
        (
            "move to gjennomforing",
            Payload::MoveItem {
                item,
                to: st("gjennomforing"),
            },
            Role::Chair,
        ),
        ("delete", Payload::DeleteItem { item }, Role::Secretary),
        ("restore", Payload::RestoreItem { item }, Role::Secretary),
        (
            "bulk move to avvist",
            Payload::MoveItems {
                items: vec![item],
                to: st("avvist"),
                reason: Some("Dekkes av en nasjonal løsning".into()),
            },
            Role::Secretary,
        ),
        (
            "bulk move to gjennomforing",
            Payload::MoveItems {
                items: vec![item],
                to: st("gjennomforing"),
                reason: None,
            },
            Role::Chair,
        ),
        (
            "withdraw a score",
            Payload::ScoreItem {
                item,
                set: "prosjektportalen".into(),
                scores: None,
            },
            Role::Member,
        ),
        (
            "schedule a meeting",
            Payload::Meeting {
                change: Box::new(common::meeting::schedule(
                    styr::model::meeting::MeetingId::new(),
                    "2026-11-26 10:00",
                )),
            },
            Role::Secretary,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_against_every_op_kind_over_http() {
    let s = TestServer::start().await;
    let c = client();
    let mut tokens = Vec::new();
    for role in Role::ALL {
        tokens.push((role, s.add_user(&format!("user-{role}"), role).await));
    }
    for (name, payload, least) in op_kinds() {
        for (role, token) in &tokens {
            let op = Op::new("forged", now_ms(), payload.clone());
            // The op in second place: the whole batch is refused, op_index says which.
            let ok_op = create_op("innkommet");
            let batch = [ok_op.clone(), op.clone()];
            let res = push(&c, &s.url, token, &batch).await;
            if *role >= least {
                let got = acks(res).await;
                assert_eq!(got.len(), 2, "{role} doing {name}");
                assert_eq!(got[1].op.author, format!("user-{role}"));
            } else {
                let status = if *role == Role::Viewer {
                    // Viewers may not even create in the first stage: op 0 is refused.
                    0
                } else {
                    1
                };
                let e = api_error(res, StatusCode::FORBIDDEN).await;
                assert_eq!(e.error.code, "forbidden", "{role} doing {name}");
                assert_eq!(e.error.op_index, Some(status), "{role} doing {name}");
                // Nothing of the batch was stored.
                let page: PullResponse = c
                    .get(s.ops_url())
                    .query(&[("since", "0"), ("limit", "5000")])
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert!(
                    page.ops.iter().all(|o| o.op.op_id != ok_op.op_id),
                    "{role} doing {name}: part of a refused batch was stored"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_missing_invalid_or_revoked_get_401_and_viewers_read() {
    let s = TestServer::start().await;
    let c = client();
    let op = create_op("innkommet");
    acks(push(&c, &s.url, &s.admin_token, &[op]).await).await;

    // No token.
    let res = c.get(s.ops_url()).send().await.unwrap();
    assert_eq!(
        api_error(res, StatusCode::UNAUTHORIZED).await.error.code,
        "unauthorized"
    );
    let res = c
        .post(s.ops_url())
        .json(&serde_json::json!({"ops": []}))
        .send()
        .await
        .unwrap();
    api_error(res, StatusCode::UNAUTHORIZED).await;
    let res = c.get(s.events_url()).send().await.unwrap();
    api_error(res, StatusCode::UNAUTHORIZED).await;
    // Not a bearer token, and a wrong one.
    let res = c
        .get(s.ops_url())
        .header("Authorization", "Basic YWRtaW46YWRtaW4=")
        .send()
        .await
        .unwrap();
    api_error(res, StatusCode::UNAUTHORIZED).await;
    let wrong = format!("styr_{}", "0".repeat(64));
    let res = c.get(s.ops_url()).bearer_auth(&wrong).send().await.unwrap();
    api_error(res, StatusCode::UNAUTHORIZED).await;

    // A viewer reads, and cannot write.
    let viewer = s.add_user("Vera", Role::Viewer).await;
    assert_eq!(pull_all(&s, &viewer).await.len(), 1);
    let res = push(&c, &s.url, &viewer, &[create_op("innkommet")]).await;
    api_error(res, StatusCode::FORBIDDEN).await;

    // Revoked: 401 at once, also for reading.
    let member = s.add_user("Mona", Role::Member).await;
    acks(push(&c, &s.url, &member, &[create_op("innkommet")]).await).await;
    s.store()
        .revoke_user("Mona".into(), now_ms())
        .await
        .unwrap();
    let res = push(&c, &s.url, &member, &[create_op("innkommet")]).await;
    let e = api_error(res, StatusCode::UNAUTHORIZED).await;
    assert!(e.error.message.contains("revoked"), "{}", e.error.message);
    let res = c
        .get(s.ops_url())
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    api_error(res, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_author_is_replaced_by_the_tokens_user() {
    let s = TestServer::start().await;
    let c = client();
    let member = s.add_user("Bestiller Åfjord", Role::Member).await;
    let mut op = create_op("innkommet");
    op.author = "admin".into();
    let got = acks(push(&c, &s.url, &member, &[op]).await).await;
    assert_eq!(got[0].op.author, "Bestiller Åfjord");
    let stored = pull_all(&s, &member).await;
    assert_eq!(stored[0].op.author, "Bestiller Åfjord");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_get_json_errors_and_the_server_goes_on() {
    let s = TestServer::start().await;
    let c = client();
    let good = serde_json::to_string(&styr::protocol::PushRequest {
        ops: vec![create_op("innkommet")],
    })
    .unwrap();
    let mut v2: serde_json::Value = serde_json::from_str(&good).unwrap();
    v2["ops"][0]["v"] = 2.into();
    let mut no_v = v2.clone();
    no_v["ops"][0].as_object_mut().unwrap().remove("v");
    let mut wrong_type = v2.clone();
    wrong_type["ops"][0]["v"] = 1.into();
    wrong_type["ops"][0]["at"] = "yesterday".into();
    let too_many = serde_json::json!({
        "ops": (0..PUSH_MAX_OPS + 1).map(|_| serde_json::to_value(create_op("innkommet")).unwrap()).collect::<Vec<_>>()
    });
    let huge = format!(
        "{{\"ops\": [{}]}}",
        "\"x\",".repeat(BODY_LIMIT_BYTES / 4) + "\"x\""
    );
    let cases: Vec<(&str, String, StatusCode, &str)> = vec![
        (
            "truncated",
            good[..good.len() / 2].to_string(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "not json",
            "hello".into(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "empty body",
            String::new(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "ops not a list",
            r#"{"ops": {"a": 1}}"#.into(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "empty batch",
            r#"{"ops": []}"#.into(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "unknown version",
            v2.to_string(),
            StatusCode::BAD_REQUEST,
            "unsupported_version",
        ),
        (
            "missing version",
            no_v.to_string(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "wrong types",
            wrong_type.to_string(),
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "too many ops",
            too_many.to_string(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "huge body",
            huge,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
    ];
    for (name, body, status, code) in cases {
        let res = c
            .post(s.ops_url())
            .bearer_auth(&s.admin_token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(res.status(), status, "{name}");
        let e = api_error(res, status).await;
        assert_eq!(e.error.code, code, "{name}: {}", e.error.message);
        assert!(!e.error.message.is_empty());
        if name == "unknown version" {
            assert_eq!(e.error.op_index, Some(0));
            assert!(e.error.message.contains("version 2"), "{}", e.error.message);
        }
        // And the next request is served.
        let got = acks(push(&c, &s.url, &s.admin_token, &[create_op("innkommet")]).await).await;
        assert_eq!(got.len(), 1, "after {name}");
    }
    // A huge body without Content-Length (chunked) is cut off too.
    let chunks = futures_util::stream::iter(
        (0..(BODY_LIMIT_BYTES / 65536 + 2)).map(|_| Ok::<_, std::io::Error>(vec![b' '; 65536])),
    );
    let res = c
        .post(s.ops_url())
        .bearer_auth(&s.admin_token)
        .body(reqwest::Body::wrap_stream(chunks))
        .send()
        .await
        .unwrap();
    assert_eq!(
        api_error(res, StatusCode::PAYLOAD_TOO_LARGE)
            .await
            .error
            .code,
        "too_large"
    );
    // Unknown paths and methods are JSON errors too.
    let res = c
        .get(format!("{}/api/v1/nothing", s.url))
        .send()
        .await
        .unwrap();
    api_error(res, StatusCode::NOT_FOUND).await;
    let res = c
        .delete(s.ops_url())
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap();
    api_error(res, StatusCode::METHOD_NOT_ALLOWED).await;
    let res = c
        .get(s.ops_url())
        .query(&[("since", "minus one")])
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap();
    api_error(res, StatusCode::BAD_REQUEST).await;
    let health = c
        .get(format!("{}{PATH_HEALTH}", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

/// A pull of the op log with `token`, as the login guard sees it.
async fn get_ops(c: &reqwest::Client, s: &TestServer, token: &str) -> reqwest::Response {
    c.get(s.ops_url()).bearer_auth(token).send().await.unwrap()
}

/// The seconds a 429 asks the client to wait.
fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_slowed_down() {
    let s = TestServer::start_with(ServerConfig {
        login_limits: LoginLimits {
            free_failures: 3,
            window: Duration::from_secs(60),
            base_wait: Duration::from_secs(1),
            max_wait: Duration::from_secs(60),
        },
        ..ServerConfig::default()
    })
    .await;
    let c = client();
    let guess = |i: usize| format!("styr_{i:064x}");
    for i in 0..3 {
        let res = get_ops(&c, &s, &guess(i)).await;
        api_error(res, StatusCode::UNAUTHORIZED).await;
    }
    // The fourth failure sets a wait; from then on every try is 429 with Retry-After,
    // the right token too.
    let res = get_ops(&c, &s, &guess(3)).await;
    api_error(res, StatusCode::UNAUTHORIZED).await;
    let res = get_ops(&c, &s, &guess(4)).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry = retry_after(&res);
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let e = api_error(res, StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(e.error.code, "too_many_requests");
    let res = get_ops(&c, &s, &s.admin_token).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    // Health needs no token and is never slowed.
    let res = c
        .get(format!("{}{PATH_HEALTH}", s.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // After the wait the right token works again.
    let url = s.ops_url();
    let token = s.admin_token.clone();
    wait_for("the wait to end", || {
        let c = c.clone();
        let url = url.clone();
        let token = token.clone();
        async move {
            c.get(&url)
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .status()
                == StatusCode::OK
        }
    })
    .await;
    // The next failure waits longer (2 s): still blocked right after it.
    let res = get_ops(&c, &s, &guess(5)).await;
    api_error(res, StatusCode::UNAUTHORIZED).await;
    let res = get_ops(&c, &s, &guess(6)).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry = retry_after(&res);
    assert!(retry >= 2, "the wait grows: {retry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_round_trip() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let der = cert.cert.der().clone();
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let tls = styr::server::tls::config_from(vec![der.clone()], key).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let store: std::sync::Arc<dyn styr::server::ServerStore> =
        std::sync::Arc::new(styr::server::SqliteStore::open(&dir.path().join("s.db")).unwrap());
    let admin = styr::server::users::ensure_admin(&*store, now_ms())
        .await
        .unwrap()
        .unwrap()
        .token;
    let state = styr::server::AppState::new(store, ServerConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(styr::server::serve_tls(listener, tls, state, async move {
        let _ = stopped.await;
    }));

    let c = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_der(&der).unwrap())
        .resolve("localhost", ([127, 0, 0, 1], port).into())
        .build()
        .unwrap();
    let url = format!("https://localhost:{port}");
    let got = acks(push(&c, &url, &admin, &[create_op("innkommet")]).await).await;
    assert_eq!(got[0].seq, 1);
    // A plain-HTTP request to the TLS port gets nowhere, and the server goes on.
    let plain = client()
        .get(format!("http://127.0.0.1:{port}{PATH_HEALTH}"))
        .send()
        .await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
    let health: Health = c
        .get(format!("{url}{PATH_HEALTH}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health.head, 1);
    let _ = stop.send(());
    tokio::time::timeout(DEADLINE, task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_ends_open_event_streams() {
    let s = TestServer::start().await;
    let c = client();
    let res = c
        .get(s.events_url())
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap();
    let mut events = SseReader::new(res);
    let (_dir, _db) = s.shutdown().await;
    assert!(events.next_until(Instant::now() + DEADLINE).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_under_concurrent_pushes_delivers_every_op_once_in_seq_order() {
    // Pushes committed together may be announced out of order; the stream must still
    // send 1, 2, 3, … with nothing skipped or repeated.
    let s = TestServer::start().await;
    let c = client();
    let res = c
        .get(s.events_url())
        .bearer_auth(&s.admin_token)
        .send()
        .await
        .unwrap();
    let mut events = SseReader::new(res);
    let mut handles = Vec::new();
    for t in 0..20usize {
        let (url, token) = (s.url.clone(), s.admin_token.clone());
        handles.push(tokio::spawn(async move {
            let c = client();
            for i in 0..10usize {
                let ops: Vec<Op> = (0..1 + (t + i) % 3)
                    .map(|_| create_op("innkommet"))
                    .collect();
                acks(push(&c, &url, &token, &ops).await).await;
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    let head = s.store().head().await.unwrap();
    for want in 1..=head {
        let ev = events.next_until(Instant::now() + DEADLINE).await.unwrap();
        assert_eq!(ev.id, Some(want.to_string()));
    }
    let extra = events
        .next_until(Instant::now() + Duration::from_millis(200))
        .await;
    assert_eq!(extra, None, "nothing after the head");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_streams_are_limited_per_user_and_freed_when_closed() {
    let s = TestServer::start_with(ServerConfig {
        streams_per_user: 3,
        ..ServerConfig::default()
    })
    .await;
    let a = s.add_user("radgiver-a", Role::Member).await;
    let b = s.add_user("radgiver-b", Role::Member).await;
    let c = client();
    let open = |token: String| {
        let c = c.clone();
        let url = s.events_url();
        async move { c.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let mut streams = Vec::new();
    for _ in 0..3 {
        let res = open(a.clone()).await;
        assert_eq!(res.status(), StatusCode::OK);
        streams.push(res);
    }
    assert_eq!(s.state.open_streams("radgiver-a"), 3);
    // The fourth is refused plainly, with when to try again.
    let res = open(a.clone()).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_streams", "{body}");
    // Another user is not held back by it.
    let other = open(b.clone()).await;
    assert_eq!(other.status(), StatusCode::OK);
    // A closed stream is counted closed once the server notices (at its next event).
    drop(streams.pop());
    let pushed = push(&c, &s.url, &a, &[create_op("innkommet")]).await;
    assert!(pushed.status().is_success());
    wait_for("the closed stream to be let go", || {
        let n = s.state.open_streams("radgiver-a");
        async move { n < 3 }
    })
    .await;
    assert_eq!(open(a.clone()).await.status(), StatusCode::OK);
}
