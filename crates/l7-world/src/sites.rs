//! The default world's web sites (gaia.cs.umass.edu's lab pages and
//! www.someschool.edu's someDepartment/home.index with its 10 JPEGs),
//! embedded in the binary, and where a web service finds its site: written
//! out under the host's data directory for the embedded world, or the
//! site's folder among a world file's own files.

use std::path::{Path, PathBuf};

use crate::World;
use crate::file::Files;

/// The embedded sites' files, by path among the world's files.
const TEXTBOOK_SITES: &[(&str, &[u8])] = &[
    (
        "web/gaia.cs.umass.edu/index.html",
        include_bytes!("../../../worlds/textbook/web/gaia.cs.umass.edu/index.html"),
    ),
    (
        "web/gaia.cs.umass.edu/wireshark-labs/HTTP-wireshark-file1.html",
        include_bytes!(
            "../../../worlds/textbook/web/gaia.cs.umass.edu/wireshark-labs/HTTP-wireshark-file1.html"
        ),
    ),
    (
        "web/gaia.cs.umass.edu/wireshark-labs/HTTP-wireshark-file2.html",
        include_bytes!(
            "../../../worlds/textbook/web/gaia.cs.umass.edu/wireshark-labs/HTTP-wireshark-file2.html"
        ),
    ),
    (
        "web/gaia.cs.umass.edu/wireshark-labs/HTTP-wireshark-file4.html",
        include_bytes!(
            "../../../worlds/textbook/web/gaia.cs.umass.edu/wireshark-labs/HTTP-wireshark-file4.html"
        ),
    ),
    (
        "web/gaia.cs.umass.edu/wireshark-labs/pic1.jpg",
        include_bytes!("../../../worlds/textbook/web/gaia.cs.umass.edu/wireshark-labs/pic1.jpg"),
    ),
    (
        "web/gaia.cs.umass.edu/wireshark-labs/pic2.jpg",
        include_bytes!("../../../worlds/textbook/web/gaia.cs.umass.edu/wireshark-labs/pic2.jpg"),
    ),
    (
        "web/www.someschool.edu/index.html",
        include_bytes!("../../../worlds/textbook/web/www.someschool.edu/index.html"),
    ),
    (
        "web/www.someschool.edu/someDepartment/home.index",
        include_bytes!("../../../worlds/textbook/web/www.someschool.edu/someDepartment/home.index"),
    ),
    (
        "web/www.someschool.edu/someDepartment/pic1.jpg",
        include_bytes!("../../../worlds/textbook/web/www.someschool.edu/someDepartment/pic1.jpg"),
    ),
    (
        "web/www.someschool.edu/someDepartment/pic10.jpg",
        include_bytes!("../../../worlds/textbook/web/www.someschool.edu/someDepartment/pic10.jpg"),
    ),
    (
        "web/www.someschool.edu/someDepartment/pic2.jpg",
        include_bytes!("../../../worlds/textbook/web/www.someschool.edu/someDepartment/pic2.jpg"),
    ),
    (
        "web/www.someschool.edu/someDepartment/pic3.jpg",
        include_bytes!("../../../worlds/textbook/web/www.someschool.edu/someDepartment/pic3.jpg"),
    ),
    (
        "web/www.someschool.edu/someDepartment/pic4.jpg",
        include_bytes!("../../../worlds/textbook/web/www.someschool.edu/someDepartment/pic4.jpg"),
    ),
    (
        "web/www.someschool.edu/someDepartment/pic5.jpg",
        include_bytes!("../../../worlds/textbook/web/www.someschool.edu/someDepartment/pic5.jpg"),
    ),
    (
        "web/www.someschool.edu/someDepartment/pic6.jpg",
        include_bytes!("../../../worlds/textbook/web/www.someschool.edu/someDepartment/pic6.jpg"),
    ),
    (
        "web/www.someschool.edu/someDepartment/pic7.jpg",
        include_bytes!("../../../worlds/textbook/web/www.someschool.edu/someDepartment/pic7.jpg"),
    ),
    (
        "web/www.someschool.edu/someDepartment/pic8.jpg",
        include_bytes!("../../../worlds/textbook/web/www.someschool.edu/someDepartment/pic8.jpg"),
    ),
    (
        "web/www.someschool.edu/someDepartment/pic9.jpg",
        include_bytes!("../../../worlds/textbook/web/www.someschool.edu/someDepartment/pic9.jpg"),
    ),
];

/// The directory a web service serves for `site` (`web/HOST`): for the
/// embedded world, the site's files written afresh into `data/site`.
pub fn site_root(world: &World, site: &str, data: &Path) -> Result<PathBuf, String> {
    match &world.files {
        Files::Dir(dir) => {
            let p = Path::new(site);
            if p.is_absolute() || p.components().any(|c| c.as_os_str() == "..") {
                return Err(format!("{site}: a site must be inside {}", dir.display()));
            }
            Ok(dir.join(p))
        }
        Files::Embedded => {
            let prefix = format!("{}/", site.trim_end_matches('/'));
            let root = data.join("site");
            let mut found = false;
            for (path, bytes) in TEXTBOOK_SITES {
                let Some(rel) = path.strip_prefix(&prefix) else {
                    continue;
                };
                let to = root.join(rel);
                let written = to
                    .parent()
                    .map_or(Ok(()), std::fs::create_dir_all)
                    .and_then(|()| std::fs::write(&to, bytes));
                written.map_err(|e| format!("cannot write {}: {e}", to.display()))?;
                found = true;
            }
            if !found {
                return Err(format!("the default world has no site {site}"));
            }
            Ok(root)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_sites_are_written_out_with_the_ten_jpegs() {
        let data = tempfile::tempdir().unwrap();
        let world = World::textbook();
        let root = site_root(&world, "web/www.someschool.edu", data.path()).unwrap();
        let page = std::fs::read_to_string(root.join("someDepartment/home.index")).unwrap();
        for n in 1..=10 {
            assert!(page.contains(&format!("src=\"pic{n}.jpg\"")));
            let jpeg = std::fs::read(root.join(format!("someDepartment/pic{n}.jpg"))).unwrap();
            assert_eq!(&jpeg[..3], b"\xff\xd8\xff", "pic{n}.jpg is a JPEG");
        }
        assert!(site_root(&world, "web/nowhere.test", data.path()).is_err());
    }
}
