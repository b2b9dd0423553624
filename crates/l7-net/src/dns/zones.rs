//! Loading zone files for the authoritative server. A zone is named on the
//! command line as `FILE` (its apex is the owner of its SOA record, so the
//! file must give `$ORIGIN` or absolute names) or `APEX=FILE`. `$INCLUDE`
//! paths are read relative to the including file, and may not leave its
//! directory.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use l7_dns::authority::Authority;
use l7_dns::wire::{Name, RecordType};
use l7_dns::zone::{IncludeResolver, Zone, parse_master_file};

/// One zone to load: the file, and its apex if given.
#[derive(Debug, Clone)]
pub struct ZoneSpec {
    /// The zone's apex, or `None` to take the SOA owner.
    pub apex: Option<Name>,
    /// The master file.
    pub path: PathBuf,
}

impl ZoneSpec {
    /// Reads `FILE` or `APEX=FILE`.
    pub fn parse(spec: &str) -> Result<ZoneSpec, String> {
        match spec.split_once('=') {
            Some((apex, path)) => Ok(ZoneSpec {
                apex: Some(
                    apex.parse()
                        .map_err(|e| format!("{apex:?} is not a domain name: {e}"))?,
                ),
                path: PathBuf::from(path),
            }),
            None => Ok(ZoneSpec {
                apex: None,
                path: PathBuf::from(spec),
            }),
        }
    }
}

/// The authority being served; replaced whole on reload, so a query sees
/// either the old zones or the new ones, never a mix.
pub type SharedAuthority = Arc<RwLock<Arc<Authority>>>;

/// Loads every zone; the first broken one fails the whole load with
/// `file:line: what is wrong`.
pub fn load(specs: &[ZoneSpec]) -> Result<Vec<Zone>, String> {
    specs.iter().map(load_one).collect()
}

fn load_one(spec: &ZoneSpec) -> Result<Zone, String> {
    let file = spec.path.display().to_string();
    let text =
        std::fs::read(&spec.path).map_err(|e| format!("cannot read zone file {file}: {e}"))?;
    let dir = spec
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut includes = |_from: &str, path: &str| -> Result<(String, Vec<u8>), String> {
        let p = Path::new(path);
        if p.is_absolute() || p.components().any(|c| c.as_os_str() == "..") {
            return Err(format!(
                "$INCLUDE {path}: only files beside the zone file may be included"
            ));
        }
        let full = dir.join(p);
        let bytes = std::fs::read(&full).map_err(|e| format!("$INCLUDE {path}: {e}"))?;
        Ok((full.display().to_string(), bytes))
    };
    parse_zone(&text, &file, spec.apex.as_ref(), &mut includes)
}

/// Parses and checks one zone from master-file text named `file`; without
/// an apex, the owner of its SOA record is the apex.
pub fn parse_zone(
    text: &[u8],
    file: &str,
    apex: Option<&Name>,
    includes: &mut dyn IncludeResolver,
) -> Result<Zone, String> {
    let apex = match apex {
        Some(a) => a.clone(),
        None => {
            let records = parse_master_file(text, file, &Name::root(), includes)
                .map_err(|e| e.to_string())?;
            records
                .iter()
                .find(|(r, _)| r.rtype() == RecordType::SOA)
                .map(|(r, _)| r.name.clone())
                .ok_or_else(|| {
                    format!("{file}: no SOA record: a zone starts with its SOA (or name the apex: --zone APEX={file})")
                })?
        }
    };
    let zone = Zone::from_master_file(text, file, &apex, includes).map_err(|e| e.to_string())?;
    for w in zone.warnings() {
        tracing::warn!("{w}");
    }
    Ok(zone)
}
