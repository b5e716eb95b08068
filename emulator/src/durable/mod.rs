//! Durability with `--state-dir` (spec/emulator.md, "Concurrency and durability").
//!
//! The directory holds:
//!
//! | file | what |
//! |---|---|
//! | `lock` | held with `flock` while a server runs: a second process refuses to start |
//! | `settings.json` | the seed, the clock mode and the simulation's origin, written at the first start; they win over flags |
//! | `wal.log` | the write-ahead log: one [`record::Record`] per line, every change since the snapshot in the order it applied |
//! | `snapshot` | the simulation as of one record ([`snapshot`]), which replaced the log's prefix |
//!
//! Every change applied to the simulation (an API call that passed the gateway, a
//! control-plane line, a reset, a restore) is appended to the log with the simulation
//! time it ran at; its answer is sent only once the log is synced past it ([`log::Log`],
//! group commit: one `fdatasync` covers every record appended while the previous one ran).
//! A restart replays the log through the same code that applied it live, so it rebuilds
//! the same simulation whatever the clock mode. A torn last line (a crash during a write)
//! was never answered, and recovery drops it ([`recovery`]).

pub mod fail_point;
pub mod lock;
pub mod log;
pub mod record;
pub mod recovery;
pub mod settings_file;
pub mod snapshot;
