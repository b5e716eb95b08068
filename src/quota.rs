//! The daily quota of manual backups (rules, check CB-17, effect CB-A2).
//!
//! Each instance keeps the times of its accepted manual backups of the last 24 hours
//! ([`QuotaLedger`]). Every window the settings can describe (a calendar day at any
//! offset, or the rolling 24 hours) contains `now` and is at most 24 hours long, so older
//! acceptances can never count again and are dropped when a new one is recorded. A check
//! compares one kept time (the limit-th latest) with the window start, and only a refusal
//! searches (at most the acceptances of one day) for its count: the cost does not grow with
//! the instance's history, and a settings change re-reads the kept times under the
//! new window.

use serde::{Deserialize, Serialize};
use thin_vec::ThinVec;

use crate::settings::Settings;
use crate::time::{Timestamp, MILLIS_PER_DAY, MILLIS_PER_MINUTE};
use crate::vocab::QuotaWindow;

/// The acceptance times of an instance's manual backups in the last 24 hours, oldest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QuotaLedger {
    accepted: ThinVec<Timestamp>,
}

/// The first instant of the quota window that contains `now`, exclusive for `Rolling24h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WindowStart {
    /// Acceptances at or after this instant count.
    Inclusive(Timestamp),
    /// Acceptances after this instant count.
    Exclusive(Timestamp),
}

fn window_start(settings: &Settings, now: Timestamp) -> WindowStart {
    match settings.quota_window {
        QuotaWindow::CalendarDay => {
            let offset = i64::from(settings.quota_utc_offset.minutes()) * MILLIS_PER_MINUTE;
            let day = now.day_number(settings.quota_utc_offset.minutes());
            WindowStart::Inclusive(Timestamp::clamped(day * MILLIS_PER_DAY - offset))
        }
        QuotaWindow::Rolling24h => {
            WindowStart::Exclusive(now.saturating_add_millis(-MILLIS_PER_DAY))
        }
    }
}

impl QuotaLedger {
    /// Acceptances that count in the window containing `now` under `settings`.
    pub fn used(&self, settings: &Settings, now: Timestamp) -> usize {
        self.used_from(window_start(settings, now))
    }

    fn used_from(&self, start: WindowStart) -> usize {
        let first = match start {
            WindowStart::Inclusive(start) => self.accepted.partition_point(|&t| t < start),
            WindowStart::Exclusive(start) => self.accepted.partition_point(|&t| t <= start),
        };
        self.accepted.len() - first
    }

    /// CB-17: whether one more manual backup is allowed at `now` (fewer than the limit used).
    #[inline]
    pub fn allows(&self, settings: &Settings, now: Timestamp) -> Result<(), QuotaExceeded> {
        let limit = settings.daily_backup_limit;
        let kept = self.accepted.len();
        if (kept as u64) < u64::from(limit) {
            // Fewer kept acceptances than the limit: the window cannot hold more.
            return Ok(());
        }
        let start = window_start(settings, now);
        // The kept times are in order, so the window holds `limit` or more of them
        // exactly when the `limit`-th latest counts: one comparison, no search. The count
        // itself (for the refusal's context) is only searched for when refusing.
        let full = limit == 0 || {
            let at = self.accepted[kept - limit as usize];
            match start {
                WindowStart::Inclusive(start) => at >= start,
                WindowStart::Exclusive(start) => at > start,
            }
        };
        if full {
            Err(QuotaExceeded {
                limit,
                used: self.used_from(start) as u64,
            })
        } else {
            Ok(())
        }
    }

    /// CB-A2: records one acceptance at `now` (not earlier than any recorded one) and drops
    /// those that no window containing `now` or a later instant can hold.
    #[inline]
    pub fn record(&mut self, now: Timestamp) {
        let horizon = now.saturating_add_millis(-MILLIS_PER_DAY);
        if self.accepted.first().is_some_and(|&t| t <= horizon) {
            let stale = self.accepted.partition_point(|&t| t <= horizon);
            // `Timestamp` is `Copy`: shifting the kept times down needs no `Drain`.
            let kept = self.accepted.len() - stale;
            self.accepted.copy_within(stale.., 0);
            self.accepted.truncate(kept);
        }
        if self.accepted.capacity() == 0 {
            // A first acceptance: room for one (a `Vec` would reserve four).
            self.accepted.reserve_exact(1);
        }
        self.accepted.push(now);
    }

    /// The kept acceptance times, oldest first.
    pub fn accepted(&self) -> &[Timestamp] {
        &self.accepted
    }
}

/// CB-17's context: the limit in force and the acceptances found in the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaExceeded {
    /// The limit in force.
    pub limit: u32,
    /// Acceptances counted in the window.
    pub used: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::UtcOffset;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn q2_calendar_day_at_utc_and_at_an_offset() {
        let mut ledger = QuotaLedger::default();
        ledger.record(at("2026-03-01T15:00:00Z"));
        let utc = Settings::default();
        assert_eq!(ledger.used(&utc, at("2026-03-01T23:59:59Z")), 1);
        assert_eq!(ledger.used(&utc, at("2026-03-02T00:00:00Z")), 0);
        // At +08:00, 15:00Z is 23:00 Beijing on 03-01; 16:00Z is already 03-02 in Beijing.
        let beijing = Settings {
            quota_utc_offset: UtcOffset::parse("+08:00").unwrap(),
            ..Settings::default()
        };
        assert_eq!(ledger.used(&beijing, at("2026-03-01T15:59:59Z")), 1);
        assert_eq!(ledger.used(&beijing, at("2026-03-01T16:00:00Z")), 0);
    }

    #[test]
    fn q3_rolling_window_excludes_exactly_24_hours_ago() {
        let mut ledger = QuotaLedger::default();
        ledger.record(at("2026-03-01T10:00:00Z"));
        let rolling = Settings {
            quota_window: QuotaWindow::Rolling24h,
            ..Settings::default()
        };
        assert_eq!(ledger.used(&rolling, at("2026-03-02T09:59:59Z")), 1);
        assert_eq!(ledger.used(&rolling, at("2026-03-02T10:00:00Z")), 0);
    }

    #[test]
    fn q1_limit_zero_refuses_and_limit_counts_exactly() {
        let mut ledger = QuotaLedger::default();
        let zero = Settings {
            daily_backup_limit: 0,
            ..Settings::default()
        };
        let now = at("2026-03-01T10:00:00Z");
        assert_eq!(
            ledger.allows(&zero, now),
            Err(QuotaExceeded { limit: 0, used: 0 })
        );
        let two = Settings {
            daily_backup_limit: 2,
            ..Settings::default()
        };
        ledger.record(now);
        assert_eq!(ledger.allows(&two, now), Ok(()));
        ledger.record(now);
        assert_eq!(
            ledger.allows(&two, now),
            Err(QuotaExceeded { limit: 2, used: 2 })
        );
    }

    #[test]
    fn allows_agrees_with_counting_for_every_limit_window_and_instant() {
        let base = at("2026-03-01T00:00:00Z");
        let mut ledger = QuotaLedger::default();
        for k in 0..30_i64 {
            ledger.record(base.saturating_add_millis(k * 50 * MILLIS_PER_MINUTE));
        }
        for limit in 0..8 {
            for window in [QuotaWindow::CalendarDay, QuotaWindow::Rolling24h] {
                let settings = Settings {
                    daily_backup_limit: limit,
                    quota_window: window,
                    ..Settings::default()
                };
                for step in 0..200_i64 {
                    let now = base.saturating_add_millis(step * 10 * MILLIS_PER_MINUTE);
                    let used = ledger.used(&settings, now) as u64;
                    let expected = if used < u64::from(limit) {
                        Ok(())
                    } else {
                        Err(QuotaExceeded { limit, used })
                    };
                    assert_eq!(
                        ledger.allows(&settings, now),
                        expected,
                        "{limit} {window:?} {now}"
                    );
                }
            }
        }
    }

    #[test]
    fn record_drops_what_no_window_can_hold() {
        let mut ledger = QuotaLedger::default();
        ledger.record(at("2026-03-01T10:00:00Z"));
        ledger.record(at("2026-03-01T11:00:00Z"));
        ledger.record(at("2026-03-02T10:00:00Z"));
        assert_eq!(
            ledger.accepted(),
            &[at("2026-03-01T11:00:00Z"), at("2026-03-02T10:00:00Z")]
        );
    }
}
