//! `simulate`: a fleet of instances and their backup clients over simulated days, through
//! the library's fleet runner (`docs/simulate.md`); and `merge`, which adds up the
//! `--json` reports of shards.
//!
//! - `options.rs`: the command lines, and `--shard auto`;
//! - `config.rs`: the fleet file (`--config`, `--print-config`);
//! - `run.rs`: `simulate` itself;
//! - `report.rs`: the JSON and text reports;
//! - `merge.rs`: `merge`.

mod config;
mod merge;
mod options;
mod report;
mod run;

pub use merge::run as merge;
pub use options::{MergeArgs, SimulateArgs};
pub use report::{day_label, plural, thousands, JsonReport};
pub use run::run;
