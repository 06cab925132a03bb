//! Tally of 50 ballots, for each method: what the server and every client pay each time a
//! ballot arrives in meeting mode (they re-tally the whole round). 50 is a large ordering
//! committee with deputies; the ballots are spread over four municipalities and weighted
//! per organisation, the costlier weighting. The ballots are fixed (no randomness), so runs
//! compare.
//!
//! `cargo bench --bench tally` (add `-- --quick` for a short run).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use std::hint::black_box;
use styr::model::criteria::CriteriaSet;
use styr::model::vote::{
    tally, Ballot, Choice, Majority, Method, Outcome, RoundRules, Scores, Weighting, YesNo,
};

const BALLOTS: usize = 50;
const OPTIONS: usize = 5;
const ORGS: [&str; 4] = ["Åfjord", "Indre Fosen", "Ørland", "Osen"];

fn rules(method: Method) -> RoundRules {
    RoundRules {
        method,
        options: (0..OPTIONS).map(|i| format!("forslag {i}")).collect(),
        weighting: Weighting::PerOrganisation,
        body_size: BALLOTS as u32,
        casting_vote: true,
        election: false,
        chair: Some("leder".to_string()),
    }
}

/// Ballot `i`'s choice under `method`: varied, valid, deterministic.
fn choice(method: &Method, i: usize) -> Choice {
    match method {
        Method::YesNo { .. } => Choice::YesNo([YesNo::Yes, YesNo::No, YesNo::Abstain][i % 3]),
        Method::Dots { per_voter } => {
            let mut dots = vec![0; OPTIONS];
            for d in 0..*per_voter as usize {
                dots[(i + d * d) % OPTIONS] += 1;
            }
            Choice::Dots(dots)
        }
        Method::Borda => Choice::Ranked((0..OPTIONS).map(|k| (i + 2 * k) % OPTIONS).collect()),
        Method::Approval => Choice::Approval(
            (0..OPTIONS)
                .filter(|k| !(i + k).is_multiple_of(3))
                .collect(),
        ),
        Method::Scoring { criteria } => Choice::Scores {
            per_option: (0..OPTIONS)
                .map(|o| Scores {
                    criteria: (0..criteria.criteria.len())
                        .map(|c| 1 + ((i + o + c) % 5) as u8)
                        .collect(),
                    adjustment: (i % 3) as i8 - 1,
                    comment: "begrunnelse".to_string(),
                })
                .collect(),
        },
    }
}

fn ballots(method: &Method) -> Vec<Ballot> {
    (0..BALLOTS)
        .map(|i| Ballot {
            voter: Some(if i == 0 {
                "leder".to_string()
            } else {
                format!("medlem-{i:02}")
            }),
            org: ORGS[i % ORGS.len()].to_string(),
            choice: choice(method, i),
            hand_counted: i % 10 == 9,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let methods = [
        (
            "yes_no",
            Method::YesNo {
                majority: Majority::Simple,
            },
        ),
        ("dots", Method::Dots { per_voter: 5 }),
        ("borda", Method::Borda),
        (
            "scoring",
            Method::Scoring {
                criteria: CriteriaSet::prosjektportalen(),
            },
        ),
        ("approval", Method::Approval),
    ];
    let mut group = c.benchmark_group("tally of 50 ballots");
    for (name, method) in methods {
        let r = rules(method.clone());
        let ballots = ballots(&method);
        let result = tally(&r, &ballots);
        assert_eq!(
            result.ballots as usize, BALLOTS,
            "{name}: every ballot valid"
        );
        assert_ne!(result.outcome, Outcome::NoQuorum);
        group.bench_with_input(BenchmarkId::from_parameter(name), &ballots, |b, ballots| {
            b.iter(|| tally(black_box(&r), black_box(ballots)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
