//! proptest strategies for the model: ops, payloads and field values.
//!
//! Item ids come from a small fixed pool so that generated ops collide: edits hit items
//! that exist, creates repeat, and some ops name items that were never created. Op ids
//! are random, so two generated ops never share one by chance; duplicates are made on
//! purpose with [`with_duplicates`].

use chrono::{Datelike, NaiveDate};
use proptest::prelude::*;
use std::collections::BTreeSet;
use styr::model::meeting::{CaseId, Decision, DecisionId, MeetingChange, Reached};
use styr::model::vote::Scores;
use styr::model::{Anchor, FieldValue, ItemId, Op, OpId, Payload, StageKey, Stages, OP_VERSION};
use uuid::Uuid;

/// `n` fixed item ids, the same in every run.
pub fn item_pool(n: u128) -> Vec<ItemId> {
    (1..=n).map(|i| ItemId(Uuid::from_u128(i))).collect()
}

pub fn item_id(pool: Vec<ItemId>) -> impl Strategy<Value = ItemId> {
    prop::sample::select(pool)
}

pub fn op_id() -> impl Strategy<Value = OpId> {
    any::<u128>().prop_map(|n| OpId(Uuid::from_u128(n)))
}

/// Mostly the real board's stage keys, sometimes an unknown one (ops from a
/// differently configured board must fold too).
pub fn stage_key() -> impl Strategy<Value = StageKey> {
    let known = Stages::default()
        .all()
        .iter()
        .map(|s| s.key.clone())
        .collect::<Vec<_>>();
    prop_oneof![
        4 => prop::sample::select(known),
        1 => "[a-z_]{1,10}".prop_map(|s| StageKey::new(&s)),
    ]
}

/// Text as people type it (Norwegian letters, dashes), or any string at all (control
/// characters, quotes and backslashes that JSON must escape).
pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-ZæøåÆØÅ0-9 ,.:;–/-]{0,24}",
        1 => any::<String>(),
    ]
}

pub fn text_list() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(text(), 0..4)
}

/// Any date chrono can represent, from year -262143 to 262142.
pub fn date() -> impl Strategy<Value = NaiveDate> {
    let min = NaiveDate::MIN.num_days_from_ce();
    let max = NaiveDate::MAX.num_days_from_ce();
    prop_oneof![
        // Dates the plans actually use.
        3 => 730_000i32..740_000,
        1 => min..=max,
    ]
    .prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).expect("in chrono's range"))
}

pub fn anchor() -> impl Strategy<Value = Anchor> {
    (text(), prop::collection::vec(any::<u32>(), 0..4))
        .prop_map(|(area, goals)| Anchor { area, goals })
}

/// One value for each of the nineteen fields, with equal weight.
pub fn field_value() -> impl Strategy<Value = FieldValue> {
    prop_oneof![
        text().prop_map(FieldValue::Title),
        text().prop_map(FieldValue::Description),
        text().prop_map(FieldValue::Submitter),
        prop::collection::vec(anchor(), 0..3).prop_map(FieldValue::Anchoring),
        any::<Option<u32>>().prop_map(FieldValue::Priority),
        text().prop_map(FieldValue::ProjectLeader),
        text_list().prop_map(FieldValue::ProjectGroup),
        text().prop_map(FieldValue::Timeline),
        prop::option::of(date()).prop_map(FieldValue::TimelineStart),
        prop::option::of(date()).prop_map(FieldValue::TimelineEnd),
        any::<Option<u64>>().prop_map(FieldValue::Funds),
        text().prop_map(FieldValue::FundingSource),
        text().prop_map(FieldValue::BenefitSummary),
        text().prop_map(FieldValue::SavedCosts),
        text().prop_map(FieldValue::SavedTime),
        text().prop_map(FieldValue::IncreasedQuality),
        text().prop_map(FieldValue::IntroducesSystem),
        text().prop_map(FieldValue::RetiresSystem),
        text_list().prop_map(FieldValue::Tags),
    ]
}

pub fn field_values() -> impl Strategy<Value = Vec<FieldValue>> {
    prop::collection::vec(field_value(), 0..4)
}

/// Marks for a criteria set: mostly valid (one mark 1–5 per criterion of a known set,
/// an adjustment with a comment), sometimes not (a wrong count, a mark or adjustment out
/// of range, an unknown set, an adjustment without a comment), since the fold and the
/// server must cope with both. `None` is a withdrawal.
pub fn score() -> impl Strategy<Value = (String, Option<Scores>)> {
    let valid = prop::sample::select(vec![("prosjektportalen", 5usize), ("nordland", 3)])
        .prop_flat_map(|(set, n)| {
            (
                prop::collection::vec(1u8..=5, n),
                -5i8..=5,
                "[a-zæøå ]{1,12}",
            )
                .prop_map(move |(criteria, adjustment, comment)| {
                    (
                        set.to_string(),
                        Some(Scores {
                            criteria,
                            adjustment,
                            comment,
                        }),
                    )
                })
        });
    let any = (
        prop_oneof![
            Just("prosjektportalen".to_string()),
            Just("nordland".to_string()),
            "[a-z]{0,6}",
        ],
        prop::option::of(
            (prop::collection::vec(0u8..=7, 0..7), any::<i8>(), text()).prop_map(
                |(criteria, adjustment, comment)| Scores {
                    criteria,
                    adjustment,
                    comment,
                },
            ),
        ),
    );
    prop_oneof![
        4 => valid,
        1 => Just(("nordland".to_string(), None)),
        1 => any,
    ]
}

/// Which kinds of payload a strategy may produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kinds {
    All,
    /// Edit, move, delete, restore and score: the ops that change an existing item.
    Changes,
}

pub fn payload(pool: Vec<ItemId>, kinds: Kinds) -> BoxedStrategy<Payload> {
    let create =
        (item_id(pool.clone()), stage_key(), field_values()).prop_map(|(item, stage, fields)| {
            Payload::CreateItem {
                item,
                stage,
                fields,
            }
        });
    let edit = (
        item_id(pool.clone()),
        prop::collection::vec(field_value(), 1..4),
    )
        .prop_map(|(item, changes)| Payload::EditItem { item, changes });
    let move_ =
        (item_id(pool.clone()), stage_key()).prop_map(|(item, to)| Payload::MoveItem { item, to });
    let delete = item_id(pool.clone()).prop_map(|item| Payload::DeleteItem { item });
    let restore = item_id(pool.clone()).prop_map(|item| Payload::RestoreItem { item });
    let score = (item_id(pool.clone()), score())
        .prop_map(|(item, (set, scores))| Payload::ScoreItem { item, set, scores });
    let decide = decide_moving(pool);
    match kinds {
        Kinds::All => prop_oneof![
            3 => create,
            4 => edit,
            2 => move_,
            1 => delete,
            1 => restore,
            2 => score,
            1 => decide,
        ]
        .boxed(),
        Kinds::Changes => prop_oneof![
            3 => edit,
            2 => move_,
            1 => delete,
            1 => restore,
            2 => score,
        ]
        .boxed(),
    }
}

/// A decision that moves the items it affects, in the same op: the fold moves them. Its
/// case is random (a server refuses it; the fold of items does not look).
pub fn decide_moving(pool: Vec<ItemId>) -> impl Strategy<Value = Payload> {
    (
        prop::collection::vec(item_id(pool), 0..3),
        prop::option::of(stage_key()),
        any::<u128>(),
        text(),
    )
        .prop_map(|(items, moved_to, n, text)| Payload::Meeting {
            change: Box::new(MeetingChange::Decide {
                decision: Box::new(Decision {
                    id: DecisionId(Uuid::from_u128(n)),
                    case: CaseId(Uuid::from_u128(n.rotate_left(64))),
                    case_number: None,
                    title: "Sak".into(),
                    proposal: String::new(),
                    text,
                    reached: Reached::Unanimous,
                    dissent: vec![],
                    disqualified: vec![],
                    closed_session: None,
                    exempt: None,
                    items,
                    moved_to,
                    corrects: None,
                    recorded_by: String::new(),
                    recorded_at: 0,
                    chain: None,
                }),
            }),
        })
}

/// An op of the current version around `payload`, with arbitrary metadata.
pub fn op_with(payload: impl Strategy<Value = Payload>) -> impl Strategy<Value = Op> {
    (
        op_id(),
        text(),
        any::<i64>(),
        any::<u64>(),
        any::<u64>(),
        payload,
    )
        .prop_map(|(op_id, author, at, client_seq, base_seq, payload)| Op {
            v: OP_VERSION,
            op_id,
            author,
            at,
            client_seq,
            base_seq,
            payload,
        })
}

pub fn op(pool: Vec<ItemId>) -> impl Strategy<Value = Op> {
    op_with(payload(pool, Kinds::All))
}

/// Any op at all: its item id is random too, not from a fixed pool.
pub fn any_op() -> impl Strategy<Value = Op> {
    prop::collection::vec(any::<u128>().prop_map(|n| ItemId(Uuid::from_u128(n))), 1..4)
        .prop_flat_map(op)
}

/// A sequence of ops, each with its own op id.
pub fn ops(pool: Vec<ItemId>, len: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(pool), len).prop_map(unique_op_ids)
}

/// Gives every op its own op id. Random ids never collide, but shrinking drives them
/// all towards zero; a shared id would make two different ops look like one.
pub fn unique_op_ids(mut ops: Vec<Op>) -> Vec<Op> {
    let mut used = BTreeSet::new();
    for op in &mut ops {
        while !used.insert(op.op_id) {
            op.op_id = next_id(op.op_id);
        }
    }
    ops
}

/// `id`, or the next id after it that none of `ops` uses.
pub fn op_id_not_in(mut id: OpId, ops: &[Op]) -> OpId {
    while ops.iter().any(|o| o.op_id == id) {
        id = next_id(id);
    }
    id
}

fn next_id(id: OpId) -> OpId {
    OpId(Uuid::from_u128(id.0.as_u128().wrapping_add(1)))
}

/// Where to put copies of ops: each pair picks an op already in the sequence and a
/// place somewhere after it. See [`with_duplicates`].
pub fn duplicate_picks(max: usize) -> impl Strategy<Value = Vec<(usize, usize)>> {
    prop::collection::vec((any::<usize>(), any::<usize>()), 0..max)
}

/// `ops` with a copy of some of them inserted later in the sequence, as a retried push
/// or a replayed log delivers them. A copy may itself be copied again.
pub fn with_duplicates(ops: &[Op], picks: &[(usize, usize)]) -> Vec<Op> {
    let mut out = ops.to_vec();
    if out.is_empty() {
        return out;
    }
    for &(src, place) in picks {
        let src = src % out.len();
        // Anywhere after the original: src + 1 ..= len.
        let at = src + 1 + place % (out.len() - src);
        let copy = out[src].clone();
        out.insert(at, copy);
    }
    out
}

/// A random sequence of ops with duplicates mixed in, over `pool`.
pub fn ops_with_duplicates(
    pool: Vec<ItemId>,
    len: std::ops::Range<usize>,
) -> impl Strategy<Value = Vec<Op>> {
    (ops(pool, len), duplicate_picks(8)).prop_map(|(ops, picks)| with_duplicates(&ops, &picks))
}

/// Splits `n` things into batches of the given sizes (each at least one), the last
/// batch taking what is left.
pub fn batches<T>(items: &[T], sizes: &[usize]) -> Vec<Vec<T>>
where
    T: Clone,
{
    let mut out = Vec::new();
    let mut rest = items;
    let mut sizes = sizes.iter().cycle();
    while !rest.is_empty() {
        let n = sizes.next().copied().unwrap_or(1).clamp(1, rest.len());
        let (head, tail) = rest.split_at(n);
        out.push(head.to_vec());
        rest = tail;
    }
    out
}
