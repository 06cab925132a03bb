//! Import and export: the sample files, round trips, malformed input.

use proptest::prelude::*;
use std::path::PathBuf;
use styr::io::demo::{demo_ops, FOSEN_CSV, PROPOSALS_CSV};
use styr::io::export::{to_csv, to_json};
use styr::io::import::{
    read_csv, read_csv_with, read_json, read_path, to_ops, ImportError, ImportedItem, RowReason,
};
use styr::model::{
    histories, Anchor, FieldName, FieldValue, Item, ItemId, Op, Payload, Portfolio, Stage,
    StageKey, Stages,
};

const AT: i64 = 1_700_000_000_000;
const FOSEN_HEADER: &str = "prioritet,tiltak,strategisk_forankring,prosjektleder,prosjektgruppe,tidsplan,prosjektmidler_nok,finansiering";

fn field(row: &ImportedItem, name: FieldName) -> Option<&FieldValue> {
    row.fields.iter().find(|f| f.name() == name)
}

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/io/data")
        .join(name)
}

/// The JSON export without history (what `read_json` reads does not depend on it).
fn json(p: &Portfolio) -> String {
    to_json(p, &Default::default())
}

fn demo() -> Portfolio {
    Portfolio::fold(&demo_ops(AT))
}

/// Imports `rows` into `into` as the app would, and returns the resulting portfolio.
fn import_into(into: &Portfolio, rows: Vec<ImportedItem>) -> (Portfolio, usize) {
    let ops = to_ops(rows, into, &Stages::default(), "radgiver-a", AT);
    let mut p = into.clone();
    for op in &ops {
        p.apply(op);
    }
    (p, ops.len())
}

#[test]
fn fosen_action_plan_imports_as_it_is() {
    let rows = read_path(&sample("fosen-handlingsplan-2012-2013.csv")).expect("imports");
    assert_eq!(rows, read_csv(FOSEN_CSV).expect("imports"));
    assert_eq!(rows.len(), 11);
    assert!(rows.iter().all(|r| r.id.is_none() && r.stage.is_none()));

    let hr = &rows[3];
    assert_eq!(hr.title(), "Personalstyringssystem");
    assert_eq!(
        field(hr, FieldName::Priority),
        Some(&FieldValue::Priority(Some(4)))
    );
    assert_eq!(
        field(hr, FieldName::Funds),
        Some(&FieldValue::Funds(Some(1_500_000)))
    );
    assert_eq!(
        field(hr, FieldName::ProjectLeader),
        Some(&FieldValue::ProjectLeader("Åfjord kommune".into()))
    );
    assert_eq!(
        field(hr, FieldName::Anchoring),
        Some(&FieldValue::Anchoring(vec![
            Anchor {
                area: "Teknologiutvikling".into(),
                goals: vec![1]
            },
            Anchor {
                area: "Organisasjon – samhandling – innovasjon".into(),
                goals: vec![1]
            },
        ]))
    );
    assert_eq!(
        field(hr, FieldName::ProjectGroup),
        Some(&FieldValue::ProjectGroup(vec![
            "Prosjektleder".into(),
            "En repr. for Fosen IKT".into(),
            "Personalsjef".into()
        ]))
    );
    assert_eq!(
        field(hr, FieldName::Timeline),
        Some(&FieldValue::Timeline("2. kv. 2012 og ut 2013".into()))
    );
    assert_eq!(
        field(hr, FieldName::FundingSource),
        Some(&FieldValue::FundingSource(
            "Lyses ut på anbud 1. halvår 2012. Budsjett 2013 (usikkert beløp)".into()
        ))
    );
    // The hovedprosjekt's funds are the largest: 2 500 000.
    assert_eq!(
        field(&rows[2], FieldName::Funds),
        Some(&FieldValue::Funds(Some(2_500_000)))
    );
    let priorities: Vec<_> = rows
        .iter()
        .map(|r| field(r, FieldName::Priority).cloned())
        .collect();
    let expected: Vec<_> = (1..=11)
        .map(|n| Some(FieldValue::Priority(Some(n))))
        .collect();
    assert_eq!(priorities, expected);
}

#[test]
fn proposals_import_as_they_are_into_innkommet() {
    let rows = read_path(&sample("demo-proposals.csv")).expect("imports");
    assert_eq!(rows.len(), 24);
    let school = rows
        .iter()
        .find(|r| r.title() == "Digitalt skolebevis")
        .expect("the school ID proposal is there");
    assert_eq!(
        field(school, FieldName::Submitter),
        Some(&FieldValue::Submitter("Nordland fylkeskommune".into()))
    );
    assert_eq!(
        field(school, FieldName::BenefitSummary),
        Some(&FieldValue::BenefitSummary(
            "Elever slipper papirbevis; rabatt på kollektivtransport uten lærekontrakt".into()
        ))
    );
    assert_eq!(
        field(school, FieldName::Anchoring),
        Some(&FieldValue::Anchoring(vec![Anchor {
            area: "Digital dialog og samhandling".into(),
            goals: vec![]
        }]))
    );
    let (p, added) = import_into(&Portfolio::default(), rows);
    assert_eq!(added, 24);
    assert_eq!(p.in_stage(&StageKey::new(Stages::INCOMING)).len(), 24);
}

#[test]
fn demo_puts_measures_in_their_stages_and_proposals_in_innkommet() {
    let ops = demo_ops(AT);
    assert_eq!(ops.len(), 35);
    assert!(ops.iter().all(|o| o.author == "demo" && o.at == AT));
    let p = Portfolio::fold(&ops);
    let titles = |k: &str| -> Vec<String> {
        p.in_stage(&StageKey::new(k))
            .iter()
            .map(|i| i.title.clone())
            .collect()
    };
    assert_eq!(
        titles(Stages::TRIAL),
        ["Døgnåpen digital forvaltning – forprosjekt"]
    );
    assert_eq!(titles(Stages::IN_PROGRESS).len(), 5);
    assert!(titles(Stages::IN_PROGRESS).contains(&"Personalstyringssystem".to_string()));
    assert!(titles(Stages::PRIORITISED)
        .contains(&"Døgnåpen digital forvaltning – hovedprosjekt".to_string()));
    assert_eq!(titles(Stages::INCOMING).len(), 24);
    // Deterministic apart from ids: a second build has the same items in the same order.
    let again = Portfolio::fold(&demo_ops(AT));
    let strip = |p: &Portfolio| -> Vec<(String, StageKey, Option<u64>)> {
        p.items()
            .map(|i| (i.title.clone(), i.stage.clone(), i.funds_nok))
            .collect()
    };
    assert_eq!(strip(&p), strip(&again));
}

#[test]
fn csv_round_trip_gives_the_same_text() {
    let first = to_csv(&demo());
    let rows = read_csv(&first).expect("styr reads its own export");
    assert_eq!(rows.len(), 35);
    assert!(rows.iter().all(|r| r.id.is_some() && r.stage.is_some()));
    let (p, added) = import_into(&Portfolio::default(), rows);
    assert_eq!(added, 35);
    assert_eq!(to_csv(&p), first);
}

#[test]
fn json_round_trip_keeps_every_field() {
    let ops = demo_ops(AT);
    let original = Portfolio::fold(&ops);
    let first = to_json(&original, &histories(&ops));
    assert!(first.contains("\"author\": \"demo\""), "{first}");
    let rows = read_json(&first).expect("styr reads its own export");
    assert_eq!(rows.len(), 35);
    let (copy, added) = import_into(&Portfolio::default(), rows.clone());
    assert_eq!(added, 35);
    // Every item is the same; the history is new (new op ids, new author).
    let items = |p: &Portfolio| -> Vec<Item> { p.all_items().cloned().collect() };
    assert_eq!(items(&copy), items(&original));
    assert_eq!(read_json(&json(&copy)).expect("reads"), rows);
    assert_eq!(to_csv(&copy), to_csv(&original));
    let import_ops = to_ops(
        rows,
        &Portfolio::default(),
        &Stages::default(),
        "radgiver-a",
        AT,
    );
    let with_history = to_json(&copy, &histories(&import_ops));
    assert!(
        with_history.contains("\"author\": \"radgiver-a\""),
        "{with_history}"
    );
    assert_eq!(
        read_json(&with_history).expect("reads"),
        read_json(&json(&copy)).expect("reads")
    );
}

#[test]
fn reimporting_an_export_adds_nothing() {
    let p = demo();
    let (after_csv, added) = import_into(&p, read_csv(&to_csv(&p)).expect("reads"));
    assert_eq!(added, 0);
    assert_eq!(after_csv, p);
    let (after_json, added) = import_into(&p, read_json(&json(&p)).expect("reads"));
    assert_eq!(added, 0);
    assert_eq!(after_json, p);
    // A row added to the export by hand, without an id, is the one thing imported.
    let mut edited = to_csv(&p);
    // As wide as the header, however many columns the export has.
    let columns = edited.lines().next().expect("a header").split(',').count();
    edited.push_str(&format!(",,Ny idé fra Osen{}\n", ",".repeat(columns - 3)));
    let (after, added) = import_into(&p, read_csv(&edited).expect("reads"));
    assert_eq!(added, 1);
    assert_eq!(after.len(), 36);
}

#[test]
fn deleted_items_stay_out_of_csv_and_out_of_a_json_reimport() {
    let mut p = demo();
    let victim = p.items().next().expect("demo has items").id;
    p.apply(&Op::new(
        "radgiver-a",
        AT + 1,
        Payload::DeleteItem { item: victim },
    ));
    assert_eq!(read_csv(&to_csv(&p)).expect("reads").len(), 34);
    let json = json(&p);
    assert!(json.contains(&victim.to_string()), "JSON keeps every item");
    let rows = read_json(&json).expect("reads");
    assert_eq!(rows.len(), 34);
    assert!(rows.iter().all(|r| r.id != Some(victim)));
    // Nor is it brought back when the export is imported into the same portfolio.
    let (after, added) = import_into(&p, rows);
    assert_eq!(added, 0);
    assert!(after.get(&victim).is_none());
}

#[test]
fn bad_funds_on_line_4_fails_the_whole_file() {
    let text = format!(
        "{FOSEN_HEADER}\n\
         1,Bestillerfunksjonen,Kompetanse: hovedmål 1,Fosen Regionråd,Rådmann,2012,100 000,Fond\n\
         2,Papirløse møter,,Rådmannsgruppen,,2013,75000,Budsjett\n\
         3,Samhandlingsverktøy,,,,2013,\"12,5 mill\",Budsjett\n\
         4,Introduksjonskurs,,,,2012,50000,Fond\n"
    );
    let err = read_csv(&text).unwrap_err();
    assert_eq!(
        err,
        ImportError::Row {
            line: 4,
            reason: RowReason::NotKroner {
                column: "prosjektmidler_nok".into(),
                value: "12,5 mill".into()
            }
        }
    );
    assert_eq!(
        err.to_string(),
        "line 4: 'prosjektmidler_nok' is not a whole number of kroner: '12,5 mill'"
    );
}

#[test]
fn funds_accept_spaces_and_no_break_spaces() {
    let text = format!(
        "{FOSEN_HEADER}\n1,A,,,,,100000,\n2,B,,,,,100 000,\n3,C,,,,,2 500 000,\n4,D,,,,,2\u{a0}500\u{a0}000,\n5,E,,,,,,\n"
    );
    let funds: Vec<_> = read_csv(&text)
        .expect("reads")
        .iter()
        .map(|r| field(r, FieldName::Funds).cloned())
        .collect();
    assert_eq!(
        funds,
        [
            Some(FieldValue::Funds(Some(100_000))),
            Some(FieldValue::Funds(Some(100_000))),
            Some(FieldValue::Funds(Some(2_500_000))),
            Some(FieldValue::Funds(Some(2_500_000))),
            None,
        ]
    );
}

#[test]
fn unknown_header_is_a_format_error_naming_the_expected_columns() {
    let err = read_csv("navn,kommune,beløp\nA,Osen,100\n").unwrap_err();
    let ImportError::Format(reason) = &err else {
        panic!("expected a format error, got {err:?}");
    };
    let msg = reason.to_string();
    assert!(msg.contains("'navn', 'kommune', 'beløp'"), "{msg}");
    for expected in [
        FOSEN_HEADER.replace(',', ", "),
        "tittel, fra, beskrivelse, strategisk_forankring, gevinst".to_string(),
    ] {
        assert!(msg.contains(&expected), "{msg}");
    }
    assert!(msg.contains("id, stage, title"), "{msg}");
}

#[test]
fn an_extra_column_is_named_not_dropped() {
    let err = read_csv("Tittel , fra, Kommentar\nA,Osen,viktig\n").unwrap_err();
    let ImportError::Format(reason) = &err else {
        panic!("expected a format error, got {err:?}");
    };
    let msg = reason.to_string();
    assert!(msg.contains("'Kommentar'"), "{msg}");
}

#[test]
fn empty_title_is_an_error_with_its_line() {
    let err = read_csv("tittel,fra\nA,Osen\n  ,Ørland\n").unwrap_err();
    assert_eq!(err.line(), Some(3));
    assert!(err.to_string().contains("'tittel' is empty"), "{err}");
}

#[test]
fn embedded_newlines_keep_later_line_numbers_right() {
    // The first proposal's description spans lines 2–4; the bad row is on line 6.
    let text = "tittel,fra,beskrivelse\n\
                Chatbot,ROR-IKT,\"Første linje\nandre linje\ntredje linje\"\n\
                Intranett,Nordland,Kort\n\
                ,Osen,Mangler tittel\n";
    let err = read_csv(text).unwrap_err();
    assert_eq!(err.line(), Some(6), "{err}");
    // And a fixed file keeps the newlines in the cell.
    let rows = read_csv(&text.replace(",Osen", "Tittel,Osen")).expect("reads");
    assert_eq!(
        field(&rows[0], FieldName::Description),
        Some(&FieldValue::Description(
            "Første linje\nandre linje\ntredje linje".into()
        ))
    );
    // A bad cell inside a multi-line row is reported at the line the row starts.
    let err = read_csv("title,description,priority\nA,\"to\nlinjer\",1\nB,\"tre\n\nlinjer\",høy\n")
        .unwrap_err();
    assert_eq!(err.line(), Some(4), "{err}");
}

#[test]
fn unknown_stage_is_reported_with_its_line_before_anything_is_imported() {
    let text = "title,stage\nA,vurdering\nB,ferdig\nC,innkommet\n";
    let err = read_csv(text).unwrap_err();
    assert_eq!(err.line(), Some(3), "{err}");
    assert!(err.to_string().contains("'ferdig'"), "{err}");
    // A board that has the stage reads it.
    let mine = Stages::new(vec![
        Stage {
            key: StageKey::new("ny"),
            name: "Ny".into(),
            name_en: "New".into(),
            side: false,
        },
        Stage {
            key: StageKey::new("ferdig"),
            name: "Ferdig".into(),
            name_en: "Done".into(),
            side: false,
        },
    ])
    .expect("valid stages");
    let err = read_csv_with(text, &mine).unwrap_err();
    assert_eq!(
        err.line(),
        Some(2),
        "now 'vurdering' is the unknown one: {err}"
    );
    let rows = read_csv_with("title,stage\nA,Ferdig\nB,\n", &mine).expect("reads");
    assert_eq!(rows[0].stage, Some(StageKey::new("ferdig")));
    let ops = to_ops(rows, &Portfolio::default(), &mine, "radgiver-a", AT);
    let p = Portfolio::fold(&ops);
    assert_eq!(
        p.in_stage(&StageKey::new("ny")).len(),
        1,
        "no stage → first stage"
    );
}

#[test]
fn read_path_strips_a_bom_and_reads_by_extension() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv_path = dir.path().join("innspill.CSV");
    std::fs::write(&csv_path, format!("\u{feff}{PROPOSALS_CSV}")).expect("write");
    assert_eq!(read_path(&csv_path).expect("reads").len(), 24);

    let p = demo();
    let json_path = dir.path().join("portefolje.json");
    std::fs::write(&json_path, format!("\u{feff}{}", json(&p))).expect("write");
    let rows = read_path(&json_path).expect("reads");
    assert_eq!(rows.len(), 35);
    assert!(rows
        .iter()
        .all(|r| r.id.is_some_and(|id| p.get(&id).is_some())));

    let txt = dir.path().join("notat.txt");
    std::fs::write(&txt, "tittel\nA\n").expect("write");
    assert!(matches!(read_path(&txt), Err(ImportError::Format(_))));

    let missing = dir.path().join("borte.csv");
    assert!(matches!(read_path(&missing), Err(ImportError::Io { .. })));

    // "Åfjord" saved by an old Excel as Windows-1252: read as Windows-1252.
    let latin = dir.path().join("latin.csv");
    std::fs::write(&latin, b"tittel,fra\nA,Osen\nB,\xC5fjord\n").expect("write");
    let rows = read_path(&latin).expect("reads");
    assert_eq!(
        field(&rows[1], FieldName::Submitter),
        Some(&FieldValue::Submitter("Åfjord".into()))
    );
}

#[test]
fn ids_in_an_export_are_kept_on_import() {
    let p = demo();
    let ids: Vec<ItemId> = p.items().map(|i| i.id).collect();
    let rows = read_csv(&to_csv(&p)).expect("reads");
    let read: Vec<ItemId> = rows.iter().filter_map(|r| r.id).collect();
    assert_eq!(read, ids);
}

/// A cell: mostly arbitrary text, sometimes something close to a valid value.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9 \u{a0}]{0,12}",
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]",
        Just("vurdering".to_string()),
        Just(String::new()),
        "[a-zæøå ;:,\"\n]{0,20}",
    ]
}

fn header() -> impl Strategy<Value = Vec<String>> {
    let styr: Vec<String> = to_csv(&Portfolio::default())
        .trim_end()
        .split(',')
        .map(String::from)
        .collect();
    prop_oneof![
        Just(FOSEN_HEADER.split(',').map(String::from).collect()),
        Just(
            "tittel,fra,beskrivelse,strategisk_forankring,gevinst"
                .split(',')
                .map(String::from)
                .collect()
        ),
        Just(styr),
        proptest::collection::vec(any::<String>(), 1..5),
    ]
}

fn table() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
    header().prop_flat_map(|h| {
        let n = h.len();
        (
            Just(h),
            proptest::collection::vec(proptest::collection::vec(cell(), n), 0..6),
        )
    })
}

proptest! {
    #[test]
    fn arbitrary_cells_never_panic((header, rows) in table()) {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header).unwrap();
        for r in &rows {
            w.write_record(r).unwrap();
        }
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        match read_csv(&text) {
            Ok(items) => {
                prop_assert!(items.len() <= rows.len());
                prop_assert!(items.iter().all(|i| !i.title().trim().is_empty()));
            }
            Err(ImportError::Row { line, .. }) => {
                prop_assert!(line >= 2, "data starts on line 2, got {}", line);
                prop_assert!(line <= text.lines().count() as u64 + 1);
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        if let Err(e) = read_csv(&text) {
            prop_assert!(!e.to_string().is_empty());
        }
        if let Err(e) = read_json(&text) {
            prop_assert!(!e.to_string().is_empty());
        }
    }
}
