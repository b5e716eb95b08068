//! An instance's databases, shared by the instances that list the same ones: the
//! simulation's instance map interns each list ([`DatabasePool`]), so a fleet whose
//! instances hold the same databases keeps one copy, and an instance holds one pointer
//! (8 bytes: the length sits with the shared list) instead of a heap block of its own
//! (docs/architecture.md).

use std::collections::HashSet;
use std::ops::Deref;
use std::sync::Arc;

use rustc_hash::FxBuildHasher;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::Database;

/// The databases of an instance, in the order given; possibly shared with other instances.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DatabaseList(Option<Arc<Vec<Database>>>);

impl DatabaseList {
    /// The list `databases` (not yet shared: [`DatabasePool::intern`] shares it).
    pub(crate) fn new(databases: Vec<Database>) -> DatabaseList {
        DatabaseList((!databases.is_empty()).then(|| Arc::new(databases)))
    }
}

impl Deref for DatabaseList {
    type Target = [Database];

    #[inline]
    fn deref(&self) -> &[Database] {
        self.0.as_deref().map_or(&[], Vec::as_slice)
    }
}

/// As the list of databases it holds.
impl Serialize for DatabaseList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DatabaseList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Database>::deserialize(deserializer).map(DatabaseList::new)
    }
}

/// The distinct database lists of a simulation's instances.
#[derive(Clone, Debug, Default)]
pub(crate) struct DatabasePool {
    lists: HashSet<Arc<Vec<Database>>, FxBuildHasher>,
}

impl DatabasePool {
    /// `list`, shared with the instances that already hold an equal one.
    pub(crate) fn intern(&mut self, list: DatabaseList) -> DatabaseList {
        let Some(list) = list.0 else {
            return DatabaseList(None);
        };
        if let Some(shared) = self.lists.get(&*list) {
            return DatabaseList(Some(Arc::clone(shared)));
        }
        self.lists.insert(Arc::clone(&list));
        DatabaseList(Some(list))
    }

    /// How many distinct lists the pool holds.
    pub(crate) fn len(&self) -> usize {
        self.lists.len()
    }

    /// Drops the lists that no instance holds any more.
    pub(crate) fn prune(&mut self) {
        self.lists.retain(|list| Arc::strong_count(list) > 1);
    }

    /// Drops every list.
    pub(crate) fn clear(&mut self) {
        self.lists.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_lists_are_shared_and_unheld_ones_pruned() {
        let mut pool = DatabasePool::default();
        let list = || DatabaseList::new(vec![Database::running("app"), Database::running("sales")]);
        let a = pool.intern(list());
        let b = pool.intern(list());
        let (Some(a_arc), Some(b_arc)) = (&a.0, &b.0) else {
            panic!("two databases make a list")
        };
        assert!(Arc::ptr_eq(a_arc, b_arc));
        assert_eq!(
            &*a,
            &[Database::running("app"), Database::running("sales")][..]
        );
        assert_eq!(
            pool.intern(DatabaseList::new(Vec::new())),
            DatabaseList(None)
        );
        assert_eq!(&*DatabaseList::default(), &[][..]);
        let c = pool.intern(DatabaseList::new(vec![Database::running("other")]));
        assert_eq!(pool.len(), 2);
        drop(c);
        pool.prune();
        assert_eq!(pool.len(), 1);
        drop((a, b));
        pool.prune();
        assert_eq!(pool.len(), 0);
    }
}
