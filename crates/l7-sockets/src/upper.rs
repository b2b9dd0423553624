//! The lab servers' transformation: answer with the text in upper case.
//!
//! TCP delivers a byte stream, not messages, so [`Uppercaser`] works on
//! whatever arrives: it upper-cases valid UTF-8 (like Python's `str.upper`,
//! which the labs use), passes other bytes through unchanged, and carries an
//! incomplete multi-byte character over to the next read. Memory per
//! connection is therefore bounded by one read, whatever the client sends.

/// Streaming upper-caser for one connection.
#[derive(Debug, Default)]
pub struct Uppercaser {
    /// The first bytes of a UTF-8 character split across reads (at most 3).
    carry: Vec<u8>,
}

impl Uppercaser {
    /// A new upper-caser with nothing carried over.
    pub fn new() -> Self {
        Self::default()
    }

    /// Upper-cases `input` (following any carried bytes), appending to `out`.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        let joined;
        let data: &[u8] = if self.carry.is_empty() {
            input
        } else {
            self.carry.extend_from_slice(input);
            joined = std::mem::take(&mut self.carry);
            &joined
        };
        let mut rest = data;
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    out.extend_from_slice(s.to_uppercase().as_bytes());
                    return;
                }
                Err(e) => {
                    let (valid, after) = rest.split_at(e.valid_up_to());
                    // `valid` is UTF-8 by the error's contract.
                    if let Ok(s) = std::str::from_utf8(valid) {
                        out.extend_from_slice(s.to_uppercase().as_bytes());
                    }
                    match e.error_len() {
                        Some(bad) => {
                            out.extend_from_slice(&after[..bad]);
                            rest = &after[bad..];
                        }
                        None => {
                            // An incomplete character at the end: keep it for the next read.
                            self.carry.extend_from_slice(after);
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Emits whatever was carried over (the peer closed mid-character).
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        out.append(&mut self.carry);
    }
}

/// Upper-cases one whole message (a UDP datagram).
pub fn uppercase(input: &[u8]) -> Vec<u8> {
    let mut up = Uppercaser::new();
    let mut out = Vec::with_capacity(input.len());
    up.push(input, &mut out);
    up.finish(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uppercases_like_python() {
        assert_eq!(uppercase(b"hello, world\n"), b"HELLO, WORLD\n");
        assert_eq!(uppercase("crêpes".as_bytes()), "CRÊPES".as_bytes());
        assert_eq!(uppercase("straße".as_bytes()), "STRASSE".as_bytes());
    }

    #[test]
    fn passes_invalid_bytes_through() {
        assert_eq!(uppercase(b"a\xffb\x00c"), b"A\xffB\x00C");
    }

    #[test]
    fn joins_a_character_split_across_reads() {
        let bytes = "é".as_bytes();
        let mut up = Uppercaser::new();
        let mut out = Vec::new();
        up.push(&[b'x', bytes[0]], &mut out);
        assert_eq!(out, b"X");
        up.push(&bytes[1..], &mut out);
        assert_eq!(out, "XÉ".as_bytes());
    }

    proptest::proptest! {
        #[test]
        fn any_split_gives_the_same_answer(s in "\\PC{0,40}", cut in 0usize..200) {
            let bytes = s.as_bytes();
            let cut = cut.min(bytes.len());
            let mut up = Uppercaser::new();
            let mut out = Vec::new();
            up.push(&bytes[..cut], &mut out);
            up.push(&bytes[cut..], &mut out);
            up.finish(&mut out);
            proptest::prop_assert_eq!(out, s.to_uppercase().into_bytes());
        }
    }
}
