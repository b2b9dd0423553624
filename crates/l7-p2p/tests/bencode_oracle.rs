//! Bencode property tests: parse(emit(v)) == v, and a differential test
//! against bendy (the oracle): on the same bytes both accept or both reject,
//! and when both accept they agree on the value.

use std::collections::BTreeMap;

use bendy::decoding::{Decoder, Object};
use l7_p2p::bencode::{self, Value};
use proptest::prelude::*;

/// Converts a bendy object into our `Value`; `None` when it cannot be one
/// (bendy keeps integers as text and accepts any length; we accept i64).
fn from_bendy(obj: Object<'_, '_>) -> Result<Option<Value>, bendy::decoding::Error> {
    Ok(match obj {
        Object::Integer(s) => s.parse::<i64>().ok().map(Value::Int),
        Object::Bytes(b) => Some(Value::bytes(b)),
        Object::List(mut list) => {
            let mut items = Vec::new();
            while let Some(item) = list.next_object()? {
                match from_bendy(item)? {
                    Some(v) => items.push(v),
                    None => return Ok(None),
                }
            }
            Some(Value::List(items))
        }
        Object::Dict(mut dict) => {
            let mut entries = BTreeMap::new();
            while let Some((k, v)) = dict.next_pair()? {
                match from_bendy(v)? {
                    Some(v) => entries.insert(k.to_vec(), v),
                    None => return Ok(None),
                };
            }
            Some(Value::Dict(entries))
        }
    })
}

/// bendy's verdict on a whole buffer holding exactly one value.
fn bendy_decode(input: &[u8]) -> Option<Value> {
    let mut decoder = Decoder::new(input).with_max_depth(bencode::Limits::MAX_DEPTH + 1);
    let value = {
        let obj = decoder.next_object().ok()??;
        from_bendy(obj).ok()??
    };
    match decoder.next_object() {
        Ok(None) => Some(value),
        _ => None,
    }
}

fn value_strategy() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<i64>().prop_map(Value::Int),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(Value::Bytes),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            proptest::collection::btree_map(
                proptest::collection::vec(any::<u8>(), 0..6),
                inner,
                0..6
            )
            .prop_map(Value::Dict),
        ]
    })
}

/// Bytes that look like bencode often enough to reach deep parser states.
fn bencodish() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            Just(b'i'),
            Just(b'e'),
            Just(b'l'),
            Just(b'd'),
            Just(b':'),
            Just(b'-'),
            Just(b'0'),
            Just(b'1'),
            Just(b'2'),
            Just(b'a'),
            any::<u8>()
        ],
        0..40,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn emit_then_parse_round_trips(v in value_strategy()) {
        let bytes = v.to_bytes();
        prop_assert_eq!(bencode::decode(&bytes), Ok(v.clone()));
        prop_assert_eq!(bendy_decode(&bytes), Some(v));
    }

    #[test]
    fn same_verdict_as_bendy_on_arbitrary_bytes(input in bencodish()) {
        let ours = bencode::decode(&input).ok();
        prop_assert_eq!(&ours, &bendy_decode(&input), "input {:?}", String::from_utf8_lossy(&input));
        if let Some(v) = ours {
            // Strict parsing means accepted input is already canonical.
            prop_assert_eq!(v.to_bytes(), input);
        }
    }

    #[test]
    fn same_verdict_as_bendy_on_mutated_encodings(v in value_strategy(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut bytes = v.to_bytes();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        prop_assert_eq!(bencode::decode(&bytes).ok(), bendy_decode(&bytes));
    }
}

#[test]
fn bendy_agrees_on_fixtures() {
    for (input, accepted) in [
        (&b"d3:cow3:moo4:spam4:eggse"[..], true),
        (b"i-0e", false),
        (b"i03e", false),
        (b"d4:spam4:eggs3:cow3:mooe", false),
        (b"d3:cow3:moo3:cow3:mooe", false),
        (b"le", true),
        (b"de", true),
        (b"l", false),
    ] {
        assert_eq!(bencode::decode(input).is_ok(), accepted, "{input:?}");
        assert_eq!(bendy_decode(input).is_some(), accepted, "{input:?}");
    }
}
