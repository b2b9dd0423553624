//! Output helpers shared by commands: RTTs in milliseconds, wall-clock
//! times, JSON lines, and the text-or-JSON choice.

use std::time::{Duration, SystemTime};

/// Milliseconds with three decimals, as ping prints RTTs.
pub fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

/// A wall-clock time in local time with microseconds.
pub fn clock(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(t)
        .format("%Y-%m-%d %H:%M:%S%.6f %Z")
        .to_string()
}

/// Seconds since the Unix epoch, for JSON.
pub fn unix(t: SystemTime) -> f64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64()
}

/// Prints one JSON value on a line.
pub fn json_line(v: &serde_json::Value) {
    println!("{v}");
}

/// Bytes as text for a terminal: UTF-8 where valid, escapes elsewhere.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
