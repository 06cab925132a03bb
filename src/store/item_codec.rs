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

use crate::model::conflict::{Conflict, Slot, SyncState, Version};
use crate::model::{Anchor, Benefits, FieldName, Item, ItemId, StageKey, Timeline};
use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

/// The first byte of every encoded item.
pub(crate) const FORMAT: u8 = 1;

pub(crate) fn encode(item: &Item) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(256));
    w.0.push(FORMAT);
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
    w.str(&item.retires_system);
    w.strs(&item.tags);
    w.int(item.created);
    w.int(item.updated);
    w.0.push(u8::from(item.deleted));
    w.sync(&item.sync);
    w.0
}

pub(crate) fn decode(bytes: &[u8]) -> Result<Item, String> {
    let mut r = Reader(bytes);
    match r.byte()? {
        FORMAT => {}
        other => return Err(format!("unknown item format {other}")),
    }
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
    let retires_system = r.string()?;
    let tags = r.list(Reader::string)?;
    let created = r.int()?;
    let updated = r.int()?;
    let deleted = match r.byte()? {
        0 => false,
        1 => true,
        other => return Err(format!("'deleted' is {other}, not 0 or 1")),
    };
    let sync = r.sync()?;
    if !r.0.is_empty() {
        return Err(format!("{} bytes too many at the end", r.0.len()));
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
        retires_system,
        tags,
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

struct Reader<'a>(&'a [u8]);

const ENDED: &str = "the entry ends too early";

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, String> {
        let (&b, rest) = self.0.split_first().ok_or(ENDED)?;
        self.0 = rest;
        Ok(b)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let (head, rest) = self.0.split_first_chunk::<N>().ok_or(ENDED)?;
        self.0 = rest;
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
            Ok(n) if n <= self.0.len() => Ok(n),
            _ => Err(ENDED.into()),
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let n = self.len()?;
        let (text, rest) = self.0.split_at(n);
        self.0 = rest;
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
            n => FieldName::ALL
                .get(n as usize - 1)
                .map(|f| Slot::Field(*f))
                .ok_or_else(|| format!("{n} is not a field")),
        }
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
mod tests {
    use super::*;
    use crate::model::{FieldName, FieldValue};

    fn full_item() -> Item {
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
        item
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
        assert!(encode(&blank).len() < 50, "{}", encode(&blank).len());
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
        let mut r = Reader(&[0xff; 11]);
        assert!(r.uint().is_err());
        let mut r = Reader(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert_eq!(r.uint(), Ok(u64::MAX));
        let mut r = Reader(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]);
        assert!(r.uint().is_err());
        let mut r = Reader(&[0x05, b'a']);
        assert!(r.string().is_err());
        assert!(decode(&[2]).is_err(), "an unknown format");
    }
}
