//! TLS: a throwaway CA and leaf certificate per server, and the rustls
//! server configuration (ring provider, ALPN `h2` and `http/1.1`, session
//! resumption by a stateful cache and by tickets).
//!
//! At start the server makes a CA (ECDSA P-256, rcgen) and a leaf it signs
//! for `localhost`, `127.0.0.1` and `::1` (and the names of
//! [`crate::Config::tls_names`], for a server other hosts reach), both
//! valid from an hour ago for a year. The keys live in memory only. The
//! CA certificate (PEM, public) is written to `ca.pem` in a private
//! temporary directory (tempfile, mode 0700 on Unix) that is removed when
//! the server is dropped — a client trusts that file and nothing else. Every
//! server has a CA of its own, so a client that trusts one server's CA fails
//! to verify another's certificate.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use rustls::ServerConfig;
use rustls::crypto::ring;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::ServerSessionMemoryCache;
use tempfile::TempDir;
use tokio_rustls::TlsAcceptor;

/// The names the leaf certificate is valid for.
pub(crate) const NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// How long the certificates are valid from now (a public CA may sign for
/// at most 398 days), and how far back they are valid already (clock skew).
const VALID_FOR: time::Duration = time::Duration::days(365);
const VALID_SINCE: time::Duration = time::Duration::hours(1);

/// ALPN protocols offered, in the server's order of preference.
const ALPN: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// TLS 1.2 sessions kept for resumption by session id (TLS 1.3 and TLS 1.2
/// clients that take tickets resume from the ticket instead). About 100
/// bytes each; a burst of 10 000 connections fits.
const SESSION_CACHE: usize = 16 * 1024;

/// The file the CA certificate is in, and the directory that holds it;
/// both removed on drop.
#[derive(Debug)]
pub(crate) struct CaFile {
    path: PathBuf,
    _dir: TempDir,
}

impl CaFile {
    /// The CA certificate's PEM file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

/// Makes a CA and a leaf it signed (for [`NAMES`] and `extra_names`),
/// writes the CA's PEM to a private temporary directory, and returns the
/// acceptor for the leaf with the CA file.
pub(crate) fn setup(extra_names: &[String]) -> io::Result<(TlsAcceptor, CaFile)> {
    let cert_error = |e: rcgen::Error| io::Error::other(format!("cannot make a certificate: {e}"));
    let tls_error = |e: rustls::Error| io::Error::other(format!("cannot set up TLS: {e}"));

    let now = time::OffsetDateTime::now_utc();
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(cert_error)?;
    let mut ca_params = CertificateParams::default();
    ca_params.not_before = now - VALID_SINCE;
    ca_params.not_after = now + VALID_FOR;
    // A name of its own (from its key), so a client trusting another
    // server's CA finds no issuer, rather than a bad signature under a
    // name it trusts.
    let id: String = ca_params
        .key_identifier(&ca_key)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect();
    ca_params.distinguished_name.push(
        DnType::CommonName,
        format!("fanout-server throwaway CA {id}"),
    );
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).map_err(cert_error)?;

    let names: Vec<String> = NAMES
        .iter()
        .map(|n| n.to_string())
        .chain(extra_names.iter().cloned())
        .collect();
    let mut leaf_params = CertificateParams::new(names).map_err(cert_error)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf_params.not_before = now - VALID_SINCE;
    leaf_params.not_after = now + VALID_FOR;
    leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf_params.use_authority_key_identifier_extension = true;
    let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(cert_error)?;
    let leaf = leaf_params.signed_by(&leaf_key, &ca).map_err(cert_error)?;

    let mut dir = tempfile::Builder::new();
    dir.prefix("fanout-server-");
    // Private: only this user may list or replace the file.
    #[cfg(unix)]
    dir.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let dir = dir.tempdir().map_err(|e| {
        io::Error::new(e.kind(), format!("cannot make a directory for the CA: {e}"))
    })?;
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, ca.pem()).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("cannot write the CA to {}: {e}", path.display()),
        )
    })?;

    // ring explicitly: never the process default, which another crate could set.
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .map_err(tls_error)?;
    config.alpn_protocols = ALPN.iter().map(|p| p.to_vec()).collect();
    config.session_storage = ServerSessionMemoryCache::new(SESSION_CACHE);
    config.ticketer = ring::Ticketer::new().map_err(tls_error)?;
    Ok((
        TlsAcceptor::from(Arc::new(config)),
        CaFile { path, _dir: dir },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ca_file_is_pem_private_and_removed_on_drop() {
        let (_, ca) = setup(&[]).unwrap();
        let pem = std::fs::read_to_string(ca.path()).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let dir = ca.path().parent().unwrap();
            let mode = std::fs::metadata(dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the directory is private: {mode:o}");
        }
        let (_, other) = setup(&[]).unwrap();
        assert_ne!(
            pem,
            std::fs::read_to_string(other.path()).unwrap(),
            "a CA of its own"
        );
        let path = ca.path().to_owned();
        drop(ca);
        assert!(!path.exists() && !path.parent().unwrap().exists());
    }
}
