//! The view's item encoding: compact binary, written and read by hand.
//!
//! Start-up decodes every item in the view, so the encoding is chosen for that: no
//! field names, no quoting, lengths up front, so decoding is a walk over the bytes with
//! one allocation per non-empty text. It is the cache's own format (the JSON export is
//! the interchange format) and changes only with the schema version.
//!
//! Layout, in field order: a format byte ([`FORMAT`]); the item id (16 bytes); then
//! every field of [`Item`] in declaration order. Texts are a length (LEB128) and UTF-8
//! bytes; lists a count and their elements; `Option`s a 0 or 1 byte and the value;
//! whole numbers LEB128 (signed ones zig-zag); dates days since 1 January of year 1;
//! `deleted` one byte; the sync state last: 0 when empty, else 1, a count of versions (slot, seq, author)
//! and a count of conflicts (slot, by, winner, seq, kept text), where a slot is 0 for
//! the stage and 1 + the field's place in `FieldName::ALL`. Decoding checks every length against the bytes left and refuses
//! trailing bytes, so damaged data is an error, never a panic or a huge allocation.
//!
//! Format 2 added `introduces_system` (before `retires_system`) and `scores` (after
//! `tags`: a count, then per scorer the scorer, the set, the marks as a list of numbers,
//! the adjustment, the comment and the time). Format 1 is still read: its items have
//! neither, and its slots number the fields as `FieldName::ALL` did then
//! ([`FORMAT_1_FIELDS`]), without `IntroducesSystem`.

use crate::model::conflict::{Conflict, Slot, SyncState, Version};
use crate::model::vote::Scores;
use crate::model::{Anchor, Benefits, FieldName, Item, ItemId, ItemScore, StageKey, Timeline};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The first byte of every encoded item.
pub(crate) const FORMAT: u8 = 2;

/// The format before `introduces_system` and `scores`, still read.
const FORMAT_1: u8 = 1;

/// `FieldName::ALL` as format 1 numbered slots: without `IntroducesSystem`.
const FORMAT_1_FIELDS: [FieldName; 18] = [
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
    FieldName::RetiresSystem,
    FieldName::Tags,
];

/// The fields every format writes the same way, in order: the id up to the benefits.
fn write_head(w: &mut Writer, item: &Item) {
    w.0.extend_from_slice(item.id.0.as_bytes());
    w.str(&item.title);
    w.str(&item.description);
    w.str(&item.submitter);
    w.uint(item.anchoring.len() as u64);
    for a in &item.anchoring {
        w.str(&a.area);
        w.uint(a.goals.len() as u64);
        for g in &a.goals {
            w.uint(u64::from(*g));
        }
    }
    w.str(item.stage.as_str());
    w.opt(item.priority, |w, p| w.uint(u64::from(p)));
    w.str(&item.project_leader);
    w.strs(&item.project_group);
    w.str(&item.timeline.text);
    w.opt(item.timeline.start, Writer::date);
    w.opt(item.timeline.end, Writer::date);
    w.opt(item.funds_nok, Writer::uint);
    w.str(&item.funding_source);
    w.str(&item.benefits.summary);
    w.str(&item.benefits.saved_costs);
    w.str(&item.benefits.saved_time);
    w.str(&item.benefits.increased_quality);
}

pub(crate) fn encode(item: &Item) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(256));
    w.0.push(FORMAT);
    write_head(&mut w, item);
    w.str(&item.introduces_system);
    w.str(&item.retires_system);
    w.strs(&item.tags);
    w.uint(item.scores.len() as u64);
    for (scorer, s) in &item.scores {
        w.str(scorer);
        w.str(&s.set);
        w.uint(s.scores.criteria.len() as u64);
        for mark in &s.scores.criteria {
            w.uint(u64::from(*mark));
        }
        w.int(i64::from(s.scores.adjustment));
        w.str(&s.scores.comment);
        w.int(s.at);
    }
    w.int(item.created);
    w.int(item.updated);
    w.0.push(u8::from(item.deleted));
    w.sync(&item.sync);
    w.0
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Item, String> {
    let mut r = Reader {
        bytes,
        fields: &FieldName::ALL,
    };
    let format = r.byte()?;
    match format {
        FORMAT => {}
        FORMAT_1 => r.fields = &FORMAT_1_FIELDS,
        other => return Err(format!("unknown item format {other}")),
    }
    let current = format == FORMAT;
    let id = ItemId(Uuid::from_bytes(r.array::<16>()?));
    let title = r.string()?;
    let description = r.string()?;
    let submitter = r.string()?;
    let anchoring = r.list(|r| {
        Ok(Anchor {
            area: r.string()?,
            goals: r.list(Reader::u32)?,
        })
    })?;
    let stage = StageKey(r.string()?);
    let priority = r.opt(Reader::u32)?;
    let project_leader = r.string()?;
    let project_group = r.list(Reader::string)?;
    let timeline = Timeline {
        text: r.string()?,
        start: r.opt(Reader::date)?,
        end: r.opt(Reader::date)?,
    };
    let funds_nok = r.opt(Reader::uint)?;
    let funding_source = r.string()?;
    let benefits = Benefits {
        summary: r.string()?,
        saved_costs: r.string()?,
        saved_time: r.string()?,
        increased_quality: r.string()?,
    };
    let introduces_system = if current { r.string()? } else { String::new() };
    let retires_system = r.string()?;
    let tags = r.list(Reader::string)?;
    let scores = if current {
        r.scores()?
    } else {
        BTreeMap::new()
    };
    let created = r.int()?;
    let updated = r.int()?;
    let deleted = match r.byte()? {
        0 => false,
        1 => true,
        other => return Err(format!("'deleted' is {other}, not 0 or 1")),
    };
    let sync = r.sync()?;
    if !r.bytes.is_empty() {
        return Err(format!("{} bytes too many at the end", r.bytes.len()));
    }
    Ok(Item {
        id,
        title,
        description,
        submitter,
        anchoring,
        stage,
        priority,
        project_leader,
        project_group,
        timeline,
        funds_nok,
        funding_source,
        benefits,
        introduces_system,
        retires_system,
        tags,
        scores,
        created,
        updated,
        deleted,
        sync,
    })
}

struct Writer(Vec<u8>);

impl Writer {
    fn uint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.0.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.0.push(n as u8);
    }

    fn int(&mut self, n: i64) {
        self.uint(((n << 1) ^ (n >> 63)) as u64);
    }

    fn str(&mut self, s: &str) {
        self.uint(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }

    fn strs(&mut self, list: &[String]) {
        self.uint(list.len() as u64);
        for s in list {
            self.str(s);
        }
    }

    fn date(&mut self, d: NaiveDate) {
        self.int(i64::from(d.num_days_from_ce()));
    }

    fn slot(&mut self, slot: Slot) {
        let n = match slot {
            Slot::Stage => 0,
            Slot::Field(f) => 1 + FieldName::ALL.iter().position(|x| *x == f).unwrap_or(0),
        };
        self.uint(n as u64);
    }

    fn sync(&mut self, sync: &SyncState) {
        // One byte for the common case: never synced.
        if sync.is_empty() {
            self.0.push(0);
            return;
        }
        self.0.push(1);
        self.uint(sync.versions.len() as u64);
        for (slot, v) in &sync.versions {
            self.slot(*slot);
            self.uint(v.seq);
            self.str(&v.author);
        }
        self.uint(sync.conflicts.len() as u64);
        for c in &sync.conflicts {
            self.slot(c.slot);
            self.str(&c.by);
            self.str(&c.winner);
            self.uint(c.seq);
            self.opt(c.kept.as_deref(), Writer::str);
        }
    }

    fn opt<T>(&mut self, v: Option<T>, write: impl FnOnce(&mut Self, T)) {
        match v {
            None => self.0.push(0),
            Some(v) => {
                self.0.push(1);
                write(self, v);
            }
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    /// How the entry's format numbers field slots.
    fields: &'static [FieldName],
}

const ENDED: &str = "the entry ends too early";

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let (&b, rest) = self.bytes.split_first().ok_or(ENDED)?;
        self.bytes = rest;
        Ok(b)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let (head, rest) = self.bytes.split_first_chunk::<N>().ok_or(ENDED)?;
        self.bytes = rest;
        Ok(*head)
    }

    fn uint(&mut self) -> Result<u64, String> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let part = u64::from(b & 0x7f);
            if shift == 63 && part > 1 {
                break;
            }
            n |= part << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("a number is too large".into())
    }

    fn int(&mut self) -> Result<i64, String> {
        let z = self.uint()?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    fn u32(&mut self) -> Result<u32, String> {
        u32::try_from(self.uint()?).map_err(|_| "a number is too large".to_string())
    }

    /// A length or count, which cannot exceed the bytes left (every element takes at
    /// least one byte).
    fn len(&mut self) -> Result<usize, String> {
        match usize::try_from(self.uint()?) {
            Ok(n) if n <= self.bytes.len() => Ok(n),
            _ => Err(ENDED.into()),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let n = self.len()?;
        let (text, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        std::str::from_utf8(text)
            .map(str::to_string)
            .map_err(|e| format!("a text is not UTF-8: {e}"))
    }

    fn date(&mut self) -> Result<NaiveDate, String> {
        let days = self.int()?;
        i32::try_from(days)
            .ok()
            .and_then(NaiveDate::from_num_days_from_ce_opt)
            .ok_or_else(|| format!("{days} is not a date"))
    }

    fn list<T>(
        &mut self,
        mut read: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(read(self)?);
        }
        Ok(out)
    }

    fn slot(&mut self) -> Result<Slot, String> {
        match self.uint()? {
            0 => Ok(Slot::Stage),
            n => usize::try_from(n - 1)
                .ok()
                .and_then(|i| self.fields.get(i))
                .map(|f| Slot::Field(*f))
                .ok_or_else(|| format!("{n} is not a field")),
        }
    }

    fn scores(&mut self) -> Result<BTreeMap<String, ItemScore>, String> {
        let n = self.len()?;
        let mut out = BTreeMap::new();
        for _ in 0..n {
            let scorer = self.string()?;
            let set = self.string()?;
            let criteria = self
                .list(|r| u8::try_from(r.uint()?).map_err(|_| "a mark is too large".to_string()))?;
            let adjustment =
                i8::try_from(self.int()?).map_err(|_| "an adjustment is too large".to_string())?;
            let comment = self.string()?;
            let at = self.int()?;
            let score = ItemScore {
                set,
                scores: Scores {
                    criteria,
                    adjustment,
                    comment,
                },
                at,
            };
            if out.insert(scorer, score).is_some() {
                return Err("a scorer is listed twice".into());
            }
        }
        Ok(out)
    }

    fn sync(&mut self) -> Result<SyncState, String> {
        match self.byte()? {
            0 => return Ok(SyncState::default()),
            1 => {}
            other => return Err(format!("the sync state is marked {other}, not 0 or 1")),
        }
        let versions = self.list(|r| {
            let slot = r.slot()?;
            Ok((
                slot,
                Version {
                    seq: r.uint()?,
                    author: r.string()?,
                },
            ))
        })?;
        let conflicts = self.list(|r| {
            Ok(Conflict {
                slot: r.slot()?,
                by: r.string()?,
                winner: r.string()?,
                seq: r.uint()?,
                kept: r.opt(Reader::string)?,
            })
        })?;
        Ok(SyncState {
            versions,
            conflicts,
        })
    }

    fn opt<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, String>,
    ) -> Result<Option<T>, String> {
        match self.byte()? {
            0 => Ok(None),
            1 => read(self).map(Some),
            other => Err(format!("an optional value is marked {other}, not 0 or 1")),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{FieldName, FieldValue};

    pub(crate) fn full_item() -> Item {
        let mut item = Item::blank(ItemId(Uuid::from_u128(42)), StageKey::new("vurdering"), -5);
        for name in FieldName::ALL {
            let text = match name {
                FieldName::Anchoring => "Kompetanse: hovedmål 2 og 3; Bolyst",
                FieldName::Priority => "4294967295",
                FieldName::Funds => "18446744073709551615",
                FieldName::TimelineStart => "0001-01-01",
                FieldName::TimelineEnd => "9999-12-31",
                FieldName::ProjectGroup | FieldName::Tags => "Rådmann; Økonomisjef; æøå",
                _ => "Tekst med æøå – og «sitat»",
            };
            item.set(FieldValue::parse(name, text).expect("a valid sample"));
        }
        item.updated = i64::MAX;
        item.created = i64::MIN;
        item.deleted = true;
        item.sync.record(Slot::Stage, 7, 3, "radgiver-a", || None);
        item.sync
            .record(Slot::Field(FieldName::Tags), 5, 0, "radgiver-b", || None);
        item.sync
            .record(Slot::Field(FieldName::Description), 6, 0, "per", || None);
        item.sync.record(
            Slot::Field(FieldName::Description),
            9,
            4,
            "radgiver-a",
            || Some("Pers tekst".into()),
        );
        assert_eq!(item.sync.conflicts.len(), 1, "the sample has a conflict");
        for (scorer, set, criteria, adjustment, comment) in [
            (
                "radgiver-a",
                "prosjektportalen",
                vec![5, 4, 3, 2, 1],
                -5,
                "Dyrt å drifte",
            ),
            ("radgiver-b", "nordland", vec![1, 5, 3], 0, ""),
        ] {
            item.scores.insert(
                scorer.into(),
                ItemScore {
                    set: set.into(),
                    scores: Scores {
                        criteria,
                        adjustment,
                        comment: comment.into(),
                    },
                    at: -7,
                },
            );
        }
        item
    }

    /// An item as format 1 wrote it: no new system, no scores, and slots numbered by
    /// the fields of that time. Written here field by field, as the format-1 encoder did.
    pub(crate) fn format_1_bytes(item: &Item) -> Vec<u8> {
        let mut w = Writer(vec![FORMAT_1]);
        write_head(&mut w, item);
        w.str(&item.retires_system);
        w.strs(&item.tags);
        w.int(item.created);
        w.int(item.updated);
        w.0.push(u8::from(item.deleted));
        let slot = |s: Slot| match s {
            Slot::Stage => 0,
            Slot::Field(f) => {
                1 + FORMAT_1_FIELDS
                    .iter()
                    .position(|x| *x == f)
                    .expect("a format-1 field") as u64
            }
        };
        w.0.push(1);
        w.uint(item.sync.versions.len() as u64);
        for (s, v) in &item.sync.versions {
            w.uint(slot(*s));
            w.uint(v.seq);
            w.str(&v.author);
        }
        w.uint(item.sync.conflicts.len() as u64);
        for c in &item.sync.conflicts {
            w.uint(slot(c.slot));
            w.str(&c.by);
            w.str(&c.winner);
            w.uint(c.seq);
            w.opt(c.kept.as_deref(), Writer::str);
        }
        w.0
    }

    #[test]
    fn format_1_items_are_read_with_the_new_fields_empty() {
        let mut item = full_item();
        item.introduces_system = String::new();
        item.scores.clear();
        // Tags come after the new field in `FieldName::ALL`: their slot number moved.
        assert!(item.sync.version(Slot::Field(FieldName::Tags)).is_some());
        let old = format_1_bytes(&item);
        assert_eq!(old[0], 1);
        let read = decode(&old).expect("format 1 decodes");
        assert_eq!(read, item);
        assert!(read.sync.version(Slot::Field(FieldName::Tags)).is_some());
        assert!(read
            .sync
            .version(Slot::Field(FieldName::RetiresSystem))
            .is_none());
        // Written again, it is format 2 and reads back the same.
        let new = encode(&read);
        assert_eq!(new[0], FORMAT);
        assert_eq!(decode(&new), Ok(item));
    }

    #[test]
    fn the_new_fields_round_trip() {
        let item = full_item();
        assert!(!item.introduces_system.is_empty());
        assert_eq!(item.scores.len(), 2);
        assert_eq!(decode(&encode(&item)), Ok(item));
    }

    #[test]
    fn items_round_trip() {
        for item in [
            Item::blank(ItemId(Uuid::from_u128(1)), StageKey::new("innkommet"), 0),
            full_item(),
        ] {
            assert_eq!(decode(&encode(&item)), Ok(item));
        }
    }

    #[test]
    fn a_blank_item_is_small() {
        let blank = Item::blank(ItemId(Uuid::from_u128(1)), StageKey::new("innkommet"), 0);
        // Format 2's two new fields cost a blank item two bytes (an empty text, no scores).
        assert!(encode(&blank).len() < 52, "{}", encode(&blank).len());
    }

    #[test]
    fn every_cut_and_every_changed_byte_is_an_error_or_an_item_never_a_panic() {
        let bytes = encode(&full_item());
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).is_err());
        for at in 0..bytes.len() {
            for b in [0u8, 1, 0x7f, 0x80, 0xff] {
                let mut changed = bytes.clone();
                changed[at] = b;
                if let Ok(item) = decode(&changed) {
                    assert_eq!(decode(&encode(&item)), Ok(item));
                }
            }
        }
    }

    #[test]
    fn oversized_numbers_and_lengths_are_refused() {
        let reader = |bytes| Reader {
            bytes,
            fields: &FieldName::ALL,
        };
        let mut r = reader(&[0xff; 11]);
        assert!(r.uint().is_err());
        let mut r = reader(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert_eq!(r.uint(), Ok(u64::MAX));
        let mut r = reader(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]);
        assert!(r.uint().is_err());
        let mut r = reader(&[0x05, b'a']);
        assert!(r.string().is_err());
        assert!(decode(&[3]).is_err(), "an unknown format");
        assert!(decode(&[0]).is_err(), "an unknown format");
    }
}
