//! xs:duration values as MPDs use them (`PT8.0S`, `PT1H2M3.5S`, `P1DT2H`):
//! days, hours, minutes and seconds with up to nine fractional digits, read
//! exactly into a [`Duration`]. Years and months have no fixed length, so
//! they are refused, as are negative durations.

use std::time::Duration;

/// Reads an xs:duration; `None` when it is not one we accept.
pub fn parse(s: &str) -> Option<Duration> {
    let rest = s.trim().strip_prefix('P')?;
    let (date, time) = match rest.split_once('T') {
        Some((d, t)) if !t.is_empty() => (d, Some(t)),
        Some(_) => return None,
        None => (rest, None),
    };
    if date.is_empty() && time.is_none() {
        return None;
    }
    let mut total = Duration::ZERO;
    if !date.is_empty() {
        let days = date.strip_suffix('D')?;
        total = add(total, whole(days)?, 86_400)?;
    }
    let mut rest = time.unwrap_or("");
    for (unit, secs) in [('H', 3600), ('M', 60)] {
        if let Some(i) = rest.find(unit) {
            total = add(total, whole(&rest[..i])?, secs)?;
            rest = &rest[i + 1..];
        }
    }
    if !rest.is_empty() {
        let secs = rest.strip_suffix('S')?;
        let (int, frac) = secs.split_once('.').unwrap_or((secs, ""));
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        total = add(total, whole(int)?, 1)?;
        let nanos = if frac.is_empty() {
            0
        } else {
            frac.parse::<u32>().ok()? * 10u32.pow(9 - frac.len() as u32)
        };
        total = total.checked_add(Duration::new(0, nanos))?;
    }
    Some(total)
}

/// A non-empty run of ASCII digits.
fn whole(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn add(total: Duration, n: u64, unit_secs: u64) -> Option<Duration> {
    total.checked_add(Duration::from_secs(n.checked_mul(unit_secs)?))
}

/// Writes `d` as `PT<seconds>S`, with the fraction only as long as needed.
pub fn emit(d: Duration) -> String {
    let nanos = d.subsec_nanos();
    if nanos == 0 {
        return format!("PT{}S", d.as_secs());
    }
    let frac = format!("{nanos:09}");
    format!("PT{}.{}S", d.as_secs(), frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_ffmpeg_and_the_standard_write() {
        assert_eq!(parse("PT8.0S"), Some(Duration::from_secs(8)));
        assert_eq!(parse("PT0H0M8.040S"), Some(Duration::from_millis(8040)));
        assert_eq!(parse("PT1H2M3.5S"), Some(Duration::from_millis(3_723_500)));
        assert_eq!(parse("P1DT1S"), Some(Duration::from_secs(86_401)));
        assert_eq!(parse("P2D"), Some(Duration::from_secs(172_800)));
        assert_eq!(parse("PT0.000000001S"), Some(Duration::from_nanos(1)));
        for bad in [
            "",
            "P",
            "PT",
            "8S",
            "PT8",
            "P1Y",
            "P1M",
            "-PT1S",
            "PT1.0000000001S",
            "PTS",
            "PT.5S",
            "PT1H1H",
            "PT99999999999999999999S",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn emit_reads_back() {
        for d in [
            Duration::ZERO,
            Duration::from_millis(8040),
            Duration::new(634, 566_000_001),
        ] {
            assert_eq!(parse(&emit(d)), Some(d), "{}", emit(d));
        }
        assert_eq!(emit(Duration::from_millis(2500)), "PT2.5S");
    }
}
