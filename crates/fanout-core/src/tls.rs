//! The rustls client configuration the rows built on rustls share (feature
//! `rustls`): the target's CA as the only root — no other root, no switch
//! that turns verification off — or, for a target given without a CA (a
//! foreign HTTPS server), the OS's trust roots as rustls-native-certs reads
//! them ([`NATIVE_ROOTS`]); with the provider the row names (several rustls
//! providers are linked into one binary, so no row relies on a process
//! default), offering the ALPN protocols given.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::row::StartError;
use crate::target::Target;

/// The roots [`rustls_config`] trusts for a target without a CA, for
/// [`crate::Description::roots`].
pub const NATIVE_ROOTS: &str = "the OS store (rustls-native-certs 0.8)";

/// A rustls client configuration trusting only `target`'s CA (a target
/// without a CA: the OS's trust roots, [`NATIVE_ROOTS`]; none found, no
/// root at all, so every certificate fails), with `provider`, offering
/// `alpn` (empty: none, or the caller sets it).
pub fn rustls_config(
    target: &Target,
    provider: Arc<CryptoProvider>,
    alpn: &[&[u8]],
) -> Result<rustls::ClientConfig, StartError> {
    let mut roots = rustls::RootCertStore::empty();
    if target.ca.is_some() {
        let pem = target.ca_pem().map_err(StartError)?;
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| StartError(format!("the target's CA is not PEM: {e}")))?;
            roots
                .add(cert)
                .map_err(|e| StartError(format!("the target's CA is not usable: {e}")))?;
        }
    } else {
        // Certificates the OS store holds that rustls cannot parse are
        // skipped, as hyper-rustls's `with_native_roots` skips them.
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StartError(format!("cannot configure rustls: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Ok(config)
}
