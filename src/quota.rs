//! The daily quota of manual backups (rules Q-1 to Q-4, check CB-17, effect CB-A2).
//!
//! An acceptance is the start of a manual job, so its exact time stays with the job: the
//! active job's start, then its record's. What `CreateBackup` reads is a summary kept in
//! the instance's backup state (`QuotaSummary`: the calendar window of the last
//! acceptance and how many it holds), so that checking and using the quota touches no
//! other memory (docs/performance.md, issue 12, eighth pass: the time list appended on
//! every acceptance halved the batch API's throughput at 1e6 instances). The exact times
//! are read where they are needed: the rolling window (Q-3), a settings change (Q-4,
//! which recounts every summary), the state's JSON and equality. A record forgotten
//! within 24 hours of the newest acceptance leaves its time in a [`QuotaLedger`] beside
//! the records, as does a loaded state whose list holds times no job explains.
//!
//! [`QuotaLedger`] is that list of times: the acceptances of the last 24 hours up to the
//! newest. Every window the settings can describe (a calendar day at any offset, or the
//! rolling 24 hours) contains `now` and is at most 24 hours long, so acceptances 24 hours
//! or more older than the newest can never count again: they are out of every reading
//! ([`QuotaLedger::accepted`], the state's JSON, equality).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thin_vec::ThinVec;

use crate::settings::Settings;
use crate::time::{Timestamp, MILLIS_PER_DAY, MILLIS_PER_MINUTE};
use crate::vocab::QuotaWindow;

/// The acceptance times of an instance's manual backups in the 24 hours up to the newest,
/// oldest first.
///
/// In memory, older times may precede them (kept beside the records until the next
/// forgetting drops them); no reading sees them. They cannot change a decision: every
/// window holds only times after `now` minus 24 hours, and `now` is never before the
/// newest time. CB-17 itself is decided by the backup state (`quota_allows`); this is the
/// list the rolling window, Q-4, the state's JSON and equality read.
#[derive(Clone, Default)]
pub struct QuotaLedger {
    /// In order; a prefix of times at or before the newest minus 24 hours is stale.
    stored: ThinVec<Timestamp>,
}

impl QuotaLedger {
    /// No acceptance.
    pub(crate) const EMPTY: QuotaLedger = QuotaLedger {
        stored: ThinVec::new(),
    };
}

/// CB-17's count kept with the instance: the calendar window (its day number at the
/// settings' offset, Q-2) of the last acceptance and how many acceptances it holds. It
/// answers for the calendar window of any `now` not before the last acceptance, under
/// the settings it was counted with: a settings change recounts it (Q-4). Its 8 bytes
/// replace the pointer to a list of times in the backup state's line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct QuotaSummary {
    /// The day number of the window counted; `i32::MIN` before any acceptance.
    window: i32,
    /// The acceptances in it.
    count: u32,
}

impl QuotaSummary {
    /// No acceptance.
    pub(crate) const NONE: QuotaSummary = QuotaSummary {
        window: i32::MIN,
        count: 0,
    };

    /// The day number of the calendar window holding `at` (days 0001-01-01 to 9999-12-31
    /// at any offset are within ±3.7 million: an `i32`).
    #[inline(always)]
    fn window_of(settings: &Settings, at: Timestamp) -> i32 {
        at.day_number(settings.quota_utc_offset.minutes()) as i32
    }

    /// The first instant (milliseconds) after the counted window. `now` is never before
    /// the window's start (the window holds an instant the clock has passed), so `now` is
    /// in it exactly when it is before this end: a multiplication instead of a division
    /// on every `CreateBackup` (docs/performance.md, issue 12, ninth pass).
    #[inline(always)]
    fn window_end(&self, settings: &Settings) -> i64 {
        let offset = i64::from(settings.quota_utc_offset.minutes()) * MILLIS_PER_MINUTE;
        (i64::from(self.window) + 1) * MILLIS_PER_DAY - offset
    }

    /// Q-2: the acceptances in the calendar window holding `now` (not before the last
    /// acceptance or count).
    #[inline(always)]
    pub(crate) fn used(&self, settings: &Settings, now: Timestamp) -> u32 {
        if now.as_millis() < self.window_end(settings) {
            self.count
        } else {
            0
        }
    }

    /// CB-A2: one more acceptance, at `now` (not before the last acceptance or count).
    #[inline(always)]
    pub(crate) fn record(&mut self, settings: &Settings, now: Timestamp) {
        if now.as_millis() < self.window_end(settings) {
            self.count = self.count.saturating_add(1);
        } else {
            let window = Self::window_of(settings, now);
            *self = QuotaSummary { window, count: 1 };
        }
    }

    /// The summary of the acceptances `accepted` at `now` under `settings` (Q-4's recount).
    pub(crate) fn of(accepted: &[Timestamp], settings: &Settings, now: Timestamp) -> QuotaSummary {
        let window = Self::window_of(settings, now);
        let count = accepted
            .iter()
            .filter(|&&at| Self::window_of(settings, at) == window)
            .count();
        QuotaSummary {
            window,
            count: u32::try_from(count).unwrap_or(u32::MAX),
        }
    }
}

impl PartialEq for QuotaLedger {
    fn eq(&self, other: &QuotaLedger) -> bool {
        self.accepted() == other.accepted()
    }
}

impl Eq for QuotaLedger {}

impl fmt::Debug for QuotaLedger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.accepted()).finish()
    }
}

/// As the list of kept times (the state's JSON shape).
impl Serialize for QuotaLedger {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.accepted().serialize(serializer)
    }
}

/// From the list of kept times; times 24 hours or more older than the newest are dropped,
/// as no window can hold them (docs/rules.md, Q-2).
impl<'de> Deserialize<'de> for QuotaLedger {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut ledger = QuotaLedger {
            stored: ThinVec::<Timestamp>::deserialize(deserializer)?,
        };
        ledger.drop_stale();
        Ok(ledger)
    }
}

/// The instant at or before which an acceptance is stale once `newest` was accepted: 24
/// hours before it, and none (nothing is stale) when that is before the first supported
/// instant (Q-3: an acceptance at 0001-01-01T00:00:00Z counts for the 24 hours after it).
pub(crate) fn stale_horizon(newest: Timestamp) -> Option<Timestamp> {
    Timestamp::from_millis(newest.as_millis() - MILLIS_PER_DAY)
}

/// The first instant of the quota window that contains `now`, exclusive for `Rolling24h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WindowStart {
    /// Acceptances at or after this instant count.
    Inclusive(Timestamp),
    /// Acceptances after this many milliseconds since the epoch count (not clamped to
    /// [`Timestamp::MIN`]: within a day of it, every kept time is after the start).
    Exclusive(i64),
}

fn window_start(settings: &Settings, now: Timestamp) -> WindowStart {
    match settings.quota_window {
        QuotaWindow::CalendarDay => {
            let offset = i64::from(settings.quota_utc_offset.minutes()) * MILLIS_PER_MINUTE;
            let day = now.day_number(settings.quota_utc_offset.minutes());
            WindowStart::Inclusive(Timestamp::clamped(day * MILLIS_PER_DAY - offset))
        }
        QuotaWindow::Rolling24h => WindowStart::Exclusive(now.as_millis() - MILLIS_PER_DAY),
    }
}

impl QuotaLedger {
    /// Acceptances that count in the window containing `now` under `settings` (Q-2, Q-3,
    /// Q-4; stale ones never do: they are before every window start, `now` never being
    /// before the newest time).
    pub fn used(&self, settings: &Settings, now: Timestamp) -> usize {
        let first = match window_start(settings, now) {
            WindowStart::Inclusive(start) => self.stored.partition_point(|&t| t < start),
            WindowStart::Exclusive(start) => {
                self.stored.partition_point(|&t| t.as_millis() <= start)
            }
        };
        self.stored.len() - first
    }

    /// How many stored times, from the front, are at or before `newest` minus 24 hours.
    fn stale_before(&self, newest: Timestamp) -> usize {
        stale_horizon(newest).map_or(0, |horizon| self.stored.partition_point(|&t| t <= horizon))
    }

    /// Drops the stored times that no reading sees.
    fn drop_stale(&mut self) {
        if let Some(&newest) = self.stored.last() {
            let stale = self.stale_before(newest);
            self.stored.drain(..stale);
        }
    }

    /// The kept acceptance times (the 24 hours up to the newest), oldest first.
    pub fn accepted(&self) -> &[Timestamp] {
        match self.stored.last() {
            Some(&newest) => &self.stored[self.stale_before(newest)..],
            None => &[],
        }
    }

    /// The ledger of `times` as given (in order for a valid one; `check_invariants` says
    /// when not).
    pub(crate) fn from_times(times: Vec<Timestamp>) -> QuotaLedger {
        QuotaLedger {
            stored: times.into_iter().collect(),
        }
    }

    /// Every stored time, stale or not, as stored.
    pub(crate) fn stored(&self) -> &[Timestamp] {
        &self.stored
    }

    /// Adds an acceptance at `at`, in order among the stored times (it may be older than
    /// some: a forgotten record's).
    pub(crate) fn insert(&mut self, at: Timestamp) {
        let position = self.stored.partition_point(|&t| t <= at);
        self.stored.insert(position, at);
    }

    /// Drops the stored times at or before `horizon`.
    pub(crate) fn retain_after(&mut self, horizon: Timestamp) {
        self.stored.retain(|&t| t > horizon);
    }

    /// Whether no time is stored.
    pub(crate) fn is_empty(&self) -> bool {
        self.stored.is_empty()
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
    use crate::instance::BackupState;
    use crate::settings::UtcOffset;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    /// A backup state whose acceptances are `times` (kept beside the records: no job),
    /// its summary kept as `start_job` keeps it under `settings`.
    fn accepted_at(times: &[Timestamp], settings: &Settings) -> BackupState {
        let ledger = QuotaLedger::from_times(times.to_vec());
        let mut state = BackupState::from_parts(None, Vec::new(), ledger, None, None);
        for &time in times {
            state.quota.record(settings, time);
        }
        state
    }

    #[test]
    fn q2_calendar_day_at_utc_and_at_an_offset() {
        let ledger = QuotaLedger::from_times(vec![at("2026-03-01T15:00:00Z")]);
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
        // The summary CB-17 reads gives the same counts.
        let mut summary = QuotaSummary::NONE;
        summary.record(&beijing, at("2026-03-01T15:00:00Z"));
        assert_eq!(summary.used(&beijing, at("2026-03-01T15:59:59Z")), 1);
        assert_eq!(summary.used(&beijing, at("2026-03-01T16:00:00Z")), 0);
    }

    #[test]
    fn q3_rolling_window_excludes_exactly_24_hours_ago() {
        let ledger = QuotaLedger::from_times(vec![at("2026-03-01T10:00:00Z")]);
        let rolling = Settings {
            quota_window: QuotaWindow::Rolling24h,
            ..Settings::default()
        };
        assert_eq!(ledger.used(&rolling, at("2026-03-02T09:59:59Z")), 1);
        assert_eq!(ledger.used(&rolling, at("2026-03-02T10:00:00Z")), 0);
        // At the first supported instant, the 24 hours before reach past it: an
        // acceptance exactly then counts until exactly a day later.
        let first = QuotaLedger::from_times(vec![Timestamp::MIN]);
        let later = |millis| Timestamp::MIN.saturating_add_millis(millis);
        assert_eq!(first.used(&rolling, later(MILLIS_PER_DAY - 1)), 1);
        assert_eq!(first.used(&rolling, later(MILLIS_PER_DAY)), 0);
    }

    #[test]
    fn q1_limit_zero_refuses_and_limit_counts_exactly() {
        let now = at("2026-03-01T10:00:00Z");
        let zero = Settings {
            daily_backup_limit: 0,
            ..Settings::default()
        };
        assert_eq!(
            accepted_at(&[], &zero).quota_allows(&zero, now),
            Err(QuotaExceeded { limit: 0, used: 0 })
        );
        let two = Settings {
            daily_backup_limit: 2,
            ..Settings::default()
        };
        assert_eq!(accepted_at(&[now], &two).quota_allows(&two, now), Ok(()));
        assert_eq!(
            accepted_at(&[now, now], &two).quota_allows(&two, now),
            Err(QuotaExceeded { limit: 2, used: 2 })
        );
    }

    /// CB-17 as decided (the summary in a calendar window, the acceptance times in the
    /// rolling one) agrees with counting the times in the window, for every limit, window
    /// and offset, at every instant from one acceptance to the next.
    #[test]
    fn allows_agrees_with_counting_for_every_limit_window_and_instant() {
        let offsets = ["+00:00", "+08:00", "-05:00"].map(|o| UtcOffset::parse(o).unwrap());
        // Also before 1970 (negative milliseconds) and from the first supported instant.
        for base in [
            "2026-03-01T00:00:00Z",
            "1969-12-31T12:00:00Z",
            "0001-01-01T00:00:00Z",
        ] {
            let base = at(base);
            let times: Vec<Timestamp> = (0..30_i64)
                .map(|k| base.saturating_add_millis(k * 50 * MILLIS_PER_MINUTE))
                .collect();
            for (limit, window, offset) in (0..8).flat_map(|limit| {
                [QuotaWindow::CalendarDay, QuotaWindow::Rolling24h]
                    .into_iter()
                    .flat_map(move |window| offsets.map(|offset| (limit, window, offset)))
            }) {
                let settings = Settings {
                    daily_backup_limit: limit,
                    quota_window: window,
                    quota_utc_offset: offset,
                    ..Settings::default()
                };
                for k in 0..times.len() {
                    let state = accepted_at(&times[..=k], &settings);
                    let counted = state.quota_ledger();
                    for step in 0..5_i64 {
                        let now = times[k].saturating_add_millis(step * 10 * MILLIS_PER_MINUTE);
                        let used = counted.used(&settings, now) as u64;
                        let expected = if used < u64::from(limit) {
                            Ok(())
                        } else {
                            Err(QuotaExceeded { limit, used })
                        };
                        assert_eq!(
                            state.quota_allows(&settings, now),
                            expected,
                            "{limit} {window:?} {offset:?} {now}"
                        );
                    }
                }
            }
        }
    }

    /// Stale times (24 hours or more before the newest) are out of every reading; a
    /// state that lists some reads without them.
    #[test]
    fn stale_times_leave_every_reading() {
        let ledger = QuotaLedger::from_times(vec![
            at("2026-03-01T09:00:00Z"),
            at("2026-03-01T10:00:00Z"),
            at("2026-03-01T11:00:00Z"),
            at("2026-03-02T10:00:00Z"),
        ]);
        let kept = [at("2026-03-01T11:00:00Z"), at("2026-03-02T10:00:00Z")];
        assert_eq!(ledger.stored().len(), 4, "in memory, out of every reading");
        assert_eq!(ledger.accepted(), &kept);
        assert_eq!(ledger, QuotaLedger::from_times(kept.to_vec()));
        assert_ne!(ledger, QuotaLedger::default());
        let one_more = [&kept[..], &[at("2026-03-02T11:00:00Z")]].concat();
        assert_ne!(
            ledger,
            QuotaLedger::from_times(one_more),
            "one more time kept"
        );
        assert_eq!(format!("{ledger:?}"), format!("{kept:?}"));
        assert_eq!(
            serde_json::to_string(&ledger).unwrap(),
            r#"["2026-03-01T11:00:00Z","2026-03-02T10:00:00Z"]"#
        );
        let loaded: QuotaLedger = serde_json::from_str(
            r#"["2026-03-01T09:00:00Z","2026-03-01T10:00:00Z","2026-03-01T11:00:00Z","2026-03-02T10:00:00Z"]"#,
        )
        .unwrap();
        assert_eq!((loaded.stored.len(), loaded.accepted()), (2, &kept[..]));
    }
}
