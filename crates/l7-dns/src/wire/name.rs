//! Domain names (RFC 1035 §3.1): stored in uncompressed wire form with their
//! original case, compared case-insensitively (RFC 4343), parsed from
//! messages with backward-only compression pointers (RFC 1035 §4.1.4) and
//! printed/read in presentation format with `\X` and `\DDD` escapes.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use l7_wire::WireError;

/// RFC 1035 §2.3.4: a name is at most 255 octets in wire form.
pub const MAX_NAME_LEN: usize = 255;
/// RFC 1035 §2.3.4: a label is at most 63 octets.
pub const MAX_LABEL_LEN: usize = 63;
/// Most compression pointers followed while reading one name. Pointers
/// only go backwards, so loops are impossible; this bounds the work anyway.
pub const MAX_POINTER_HOPS: usize = 64;

/// A fully qualified domain name.
#[derive(Clone)]
pub struct Name {
    /// Length-prefixed labels ending with the root's zero byte.
    wire: Vec<u8>,
}

/// Why a name in presentation format could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad domain name {text:?}: {why}")]
pub struct NameError {
    text: String,
    why: &'static str,
}

impl Name {
    /// The root name `.`.
    pub fn root() -> Name {
        Name { wire: vec![0] }
    }

    /// Builds a name from uncompressed wire bytes, checking every limit.
    pub fn from_wire(wire: &[u8]) -> Result<Name, WireError> {
        let (name, used) = Name::parse_at(wire, 0)?;
        if used != wire.len() || name.wire.len() != wire.len() {
            return Err(WireError::invalid("trailing bytes after name"));
        }
        Ok(name)
    }

    /// Reads the name starting at `start` in message `msg`, following
    /// compression pointers. Returns the name and the offset just after it
    /// in the original byte stream.
    pub fn parse_at(msg: &[u8], start: usize) -> Result<(Name, usize), WireError> {
        let mut wire = Vec::with_capacity(32);
        let end = walk_labels(msg, start, |label| {
            wire.push(label.len() as u8);
            wire.extend_from_slice(label);
        })?;
        wire.push(0);
        Ok((Name { wire }, end))
    }

    /// Reads a name in presentation format. A name without a trailing dot is
    /// relative to `origin` (or taken as absolute when `origin` is `None`);
    /// `@` is the origin itself.
    pub fn from_text(text: &[u8], origin: Option<&Name>) -> Result<Name, NameError> {
        let err = |why| NameError {
            text: String::from_utf8_lossy(text).into_owned(),
            why,
        };
        if text == b"@" {
            return origin
                .cloned()
                .ok_or_else(|| err("@ used without an origin"));
        }
        if text == b"." {
            return Ok(Name::root());
        }
        if text.is_empty() {
            return Err(err("empty name"));
        }
        let mut wire = Vec::with_capacity(text.len() + 2);
        let mut label_start = 0;
        wire.push(0);
        let mut i = 0;
        let mut absolute = false;
        while i < text.len() {
            let c = text[i];
            match c {
                b'.' => {
                    let l = wire.len() - label_start - 1;
                    if l == 0 {
                        return Err(err("empty label"));
                    }
                    if i + 1 == text.len() {
                        absolute = true;
                    } else {
                        label_start = wire.len();
                        wire.push(0);
                    }
                    i += 1;
                    continue;
                }
                b'\\' => {
                    let (byte, used) = unescape(&text[i..]).ok_or_else(|| err("bad escape"))?;
                    wire.push(byte);
                    i += used;
                }
                _ => {
                    wire.push(c);
                    i += 1;
                }
            }
            let l = wire.len() - label_start - 1;
            if l > MAX_LABEL_LEN {
                return Err(err("label longer than 63 octets"));
            }
            wire[label_start] = l as u8;
        }
        wire.push(0);
        let mut name = Name { wire };
        if !absolute && let Some(origin) = origin {
            name = name
                .append(origin)
                .map_err(|_| err("name longer than 255 octets"))?;
        }
        if name.wire.len() > MAX_NAME_LEN {
            return Err(err("name longer than 255 octets"));
        }
        Ok(name)
    }

    /// The uncompressed wire form (labels and the final zero byte).
    pub fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// The wire form with ASCII letters lowercased, for map keys.
    pub fn lower_wire(&self) -> Vec<u8> {
        self.wire.to_ascii_lowercase()
    }

    /// Length in wire form.
    pub fn wire_len(&self) -> usize {
        self.wire.len()
    }

    /// True for the root name.
    pub fn is_root(&self) -> bool {
        self.wire.len() == 1
    }

    /// The labels from the leftmost one to the one before the root.
    pub fn labels(&self) -> Labels<'_> {
        Labels { wire: &self.wire }
    }

    /// Number of labels, not counting the root.
    pub fn label_count(&self) -> usize {
        self.labels().count()
    }

    /// The name without its leftmost label (`None` for the root).
    pub fn parent(&self) -> Option<Name> {
        let first = usize::from(*self.wire.first()?);
        (first > 0).then(|| Name {
            wire: self.wire[first + 1..].to_vec(),
        })
    }

    /// This name with `label` put in front (e.g. `*` for a wildcard).
    pub fn prepend(&self, label: &[u8]) -> Result<Name, WireError> {
        if label.is_empty() || label.len() > MAX_LABEL_LEN {
            return Err(WireError::invalid("bad label length"));
        }
        if self.wire.len() + label.len() + 1 > MAX_NAME_LEN {
            return Err(WireError::invalid("name longer than 255 octets"));
        }
        let mut wire = Vec::with_capacity(self.wire.len() + label.len() + 1);
        wire.push(label.len() as u8);
        wire.extend_from_slice(label);
        wire.extend_from_slice(&self.wire);
        Ok(Name { wire })
    }

    /// The labels of this name followed by those of `suffix`.
    pub fn append(&self, suffix: &Name) -> Result<Name, WireError> {
        let mut wire = self.wire[..self.wire.len() - 1].to_vec();
        wire.extend_from_slice(&suffix.wire);
        if wire.len() > MAX_NAME_LEN {
            return Err(WireError::invalid("name longer than 255 octets"));
        }
        Ok(Name { wire })
    }

    /// True when this name equals `zone` or lies below it (label-wise,
    /// case-insensitively).
    pub fn is_subdomain_of(&self, zone: &Name) -> bool {
        let (a, b) = (&self.wire, &zone.wire);
        if b.len() > a.len() {
            return false;
        }
        let offset = a.len() - b.len();
        self.label_offsets().any(|o| o == offset) && a[offset..].eq_ignore_ascii_case(b)
    }

    /// Replaces the suffix `old` (which this name must lie under) by `new`:
    /// the DNAME substitution of RFC 6672 §2.2.
    pub fn replace_suffix(&self, old: &Name, new: &Name) -> Option<Name> {
        if !self.is_subdomain_of(old) {
            return None;
        }
        let keep = self.wire.len() - old.wire.len();
        let mut wire = self.wire[..keep].to_vec();
        wire.extend_from_slice(&new.wire);
        (wire.len() <= MAX_NAME_LEN).then_some(Name { wire })
    }

    /// True when the leftmost label is `*` (RFC 4592).
    pub fn is_wildcard(&self) -> bool {
        self.wire.starts_with(&[1, b'*'])
    }

    /// Offsets in [`Name::wire`] where each label (and finally the root) starts.
    pub fn label_offsets(&self) -> impl Iterator<Item = usize> + '_ {
        let mut pos = Some(0usize);
        std::iter::from_fn(move || {
            let p = pos?;
            let len = usize::from(*self.wire.get(p)?);
            pos = (len > 0).then_some(p + 1 + len);
            Some(p)
        })
    }

    /// Appends the name uncompressed.
    pub fn emit(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.wire);
    }
}

/// The labels of a name, leftmost first.
pub struct Labels<'a> {
    wire: &'a [u8],
}

impl<'a> Iterator for Labels<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<&'a [u8]> {
        let len = usize::from(*self.wire.first()?);
        if len == 0 {
            return None;
        }
        let label = self.wire.get(1..1 + len)?;
        self.wire = &self.wire[1 + len..];
        Some(label)
    }
}

/// Walks the labels of the name at `start` in `msg` without allocating,
/// calling `on_label` for each (the root excluded), and returns the offset
/// just after the name in the original byte stream. Every limit is checked
/// here: label types, name length, and compression pointers, each of which
/// must point strictly before the label sequence that holds it (RFC 1035
/// §4.1.4 "a prior occurrence"), so no loop can form.
pub fn walk_labels(
    msg: &[u8],
    start: usize,
    mut on_label: impl FnMut(&[u8]),
) -> Result<usize, WireError> {
    let mut pos = start;
    let mut run_start = start;
    let mut end = None;
    let mut hops = 0;
    let mut total = 1;
    loop {
        let len = *msg.get(pos).ok_or(WireError::Incomplete)?;
        match len & 0xC0 {
            0x00 if len == 0 => return Ok(end.unwrap_or(pos + 1)),
            0x00 => {
                let l = usize::from(len);
                let label = msg.get(pos + 1..pos + 1 + l).ok_or(WireError::Incomplete)?;
                total += 1 + l;
                if total > MAX_NAME_LEN {
                    return Err(WireError::invalid("name longer than 255 octets"));
                }
                on_label(label);
                pos += 1 + l;
            }
            0xC0 => {
                let low = *msg.get(pos + 1).ok_or(WireError::Incomplete)?;
                let target = usize::from(len & 0x3F) << 8 | usize::from(low);
                end.get_or_insert(pos + 2);
                if target >= run_start {
                    return Err(WireError::invalid(
                        "compression pointer does not point backwards",
                    ));
                }
                hops += 1;
                if hops > MAX_POINTER_HOPS {
                    return Err(WireError::invalid("too many compression pointers"));
                }
                run_start = target;
                pos = target;
            }
            _ => return Err(WireError::invalid("unknown label type")),
        }
    }
}

/// Reads one `\X` or `\DDD` escape at the start of `text` (RFC 1035 §5.1):
/// the byte it stands for and how many input bytes it used.
pub(crate) fn unescape(text: &[u8]) -> Option<(u8, usize)> {
    match text.get(1..4) {
        Some(d) if d.iter().all(u8::is_ascii_digit) => {
            let v = d.iter().fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'));
            u8::try_from(v).ok().map(|b| (b, 4))
        }
        _ => match text.get(1) {
            Some(c) if !c.is_ascii_digit() => Some((*c, 2)),
            _ => None,
        },
    }
}

/// Writes one label byte in presentation format, escaping what must be.
pub(crate) fn write_escaped(f: &mut fmt::Formatter<'_>, b: u8, specials: &[u8]) -> fmt::Result {
    if specials.contains(&b) || b == b'\\' {
        write!(f, "\\{}", b as char)
    } else if (0x21..0x7f).contains(&b) {
        write!(f, "{}", b as char)
    } else {
        write!(f, "\\{b:03}")
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            return f.write_str(".");
        }
        for label in self.labels() {
            for &b in label {
                write_escaped(f, b, b".;()\"@$")?;
            }
            f.write_str(".")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Name({self})")
    }
}

impl FromStr for Name {
    type Err = NameError;
    /// Reads a name; it is taken as absolute whether or not it ends in a dot.
    fn from_str(s: &str) -> Result<Name, NameError> {
        Name::from_text(s.as_bytes(), None)
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.wire.eq_ignore_ascii_case(&other.wire)
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in &self.wire {
            state.write_u8(b.to_ascii_lowercase());
        }
    }
}

impl Ord for Name {
    /// RFC 4034 §6.1 canonical order: compare labels right to left,
    /// case-insensitively, as unsigned bytes.
    fn cmp(&self, other: &Name) -> Ordering {
        let a: Vec<&[u8]> = self.labels().collect();
        let b: Vec<&[u8]> = other.labels().collect();
        for (x, y) in a.iter().rev().zip(b.iter().rev()) {
            let ord = x
                .iter()
                .map(u8::to_ascii_lowercase)
                .cmp(y.iter().map(u8::to_ascii_lowercase));
            if ord != Ordering::Equal {
                return ord;
            }
        }
        a.len().cmp(&b.len())
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Name {
        s.parse().unwrap()
    }

    #[test]
    fn rfc1035_4_1_4_compression_example() {
        // RFC 1035 §4.1.4: F.ISI.ARPA at 20, FOO.F.ISI.ARPA at 40 pointing to 20,
        // ARPA at 64 pointing to 26, and the root at 92.
        let mut msg = vec![0u8; 100];
        msg[20..32].copy_from_slice(b"\x01F\x03ISI\x04ARPA\x00");
        msg[40..46].copy_from_slice(b"\x03FOO\xC0\x14");
        msg[64..66].copy_from_slice(b"\xC0\x1A");
        msg[92] = 0;
        assert_eq!(Name::parse_at(&msg, 20).unwrap(), (n("f.isi.arpa"), 32));
        assert_eq!(Name::parse_at(&msg, 40).unwrap(), (n("foo.f.isi.arpa"), 46));
        assert_eq!(Name::parse_at(&msg, 64).unwrap(), (n("arpa"), 66));
        assert_eq!(Name::parse_at(&msg, 92).unwrap(), (Name::root(), 93));
    }

    #[test]
    fn pointer_loops_and_forward_pointers_fail() {
        // A pointer to itself, and a pointer forward.
        assert!(Name::parse_at(b"\xC0\x00", 0).is_err());
        assert!(Name::parse_at(b"\x01a\xC0\x04\x00", 0).is_err());
        // A label then a pointer back to the label's own start: a loop.
        let msg = b"\x00\x01a\xC0\x01";
        assert!(Name::parse_at(msg, 1).is_err());
    }

    #[test]
    fn limits_are_enforced() {
        let long_label = format!("{}.com", "a".repeat(64));
        assert!(long_label.parse::<Name>().is_err());
        let ok_label = format!("{}.com", "a".repeat(63));
        assert!(ok_label.parse::<Name>().is_ok());
        // 4 labels of 63 = 256 octets with lengths and root: too long.
        let long = vec!["a".repeat(63); 4].join(".");
        assert!(long.parse::<Name>().is_err());
        let mut wire = Vec::new();
        for _ in 0..5 {
            wire.push(63);
            wire.extend_from_slice(&[b'a'; 63]);
        }
        wire.push(0);
        assert!(matches!(
            Name::parse_at(&wire, 0),
            Err(WireError::Invalid(_))
        ));
    }

    #[test]
    fn case_insensitive_and_presentation() {
        assert_eq!(n("WWW.Example.COM."), n("www.example.com"));
        let odd = Name::from_text(br"a\.b\032c\\.example.", None).unwrap();
        assert_eq!(odd.label_count(), 2);
        assert_eq!(odd.to_string(), r"a\.b\032c\\.example.");
        let origin = n("example.com");
        assert_eq!(
            Name::from_text(b"www", Some(&origin)).unwrap(),
            n("www.example.com")
        );
        assert_eq!(Name::from_text(b"@", Some(&origin)).unwrap(), origin);
        assert!(Name::from_text(b"a..b", None).is_err());
        assert_eq!(Name::root().to_string(), ".");
    }

    #[test]
    fn subdomains_and_order() {
        assert!(n("a.b.example.com").is_subdomain_of(&n("EXAMPLE.com")));
        assert!(!n("aexample.com").is_subdomain_of(&n("example.com")));
        assert!(n("x").is_subdomain_of(&Name::root()));
        assert!(n("example.com") < n("a.example.com"));
        assert!(n("z.example.com") < n("a.z.example.com"));
        assert_eq!(
            n("a.old.example").replace_suffix(&n("old.example"), &n("new.test")),
            Some(n("a.new.test"))
        );
    }
}
