//! Writing the portfolio out: CSV for spreadsheets, JSON for everything.

use super::columns::{LIST_SEPARATOR, STYR};
use crate::model::{Anchor, HistoryEntry, Item, ItemId, Portfolio};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// The live items as CSV in styr's export format: one column per field (see
/// `columns::STYR`), lists joined with "; ", dates as YYYY-MM-DD, funds as plain whole
/// kroner, an empty cell where a field has no value. Items come oldest first; lines end
/// in "\n". [`crate::io::import::read_csv`] reads it back.
pub fn to_csv(p: &Portfolio) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let rows =
        std::iter::once(STYR.iter().map(|c| c.to_string()).collect()).chain(p.items().map(csv_row));
    for row in rows {
        w.write_record(&row)
            .expect("writing CSV to memory cannot fail");
    }
    let bytes = w.into_inner().expect("writing CSV to memory cannot fail");
    String::from_utf8(bytes).expect("CSV written from strings is UTF-8")
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
    let items: Vec<Exported> = p
        .all_items()
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
            format!("{id},vurdering,\"Chatbot, døgnåpen\",,,,,,IKT; Servicetorget,,2024-01-02,,2500000,,,,,,,ki; innbygger")
        );
        let all: Vec<Op> = ops.iter().cloned().chain([delete]).collect();
        let json = to_json(&p, &crate::model::histories(&all));
        assert!(json.contains("\"deleted\": true"), "{json}");
        assert!(json.contains("\"history\""), "{json}");
        assert!(json.contains("\"event\": \"deleted\""), "{json}");
    }
}
