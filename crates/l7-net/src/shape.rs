//! Traffic shaping to a bandwidth trace, so every player — l7's own and
//! dash.js in a browser — meets the same network.
//!
//! A [`Link`] is one bottleneck shared by every connection of a server (an
//! origin's or an edge's access link). Its capacity over time is a trace:
//! a step function of bit rates that repeats when it ends. The link's clock
//! starts with the first byte it carries. A token bucket a few packets deep
//! meters it out: each writer reserves up to [`QUANTUM`] bytes at a time, in
//! order, and may hand them to the socket only once the trace's capacity
//! has carried them — so a zero-rate step is an outage, and concurrent
//! responses share the rate. [`Shaped`] wraps a connection's stream with
//! that rule; a small send buffer ([`SEND_BUFFER`]) keeps the kernel from
//! hiding the pacing behind megabytes of queued data.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use l7_dash::trace::Trace;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

/// The most bytes one write reserves on the link at once.
pub const QUANTUM: usize = 16 * 1024;

/// The token bucket's depth in bytes: what an idle link lets through at once.
pub const BURST: u64 = 32 * 1024;

/// SO_SNDBUF asked for on shaped connections.
pub const SEND_BUFFER: usize = 32 * 1024;

/// A bandwidth trace as the shaper uses it: steps of constant rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Each step's start (seconds from the trace's start), rising from 0.
    starts: Vec<f64>,
    /// Each step's rate in bits per second.
    rates: Vec<f64>,
    /// Bits carried before each step starts (one more entry: the whole period).
    cumulative: Vec<f64>,
    /// How long the trace lasts before it repeats, seconds.
    period: f64,
}

/// Why a trace cannot shape a link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// No steps, or every step has rate zero.
    #[error("the trace never carries a bit: it needs at least one step with a rate above 0")]
    Empty,
    /// Times must start at 0 and rise.
    #[error("step {0}: times must start at 0 and rise, and rates be finite and not negative")]
    Order(usize),
}

impl Schedule {
    /// A schedule from `(start seconds, kbit/s)` steps, the last lasting
    /// until `end` seconds, after which the trace repeats.
    pub fn new(steps: &[(f64, f64)], end: f64) -> Result<Schedule, ScheduleError> {
        let mut starts = Vec::with_capacity(steps.len());
        let mut rates = Vec::with_capacity(steps.len());
        for (i, &(t, kbit)) in steps.iter().enumerate() {
            let ok_time = if i == 0 {
                t == 0.0
            } else {
                t.is_finite() && t > starts[i - 1]
            };
            if !ok_time || !kbit.is_finite() || kbit < 0.0 {
                return Err(ScheduleError::Order(i));
            }
            starts.push(t);
            rates.push(kbit * 1000.0);
        }
        match starts.last() {
            None => return Err(ScheduleError::Empty),
            Some(&last) if !(end.is_finite() && end > last) => {
                return Err(ScheduleError::Order(steps.len()));
            }
            _ => {}
        }
        let mut cumulative = vec![0.0];
        for i in 0..starts.len() {
            let until = starts.get(i + 1).copied().unwrap_or(end);
            cumulative.push(cumulative[i] + rates[i] * (until - starts[i]));
        }
        if cumulative[starts.len()] <= 0.0 {
            return Err(ScheduleError::Empty);
        }
        Ok(Schedule {
            starts,
            rates,
            cumulative,
            period: end,
        })
    }

    /// The schedule of an l7-dash [`Trace`] (its steps, repeating after
    /// its period).
    pub fn from_trace(trace: &Trace) -> Result<Schedule, ScheduleError> {
        let steps: Vec<(f64, f64)> = trace.steps().iter().map(|s| (s.at_s, s.kbps)).collect();
        Schedule::new(&steps, trace.period_s())
    }

    /// A schedule of one constant rate.
    pub fn constant(kbit: f64) -> Result<Schedule, ScheduleError> {
        Schedule::new(&[(0.0, kbit)], 1.0)
    }

    /// The rate in bits per second at `t` seconds.
    pub fn rate_at(&self, t: f64) -> f64 {
        let t = t.rem_euclid(self.period);
        let i = self.starts.partition_point(|&s| s <= t).saturating_sub(1);
        self.rates[i]
    }

    fn period_bits(&self) -> f64 {
        self.cumulative[self.starts.len()]
    }

    /// Bits the link can have carried from its start until `t` seconds.
    pub fn bits_until(&self, t: f64) -> f64 {
        let t = t.max(0.0);
        let periods = (t / self.period).floor();
        let within = t - periods * self.period;
        let i = self
            .starts
            .partition_point(|&s| s <= within)
            .saturating_sub(1);
        periods * self.period_bits()
            + self.cumulative[i]
            + self.rates[i] * (within - self.starts[i])
    }

    /// The earliest time (seconds) by which the link can have carried `bits`.
    pub fn time_for(&self, bits: f64) -> f64 {
        let bits = bits.max(0.0);
        let periods = (bits / self.period_bits()).floor();
        let mut rest = bits - periods * self.period_bits();
        let base = periods * self.period;
        if rest <= 0.0 {
            return base;
        }
        // The first step whose end carries `rest`: its rate is above zero.
        let i = self
            .cumulative
            .partition_point(|&c| c < rest)
            .saturating_sub(1)
            .min(self.starts.len() - 1);
        rest -= self.cumulative[i];
        base + self.starts[i] + rest / self.rates[i].max(f64::MIN_POSITIVE)
    }
}

/// One shaped bottleneck, shared by the connections that cross it.
#[derive(Debug)]
pub struct Link {
    schedule: Schedule,
    state: Mutex<LinkState>,
}

#[derive(Debug, Default)]
struct LinkState {
    /// When the link carried its first byte.
    start: Option<Instant>,
    /// The trace's capacity, in bits from its start, already promised.
    used: f64,
}

impl Link {
    /// A link that follows `schedule`.
    pub fn new(schedule: Schedule) -> Arc<Link> {
        Arc::new(Link {
            schedule,
            state: Mutex::new(LinkState::default()),
        })
    }

    /// The trace the link follows.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }

    /// Reserves `bytes` at `now`; returns when they have crossed the link.
    pub fn reserve(&self, now: Instant, bytes: usize) -> Instant {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let start = *s.start.get_or_insert(now);
        let t = now.duration_since(start).as_secs_f64();
        // The bucket refills with the trace's capacity up to BURST bytes.
        let floor = self.schedule.bits_until(t) - (BURST * 8) as f64;
        s.used = s.used.max(floor) + (bytes * 8) as f64;
        let done = self.schedule.time_for(s.used);
        start + Duration::from_secs_f64(done.max(0.0))
    }
}

/// A stream whose writes are paced by a [`Link`]; reads pass through.
pub struct Shaped<S> {
    inner: S,
    link: Arc<Link>,
    /// Bytes reserved on the link and not yet written.
    granted: usize,
    /// Until the reserved bytes have crossed the link.
    wait: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> Shaped<S> {
    /// Paces `inner`'s writes by `link`.
    pub fn new(inner: S, link: Arc<Link>) -> Self {
        Shaped {
            inner,
            link,
            granted: 0,
            wait: None,
        }
    }
}

impl Shaped<TcpStream> {
    /// Paces a TCP connection, with a small send buffer so the pacing
    /// reaches the wire rather than filling the kernel's queue.
    pub fn tcp(stream: TcpStream, link: Arc<Link>) -> Self {
        if let Err(e) = socket2::SockRef::from(&stream).set_send_buffer_size(SEND_BUFFER) {
            tracing::debug!("SO_SNDBUF on a shaped connection: {e}");
        }
        Shaped::new(stream, link)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Shaped<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Shaped<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if buf.is_empty() {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        loop {
            if let Some(wait) = &mut this.wait {
                ready!(wait.as_mut().poll(cx));
                this.wait = None;
            }
            if this.granted > 0 {
                let n = buf.len().min(this.granted);
                let written = ready!(Pin::new(&mut this.inner).poll_write(cx, &buf[..n]))?;
                this.granted -= written;
                return Poll::Ready(Ok(written));
            }
            let n = buf.len().min(QUANTUM);
            let now = Instant::now();
            let at = this.link.reserve(now, n);
            this.granted = n;
            if at > now {
                this.wait = Some(Box::pin(tokio::time::sleep_until(at.into())));
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps() -> Schedule {
        // 1000 kbit/s for 2 s, an outage for 1 s, 500 kbit/s for 1 s.
        Schedule::new(&[(0.0, 1000.0), (2.0, 0.0), (3.0, 500.0)], 4.0).unwrap()
    }

    #[test]
    fn integrates_and_inverts_across_steps_and_periods() {
        let s = steps();
        assert_eq!(s.bits_until(1.0), 1e6);
        assert_eq!(s.bits_until(2.5), 2e6);
        assert_eq!(s.bits_until(4.0), 2.5e6);
        assert_eq!(s.bits_until(5.0), 3.5e6);
        assert_eq!(s.time_for(1e6), 1.0);
        // Bits past the outage wait for it to end.
        assert_eq!(s.time_for(2.25e6), 3.5);
        assert_eq!(s.time_for(2.5e6 + 1e6), 5.0);
        assert_eq!(s.rate_at(2.5), 0.0);
        assert_eq!(s.rate_at(6.0), 0.0);
        assert_eq!(s.rate_at(7.5), 500_000.0);
    }

    #[test]
    fn from_an_l7_dash_trace() {
        let t = Trace::parse("0 1000\n2 0 # outage\n3 500\n# period 4\n").unwrap();
        assert_eq!(Schedule::from_trace(&t).unwrap(), steps());
        let silent = Trace::parse("0 0\n").unwrap();
        assert_eq!(Schedule::from_trace(&silent), Err(ScheduleError::Empty));
    }

    #[test]
    fn bad_traces_are_refused() {
        assert_eq!(Schedule::new(&[], 1.0), Err(ScheduleError::Empty));
        assert_eq!(Schedule::new(&[(0.0, 0.0)], 1.0), Err(ScheduleError::Empty));
        assert_eq!(
            Schedule::new(&[(1.0, 10.0)], 2.0),
            Err(ScheduleError::Order(0))
        );
        assert_eq!(
            Schedule::new(&[(0.0, 10.0), (0.0, 5.0)], 2.0),
            Err(ScheduleError::Order(1))
        );
        assert_eq!(
            Schedule::new(&[(0.0, f64::NAN)], 2.0),
            Err(ScheduleError::Order(0))
        );
        assert_eq!(
            Schedule::new(&[(0.0, 10.0)], 0.0),
            Err(ScheduleError::Order(1))
        );
    }

    #[test]
    fn the_bucket_paces_after_its_burst() {
        // 8 Mbit/s = 1 MB/s: a burst goes at once, then 1 ms per KB.
        let link = Link::new(Schedule::constant(8000.0).unwrap());
        let t0 = Instant::now();
        let first = link.reserve(t0, 16_000).duration_since(t0).as_secs_f64() * 1e3;
        assert!((15.9..16.1).contains(&first), "{first}");
        let second = link.reserve(t0, 16_000);
        let ms = second.duration_since(t0).as_secs_f64() * 1e3;
        assert!((31.9..32.1).contains(&ms), "{ms}");
        // An idle link refills only up to BURST.
        let later = t0 + Duration::from_secs(10);
        let at = link.reserve(later, 100_000);
        let ms = at.duration_since(later).as_secs_f64() * 1e3;
        let want = (100_000.0 - BURST as f64) / 1000.0;
        assert!((ms - want).abs() < 0.1, "{ms} vs {want}");
    }

    #[tokio::test]
    async fn a_shaped_stream_takes_the_trace_s_time() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        // 4 Mbit/s = 500 KB/s: 300 KB take about 0.54 s after the burst.
        let link = Link::new(Schedule::constant(4000.0).unwrap());
        let (a, mut b) = tokio::io::duplex(64 * 1024);
        let mut shaped = Shaped::new(a, link);
        let started = Instant::now();
        let writer = tokio::spawn(async move {
            shaped.write_all(&vec![7u8; 300_000]).await.unwrap();
            shaped.shutdown().await.unwrap();
        });
        let mut got = Vec::new();
        b.read_to_end(&mut got).await.unwrap();
        writer.await.unwrap();
        assert_eq!(got.len(), 300_000);
        assert!(started.elapsed() >= Duration::from_millis(500));
    }
}
