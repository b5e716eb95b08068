//! The nonce store: which `SignatureNonce`s (V1) and `x-acs-signature-nonce`s (V3) were
//! accepted recently, one space for every AccessKey (spec/emulator.md, "Time and nonces").
//!
//! # What is remembered, and for how long
//!
//! A nonce is remembered until an expiry the caller gives; the gateway gives
//! `max(now, request timestamp) + 15 minutes`, so a nonce is refused for at least the 15
//! minutes the spec asks, and also for as long as its request's timestamp could still pass
//! the timestamp check (a request stamped in the future cannot be replayed after 15 minutes).
//! Expiry is exact to the second: at `now >= expiry` the nonce is new again.
//!
//! # Memory: at most 32 bytes per remembered nonce
//!
//! A nonce is stored as one `u128`: 96 bits of its SHA-256 (a collision between two
//! different nonces has probability about n²/2⁹⁷; it would refuse a fresh nonce, never accept
//! a used one) and its expiry as 32-bit Unix seconds (1970 … 2106, saturating: at or after 2106 nothing is
//! remembered). Entries go
//! into one insert-only open-addressing table per minute of arrival ("bucket"); a bucket is
//! dropped whole once every entry in it has expired, so there is no per-entry deletion and
//! no time-ordered queue beside the table. A table grows by 1.5× when it would pass 80 %
//! load, so its load stays between 53 % and 80 %: 16 / 0.53 ≈ 30 bytes per entry, plus a
//! fixed ≈ 300 bytes for each of the at most ~31 live buckets. [`NonceStore::heap_bytes`]
//! reports the total, and a test holds it to 32 bytes per entry.
//!
//! # Time
//!
//! Every call takes `now`; the store never reads a clock. If `now` goes backwards, new
//! entries join the newest bucket (so buckets stay in time order and nothing is dropped
//! early); the worst effect of a backwards clock is that a bucket lives longer.

use std::collections::VecDeque;

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

/// How long a nonce is refused after it was accepted (and after its request's timestamp).
pub const NONCE_WINDOW: TimeDelta = TimeDelta::minutes(15);

/// Seconds of arrival time one bucket covers.
const BUCKET_SECONDS: i64 = 60;
/// Slots of a new bucket's table.
const INITIAL_SLOTS: usize = 16;

/// The nonce was accepted before and has not expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the nonce was used already")]
pub struct NonceUsed;

/// 96 bits of SHA-256 of the nonce, lowest bit forced to 1 so that no entry is 0 (0 marks
/// an empty slot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fingerprint(u128);

impl Fingerprint {
    fn of(nonce: &str) -> Fingerprint {
        let digest = Sha256::digest(nonce.as_bytes());
        let mut bytes = [0u8; 16];
        bytes[..12].copy_from_slice(&digest[..12]);
        let high = u128::from_be_bytes(bytes) >> 32;
        Fingerprint(high | 1)
    }

    /// The 64 bits that place it in a table.
    fn position_bits(self) -> u64 {
        // The top 64 of the 96 bits; the cast keeps exactly those bits.
        (self.0 >> 32) as u64
    }
}

/// One stored nonce: fingerprint in the high 96 bits, expiry in the low 32.
fn entry(fp: Fingerprint, expiry: u32) -> u128 {
    (fp.0 << 32) | u128::from(expiry)
}

fn entry_fingerprint(entry: u128) -> Fingerprint {
    Fingerprint(entry >> 32)
}

fn entry_expiry(entry: u128) -> u32 {
    // The low 32 bits, by construction in `entry`.
    (entry & u128::from(u32::MAX)) as u32
}

/// Unix seconds of `t`, saturated into `u32`.
fn unix_u32(t: DateTime<Utc>) -> u32 {
    u32::try_from(t.timestamp().max(0)).unwrap_or(u32::MAX)
}

/// An insert-only open-addressing table with linear probing.
#[derive(Debug)]
struct Table {
    slots: Vec<u128>,
    len: usize,
}

impl Table {
    fn new() -> Table {
        Table {
            slots: vec![0; INITIAL_SLOTS],
            len: 0,
        }
    }

    fn home(&self, fp: Fingerprint) -> usize {
        // Lemire's multiply-shift maps 64 bits onto 0..len without division; the result is
        // below `slots.len()`, so it fits in usize.
        ((u128::from(fp.position_bits()) * self.slots.len() as u128) >> 64) as usize
    }

    /// The slot holding `fp`, or the empty slot where it would go. The table is never full
    /// (load ≤ 80 %), so the probe ends.
    fn find(&self, fp: Fingerprint) -> usize {
        let mut i = self.home(fp);
        loop {
            let slot = self.slots[i];
            if slot == 0 || entry_fingerprint(slot) == fp {
                return i;
            }
            i += 1;
            if i == self.slots.len() {
                i = 0;
            }
        }
    }

    fn get(&self, fp: Fingerprint) -> Option<u32> {
        let slot = self.slots[self.find(fp)];
        (slot != 0).then(|| entry_expiry(slot))
    }

    /// Stores `fp` with `expiry`, replacing the expiry of an equal fingerprint.
    fn put(&mut self, fp: Fingerprint, expiry: u32) {
        if (self.len + 1) * 5 > self.slots.len() * 4 {
            self.grow();
        }
        let i = self.find(fp);
        if self.slots[i] == 0 {
            self.len += 1;
        }
        self.slots[i] = entry(fp, expiry);
    }

    fn grow(&mut self) {
        let new_len = self.slots.len() + self.slots.len() / 2;
        let old = std::mem::replace(&mut self.slots, vec![0; new_len]);
        for slot in old.into_iter().filter(|&s| s != 0) {
            let i = self.find(entry_fingerprint(slot));
            self.slots[i] = slot;
        }
    }
}

#[derive(Debug)]
struct Bucket {
    /// Arrival minute (Unix seconds / 60) of its first entry.
    minute: i64,
    /// The latest expiry in it: the bucket is dropped once `now` reaches it.
    max_expiry: u32,
    table: Table,
}

/// Remembers accepted nonces until their expiry. See the module docs.
#[derive(Debug, Default)]
pub struct NonceStore {
    buckets: VecDeque<Bucket>,
}

impl NonceStore {
    /// An empty store.
    pub fn new() -> NonceStore {
        NonceStore::default()
    }

    /// Refuses `nonce` if it is remembered and unexpired at `now`; otherwise remembers it
    /// until `expires_at`. Expired buckets are dropped first.
    pub fn check_and_insert(
        &mut self,
        nonce: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(), NonceUsed> {
        self.expire(now);
        let fp = Fingerprint::of(nonce);
        if self.is_live(fp, unix_u32(now)) {
            return Err(NonceUsed);
        }
        self.put(fp, now, unix_u32(expires_at));
        Ok(())
    }

    /// Remembers `nonce` until `expires_at` without checking it (used to restore the nonces
    /// stored with durable changes). `now` places it in a bucket and drops expired ones.
    pub fn insert(&mut self, nonce: &str, now: DateTime<Utc>, expires_at: DateTime<Utc>) {
        self.expire(now);
        self.put(Fingerprint::of(nonce), now, unix_u32(expires_at));
    }

    /// Whether `nonce` is remembered and unexpired at `now`.
    pub fn contains(&self, nonce: &str, now: DateTime<Utc>) -> bool {
        self.is_live(Fingerprint::of(nonce), unix_u32(now))
    }

    /// Entries held, including expired ones whose bucket is not yet dropped.
    pub fn len(&self) -> usize {
        self.buckets.iter().map(|b| b.table.len).sum()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The heap memory the store holds, in bytes.
    pub fn heap_bytes(&self) -> usize {
        self.buckets.capacity() * std::mem::size_of::<Bucket>()
            + self
                .buckets
                .iter()
                .map(|b| b.table.slots.capacity() * std::mem::size_of::<u128>())
                .sum::<usize>()
    }

    /// Every entry unexpired at `now`, as stored (fingerprint and expiry), for a snapshot
    /// of the durable state.
    pub fn export(&self, now: DateTime<Utc>) -> Vec<u128> {
        let now = unix_u32(now);
        self.buckets
            .iter()
            .flat_map(|b| b.table.slots.iter().copied())
            .filter(|&slot| slot != 0 && entry_expiry(slot) > now)
            .collect()
    }

    /// Restores an entry of [`NonceStore::export`] (an entry whose fingerprint is 0 is
    /// ignored: no stored entry has one).
    pub fn import(&mut self, entry: u128, now: DateTime<Utc>) {
        let fp = entry_fingerprint(entry);
        if fp.0 & 1 == 1 {
            self.expire(now);
            self.put(fp, now, entry_expiry(entry));
        }
    }

    fn is_live(&self, fp: Fingerprint, now: u32) -> bool {
        self.buckets
            .iter()
            .any(|b| b.table.get(fp).is_some_and(|expiry| expiry > now))
    }

    fn expire(&mut self, now: DateTime<Utc>) {
        let now = unix_u32(now);
        while self.buckets.front().is_some_and(|b| b.max_expiry <= now) {
            self.buckets.pop_front();
        }
    }

    fn put(&mut self, fp: Fingerprint, now: DateTime<Utc>, expiry: u32) {
        let minute = now.timestamp().div_euclid(BUCKET_SECONDS);
        let bucket = match self.buckets.back_mut() {
            // A clock that went backwards joins the newest bucket (see the module docs).
            Some(last) if last.minute >= minute => last,
            _ => {
                self.buckets.push_back(Bucket {
                    minute,
                    max_expiry: 0,
                    table: Table::new(),
                });
                match self.buckets.back_mut() {
                    Some(bucket) => bucket,
                    None => return, // unreachable: pushed just above
                }
            }
        };
        bucket.max_expiry = bucket.max_expiry.max(expiry);
        bucket.table.put(fp, expiry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn accept(store: &mut NonceStore, nonce: &str, at: i64) -> Result<(), NonceUsed> {
        store.check_and_insert(nonce, t(at), t(at) + NONCE_WINDOW)
    }

    #[test]
    fn a_nonce_is_refused_for_15_minutes_then_new_again() {
        let mut s = NonceStore::new();
        assert_eq!(accept(&mut s, "n1", 0), Ok(()));
        assert_eq!(accept(&mut s, "n1", 0), Err(NonceUsed));
        assert_eq!(accept(&mut s, "n1", 899), Err(NonceUsed));
        assert!(s.contains("n1", t(899)));
        assert!(!s.contains("n1", t(900)));
        assert_eq!(accept(&mut s, "n1", 900), Ok(()));
        assert_eq!(accept(&mut s, "n1", 901), Err(NonceUsed));
    }

    #[test]
    fn exported_entries_imported_elsewhere_are_refused_until_their_expiry() {
        let mut store = NonceStore::new();
        accept(&mut store, "kept", 0).unwrap();
        accept(&mut store, "also", 30).unwrap();
        let entries = store.export(t(60));
        assert_eq!(entries.len(), 2);
        let mut restored = NonceStore::new();
        for entry in entries {
            restored.import(entry, t(60));
        }
        assert!(restored.contains("kept", t(60)));
        assert!(restored.contains("also", t(60)));
        assert!(!restored.contains("other", t(60)));
        assert!(!restored.contains("kept", t(15 * 60)));
        assert!(store.export(t(15 * 60 + 30)).is_empty());
    }

    #[test]
    fn nonces_are_independent() {
        let mut s = NonceStore::new();
        assert_eq!(accept(&mut s, "a", 0), Ok(()));
        assert_eq!(accept(&mut s, "b", 0), Ok(()));
        assert_eq!(accept(&mut s, "", 0), Ok(()));
        assert_eq!(accept(&mut s, "", 1), Err(NonceUsed));
        assert_eq!(s.len(), 3);
    }

    #[test]
    fn a_later_expiry_is_honoured() {
        let mut s = NonceStore::new();
        let expiry = t(0) + NONCE_WINDOW + TimeDelta::minutes(10);
        assert_eq!(s.check_and_insert("f", t(0), expiry), Ok(()));
        assert_eq!(accept(&mut s, "f", 1400), Err(NonceUsed));
        assert_eq!(accept(&mut s, "f", 1500), Ok(()));
    }

    #[test]
    fn expired_buckets_are_dropped() {
        let mut s = NonceStore::new();
        for i in 0..100 {
            accept(&mut s, &format!("n{i}"), i * 8).unwrap();
        }
        assert_eq!(s.len(), 100);
        assert_eq!(s.buckets.len(), 14);
        accept(&mut s, "late", 5000).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s.buckets.len(), 1);
        assert!(!s.is_empty());
    }

    #[test]
    fn insert_restores_without_checking() {
        let mut s = NonceStore::new();
        s.insert("r", t(0), t(0) + NONCE_WINDOW);
        s.insert("r", t(1), t(1) + NONCE_WINDOW);
        assert_eq!(accept(&mut s, "r", 2), Err(NonceUsed));
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn a_backwards_clock_keeps_buckets_ordered_and_entries_live() {
        let mut s = NonceStore::new();
        accept(&mut s, "late", 600).unwrap();
        accept(&mut s, "early", 0).unwrap();
        assert_eq!(s.buckets.len(), 1);
        assert!(s.contains("early", t(899)));
        assert!(!s.contains("early", t(900)));
        assert!(s.contains("late", t(1499)));
    }

    #[test]
    fn times_outside_u32_saturate_without_panicking() {
        let mut s = NonceStore::new();
        let past = DateTime::from_timestamp(-10, 0).unwrap();
        assert_eq!(s.check_and_insert("p", past, past + NONCE_WINDOW), Ok(()));
        assert_eq!(
            s.check_and_insert("p", past, past + NONCE_WINDOW),
            Err(NonceUsed)
        );
        // Past 2106 every time saturates to the same second, so nothing is remembered there
        // (a documented limit; the gateway's `now` is the real time).
        let far = DateTime::from_timestamp(10_000_000_000, 0).unwrap();
        assert_eq!(s.check_and_insert("q", far, far + NONCE_WINDOW), Ok(()));
        assert_eq!(s.check_and_insert("q", far, far + NONCE_WINDOW), Ok(()));
    }

    /// The issue's budget: remembered nonces cost at most 32 bytes each. 20,000 nonces per
    /// simulated minute for 15 minutes (a load test's rate), then check heap / entries.
    #[test]
    fn at_most_32_bytes_per_remembered_nonce() {
        let mut s = NonceStore::new();
        let per_second = 333;
        for second in 0..900 {
            for i in 0..per_second {
                accept(&mut s, &format!("{second}-{i}"), second).unwrap();
            }
            if second % 97 == 0 {
                let bytes_per_entry = s.heap_bytes() as f64 / s.len() as f64;
                assert!(bytes_per_entry <= 32.0, "{bytes_per_entry} bytes per nonce");
            }
        }
        assert_eq!(s.len(), 900 * per_second as usize);
        let bytes_per_entry = s.heap_bytes() as f64 / s.len() as f64;
        assert!(bytes_per_entry <= 32.0, "{bytes_per_entry} bytes per nonce");
        assert!(s.contains("0-0", t(899)));
        assert_eq!(accept(&mut s, "0-0", 900), Ok(()));
    }

    #[test]
    fn tables_grow_and_keep_every_entry() {
        let mut table = Table::new();
        for i in 0..10_000u32 {
            table.put(Fingerprint::of(&i.to_string()), i);
        }
        assert_eq!(table.len, 10_000);
        assert!(table.len * 5 <= table.slots.len() * 4);
        for i in 0..10_000u32 {
            assert_eq!(table.get(Fingerprint::of(&i.to_string())), Some(i));
        }
        assert_eq!(table.get(Fingerprint::of("absent")), None);
    }
}
