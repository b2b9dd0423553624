//! HTTP dates (RFC 9110 §5.6.7) as seconds since the Unix epoch: formatting
//! as IMF-fixdate and parsing all three formats a recipient must accept.

use l7_wire::calendar::{MONTHS, UtcTime, WEEKDAYS as DAYS, days_from_civil};

const LONG_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Formats `unix_secs` as an IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn format_http_date(unix_secs: u64) -> String {
    UtcTime::from_unix(i64::try_from(unix_secs).unwrap_or(i64::MAX)).internet_date("GMT")
}

/// Parses an HTTP-date in any of its three formats (IMF-fixdate, obsolete
/// RFC 850, asctime); `None` for anything else or a date before 1970.
/// Two-digit RFC 850 years are read per RFC 9110 §5.6.7 (more than 50 years
/// ahead means the previous century); the weekday name is not checked.
pub fn parse_http_date(s: &str) -> Option<u64> {
    let s = s.trim_matches([' ', '\t']);
    let (day_name, rest) = s.split_once(' ')?;
    let fields: Vec<&str> = rest.split(' ').filter(|f| !f.is_empty()).collect();
    if let Some(short) = day_name.strip_suffix(',') {
        if DAYS.contains(&short) {
            // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
            let [day, month, year, time, "GMT"] = fields.as_slice() else {
                return None;
            };
            return build(digits(year, 4)?, month, digits(day, 2)?, time);
        }
        if LONG_DAYS.contains(&short) {
            // rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT"
            let [date, time, "GMT"] = fields.as_slice() else {
                return None;
            };
            let mut parts = date.split('-');
            let (day, month, yy) = (parts.next()?, parts.next()?, parts.next()?);
            if parts.next().is_some() {
                return None;
            }
            let yy = digits(yy, 2)?;
            let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
            return build(year, month, digits(day, 2)?, time);
        }
        return None;
    }
    // asctime-date: "Sun Nov  6 08:49:37 1994" (day padded with a space)
    if !DAYS.contains(&day_name) {
        return None;
    }
    let [month, day, time, year] = fields.as_slice() else {
        return None;
    };
    if day.is_empty() || day.len() > 2 {
        return None;
    }
    build(digits(year, 4)?, month, digits(day, day.len())?, time)
}

fn digits(s: &str, n: usize) -> Option<u64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

fn build(year: u64, month: &str, day: u64, time: &str) -> Option<u64> {
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let mut hms = time.split(':');
    let (h, m, s) = (hms.next()?, hms.next()?, hms.next()?);
    if hms.next().is_some() {
        return None;
    }
    let (h, m, s) = (digits(h, 2)?, digits(m, 2)?, digits(s, 2)?);
    if year < 1970 || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(year as i64, month as u32, day as u32);
    let days = u64::try_from(days).ok()?;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUNDAY_1994: u64 = 784_111_777;

    #[test]
    fn rfc9110_examples() {
        // RFC 9110 §5.6.7: the three forms of the same instant.
        assert_eq!(
            format_http_date(SUNDAY_1994),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(SUNDAY_1994)
        );
        assert_eq!(
            parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"),
            Some(SUNDAY_1994)
        );
        assert_eq!(
            parse_http_date("Sun Nov  6 08:49:37 1994"),
            Some(SUNDAY_1994)
        );
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            format_http_date(951_782_400),
            "Tue, 29 Feb 2000 00:00:00 GMT"
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "yesterday",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
            "Sun Nov 6 08:49:37",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn format_then_parse_round_trips(secs in 0u64..253_402_300_799) {
            proptest::prop_assert_eq!(parse_http_date(&format_http_date(secs)), Some(secs));
        }
    }
}
