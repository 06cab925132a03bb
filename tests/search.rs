//! The search module: folding of Norwegian letters, case and decomposed characters,
//! case numbers, ranking by field, highlights in the displayed title, stale answers
//! dropped, and narrowing that finds exactly what a full search finds.

use proptest::prelude::*;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};
use styr::model::ItemId;
use styr::search::{
    search, Entry, Field, Narrowing, Query, SearchIndex, SearchResults, Searcher, Worker,
};
use uuid::Uuid;

fn id(n: usize) -> ItemId {
    ItemId(Uuid::from_u128(n as u128 + 1))
}

fn entry(n: usize, title: &str) -> Entry {
    Entry {
        item: id(n),
        group: "innkommet".into(),
        title: title.into(),
        fields: vec![],
    }
}

fn index_of(titles: &[&str]) -> SearchIndex {
    SearchIndex::from_entries(titles.iter().enumerate().map(|(n, t)| entry(n, t)))
}

fn q(text: &str) -> Query {
    Query {
        generation: 1,
        text: text.into(),
    }
}

/// Titles found for `query`, best first.
fn found(index: &SearchIndex, titles: &[&str], query: &str) -> Vec<String> {
    search(index, &q(query), None)
        .hits
        .iter()
        .map(|h| titles[(h.item.0.as_u128() - 1) as usize].to_string())
        .collect()
}

const TITLES: &[&str] = &[
    "Østre Toten: felles arkivløsning",
    "Døgnåpen digital forvaltning – forprosjekt",
    "Digital kompetanse for ansatte i Åfjord",
    "Vågå kommune: ny nettside",
    "Bærum: e-læring for skole",
    "Personalstyringssystem",
    "Va\u{30A}gsøy skole: nettbrett",
    "ÆRLIG TALT: åpne data",
];

#[test]
fn table_of_queries_with_norwegian_letters_case_and_decomposed_forms() {
    let index = index_of(TITLES);
    // (query, a title that must be found, a title that must not)
    let table: &[(&str, &str, Option<&str>)] = &[
        ("Øst", "Østre Toten: felles arkivløsning", None),
        ("østre", "Østre Toten: felles arkivløsning", None),
        ("ØSTRE", "Østre Toten: felles arkivløsning", None),
        (
            "døgnåpen",
            "Døgnåpen digital forvaltning – forprosjekt",
            None,
        ),
        (
            "DØGNÅPEN",
            "Døgnåpen digital forvaltning – forprosjekt",
            None,
        ),
        // A decomposed å in the query finds a precomposed one…
        (
            "døgna\u{30A}pen",
            "Døgnåpen digital forvaltning – forprosjekt",
            None,
        ),
        // …and a precomposed one in the query finds a decomposed title.
        ("vågsøy", "Va\u{30A}gsøy skole: nettbrett", None),
        ("VA\u{30A}GSØY", "Va\u{30A}gsøy skole: nettbrett", None),
        ("åfjord", "Digital kompetanse for ansatte i Åfjord", None),
        ("ærlig", "ÆRLIG TALT: åpne data", None),
        (
            "bærum",
            "Bærum: e-læring for skole",
            Some("ÆRLIG TALT: åpne data"),
        ),
        ("VÅGÅ", "Vågå kommune: ny nettside", None),
        ("dkomp", "Digital kompetanse for ansatte i Åfjord", None),
    ];
    for (query, must, must_not) in table {
        let got = found(&index, TITLES, query);
        assert!(got.iter().any(|t| t == must), "{query:?} → {got:?}");
        if let Some(not) = must_not {
            assert!(!got.iter().any(|t| t == not), "{query:?} → {got:?}");
        }
    }
    assert!(found(&index, TITLES, "vøgø").is_empty());
    // "Bærum: e-læring" holds æ-r-l-i-g in order too, but the whole word ranks first.
    assert_eq!(found(&index, TITLES, "ærlig")[0], "ÆRLIG TALT: åpne data");
    // å is a letter of its own, not an a with a ring to ignore.
    assert!(found(&index, TITLES, "vaga").is_empty());
}

#[test]
fn case_numbers_decisions_and_organisations_are_searched() {
    let index = SearchIndex::from_entries([
        entry(0, "Felles sak- og arkivsystem").with(Field::CaseNumber, "08/12"),
        entry(1, "Ny telefoniløsning").with(Field::CaseNumber, "09/13"),
        entry(2, "Skytjenester i skolen")
            .with(Field::Decision, "Vedtatt: innføres fra høsten")
            .with(Field::Submitter, "Nordland fylkeskommune"),
        entry(3, "Ørland: ny nettside").with(Field::Anchoring, "Kompetanse: hovedmål 2"),
    ]);
    let hits = search(&index, &q("08/12"), None).hits;
    assert_eq!(hits[0].item, id(0), "{hits:?}");
    assert_eq!(hits[0].field, Field::CaseNumber);
    assert!(hits.iter().all(|h| h.item != id(1)), "{hits:?}");
    let hits = search(&index, &q("vedtatt høsten"), None).hits;
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].item, hits[0].field), (id(2), Field::Decision));
    assert!(
        hits[0].title_highlight.is_empty(),
        "the title did not match"
    );
    let hits = search(&index, &q("NORDLAND"), None).hits;
    assert_eq!((hits[0].item, hits[0].field), (id(2), Field::Submitter));
    let hits = search(&index, &q("hovedmål"), None).hits;
    assert_eq!((hits[0].item, hits[0].field), (id(3), Field::Anchoring));
}

#[test]
fn a_title_match_ranks_above_the_same_match_in_a_description() {
    let index = SearchIndex::from_entries([
        entry(0, "Ny løsning").with(Field::Description, "Gjelder velferdsteknologi"),
        entry(1, "Velferdsteknologi i Osen"),
    ]);
    let hits = search(&index, &q("velferd"), None).hits;
    assert_eq!(hits.len(), 2);
    assert_eq!((hits[0].item, hits[0].field), (id(1), Field::Title));
    assert_eq!((hits[1].item, hits[1].field), (id(0), Field::Description));
    assert!(hits[0].score > hits[1].score);
}

#[test]
fn highlights_are_char_indices_into_the_displayed_title() {
    let titles = ["Va\u{30A}gsøy skole", "Østre Toten", "Døgnåpen forvaltning"];
    let index = index_of(&titles);
    let hl = |query: &str, n: usize| -> Vec<usize> {
        search(&index, &q(query), None)
            .hits
            .into_iter()
            .find(|h| h.item == id(n))
            .map(|h| h.title_highlight)
            .unwrap_or_default()
    };
    // The decomposed å is two characters on screen: both light up.
    assert_eq!(hl("vågs", 0), vec![0, 1, 2, 3, 4]);
    assert_eq!(hl("ØST", 1), vec![0, 1, 2]);
    assert_eq!(hl("døgnå", 2), vec![0, 1, 2, 3, 4]);
    let shown: String = titles[2]
        .chars()
        .enumerate()
        .filter(|(i, _)| hl("åpen", 2).contains(i))
        .map(|(_, c)| c)
        .collect();
    assert_eq!(shown, "åpen");
}

#[test]
fn odd_queries_never_panic() {
    let index = index_of(TITLES);
    let huge = "å".repeat(100_000);
    for text in [
        "",
        " ",
        "   \t ",
        "\u{30A}",
        "\u{30A}\u{301}",
        &huge,
        "\0",
        "🙂",
        "İ",
    ] {
        let r = search(&index, &q(text), None);
        if text.trim().is_empty() {
            assert_eq!(
                r.hits.len(),
                TITLES.len(),
                "an empty query finds everything"
            );
        }
    }
    assert!(search(&index, &q(&huge), None).hits.is_empty());
    let empty = SearchIndex::new();
    assert!(search(&empty, &q("x"), None).hits.is_empty());
    // Titles of odd characters index and search without trouble.
    let odd = index_of(&["\u{30A}", "", "a\u{30A}\u{30A}\u{30A}", "İİ"]);
    for text in ["\u{30A}", "å", "i", ""] {
        search(&odd, &q(text), None);
    }
}

#[test]
fn a_stale_answer_is_dropped() {
    let index = index_of(TITLES);
    let mut searcher = Searcher::default();
    let first = searcher.query("d");
    let second = searcher.query("dø");
    assert!(second.generation > first.generation);
    let late = search(&index, &first, None);
    let fresh = search(&index, &second, None);
    assert!(
        searcher.accept(late).is_none(),
        "the answer to 'd' came too late"
    );
    let kept = searcher
        .accept(fresh.clone())
        .expect("the latest answer is kept");
    assert_eq!(kept, fresh);
    // Closing the filter makes even the latest answer stale.
    let third = searcher.query("døg");
    searcher.cancel();
    assert!(searcher.accept(search(&index, &third, None)).is_none());
}

#[test]
fn narrowing_searches_only_the_previous_hits_and_finds_the_same() {
    let index = index_of(TITLES);
    let mut n = Narrowing::default();
    let mut generation = 0;
    let mut ask = |text: &str, n: &mut Narrowing| {
        generation += 1;
        let query = Query {
            generation,
            text: text.into(),
        };
        let narrowed = n.would_narrow(&index, text);
        (
            narrowed,
            n.search(&index, &query),
            search(&index, &query, None),
        )
    };
    for (text, narrows) in [
        ("d", false),
        ("di", true),
        ("dig", true),
        ("DIGI", true),
        ("digi ", true),
        ("dig", false),
        ("da\u{30A}", false),
        ("", false),
        ("s", false),
    ] {
        let (narrowed, got, full) = ask(text, &mut n);
        assert_eq!(narrowed, narrows, "{text:?}");
        assert_eq!(got, full, "{text:?}");
    }
    // A changed index is searched whole again.
    let mut changed = index.clone();
    changed.insert(entry(99, "Sikker sone"));
    assert!(!n.would_narrow(&changed, "sik"));
    let r = n.search(&changed, &q("sik"));
    assert!(r.hits.iter().any(|h| h.item == id(99)), "{r:?}");
}

#[test]
fn the_same_query_again_is_answered_as_a_fresh_search_would() {
    let index = index_of(TITLES);
    let mut n = Narrowing::default();
    let ask = |generation: u64, text: &str| Query {
        generation,
        text: text.into(),
    };
    let first = n.search(&index, &ask(1, "dig"));
    assert!(!first.hits.is_empty());
    // A space typed after the word, or other case: the same folded query.
    for (generation, text) in [(2, "dig "), (3, " DIG ")] {
        let again = n.search(&index, &ask(generation, text));
        assert_eq!(again, search(&index, &ask(generation, text), None));
        assert_eq!(again.hits, first.hits);
        assert_eq!((again.generation, again.text.as_str()), (generation, text));
    }
    // On a changed index the same text is ranked again, not answered from before.
    let mut changed = index.clone();
    changed.insert(entry(99, "Digitalt arkiv"));
    let r = n.search(&changed, &ask(4, "dig"));
    assert!(r.hits.iter().any(|h| h.item == id(99)), "{r:?}");
    assert_eq!(r, search(&changed, &ask(4, "dig"), None));
}

#[test]
fn the_index_follows_inserts_replacements_and_removals() {
    let mut index = index_of(&["Alfa", "Beta", "Gamma"]);
    let v = index.version();
    index.insert(entry(1, "Betong"));
    assert_ne!(index.version(), v);
    assert_eq!(index.len(), 3);
    assert_eq!(search(&index, &q("betong"), None).hits[0].item, id(1));
    index.remove(&id(0));
    index.remove(&id(0));
    assert_eq!(index.len(), 2);
    assert!(search(&index, &q("alfa"), None).hits.is_empty());
    assert_eq!(search(&index, &q("gamma"), None).hits[0].item, id(2));
}

#[test]
fn the_worker_answers_the_latest_query() {
    let index = Arc::new(index_of(TITLES));
    let (tx, rx) = mpsc::channel::<SearchResults>();
    let worker = Worker::spawn(move |r| tx.send(r).is_ok()).expect("the worker starts");
    let mut searcher = Searcher::default();
    let mut last = Query::default();
    for text in ["d", "di", "dig", "digi", "digit"] {
        last = searcher.query(text);
        worker.submit(index.clone(), last.clone());
    }
    // Intermediate queries may be skipped, but the last is always answered.
    let deadline = Instant::now() + Duration::from_secs(10);
    let answer = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let r = rx
            .recv_timeout(left)
            .expect("an answer before the deadline");
        if let Some(r) = searcher.accept(r) {
            break r;
        }
    };
    assert_eq!(answer.generation, last.generation);
    assert_eq!(answer, search(&index, &last, None));
    drop(worker);
}

/// Titles from a small alphabet rich in æøå, some decomposed, so random queries hit.
fn title() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("a"),
            Just("å"),
            Just("a\u{30A}"),
            Just("Å"),
            Just("ø"),
            Just("Ø"),
            Just("æ"),
            Just("d"),
            Just("i"),
            Just("g"),
            Just(" "),
            Just("/"),
            Just("0"),
            Just("8"),
        ],
        0..24,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    /// Growing a query one character at a time with narrowing gives exactly the
    /// results of a full search at every step: same hits, order, scores, highlights.
    #[test]
    fn narrowed_equals_full(titles in proptest::collection::vec(title(), 0..40), query in title()) {
        let index = SearchIndex::from_entries(titles.iter().enumerate().map(|(n, t)| {
            Entry { group: (n % 3).to_string(), ..entry(n, t) }
                .with(Field::Description, t.chars().rev().collect::<String>())
        }));
        let mut n = Narrowing::default();
        let mut text = String::new();
        for (g, c) in query.chars().enumerate() {
            text.push(c);
            let query = Query { generation: g as u64, text: text.clone() };
            let narrowed = n.search(&index, &query);
            let full = search(&index, &query, None);
            prop_assert_eq!(narrowed, full);
        }
    }
}

#[test]
fn the_portfolio_index_carries_the_case_numbers_and_decisions_of_meetings() {
    use styr::model::meeting::{
        CaseDetails, CaseId, Decision, DecisionId, MeetingChange, MeetingDetails, MeetingId,
        Meetings, Reached,
    };
    use styr::model::{FieldValue, Op, Payload, Portfolio, StageKey};
    let item = ItemId::new();
    let other = ItemId::new();
    let (meeting, case) = (MeetingId::new(), CaseId::new());
    let mut changes = vec![
        Payload::CreateItem {
            item,
            stage: StageKey::new("vurdering"),
            fields: vec![FieldValue::Title("Felles arkivløsning".into())],
        },
        Payload::CreateItem {
            item: other,
            stage: StageKey::new("vurdering"),
            fields: vec![FieldValue::Title("Skoleplattform".into())],
        },
    ]
    .into_iter()
    .map(|p| Op::new("sekretaer", 1, p))
    .collect::<Vec<_>>();
    let mut meetings = Meetings::default();
    for change in [
        MeetingChange::Schedule {
            meeting,
            details: MeetingDetails {
                body: "Bestillerutvalget".into(),
                starts_at: "2012-03-01 10:00".into(),
                ..Default::default()
            },
        },
        MeetingChange::AddCase {
            meeting,
            case,
            details: CaseDetails {
                title: "Arkiv".into(),
                items: vec![item],
                ..Default::default()
            },
            number: None,
        },
        MeetingChange::Decide {
            decision: Box::new(Decision {
                id: DecisionId::new(),
                case,
                case_number: None,
                title: "Arkiv".into(),
                proposal: String::new(),
                text: "Tiltaket prioriteres med sluttføring i tredje kvartal.".into(),
                reached: Reached::Unanimous,
                dissent: vec![],
                disqualified: vec![],
                closed_session: None,
                exempt: None,
                items: vec![item],
                moved_to: None,
                corrects: None,
                recorded_by: String::new(),
                recorded_at: 0,
                chain: None,
            }),
        },
    ] {
        let mut op = Op::new(
            "sekretaer",
            1,
            Payload::Meeting {
                change: Box::new(change),
            },
        );
        meetings.stamp(&mut op, |_| vec![]);
        meetings.apply(&op);
        changes.push(op);
    }
    let portfolio = Portfolio::fold(&changes);
    let index = SearchIndex::from_portfolio(&portfolio);
    for query in ["01/12", "sluttføring", "TREDJE kvartal"] {
        let hits: Vec<ItemId> = search(&index, &q(query), None)
            .hits
            .iter()
            .map(|h| h.item)
            .collect();
        assert_eq!(hits, [item], "{query:?} finds the item the case is about");
    }
}

#[test]
fn a_crowded_column_narrows_to_the_same_results_and_highlights_its_best() {
    // More hits in one group than are aligned (64): the rest keep the linear score.
    let words = [
        "digital",
        "kompetanse",
        "Åfjord",
        "økonomi",
        "skole",
        "bredbånd",
    ];
    let titles: Vec<String> = (0..300)
        .map(|k| {
            let (a, b, c) = (k % 6, (k / 6) % 6, (k / 36) % 6);
            format!("{} {} i {} #{k}", words[a], words[b], words[c])
        })
        .collect();
    let index = SearchIndex::from_entries(titles.iter().enumerate().map(|(n, t)| entry(n, t)));
    let mut n = Narrowing::default();
    let mut text = String::new();
    for (g, c) in "digital kompetanse".chars().enumerate() {
        text.push(c);
        let query = Query {
            generation: g as u64,
            text: text.clone(),
        };
        let full = search(&index, &query, None);
        assert_eq!(n.search(&index, &query), full, "{text:?}");
        // The first hits carry highlights; a title with the words in a row comes first.
        assert!(!full.hits[0].title_highlight.is_empty(), "{text:?}");
    }
    let full = search(&index, &q("digital kompetanse"), None);
    let first = &titles[(full.hits[0].item.0.as_u128() - 1) as usize];
    assert!(first.starts_with("digital kompetanse"), "{first:?}");
    let crowded = search(&index, &q("d"), None).hits.len();
    assert!(crowded > 64, "{crowded}");
}
