//! The minutes' status against a real `styr serve`: only a secretary or the chair moves
//! them on (a member is refused, by the `styr meeting` commands and on the wire), they
//! only move forward, and once approved and frozen the meeting takes no change but a
//! correction, which the decision log links to what it corrects.

mod common;

use common::meeting::{add_case, decide, meeting_op};
use common::server::{client, push};
use common::styr_cli::{add_user, first_start, login, run, text};
use reqwest::StatusCode;
use std::path::Path;
use styr::model::meeting::{
    Attendee, CaseDetails, CaseId, MeetingChange, Meetings, MinutesStatus, Presence, Reached,
};
use styr::protocol::{ApiError, PushResponse, Reason};

/// Runs `styr` for the person whose home is `home`; returns (success, stdout, stderr).
fn styr(home: &Path, args: &[&str]) -> (bool, String, String) {
    let out = run(home, args);
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

async fn meetings(c: &reqwest::Client, url: &str, token: &str) -> Meetings {
    let log = common::server::pull_all(c, url, token).await;
    Meetings::fold(log.iter().map(|o| &o.op))
}

/// Pushes one meeting change; the refusal's rule when it is refused with 409.
async fn refusal(
    c: &reqwest::Client,
    url: &str,
    token: &str,
    change: MeetingChange,
) -> Option<Reason> {
    let res = push(c, url, token, &[meeting_op("x", change)]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    res.json::<ApiError>()
        .await
        .expect("an error body")
        .error
        .reason
}

async fn stored(c: &reqwest::Client, url: &str, token: &str, change: MeetingChange) {
    let res = push(c, url, token, &[meeting_op("x", change)]).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    res.json::<PushResponse>().await.expect("acks");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frozen_minutes_take_only_corrections_and_members_cannot_move_them() {
    let root = tempfile::tempdir().expect("tempdir");
    let homes: Vec<_> = ["server", "sekretaer", "medlem", "leder"]
        .iter()
        .map(|n| {
            let h = root.path().join(n);
            std::fs::create_dir_all(&h).expect("home");
            h
        })
        .collect();
    let [server_home, sec_home, member_home, chair_home] = &homes[..] else {
        unreachable!()
    };
    let db = server_home.join("styr.db");
    let (server, url, _admin) = first_start(server_home, &db);
    let secretary = add_user(server_home, &db, &url, "sekretaer", "secretary");
    let member = add_user(server_home, &db, &url, "medlem-a", "member");
    let chair = add_user(server_home, &db, &url, "leder", "chair");
    login(sec_home, &url, &secretary);
    login(member_home, &url, &member);
    login(chair_home, &url, &chair);
    let c = client();

    let (ok, short, err) = styr(
        sec_home,
        &[
            "meeting",
            "new",
            "--body",
            "Bestillerutvalget",
            "--at",
            "2026-11-26 10:00",
            "--present",
            "leder:Åfjord,medlem-a:Indre Fosen",
        ],
    );
    assert!(ok, "{err}");
    let short = short.lines().next().unwrap_or_default().trim().to_string();
    let (ok, _, err) = styr(
        sec_home,
        &[
            "meeting",
            "case",
            &short,
            "--title",
            "Felles sak- og arkivsystem",
        ],
    );
    assert!(ok, "{err}");
    let m = meetings(&c, &url, &secretary).await;
    let meeting = m.meetings()[0].id;
    let case = m.agenda(&meeting)[0].id;
    let recorded = decide(
        case,
        "Felles arkiv",
        "Saken prioriteres.",
        Reached::Unanimous,
    );
    let MeetingChange::Decide { decision } = &recorded else {
        unreachable!()
    };
    let first = decision.id;
    stored(&c, &url, &secretary, recorded.clone()).await;

    // A member sees the meeting but may neither approve nor freeze its minutes.
    let (ok, out, err) = styr(member_home, &["meeting", "list"]);
    assert!(ok && out.contains(&short), "{out}{err}");
    for command in ["approve", "freeze"] {
        let (ok, out, err) = styr(member_home, &["meeting", command, &short]);
        assert!(!ok, "a member's {command}: {out}{err}");
        assert!(
            err.contains("Rollen din (medlem)"),
            "the refusal in the user's language: {err}"
        );
    }
    let res = push(
        &c,
        &url,
        &member,
        &[meeting_op(
            "x",
            MeetingChange::Minutes {
                meeting,
                status: MinutesStatus::Frozen,
            },
        )],
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "on the wire too");
    let m = meetings(&c, &url, &secretary).await;
    assert_eq!(m.meeting(&meeting).unwrap().minutes, MinutesStatus::Draft);

    // The chair approves, the secretary freezes; neither goes back.
    let (ok, _, err) = styr(chair_home, &["meeting", "list"]);
    assert!(ok, "{err}");
    let (ok, _, err) = styr(chair_home, &["meeting", "approve", &short]);
    assert!(ok, "{err}");
    let (ok, _, err) = styr(sec_home, &["meeting", "freeze", &short]);
    assert!(ok, "{err}");
    let (ok, _, err) = styr(sec_home, &["meeting", "list"]);
    assert!(ok, "{err}");
    let (ok, _, _) = styr(sec_home, &["meeting", "approve", &short]);
    assert!(!ok, "the minutes only move forward");
    let m = meetings(&c, &url, &secretary).await;
    assert_eq!(m.meeting(&meeting).unwrap().minutes, MinutesStatus::Frozen);

    // Frozen: the commands refuse changes, and so does the server when asked directly.
    let (ok, _, err) = styr(
        sec_home,
        &["meeting", "case", &short, "--title", "For sent"],
    );
    assert!(!ok && err.contains("godkjent"), "{err}");
    let (ok, _, err) = styr(
        sec_home,
        &["meeting", "attend", &short, "--present", "leder:Åfjord"],
    );
    assert!(!ok && err.contains("godkjent"), "{err}");
    let locked = [
        add_case(meeting, CaseId::new(), "For sent"),
        MeetingChange::EditCase {
            case,
            details: CaseDetails {
                title: "Et annet navn".into(),
                ..Default::default()
            },
        },
        MeetingChange::Postpone {
            case,
            postponed: true,
        },
        MeetingChange::Attendance {
            meeting,
            attendees: vec![Attendee {
                name: "leder".into(),
                org: "Åfjord".into(),
                presence: Presence::Present,
            }],
        },
        MeetingChange::Reorder {
            meeting,
            order: vec![case],
        },
        decide(case, "Nytt vedtak", "Noe annet.", Reached::Unanimous),
    ];
    for change in locked {
        assert_eq!(
            refusal(&c, &url, &secretary, change.clone()).await,
            Some(Reason::MinutesLocked),
            "{change:?}"
        );
    }
    for status in [MinutesStatus::Approved, MinutesStatus::Frozen] {
        assert_eq!(
            refusal(
                &c,
                &url,
                &secretary,
                MeetingChange::Minutes { meeting, status }
            )
            .await,
            Some(Reason::MinutesBackwards)
        );
    }
    // A correction is a new entry linked to the one it corrects: that still goes in,
    // and the decision it corrects stays as it was.
    let mut correction = decide(
        case,
        "Felles arkiv",
        "Saken prioriteres for 2027.",
        Reached::Unanimous,
    );
    if let MeetingChange::Decide { decision } = &mut correction {
        decision.corrects = Some(first);
    }
    stored(&c, &url, &secretary, correction).await;
    let m = meetings(&c, &url, &secretary).await;
    let log = m.decisions_of(&case);
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].text, "Saken prioriteres.");
    assert_eq!(log[1].corrects, Some(first));
    assert_eq!(
        styr::model::meeting::verify_chain(m.decisions()),
        Ok(2),
        "the chain holds"
    );
    server.stop();
}
