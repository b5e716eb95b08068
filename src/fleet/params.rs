//! The built-in clients' parameters: when they send, how often, and how they retry
//! (`docs/simulate.md`, "The clients"). The defaults are the built-in fleet's; the
//! program reads other values from `simulate --config`.

use crate::error::{ErrorCode, WireError};
use crate::time::{Timestamp, MILLIS_PER_DAY, MILLIS_PER_MINUTE, MILLIS_PER_SECOND};

use super::workload::Outcome;

/// A part of every day: `minutes` minutes from `start_minute` after midnight UTC. A
/// client draws its send times uniformly in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DailyWindow {
    /// Minutes after 00:00 UTC.
    pub start_minute: u32,
    /// The window's length in minutes (0: always `start_minute`).
    pub minutes: u32,
}

impl DailyWindow {
    /// The window of `minutes` minutes from `hour`:00 UTC.
    pub const fn from_hour(hour: u32, minutes: u32) -> DailyWindow {
        DailyWindow {
            start_minute: hour * 60,
            minutes,
        }
    }

    /// The instant `offset` minutes into the window on the day starting at `day`.
    pub fn at(self, day: Timestamp, offset: u64) -> Timestamp {
        let minutes = u64::from(self.start_minute).saturating_add(offset);
        day.saturating_add_millis((minutes as i64).saturating_mul(MILLIS_PER_MINUTE))
    }
}

/// A set of [`ErrorCode`]s, for "which refusals does a client retry".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CodeSet(u64);

// Every code has its own bit.
const _: () = assert!(ErrorCode::ALL.len() <= 64);

impl CodeSet {
    /// No code.
    pub const EMPTY: CodeSet = CodeSet(0);

    /// The set of these codes.
    pub fn of(codes: &[ErrorCode]) -> CodeSet {
        codes
            .iter()
            .fold(CodeSet::EMPTY, |set, code| set.with(*code))
    }

    /// This set and `code`.
    #[must_use]
    pub const fn with(self, code: ErrorCode) -> CodeSet {
        CodeSet(self.0 | 1 << (code as u64))
    }

    /// Whether `code` is in the set.
    pub const fn contains(self, code: ErrorCode) -> bool {
        self.0 & (1 << (code as u64)) != 0
    }

    /// The codes of the set, in the order of [`ErrorCode::ALL`].
    pub fn codes(self) -> impl Iterator<Item = ErrorCode> {
        ErrorCode::ALL
            .iter()
            .copied()
            .filter(move |code| self.contains(*code))
    }
}

/// How a client retries a refused request: at most `attempts` times, the n-th retry
/// (from 0) `backoff_seconds × backoff_factor^n` after the refused request, and only
/// for the codes in `codes`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries per request (0: never retries).
    pub attempts: u8,
    /// The delay before the first retry.
    pub backoff_seconds: u32,
    /// Each further retry waits this many times longer (1: a constant delay).
    pub backoff_factor: u32,
    /// The refusals retried.
    pub codes: CodeSet,
}

impl RetryPolicy {
    /// Never retries.
    pub const NEVER: RetryPolicy = RetryPolicy {
        attempts: 0,
        backoff_seconds: 300,
        backoff_factor: 1,
        codes: CodeSet::EMPTY.with(ErrorCode::BackupJobExists),
    };

    /// When to retry the request sent at `at` and answered `outcome`, if it is to be
    /// retried: `retried` is how often it was retried already.
    pub fn again(&self, at: Timestamp, retried: u8, outcome: &Outcome) -> Option<Timestamp> {
        let Err(error) = outcome else { return None };
        if retried >= self.attempts || !self.codes.contains(error.error_code()) {
            return None;
        }
        let factor = i64::from(self.backoff_factor).saturating_pow(u32::from(retried));
        let delay = i64::from(self.backoff_seconds)
            .saturating_mul(factor)
            .saturating_mul(MILLIS_PER_SECOND);
        Some(at.saturating_add_millis(delay))
    }
}

/// The nightly scheduler's parameters ([`super::clients::NightlyScheduler`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NightlyParams {
    /// Its minute of the day is drawn once in this window.
    pub window: DailyWindow,
    /// Its retries; a retry that would fall on or after the next night's request is
    /// dropped.
    pub retry: RetryPolicy,
}

/// The retrying deploy hook's parameters ([`super::clients::RetryingClient`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryingParams {
    /// Requests a day (capped at the runner's per-day limit).
    pub requests_per_day: u32,
    /// Each request's minute is drawn every day in this window.
    pub window: DailyWindow,
    /// Its retries.
    pub retry: RetryPolicy,
}

/// The burst client's parameters ([`super::clients::BurstClient`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BurstParams {
    /// The burst's first minute is drawn every day in this window.
    pub window: DailyWindow,
    /// Requests in one burst.
    pub requests: u32,
    /// Seconds between two requests of a burst.
    pub spacing_seconds: u32,
}

/// Every built-in client's parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientParams {
    /// The nightly scheduler's.
    pub nightly: NightlyParams,
    /// The retrying deploy hook's.
    pub retrying: RetryingParams,
    /// The burst client's.
    pub burst: BurstParams,
}

impl Default for ClientParams {
    /// The built-in fleet's clients, as `docs/simulate.md` describes them.
    fn default() -> Self {
        ClientParams {
            nightly: NightlyParams {
                window: DailyWindow::from_hour(1, 240),
                retry: RetryPolicy::NEVER,
            },
            retrying: RetryingParams {
                requests_per_day: 2,
                window: DailyWindow::from_hour(9, 120),
                retry: RetryPolicy {
                    attempts: 3,
                    ..RetryPolicy::NEVER
                },
            },
            burst: BurstParams {
                window: DailyWindow::from_hour(0, 480),
                requests: 24,
                spacing_seconds: 610,
            },
        }
    }
}

/// The start of day `day` of a run that starts at `start`.
pub(crate) fn day_start(start: Timestamp, day: u64) -> Timestamp {
    start.saturating_add_millis((day as i64).saturating_mul(MILLIS_PER_DAY))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::create_backup::CreateBackupError;

    #[test]
    fn a_retry_waits_longer_each_time_and_stops_after_the_attempts() {
        let policy = RetryPolicy {
            attempts: 3,
            backoff_seconds: 60,
            backoff_factor: 2,
            codes: CodeSet::of(&[ErrorCode::ReadOnlyInstance]),
        };
        let at = Timestamp::from_millis(0).expect("0 is a valid instant");
        let busy: Outcome = Err(CreateBackupError::ReadOnlyInstance);
        let seconds = |t: Option<Timestamp>| t.map(|t| t.as_millis() / 1000);
        assert_eq!(seconds(policy.again(at, 0, &busy)), Some(60));
        assert_eq!(seconds(policy.again(at, 1, &busy)), Some(120));
        assert_eq!(seconds(policy.again(at, 2, &busy)), Some(240));
        assert_eq!(policy.again(at, 3, &busy), None);
        let other: Outcome = Err(CreateBackupError::MissingInstanceId);
        assert_eq!(policy.again(at, 0, &other), None);
        let never = RetryPolicy {
            codes: CodeSet::of(&[ErrorCode::ReadOnlyInstance]),
            ..RetryPolicy::NEVER
        };
        assert_eq!(never.again(at, 0, &busy), None);
    }

    #[test]
    fn a_code_set_holds_exactly_its_codes() {
        let set = CodeSet::of(&[ErrorCode::BackupJobExists, ErrorCode::ExceededBackupTimes]);
        assert!(set.contains(ErrorCode::BackupJobExists));
        assert!(!set.contains(ErrorCode::RequiredParamNotFound));
        assert_eq!(
            set.codes().collect::<Vec<_>>(),
            [ErrorCode::BackupJobExists, ErrorCode::ExceededBackupTimes]
        );
    }
}
