//! What an import would do: which rows become items, and which look like duplicates of
//! items already in the portfolio or of rows earlier in the same file.

use super::ImportedItem;
use crate::model::similar::{Index, Similar};
use crate::model::{FieldValue, Item, ItemId, Op, Payload, Portfolio, Stages};
use std::collections::{BTreeSet, HashMap};

/// The tag put on an imported item that looks like one already there, so that it can
/// be found and checked on the board. Data, not a user-interface string: the same in
/// every language.
pub const DUPLICATE_TAG: &str = "mulig-duplikat";

/// An import worked out, before anything is written.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// One `CreateItem` op per row to import, in file order.
    pub ops: Vec<Op>,
    /// The rows the ops create, in the same order.
    pub created: Vec<Planned>,
    /// Rows that look like an existing item or an earlier row: exact ones are not
    /// imported, likely ones are, tagged [`DUPLICATE_TAG`].
    pub duplicates: Vec<Duplicate>,
    /// Rows left out because the portfolio (or an earlier row) has their id already:
    /// a re-imported export.
    pub known: usize,
}

/// A row that will become an item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub line: u64,
    pub item: ItemId,
    pub title: String,
    /// Tagged as a likely duplicate.
    pub flagged: bool,
}

/// A row that looks like something already there.
#[derive(Clone, Debug, PartialEq)]
pub struct Duplicate {
    pub line: u64,
    pub title: String,
    /// What it looks like.
    pub like: Like,
    /// 0..=1, see [`crate::model::similar`].
    pub score: f32,
    /// Exact duplicates are not imported.
    pub exact: bool,
}

/// What a row looks like: an item of the portfolio, or a row earlier in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Like {
    Item { item: ItemId, title: String },
    Row { line: u64, title: String },
}

impl Like {
    pub fn title(&self) -> &str {
        match self {
            Like::Item { title, .. } | Like::Row { title, .. } => title,
        }
    }
}

/// Works out the import of `rows` (read from lines `lines`) into `existing`.
///
/// As [`super::to_ops`]: a row without an id gets a new one, a row without a stage (or
/// with one not on `stages`) lands in the first stage, and a row whose id is there
/// already is left out. Each other row is compared (by
/// [`crate::model::similar`]) with the live items of `existing` and with the rows before
/// it that are imported: an exact duplicate is left out, a likely one is imported with
/// the tag [`DUPLICATE_TAG`]; both are listed in [`Plan::duplicates`] with the best
/// match. `progress` is told (rows done, rows in all) now and then.
///
/// Cost: one similarity index over the portfolio and the imported rows, so about linear
/// in their total text (see [`crate::model::similar`]).
pub fn plan(
    rows: Vec<ImportedItem>,
    lines: &[u64],
    existing: &Portfolio,
    stages: &Stages,
    author: &str,
    at_ms: i64,
    progress: &mut dyn FnMut(u64, u64),
) -> Plan {
    enum Origin {
        Item(String),
        Row(u64, String),
    }
    let mut index = Index::default();
    let mut origin: HashMap<ItemId, Origin> = HashMap::new();
    for item in existing.items() {
        index.insert(item.id, &item.title, &item.description);
        origin.insert(item.id, Origin::Item(item.title.clone()));
    }
    let total = rows.len() as u64;
    let mut seen = BTreeSet::new();
    let mut out = Plan::default();
    for (n, row) in rows.into_iter().enumerate() {
        if n.is_multiple_of(256) {
            progress(n as u64, total);
        }
        let line = lines.get(n).copied().unwrap_or(n as u64 + 1);
        let id = row.id.unwrap_or_else(ItemId::new);
        if existing.get_any(&id).is_some() || !seen.insert(id) {
            out.known += 1;
            continue;
        }
        let title = row.title().to_string();
        let description = description(&row.fields).to_string();
        let description = description.as_str();
        let best: Option<Similar> = index.find(&title, description, 1).into_iter().next();
        let mut fields = row.fields;
        let mut flagged = false;
        if let Some(best) = best {
            let like = match origin.get(&best.item) {
                Some(Origin::Item(t)) => Like::Item {
                    item: best.item,
                    title: t.clone(),
                },
                Some(Origin::Row(l, t)) => Like::Row {
                    line: *l,
                    title: t.clone(),
                },
                None => Like::Item {
                    item: best.item,
                    title: String::new(),
                },
            };
            out.duplicates.push(Duplicate {
                line,
                title: title.clone(),
                like,
                score: best.score,
                exact: best.exact,
            });
            if best.exact {
                continue;
            }
            tag(&mut fields);
            flagged = true;
        }
        index.insert(id, &title, description);
        origin.insert(id, Origin::Row(line, title.clone()));
        let stage = row
            .stage
            .filter(|s| stages.get(s).is_some())
            .unwrap_or_else(|| stages.first().clone());
        out.ops.push(Op::new(
            author,
            at_ms,
            Payload::CreateItem {
                item: id,
                stage,
                fields,
            },
        ));
        out.created.push(Planned {
            line,
            item: id,
            title,
            flagged,
        });
    }
    progress(total, total);
    out
}

fn description(fields: &[FieldValue]) -> &str {
    fields
        .iter()
        .find_map(|f| match f {
            FieldValue::Description(d) => Some(d.as_str()),
            _ => None,
        })
        .unwrap_or("")
}

/// Adds [`DUPLICATE_TAG`] to the row's tags.
fn tag(fields: &mut Vec<FieldValue>) {
    for f in fields.iter_mut() {
        if let FieldValue::Tags(tags) = f {
            if !tags.iter().any(|t| t == DUPLICATE_TAG) {
                tags.push(DUPLICATE_TAG.to_string());
            }
            return;
        }
    }
    fields.push(FieldValue::Tags(vec![DUPLICATE_TAG.to_string()]));
}

/// Whether an item carries the duplicate tag.
pub fn is_flagged(item: &Item) -> bool {
    item.tags.iter().any(|t| t == DUPLICATE_TAG)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StageKey;

    fn row(title: &str, description: &str) -> ImportedItem {
        ImportedItem {
            id: None,
            stage: None,
            fields: vec![
                FieldValue::Title(title.into()),
                FieldValue::Description(description.into()),
            ],
        }
    }

    fn run(rows: Vec<ImportedItem>, p: &Portfolio) -> Plan {
        let lines: Vec<u64> = (2..).take(rows.len()).collect();
        plan(
            rows,
            &lines,
            p,
            &Stages::default(),
            "import",
            1,
            &mut |_, _| {},
        )
    }

    #[test]
    fn exact_duplicates_are_left_out_likely_ones_tagged() {
        let first = run(
            vec![row("Digitalt skolebevis", "Elevdata til leverandør")],
            &Portfolio::default(),
        );
        assert_eq!(first.ops.len(), 1);
        assert!(first.duplicates.is_empty());
        let p = Portfolio::fold(&first.ops);
        let second = run(
            vec![
                row("digitalt SKOLEBEVIS", "Noe annet"),
                row("Digitale skolebeviser", "Elevdata til leverandør"),
                row("Felles intranett", ""),
            ],
            &p,
        );
        assert_eq!(second.ops.len(), 2, "{second:?}");
        assert_eq!(second.duplicates.len(), 2);
        let d = &second.duplicates[0];
        assert!(d.exact);
        assert_eq!(d.line, 2);
        assert_eq!(d.like.title(), "Digitalt skolebevis");
        assert!(!second.duplicates[1].exact);
        assert!(second.created[0].flagged);
        assert!(!second.created[1].flagged);
        let after = Portfolio::fold(first.ops.iter().chain(&second.ops));
        let flagged: Vec<&str> = after
            .items()
            .filter(|i| is_flagged(i))
            .map(|i| i.title.as_str())
            .collect();
        assert_eq!(flagged, ["Digitale skolebeviser"]);
    }

    #[test]
    fn rows_are_compared_with_earlier_rows_too() {
        let plan = run(
            vec![
                row("Felles intranett", ""),
                row("Chatbot", ""),
                row("felles intranett", ""),
            ],
            &Portfolio::default(),
        );
        assert_eq!(plan.ops.len(), 2);
        assert_eq!(
            plan.duplicates[0].like,
            Like::Row {
                line: 2,
                title: "Felles intranett".into()
            }
        );
        assert_eq!(plan.duplicates[0].line, 4);
    }

    #[test]
    fn known_ids_are_counted_and_tags_merged() {
        let id = ItemId::new();
        let mut r = row("A", "");
        r.id = Some(id);
        r.stage = Some(StageKey::new("vurdering"));
        let first = run(vec![r.clone()], &Portfolio::default());
        let p = Portfolio::fold(&first.ops);
        let again = run(vec![r], &p);
        assert_eq!((again.ops.len(), again.known), (0, 1));
        let mut fields = vec![FieldValue::Tags(vec!["ki".into()])];
        tag(&mut fields);
        tag(&mut fields);
        assert_eq!(
            fields,
            [FieldValue::Tags(vec!["ki".into(), DUPLICATE_TAG.into()])]
        );
    }
}
