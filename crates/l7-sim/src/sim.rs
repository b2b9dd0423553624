//! The simulation: hosts with their applications, and the event loop that
//! jumps from one event to the next and calls the applications.

use crate::app::{App, Ctx};
use crate::core::{Core, Event};
use crate::ids::{HostId, StreamId};
use crate::params::{HostParams, LinkParams, SimConfig};
use crate::stream::FlowKey;
use crate::trace::{HostCounters, SimStats, TraceEvent, TraceRecord};
use l7_wire::Instant;

/// A deterministic network simulation whose hosts run applications of type
/// `A` (use `Box<dyn App>` to mix kinds, or an enum of roles).
pub struct Sim<A: App> {
    core: Core,
    apps: Vec<A>,
    /// Where packed stream bytes are expanded for delivery (reused).
    delivery: Vec<u8>,
}

impl<A: App> Sim<A> {
    /// An empty network at time zero.
    pub fn new(config: SimConfig) -> Self {
        Sim {
            core: Core::new(config),
            apps: Vec::new(),
            delivery: Vec::new(),
        }
    }

    /// Adds a host running `app`; its `on_start` runs at the current time.
    pub fn add_host(&mut self, params: HostParams, app: A) -> HostId {
        self.apps.push(app);
        self.core.add_host(params)
    }

    /// Sets the path between `a` and `b`, both directions. Streams opened
    /// earlier keep their latency, and a bottleneck only limits streams
    /// opened while it existed (changes to its bandwidth apply to them at
    /// once). Set paths before starting traffic.
    pub fn set_link(&mut self, a: HostId, b: HostId, params: LinkParams) {
        self.core.set_link(a, b, params);
        self.core.set_link(b, a, params);
    }

    /// Sets the path from `from` to `to` only.
    pub fn set_link_one_way(&mut self, from: HostId, to: HostId, params: LinkParams) {
        self.core.set_link(from, to, params);
    }

    /// Changes a host's access capacities now (e.g. to follow a bandwidth
    /// trace); the fair shares are recomputed.
    pub fn set_host_capacity(&mut self, host: HostId, up_bps: u64, down_bps: u64) {
        self.core.set_host_capacity(host, up_bps, down_bps);
    }

    /// Changes a host's access capacities at `at` (now if `at` has passed):
    /// a step of a bandwidth trace, with no need to stop the run there.
    pub fn schedule_host_capacity(
        &mut self,
        at: Instant,
        host: HostId,
        up_bps: u64,
        down_bps: u64,
    ) {
        let event = Event::Capacity {
            host,
            up_bps,
            down_bps,
        };
        self.core.queue.push(at.max(self.core.now), event);
    }

    /// A host's current access capacities and queue bound.
    pub fn host_params(&self, host: HostId) -> HostParams {
        self.core.hosts[host.index()].params
    }

    /// The path from `from` to `to` (its own parameters or the default).
    pub fn link(&self, from: HostId, to: HostId) -> LinkParams {
        self.core.link_params(from, to)
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.core.now
    }

    /// Number of hosts.
    pub fn host_count(&self) -> usize {
        self.apps.len()
    }

    /// The application on `host`.
    pub fn app(&self, host: HostId) -> &A {
        &self.apps[host.index()]
    }

    /// The application on `host`, mutably.
    pub fn app_mut(&mut self, host: HostId) -> &mut A {
        &mut self.apps[host.index()]
    }

    /// Every application, in host order.
    pub fn apps(&self) -> impl Iterator<Item = (HostId, &A)> {
        self.apps
            .iter()
            .enumerate()
            .map(|(i, a)| (HostId(i as u32), a))
    }

    /// Runs `f` on `host`'s application with a context, as if an event had
    /// arrived there now (e.g. an experiment telling a client to start).
    pub fn with_app<R>(&mut self, host: HostId, f: impl FnOnce(&mut A, &mut Ctx<'_>) -> R) -> R {
        let mut ctx = Ctx {
            core: &mut self.core,
            host,
        };
        let result = f(&mut self.apps[host.index()], &mut ctx);
        self.core.flush_kicks();
        result
    }

    /// A host's byte and datagram counters.
    pub fn counters(&self, host: HostId) -> &HostCounters {
        &self.core.hosts[host.index()].counters
    }

    /// The event log, if `SimConfig::trace` was set.
    pub fn trace(&self) -> Option<&[TraceRecord]> {
        self.core.trace.as_deref()
    }

    /// Counts of the simulator's own work.
    pub fn stats(&self) -> SimStats {
        self.core.stats
    }

    /// True once an application called [`Ctx::stop`].
    pub fn stop_requested(&self) -> bool {
        self.core.stop_requested
    }

    /// When the next event is due, if any.
    pub fn next_event_time(&self) -> Option<Instant> {
        self.core.queue.peek_time()
    }

    /// Jumps to the next event and handles it; returns its time, or `None`
    /// if nothing is pending.
    pub fn step(&mut self) -> Option<Instant> {
        let (at, event) = self.core.queue.pop()?;
        self.core.now = at;
        self.core.stats.events += 1;
        self.dispatch(event);
        self.core.flush_kicks();
        Some(at)
    }

    /// Handles every event due up to `deadline`, then sets the clock to
    /// `deadline`. Returns early (clock at the last event) if an
    /// application asked to stop; returns whether that happened.
    pub fn run_until(&mut self, deadline: Instant) -> bool {
        while !self.core.stop_requested {
            match self.core.queue.peek_time() {
                Some(t) if t <= deadline => {
                    self.step();
                }
                _ => {
                    self.core.now = self.core.now.max(deadline);
                    return false;
                }
            }
        }
        true
    }

    /// Handles events until none is left or an application asks to stop.
    pub fn run(&mut self) {
        while !self.core.stop_requested && self.step().is_some() {}
    }

    fn ctx(&mut self, host: HostId) -> (&mut A, Ctx<'_>) {
        let ctx = Ctx {
            core: &mut self.core,
            host,
        };
        (&mut self.apps[host.index()], ctx)
    }

    fn dispatch(&mut self, event: Event) {
        match event {
            Event::Start(host) => {
                self.core.record(TraceEvent::Started(host));
                let (app, mut ctx) = self.ctx(host);
                app.on_start(&mut ctx);
            }
            Event::Timer { host, id, token } => {
                if self.core.live_timers.remove(&id) {
                    self.core.record(TraceEvent::Timer { host, token });
                    let (app, mut ctx) = self.ctx(host);
                    app.on_timer(&mut ctx, token);
                }
            }
            Event::Datagram { from, to, payload } => {
                let counters = self.core.counters(to.host);
                counters.datagrams_received += 1;
                counters.datagram_bytes_received += payload.len() as u64;
                self.core.record(TraceEvent::DatagramDelivered {
                    from,
                    to,
                    len: payload.len(),
                });
                let (app, mut ctx) = self.ctx(to.host);
                app.on_datagram(&mut ctx, to.port, from, &payload);
            }
            // The acceptor writes into flow 1, the initiator into flow 0.
            Event::SynArrived(stream) => self.open(stream, 1),
            Event::Established(stream) => self.open(stream, 0),
            Event::UnitSent(flow) => {
                if let Some(host) = self.core.unit_sent(flow) {
                    self.writable(host, flow);
                }
            }
            Event::Writable(flow) => {
                if let Some(host) = self.core.writer_of(flow) {
                    self.writable(host, flow);
                }
            }
            Event::Data { flow, bytes, tail } => {
                let len = bytes.len() + tail.as_ref().map_or(0, |t| t.len());
                if let Some(host) = self.core.data_arrived(flow, len) {
                    let mut buf = std::mem::take(&mut self.delivery);
                    let (app, mut ctx) = self.ctx(host);
                    for part in std::iter::once(&bytes).chain(tail.as_deref()) {
                        let data = part.as_literal().unwrap_or_else(|| {
                            part.expand_into(&mut buf);
                            &buf
                        });
                        app.on_stream_data(&mut ctx, flow.stream, data);
                    }
                    self.delivery = buf;
                }
            }
            Event::Fin(flow) => self.fin(flow),
            Event::Recompute => self.core.recompute_rates(),
            Event::Capacity {
                host,
                up_bps,
                down_bps,
            } => self.core.set_host_capacity(host, up_bps, down_bps),
        }
    }

    fn open(&mut self, stream: StreamId, dir: u8) {
        if let Some((host, info)) = self.core.open_end(stream, dir) {
            let (app, mut ctx) = self.ctx(host);
            app.on_stream_open(&mut ctx, stream, info);
        }
    }

    fn writable(&mut self, host: HostId, flow: FlowKey) {
        let (app, mut ctx) = self.ctx(host);
        app.on_stream_writable(&mut ctx, flow.stream);
    }

    fn fin(&mut self, flow: FlowKey) {
        if let Some(host) = self.core.fin_arrived(flow) {
            let (app, mut ctx) = self.ctx(host);
            app.on_stream_closed(&mut ctx, flow.stream);
            self.core.forget_if_closed(flow.stream);
        }
    }
}
