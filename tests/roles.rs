//! The role rules the server enforces and the TUI asks: every role against every op kind.

mod common;

use common::meeting::{add_case, close_round, decide, open_round, schedule, yes_no_rules};
use styr::model::meeting::{CaseId, MeetingChange, MeetingId, MinutesStatus, Reached, RoundId};
use styr::model::role::{check, role_for_stage};
use styr::model::{ItemId, Payload, Role, StageKey, Stages};

fn payloads() -> Vec<(&'static str, Payload)> {
    let item = ItemId::new();
    let (m, case, round) = (MeetingId::new(), CaseId::new(), RoundId::new());
    let stage = |k: &str| StageKey::new(k);
    vec![
        (
            "create in innkommet",
            Payload::CreateItem {
                item,
                stage: stage("innkommet"),
                fields: vec![],
            },
        ),
        (
            "create in vurdering",
            Payload::CreateItem {
                item,
                stage: stage("vurdering"),
                fields: vec![],
            },
        ),
        (
            "create in gjennomforing",
            Payload::CreateItem {
                item,
                stage: stage("gjennomforing"),
                fields: vec![],
            },
        ),
        (
            "edit",
            Payload::EditItem {
                item,
                changes: vec![],
            },
        ),
        (
            "move to innkommet",
            Payload::MoveItem {
                item,
                to: stage("innkommet"),
            },
        ),
        (
            "move to prioritert",
            Payload::MoveItem {
                item,
                to: stage("prioritert"),
            },
        ),
        (
            "move to parkert",
            Payload::MoveItem {
                item,
                to: stage("parkert"),
            },
        ),
        (
            "move to gjennomforing",
            Payload::MoveItem {
                item,
                to: stage("gjennomforing"),
            },
        ),
        (
            "move to avsluttet",
            Payload::MoveItem {
                item,
                to: stage("avsluttet"),
            },
        ),
        ("delete", Payload::DeleteItem { item }),
        ("restore", Payload::RestoreItem { item }),
        (
            "bulk move to avvist",
            Payload::MoveItems {
                items: vec![item, ItemId::new()],
                to: stage("avvist"),
                reason: Some("Dekkes av en nasjonal løsning".into()),
            },
        ),
        (
            "bulk move to gjennomforing",
            Payload::MoveItems {
                items: vec![item],
                to: stage("gjennomforing"),
                reason: None,
            },
        ),
        (
            "score",
            Payload::ScoreItem {
                item,
                set: "prosjektportalen".into(),
                scores: None,
            },
        ),
        (
            "schedule a meeting",
            meeting(schedule(m, "2026-11-26 10:00")),
        ),
        ("add a case", meeting(add_case(m, case, "Felles arkiv"))),
        (
            "open a vote",
            meeting(open_round(round, case, yes_no_rules(5), false)),
        ),
        ("close a vote", meeting(close_round(round))),
        (
            "record a decision",
            meeting(decide(case, "Felles arkiv", "Vedtatt.", Reached::Unanimous)),
        ),
        (
            "record a decision that moves its items to Prioritert",
            meeting(decide_moving(case, item, "prioritert")),
        ),
        (
            "record a decision that moves its items past Prioritert",
            meeting(decide_moving(case, item, "gjennomforing")),
        ),
        (
            "approve minutes",
            meeting(MeetingChange::Minutes {
                meeting: m,
                status: MinutesStatus::Approved,
            }),
        ),
    ]
}

/// A decision that moves `item` to `to` in the same op.
fn decide_moving(case: CaseId, item: styr::model::ItemId, to: &str) -> MeetingChange {
    let mut change = decide(case, "Felles arkiv", "Vedtatt.", Reached::Unanimous);
    if let MeetingChange::Decide { decision } = &mut change {
        decision.items = vec![item];
        decision.moved_to = Some(StageKey::new(to));
    }
    change
}

fn meeting(change: MeetingChange) -> Payload {
    Payload::Meeting {
        change: Box::new(change),
    }
}

/// The least role of each payload above, written out by hand from the rules in DOMAIN.md:
/// members propose, secretaries prepare, only the chair moves past Prioritert.
const LEAST: [Role; 22] = [
    Role::Member,
    Role::Secretary,
    Role::Chair,
    Role::Member,
    Role::Secretary,
    Role::Secretary,
    Role::Secretary,
    Role::Chair,
    Role::Chair,
    Role::Secretary,
    Role::Secretary,
    // Triage's bulk moves: as single moves.
    Role::Secretary,
    Role::Chair,
    // Scoring is one's own view, as editing is.
    Role::Member,
    // Meetings: the secretary prepares and records, the chair runs the votes.
    Role::Secretary,
    Role::Secretary,
    Role::Chair,
    Role::Chair,
    Role::Secretary,
    // A decision that moves items needs what the move needs.
    Role::Secretary,
    Role::Chair,
    Role::Secretary,
];

#[test]
fn every_role_against_every_op_kind() {
    let stages = Stages::default();
    assert_eq!(
        payloads().len(),
        LEAST.len(),
        "a least role for every payload"
    );
    for ((name, payload), least) in payloads().iter().zip(LEAST) {
        for role in Role::ALL {
            let result = check(&stages, role, payload);
            assert_eq!(
                result.is_ok(),
                role >= least,
                "{role} doing {name}: {result:?}"
            );
            if let Err(denied) = result {
                assert_eq!(denied.needs, least, "{name}");
                assert_eq!(denied.has, role);
            }
        }
    }
}

#[test]
fn viewers_write_nothing_and_only_admins_manage_users() {
    for role in Role::ALL {
        assert_eq!(role.can_write(), role != Role::Viewer);
        assert_eq!(role.manages_users(), role == Role::Admin);
    }
}

#[test]
fn roles_parse_from_their_names_and_refuse_others() {
    for role in Role::ALL {
        assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        assert_eq!(role.as_str().to_uppercase().parse::<Role>(), Ok(role));
    }
    let err = "boss".parse::<Role>().unwrap_err();
    assert!(err.contains("viewer, member"), "{err}");
}

#[test]
fn without_a_prioritert_stage_nothing_needs_the_chair() {
    let stages = Stages::new(
        ["ny", "arbeid", "ferdig"]
            .iter()
            .map(|k| styr::model::Stage {
                key: StageKey::new(k),
                name: k.to_string(),
                name_en: k.to_string(),
                side: false,
            })
            .collect(),
    )
    .expect("valid stages");
    assert_eq!(role_for_stage(&stages, &StageKey::new("ny")), Role::Member);
    assert_eq!(
        role_for_stage(&stages, &StageKey::new("ferdig")),
        Role::Secretary
    );
}
