//! RFC 5322 §3.3 dates from a unix time passed in by the caller (cores never
//! read the clock): `Sun, 22 Nov 2026 04:00:00 +0000`, always in UTC.

use l7_wire::calendar::UtcTime;

/// Formats `unix` seconds as an RFC 5322 date-time in UTC.
pub fn rfc5322_date(unix: i64) -> String {
    UtcTime::from_unix(unix).internet_date("+0000")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        // RFC 5322 A.1.1's date, 21 Nov 1997 09:55:06 -0600, in UTC.
        assert_eq!(rfc5322_date(880_127_706), "Fri, 21 Nov 1997 15:55:06 +0000");
        assert_eq!(rfc5322_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 +0000");
        assert_eq!(rfc5322_date(-1), "Wed, 31 Dec 1969 23:59:59 +0000");
    }
}
