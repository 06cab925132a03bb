//! The search worker: one thread that runs searches off the app's loop. Requests wait in
//! a one-place slot: a new request replaces one not yet started, so a fast typist's
//! intermediate queries are skipped, never queued.

use super::{Narrowing, Query, SearchIndex, SearchResults};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

#[derive(Default)]
struct Slot {
    job: Option<(Arc<SearchIndex>, Query)>,
    closed: bool,
}

type Shared = Arc<(Mutex<Slot>, Condvar)>;

/// Owns the search thread; dropping it stops the thread after the search in hand.
pub struct Worker {
    shared: Shared,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    /// Starts the thread. `deliver` gets every result; when it returns `false` (nobody
    /// listens any more) the thread ends.
    pub fn spawn(
        mut deliver: impl FnMut(SearchResults) -> bool + Send + 'static,
    ) -> std::io::Result<Worker> {
        let shared: Shared = Arc::default();
        let theirs = shared.clone();
        let thread = std::thread::Builder::new()
            .name("styr-search".into())
            .spawn(move || {
                let mut narrowing = Narrowing::default();
                loop {
                    let (index, query) = {
                        let (lock, ready) = &*theirs;
                        let mut slot = lock.lock().unwrap_or_else(PoisonError::into_inner);
                        loop {
                            if slot.closed {
                                return;
                            }
                            if let Some(job) = slot.job.take() {
                                break job;
                            }
                            slot = ready.wait(slot).unwrap_or_else(PoisonError::into_inner);
                        }
                    };
                    if !deliver(narrowing.search(&index, &query)) {
                        return;
                    }
                }
            })?;
        Ok(Worker {
            shared,
            thread: Some(thread),
        })
    }

    /// Asks for `query` over `index`, replacing a request not yet started.
    pub fn submit(&self, index: Arc<SearchIndex>, query: Query) {
        let (lock, ready) = &*self.shared;
        lock.lock().unwrap_or_else(PoisonError::into_inner).job = Some((index, query));
        ready.notify_one();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let (lock, ready) = &*self.shared;
        lock.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
        ready.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
