//! The authoritative server's logic, sans-IO: bytes of a query in, bytes
//! of the response out. Status codes follow RFC 1035 §4.1.1 (FORMERR,
//! NOTIMP, REFUSED), RFC 6891 (EDNS: OPT echoed, 1232 advertised, BADVERS),
//! RFC 2181 §9 (TC when the answer does not fit), RFC 5936 (AXFR over TCP
//! to clients the caller allows) and RFC 1996 (NOTIFY). Routed names (a
//! CDN's request routing, [`route`]) are answered per client, with the
//! Client Subnet scope set (RFC 7871 §7.2.1).

mod answer;
mod route;
mod rrl;
mod transfer;

use std::collections::HashMap;
use std::net::IpAddr;

pub use answer::{Answer, MAX_CHAIN, Part, answer};
pub use route::{Asker, Choice, Route, Routes};
pub use rrl::{RateLimiter, RrlConfig, Verdict};
pub use transfer::{AXFR_MESSAGE_LIMIT, notify};

use l7_wire::prefix::Prefix;

use crate::wire::{
    ADVERTISED_UDP_SIZE, CLASSIC_UDP_LIMIT, Class, Edns, EdnsOption, Flags, Header, LowerName,
    MAX_MESSAGE_LEN, MessageView, MessageWriter, Name, Opcode, Question, RData, Rcode, Record,
    RecordType, Section,
};
use crate::zone::Zone;

/// The zones served, indexed by lowercased apex.
#[derive(Debug, Default)]
pub struct Zones {
    by_apex: HashMap<Box<[u8]>, Zone>,
}

impl Zones {
    /// Indexes `zones` (a later zone with the same apex replaces an earlier one).
    pub fn new(zones: impl IntoIterator<Item = Zone>) -> Zones {
        Zones {
            by_apex: zones
                .into_iter()
                .map(|z| (z.apex().lower_wire().into_boxed_slice(), z))
                .collect(),
        }
    }

    /// The zone with the longest apex that holds `lower` (lowercased wire form).
    pub fn find_zone(&self, lower: &[u8]) -> Option<&Zone> {
        let mut pos = 0;
        loop {
            if let Some(zone) = self.by_apex.get(&lower[pos..]) {
                return Some(zone);
            }
            let len = usize::from(*lower.get(pos)?);
            if len == 0 {
                return None;
            }
            pos += 1 + len;
        }
    }

    /// The zone whose apex is exactly `apex`.
    pub fn get(&self, apex: &Name) -> Option<&Zone> {
        self.by_apex.get(apex.lower_wire().as_slice())
    }

    /// All zones.
    pub fn iter(&self) -> impl Iterator<Item = &Zone> {
        self.by_apex.values()
    }
}

/// How the query arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A datagram: the response must fit the client's UDP size.
    Udp,
    /// A TCP stream: up to 65535 bytes, and zone transfers.
    Tcp,
}

/// What to send back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// One response was appended to the output buffer.
    Message,
    /// Nothing is sent (the input was a response, or not even a header).
    Nothing,
    /// A zone transfer: send each message in order on the TCP connection.
    Transfer(Vec<Vec<u8>>),
}

/// Decides whether `client` may transfer the zone at `apex`.
pub type TransferAcl = Box<dyn Fn(IpAddr, &Name) -> bool + Send + Sync>;

/// An authoritative server for a set of zones.
pub struct Authority {
    zones: Zones,
    transfer_acl: TransferAcl,
    routes: Routes,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("zones", &self.zones)
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// Serves `zones`; zone transfers are refused to everyone until
    /// [`Authority::with_transfer_acl`] says otherwise.
    pub fn new(zones: impl IntoIterator<Item = Zone>) -> Authority {
        Authority {
            zones: Zones::new(zones),
            transfer_acl: Box::new(|_, _| false),
            routes: Routes::default(),
        }
    }

    /// Routes names per client (request routing for a CDN). Each route's
    /// owner must hold an A or AAAA RRset in a zone served here that lists
    /// every edge the route names.
    pub fn with_routes(mut self, routes: Routes) -> Result<Authority, String> {
        for route in routes.iter() {
            let lower = LowerName::from_name(&route.owner);
            let addresses = self.addresses(lower.wire());
            if addresses.is_empty() {
                return Err(format!(
                    "route {}: no zone served here gives it A or AAAA records: list every edge as an address of the name",
                    route.owner
                ));
            }
            let named = std::iter::once(&route.default).chain(route.clients.iter().map(|c| &c.1));
            if let Some(edge) = named.into_iter().find(|e| !addresses.contains(e)) {
                return Err(format!(
                    "route {}: edge {edge} is not among the name's addresses in its zone ({})",
                    route.owner,
                    addresses
                        .iter()
                        .map(|a| a.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        self.routes = routes;
        Ok(self)
    }

    /// The routed names and their edges' health.
    pub fn routes(&self) -> &Routes {
        &self.routes
    }

    /// The A and AAAA addresses of a node (lowercased wire name).
    fn addresses(&self, lower: &[u8]) -> Vec<IpAddr> {
        let node = self.zones.find_zone(lower).and_then(|z| z.node(lower));
        [RecordType::A, RecordType::AAAA]
            .into_iter()
            .filter_map(|t| node.and_then(|n| n.rrset(t)))
            .flat_map(|set| set.records.iter().filter_map(|r| address(&r.rdata)))
            .collect()
    }

    /// Replaces each routed address RRset of the answer with the one edge
    /// for this client (RFC 7871); returns the scope when a Client Subnet
    /// option took part.
    fn route(&self, found: &mut Answer<'_>, client: IpAddr, edns: Option<&Edns>) -> Option<u8> {
        let subnet = edns.and_then(Edns::client_subnet);
        let asker = match subnet {
            Some(c) => Asker::Subnet(Prefix::new(c.address, c.source_prefix)),
            None => Asker::Source(client),
        };
        let mut scope = None;
        for part in &mut found.answer {
            let records = part.records();
            let Some(first) = records.first() else {
                continue;
            };
            if !matches!(first.rtype(), RecordType::A | RecordType::AAAA) {
                continue;
            }
            let Some(route) = self.routes.get(LowerName::from_name(&first.name).wire()) else {
                continue;
            };
            let candidates: Vec<IpAddr> =
                records.iter().filter_map(|r| address(&r.rdata)).collect();
            let choice = self.routes.choose(route, asker, &candidates);
            let Some(pick) = records
                .iter()
                .find(|r| address(&r.rdata) == Some(choice.edge))
            else {
                continue;
            };
            let routed = Record {
                ttl: route.ttl.min(pick.ttl),
                ..pick.clone()
            };
            *part = Part::Made(vec![routed]);
            scope = subnet.map(|_| scope.unwrap_or(0).max(choice.scope));
        }
        scope
    }

    /// Sets who may transfer which zone.
    pub fn with_transfer_acl(
        mut self,
        acl: impl Fn(IpAddr, &Name) -> bool + Send + Sync + 'static,
    ) -> Authority {
        self.transfer_acl = Box::new(acl);
        self
    }

    /// The zones served.
    pub fn zones(&self) -> &Zones {
        &self.zones
    }

    /// Answers the query in `query` from `client` over `transport`,
    /// appending the response to `out` (or returning a zone transfer).
    pub fn respond(
        &self,
        query: &[u8],
        client: IpAddr,
        transport: Transport,
        out: &mut Vec<u8>,
    ) -> Reply {
        let view = match MessageView::parse(query) {
            Ok(v) => v,
            Err(_) => {
                // RFC 1035 §4.1.1: FORMERR, with the ID when the header is readable.
                return match MessageView::header_only(query) {
                    Some(h) if !h.flags.response => {
                        error_response(&h, None, Rcode::FORMERR, None, out);
                        Reply::Message
                    }
                    _ => Reply::Nothing,
                };
            }
        };
        let h = view.header;
        if h.flags.response {
            return Reply::Nothing;
        }
        let question = view
            .question_name()
            .zip(view.question())
            .map(|(name, q)| Question {
                name,
                qtype: q.qtype,
                qclass: q.qclass,
            });
        let edns = view.edns.as_ref().map(response_edns);
        if h.opcode != Opcode::QUERY {
            error_response(&h, question.as_ref(), Rcode::NOTIMP, edns.as_ref(), out);
            return Reply::Message;
        }
        let Some(question) = question.filter(|_| h.qdcount == 1) else {
            error_response(&h, None, Rcode::FORMERR, edns.as_ref(), out);
            return Reply::Message;
        };
        if view.edns.as_ref().is_some_and(|e| e.version > 0) {
            // RFC 6891 §6.1.3: an unsupported version gets BADVERS and our OPT.
            error_response(&h, Some(&question), Rcode::BADVERS, edns.as_ref(), out);
            return Reply::Message;
        }
        if question.qclass != Class::IN {
            error_response(&h, Some(&question), Rcode::REFUSED, edns.as_ref(), out);
            return Reply::Message;
        }
        match (question.qtype, transport) {
            (RecordType::AXFR, Transport::Tcp) => {
                return match self.transfer(&h, &question, client) {
                    Some(messages) => Reply::Transfer(messages),
                    None => {
                        error_response(&h, Some(&question), Rcode::REFUSED, edns.as_ref(), out);
                        Reply::Message
                    }
                };
            }
            (RecordType::AXFR | RecordType::IXFR, _) => {
                error_response(&h, Some(&question), Rcode::NOTIMP, edns.as_ref(), out);
                return Reply::Message;
            }
            _ => {}
        }
        let Some(mut found) = answer(&self.zones, &question.name, question.qtype) else {
            error_response(&h, Some(&question), Rcode::REFUSED, edns.as_ref(), out);
            return Reply::Message;
        };
        let mut edns = edns;
        if !self.routes.is_empty()
            && let Some(scope) = self.route(&mut found, client, view.edns.as_ref())
        {
            set_scope(edns.as_mut(), scope);
        }
        let limit = match (transport, &view.edns) {
            (Transport::Tcp, _) => MAX_MESSAGE_LEN,
            (Transport::Udp, None) => CLASSIC_UDP_LIMIT,
            (Transport::Udp, Some(e)) => usize::from(e.udp_size.clamp(512, ADVERTISED_UDP_SIZE)),
        };
        let header = response_header(&h, found.rcode, found.authoritative);
        let mut w = MessageWriter::new(out, header, limit, edns.as_ref());
        w.question(&question);
        for (section, parts) in [
            (Section::Answer, &found.answer),
            (Section::Authority, &found.authority),
            (Section::Additional, &found.additional),
        ] {
            for part in parts {
                w.rrset(section, part.records());
            }
        }
        w.finish(edns.as_ref(), found.rcode);
        Reply::Message
    }

    fn transfer(&self, h: &Header, question: &Question, client: IpAddr) -> Option<Vec<Vec<u8>>> {
        let zone = self.zones.get(&question.name)?;
        if !(self.transfer_acl)(client, zone.apex()) {
            return None;
        }
        Some(transfer::axfr_messages(zone, h.id, question))
    }
}

/// The OPT record of a response (RFC 6891 §6.1.1): our UDP size, version 0,
/// DO copied (RFC 3225 §3), Client Subnet echoed with scope 0 (RFC 7871
/// §7.2.1: the answer does not depend on the client's network).
fn response_edns(query: &Edns) -> Edns {
    Edns {
        dnssec_ok: query.dnssec_ok,
        options: query
            .client_subnet()
            .map(|c| {
                let mut c = c.clone();
                c.scope_prefix = 0;
                EdnsOption::ClientSubnet(c)
            })
            .into_iter()
            .collect(),
        ..Edns::default()
    }
}

/// RFC 7871 §7.2.1: the scope of a routed answer in the echoed option.
fn set_scope(edns: Option<&mut Edns>, scope: u8) {
    for option in edns.into_iter().flat_map(|e| e.options.iter_mut()) {
        if let EdnsOption::ClientSubnet(c) = option {
            c.scope_prefix = scope;
        }
    }
}

fn address(rdata: &RData) -> Option<IpAddr> {
    match rdata {
        RData::A(a) => Some(IpAddr::V4(*a)),
        RData::Aaaa(a) => Some(IpAddr::V6(*a)),
        _ => None,
    }
}

fn response_header(query: &Header, rcode: Rcode, authoritative: bool) -> Header {
    Header {
        id: query.id,
        flags: Flags {
            response: true,
            authoritative,
            recursion_desired: query.flags.recursion_desired,
            checking_disabled: query.flags.checking_disabled,
            ..Flags::default()
        },
        opcode: query.opcode,
        rcode_low: (rcode.0 & 0x0F) as u8,
        ..Header::default()
    }
}

fn error_response(
    query: &Header,
    question: Option<&Question>,
    rcode: Rcode,
    edns: Option<&Edns>,
    out: &mut Vec<u8>,
) {
    let mut w = MessageWriter::new(
        out,
        response_header(query, rcode, false),
        CLASSIC_UDP_LIMIT,
        edns,
    );
    if let Some(q) = question {
        w.question(q);
    }
    w.finish(edns, rcode);
}
