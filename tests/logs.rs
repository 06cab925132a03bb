//! What the server writes to its log, at the most talkative level: never a token (good,
//! wrong or revoked), never the text of a decision exempt from public access, and never
//! a ballot's content or a tally of an open round, while requests, logins, pushes and
//! ballots carrying them go through.

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

const SECRET_COMMENT: &str = "BEGRUNNELSE-SOM-ER-HEMMELIG-4417";

/// While a round is open the server's log, at its most talkative, holds no ballot's
/// content (not even of a refused one) and no tally: only that requests were made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_rounds_ballots_and_tally_never_reach_the_log() {
    use common::meeting::{attendance, close_round, open_round, scoring_rules};
    use styr::model::meeting::RoundId;
    use styr::model::vote::{Choice, Scores};
    use styr::protocol::{ballots_path, round_path, BallotRequest};

    let home = tempfile::tempdir().expect("tempdir");
    let db = home.path().join("styr.db");
    let mut server =
        Server::start_with_env(home.path(), &db, "127.0.0.1:0", &[("RUST_LOG", "trace")]);
    let line = server.wait_line("styr login http://127.0.0.1:");
    let (url, _admin) = login_line(&line);
    let secretary = add_user(home.path(), &db, &url, "sekretaer", "secretary");
    let chair = add_user(home.path(), &db, &url, "leder", "chair");
    let member = add_user(home.path(), &db, &url, "medlem-a", "member");
    let c = client();

    let meeting = MeetingId::new();
    let case = CaseId::new();
    let round = RoundId::new();
    let setup = vec![
        meeting_op("x", schedule(meeting, "2026-11-26 10:00")),
        meeting_op("x", attendance(meeting, &["leder", "medlem-a"], &[])),
        meeting_op("x", add_case(meeting, case, "Felles sak- og arkivsystem")),
    ];
    assert!(push(&c, &url, &secretary, &setup)
        .await
        .status()
        .is_success());
    let open = [meeting_op(
        "x",
        open_round(round, case, scoring_rules(2), false),
    )];
    assert!(push(&c, &url, &chair, &open).await.status().is_success());

    let cast = |token: &str, marks: Vec<u8>, adjustment: i8| {
        c.post(format!("{url}{}", ballots_path(&round)))
            .bearer_auth(token)
            .json(&BallotRequest {
                choice: Choice::Scores {
                    per_option: vec![Scores {
                        criteria: marks,
                        adjustment,
                        comment: SECRET_COMMENT.into(),
                    }],
                },
                on_behalf_of: None,
            })
            .send()
    };
    // Marks that add up to an unusual total, a refused ballot (the adjustment is out of
    // range), and the chair's ballot.
    let refused = cast(&member, vec![5, 4, 3, 2, 1], 9).await.expect("cast");
    assert_eq!(refused.status(), reqwest::StatusCode::CONFLICT);
    for token in [&member, &chair] {
        let res = cast(token, vec![5, 4, 3, 2, 1], -3).await.expect("cast");
        assert!(res.status().is_success(), "{}", res.status());
    }
    let count = c
        .get(format!("{url}{}", round_path(&round)))
        .bearer_auth(&member)
        .send()
        .await
        .expect("count");
    assert!(count.status().is_success());

    wait_for("the log to show the ballots", || {
        let log = server.log.lock().expect("log").join("\n");
        async move { log.matches("/ballots").count() >= 3 && log.contains(&round.to_string()) }
    })
    .await;
    let log = server.log.lock().expect("log").join("\n");
    for (what, secret) in [
        ("a ballot's comment", SECRET_COMMENT),
        ("a ballot's marks", "[5,4,3,2,1]"),
        ("a refused ballot's content", "adjustment"),
        ("a tally", "totals"),
        ("a tally's points", "points"),
        ("a priority class", "could_have"),
        ("another priority class", "will_not_have"),
    ] {
        assert!(!log.contains(secret), "{what} is in the log:\n{log}");
    }

    // The close publishes the result to the clients, and the log still says nothing of it.
    let pushes_before = log.matches(PATH_OPS).count();
    let close = [meeting_op("x", close_round(round))];
    let closed = push(&c, &url, &chair, &close).await;
    assert!(closed.status().is_success());
    let text = closed.text().await.expect("a body");
    assert!(text.contains("totals"), "{text}");
    wait_for("the log to show the close", || {
        let log = server.log.lock().expect("log").join("\n");
        async move { log.matches(PATH_OPS).count() > pushes_before }
    })
    .await;
    let log = server.log.lock().expect("log").join("\n");
    assert!(
        !log.contains(SECRET_COMMENT) && !log.contains("totals"),
        "{log}"
    );
    server.stop();
}
