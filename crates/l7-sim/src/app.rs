//! The interface between the simulator and what runs on a host. An adapter
//! wraps one of l7's sans-IO engines in an [`App`]: the simulator calls it
//! when something arrives or a timer fires, and the adapter feeds the engine
//! (`handle_input(now, ..)`, `handle_timeout(now)`), then drains what the
//! engine wants to send and when it wants to wake up through the [`Ctx`].

use crate::core::Core;
use crate::ids::{Endpoint, HostId, StreamId, TimerId};
use crate::payload::Payload;
use crate::stream::{StreamError, StreamInfo};
use l7_wire::Instant;
use rand_chacha::ChaCha8Rng;

/// What runs on a simulated host. Every method has an empty default.
pub trait App {
    /// The host was added; called at the time of `Sim::add_host`.
    fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        let _ = ctx;
    }

    /// A datagram from `from` arrived at `local_port`.
    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, local_port: u16, from: Endpoint, payload: &[u8]) {
        let _ = (ctx, local_port, from, payload);
    }

    /// A stream opened at this host: at the acceptor when the SYN arrives,
    /// at the initiator one round trip after `connect`.
    fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, info: StreamInfo) {
        let _ = (ctx, stream, info);
    }

    /// Bytes arrived on a stream, in order.
    fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        let _ = (ctx, stream, data);
    }

    /// This host's queue on `stream` fell to the bound given to
    /// [`Ctx::notify_writable`]: room to write more, as when a TCP send
    /// buffer drains.
    fn on_stream_writable(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        let _ = (ctx, stream);
    }

    /// The peer closed its side of the stream; everything it wrote arrived.
    fn on_stream_closed(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        let _ = (ctx, stream);
    }

    /// A timer set with [`Ctx::set_timer`] fired.
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, token: u64) {
        let _ = (ctx, token);
    }
}

impl<T: App + ?Sized> App for Box<T> {
    fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        (**self).on_start(ctx);
    }
    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, local_port: u16, from: Endpoint, payload: &[u8]) {
        (**self).on_datagram(ctx, local_port, from, payload);
    }
    fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, info: StreamInfo) {
        (**self).on_stream_open(ctx, stream, info);
    }
    fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        (**self).on_stream_data(ctx, stream, data);
    }
    fn on_stream_writable(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        (**self).on_stream_writable(ctx, stream);
    }
    fn on_stream_closed(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        (**self).on_stream_closed(ctx, stream);
    }
    fn on_timer(&mut self, ctx: &mut Ctx<'_>, token: u64) {
        (**self).on_timer(ctx, token);
    }
}

/// What an application may do while it runs: read the virtual clock, send,
/// connect, set timers, draw random numbers.
pub struct Ctx<'a> {
    pub(crate) core: &'a mut Core,
    pub(crate) host: HostId,
}

impl Ctx<'_> {
    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.core.now
    }

    /// The host this application runs on.
    pub fn host(&self) -> HostId {
        self.host
    }

    /// This host's own random stream (derived from the seed and the host).
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.core.hosts[self.host.index()].app_rng
    }

    /// Sends a datagram from `from_port` on this host to `to`.
    pub fn send_datagram(&mut self, from_port: u16, to: Endpoint, payload: impl Into<Vec<u8>>) {
        let from = Endpoint::new(self.host, from_port);
        self.core.send_datagram(from, to, payload.into());
    }

    /// Opens a stream to `to`. Writes may start at once; they leave when
    /// the handshake completes, one round trip from now. Fails if no host
    /// has `to`'s address, or if it is this host's.
    pub fn connect(&mut self, to: Endpoint) -> Result<StreamId, StreamError> {
        self.core.connect(self.host, to)
    }

    /// Queues bytes on this host's side of `stream`.
    pub fn write(
        &mut self,
        stream: StreamId,
        bytes: impl Into<Vec<u8>>,
    ) -> Result<(), StreamError> {
        self.core
            .write(self.host, stream, Payload::pack(bytes.into()))
    }

    /// Queues `bytes` followed by `count` copies of `byte`, as one write,
    /// without the copies ever being made on this side (synthetic content,
    /// such as an experiment's file blocks); the receiver gets them all.
    pub fn write_with_fill(
        &mut self,
        stream: StreamId,
        bytes: Vec<u8>,
        byte: u8,
        count: usize,
    ) -> Result<(), StreamError> {
        let payload = Payload::with_fill(bytes, byte, count);
        self.core.write(self.host, stream, payload)
    }

    /// Bytes written on this host's side of `stream` and not yet on the
    /// wire (a TCP send buffer's fill): writes are never refused, so an
    /// application that produces bulk data bounds what it queues with this.
    pub fn queued(&self, stream: StreamId) -> Result<usize, StreamError> {
        self.core.queued(self.host, stream)
    }

    /// Calls [`App::on_stream_writable`] once, when at most `at_most` bytes
    /// wait on this host's side of `stream` (right after this callback if
    /// that holds already). Arming again replaces the bound.
    pub fn notify_writable(&mut self, stream: StreamId, at_most: usize) -> Result<(), StreamError> {
        self.core.notify_writable(self.host, stream, at_most)
    }

    /// Attaches `tag` to this host's end of `stream` (`None` removes it):
    /// the application's own handle for the connection, which
    /// [`Ctx::stream_tag`] gives back on every event of the stream without
    /// a table of the application's own to search. Kept until the stream
    /// is closed both ways (still there in the `on_stream_closed` that
    /// ends it).
    pub fn set_stream_tag(
        &mut self,
        stream: StreamId,
        tag: Option<u64>,
    ) -> Result<(), StreamError> {
        self.core.set_stream_tag(self.host, stream, tag)
    }

    /// This host's tag on `stream` (see [`Ctx::set_stream_tag`]).
    pub fn stream_tag(&self, stream: StreamId) -> Option<u64> {
        self.core.stream_tag(self.host, stream)
    }

    /// Closes this host's side of `stream` after what was written.
    pub fn close(&mut self, stream: StreamId) -> Result<(), StreamError> {
        self.core.close(self.host, stream)
    }

    /// Calls `on_timer(token)` at `at` (at once if `at` has passed).
    pub fn set_timer(&mut self, at: Instant, token: u64) -> TimerId {
        self.core.set_timer(self.host, at, token)
    }

    /// Cancels a pending timer; a timer that already fired is ignored.
    pub fn cancel_timer(&mut self, timer: TimerId) {
        self.core.live_timers.remove(&timer);
    }

    /// Asks the simulation to stop after this event (`Sim::run_until`
    /// returns early).
    pub fn stop(&mut self) {
        self.core.stop_requested = true;
    }
}
