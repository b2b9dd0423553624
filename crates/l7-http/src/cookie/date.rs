//! The lenient cookie-date algorithm of RFC 6265 §5.1.1, which accepts the
//! many date spellings found in Expires attributes.

/// Parses a cookie-date into seconds since the Unix epoch; `None` when the
/// algorithm fails (the attribute is then ignored).
pub fn parse_cookie_date(s: &str) -> Option<u64> {
    // delimiter = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E
    let is_delim = |c: char| matches!(c, '\t' | ' '..='/' | ';'..='@' | '['..='`' | '{'..='~');
    let (mut time, mut day, mut month, mut year) = (None, None, None, None);
    for token in s.split(is_delim).filter(|t| !t.is_empty()) {
        if time.is_none()
            && let Some(t) = parse_time(token)
        {
            time = Some(t);
        } else if day.is_none()
            && let Some(d) = leading_digits(token, 1, 2)
        {
            day = Some(d);
        } else if month.is_none()
            && let Some(m) = parse_month(token)
        {
            month = Some(m);
        } else if year.is_none()
            && let Some(y) = leading_digits(token, 2, 4)
        {
            year = Some(y);
        }
    }
    let (h, m, sec) = time?;
    let (day, month, mut year) = (day?, month?, year?);
    if (70..=99).contains(&year) {
        year += 1900;
    } else if year <= 69 {
        year += 2000;
    }
    if !(1..=31).contains(&day) || year < 1601 || h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let date = format!(
        "Thu, {day:02} {} {year:04} {h:02}:{m:02}:{sec:02} GMT",
        MONTHS[(month - 1) as usize]
    );
    crate::wire::date::parse_http_date(&date)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `1*2DIGIT ":" 1*2DIGIT ":" 1*2DIGIT ( non-digit *OCTET )`
fn parse_time(token: &str) -> Option<(u64, u64, u64)> {
    let mut parts = token.splitn(3, ':');
    let h = exact_digits(parts.next()?, 1, 2)?;
    let m = exact_digits(parts.next()?, 1, 2)?;
    let s = leading_digits(parts.next()?, 1, 2)?;
    Some((h, m, s))
}

fn exact_digits(s: &str, min: usize, max: usize) -> Option<u64> {
    (s.len() >= min && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())?
}

/// `min*maxDIGIT ( non-digit *OCTET )`
fn leading_digits(s: &str, min: usize, max: usize) -> Option<u64> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    exact_digits(&s[..n], min, max)
}

fn parse_month(token: &str) -> Option<u64> {
    let prefix = token.get(..3)?;
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(prefix))
        .map(|i| i as u64 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_seen_in_the_wild() {
        let want = Some(1_445_412_480); // 2015-10-21 07:28:00 UTC
        for s in [
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Wednesday, 21-Oct-15 07:28:00 GMT",
            "Wed Oct 21 07:28:00 2015",
            "21 October 2015 7:28:00",
            "Wed, 21-Oct-2015 07:28:00 UTC",
        ] {
            assert_eq!(parse_cookie_date(s), want, "{s}");
        }
        for bad in [
            "",
            "tomorrow",
            "Wed, 32 Oct 2015 07:28:00",
            "Wed, 21 Oct 2015",
            "21 Foo 2015 07:28:00",
        ] {
            assert_eq!(parse_cookie_date(bad), None, "{bad}");
        }
    }
}
