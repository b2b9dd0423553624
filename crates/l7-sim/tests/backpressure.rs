//! A bounded send buffer on a simulated stream: `Ctx::queued` counts what
//! was written and is not on the wire, and `notify_writable` calls back
//! once when that falls to a bound, so a sender can keep a fixed amount
//! queued as a TCP send buffer would.

use l7_sim::{App, Ctx, Endpoint, HostId, HostParams, Sim, SimConfig, StreamId, StreamInfo};

const CHUNK: usize = 16 * 1024;
const CHUNKS: usize = 40;
/// The sender keeps at most this many bytes queued.
const BUFFER: usize = 2 * CHUNK;

#[derive(Default)]
struct Sender {
    written: usize,
    /// The most ever queued right after a write.
    peak_queued: usize,
    wakeups: usize,
    received: usize,
}

impl Sender {
    fn fill(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        while self.written < CHUNKS * CHUNK {
            let queued = ctx.queued(stream).unwrap();
            if queued >= BUFFER {
                ctx.notify_writable(stream, BUFFER - CHUNK).unwrap();
                return;
            }
            ctx.write(stream, vec![7; CHUNK]).unwrap();
            self.written += CHUNK;
            self.peak_queued = self.peak_queued.max(ctx.queued(stream).unwrap());
        }
        ctx.close(stream).unwrap();
    }
}

impl App for Sender {
    fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        if ctx.host().index() == 0 {
            let to = HostId::from_ip("10.0.0.2".parse().unwrap()).unwrap();
            let stream = ctx.connect(Endpoint::new(to, 80)).unwrap();
            self.fill(ctx, stream);
        }
    }
    fn on_stream_open(&mut self, _: &mut Ctx<'_>, _: StreamId, _: StreamInfo) {}
    fn on_stream_writable(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        self.wakeups += 1;
        assert!(ctx.queued(stream).unwrap() <= BUFFER - CHUNK);
        self.fill(ctx, stream);
    }
    fn on_stream_data(&mut self, _: &mut Ctx<'_>, _: StreamId, data: &[u8]) {
        self.received += data.len();
    }
}

#[test]
fn a_sender_bounded_by_notifications_delivers_everything() {
    let mut sim = Sim::new(SimConfig::default());
    let a = sim.add_host(HostParams::symmetric(10_000_000), Sender::default());
    let b = sim.add_host(HostParams::symmetric(10_000_000), Sender::default());
    sim.run();
    assert_eq!(sim.app(b).received, CHUNKS * CHUNK);
    let s = sim.app(a);
    assert!(s.peak_queued <= BUFFER, "peak {}", s.peak_queued);
    // One wake-up per chunk beyond the first buffer's worth.
    assert!(s.wakeups >= CHUNKS - 2, "{} wake-ups", s.wakeups);
}
