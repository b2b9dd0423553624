//! Content codings (RFC 9110 §8.4, §12.5.3): choosing one from
//! Accept-Encoding with q-values, and gzip compression with flate2.

use std::io::Write;

use crate::wire::Headers;

/// A content coding this server can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    /// Brotli (only from precompressed `.br` files).
    Brotli,
    /// gzip (precompressed `.gz` files or compressed on the fly).
    Gzip,
    /// No coding.
    Identity,
}

impl Coding {
    /// The coding's name in Accept-Encoding and Content-Encoding.
    pub fn name(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
            Coding::Identity => "identity",
        }
    }

    /// The file-name suffix of a precompressed sibling, if any.
    pub fn file_suffix(self) -> Option<&'static str> {
        match self {
            Coding::Brotli => Some(".br"),
            Coding::Gzip => Some(".gz"),
            Coding::Identity => None,
        }
    }
}

/// The q-value (0..=1000) the client gives `coding` (RFC 9110 §12.5.3):
/// its own entry, else `*`, else 1000 for identity and 0 for the rest.
/// `x-gzip` counts as gzip.
pub fn accepted_quality(headers: &Headers<'_>, coding: Coding) -> u16 {
    let mut star = None;
    for element in headers.list("accept-encoding") {
        let Ok(element) = std::str::from_utf8(element) else {
            continue;
        };
        let mut params = element.split(';');
        let name = params.next().unwrap_or_default().trim();
        let q = params
            .find_map(|p| {
                let (k, v) = p.split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("q")
                    .then(|| parse_q(v.trim()))
            })
            .unwrap_or(Some(1000));
        let Some(q) = q else { continue };
        let matches = name.eq_ignore_ascii_case(coding.name())
            || (coding == Coding::Gzip && name.eq_ignore_ascii_case("x-gzip"));
        if matches {
            return q;
        }
        if name == "*" {
            star = Some(q);
        }
    }
    star.unwrap_or(if coding == Coding::Identity { 1000 } else { 0 })
}

/// RFC 9110 §12.4.2: `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`,
/// in thousandths.
fn parse_q(v: &str) -> Option<u16> {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

/// The best of `offered` codings the client accepts (ties go to the first
/// offered); `Identity` when none is acceptable.
pub fn negotiate(headers: &Headers<'_>, offered: &[Coding]) -> Coding {
    let mut best = (Coding::Identity, 0);
    for &c in offered {
        let q = accepted_quality(headers, c);
        if q > best.1 {
            best = (c, q);
        }
    }
    best.0
}

/// Compresses `data` with gzip at the default level.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn accept(v: &str) -> Headers<'static> {
        let mut h = Headers::new();
        h.append("Accept-Encoding", v.as_bytes().to_vec());
        h
    }

    #[test]
    fn q_values() {
        let both = [Coding::Brotli, Coding::Gzip];
        assert_eq!(
            negotiate(&accept("gzip, deflate, br"), &both),
            Coding::Brotli
        );
        assert_eq!(
            negotiate(&accept("gzip;q=1.0, br;q=0.5"), &both),
            Coding::Gzip
        );
        assert_eq!(negotiate(&accept("br;q=0, *"), &both), Coding::Gzip);
        assert_eq!(negotiate(&accept("gzip;q=0"), &both), Coding::Identity);
        assert_eq!(negotiate(&accept("identity"), &both), Coding::Identity);
        assert_eq!(negotiate(&accept("x-gzip"), &[Coding::Gzip]), Coding::Gzip);
        assert_eq!(
            negotiate(&accept("gzip;q=2"), &[Coding::Gzip]),
            Coding::Identity
        );
        assert_eq!(negotiate(&Headers::new(), &both), Coding::Identity);
        assert_eq!(accepted_quality(&accept("gzip;q=0.25"), Coding::Gzip), 250);
    }

    #[test]
    fn gzip_round_trip() {
        let data = b"hello hello hello hello".repeat(50);
        let packed = gzip(&data);
        assert!(packed.len() < data.len());
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&packed[..])
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, data);
    }
}
