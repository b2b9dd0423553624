//! The access log in Combined Log Format (Apache's `combined`, which log
//! tools read): `host - - [date] "request line" status bytes "referer" "agent"`.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use l7_http::wire::RequestHead;
use l7_wire::calendar::UtcTime;

/// Where access-log lines go; cloneable, one line per response.
#[derive(Clone)]
pub struct AccessLog(Option<Arc<Mutex<Box<dyn Write + Send>>>>);

impl AccessLog {
    /// No log.
    pub fn off() -> Self {
        AccessLog(None)
    }

    /// Lines written to `out` (stdout or a file).
    pub fn to(out: Box<dyn Write + Send>) -> Self {
        AccessLog(Some(Arc::new(Mutex::new(out))))
    }

    /// Logs one response to a request received over `protocol`
    /// (`HTTP/1.1`, or `HTTP/2.0` as Apache writes it for h2).
    pub fn log(
        &self,
        peer: SocketAddr,
        head: &RequestHead<'_>,
        protocol: &str,
        status: u16,
        bytes: u64,
    ) {
        let Some(out) = &self.0 else { return };
        let field = |name: &str| {
            head.headers
                .get_str(name)
                .map_or_else(|| "-".to_string(), |v| v.replace('"', "\\\""))
        };
        let line = format!(
            "{} - - [{}] \"{} {} {}\" {status} {bytes} \"{}\" \"{}\"\n",
            peer.ip(),
            clf_date(SystemTime::now()),
            head.method,
            head.target.replace('"', "%22"),
            protocol,
            field("Referer"),
            field("User-Agent"),
        );
        if let Ok(mut w) = out.lock() {
            let _ = w.write_all(line.as_bytes());
            let _ = w.flush();
        }
    }
}

/// `22/Nov/2026:04:50:00 +0000`.
fn clf_date(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let u = UtcTime::from_unix(i64::try_from(secs).unwrap_or(i64::MAX));
    format!(
        "{:02}/{}/{}:{:02}:{:02}:{:02} +0000",
        u.day,
        u.month_name(),
        u.year,
        u.hour,
        u.minute,
        u.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates_in_common_log_format() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_323_000);
        assert_eq!(clf_date(t), "22/Nov/2026:04:50:00 +0000");
        assert_eq!(
            clf_date(SystemTime::UNIX_EPOCH),
            "01/Jan/1970:00:00:00 +0000"
        );
    }
}
