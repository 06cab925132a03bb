//! Reading styr's own JSON export.

use super::rows::Fields;
use super::ImportedItem;
use crate::io::error::{FormatReason, JsonReason, RowReason};
use crate::io::ImportError;
use crate::model::{FieldName, Item, ItemId, Stages};
use std::collections::{BTreeSet, HashMap};

/// Reads styr's JSON export (an array of items). Stage keys are checked against the
/// default board.
pub fn read_json(text: &str) -> Result<Vec<ImportedItem>, ImportError> {
    read_json_with(text, &Stages::default())
}

/// As [`read_json`], checking stage keys against `stages`.
///
/// Every field of each item is imported, with its id and stage. Deleted items are left
/// out, and so are the history and the scores: the import starts each item's history
/// afresh, and a score is its scorer's own op, which an import cannot make for them. A key
/// styr does not know is an error, as an unknown CSV column is, so nothing is dropped
/// silently (a file from a newer styr is refused rather than half-read).
pub fn read_json_with(text: &str, stages: &Stages) -> Result<Vec<ImportedItem>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: serde_json::Value = serde_json::from_str(text).map_err(syntax_error)?;
    let array = value
        .as_array()
        .ok_or(ImportError::Format(FormatReason::JsonNotArray))?;
    let known = item_keys();
    let mut items = Vec::new();
    let mut first_of: HashMap<ItemId, usize> = HashMap::new();
    for (i, value) in array.iter().enumerate() {
        let n = i + 1;
        let error = |reason: JsonReason| ImportError::Format(FormatReason::JsonItem { n, reason });
        let object = value
            .as_object()
            .ok_or_else(|| error(JsonReason::NotObject))?;
        let unknown: Vec<String> = object
            .keys()
            .filter(|k| !known.contains(k.as_str()))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(error(JsonReason::UnknownKeys { keys: unknown }));
        }
        let item: Item = serde_json::from_value(value.clone()).map_err(|e| {
            error(JsonReason::Invalid {
                detail: e.to_string(),
            })
        })?;
        if let Some(first) = first_of.insert(item.id, n) {
            return Err(error(JsonReason::IdTwice { id: item.id, first }));
        }
        if item.deleted {
            continue;
        }
        if item.title.trim().is_empty() {
            return Err(error(JsonReason::EmptyTitle { id: item.id }));
        }
        if stages.get(&item.stage).is_none() {
            return Err(error(unknown_stage(&item, stages)));
        }
        items.push(imported(item));
    }
    Ok(items)
}

fn imported(item: Item) -> ImportedItem {
    let mut fields = Fields::default();
    for name in FieldName::ALL {
        fields.push(item.get(name));
    }
    ImportedItem {
        id: Some(item.id),
        stage: Some(item.stage),
        fields: fields.0,
    }
}

fn unknown_stage(item: &Item, stages: &Stages) -> JsonReason {
    JsonReason::UnknownStage {
        title: item.title.clone(),
        stage: item.stage.as_str().to_string(),
        stages: stages
            .all()
            .iter()
            .map(|s| s.key.as_str().to_string())
            .collect(),
    }
}

/// The keys of an item as styr's JSON export writes them: the fields of `Item` (empty
/// ones are left out when written) and its `history`. A test checks this list against
/// an item with every field set, so it cannot drift from the model.
const ITEM_KEYS: [&str; 21] = [
    "id",
    "title",
    "description",
    "submitter",
    "anchoring",
    "stage",
    "priority",
    "project_leader",
    "project_group",
    "timeline",
    "funds_nok",
    "funding_source",
    "benefits",
    "introduces_system",
    "retires_system",
    "tags",
    "scores",
    "created",
    "updated",
    "deleted",
    "history",
];

fn item_keys() -> BTreeSet<&'static str> {
    ITEM_KEYS.into_iter().collect()
}

fn syntax_error(e: serde_json::Error) -> ImportError {
    let full = e.to_string();
    let message = full
        .rfind(" at line ")
        .map_or(full.as_str(), |i| &full[..i]);
    ImportError::row(
        e.line() as u64,
        RowReason::Json {
            column: e.column(),
            detail: message.to_string(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FieldValue, StageKey};

    const ID: &str = "0190b5a0-0000-7000-8000-000000000001";

    fn item_json(extra: &str) -> String {
        format!(
            r#"[{{"id":"{ID}","title":"Chatbot","stage":"vurdering","created":1,"updated":2{extra}}}]"#
        )
    }

    #[test]
    fn reads_a_minimal_item() {
        let rows = read_json(&item_json(r#","funds_nok":5000"#)).expect("reads");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].stage, Some(StageKey::new("vurdering")));
        assert_eq!(
            rows[0].fields,
            vec![
                FieldValue::Title("Chatbot".into()),
                FieldValue::Funds(Some(5000))
            ]
        );
    }

    #[test]
    fn knows_every_key_of_an_item() {
        let mut item = Item::blank(ItemId::new(), StageKey::new("x"), 0);
        for name in FieldName::ALL {
            let text = match name {
                FieldName::Priority | FieldName::Funds => "1",
                FieldName::TimelineStart | FieldName::TimelineEnd => "2024-01-02",
                _ => "x",
            };
            item.set(FieldValue::parse(name, text).expect("a valid sample"));
        }
        item.deleted = true;
        item.scores.insert(
            "radgiver-a".into(),
            crate::model::ItemScore {
                set: "nordland".into(),
                scores: crate::model::vote::Scores {
                    criteria: vec![1, 2, 3],
                    adjustment: 0,
                    comment: String::new(),
                },
                at: 0,
            },
        );
        let written = crate::io::export::to_json(
            &crate::model::Portfolio::from_items([item]),
            &Default::default(),
        );
        let value: serde_json::Value = serde_json::from_str(&written).expect("valid JSON");
        let keys: BTreeSet<&str> = value[0]
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, item_keys());
    }

    #[test]
    fn refuses_unknown_keys_stages_and_syntax() {
        let e = read_json(&item_json(r#","colour":"red""#)).unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        let e = read_json(&item_json("").replace("vurdering", "ferdig")).unwrap_err();
        assert!(e.to_string().contains("'ferdig'"), "{e}");
        let e = read_json("[\n{\"id\": }\n]").unwrap_err();
        assert_eq!(e.line(), Some(2), "{e}");
        assert!(matches!(read_json("{}"), Err(ImportError::Format(_))));
    }

    #[test]
    fn leaves_out_deleted_items() {
        assert!(read_json(&item_json(r#","deleted":true"#))
            .expect("reads")
            .is_empty());
    }
}
