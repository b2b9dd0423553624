//! Property tests of the chunked coding: any body cut into any chunks, with
//! any trailers, decodes to the same body and trailers whatever the pieces
//! the bytes arrive in; and decoding never yields more bytes than it read.

use l7_http::wire::Headers;
use l7_http::wire::chunked::{Chunk, ChunkedDecoder, encode_chunk, encode_last_chunk};
use proptest::prelude::*;

fn decode_in_pieces(wire: &[u8], step: usize) -> Option<(Vec<u8>, Headers<'static>, usize)> {
    let mut decoder = ChunkedDecoder::new();
    let mut pending = Vec::new();
    let mut body = Vec::new();
    let mut consumed = 0;
    for piece in wire.chunks(step) {
        pending.extend_from_slice(piece);
        let mut at = 0;
        loop {
            let (used, out) = decoder.decode(&pending[at..]).ok()?;
            at += used;
            match out {
                Some(Chunk::Data(d)) => body.extend_from_slice(d),
                Some(Chunk::End(t)) => return Some((body, t, consumed + at)),
                None => break,
            }
        }
        consumed += at;
        pending.drain(..at);
    }
    None
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn encode_then_decode(
        pieces in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..8),
        trailers in proptest::collection::vec(("[A-Za-z-]{1,8}", "[!-~]{0,10}"), 0..3),
        step in 1usize..64,
        after in proptest::collection::vec(any::<u8>(), 0..8),
    ) {
        let mut wire = Vec::new();
        for p in &pieces {
            encode_chunk(p, &mut wire);
        }
        let mut t = Headers::new();
        for (n, v) in trailers {
            t.append(n, v.into_bytes());
        }
        encode_last_chunk(&t, &mut wire);
        let end = wire.len();
        wire.extend_from_slice(&after);
        let (body, got_trailers, used) = decode_in_pieces(&wire, step).unwrap();
        prop_assert_eq!(body, pieces.concat());
        prop_assert_eq!(got_trailers, t);
        prop_assert_eq!(used, end, "the decoder stops exactly at the end of the body");
    }

    #[test]
    fn arbitrary_bytes_never_panic_or_inflate(bytes in proptest::collection::vec(any::<u8>(), 0..200), step in 1usize..16) {
        if let Some((body, _, used)) = decode_in_pieces(&bytes, step) {
            prop_assert!(body.len() <= used);
        }
    }
}
