//! An instance's profile: what it is configured with beyond its closed-set fields (its
//! databases, backup policy and duration, and the descriptive fields the rules never
//! read), shared by the instances configured alike. The simulation's instance map interns
//! each profile ([`ProfilePool`]), so a fleet whose instances are configured alike keeps
//! one copy, and an instance holds one pointer, none at all while its profile is the
//! default one (docs/architecture.md, docs/performance.md: a one-line instance).

use std::collections::HashSet;
use std::ops::Deref;
use std::sync::Arc;

use compact_str::CompactString;
use rustc_hash::FxBuildHasher;

use super::{Database, DEFAULT_ACCOUNT_ID, DEFAULT_REGION_ID};
use crate::policy::BackupPolicy;

/// What an instance is configured with beyond its closed-set fields.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Profile {
    /// The databases, in the order given.
    pub(crate) databases: Vec<Database>,
    /// The backup policy (T-5).
    pub(crate) policy: Option<BackupPolicy>,
    /// `BackupDurationSeconds` of this instance; `None` uses the simulation's default.
    pub(crate) backup_duration_seconds: Option<u32>,
    /// `None`: the engine's default version.
    pub(crate) engine_version: Option<CompactString>,
    pub(crate) region: CompactString,
    pub(crate) account_id: CompactString,
    pub(crate) tags: Vec<(CompactString, CompactString)>,
}

/// The profile of an instance created with every default.
static DEFAULT_PROFILE: Profile = Profile {
    databases: Vec::new(),
    policy: None,
    backup_duration_seconds: None,
    engine_version: None,
    region: CompactString::const_new(DEFAULT_REGION_ID),
    account_id: CompactString::const_new(DEFAULT_ACCOUNT_ID),
    tags: Vec::new(),
};

/// An instance's [`Profile`], possibly shared with other instances; no pointer at all
/// while it is the default one, so that equal profiles are equal whatever their past.
#[derive(Clone, Debug, Default)]
pub(crate) struct SharedProfile(Option<Arc<Profile>>);

impl SharedProfile {
    /// `profile` (not yet shared: [`ProfilePool::intern`] shares it).
    pub(crate) fn new(profile: Profile) -> SharedProfile {
        SharedProfile((profile != DEFAULT_PROFILE).then(|| Arc::new(profile)))
    }

    /// Changes the profile by `change`; the result is this instance's own until the map
    /// interns it again.
    pub(crate) fn update(&mut self, change: impl FnOnce(&mut Profile)) {
        let mut profile = (**self).clone();
        change(&mut profile);
        *self = SharedProfile::new(profile);
    }
}

impl Deref for SharedProfile {
    type Target = Profile;

    #[inline]
    fn deref(&self) -> &Profile {
        self.0.as_deref().unwrap_or(&DEFAULT_PROFILE)
    }
}

/// By value: two instances configured alike are equal whether or not they share.
impl PartialEq for SharedProfile {
    fn eq(&self, other: &SharedProfile) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
            (None, None) => true,
            // `new` keeps no pointer to a default profile.
            _ => false,
        }
    }
}

impl Eq for SharedProfile {}

/// The distinct profiles of a simulation's instances.
#[derive(Clone, Debug, Default)]
pub(crate) struct ProfilePool {
    profiles: HashSet<Arc<Profile>, FxBuildHasher>,
}

impl ProfilePool {
    /// `profile`, shared with the instances that already hold an equal one.
    pub(crate) fn intern(&mut self, profile: SharedProfile) -> SharedProfile {
        let Some(profile) = profile.0 else {
            return SharedProfile(None);
        };
        if let Some(shared) = self.profiles.get(&*profile) {
            return SharedProfile(Some(Arc::clone(shared)));
        }
        self.profiles.insert(Arc::clone(&profile));
        SharedProfile(Some(profile))
    }

    /// How many distinct profiles the pool holds.
    pub(crate) fn len(&self) -> usize {
        self.profiles.len()
    }

    /// Drops the profiles that no instance holds any more.
    pub(crate) fn prune(&mut self) {
        self.profiles
            .retain(|profile| Arc::strong_count(profile) > 1);
    }

    /// Drops every profile.
    pub(crate) fn clear(&mut self) {
        self.profiles.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_databases(names: &[&str]) -> SharedProfile {
        SharedProfile::new(Profile {
            databases: names.iter().map(|name| Database::running(name)).collect(),
            ..DEFAULT_PROFILE.clone()
        })
    }

    #[test]
    fn equal_profiles_are_shared_and_unheld_ones_pruned() {
        let mut pool = ProfilePool::default();
        let a = pool.intern(with_databases(&["app", "sales"]));
        let b = pool.intern(with_databases(&["app", "sales"]));
        let (Some(a_arc), Some(b_arc)) = (&a.0, &b.0) else {
            panic!("two databases make a profile other than the default")
        };
        assert!(Arc::ptr_eq(a_arc, b_arc));
        assert_eq!(
            a.databases,
            [Database::running("app"), Database::running("sales")]
        );
        assert!(pool.intern(with_databases(&[])).0.is_none());
        assert_eq!(SharedProfile::default().region, DEFAULT_REGION_ID);
        let c = pool.intern(with_databases(&["other"]));
        assert_eq!(pool.len(), 2);
        drop(c);
        pool.prune();
        assert_eq!(pool.len(), 1);
        drop((a, b));
        pool.prune();
        assert_eq!(pool.len(), 0);
    }

    /// A profile changed back to the default holds no pointer, and equality is by value:
    /// an unshared profile equals a shared one configured alike.
    #[test]
    fn updates_compare_by_value_and_a_default_holds_nothing() {
        let mut pool = ProfilePool::default();
        let shared = pool.intern(with_databases(&["app"]));
        let mut own = with_databases(&["sales"]);
        assert_ne!(own, shared);
        own.update(|p| p.databases = vec![Database::running("app")]);
        assert_eq!(own, shared);
        assert!(!Arc::ptr_eq(
            own.0.as_ref().expect("not the default"),
            shared.0.as_ref().expect("not the default")
        ));
        own.update(|p| p.databases.clear());
        assert!(own.0.is_none());
        assert_eq!(own, SharedProfile::default());
        assert_ne!(own, shared);
    }
}
