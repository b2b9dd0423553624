//! Name compression on emit (RFC 1035 §4.1.4) in linear time: every suffix
//! already written is remembered as (offset of its parent suffix, hash of
//! its first label) → offset, so each label of a new name costs one map
//! lookup, checked against the bytes already written.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::name::Name;

/// Key meaning "the parent is the root".
const ROOT_PARENT: u32 = u32::MAX;
/// Pointers hold 14 bits of offset.
const MAX_POINTER_TARGET: usize = 0x3FFF;

/// Remembers where suffixes of names were written in one message.
#[derive(Debug, Default)]
pub struct Compressor {
    /// Offset of the message's first byte in the output buffer (2 when a
    /// TCP length prefix comes first).
    base: usize,
    suffixes: HashMap<(u32, u64), u16, BuildHasherDefault<KeyHasher>>,
}

/// The keys are an offset and an FNV hash already: mixing them is enough,
/// no need for SipHash on the hot path (the map lives for one message, so
/// there is nothing for an attacker to flood).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(u64::from(v));
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

fn label_hash(label: &[u8]) -> u64 {
    // FNV-1a over the lowercased label.
    label.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Compressor {
    /// A compressor for a message starting at `base` in the output buffer.
    pub fn new(base: usize) -> Compressor {
        Compressor {
            base,
            suffixes: HashMap::default(),
        }
    }

    /// Appends `name`, replacing its longest already-written suffix by a pointer.
    pub fn write(&mut self, out: &mut Vec<u8>, name: &Name) {
        let wire = name.wire();
        let mut starts = [0u8; 128];
        let mut count = 0;
        for offset in name.label_offsets() {
            if wire[offset] == 0 {
                break;
            }
            starts[count] = offset as u8;
            count += 1;
        }
        let label = |i: usize| {
            let s = usize::from(starts[i]);
            &wire[s + 1..s + 1 + usize::from(wire[s])]
        };
        // Match suffixes from the root leftwards.
        let mut parent = ROOT_PARENT;
        let mut matched = count;
        while matched > 0 {
            let l = label(matched - 1);
            match self.suffixes.get(&(parent, label_hash(l))) {
                Some(&off) if self.written_label_is(out, usize::from(off), l) => {
                    parent = u32::from(off);
                    matched -= 1;
                }
                _ => break,
            }
        }
        // Write the unmatched labels, then a pointer or the root.
        let mut offsets = [0usize; 128];
        for (i, offset) in offsets.iter_mut().enumerate().take(matched) {
            *offset = out.len() - self.base;
            let l = label(i);
            out.push(l.len() as u8);
            out.extend_from_slice(l);
        }
        if parent == ROOT_PARENT {
            out.push(0);
        } else {
            out.extend_from_slice(&(0xC000 | parent as u16).to_be_bytes());
        }
        for i in (0..matched).rev() {
            let p = if i + 1 < matched {
                offsets[i + 1] as u32
            } else {
                parent
            };
            if offsets[i] <= MAX_POINTER_TARGET {
                self.suffixes
                    .insert((p, label_hash(label(i))), offsets[i] as u16);
            }
        }
    }

    fn written_label_is(&self, out: &[u8], off: usize, label: &[u8]) -> bool {
        let at = self.base + off;
        out.get(at) == Some(&(label.len() as u8))
            && out
                .get(at + 1..at + 1 + label.len())
                .is_some_and(|b| b.eq_ignore_ascii_case(label))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_suffixes_case_insensitively() {
        let mut out = vec![0u8; 12];
        let mut c = Compressor::new(0);
        c.write(&mut out, &"www.example.com".parse().unwrap());
        assert_eq!(&out[12..], b"\x03www\x07example\x03com\x00");
        c.write(&mut out, &"MAIL.Example.COM".parse().unwrap());
        assert_eq!(&out[29..], b"\x04MAIL\xC0\x10");
        c.write(&mut out, &"example.com".parse().unwrap());
        assert_eq!(&out[36..], b"\xC0\x10");
        c.write(&mut out, &"www.example.com".parse().unwrap());
        assert_eq!(&out[38..], b"\xC0\x0C");
        c.write(&mut out, &Name::root());
        assert_eq!(&out[40..], b"\x00");
        for start in [12, 29, 36, 38] {
            let (name, _) = Name::parse_at(&out, start).unwrap();
            assert!(name.is_subdomain_of(&"example.com".parse().unwrap()));
        }
    }
}
