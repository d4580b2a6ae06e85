// ANCHOR: all
//! How much each user may store, and how the server keeps count.
//!
//! Walking a home to add up its files at every upload would be slow, and it
//! would still be wrong: two uploads by one user that start at the same moment
//! would each see the same free space, and together go over. So every user has
//! a [`Ledger`], shared by all their sessions, counted from the disk when their
//! first session starts and kept up to date after that, under one lock. An
//! upload *reserves* the bytes it still needs before a byte of it is accepted.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::accounts::bytes_under;
use crate::protocol::{Code, Refusal, human};

/// Every user's ledger, by name.
#[derive(Debug, Default)]
pub struct Quotas {
    ledgers: Mutex<HashMap<String, Arc<Mutex<Ledger>>>>,
}

// ANCHOR: ledger
/// One user's count.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Bytes in the home and in kept partial uploads, plus the bytes that
    /// uploads under way have reserved and not received yet.
    pub used: u64,
    /// Sessions of this user now. When the first one starts, `used` is counted
    /// again from the disk (an admin may have changed files meanwhile).
    sessions: usize,
    /// Files being uploaded now: a second upload of the same file waits its
    /// turn (it would write into the same partial file).
    uploading: HashSet<PathBuf>,
}
// ANCHOR_END: ledger

impl Quotas {
    /// Starts a session of `user`: the ledger it shares with the user's other
    /// sessions. `home` and `partial` are counted when no session was open.
    pub fn enter(&self, user: &str, home: &Path, partial: &Path) -> Usage {
        let mut all = self.ledgers.lock().unwrap_or_else(|e| e.into_inner());
        let ledger = Arc::clone(all.entry(user.to_string()).or_default());
        {
            let mut count = lock(&ledger);
            if count.sessions == 0 {
                count.used = bytes_under(home) + bytes_under(partial);
            }
            count.sessions += 1;
        }
        Usage { ledger }
    }
}

/// A session's handle on its user's ledger. Dropped when the session ends.
#[derive(Debug)]
pub struct Usage {
    ledger: Arc<Mutex<Ledger>>,
}

impl Drop for Usage {
    fn drop(&mut self) {
        lock(&self.ledger).sessions -= 1;
    }
}

fn lock(ledger: &Mutex<Ledger>) -> MutexGuard<'_, Ledger> {
    // A session that panicked while holding the lock left the numbers as they
    // were; they are still the best count there is.
    ledger.lock().unwrap_or_else(|e| e.into_inner())
}

impl Usage {
    /// Bytes used now, reservations included.
    pub fn used(&self) -> u64 {
        lock(&self.ledger).used
    }

    /// Runs `change` (a removal, a rename) under the ledger's lock, so that no
    /// upload's reservation or commit interleaves with it. `change` returns the
    /// bytes it freed.
    pub fn change<T>(
        &self,
        key: &Path,
        change: impl FnOnce() -> Result<(T, u64), Refusal>,
    ) -> Result<T, Refusal> {
        let mut count = lock(&self.ledger);
        if count.uploading.contains(key) {
            return Err(Refusal::new(
                Code::Busy,
                "it is being uploaded by another of your sessions",
            ));
        }
        let (value, freed) = change()?;
        count.used = count.used.saturating_sub(freed);
        Ok(value)
    }

    // ANCHOR: reserve
    /// Reserves what an upload of `key` needs, or refuses: the same file is
    /// being uploaded by another session, or it would go over `quota`.
    /// `prepare` runs under the lock, once no other upload of `key` can be
    /// under way: it looks at what the server holds of the file (and may throw
    /// away a partial that cannot be resumed), and returns the bytes the
    /// upload needs and the bytes it freed.
    pub fn reserve(
        &self,
        key: &Path,
        quota: u64,
        prepare: impl FnOnce() -> Result<(u64, u64), Refusal>,
    ) -> Result<Reservation, Refusal> {
        let mut count = lock(&self.ledger);
        if count.uploading.contains(key) {
            return Err(Refusal::new(
                Code::Busy,
                "another of your sessions is uploading this file now",
            ));
        }
        let (need, freed) = prepare()?;
        count.used = count.used.saturating_sub(freed);
        let free = quota.saturating_sub(count.used);
        if need > free {
            return Err(Refusal::new(
                Code::Quota,
                format!(
                    "it needs {} more, and only {} of your {} is free",
                    human(need),
                    human(free),
                    human(quota)
                ),
            ));
        }
        count.used += need;
        count.uploading.insert(key.to_path_buf());
        Ok(Reservation {
            ledger: Arc::clone(&self.ledger),
            key: key.to_path_buf(),
            need,
            received: 0,
        })
    }
    // ANCHOR_END: reserve
}

// ANCHOR: reservation
/// Bytes reserved for one upload under way. As they arrive they become the
/// partial file's, which counts already; what never arrives is given back when
/// the reservation ends, however it ends (dropped on an error too).
#[derive(Debug)]
pub struct Reservation {
    ledger: Arc<Mutex<Ledger>>,
    key: PathBuf,
    need: u64,
    received: u64,
}

impl Reservation {
    /// `n` more bytes arrived and were written to the partial file.
    pub fn received(&mut self, n: u64) {
        self.received += n;
    }

    /// The partial's `held` bytes were thrown away to start over: the upload
    /// now needs them again, and they were counted already, so the total does
    /// not change.
    pub fn start_over(&mut self, held: u64) {
        self.need += held;
    }

    /// Runs `commit` (the rename into place) under the lock; it returns the
    /// size of the file it replaced, which is freed.
    pub fn commit<T>(
        self,
        commit: impl FnOnce() -> Result<(T, u64), Refusal>,
    ) -> Result<T, Refusal> {
        let mut count = lock(&self.ledger);
        let (value, replaced) = commit()?;
        count.used = count.used.saturating_sub(replaced);
        Ok(value)
    }

    /// The partial file, `held` bytes in all, was deleted (damaged data).
    pub fn discard(self, held: u64) {
        let mut count = lock(&self.ledger);
        // What never arrived is given back by drop; what did is gone too.
        count.used = count.used.saturating_sub(held);
        drop(count);
        drop(self);
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut count = lock(&self.ledger);
        let unused = self.need.saturating_sub(self.received);
        count.used = count.used.saturating_sub(unused);
        count.uploading.remove(&self.key);
    }
}
// ANCHOR_END: reservation
// ANCHOR_END: all
