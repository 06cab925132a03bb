//! What the server writes to its log, at the most talkative level: never a token (good,
//! wrong or revoked), and never the text of a decision exempt from public access, while
//! requests, logins and pushes carrying them go through.

mod common;

use common::meeting::{add_case, decision, meeting_op, schedule};
use common::server::{client, push, wait_for};
use common::styr_cli::{add_user, login_line, Server};
use styr::model::meeting::{CaseId, DecisionId, MeetingChange, MeetingId, Reached};
use styr::protocol::{PATH_EVENTS, PATH_ME, PATH_OPS};

const SECRET: &str = "HEMMELIG-VEDTAKSTEKST-7731";
const SECRET_TITLE: &str = "Personalsak i Osen";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_and_exempt_texts_never_reach_the_log() {
    let home = tempfile::tempdir().expect("tempdir");
    let db = home.path().join("styr.db");
    let mut server =
        Server::start_with_env(home.path(), &db, "127.0.0.1:0", &[("RUST_LOG", "trace")]);
    let line = server.wait_line("styr login http://127.0.0.1:");
    let (url, admin) = login_line(&line);
    let secretary = add_user(home.path(), &db, &url, "sekretaer", "secretary");
    let c = client();

    // A good token, a wrong one, and requests of every kind.
    let me = c
        .get(format!("{url}{PATH_ME}"))
        .bearer_auth(&secretary)
        .send()
        .await
        .expect("me");
    assert!(me.status().is_success());
    let wrong = "styr_feil_0123456789abcdef0123456789";
    let refused = c
        .get(format!("{url}{PATH_ME}"))
        .bearer_auth(wrong)
        .send()
        .await
        .expect("me");
    assert_eq!(refused.status(), reqwest::StatusCode::UNAUTHORIZED);
    let events = c
        .get(format!("{url}{PATH_EVENTS}"))
        .bearer_auth(&secretary)
        .send()
        .await
        .expect("events");
    assert!(events.status().is_success());

    // An exempt decision, pushed and pulled.
    let meeting = MeetingId::new();
    let case = CaseId::new();
    let mut exempt = decision(
        DecisionId::new(),
        case,
        SECRET_TITLE,
        SECRET,
        Reached::Unanimous,
    );
    exempt.exempt = Some("offl. § 13".into());
    let ops = vec![
        meeting_op("sekretaer", schedule(meeting, "2026-11-26 10:00")),
        meeting_op("sekretaer", add_case(meeting, case, SECRET_TITLE)),
        meeting_op(
            "sekretaer",
            MeetingChange::Decide {
                decision: Box::new(exempt),
            },
        ),
    ];
    let pushed = push(&c, &url, &secretary, &ops).await;
    assert!(pushed.status().is_success(), "{}", pushed.status());
    let pulled = c
        .get(format!("{url}{PATH_OPS}?since=0"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("pull")
        .text()
        .await
        .expect("a body");
    assert!(
        pulled.contains(SECRET),
        "the pull itself carries it to members"
    );
    drop(events);

    // The requests were logged (the level is the most talkative) ...
    wait_for("the log to show the requests", || {
        let out = server.output();
        async move { out.contains(PATH_OPS) && out.contains(PATH_ME) }
    })
    .await;
    // Standard output shows the first admin's token once, on purpose, to the person
    // starting the server; the log is standard error.
    let log = server.log.lock().expect("log").join("\n");
    assert!(log.contains("listening on"), "{log}");
    // ... but no token, and nothing of the exempt decision.
    for (what, secret) in [
        ("the admin's token", admin.as_str()),
        ("the secretary's token", secretary.as_str()),
        ("a wrong token", wrong),
        ("the exempt decision's text", SECRET),
        ("the exempt case's title", SECRET_TITLE),
    ] {
        assert!(!log.contains(secret), "{what} is in the log:\n{log}");
    }
    // A token is not even partly there (its random part, after the prefix).
    let tail = &secretary[secretary.len().saturating_sub(16)..];
    assert!(!log.contains(tail), "part of a token is in the log");
    server.stop();
}
