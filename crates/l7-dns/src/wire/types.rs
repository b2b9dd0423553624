//! The numeric code points of DNS (RFC 1035 §3.2, IANA registries): record
//! types, classes, opcodes and response codes, with their mnemonics.

use std::fmt;

macro_rules! code_point {
    ($(#[$doc:meta])* $ty:ident($int:ty), $unknown:literal { $($(#[$vdoc:meta])* $name:ident = $value:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty(pub $int);

        impl $ty {
            $($(#[$vdoc])* pub const $name: $ty = $ty($value);)*

            /// The mnemonic, if this value has one.
            pub fn mnemonic(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }

            /// Reads a mnemonic (any case) or the generic form (e.g. `TYPE99`).
            pub fn from_mnemonic(text: &str) -> Option<$ty> {
                $(if text.eq_ignore_ascii_case(stringify!($name)) { return Some($ty::$name); })*
                let digits = text.get(..$unknown.len())
                    .filter(|p| p.eq_ignore_ascii_case($unknown))
                    .map(|_| &text[$unknown.len()..])?;
                digits.parse().ok().map($ty)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.mnemonic() {
                    Some(m) => f.write_str(m),
                    None => write!(f, "{}{}", $unknown, self.0),
                }
            }
        }
    };
}

code_point! {
    /// A resource record type (RR TYPE, and QTYPE for queries).
    RecordType(u16), "TYPE" {
        /// IPv4 address (RFC 1035).
        A = 1,
        /// Name server (RFC 1035).
        NS = 2,
        /// Canonical name (RFC 1035).
        CNAME = 5,
        /// Start of authority (RFC 1035).
        SOA = 6,
        /// Domain name pointer (RFC 1035).
        PTR = 12,
        /// Host information (RFC 1035; RFC 8482 answers to ANY).
        HINFO = 13,
        /// Mail exchange (RFC 1035).
        MX = 15,
        /// Text strings (RFC 1035).
        TXT = 16,
        /// IPv6 address (RFC 3596).
        AAAA = 28,
        /// Service location (RFC 2782).
        SRV = 33,
        /// Redirection of a subtree (RFC 6672).
        DNAME = 39,
        /// EDNS(0) pseudo-record (RFC 6891).
        OPT = 41,
        /// Incremental zone transfer (RFC 1995).
        IXFR = 251,
        /// Full zone transfer (RFC 5936).
        AXFR = 252,
        /// Any type (RFC 1035 QTYPE *, minimised by RFC 8482).
        ANY = 255,
        /// Certification authority authorization (RFC 8659).
        CAA = 257,
    }
}

code_point! {
    /// A class (RR CLASS and QCLASS).
    Class(u16), "CLASS" {
        /// The Internet.
        IN = 1,
        /// Chaos.
        CH = 3,
        /// Hesiod.
        HS = 4,
        /// Any class (QCLASS *).
        ANY = 255,
    }
}

code_point! {
    /// The kind of query in a message header (RFC 1035 §4.1.1).
    Opcode(u8), "OPCODE" {
        /// A standard query.
        QUERY = 0,
        /// Server status request.
        STATUS = 2,
        /// Zone change notification (RFC 1996).
        NOTIFY = 4,
        /// Dynamic update (RFC 2136).
        UPDATE = 5,
    }
}

code_point! {
    /// A response code, 12 bits wide with EDNS (RFC 6891 §6.1.3).
    Rcode(u16), "RCODE" {
        /// No error.
        NOERROR = 0,
        /// The query could not be interpreted.
        FORMERR = 1,
        /// The server failed.
        SERVFAIL = 2,
        /// The name does not exist.
        NXDOMAIN = 3,
        /// The kind of query is not implemented.
        NOTIMP = 4,
        /// The server refuses to answer.
        REFUSED = 5,
        /// A name exists when it should not (RFC 2136, RFC 6672 §2.2).
        YXDOMAIN = 6,
        /// The EDNS version is not supported (RFC 6891).
        BADVERS = 16,
    }
}

impl RecordType {
    /// True for query-only types that never appear in zone data.
    pub fn is_meta(self) -> bool {
        matches!(
            self,
            RecordType::OPT | RecordType::IXFR | RecordType::AXFR | RecordType::ANY
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mnemonics_and_generic_forms() {
        assert_eq!(RecordType::from_mnemonic("aaaa"), Some(RecordType::AAAA));
        assert_eq!(
            RecordType::from_mnemonic("TYPE65280"),
            Some(RecordType(65280))
        );
        assert_eq!(RecordType(65280).to_string(), "TYPE65280");
        assert_eq!(RecordType::from_mnemonic("TYPE"), None);
        assert_eq!(RecordType::from_mnemonic("BOGUS"), None);
        assert_eq!(Class::from_mnemonic("class1"), Some(Class::IN));
        assert_eq!(Rcode::NXDOMAIN.to_string(), "NXDOMAIN");
    }
}
