//! Writing the portfolio out: CSV for scripts and round trips, CSV for Excel, JSON for
//! everything.
//!
//! # The Excel flavour and formula injection
//! Excel in Norway expects `;` between cells (the comma is the decimal sign) and reads
//! a file as UTF-8 only when it starts with a byte order mark. And it runs a cell that
//! starts with `=`, `+`, `-` or `@` as a formula, so a proposal titled
//! `=HYPERLINK("http://…")` would become a live link (CSV or formula injection). The
//! Excel flavour therefore puts a `'` before such cells (and before a leading tab or
//! carriage return), which Excel shows as text. styr's importer takes that `'` off
//! again, so an Excel export imports back unchanged. The plain CSV flavour is for
//! scripts and keeps every cell as it is.

use super::columns::{LIST_SEPARATOR, STYR};
use crate::model::text::fold;
use crate::model::{Anchor, HistoryEntry, Item, ItemId, Portfolio, StageKey};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Which items to export: all of them by default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Text the title, description or submitter must contain, compared
    /// [folded](crate::model::text::fold) (case and composition aside).
    pub query: Option<String>,
    /// The stage the item must be in.
    pub stage: Option<StageKey>,
}

impl Filter {
    pub fn matches(&self, item: &Item) -> bool {
        if self.stage.as_ref().is_some_and(|s| *s != item.stage) {
            return false;
        }
        match self.query.as_deref().map(|q| fold(q.trim())) {
            None => true,
            Some(q) if q.is_empty() => true,
            Some(q) => [&item.title, &item.description, &item.submitter]
                .iter()
                .any(|t| fold(t).contains(&q)),
        }
    }
}

/// The stage a user named by key or by either name, without regard to case.
pub fn stage_named(text: &str, stages: &crate::model::Stages) -> Option<StageKey> {
    super::import::find_stage(text.trim(), stages)
}

/// How the CSV is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CsvFlavour {
    /// Comma-separated UTF-8 without a byte order mark, lines ending in "\n", cells as
    /// they are: what [`to_csv`] writes.
    #[default]
    Plain,
    /// For Excel in Norway: a UTF-8 byte order mark, `;` between cells, lines ending in
    /// "\r\n", and the formula guard (see the module's documentation).
    Excel,
}

/// The live items as CSV in styr's export format: one column per field (see
/// `columns::STYR`), lists joined with "; ", dates as YYYY-MM-DD, funds as plain whole
/// kroner, an empty cell where a field has no value. Items come oldest first; lines end
/// in "\n". [`crate::io::import::read_csv`] reads it back.
pub fn to_csv(p: &Portfolio) -> String {
    to_csv_with(p, &Filter::default(), CsvFlavour::Plain)
}

/// The live items that `filter` lets through, as CSV of the given flavour (see
/// [`CsvFlavour`]); the columns are those of [`to_csv`].
pub fn to_csv_with(p: &Portfolio, filter: &Filter, flavour: CsvFlavour) -> String {
    let mut builder = csv::WriterBuilder::new();
    if flavour == CsvFlavour::Excel {
        builder.delimiter(b';').terminator(csv::Terminator::CRLF);
    }
    let mut w = builder.from_writer(Vec::new());
    let rows = std::iter::once(STYR.iter().map(|c| c.to_string()).collect())
        .chain(p.items().filter(|i| filter.matches(i)).map(csv_row));
    for mut row in rows {
        if flavour == CsvFlavour::Excel {
            for cell in &mut row {
                guard(cell);
            }
        }
        w.write_record(&row)
            .expect("writing CSV to memory cannot fail");
    }
    let bytes = w.into_inner().expect("writing CSV to memory cannot fail");
    let text = String::from_utf8(bytes).expect("CSV written from strings is UTF-8");
    match flavour {
        CsvFlavour::Plain => text,
        CsvFlavour::Excel => format!("\u{feff}{text}"),
    }
}

/// Puts a `'` before a cell Excel would run as a formula.
fn guard(cell: &mut String) {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        cell.insert(0, '\'');
    }
}

fn csv_row(i: &Item) -> Vec<String> {
    let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let row = [
        i.id.to_string(),
        i.stage.to_string(),
        i.title.clone(),
        i.description.clone(),
        i.submitter.clone(),
        Anchor::format_all(&i.anchoring),
        i.priority.map(|p| p.to_string()).unwrap_or_default(),
        i.project_leader.clone(),
        i.project_group.join(LIST_SEPARATOR),
        i.timeline.text.clone(),
        date(i.timeline.start).unwrap_or_default(),
        date(i.timeline.end).unwrap_or_default(),
        i.funds_nok.map(|f| f.to_string()).unwrap_or_default(),
        i.funding_source.clone(),
        i.benefits.summary.clone(),
        i.benefits.saved_costs.clone(),
        i.benefits.saved_time.clone(),
        i.benefits.increased_quality.clone(),
        i.introduces_system.clone(),
        i.retires_system.clone(),
        i.tags.join(LIST_SEPARATOR),
    ];
    debug_assert_eq!(row.len(), STYR.len());
    row.to_vec()
}

/// One item as the JSON export writes it: its fields (empty ones left out) and its
/// history.
#[derive(serde::Serialize)]
struct Exported<'a> {
    #[serde(flatten)]
    item: &'a Item,
    history: &'a [HistoryEntry],
}

/// Every item, deleted ones too, with its history (from `histories`, e.g.
/// [`crate::store::Store::histories`]), as a pretty JSON array (oldest first, ending in
/// a newline). [`crate::io::import::read_json`] reads it back, leaving out deleted items
/// and history.
pub fn to_json(p: &Portfolio, histories: &BTreeMap<ItemId, Vec<HistoryEntry>>) -> String {
    to_json_with(p, histories, &Filter::default())
}

/// As [`to_json`], with only the items (deleted ones included) that `filter` lets through.
pub fn to_json_with(
    p: &Portfolio,
    histories: &BTreeMap<ItemId, Vec<HistoryEntry>>,
    filter: &Filter,
) -> String {
    let items: Vec<Exported> = p
        .all_items()
        .filter(|i| filter.matches(i))
        .map(|item| Exported {
            item,
            history: histories.get(&item.id).map_or(&[], Vec::as_slice),
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&items).expect("an item always serialises");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FieldValue, ItemId, Op, Payload, StageKey};

    #[test]
    fn writes_every_field_in_its_column() {
        let id = ItemId::new();
        let ops = [
            Op::new(
                "a",
                1,
                Payload::CreateItem {
                    item: id,
                    stage: StageKey::new("vurdering"),
                    fields: vec![
                        FieldValue::Title("Chatbot, døgnåpen".into()),
                        FieldValue::ProjectGroup(vec!["IKT".into(), "Servicetorget".into()]),
                        FieldValue::TimelineStart(NaiveDate::from_ymd_opt(2024, 1, 2)),
                        FieldValue::Funds(Some(2_500_000)),
                        FieldValue::Tags(vec!["ki".into(), "innbygger".into()]),
                    ],
                },
            ),
            Op::new(
                "a",
                2,
                Payload::CreateItem {
                    item: ItemId::new(),
                    stage: StageKey::new("innkommet"),
                    fields: vec![FieldValue::Title("Slettet".into())],
                },
            ),
        ];
        let mut p = Portfolio::fold(&ops);
        let delete = Op::new(
            "a",
            3,
            Payload::DeleteItem {
                item: ops[1].payload.item().expect("a create"),
            },
        );
        p.apply(&delete);
        let csv = to_csv(&p);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2, "the deleted item is left out: {csv}");
        assert_eq!(lines[0], STYR.join(","));
        assert_eq!(
            lines[1],
            format!("{id},vurdering,\"Chatbot, døgnåpen\",,,,,,IKT; Servicetorget,,2024-01-02,,2500000,,,,,,,,ki; innbygger")
        );
        let all: Vec<Op> = ops.iter().cloned().chain([delete]).collect();
        let json = to_json(&p, &crate::model::histories(&all));
        assert!(json.contains("\"deleted\": true"), "{json}");
        assert!(json.contains("\"history\""), "{json}");
        assert!(json.contains("\"event\": \"deleted\""), "{json}");
    }

    #[test]
    fn guard_quotes_what_excel_would_run() {
        for (raw, guarded) in [
            ("=SUM(A1)", "'=SUM(A1)"),
            ("+47 123", "'+47 123"),
            ("-1", "'-1"),
            ("@radgiver-a", "'@radgiver-a"),
            ("\tx", "'\tx"),
            ("Vanlig tekst", "Vanlig tekst"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            let mut s = raw.to_string();
            guard(&mut s);
            assert_eq!(s, guarded);
        }
    }
}
