//! Base64 (RFC 4648 §4) as SMTP AUTH (RFC 4954 §4) and MIME bodies
//! (RFC 2045 §6.8) use it, over the `base64` crate's standard, padded,
//! strict engine: decoding ignores nothing (whitespace must be stripped by
//! the caller), and any byte outside the alphabet or wrong padding is an error.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Appends the encoding of `input` to `out`.
pub fn encode_into(input: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + input.len().div_ceil(3) * 4, 0);
    let written = STANDARD
        .encode_slice(input, &mut out[start..])
        .expect("the buffer was sized for the encoding");
    out.truncate(start + written);
}

/// The encoding of `input`.
pub fn encode(input: &[u8]) -> String {
    STANDARD.encode(input)
}

/// Decodes `input`; `None` if it is not canonical padded base64.
pub fn decode(input: &[u8]) -> Option<Vec<u8>> {
    STANDARD.decode(input).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_test_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), coded);
            let mut into = b"x".to_vec();
            encode_into(plain.as_bytes(), &mut into);
            assert_eq!(into, format!("x{coded}").into_bytes());
            assert_eq!(decode(coded.as_bytes()).unwrap(), plain.as_bytes());
        }
        assert_eq!(decode(b"Zg="), None);
        assert_eq!(decode(b"Z g=="), None);
        assert_eq!(decode(b"Zm9v!"), None);
    }
}
