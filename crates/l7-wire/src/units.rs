//! Parsing of the quantities users type on command lines and in world files:
//! durations (`250ms`, `1.5s`, `2m`), sizes (`64MiB`, `1k`) and rates
//! (`10Mbit`, `500kbit`, `2MB/s`). Every l7 flag that takes one of these
//! goes through here, so the same spellings work everywhere.

use std::time::Duration;

/// A quantity that could not be read, with what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot read {input:?} as {what}: expected e.g. {example}")]
pub struct UnitError {
    input: String,
    what: &'static str,
    example: &'static str,
}

fn split_number(s: &str) -> Option<(f64, &str)> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let value: f64 = s[..end].parse().ok()?;
    value.is_finite().then_some((value, s[end..].trim()))
}

/// Reads a duration: `250ms`, `1s`, `1.5s`, `2m`, `1h`, `10us`; a bare number is seconds.
pub fn parse_duration(s: &str) -> Result<Duration, UnitError> {
    let err = || UnitError {
        input: s.to_string(),
        what: "a duration",
        example: "250ms, 1s, 1.5s, 2m, 1h",
    };
    let (v, unit) = split_number(s).ok_or_else(err)?;
    let secs = match unit {
        "" | "s" | "sec" | "secs" => v,
        "ms" => v / 1e3,
        "us" | "µs" => v / 1e6,
        "ns" => v / 1e9,
        "m" | "min" => v * 60.0,
        "h" => v * 3600.0,
        "d" => v * 86400.0,
        _ => return Err(err()),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| err())
}

/// Reads a size in bytes: `512`, `1k`/`1KB` (1000), `1KiB` (1024), `64MiB`, `1GiB`.
pub fn parse_size(s: &str) -> Result<u64, UnitError> {
    let err = || UnitError {
        input: s.to_string(),
        what: "a size",
        example: "4096, 64KiB, 10MB, 1GiB",
    };
    let (v, unit) = split_number(s).ok_or_else(err)?;
    let mult: f64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(err()),
    };
    let bytes = v * mult;
    if bytes > u64::MAX as f64 {
        return Err(err());
    }
    Ok(bytes.round() as u64)
}

/// Reads a rate in bits per second: `10Mbit`, `500kbit`, `1Gbps`, `2MB/s` (bytes), `800` (bit/s).
pub fn parse_rate(s: &str) -> Result<u64, UnitError> {
    let err = || UnitError {
        input: s.to_string(),
        what: "a rate",
        example: "500kbit, 10Mbit, 1Gbit, 2MB/s",
    };
    let (v, unit) = split_number(s).ok_or_else(err)?;
    let unit = unit.trim_end_matches("/s").trim_end_matches("ps");
    let mult: f64 = match unit {
        "" | "bit" | "b" => 1.0,
        "k" | "kbit" | "Kbit" | "kb" => 1e3,
        "M" | "m" | "Mbit" | "mbit" | "Mb" => 1e6,
        "G" | "g" | "Gbit" | "gbit" | "Gb" => 1e9,
        "B" => 8.0,
        "kB" | "KB" => 8e3,
        "MB" => 8e6,
        "GB" => 8e9,
        "KiB" => 8.0 * 1024.0,
        "MiB" => 8.0 * 1024.0 * 1024.0,
        _ => return Err(err()),
    };
    let bits = v * mult;
    if bits > u64::MAX as f64 {
        return Err(err());
    }
    Ok(bits.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("3").unwrap(), Duration::from_secs(3));
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("1 fortnight").is_err());
        assert!(parse_duration("1e400").is_err());
    }

    #[test]
    fn sizes_and_rates() {
        assert_eq!(parse_size("64MiB").unwrap(), 64 << 20);
        assert_eq!(parse_size("1k").unwrap(), 1000);
        assert_eq!(parse_size("256KiB").unwrap(), 256 * 1024);
        assert!(parse_size("-1").is_err());
        assert_eq!(parse_rate("10Mbit").unwrap(), 10_000_000);
        assert_eq!(parse_rate("500kbit").unwrap(), 500_000);
        assert_eq!(parse_rate("2MB/s").unwrap(), 16_000_000);
        assert_eq!(parse_rate("1Gbps").unwrap(), 1_000_000_000);
        let e = parse_rate("lots").unwrap_err().to_string();
        assert!(e.contains("10Mbit"), "{e}");
    }
}
