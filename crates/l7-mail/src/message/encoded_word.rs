//! RFC 2047 encoded words for non-ASCII header text (§2, §5(1)):
//! `=?UTF-8?B?base64?=`, each word at most 75 characters (§2), split only
//! between characters (§5: a multi-octet character never spans two words),
//! words separated by folding whitespace.

use crate::base64;

/// UTF-8 bytes per word: 52 base64 characters + 12 of `=?UTF-8?B?` `?=` make
/// 64, so even after `Subject: ` a line stays within RFC 5322's 78.
const WORD_BYTES: usize = 39;

/// Returns `text` unchanged when it is printable ASCII, else as encoded
/// words joined by CRLF SP (a folded header value).
pub fn encode_header_text(text: &str) -> String {
    if text.bytes().all(|b| (32..127).contains(&b)) {
        return text.to_string();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > WORD_BYTES {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", base64::encode(w.as_bytes())))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2047 §2: an encoded word is at most 75 characters.
    const MAX_WORD: usize = 75;

    #[test]
    fn ascii_stays_and_utf8_is_encoded_in_short_words() {
        assert_eq!(encode_header_text("Hello"), "Hello");
        assert_eq!(encode_header_text("Café"), "=?UTF-8?B?Q2Fmw6k=?=");
        let long = encode_header_text(&"é".repeat(100));
        for word in long.split("\r\n ") {
            assert!(word.len() <= MAX_WORD, "{word}");
        }
    }
}
