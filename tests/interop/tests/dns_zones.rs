//! Our zone-file parser and BIND's `named-checkzone` agree: on the corpus of
//! good and broken zones in crates/l7-dns/tests/zones and on the world's own
//! zone files, both accept or both reject.

use std::path::{Path, PathBuf};

use l7_dns::wire::Name;
use l7_dns::zone::{NoIncludes, Zone};
use l7_interop::tool;

fn zones(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "zone"))
        .collect();
    v.sort();
    v
}

/// The zone's origin: from `$ORIGIN` in the file, else the file's stem.
fn origin(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("$ORIGIN").map(|o| o.trim().to_string()))
        .unwrap_or_else(|| path.file_stem().unwrap().to_str().unwrap().to_string())
}

fn ours(path: &Path, origin: &str) -> Result<(), String> {
    let apex: Name = origin.parse().map_err(|e| format!("{e:?}"))?;
    let text = std::fs::read(path).unwrap();
    Zone::from_master_file(&text, &path.display().to_string(), &apex, &mut NoIncludes)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn bind(path: &Path, origin: &str) -> Result<(), String> {
    let out = tool("named-checkzone")
        .arg(origin)
        .arg(path)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

#[test]
fn our_parser_and_named_checkzone_agree() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = zones(&root.join("crates/l7-dns/tests/zones/good"));
    files.extend(zones(&root.join("crates/l7-dns/tests/zones/bad")));
    files.extend(zones(&root.join("worlds/textbook")));
    assert!(files.len() >= 20, "corpus too small: {}", files.len());
    let mut disagreements = Vec::new();
    for f in &files {
        let o = origin(f);
        let (a, b) = (ours(f, &o), bind(f, &o));
        if a.is_ok() != b.is_ok() {
            disagreements.push(format!(
                "{}: l7 {:?}, named-checkzone {:?}",
                f.display(),
                a,
                b
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
