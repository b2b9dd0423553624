//! Extension protocol payloads (BEP 10): the extended handshake (extended
//! id 0), a bencoded dictionary whose `m` maps extension names to the ids the
//! sender wants to receive them on; and ut_pex (BEP 11), compact lists of
//! peers added and dropped since the last exchange.

use std::collections::BTreeMap;
use std::net::{SocketAddrV4, SocketAddrV6};

use l7_wire::WireError;

use crate::bencode::{self, Value};
use crate::compact;

/// The BEP 10 extended handshake.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtendedHandshake {
    /// `m`: extension name → message id (0 disables).
    pub extensions: BTreeMap<String, u8>,
    /// `p`: the sender's listening port.
    pub listen_port: Option<u16>,
    /// `v`: client name and version.
    pub client: Option<String>,
    /// `reqq`: how many outstanding requests the sender accepts.
    pub request_queue: Option<u32>,
    /// `yourip`: our address as the sender sees it (4 or 16 bytes).
    pub your_ip: Option<Vec<u8>>,
    /// `metadata_size` (BEP 9).
    pub metadata_size: Option<u64>,
}

/// The ut_pex name in `m`.
pub const UT_PEX: &str = "ut_pex";

fn small_int<T: TryFrom<i64>>(v: Option<&Value>) -> Option<T> {
    v.and_then(Value::as_int).and_then(|i| T::try_from(i).ok())
}

fn decode_dict(payload: &[u8]) -> Result<Value, WireError> {
    let v = bencode::decode(payload).map_err(|e| WireError::invalid(e.to_string()))?;
    if v.as_dict().is_none() {
        return Err(WireError::invalid("extended payload is not a dictionary"));
    }
    Ok(v)
}

impl ExtendedHandshake {
    /// Parses the payload after the extended id. Unknown keys are ignored (BEP 10).
    pub fn parse(payload: &[u8]) -> Result<Self, WireError> {
        let v = decode_dict(payload)?;
        let extensions = v
            .get("m")
            .and_then(Value::as_dict)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, id)| {
                        Some((String::from_utf8(k.clone()).ok()?, small_int(Some(id))?))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(ExtendedHandshake {
            extensions,
            listen_port: small_int(v.get("p")),
            client: v.get("v").and_then(Value::as_str).map(str::to_string),
            request_queue: small_int(v.get("reqq")),
            your_ip: v
                .get("yourip")
                .and_then(Value::as_bytes)
                .map(<[u8]>::to_vec),
            metadata_size: small_int(v.get("metadata_size")),
        })
    }

    /// The bencoded payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut d = vec![(
            "m",
            Value::dict(
                self.extensions
                    .iter()
                    .map(|(k, id)| (k.as_str(), Value::Int(i64::from(*id)))),
            ),
        )];
        if let Some(p) = self.listen_port {
            d.push(("p", Value::Int(i64::from(p))));
        }
        if let Some(c) = &self.client {
            d.push(("v", Value::from(c.as_str())));
        }
        if let Some(q) = self.request_queue {
            d.push(("reqq", Value::Int(i64::from(q))));
        }
        if let Some(ip) = &self.your_ip {
            d.push(("yourip", Value::bytes(ip)));
        }
        if let Some(s) = self.metadata_size {
            d.push((
                "metadata_size",
                Value::Int(i64::try_from(s).unwrap_or(i64::MAX)),
            ));
        }
        Value::dict(d).to_bytes()
    }

    /// The id the sender wants `name` messages on, if it supports it.
    pub fn id_of(&self, name: &str) -> Option<u8> {
        self.extensions.get(name).copied().filter(|&id| id != 0)
    }
}

/// A ut_pex message (BEP 11).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PexMessage {
    /// `added`: IPv4 peers now connected.
    pub added: Vec<SocketAddrV4>,
    /// `added.f`: one flag byte per added peer (0x01 encryption, 0x02 seed...).
    pub added_flags: Vec<u8>,
    /// `dropped`: IPv4 peers disconnected.
    pub dropped: Vec<SocketAddrV4>,
    /// `added6`.
    pub added6: Vec<SocketAddrV6>,
    /// `dropped6`.
    pub dropped6: Vec<SocketAddrV6>,
}

impl PexMessage {
    /// Parses a ut_pex payload; malformed compact lists are errors.
    pub fn parse(payload: &[u8]) -> Result<Self, WireError> {
        let v = decode_dict(payload)?;
        let bytes = |k: &str| v.get(k).and_then(Value::as_bytes).unwrap_or_default();
        let bad = |k: &str| WireError::invalid(format!("ut_pex {k} is not a compact peer list"));
        Ok(PexMessage {
            added: compact::decode_v4(bytes("added")).ok_or_else(|| bad("added"))?,
            added_flags: bytes("added.f").to_vec(),
            dropped: compact::decode_v4(bytes("dropped")).ok_or_else(|| bad("dropped"))?,
            added6: compact::decode_v6(bytes("added6")).ok_or_else(|| bad("added6"))?,
            dropped6: compact::decode_v6(bytes("dropped6")).ok_or_else(|| bad("dropped6"))?,
        })
    }

    /// The bencoded payload.
    pub fn to_bytes(&self) -> Vec<u8> {
        let v4 = |peers: &[SocketAddrV4]| {
            let mut out = Vec::new();
            compact::encode_v4(peers, &mut out);
            Value::Bytes(out)
        };
        let v6 = |peers: &[SocketAddrV6]| {
            let mut out = Vec::new();
            compact::encode_v6(peers, &mut out);
            Value::Bytes(out)
        };
        Value::dict([
            ("added", v4(&self.added)),
            ("added.f", Value::bytes(&self.added_flags)),
            ("dropped", v4(&self.dropped)),
            ("added6", v6(&self.added6)),
            ("dropped6", v6(&self.dropped6)),
        ])
        .to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn bep10_handshake_example() {
        // BEP 10's example: d1:md11:LT_metadatai1e6:µT_PEXi2ee1:pi6881e1:v13:µTorrent 1.2e
        let raw = "d1:md11:LT_metadatai1e7:\u{b5}T_PEXi2ee1:pi6881e1:v13:\u{b5}Torrent 1.2e";
        let h = ExtendedHandshake::parse(raw.as_bytes()).unwrap();
        assert_eq!(h.listen_port, Some(6881));
        assert_eq!(h.id_of("LT_metadata"), Some(1));
        assert_eq!(h.id_of("\u{b5}T_PEX"), Some(2));
        assert_eq!(h.client.as_deref(), Some("\u{b5}Torrent 1.2"));
        assert_eq!(h.to_bytes(), raw.as_bytes());
        assert!(ExtendedHandshake::parse(b"i1e").is_err());
    }

    #[test]
    fn pex_round_trip() {
        let p = PexMessage {
            added: vec![SocketAddrV4::new(Ipv4Addr::new(1, 2, 3, 4), 5)],
            added_flags: vec![2],
            dropped: vec![SocketAddrV4::new(Ipv4Addr::new(5, 6, 7, 8), 9)],
            ..Default::default()
        };
        assert_eq!(PexMessage::parse(&p.to_bytes()).unwrap(), p);
        assert!(PexMessage::parse(b"d5:added5:12345e").is_err());
    }
}
