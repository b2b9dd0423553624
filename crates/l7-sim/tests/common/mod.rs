//! A scriptable test application: it performs planned actions (connect and
//! write, send datagrams at intervals) and records everything it sees with
//! the virtual time, so tests can assert on arrival times.
// Each test file uses a different part of this helper.
#![allow(dead_code)]

use l7_sim::{App, Ctx, Endpoint, StreamId, StreamInfo};
use l7_wire::Instant;
use rand::Rng;
use std::collections::BTreeMap;
use std::time::Duration;

/// Something the node does when it starts.
#[derive(Debug, Clone)]
pub enum Action {
    /// Connect to `to`, write `bytes` once open, then close if `close`.
    Send {
        to: Endpoint,
        bytes: usize,
        close: bool,
    },
    /// Send `count` datagrams of `size` bytes to `to`, one per `interval`
    /// (all at once when the interval is zero).
    Datagrams {
        to: Endpoint,
        count: u32,
        size: usize,
        interval: Duration,
    },
    /// Set `count` timers at random delays up to `max` (drawn from `ctx.rng()`).
    RandomTimers { count: u32, max: Duration },
}

/// What the node saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seen {
    Datagram { from: Endpoint, len: usize },
    Open { stream: StreamId, info: StreamInfo },
    Data { stream: StreamId, len: usize },
    Closed { stream: StreamId },
    Timer { token: u64 },
}

/// The scriptable node.
#[derive(Debug, Default)]
pub struct Node {
    pub actions: Vec<Action>,
    /// When set, answer the first data of each accepted stream with this many bytes.
    pub reply: Option<usize>,
    pub log: Vec<(Instant, Seen)>,
    /// Bytes received per stream.
    pub received: BTreeMap<StreamId, usize>,
    /// This end's tag of each stream when the peer's close arrived.
    pub tags_at_close: BTreeMap<StreamId, Option<u64>>,
    planned: BTreeMap<StreamId, (usize, bool)>,
    datagrams: Vec<(Endpoint, u32, usize, Duration)>,
    replied: Vec<StreamId>,
}

impl Node {
    pub fn with(actions: Vec<Action>) -> Self {
        Node {
            actions,
            ..Node::default()
        }
    }

    /// Write `bytes` to `stream` when it opens here, then close if `close`.
    pub fn plan(&mut self, stream: StreamId, bytes: usize, close: bool) {
        self.planned.insert(stream, (bytes, close));
    }

    /// When the node saw the first event matching `pred`.
    pub fn first(&self, pred: impl Fn(&Seen) -> bool) -> Option<Instant> {
        self.log.iter().find(|(_, s)| pred(s)).map(|(t, _)| *t)
    }

    /// When the node saw the last event matching `pred`.
    pub fn last(&self, pred: impl Fn(&Seen) -> bool) -> Option<Instant> {
        self.log
            .iter()
            .rev()
            .find(|(_, s)| pred(s))
            .map(|(t, _)| *t)
    }

    /// When stream data from `stream` last arrived.
    pub fn last_data(&self, stream: StreamId) -> Option<Instant> {
        self.last(|s| matches!(s, Seen::Data { stream: x, .. } if *x == stream))
    }

    fn see(&mut self, ctx: &Ctx<'_>, seen: Seen) {
        self.log.push((ctx.now(), seen));
    }
}

const DATAGRAM_TIMER_BASE: u64 = 1 << 32;

impl App for Node {
    fn on_start(&mut self, ctx: &mut Ctx<'_>) {
        for action in self.actions.clone() {
            match action {
                Action::Send { to, bytes, close } => {
                    let stream = ctx.connect(to).unwrap();
                    self.planned.insert(stream, (bytes, close));
                }
                Action::Datagrams {
                    to,
                    count,
                    size,
                    interval,
                } => {
                    let index = self.datagrams.len() as u64;
                    self.datagrams.push((to, count, size, interval));
                    if interval.is_zero() {
                        for _ in 0..count {
                            ctx.send_datagram(7, to, vec![0u8; size]);
                        }
                    } else {
                        ctx.set_timer(ctx.now(), DATAGRAM_TIMER_BASE + index * 1_000_000);
                    }
                }
                Action::RandomTimers { count, max } => {
                    for token in 0..count {
                        let ns = ctx.rng().random_range(0..max.as_nanos() as u64);
                        ctx.set_timer(ctx.now() + Duration::from_nanos(ns), u64::from(token));
                    }
                }
            }
        }
    }

    fn on_datagram(&mut self, ctx: &mut Ctx<'_>, _port: u16, from: Endpoint, payload: &[u8]) {
        self.see(
            ctx,
            Seen::Datagram {
                from,
                len: payload.len(),
            },
        );
    }

    fn on_stream_open(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, info: StreamInfo) {
        self.see(ctx, Seen::Open { stream, info });
        if let Some(&(bytes, close)) = self.planned.get(&stream) {
            ctx.write(stream, vec![0x5a; bytes]).unwrap();
            if close {
                ctx.close(stream).unwrap();
            }
        }
    }

    fn on_stream_data(&mut self, ctx: &mut Ctx<'_>, stream: StreamId, data: &[u8]) {
        self.see(
            ctx,
            Seen::Data {
                stream,
                len: data.len(),
            },
        );
        *self.received.entry(stream).or_default() += data.len();
        let accepted_here = !self.planned.contains_key(&stream);
        if let Some(size) = self.reply
            && accepted_here
            && !self.replied.contains(&stream)
        {
            self.replied.push(stream);
            ctx.write(stream, vec![0xa5; size]).unwrap();
        }
    }

    fn on_stream_closed(&mut self, ctx: &mut Ctx<'_>, stream: StreamId) {
        self.tags_at_close.insert(stream, ctx.stream_tag(stream));
        self.see(ctx, Seen::Closed { stream });
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_>, token: u64) {
        self.see(ctx, Seen::Timer { token });
        if token >= DATAGRAM_TIMER_BASE {
            let index = ((token - DATAGRAM_TIMER_BASE) / 1_000_000) as usize;
            let sent = (token - DATAGRAM_TIMER_BASE) % 1_000_000;
            let (to, count, size, interval) = self.datagrams[index];
            ctx.send_datagram(7, to, vec![0u8; size]);
            if sent + 1 < u64::from(count) {
                ctx.set_timer(ctx.now() + interval, token + 1);
            }
        }
    }
}
