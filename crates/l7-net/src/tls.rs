//! TLS for l7's servers (rustls with the `ring` provider): a server
//! configuration from PEM certificate-chain and key files, with the ALPN
//! protocols the server speaks, and the handshake with a time bound.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// A client that has not finished the handshake in this time is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// A TLS server configuration from PEM files, offering `alpn` protocols.
pub fn server_config(cert: &Path, key: &Path, alpn: &[&[u8]]) -> Result<Arc<ServerConfig>, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| format!("cannot read certificates from {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!("{} holds no PEM certificate", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| format!("cannot read a private key from {}: {e}", key.display()))?;
    from_parts(chain, key, alpn)
}

/// Runs the server side of the handshake on `stream`, within [`HANDSHAKE_TIMEOUT`].
pub async fn accept(acceptor: &TlsAcceptor, stream: TcpStream) -> Option<TlsStream<TcpStream>> {
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
        Ok(Ok(s)) => Some(s),
        Ok(Err(e)) => {
            tracing::debug!("TLS handshake failed: {e}");
            None
        }
        Err(_) => None,
    }
}

/// A server configuration with a fresh self-signed certificate for
/// `hostname` (rcgen), for servers started without `--tls-cert`: clients
/// that verify will refuse it, opportunistic ones (MTAs, swaks) take it.
pub fn self_signed(hostname: &str, alpn: &[&[u8]]) -> Result<Arc<ServerConfig>, String> {
    let certified = rcgen::generate_simple_self_signed(vec![hostname.to_string()])
        .map_err(|e| format!("cannot make a certificate for {hostname}: {e}"))?;
    let key = PrivateKeyDer::Pkcs8(certified.key_pair.serialize_der().into());
    from_parts(vec![certified.cert.der().clone()], key, alpn)
}

/// A server configuration from a certificate chain and its key.
pub fn from_parts(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    alpn: &[&[u8]],
) -> Result<Arc<ServerConfig>, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("the certificate and key do not fit together: {e}"))?;
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(Arc::new(config))
}
