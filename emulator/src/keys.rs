//! The AccessKeys the gateway accepts (spec/emulator.md, "Starting it"; spec/ram.md,
//! "Identities"), looked up in this order:
//!
//! 1. the start-up keys: the `--access-key ID:SECRET` pairs, or the default
//!    `testid:testsecret` when none is given. They are root keys of the default account
//!    ([`KeyOwner::DefaultRoot`]): their requests reach the simulation without
//!    `AccessKeyId`, so they act as that root;
//! 2. the identities declared in the simulation by `Sim.PutIdentity` (from
//!    `--identities FILE`, `/_sim/action`, `/_sim/replay` or a restored state):
//!    [`KeyOwner::Declared`], their requests carry `AccessKeyId` and RAM applies.
//!
//! A start-up key shadows a declared identity with the same id.

use std::borrow::Cow;
use std::collections::HashMap;

use rds_backup_sim::Simulation;

use crate::gateway::{KeyOwner, KnownKey, SecretStore};

/// The default AccessKey pair, accepted when no `--access-key` is given.
pub const DEFAULT_KEY: (&str, &str) = ("testid", "testsecret");

/// Why an `--access-key` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not `ID:SECRET` with both parts non-empty.
    #[error("--access-key {0:?} is not ID:SECRET (both non-empty)")]
    Malformed(String),
    /// The same ID twice with different secrets.
    #[error("--access-key {0:?} is given twice with different secrets")]
    Conflicting(String),
}

/// The root AccessKeys of the default account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRing {
    secrets: HashMap<String, String>,
    /// Ids in the order given, for the start-up line.
    ids: Vec<String>,
    is_default: bool,
    /// `--accept-any-key`: an unknown `AccessKeyId` acts as the default account's root and
    /// no signature is verified.
    accept_any_key: bool,
}

impl KeyRing {
    /// The keys from `--access-key` values, or the default pair when there are none.
    pub fn from_flags<S: AsRef<str>>(values: &[S]) -> Result<KeyRing, KeyError> {
        if values.is_empty() {
            let (id, secret) = DEFAULT_KEY;
            return Ok(KeyRing {
                secrets: HashMap::from([(id.to_owned(), secret.to_owned())]),
                ids: vec![id.to_owned()],
                is_default: true,
                accept_any_key: false,
            });
        }
        let mut ring = KeyRing {
            secrets: HashMap::new(),
            ids: Vec::new(),
            is_default: false,
            accept_any_key: false,
        };
        for value in values {
            let value = value.as_ref();
            let (id, secret) = value
                .split_once(':')
                .filter(|(id, secret)| !id.is_empty() && !secret.is_empty())
                .ok_or_else(|| KeyError::Malformed(value.to_owned()))?;
            match ring.secrets.get(id) {
                Some(known) if known != secret => return Err(KeyError::Conflicting(id.to_owned())),
                Some(_) => {}
                None => {
                    ring.secrets.insert(id.to_owned(), secret.to_owned());
                    ring.ids.push(id.to_owned());
                }
            }
        }
        Ok(ring)
    }

    /// These keys in `--accept-any-key` mode (spec/emulator.md): any `AccessKeyId` is
    /// accepted without verifying the signature; an unknown one acts as the default
    /// account's root, a declared one as its identity.
    pub fn accepting_any_key(mut self) -> KeyRing {
        self.accept_any_key = true;
        self
    }

    /// How the start-up line names the keys: the default pair in full (it is public), or
    /// the ids of the given keys (their secrets are not printed); any-key mode says so.
    pub fn describe(&self) -> String {
        if self.accept_any_key {
            "any access key, signatures not verified (--accept-any-key)".to_owned()
        } else if self.is_default {
            let (id, secret) = DEFAULT_KEY;
            format!("access key {id}:{secret} (default)")
        } else {
            format!("access keys {}", self.ids.join(", "))
        }
    }
}

/// The start-up keys alone.
impl SecretStore for KeyRing {
    fn secret_of(&self, access_key_id: &str) -> Option<KnownKey<'_>> {
        self.secrets
            .get(access_key_id)
            .map(|secret| KnownKey::default_root(secret))
    }

    fn accepts_any_key(&self) -> bool {
        self.accept_any_key
    }
}

impl KeyRing {
    /// The gateway's keys: these start-up keys, then the identities of `identities`.
    pub fn with_identities<'a, I: Identities + ?Sized>(
        &'a self,
        identities: &'a I,
    ) -> GatewayKeys<'a, I> {
        GatewayKeys {
            ring: self,
            identities,
        }
    }
}

/// Where the declared identities live: the simulation (borrowed, under the engine's lock)
/// or the engine (which takes its lock for the look-up and copies the secret).
pub trait Identities {
    /// The secret of the identity declared for `access_key_id`, if any.
    fn declared_secret(&self, access_key_id: &str) -> Option<Cow<'_, str>>;
}

impl Identities for Simulation {
    fn declared_secret(&self, access_key_id: &str) -> Option<Cow<'_, str>> {
        self.identity(access_key_id)
            .map(|identity| Cow::Borrowed(identity.access_key_secret.as_str()))
    }
}

/// The start-up keys, then the declared identities (see the module docs).
pub struct GatewayKeys<'a, I: ?Sized> {
    ring: &'a KeyRing,
    identities: &'a I,
}

impl<I: Identities + ?Sized> SecretStore for GatewayKeys<'_, I> {
    fn secret_of(&self, access_key_id: &str) -> Option<KnownKey<'_>> {
        self.ring.secret_of(access_key_id).or_else(|| {
            self.identities
                .declared_secret(access_key_id)
                .map(|secret| KnownKey {
                    secret,
                    owner: KeyOwner::Declared,
                })
        })
    }

    fn accepts_any_key(&self) -> bool {
        self.ring.accept_any_key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret<K: SecretStore>(keys: &K, id: &str) -> Option<(String, KeyOwner)> {
        keys.secret_of(id)
            .map(|key| (key.secret.into_owned(), key.owner))
    }

    fn root(secret: &str) -> Option<(String, KeyOwner)> {
        Some((secret.to_owned(), KeyOwner::DefaultRoot))
    }

    #[test]
    fn no_flag_means_the_default_pair_announced_in_full() {
        let ring = KeyRing::from_flags::<&str>(&[]).unwrap();
        assert_eq!(secret(&ring, "testid"), root("testsecret"));
        assert_eq!(ring.describe(), "access key testid:testsecret (default)");
    }

    #[test]
    fn given_pairs_replace_the_default_and_secrets_may_hold_colons() {
        let ring = KeyRing::from_flags(&["a:x", "b:y:z", "a:x"]).unwrap();
        assert_eq!(secret(&ring, "a"), root("x"));
        assert_eq!(secret(&ring, "b"), root("y:z"));
        assert_eq!(secret(&ring, "testid"), None);
        assert_eq!(ring.describe(), "access keys a, b");
    }

    #[test]
    fn malformed_and_conflicting_pairs_are_refused() {
        assert_eq!(
            KeyRing::from_flags(&["nocolon"]),
            Err(KeyError::Malformed("nocolon".into()))
        );
        assert_eq!(
            KeyRing::from_flags(&[":s"]),
            Err(KeyError::Malformed(":s".into()))
        );
        assert_eq!(
            KeyRing::from_flags(&["a:"]),
            Err(KeyError::Malformed("a:".into()))
        );
        assert_eq!(
            KeyRing::from_flags(&["a:x", "a:y"]),
            Err(KeyError::Conflicting("a".into()))
        );
    }

    /// Identities standing in for a simulation's.
    struct Declared(&'static [(&'static str, &'static str)]);

    impl Identities for Declared {
        fn declared_secret(&self, id: &str) -> Option<Cow<'_, str>> {
            self.0
                .iter()
                .find(|(k, _)| *k == id)
                .map(|(_, s)| Cow::Borrowed(*s))
        }
    }

    #[test]
    fn start_up_keys_come_first_then_declared_identities() {
        let ring = KeyRing::from_flags(&["root:rootsecret"]).unwrap();
        let declared = Declared(&[("root", "shadowed"), ("user", "usersecret")]);
        let keys = ring.with_identities(&declared);
        assert_eq!(secret(&keys, "root"), root("rootsecret"));
        assert_eq!(
            secret(&keys, "user"),
            Some(("usersecret".to_owned(), KeyOwner::Declared))
        );
        assert_eq!(secret(&keys, "nobody"), None);
    }
}
