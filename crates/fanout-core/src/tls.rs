//! The rustls client configuration the rows built on rustls share (feature
//! `rustls`): the target's CA as the only root — no other root, no switch
//! that turns verification off — with the provider the row names (several
//! rustls providers are linked into one binary, so no row relies on a
//! process default), offering the ALPN protocols given.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::row::StartError;
use crate::target::Target;

/// A rustls client configuration trusting only `target`'s CA (a target
/// without a CA: no root at all, so every certificate fails), with
/// `provider`, offering `alpn` (empty: none, or the caller sets it).
pub fn rustls_config(
    target: &Target,
    provider: Arc<CryptoProvider>,
    alpn: &[&[u8]],
) -> Result<rustls::ClientConfig, StartError> {
    let mut roots = rustls::RootCertStore::empty();
    if let Ok(pem) = target.ca_pem() {
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| StartError(format!("the target's CA is not PEM: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| StartError(format!("the target's CA is not usable: {e}")))?;
        }
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StartError(format!("cannot configure rustls: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}
