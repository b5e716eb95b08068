//! Simulation-wide settings (`Sim.Configure` in the scenario format).

use serde::{Deserialize, Serialize};

use crate::vocab::QuotaWindow;

/// The quota's UTC offset in minutes east of UTC, between −12:00 and +14:00 (rule Q-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UtcOffset(i32);

impl UtcOffset {
    /// UTC itself.
    pub const UTC: UtcOffset = UtcOffset(0);

    /// Minutes east of UTC.
    pub const fn minutes(self) -> i32 {
        self.0
    }

    /// Parses `+HH:MM` or `-HH:MM` between `-12:00` and `+14:00`.
    pub fn parse(text: &str) -> Option<UtcOffset> {
        let b = text.as_bytes();
        if b.len() != 6 || b[3] != b':' {
            return None;
        }
        let sign = match b[0] {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        let digits = |i: usize| -> Option<i32> {
            let (h, l) = (b[i], b[i + 1]);
            (h.is_ascii_digit() && l.is_ascii_digit())
                .then(|| i32::from(h - b'0') * 10 + i32::from(l - b'0'))
        };
        let (hours, minutes) = (digits(1)?, digits(4)?);
        if minutes > 59 {
            return None;
        }
        let total = sign * (hours * 60 + minutes);
        (-12 * 60..=14 * 60)
            .contains(&total)
            .then_some(UtcOffset(total))
    }
}

impl std::fmt::Display for UtcOffset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { '-' } else { '+' };
        let abs = self.0.abs();
        write!(f, "{sign}{:02}:{:02}", abs / 60, abs % 60)
    }
}

impl From<UtcOffset> for String {
    fn from(value: UtcOffset) -> String {
        value.to_string()
    }
}

impl TryFrom<String> for UtcOffset {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        UtcOffset::parse(&value)
            .ok_or_else(|| format!("not a UTC offset between -12:00 and +14:00: {value:?}"))
    }
}

/// The longest backup duration accepted, ten years in seconds.
pub const MAX_BACKUP_DURATION_SECONDS: u64 = 315_360_000;

/// Simulation-wide settings. Defaults: seed 0, limit 20, `CalendarDay`, `+00:00`, 600 s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Settings {
    /// The seed behind request ids and backup sizes.
    pub seed: u64,
    /// Accepted manual backups per instance per quota window (rule Q-1).
    pub daily_backup_limit: u32,
    /// The quota window (rules ).
    pub quota_window: QuotaWindow,
    /// The offset of the `CalendarDay` window (rule Q-2).
    pub quota_utc_offset: UtcOffset,
    /// How long a backup job takes unless its instance says otherwise, in seconds (> 0).
    pub backup_duration_seconds: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            seed: 0,
            daily_backup_limit: 20,
            quota_window: QuotaWindow::CalendarDay,
            quota_utc_offset: UtcOffset::UTC,
            backup_duration_seconds: 600,
        }
    }
}

/// A partial change of [`Settings`]; absent fields keep their value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsChange {
    /// New seed.
    pub seed: Option<u64>,
    /// New limit.
    pub daily_backup_limit: Option<u32>,
    /// New window kind.
    pub quota_window: Option<QuotaWindow>,
    /// New offset.
    pub quota_utc_offset: Option<UtcOffset>,
    /// New default duration in seconds (> 0, at most [`MAX_BACKUP_DURATION_SECONDS`]).
    pub backup_duration_seconds: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q4_offsets_parse_within_range_only() {
        assert_eq!(
            UtcOffset::parse("+08:00").map(UtcOffset::minutes),
            Some(480)
        );
        assert_eq!(
            UtcOffset::parse("-12:00").map(UtcOffset::minutes),
            Some(-720)
        );
        assert_eq!(
            UtcOffset::parse("+14:00").map(UtcOffset::minutes),
            Some(840)
        );
        assert_eq!(UtcOffset::parse("+14:01"), None);
        assert_eq!(UtcOffset::parse("-12:30"), None);
        assert_eq!(UtcOffset::parse("08:00"), None);
        assert_eq!(UtcOffset::parse("+8:00"), None);
        assert_eq!(UtcOffset::parse("+05:60"), None);
        assert_eq!(
            UtcOffset::parse("-03:30").map(|o| o.to_string()),
            Some("-03:30".into())
        );
    }
}
