//! [`InstanceMap`]: the instances of a simulation, in creation order, found by id.
//!
//! A hash table of positions into a vector of instances (`id_table::IdTable`). Each
//! instance holds its own id, so a lookup hashes the id (`id_table::hash`: the same on
//! every machine), probes the table and compares the id stored in the instance itself
//! when the slot's hash tag matches: no second copy of the key, and the vector grows as
//! vectors do rather than to the table's capacity (docs/architecture.md,
//! docs/performance.md).

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::id_table::{hash, IdTable};
use crate::ids::InstanceId;
use crate::instance::{Instance, ProfilePool};

/// The instances of a simulation, in creation order, by `DBInstanceId`.
#[derive(Clone, Default)]
pub struct InstanceMap {
    /// Positions in `records`, hashed by the id of the instance there.
    index: IdTable,
    records: Vec<Instance>,
    /// The distinct profiles of the instances, shared between them.
    profiles: ProfilePool,
}

impl InstanceMap {
    /// How many instances.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Where the instance `id` sits in creation order.
    #[inline(always)]
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        let records = &self.records;
        if let [only] = records.as_slice() {
            // One instance (a fleet runner's simulation): no hashing.
            return only.id.is(id).then_some(0);
        }
        self.position_hashed(id, hash(id))
    }

    /// Reads the table's slot for `id` without comparing any id, and returns the hash to
    /// find it with ([`Self::position_hashed`]): the batch API calls it for a run of
    /// requests first, so that their misses on the table overlap instead of following one
    /// another (safe code has no prefetch).
    #[inline(always)]
    pub(crate) fn warm(&self, id: &str) -> u64 {
        let hash = hash(id);
        self.index.warm(hash);
        hash
    }

    /// [`Self::position`] for an id whose hash (from [`Self::warm`]) is known.
    #[inline(always)]
    pub(crate) fn position_hashed(&self, id: &str, hash: u64) -> Option<usize> {
        let records = &self.records;
        self.index.find(
            hash,
            #[inline(always)]
            |at| records[at].id.is(id),
        )
    }

    /// The instance `id`.
    #[inline]
    pub fn get(&self, id: &str) -> Option<&Instance> {
        self.position(id).map(|at| &self.records[at])
    }

    /// The instance `id`, to change it.
    #[inline]
    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Instance> {
        self.position(id).map(|at| &mut self.records[at])
    }

    /// The instance at `position` (from [`Self::position`]).
    #[inline]
    pub(crate) fn at(&self, position: usize) -> &Instance {
        &self.records[position]
    }

    /// The instance at `position` (from [`Self::position`]), to change it.
    #[inline]
    pub(crate) fn at_mut(&mut self, position: usize) -> &mut Instance {
        &mut self.records[position]
    }

    /// Whether an instance `id` exists.
    pub fn contains_key(&self, id: &str) -> bool {
        self.position(id).is_some()
    }

    /// Adds `instance` last, or replaces the instance of the same id in its place.
    pub(crate) fn insert(&mut self, mut instance: Instance) {
        instance.profile = self.profiles.intern(std::mem::take(&mut instance.profile));
        if let Some(at) = self.position(instance.id.as_str()) {
            self.records[at] = instance;
            // A replaced instance may have held the last reference to a profile.
            if self.profiles.len() > 2 * self.records.len() + 16 {
                self.profiles.prune();
            }
            return;
        }
        let at =
            u32::try_from(self.records.len()).expect("fewer than 2^32 instances in one simulation");
        let records = &self.records;
        self.index.insert(hash(instance.id.as_str()), at, |i| {
            hash(records[i].id.as_str())
        });
        self.records.push(instance);
    }

    /// Removes every instance, keeping the memory for the next ones.
    pub(crate) fn clear(&mut self) {
        self.index.clear();
        self.records.clear();
        self.profiles.clear();
    }

    /// The instances, in creation order.
    pub fn values(&self) -> std::slice::Iter<'_, Instance> {
        self.records.iter()
    }

    /// The instances, in creation order, to change them.
    pub(crate) fn values_mut(&mut self) -> std::slice::IterMut<'_, Instance> {
        self.records.iter_mut()
    }

    /// The ids, in creation order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &InstanceId> {
        self.records.iter().map(|i| &i.id)
    }

    /// `(id, instance)` pairs, in creation order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&InstanceId, &Instance)> {
        self.records.iter().map(|i| (&i.id, i))
    }

    /// Bytes this map holds beyond its own struct, by capacity (the instances' own
    /// heap parts not included).
    pub fn table_bytes(&self) -> usize {
        self.index.bytes() + self.records.capacity() * std::mem::size_of::<Instance>()
    }
}

impl<'a> IntoIterator for &'a InstanceMap {
    type Item = (&'a InstanceId, &'a Instance);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, Instance>, fn(&'a Instance) -> Self::Item>;

    fn into_iter(self) -> Self::IntoIter {
        fn pair(i: &Instance) -> (&InstanceId, &Instance) {
            (&i.id, i)
        }
        self.records
            .iter()
            .map(pair as fn(&'a Instance) -> Self::Item)
    }
}

/// Equal when the same instances are in the same order.
impl PartialEq for InstanceMap {
    fn eq(&self, other: &Self) -> bool {
        self.records == other.records
    }
}

impl Eq for InstanceMap {}

impl fmt::Debug for InstanceMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// A JSON object from id to instance, in creation order.
impl Serialize for InstanceMap {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (id, instance) in self {
            map.serialize_entry(id, instance)?;
        }
        map.end()
    }
}

/// Refuses an instance listed under a key other than its own id.
impl<'de> Deserialize<'de> for InstanceMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor;
        impl<'de> Visitor<'de> for MapVisitor {
            type Value = InstanceMap;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map from DBInstanceId to instance")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<InstanceMap, A::Error> {
                let mut map = InstanceMap::default();
                while let Some((key, instance)) = access.next_entry::<InstanceId, Instance>()? {
                    if key != instance.id {
                        return Err(serde::de::Error::custom(format!(
                            "instance {key} is stored under another id"
                        )));
                    }
                    map.insert(instance);
                }
                Ok(map)
            }
        }
        deserializer.deserialize_map(MapVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instance::{Database, InstanceSpec};
    use crate::vocab::Engine;
    use crate::Timestamp;

    fn instance(id: &str, database: &str) -> Instance {
        let mut spec = InstanceSpec::new(InstanceId::new(id).unwrap(), Engine::MySql);
        spec.databases = vec![Database::running(database)];
        spec.build(Timestamp::parse_rfc3339("2026-03-01T00:00:00Z").unwrap())
            .unwrap()
    }

    /// The pool of profiles holds each distinct profile once; replacing instances leaves
    /// profiles no instance holds, dropped once the pool holds more than twice as many
    /// profiles as instances, plus 16; it empties with the map.
    #[test]
    fn profiles_are_shared_pruned_and_cleared() {
        let mut map = InstanceMap::default();
        for id in ["rm-1", "rm-2", "rm-3"] {
            map.insert(instance(id, "app"));
        }
        assert_eq!(map.profiles.len(), 1);
        let sizes: Vec<usize> = (0..100)
            .map(|k| {
                map.insert(instance("rm-1", &format!("db{k}")));
                map.profiles.len()
            })
            .collect();
        // "app" and rm-1's profile, then one more each time, until 23 > 2 × 3 + 16 prunes.
        let expected: Vec<usize> = (0..100).map(|k| 2 + k % 21).collect();
        assert_eq!(sizes, expected);
        assert_eq!(
            map.get("rm-1").unwrap().databases(),
            &[Database::running("db99")]
        );
        assert_eq!(
            map.get("rm-2").unwrap().databases(),
            &[Database::running("app")]
        );
        map.clear();
        assert_eq!(map.profiles.len(), 0);
    }
}
