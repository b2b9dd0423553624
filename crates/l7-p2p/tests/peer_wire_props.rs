//! Property tests of the peer wire: parse(emit(m)) == m for every message,
//! streaming (a message split anywhere is Incomplete, then whole), and the
//! parser never panics on arbitrary bytes.

use l7_p2p::metainfo::InfoHash;
use l7_p2p::peer_wire::{BLOCK_SIZE, BlockRef, Handshake, Message};
use proptest::prelude::*;

fn block() -> impl Strategy<Value = BlockRef> {
    (any::<u32>(), any::<u32>(), 1..=BLOCK_SIZE).prop_map(|(index, begin, length)| BlockRef {
        index,
        begin,
        length,
    })
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        Just(Message::KeepAlive),
        Just(Message::Choke),
        Just(Message::Unchoke),
        Just(Message::Interested),
        Just(Message::NotInterested),
        Just(Message::HaveAll),
        Just(Message::HaveNone),
        any::<u32>().prop_map(Message::Have),
        any::<u32>().prop_map(Message::Suggest),
        any::<u32>().prop_map(Message::AllowedFast),
        any::<u16>().prop_map(Message::Port),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(Message::Bitfield),
        block().prop_map(Message::Request),
        block().prop_map(Message::Cancel),
        block().prop_map(Message::RejectRequest),
        (
            any::<u32>(),
            any::<u32>(),
            proptest::collection::vec(any::<u8>(), 1..64)
        )
            .prop_map(|(index, begin, data)| Message::Piece { index, begin, data }),
        (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..64))
            .prop_map(|(id, payload)| Message::Extended { id, payload }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn messages_round_trip_and_stream(msgs in proptest::collection::vec(message(), 1..6), cut in any::<prop::sample::Index>()) {
        let mut stream = Vec::new();
        msgs.iter().for_each(|m| m.emit(&mut stream));
        let mut parsed = Vec::new();
        let mut rest = &stream[..];
        while !rest.is_empty() {
            let (m, n) = Message::parse(rest).unwrap();
            parsed.push(m);
            rest = &rest[n..];
        }
        prop_assert_eq!(&parsed, &msgs);
        let first = msgs[0].to_bytes();
        let at = cut.index(first.len());
        prop_assert_eq!(Message::parse(&first[..at]), Err(l7_wire::WireError::Incomplete));
    }

    #[test]
    fn handshake_round_trips(reserved in any::<[u8; 8]>(), hash in any::<[u8; 20]>(), id in any::<[u8; 20]>()) {
        let h = Handshake { reserved, info_hash: InfoHash(hash), peer_id: id };
        let mut out = Vec::new();
        h.emit(&mut out);
        prop_assert_eq!(Handshake::parse(&out).unwrap(), (h, 68));
    }

    #[test]
    fn parse_never_panics_and_never_overreads(input in proptest::collection::vec(any::<u8>(), 0..80)) {
        if let Ok((m, n)) = Message::parse(&input) {
            prop_assert!(n <= input.len());
            prop_assert_eq!(m.to_bytes(), &input[..n]);
        }
        let _ = Handshake::parse(&input);
    }
}
