//! Backup policies and the automatic job schedule (rule T-5, create-backup.md section 8).
//!
//! A policy is a daily window (`PreferredBackupTime`, `HH:mmZ-HH:mmZ`, UTC) and a set of
//! weekdays (`PreferredBackupPeriod`). An automatic job is due at the window's start on
//! each named day; [`BackupPolicy::next_start_after`] finds the next one.

use serde::{Deserialize, Serialize};

use crate::time::{Timestamp, MILLIS_PER_DAY, MILLIS_PER_MINUTE};
use crate::vocab::Weekday;

/// A backup policy: a daily UTC window and the weekdays it applies on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "PolicyWire", into = "PolicyWire")]
pub struct BackupPolicy {
    /// Window start, minutes after 00:00 UTC.
    start_minute: u16,
    /// Window end, minutes after 00:00 UTC, later than the start.
    end_minute: u16,
    /// Bit `d` set for weekday `d` (Monday = 0).
    days: u8,
}

/// Why a policy was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The time is not `HH:mmZ-HH:mmZ` with a later end (`InvalidPreferredBackupTime.Format`).
    #[error("PreferredBackupTime must be HH:mmZ-HH:mmZ with the end later than the start")]
    Time,
    /// The period names something other than `Monday`…`Sunday`, or too few days.
    #[error("PreferredBackupPeriod must be a comma list of at least {min_days} distinct days Monday…Sunday")]
    Period {
        /// The fewest distinct days accepted.
        min_days: u8,
    },
}

fn parse_hh_mm_z(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    if b.len() != 6 || b[2] != b':' || b[5] != b'Z' {
        return None;
    }
    let two = |i: usize| -> Option<u16> {
        (b[i].is_ascii_digit() && b[i + 1].is_ascii_digit())
            .then(|| u16::from(b[i] - b'0') * 10 + u16::from(b[i + 1] - b'0'))
    };
    let (h, m) = (two(0)?, two(3)?);
    (h <= 23 && m <= 59).then_some(h * 60 + m)
}

impl BackupPolicy {
    /// Parses `PreferredBackupTime` and `PreferredBackupPeriod`. `min_days` is 2 for
    /// `ModifyBackupPolicy` (the reference's "at least 2 days") and 1 for the simulator
    /// control `BackupPolicy`.
    pub fn parse(time: &str, period: &str, min_days: u8) -> Result<BackupPolicy, PolicyError> {
        let (start, end) = time.split_once('-').ok_or(PolicyError::Time)?;
        let (start_minute, end_minute) = (
            parse_hh_mm_z(start).ok_or(PolicyError::Time)?,
            parse_hh_mm_z(end).ok_or(PolicyError::Time)?,
        );
        if end_minute <= start_minute {
            return Err(PolicyError::Time);
        }
        let mut days = 0u8;
        for name in period.split(',') {
            let day = Weekday::from_wire(name).ok_or(PolicyError::Period { min_days })?;
            days |= 1 << (day as u8);
        }
        if days.count_ones() < u32::from(min_days) {
            return Err(PolicyError::Period { min_days });
        }
        Ok(BackupPolicy {
            start_minute,
            end_minute,
            days,
        })
    }

    /// `PreferredBackupTime` as `HH:mmZ-HH:mmZ`.
    pub fn time_text(&self) -> String {
        format!(
            "{:02}:{:02}Z-{:02}:{:02}Z",
            self.start_minute / 60,
            self.start_minute % 60,
            self.end_minute / 60,
            self.end_minute % 60
        )
    }

    /// `PreferredBackupPeriod`: the days in `Monday`…`Sunday` order, comma-separated.
    pub fn period_text(&self) -> String {
        Weekday::ALL
            .iter()
            .filter(|d| self.days & (1 << (**d as u8)) != 0)
            .map(|d| d.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The first window start strictly later than `after` (T-5: a start is due only if
    /// it is later than the moment the policy was set), or `None` past the supported range.
    pub fn next_start_after(&self, after: Timestamp) -> Option<Timestamp> {
        let day = after.day_number(0);
        let offset = i64::from(self.start_minute) * MILLIS_PER_MINUTE;
        // The weekday of day `day` (1970-01-01, day 0, was a Thursday: 3 when Monday is
        // 0). `offset` is less than a day, so each candidate falls on day `day + k`: its
        // weekday follows without a division per candidate.
        let first_weekday = (day + 3).rem_euclid(7);
        (0..=7).find_map(|k| {
            let start = (day + k).checked_mul(MILLIS_PER_DAY)?.checked_add(offset)?;
            let start = Timestamp::from_millis(start)?;
            let weekday = ((first_weekday + k) % 7) as u8;
            debug_assert_eq!(weekday, start.weekday_from_monday());
            (start > after && self.days & (1 << weekday) != 0).then_some(start)
        })
    }
}

/// `BackupRetentionPeriod`: how many days an automatic backup set is kept after its end
/// (rule T-6), 7 to 730.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct RetentionDays(u16);

impl RetentionDays {
    /// The fewest days.
    pub const MIN: u16 = 7;
    /// The most days.
    pub const MAX: u16 = 730;
    /// The retention of an instance whose retention was never changed.
    pub const DEFAULT: RetentionDays = RetentionDays(Self::MIN);
    /// The longest retention.
    pub const LONGEST: RetentionDays = RetentionDays(Self::MAX);

    /// `days` when it is from 7 to 730.
    pub fn new(days: u64) -> Option<RetentionDays> {
        u16::try_from(days)
            .ok()
            .filter(|d| (Self::MIN..=Self::MAX).contains(d))
            .map(RetentionDays)
    }

    /// The wire's decimal string (`"7"` … `"730"`, no sign, no leading zero).
    pub fn parse(text: &str) -> Option<RetentionDays> {
        let canonical =
            !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0');
        canonical
            .then(|| text.parse::<u64>().ok())
            .flatten()
            .and_then(RetentionDays::new)
    }

    /// The days.
    pub fn days(self) -> u16 {
        self.0
    }

    /// The retention in milliseconds.
    pub fn millis(self) -> i64 {
        i64::from(self.0) * MILLIS_PER_DAY
    }
}

impl Default for RetentionDays {
    fn default() -> Self {
        RetentionDays::DEFAULT
    }
}

impl TryFrom<u64> for RetentionDays {
    type Error = String;
    fn try_from(days: u64) -> Result<Self, Self::Error> {
        RetentionDays::new(days).ok_or_else(|| {
            format!(
                "a retention of {days} days is not from {} to {}",
                Self::MIN,
                Self::MAX
            )
        })
    }
}

impl From<RetentionDays> for u64 {
    fn from(days: RetentionDays) -> u64 {
        u64::from(days.0)
    }
}

/// The wire form of a policy, as `Sim.CreateInstance` and the state serialization spell it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyWire {
    /// `HH:mmZ-HH:mmZ`.
    pub preferred_backup_time: String,
    /// Comma list of days.
    pub preferred_backup_period: String,
}

impl From<BackupPolicy> for PolicyWire {
    fn from(value: BackupPolicy) -> Self {
        PolicyWire {
            preferred_backup_time: value.time_text(),
            preferred_backup_period: value.period_text(),
        }
    }
}

impl TryFrom<PolicyWire> for BackupPolicy {
    type Error = PolicyError;
    fn try_from(value: PolicyWire) -> Result<Self, Self::Error> {
        BackupPolicy::parse(
            &value.preferred_backup_time,
            &value.preferred_backup_period,
            1,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t6_retention_days_parse_from_7_to_730_in_canonical_decimal() {
        for (text, days) in [("7", Some(7)), ("730", Some(730)), ("30", Some(30))] {
            assert_eq!(RetentionDays::parse(text).map(RetentionDays::days), days);
        }
        for text in [
            "6",
            "731",
            "",
            "07",
            "+30",
            "30 ",
            "thirty",
            "99999999999999999999",
        ] {
            assert_eq!(RetentionDays::parse(text), None, "{text:?}");
        }
        assert_eq!(
            RetentionDays::new(7).map(RetentionDays::millis),
            Some(7 * MILLIS_PER_DAY)
        );
        assert_eq!(RetentionDays::new(u64::MAX), None);
    }

    fn at(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap()
    }

    #[test]
    fn next_start_after_agrees_with_the_weekday_of_each_candidate() {
        let days = [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
            "Sunday",
        ];
        for (i, day) in days.iter().enumerate() {
            for time in [
                "00:00Z-01:00Z",
                "13:37Z-14:00Z",
                "23:59Z-23:59Z",
                "23:00Z-23:59Z",
            ] {
                let Ok(policy) =
                    BackupPolicy::parse(time, &format!("{day},{}", days[(i + 3) % 7]), 1)
                else {
                    continue;
                };
                for base in ["1969-12-25T05:00:00Z", "2026-02-27T23:30:00Z"] {
                    for step in 0..400_i64 {
                        let after = at(base).saturating_add_millis(step * 37 * MILLIS_PER_MINUTE);
                        let offset = i64::from(policy.start_minute) * MILLIS_PER_MINUTE;
                        let day0 = after.day_number(0);
                        let expected = (0..=7).find_map(|k| {
                            let start =
                                Timestamp::from_millis((day0 + k) * MILLIS_PER_DAY + offset)?;
                            let weekday = start.weekday_from_monday();
                            (start > after && policy.days & (1 << weekday) != 0).then_some(start)
                        });
                        assert_eq!(
                            policy.next_start_after(after),
                            expected,
                            "{time} {day} {after}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn t5_parses_and_prints_in_weekday_order() {
        let p = BackupPolicy::parse("02:00Z-03:00Z", "Sunday,Monday,Monday", 2).unwrap();
        assert_eq!(p.time_text(), "02:00Z-03:00Z");
        assert_eq!(p.period_text(), "Monday,Sunday");
        assert_eq!(
            BackupPolicy::parse("03:00Z-02:00Z", "Monday", 1),
            Err(PolicyError::Time)
        );
        assert_eq!(
            BackupPolicy::parse("03:00Z-03:00Z", "Monday", 1),
            Err(PolicyError::Time)
        );
        assert_eq!(
            BackupPolicy::parse("24:00Z-23:00Z", "Monday", 1),
            Err(PolicyError::Time)
        );
        assert_eq!(
            BackupPolicy::parse("02:00-03:00", "Monday", 1),
            Err(PolicyError::Time)
        );
        assert_eq!(
            BackupPolicy::parse("02:00Z-03:00Z", "Monday", 2),
            Err(PolicyError::Period { min_days: 2 })
        );
        assert_eq!(
            BackupPolicy::parse("02:00Z-03:00Z", "monday,Tuesday", 2),
            Err(PolicyError::Period { min_days: 2 })
        );
        assert_eq!(
            BackupPolicy::parse("02:00Z-03:00Z", "", 1),
            Err(PolicyError::Period { min_days: 1 })
        );
    }

    #[test]
    fn t5_next_start_is_strictly_later_and_on_a_named_day() {
        // 2026-03-02 is a Monday.
        let p = BackupPolicy::parse("02:00Z-03:00Z", "Monday,Wednesday", 2).unwrap();
        assert_eq!(
            p.next_start_after(at("2026-03-02T01:59:59Z")),
            Some(at("2026-03-02T02:00:00Z"))
        );
        assert_eq!(
            p.next_start_after(at("2026-03-02T02:00:00Z")),
            Some(at("2026-03-04T02:00:00Z"))
        );
        assert_eq!(
            p.next_start_after(at("2026-03-04T02:00:00Z")),
            Some(at("2026-03-09T02:00:00Z"))
        );
    }
}
