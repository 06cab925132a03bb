//! TaskChampion's property, against the real parts: three replicas (real synced sled
//! caches) make random changes; their pushes reach the real server store (SQLite) or are
//! lost, its deliveries to each replica are dropped, duplicated and reordered; after two
//! full sync rounds every replica is identical, equal to the server's log folded in seq
//! order, and every change a replica made is on the server exactly once (or was refused
//! by a meeting rule and taken back by the replica that made it). The changes include
//! meeting ops, whose fields the server stamps (case numbers, the decision chain).

mod common;

use common::gen::{self, Kinds};
use proptest::prelude::*;
use std::collections::BTreeSet;
use styr::model::meeting::{CaseId, MeetingChange, MeetingId, Reached};
use styr::model::{ItemId, Op, OpId, Payload, Portfolio};
use styr::protocol::SeqOp;
use styr::server::{ServerStore, SqliteStore, StoreError};
use styr::store::Store;

#[derive(Clone, Debug)]
enum Step {
    Local(usize, Payload),
    /// Replica `r` pushes its oldest pending op; the request may be lost on the way.
    Push {
        r: usize,
        lost: bool,
    },
    /// The server's op `pick` (modulo the head) reaches replica `r`, perhaps twice.
    Deliver {
        r: usize,
        pick: u64,
        twice: bool,
    },
}

/// The one meeting and three cases the meeting changes are about.
fn meeting() -> MeetingId {
    MeetingId(uuid::Uuid::from_u128(1))
}

fn cases() -> Vec<CaseId> {
    (10..13).map(|n| CaseId(uuid::Uuid::from_u128(n))).collect()
}

/// Meeting changes: some refused by the server (a case before its meeting exists, a
/// case added twice), the rest stamped by it.
fn meeting_payload(pool: Vec<ItemId>) -> impl Strategy<Value = Payload> {
    let case = prop::sample::select(cases());
    let change = prop_oneof![
        prop::sample::select(vec!["2026-03-01 10:00", "2027-01-15 10:00"])
            .prop_map(|at| common::meeting::schedule(meeting(), at)),
        (case.clone(), "[a-zæøå ]{1,12}").prop_map(|(c, title)| {
            common::meeting::add_case(meeting(), c, &format!("Sak {title}"))
        }),
        (case.clone(), any::<bool>())
            .prop_map(|(case, postponed)| MeetingChange::Postpone { case, postponed }),
        Just(()).prop_perturb(|_, mut rng| {
            let mut order = cases();
            for i in (1..order.len()).rev() {
                order.swap(i, (rng.next_u32() as usize) % (i + 1));
            }
            MeetingChange::Reorder {
                meeting: meeting(),
                order,
            }
        }),
        // A decision that moves items with it, or moves nothing.
        (
            case,
            prop::collection::vec(gen::item_id(pool), 0..3),
            prop::option::of(gen::stage_key()),
        )
            .prop_map(|(c, items, moved_to)| {
                let mut change = common::meeting::decide(c, "Sak", "Vedtatt.", Reached::Unanimous);
                if let MeetingChange::Decide { decision } = &mut change {
                    decision.items = items;
                    decision.moved_to = moved_to;
                }
                change
            }),
    ];
    change.prop_map(|c| Payload::Meeting {
        change: Box::new(c),
    })
}

/// Pushes `ops`; an op a meeting rule refuses is taken back by `cache` (and forgotten
/// in `made`), and the rest are pushed again.
async fn push(cache: &Store, server: &SqliteStore, mut ops: Vec<Op>, made: &mut BTreeSet<OpId>) {
    while !ops.is_empty() {
        match server.push(ops.clone()).await {
            Ok(_) => return,
            Err(StoreError::Refused {
                op_index: Some(i), ..
            }) => {
                let refused = ops.remove(i);
                assert!(cache.reject(&refused.op_id).expect("taken back"));
                made.remove(&refused.op_id);
            }
            Err(e) => panic!("push failed: {e}"),
        }
    }
}

fn step(pool: Vec<ItemId>) -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..3usize, gen::payload(pool.clone(), Kinds::All)).prop_map(|(r, p)| Step::Local(r, p)),
        2 => (0..3usize, meeting_payload(pool)).prop_map(|(r, p)| Step::Local(r, p)),
        2 => (0..3usize, any::<bool>()).prop_map(|(r, lost)| Step::Push { r, lost }),
        3 => (0..3usize, any::<u64>(), any::<bool>())
            .prop_map(|(r, pick, twice)| Step::Deliver { r, pick, twice }),
    ]
}

/// Confirms `seq` into `cache`, first pulling whatever is missing before it.
async fn deliver(cache: &Store, server: &SqliteStore, seq: u64) {
    let last = cache.last_seq().expect("seq");
    if seq <= last {
        let page = server.pull(seq - 1, 1).await.expect("pull");
        cache.confirm(&page.ops).expect("a duplicate is skipped");
        return;
    }
    let page = server
        .pull(last, (seq - last) as usize)
        .await
        .expect("pull");
    // Delivered out of order first: the cache refuses the gap and keeps its state.
    if seq > last + 1 {
        let alone: Vec<SeqOp> = page.ops.iter().filter(|o| o.seq == seq).cloned().collect();
        assert!(cache.confirm(&alone).is_err(), "a gap is refused");
    }
    cache.confirm(&page.ops).expect("confirmed in order");
}

async fn full_sync(cache: &Store, server: &SqliteStore, made: &mut BTreeSet<OpId>) {
    let pending = cache.outbox().expect("outbox");
    push(cache, server, pending, made).await;
    loop {
        let page = server
            .pull(cache.last_seq().expect("seq"), 1000)
            .await
            .expect("pull");
        if page.ops.is_empty() {
            break;
        }
        cache.confirm(&page.ops).expect("confirmed");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn three_replicas_converge_through_the_real_server(
        steps in prop::collection::vec(step(gen::item_pool(4)), 0..40)
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        rt.block_on(async {
            let dir = tempfile::tempdir().expect("tempdir");
            let server = SqliteStore::open(&dir.path().join("styr.db")).expect("server store");
            let caches: Vec<Store> = (0..3)
                .map(|i| Store::open_synced(&dir.path().join(format!("r{i}"))).expect("cache"))
                .collect();
            let mut made = BTreeSet::new();
            for s in steps {
                match s {
                    Step::Local(r, payload) => {
                        let mut op = Op::new(&format!("r{r}"), 1_700_000_000_000, payload);
                        op.base_seq = caches[r].last_seq().expect("seq");
                        made.insert(op.op_id);
                        caches[r].append(&[op]).expect("saved");
                    }
                    Step::Push { r, lost } => {
                        let pending = caches[r].outbox().expect("outbox");
                        if let (Some(first), false) = (pending.first(), lost) {
                            push(&caches[r], &server, vec![first.clone()], &mut made).await;
                        }
                    }
                    Step::Deliver { r, pick, twice } => {
                        let head = server.head().await.expect("head");
                        if head > 0 {
                            let seq = pick % head + 1;
                            deliver(&caches[r], &server, seq).await;
                            if twice {
                                deliver(&caches[r], &server, seq).await;
                            }
                        }
                    }
                }
            }
            for _round in 0..2 {
                for c in &caches {
                    full_sync(c, &server, &mut made).await;
                }
            }
            let log = server.pull(0, 100_000).await.expect("pull");
            let mut truth = Portfolio::default();
            for o in &log.ops {
                truth.apply_confirmed(&o.op, o.seq);
            }
            let ids: Vec<_> = log.ops.iter().map(|o| o.op.op_id).collect();
            let unique: BTreeSet<_> = ids.iter().copied().collect();
            prop_assert_eq!(ids.len(), unique.len(), "no op stored twice");
            prop_assert_eq!(&unique, &made, "every change reached the server");
            for (i, c) in caches.iter().enumerate() {
                let r = c.load_replica().expect("loads");
                prop_assert!(r.pending().is_empty(), "replica {} has pending ops", i);
                prop_assert!(r.base().is_empty(), "replica {} keeps confirmed copies", i);
                prop_assert_eq!(r.last_seq(), log.head);
                prop_assert_eq!(r.view(), &truth, "replica {} differs from the server's fold", i);
                prop_assert_eq!(
                    styr::model::meeting::verify_chain(r.view().meetings().decisions()).is_ok(),
                    true,
                    "replica {}'s decision chain holds", i
                );
            }
            Ok(())
        })?;
    }
}
