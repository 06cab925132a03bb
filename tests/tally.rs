//! Vote tallies for meeting mode: every method against hand-counted expectations, ties
//! with and without the chair's casting vote, quorum, weights per municipality, invalid
//! ballots, serde round trips, and (proptest) no panics and no dependence on ballot order.

use proptest::prelude::*;
use styr::model::criteria::{CriteriaSet, PriorityClass};
use styr::model::vote::{
    tally, validate, Ballot, BallotError, Choice, Fraction, Majority, Method, MethodKind, Outcome,
    RoundResult, RoundRules, Scores, Weighting, YesNo,
};

const CHAIR: &str = "leder";

fn rules(method: Method, options: &[&str], body_size: u32) -> RoundRules {
    RoundRules {
        method,
        options: options.iter().map(|o| o.to_string()).collect(),
        weighting: Weighting::PerPerson,
        body_size,
        casting_vote: false,
        election: false,
        chair: Some(CHAIR.to_string()),
    }
}

fn ballot(voter: &str, org: &str, choice: Choice) -> Ballot {
    Ballot {
        voter: Some(voter.to_string()),
        org: org.to_string(),
        choice,
        hand_counted: false,
    }
}

fn frac(num: i64, den: u64) -> Fraction {
    Fraction::new(num, den).expect("a denominator above 0")
}

fn points(result: &RoundResult) -> Vec<i64> {
    result.totals.iter().map(|t| t.points).collect()
}

/// The same ballots reversed and rotated must give the same result.
fn assert_order_free(rules: &RoundRules, ballots: &[Ballot], result: &RoundResult) {
    let mut reversed = ballots.to_vec();
    reversed.reverse();
    assert_eq!(&tally(rules, &reversed), result, "reversed");
    for k in 1..ballots.len() {
        let mut rotated = ballots.to_vec();
        rotated.rotate_left(k);
        assert_eq!(&tally(rules, &rotated), result, "rotated by {k}");
    }
}

// ---------------------------------------------------------------- yes / no

struct YesNoCase {
    name: &'static str,
    majority: Majority,
    casting_vote: bool,
    election: bool,
    /// The chair's own ballot, part of the counts below (None: the chair did not vote).
    chair: Option<YesNo>,
    yes: usize,
    no: usize,
    abstain: usize,
    outcome: Outcome,
    by_casting_vote: bool,
}

fn yes_no_ballots(chair: Option<YesNo>, yes: usize, no: usize, abstain: usize) -> Vec<Ballot> {
    let mut answers: Vec<YesNo> = std::iter::repeat_n(YesNo::Yes, yes)
        .chain(std::iter::repeat_n(YesNo::No, no))
        .chain(std::iter::repeat_n(YesNo::Abstain, abstain))
        .collect();
    let mut ballots = Vec::new();
    if let Some(a) = chair {
        let at = answers
            .iter()
            .position(|&x| x == a)
            .expect("chair's answer counted");
        answers.remove(at);
        ballots.push(ballot(CHAIR, "Åfjord", Choice::YesNo(a)));
    }
    for (i, a) in answers.into_iter().enumerate() {
        ballots.push(ballot(
            &format!("medlem-{i:02}"),
            "Ørland",
            Choice::YesNo(a),
        ));
    }
    ballots
}

#[test]
fn yes_no_majorities_and_ties() {
    use Majority::{Simple, TwoThirds};
    use YesNo::{Abstain, No, Yes};
    let adopted = |majority| Outcome::Adopted { majority };
    let fell = |majority, tie| Outcome::NotAdopted { majority, tie };
    #[rustfmt::skip]
    let cases = [
        YesNoCase { name: "5 for, 3 against", majority: Simple, casting_vote: false, election: false, chair: None, yes: 5, no: 3, abstain: 0, outcome: adopted(Simple), by_casting_vote: false },
        YesNoCase { name: "3 for, 5 against", majority: Simple, casting_vote: false, election: false, chair: None, yes: 3, no: 5, abstain: 0, outcome: fell(Simple, false), by_casting_vote: false },
        YesNoCase { name: "abstentions do not count", majority: Simple, casting_vote: false, election: false, chair: None, yes: 2, no: 1, abstain: 6, outcome: adopted(Simple), by_casting_vote: false },
        YesNoCase { name: "tie falls without casting vote", majority: Simple, casting_vote: false, election: false, chair: Some(Yes), yes: 4, no: 4, abstain: 1, outcome: fell(Simple, true), by_casting_vote: false },
        YesNoCase { name: "tie, chair's yes decides", majority: Simple, casting_vote: true, election: false, chair: Some(Yes), yes: 4, no: 4, abstain: 1, outcome: adopted(Simple), by_casting_vote: true },
        YesNoCase { name: "tie, chair's no decides", majority: Simple, casting_vote: true, election: false, chair: Some(No), yes: 4, no: 4, abstain: 1, outcome: fell(Simple, true), by_casting_vote: true },
        YesNoCase { name: "tie in an election stays a tie", majority: Simple, casting_vote: true, election: true, chair: Some(Yes), yes: 4, no: 4, abstain: 1, outcome: fell(Simple, true), by_casting_vote: false },
        YesNoCase { name: "tie, chair abstained", majority: Simple, casting_vote: true, election: false, chair: Some(Abstain), yes: 4, no: 4, abstain: 1, outcome: fell(Simple, true), by_casting_vote: false },
        YesNoCase { name: "tie, chair did not vote", majority: Simple, casting_vote: true, election: false, chair: None, yes: 4, no: 4, abstain: 1, outcome: fell(Simple, true), by_casting_vote: false },
        YesNoCase { name: "everybody abstains", majority: Simple, casting_vote: true, election: false, chair: Some(Abstain), yes: 0, no: 0, abstain: 5, outcome: fell(Simple, false), by_casting_vote: false },
        YesNoCase { name: "6 of 9 is two thirds", majority: TwoThirds, casting_vote: false, election: false, chair: None, yes: 6, no: 3, abstain: 0, outcome: adopted(TwoThirds), by_casting_vote: false },
        YesNoCase { name: "5 of 8 is not", majority: TwoThirds, casting_vote: false, election: false, chair: None, yes: 5, no: 3, abstain: 0, outcome: fell(TwoThirds, false), by_casting_vote: false },
        YesNoCase { name: "2 of 3, abstentions aside", majority: TwoThirds, casting_vote: false, election: false, chair: None, yes: 2, no: 1, abstain: 4, outcome: adopted(TwoThirds), by_casting_vote: false },
        YesNoCase { name: "two thirds: no casting vote on a tie", majority: TwoThirds, casting_vote: true, election: false, chair: Some(Yes), yes: 4, no: 4, abstain: 0, outcome: fell(TwoThirds, false), by_casting_vote: false },
        YesNoCase { name: "two thirds of nothing", majority: TwoThirds, casting_vote: false, election: false, chair: None, yes: 0, no: 0, abstain: 5, outcome: fell(TwoThirds, false), by_casting_vote: false },
    ];
    for case in cases {
        let mut r = rules(
            Method::YesNo {
                majority: case.majority,
            },
            &[],
            (case.yes + case.no + case.abstain) as u32,
        );
        r.casting_vote = case.casting_vote;
        r.election = case.election;
        let ballots = yes_no_ballots(case.chair, case.yes, case.no, case.abstain);
        let result = tally(&r, &ballots);
        assert_eq!(result.outcome, case.outcome, "{}", case.name);
        assert_eq!(
            result.decided_by_casting_vote, case.by_casting_vote,
            "{}",
            case.name
        );
        assert!(result.quorum_met, "{}", case.name);
        assert_eq!(
            points(&result),
            vec![case.yes as i64, case.no as i64, case.abstain as i64],
            "{}",
            case.name
        );
        let labels: Vec<&str> = result.totals.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["yes", "no", "abstain"]);
        assert_order_free(&r, &ballots, &result);
    }
}

#[test]
fn summary_counts_for_the_minutes() {
    let r = rules(
        Method::YesNo {
            majority: Majority::Simple,
        },
        &[],
        10,
    );
    let result = tally(&r, &yes_no_ballots(None, 6, 3, 1));
    let counts = result.summary_counts().expect("a yes/no round");
    assert_eq!(
        (counts.yes, counts.no, counts.abstain),
        (frac(6, 1), frac(3, 1), frac(1, 1))
    );
    assert_eq!(format!("{} mot {}", counts.yes, counts.no), "6 mot 3");
    assert!(!counts.unanimous());
    let all = tally(&r, &yes_no_ballots(None, 7, 0, 2));
    assert!(all.summary_counts().unwrap().unanimous());
    let dots = tally(&rules(Method::Dots { per_voter: 1 }, &["A"], 1), &[]);
    assert_eq!(dots.summary_counts(), None);
}

// ---------------------------------------------------------------- quorum and counts

#[test]
fn quorum_is_half_the_body() {
    let yes_no = Method::YesNo {
        majority: Majority::Simple,
    };
    // (body size, ballots cast, quorum met)
    for (body, cast, met) in [
        (9, 4, false),
        (9, 5, true),
        (8, 4, true),
        (8, 3, false),
        (0, 1, true),
    ] {
        let r = rules(yes_no.clone(), &[], body);
        let result = tally(&r, &yes_no_ballots(None, cast, 0, 0));
        assert_eq!(result.quorum_met, met, "{cast} of {body}");
        assert_eq!(result.ballots, cast as u32);
        if met {
            assert_eq!(
                result.outcome,
                Outcome::Adopted {
                    majority: Majority::Simple
                }
            );
        } else {
            assert_eq!(result.outcome, Outcome::NoQuorum);
        }
        // Totals are reported either way.
        assert_eq!(points(&result), vec![cast as i64, 0, 0]);
    }
    let none = tally(&rules(yes_no.clone(), &[], 9), &[]);
    assert_eq!(none.outcome, Outcome::NoBallots);
    assert_eq!((none.ballots, none.quorum_met), (0, false));
    let empty_body = tally(&rules(yes_no, &[], 0), &[]);
    assert_eq!(empty_body.outcome, Outcome::NoBallots);
}

#[test]
fn hand_counted_ballots_count_for_quorum_and_are_reported() {
    let r = rules(
        Method::YesNo {
            majority: Majority::Simple,
        },
        &[],
        10,
    );
    let mut ballots = vec![
        ballot("medlem-a", "Åfjord", Choice::YesNo(YesNo::Yes)),
        ballot("medlem-b", "Osen", Choice::YesNo(YesNo::Yes)),
        ballot("medlem-c", "Ørland", Choice::YesNo(YesNo::No)),
    ];
    assert_eq!(tally(&r, &ballots).outcome, Outcome::NoQuorum);
    for (voter, answer) in [("vara-a", YesNo::Yes), ("vara-b", YesNo::No)] {
        let mut b = ballot(voter, "Indre Fosen", Choice::YesNo(answer));
        b.hand_counted = true;
        ballots.push(b);
    }
    let result = tally(&r, &ballots);
    assert_eq!((result.ballots, result.hand_counted), (5, 2));
    assert!(result.quorum_met);
    assert_eq!(points(&result), vec![3, 2, 0]);
    assert_eq!(
        result.outcome,
        Outcome::Adopted {
            majority: Majority::Simple
        }
    );
    let by_hand: Vec<&str> = (result.named.iter())
        .filter(|n| n.hand_counted)
        .map(|n| n.voter.as_str())
        .collect();
    assert_eq!(by_hand, ["vara-a", "vara-b"]);
    assert_order_free(&r, &ballots, &result);
}

#[test]
fn a_replaced_ballot_counts_once_when_the_caller_passes_the_latest() {
    let r = rules(
        Method::YesNo {
            majority: Majority::Simple,
        },
        &[],
        4,
    );
    let first = vec![
        ballot(CHAIR, "Åfjord", Choice::YesNo(YesNo::Yes)),
        ballot("medlem-a", "Osen", Choice::YesNo(YesNo::No)),
        ballot("medlem-b", "Ørland", Choice::YesNo(YesNo::Yes)),
        ballot("medlem-c", "Indre Fosen", Choice::YesNo(YesNo::No)),
    ];
    let before = tally(&r, &first);
    assert_eq!(
        before.outcome,
        Outcome::NotAdopted {
            majority: Majority::Simple,
            tie: true
        }
    );
    // medlem-a changes to yes; the server keeps only the latest ballot per voter.
    let mut latest = first.clone();
    latest[1].choice = Choice::YesNo(YesNo::Yes);
    let after = tally(&r, &latest);
    assert_eq!(after.ballots, 4);
    assert_eq!(points(&after), vec![3, 1, 0]);
    assert_eq!(
        after.outcome,
        Outcome::Adopted {
            majority: Majority::Simple
        }
    );
    let a: Vec<&Choice> = (after.named.iter())
        .filter(|n| n.voter == "medlem-a")
        .map(|n| &n.choice)
        .collect();
    assert_eq!(a, [&Choice::YesNo(YesNo::Yes)]);
}

#[test]
fn named_votes_are_sorted_and_only_for_named_rounds() {
    let r = rules(Method::Approval, &["A", "B"], 3);
    let mut ballots = vec![
        ballot("vara-b", "Osen", Choice::Approval(vec![1])),
        ballot(CHAIR, "Åfjord", Choice::Approval(vec![0, 1])),
        ballot("medlem-a", "Ørland", Choice::Approval(vec![])),
    ];
    let result = tally(&r, &ballots);
    let voters: Vec<&str> = result.named.iter().map(|n| n.voter.as_str()).collect();
    assert_eq!(voters, [CHAIR, "medlem-a", "vara-b"]);
    assert_eq!(result.named[0].org, "Åfjord");
    assert_eq!(result.named[0].choice, Choice::Approval(vec![0, 1]));
    ballots[2].voter = None;
    let anonymous = tally(&r, &ballots);
    assert!(anonymous.named.is_empty());
    assert_eq!(points(&anonymous), points(&result));
}

// ---------------------------------------------------------------- ranking methods

/// A round over options with several ballots, each `(voter, choice)`.
struct RankCase {
    name: &'static str,
    method: Method,
    options: &'static [&'static str],
    casting_vote: bool,
    election: bool,
    ballots: Vec<(&'static str, Choice)>,
    points: Vec<i64>,
    outcome: Outcome,
    by_casting_vote: bool,
}

fn run_rank_cases(cases: Vec<RankCase>) {
    for case in cases {
        let mut r = rules(case.method.clone(), case.options, case.ballots.len() as u32);
        r.casting_vote = case.casting_vote;
        r.election = case.election;
        let ballots: Vec<Ballot> = (case.ballots.iter())
            .map(|(voter, choice)| ballot(voter, "Indre Fosen", choice.clone()))
            .collect();
        for b in &ballots {
            assert_eq!(validate(&r, &b.choice), Ok(()), "{}: {b:?}", case.name);
        }
        let result = tally(&r, &ballots);
        assert_eq!(points(&result), case.points, "{}", case.name);
        assert_eq!(result.outcome, case.outcome, "{}", case.name);
        assert_eq!(
            result.decided_by_casting_vote, case.by_casting_vote,
            "{}",
            case.name
        );
        assert_eq!(result.rejected, 0, "{}", case.name);
        assert_order_free(&r, &ballots, &result);
    }
}

const ABC: &[&str] = &["A", "B", "C"];
const ABCD: &[&str] = &["A", "B", "C", "D"];

#[test]
fn dots() {
    let dots = |d: &[u32]| Choice::Dots(d.to_vec());
    let m = Method::Dots { per_voter: 5 };
    let tie_abc = || {
        vec![
            (CHAIR, dots(&[3, 2, 0])),
            ("medlem-a", dots(&[0, 3, 2])),
            ("medlem-b", dots(&[2, 0, 3])),
        ]
    };
    run_rank_cases(vec![
        RankCase {
            name: "most dots wins, budget need not be used",
            method: m.clone(),
            options: ABC,
            casting_vote: false,
            election: false,
            ballots: vec![
                (CHAIR, dots(&[5, 0, 0])),
                ("medlem-a", dots(&[0, 3, 2])),
                ("medlem-b", dots(&[1, 4, 0])),
                ("vara-a", dots(&[0, 0, 1])),
            ],
            points: vec![6, 7, 3],
            outcome: Outcome::Winner { option: 1 },
            by_casting_vote: false,
        },
        RankCase {
            name: "three-way tie without casting vote",
            method: m.clone(),
            options: ABC,
            casting_vote: false,
            election: false,
            ballots: tie_abc(),
            points: vec![5, 5, 5],
            outcome: Outcome::Tie {
                options: vec![0, 1, 2],
            },
            by_casting_vote: false,
        },
        RankCase {
            name: "the chair's most-dotted tied option wins",
            method: m.clone(),
            options: ABC,
            casting_vote: true,
            election: false,
            ballots: tie_abc(),
            points: vec![5, 5, 5],
            outcome: Outcome::Winner { option: 0 },
            by_casting_vote: true,
        },
        RankCase {
            name: "no casting vote in an election",
            method: m.clone(),
            options: ABC,
            casting_vote: true,
            election: true,
            ballots: tie_abc(),
            points: vec![5, 5, 5],
            outcome: Outcome::Tie {
                options: vec![0, 1, 2],
            },
            by_casting_vote: false,
        },
        RankCase {
            name: "the chair dotted the tied options equally",
            method: m,
            options: ABC,
            casting_vote: true,
            election: false,
            ballots: vec![
                (CHAIR, dots(&[2, 2, 1])),
                ("medlem-a", dots(&[2, 2, 1])),
                ("medlem-b", dots(&[1, 1, 0])),
            ],
            points: vec![5, 5, 2],
            outcome: Outcome::Tie {
                options: vec![0, 1],
            },
            by_casting_vote: false,
        },
    ]);
}

#[test]
fn borda() {
    let ranked = |r: &[usize]| Choice::Ranked(r.to_vec());
    // With four options: first 3 points, second 2, third 1, fourth and unranked 0.
    let tie_ab = || {
        vec![
            (CHAIR, ranked(&[0, 1, 2, 3])), // A3 B2 C1
            ("medlem-a", ranked(&[1, 0])),  // B3 A2
            ("medlem-b", ranked(&[2])),     // C3
        ]
    };
    run_rank_cases(vec![
        RankCase {
            name: "partial rankings, a clear winner",
            method: Method::Borda,
            options: ABCD,
            casting_vote: false,
            election: false,
            ballots: [tie_ab(), vec![("medlem-c", ranked(&[1, 3]))]].concat(),
            points: vec![5, 8, 4, 2],
            outcome: Outcome::Winner { option: 1 },
            by_casting_vote: false,
        },
        RankCase {
            name: "tie without casting vote",
            method: Method::Borda,
            options: ABCD,
            casting_vote: false,
            election: false,
            ballots: tie_ab(),
            points: vec![5, 5, 4, 0],
            outcome: Outcome::Tie {
                options: vec![0, 1],
            },
            by_casting_vote: false,
        },
        RankCase {
            name: "the chair ranked A above B",
            method: Method::Borda,
            options: ABCD,
            casting_vote: true,
            election: false,
            ballots: tie_ab(),
            points: vec![5, 5, 4, 0],
            outcome: Outcome::Winner { option: 0 },
            by_casting_vote: true,
        },
        RankCase {
            name: "the chair ranked neither tied option",
            method: Method::Borda,
            options: ABCD,
            casting_vote: true,
            election: false,
            ballots: vec![
                (CHAIR, ranked(&[2, 3])),      // C3 D2
                ("medlem-a", ranked(&[0, 1])), // A3 B2
                ("medlem-b", ranked(&[1, 0])), // B3 A2
            ],
            points: vec![5, 5, 3, 2],
            outcome: Outcome::Tie {
                options: vec![0, 1],
            },
            by_casting_vote: false,
        },
    ]);
}

#[test]
fn approval() {
    let approve = |a: &[usize]| Choice::Approval(a.to_vec());
    let tie = |chair: &[usize]| {
        vec![
            (CHAIR, approve(chair)),
            ("medlem-a", approve(&[0, 1])),
            ("medlem-b", approve(&[1, 2])),
            ("medlem-c", approve(&[])),
        ]
    };
    run_rank_cases(vec![
        RankCase {
            name: "most approvals wins",
            method: Method::Approval,
            options: ABC,
            casting_vote: false,
            election: false,
            ballots: [tie(&[0]), vec![("medlem-d", approve(&[1]))]].concat(),
            points: vec![2, 3, 1],
            outcome: Outcome::Winner { option: 1 },
            by_casting_vote: false,
        },
        RankCase {
            name: "tie without casting vote",
            method: Method::Approval,
            options: ABC,
            casting_vote: false,
            election: false,
            ballots: tie(&[0]),
            points: vec![2, 2, 1],
            outcome: Outcome::Tie {
                options: vec![0, 1],
            },
            by_casting_vote: false,
        },
        RankCase {
            name: "the chair approved only A",
            method: Method::Approval,
            options: ABC,
            casting_vote: true,
            election: false,
            ballots: tie(&[0]),
            points: vec![2, 2, 1],
            outcome: Outcome::Winner { option: 0 },
            by_casting_vote: true,
        },
        RankCase {
            name: "the chair approved both tied options: the tie stays",
            method: Method::Approval,
            options: ABC,
            casting_vote: true,
            election: false,
            ballots: vec![
                (CHAIR, approve(&[0, 1])),
                ("medlem-a", approve(&[0, 2])),
                ("medlem-b", approve(&[1])),
            ],
            points: vec![2, 2, 1],
            outcome: Outcome::Tie {
                options: vec![0, 1],
            },
            by_casting_vote: false,
        },
    ]);
}

// ---------------------------------------------------------------- scoring

fn scores(marks: &[u8], adjustment: i8, comment: &str) -> Scores {
    Scores {
        criteria: marks.to_vec(),
        adjustment,
        comment: comment.to_string(),
    }
}

fn scoring(set: CriteriaSet) -> Method {
    Method::Scoring { criteria: set }
}

#[test]
fn scoring_one_item() {
    let r = rules(
        scoring(CriteriaSet::prosjektportalen()),
        &["Felles sak- og arkivsystem"],
        5,
    );
    let one = |s: Scores| Choice::Scores {
        per_option: vec![s],
    };
    let ballots = vec![
        ballot(CHAIR, "Åfjord", one(scores(&[5, 5, 5, 4, 4], 0, ""))), // 23
        ballot(
            "medlem-a",
            "Osen",
            one(scores(&[4, 4, 4, 3, 3], 2, "lovkrav fra neste år")),
        ), // 20
        ballot(
            "medlem-b",
            "Ørland",
            one(scores(
                &[5, 5, 5, 5, 5],
                -3,
                "overlapper med eksisterende avtale",
            )),
        ), // 22
    ];
    let result = tally(&r, &ballots);
    let total = &result.totals[0];
    assert_eq!(total.points, 65);
    assert_eq!(total.mean(), Some(frac(65, 3)));
    assert_eq!(total.mean().unwrap().x100_rounded(), 2167);
    let stats = total.scores.as_ref().expect("scoring details");
    assert_eq!((stats.min, stats.max, stats.spread()), (20, 23, 3));
    assert_eq!(
        stats.criterion_means(),
        [
            frac(14, 3),
            frac(14, 3),
            frac(14, 3),
            frac(4, 1),
            frac(4, 1)
        ]
        .map(Some)
    );
    assert_eq!(stats.class, PriorityClass::ShouldHave);
    assert_eq!(
        result.outcome,
        Outcome::Classed {
            option: 0,
            mean: frac(65, 3),
            class: PriorityClass::ShouldHave
        }
    );
    assert_eq!(result.winner(), Some(0));
    assert_order_free(&r, &ballots, &result);
}

/// Scorers whose totals (no adjustment) are `totals`, with `k` criteria each.
fn scorers_with_totals(k: usize, totals: &[u8]) -> Vec<Ballot> {
    (totals.iter().enumerate())
        .map(|(i, &t)| {
            // Spread t over k marks of 1..=5: as many 5s as fit, the rest at least 1.
            let mut marks = vec![1u8; k];
            let mut left = t - k as u8;
            for m in &mut marks {
                let add = left.min(4);
                *m += add;
                left -= add;
            }
            assert_eq!(left, 0, "total {t} fits {k} criteria");
            let choice = Choice::Scores {
                per_option: vec![scores(&marks, 0, "")],
            };
            ballot(&format!("medlem-{i}"), "Indre Fosen", choice)
        })
        .collect()
}

#[test]
fn scoring_classes_on_exact_boundaries() {
    use PriorityClass::*;
    // (criteria set, scorers' totals, mean, class)
    let cases: Vec<(CriteriaSet, Vec<u8>, Fraction, PriorityClass)> = vec![
        (
            CriteriaSet::prosjektportalen(),
            vec![22, 22, 22],
            frac(22, 1),
            ShouldHave,
        ),
        (
            CriteriaSet::prosjektportalen(),
            vec![22, 22, 23],
            frac(67, 3),
            MustHave,
        ),
        (
            CriteriaSet::prosjektportalen(),
            vec![16, 16],
            frac(16, 1),
            CouldHave,
        ),
        (
            CriteriaSet::prosjektportalen(),
            vec![16, 17],
            frac(33, 2),
            ShouldHave,
        ),
        (
            CriteriaSet::prosjektportalen(),
            vec![8, 5],
            frac(13, 2),
            WillNotHave,
        ),
        (
            CriteriaSet::nordland(),
            vec![13, 13, 14, 13, 13],
            frac(66, 5),
            ShouldHave,
        ),
        (
            CriteriaSet::nordland(),
            vec![14, 13, 14, 13, 13],
            frac(67, 5),
            MustHave,
        ),
        (
            CriteriaSet::nordland(),
            vec![5, 5, 4, 5, 5],
            frac(24, 5),
            WillNotHave,
        ),
        (
            CriteriaSet::nordland(),
            vec![5, 5, 5, 5, 5],
            frac(5, 1),
            CouldHave,
        ),
    ];
    for (set, totals, mean, class) in cases {
        let k = set.criteria.len();
        let r = rules(scoring(set.clone()), &["sak"], totals.len() as u32);
        let result = tally(&r, &scorers_with_totals(k, &totals));
        assert_eq!(
            result.outcome,
            Outcome::Classed {
                option: 0,
                mean,
                class
            },
            "{} {totals:?}",
            set.key
        );
        // The rough f64 view agrees away from rounding trouble.
        assert_eq!(set.class_of(mean.to_f64()), class);
    }
}

#[test]
fn scoring_several_options_and_a_tie() {
    let r = |casting_vote| {
        let mut r = rules(scoring(CriteriaSet::prosjektportalen()), &["A", "B"], 2);
        r.casting_vote = casting_vote;
        r
    };
    let both = |a: &[u8], b: &[u8]| Choice::Scores {
        per_option: vec![scores(a, 0, ""), scores(b, 0, "")],
    };
    let ballots = vec![
        ballot(CHAIR, "Åfjord", both(&[5, 5, 5, 5, 5], &[3, 3, 3, 3, 3])), // A25 B15
        ballot("medlem-a", "Osen", both(&[1, 1, 1, 1, 1], &[3, 3, 3, 3, 3])), // A5 B15
    ];
    let tied = tally(&r(false), &ballots);
    assert_eq!(points(&tied), vec![30, 30]);
    assert_eq!(
        tied.outcome,
        Outcome::Tie {
            options: vec![0, 1]
        }
    );
    let a = tied.totals[0].scores.as_ref().unwrap();
    let b = tied.totals[1].scores.as_ref().unwrap();
    assert_eq!((a.spread(), b.spread()), (20, 0));
    let decided = tally(&r(true), &ballots);
    assert_eq!(
        decided.outcome,
        Outcome::Classed {
            option: 0,
            mean: frac(15, 1),
            class: PriorityClass::CouldHave
        }
    );
    assert!(decided.decided_by_casting_vote);
    let mut more = ballots.clone();
    more.push(ballot(
        "medlem-b",
        "Ørland",
        both(&[2, 2, 2, 2, 2], &[4, 4, 4, 4, 4]),
    )); // A10 B20
    let b_wins = tally(&r(true), &more);
    assert_eq!(
        b_wins.outcome,
        Outcome::Classed {
            option: 1,
            mean: frac(50, 3),
            class: PriorityClass::ShouldHave
        }
    );
    assert!(!b_wins.decided_by_casting_vote);
}

// ---------------------------------------------------------------- one vote per municipality

#[test]
fn per_organisation_each_municipality_weighs_one() {
    use YesNo::{No, Yes};
    let mut r = rules(
        Method::YesNo {
            majority: Majority::Simple,
        },
        &[],
        7,
    );
    r.weighting = Weighting::PerOrganisation;
    let ballots = vec![
        ballot("medlem-a", "Åfjord", Choice::YesNo(Yes)),
        ballot("medlem-b", "Åfjord", Choice::YesNo(No)),
        ballot("medlem-c", "Indre Fosen", Choice::YesNo(Yes)),
        ballot("medlem-d", "Ørland", Choice::YesNo(Yes)),
        ballot("medlem-e", "Ørland", Choice::YesNo(Yes)),
        ballot("medlem-f", "Ørland", Choice::YesNo(No)),
        ballot("medlem-g", "Osen", Choice::YesNo(No)),
    ];
    // Åfjord ½ yes ½ no, Indre Fosen 1 yes, Ørland ⅔ yes ⅓ no, Osen 1 no:
    // yes 13/6, no 11/6 of four municipalities.
    let result = tally(&r, &ballots);
    let counts = result.summary_counts().unwrap();
    assert_eq!((counts.yes, counts.no), (frac(13, 6), frac(11, 6)));
    assert_eq!(counts.abstain, frac(0, 1));
    let total: i64 = points(&result).iter().sum();
    assert_eq!(Fraction::new(total, result.unit), Some(frac(4, 1)));
    assert_eq!(
        result.outcome,
        Outcome::Adopted {
            majority: Majority::Simple
        }
    );
    assert_order_free(&r, &ballots, &result);
}

#[test]
fn per_organisation_can_turn_the_result() {
    use YesNo::{No, Yes};
    let mut r = rules(
        Method::YesNo {
            majority: Majority::Simple,
        },
        &[],
        7,
    );
    let mut ballots: Vec<Ballot> = (0..4)
        .map(|i| ballot(&format!("medlem-{i}"), "Ørland", Choice::YesNo(Yes)))
        .collect();
    for org in ["Åfjord", "Indre Fosen", "Osen"] {
        ballots.push(ballot(&format!("vara-{org}"), org, Choice::YesNo(No)));
    }
    let people = tally(&r, &ballots);
    assert_eq!(
        people.outcome,
        Outcome::Adopted {
            majority: Majority::Simple
        }
    );
    r.weighting = Weighting::PerOrganisation;
    let orgs = tally(&r, &ballots);
    let counts = orgs.summary_counts().unwrap();
    assert_eq!((counts.yes, counts.no), (frac(1, 1), frac(3, 1)));
    assert_eq!(
        orgs.outcome,
        Outcome::NotAdopted {
            majority: Majority::Simple,
            tie: false
        }
    );
    // Quorum counts people, not municipalities.
    assert!(orgs.quorum_met);
}

#[test]
fn per_organisation_dots() {
    let mut r = rules(Method::Dots { per_voter: 4 }, &["A", "B"], 5);
    let d = |a, b| Choice::Dots(vec![a, b]);
    let ballots = vec![
        ballot("medlem-a", "Åfjord", d(0, 4)),
        ballot("medlem-b", "Åfjord", d(0, 4)),
        ballot("medlem-c", "Åfjord", d(0, 4)),
        ballot("medlem-d", "Osen", d(4, 0)),
        ballot("medlem-e", "Ørland", d(3, 1)),
    ];
    let people = tally(&r, &ballots);
    assert_eq!(points(&people), vec![7, 13]);
    assert_eq!(people.outcome, Outcome::Winner { option: 1 });
    r.weighting = Weighting::PerOrganisation;
    let orgs = tally(&r, &ballots);
    // Åfjord's three ballots are one municipality's 4 dots on B; Osen 4 on A; Ørland 3 + 1.
    let votes: Vec<Fraction> = (orgs.totals.iter())
        .map(|t| frac(t.points, orgs.unit))
        .collect();
    assert_eq!(votes, [frac(7, 1), frac(5, 1)]);
    assert_eq!(orgs.outcome, Outcome::Winner { option: 0 });
    assert_order_free(&r, &ballots, &orgs);
}

#[test]
fn per_organisation_overflow_is_reported_not_miscounted() {
    let mut r = rules(
        Method::YesNo {
            majority: Majority::Simple,
        },
        &[],
        2000,
    );
    r.weighting = Weighting::PerOrganisation;
    // Organisations with 1, 2, …, 50 ballots: the common multiple of 1..=50 exceeds u64.
    let ballots: Vec<Ballot> = (1..=50)
        .flat_map(|n| {
            (0..n).map(move |i| {
                let mut b = ballot(&format!("medlem-{n}-{i}"), "", Choice::YesNo(YesNo::Yes));
                b.org = format!("org-{n}");
                b
            })
        })
        .collect();
    let result = tally(&r, &ballots);
    assert_eq!(result.outcome, Outcome::Overflow);
    assert_eq!(result.ballots, 1275);
    // Up to 40 such organisations still fit.
    let fits: Vec<Ballot> = (ballots.iter())
        .filter(|b| b.org.trim_start_matches("org-").parse::<u32>().unwrap() <= 40)
        .cloned()
        .collect();
    let counts = tally(&r, &fits).summary_counts().unwrap();
    assert_eq!(counts.yes, frac(40, 1));
}

// ---------------------------------------------------------------- invalid ballots

#[test]
fn invalid_ballots_are_refused_and_skipped() {
    let pp = || scoring(CriteriaSet::prosjektportalen());
    let sc = |marks: &[u8], adjustment: i8, comment: &str| Choice::Scores {
        per_option: vec![scores(marks, adjustment, comment)],
    };
    let yes_no = || Method::YesNo {
        majority: Majority::Simple,
    };
    type Case = (RoundRules, Choice, BallotError);
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        (rules(yes_no(), &[], 3), Choice::Dots(vec![]), BallotError::WrongKind { method: MethodKind::YesNo, choice: MethodKind::Dots }),
        (rules(Method::Borda, ABC, 3), Choice::Approval(vec![0]), BallotError::WrongKind { method: MethodKind::Borda, choice: MethodKind::Approval }),
        (rules(Method::Dots { per_voter: 5 }, &[], 3), Choice::Dots(vec![]), BallotError::NoOptions),
        (rules(Method::Dots { per_voter: 5 }, ABC, 3), Choice::Dots(vec![3, 2, 1]), BallotError::OverBudget { used: 6, budget: 5 }),
        (rules(Method::Dots { per_voter: 5 }, ABC, 3), Choice::Dots(vec![u32::MAX, u32::MAX, 1]), BallotError::OverBudget { used: 2 * u64::from(u32::MAX) + 1, budget: 5 }),
        (rules(Method::Dots { per_voter: 5 }, ABC, 3), Choice::Dots(vec![1, 1]), BallotError::WrongLength { expected: 3, got: 2 }),
        (rules(Method::Borda, ABC, 3), Choice::Ranked(vec![0, 3]), BallotError::OptionOutOfRange { index: 3, options: 3 }),
        (rules(Method::Borda, ABC, 3), Choice::Ranked(vec![1, 1]), BallotError::DuplicateOption { index: 1 }),
        (rules(Method::Approval, ABC, 3), Choice::Approval(vec![usize::MAX]), BallotError::OptionOutOfRange { index: usize::MAX, options: 3 }),
        (rules(Method::Approval, ABC, 3), Choice::Approval(vec![2, 0, 2]), BallotError::DuplicateOption { index: 2 }),
        (rules(pp(), &["sak"], 3), Choice::Scores { per_option: vec![] }, BallotError::WrongLength { expected: 1, got: 0 }),
        (rules(pp(), &["sak"], 3), sc(&[3, 3, 3, 3], 0, ""), BallotError::CriteriaCount { option: 0, expected: 5, got: 4 }),
        (rules(scoring(CriteriaSet::nordland()), &["sak"], 3), sc(&[3, 3, 3, 3, 3], 0, ""), BallotError::CriteriaCount { option: 0, expected: 3, got: 5 }),
        (rules(pp(), &["sak"], 3), sc(&[3, 0, 3, 3, 3], 0, ""), BallotError::ScoreOutOfRange { option: 0, criterion: 1, score: 0 }),
        (rules(pp(), &["sak"], 3), sc(&[3, 3, 3, 3, 6], 0, ""), BallotError::ScoreOutOfRange { option: 0, criterion: 4, score: 6 }),
        (rules(pp(), &["sak"], 3), sc(&[3, 3, 3, 3, 3], 6, "x"), BallotError::AdjustmentOutOfRange { option: 0, adjustment: 6 }),
        (rules(pp(), &["sak"], 3), sc(&[3, 3, 3, 3, 3], i8::MIN, "x"), BallotError::AdjustmentOutOfRange { option: 0, adjustment: i8::MIN }),
        (rules(pp(), &["sak"], 3), sc(&[3, 3, 3, 3, 3], -2, "  "), BallotError::AdjustmentWithoutComment { option: 0 }),
    ];
    for (r, choice, error) in cases {
        assert_eq!(validate(&r, &choice), Err(error.clone()), "{choice:?}");
        assert!(!error.to_string().is_empty());
        // Tallied next to two valid ballots: skipped, counted, never counted for quorum.
        let good = match &r.method {
            Method::YesNo { .. } => Choice::YesNo(YesNo::Yes),
            Method::Dots { .. } => Choice::Dots(vec![0; r.options.len()]),
            Method::Borda => Choice::Ranked(vec![0]),
            Method::Approval => Choice::Approval(vec![0]),
            Method::Scoring { .. } => sc(&[3, 3, 3, 3, 3], 5, "viktig"),
        };
        let has_good = validate(&r, &good).is_ok();
        let ballots = vec![
            ballot("medlem-a", "Osen", good.clone()),
            ballot("medlem-b", "Osen", choice.clone()),
            ballot("medlem-c", "Osen", good),
        ];
        let result = tally(&r, &ballots);
        if has_good {
            assert_eq!((result.ballots, result.rejected), (2, 1), "{choice:?}");
            assert!(result.quorum_met);
            assert_ne!(result.outcome, Outcome::NoBallots);
        } else {
            assert_eq!((result.ballots, result.rejected), (0, 3), "{choice:?}");
            assert_eq!(result.outcome, Outcome::NoBallots);
        }
        assert_eq!(result.named.len(), result.ballots as usize);
        assert!(result.named.iter().all(|n| n.voter != "medlem-b"));
    }
    // Valid edge cases.
    let r = rules(Method::Dots { per_voter: 5 }, ABC, 3);
    assert_eq!(validate(&r, &Choice::Dots(vec![5, 0, 0])), Ok(()));
    let r = rules(pp(), &["sak"], 3);
    assert_eq!(validate(&r, &sc(&[1, 5, 1, 5, 1], -5, "x")), Ok(()));
    assert_eq!(validate(&r, &sc(&[1, 5, 1, 5, 1], 0, "")), Ok(()));
}

#[test]
fn a_rejected_ballot_does_not_change_the_totals() {
    let r = rules(Method::Borda, ABC, 4);
    let valid = vec![
        ballot(CHAIR, "Åfjord", Choice::Ranked(vec![2, 0, 1])),
        ballot("medlem-a", "Osen", Choice::Ranked(vec![0])),
    ];
    let mut with_bad = valid.clone();
    with_bad.push(ballot("medlem-b", "Ørland", Choice::Ranked(vec![0, 9])));
    with_bad.push(ballot("medlem-c", "Ørland", Choice::YesNo(YesNo::Yes)));
    let clean = tally(&r, &valid);
    let mixed = tally(&r, &with_bad);
    assert_eq!(points(&mixed), vec![3, 0, 2]);
    assert_eq!(points(&mixed), points(&clean));
    assert_eq!((mixed.rejected, mixed.ballots), (2, 2));
    assert_eq!(mixed.outcome, clean.outcome);
    assert_eq!(mixed.outcome, Outcome::Winner { option: 0 });
}

// ---------------------------------------------------------------- serde

fn round_trip<T>(value: &T) -> T
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).expect("serialises");
    let back: T = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(&back, value, "{json}");
    back
}

#[test]
fn everything_round_trips_through_json() {
    let methods = [
        Method::YesNo {
            majority: Majority::TwoThirds,
        },
        Method::Dots { per_voter: 3 },
        Method::Borda,
        scoring(CriteriaSet::nordland()),
        Method::Approval,
    ];
    for m in &methods {
        let mut r = rules(m.clone(), ABC, 5);
        r.weighting = Weighting::PerOrganisation;
        r.casting_vote = true;
        round_trip(&r);
    }
    let choices = [
        Choice::YesNo(YesNo::Abstain),
        Choice::Dots(vec![1, 0, 2]),
        Choice::Ranked(vec![2, 0]),
        Choice::Scores {
            per_option: vec![scores(&[1, 2, 3], -1, "«usikker» gevinst")],
        },
        Choice::Approval(vec![]),
    ];
    for c in &choices {
        round_trip(c);
        round_trip(&ballot("vara-b", "Indre Fosen", c.clone()));
    }
    // Results of every kind, through the tally.
    let mut results = Vec::new();
    for (m, c) in methods.iter().zip(&choices) {
        let r = rules(m.clone(), ABC, 1);
        let ballots = [ballot(CHAIR, "Osen", c.clone())];
        results.push(tally(&r, &ballots));
        results.push(tally(&rules(m.clone(), ABC, 9), &ballots)); // no quorum
    }
    results.push(tally(&rules(Method::Borda, ABC, 1), &[]));
    for result in &results {
        round_trip(result);
    }
    round_trip(&Outcome::Tie {
        options: vec![0, 2],
    });
    round_trip(&BallotError::OverBudget { used: 6, budget: 5 });
    round_trip(&CriteriaSet::prosjektportalen());
}

#[test]
fn json_shapes_read_well() {
    assert_eq!(
        serde_json::to_value(Method::YesNo {
            majority: Majority::TwoThirds
        })
        .unwrap(),
        serde_json::json!({"kind": "yes_no", "majority": "two_thirds"})
    );
    assert_eq!(
        serde_json::to_value(Choice::Dots(vec![1, 2])).unwrap(),
        serde_json::json!({"kind": "dots", "value": [1, 2]})
    );
    assert_eq!(
        serde_json::to_value(Outcome::Classed {
            option: 0,
            mean: frac(65, 3),
            class: PriorityClass::ShouldHave
        })
        .unwrap(),
        serde_json::json!({"kind": "classed", "option": 0, "mean": {"num": 65, "den": 3}, "class": "should_have"})
    );
    assert_eq!(
        serde_json::to_value(Weighting::PerOrganisation).unwrap(),
        serde_json::json!("per_organisation")
    );
    // Optional fields may be left out by a client.
    let minimal: RoundRules =
        serde_json::from_value(serde_json::json!({"method": {"kind": "borda"}, "body_size": 5}))
            .unwrap();
    assert_eq!(minimal.weighting, Weighting::PerPerson);
    assert!(minimal.options.is_empty() && !minimal.casting_vote && minimal.chair.is_none());
}

// ---------------------------------------------------------------- properties

fn arb_rules() -> impl Strategy<Value = RoundRules> {
    let method = prop_oneof![
        prop_oneof![Just(Majority::Simple), Just(Majority::TwoThirds)]
            .prop_map(|majority| Method::YesNo { majority }),
        (0u32..8).prop_map(|per_voter| Method::Dots { per_voter }),
        Just(Method::Borda),
        prop_oneof![
            Just(CriteriaSet::prosjektportalen()),
            Just(CriteriaSet::nordland())
        ]
        .prop_map(|criteria| Method::Scoring { criteria }),
        Just(Method::Approval),
    ];
    (
        method,
        0usize..5,
        any::<bool>(),
        0u32..16,
        any::<bool>(),
        any::<bool>(),
        prop::option::of(Just(CHAIR.to_string())),
    )
        .prop_map(
            |(method, n, per_org, body_size, casting_vote, election, chair)| RoundRules {
                method,
                options: (0..n).map(|i| format!("forslag {i}")).collect(),
                weighting: if per_org {
                    Weighting::PerOrganisation
                } else {
                    Weighting::PerPerson
                },
                body_size,
                casting_vote,
                election,
                chair,
            },
        )
}

/// Choices of every kind, mostly shaped like valid ones for up to 5 options, with
/// out-of-range indices, marks and adjustments mixed in.
fn arb_choice() -> impl Strategy<Value = Choice> {
    let index = prop_oneof![8 => 0usize..5, 1 => Just(usize::MAX)];
    let one_scores = (
        prop::collection::vec(0u8..=6, 3..=5),
        -6i8..=6,
        prop_oneof![Just(String::new()), Just("begrunnelse".to_string())],
    )
        .prop_map(|(criteria, adjustment, comment)| Scores {
            criteria,
            adjustment,
            comment,
        });
    prop_oneof![
        prop_oneof![Just(YesNo::Yes), Just(YesNo::No), Just(YesNo::Abstain)]
            .prop_map(Choice::YesNo),
        prop::collection::vec(0u32..4, 0..5).prop_map(Choice::Dots),
        prop::collection::vec(index.clone(), 0..5).prop_map(Choice::Ranked),
        prop::collection::vec(one_scores, 0..4)
            .prop_map(|per_option| Choice::Scores { per_option }),
        prop::collection::vec(index, 0..5).prop_map(Choice::Approval),
    ]
}

fn arb_ballot() -> impl Strategy<Value = Ballot> {
    (
        prop::option::of(prop::sample::select(vec![
            CHAIR, "medlem-a", "medlem-b", "vara-a", "vara-b",
        ])),
        prop::sample::select(vec!["Åfjord", "Indre Fosen", "Ørland", "Osen"]),
        arb_choice(),
        any::<bool>(),
    )
        .prop_map(|(voter, org, choice, hand_counted)| Ballot {
            voter: voter.map(str::to_string),
            org: org.to_string(),
            choice,
            hand_counted,
        })
}

fn arb_round() -> impl Strategy<Value = (RoundRules, Vec<Ballot>, Vec<Ballot>)> {
    (arb_rules(), prop::collection::vec(arb_ballot(), 0..40)).prop_flat_map(|(r, ballots)| {
        let shuffled = Just(ballots.clone()).prop_shuffle();
        (Just(r), Just(ballots), shuffled)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn tally_never_panics_and_ignores_order((r, ballots, shuffled) in arb_round()) {
        let result = tally(&r, &ballots);
        prop_assert_eq!(&tally(&r, &shuffled), &result);
        prop_assert_eq!((result.ballots + result.rejected) as usize, ballots.len());
        let valid = ballots.iter().filter(|b| validate(&r, &b.choice).is_ok()).count();
        prop_assert_eq!(result.ballots as usize, valid);
        prop_assert!(result.hand_counted <= result.ballots);
        prop_assert_eq!(result.quorum_met, result.ballots * 2 >= r.body_size);
        if result.ballots == 0 {
            prop_assert_eq!(&result.outcome, &Outcome::NoBallots);
        }
        if let Some(winner) = result.winner() {
            prop_assert!(winner < result.totals.len());
        }
        // A yes/no round hands out exactly one vote per person, or per municipality.
        if let (Method::YesNo { .. }, Some(counts)) = (&r.method, result.summary_counts()) {
            let voters = match r.weighting {
                Weighting::PerPerson => valid,
                Weighting::PerOrganisation => {
                    let orgs: std::collections::BTreeSet<&str> = (ballots.iter())
                        .filter(|b| validate(&r, &b.choice).is_ok())
                        .map(|b| b.org.as_str())
                        .collect();
                    orgs.len()
                }
            };
            let sum = counts.yes.to_f64() + counts.no.to_f64() + counts.abstain.to_f64();
            prop_assert!((sum - voters as f64).abs() < 1e-9);
        }
        prop_assert_eq!(round_trip(&result), result);
    }
}
