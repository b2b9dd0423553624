//! HTML directory listings: entries sorted by name, names HTML-escaped and
//! links percent-encoded, directories with a trailing slash.

use std::io;
use std::path::Path;

use super::path::percent_encode;

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingEntry {
    /// The file name.
    pub name: String,
    /// True for directories.
    pub is_dir: bool,
    /// Size in bytes (0 for directories).
    pub len: u64,
}

/// Reads the entries of `dir` (names that are not UTF-8 are skipped).
pub fn read_entries(dir: &Path) -> io::Result<Vec<ListingEntry>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let meta = entry.metadata()?;
        entries.push(ListingEntry {
            name,
            is_dir: meta.is_dir(),
            len: meta.len(),
        });
    }
    Ok(entries)
}

/// Renders the listing page of `url_path` (the decoded request path, ending
/// in `/`), sorted by name.
pub fn render_listing(url_path: &str, mut entries: Vec<ListingEntry>) -> String {
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let title = html_escape(url_path);
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of {title}</title></head>\n\
         <body><h1>Index of {title}</h1>\n<ul>\n"
    );
    if url_path != "/" {
        html.push_str("<li><a href=\"../\">../</a></li>\n");
    }
    for e in entries {
        let slash = if e.is_dir { "/" } else { "" };
        let href = html_escape(&percent_encode(&e.name, false));
        let name = html_escape(&e.name);
        let size = if e.is_dir {
            String::new()
        } else {
            format!(" ({} bytes)", e.len)
        };
        html.push_str(&format!(
            "<li><a href=\"{href}{slash}\">{name}{slash}</a>{size}</li>\n"
        ));
    }
    html.push_str("</ul>\n</body></html>\n");
    html
}

/// Escapes the five HTML-special characters.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_escaped_linked() {
        let entries = vec![
            ListingEntry {
                name: "b.txt".into(),
                is_dir: false,
                len: 3,
            },
            ListingEntry {
                name: "<script>&".into(),
                is_dir: false,
                len: 1,
            },
            ListingEntry {
                name: "a dir".into(),
                is_dir: true,
                len: 0,
            },
        ];
        let html = render_listing("/x/", entries);
        let a = html.find("a dir/").unwrap();
        let b = html.find("b.txt").unwrap();
        let s = html.find("&lt;script&gt;&amp;").unwrap();
        assert!(s < a && a < b, "sorted by name: {html}");
        assert!(html.contains("href=\"a%20dir/\""));
        assert!(html.contains("href=\"%3Cscript%3E%26\""));
        assert!(!html.contains("<script>"));
        assert!(html.contains("href=\"../\""));
    }
}
