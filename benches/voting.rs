//! Meeting mode under load: 50 voters on loopback cast one ballot each within one second,
//! and the chair, following `GET /api/v1/events`, sees the round's count go up. Measured:
//!
//! * **ballot → chair's count**: from sending a ballot to the first `count` event on the
//!   chair's stream that includes it. Nobody votes twice, so the counts of a round only
//!   go up and the reply to a ballot says which one it was (`ballots` = k: the k-th
//!   stored). The chair's count includes ballot k from the first event with
//!   `ballots ≥ k` (a higher count can overtake a lower one: each request handler
//!   publishes its own count after the writer answers). How often the exact event `k`
//!   came after a higher one is reported too.
//! * **ballot → reply**: the voter's own acknowledgement (the ballot stored durably).
//! * **close → reply**: the chair's `close_round` push, in which the server takes the
//!   round's 50 ballots out of the table and tallies them inside the transaction.
//! * **tally**: `styr::model::vote::tally` of 50 ballots in process, per method.
//!
//! The rounds alternate between a dot vote over three options (anonymous) and a named
//! yes/no vote, on one case of a meeting with 50 members and the chair present.
//!
//! `cargo bench --bench voting` (cargo passes `--bench`): 50 voters, 10 rounds of each
//! kind. Without `--bench` (`cargo test --benches`): a smoke run, 5 voters, 1 round each.

#[allow(dead_code)]
#[path = "../tests/common/server.rs"]
mod server;
use server as fixture;

#[allow(dead_code)]
#[path = "../tests/common/meeting.rs"]
mod meeting;

#[allow(dead_code)]
mod fanout;
use fanout::{ms, percentile};

use fixture::{client, push, SseReader, TestServer, DEADLINE};
use meeting::{add_case, attendance, close_round, dot_rules, meeting_op, open_round, schedule};
use std::time::{Duration, Instant};
use styr::model::criteria::CriteriaSet;
use styr::model::meeting::{CaseId, MeetingChange, MeetingId, RoundId};
use styr::model::vote::{
    self, Ballot, Choice, Majority, Method, RoundRules, Scores, Weighting, YesNo,
};
use styr::model::{Payload, Role};
use styr::protocol::{ballots_path, BallotRequest, PushResponse, RoundCount, EVENT_COUNT};
use tokio::sync::mpsc;

/// The municipalities of the attendance list (`meeting::attendance` deals them in turn).
const ORGS: [&str; 4] = ["Åfjord", "Indre Fosen", "Ørland", "Osen"];

/// A small deterministic generator (xorshift64*), so every run paces the same way.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dots,
    YesNo,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Dots => "dot vote, 3 options, anonymous",
            Kind::YesNo => "yes/no, named",
        }
    }
}

/// A random valid choice of the kind the round asks for.
fn choice(kind: Kind, rng: &mut Rng) -> Choice {
    match kind {
        Kind::Dots => {
            let a = rng.below(6) as u32;
            let b = rng.below(u64::from(6 - a)) as u32;
            Choice::Dots(vec![a, b, 5 - a - b])
        }
        Kind::YesNo => Choice::YesNo(match rng.below(3) {
            0 => YesNo::Yes,
            1 => YesNo::No,
            _ => YesNo::Abstain,
        }),
    }
}

fn yes_no(body_size: u32) -> RoundRules {
    meeting::yes_no_rules(body_size)
}

/// One voter's ballot: when it was sent, when the reply came, and the reply's count.
struct Cast {
    sent: Instant,
    replied: Instant,
    number: Option<u32>,
}

struct RoundTimes {
    /// Ballot → the chair's stream shows a count including it.
    seen: Vec<Duration>,
    /// Ballot → its reply.
    reply: Vec<Duration>,
    /// Ballots whose own count event came after a higher one.
    overtaken: usize,
    /// Chair's close push → its reply.
    close: Duration,
    errors: usize,
    /// How late the voters sent, against their schedule (the load generator's own lag).
    late: Vec<Duration>,
    /// Ballot → every followed stream (the chair's and, with watchers, each voter's)
    /// shows a count including it.
    every: Vec<Duration>,
    /// Ballots some stream never showed.
    every_missing: usize,
}

struct Bench {
    server: TestServer,
    chair: String,
    case: CaseId,
    /// (name, token, client): each voter has its own client and connection.
    voters: Vec<(String, String, reqwest::Client)>,
    /// Counts as each followed stream saw them: (stream, count, when). Stream 0 is the
    /// chair's; with watchers, stream i is voter i's.
    counts: mpsc::UnboundedReceiver<(usize, RoundCount, Instant)>,
    streams: usize,
    rng: Rng,
}

/// Follows `GET /api/v1/events` as `token`, stamping each count as it arrives.
async fn follow(
    url: String,
    token: String,
    stream: usize,
    tx: mpsc::UnboundedSender<(usize, RoundCount, Instant)>,
) {
    let res = reqwest::Client::new()
        .get(url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("a subscription");
    assert!(res.status().is_success());
    let mut events = SseReader::new(res);
    tokio::spawn(async move {
        while let Some(ev) = events
            .next_until(Instant::now() + Duration::from_secs(3600))
            .await
        {
            if ev.event.as_deref() == Some(EVENT_COUNT) {
                let at = Instant::now();
                let count: RoundCount = serde_json::from_str(&ev.data).expect("a count");
                if tx.send((stream, count, at)).is_err() {
                    return;
                }
            }
        }
    });
}

impl Bench {
    /// A meeting with `voters` members and the chair. With `watchers`, every voter also
    /// follows the event stream, as each member's client does.
    async fn start(voters: usize, watchers: bool) -> Bench {
        let server = TestServer::start().await;
        let c = client();
        let secretary = server.add_user("sekretaer", Role::Secretary).await;
        let chair = server.add_user("leder", Role::Chair).await;
        let mut members = Vec::new();
        for i in 1..=voters {
            let name = format!("medlem-{i:02}");
            let token = server.add_user(&name, Role::Member).await;
            let voter_client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .timeout(Duration::from_secs(30))
                .build()
                .expect("a client");
            members.push((name, token, voter_client));
        }
        let meeting = MeetingId::new();
        let case = CaseId::new();
        let mut present = vec!["leder"];
        present.extend(members.iter().map(|(n, _, _)| n.as_str()));
        let ops = vec![
            meeting_op("x", schedule(meeting, "2026-11-26 10:00")),
            meeting_op("x", attendance(meeting, &present, &[])),
            meeting_op("x", add_case(meeting, case, "Felles sak- og arkivsystem")),
        ];
        let res = push(&c, &server.url, &secretary, &ops).await;
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());

        // The chair's stream (and each voter's): a reader task stamps each count as it
        // arrives.
        let (tx, counts) = mpsc::unbounded_channel();
        follow(server.events_url(), chair.clone(), 0, tx.clone()).await;
        let mut streams = 1;
        if watchers {
            for (_, token, _) in &members {
                follow(server.events_url(), token.clone(), streams, tx.clone()).await;
                streams += 1;
            }
        }
        // Every voter's connection is open before the first round.
        for (_, token, vc) in &members {
            let res = vc
                .get(format!("{}{}", server.url, styr::protocol::PATH_ME))
                .bearer_auth(token)
                .send()
                .await
                .expect("the server answers");
            assert!(res.status().is_success());
        }
        Bench {
            server,
            chair,
            case,
            voters: members,
            counts,
            streams,
            rng: Rng(0x005E_EDB4_1107),
        }
    }

    async fn chair_push(&self, change: MeetingChange) -> PushResponse {
        let res = push(
            &client(),
            &self.server.url,
            &self.chair,
            &[meeting_op("x", change)],
        )
        .await;
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
        res.json().await.expect("acks")
    }

    async fn round(&mut self, kind: Kind, c: &reqwest::Client) -> RoundTimes {
        let n = self.voters.len();
        let body = n as u32 + 1;
        let rules = match kind {
            Kind::Dots => dot_rules(&["Arkiv", "Velferd", "Skole"], 5, body),
            Kind::YesNo => yes_no(body),
        };
        let round = RoundId::new();
        self.chair_push(open_round(round, self.case, rules, kind == Kind::Dots))
            .await;

        // One ballot per voter, spread over one second: voter i in slot i of n, at a
        // random moment within its slot.
        let slot = Duration::from_secs(1) / n as u32;
        let start = Instant::now() + Duration::from_millis(50);
        let mut tasks = Vec::new();
        for (i, (_, token, vc)) in self.voters.iter().enumerate() {
            let at = start
                + slot * i as u32
                + Duration::from_micros(self.rng.below(slot.as_micros() as u64));
            let url = format!("{}{}", self.server.url, ballots_path(&round));
            let request = BallotRequest {
                choice: choice(kind, &mut self.rng),
                on_behalf_of: None,
            };
            let (token, vc) = (token.clone(), vc.clone());
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                let sent = Instant::now();
                let res = vc.post(url).bearer_auth(token).json(&request).send().await;
                let number = match res {
                    Ok(r) if r.status().is_success() => {
                        r.json::<RoundCount>().await.ok().map(|c| c.ballots)
                    }
                    _ => None,
                };
                (
                    at,
                    Cast {
                        sent,
                        replied: Instant::now(),
                        number,
                    },
                )
            }));
        }
        let mut casts = Vec::new();
        let mut late = Vec::new();
        for t in tasks {
            let (at, cast) = t.await.expect("a voter");
            late.push(cast.sent.saturating_duration_since(at));
            casts.push(cast);
        }

        // Each stream's counts of this round, until its last one (or the deadline).
        let mut firsts = vec![vec![None::<Instant>; n + 1]; self.streams];
        let until = Instant::now() + DEADLINE;
        while firsts.iter().any(|f| f[n].is_none()) {
            let left = until.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.counts.recv()).await {
                Ok(Some((stream, count, at))) if count.round == round => {
                    if let Some(slot) = firsts[stream].get_mut(count.ballots as usize) {
                        slot.get_or_insert(at);
                    }
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        // The first moment each stream's count was at least k.
        let at_leasts: Vec<Vec<Option<Instant>>> = firsts
            .iter()
            .map(|first_of| {
                let mut at_least = first_of.clone();
                for k in (0..n).rev() {
                    at_least[k] = match (at_least[k], at_least[k + 1]) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                }
                at_least
            })
            .collect();
        let (first_of, at_least) = (&firsts[0], &at_leasts[0]);
        let mut times = RoundTimes {
            seen: Vec::new(),
            reply: Vec::new(),
            overtaken: 0,
            close: Duration::ZERO,
            errors: 0,
            late,
            every: Vec::new(),
            every_missing: 0,
        };
        for cast in &casts {
            let seen = cast
                .number
                .and_then(|k| at_least.get(k as usize).copied().flatten());
            match (cast.number, seen) {
                (Some(k), Some(seen)) => {
                    times.seen.push(seen.saturating_duration_since(cast.sent));
                    times.reply.push(cast.replied - cast.sent);
                    if first_of[k as usize] != Some(seen) {
                        times.overtaken += 1;
                    }
                }
                _ => times.errors += 1,
            }
            // The last of the streams to show it.
            let every = cast.number.and_then(|k| {
                at_leasts
                    .iter()
                    .map(|a| a.get(k as usize).copied().flatten())
                    .collect::<Option<Vec<Instant>>>()
                    .and_then(|v| v.into_iter().max())
            });
            match every {
                Some(at) => times.every.push(at.saturating_duration_since(cast.sent)),
                None => times.every_missing += 1,
            }
        }

        let t0 = Instant::now();
        let res = push(
            c,
            &self.server.url,
            &self.chair,
            &[meeting_op("x", close_round(round))],
        )
        .await;
        times.close = t0.elapsed();
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
        let acks: PushResponse = res.json().await.expect("acks");
        let Payload::Meeting { change } = &acks.acks[0].op.payload else {
            panic!("the close is a meeting op");
        };
        let MeetingChange::CloseRound { result, .. } = &**change else {
            panic!("the close op");
        };
        let counted = result.as_ref().map(|r| r.ballots).unwrap_or(0);
        if counted as usize != n {
            times.errors += n.saturating_sub(counted as usize);
        }
        times
    }
}

/// Rules and 50 valid ballots for each method, for the in-process tally.
fn tally_cases(voters: usize) -> Vec<(&'static str, RoundRules, Vec<Ballot>)> {
    let mut rng = Rng(0x7A11_7A11);
    let options: Vec<String> = ["Arkiv", "Velferd", "Skole", "Økonomi"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let base = RoundRules {
        options: options.clone(),
        ..yes_no(voters as u32 + 1)
    };
    let ballots = |rng: &mut Rng, f: &mut dyn FnMut(&mut Rng) -> Choice| -> Vec<Ballot> {
        (0..voters)
            .map(|i| Ballot {
                voter: Some(format!("medlem-{:02}", i + 1)),
                org: ORGS[i % ORGS.len()].to_string(),
                choice: f(rng),
                hand_counted: false,
            })
            .collect()
    };
    let ranked = |rng: &mut Rng| {
        let mut v: Vec<usize> = (0..4).collect();
        for i in (1..v.len()).rev() {
            v.swap(i, rng.below(i as u64 + 1) as usize);
        }
        v
    };
    let dots = |rng: &mut Rng| {
        let a = rng.below(6) as u32;
        let b = rng.below(u64::from(6 - a)) as u32;
        let c = rng.below(u64::from(6 - a - b)) as u32;
        Choice::Dots(vec![a, b, c, 5 - a - b - c])
    };
    let criteria = CriteriaSet::prosjektportalen();
    let marks = criteria.criteria.len();
    vec![
        (
            "yes/no, named",
            yes_no(voters as u32 + 1),
            ballots(&mut rng, &mut |r| choice(Kind::YesNo, r)),
        ),
        (
            "dots, 4 options",
            RoundRules {
                method: Method::Dots { per_voter: 5 },
                ..base.clone()
            },
            ballots(&mut rng, &mut |r| dots(r)),
        ),
        (
            "dots, 4 options, per municipality",
            RoundRules {
                method: Method::Dots { per_voter: 5 },
                weighting: Weighting::PerOrganisation,
                ..base.clone()
            },
            ballots(&mut rng, &mut |r| dots(r)),
        ),
        (
            "Borda, 4 options",
            RoundRules {
                method: Method::Borda,
                ..base.clone()
            },
            ballots(&mut rng, &mut |r| Choice::Ranked(ranked(r))),
        ),
        (
            "approval, 4 options",
            RoundRules {
                method: Method::Approval,
                ..base.clone()
            },
            ballots(&mut rng, &mut |r| {
                Choice::Approval((0..4).filter(|_| r.below(2) == 0).collect())
            }),
        ),
        (
            "scoring, 5 criteria × 4 options",
            RoundRules {
                method: Method::Scoring { criteria },
                ..base.clone()
            },
            ballots(&mut rng, &mut |r| Choice::Scores {
                per_option: (0..4)
                    .map(|_| Scores {
                        criteria: (0..marks).map(|_| 1 + r.below(5) as u8).collect(),
                        adjustment: 0,
                        comment: String::new(),
                    })
                    .collect(),
            }),
        ),
        (
            "yes/no, two-thirds, casting vote",
            RoundRules {
                method: Method::YesNo {
                    majority: Majority::TwoThirds,
                },
                casting_vote: true,
                chair: Some("medlem-01".into()),
                ..yes_no(voters as u32 + 1)
            },
            ballots(&mut rng, &mut |r| choice(Kind::YesNo, r)),
        ),
    ]
}

fn sorted(mut v: Vec<Duration>) -> Vec<Duration> {
    v.sort();
    v
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (voters, rounds, tally_iters) = if full { (50, 10, 5_000) } else { (5, 1, 10) };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let mut bench = Bench::start(voters, false).await;
        let c = client();
        // Warm up: one round of each kind, not counted.
        for kind in [Kind::Dots, Kind::YesNo] {
            bench.round(kind, &c).await;
        }
        if !full {
            println!(
                "(smoke run, e.g. under `cargo test --benches`: {voters} voters, {rounds} round \
                 of each kind; `cargo bench` passes --bench for the real run)"
            );
        }
        println!(
            "| round | rounds × ballots | ballot → chair's count p50 | p99 | max \
             | ballot → reply p50 | p99 | close → reply p50 | p99 | max | overtaken | errors |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for kind in [Kind::Dots, Kind::YesNo] {
            let (mut seen, mut reply, mut close, mut late) = (vec![], vec![], vec![], vec![]);
            let (mut overtaken, mut errors) = (0, 0);
            for _ in 0..rounds {
                let t = bench.round(kind, &c).await;
                seen.extend(t.seen);
                reply.extend(t.reply);
                late.extend(t.late);
                close.push(t.close);
                overtaken += t.overtaken;
                errors += t.errors;
            }
            let (seen, reply, close, late) =
                (sorted(seen), sorted(reply), sorted(close), sorted(late));
            println!(
                "| {} | {rounds} × {voters} | {} | {} | {} | {} | {} | {} | {} | {} | {overtaken} \
                 | {errors} |",
                kind.name(),
                ms(percentile(&seen, 0.50)),
                ms(percentile(&seen, 0.99)),
                ms(seen.last().copied().unwrap_or_default()),
                ms(percentile(&reply, 0.50)),
                ms(percentile(&reply, 0.99)),
                ms(percentile(&close, 0.50)),
                ms(percentile(&close, 0.99)),
                ms(close.last().copied().unwrap_or_default()),
            );
            eprintln!(
                "({}: voters sent {} late at p50, {} at p99, against their schedule)",
                kind.name(),
                ms(percentile(&late, 0.50)),
                ms(percentile(&late, 0.99)),
            );
        }
        let (_dir, _db) = bench.server.shutdown().await;
    });

    println!();
    println!("| `vote::tally`, in process | ballots | p50 | p99 | max |");
    println!("|---|---:|---:|---:|---:|");
    for (name, rules, ballots) in tally_cases(voters) {
        let check = vote::tally(&rules, &ballots);
        assert_eq!(check.rejected, 0, "{name}: every ballot is valid");
        let mut times = Vec::with_capacity(tally_iters);
        for _ in 0..tally_iters {
            let t0 = Instant::now();
            let result = vote::tally(std::hint::black_box(&rules), std::hint::black_box(&ballots));
            times.push(t0.elapsed());
            std::hint::black_box(result);
        }
        let times = sorted(times);
        println!(
            "| {name} | {} | {} | {} | {} |",
            ballots.len(),
            us(percentile(&times, 0.50)),
            us(percentile(&times, 0.99)),
            us(times.last().copied().unwrap_or_default()),
        );
    }
}

/// Ballot → every screen, for the peers harness: `voters` members, each following the
/// event stream as its client does, and the chair; `rounds` rounds of each kind after
/// one warm-up round of each.
#[allow(dead_code)] // used by the peers harness
pub struct EveryScreen {
    pub times: Vec<Duration>,
    pub errors: usize,
}

#[allow(dead_code)] // used by the peers harness
pub fn every_screen(voters: usize, rounds: usize) -> EveryScreen {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let mut bench = Bench::start(voters, true).await;
        let c = client();
        for kind in [Kind::Dots, Kind::YesNo] {
            bench.round(kind, &c).await;
        }
        let mut out = EveryScreen {
            times: Vec::new(),
            errors: 0,
        };
        for _ in 0..rounds {
            for kind in [Kind::Dots, Kind::YesNo] {
                let t = bench.round(kind, &c).await;
                out.times.extend(t.every);
                out.errors += t.errors + t.every_missing;
            }
        }
        out.times.sort();
        let (_dir, _db) = bench.server.shutdown().await;
        out
    })
}
