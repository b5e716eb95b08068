//! Simulation time: a [`Timestamp`] is an instant in UTC with millisecond precision.
//!
//! The crate never reads a clock. Every transition takes `now: Timestamp` from the caller;
//! [`crate::Simulation`] keeps the latest `now` it has seen as its clock and refuses a
//! `now` earlier than that (rule T-1).

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds in one second.
pub const MILLIS_PER_SECOND: i64 = 1_000;
/// Milliseconds in one minute.
pub const MILLIS_PER_MINUTE: i64 = 60 * MILLIS_PER_SECOND;
/// Milliseconds in one hour.
pub const MILLIS_PER_HOUR: i64 = 60 * MILLIS_PER_MINUTE;
/// Milliseconds in one day.
pub const MILLIS_PER_DAY: i64 = 24 * MILLIS_PER_HOUR;

/// An instant in UTC, as milliseconds since 1970-01-01T00:00:00Z.
///
/// Serialized as an RFC 3339 string (`2026-01-01T00:00:00Z`, with milliseconds only when
/// they are not zero).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// An optional [`Timestamp`] in 8 bytes where `Option<Timestamp>` takes 16: no instant
/// is `i64::MIN` (the range is [`Timestamp::MIN`]..=[`Timestamp::MAX`]), so that value
/// stands for none. The instance keeps its next automatic start so, and its backup state
/// the end of its oldest record (docs/performance.md, issue 12: a one-line instance).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct MaybeTimestamp(i64);

impl MaybeTimestamp {
    /// No instant.
    pub(crate) const NONE: MaybeTimestamp = MaybeTimestamp(i64::MIN);

    /// `time`, or none.
    #[inline]
    pub(crate) const fn new(time: Option<Timestamp>) -> MaybeTimestamp {
        match time {
            Some(Timestamp(millis)) => MaybeTimestamp(millis),
            None => Self::NONE,
        }
    }

    /// The instant, if any.
    #[inline]
    pub(crate) const fn get(self) -> Option<Timestamp> {
        if self.0 == i64::MIN {
            None
        } else {
            Some(Timestamp(self.0))
        }
    }
}

impl fmt::Debug for MaybeTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.get().fmt(f)
    }
}

/// Why a time string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeParseError {
    /// Not an RFC 3339 date-time.
    #[error("not an RFC 3339 date-time (for example 2026-01-01T00:00:00Z)")]
    NotRfc3339,
    /// Outside the supported years 0001 to 9999.
    #[error("outside the supported range 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z")]
    OutOfRange,
}

/// The common form `yyyy-MM-ddTHH:mm:ssZ` with every field in its ordinary range, as
/// milliseconds since the epoch; `None` for anything else (which chrono then parses).
fn parse_plain_utc_seconds(b: &[u8]) -> Option<i64> {
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
        })
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day < 1 || day > month_days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    // Days from 1970-01-01 to the civil date (H. Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * MILLIS_PER_SECOND)
}

impl Timestamp {
    /// The earliest supported instant, 0001-01-01T00:00:00Z.
    pub const MIN: Timestamp = Timestamp(-62_135_596_800_000);
    /// The latest supported instant, 9999-12-31T23:59:59.999Z.
    pub const MAX: Timestamp = Timestamp(253_402_300_799_999);

    /// The instant `millis` milliseconds after the Unix epoch, if within [`Self::MIN`]..=[`Self::MAX`].
    pub const fn from_millis(millis: i64) -> Option<Timestamp> {
        if millis < Self::MIN.0 || millis > Self::MAX.0 {
            None
        } else {
            Some(Timestamp(millis))
        }
    }

    /// The instant `millis` milliseconds after the Unix epoch, clamped to the supported range.
    pub const fn clamped(millis: i64) -> Timestamp {
        if millis < Self::MIN.0 {
            Self::MIN
        } else if millis > Self::MAX.0 {
            Self::MAX
        } else {
            Timestamp(millis)
        }
    }

    /// Milliseconds since the Unix epoch.
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    /// Parses an RFC 3339 date-time; offsets other than `Z` are converted to UTC.
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, TimeParseError> {
        if let Some(millis) = parse_plain_utc_seconds(text.as_bytes()) {
            return Timestamp::from_millis(millis).ok_or(TimeParseError::OutOfRange);
        }
        let parsed = DateTime::parse_from_rfc3339(text).map_err(|_| TimeParseError::NotRfc3339)?;
        Timestamp::from_millis(parsed.timestamp_millis()).ok_or(TimeParseError::OutOfRange)
    }

    /// Parses the minute-precision form `yyyy-MM-ddTHH:mmZ` that `DescribeBackups` takes.
    pub fn parse_minute(text: &str) -> Option<Timestamp> {
        let bytes = text.as_bytes();
        if bytes.len() != 17 || bytes[16] != b'Z' {
            return None;
        }
        let naive = NaiveDateTime::parse_from_str(&text[..16], "%Y-%m-%dT%H:%M").ok()?;
        Timestamp::from_millis(naive.and_utc().timestamp_millis())
    }

    /// This instant plus `millis` (negative moves back), or `None` outside the supported range.
    pub fn checked_add_millis(self, millis: i64) -> Option<Timestamp> {
        Timestamp::from_millis(self.0.checked_add(millis)?)
    }

    /// This instant plus `millis`, clamped to the supported range.
    pub fn saturating_add_millis(self, millis: i64) -> Timestamp {
        Timestamp::clamped(self.0.saturating_add(millis))
    }

    /// This instant truncated to the start of its minute.
    pub fn floor_minute(self) -> Timestamp {
        Timestamp(self.0.div_euclid(MILLIS_PER_MINUTE) * MILLIS_PER_MINUTE)
    }

    /// The day number (days since 1970-01-01) of this instant seen at `offset_minutes` east of UTC.
    pub fn day_number(self, offset_minutes: i32) -> i64 {
        (self.0 + i64::from(offset_minutes) * MILLIS_PER_MINUTE).div_euclid(MILLIS_PER_DAY)
    }

    /// The weekday of this instant in UTC, Monday = 0 … Sunday = 6.
    pub fn weekday_from_monday(self) -> u8 {
        // 1970-01-01 was a Thursday (3 when Monday is 0).
        ((self.0.div_euclid(MILLIS_PER_DAY) + 3).rem_euclid(7)) as u8
    }

    fn civil(self) -> NaiveDateTime {
        DateTime::<Utc>::from_timestamp_millis(self.0)
            .map(|d| d.naive_utc())
            .unwrap_or_else(|| {
                // Unreachable for values built through this module's constructors,
                // which keep every Timestamp within MIN..=MAX (years 1..=9999).
                NaiveDate::MIN.and_hms_opt(0, 0, 0).unwrap_or_default()
            })
    }

    /// `yyyy-MM-ddTHH:mm:ssZ`, the form every answer uses.
    pub fn to_wire_seconds(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            c.year(),
            c.month(),
            c.day(),
            c.hour(),
            c.minute(),
            c.second()
        )
    }

    /// `yyyy-MM-ddTHH:mmZ`, the minute form of `DescribeBackupPolicy`.
    pub fn to_wire_minutes(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}Z",
            c.year(),
            c.month(),
            c.day(),
            c.hour(),
            c.minute()
        )
    }

    /// RFC 3339 with milliseconds only when they are not zero.
    pub fn to_rfc3339(self) -> String {
        let millis = self.0.rem_euclid(MILLIS_PER_SECOND);
        let seconds = self.to_wire_seconds();
        if millis == 0 {
            seconds
        } else {
            format!("{}.{millis:03}Z", &seconds[..seconds.len() - 1])
        }
    }
}

impl From<DateTime<Utc>> for Timestamp {
    /// Converts a chrono UTC time, clamped to the supported range.
    fn from(value: DateTime<Utc>) -> Self {
        Timestamp::clamped(value.timestamp_millis())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maybe_timestamp_keeps_every_instant_and_none() {
        for time in [Timestamp::MIN, Timestamp(0), Timestamp(-1), Timestamp::MAX] {
            assert_eq!(MaybeTimestamp::new(Some(time)).get(), Some(time));
        }
        assert_eq!(MaybeTimestamp::new(None).get(), None);
        assert_eq!(MaybeTimestamp::NONE, MaybeTimestamp::new(None));
        assert_ne!(
            MaybeTimestamp::NONE,
            MaybeTimestamp::new(Some(Timestamp::MIN))
        );
        assert_eq!(format!("{:?}", MaybeTimestamp::NONE), "None");
    }

    #[test]
    fn the_plain_utc_fast_path_agrees_with_chrono() {
        let by_chrono = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|d| d.timestamp_millis())
        };
        let mut millis = Timestamp::MIN.as_millis();
        while millis <= Timestamp::MAX.as_millis() {
            let text = Timestamp(millis).to_wire_seconds();
            assert_eq!(
                parse_plain_utc_seconds(text.as_bytes()),
                by_chrono(&text),
                "{text}"
            );
            millis += 7_777_777_777;
        }
        for text in [
            "2024-02-29T23:59:59Z",
            "2023-02-29T00:00:00Z",
            "1900-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-01T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "0000-01-01T00:00:00Z",
            "1969-12-31T23:59:59Z",
        ] {
            let fast = parse_plain_utc_seconds(text.as_bytes());
            assert!(fast.is_none() || fast == by_chrono(text), "{text}");
        }
        // What the fast path leaves to chrono still parses.
        assert!(parse_plain_utc_seconds(b"2016-12-31T23:59:60Z").is_none());
        assert!(parse_plain_utc_seconds(b"2026-01-01t00:00:00z").is_none());
        assert_eq!(
            Timestamp::parse_rfc3339("2026-01-01T08:00:00+08:00"),
            Timestamp::parse_rfc3339("2026-01-01T00:00:00Z")
        );
        assert_eq!(
            Timestamp::parse_rfc3339("0000-01-01T00:00:00Z"),
            Err(TimeParseError::OutOfRange)
        );
    }

    #[test]
    fn parses_and_formats_rfc3339() {
        let t = Timestamp::parse_rfc3339("2026-04-01T08:10:00Z").unwrap();
        assert_eq!(t.to_wire_seconds(), "2026-04-01T08:10:00Z");
        assert_eq!(t.to_wire_minutes(), "2026-04-01T08:10Z");
        let offset = Timestamp::parse_rfc3339("2026-04-01T16:10:00.250+08:00").unwrap();
        assert_eq!(offset.to_rfc3339(), "2026-04-01T08:10:00.250Z");
        assert_eq!(
            Timestamp::parse_rfc3339("yesterday"),
            Err(TimeParseError::NotRfc3339)
        );
    }

    #[test]
    fn parses_minute_form_strictly() {
        let t = Timestamp::parse_minute("2026-04-01T08:10Z").unwrap();
        assert_eq!(t.to_wire_seconds(), "2026-04-01T08:10:00Z");
        assert_eq!(Timestamp::parse_minute("2026-04-01T08:10:00Z"), None);
        assert_eq!(Timestamp::parse_minute("2026-04-01T24:10Z"), None);
        assert_eq!(Timestamp::parse_minute("2026-04-01T08:10"), None);
    }

    #[test]
    fn weekdays_and_days() {
        // 2026-03-02 is a Monday.
        let monday = Timestamp::parse_rfc3339("2026-03-02T23:00:00Z").unwrap();
        assert_eq!(monday.weekday_from_monday(), 0);
        assert_eq!(monday.day_number(60) - monday.day_number(0), 1);
        assert_eq!(Timestamp::from_millis(Timestamp::MAX.as_millis() + 1), None);
        assert_eq!(Timestamp::MAX.to_wire_seconds(), "9999-12-31T23:59:59Z");
        assert_eq!(Timestamp::MIN.to_wire_seconds(), "0001-01-01T00:00:00Z");
    }
}
