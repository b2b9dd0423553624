//! The objects an HTML page references (the course's "base HTML file with
//! several referenced objects"): `src` of `img` and `script`, `href` of
//! `link`, in document order without duplicates. A small, bounded scanner —
//! not an HTML parser — that never panics on any input.

/// Most references returned for one page.
pub const MAX_REFERENCES: usize = 1000;

/// The references of `html`, as written (relative or absolute).
pub fn references(html: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if let Some(after) = rest.strip_prefix("!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        rest = &rest[end..];
        let name_end = tag
            .find(|c: char| c.is_ascii_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let wanted = match tag[..name_end].to_ascii_lowercase().as_str() {
            "img" | "script" => "src",
            "link" => "href",
            _ => continue,
        };
        if let Some(v) = attribute(&tag[name_end..], wanted)
            && !v.is_empty()
            && !v.starts_with("data:")
            && !out.contains(&v)
        {
            out.push(v);
            if out.len() == MAX_REFERENCES {
                break;
            }
        }
    }
    out
}

/// The value of attribute `name` in a tag's attribute text.
fn attribute(mut attrs: &str, name: &str) -> Option<String> {
    loop {
        attrs = attrs.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if attrs.is_empty() {
            return None;
        }
        let key_end = attrs
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(attrs.len());
        let key = &attrs[..key_end];
        attrs = attrs[key_end..].trim_start();
        let value = if let Some(v) = attrs.strip_prefix('=') {
            let v = v.trim_start();
            let (value, rest) = match v.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &v[1..];
                    let close = body.find(q).unwrap_or(body.len());
                    (&body[..close], body.get(close + 1..).unwrap_or(""))
                }
                _ => {
                    let e = v.find(|c: char| c.is_ascii_whitespace()).unwrap_or(v.len());
                    (&v[..e], &v[e..])
                }
            };
            attrs = rest;
            Some(value)
        } else {
            None
        };
        if key.eq_ignore_ascii_case(name) {
            return value.map(|v| v.trim().replace("&amp;", "&"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_images_scripts_and_stylesheets() {
        let html = r#"<html><head><link rel="stylesheet" href="style.css">
            <script src='/js/app.js'></script><!-- <img src="hidden.jpg"> -->
            </head><body><IMG SRC=pic1.jpg alt="a > b"><img alt=x src="pic2.jpg"/>
            <img src="pic1.jpg"><a href="other.html">x</a><img src="data:image/png;base64,AA">
            <img src="q?a=1&amp;b=2"></body></html>"#;
        assert_eq!(
            references(html),
            [
                "style.css",
                "/js/app.js",
                "pic1.jpg",
                "pic2.jpg",
                "q?a=1&b=2"
            ]
        );
    }

    #[test]
    fn odd_input_is_harmless() {
        for s in [
            "<",
            "<img",
            "<img src=",
            "<img src=\"",
            "<!--",
            "<link href",
            "<<>>",
            "<img src='é'>",
        ] {
            let _ = references(s);
        }
        assert_eq!(references("<img src='é'>"), ["é"]);
    }
}
