//! One peer connection's session (BEP 3, BEP 6, BEP 10): the handshake,
//! then framed messages; the four choke/interest flags; our request pipeline
//! to the peer (sized to its download rate) and its requests to us. It
//! validates everything the peer sends — wrong info-hash, a bitfield that is
//! not the first message or has spare bits set, out-of-range indices,
//! requests over 16 KiB or past a piece's end, and pieces we never asked
//! for end the connection — and hands the rest to the engine as
//! [`PeerEvent`]s. Time is passed in; no IO.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::time::Duration;

use l7_wire::{Instant, WireError};

use super::sorted_map::SortedMap;
use super::{PeerKey, RateEstimator};
use crate::metainfo::{InfoHash, Layout};
use crate::peer_wire::{
    BLOCK_SIZE, Bitfield, BlockRef, ExtendedHandshake, Handshake, Message, PexMessage, Received,
    UT_PEX,
};

/// Send a keep-alive after this much silence from us (BEP 3: "generally two minutes").
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(120);
/// Drop a peer silent for this long.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(180);
/// Drop a connection whose handshake has not arrived within this time.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// Requests still waiting when the peer has sent no block for this long
/// (since the oldest of them was sent) are cancelled and given back to
/// the picker: the peer has stalled. A peer that keeps sending blocks
/// keeps its queue however slowly it drains (as libtorrent times out a
/// peer, not a request).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Fewest requests kept in flight to an unchoking peer.
pub const MIN_PIPELINE: usize = 4;
/// Most requests kept in flight to one peer.
pub const MAX_PIPELINE: usize = 256;
/// Seconds of the peer's rate to keep requested (bandwidth-delay cover).
pub const PIPELINE_SECONDS: f64 = 2.0;
/// Most pending requests we accept from one peer.
pub const MAX_INCOMING_REQUESTS: usize = 256;
/// How many cancelled requests we remember (their pieces may still arrive).
const MAX_CANCELLED: usize = 512;
/// The extended message id we ask ut_pex to be sent on.
pub const OUR_UT_PEX_ID: u8 = 1;

/// What the peer did, for the engine. A block is borrowed from the input
/// when it arrived whole in it (no copy), owned when it was joined from
/// several inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerEvent<'a> {
    /// The peer's handshake arrived and names our torrent.
    Handshake(Handshake),
    /// The peer's pieces (bitfield, or BEP 6 have all / have none).
    Bitfield(Bitfield),
    /// The peer completed a piece.
    Have(u32),
    /// The peer choked us; these requests will not be answered.
    Choked(Vec<BlockRef>),
    /// The peer unchoked us.
    Unchoked,
    /// The peer became interested.
    Interested,
    /// The peer lost interest.
    NotInterested,
    /// The peer requests a block we have and may send (we are not choking it).
    Request(BlockRef),
    /// A block we requested.
    Block(BlockRef, Cow<'a, [u8]>),
    /// BEP 6: the peer will not send this block.
    Rejected(BlockRef),
    /// BEP 10 handshake.
    Extended(ExtendedHandshake),
    /// BEP 11 peer exchange.
    Pex(PexMessage),
}

/// Why a connection must end (the peer misbehaved or went silent).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeerError {
    /// Malformed bytes or a broken rule of the protocol.
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// A handshake for another torrent.
    #[error("handshake for another torrent")]
    WrongTorrent,
    /// A piece we never requested.
    #[error("unsolicited piece {0:?}")]
    Unsolicited(BlockRef),
    /// Nothing received for too long.
    #[error("peer silent for {0:?}")]
    Idle(Duration),
    /// No handshake in time.
    #[error("no handshake within {0:?}")]
    HandshakeTimeout(Duration),
}

impl From<WireError> for PeerError {
    fn from(e: WireError) -> Self {
        PeerError::Protocol(e.to_string())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    AwaitingHandshake,
    /// Handshake received; the next message may be a bitfield.
    First,
    Established,
}

/// A peer session.
#[derive(Debug)]
pub struct PeerConn {
    key: PeerKey,
    info_hash: InfoHash,
    layout: Layout,
    phase: Phase,
    inbuf: Vec<u8>,
    outbuf: Vec<u8>,
    remote: Option<Handshake>,
    /// The peer's pieces.
    pub bitfield: Bitfield,
    /// We are choking the peer.
    pub am_choking: bool,
    /// We are interested in the peer.
    pub am_interested: bool,
    /// The peer is choking us.
    pub peer_choking: bool,
    /// The peer is interested in us.
    pub peer_interested: bool,
    outstanding: SortedMap<BlockRef, Instant>,
    /// Our requests in the order sent, so the oldest is at the front
    /// without a scan; entries no longer outstanding leave once they
    /// reach the front ([`PeerConn::forget_request`]).
    sent_order: VecDeque<(Instant, BlockRef)>,
    cancelled: VecDeque<BlockRef>,
    /// The peer's requests not yet answered (the values are unused).
    incoming: SortedMap<BlockRef, ()>,
    their_ut_pex: Option<u8>,
    their_queue: Option<usize>,
    /// Payload received from the peer.
    pub download: RateEstimator,
    /// Payload sent to the peer.
    pub upload: RateEstimator,
    /// When the session started.
    pub connected_at: Instant,
    last_received: Instant,
    last_sent: Instant,
    /// When the peer last sent a block.
    last_block: Instant,
}

impl PeerConn {
    /// A new session; our handshake is queued at once (both directions send it first).
    pub fn new(
        key: PeerKey,
        info_hash: InfoHash,
        peer_id: [u8; 20],
        layout: Layout,
        now: Instant,
    ) -> Self {
        let mut conn = PeerConn {
            key,
            info_hash,
            bitfield: Bitfield::new(layout.piece_count()),
            layout,
            phase: Phase::AwaitingHandshake,
            inbuf: Vec::new(),
            outbuf: Vec::new(),
            remote: None,
            am_choking: true,
            am_interested: false,
            peer_choking: true,
            peer_interested: false,
            outstanding: SortedMap::default(),
            sent_order: VecDeque::new(),
            cancelled: VecDeque::new(),
            incoming: SortedMap::default(),
            their_ut_pex: None,
            their_queue: None,
            download: RateEstimator::default(),
            upload: RateEstimator::default(),
            connected_at: now,
            last_received: now,
            last_sent: now,
            last_block: now,
        };
        Handshake::new(info_hash, peer_id).emit(&mut conn.outbuf);
        conn
    }

    /// This session's key.
    pub fn key(&self) -> PeerKey {
        self.key
    }

    /// The peer's handshake, once received.
    pub fn remote(&self) -> Option<&Handshake> {
        self.remote.as_ref()
    }

    /// The handshake has been exchanged.
    pub fn is_established(&self) -> bool {
        self.phase != Phase::AwaitingHandshake
    }

    fn fast(&self) -> bool {
        self.remote.is_some_and(|h| h.supports_fast())
    }

    /// Queues a message to the peer, tracking the flags it changes.
    pub fn send(&mut self, now: Instant, msg: &Message) {
        msg.emit(&mut self.outbuf);
        self.last_sent = now;
        match msg {
            Message::Choke => {
                self.am_choking = true;
                // BEP 3: choking discards the peer's pending requests; BEP 6: a
                // fast peer rejects each of them explicitly after the choke.
                let pending = self.incoming.take_keys();
                if self.fast() {
                    pending
                        .into_iter()
                        .for_each(|b| Message::RejectRequest(b).emit(&mut self.outbuf));
                }
            }
            Message::Unchoke => self.am_choking = false,
            Message::Interested => self.am_interested = true,
            Message::NotInterested => self.am_interested = false,
            Message::Request(b) => {
                self.outstanding.insert(*b, now);
                self.sent_order.push_back((now, *b));
                self.prune_sent_order();
            }
            Message::Cancel(b) if self.forget_request(b) => self.remember_cancelled(*b),
            Message::Piece { data, .. } => self.upload.record(now, data.len() as u64),
            _ => {}
        }
    }

    /// Queues a PIECE message with a block the caller keeps (no copy
    /// beyond the one into the output).
    pub fn send_piece(&mut self, now: Instant, block: BlockRef, data: &[u8]) {
        Message::emit_piece(block.index, block.begin, data, &mut self.outbuf);
        self.sent_block(now, data.len());
    }

    /// Queues only the header of a PIECE message for `block`: the caller
    /// sends the block's bytes right after what [`PeerConn::poll_transmit`]
    /// gives next (see [`crate::swarm::Torrent::block_header`]).
    pub fn send_piece_header(&mut self, now: Instant, block: BlockRef) {
        Message::emit_piece_header(block.index, block.begin, block.length, &mut self.outbuf);
        self.sent_block(now, block.length as usize);
    }

    fn sent_block(&mut self, now: Instant, len: usize) {
        self.last_sent = now;
        self.upload.record(now, len as u64);
    }

    /// Removes `b` from our outstanding requests; false if it was not one.
    fn forget_request(&mut self, b: &BlockRef) -> bool {
        let found = self.outstanding.remove(b).is_some();
        self.prune_sent_order();
        found
    }

    /// Drops the front of `sent_order` until it names a request still
    /// outstanding since that time (or is empty).
    fn prune_sent_order(&mut self) {
        while let Some((at, front)) = self.sent_order.front() {
            if self.outstanding.get(front) == Some(at) {
                break;
            }
            self.sent_order.pop_front();
        }
    }

    fn remember_cancelled(&mut self, b: BlockRef) {
        if self.cancelled.len() == MAX_CANCELLED {
            self.cancelled.pop_front();
        }
        self.cancelled.push_back(b);
    }

    /// True if [`PeerConn::poll_transmit`] has bytes.
    pub fn has_output(&self) -> bool {
        !self.outbuf.is_empty()
    }

    /// Bytes to write to the socket, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        (!self.outbuf.is_empty()).then(|| std::mem::take(&mut self.outbuf))
    }

    /// Requests still to send so that the pipeline covers [`PIPELINE_SECONDS`]
    /// of the peer's current rate (between [`MIN_PIPELINE`] and the peer's `reqq`).
    pub fn request_slots(&self, now: Instant) -> usize {
        if self.peer_choking || !self.am_interested {
            return 0;
        }
        let by_rate =
            (self.download.rate(now) * PIPELINE_SECONDS / f64::from(BLOCK_SIZE)).ceil() as usize;
        let cap = self
            .their_queue
            .unwrap_or(MAX_PIPELINE)
            .clamp(1, MAX_PIPELINE);
        by_rate
            .clamp(MIN_PIPELINE.min(cap), cap)
            .saturating_sub(self.outstanding.len())
    }

    /// Our requests awaiting an answer.
    pub fn outstanding(&self) -> impl Iterator<Item = &BlockRef> {
        self.outstanding.keys()
    }

    /// Takes a pending request of the peer (the engine is about to answer it).
    pub fn take_incoming(&mut self, b: &BlockRef) -> bool {
        self.incoming.remove(b).is_some()
    }

    /// The id to send ut_pex on, if the peer supports it.
    pub fn ut_pex_id(&self) -> Option<u8> {
        self.their_ut_pex
    }

    /// Feeds received bytes; returns what the peer did, or why to disconnect.
    pub fn handle_input<'a>(
        &mut self,
        now: Instant,
        bytes: &'a [u8],
    ) -> Result<Vec<PeerEvent<'a>>, PeerError> {
        self.last_received = now;
        let mut events = Vec::new();
        if self.inbuf.is_empty() {
            // Whole messages are read from the input itself (their blocks
            // borrowed from it); only a trailing partial one is kept.
            let consumed = self.read_messages(now, bytes, &mut events, Cow::Borrowed)?;
            self.inbuf.extend_from_slice(&bytes[consumed..]);
            return Ok(events);
        }
        let mut buf = std::mem::take(&mut self.inbuf);
        buf.extend_from_slice(bytes);
        // The joined buffer is kept for what follows: its blocks are copied.
        let consumed = self.read_messages(now, &buf, &mut events, |d| Cow::Owned(d.to_vec()))?;
        buf.drain(..consumed);
        // An emptied buffer is dropped: idle sessions hold no memory.
        if !buf.is_empty() {
            self.inbuf = buf;
        }
        Ok(events)
    }

    /// Reads the whole messages at the start of `input`; returns how many
    /// bytes they took. `block` hands over a PIECE's block: borrowed, or
    /// copied when `input` does not outlive the events.
    fn read_messages<'a, 'e>(
        &mut self,
        now: Instant,
        input: &'a [u8],
        events: &mut Vec<PeerEvent<'e>>,
        block: fn(&'a [u8]) -> Cow<'e, [u8]>,
    ) -> Result<usize, PeerError> {
        let mut consumed = 0;
        loop {
            let rest = &input[consumed..];
            if self.phase == Phase::AwaitingHandshake {
                match Handshake::parse(rest) {
                    Ok((h, n)) => {
                        consumed += n;
                        if h.info_hash != self.info_hash {
                            return Err(PeerError::WrongTorrent);
                        }
                        self.remote = Some(h);
                        self.phase = Phase::First;
                        events.push(PeerEvent::Handshake(h));
                    }
                    Err(WireError::Incomplete) => break,
                    Err(e) => return Err(e.into()),
                }
                continue;
            }
            match Message::parse_received(rest) {
                Ok((Received::Piece { index, begin, data }, n)) => {
                    consumed += n;
                    self.on_piece(now, index, begin, block(data), events)?;
                }
                Ok((Received::Other(msg), n)) => {
                    consumed += n;
                    self.on_message(now, msg, events)?;
                }
                Err(WireError::Incomplete) => break,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(consumed)
    }

    fn check_index(&self, index: u32) -> Result<(), PeerError> {
        if index >= self.layout.piece_count() {
            return Err(PeerError::Protocol(format!(
                "piece index {index} out of range"
            )));
        }
        Ok(())
    }

    fn on_message<'a>(
        &mut self,
        now: Instant,
        msg: Message,
        events: &mut Vec<PeerEvent<'a>>,
    ) -> Result<(), PeerError> {
        let first = self.phase == Phase::First;
        // Tolerated before the bitfield (real clients vary the order): messages
        // that say nothing about which pieces the peer has.
        let neutral = matches!(
            msg,
            Message::KeepAlive
                | Message::Extended { .. }
                | Message::Port(_)
                | Message::AllowedFast(_)
                | Message::Suggest(_)
        );
        if !neutral {
            self.phase = Phase::Established;
        }
        let n = self.layout.piece_count();
        match msg {
            Message::KeepAlive
            | Message::Port(_)
            | Message::Suggest(_)
            | Message::AllowedFast(_) => {}
            // BEP 3 puts the bitfield first only, but aria2 later sends a whole
            // BITFIELD in place of a batch of HAVEs: read a late one as those
            // HAVEs (a peer's pieces never disappear), and a late HAVE NONE as nothing.
            Message::Bitfield(bits) if !first => {
                let late = Bitfield::from_bytes(&bits, n)?;
                for i in late.ones() {
                    if !self.bitfield.get(i) {
                        self.bitfield.set(i);
                        events.push(PeerEvent::Have(i));
                    }
                }
            }
            Message::HaveAll | Message::HaveNone if !first && !self.fast() => {
                return Err(PeerError::Protocol(
                    "fast extension message without the fast bit".into(),
                ));
            }
            Message::HaveAll if !first => {
                for i in 0..n {
                    if !self.bitfield.get(i) {
                        self.bitfield.set(i);
                        events.push(PeerEvent::Have(i));
                    }
                }
            }
            Message::HaveNone if !first => {}
            Message::HaveAll | Message::HaveNone if !self.fast() => {
                return Err(PeerError::Protocol(
                    "fast extension message without the fast bit".into(),
                ));
            }
            Message::Bitfield(bits) => {
                self.bitfield = Bitfield::from_bytes(&bits, n)?;
                events.push(PeerEvent::Bitfield(self.bitfield.clone()));
            }
            Message::HaveAll => {
                self.bitfield = Bitfield::full(n);
                events.push(PeerEvent::Bitfield(self.bitfield.clone()));
            }
            Message::HaveNone => events.push(PeerEvent::Bitfield(self.bitfield.clone())),
            Message::Have(i) => {
                self.check_index(i)?;
                if !self.bitfield.get(i) {
                    self.bitfield.set(i);
                    events.push(PeerEvent::Have(i));
                }
            }
            Message::Choke => {
                self.peer_choking = true;
                // BEP 3: a choke discards our pending requests; BEP 6 peers reject them explicitly.
                if !self.fast() {
                    let dropped: Vec<BlockRef> = self.outstanding.take_keys();
                    self.sent_order.clear();
                    dropped.iter().for_each(|b| self.remember_cancelled(*b));
                    events.push(PeerEvent::Choked(dropped));
                } else {
                    events.push(PeerEvent::Choked(Vec::new()));
                }
            }
            Message::Unchoke => {
                self.peer_choking = false;
                events.push(PeerEvent::Unchoked);
            }
            Message::Interested => {
                self.peer_interested = true;
                events.push(PeerEvent::Interested);
            }
            Message::NotInterested => {
                self.peer_interested = false;
                events.push(PeerEvent::NotInterested);
            }
            Message::Request(b) => {
                self.check_index(b.index)?;
                if u64::from(b.begin) + u64::from(b.length) > self.layout.piece_size(b.index) {
                    return Err(PeerError::Protocol(format!(
                        "request {b:?} past the piece's end"
                    )));
                }
                if self.am_choking {
                    if self.fast() {
                        Message::RejectRequest(b).emit(&mut self.outbuf);
                    }
                } else if self.incoming.len() >= MAX_INCOMING_REQUESTS {
                    return Err(PeerError::Protocol("too many pending requests".into()));
                } else if self.incoming.insert(b, ()).is_none() {
                    events.push(PeerEvent::Request(b));
                }
            }
            Message::Cancel(b) => {
                // BEP 6: with the fast extension a cancel gets exactly one
                // answer, the piece or a reject; unsent, it is a reject.
                if self.incoming.remove(&b).is_some() && self.fast() {
                    Message::RejectRequest(b).emit(&mut self.outbuf);
                }
            }
            Message::Piece { index, begin, data } => {
                self.on_piece(now, index, begin, Cow::Owned(data), events)?
            }
            Message::RejectRequest(_) if !self.fast() => {
                return Err(PeerError::Protocol(
                    "fast extension message without the fast bit".into(),
                ));
            }
            Message::RejectRequest(b) => {
                // Answers come in order: one to a cancel of ours answers
                // that cancel, even if we asked for the block again since.
                if let Some(pos) = self.cancelled.iter().position(|c| *c == b) {
                    // BEP 6: the engine gave the block back when we cancelled.
                    self.cancelled.remove(pos);
                } else if self.forget_request(&b) {
                    events.push(PeerEvent::Rejected(b));
                } else {
                    return Err(PeerError::Protocol(format!(
                        "reject of a block never requested {b:?}"
                    )));
                }
            }
            Message::Extended { id: 0, payload } => {
                let h = ExtendedHandshake::parse(&payload)?;
                self.their_ut_pex = h.id_of(UT_PEX);
                self.their_queue = h.request_queue.map(|q| q as usize);
                events.push(PeerEvent::Extended(h));
            }
            Message::Extended {
                id: OUR_UT_PEX_ID,
                payload,
            } => {
                events.push(PeerEvent::Pex(PexMessage::parse(&payload)?));
            }
            // BEP 10: extensions we did not advertise are ignored.
            Message::Extended { .. } => {}
        }
        Ok(())
    }

    /// A block arrived: it must answer one of our requests (or one we
    /// cancelled or stopped waiting for).
    fn on_piece<'a>(
        &mut self,
        now: Instant,
        index: u32,
        begin: u32,
        data: Cow<'a, [u8]>,
        events: &mut Vec<PeerEvent<'a>>,
    ) -> Result<(), PeerError> {
        let b = BlockRef {
            index,
            begin,
            length: data.len() as u32,
        };
        if self.forget_request(&b) {
            self.last_block = now;
            self.download.record(now, data.len() as u64);
            events.push(PeerEvent::Block(b, data));
        } else if let Some(pos) = self.cancelled.iter().position(|c| *c == b) {
            // We cancelled it or stopped waiting for it, and it came
            // anyway: the engine keeps it if the piece still needs
            // it (on a slow link a late block is not wasted upload).
            self.cancelled.remove(pos);
            self.last_block = now;
            self.download.record(now, data.len() as u64);
            events.push(PeerEvent::Block(b, data));
        } else {
            return Err(PeerError::Unsolicited(b));
        }
        Ok(())
    }

    /// Keep-alives, request timeouts and the idle timeout. Returns requests
    /// that timed out (given back to the picker).
    pub fn handle_timeout(&mut self, now: Instant) -> Result<Vec<BlockRef>, PeerError> {
        if self.phase == Phase::AwaitingHandshake && now - self.connected_at >= HANDSHAKE_TIMEOUT {
            return Err(PeerError::HandshakeTimeout(HANDSHAKE_TIMEOUT));
        }
        let silent = now - self.last_received;
        if silent >= IDLE_TIMEOUT {
            return Err(PeerError::Idle(silent));
        }
        if now - self.last_sent >= KEEPALIVE_INTERVAL {
            self.send(now, &Message::KeepAlive);
        }
        let mut expired = Vec::new();
        if self
            .stalled_since()
            .is_some_and(|t| now - t >= REQUEST_TIMEOUT)
        {
            // Cancelled, so that the peer does not send them after we
            // asked someone else (and, fast, tells us it will not).
            while let Some(&(_, b)) = self.sent_order.front() {
                self.send(now, &Message::Cancel(b));
                expired.push(b);
            }
        }
        Ok(expired)
    }

    /// While requests wait: since when the peer has sent none of their
    /// blocks (the oldest request's sending, or the last block if later).
    fn stalled_since(&self) -> Option<Instant> {
        // `sent_order` is pruned: its front is still outstanding.
        let (oldest, _) = self.sent_order.front()?;
        Some((*oldest).max(self.last_block))
    }

    /// The next instant [`PeerConn::handle_timeout`] has work.
    pub fn poll_timeout(&self) -> Instant {
        let mut t = (self.last_received + IDLE_TIMEOUT).min(self.last_sent + KEEPALIVE_INTERVAL);
        if self.phase == Phase::AwaitingHandshake {
            t = t.min(self.connected_at + HANDSHAKE_TIMEOUT);
        }
        if let Some(since) = self.stalled_since() {
            t = t.min(since + REQUEST_TIMEOUT);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: InfoHash = InfoHash([5; 20]);

    fn conn() -> PeerConn {
        let layout = Layout::new(vec![3 * 32 * 1024], 32 * 1024);
        PeerConn::new(PeerKey(1), HASH, [1; 20], layout, Instant::ZERO)
    }

    /// A connection we unchoked whose peer then asked for `b`, with
    /// nothing left to send.
    fn asked_for(b: BlockRef, fast: bool) -> PeerConn {
        let mut c = conn();
        c.handle_input(Instant::ZERO, &handshake(fast)).unwrap();
        c.send(Instant::ZERO, &Message::Unchoke);
        c.handle_input(Instant::ZERO, &bytes(&[Message::Request(b)]))
            .unwrap();
        c.poll_transmit();
        c
    }

    fn handshake(fast: bool) -> Vec<u8> {
        let mut h = Handshake::new(HASH, [2; 20]);
        if !fast {
            h.reserved = [0; 8];
        }
        let mut out = Vec::new();
        h.emit(&mut out);
        out
    }

    fn bytes(msgs: &[Message]) -> Vec<u8> {
        let mut out = Vec::new();
        msgs.iter().for_each(|m| m.emit(&mut out));
        out
    }

    #[test]
    fn handshake_then_bitfield_in_pieces() {
        let mut c = conn();
        assert_eq!(c.poll_transmit().unwrap().len(), 68);
        let mut input = handshake(false);
        // Neutral messages before the bitfield are tolerated.
        input.extend(bytes(&[
            Message::KeepAlive,
            Message::Port(6881),
            Message::Extended {
                id: 0,
                payload: b"d1:md6:ut_pexi3eee".to_vec(),
            },
            Message::Bitfield(vec![0b1010_0000]),
            Message::Unchoke,
        ]));
        let mut events = Vec::new();
        for chunk in input.chunks(7) {
            events.extend(c.handle_input(Instant::ZERO, chunk).unwrap());
        }
        assert!(matches!(events[0], PeerEvent::Handshake(_)));
        assert!(matches!(events[1], PeerEvent::Extended(_)));
        assert_eq!(c.ut_pex_id(), Some(3));
        assert_eq!(
            events[2],
            PeerEvent::Bitfield(Bitfield::from_bytes(&[0b1010_0000], 3).unwrap())
        );
        assert_eq!(events[3], PeerEvent::Unchoked);
        // A later bitfield (as aria2 sends) reads as HAVEs of its new pieces;
        // pieces never disappear, and spare bits are still a violation.
        assert_eq!(
            c.handle_input(
                Instant::ZERO,
                &bytes(&[Message::Bitfield(vec![0b0110_0000])])
            ),
            Ok(vec![PeerEvent::Have(1)])
        );
        assert_eq!(c.bitfield.count(), 3);
        assert!(
            c.handle_input(
                Instant::ZERO,
                &bytes(&[Message::Bitfield(vec![0b0001_0000])])
            )
            .is_err()
        );
    }

    #[test]
    fn rejects_wrong_torrent_bad_bitfield_and_bad_requests() {
        let mut c = conn();
        let mut other = Vec::new();
        Handshake::new(InfoHash([6; 20]), [2; 20]).emit(&mut other);
        assert_eq!(
            c.handle_input(Instant::ZERO, &other),
            Err(PeerError::WrongTorrent)
        );

        let mut c = conn();
        let mut input = handshake(false);
        input.extend(bytes(&[Message::Bitfield(vec![0b1111_0000])]));
        assert!(matches!(
            c.handle_input(Instant::ZERO, &input),
            Err(PeerError::Protocol(_))
        ));

        let mut c = conn();
        c.handle_input(Instant::ZERO, &handshake(false)).unwrap();
        c.send(Instant::ZERO, &Message::Unchoke);
        let ok = BlockRef {
            index: 2,
            begin: 16384,
            length: 16384,
        };
        assert_eq!(
            c.handle_input(Instant::ZERO, &bytes(&[Message::Request(ok)]))
                .unwrap(),
            vec![PeerEvent::Request(ok)]
        );
        let past_end = BlockRef {
            index: 2,
            begin: 16385,
            length: 16384,
        };
        assert!(
            c.handle_input(Instant::ZERO, &bytes(&[Message::Request(past_end)]))
                .is_err()
        );
        // A request over 16 KiB is a protocol error from the parser.
        let mut big = bytes(&[Message::Request(BlockRef {
            index: 0,
            begin: 0,
            length: 16384,
        })]);
        big[16] = 0x41; // length 16384 + 256... in the last 4 bytes
        let mut c2 = conn();
        c2.handle_input(Instant::ZERO, &handshake(false)).unwrap();
        assert!(c2.handle_input(Instant::ZERO, &big).is_err());
        let mut c3 = conn();
        c3.handle_input(Instant::ZERO, &handshake(false)).unwrap();
        assert!(
            c3.handle_input(Instant::ZERO, &bytes(&[Message::Have(3)]))
                .is_err()
        );
    }

    #[test]
    fn unsolicited_pieces_end_the_connection() {
        let mut c = conn();
        c.handle_input(Instant::ZERO, &handshake(false)).unwrap();
        let b = BlockRef {
            index: 0,
            begin: 0,
            length: 4,
        };
        let piece = bytes(&[Message::Piece {
            index: 0,
            begin: 0,
            data: vec![1; 4],
        }]);
        c.send(Instant::ZERO, &Message::Request(b));
        assert_eq!(
            c.handle_input(Instant::ZERO, &piece).unwrap(),
            vec![PeerEvent::Block(b, vec![1; 4].into())]
        );
        assert_eq!(
            c.handle_input(Instant::ZERO, &piece),
            Err(PeerError::Unsolicited(b))
        );
        // A cancelled request's piece may still arrive once, and is handed
        // to the engine (which keeps it if the piece still needs it).
        let mut c = conn();
        c.handle_input(Instant::ZERO, &handshake(false)).unwrap();
        c.send(Instant::ZERO, &Message::Request(b));
        c.send(Instant::ZERO, &Message::Cancel(b));
        assert_eq!(
            c.handle_input(Instant::ZERO, &piece).unwrap(),
            vec![PeerEvent::Block(b, vec![1; 4].into())]
        );
        assert!(c.handle_input(Instant::ZERO, &piece).is_err());
    }

    #[test]
    fn a_whole_block_is_borrowed_and_a_split_one_owned() {
        let mut c = conn();
        c.handle_input(Instant::ZERO, &handshake(false)).unwrap();
        let block = |begin| BlockRef {
            index: 0,
            begin,
            length: 4,
        };
        let piece = |begin| Message::Piece {
            index: 0,
            begin,
            data: vec![7; 4],
        };
        c.send(Instant::ZERO, &Message::Request(block(0)));
        c.send(Instant::ZERO, &Message::Request(block(4)));
        let whole = bytes(&[piece(0)]);
        let events = c.handle_input(Instant::ZERO, &whole).unwrap();
        assert!(
            matches!(&events[..], [PeerEvent::Block(b, Cow::Borrowed(d))]
                if *b == block(0) && d.as_ptr() == whole[13..].as_ptr()),
            "{events:?}"
        );
        // Split across two inputs: joined, then handed over owned.
        let split = bytes(&[piece(4)]);
        assert_eq!(c.handle_input(Instant::ZERO, &split[..10]).unwrap(), vec![]);
        let events = c.handle_input(Instant::ZERO, &split[10..]).unwrap();
        assert!(
            matches!(&events[..], [PeerEvent::Block(b, Cow::Owned(d))]
                if *b == block(4) && d == &vec![7; 4]),
            "{events:?}"
        );
    }

    #[test]
    fn handshake_must_arrive_in_time() {
        let c = conn();
        assert_eq!(c.poll_timeout(), Instant::from_millis(30_000));
        let mut c = c;
        assert_eq!(c.handle_timeout(Instant::from_millis(29_999)), Ok(vec![]));
        assert!(matches!(
            c.handle_timeout(Instant::from_millis(30_000)),
            Err(PeerError::HandshakeTimeout(_))
        ));
    }

    #[test]
    fn pipeline_follows_rate_and_timeouts() {
        let mut c = conn();
        c.handle_input(Instant::ZERO, &handshake(true)).unwrap();
        assert_eq!(
            c.request_slots(Instant::ZERO),
            0,
            "choked and not interested"
        );
        c.send(Instant::ZERO, &Message::Interested);
        c.handle_input(Instant::ZERO, &bytes(&[Message::Unchoke]))
            .unwrap();
        assert_eq!(c.request_slots(Instant::ZERO), MIN_PIPELINE);
        // 20 s at 1 MiB/s: two seconds of rate is 128 blocks.
        for s in 0..20 {
            c.download.record(Instant::from_millis(s * 1000), 1 << 20);
        }
        assert_eq!(c.request_slots(Instant::from_millis(19_000)), 128);
        let b = BlockRef {
            index: 0,
            begin: 0,
            length: 16384,
        };
        c.send(Instant::from_millis(1000), &Message::Request(b));
        assert_eq!(c.poll_timeout(), Instant::from_millis(61_000));
        c.handle_input(Instant::from_millis(60_000), &bytes(&[Message::KeepAlive]))
            .unwrap();
        assert_eq!(
            c.handle_timeout(Instant::from_millis(61_000)).unwrap(),
            vec![b]
        );
        assert!(matches!(
            c.handle_timeout(Instant::from_millis(240_000)),
            Err(PeerError::Idle(_))
        ));
        // Fast peers: choking a peer rejects its pending requests explicitly.
        let mut c = asked_for(b, true);
        c.send(Instant::ZERO, &Message::Choke);
        assert_eq!(
            c.poll_transmit().unwrap(),
            bytes(&[Message::Choke, Message::RejectRequest(b)])
        );
    }

    #[test]
    fn a_peer_that_keeps_sending_keeps_its_queue() {
        let mut c = conn();
        c.handle_input(Instant::ZERO, &handshake(true)).unwrap();
        let block = |begin| BlockRef {
            index: 0,
            begin,
            length: 16384,
        };
        let at = |s: u64| Instant::from_millis(s * 1000);
        for i in 0..4 {
            c.send(Instant::ZERO, &Message::Request(block(i * 16384)));
        }
        // One block every 30 s: the queue drains slowly, nothing expires,
        // though the last request waits 120 s.
        for i in 0..3 {
            let piece = Message::Piece {
                index: 0,
                begin: i * 16384,
                data: vec![0; 16384],
            };
            let t = at(30 * (u64::from(i) + 1));
            c.handle_input(t, &bytes(&[piece])).unwrap();
            assert_eq!(
                c.handle_timeout(t + Duration::from_secs(59)).unwrap(),
                vec![]
            );
        }
        // Then it stalls: 60 s after its last block the rest is given back.
        c.poll_transmit();
        assert_eq!(c.handle_timeout(at(150)).unwrap(), vec![block(3 * 16384)]);
        assert_eq!(
            c.poll_transmit().unwrap(),
            bytes(&[Message::Cancel(block(3 * 16384))])
        );
    }

    #[test]
    fn cancels_are_sent_on_timeout_and_answered_per_bep6() {
        let b = BlockRef {
            index: 0,
            begin: 0,
            length: 16384,
        };
        let late = Instant::from_millis(60_000);
        for fast in [false, true] {
            // A request that times out is cancelled on the wire.
            let mut c = conn();
            c.handle_input(Instant::ZERO, &handshake(fast)).unwrap();
            c.send(Instant::ZERO, &Message::Request(b));
            c.poll_transmit();
            assert_eq!(c.handle_timeout(late).unwrap(), vec![b]);
            assert_eq!(c.poll_transmit().unwrap(), bytes(&[Message::Cancel(b)]));
            // A fast peer's reject answers the cancel: no event, no error;
            // a second one answers nothing (and a plain peer has no rejects).
            let reject = bytes(&[Message::RejectRequest(b)]);
            if fast {
                assert_eq!(c.handle_input(late, &reject).unwrap(), vec![]);
            }
            assert!(c.handle_input(late, &reject).is_err());

            // A cancel of a pending request: a fast peer is told it will
            // not come, a plain one hears nothing.
            let mut c = asked_for(b, fast);
            c.handle_input(Instant::ZERO, &bytes(&[Message::Cancel(b)]))
                .unwrap();
            assert!(!c.take_incoming(&b), "cancelled: not to be sent");
            let expect = fast.then(|| bytes(&[Message::RejectRequest(b)]));
            assert_eq!(c.poll_transmit(), expect);
        }
    }
}
