//! The cache's layout version and the migrations between versions.
//!
//! `meta/schema_version` (u32, big-endian) says which layout a cache was written with.
//! On open, every migration from that version up to [`SCHEMA_VERSION`] runs in order,
//! and the version is written and flushed after each step. A migration must therefore be
//! safe to run again on a cache it already (partly) migrated. A cache from a newer styr
//! is refused with [`OpenError::NewerSchema`] and left untouched.

use super::codec::{self, META_NEXT_INDEX, META_SCHEMA_VERSION, OPS_LABEL};
use super::trees::Trees;
use super::{view, OpenError, StoreError};
use std::collections::BTreeSet;

/// The layout this build writes.
pub const SCHEMA_VERSION: u32 = 3;

/// Upgrades a cache by one version.
pub(crate) type Migration = fn(&Trees) -> Result<(), StoreError>;

/// `MIGRATIONS[n]` upgrades a cache from version `n` to `n + 1`.
pub(crate) const MIGRATIONS: &[Migration] = &[v0_to_v1, v1_to_v2, v2_to_v3];

const _: () = assert!(MIGRATIONS.len() == SCHEMA_VERSION as usize);

/// Brings the cache up to `migrations.len()`, returning that version.
pub(crate) fn migrate(trees: &Trees, migrations: &[Migration]) -> Result<u32, OpenError> {
    let supported = u32::try_from(migrations.len())
        .map_err(|_| OpenError::Corrupt("too many cache migrations".into()))?;
    let found = read_version(trees)?.unwrap_or(0);
    if found > supported {
        return Err(OpenError::NewerSchema { found, supported });
    }
    for (from, migration) in (found..supported).zip(&migrations[found as usize..]) {
        migration(trees)?;
        trees
            .meta
            .insert(META_SCHEMA_VERSION, &(from + 1).to_be_bytes()[..])
            .map_err(StoreError::from)?;
        trees.flush()?;
    }
    Ok(supported)
}

/// The stored version, `None` for a cache that has none (version 0, or a new cache).
pub(crate) fn read_version(trees: &Trees) -> Result<Option<u32>, StoreError> {
    trees
        .meta
        .get(META_SCHEMA_VERSION)?
        .map(|v| codec::decode_u32(META_SCHEMA_VERSION, &v))
        .transpose()
}

/// Version 0 is the layout before the version key existed: the op log, outbox and
/// items, but no op-id index and no stored next index. Version 1 adds both; the view is
/// folded again from the log so that it agrees with version 1's de-duplication.
fn v0_to_v1(trees: &Trees) -> Result<(), StoreError> {
    let mut next = 0u64;
    let mut ids = sled::Batch::default();
    let mut seen = BTreeSet::new();
    let mut ops = Vec::new();
    for entry in trees.ops.iter() {
        let (key, value) = entry?;
        let index = codec::decode_index(OPS_LABEL, &key)?;
        let op = codec::decode_op(OPS_LABEL, index, &value)?;
        if seen.insert(op.op_id) && trees.op_ids.get(op.op_id.0.as_bytes())?.is_none() {
            ids.insert(op.op_id.0.as_bytes().to_vec(), key.to_vec());
        }
        next = next.max(index.saturating_add(1));
        ops.push(op);
    }
    trees.op_ids.apply_batch(ids)?;
    if let Some(stored) = trees.meta.get(META_NEXT_INDEX)? {
        next = next.max(codec::decode_u64(META_NEXT_INDEX, &stored)?);
    }
    trees
        .meta
        .insert(META_NEXT_INDEX, &codec::index_key(next)[..])?;
    view::replace(trees, &crate::model::Portfolio::fold(&ops))?;
    Ok(())
}

/// Version 2 takes history out of the view: items are stored in the binary encoding of
/// `item_codec` without their history, and the new `item_ops` index (item id ++ log
/// index) lists each item's ops, from which its history is derived when it is shown.
/// Both are derived from the log; running this again gives the same result.
fn v1_to_v2(trees: &Trees) -> Result<(), StoreError> {
    view::rebuild(trees)
}

/// Version 3 writes the view's items, and the confirmed copies of items with pending ops
/// (`base`), in item format 2 (a new system, scores). This build
/// still reads format 1, but an older styr cannot read format 2: the version bump makes
/// it refuse the cache ("written by a newer styr") instead of failing on an item. Each
/// item is re-encoded as it is (not folded again: a synced cache's view holds state the
/// log alone does not give), in one batch; running this again rewrites the same bytes.
fn v2_to_v3(trees: &Trees) -> Result<(), StoreError> {
    let mut batch = sled::Batch::default();
    for entry in trees.items.iter() {
        let (key, value) = entry?;
        let item = codec::decode_item(&key, &value)?;
        batch.insert(key, codec::encode_item(&item));
    }
    trees.items.apply_batch(batch)?;
    let mut batch = sled::Batch::default();
    for entry in trees.base.iter() {
        let (key, value) = entry?;
        let item = codec::decode_base(&key, &value)?;
        batch.insert(key, codec::encode_base(item.as_ref()));
    }
    trees.base.apply_batch(batch)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_trees() -> Trees {
        let db = sled::Config::new()
            .temporary(true)
            .open()
            .expect("a temporary sled opens");
        Trees::open(db).expect("trees open")
    }

    fn mark(trees: &Trees, key: &str) -> Result<(), StoreError> {
        let order = trees.meta.len() as u8;
        trees.meta.insert(key.as_bytes(), vec![order])?;
        Ok(())
    }
    fn m0(t: &Trees) -> Result<(), StoreError> {
        mark(t, "ran-0")
    }
    fn m1(t: &Trees) -> Result<(), StoreError> {
        mark(t, "ran-1")
    }
    fn m2(t: &Trees) -> Result<(), StoreError> {
        mark(t, "ran-2")
    }
    fn fails(_: &Trees) -> Result<(), StoreError> {
        Err(StoreError::Corrupt("this migration always fails".into()))
    }

    #[test]
    fn migrations_run_in_order_from_the_stored_version() {
        let t = temp_trees();
        t.meta
            .insert(META_SCHEMA_VERSION, &1u32.to_be_bytes()[..])
            .expect("insert");
        assert_eq!(migrate(&t, &[m0, m1, m2]), Ok(3));
        assert_eq!(read_version(&t), Ok(Some(3)));
        assert!(t.meta.get("ran-0").expect("get").is_none());
        let one = t.meta.get("ran-1").expect("get").expect("m1 ran");
        let two = t.meta.get("ran-2").expect("get").expect("m2 ran");
        assert!(one[0] < two[0], "m1 runs before m2");
        // Nothing left to do the second time.
        t.meta.remove("ran-2").expect("remove");
        assert_eq!(migrate(&t, &[m0, m1, m2]), Ok(3));
        assert!(t.meta.get("ran-2").expect("get").is_none());
    }

    #[test]
    fn a_cache_without_a_version_starts_at_zero() {
        let t = temp_trees();
        assert_eq!(read_version(&t), Ok(None));
        assert_eq!(migrate(&t, &[m0]), Ok(1));
        assert!(t.meta.get("ran-0").expect("get").is_some());
        assert_eq!(read_version(&t), Ok(Some(1)));
    }

    #[test]
    fn a_newer_cache_is_refused_and_left_alone() {
        let t = temp_trees();
        t.meta
            .insert(META_SCHEMA_VERSION, &5u32.to_be_bytes()[..])
            .expect("insert");
        assert_eq!(
            migrate(&t, &[m0, m1]),
            Err(OpenError::NewerSchema {
                found: 5,
                supported: 2
            })
        );
        assert_eq!(read_version(&t), Ok(Some(5)));
        assert!(t.meta.get("ran-0").expect("get").is_none());
    }

    #[test]
    fn a_failed_migration_keeps_the_version_it_reached() {
        let t = temp_trees();
        let err = migrate(&t, &[m0, fails, m2]);
        assert!(matches!(err, Err(OpenError::Corrupt(_))), "{err:?}");
        assert_eq!(read_version(&t), Ok(Some(1)));
        assert!(t.meta.get("ran-2").expect("get").is_none());
    }

    #[test]
    fn version_3_rewrites_format_1_items_as_format_2() {
        use crate::store::item_codec::tests::{format_1_bytes, full_item};
        let t = temp_trees();
        let mut item = full_item();
        item.introduces_system.clear();
        item.scores.clear();
        let key = codec::item_key(&item.id);
        t.items
            .insert(&key[..], format_1_bytes(&item))
            .expect("insert");
        let mut base = vec![1];
        base.extend(format_1_bytes(&item));
        t.base.insert(&key[..], base).expect("insert");
        t.meta
            .insert(META_SCHEMA_VERSION, &2u32.to_be_bytes()[..])
            .expect("insert");
        assert_eq!(migrate(&t, MIGRATIONS), Ok(3));
        let stored = t.items.get(&key[..]).expect("get").expect("kept");
        assert_eq!(stored[0], 2, "format 2 now");
        assert_eq!(codec::decode_item(&key, &stored), Ok(item.clone()));
        let stored = t.base.get(&key[..]).expect("get").expect("kept");
        assert_eq!(stored[1], 2, "format 2 now");
        assert_eq!(codec::decode_base(&key, &stored), Ok(Some(item)));
        // Again: the same bytes.
        v2_to_v3(&t).expect("runs again");
        assert_eq!(
            t.items.get(&key[..]).expect("get").as_deref(),
            Some(
                &codec::encode_item(&codec::decode_item(&key, &stored[1..]).expect("decodes"))[..]
            )
        );
    }

    #[test]
    fn a_damaged_version_is_an_error() {
        let t = temp_trees();
        t.meta
            .insert(META_SCHEMA_VERSION, &b"x"[..])
            .expect("insert");
        assert!(matches!(
            migrate(&t, MIGRATIONS),
            Err(OpenError::Corrupt(_))
        ));
    }
}
