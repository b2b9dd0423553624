//! Validation of file names and path components from metainfo, so that a
//! torrent can never write outside its own directory: no empty components,
//! no `.` or `..`, no separators (hence no absolute paths), no NUL.

use super::MetainfoError;

/// Checks one path component (or the torrent's `name`).
pub fn validate_component(c: &str) -> Result<(), MetainfoError> {
    let bad = c.is_empty()
        || c == "."
        || c == ".."
        || c.contains(['/', '\\', '\0'])
        // A Windows drive prefix ("C:") would make the path absolute there.
        || (c.len() >= 2 && c.as_bytes()[1] == b':' && c.as_bytes()[0].is_ascii_alphabetic());
    if bad {
        return Err(MetainfoError::UnsafePath(c.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_escapes() {
        for bad in ["", ".", "..", "a/b", "/etc", "a\\b", "x\0", "C:"] {
            assert!(validate_component(bad).is_err(), "{bad:?}");
        }
        for good in ["a", "..a", "file.txt", "ünïcode", "a b"] {
            assert!(validate_component(good).is_ok(), "{good:?}");
        }
    }
}
