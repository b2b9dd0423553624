//! Record data in presentation format (RFC 1035 §5.1, RFC 3597 §5): reads
//! the fields of each known type, character-strings with escapes, TTLs with
//! BIND-style units, and the generic `\# length hex` form for any type.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::lexer::Token;
use crate::wire::{Name, RData, RecordType, Soa, unescape};

/// RFC 2181 §8: TTLs are at most 2^31 - 1.
pub const MAX_TTL: u32 = 0x7FFF_FFFF;

/// Reads a TTL: seconds, or BIND units such as `1h30m`, `2d`, `1w`.
pub fn parse_ttl(text: &[u8]) -> Result<u32, String> {
    seconds(text, MAX_TTL)
}

/// Reads a number of seconds (plain or with units) of at most `max`.
fn seconds(text: &[u8], max: u32) -> Result<u32, String> {
    let bad = || format!("bad TTL {:?}", String::from_utf8_lossy(text));
    if text.is_empty() || !text[0].is_ascii_digit() {
        return Err(bad());
    }
    let (mut total, mut current, mut saw_unit) = (0u64, 0u64, false);
    let mut digits_pending = false;
    for &c in text {
        if c.is_ascii_digit() {
            current = current * 10 + u64::from(c - b'0');
            digits_pending = true;
            if current > u64::from(u32::MAX) {
                return Err(bad());
            }
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            b's' => 1,
            b'm' => 60,
            b'h' => 3600,
            b'd' => 86400,
            b'w' => 604_800,
            _ => return Err(bad()),
        };
        if !digits_pending {
            return Err(bad());
        }
        total += current * unit;
        current = 0;
        digits_pending = false;
        saw_unit = true;
    }
    if saw_unit && digits_pending {
        return Err(bad());
    }
    total += current;
    u32::try_from(total)
        .ok()
        .filter(|&t| t <= max)
        .ok_or_else(|| format!("{total} is larger than {max}"))
}

/// Interprets the escapes of a character-string (at most 255 octets).
pub fn character_string(token: &Token) -> Result<Vec<u8>, String> {
    let t = &token.text;
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        if t[i] == b'\\' {
            let (b, used) = unescape(&t[i..]).ok_or("bad escape in string")?;
            out.push(b);
            i += used;
        } else {
            out.push(t[i]);
            i += 1;
        }
    }
    if out.len() > 255 {
        return Err("character-string longer than 255 octets".into());
    }
    Ok(out)
}

struct Fields<'t> {
    tokens: &'t [Token],
    next: usize,
    rtype: RecordType,
}

impl<'t> Fields<'t> {
    fn take(&mut self, what: &str) -> Result<&'t Token, String> {
        let t = self
            .tokens
            .get(self.next)
            .ok_or_else(|| format!("{} record is missing its {what}", self.rtype))?;
        self.next += 1;
        Ok(t)
    }

    fn text(&mut self, what: &str) -> Result<&'t str, String> {
        let t = self.take(what)?;
        std::str::from_utf8(&t.text).map_err(|_| format!("bad {what}"))
    }

    fn name(&mut self, what: &str, origin: &Name) -> Result<Name, String> {
        let t = self.take(what)?;
        Name::from_text(&t.text, Some(origin)).map_err(|e| e.to_string())
    }

    fn number<T: std::str::FromStr>(&mut self, what: &str) -> Result<T, String> {
        let s = self.text(what)?;
        s.parse().map_err(|_| format!("bad {what} {s:?}"))
    }

    fn interval(&mut self, what: &str) -> Result<u32, String> {
        let t = self.take(what)?;
        // SOA intervals are 32-bit unsigned (RFC 1035 §3.3.13), TTLs are not.
        seconds(&t.text, u32::MAX).map_err(|e| format!("{what}: {e}"))
    }

    fn rest(&mut self) -> &'t [Token] {
        let r = &self.tokens[self.next..];
        self.next = self.tokens.len();
        r
    }

    fn done(&self) -> Result<(), String> {
        if self.next < self.tokens.len() {
            return Err(format!("too many fields for a {} record", self.rtype));
        }
        Ok(())
    }
}

/// Reads the RDATA of a `rtype` record from its fields, names relative to `origin`.
pub fn rdata_from_text(
    rtype: RecordType,
    tokens: &[Token],
    origin: &Name,
) -> Result<RData, String> {
    let mut f = Fields {
        tokens,
        next: 0,
        rtype,
    };
    if tokens
        .first()
        .is_some_and(|t| !t.quoted && t.text == b"\\#")
    {
        f.next = 1;
        return generic(rtype, &mut f);
    }
    let data = match rtype {
        RecordType::A => RData::A(f.number::<Ipv4Addr>("IPv4 address")?),
        RecordType::AAAA => RData::Aaaa(f.number::<Ipv6Addr>("IPv6 address")?),
        RecordType::NS => RData::Ns(f.name("name server", origin)?),
        RecordType::CNAME => RData::Cname(f.name("canonical name", origin)?),
        RecordType::PTR => RData::Ptr(f.name("target", origin)?),
        RecordType::DNAME => RData::Dname(f.name("target", origin)?),
        RecordType::SOA => RData::Soa(Soa {
            mname: f.name("primary server", origin)?,
            rname: f.name("mailbox", origin)?,
            serial: f.number("serial")?,
            refresh: f.interval("refresh")?,
            retry: f.interval("retry")?,
            expire: f.interval("expire")?,
            minimum: f.interval("minimum")?,
        }),
        RecordType::MX => RData::Mx {
            preference: f.number("preference")?,
            exchange: f.name("mail exchange", origin)?,
        },
        RecordType::SRV => RData::Srv {
            priority: f.number("priority")?,
            weight: f.number("weight")?,
            port: f.number("port")?,
            target: f.name("target", origin)?,
        },
        RecordType::TXT => {
            let strings = f
                .rest()
                .iter()
                .map(character_string)
                .collect::<Result<Vec<_>, _>>()?;
            if strings.is_empty() {
                return Err("TXT record needs at least one string".into());
            }
            RData::Txt(strings)
        }
        RecordType::HINFO => RData::Hinfo {
            cpu: character_string(f.take("CPU")?)?,
            os: character_string(f.take("OS")?)?,
        },
        RecordType::CAA => {
            let flags = f.number("flags")?;
            let tag = f.take("tag")?.text.clone();
            if tag.is_empty() || tag.len() > 15 || !tag.iter().all(u8::is_ascii_alphanumeric) {
                return Err("CAA tag must be 1-15 letters or digits".into());
            }
            let value = character_string(f.take("value")?)?;
            RData::Caa { flags, tag, value }
        }
        t if t.is_meta() => return Err(format!("{t} cannot appear in a zone")),
        t => {
            return Err(format!(
                "type {t} must be written in the generic \\# form (RFC 3597)"
            ));
        }
    };
    f.done()?;
    // RDLENGTH is 16 bits (RFC 1035 §3.2.1).
    if data.to_wire().len() > usize::from(u16::MAX) {
        return Err(format!("{rtype} data longer than 65535 octets"));
    }
    Ok(data)
}

/// RFC 3597 §5: `\# <length> <hex...>`; known types are then read from the bytes.
fn generic(rtype: RecordType, f: &mut Fields<'_>) -> Result<RData, String> {
    let len: usize = f.number("RDATA length")?;
    let mut hex = Vec::new();
    for t in f.rest() {
        hex.extend_from_slice(&t.text);
    }
    if hex.len() % 2 != 0 {
        return Err("odd number of hex digits".into());
    }
    let bytes = hex
        .chunks(2)
        .map(|p| {
            std::str::from_utf8(p)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
                .ok_or_else(|| "bad hex digit in \\# data".to_string())
        })
        .collect::<Result<Vec<u8>, _>>()?;
    if bytes.len() != len {
        return Err(format!(
            "\\# says {len} bytes but {} are given",
            bytes.len()
        ));
    }
    if rtype.is_meta() {
        return Err(format!("{rtype} cannot appear in a zone"));
    }
    RData::parse(rtype, &bytes, 0, len).map_err(|e| format!("bad {rtype} data: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Token> {
        let mut lx = super::super::lexer::Lexer::new(s.as_bytes());
        lx.next_entry().unwrap().unwrap().tokens
    }

    #[test]
    fn ttls_with_units() {
        assert_eq!(parse_ttl(b"3600").unwrap(), 3600);
        assert_eq!(parse_ttl(b"1h30m").unwrap(), 5400);
        assert_eq!(parse_ttl(b"1W").unwrap(), 604_800);
        assert!(parse_ttl(b"1h30").is_err());
        assert!(parse_ttl(b"h").is_err());
        assert!(parse_ttl(b"4294967296").is_err());
        assert!(parse_ttl(b"2147483648").is_err());
    }

    #[test]
    fn every_type_reads_and_prints_back() {
        let origin: Name = "example.com".parse().unwrap();
        let cases = [
            (RecordType::A, "192.0.2.1", "192.0.2.1"),
            (RecordType::AAAA, "2001:db8::1", "2001:db8::1"),
            (RecordType::NS, "ns1", "ns1.example.com."),
            (
                RecordType::MX,
                "10 mail.example.net.",
                "10 mail.example.net.",
            ),
            (
                RecordType::SOA,
                "ns hostmaster 1 1h 15m 1w 300",
                "ns.example.com. hostmaster.example.com. 1 3600 900 604800 300",
            ),
            (
                RecordType::TXT,
                r#""v=spf1 -all" "a\"b" plain"#,
                r#""v=spf1 -all" "a\"b" "plain""#,
            ),
            (RecordType::SRV, "0 5 5060 sip", "0 5 5060 sip.example.com."),
            (
                RecordType::CAA,
                r#"0 issue "ca.example.net""#,
                r#"0 issue "ca.example.net""#,
            ),
            (RecordType::HINFO, "RFC8482 \"\"", "\"RFC8482\" \"\""),
            (RecordType::DNAME, "other.test.", "other.test."),
            (RecordType(65280), r"\# 3 abcdef", r"\# 3 abcdef"),
            (RecordType::A, r"\# 4 0A000001", "10.0.0.1"),
        ];
        for (rtype, input, printed) in cases {
            let rdata = rdata_from_text(rtype, &toks(input), &origin).unwrap();
            assert_eq!(rdata.to_string(), printed, "{rtype}");
        }
        for (rtype, input) in [
            (RecordType::A, "1.2.3"),
            (RecordType::A, "1.2.3.4 5"),
            (RecordType::MX, "mail"),
            (RecordType(65280), "abc"),
            (RecordType(65280), r"\# 2 abcdef"),
            (RecordType::A, r"\# 3 0a0000"),
            (RecordType::TXT, &format!("\"{}\"", "x".repeat(256))),
        ] {
            assert!(
                rdata_from_text(rtype, &toks(input), &origin).is_err(),
                "{input}"
            );
        }
    }
}
