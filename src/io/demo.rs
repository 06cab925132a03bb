//! The demo portfolio, built from the sample data in `data/`.

use super::import::{read_csv, to_ops, ImportedItem};
use crate::model::{Op, Portfolio, StageKey, Stages};

/// Fosen's action plan for 2012–2013: eleven prioritised measures.
pub const FOSEN_CSV: &str = include_str!("data/fosen-handlingsplan-2012-2013.csv");
/// Two dozen incoming proposals drawn from the four strategies in DOMAIN.md.
pub const PROPOSALS_CSV: &str = include_str!("data/demo-proposals.csv");

/// The demo portfolio as ops by "demo" at `at_ms`: Fosen's measures in their stages,
/// then the proposals in Innkommet. The same every time, apart from the fresh ids.
pub fn demo_ops(at_ms: i64) -> Vec<Op> {
    let measures = read_csv(FOSEN_CSV).expect("the bundled action plan imports");
    let proposals = read_csv(PROPOSALS_CSV).expect("the bundled proposals import");
    let rows: Vec<ImportedItem> = measures
        .into_iter()
        .map(|mut m| {
            m.stage = Some(measure_stage(&m));
            m
        })
        .chain(proposals.into_iter().map(|mut p| {
            p.stage = Some(StageKey::new(Stages::INCOMING));
            p
        }))
        .collect();
    to_ops(
        rows,
        &Portfolio::default(),
        &Stages::default(),
        "demo",
        at_ms,
    )
}

/// Where a measure of the 2012–2013 plan stands: a pre-project is on trial, what starts
/// in 2012 is under way, the rest is prioritised and waiting.
fn measure_stage(m: &ImportedItem) -> StageKey {
    use crate::model::FieldValue;
    let timeline = m
        .fields
        .iter()
        .find_map(|f| match f {
            FieldValue::Timeline(t) => Some(t.as_str()),
            _ => None,
        })
        .unwrap_or("");
    let key = if m.title().to_lowercase().contains("forprosjekt") {
        Stages::TRIAL
    } else if timeline.contains("2012") {
        Stages::IN_PROGRESS
    } else {
        Stages::PRIORITISED
    };
    StageKey::new(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_land_in_their_stages() {
        let p = Portfolio::fold(&demo_ops(0));
        let count = |k: &str| p.in_stage(&StageKey::new(k)).len();
        assert_eq!(count(Stages::INCOMING), 24);
        assert_eq!(count(Stages::TRIAL), 1);
        assert_eq!(count(Stages::IN_PROGRESS), 5);
        assert_eq!(count(Stages::PRIORITISED), 5);
        assert_eq!(p.len(), 35);
        let trial = p.in_stage(&StageKey::new(Stages::TRIAL));
        assert_eq!(trial[0].title, "Døgnåpen digital forvaltning – forprosjekt");
    }
}
