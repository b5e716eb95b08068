//! Declared identities (`Sim.PutIdentity`) and the RAM authorization of an API action
//! (ram.md): the simulation's side of `crate::authz`, which stays pure.

use compact_str::CompactString;

use super::controls::SimError;
use super::ApiAction;
use crate::authz::eval::{evaluate, AuthRequest};
use crate::authz::pattern::Pieces;
use crate::authz::{AccessDenied, AuthError, Identity};
use crate::instance::{DEFAULT_ACCOUNT_ID, DEFAULT_REGION_ID};
use crate::simulation::Simulation;
use crate::time::Timestamp;

impl Simulation {
    /// Declares an identity (`Sim.PutIdentity`) at `now`; a repeated `AccessKeyId`
    /// replaces that key's identity.
    pub fn put_identity(&mut self, identity: Identity, now: Timestamp) -> Result<(), SimError> {
        self.advance_to(now)?;
        identity.validate()?;
        self.identities
            .insert(identity.access_key_id.clone(), identity);
        Ok(())
    }

    /// The identity of an AccessKey.
    pub fn identity(&self, access_key_id: &str) -> Option<&Identity> {
        self.identities.get(access_key_id)
    }

    /// Every declared identity, in declaration order.
    pub fn identities(&self) -> impl Iterator<Item = &Identity> {
        self.identities.values()
    }

    /// Authorizes `rds:<action>` for the caller holding `access_key_id` (absent: the root
    /// of the default account) on the instance `db_instance_id` (for `DescribeDBInstances`,
    /// on `dbinstance/*` of `region_id`). Returns the caller's
    /// account: the only account whose instances the action may see. Changes nothing.
    pub fn authorize(
        &self,
        access_key_id: Option<&str>,
        action: ApiAction,
        db_instance_id: Option<&str>,
        region_id: Option<&str>,
    ) -> Result<CompactString, AuthError> {
        let identity = match access_key_id.filter(|k| !k.is_empty()) {
            None => return Ok(CompactString::const_new(DEFAULT_ACCOUNT_ID)),
            Some(key) => self
                .identities
                .get(key)
                .ok_or_else(|| AuthError::UnknownAccessKey {
                    id: crate::vocab::clip(key).to_owned(),
                })?,
        };
        if identity.is_root() {
            return Ok(identity.account_id.clone());
        }
        // DescribeDBInstances lists, it does not target: its `DBInstanceId` is a filter,
        // so it is authorized once on every instance of the region, without tags (ram.md).
        let (id, own) = if action == ApiAction::DescribeDBInstances {
            ("*", None)
        } else {
            let id = db_instance_id.unwrap_or_default();
            let own = self
                .instances
                .get(id)
                .filter(|i| i.account_id() == identity.account_id);
            (id, own)
        };
        let region = match own {
            Some(instance) => instance.region(),
            None => region_id
                .filter(|r| !r.is_empty())
                .unwrap_or(DEFAULT_REGION_ID),
        };
        let action = action.as_str();
        let request = AuthRequest {
            action,
            resource: Pieces::new(&[
                "acs:rds:",
                region,
                ":",
                &identity.account_id,
                ":dbinstance/",
                id,
            ]),
            tags: own.map(|i| i.tags()).unwrap_or_default(),
        };
        evaluate(&identity.policies, &request)
            .map(|()| identity.account_id.clone())
            .map_err(|kind| {
                AuthError::Denied(AccessDenied {
                    action: format!("rds:{action}"),
                    user_name: identity.user_name.as_deref().unwrap_or_default().to_owned(),
                    account_id: identity.account_id.to_string(),
                    kind,
                })
            })
    }
}
