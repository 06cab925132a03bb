//! Nothing acknowledged is lost when styr is killed: a child process (this test binary,
//! run again with `STYR_CRASH_DIR` set) appends changes to a real sled cache and prints
//! an acknowledgement each time `Store::append` has returned (the moment the screen says
//! "Lagret"); the parent kills it with SIGKILL at a random moment, 50 times over the same
//! cache, and after each kill reopens the cache and checks every acknowledged change.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use styr::model::{FieldValue, ItemId, Op, OpId, Payload, StageKey};
use styr::store::Store;

const ROUNDS: usize = 50;
const DEADLINE: Duration = Duration::from_secs(30);

/// The child: append one change at a time for ever, acknowledging each after it is saved.
fn child(dir: &str) {
    let store = Store::open(std::path::Path::new(dir)).expect("the cache opens in the child");
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let payload = if i % 3 == 0 {
            Payload::CreateItem {
                item: ItemId::new(),
                stage: StageKey::new("innkommet"),
                fields: vec![FieldValue::Title(format!("Forslag {i}"))],
            }
        } else {
            // Edits of an item that may not exist: they are logged all the same.
            Payload::EditItem {
                item: ItemId::new(),
                changes: vec![FieldValue::Priority(Some(i as u32))],
            }
        };
        let created = match &payload {
            Payload::CreateItem { item, .. } => format!(" {}", item.0),
            _ => String::new(),
        };
        let op = Op::new("barn", 1_700_000_000_000 + i as i64, payload);
        store.append(std::slice::from_ref(&op)).expect("saved");
        writeln!(out, "ack {}{created}", op.op_id.0).expect("stdout");
        out.flush().expect("stdout");
    }
}

/// Reads "ack OPID" or "ack OPID ITEMID" (for a create).
fn read_ack(line: &str, acked: &mut Vec<OpId>, created: &mut Vec<ItemId>) {
    let mut parts = line.strip_prefix("ack ").unwrap_or_default().split(' ');
    if let Some(op) = parts.next().filter(|p| !p.is_empty()) {
        acked.push(OpId(op.parse().expect("an op id")));
    }
    if let Some(item) = parts.next() {
        created.push(ItemId(item.parse().expect("an item id")));
    }
}

#[test]
fn acknowledged_changes_survive_sigkill() {
    if let Ok(dir) = std::env::var("STYR_CRASH_DIR") {
        child(&dir);
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let me = std::env::current_exe().expect("this test binary");
    let mut acked: Vec<OpId> = Vec::new();
    let mut created: Vec<ItemId> = Vec::new();
    for round in 0..ROUNDS {
        let mut child = Command::new(&me)
            .args([
                "acknowledged_changes_survive_sigkill",
                "--exact",
                "--nocapture",
            ])
            .env("STYR_CRASH_DIR", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the child starts");
        let stdout = child.stdout.take().expect("piped");
        // Kill after a random number of acknowledgements, in the middle of the next write.
        let kill_after = fastrand::usize(1..15);
        let mut lines = BufReader::new(stdout).lines();
        let mut this_round = Vec::new();
        let until = Instant::now() + DEADLINE;
        while this_round.len() < kill_after {
            assert!(
                Instant::now() < until,
                "round {round}: the child stopped acknowledging"
            );
            match lines.next() {
                Some(Ok(line)) => read_ack(&line, &mut this_round, &mut created),
                _ => panic!("round {round}: the child ended before it was killed"),
            }
        }
        // SIGKILL: no destructor, no flush, nothing runs.
        child.kill().expect("killed");
        // Acknowledgements already on their way count too.
        for line in lines.map_while(Result::ok) {
            read_ack(&line, &mut this_round, &mut created);
        }
        child.wait().expect("reaped");
        acked.extend(this_round);

        let store = Store::open(dir.path())
            .unwrap_or_else(|e| panic!("round {round}: the cache does not open after a kill: {e}"));
        assert_eq!(store.slot(), 0, "the killed child's slot is free again");
        let log: Vec<OpId> = store
            .ops()
            .expect("the log reads")
            .iter()
            .map(|o| o.op_id)
            .collect();
        let outbox: Vec<OpId> = store
            .outbox()
            .expect("the outbox reads")
            .iter()
            .map(|o| o.op_id)
            .collect();
        // Every acknowledged change is there, in the order it was made; at most the one
        // write in flight at the kill is there unacknowledged, at the end.
        assert!(
            log.len() >= acked.len() && log.len() <= acked.len() + ROUNDS,
            "round {round}: {} logged, {} acknowledged",
            log.len(),
            acked.len()
        );
        let logged_acked: Vec<OpId> = log
            .iter()
            .filter(|id| acked.contains(id))
            .copied()
            .collect();
        assert_eq!(
            logged_acked, acked,
            "round {round}: an acknowledged change is missing"
        );
        // Nothing has been confirmed by a server, so the outbox is the whole log in order.
        assert_eq!(
            outbox, log,
            "round {round}: the outbox is not what was written"
        );
        let view = store.load().expect("the view reads");
        let titles = view.items().count();
        assert!(
            titles * 3 >= acked.len().saturating_sub(2),
            "round {round}: items missing from the view"
        );
    }
}

/// Set in a child of this test binary: "URL TOKEN ROUND CHOICE". The child casts the
/// same ballot again and again and acknowledges each one the server answered.
const BALLOT_CHILD: &str = "STYR_CRASH_BALLOTS";

fn ballot_child(spec: &str) {
    let parts: Vec<&str> = spec.split(' ').collect();
    let [url, token, round, choice] = parts.as_slice() else {
        panic!("bad spec {spec:?}");
    };
    let choice = match *choice {
        "yes" => styr::model::vote::YesNo::Yes,
        _ => styr::model::vote::YesNo::No,
    };
    let round: styr::model::meeting::RoundId =
        serde_json::from_str(&format!("\"{round}\"")).expect("a round id");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let c = reqwest::Client::new();
    let mut out = std::io::stdout().lock();
    for i in 0u64.. {
        let res = rt.block_on(
            c.post(format!("{url}{}", styr::protocol::ballots_path(&round)))
                .bearer_auth(token)
                .json(&styr::protocol::BallotRequest {
                    choice: styr::model::vote::Choice::YesNo(choice),
                    on_behalf_of: None,
                })
                .send(),
        );
        if res.is_ok_and(|r| r.status().is_success()) {
            writeln!(out, "ack {i}").expect("stdout");
            out.flush().expect("stdout");
        }
    }
}

#[test]
fn acknowledged_ballots_survive_sigkill_of_the_voter() {
    use common::meeting::{
        add_case, attendance, close_round, meeting_op, open_round, schedule, yes_no_rules,
    };
    use styr::model::meeting::{CaseId, MeetingChange, MeetingId, RoundId};
    use styr::model::Role;
    if let Ok(spec) = std::env::var(BALLOT_CHILD) {
        ballot_child(&spec);
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (server, chair, voter) = rt.block_on(async {
        let s = common::server::TestServer::start().await;
        let chair = s.add_user("leder", Role::Chair).await;
        let voter = s.add_user("medlem-a", Role::Member).await;
        (s, chair, voter)
    });
    let c = common::server::client();
    let (meeting, case, round) = (MeetingId::new(), CaseId::new(), RoundId::new());
    let setup = [
        schedule(meeting, "2026-11-26 10:00"),
        attendance(meeting, &["leder", "medlem-a"], &[]),
        add_case(meeting, case, "Felles sak- og arkivsystem"),
        open_round(round, case, yes_no_rules(2), false),
    ];
    for change in setup {
        let res = rt.block_on(common::server::push(
            &c,
            &server.url,
            &chair,
            &[meeting_op("leder", change)],
        ));
        assert!(res.status().is_success(), "{}", res.status());
    }
    let me = std::env::current_exe().expect("this test binary");
    let round_text = serde_json::to_string(&round).expect("json");
    let round_text = round_text.trim_matches('"');
    let mut last_choice = "";
    for kill in 0..10 {
        // Each run votes one way, the next the other: whatever was in flight at a kill
        // is the same choice as what was acknowledged.
        let choice = if kill % 2 == 0 { "yes" } else { "no" };
        let mut child = Command::new(&me)
            .args([
                "acknowledged_ballots_survive_sigkill_of_the_voter",
                "--exact",
                "--nocapture",
            ])
            .env(
                BALLOT_CHILD,
                format!("{} {voter} {round_text} {choice}", server.url),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the child starts");
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        let wanted = fastrand::usize(1..6);
        let until = Instant::now() + DEADLINE;
        let mut acked = 0;
        while acked < wanted {
            assert!(Instant::now() < until, "the voter stopped acknowledging");
            match lines.next() {
                Some(Ok(l)) if l.starts_with("ack ") => acked += 1,
                Some(Ok(_)) => {}
                _ => panic!("the voter ended before it was killed"),
            }
        }
        child.kill().expect("killed");
        child.wait().expect("reaped");
        last_choice = choice;
        // Counted once, by name, whatever the kill cut off.
        let count = rt.block_on(common::server::round_count(&c, &server.url, &chair, &round));
        assert_eq!(count.ballots, 1, "after kill {kill}");
        assert_eq!(count.voters, vec!["medlem-a".to_string()]);
    }
    // The close carries the last acknowledged ballot, once.
    let res = rt.block_on(common::server::push(
        &c,
        &server.url,
        &chair,
        &[meeting_op("leder", close_round(round))],
    ));
    assert!(res.status().is_success(), "{}", res.status());
    let acks: styr::protocol::PushResponse = rt.block_on(res.json()).expect("acks");
    let styr::model::Payload::Meeting { change } = &acks.acks[0].op.payload else {
        panic!("a meeting op");
    };
    let MeetingChange::CloseRound { result, .. } = &**change else {
        panic!("the close");
    };
    let result = result.as_ref().expect("the server tallies at close");
    assert_eq!(result.ballots, 1);
    let want = if last_choice == "yes" {
        styr::model::vote::YesNo::Yes
    } else {
        styr::model::vote::YesNo::No
    };
    assert_eq!(result.named.len(), 1);
    assert_eq!(
        result.named[0].choice,
        styr::model::vote::Choice::YesNo(want)
    );
}
