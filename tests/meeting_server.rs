//! Meeting mode against a real `styr serve` on 127.0.0.1:0: vote rounds keep their
//! results hidden until the chair closes them (checked on the wire: replies, the op log
//! and the SSE stream), only eligible voters vote, anonymity holds, case numbers never
//! repeat under concurrent pushes, and the decision log's chain shows any edit.

mod common;

use common::meeting::*;
use common::server::{client, push, SseReader, TestServer, DEADLINE};
use reqwest::StatusCode;
use std::time::Instant;
use styr::model::meeting::{
    verify_chain, Attendee, CaseId, MeetingChange, MeetingId, Meetings, Presence, Reached, RoundId,
};
use styr::model::vote::{Choice, Outcome, RoundRules, YesNo};
use styr::model::{Op, Role};
use styr::protocol::{
    ballots_path, round_path, ApiError, BallotRequest, PullResponse, PushResponse, Reason,
    RoundCount, SeqOp,
};

struct Meeting {
    s: TestServer,
    c: reqwest::Client,
    secretary: String,
    chair: String,
    members: Vec<(String, String)>,
    meeting: MeetingId,
    case: CaseId,
}

const MEMBERS: [&str; 4] = ["medlem-a", "medlem-b", "medlem-c", "medlem-d"];

/// A meeting with `leder` and three members present, `medlem-d` absent, and one case.
async fn meeting() -> Meeting {
    let s = TestServer::start().await;
    let c = client();
    let secretary = s.add_user("sekretaer", Role::Secretary).await;
    let chair = s.add_user("leder", Role::Chair).await;
    let mut members = Vec::new();
    for m in MEMBERS {
        members.push((m.to_string(), s.add_user(m, Role::Member).await));
    }
    let meeting = MeetingId::new();
    let case = CaseId::new();
    let ops = vec![
        meeting_op("x", schedule(meeting, "2026-11-26 10:00")),
        meeting_op(
            "x",
            attendance(
                meeting,
                &["leder", "medlem-a", "medlem-b", "medlem-c"],
                &["medlem-d"],
            ),
        ),
        meeting_op("x", add_case(meeting, case, "Felles sak- og arkivsystem")),
    ];
    let res = push(&c, &s.url, &secretary, &ops).await;
    assert_eq!(
        res.status(),
        StatusCode::OK,
        "{}",
        res.text().await.unwrap()
    );
    Meeting {
        s,
        c,
        secretary,
        chair,
        members,
        meeting,
        case,
    }
}

impl Meeting {
    fn token(&self, name: &str) -> &str {
        &self.members.iter().find(|(n, _)| n == name).unwrap().1
    }

    async fn push(&self, token: &str, change: MeetingChange) -> reqwest::Response {
        push(&self.c, &self.s.url, token, &[meeting_op("x", change)]).await
    }

    async fn stored(&self, token: &str, change: MeetingChange) -> SeqOp {
        let res = self.push(token, change).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{}",
            res.text().await.unwrap()
        );
        res.json::<PushResponse>().await.unwrap().acks.remove(0)
    }

    async fn vote(
        &self,
        token: &str,
        round: RoundId,
        choice: Choice,
        on_behalf_of: Option<&str>,
    ) -> reqwest::Response {
        self.c
            .post(format!("{}{}", self.s.url, ballots_path(&round)))
            .bearer_auth(token)
            .json(&BallotRequest {
                choice,
                on_behalf_of: on_behalf_of.map(str::to_string),
            })
            .send()
            .await
            .unwrap()
    }

    async fn count(&self, token: &str, round: RoundId) -> (RoundCount, String) {
        let res = self
            .c
            .get(format!("{}{}", self.s.url, round_path(&round)))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        (serde_json::from_str(&text).unwrap(), text)
    }

    async fn pull_text(&self, token: &str) -> String {
        self.c
            .get(self.s.ops_url())
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    async fn meetings(&self) -> Meetings {
        let text = self.pull_text(&self.secretary).await;
        let page: PullResponse = serde_json::from_str(&text).unwrap();
        Meetings::fold(page.ops.iter().map(|o| &o.op))
    }
}

/// What no reply may contain while a round is open: a tally, or a ballot's content.
fn assert_no_tally(what: &str, text: &str) {
    for secret in ["totals", "\"points\"", "\"value\"", "named"] {
        assert!(
            !text.contains(secret),
            "{what} reveals {secret} while the round is open: {text}"
        );
    }
}

fn dots(v: &[u32]) -> Choice {
    Choice::Dots(v.to_vec())
}

#[tokio::test]
async fn an_open_round_shows_only_its_count_until_the_chair_closes_it() {
    let m = meeting().await;
    let events =
        m.c.get(format!("{}?since=0", m.s.events_url()))
            .bearer_auth(&m.chair)
            .send()
            .await
            .unwrap();
    let mut sse = SseReader::new(events);
    let round = RoundId::new();
    let rules = dot_rules(&["Arkiv", "Velferd", "Skole"], 5, 5);
    let opened = m
        .stored(&m.chair, open_round(round, m.case, rules, true))
        .await;
    let MeetingChange::OpenRound { eligible, .. } = meeting_change(&opened.op) else {
        panic!("not an open round");
    };
    let names: Vec<&str> = eligible.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        ["leder", "medlem-a", "medlem-b", "medlem-c"],
        "present members may vote"
    );

    let ballots = [
        ("medlem-a", [5, 0, 0]),
        ("medlem-b", [1, 4, 0]),
        ("medlem-c", [0, 2, 3]),
    ];
    for (i, (who, v)) in ballots.iter().enumerate() {
        let res = m.vote(m.token(who), round, dots(v), None).await;
        assert_eq!(res.status(), StatusCode::OK);
        let text = res.text().await.unwrap();
        assert_no_tally("a ballot's reply", &text);
        let count: RoundCount = serde_json::from_str(&text).unwrap();
        assert_eq!(count.ballots, i as u32 + 1);
        assert!(
            count.voters.is_empty(),
            "an anonymous round never says who voted"
        );
    }
    // Voting again replaces the earlier ballot.
    let res = m
        .vote(m.token("medlem-a"), round, dots(&[0, 0, 5]), None)
        .await;
    assert_eq!(res.json::<RoundCount>().await.unwrap().ballots, 3);

    // Not the chair, not a member: nobody sees more than the count before the close.
    for token in [m.chair.as_str(), m.token("medlem-b"), m.secretary.as_str()] {
        let (count, text) = m.count(token, round).await;
        assert_no_tally("the round's count", &text);
        assert!(count.open);
        assert_eq!(count.ballots, 3);
        assert_no_tally("the op log", &m.pull_text(token).await);
    }

    let closed = m.stored(&m.chair, close_round(round)).await;
    let MeetingChange::CloseRound {
        result,
        ballots: published,
        ..
    } = meeting_change(&closed.op)
    else {
        panic!("not a close");
    };
    let result = result.expect("the server tallies at close");
    let points: Vec<i64> = result.totals.iter().map(|t| t.points).collect();
    assert_eq!(
        points,
        [1, 6, 8],
        "medlem-a's second ballot replaced the first"
    );
    assert_eq!(result.outcome, Outcome::Winner { option: 2 });
    assert_eq!(published.len(), 3);
    assert!(
        published.iter().all(|b| b.voter.is_none()),
        "anonymous ballots lose their names"
    );
    assert!(
        published.iter().all(|b| b.org.is_empty()),
        "and their municipality, which with one member each would name them"
    );
    assert!(result.named.is_empty());

    // On the wire, before the close op, the stream carried counts and ops but no tally.
    let until = Instant::now() + DEADLINE;
    let mut counts = 0;
    loop {
        let ev = sse
            .next_until(until)
            .await
            .expect("the stream reaches the close op");
        if ev.event.as_deref() == Some("count") {
            counts += 1;
        }
        if ev.id.as_deref() == Some(&closed.seq.to_string()) {
            assert!(
                ev.data.contains("totals"),
                "the close op carries the result"
            );
            break;
        }
        assert_no_tally("an event before the close", &ev.data);
    }
    assert_eq!(counts, 4, "one count event per ballot");

    // The ballots left the store's table, and no ballot is taken after the close.
    let conn = rusqlite::Connection::open(&m.s.db).unwrap();
    let left: i64 = conn
        .query_row("SELECT COUNT(*) FROM ballots", [], |r| r.get(0))
        .unwrap();
    assert_eq!(left, 0);
    let res = m
        .vote(m.token("medlem-b"), round, dots(&[0, 0, 1]), None)
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let closed_twice = m.push(&m.chair, close_round(round)).await;
    assert_eq!(closed_twice.status(), StatusCode::CONFLICT);
}

fn meeting_change(op: &Op) -> MeetingChange {
    match &op.payload {
        styr::model::Payload::Meeting { change } => (**change).clone(),
        other => panic!("not a meeting op: {other:?}"),
    }
}

#[tokio::test]
async fn only_eligible_voters_vote_and_hand_counts_are_marked() {
    let m = meeting().await;
    let round = RoundId::new();
    m.stored(&m.chair, open_round(round, m.case, yes_no_rules(5), false))
        .await;
    let yes = || Choice::YesNo(YesNo::Yes);

    let absent = m.vote(m.token("medlem-d"), round, yes(), None).await;
    assert_eq!(
        absent.status(),
        StatusCode::CONFLICT,
        "an absent member may not vote"
    );
    let e: ApiError = absent.json().await.unwrap();
    assert!(e.error.message.contains("present"), "{}", e.error.message);

    let outsider = m.s.add_user("medlem-x", Role::Member).await;
    let res = m.vote(&outsider, round, yes(), None).await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "a member not at the meeting may not vote"
    );

    let viewer = m.s.add_user("tilskuer", Role::Viewer).await;
    assert_eq!(
        m.vote(&viewer, round, yes(), None).await.status(),
        StatusCode::FORBIDDEN
    );

    let by_member = m
        .vote(m.token("medlem-a"), round, yes(), Some("medlem-b"))
        .await;
    assert_eq!(
        by_member.status(),
        StatusCode::FORBIDDEN,
        "only a secretary enters hand counts"
    );

    let wrong_kind = m.vote(m.token("medlem-a"), round, dots(&[1]), None).await;
    assert_eq!(
        wrong_kind.status(),
        StatusCode::CONFLICT,
        "a dot ballot in a yes/no round"
    );

    for who in ["leder", "medlem-a"] {
        let token = if who == "leder" {
            m.chair.clone()
        } else {
            m.token(who).to_string()
        };
        assert_eq!(
            m.vote(&token, round, yes(), None).await.status(),
            StatusCode::OK
        );
    }
    let (count, _) = m.count(m.token("medlem-c"), round).await;
    assert_eq!(
        count.voters,
        ["leder", "medlem-a"],
        "a named round says who has voted"
    );
    let hand = m
        .vote(
            &m.secretary,
            round,
            Choice::YesNo(YesNo::No),
            Some("medlem-c"),
        )
        .await;
    assert_eq!(hand.status(), StatusCode::OK);
    let on_behalf_of_absent = m.vote(&m.secretary, round, yes(), Some("medlem-d")).await;
    assert_eq!(on_behalf_of_absent.status(), StatusCode::CONFLICT);

    let closed = m.stored(&m.chair, close_round(round)).await;
    let MeetingChange::CloseRound { result, .. } = meeting_change(&closed.op) else {
        panic!();
    };
    let result = result.unwrap();
    assert_eq!(result.ballots, 3);
    assert_eq!(result.hand_counted, 1);
    assert!(result.quorum_met, "3 of 5 is at least half");
    assert_eq!(
        result.outcome,
        Outcome::Adopted {
            majority: styr::model::vote::Majority::Simple
        }
    );
    let named: Vec<(&str, bool)> = result
        .named
        .iter()
        .map(|n| (n.voter.as_str(), n.hand_counted))
        .collect();
    assert_eq!(
        named,
        [("leder", false), ("medlem-a", false), ("medlem-c", true)]
    );
}

#[tokio::test]
async fn meeting_rules_are_kept_by_the_server() {
    let m = meeting().await;
    let round = RoundId::new();
    // Opening and closing rounds is the chair's.
    let by_secretary = m
        .push(
            &m.secretary,
            open_round(round, m.case, yes_no_rules(5), false),
        )
        .await;
    assert_eq!(by_secretary.status(), StatusCode::FORBIDDEN);
    m.stored(&m.chair, open_round(round, m.case, yes_no_rules(5), false))
        .await;
    // One open round per case; its rules cannot change (there is no op that would).
    let second = m
        .push(
            &m.chair,
            open_round(RoundId::new(), m.case, yes_no_rules(5), false),
        )
        .await;
    assert_eq!(second.status(), StatusCode::CONFLICT);
    let e: ApiError = second.json().await.unwrap();
    assert_eq!(e.error.op_index, Some(0));
    // A case for a meeting that does not exist.
    let stray = m
        .push(
            &m.secretary,
            add_case(MeetingId::new(), CaseId::new(), "Ingen møte"),
        )
        .await;
    assert_eq!(stray.status(), StatusCode::CONFLICT);
    // Members do not manage meetings.
    let by_member = m
        .push(
            m.token("medlem-a"),
            add_case(m.meeting, CaseId::new(), "Egen sak"),
        )
        .await;
    assert_eq!(by_member.status(), StatusCode::FORBIDDEN);
    // A refused push stores nothing of itself, and the server goes on.
    let mixed = push(
        &m.c,
        &m.s.url,
        &m.secretary,
        &[
            meeting_op("x", add_case(m.meeting, CaseId::new(), "Lovlig sak")),
            meeting_op(
                "x",
                add_case(MeetingId::new(), CaseId::new(), "Ulovlig sak"),
            ),
        ],
    )
    .await;
    assert_eq!(mixed.status(), StatusCode::CONFLICT);
    let meetings = m.meetings().await;
    assert_eq!(
        meetings.agenda(&m.meeting).len(),
        1,
        "the first op of the refused push is not stored"
    );
    m.stored(
        &m.secretary,
        add_case(m.meeting, CaseId::new(), "Neste sak"),
    )
    .await;
    let meetings = m.meetings().await;
    let numbers: Vec<String> = meetings
        .agenda(&m.meeting)
        .iter()
        .map(|c| c.number.unwrap().to_string())
        .collect();
    assert_eq!(numbers, ["01/26", "02/26"], "a refused case used no number");
}

#[tokio::test]
async fn cases_created_at_once_get_distinct_gapless_numbers() {
    let m = meeting().await;
    let other = m.s.add_user("sekretaer-2", Role::Secretary).await;
    let mut tasks = Vec::new();
    for i in 0..30 {
        let token = if i % 2 == 0 {
            m.secretary.clone()
        } else {
            other.clone()
        };
        let (c, url, meeting) = (m.c.clone(), m.s.url.clone(), m.meeting);
        tasks.push(tokio::spawn(async move {
            let op = meeting_op(
                "x",
                add_case(meeting, CaseId::new(), &format!("Sak nummer {i}")),
            );
            let res = push(&c, &url, &token, &[op]).await;
            assert_eq!(res.status(), StatusCode::OK);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let meetings = m.meetings().await;
    let mut seqs: Vec<u32> = meetings
        .agenda(&m.meeting)
        .iter()
        .map(|c| {
            let n = c.number.expect("every case has a number");
            assert_eq!(n.year, 2026);
            n.seq
        })
        .collect();
    seqs.sort();
    assert_eq!(
        seqs,
        (1..=31).collect::<Vec<u32>>(),
        "the first case had 1; no repeats, no gaps"
    );
}

#[tokio::test]
async fn decisions_are_chained_and_verify_names_an_altered_one() {
    let m = meeting().await;
    let mut titles = Vec::new();
    for i in 0..3 {
        let case = if i == 0 {
            m.case
        } else {
            let c = CaseId::new();
            m.stored(&m.secretary, add_case(m.meeting, c, &format!("Sak {i}")))
                .await;
            c
        };
        let title = format!("Vedtak {i}");
        m.stored(
            &m.secretary,
            decide(case, &title, "Saken prioriteres.", Reached::Unanimous),
        )
        .await;
        titles.push(title);
    }
    let meetings = m.meetings().await;
    assert_eq!(verify_chain(meetings.decisions()), Ok(3));
    let first = &meetings.decisions()[0];
    assert_eq!(
        first.case_number.unwrap().to_string(),
        "01/26",
        "the server sets the number"
    );
    assert_eq!(first.recorded_by, "sekretaer");
    let verified = styr::server::verify::verify_file(&m.s.db).expect("a sound database verifies");
    assert_eq!(verified.decisions, 3);

    // Someone edits the second decision directly in the database file.
    let (_dir, db) = m.s.shutdown().await;
    assert_eq!(common::meeting::tamper_with_decision(&db, "Vedtak 1"), 1);
    let err = styr::server::verify::verify_file(&db).expect_err("an edit is found");
    let message = err.to_string();
    assert!(
        message.contains("Vedtak 1"),
        "the break names the decision: {message}"
    );
    assert!(message.contains("02/26"), "and its case number: {message}");
}

/// The refusal's rule, from a 409's body.
async fn reason(res: reqwest::Response) -> Option<Reason> {
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let e: ApiError = res.json().await.unwrap();
    e.error.reason
}

fn person(name: &str, org: &str, presence: Presence) -> Attendee {
    Attendee {
        name: name.into(),
        org: org.into(),
        presence,
    }
}

fn stands_in_for(replaces: &str) -> Presence {
    Presence::Substitute {
        replaces: replaces.into(),
    }
}

#[tokio::test]
async fn a_substitute_votes_only_in_place_of_an_absent_member() {
    let m = meeting().await;
    let mut vara = Vec::new();
    for name in ["vara-a", "vara-d", "vara-d2"] {
        vara.push(m.s.add_user(name, Role::Member).await);
    }
    let [vara_a, vara_d, vara_d2] = &vara[..] else {
        unreachable!()
    };
    // medlem-a is there and has a substitute anyway; medlem-d sent word [forfall] and
    // has two substitutes on the list.
    m.stored(
        &m.secretary,
        MeetingChange::Attendance {
            meeting: m.meeting,
            attendees: vec![
                person("leder", "Åfjord", Presence::Present),
                person("medlem-a", "Indre Fosen", Presence::Present),
                person("medlem-b", "Ørland", Presence::Present),
                person("medlem-d", "Osen", Presence::Absent),
                person("vara-a", "Indre Fosen", stands_in_for("medlem-a")),
                person("vara-d", "Osen", stands_in_for("medlem-d")),
                person("vara-d2", "Osen", stands_in_for("medlem-d")),
            ],
        },
    )
    .await;
    let round = RoundId::new();
    let opened = m
        .stored(&m.chair, open_round(round, m.case, yes_no_rules(4), false))
        .await;
    let MeetingChange::OpenRound { eligible, .. } = meeting_change(&opened.op) else {
        panic!("not an open round");
    };
    let names: Vec<&str> = eligible.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["leder", "medlem-a", "medlem-b", "vara-d"]);

    let yes = || Choice::YesNo(YesNo::Yes);
    let no = || Choice::YesNo(YesNo::No);
    // The substitute of a present member is refused, by token and by hand count.
    assert_eq!(
        reason(m.vote(vara_a, round, no(), None).await).await,
        Some(Reason::NotEligible),
        "a substitute for a member who is there"
    );
    assert_eq!(
        reason(m.vote(&m.secretary, round, no(), Some("vara-a")).await).await,
        Some(Reason::NotEligible)
    );
    // The absent member's first substitute votes; the member and a second one do not.
    assert_eq!(
        m.vote(vara_d, round, no(), None).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        reason(m.vote(m.token("medlem-d"), round, yes(), None).await).await,
        Some(Reason::NotEligible),
        "the absent member himself"
    );
    assert_eq!(
        reason(m.vote(vara_d2, round, yes(), None).await).await,
        Some(Reason::NotEligible),
        "a second substitute for the same seat"
    );
    assert_eq!(
        m.vote(m.token("medlem-a"), round, yes(), None)
            .await
            .status(),
        StatusCode::OK
    );

    let closed = m.stored(&m.chair, close_round(round)).await;
    let MeetingChange::CloseRound { result, .. } = meeting_change(&closed.op) else {
        panic!("not a close");
    };
    let named: Vec<String> = result.unwrap().named.into_iter().map(|n| n.voter).collect();
    assert_eq!(
        named,
        ["medlem-a", "vara-d"],
        "one vote per seat: never a member and his substitute both"
    );
}

#[tokio::test]
async fn what_a_round_votes_on_is_locked_while_it_is_open() {
    let m = meeting().await;
    let other = CaseId::new();
    m.stored(&m.secretary, add_case(m.meeting, other, "Ny nettside"))
        .await;
    let round = RoundId::new();
    m.stored(
        &m.chair,
        open_round(round, m.case, dot_rules(&["Arkiv", "Velferd"], 3, 5), false),
    )
    .await;
    let edit = |case: CaseId, proposal: &str| MeetingChange::EditCase {
        case,
        details: styr::model::meeting::CaseDetails {
            title: "Felles sak- og arkivsystem".into(),
            proposal: proposal.into(),
            ..Default::default()
        },
    };
    let res = m.push(&m.secretary, edit(m.case, "Et annet forslag")).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let e: ApiError = res.json().await.unwrap();
    assert_eq!(e.error.reason, Some(Reason::VotingOpen));
    assert_eq!(e.error.op_index, Some(0));
    let said = styr::i18n::server_refusal(
        styr::i18n::Lang::Nb.strings(),
        e.error.reason.as_ref(),
        &e.error.message,
    );
    assert!(
        said.contains("er til votering"),
        "in the user's language: {said}"
    );
    let postpone = MeetingChange::Postpone {
        case: m.case,
        postponed: true,
    };
    assert_eq!(
        reason(m.push(&m.secretary, postpone.clone()).await).await,
        Some(Reason::VotingOpen)
    );
    // Another case, and the same case once the round is closed, can change.
    m.stored(&m.secretary, edit(other, "Nytt forslag")).await;
    m.stored(&m.chair, close_round(round)).await;
    m.stored(&m.secretary, edit(m.case, "Et annet forslag"))
        .await;
    m.stored(&m.secretary, postpone).await;
    let meetings = m.meetings().await;
    let case = meetings.case(&m.case).unwrap();
    assert!(case.postponed);
    assert_eq!(case.details.proposal, "Et annet forslag");
    let r = meetings.round(&round).unwrap();
    assert_eq!(
        r.rules.options,
        ["Arkiv", "Velferd"],
        "the round keeps its options"
    );
}

#[tokio::test]
async fn the_server_decides_who_opens_a_round_and_whose_vote_casts_a_tie() {
    let m = meeting().await;
    let rules = |casting: bool, election: bool, body: u32| RoundRules {
        casting_vote: casting,
        election,
        chair: Some("medlem-a".into()),
        ..yes_no_rules(body)
    };
    // Only a chair opens a round (members and secretaries are refused by role).
    for token in [m.token("medlem-a"), m.secretary.as_str()] {
        let res = m
            .push(
                token,
                open_round(RoundId::new(), m.case, rules(true, false, 5), false),
            )
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
    }
    // An election never has a casting vote.
    assert_eq!(
        reason(
            m.push(
                &m.chair,
                open_round(RoundId::new(), m.case, rules(true, true, 5), false)
            )
            .await
        )
        .await,
        Some(Reason::CastingVoteInElection)
    );
    // The quorum base may not leave out members the attendance lists (five here).
    assert_eq!(
        reason(
            m.push(
                &m.chair,
                open_round(RoundId::new(), m.case, rules(false, false, 3), false)
            )
            .await
        )
        .await,
        Some(Reason::BodyTooSmall {
            body_size: 3,
            members: 5
        })
    );
    // The client named medlem-a as the one whose vote decides a tie; the server gives
    // the casting vote to the chair who opened the round.
    let round = RoundId::new();
    let opened = m
        .stored(
            &m.chair,
            open_round(round, m.case, rules(true, false, 5), false),
        )
        .await;
    let MeetingChange::OpenRound { rules: stored, .. } = meeting_change(&opened.op) else {
        panic!("not an open round");
    };
    assert_eq!(stored.chair.as_deref(), Some("leder"));
    for (token, choice) in [
        (m.chair.as_str(), YesNo::Yes),
        (m.token("medlem-a"), YesNo::No),
        (m.token("medlem-b"), YesNo::Yes),
        (m.token("medlem-c"), YesNo::No),
    ] {
        let res = m.vote(token, round, Choice::YesNo(choice), None).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let closed = m.stored(&m.chair, close_round(round)).await;
    let MeetingChange::CloseRound { result, .. } = meeting_change(&closed.op) else {
        panic!("not a close");
    };
    let result = result.unwrap();
    assert!(result.decided_by_casting_vote, "2 against 2");
    assert_eq!(
        result.outcome,
        Outcome::Adopted {
            majority: styr::model::vote::Majority::Simple
        },
        "the chair's yes decides, not medlem-a's no"
    );
}

#[tokio::test]
async fn no_op_turns_an_anonymous_round_into_a_named_one() {
    let m = meeting().await;
    let round = RoundId::new();
    let op = meeting_op("x", open_round(round, m.case, yes_no_rules(5), true));
    let res = push(&m.c, &m.s.url, &m.chair, std::slice::from_ref(&op)).await;
    assert_eq!(res.status(), StatusCode::OK);

    // The same op sent again with anonymity switched off: the stored one comes back.
    let mut again = op.clone();
    let styr::model::Payload::Meeting { change } = &mut again.payload else {
        unreachable!()
    };
    if let MeetingChange::OpenRound { anonymous, .. } = &mut **change {
        *anonymous = false;
    }
    let res = push(&m.c, &m.s.url, &m.chair, &[again]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let ack = res.json::<PushResponse>().await.unwrap().acks.remove(0);
    assert!(matches!(
        meeting_change(&ack.op),
        MeetingChange::OpenRound {
            anonymous: true,
            ..
        }
    ));
    // A new op for the same round, named, on this case or another: refused.
    let other = CaseId::new();
    m.stored(&m.secretary, add_case(m.meeting, other, "Ny nettside"))
        .await;
    for case in [m.case, other] {
        assert_eq!(
            reason(
                m.push(&m.chair, open_round(round, case, yes_no_rules(5), false))
                    .await
            )
            .await,
            Some(Reason::Exists)
        );
    }
    for who in ["medlem-a", "medlem-b"] {
        let res = m
            .vote(m.token(who), round, Choice::YesNo(YesNo::Yes), None)
            .await;
        assert!(res.json::<RoundCount>().await.unwrap().voters.is_empty());
    }
    // A close that brings its own named result and ballots is stamped over.
    let forged = MeetingChange::CloseRound {
        round,
        result: None,
        ballots: vec![styr::model::vote::Ballot {
            voter: Some("medlem-a".into()),
            org: "Indre Fosen".into(),
            choice: Choice::YesNo(YesNo::No),
            hand_counted: false,
        }],
    };
    let closed = m.stored(&m.chair, forged).await;
    let json = serde_json::to_string(&closed.op).unwrap();
    for name in ["medlem-a", "medlem-b", "Indre Fosen", "Ørland"] {
        assert!(!json.contains(name), "the close names {name}: {json}");
    }
    let MeetingChange::CloseRound {
        result, ballots, ..
    } = meeting_change(&closed.op)
    else {
        panic!("not a close");
    };
    let result = result.unwrap();
    assert_eq!(result.ballots, 2);
    assert!(result.named.is_empty());
    assert_eq!(ballots.len(), 2);
    assert!(ballots
        .iter()
        .all(|b| b.voter.is_none() && b.org.is_empty()));
    let meetings = m.meetings().await;
    assert!(meetings.round(&round).unwrap().anonymous);
}

#[tokio::test]
async fn an_anonymous_round_weighted_per_municipality_keeps_only_the_municipality() {
    let m = meeting().await;
    let round = RoundId::new();
    let rules = RoundRules {
        weighting: styr::model::vote::Weighting::PerOrganisation,
        ..yes_no_rules(5)
    };
    m.stored(&m.chair, open_round(round, m.case, rules, true))
        .await;
    for who in ["medlem-a", "medlem-b"] {
        let res = m
            .vote(m.token(who), round, Choice::YesNo(YesNo::Yes), None)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let closed = m.stored(&m.chair, close_round(round)).await;
    let MeetingChange::CloseRound { ballots, .. } = meeting_change(&closed.op) else {
        panic!("not a close");
    };
    let mut orgs: Vec<&str> = ballots.iter().map(|b| b.org.as_str()).collect();
    orgs.sort();
    assert_eq!(orgs, ["Indre Fosen", "Ørland"], "the tally needs them");
    assert!(ballots.iter().all(|b| b.voter.is_none()));
}

#[tokio::test]
async fn a_members_event_stream_shows_only_counts_while_a_round_is_open() {
    let m = meeting().await;
    let events =
        m.c.get(format!("{}?since=0", m.s.events_url()))
            .bearer_auth(m.token("medlem-b"))
            .send()
            .await
            .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    let mut sse = SseReader::new(events);
    let round = RoundId::new();
    m.stored(
        &m.chair,
        open_round(
            round,
            m.case,
            dot_rules(&["Arkiv", "Velferd", "Skole"], 5, 5),
            false,
        ),
    )
    .await;
    for (who, v) in [("medlem-a", [5, 0, 0]), ("medlem-b", [0, 4, 1])] {
        let res = m.vote(m.token(who), round, dots(&v), None).await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let closed = m.stored(&m.chair, close_round(round)).await;
    let until = Instant::now() + DEADLINE;
    let mut counts = Vec::new();
    loop {
        let ev = sse
            .next_until(until)
            .await
            .expect("the stream reaches the close op");
        if ev.id.as_deref() == Some(&closed.seq.to_string()) {
            assert!(
                ev.data.contains("totals"),
                "the result comes with the close"
            );
            break;
        }
        assert_no_tally("an event before the close", &ev.data);
        if ev.event.as_deref() == Some("count") {
            let c: RoundCount = serde_json::from_str(&ev.data).unwrap();
            counts.push((c.ballots, c.voters));
        }
    }
    assert_eq!(
        counts,
        [
            (1, vec!["medlem-a".to_string()]),
            (2, vec!["medlem-a".to_string(), "medlem-b".to_string()])
        ],
        "a named round's count says who has voted, and nothing of how"
    );
}
