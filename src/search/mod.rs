//! Fuzzy search over the portfolio: titles, case numbers, decisions, organisations,
//! anchoring and descriptions, with fuzzy-matcher's skim algorithm.
//!
//! * [`SearchIndex`] folds every field once (lower-case + NFC, see [`fold`]), so "Øst"
//!   finds "østre" and a decomposed "a\u{30A}" finds "å"; it keeps the way back from
//!   folded to original characters, for highlights in the displayed title.
//! * [`search`] ranks one [`Query`], best first. A cheap in-order character test rejects
//!   most items before the matcher sees them; the matcher scores what is left
//!   (`fuzzy_match`), and only the best hits of each group get highlight positions
//!   (`fuzzy_indices`).
//! * [`Narrowing`] remembers the last query's hits: when the next query extends it, only
//!   those are searched (a fuzzy match of the longer query is a match of its prefix).
//! * [`Searcher`] numbers queries; a result older than the latest query is dropped.
//! * [`Worker`] runs searches on a thread of its own, keeping only the latest request.
//!
//! Nothing here draws or blocks on the terminal; `tui` sends `Effect::Search` and gets
//! `Msg::SearchResults` back.

pub mod fold;
mod index;
mod worker;

pub use fold::{fold, fold_mapped, Folded};
pub use index::{Entry, Field, SearchIndex};
pub use worker::Worker;

use crate::model::ItemId;
use fuzzy_matcher::skim::SkimMatcherV2;
use fuzzy_matcher::FuzzyMatcher;
use std::collections::HashMap;

/// How many hits of each group (board column) get highlight positions: more than a
/// column shows on any screen.
pub const HIGHLIGHTS_PER_GROUP: usize = 64;

/// One search request. Generations grow; the answer carries the query's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub generation: u64,
    pub text: String,
}

/// One item found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub item: ItemId,
    /// Higher is better: the matcher's score times the field's weight.
    pub score: i64,
    /// The field that matched best.
    pub field: Field,
    /// Char indices into the item's title as displayed, sorted; empty when the title
    /// does not match or the hit is not among the best of its group.
    pub title_highlight: Vec<usize>,
}

/// The answer to one query: every hit, best first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResults {
    pub generation: u64,
    /// The query as asked (not folded).
    pub text: String,
    pub hits: Vec<Hit>,
}

/// Fields longer than this many characters (descriptions, decisions) are scored by
/// skim's linear `simple_match` instead of its full alignment: a description is several
/// hundred characters, and the alignment costs length × query length per item.
pub const LONG_FIELD: usize = 80;

thread_local! {
    /// One matcher per thread, reused.
    static MATCHER: SkimMatcherV2 = SkimMatcherV2::default().ignore_case();
    /// The same for long fields: above `element_limit` cells skim scores linearly.
    static LONG: SkimMatcherV2 = SkimMatcherV2::default()
        .ignore_case()
        .element_limit(2 * (LONG_FIELD + 1));
}

/// Scores `hay` with a clean score matrix. fuzzy-matcher 0.3.7 keeps its matrix between
/// calls and grows it with `Vec::resize`, which leaves cells of earlier calls in place;
/// they leak into later scores (the same item and query scored 94 or 102 depending on
/// what was matched before), so ranking depended on history and a narrowed search could
/// differ from a full one. Its `use_cache(false)` does not help: it panics on a
/// `RefCell` still borrowed. A one-character match first shrinks the matrix to four
/// cells that always hold the same values; the real call then grows it with fresh ones.
fn score(m: &SkimMatcherV2, hay: &str, q: &str, with_pos: bool) -> Option<(i64, Vec<usize>)> {
    let _ = m.fuzzy_match("x", "x");
    if with_pos {
        m.fuzzy_indices(hay, q)
    } else {
        m.fuzzy_match(hay, q).map(|s| (s, Vec::new()))
    }
}

/// Whether the characters of `query` occur in `hay` in order: the matcher's own first
/// test, done on the UTF-8 bytes without decoding `hay` into characters.
fn in_order(hay: &str, query: &[char]) -> bool {
    let mut rest = hay;
    for &c in query {
        match rest.find(c) {
            Some(i) => rest = &rest[i + c.len_utf8()..],
            None => return false,
        }
    }
    true
}

/// The folded form of a query's text: what is matched, and what narrowing compares.
pub fn fold_query(text: &str) -> String {
    fold(text.trim())
}

/// Ranks the index's items (or only those in `within`) for `query`, best first; ties
/// go to the older item. An empty query (or only spaces) finds every item, unranked.
pub fn search(index: &SearchIndex, query: &Query, within: Option<&[ItemId]>) -> SearchResults {
    let candidates: Vec<usize> = match within {
        Some(ids) => {
            let mut p: Vec<usize> = ids.iter().filter_map(|id| index.position(id)).collect();
            // In index order: the same order a full search takes, and kinder to the cache.
            p.sort_unstable();
            p.dedup();
            p
        }
        None => (0..index.docs.len()).collect(),
    };
    rank(index, query, &candidates).0
}

/// Ranks the documents at `candidates` (index positions, ascending); also returns the
/// positions of the hits, ascending, for narrowing the next query.
fn rank(index: &SearchIndex, query: &Query, candidates: &[usize]) -> (SearchResults, Vec<usize>) {
    let q = fold_query(&query.text);
    let mut results = SearchResults {
        generation: query.generation,
        text: query.text.clone(),
        hits: Vec::new(),
    };
    if q.is_empty() {
        let mut docs: Vec<&ItemId> = candidates.iter().map(|&p| &index.docs[p].item).collect();
        let positions = candidates.to_vec();
        docs.sort_unstable();
        results.hits = docs
            .into_iter()
            .map(|&item| Hit {
                item,
                score: 0,
                field: Field::Title,
                title_highlight: Vec::new(),
            })
            .collect();
        return (results, positions);
    }
    let qchars: Vec<char> = q.chars().collect();
    // (score, position, field) of every match; one allocation for the whole search.
    let mut scored: Vec<(i64, usize, Field)> = Vec::new();
    let mut positions: Vec<usize> = Vec::new();
    MATCHER.with(|m| {
        for &p in candidates {
            let doc = &index.docs[p];
            if !in_order(&doc.text, &qchars) {
                continue;
            }
            let mut best: Option<(i64, Field)> = None;
            for f in Field::ALL {
                let hay = doc.field(f);
                if hay.len() < qchars.len() || !in_order(hay, &qchars) {
                    continue;
                }
                let scored = if f == Field::Title {
                    score(m, hay, &q, false)
                } else {
                    LONG.with(|long| score(long, hay, &q, false))
                };
                if let Some((s, _)) = scored {
                    let s = s.saturating_mul(f.weight());
                    if best.is_none_or(|(b, _)| s > b) {
                        best = Some((s, f));
                    }
                }
            }
            if let Some((s, f)) = best {
                scored.push((s, p, f));
            }
        }
        positions = scored.iter().map(|&(_, p, _)| p).collect();
        scored.sort_unstable_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| index.docs[a.1].item.cmp(&index.docs[b.1].item))
        });
        let mut per_group: HashMap<u32, usize> = HashMap::new();
        results.hits = scored
            .iter()
            .map(|&(score, p, field)| {
                let doc = &index.docs[p];
                let shown = per_group.entry(doc.group).or_insert(0);
                let title_highlight = if *shown < HIGHLIGHTS_PER_GROUP {
                    *shown += 1;
                    highlight(m, doc, &q, &qchars)
                } else {
                    Vec::new()
                };
                Hit {
                    item: doc.item,
                    score,
                    field,
                    title_highlight,
                }
            })
            .collect();
    });
    (results, positions)
}

fn highlight(m: &SkimMatcherV2, doc: &index::Doc, q: &str, qchars: &[char]) -> Vec<usize> {
    let title = doc.field(Field::Title);
    if !in_order(title, qchars) {
        return Vec::new();
    }
    match score(m, title, q, true) {
        Some((_, idx)) => fold::original_indices(doc.title_map.as_deref(), &idx),
        None => Vec::new(),
    }
}

/// The hits of the last search, for narrowing the next one. Lives where searches run
/// (the worker); valid only for the index version it was made on.
#[derive(Debug, Default)]
pub struct Narrowing {
    /// Index version, folded query, positions of its hits (ascending).
    last: Option<(u64, String, Vec<usize>)>,
}

impl Narrowing {
    /// Searches `query`, within the last hits when it extends the last query (after
    /// folding) on the same index, over everything otherwise.
    pub fn search(&mut self, index: &SearchIndex, query: &Query) -> SearchResults {
        let folded = fold_query(&query.text);
        let within = match &self.last {
            Some((version, prev, hits))
                if *version == index.version() && !prev.is_empty() && folded.starts_with(prev) =>
            {
                // Positions stay valid while the version is the same.
                Some(hits.as_slice())
            }
            _ => None,
        };
        let (results, positions) = match within {
            Some(p) => rank(index, query, p),
            None => {
                let all: Vec<usize> = (0..index.docs.len()).collect();
                rank(index, query, &all)
            }
        };
        self.last = Some((index.version(), folded, positions));
        results
    }

    /// Whether the next search of `text` on `index` would be narrowed.
    pub fn would_narrow(&self, index: &SearchIndex, text: &str) -> bool {
        let folded = fold_query(text);
        matches!(&self.last, Some((v, prev, _))
            if *v == index.version() && !prev.is_empty() && folded.starts_with(prev))
    }
}

/// The app's side of searching: numbers each query and keeps only the answer to the
/// latest one. No threads: the loop carries queries out and hands answers back.
#[derive(Debug, Default)]
pub struct Searcher {
    latest: u64,
}

impl Searcher {
    /// A new query for `text`, newer than every one before.
    pub fn query(&mut self, text: &str) -> Query {
        self.latest += 1;
        Query {
            generation: self.latest,
            text: text.to_string(),
        }
    }

    /// Makes every query asked so far stale (the filter was closed).
    pub fn cancel(&mut self) {
        self.latest += 1;
    }

    /// The latest generation asked for.
    pub fn latest(&self) -> u64 {
        self.latest
    }

    /// The results if they answer the latest query; `None` for a stale answer.
    pub fn accept(&self, results: SearchResults) -> Option<SearchResults> {
        (results.generation >= self.latest).then_some(results)
    }
}
