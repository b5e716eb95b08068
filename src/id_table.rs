//! [`IdTable`]: where each instance sits in creation order, found by the hash of its id.
//!
//! Open addressing with linear probing over one array of 8-byte slots, each holding the
//! high 32 bits of the id's hash (the tag) beside the position plus one (0 is an empty
//! slot), at most three quarters full. A lookup reads one slot, usually the first it
//! probes, and compares the id stored in the instance only when the tag matches. This
//! replaced `hashbrown::HashTable<u32>`, whose lookup read a control byte and a slot from
//! two arrays (two cache lines at 1e6 instances where this reads one) and called the
//! comparison through a `dyn FnMut`; with [`hash`] in place of FxHash over the bytes, a
//! lookup at 1e3 instances went from about 150 to about 40 instructions
//! (docs/performance.md, issue 12). Instances are never removed, so no slot is ever a
//! tombstone.

/// The hash of an id: its bytes as little-endian words (the first and last, overlapping
/// for 9 to 15 bytes, and every word between for longer ids), each multiplied by its own
/// odd constant (independent multiplications, so they overlap in the processor), combined
/// with the length and mixed once more. The same on every machine; nothing visible depends
/// on it (instances are listed in creation order), only where the table keeps them.
#[inline(always)]
pub(crate) fn hash(id: &str) -> u64 {
    const K1: u64 = 0x9E37_79B9_7F4A_7C15;
    const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    const K3: u64 = 0x1656_67B1_9E37_79F9;
    let bytes = id.as_bytes();
    let len = bytes.len() as u64;
    let mut h = match (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        (Some(first), Some(last)) => {
            let mut h = u64::from_le_bytes(*first).wrapping_mul(K1)
                ^ u64::from_le_bytes(*last).wrapping_mul(K2).rotate_left(32);
            if bytes.len() > 16 {
                for word in bytes[8..bytes.len() - 8].chunks(8) {
                    let mut padded = [0; 8];
                    padded[..word.len()].copy_from_slice(word);
                    h = (h ^ u64::from_le_bytes(padded))
                        .wrapping_mul(K3)
                        .rotate_left(29);
                }
            }
            h
        }
        _ => {
            // Shorter than 8 bytes.
            let mut padded = [0; 8];
            padded[..bytes.len()].copy_from_slice(bytes);
            u64::from_le_bytes(padded).wrapping_mul(K1)
        }
    };
    // Every input bit reaches the low bits (the slot) and the high ones (the tag).
    h ^= len.wrapping_mul(K3);
    h ^= h >> 32;
    h = h.wrapping_mul(K1);
    h ^ (h >> 29)
}

/// Positions `0..len` found by hash; see the module's documentation.
#[derive(Clone, Debug, Default)]
pub(crate) struct IdTable {
    /// A power of two long (or empty): `tag << 32 | (position + 1)`, or 0 when empty.
    slots: Vec<u64>,
    /// How many slots are taken.
    len: usize,
}

impl IdTable {
    /// The position whose hash is `hash` and for which `is(position)` holds.
    #[inline(always)]
    pub(crate) fn find(&self, hash: u64, mut is: impl FnMut(usize) -> bool) -> Option<usize> {
        let mask = self.slots.len().checked_sub(1)?;
        let tag = hash >> 32;
        let mut at = hash as usize & mask;
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                return None;
            }
            if slot >> 32 == tag {
                // The low half is the position plus one, at least 1.
                let position = (slot as u32 - 1) as usize;
                if is(position) {
                    return Some(position);
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// Reads the slot where a lookup of `hash` starts, discarding it (the batch API's first
    /// pass, so that the misses of several lookups overlap).
    #[inline(always)]
    pub(crate) fn warm(&self, hash: u64) {
        if let Some(mask) = self.slots.len().checked_sub(1) {
            std::hint::black_box(self.slots[hash as usize & mask]);
        }
    }

    /// Adds `position` (not yet in the table, below `u32::MAX`) under `hash`; `hash_of`
    /// gives the hash of a position already there, for growing.
    pub(crate) fn insert(&mut self, hash: u64, position: u32, hash_of: impl Fn(usize) -> u64) {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow(hash_of);
        }
        self.place(hash, position);
        self.len += 1;
    }

    /// Twice the slots (16 at first), every taken one placed again.
    fn grow(&mut self, hash_of: impl Fn(usize) -> u64) {
        let size = (self.slots.len() * 2).max(16);
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        for slot in old.into_iter().filter(|&slot| slot != 0) {
            let position = slot as u32 - 1;
            self.place(hash_of(position as usize), position);
        }
    }

    /// Puts `position` in the first empty slot from `hash`'s (there is one: at most three
    /// quarters are taken).
    fn place(&mut self, hash: u64, position: u32) {
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        while self.slots[at] != 0 {
            at = (at + 1) & mask;
        }
        self.slots[at] = (hash >> 32) << 32 | (u64::from(position) + 1);
    }

    /// Empties the table, keeping its slots.
    pub(crate) fn clear(&mut self) {
        self.slots.fill(0);
        self.len = 0;
    }

    /// Bytes of slots held.
    pub(crate) fn bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<u64>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids of every length from 1 to 40 and many that share a prefix: each found at its
    /// own position, none found that was not added, across every growth.
    #[test]
    fn every_added_id_is_found_and_no_other() {
        let mut ids: Vec<String> = (0..5_000).map(|i| format!("rm-{i:010}")).collect();
        ids.extend((1..=40).map(|n| "x".repeat(n)));
        ids.extend((0..300).map(|i| format!("rm-bp1{i:x}abcdefghijklmnopqrstuvwxyz")));
        let mut table = IdTable::default();
        for (position, id) in ids.iter().enumerate() {
            let position = u32::try_from(position).unwrap();
            table.insert(hash(id), position, |at| hash(&ids[at]));
            let found = |id: &str| table.find(hash(id), |at| ids[at] == id);
            assert_eq!(found(id), Some(position as usize), "{id}");
        }
        for (position, id) in ids.iter().enumerate() {
            assert_eq!(table.find(hash(id), |at| ids[at] == *id), Some(position));
        }
        for absent in [
            "rx-0000000001",
            "rm-00000000011",
            "",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        ] {
            assert_eq!(
                table.find(hash(absent), |at| ids[at] == absent),
                None,
                "{absent}"
            );
        }
        assert!(table.len * 4 <= table.slots.len() * 3);
        assert_eq!(table.bytes(), table.slots.len() * 8);
        table.clear();
        assert_eq!(table.find(hash(&ids[0]), |at| ids[at] == ids[0]), None);
        assert_eq!(IdTable::default().find(hash("rm-1"), |_| true), None);
    }

    /// The table grows exactly when one more position would make it over three quarters
    /// full, to twice its slots: its memory (16.8 bytes per instance at 1e6,
    /// docs/performance.md) is part of the design.
    #[test]
    fn grows_to_twice_when_over_three_quarters_full() {
        let ids: Vec<String> = (0..100).map(|i| format!("rm-{i}")).collect();
        let mut table = IdTable::default();
        let mut sizes = Vec::new();
        for (position, id) in ids.iter().enumerate() {
            table.insert(hash(id), position as u32, |at| hash(&ids[at]));
            sizes.push(table.slots.len());
        }
        // 12 of 16, 24 of 32, 48 of 64 are three quarters; one more doubles.
        assert_eq!((sizes[0], sizes[11], sizes[12]), (16, 16, 32));
        assert_eq!(
            (sizes[23], sizes[24], sizes[47], sizes[48]),
            (32, 64, 64, 128)
        );
        assert_eq!((table.len, sizes[99]), (100, 256));
    }

    /// The hash reads every byte, the length, and spreads sequential ids over the slots.
    #[test]
    fn the_hash_depends_on_every_byte_and_spreads_sequential_ids() {
        for n in 1..=40 {
            let id = "a".repeat(n);
            assert_ne!(hash(&id), hash(&"a".repeat(n + 1)), "length {n}");
            for at in 0..n {
                let mut other = id.clone().into_bytes();
                other[at] = b'b';
                assert_ne!(
                    hash(&id),
                    hash(std::str::from_utf8(&other).unwrap()),
                    "{n} {at}"
                );
            }
        }
        // 65,536 sequential ids over 2^17 slots: the first probe of nearly all is free.
        let mask = (1 << 17) - 1;
        let mut used = vec![false; 1 << 17];
        let mut collisions = 0;
        for i in 0..65_536 {
            let at = hash(&format!("rm-{i:010}")) as usize & mask;
            collisions += usize::from(std::mem::replace(&mut used[at], true));
        }
        // A uniform hash collides about 14,000 times here (n - m(1 - e^(-n/m))).
        assert!(collisions < 16_000, "{collisions}");
    }
}
