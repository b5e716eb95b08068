//! The AccessKeys the gateway accepts: the `--access-key ID:SECRET` pairs, or the default
//! `testid:testsecret` when none is given (spec/emulator.md, "Starting it").
//!
//! RAM hook (issue 7, spec/ram.md): identities declared by `Sim.PutIdentity` (from
//! `--identities FILE` or the control plane) live in the simulation. When the core serves
//! them, [`KeyRing::secret_of`] is the one place to consult them after the root keys; until
//! then only these keys sign.

use std::collections::HashMap;

use crate::gateway::SecretStore;

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
            });
        }
        let mut ring = KeyRing {
            secrets: HashMap::new(),
            ids: Vec::new(),
            is_default: false,
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

    /// How the start-up line names the keys: the default pair in full (it is public), or
    /// the ids of the given keys (their secrets are not printed).
    pub fn describe(&self) -> String {
        if self.is_default {
            let (id, secret) = DEFAULT_KEY;
            format!("access key {id}:{secret} (default)")
        } else {
            format!("access keys {}", self.ids.join(", "))
        }
    }
}

impl SecretStore for KeyRing {
    fn secret_of(&self, access_key_id: &str) -> Option<&str> {
        self.secrets.get(access_key_id).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_flag_means_the_default_pair_announced_in_full() {
        let ring = KeyRing::from_flags::<&str>(&[]).unwrap();
        assert_eq!(ring.secret_of("testid"), Some("testsecret"));
        assert_eq!(ring.describe(), "access key testid:testsecret (default)");
    }

    #[test]
    fn given_pairs_replace_the_default_and_secrets_may_hold_colons() {
        let ring = KeyRing::from_flags(&["a:x", "b:y:z", "a:x"]).unwrap();
        assert_eq!(ring.secret_of("a"), Some("x"));
        assert_eq!(ring.secret_of("b"), Some("y:z"));
        assert_eq!(ring.secret_of("testid"), None);
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
}
