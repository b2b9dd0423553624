//! The simulator's state apart from the applications: the clock, the event
//! queue, hosts, paths, streams, timers and records. Transports add their
//! operations to [`Core`] in their own files; `Sim` owns a `Core` beside the
//! applications so that an application can be handed a [`crate::Ctx`] over
//! the core while it runs.

use crate::events::EventQueue;
use crate::ids::{Endpoint, HostId, StreamId, TimerId};
use crate::params::{HostParams, LinkParams, SimConfig};
use crate::payload::Payload;
use crate::queue::Fifo;
use crate::rng::{Purpose, substream};
use crate::sharing::Sharing;
use crate::stream::{FlowKey, Stream};
use crate::trace::{HostCounters, SimStats, TraceEvent, TraceRecord};
use l7_wire::Instant;
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, HashSet};

/// Something due at a virtual time.
#[derive(Debug)]
pub(crate) enum Event {
    /// Call the host application's `on_start`.
    Start(HostId),
    /// A timer set by `host`.
    Timer {
        host: HostId,
        id: TimerId,
        token: u64,
    },
    /// A datagram reaches `to`.
    Datagram {
        from: Endpoint,
        to: Endpoint,
        payload: Vec<u8>,
    },
    /// The SYN reaches the acceptor: the stream opens there.
    SynArrived(StreamId),
    /// The SYN-ACK reaches the initiator: the stream opens there.
    Established(StreamId),
    /// An active flow has put its current unit on the wire (a keyed
    /// event, by the flow's active slot: a rate change moves it).
    UnitSent(FlowKey),
    /// The flow's writer asked to hear when its queue is short enough,
    /// and it is.
    Writable(FlowKey),
    /// Stream bytes reach the flow's receiver: a unit, then the small
    /// unit that rode behind it, if any.
    Data {
        flow: FlowKey,
        bytes: Payload,
        /// Boxed: one pointer, as every queued event is as big as the largest.
        tail: Option<Box<Payload>>,
    },
    /// The flow's sender closed, and everything it wrote has arrived.
    Fin(FlowKey),
    /// Recompute the fair shares of the active flows (stale unless due
    /// at `Core::recompute_at`).
    Recompute,
    /// Change a host's access capacities (a scheduled bandwidth trace step).
    Capacity {
        host: HostId,
        up_bps: u64,
        down_bps: u64,
    },
}

/// A host's network-side state.
#[derive(Debug)]
pub(crate) struct HostState {
    pub params: HostParams,
    /// Outgoing datagram queue at the upload rate.
    pub uplink: Fifo,
    /// Index of the upload capacity in the resource table; download is +1.
    pub up_resource: u32,
    pub app_rng: ChaCha8Rng,
    pub net_rng: ChaCha8Rng,
    pub next_ephemeral_port: u16,
    pub counters: HostCounters,
}

/// A path direction with explicit parameters or a bottleneck to keep state for.
#[derive(Debug)]
pub(crate) struct LinkState {
    pub params: LinkParams,
    pub queue: Fifo,
    /// Index of the bottleneck in the resource table, once a stream used it.
    pub resource: Option<u32>,
}

/// First ephemeral port handed to connecting hosts (RFC 6335 §6 range).
pub(crate) const FIRST_EPHEMERAL_PORT: u16 = 49152;

/// All simulation state except the applications.
#[derive(Debug)]
pub(crate) struct Core {
    pub config: SimConfig,
    pub now: Instant,
    pub queue: EventQueue<Event>,
    pub hosts: Vec<HostState>,
    pub links: HashMap<(HostId, HostId), LinkState>,
    pub streams: Vec<Option<Stream>>,
    /// Capacities, loads and active flows.
    pub sharing: Sharing,
    /// Scratch for the rate changes of one recomputation.
    pub rate_updates: Vec<(FlowKey, f64)>,
    /// When the pending recomputation of fair shares is due.
    pub recompute_at: Option<Instant>,
    pub last_recompute: Option<Instant>,
    /// Flows written to during the current callback, to start afterwards
    /// (so writes made together leave together).
    pub deferred_kicks: Vec<FlowKey>,
    pub live_timers: HashSet<TimerId>,
    pub next_timer: u64,
    pub trace: Option<Vec<TraceRecord>>,
    pub stats: SimStats,
    pub stop_requested: bool,
}

impl Core {
    pub fn new(config: SimConfig) -> Self {
        let trace = config.trace.then(Vec::new);
        Core {
            config,
            now: Instant::ZERO,
            queue: EventQueue::default(),
            hosts: Vec::new(),
            links: HashMap::new(),
            streams: Vec::new(),
            sharing: Sharing::default(),
            rate_updates: Vec::new(),
            recompute_at: None,
            last_recompute: None,
            deferred_kicks: Vec::new(),
            live_timers: HashSet::new(),
            next_timer: 0,
            trace,
            stats: SimStats::default(),
            stop_requested: false,
        }
    }

    pub fn add_host(&mut self, params: HostParams) -> HostId {
        let id = HostId(u32::try_from(self.hosts.len()).unwrap_or(u32::MAX));
        let up_resource = self.sharing.add_resource(params.up_bps as f64);
        self.sharing.add_resource(params.down_bps as f64);
        let seed = self.config.seed;
        self.hosts.push(HostState {
            params,
            uplink: Fifo::new(Some(params.up_bps), params.queue_bytes),
            up_resource,
            app_rng: substream(seed, Purpose::App, u64::from(id.0)),
            net_rng: substream(seed, Purpose::Network, u64::from(id.0)),
            next_ephemeral_port: FIRST_EPHEMERAL_PORT,
            counters: HostCounters::default(),
        });
        self.queue.push(self.now, Event::Start(id));
        id
    }

    pub fn set_host_capacity(&mut self, host: HostId, up_bps: u64, down_bps: u64) {
        let h = &mut self.hosts[host.index()];
        h.params.up_bps = up_bps;
        h.params.down_bps = down_bps;
        h.uplink.set_rate(Some(up_bps));
        let up = h.up_resource;
        self.sharing.set_capacity(up, up_bps as f64);
        self.sharing.set_capacity(up + 1, down_bps as f64);
        self.schedule_recompute(true);
    }

    pub fn set_link(&mut self, from: HostId, to: HostId, params: LinkParams) {
        let link = self.link_state(from, to, Some(params));
        link.params = params;
        link.queue = Fifo::new(params.bandwidth_bps, params.queue_bytes);
        // A stream resource that lost its bottleneck becomes unlimited.
        if let Some(r) = link.resource {
            let capacity = params.bandwidth_bps.map_or(f64::INFINITY, |bw| bw as f64);
            self.sharing.set_capacity(r, capacity);
        }
        self.schedule_recompute(true);
    }

    /// The parameters of the path from `from` to `to`.
    pub fn link_params(&self, from: HostId, to: HostId) -> LinkParams {
        self.links
            .get(&(from, to))
            .map_or(self.config.default_link, |l| l.params)
    }

    /// State for a path that needs some (explicit parameters or a
    /// bottleneck), created from `params` or the default on first use.
    pub fn link_state(
        &mut self,
        from: HostId,
        to: HostId,
        params: Option<LinkParams>,
    ) -> &mut LinkState {
        let params = params.unwrap_or(self.config.default_link);
        self.links.entry((from, to)).or_insert_with(|| LinkState {
            params,
            queue: Fifo::new(params.bandwidth_bps, params.queue_bytes),
            resource: None,
        })
    }

    pub fn record(&mut self, event: TraceEvent) {
        if let Some(trace) = &mut self.trace {
            trace.push(TraceRecord {
                at: self.now,
                event,
            });
        }
    }

    pub fn counters(&mut self, host: HostId) -> &mut HostCounters {
        &mut self.hosts[host.index()].counters
    }

    pub fn set_timer(&mut self, host: HostId, at: Instant, token: u64) -> TimerId {
        let id = TimerId(self.next_timer);
        self.next_timer += 1;
        self.live_timers.insert(id);
        self.queue
            .push(at.max(self.now), Event::Timer { host, id, token });
        id
    }

    /// Marks the fair shares stale. The recomputation runs after every
    /// event already due now, and, unless `immediate` (capacity changes),
    /// no earlier than `rate_quantum` after the previous one.
    pub fn schedule_recompute(&mut self, immediate: bool) {
        let at = match self.last_recompute {
            Some(last) if !immediate => self.now.max(last + self.config.rate_quantum),
            _ => self.now,
        };
        if self.recompute_at.is_some_and(|pending| pending <= at) {
            return;
        }
        self.recompute_at = Some(at);
        self.queue.push(at, Event::Recompute);
    }
}
