//! Numbered cache slots, so that several styr processes (two terminals of one person,
//! or several people on one SSH host) can run side by side on the same base folder.
//!
//! sled locks its folder for one process and reports a busy folder as a raw I/O
//! error. So before sled is opened, styr takes its own exclusive lock on
//! `slot-N/styr.lock`; a slot whose lock is taken is skipped, and when every slot is
//! taken the caller gets [`OpenError::AllSlotsBusy`], never sled's lock message.

use super::OpenError;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many styr processes can share one base folder.
pub const MAX_SLOTS: usize = 8;

/// sled's page cache; its default is 1 GiB. styr reads the whole view once, at start,
/// into the portfolio it keeps, and afterwards mostly writes: pages sled kept cached
/// would hold every item a second time (at 1,000 items, about 2 MiB of a 13 MiB
/// process). A small cache lets sled drop each page once it is read; a later write
/// reads its page back from the file. sled splits the cache into 256 shards, so this
/// is 4 KiB per shard, about one page each.
const CACHE_CAPACITY: u64 = 1024 * 1024;

/// How long to wait for sled's own lock on a slot whose styr lock we hold. Holding
/// styr's lock means no running styr uses the slot, so a busy sled lock is almost always
/// one being let go: a store of this process, or of a styr that just ended, may still be
/// closing its files, which on a loaded machine has taken more than 300 ms. Giving up
/// too early would put the user in the next slot, a different copy of a local
/// portfolio. Only a foreign program holding sled's lock costs the whole wait.
const SLED_LOCK_PATIENCE: Duration = Duration::from_secs(3);
/// The first pause between tries; it doubles up to `SLED_LOCK_POLL_MAX`.
const SLED_LOCK_POLL: Duration = Duration::from_millis(10);
const SLED_LOCK_POLL_MAX: Duration = Duration::from_millis(100);

/// A slot we hold: its lock file stays open (and locked) as long as this lives.
pub(crate) struct Claimed {
    pub slot: usize,
    pub dir: PathBuf,
    pub db: sled::Db,
    pub lock: File,
}

/// Takes the first free slot among `base/slot-0 .. base/slot-{max - 1}` and opens its
/// sled database.
pub(crate) fn claim(base: &Path, max: usize) -> Result<Claimed, OpenError> {
    fs::create_dir_all(base).map_err(|e| io_error("could not be created", base, &e))?;
    for slot in 0..max {
        let dir = base.join(format!("slot-{slot}"));
        fs::create_dir_all(&dir).map_err(|e| io_error("could not be created", &dir, &e))?;
        let Some(lock) = try_lock(&dir)? else {
            continue;
        };
        match open_db(&dir)? {
            Some(db) => {
                return Ok(Claimed {
                    slot,
                    dir,
                    db,
                    lock,
                })
            }
            // sled's lock is held by something that does not take styr's lock (an
            // older styr, another tool): treat the slot as busy.
            None => continue,
        }
    }
    Err(OpenError::AllSlotsBusy {
        base: base.to_path_buf(),
        tried: max,
    })
}

/// Takes slot `slot` in `dir` (an existing slot folder) if it is free: `None` when a
/// running styr holds it. For reading a cache that is not in use (`styr status`).
pub(crate) fn claim_dir(slot: usize, dir: &Path) -> Result<Option<Claimed>, OpenError> {
    let Some(lock) = try_lock(dir)? else {
        return Ok(None);
    };
    Ok(open_db(dir)?.map(|db| Claimed {
        slot,
        dir: dir.to_path_buf(),
        db,
        lock,
    }))
}

/// `Some(file)` holding the slot's exclusive lock, or `None` when another process (or
/// another store in this one) holds it.
fn try_lock(dir: &Path) -> Result<Option<File>, OpenError> {
    let path = dir.join("styr.lock");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| io_error("could not be opened", &path, &e))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(io_error("could not be locked", &path, &e)),
    }
}

/// Opens sled in `dir/db`. `None` when sled's own lock stays busy.
fn open_db(dir: &Path) -> Result<Option<sled::Db>, OpenError> {
    let config = sled::Config::new()
        .path(dir.join("db"))
        .cache_capacity(CACHE_CAPACITY)
        // Every write is flushed explicitly before it is shown as saved; sled's own
        // flush timer would only wake an idle styr twice a second.
        .flush_every_ms(None);
    let give_up = std::time::Instant::now() + SLED_LOCK_PATIENCE;
    let mut pause = SLED_LOCK_POLL;
    loop {
        match config.open() {
            Ok(db) => return Ok(Some(db)),
            Err(e) if is_sled_lock_busy(&e) => {
                if std::time::Instant::now() >= give_up {
                    return Ok(None);
                }
                std::thread::sleep(pause);
                pause = (pause * 2).min(SLED_LOCK_POLL_MAX);
            }
            Err(e) => return Err(sled_open_error(dir, e)),
        }
    }
}

/// sled 0.34.7 reports a held lock as `Io(Other, "could not acquire lock on …")`.
fn is_sled_lock_busy(e: &sled::Error) -> bool {
    match e {
        sled::Error::Io(io) => {
            io.kind() == io::ErrorKind::WouldBlock
                || io.to_string().contains("could not acquire lock")
        }
        _ => false,
    }
}

fn sled_open_error(dir: &Path, e: sled::Error) -> OpenError {
    match e {
        sled::Error::Io(io) => io_error("could not be opened", dir, &io),
        sled::Error::Corruption { .. } => OpenError::Corrupt(format!(
            "the local cache in {} is damaged and could not be opened",
            dir.display()
        )),
        other => OpenError::Io(format!(
            "the local cache in {} could not be opened: {other}",
            dir.display()
        )),
    }
}

fn io_error(what: &str, path: &Path, e: &io::Error) -> OpenError {
    OpenError::Io(format!("the local cache at {} {what}: {e}", path.display()))
}
