//! `l7-sim`: a deterministic discrete-event network simulator that runs
//! l7's own sans-IO engines in virtual time.
//!
//! # Using it
//! Build a [`Sim`] from a [`SimConfig`] (the seed lives there), add hosts
//! with [`HostParams`] (upload and download capacity) and an [`App`] each
//! (`Sim<Box<dyn App>>` or an enum of roles mixes kinds), set paths with
//! [`LinkParams`] where the default will not do, then [`Sim::run_until`] a
//! virtual time, [`Sim::run`] until nothing is pending, or [`Sim::step`]
//! one event at a time. [`Sim::schedule_host_capacity`] replays a
//! bandwidth trace; [`Sim::with_app`] pokes an application from outside;
//! [`Sim::counters`], [`Sim::trace`] and [`Series`] collect results.
//! Applications act through a [`Ctx`]: `now()`, `send_datagram`, `connect`,
//! `write`, `close`, `set_timer`, `rng()`, and `queued` /
//! `notify_writable` to keep a bounded amount of bulk data queued on a
//! stream, as a TCP send buffer would. An adapter for an engine turns
//! those callbacks into the engine's `handle_input(now, ..)` /
//! `handle_timeout(now)` and drains its transmits and next timeout back
//! into the `Ctx`.
//!
//! ```
//! use l7_sim::{App, Ctx, Endpoint, HostId, HostParams, Sim, SimConfig, StreamId};
//! use l7_wire::Instant;
//!
//! /// Host 0 sends "hello" to host 1; every host counts the bytes it gets.
//! #[derive(Default)]
//! struct Hello {
//!     got: usize,
//! }
//!
//! impl App for Hello {
//!     fn on_start(&mut self, ctx: &mut Ctx<'_>) {
//!         if ctx.host().index() == 0 {
//!             let server = HostId::from_ip("10.0.0.2".parse().unwrap()).unwrap();
//!             let stream = ctx.connect(Endpoint::new(server, 80)).unwrap();
//!             ctx.write(stream, b"hello".to_vec()).unwrap();
//!             ctx.close(stream).unwrap();
//!         }
//!     }
//!     fn on_stream_data(&mut self, _: &mut Ctx<'_>, _: StreamId, data: &[u8]) {
//!         self.got += data.len();
//!     }
//! }
//!
//! let mut sim = Sim::new(SimConfig { seed: 1, ..SimConfig::default() });
//! sim.add_host(HostParams::default(), Hello::default());
//! let server = sim.add_host(HostParams::default(), Hello::default());
//! // Default paths: 10 ms each way. Connected at 20 ms, data in at 30 ms.
//! sim.run_until(Instant::from_millis(29));
//! assert_eq!(sim.app(server).got, 0);
//! sim.run_until(Instant::from_millis(31));
//! assert_eq!(sim.app(server).got, 5);
//! ```
//!
//! # Model
//! * **Time** is an [`l7_wire::Instant`] that only moves when the loop jumps
//!   to the next event. Events are ordered by (time, scheduling order), so
//!   ties resolve the same way every run.
//! * **Randomness** comes from ChaCha8 streams derived from the seed per
//!   purpose and host ([`rng`]); nothing else is random, and no wall clock
//!   is read, so one seed gives byte-identical results.
//! * **Hosts** have an access link: upload and download capacity in bits/s.
//!   The network core between access links is not congested, except on
//!   paths given a bottleneck bandwidth.
//! * **Paths** (one per ordered host pair, else the default) have a one-way
//!   latency, a jitter, a loss probability, and optionally a bottleneck
//!   bandwidth with a drop-tail queue.
//! * **Datagrams** ([`datagram`]) are serialised through the sender's uplink
//!   queue and the path's bottleneck queue (each drop-tail), lost with the
//!   path's probability, and delivered after latency + jitter. They may be
//!   reordered by jitter.
//! * **Streams** ([`stream`]) are modelled per flow, not per packet:
//!   `connect` costs one RTT (SYN, SYN-ACK) before the initiator can send,
//!   so a non-persistent HTTP fetch costs 2 RTT plus transfer time, as in
//!   the textbook; active flows share capacity max-min fairly ([`fairness`],
//!   progressive filling over upload, download and bottleneck resources),
//!   recomputed only when the set of active flows or a capacity changes,
//!   and then only over the region of the network the change can affect
//!   (exactly; see `sharing.rs`); bytes arrive in order, one latency after
//!   the fluid model puts them on the wire, in units of at most
//!   `stream_piece_bytes` that never span two writes; a small unit
//!   waiting behind one rides with it, delivered together (early by at
//!   most its own serialisation time, which the next unit pays instead).
//!
//! # Cost
//! Events: about three per 16 KiB block exchanged BitTorrent-style (block
//! sent, block delivered, request delivered), plus one per rate change;
//! the messages written while a block is on the wire (HAVEs, requests
//! the other way) ride with it rather than costing two events more.
//! A recomputation costs O(F′·log R′) over the F′ flows and R′ resources of
//! the affected region: a handful of hosts when downloads have slack (even
//! with every upload full), the whole network (at most once per event
//! time) when a change moves rates everywhere. `tests/scale.rs` measures
//! 1,000 hosts.
//!
//! # Limits of the stream model (by design, for speed)
//! * No slow start, congestion window or RTT-dependent throughput: a flow
//!   gets its fair share at once, so short transfers finish faster than
//!   real TCP would and long ones match the capacity bound.
//! * No loss, jitter or retransmission on streams; path loss and jitter
//!   apply to datagrams only.
//! * Streams and datagrams do not share capacity with each other: datagram
//!   traffic (DNS, tracker UDP, pings) is assumed small beside bulk streams.
//!   Datagrams are not serialised at the receiver's downlink.
//! * A few bytes written to an idle flow (at most `small_write_bytes`, a
//!   request or an acknowledgement) go at the path's full rate without
//!   taking a share from anyone.
//! * A flow that becomes active starts at once with the capacity left
//!   unused on its path (possibly none) and gets its fair share at the next
//!   recomputation: at the same instant by default, up to `rate_quantum`
//!   later if one is set (freed capacity may then idle that long).
//! * Application data is real bytes (engines parse what they receive), so a
//!   swarm moves its whole volume through memory once. Between a write and
//!   its delivery the simulator keeps a long run of one byte as a count
//!   (synthetic file content is such runs), so what is in flight stays
//!   small and the receiver reads the bytes from a buffer still in cache;
//!   a sender of synthetic content can write such a run without making it
//!   ([`Ctx::write_with_fill`]), so only receivers touch those bytes.
#![forbid(unsafe_code)]

mod app;
pub mod clock;
mod core;
pub mod datagram;
pub mod events;
pub mod fairness;
mod ids;
mod keyed_heap;
mod params;
mod payload;
mod queue;
pub mod rng;
mod send_buffer;
mod sharing;
mod sim;
pub mod stream;
pub mod trace;

pub use app::{App, Ctx};
pub use ids::{Endpoint, HostId, StreamId, TimerId};
pub use params::{HostParams, LinkParams, SimConfig};
pub use sim::Sim;
pub use stream::{StreamError, StreamInfo};
pub use trace::{DropReason, HostCounters, Series, SimStats, TraceEvent, TraceRecord};
