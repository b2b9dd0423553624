//! DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8): each message is
//! preceded by its length as two bytes. [`TcpFramer`] splits a byte stream
//! into messages; [`frame`] prefixes one for sending.

use l7_wire::WriteExt;

use super::message::MAX_MESSAGE_LEN;

/// Appends `msg` with its two-byte length prefix (it must be at most 65535 bytes).
pub fn frame(msg: &[u8], out: &mut Vec<u8>) {
    out.put_u16(u16::try_from(msg.len()).unwrap_or(u16::MAX));
    out.extend_from_slice(&msg[..msg.len().min(MAX_MESSAGE_LEN)]);
}

/// Collects bytes from a TCP stream and hands out whole messages. Holds at
/// most one length prefix and one message (65537 bytes) beyond what was taken.
#[derive(Debug, Default)]
pub struct TcpFramer {
    buf: Vec<u8>,
}

impl TcpFramer {
    /// An empty framer.
    pub fn new() -> TcpFramer {
        TcpFramer::default()
    }

    /// Adds received bytes; returns how many were taken (the rest must be
    /// offered again after [`TcpFramer::next_message`] made room).
    pub fn push(&mut self, bytes: &[u8]) -> usize {
        let room = (2 + MAX_MESSAGE_LEN).saturating_sub(self.buf.len());
        let taken = bytes.len().min(room);
        self.buf.extend_from_slice(&bytes[..taken]);
        taken
    }

    /// The next complete message, without its prefix.
    pub fn next_message(&mut self) -> Option<Vec<u8>> {
        let len = usize::from(u16::from_be_bytes([*self.buf.first()?, *self.buf.get(1)?]));
        if self.buf.len() < 2 + len {
            return None;
        }
        let msg = self.buf[2..2 + len].to_vec();
        self.buf.drain(..2 + len);
        Some(msg)
    }

    /// Bytes received but not yet handed out (a connection closing with
    /// some left ended mid-message).
    pub fn pending(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_stream_fed_byte_by_byte() {
        let mut stream = Vec::new();
        frame(b"first", &mut stream);
        frame(b"", &mut stream);
        frame(&[7u8; 300], &mut stream);
        let mut framer = TcpFramer::new();
        let mut got = Vec::new();
        for b in &stream {
            assert_eq!(framer.push(&[*b]), 1);
            got.extend(std::iter::from_fn(|| framer.next_message()));
        }
        assert_eq!(got, [b"first".to_vec(), Vec::new(), vec![7u8; 300]]);
        assert_eq!(framer.pending(), 0);
    }

    #[test]
    fn buffers_at_most_one_message() {
        let mut framer = TcpFramer::new();
        let flood = vec![0xFFu8; 200_000];
        let taken = framer.push(&flood);
        assert_eq!(taken, 2 + MAX_MESSAGE_LEN);
        assert_eq!(framer.next_message().map(|m| m.len()), Some(0xFFFF));
        assert_eq!(framer.push(&flood[taken..]), 2 + MAX_MESSAGE_LEN);
    }
}
