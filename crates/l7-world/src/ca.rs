//! The world's own certificate authority (rcgen): one root made the first
//! time a world starts and kept beside its data, so a client that trusts it
//! once (`curl --cacert`, Chromium's `--ignore-certificate-errors-spki-list`
//! or its trust store) keeps trusting it; and server certificates issued
//! from it at every start for the hosts that speak TLS (HTTPS, SMTP
//! STARTTLS, POP3S, IMAPS).
//!
//! The root is stored as PEM: `ca.pem` (certificate, for clients) and
//! `ca.key` (private key, mode 0600). On a later start the root is rebuilt
//! from the same key and name, so certificates issued then chain to the
//! `ca.pem` that clients already hold (issuer name and key identifier match).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, date_time_ymd,
};

/// The common name of every world's root.
const ROOT_NAME: &str = "l7 world root CA";

/// A loaded (or new) world CA that can issue server certificates.
pub struct WorldCa {
    key: KeyPair,
    cert: Certificate,
    cert_path: PathBuf,
}

/// A server certificate and its key, as PEM.
pub struct Issued {
    /// The leaf certificate followed by nothing else (the root is the trust anchor).
    pub cert_pem: String,
    /// The leaf's private key (PKCS#8).
    pub key_pem: String,
}

impl WorldCa {
    /// The CA kept in `dir` (`ca.pem`, `ca.key`), made there if absent.
    pub fn load_or_create(dir: &Path) -> Result<WorldCa, String> {
        let cert_path = dir.join("ca.pem");
        let key_path = dir.join("ca.key");
        let what = |e: &dyn std::fmt::Display, p: &Path| {
            format!(
                "world CA in {}: {e} (delete {} to make a new CA)",
                p.display(),
                dir.display()
            )
        };
        let (key, existing) = match std::fs::read_to_string(&key_path) {
            Ok(pem) => (
                KeyPair::from_pem(&pem).map_err(|e| what(&e, &key_path))?,
                true,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                (KeyPair::generate().map_err(|e| what(&e, &key_path))?, false)
            }
            Err(e) => return Err(what(&e, &key_path)),
        };
        let cert = root_params()
            .self_signed(&key)
            .map_err(|e| what(&e, &cert_path))?;
        if !existing || !cert_path.exists() {
            std::fs::create_dir_all(dir).map_err(|e| what(&e, dir))?;
            write_private(&key_path, &key.serialize_pem()).map_err(|e| what(&e, &key_path))?;
            write_atomic(&cert_path, &cert.pem()).map_err(|e| what(&e, &cert_path))?;
        }
        Ok(WorldCa {
            key,
            cert,
            cert_path,
        })
    }

    /// Where the root certificate is, for clients to trust.
    pub fn cert_path(&self) -> &Path {
        &self.cert_path
    }

    /// A server certificate for `names` (DNS names or IP addresses), signed by the root.
    pub fn issue(&self, names: &[String]) -> Result<Issued, String> {
        let mut params = CertificateParams::new(names.to_vec())
            .map_err(|e| format!("cannot issue a certificate for {names:?}: {e}"))?;
        let mut dn = DistinguishedName::new();
        dn.push(
            DnType::CommonName,
            names.first().cloned().unwrap_or_default(),
        );
        params.distinguished_name = dn;
        params.not_before = date_time_ymd(2025, 1, 1);
        params.not_after = date_time_ymd(2035, 1, 1);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;
        let key = KeyPair::generate().map_err(|e| e.to_string())?;
        let cert = params
            .signed_by(&key, &self.cert, &self.key)
            .map_err(|e| format!("cannot sign a certificate for {names:?}: {e}"))?;
        Ok(Issued {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }

    /// A TLS server configuration for `host`, its certificate issued now and
    /// kept in `dir` (so tools like `openssl s_client` can inspect it), offering
    /// the `alpn` protocols.
    pub fn server_tls(
        &self,
        host: &str,
        dir: &Path,
        alpn: &[&[u8]],
    ) -> Result<Arc<rustls::ServerConfig>, String> {
        let (cert, key) = self
            .issue(&[host.to_string()])?
            .write(dir, host)
            .map_err(|e| {
                format!(
                    "cannot write {host}'s certificate into {}: {e}",
                    dir.display()
                )
            })?;
        l7_net::tls::server_config(&cert, &key, alpn)
    }
}

impl Issued {
    /// Writes `NAME.pem` and `NAME.key` (mode 0600) into `dir`; returns their paths.
    pub fn write(&self, dir: &Path, name: &str) -> std::io::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        let cert = dir.join(format!("{name}.pem"));
        let key = dir.join(format!("{name}.key"));
        write_atomic(&cert, &self.cert_pem)?;
        write_private(&key, &self.key_pem)?;
        Ok((cert, key))
    }
}

/// The root's parameters: the same every time, so a rebuilt root matches `ca.pem`.
fn root_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, ROOT_NAME);
    dn.push(DnType::OrganizationName, "l7");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.not_before = date_time_ymd(2025, 1, 1);
    params.not_after = date_time_ymd(2045, 1, 1);
    params
}

fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Like [`write_atomic`], readable by the owner only (private keys).
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::client::danger::ServerCertVerifier;
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

    fn verify(root_pem: &str, leaf_pem: &str, name: &str) -> Result<(), rustls::Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(CertificateDer::from_pem_slice(root_pem.as_bytes()).unwrap())
            .unwrap();
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let verifier =
            rustls::client::WebPkiServerVerifier::builder_with_provider(roots.into(), provider)
                .build()
                .unwrap();
        let leaf = CertificateDer::from_pem_slice(leaf_pem.as_bytes()).unwrap();
        let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(1_800_000_000));
        verifier
            .verify_server_cert(
                &leaf,
                &[],
                &ServerName::try_from(name.to_string()).unwrap(),
                &[],
                now,
            )
            .map(|_| ())
    }

    #[test]
    fn certificates_issued_after_a_restart_chain_to_the_first_root() {
        let dir = tempfile::tempdir().unwrap();
        let first = WorldCa::load_or_create(dir.path()).unwrap();
        let root_pem = std::fs::read_to_string(first.cert_path()).unwrap();
        drop(first);
        let again = WorldCa::load_or_create(dir.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(again.cert_path()).unwrap(),
            root_pem,
            "a restart keeps the root clients trust"
        );
        let leaf = again.issue(&["gaia.cs.umass.edu".to_string()]).unwrap();
        verify(&root_pem, &leaf.cert_pem, "gaia.cs.umass.edu").unwrap();
        assert!(verify(&root_pem, &leaf.cert_pem, "crepes.fr").is_err());
    }

    #[test]
    fn a_foreign_root_does_not_verify_the_worlds_certificates() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let ca_a = WorldCa::load_or_create(a.path()).unwrap();
        let ca_b = WorldCa::load_or_create(b.path()).unwrap();
        let root_b = std::fs::read_to_string(ca_b.cert_path()).unwrap();
        let leaf = ca_a.issue(&["mail.crepes.fr".to_string()]).unwrap();
        assert!(verify(&root_b, &leaf.cert_pem, "mail.crepes.fr").is_err());
    }

    #[test]
    fn issued_files_are_private_and_load_as_a_tls_server() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ca = WorldCa::load_or_create(&dir.path().join("ca")).unwrap();
        let tls = dir.path().join("tls");
        let config = ca
            .server_tls("hamburger.edu", &tls, &[b"http/1.1"])
            .unwrap();
        assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
        let key = tls.join("hamburger.edu.key");
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "key readable by others: {mode:o}");
    }
}
