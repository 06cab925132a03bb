//! `styr verify` on a local cache: the decision log kept in the sled cache is checked
//! link by link, and an entry altered in the cache's files makes it exit non-zero and
//! name that entry (the server-database variant is in tests/minutes.rs).

mod common;

use common::meeting::{add_case, decide, meeting_op, schedule};
use common::styr_cli::{run, text};
use std::path::Path;
use styr::model::meeting::{CaseId, MeetingChange, MeetingId, Meetings, Reached};
use styr::model::Op;
use styr::store::Store;

/// Ops as a portfolio without a server makes them: checked and stamped by the app
/// itself (case numbers, the decision chain), as the TUI and `styr meeting` do offline.
fn stamped(changes: Vec<MeetingChange>) -> Vec<Op> {
    let mut meetings = Meetings::default();
    changes
        .into_iter()
        .map(|change| {
            meetings.check(&change).expect("the change is allowed");
            let mut op = meeting_op("sekretaer", change);
            meetings.stamp(&mut op, |_| Vec::new());
            meetings.apply(&op);
            op
        })
        .collect()
}

/// Changes the text of decision `index` (0-based) in the meetings the cache keeps, as
/// someone with access to the files could. Returns the decision's title.
fn tamper_with_cached_decision(data: &Path, index: usize) -> String {
    let db = sled::open(data.join("local").join("slot-0").join("db")).expect("the cache opens");
    let meta = db.open_tree("meta").expect("the meta tree");
    let bytes = meta
        .get(b"meetings")
        .expect("read")
        .expect("the cache keeps its meetings");
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let decision = &mut value["decisions"][index];
    assert!(decision.is_object(), "there is a decision {index}: {value}");
    decision["text"] = serde_json::Value::from("Saken avvises.");
    let title = decision["title"].as_str().expect("a title").to_string();
    meta.insert(b"meetings", serde_json::to_vec(&value).expect("JSON"))
        .expect("write");
    db.flush().expect("flush");
    title
}

#[test]
fn verify_names_a_decision_altered_in_the_local_cache() {
    let home = tempfile::tempdir().expect("home");
    let h = home.path();
    let data = h.join("styr-data");
    let meeting = MeetingId::new();
    let mut changes = vec![schedule(meeting, "2026-11-26 10:00")];
    for i in 0..3 {
        let case = CaseId::new();
        changes.push(add_case(meeting, case, &format!("Sak {i}")));
        changes.push(decide(
            case,
            &format!("Vedtak {i}"),
            "Saken prioriteres.",
            Reached::Unanimous,
        ));
    }
    {
        let store = Store::open(&data.join("local")).expect("the cache opens");
        store.append(&stamped(changes)).expect("appended");
    }
    let verify = || run(h, &["--data-dir", data.to_str().expect("utf-8"), "verify"]);

    let sound = verify();
    let (out, err) = (text(&sound.stdout), text(&sound.stderr));
    assert!(sound.status.success(), "{out}{err}");
    assert!(out.contains("3 vedtak"), "{out}");

    let title = tamper_with_cached_decision(&data, 1);
    assert_eq!(title, "Vedtak 1");
    let broken = verify();
    let (out, err) = (text(&broken.stdout), text(&broken.stderr));
    assert_eq!(broken.status.code(), Some(1), "{out}{err}");
    // The chain check found it: the second entry, by title and case number.
    assert!(
        err.contains("vedtak nr. 2"),
        "the chain names its place: {err}"
    );
    assert!(err.contains("Vedtak 1"), "names the decision: {err}");
    assert!(err.contains("02/26"), "and its case number: {err}");
    assert!(!err.contains("Vedtak 2"), "the first break only: {err}");
}
