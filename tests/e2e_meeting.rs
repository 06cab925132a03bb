//! A meeting end to end, as the people in the room do it: a real `styr serve` child on
//! loopback and four real `styr` boards in pseudo-terminals (the chair, two members and
//! the secretary). The chair opens a dot vote, the members vote, a half-filled ballot
//! survives a remote update, the chair closes, every screen shows the same result, and
//! the secretary records the decision from the form the result filled in.

mod common;

use common::meeting::{add_case, attendance, meeting_op, schedule};
use common::pty::Pty;
use common::styr_cli::*;
use styr::model::meeting::{CaseDetails, CaseId, MeetingChange, MeetingId, Meetings};
use styr::model::{FieldValue, ItemId, Op, Payload, StageKey};
use styr::protocol::PullResponse;

const ITEMS: [&str; 3] = ["Felles arkivløsning", "Velferdsteknologi", "Skoleplattform"];

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(f)
}

/// The three items, and a meeting with one case about them, pushed over HTTP.
fn seed(url: &str, admin: &str, secretary: &str) {
    let items: Vec<ItemId> = ITEMS.iter().map(|_| ItemId::new()).collect();
    let creates: Vec<Op> = ITEMS
        .iter()
        .zip(&items)
        .map(|(title, id)| {
            Op::new(
                "x",
                1_700_000_000_000,
                Payload::CreateItem {
                    item: *id,
                    stage: StageKey::new("vurdering"),
                    fields: vec![FieldValue::Title(title.to_string())],
                },
            )
        })
        .collect();
    let meeting = MeetingId::new();
    let case = CaseId::new();
    let MeetingChange::AddCase { details, .. } = add_case(meeting, case, "Prioritering 2027")
    else {
        unreachable!()
    };
    let setup = vec![
        meeting_op("x", schedule(meeting, "2026-11-26 10:00")),
        meeting_op(
            "x",
            attendance(meeting, &["leder", "medlem-b", "medlem-c"], &[]),
        ),
        meeting_op(
            "x",
            MeetingChange::AddCase {
                meeting,
                case,
                details: CaseDetails { items, ..details },
                number: None,
            },
        ),
    ];
    block_on(async {
        let c = common::server::client();
        for (token, ops) in [(admin, creates), (secretary, setup)] {
            let res = common::server::push(&c, url, token, &ops).await;
            assert!(res.status().is_success(), "{}", res.text().await.unwrap());
        }
    });
}

fn decisions(url: &str, token: &str) -> Meetings {
    block_on(async {
        let page: PullResponse = common::server::client()
            .get(format!("{url}/api/v1/ops"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Meetings::fold(page.ops.iter().map(|o| &o.op))
    })
}

/// The vote panel's result lines, as one screen shows them.
fn result_of(p: &Pty) -> Vec<String> {
    let rows = p.rows();
    let start = rows
        .iter()
        .position(|r| r.contains("Resultat"))
        .expect("a result on screen");
    rows[start..start + 6]
        .iter()
        .map(|r| {
            // The right-hand panel only: the result is the same, the rest differs.
            let cut = r.char_indices().nth(54).map_or(r.len(), |(i, _)| i);
            r[cut..].trim().to_string()
        })
        .collect()
}

#[test]
fn a_dot_vote_from_opening_to_the_recorded_decision() {
    let server_home = tempfile::tempdir().expect("tempdir");
    let db = server_home.path().join("styr.db");
    let (_server, url, admin) = first_start(server_home.path(), &db);
    let homes: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let users = [
        ("leder", "chair"),
        ("medlem-b", "member"),
        ("medlem-c", "member"),
        ("sekretaer", "secretary"),
    ];
    let mut tokens = Vec::new();
    for ((name, role), home) in users.iter().zip(&homes) {
        let token = add_user(server_home.path(), &db, &url, name, role);
        login(home.path(), &url, &token);
        tokens.push(token);
    }
    seed(&url, &admin, &tokens[3]);

    let mut screens: Vec<Pty> = homes.iter().map(|h| board(h.path())).collect();
    for p in &mut screens {
        p.wait_for(&["Vurdering (3)", "● tilkoblet"]);
        p.send("M");
        p.wait_for(&["01/26", "Prioritering 2027", "Ingen votering"]);
    }
    let [a, b, c, d] = &mut screens[..] else {
        unreachable!()
    };

    // The chair opens a dot vote over the case's three items.
    a.send("p");
    for p in [&*a, &*b, &*c] {
        p.wait_for(&["Åpen · anonym", "0 av 3 har stemt"]);
    }
    // B starts filling in: two dots on the first item, not sent yet.
    b.send("\t++");
    b.wait_for(&["●●", "endret, ikke sendt", "3 prikker igjen"]);
    // C votes meanwhile: three dots on the second item.
    c.send("\tj+++\r");
    c.wait_for(&["✓ Stemmen er levert"]);
    // B's screen takes the count from C's ballot, and B's half-filled ballot is still there.
    b.wait_for(&["1 av 3 har stemt", "●●", "endret, ikke sendt"]);
    b.send("\r");
    b.wait_for(&["✓ Stemmen er levert", "2 av 3 har stemt"]);
    a.wait_for(&["2 av 3 har stemt"]);
    let before_close = a.screen();
    assert!(
        !before_close.contains("Resultat") && !before_close.contains("Flest stemmer"),
        "no result before the close:\n{before_close}"
    );

    // The chair closes: every screen shows the same result at once.
    a.send("c");
    for p in [&*a, &*b, &*c, &*d] {
        p.wait_for(&["Lukket", "Flest stemmer:", "3  Velferdsteknologi"]);
    }
    let shown = result_of(a);
    for p in [&*b, &*c, &*d] {
        assert_eq!(result_of(p), shown, "every screen shows the same result");
    }

    // The secretary records the decision; the form is filled in from the result.
    d.send("v");
    d.wait_for(&["Registrer vedtak", &format!("«{}».", ITEMS[1])]);
    d.send("\x13"); // Ctrl-S
    d.wait_for(&["Vedtak:", "«Velferdsteknologi»."]);
    d.wait_until("the decision confirmed", |s| !s.contains("venter"));
    let meetings = decisions(&url, &tokens[3]);
    let decided = meetings.decisions();
    assert_eq!(decided.len(), 1);
    assert_eq!(
        decided[0].text,
        format!("Bestillerutvalget prioriterer «{}».", ITEMS[1])
    );
    assert_eq!(
        decided[0].case_number.map(|n| n.to_string()).as_deref(),
        Some("01/26")
    );
    assert!(
        decided[0].chain.is_some(),
        "the server chained the decision"
    );
    // The minutes, as the secretary writes them for the archive, contain the decision.
    let out = run(homes[3].path(), &["minutes", "latest"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let minutes = text(&out.stdout);
    for want in [
        "Bestillerutvalget",
        "01/26",
        "Prioritering 2027",
        &decided[0].text,
        "leder",
    ] {
        assert!(
            minutes.contains(want),
            "{want:?} in the minutes:\n{minutes}"
        );
    }
    // The winning item left Vurdering for Prioritert on every board.
    for p in [&mut *a, &mut *b] {
        p.send("\x1b");
        p.wait_for(&["Vurdering (2)"]);
    }
}
