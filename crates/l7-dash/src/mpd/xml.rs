//! A small, bounded XML reader and writer: enough of XML 1.0 for MPDs.
//! Reads elements, attributes (either quote), text, the five predefined
//! entities and character references, CDATA, comments, processing
//! instructions and a DOCTYPE without an internal subset (both skipped).
//! Namespace prefixes are dropped from element names (`mpd:MPD` is `MPD`);
//! attribute names are kept whole; whitespace around an element's text is
//! dropped. Input size, depth, element count and
//! attributes per element are bounded, and the reader never recurses, so
//! no input makes it panic, overflow the stack or allocate without limit.

use std::fmt::Write as _;

/// Largest document read, in bytes.
pub const MAX_INPUT: usize = 4 << 20;
/// Deepest element nesting.
pub const MAX_DEPTH: usize = 32;
/// Most elements in a document.
pub const MAX_ELEMENTS: usize = 200_000;
/// Most attributes on one element.
pub const MAX_ATTRS: usize = 64;

/// An element with its attributes, text and children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    /// Local name (prefix dropped).
    pub name: String,
    /// Attributes in document order, names as written.
    pub attrs: Vec<(String, String)>,
    /// Character data directly inside, concatenated.
    pub text: String,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// A new element named `name`.
    pub fn new(name: &str) -> Element {
        Element {
            name: name.to_string(),
            ..Element::default()
        }
    }

    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Children named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Adds an attribute if `value` is present.
    pub fn set(&mut self, name: &str, value: Option<impl ToString>) {
        if let Some(v) = value {
            self.attrs.push((name.to_string(), v.to_string()));
        }
    }
}

/// Why a document could not be read: byte offset and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("XML error at byte {offset}: {what}")]
pub struct XmlError {
    /// Byte offset in the input.
    pub offset: usize,
    /// What was expected or found.
    pub what: &'static str,
}

struct Cursor<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn err(&self, what: &'static str) -> XmlError {
        XmlError {
            offset: self.pos,
            what,
        }
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn eat(&mut self, prefix: &str) -> bool {
        let ok = self.rest().starts_with(prefix);
        if ok {
            self.pos += prefix.len();
        }
        ok
    }

    /// Skips past `end`, returning what came before it.
    fn until(&mut self, end: &str, what: &'static str) -> Result<&'a str, XmlError> {
        let i = self.rest().find(end).ok_or_else(|| self.err(what))?;
        let out = &self.rest()[..i];
        self.pos += i + end.len();
        Ok(out)
    }

    fn skip_ws(&mut self) {
        let n = self.rest().len() - self.rest().trim_start().len();
        self.pos += n;
    }

    fn name(&mut self) -> Result<&'a str, XmlError> {
        let r = self.rest();
        let n = r
            .find(|c: char| c.is_whitespace() || matches!(c, '=' | '>' | '/' | '<' | '"' | '\''))
            .unwrap_or(r.len());
        if n == 0 {
            return Err(self.err("expected a name"));
        }
        self.pos += n;
        Ok(&r[..n])
    }
}

/// Reads a document and returns its root element.
pub fn parse(input: &[u8]) -> Result<Element, XmlError> {
    if input.len() > MAX_INPUT {
        return Err(XmlError {
            offset: MAX_INPUT,
            what: "document too large (at most 4 MiB)",
        });
    }
    let s = std::str::from_utf8(input).map_err(|e| XmlError {
        offset: e.valid_up_to(),
        what: "not UTF-8",
    })?;
    let mut c = Cursor {
        s: s.strip_prefix('\u{feff}').unwrap_or(s),
        pos: 0,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let mut count = 0;
    while c.pos < c.s.len() {
        if c.eat("<!--") {
            c.until("-->", "unterminated comment")?;
        } else if c.eat("<?") {
            c.until("?>", "unterminated processing instruction")?;
        } else if c.eat("<![CDATA[") {
            let text = c.until("]]>", "unterminated CDATA section")?;
            match stack.last_mut() {
                Some(e) => e.text.push_str(text),
                None => return Err(c.err("text outside the root element")),
            }
        } else if c.eat("<!DOCTYPE") {
            let decl = c.until(">", "unterminated DOCTYPE")?;
            if decl.contains('[') {
                return Err(c.err("DOCTYPE internal subsets are not accepted"));
            }
        } else if c.eat("</") {
            let name = local(c.name()?);
            c.skip_ws();
            if !c.eat(">") {
                return Err(c.err("expected '>' after the end tag's name"));
            }
            let done = stack
                .pop()
                .ok_or_else(|| c.err("end tag without a start tag"))?;
            if done.name != name {
                return Err(c.err("end tag does not match the start tag"));
            }
            close(&mut stack, &mut root, done, &c)?;
        } else if c.eat("<") {
            count += 1;
            if count > MAX_ELEMENTS {
                return Err(c.err("too many elements"));
            }
            if stack.len() >= MAX_DEPTH {
                return Err(c.err("elements nested too deep"));
            }
            if root.is_some() && stack.is_empty() {
                return Err(c.err("a second root element"));
            }
            let mut e = Element::new(local(c.name()?));
            let self_closing = attributes(&mut c, &mut e)?;
            if self_closing {
                close(&mut stack, &mut root, e, &c)?;
            } else {
                stack.push(e);
            }
        } else {
            let end = c.rest().find('<').unwrap_or(c.rest().len());
            let raw = &c.rest()[..end];
            match stack.last_mut() {
                Some(e) => unescape(raw, &mut e.text).map_err(|what| c.err(what))?,
                None if raw.trim().is_empty() => {}
                None => return Err(c.err("text outside the root element")),
            }
            c.pos += end;
        }
    }
    if !stack.is_empty() {
        return Err(c.err("unclosed element at the end of the document"));
    }
    root.ok_or_else(|| c.err("no root element"))
}

/// Attaches a finished element to its parent, or makes it the root.
fn close(
    stack: &mut [Element],
    root: &mut Option<Element>,
    mut e: Element,
    c: &Cursor<'_>,
) -> Result<(), XmlError> {
    // Whitespace around an element's text is layout (MPD text is URLs and
    // titles): trimmed once the element is whole.
    let trimmed = e.text.trim();
    if trimmed.len() != e.text.len() {
        e.text = trimmed.to_string();
    }
    match stack.last_mut() {
        Some(parent) => parent.children.push(e),
        None if root.is_none() => *root = Some(e),
        None => return Err(c.err("a second root element")),
    }
    Ok(())
}

/// Reads attributes up to `>` or `/>`; true when self-closing.
fn attributes(c: &mut Cursor<'_>, e: &mut Element) -> Result<bool, XmlError> {
    loop {
        c.skip_ws();
        if c.eat("/>") {
            return Ok(true);
        }
        if c.eat(">") {
            return Ok(false);
        }
        if e.attrs.len() >= MAX_ATTRS {
            return Err(c.err("too many attributes"));
        }
        let name = c.name()?.to_string();
        c.skip_ws();
        if !c.eat("=") {
            return Err(c.err("expected '=' after an attribute name"));
        }
        c.skip_ws();
        let quote = if c.eat("\"") {
            "\""
        } else if c.eat("'") {
            "'"
        } else {
            return Err(c.err("expected a quoted attribute value"));
        };
        let raw = c.until(quote, "unterminated attribute value")?;
        if raw.contains('<') {
            return Err(c.err("'<' in an attribute value"));
        }
        if e.attrs.iter().any(|(n, _)| *n == name) {
            return Err(c.err("duplicate attribute"));
        }
        let mut value = String::new();
        unescape(raw, &mut value).map_err(|what| c.err(what))?;
        e.attrs.push((name, value));
    }
}

/// The name without its namespace prefix.
fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

/// Appends `raw` to `out` with entity and character references replaced.
fn unescape(raw: &str, out: &mut String) -> Result<(), &'static str> {
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after
            .find(';')
            .filter(|&e| e <= 10)
            .ok_or("'&' not followed by a reference ending in ';'")?;
        let name = &after[..end];
        let ch = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = name.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = name.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                code.and_then(char::from_u32)
                    .filter(|&c| c != '\0')
                    .ok_or("unknown entity or bad character reference")?
            }
        };
        out.push(ch);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(())
}

/// Escapes text for an attribute value or character data.
fn escape(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// Writes `root` as a document with an XML declaration, indented by tabs
/// (as ffmpeg writes MPDs).
pub fn emit(root: &Element) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    // Iterative: (element, depth, next child index).
    let mut stack: Vec<(&Element, usize, usize)> = vec![(root, 0, 0)];
    while let Some((e, depth, next)) = stack.pop() {
        let indent = "\t".repeat(depth);
        if next == 0 {
            let _ = write!(out, "{indent}<{}", e.name);
            for (n, v) in &e.attrs {
                let _ = write!(out, " {n}=\"");
                escape(v, &mut out);
                out.push('"');
            }
            if e.children.is_empty() && e.text.is_empty() {
                out.push_str("/>\n");
                continue;
            }
            out.push('>');
            escape(&e.text, &mut out);
            if e.children.is_empty() {
                let _ = writeln!(out, "</{}>", e.name);
                continue;
            }
            out.push('\n');
        }
        if let Some(child) = e.children.get(next) {
            stack.push((e, depth, next + 1));
            stack.push((child, depth + 1, 0));
        } else {
            let _ = writeln!(out, "{indent}</{}>", e.name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_elements_attributes_text_and_references() {
        let doc = br#"<?xml version="1.0"?>
<!-- c --><!DOCTYPE MPD>
<mpd:MPD a="1" b='x &amp; &#x41;&#66;'><P>hi &lt;there&gt;<![CDATA[ <raw> ]]></P><Q/></mpd:MPD>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "MPD");
        assert_eq!(root.attr("b"), Some("x & AB"));
        assert_eq!(
            root.children[0].text, "hi <there> <raw>",
            "trimmed at the ends"
        );
        assert_eq!(root.children_named("Q").count(), 1);
    }

    #[test]
    fn rejects_malformed_documents() {
        for bad in [
            &b"<a><b></a>"[..],
            b"<a>",
            b"</a>",
            b"<a x=1/>",
            b"<a x='1' x='2'/>",
            b"<a/><b/>",
            b"text",
            b"<a>&bogus;</a>",
            b"<a>&#0;</a>",
            b"<!DOCTYPE a [<!ENTITY x 'y'>]><a/>",
            b"<a x='<'/>",
            b"",
            b"<",
            b"<a",
            b"\xff",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert_eq!(
            parse(deep.as_bytes()).unwrap_err().what,
            "elements nested too deep"
        );
    }

    #[test]
    fn emit_reads_back() {
        let mut root = Element::new("MPD");
        root.set("title", Some("a \"b\" & <c>\n"));
        let mut child = Element::new("BaseURL");
        child.text = "http://x/?a=1&b=2".into();
        root.children.push(child);
        root.children.push(Element::new("Period"));
        assert_eq!(parse(emit(&root).as_bytes()).unwrap(), root);
    }
}
