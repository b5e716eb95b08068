//! Identities (ram.md, "Identities"): AccessKeys of accounts (root) and of users.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use super::policy::Policy;
use crate::instance::InvalidField;

/// An AccessKey and whose it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Identity {
    /// The owning account (16 digits).
    pub account_id: CompactString,
    /// The user; `None` for the account's root key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<CompactString>,
    /// `AccessKeyId`.
    pub access_key_id: CompactString,
    /// `AccessKeySecret`.
    pub access_key_secret: String,
    /// The user's policies (none for a root key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
}

impl Identity {
    /// Whether this is an account's root key.
    pub fn is_root(&self) -> bool {
        self.user_name.is_none()
    }

    /// Checks the fields `Sim.PutIdentity` gives (ram.md).
    pub fn validate(&self) -> Result<(), InvalidField> {
        if self.account_id.len() != 16 || !self.account_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidField::new("AccountId", "must be 16 digits"));
        }
        if self.access_key_id.is_empty() || self.access_key_id.len() > 128 {
            return Err(InvalidField::new("AccessKeyId", "must be 1-128 bytes"));
        }
        if self.access_key_secret.is_empty() || self.access_key_secret.len() > 256 {
            return Err(InvalidField::new(
                "AccessKeySecret",
                "is required (1-256 bytes)",
            ));
        }
        if let Some(user) = &self.user_name {
            if user.is_empty() || user.len() > 64 {
                return Err(InvalidField::new("UserName", "must be 1-64 bytes"));
            }
        } else if !self.policies.is_empty() {
            return Err(InvalidField::new(
                "Policies",
                "a root key (no UserName) is allowed everything on its account: policies are refused",
            ));
        }
        Ok(())
    }
}
