//! The access log in Combined Log Format (Apache's `combined`, which log
//! tools read): `host - - [date] "request line" status bytes "referer" "agent"`.
//! Lines are formatted straight into a buffer and written in batches (as
//! nginx's `access_log ... buffer= flush=`): when 32 KiB are pending, and
//! by [`AccessLog::flush`], which the server calls every second and when
//! it stops — not one write(2) per request.

use std::io::{BufWriter, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use l7_http::wire::RequestHead;
use l7_wire::calendar::UtcTime;

/// Most bytes of log lines held before they are written.
const BUFFER: usize = 32 * 1024;

/// How often a serving server writes out buffered lines.
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

type Sink = BufWriter<Box<dyn Write + Send>>;

/// Where access-log lines go; cloneable, one line per response.
#[derive(Clone)]
pub struct AccessLog(Option<Arc<Mutex<Sink>>>);

impl AccessLog {
    /// No log.
    pub fn off() -> Self {
        AccessLog(None)
    }

    /// Lines written to `out` (stdout or a file), in batches.
    pub fn to(out: Box<dyn Write + Send>) -> Self {
        AccessLog(Some(Arc::new(Mutex::new(BufWriter::with_capacity(
            BUFFER, out,
        )))))
    }

    /// True unless the log is off.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Writes out the lines buffered so far.
    pub fn flush(&self) {
        if let Some(out) = &self.0
            && let Ok(mut w) = out.lock()
        {
            let _ = w.flush();
        }
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
        let Ok(mut guard) = out.lock() else { return };
        let w: &mut Sink = &mut guard;
        let _ = write!(
            w,
            "{} - - [{}] \"{} ",
            peer.ip(),
            clf_date(SystemTime::now()),
            head.method,
        );
        let _ = escaped(w, &head.target, b"%22");
        let _ = write!(w, " {protocol}\" {status} {bytes} \"");
        let _ = field(w, head, "Referer");
        let _ = w.write_all(b"\" \"");
        let _ = field(w, head, "User-Agent");
        let _ = w.write_all(b"\"\n");
    }
}

/// A request field's value with quotes escaped, or `-`.
fn field(w: &mut impl Write, head: &RequestHead<'_>, name: &str) -> std::io::Result<()> {
    match head.headers.get_str(name) {
        Some(v) => escaped(w, v, b"\\\""),
        None => w.write_all(b"-"),
    }
}

/// `text` with each `"` written as `quote`.
fn escaped(w: &mut impl Write, text: &str, quote: &[u8]) -> std::io::Result<()> {
    for (i, part) in text.split('"').enumerate() {
        if i > 0 {
            w.write_all(quote)?;
        }
        w.write_all(part.as_bytes())?;
    }
    Ok(())
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
    fn lines_are_buffered_until_flushed_and_quotes_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        let file = std::fs::File::create(&path).unwrap();
        let log = AccessLog::to(Box::new(file));
        let raw = b"GET /a\"b HTTP/1.1\r\nHost: x\r\nUser-Agent: say \"hi\"\r\n\r\n";
        let (head, _) = RequestHead::parse(raw).unwrap();
        let peer: SocketAddr = "192.0.2.7:5000".parse().unwrap();
        log.log(peer, &head, "HTTP/1.1", 200, 1234);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
        log.flush();
        let line = std::fs::read_to_string(&path).unwrap();
        let (start, rest) = line.split_once(" [").unwrap();
        assert_eq!(start, "192.0.2.7 - -");
        let (_, rest) = rest.split_once("] ").unwrap();
        assert_eq!(
            rest,
            "\"GET /a%22b HTTP/1.1\" 200 1234 \"-\" \"say \\\"hi\\\"\"\n"
        );
    }

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
