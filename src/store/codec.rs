//! How keys and values are laid out in the sled trees, and reading them back without
//! trusting them: every decode failure becomes a [`StoreError`] that names the entry.

use super::{item_codec, StoreError};
use crate::model::{Item, ItemId, Op};
use uuid::Uuid;

/// Tree names on disk.
pub(crate) const OPS: &str = "ops";
pub(crate) const OP_IDS: &str = "op_ids";
pub(crate) const OUTBOX: &str = "outbox";
pub(crate) const ITEMS: &str = "items";
pub(crate) const ITEM_OPS: &str = "item_ops";
pub(crate) const META: &str = "meta";
pub(crate) const BASE: &str = "base";
pub(crate) const SEQS: &str = "seqs";

/// Keys in the `meta` tree.
pub(crate) const META_SCHEMA_VERSION: &[u8] = b"schema_version";
pub(crate) const META_NEXT_INDEX: &[u8] = b"next_index";
pub(crate) const META_DRAFT: &[u8] = b"draft";
/// The highest seq the server confirmed and this cache folded.
pub(crate) const META_LAST_SEQ: &[u8] = b"last_seq";
/// Present in a cache that syncs with a server (set on first open for the server).
pub(crate) const META_SYNCED: &[u8] = b"synced";
/// Who the server last said we are (JSON of `protocol::Me`), for an offline start.
pub(crate) const META_IDENTITY: &[u8] = b"identity";
/// The meetings (JSON of `model::meeting::Meetings`): in a synced cache as the confirmed
/// ops left them (pending meeting ops go on top when loading), in a local one as the
/// whole log left them. Meetings are small; keeping them whole saves a replay at start.
pub(crate) const META_MEETINGS: &[u8] = b"meetings";

/// How the trees are named in error messages.
pub(crate) const OPS_LABEL: &str = "op log";
pub(crate) const OUTBOX_LABEL: &str = "outbox";

/// A local log index as a key: big-endian, so sled's byte order is log order.
pub(crate) fn index_key(index: u64) -> [u8; 8] {
    index.to_be_bytes()
}

pub(crate) fn decode_index(tree: &'static str, key: &[u8]) -> Result<u64, StoreError> {
    let bytes: [u8; 8] = key.try_into().map_err(|_| StoreError::CorruptEntry {
        tree,
        key: hex(key),
        reason: format!("a position key must be 8 bytes, not {}", key.len()),
    })?;
    Ok(u64::from_be_bytes(bytes))
}

pub(crate) fn decode_op(tree: &'static str, index: u64, bytes: &[u8]) -> Result<Op, StoreError> {
    Op::decode(bytes).map_err(|e| StoreError::CorruptOp {
        tree,
        index,
        reason: e.to_string(),
    })
}

pub(crate) fn encode_meetings(m: &crate::model::meeting::Meetings) -> Vec<u8> {
    serde_json::to_vec(m).expect("meetings always serialise")
}

pub(crate) fn decode_meetings(bytes: &[u8]) -> Result<crate::model::meeting::Meetings, StoreError> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::CorruptEntry {
        tree: META,
        key: "meetings".into(),
        reason: e.to_string(),
    })
}

pub(crate) fn item_key(id: &ItemId) -> [u8; 16] {
    *id.0.as_bytes()
}

/// A key of the `item_ops` index: the item id, then the op's log index, so that one
/// item's keys are together and in log order.
pub(crate) fn item_op_key(id: &ItemId, index: u64) -> [u8; 24] {
    let mut key = [0u8; 24];
    key[..16].copy_from_slice(id.0.as_bytes());
    key[16..].copy_from_slice(&index.to_be_bytes());
    key
}

/// The log index in an `item_ops` key.
pub(crate) fn decode_item_op_key(key: &[u8]) -> Result<u64, StoreError> {
    key.get(16..)
        .and_then(|tail| <[u8; 8]>::try_from(tail).ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| StoreError::CorruptEntry {
            tree: ITEM_OPS,
            key: hex(key),
            reason: format!("an item-op key must be 24 bytes, not {}", key.len()),
        })
}

pub(crate) fn encode_item(item: &Item) -> Vec<u8> {
    item_codec::encode(item)
}

pub(crate) fn decode_item(key: &[u8], bytes: &[u8]) -> Result<Item, StoreError> {
    let corrupt = |reason: String| StoreError::CorruptEntry {
        tree: ITEMS,
        key: Uuid::from_slice(key).map_or_else(|_| hex(key), |u| u.to_string()),
        reason,
    };
    let item = item_codec::decode(bytes).map_err(corrupt)?;
    if item.id.0.as_bytes()[..] != *key {
        return Err(corrupt(format!("it holds the item {}", item.id)));
    }
    Ok(item)
}

pub(crate) fn decode_u64(key: &[u8], bytes: &[u8]) -> Result<u64, StoreError> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| meta_corrupt(key, bytes.len(), 8))?;
    Ok(u64::from_be_bytes(arr))
}

pub(crate) fn decode_u32(key: &[u8], bytes: &[u8]) -> Result<u32, StoreError> {
    let arr: [u8; 4] = bytes
        .try_into()
        .map_err(|_| meta_corrupt(key, bytes.len(), 4))?;
    Ok(u32::from_be_bytes(arr))
}

fn meta_corrupt(key: &[u8], len: usize, want: usize) -> StoreError {
    StoreError::CorruptEntry {
        tree: META,
        key: String::from_utf8_lossy(key).into_owned(),
        reason: format!("expected {want} bytes, found {len}"),
    }
}

/// Bytes as lower-case hex, for naming a key that is not text.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A `base` entry: the confirmed state of an item with pending ops. `0` alone when the
/// item does not exist on the server yet (created here), else `1` and the item.
pub(crate) fn encode_base(item: Option<&Item>) -> Vec<u8> {
    match item {
        None => vec![0],
        Some(item) => {
            let mut out = vec![1];
            out.extend(item_codec::encode(item));
            out
        }
    }
}

pub(crate) fn decode_base(key: &[u8], bytes: &[u8]) -> Result<Option<Item>, StoreError> {
    match bytes.split_first() {
        Some((0, [])) => Ok(None),
        Some((1, rest)) => decode_item(key, rest).map(Some),
        _ => Err(StoreError::CorruptEntry {
            tree: BASE,
            key: Uuid::from_slice(key).map_or_else(|_| hex(key), |u| u.to_string()),
            reason: "it is neither a missing item nor an item".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keys_sort_in_log_order() {
        let keys: Vec<[u8; 8]> = [0u64, 1, 255, 256, 70_000, u64::MAX]
            .into_iter()
            .map(index_key)
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(decode_index(OPS, &index_key(70_000)), Ok(70_000));
    }

    #[test]
    fn bad_keys_and_values_are_errors_not_panics() {
        assert!(matches!(
            decode_index(OPS, b"short"),
            Err(StoreError::CorruptEntry { tree: OPS, .. })
        ));
        assert!(decode_u32(META_SCHEMA_VERSION, b"12345").is_err());
        assert!(decode_u64(META_NEXT_INDEX, b"").is_err());
        let err = decode_op(OPS_LABEL, 7, b"{not json").map(|_| ());
        assert!(matches!(err, Err(StoreError::CorruptOp { index: 7, .. })));
        let key = [1u8; 16];
        assert!(matches!(
            decode_item(&key, b"[]"),
            Err(StoreError::CorruptEntry { tree: ITEMS, .. })
        ));
    }

    #[test]
    fn item_op_keys_group_an_item_in_log_order() {
        let a = ItemId(Uuid::from_u128(1));
        let b = ItemId(Uuid::from_u128(2));
        assert!(item_op_key(&a, 5) < item_op_key(&a, 256));
        assert!(item_op_key(&a, u64::MAX) < item_op_key(&b, 0));
        assert_eq!(item_op_key(&a, 5)[..16], item_key(&a));
        assert_eq!(decode_item_op_key(&item_op_key(&b, 70_000)), Ok(70_000));
        assert!(decode_item_op_key(b"short").is_err());
    }

    #[test]
    fn an_item_under_the_wrong_key_is_refused() {
        let item = Item::blank(
            ItemId(Uuid::from_u128(1)),
            crate::model::StageKey::new("innkommet"),
            0,
        );
        let bytes = encode_item(&item);
        assert_eq!(decode_item(&item_key(&item.id), &bytes), Ok(item.clone()));
        let other = item_key(&ItemId(Uuid::from_u128(2)));
        assert!(decode_item(&other, &bytes).is_err());
    }
}
