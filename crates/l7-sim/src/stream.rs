//! Reliable ordered byte streams (TCP-like), modelled at flow level.
//!
//! `connect` sends a SYN: the acceptor's end opens one path latency later
//! and the initiator's end one round trip later (the SYN-ACK), so every new
//! connection costs one RTT before the initiator's first byte. Each
//! direction is a *flow*. A flow with more than one small segment waiting is
//! *active*: its rate is its max-min fair share (see [`crate::fairness`]) of
//! the sender's upload, the receiver's download and the path's bottleneck.
//! The shares are recomputed only when the set of active flows or a
//! capacity changes, at most once per event time (or per `rate_quantum`);
//! meanwhile a flow that becomes active starts at once with the capacity
//! left unused on its resources, so capacities are never exceeded. The
//! buffer drains as a fluid at the flow's rate, cut into units of at most
//! `stream_piece_bytes` that never span two writes (small writes queued
//! together travel together); each unit arrives one path latency after its
//! last byte is sent. A small unit (at most `small_write_bytes`: HAVEs,
//! requests) waiting when a unit leaves rides with it, in the same
//! delivery, and its bits are charged to the next unit (or, if none, to
//! the small-write line below): it arrives early by at most its own
//! serialisation time, and costs no event of its own. A few bytes written to an idle flow (requests,
//! acknowledgements) are sent at the path's full rate without disturbing
//! anyone's share. Writes made in one callback leave together. `close`
//! half-closes: the peer learns of it after the last byte.

use crate::clock::fluid_time;
use crate::core::{Core, Event};
use crate::events::EventQueue;
use crate::fairness::ResourceSet;
use crate::ids::{Endpoint, HostId, StreamId};
use crate::payload::Payload;
use crate::send_buffer::SendBuffer;
use crate::sharing::Sharing;
use crate::trace::TraceEvent;
use l7_wire::Instant;
use std::time::Duration;

/// Why a stream operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StreamError {
    /// No such stream at this host (never opened here, or fully closed).
    #[error("no such stream at this host")]
    Unknown,
    /// This host already closed its side of the stream.
    #[error("stream already closed for writing")]
    Closed,
    /// No host has the address connected to.
    #[error("no host with that address in the simulation")]
    UnknownHost,
    /// A host connecting to itself (not modelled: both ends would share
    /// one stream id).
    #[error("a host cannot connect to itself in the simulation")]
    ToSelf,
}

/// What an application learns when a stream opens at its host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamInfo {
    /// The other end.
    pub peer: Endpoint,
    /// This end's port (the listening port at the acceptor, an ephemeral
    /// port at the initiator).
    pub local_port: u16,
    /// True at the end that called `connect`.
    pub initiated_here: bool,
}

/// One direction of a stream: 0 from initiator to acceptor, 1 back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FlowKey {
    pub stream: StreamId,
    pub dir: u8,
}

/// A stream: its two ends and its two flows.
#[derive(Debug)]
pub(crate) struct Stream {
    pub initiator: Endpoint,
    pub acceptor: Endpoint,
    /// Each end's application tag (initiator's, acceptor's): beside the
    /// endpoints, so reading it on a delivery costs no cache miss.
    pub tags: [Option<u64>; 2],
    pub flows: [Flow; 2],
}

/// One direction of a stream.
#[derive(Debug)]
pub(crate) struct Flow {
    pub src: HostId,
    latency: Duration,
    resources: ResourceSet,
    buffer: SendBuffer,
    /// The unit being sent, while active.
    unit: Payload,
    unit_bits_left: f64,
    rate: f64,
    /// When `unit_bits_left` was last brought up to date.
    anchor: Instant,
    /// Slot in the active set, when active.
    active_slot: Option<u32>,
    small_free_at: Instant,
    last_arrival: Instant,
    writable: bool,
    /// Tell the writer once at most this many bytes wait (one-shot).
    notify_below: Option<usize>,
    fin_queued: bool,
    fin_sent: bool,
    fin_delivered: bool,
}

impl Flow {
    fn new(src: HostId, latency: Duration, resources: ResourceSet) -> Self {
        Flow {
            src,
            latency,
            resources,
            buffer: SendBuffer::default(),
            unit: Payload::default(),
            unit_bits_left: 0.0,
            rate: 0.0,
            anchor: Instant::ZERO,
            active_slot: None,
            small_free_at: Instant::ZERO,
            last_arrival: Instant::ZERO,
            writable: false,
            notify_below: None,
            fin_queued: false,
            fin_sent: false,
            fin_delivered: false,
        }
    }

    /// The arrival time of something whose last bit leaves at `sent`:
    /// one latency later, and never before what was sent earlier.
    fn arrival_after(&mut self, sent: Instant) -> Instant {
        self.last_arrival = self.last_arrival.max(sent + self.latency);
        self.last_arrival
    }

    /// Starts sending `unit` at `now` at the current rate, with the bits of
    /// `carried` bytes that already left ahead of it; returns when it will
    /// be on the wire.
    fn begin_unit(&mut self, unit: Payload, carried: usize, now: Instant) -> Option<Instant> {
        self.unit_bits_left = (unit.len() + carried) as f64 * 8.0;
        self.unit = unit;
        self.anchor = now;
        self.sent_at(now)
    }

    /// Moves to `rate`; returns when the current unit will be on the wire.
    fn retune(&mut self, rate: f64, now: Instant) -> Option<Instant> {
        let elapsed = (now - self.anchor).as_secs_f64();
        self.unit_bits_left = (self.unit_bits_left - self.rate * elapsed).max(0.0);
        self.anchor = now;
        self.rate = rate;
        self.sent_at(now)
    }

    /// Bytes written and not yet on the wire: the buffer and the unit
    /// being sent.
    fn queued(&self) -> usize {
        self.buffer.len() + self.unit.len()
    }

    /// Puts `bytes` on the idle flow's small-write line at `rate`.
    fn send_small(&mut self, bytes: usize, rate: f64, now: Instant) {
        let start = now.max(self.small_free_at);
        self.small_free_at = start + fluid_time(bytes as f64 * 8.0, rate);
    }

    fn sent_at(&self, now: Instant) -> Option<Instant> {
        (self.rate > 0.0).then(|| now + fluid_time(self.unit_bits_left, self.rate))
    }
}

/// The rate of a flow alone on `resources`: the smallest capacity.
fn full_rate(sharing: &Sharing, resources: &ResourceSet) -> f64 {
    resources
        .as_slice()
        .iter()
        .map(|&r| sharing.capacity(r))
        .fold(f64::INFINITY, f64::min)
}

/// Schedules the `UnitSent` of the active flow `key` (in active `slot`)
/// at `done`, replacing the pending one; `None` (no rate) cancels it.
fn schedule_unit(queue: &mut EventQueue<Event>, key: FlowKey, slot: u32, done: Option<Instant>) {
    match done {
        Some(at) => queue.set_keyed(slot, at, Event::UnitSent(key)),
        None => queue.cancel_keyed(slot),
    }
}

/// Below this many bits/s, capacity left over is treated as none (it is
/// rounding residue, and would schedule a completion far in the future).
const MIN_SPARE_BPS: f64 = 1.0;

impl Core {
    fn flow_mut(&mut self, key: FlowKey) -> Option<&mut Flow> {
        let stream = self.streams.get_mut(key.stream.index())?.as_mut()?;
        Some(&mut stream.flows[usize::from(key.dir)])
    }

    /// The flow `host` writes into on `stream`.
    fn own_flow(&self, host: HostId, stream: StreamId) -> Result<FlowKey, StreamError> {
        let s = self
            .streams
            .get(stream.index())
            .and_then(Option::as_ref)
            .ok_or(StreamError::Unknown)?;
        let dir = if s.initiator.host == host {
            0
        } else if s.acceptor.host == host {
            1
        } else {
            return Err(StreamError::Unknown);
        };
        Ok(FlowKey { stream, dir })
    }

    /// The resources a flow from `src` to `dst` shares.
    fn flow_resources(&mut self, src: HostId, dst: HostId) -> ResourceSet {
        let up = self.hosts[src.index()].up_resource;
        let down = self.hosts[dst.index()].up_resource + 1;
        if self.link_params(src, dst).bandwidth_bps.is_none() {
            return ResourceSet::new(&[up, down]);
        }
        let link = self.link_state(src, dst, None);
        let resource = match link.resource {
            Some(r) => r,
            None => {
                let bandwidth = link.params.bandwidth_bps.unwrap_or(u64::MAX) as f64;
                let r = self.sharing.add_resource(bandwidth);
                self.link_state(src, dst, None).resource = Some(r);
                r
            }
        };
        ResourceSet::new(&[up, down, resource])
    }

    /// Starts connecting from `host` to `to`; see the module doc for timing.
    pub(crate) fn connect(&mut self, host: HostId, to: Endpoint) -> Result<StreamId, StreamError> {
        if to.host.index() >= self.hosts.len() {
            return Err(StreamError::UnknownHost);
        }
        if to.host == host {
            return Err(StreamError::ToSelf);
        }
        let h = &mut self.hosts[host.index()];
        let port = h.next_ephemeral_port;
        h.next_ephemeral_port = port
            .checked_add(1)
            .unwrap_or(crate::core::FIRST_EPHEMERAL_PORT);
        let from = Endpoint::new(host, port);
        let id = StreamId(u32::try_from(self.streams.len()).unwrap_or(u32::MAX));
        let there = self.link_params(host, to.host).latency;
        let back = self.link_params(to.host, host).latency;
        let flows = [
            Flow::new(host, there, self.flow_resources(host, to.host)),
            Flow::new(to.host, back, self.flow_resources(to.host, host)),
        ];
        self.streams.push(Some(Stream {
            initiator: from,
            acceptor: to,
            tags: [None; 2],
            flows,
        }));
        self.stats.streams += 1;
        self.record(TraceEvent::Connect {
            stream: id,
            from,
            to,
        });
        self.queue.push(self.now + there, Event::SynArrived(id));
        self.queue
            .push(self.now + there + back, Event::Established(id));
        Ok(id)
    }

    /// Queues `bytes` on `host`'s side of `stream`.
    pub(crate) fn write(
        &mut self,
        host: HostId,
        stream: StreamId,
        bytes: Payload,
    ) -> Result<(), StreamError> {
        let key = self.own_flow(host, stream)?;
        let flow = self.flow_mut(key).ok_or(StreamError::Unknown)?;
        if flow.fin_queued {
            return Err(StreamError::Closed);
        }
        flow.buffer.push(bytes);
        self.deferred_kicks.push(key);
        Ok(())
    }

    /// Closes `host`'s side of `stream` once everything written is sent.
    pub(crate) fn close(&mut self, host: HostId, stream: StreamId) -> Result<(), StreamError> {
        let key = self.own_flow(host, stream)?;
        let flow = self.flow_mut(key).ok_or(StreamError::Unknown)?;
        if flow.fin_queued {
            return Err(StreamError::Closed);
        }
        flow.fin_queued = true;
        self.deferred_kicks.push(key);
        Ok(())
    }

    /// Starts the flows written to during the callback that just ended.
    pub(crate) fn flush_kicks(&mut self) {
        let mut kicks = std::mem::take(&mut self.deferred_kicks);
        for key in kicks.drain(..) {
            self.kick(key);
        }
        self.deferred_kicks = kicks;
    }

    /// Makes an idle flow send what waits: a few bytes at once, more by
    /// joining the active set, then the FIN once the buffer is empty.
    fn kick(&mut self, key: FlowKey) {
        let small = self.config.small_write_bytes;
        let piece = self.config.stream_piece_bytes.max(small).max(1);
        let now = self.now;
        let Some(stream) = self
            .streams
            .get_mut(key.stream.index())
            .and_then(Option::as_mut)
        else {
            return;
        };
        let flow = &mut stream.flows[usize::from(key.dir)];
        if !flow.writable || flow.active_slot.is_some() {
            return;
        }
        let waiting = flow.buffer.len();
        if waiting > small {
            // Join the active set with whatever its resources have spare
            // until the next recomputation gives it a fair share.
            let spare = self.sharing.spare(&flow.resources);
            let spare = if spare >= MIN_SPARE_BPS { spare } else { 0.0 };
            flow.rate = 0.0;
            let slot = self.sharing.insert(key, flow.resources, spare);
            flow.active_slot = Some(slot);
            let first = flow.buffer.take_unit(piece, small).unwrap_or_default();
            flow.begin_unit(first, 0, now);
            schedule_unit(&mut self.queue, key, slot, flow.retune(spare, now));
            let active = self.sharing.active();
            self.stats.peak_active_flows = self.stats.peak_active_flows.max(active);
            self.schedule_recompute(false);
            return;
        }
        if let Some(unit) = flow.buffer.take_unit(piece, small) {
            flow.send_small(unit.len(), full_rate(&self.sharing, &flow.resources), now);
            let at = flow.arrival_after(flow.small_free_at);
            self.hosts[flow.src.index()].counters.stream_bytes_sent += unit.len() as u64;
            self.queue.push(
                at,
                Event::Data {
                    flow: key,
                    bytes: unit,
                    tail: None,
                },
            );
        }
        if flow.fin_queued && !flow.fin_sent {
            flow.fin_sent = true;
            let at = flow.arrival_after(now);
            self.queue.push(at, Event::Fin(key));
        }
    }

    /// The SYN or SYN-ACK arrived: `dir`'s sender may now send. Returns the
    /// host where the stream opens and what it learns.
    pub(crate) fn open_end(&mut self, stream: StreamId, dir: u8) -> Option<(HostId, StreamInfo)> {
        let s = self.streams.get_mut(stream.index())?.as_mut()?;
        s.flows[usize::from(dir)].writable = true;
        let (here, peer) = if dir == 0 {
            (s.initiator, s.acceptor)
        } else {
            (s.acceptor, s.initiator)
        };
        let info = StreamInfo {
            peer,
            local_port: here.port,
            initiated_here: dir == 0,
        };
        self.record(TraceEvent::Opened {
            stream,
            host: here.host,
        });
        self.kick(FlowKey { stream, dir });
        Some((here.host, info))
    }

    /// Sets `host`'s tag on its end of `stream` (`None` clears it).
    pub(crate) fn set_stream_tag(
        &mut self,
        host: HostId,
        stream: StreamId,
        tag: Option<u64>,
    ) -> Result<(), StreamError> {
        let key = self.own_flow(host, stream)?;
        let s = self.streams[key.stream.index()]
            .as_mut()
            .ok_or(StreamError::Unknown)?;
        s.tags[usize::from(key.dir)] = tag;
        Ok(())
    }

    /// `host`'s tag on its end of `stream`, if set.
    pub(crate) fn stream_tag(&self, host: HostId, stream: StreamId) -> Option<u64> {
        let key = self.own_flow(host, stream).ok()?;
        self.streams[key.stream.index()].as_ref()?.tags[usize::from(key.dir)]
    }

    /// Bytes `host` wrote on `stream` that are not on the wire yet.
    pub(crate) fn queued(&self, host: HostId, stream: StreamId) -> Result<usize, StreamError> {
        let key = self.own_flow(host, stream)?;
        let s = self.streams[key.stream.index()]
            .as_ref()
            .ok_or(StreamError::Unknown)?;
        Ok(s.flows[usize::from(key.dir)].queued())
    }

    /// Arms a one-shot notification: `on_stream_writable` once at most
    /// `at_most` bytes wait on `host`'s side of `stream` (after this
    /// callback if that holds already).
    pub(crate) fn notify_writable(
        &mut self,
        host: HostId,
        stream: StreamId,
        at_most: usize,
    ) -> Result<(), StreamError> {
        let key = self.own_flow(host, stream)?;
        let flow = self.flow_mut(key).ok_or(StreamError::Unknown)?;
        if flow.queued() <= at_most {
            flow.notify_below = None;
            self.queue.push(self.now, Event::Writable(key));
        } else {
            flow.notify_below = Some(at_most);
        }
        Ok(())
    }

    /// The host to tell that `key` is writable, if it still has a stream.
    pub(crate) fn writer_of(&self, key: FlowKey) -> Option<HostId> {
        let s = self.streams.get(key.stream.index())?.as_ref()?;
        Some(s.flows[usize::from(key.dir)].src)
    }

    /// An active flow finished putting its unit on the wire. Returns the
    /// writer when its notification threshold was reached.
    pub(crate) fn unit_sent(&mut self, key: FlowKey) -> Option<HostId> {
        let small = self.config.small_write_bytes;
        let piece = self.config.stream_piece_bytes.max(small).max(1);
        let now = self.now;
        let stream = self
            .streams
            .get_mut(key.stream.index())
            .and_then(Option::as_mut)?;
        let flow = &mut stream.flows[usize::from(key.dir)];
        let slot = flow.active_slot?;
        let unit = std::mem::take(&mut flow.unit);
        // A small unit waiting behind rides in the same delivery; its bits
        // are charged to the next unit (or to the small-write line).
        let tail = flow.buffer.take_small(piece, small).map(Box::new);
        let carried = tail.as_ref().map_or(0, |t| t.len());
        self.hosts[flow.src.index()].counters.stream_bytes_sent += (unit.len() + carried) as u64;
        let at = flow.arrival_after(now);
        self.queue.push(
            at,
            Event::Data {
                flow: key,
                bytes: unit,
                tail,
            },
        );
        let notify = flow
            .notify_below
            .filter(|&at_most| flow.buffer.len() <= at_most)
            .map(|_| flow.src);
        if notify.is_some() {
            flow.notify_below = None;
        }
        if let Some(next) = flow.buffer.take_unit(piece, small) {
            let done = flow.begin_unit(next, carried, now);
            schedule_unit(&mut self.queue, key, slot, done);
            return notify;
        }
        // Drained: leave the active set and free the share for the others.
        if carried > 0 {
            flow.send_small(carried, full_rate(&self.sharing, &flow.resources), now);
        }
        flow.retune(0.0, now);
        flow.active_slot = None;
        self.queue.cancel_keyed(slot);
        self.sharing.remove(slot);
        if flow.fin_queued && !flow.fin_sent {
            flow.fin_sent = true;
            self.queue.push(at, Event::Fin(key));
        }
        self.schedule_recompute(false);
        notify
    }

    /// Shares bandwidth again where something changed and reschedules the
    /// flows whose rate changed.
    pub(crate) fn recompute_rates(&mut self) {
        if self.recompute_at != Some(self.now) {
            return;
        }
        self.recompute_at = None;
        self.last_recompute = Some(self.now);
        self.stats.rate_recomputations += 1;
        let now = self.now;
        let mut updates = std::mem::take(&mut self.rate_updates);
        self.sharing.recompute(&mut updates);
        for &(key, rate) in &updates {
            let Some(flow) = self
                .streams
                .get_mut(key.stream.index())
                .and_then(Option::as_mut)
                .map(|s| &mut s.flows[usize::from(key.dir)])
            else {
                continue;
            };
            let Some(slot) = flow.active_slot else {
                continue;
            };
            schedule_unit(&mut self.queue, key, slot, flow.retune(rate, now));
        }
        self.rate_updates = updates;
    }

    /// Stream bytes arrived; returns the receiving host.
    pub(crate) fn data_arrived(&mut self, key: FlowKey, len: usize) -> Option<HostId> {
        let s = self.streams.get(key.stream.index())?.as_ref()?;
        let host = if key.dir == 0 {
            s.acceptor.host
        } else {
            s.initiator.host
        };
        self.hosts[host.index()].counters.stream_bytes_received += len as u64;
        self.record(TraceEvent::Data {
            stream: key.stream,
            host,
            len,
        });
        Some(host)
    }

    /// The FIN arrived; returns the receiving host.
    pub(crate) fn fin_arrived(&mut self, key: FlowKey) -> Option<HostId> {
        let s = self.streams.get_mut(key.stream.index())?.as_mut()?;
        let host = if key.dir == 0 {
            s.acceptor.host
        } else {
            s.initiator.host
        };
        s.flows[usize::from(key.dir)].fin_delivered = true;
        self.record(TraceEvent::Closed {
            stream: key.stream,
            host,
        });
        Some(host)
    }

    /// Forgets `stream` if it is closed both ways (after the application
    /// heard of the last FIN, so that it could still read its tag).
    pub(crate) fn forget_if_closed(&mut self, stream: StreamId) {
        if let Some(slot) = self.streams.get_mut(stream.index())
            && slot
                .as_ref()
                .is_some_and(|s| s.flows.iter().all(|f| f.fin_delivered))
        {
            *slot = None;
        }
    }
}
