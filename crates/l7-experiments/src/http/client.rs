//! The browser host: fetches the base page, then its objects, over
//! connections used as the [`Mode`] says; every response is read by
//! l7-http's [`ResponseReader`], or over one HTTP/2 connection of the
//! `h2` crate ([`H2Client`]). Records when each object's last byte
//! arrived.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use l7_http::client::{ClientEvent, ResponseReader};
use l7_http::wire::{RequestHead, Version};
use l7_sim::{Ctx, Endpoint, StreamId};
use l7_wire::Instant;

use super::Mode;
use super::h2_client::H2Client;

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
    /// The HTTP/2 connection (HTTP/2 mode).
    h2: Option<(StreamId, H2Client)>,
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
            h2: None,
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

    /// Opens the first connection for the base page.
    pub fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        if self.mode == Mode::Http2 {
            if let Ok(stream) = ctx.connect(self.server) {
                self.connections += 1;
                let mut client = H2Client::new("server.sim");
                client.request(0);
                self.h2 = Some((stream, client));
            }
            return;
        }
        self.open(ctx, [0]);
    }

    /// A connection is up: send what it has.
    pub fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        if self.mode == Mode::Http2 {
            return self.h2_input(ctx, Some(&[]));
        }
        if let Some(c) = self.conns.get_mut(&stream) {
            c.open = true;
        }
        self.send(ctx, stream);
    }

    /// Runs the HTTP/2 connection on new input; asks for the objects once
    /// the base page is in.
    fn h2_input(&mut self, ctx: &mut Ctx<'_>, input: Option<&[u8]>) {
        let Some((stream, client)) = self.h2.as_mut() else {
            return;
        };
        let (mut out, done) = client.handle(input);
        let now = ctx.now();
        for obj in done {
            self.done[obj] = Some(now);
            if obj == 0 {
                (1..=self.objects).for_each(|i| client.request(i));
                out.extend(client.handle(None).0);
            }
        }
        let _ = ctx.write(*stream, out);
        if self.done.iter().all(Option::is_some) {
            ctx.stop();
        }
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
        if self.mode == Mode::Http2 {
            return self.h2_input(ctx, Some(data));
        }
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
                self.base_done(stream);
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
    fn base_done(&mut self, stream: StreamId) {
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
            Mode::Http2 => {}
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
        if let Some((_, client)) = self.h2.as_mut() {
            client.handle_eof();
        }
        let _ = ctx.close(stream);
        if self.conns.remove(&stream).is_some() {
            self.next_non_persistent(ctx);
        }
    }
}
