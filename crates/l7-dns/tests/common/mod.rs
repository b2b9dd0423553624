//! Proptest strategies shared by the wire tests: names, records of every
//! type l7 knows, and whole messages.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use l7_dns::wire::{
    Class, ClientSubnet, Edns, EdnsOption, Flags, Message, Name, Opcode, Question, RData, Rcode,
    Record, RecordType, Soa,
};
use proptest::collection::vec;
use proptest::prelude::*;

/// Labels from a small alphabet so that names share suffixes (and compress).
pub fn name() -> impl Strategy<Value = Name> {
    vec(
        prop_oneof![
            Just("a".to_string()),
            Just("B".to_string()),
            Just("com".to_string()),
            Just("long-label-0123456789".to_string()),
            "[a-z0-9-]{1,12}"
        ],
        0..5,
    )
    .prop_map(|labels| {
        if labels.is_empty() {
            Name::root()
        } else {
            labels.join(".").parse().unwrap()
        }
    })
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..max)
}

pub fn rdata() -> impl Strategy<Value = RData> {
    prop_oneof![
        any::<u32>().prop_map(|a| RData::A(Ipv4Addr::from(a))),
        any::<u128>().prop_map(|a| RData::Aaaa(Ipv6Addr::from(a))),
        name().prop_map(RData::Ns),
        name().prop_map(RData::Cname),
        name().prop_map(RData::Ptr),
        name().prop_map(RData::Dname),
        (name(), name(), any::<[u32; 5]>()).prop_map(|(mname, rname, v)| RData::Soa(Soa {
            mname,
            rname,
            serial: v[0],
            refresh: v[1],
            retry: v[2],
            expire: v[3],
            minimum: v[4],
        })),
        (any::<u16>(), name()).prop_map(|(preference, exchange)| RData::Mx {
            preference,
            exchange
        }),
        vec(bytes(40), 1..4).prop_map(RData::Txt),
        (any::<u16>(), any::<u16>(), any::<u16>(), name()).prop_map(
            |(priority, weight, port, target)| RData::Srv {
                priority,
                weight,
                port,
                target
            }
        ),
        (
            prop_oneof![Just(0u8), Just(128u8)],
            prop_oneof![Just("issue"), Just("iodef"), Just("tbs")],
            "[a-z.]{1,20}"
        )
            .prop_map(|(flags, tag, value)| RData::Caa {
                flags,
                tag: tag.as_bytes().to_vec(),
                value: value.into_bytes()
            }),
        (
            prop_oneof![Just(65281u16), Just(65280u16), Just(4000u16)],
            bytes(30)
        )
            .prop_map(|(t, data)| RData::Unknown {
                rtype: RecordType(t),
                data
            }),
    ]
}

pub fn record() -> impl Strategy<Value = Record> {
    (name(), 0u32..0x7FFF_FFFF, rdata()).prop_map(|(name, ttl, rdata)| Record {
        name,
        class: Class::IN,
        ttl,
        rdata,
    })
}

pub fn edns() -> impl Strategy<Value = Edns> {
    (
        512u16..=4096,
        any::<bool>(),
        prop::option::of(
            (any::<u32>(), 0u8..=32)
                .prop_map(|(a, p)| ClientSubnet::new(IpAddr::V4(Ipv4Addr::from(a)), p)),
        ),
    )
        .prop_map(|(udp_size, dnssec_ok, subnet)| Edns {
            udp_size,
            dnssec_ok,
            options: subnet.into_iter().map(EdnsOption::ClientSubnet).collect(),
            ..Edns::default()
        })
}

pub fn message() -> impl Strategy<Value = Message> {
    (
        any::<u16>(),
        any::<[bool; 7]>(),
        prop_oneof![Just(Opcode::QUERY), Just(Opcode::NOTIFY)],
        0u16..6,
        vec(
            (
                name(),
                prop_oneof![
                    Just(RecordType::A),
                    Just(RecordType::MX),
                    Just(RecordType::ANY)
                ],
            ),
            0..2,
        ),
        vec(record(), 0..5),
        vec(record(), 0..3),
        vec(record(), 0..3),
        prop::option::of(edns()),
    )
        .prop_map(
            |(id, f, opcode, rcode, qs, answers, authority, additional, edns)| Message {
                id,
                flags: Flags {
                    response: f[0],
                    authoritative: f[1],
                    truncated: f[2],
                    recursion_desired: f[3],
                    recursion_available: f[4],
                    authentic_data: f[5],
                    checking_disabled: f[6],
                },
                opcode,
                rcode: Rcode(rcode),
                questions: qs.into_iter().map(|(n, t)| Question::new(n, t)).collect(),
                answers,
                authority,
                additional,
                edns,
            },
        )
}
