//! The browser host: fetches the base page, then its objects, over
//! connections used as the [`Mode`] says; every response is read by
//! l7-http's [`ResponseReader`]. Records when each object's last byte
//! arrived.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use l7_http::client::{ClientEvent, ResponseReader};
use l7_http::wire::{RequestHead, Version};
use l7_sim::{Ctx, Endpoint, StreamId};
use l7_wire::Instant;

use super::Mode;

/// Response read timeout (never reached: the simulated network loses nothing).
const READ_TIMEOUT: Duration = Duration::from_secs(600);

/// One connection's requests.
#[derive(Debug, Default)]
struct Conn {
    /// Objects to request on this connection, in order.
    to_send: VecDeque<usize>,
    /// Objects requested, awaiting their responses, in order.
    awaiting: VecDeque<usize>,
    reader: Option<ResponseReader>,
    open: bool,
}

/// The client application.
#[derive(Debug)]
pub struct Browser {
    server: Endpoint,
    mode: Mode,
    objects: usize,
    conns: BTreeMap<StreamId, Conn>,
    /// Objects not yet given to a connection (non-persistent modes).
    backlog: VecDeque<usize>,
    /// Connections opened early for the objects (multiplexed mode).
    spare: Vec<StreamId>,
    done: Vec<Option<Instant>>,
    connections: usize,
}

impl Browser {
    /// A browser for a page of `objects` objects on `server`.
    pub fn new(server: Endpoint, mode: Mode, objects: usize) -> Self {
        Browser {
            server,
            mode,
            objects,
            conns: BTreeMap::new(),
            backlog: VecDeque::new(),
            spare: Vec::new(),
            done: vec![None; objects + 1],
            connections: 0,
        }
    }

    /// When each object (0: the base page) had fully arrived.
    pub fn done(&self) -> &[Option<Instant>] {
        &self.done
    }

    /// Connections opened.
    pub fn connections(&self) -> usize {
        self.connections
    }

    fn persistent(&self) -> bool {
        !matches!(self.mode, Mode::NonPersistent { .. })
    }

    fn open(
        &mut self,
        ctx: &mut Ctx<'_>,
        objects: impl IntoIterator<Item = usize>,
    ) -> Option<StreamId> {
        let stream = ctx.connect(self.server).ok()?;
        self.connections += 1;
        let conn = Conn {
            to_send: objects.into_iter().collect(),
            ..Conn::default()
        };
        self.conns.insert(stream, conn);
        Some(stream)
    }

    /// Opens the first connection for the base page (and, multiplexed, one
    /// per object, ready when the base page names them).
    pub fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        self.open(ctx, [0]);
        if self.mode == Mode::Multiplexed {
            for _ in 0..self.objects {
                if let Some(s) = self.open(ctx, []) {
                    self.spare.push(s);
                }
            }
        }
    }

    /// A connection is up: send what it has.
    pub fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        if let Some(c) = self.conns.get_mut(&stream) {
            c.open = true;
        }
        self.send(ctx, stream);
    }

    fn send(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        let persistent = self.persistent();
        let pipelined = matches!(self.mode, Mode::Pipelined);
        let Some(c) = self.conns.get_mut(&stream).filter(|c| c.open) else {
            return;
        };
        while let Some(&obj) = c.to_send.front() {
            if !pipelined && !c.awaiting.is_empty() {
                break;
            }
            c.to_send.pop_front();
            let target = format!("/o/{obj}");
            let mut head = RequestHead::new("GET", target.as_str(), Version::Http11);
            head.headers.set("Host", &b"server.sim"[..]);
            if !persistent {
                head.headers.set("Connection", &b"close"[..]);
            }
            let mut bytes = Vec::new();
            head.emit(&mut bytes);
            let _ = ctx.write(stream, bytes);
            if c.reader.is_none() {
                c.reader = Some(ResponseReader::new(
                    ctx.now(),
                    "GET",
                    persistent,
                    READ_TIMEOUT,
                ));
            }
            c.awaiting.push_back(obj);
        }
    }

    /// Response bytes arrived.
    pub fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        let now = ctx.now();
        let persistent = self.persistent();
        let mut finished = Vec::new();
        let Some(c) = self.conns.get_mut(&stream) else {
            return;
        };
        let mut input = data.to_vec();
        while let Some(reader) = c.reader.as_mut() {
            if reader.handle_input(now, &input).is_err() {
                break;
            }
            let ended = std::iter::from_fn(|| reader.poll_event())
                .any(|e| matches!(e, ClientEvent::End { .. }));
            if !ended {
                break;
            }
            input = reader.take_leftover();
            if let Some(obj) = c.awaiting.pop_front() {
                finished.push(obj);
            }
            c.reader = (!c.awaiting.is_empty())
                .then(|| ResponseReader::new(now, "GET", persistent, READ_TIMEOUT));
        }
        let idle = c.awaiting.is_empty() && c.to_send.is_empty();
        for obj in finished {
            self.done[obj] = Some(now);
            if obj == 0 {
                self.base_done(ctx, stream);
            }
        }
        if idle && !persistent {
            let _ = ctx.close(stream);
            self.conns.remove(&stream);
            self.next_non_persistent(ctx);
        }
        self.send(ctx, stream);
        if self.done.iter().all(Option::is_some) {
            ctx.stop();
        }
    }

    /// The base page arrived: the client now knows the objects.
    fn base_done(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        let objects = 1..=self.objects;
        match self.mode {
            Mode::NonPersistent { .. } => {
                self.backlog.extend(objects);
            }
            Mode::Persistent | Mode::Pipelined => {
                if let Some(c) = self.conns.get_mut(&stream) {
                    c.to_send.extend(objects);
                }
            }
            Mode::Multiplexed => {
                let spare = std::mem::take(&mut self.spare);
                for (s, obj) in spare.into_iter().zip(objects) {
                    if let Some(c) = self.conns.get_mut(&s) {
                        c.to_send.push_back(obj);
                    }
                    self.send(ctx, s);
                }
            }
        }
    }

    /// Non-persistent: keep up to k connections, one object each.
    fn next_non_persistent(&mut self, ctx: &mut Ctx<'_>) {
        let Mode::NonPersistent { parallel } = self.mode else {
            return;
        };
        while self.conns.len() < parallel.max(1) {
            let Some(obj) = self.backlog.pop_front() else {
                break;
            };
            self.open(ctx, [obj]);
        }
    }

    /// The server closed its side.
    pub fn on_stream_closed(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        let _ = ctx.close(stream);
        if self.conns.remove(&stream).is_some() {
            self.next_non_persistent(ctx);
        }
    }
}
