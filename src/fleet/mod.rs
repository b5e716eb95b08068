//! Fleet simulation: thousands of instances and their backup clients over simulated days,
//! through the same rules as every other entry point (`docs/simulate.md`).
//!
//! - [`FleetMix`] draws instance `i` from the seed (`mix.rs`);
//! - a [`Workload`] is one instance's client, a [`ClientMix`] hands them out
//!   (`workload.rs`); the built-in clients are in [`clients`], their parameters
//!   ([`ClientParams`]) in `params.rs`;
//! - [`run_fleet`] steps each instance through the run on its own, in its own
//!   [`crate::Simulation`], over any number of threads (`runner.rs`);
//! - [`FaultRates`] makes the service throttle, answer 503 or lose answers (`faults.rs`);
//! - [`FleetReport`] holds the counts, which merge across shards (`report.rs`).
//!
//! The counts depend only on the settings, never on the number of threads or shards.
//!
//! ```
//! use rds_backup_sim::fleet::{run_fleet, DefaultClients, FleetSettings};
//!
//! let settings = FleetSettings { instances: 200, days: 2, ..FleetSettings::default() };
//! let one = run_fleet(&settings, &DefaultClients::default(), 0..200, 1, &|_| ());
//! let two = run_fleet(&settings, &DefaultClients::default(), 0..200, 2, &|_| ());
//! assert_eq!(one, two);
//! assert_eq!(one.requests, one.accepted + one.rejected_total());
//! ```

pub mod clients;
pub mod faults;
pub mod mix;
pub mod params;
pub mod report;
pub mod rng;
pub mod runner;
pub mod workload;

pub use clients::{BuiltinClient, ClientKind, DefaultClients};
pub use faults::{DrawnFault, FaultRates, Rate};
pub use mix::{FleetMix, PolicyChoice};
pub use params::{
    BurstParams, ClientParams, CodeSet, DailyWindow, NightlyParams, RetryPolicy, RetryingParams,
};
pub use report::{DayReport, FleetReport, Tally};
pub use rng::FleetRng;
#[cfg(feature = "parallel")]
#[cfg_attr(docsrs, doc(cfg(feature = "parallel")))]
pub use runner::run_fleet;
pub use runner::{run_instance, run_range, shard_range, FleetSettings};
pub use workload::{ClientContext, ClientMix, Driver, Outcome, PlannedRequest, Target, Workload};

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fault_tests;
