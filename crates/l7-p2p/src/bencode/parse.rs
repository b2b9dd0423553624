//! The strict bencode parser (BEP 3). It accepts only canonical input —
//! integers without leading zeros or `-0`, string lengths without leading
//! zeros, dictionary keys sorted and unique — so that every accepted input
//! re-encodes to the same bytes. Depth, element count and total size are
//! bounded by [`Limits`]; nothing is allocated before the bytes it holds
//! have arrived.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{BencodeError, Value};

/// Bounds on what one parse may consume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of lists and dictionaries.
    pub max_depth: usize,
    /// Maximum number of values (every integer, string, list, dict and key counts).
    pub max_elements: usize,
    /// Maximum encoded size in bytes.
    pub max_size: usize,
}

impl Limits {
    /// Default maximum nesting depth.
    pub const MAX_DEPTH: usize = 64;
    /// Default maximum element count.
    pub const MAX_ELEMENTS: usize = 1 << 20;
    /// Default maximum encoded size (64 MiB: the largest real .torrent files are a few MiB).
    pub const MAX_SIZE: usize = 64 << 20;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: Self::MAX_DEPTH,
            max_elements: Self::MAX_ELEMENTS,
            max_size: Self::MAX_SIZE,
        }
    }
}

/// Parses one value from the front of `input` with default limits; returns
/// it and the number of bytes consumed. `Incomplete` means more bytes may
/// complete it.
pub fn parse(input: &[u8]) -> Result<(Value, usize), BencodeError> {
    let mut p = Parser::new(input, Limits::default());
    let v = p.value(0)?;
    Ok((v, p.pos))
}

/// Decodes `input`, which must hold exactly one value, with default limits.
pub fn decode(input: &[u8]) -> Result<Value, BencodeError> {
    decode_with_limits(input, Limits::default())
}

/// Decodes `input`, which must hold exactly one value, within `limits`.
pub fn decode_with_limits(input: &[u8], limits: Limits) -> Result<Value, BencodeError> {
    let mut p = Parser::new(input, limits);
    let v = p.value(0)?;
    p.expect_end()?;
    Ok(v)
}

/// Validates `input` as one top-level dictionary and returns the raw bytes of
/// the value under `key`, exactly as received (the info-hash is the SHA-1 of
/// these bytes for `info`, BEP 3), or `None` if the key is absent.
pub fn raw_dict_value<'a>(input: &'a [u8], key: &[u8]) -> Result<Option<&'a [u8]>, BencodeError> {
    let mut p = Parser::new(input, Limits::default());
    p.record_top_level_spans = true;
    p.value(0)?;
    p.expect_end()?;
    Ok(p.top_level_spans
        .iter()
        .find(|(k, _)| k.as_slice() == key)
        .map(|(_, span)| &input[span.clone()]))
}

/// The raw bytes of the value reached by following `path` through nested
/// dictionaries (e.g. `[b"info", b"files"]`), exactly as received; the whole
/// input is validated first. `None` if a key is absent or a step is not a
/// dictionary.
pub fn raw_value_at<'a>(input: &'a [u8], path: &[&[u8]]) -> Result<Option<&'a [u8]>, BencodeError> {
    decode(input)?;
    let mut current = input;
    for key in path {
        if current.first() != Some(&b'd') {
            return Ok(None);
        }
        match raw_dict_value(current, key)? {
            Some(inner) => current = inner,
            None => return Ok(None),
        }
    }
    Ok(Some(current))
}

struct Parser<'a> {
    input: &'a [u8],
    /// True when `input` was cut at `max_size`: running out then is "too large", not "incomplete".
    truncated: bool,
    pos: usize,
    elements: usize,
    limits: Limits,
    record_top_level_spans: bool,
    top_level_spans: Vec<(Vec<u8>, Range<usize>)>,
}

impl<'a> Parser<'a> {
    fn new(input: &'a [u8], limits: Limits) -> Self {
        let truncated = input.len() > limits.max_size;
        Parser {
            input: &input[..input.len().min(limits.max_size)],
            truncated,
            pos: 0,
            elements: 0,
            limits,
            record_top_level_spans: false,
            top_level_spans: Vec::new(),
        }
    }

    fn out_of_input(&self) -> BencodeError {
        if self.truncated {
            BencodeError::TooLarge {
                limit: self.limits.max_size,
            }
        } else {
            BencodeError::Incomplete
        }
    }

    fn peek(&self) -> Result<u8, BencodeError> {
        self.input
            .get(self.pos)
            .copied()
            .ok_or_else(|| self.out_of_input())
    }

    fn expect_end(&self) -> Result<(), BencodeError> {
        if self.pos < self.input.len() || self.truncated {
            return Err(BencodeError::TrailingBytes { offset: self.pos });
        }
        Ok(())
    }

    fn count_element(&mut self) -> Result<(), BencodeError> {
        self.elements += 1;
        if self.elements > self.limits.max_elements {
            return Err(BencodeError::TooManyElements {
                limit: self.limits.max_elements,
            });
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Value, BencodeError> {
        self.count_element()?;
        match self.peek()? {
            b'i' => {
                self.pos += 1;
                Ok(Value::Int(self.integer(b'e')?))
            }
            b'0'..=b'9' => Ok(Value::Bytes(self.byte_string()?.to_vec())),
            b'l' => {
                self.enter(depth)?;
                let mut items = Vec::new();
                while self.peek()? != b'e' {
                    items.push(self.value(depth + 1)?);
                }
                self.pos += 1;
                Ok(Value::List(items))
            }
            b'd' => {
                self.enter(depth)?;
                self.dictionary(depth)
            }
            byte => Err(BencodeError::UnexpectedByte {
                byte,
                offset: self.pos,
            }),
        }
    }

    fn enter(&mut self, depth: usize) -> Result<(), BencodeError> {
        if depth >= self.limits.max_depth {
            return Err(BencodeError::TooDeep {
                limit: self.limits.max_depth,
            });
        }
        self.pos += 1;
        Ok(())
    }

    fn dictionary(&mut self, depth: usize) -> Result<Value, BencodeError> {
        let mut entries = BTreeMap::new();
        let mut last_key: Option<&'a [u8]> = None;
        while self.peek()? != b'e' {
            let key_offset = self.pos;
            if !self.peek()?.is_ascii_digit() {
                return Err(BencodeError::NonStringKey { offset: key_offset });
            }
            self.count_element()?;
            let key = self.byte_string()?;
            // BEP 3: "Keys must be strings and appear in sorted order (sorted as raw strings)".
            match last_key {
                Some(prev) if prev == key => {
                    return Err(BencodeError::DuplicateKey { offset: key_offset });
                }
                Some(prev) if prev > key => {
                    return Err(BencodeError::UnsortedKeys { offset: key_offset });
                }
                _ => {}
            }
            last_key = Some(key);
            let start = self.pos;
            let v = self.value(depth + 1)?;
            if depth == 0 && self.record_top_level_spans {
                self.top_level_spans.push((key.to_vec(), start..self.pos));
            }
            entries.insert(key.to_vec(), v);
        }
        self.pos += 1;
        Ok(Value::Dict(entries))
    }

    /// `<len>:<bytes>`; the length is canonical (no leading zeros).
    fn byte_string(&mut self) -> Result<&'a [u8], BencodeError> {
        let len = self.integer(b':')?;
        let len = usize::try_from(len)
            .map_err(|_| BencodeError::NonCanonicalInteger { offset: self.pos })?;
        if len > self.limits.max_size {
            return Err(BencodeError::TooLarge {
                limit: self.limits.max_size,
            });
        }
        let end = self.pos + len;
        let bytes = self
            .input
            .get(self.pos..end)
            .ok_or_else(|| self.out_of_input())?;
        self.pos = end;
        Ok(bytes)
    }

    /// Reads `-?[0-9]+` up to `terminator`, canonically: no leading zeros, no
    /// `-0`, no empty digits, and within i64.
    fn integer(&mut self, terminator: u8) -> Result<i64, BencodeError> {
        let start = self.pos;
        let negative = self.peek()? == b'-';
        if negative {
            self.pos += 1;
        }
        let first_digit = self.pos;
        let mut n: i64 = 0;
        loop {
            let b = self.peek()?;
            if b == terminator && self.pos > first_digit {
                break;
            }
            if !b.is_ascii_digit() {
                return Err(BencodeError::UnexpectedByte {
                    byte: b,
                    offset: self.pos,
                });
            }
            if self.pos > first_digit && self.input[first_digit] == b'0' {
                return Err(BencodeError::NonCanonicalInteger { offset: start });
            }
            let digit = i64::from(b - b'0');
            n = n
                .checked_mul(10)
                .and_then(|n| {
                    if negative {
                        n.checked_sub(digit)
                    } else {
                        n.checked_add(digit)
                    }
                })
                .ok_or(BencodeError::IntegerOverflow { offset: start })?;
            self.pos += 1;
        }
        if negative && n == 0 {
            return Err(BencodeError::NonCanonicalInteger { offset: start });
        }
        self.pos += 1;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(input: &[u8]) -> Result<Value, BencodeError> {
        decode(input)
    }

    // BEP 3 examples: "4:spam", "i3e", "i-3e", "i0e", "l4:spam4:eggse",
    // "d3:cow3:moo4:spam4:eggse", "d4:spaml1:a1:bee".
    #[test]
    fn bep3_examples() {
        assert_eq!(d(b"4:spam").unwrap(), Value::bytes("spam"));
        assert_eq!(d(b"0:").unwrap(), Value::bytes(""));
        assert_eq!(d(b"i3e").unwrap(), Value::Int(3));
        assert_eq!(d(b"i-3e").unwrap(), Value::Int(-3));
        assert_eq!(d(b"i0e").unwrap(), Value::Int(0));
        assert_eq!(
            d(b"l4:spam4:eggse").unwrap(),
            Value::List(vec![Value::bytes("spam"), Value::bytes("eggs")])
        );
        let cow = d(b"d3:cow3:moo4:spam4:eggse").unwrap();
        assert_eq!(cow.get("cow").unwrap().as_str(), Some("moo"));
        assert_eq!(cow.get("spam").unwrap().as_str(), Some("eggs"));
        let spam = d(b"d4:spaml1:a1:bee").unwrap();
        assert_eq!(spam.get("spam").unwrap().as_list().unwrap().len(), 2);
        for fixture in [
            &b"d3:cow3:moo4:spam4:eggse"[..],
            b"d4:spaml1:a1:bee",
            b"i-3e",
        ] {
            assert_eq!(d(fixture).unwrap().to_bytes(), fixture);
        }
    }

    #[test]
    fn rejects_non_canonical_integers() {
        // BEP 3: "i03e" and "i-0e" are invalid.
        for bad in [
            &b"i03e"[..],
            b"i-0e",
            b"i00e",
            b"i-03e",
            b"ie",
            b"i-e",
            b"i+3e",
            b"01:a",
        ] {
            assert!(
                matches!(
                    d(bad),
                    Err(BencodeError::NonCanonicalInteger { .. }
                        | BencodeError::UnexpectedByte { .. })
                ),
                "{bad:?} -> {:?}",
                d(bad)
            );
        }
        assert_eq!(d(b"i9223372036854775807e").unwrap(), Value::Int(i64::MAX));
        assert_eq!(d(b"i-9223372036854775808e").unwrap(), Value::Int(i64::MIN));
        assert!(matches!(
            d(b"i9223372036854775808e"),
            Err(BencodeError::IntegerOverflow { .. })
        ));
    }

    #[test]
    fn rejects_unsorted_and_duplicate_keys() {
        assert_eq!(
            d(b"d4:spam4:eggs3:cow3:mooe"),
            Err(BencodeError::UnsortedKeys { offset: 13 })
        );
        assert_eq!(
            d(b"d3:cow3:moo3:cow3:mooe"),
            Err(BencodeError::DuplicateKey { offset: 11 })
        );
        assert_eq!(
            d(b"di1e3:mooe"),
            Err(BencodeError::NonStringKey { offset: 1 })
        );
    }

    #[test]
    fn incomplete_versus_invalid() {
        for partial in [
            &b""[..],
            b"i12",
            b"4:spa",
            b"l4:spam",
            b"d3:cow",
            b"d3:cow3:moo",
            b"12",
        ] {
            assert_eq!(parse(partial), Err(BencodeError::Incomplete), "{partial:?}");
        }
        assert_eq!(parse(b"i1ei2e").unwrap(), (Value::Int(1), 3));
        assert_eq!(d(b"i1ei2e"), Err(BencodeError::TrailingBytes { offset: 3 }));
        assert!(matches!(
            d(b"x"),
            Err(BencodeError::UnexpectedByte { byte: b'x', .. })
        ));
        assert!(matches!(
            d(b"e"),
            Err(BencodeError::UnexpectedByte { byte: b'e', .. })
        ));
    }

    #[test]
    fn limits_are_enforced() {
        let deep = [vec![b'l'; 65], vec![b'e'; 65]].concat();
        assert_eq!(d(&deep), Err(BencodeError::TooDeep { limit: 64 }));
        let ok_deep = [vec![b'l'; 64], vec![b'e'; 64]].concat();
        assert!(d(&ok_deep).is_ok());
        let small = Limits {
            max_depth: 4,
            max_elements: 3,
            max_size: 16,
        };
        assert_eq!(
            decode_with_limits(b"li1ei2ei3ee", small),
            Err(BencodeError::TooManyElements { limit: 3 })
        );
        assert_eq!(
            decode_with_limits(b"20:aaaaaaaaaaaaaaaaaaaa", small),
            Err(BencodeError::TooLarge { limit: 16 })
        );
        assert_eq!(
            decode_with_limits(b"l1:a1:a1:a1:a1:ae", small),
            Err(BencodeError::TooManyElements { limit: 3 })
        );
        let big = Limits {
            max_elements: 100,
            ..small
        };
        assert_eq!(
            decode_with_limits(b"l1:a1:a1:a1:a1:a1:ae", big),
            Err(BencodeError::TooLarge { limit: 16 })
        );
        // A huge declared length is rejected before anything is allocated.
        assert!(matches!(
            d(b"99999999999999:x"),
            Err(BencodeError::TooLarge { .. })
        ));
    }

    #[test]
    fn raw_span_is_exactly_as_received() {
        let input = b"d8:announce3:url4:infod6:lengthi5e4:name1:xe1:zi0ee";
        assert_eq!(
            raw_dict_value(input, b"info").unwrap(),
            Some(&b"d6:lengthi5e4:name1:xe"[..])
        );
        assert_eq!(raw_dict_value(input, b"nope").unwrap(), None);
        assert_eq!(
            raw_value_at(input, &[b"info", b"name"]).unwrap(),
            Some(&b"1:x"[..])
        );
        assert_eq!(raw_value_at(input, &[]).unwrap(), Some(&input[..]));
        assert_eq!(raw_value_at(input, &[b"z", b"x"]).unwrap(), None);
        assert_eq!(raw_value_at(input, &[b"info", b"zzz"]).unwrap(), None);
        assert!(raw_value_at(b"d1:ai1e", &[b"a"]).is_err());
        assert_eq!(
            raw_dict_value(b"d4:info", b"info"),
            Err(BencodeError::Incomplete)
        );
    }
}
