//! A user's own client behaviour: a scheduler that backs up every six hours and, when a
//! job is already running (`BackupJobExists`), tries again ten minutes later. Run with
//! `cargo run --release --example own_workload`.
//!
//! It is run over the built-in instance mix by the library's fleet runner, through the
//! same rules as `replay` and `simulate`.

use rds_backup_sim::error::{ErrorCode, WireError};
use rds_backup_sim::fleet::{
    run_fleet, ClientContext, FleetSettings, Outcome, PlannedRequest, Workload,
};
use rds_backup_sim::time::{MILLIS_PER_HOUR, MILLIS_PER_MINUTE};
use rds_backup_sim::{Instance, Timestamp};

/// Every six hours from midnight; a refused-because-busy request is retried once after ten
/// minutes.
struct EverySixHours {
    next: Timestamp,
    retry: Option<Timestamp>,
}

impl Workload for EverySixHours {
    fn next_request(&mut self) -> Option<PlannedRequest> {
        Some(PlannedRequest::at(self.retry.unwrap_or(self.next)))
    }

    fn on_answer(&mut self, request: &PlannedRequest, outcome: &Outcome) {
        let busy = matches!(outcome, Err(e) if e.error_code() == ErrorCode::BackupJobExists);
        if self.retry.take().is_none() {
            // The answer to a scheduled request: plan the next slot, and a retry if busy.
            self.next = self.next.saturating_add_millis(6 * MILLIS_PER_HOUR);
            if busy {
                self.retry = Some(request.at.saturating_add_millis(10 * MILLIS_PER_MINUTE));
            }
        }
    }
}

fn main() {
    let settings = FleetSettings {
        instances: 20_000,
        days: 7,
        ..FleetSettings::default()
    };
    // A closure is a client mix: it gives each instance its client.
    let clients = |_: &Instance, context: &ClientContext| EverySixHours {
        next: context.start,
        retry: None,
    };
    let report = run_fleet(&settings, &clients, 0..settings.instances, 2, &|_| ());
    println!(
        "{} requests, {} accepted, {} jobs finished, {} failed",
        report.requests, report.accepted, report.jobs_finished, report.jobs_failed
    );
    for (code, count) in &report.rejected {
        println!("  {code:<45} {count:>8}");
    }
}
