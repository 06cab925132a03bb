//! Turning imported rows into `CreateItem` ops.

use super::ImportedItem;
use crate::model::{ItemId, Op, Payload, Portfolio, Stages};
use std::collections::BTreeSet;

/// Turns imported rows into `CreateItem` ops, one per row, in file order.
///
/// A row without an id gets a new UUIDv7; a row without a stage lands in the first
/// stage. Rows whose id the portfolio already has (deleted items included) are skipped,
/// and so is a second row with the same id, so re-importing an export adds nothing
/// twice. The `read_*` functions check stages; a stage that is still not on `stages`
/// (rows built by hand) also lands in the first stage rather than in a column nobody sees.
pub fn to_ops(
    rows: Vec<ImportedItem>,
    existing: &Portfolio,
    stages: &Stages,
    author: &str,
    at_ms: i64,
) -> Vec<Op> {
    let mut seen = BTreeSet::new();
    rows.into_iter()
        .filter_map(|row| {
            let id = row.id.unwrap_or_else(ItemId::new);
            if existing.get_any(&id).is_some() || !seen.insert(id) {
                return None;
            }
            let stage = row
                .stage
                .filter(|s| stages.get(s).is_some())
                .unwrap_or_else(|| stages.first().clone());
            let payload = Payload::CreateItem {
                item: id,
                stage,
                fields: row.fields,
            };
            Some(Op::new(author, at_ms, payload))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FieldValue, StageKey};

    fn row(id: Option<ItemId>, stage: Option<&str>) -> ImportedItem {
        ImportedItem {
            id,
            stage: stage.map(StageKey::new),
            fields: vec![FieldValue::Title("A".into())],
        }
    }

    #[test]
    fn mints_ids_and_defaults_the_stage() {
        let stages = Stages::default();
        let ops = to_ops(
            vec![
                row(None, None),
                row(None, Some("ukjent")),
                row(None, Some("avvist")),
            ],
            &Portfolio::default(),
            &stages,
            "radgiver-a",
            42,
        );
        assert_eq!(ops.len(), 3);
        let stages_of: Vec<&str> = ops
            .iter()
            .map(|op| match &op.payload {
                Payload::CreateItem { stage, .. } => stage.as_str(),
                _ => panic!("only creates"),
            })
            .collect();
        assert_eq!(stages_of, ["innkommet", "innkommet", "avvist"]);
        assert!(ops.iter().all(|o| o.author == "radgiver-a" && o.at == 42));
        assert_ne!(ops[0].payload.items(), ops[1].payload.items());
    }

    #[test]
    fn skips_ids_already_there_or_repeated() {
        let stages = Stages::default();
        let id = ItemId::new();
        let first = to_ops(
            vec![row(Some(id), None)],
            &Portfolio::default(),
            &stages,
            "a",
            1,
        );
        let p = Portfolio::fold(&first);
        assert!(to_ops(vec![row(Some(id), None)], &p, &stages, "a", 2).is_empty());
        let twice = to_ops(
            vec![row(Some(id), None), row(Some(id), None)],
            &Portfolio::default(),
            &stages,
            "a",
            3,
        );
        assert_eq!(twice.len(), 1);
    }
}
