use super::conflict::SyncState;
use super::scoring::ItemScore;
use super::{ItemId, StageKey};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A portfolio item: a proposal, a measure or a project [forslag / tiltak / prosjekt].
/// Its fields are those of the municipalities' action plans (see DOMAIN.md).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: ItemId,
    pub title: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The proposing organisation [innsender], usually a municipality.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub submitter: String,
    /// Strategic anchoring [strategisk forankring]: strategy areas and goal numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub anchoring: Vec<Anchor>,
    pub stage: StageKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<u32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub project_leader: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub project_group: Vec<String>,
    #[serde(default, skip_serializing_if = "Timeline::is_empty")]
    pub timeline: Timeline,
    /// Project funds [prosjektmidler] in whole NOK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funds_nok: Option<u64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub funding_source: String,
    #[serde(default, skip_serializing_if = "Benefits::is_empty")]
    pub benefits: Benefits,
    /// The new system this item brings in, if any. "Ett nytt system inn betyr ett system
    /// ut": such an item must also name the system it retires (see
    /// [`Item::lacks_retired_system`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub introduces_system: String,
    /// "Ett nytt system inn betyr ett system ut": the system this item retires.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub retires_system: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Each scorer's latest marks on the criteria, by scorer (the author of the
    /// `ScoreItem` op). Folded from ops like every other part of the item.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scores: BTreeMap<String, ItemScore>,
    /// Milliseconds since the Unix epoch, from the op that created the item.
    pub created: i64,
    /// Milliseconds since the Unix epoch, from the latest op that changed the item.
    pub updated: i64,
    /// A deleted item stays in the portfolio, hidden, so that a delete can be undone.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// Which confirmed op last set each field, and open conflicts (see `conflict`).
    /// Bookkeeping of this replica: the store's view keeps it, exports leave it out.
    #[serde(skip)]
    pub sync: SyncState,
}

/// One strategy area and the goal numbers within it, e.g. "Kompetanse: hovedmål 2 og 3".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub area: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goals: Vec<u32>,
}

/// When: free text as the plans write it ("2.–4. kv. 2012"), plus optional dates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
}

/// Expected benefits [gevinster]: a summary plus the three kinds Nordland names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Benefits {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub saved_costs: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub saved_time: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub increased_quality: String,
}

/// The editable fields, by name. The order here is the order of the edit form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldName {
    Title,
    Description,
    Submitter,
    Anchoring,
    Priority,
    ProjectLeader,
    ProjectGroup,
    Timeline,
    TimelineStart,
    TimelineEnd,
    Funds,
    FundingSource,
    BenefitSummary,
    SavedCosts,
    SavedTime,
    IncreasedQuality,
    IntroducesSystem,
    RetiresSystem,
    Tags,
}

impl FieldName {
    pub const ALL: [FieldName; 19] = [
        FieldName::Title,
        FieldName::Description,
        FieldName::Submitter,
        FieldName::Anchoring,
        FieldName::Priority,
        FieldName::ProjectLeader,
        FieldName::ProjectGroup,
        FieldName::Timeline,
        FieldName::TimelineStart,
        FieldName::TimelineEnd,
        FieldName::Funds,
        FieldName::FundingSource,
        FieldName::BenefitSummary,
        FieldName::SavedCosts,
        FieldName::SavedTime,
        FieldName::IncreasedQuality,
        // Beside the system it retires, so the form shows the two together.
        FieldName::IntroducesSystem,
        FieldName::RetiresSystem,
        FieldName::Tags,
    ];
}

/// A new value for one field. Edits carry whole field values (not diffs), so applying
/// an edit twice gives the same item as applying it once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "field", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    Title(String),
    Description(String),
    Submitter(String),
    Anchoring(Vec<Anchor>),
    Priority(Option<u32>),
    ProjectLeader(String),
    ProjectGroup(Vec<String>),
    Timeline(String),
    TimelineStart(Option<NaiveDate>),
    TimelineEnd(Option<NaiveDate>),
    Funds(Option<u64>),
    FundingSource(String),
    BenefitSummary(String),
    SavedCosts(String),
    SavedTime(String),
    IncreasedQuality(String),
    IntroducesSystem(String),
    RetiresSystem(String),
    Tags(Vec<String>),
}

impl FieldValue {
    pub fn name(&self) -> FieldName {
        match self {
            FieldValue::Title(_) => FieldName::Title,
            FieldValue::Description(_) => FieldName::Description,
            FieldValue::Submitter(_) => FieldName::Submitter,
            FieldValue::Anchoring(_) => FieldName::Anchoring,
            FieldValue::Priority(_) => FieldName::Priority,
            FieldValue::ProjectLeader(_) => FieldName::ProjectLeader,
            FieldValue::ProjectGroup(_) => FieldName::ProjectGroup,
            FieldValue::Timeline(_) => FieldName::Timeline,
            FieldValue::TimelineStart(_) => FieldName::TimelineStart,
            FieldValue::TimelineEnd(_) => FieldName::TimelineEnd,
            FieldValue::Funds(_) => FieldName::Funds,
            FieldValue::FundingSource(_) => FieldName::FundingSource,
            FieldValue::BenefitSummary(_) => FieldName::BenefitSummary,
            FieldValue::SavedCosts(_) => FieldName::SavedCosts,
            FieldValue::SavedTime(_) => FieldName::SavedTime,
            FieldValue::IncreasedQuality(_) => FieldName::IncreasedQuality,
            FieldValue::IntroducesSystem(_) => FieldName::IntroducesSystem,
            FieldValue::RetiresSystem(_) => FieldName::RetiresSystem,
            FieldValue::Tags(_) => FieldName::Tags,
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Timeline {
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && self.start.is_none() && self.end.is_none()
    }
}

impl Benefits {
    pub fn is_empty(&self) -> bool {
        self.summary.is_empty()
            && self.saved_costs.is_empty()
            && self.saved_time.is_empty()
            && self.increased_quality.is_empty()
    }
}

impl Item {
    /// An empty item in `stage`, before any field is set.
    pub fn blank(id: ItemId, stage: StageKey, at: i64) -> Self {
        Item {
            id,
            title: String::new(),
            description: String::new(),
            submitter: String::new(),
            anchoring: Vec::new(),
            stage,
            priority: None,
            project_leader: String::new(),
            project_group: Vec::new(),
            timeline: Timeline::default(),
            funds_nok: None,
            funding_source: String::new(),
            benefits: Benefits::default(),
            introduces_system: String::new(),
            retires_system: String::new(),
            tags: Vec::new(),
            scores: BTreeMap::new(),
            created: at,
            updated: at,
            deleted: false,
            sync: SyncState::default(),
        }
    }

    pub fn set(&mut self, value: FieldValue) {
        match value {
            FieldValue::Title(v) => self.title = v,
            FieldValue::Description(v) => self.description = v,
            FieldValue::Submitter(v) => self.submitter = v,
            FieldValue::Anchoring(v) => self.anchoring = v,
            FieldValue::Priority(v) => self.priority = v,
            FieldValue::ProjectLeader(v) => self.project_leader = v,
            FieldValue::ProjectGroup(v) => self.project_group = v,
            FieldValue::Timeline(v) => self.timeline.text = v,
            FieldValue::TimelineStart(v) => self.timeline.start = v,
            FieldValue::TimelineEnd(v) => self.timeline.end = v,
            FieldValue::Funds(v) => self.funds_nok = v,
            FieldValue::FundingSource(v) => self.funding_source = v,
            FieldValue::BenefitSummary(v) => self.benefits.summary = v,
            FieldValue::SavedCosts(v) => self.benefits.saved_costs = v,
            FieldValue::SavedTime(v) => self.benefits.saved_time = v,
            FieldValue::IncreasedQuality(v) => self.benefits.increased_quality = v,
            FieldValue::IntroducesSystem(v) => self.introduces_system = v,
            FieldValue::RetiresSystem(v) => self.retires_system = v,
            FieldValue::Tags(v) => self.tags = v,
        }
    }

    pub fn get(&self, name: FieldName) -> FieldValue {
        match name {
            FieldName::Title => FieldValue::Title(self.title.clone()),
            FieldName::Description => FieldValue::Description(self.description.clone()),
            FieldName::Submitter => FieldValue::Submitter(self.submitter.clone()),
            FieldName::Anchoring => FieldValue::Anchoring(self.anchoring.clone()),
            FieldName::Priority => FieldValue::Priority(self.priority),
            FieldName::ProjectLeader => FieldValue::ProjectLeader(self.project_leader.clone()),
            FieldName::ProjectGroup => FieldValue::ProjectGroup(self.project_group.clone()),
            FieldName::Timeline => FieldValue::Timeline(self.timeline.text.clone()),
            FieldName::TimelineStart => FieldValue::TimelineStart(self.timeline.start),
            FieldName::TimelineEnd => FieldValue::TimelineEnd(self.timeline.end),
            FieldName::Funds => FieldValue::Funds(self.funds_nok),
            FieldName::FundingSource => FieldValue::FundingSource(self.funding_source.clone()),
            FieldName::BenefitSummary => FieldValue::BenefitSummary(self.benefits.summary.clone()),
            FieldName::SavedCosts => FieldValue::SavedCosts(self.benefits.saved_costs.clone()),
            FieldName::SavedTime => FieldValue::SavedTime(self.benefits.saved_time.clone()),
            FieldName::IncreasedQuality => {
                FieldValue::IncreasedQuality(self.benefits.increased_quality.clone())
            }
            FieldName::IntroducesSystem => {
                FieldValue::IntroducesSystem(self.introduces_system.clone())
            }
            FieldName::RetiresSystem => FieldValue::RetiresSystem(self.retires_system.clone()),
            FieldName::Tags => FieldValue::Tags(self.tags.clone()),
        }
    }

    /// "Ett nytt system inn betyr ett system ut": true when the item brings in a system
    /// and names none to retire. Blank text counts as none.
    pub fn lacks_retired_system(&self) -> bool {
        !self.introduces_system.trim().is_empty() && self.retires_system.trim().is_empty()
    }

    /// Anchoring as the action plans write it:
    /// "Kompetanse: hovedmål 2 og 3; Teknologiutvikling: hovedmål 1".
    pub fn anchoring_text(&self) -> String {
        Anchor::format_all(&self.anchoring)
    }
}

impl Anchor {
    pub fn format_all(anchors: &[Anchor]) -> String {
        anchors
            .iter()
            .map(Anchor::format)
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn format(&self) -> String {
        match self.goals.as_slice() {
            [] => self.area.clone(),
            [one] => format!("{}: hovedmål {one}", self.area),
            [init @ .., last] => {
                let init: Vec<String> = init.iter().map(u32::to_string).collect();
                format!("{}: hovedmål {} og {last}", self.area, init.join(", "))
            }
        }
    }

    /// Parses the action plans' notation. Anything that is not a goal list stays part of
    /// the area's text, so no input is lost: "Innbyggere – dialog" is an area with no goals.
    pub fn parse_all(text: &str) -> Vec<Anchor> {
        text.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(Anchor::parse)
            .collect()
    }

    fn parse(part: &str) -> Anchor {
        if let Some((area, goals)) = part.rsplit_once(':') {
            let goals_text = goals.trim();
            // "hovedmål 2", "Hovedmål nr. 2", "hovedmål 2, 3 og 5": the longer prefix first.
            let lower = goals_text.to_lowercase();
            let list = ["hovedmål nr.", "hovedmål"]
                .iter()
                .find(|p| lower.starts_with(*p))
                .map(|p| {
                    goals_text
                        .chars()
                        .skip(p.chars().count())
                        .collect::<String>()
                });
            if let Some(list) = list.as_deref().map(str::trim) {
                let nums: Option<Vec<u32>> = list
                    .split([',', ' '])
                    .map(str::trim)
                    .filter(|t| !t.is_empty() && *t != "og")
                    .map(|t| t.parse().ok())
                    .collect();
                if let Some(nums) = nums.filter(|n| !n.is_empty()) {
                    return Anchor {
                        area: area.trim().to_string(),
                        goals: nums,
                    };
                }
            }
        }
        Anchor {
            area: part.to_string(),
            goals: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_action_plan_anchoring() {
        let a = Anchor::parse_all(
            "Kompetanse: hovedmål 2, 3; Bolyst = bruker/innbyggerdialog: hovedmål 4, 7 og 9",
        );
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].area, "Kompetanse");
        assert_eq!(a[0].goals, vec![2, 3]);
        assert_eq!(a[1].area, "Bolyst = bruker/innbyggerdialog");
        assert_eq!(a[1].goals, vec![4, 7, 9]);
        assert_eq!(
            Anchor::format_all(&a),
            "Kompetanse: hovedmål 2 og 3; Bolyst = bruker/innbyggerdialog: hovedmål 4, 7 og 9"
        );
    }

    #[test]
    fn reads_goal_numbers_written_other_ways() {
        let a = Anchor::parse_all("Kompetanse: Hovedmål nr. 2 og 4");
        assert_eq!(a[0].area, "Kompetanse");
        assert_eq!(a[0].goals, vec![2, 4]);
    }

    #[test]
    fn keeps_free_text_anchoring_whole() {
        let a = Anchor::parse_all("Innbyggere – dialog og samhandling");
        assert_eq!(a.len(), 1);
        assert!(a[0].goals.is_empty());
        assert_eq!(Anchor::format_all(&a), "Innbyggere – dialog og samhandling");
        let odd = Anchor::parse_all("Mål: se plan");
        assert_eq!(Anchor::format_all(&odd), "Mål: se plan");
    }

    #[test]
    fn every_field_reads_back_what_was_set() {
        let mut item = Item::blank(ItemId::new(), StageKey::new("innkommet"), 0);
        for name in FieldName::ALL {
            let v = item.get(name);
            assert_eq!(v.name(), name);
            item.set(v.clone());
            assert_eq!(item.get(name), v);
        }
    }
}
