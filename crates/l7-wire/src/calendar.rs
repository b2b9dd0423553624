//! UTC calendar arithmetic for the dates protocols carry (HTTP's
//! IMF-fixdate, RFC 5322 dates, the Common Log Format): Unix seconds to a
//! civil date and back, with Howard Hinnant's days-from-civil algorithms.

/// Month abbreviations as every Internet date format spells them.
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// Weekday abbreviations, Sunday first.
pub const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// A moment in UTC, broken down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    /// Year (proleptic Gregorian).
    pub year: i64,
    /// Month, 1 to 12.
    pub month: u32,
    /// Day of the month, 1 to 31.
    pub day: u32,
    /// Hour, 0 to 23.
    pub hour: u32,
    /// Minute, 0 to 59.
    pub minute: u32,
    /// Second, 0 to 59.
    pub second: u32,
    /// Day of the week, 0 = Sunday.
    pub weekday: u32,
}

impl UtcTime {
    /// Breaks down `secs` seconds since the Unix epoch.
    pub fn from_unix(secs: i64) -> UtcTime {
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        UtcTime {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem / 60 % 60) as u32,
            second: (rem % 60) as u32,
            weekday: (days + 4).rem_euclid(7) as u32, // 1970-01-01 was a Thursday
        }
    }

    /// Seconds since the Unix epoch.
    pub fn to_unix(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// `Sun, 06 Nov 1994 08:49:37 ZONE`: HTTP's IMF-fixdate with zone `GMT`
    /// (RFC 9110 §5.6.7), an RFC 5322 §3.3 date with zone `+0000`.
    pub fn internet_date(&self, zone: &str) -> String {
        format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} {zone}",
            self.weekday_name(),
            self.day,
            self.month_name(),
            self.year,
            self.hour,
            self.minute,
            self.second
        )
    }

    /// The month's abbreviation.
    pub fn month_name(&self) -> &'static str {
        MONTHS[(self.month as usize).clamp(1, 12) - 1]
    }

    /// The weekday's abbreviation.
    pub fn weekday_name(&self) -> &'static str {
        WEEKDAYS[self.weekday as usize % 7]
    }
}

/// Days since 1970-01-01 of a civil date (month 1 to 12).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month 1 to 12, day) of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        // RFC 9110 §5.6.7's example: Sun, 06 Nov 1994 08:49:37 GMT.
        let t = UtcTime::from_unix(784_111_777);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (1994, 11, 6, 8, 49, 37)
        );
        assert_eq!((t.weekday_name(), t.month_name()), ("Sun", "Nov"));
        assert_eq!(t.internet_date("GMT"), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(UtcTime::from_unix(0).weekday_name(), "Thu");
        assert_eq!(UtcTime::from_unix(951_782_400).day, 29); // 2000-02-29
    }

    proptest::proptest! {
        #[test]
        fn round_trips(secs in -62_135_596_800i64..253_402_300_799) {
            proptest::prop_assert_eq!(UtcTime::from_unix(secs).to_unix(), secs);
        }
    }
}
