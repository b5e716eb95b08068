//! The client side of a fleet: what sends `CreateBackup` to an instance, and when.
//!
//! A [`Workload`] is one client of one instance: the runner asks it for its next request,
//! applies that request through [`crate::Simulation::create_backup`] (the same code as
//! `replay` and the emulator), and tells it the answer. A [`ClientMix`] gives each
//! instance its client. Implement both to model your own scheduler; the built-in clients
//! are in [`super::clients`], and `examples/own_workload.rs` shows a user's own.

use crate::ids::BackupJobId;
use crate::instance::Instance;
use crate::ops::create_backup::{CreateBackupError, CreateBackupRequest};
use crate::time::Timestamp;

/// Which `DBInstanceId` a request carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The client's own instance.
    Own,
    /// No `DBInstanceId` at all (a malformed request: CB-1).
    Absent,
    /// Another id, for example a typo (CB-6 when no such instance exists).
    Other(&'static str),
}

/// One `CreateBackup` a client sends at `at`, with its wire parameters (`None` = absent).
///
/// The values are `&'static str`: clients send wire strings from a fixed vocabulary, and
/// a request that owns none is built, read and dropped for free (owned strings cost a
/// fleet run 8% of its instructions, docs/performance.md). A value made at run time can
/// be kept in a table the client owns for the run and leaked once (`Box::leak`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedRequest {
    /// When it is sent. Requests of one client must not go back in time: an earlier
    /// `at` than the previous request's is answered `Sim.TimeWentBackwards` (T-1).
    pub at: Timestamp,
    /// `DBInstanceId`.
    pub target: Target,
    /// `BackupMethod`.
    pub backup_method: Option<&'static str>,
    /// `BackupType`.
    pub backup_type: Option<&'static str>,
    /// `BackupStrategy`.
    pub backup_strategy: Option<&'static str>,
    /// `DBName`.
    pub db_name: Option<&'static str>,
}

impl PlannedRequest {
    /// A request for the client's own instance at `at` with every other parameter absent.
    pub fn at(at: Timestamp) -> PlannedRequest {
        PlannedRequest {
            at,
            target: Target::Own,
            backup_method: None,
            backup_type: None,
            backup_strategy: None,
            db_name: None,
        }
    }

    /// The same request with `BackupMethod` set.
    pub fn with_method(mut self, method: &'static str) -> PlannedRequest {
        self.backup_method = Some(method);
        self
    }

    /// The wire request, for the instance whose id is `own`.
    pub fn as_request<'a>(&'a self, own: &'a str) -> CreateBackupRequest<'a> {
        CreateBackupRequest {
            db_instance_id: match &self.target {
                Target::Own => Some(own),
                Target::Absent => None,
                Target::Other(id) => Some(id),
            },
            db_name: self.db_name,
            backup_strategy: self.backup_strategy,
            backup_method: self.backup_method,
            backup_type: self.backup_type,
        }
    }
}

/// The answer a client gets: the job id, or the typed refusal.
pub type Outcome = Result<BackupJobId, CreateBackupError>;

/// What a client knows when it is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientContext {
    /// The instance's index in the fleet (the same in every shard split).
    pub index: u64,
    /// A seed for this client alone, derived from the run's seed and the index.
    pub seed: u64,
    /// The first instant of the run (a day start, UTC).
    pub start: Timestamp,
    /// The end of the run (exclusive): requests at or after it are not sent.
    pub end: Timestamp,
}

/// One client of one instance: a source of requests that hears their answers.
///
/// The runner calls [`Workload::next_request`], sends what it returns (unless it is at
/// or after the run's end, which ends the client), then calls [`Workload::on_answer`],
/// and repeats. A client sees its instance when it is made ([`ClientMix::client`]) and
/// learns the rest from the answers, as a real client does.
pub trait Workload {
    /// The next request, or `None` when the client has nothing more to send.
    fn next_request(&mut self) -> Option<PlannedRequest>;

    /// The answer to `request`, the one just sent.
    fn on_answer(&mut self, request: &PlannedRequest, outcome: &Outcome);

    /// Hands this client to `driver` as its own type. The runner drives a client's whole
    /// run this way; a client that is one of several kinds (an `enum`, like
    /// [`crate::fleet::BuiltinClient`]) hands over the kind it holds, so that the runner's
    /// loop is compiled for it and does not dispatch on every request. The default hands
    /// over `self`.
    #[inline(always)]
    fn drive<D: Driver>(&mut self, driver: D) -> D::Output
    where
        Self: Sized,
    {
        driver.drive(self)
    }
}

/// What [`Workload::drive`] hands a client to: the runner's loop over one instance's
/// requests, generic over the client's type.
pub trait Driver {
    /// What the drive returns.
    type Output;

    /// Runs with `client`.
    fn drive<W: Workload>(self, client: &mut W) -> Self::Output;
}

/// Gives every instance of a fleet its client. Must be a pure function of the instance
/// and the context, so that every shard split gives the same counts.
pub trait ClientMix: Sync {
    /// The client type.
    type Client: Workload;

    /// The client of `instance`.
    fn client(&self, instance: &Instance, context: &ClientContext) -> Self::Client;
}

impl<F, W> ClientMix for F
where
    F: Fn(&Instance, &ClientContext) -> W + Sync,
    W: Workload,
{
    type Client = W;

    fn client(&self, instance: &Instance, context: &ClientContext) -> W {
        self(instance, context)
    }
}
