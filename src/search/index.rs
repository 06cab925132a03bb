//! The search index: for every live item, its searchable fields folded once (lower-case,
//! NFC) when the item enters the index, never per keystroke.

use super::fold::{fold, fold_mapped, Origin};
use crate::model::{Item, ItemId, Portfolio};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The fields a search looks in, in the order ties between them are broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    Title,
    /// A case number such as "08/12" [saksnummer].
    CaseNumber,
    /// The text of a decision on the item [vedtak].
    Decision,
    /// The proposing organisation [innsender].
    Submitter,
    Anchoring,
    Description,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Field::Title,
        Field::CaseNumber,
        Field::Decision,
        Field::Submitter,
        Field::Anchoring,
        Field::Description,
    ];

    /// How much a match in this field counts: titles and case numbers are what people
    /// search for by name, so a match there counts double.
    pub fn weight(self) -> i64 {
        match self {
            Field::Title | Field::CaseNumber => 2,
            _ => 1,
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

/// What goes into the index for one item, in its original spelling. `group` is where the
/// item is shown (its stage on the board): highlights are computed for the best hits of
/// each group, so that every column's top cards have them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub item: ItemId,
    pub group: String,
    pub title: String,
    /// The other fields; a field given more than once (several decisions) is searched
    /// as one text.
    pub fields: Vec<(Field, String)>,
}

impl Entry {
    /// The searchable fields of a portfolio item. Decisions and case numbers are added
    /// with [`Entry::with`] by whoever knows them (the meeting records).
    pub fn of_item(item: &Item) -> Entry {
        let mut fields = Vec::with_capacity(3);
        for (f, text) in [
            (Field::Submitter, item.submitter.clone()),
            (Field::Anchoring, item.anchoring_text()),
            (Field::Description, item.description.clone()),
        ] {
            if !text.is_empty() {
                fields.push((f, text));
            }
        }
        Entry {
            item: item.id,
            group: item.stage.to_string(),
            title: item.title.clone(),
            fields,
        }
    }

    /// Adds text to a field (a decision, a case number).
    pub fn with(mut self, field: Field, text: impl Into<String>) -> Entry {
        self.fields.push((field, text.into()));
        self
    }
}

/// One item as the search sees it.
#[derive(Debug)]
pub(super) struct Doc {
    pub item: ItemId,
    pub group: u32,
    /// Every field folded, one after the other (separated by a newline).
    pub text: Box<str>,
    /// Byte range of each field in `text`, by [`Field`] order; empty when absent.
    pub spans: [(u32, u32); 6],
    /// Length of each field in characters: whether it is scored linearly depends on
    /// its whole length, though the matcher may be handed only part of it.
    pub chars: [u32; 6],
    /// Folded title character → original title characters; `None` when one to one.
    pub title_map: Option<Box<[Origin]>>,
}

impl Doc {
    pub fn field(&self, f: Field) -> &str {
        let (a, b) = self.spans[f.slot()];
        &self.text[a as usize..b as usize]
    }

    pub fn chars(&self, f: Field) -> usize {
        self.chars[f.slot()] as usize
    }

    /// Whether any field besides the title has text.
    pub fn has_more_than_title(&self) -> bool {
        self.text.len() > self.field(Field::Title).len()
    }
}

static VERSIONS: AtomicU64 = AtomicU64::new(1);

/// The index over a portfolio. Cheap to clone (documents are shared), so the app keeps
/// one in an `Arc` and changes it with `Arc::make_mut` while the search worker may still
/// be reading the old one.
#[derive(Clone, Debug, Default)]
pub struct SearchIndex {
    pub(super) docs: Vec<Arc<Doc>>,
    pos: HashMap<ItemId, u32>,
    groups: Vec<String>,
    version: u64,
}

impl SearchIndex {
    pub fn new() -> SearchIndex {
        SearchIndex::default()
    }

    /// The live items of `portfolio`, with the case numbers and decisions of the
    /// meetings that handled them.
    pub fn from_portfolio(portfolio: &Portfolio) -> SearchIndex {
        let mut meeting_texts = meeting_texts(portfolio);
        SearchIndex::from_entries(portfolio.items().map(|item| {
            let mut entry = Entry::of_item(item);
            entry
                .fields
                .extend(meeting_texts.remove(&item.id).unwrap_or_default());
            entry
        }))
    }

    pub fn from_entries(entries: impl IntoIterator<Item = Entry>) -> SearchIndex {
        let mut index = SearchIndex::new();
        for e in entries {
            index.insert(e);
        }
        index
    }

    /// Changes with every insert or removal, and differs between any two indexes: a
    /// narrowed search is only valid against the index the earlier hits came from.
    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn contains(&self, item: &ItemId) -> bool {
        self.pos.contains_key(item)
    }

    /// How many groups the index has seen; group numbers are below this.
    pub(super) fn group_count(&self) -> usize {
        self.groups.len()
    }

    /// The group names, in group-number order.
    pub(super) fn groups(&self) -> &[String] {
        &self.groups
    }

    pub(super) fn position(&self, item: &ItemId) -> Option<usize> {
        self.pos.get(item).map(|&p| p as usize)
    }

    /// Adds an entry, or replaces the one for the same item.
    pub fn insert(&mut self, entry: Entry) {
        self.version = VERSIONS.fetch_add(1, Ordering::Relaxed);
        let group = match self.groups.iter().position(|g| *g == entry.group) {
            Some(g) => g as u32,
            None => {
                self.groups.push(entry.group.clone());
                (self.groups.len() - 1) as u32
            }
        };
        let title = fold_mapped(&entry.title);
        let mut text = String::with_capacity(entry.title.len() + 64);
        let mut spans = [(0u32, 0u32); 6];
        text.push_str(&title.text);
        spans[Field::Title.slot()] = (0, text.len() as u32);
        for field in Field::ALL.into_iter().skip(1) {
            let mut parts = entry
                .fields
                .iter()
                .filter(|(f, t)| *f == field && !t.is_empty())
                .peekable();
            if parts.peek().is_none() {
                continue;
            }
            text.push('\n');
            let start = text.len() as u32;
            for (k, (_, t)) in parts.enumerate() {
                if k > 0 {
                    text.push('\n');
                }
                text.push_str(&fold(t));
            }
            spans[field.slot()] = (start, text.len() as u32);
        }
        let mut chars = [0u32; 6];
        for (n, &(a, b)) in chars.iter_mut().zip(spans.iter()) {
            *n = text[a as usize..b as usize].chars().count() as u32;
        }
        let doc = Arc::new(Doc {
            item: entry.item,
            group,
            text: text.into_boxed_str(),
            spans,
            chars,
            title_map: title.map,
        });
        match self.pos.get(&entry.item) {
            Some(&p) => self.docs[p as usize] = doc,
            None => {
                self.pos.insert(entry.item, self.docs.len() as u32);
                self.docs.push(doc);
            }
        }
    }

    /// Takes an item out; nothing happens when it is not there.
    pub fn remove(&mut self, item: &ItemId) {
        let Some(p) = self.pos.remove(item) else {
            return;
        };
        self.version = VERSIONS.fetch_add(1, Ordering::Relaxed);
        let p = p as usize;
        self.docs.swap_remove(p);
        if let Some(moved) = self.docs.get(p) {
            self.pos.insert(moved.item, p as u32);
        }
    }

    /// Brings `items` up to date with `portfolio`: changed ones are folded again,
    /// deleted ones taken out.
    pub fn refresh(&mut self, portfolio: &Portfolio, items: &[ItemId]) {
        if items.is_empty() {
            return;
        }
        let mut meeting_texts = meeting_texts(portfolio);
        for id in items {
            match portfolio.get(id) {
                Some(item) => {
                    let mut entry = Entry::of_item(item);
                    entry
                        .fields
                        .extend(meeting_texts.remove(id).unwrap_or_default());
                    self.insert(entry)
                }
                None => self.remove(id),
            }
        }
    }
}

/// For each item a case is about: the case's number ("08/12") and the text of each
/// decision on it, so "08/12" or words of a decision find the item. Meetings are few,
/// so this is one pass over them.
fn meeting_texts(
    portfolio: &Portfolio,
) -> std::collections::BTreeMap<ItemId, Vec<(Field, String)>> {
    let mut out: std::collections::BTreeMap<ItemId, Vec<(Field, String)>> = Default::default();
    let meetings = portfolio.meetings();
    for meeting in meetings.meetings() {
        for case in meetings.agenda(&meeting.id) {
            let mut texts = Vec::new();
            if let Some(n) = case.number {
                texts.push((Field::CaseNumber, n.to_string()));
            }
            for d in meetings.decisions_of(&case.id) {
                // An exempt decision's text stays out of a search others can run.
                if d.exempt.is_none() {
                    texts.push((Field::Decision, d.text.clone()));
                }
            }
            for item in &case.details.items {
                out.entry(*item).or_default().extend(texts.iter().cloned());
            }
        }
    }
    out
}
