//! The names a run asks about, most popular first: read from a names file
//! (one name per line, `#` starts a comment) or generated
//! (`hostI.domainJ.com`); and the hierarchy made up to serve them: the
//! root, one TLD server per top-level domain, one authoritative server per
//! second-level domain holding every listed name below it.

use std::collections::HashMap;

use l7_dns::wire::Name;

use super::DnsError;

/// Reads a names file: one name per line, a trailing dot optional, blank
/// lines and `#` comments skipped; a name is listed once (its first line
/// gives its popularity). `file` names the source in errors.
pub fn parse(text: &str, file: &str) -> Result<Vec<Name>, DnsError> {
    let mut names: Vec<Name> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let bad = |why: String| DnsError::Params(format!("{file}:{}: {why}", i + 1));
        let name = Name::from_text(line.as_bytes(), None).map_err(|e| bad(e.to_string()))?;
        if name.label_count() < 2 {
            return Err(bad(format!(
                "{name} has no second-level domain to serve it: list names of two labels or more, e.g. www.example.com"
            )));
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Err(DnsError::Params(format!(
            "{file} lists no names: write one name per line, e.g. www.example.com"
        )));
    }
    Ok(names)
}

/// `per_domain` names in each of `domains` domains, ranked so the popular
/// names spread over every domain: rank i is `host(i / domains)` of
/// `domain(i % domains).com`.
pub fn generated(domains: usize, per_domain: usize) -> Vec<Name> {
    (0..domains * per_domain)
        .filter_map(|i| {
            let text = format!("host{}.domain{}.com.", i / domains, i % domains);
            Name::from_text(text.as_bytes(), None).ok()
        })
        .collect()
}

/// A second-level domain and the names its server answers.
#[derive(Debug, Clone)]
pub struct Domain {
    /// The zone's apex, e.g. `example.com.`.
    pub apex: Name,
    /// Index of its top-level domain in [`Hierarchy::tlds`].
    pub tld: usize,
    /// The listed names at or below the apex.
    pub names: Vec<Name>,
}

/// Who serves what: hosts are numbered root (0), then the TLD servers,
/// then the domains' servers, in order of first appearance in the list.
#[derive(Debug, Clone)]
pub struct Hierarchy {
    /// Top-level domains, e.g. `com.`.
    pub tlds: Vec<Name>,
    /// Second-level domains.
    pub domains: Vec<Domain>,
}

impl Hierarchy {
    /// The hierarchy serving `names` (each of at least two labels).
    pub fn of(names: &[Name]) -> Hierarchy {
        let mut h = Hierarchy {
            tlds: Vec::new(),
            domains: Vec::new(),
        };
        let mut tld_index: HashMap<Name, usize> = HashMap::new();
        let mut domain_index: HashMap<Name, usize> = HashMap::new();
        for name in names {
            let Some(apex) = ancestor_with_labels(name, 2) else {
                continue;
            };
            let d = *domain_index.entry(apex.clone()).or_insert_with(|| {
                let tld = ancestor_with_labels(&apex, 1).unwrap_or_else(Name::root);
                let t = *tld_index.entry(tld.clone()).or_insert_with(|| {
                    h.tlds.push(tld);
                    h.tlds.len() - 1
                });
                h.domains.push(Domain {
                    apex,
                    tld: t,
                    names: Vec::new(),
                });
                h.domains.len() - 1
            });
            h.domains[d].names.push(name.clone());
        }
        h
    }

    /// Host index of TLD `t`'s server.
    pub fn tld_host(&self, t: usize) -> u32 {
        1 + t as u32
    }

    /// Host index of domain `d`'s server.
    pub fn domain_host(&self, d: usize) -> u32 {
        1 + (self.tlds.len() + d) as u32
    }
}

/// The ancestor of `name` (or itself) with exactly `labels` labels.
fn ancestor_with_labels(name: &Name, labels: usize) -> Option<Name> {
    let mut n = name.clone();
    while n.label_count() > labels {
        n = n.parent()?;
    }
    (n.label_count() == labels).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_names_file_with_comments_duplicates_and_errors() {
        let text = "# popular first\nwww.example.com\n\nmail.Example.com.  # MX host\nwww.example.com\ngaia.cs.umass.edu\n";
        let names = parse(text, "n.txt").unwrap();
        let shown: Vec<String> = names.iter().map(Name::to_string).collect();
        assert_eq!(
            shown,
            [
                "www.example.com.",
                "mail.Example.com.",
                "gaia.cs.umass.edu."
            ]
        );
        let e = parse("ok.example\ncom\n", "n.txt").unwrap_err().to_string();
        assert!(e.starts_with("n.txt:2: "), "{e}");
        let e = parse("a..b\n", "n.txt").unwrap_err().to_string();
        assert!(e.starts_with("n.txt:1: "), "{e}");
        assert!(parse("# nothing\n", "n.txt").is_err());
    }

    #[test]
    fn names_are_grouped_by_tld_and_second_level_domain() {
        let names = parse(
            "www.example.com\ngaia.cs.umass.edu\nmail.example.com\nwww.inria.fr\numass.edu\n",
            "n",
        )
        .unwrap();
        let h = Hierarchy::of(&names);
        let tlds: Vec<String> = h.tlds.iter().map(Name::to_string).collect();
        assert_eq!(tlds, ["com.", "edu.", "fr."]);
        let apexes: Vec<(String, usize, usize)> = h
            .domains
            .iter()
            .map(|d| (d.apex.to_string(), d.tld, d.names.len()))
            .collect();
        assert_eq!(
            apexes,
            [
                ("example.com.".into(), 0, 2),
                ("umass.edu.".into(), 1, 2),
                ("inria.fr.".into(), 2, 1)
            ]
        );
        assert_eq!((h.tld_host(0), h.domain_host(0)), (1, 4));
    }

    #[test]
    fn generated_names_spread_the_popular_ones_over_domains() {
        let shown: Vec<String> = generated(2, 2).iter().map(Name::to_string).collect();
        assert_eq!(
            shown,
            [
                "host0.domain0.com.",
                "host0.domain1.com.",
                "host1.domain0.com.",
                "host1.domain1.com."
            ]
        );
    }
}
