//! TLS client settings for every outbound connection hybridctl makes: ring as the
//! crypto provider, and the CAs of a PEM file or, without one, the system's roots.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{pem::PemObject, CertificateDer};

/// Errors name what went wrong, not the file: callers say which setting it came from.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read it as PEM: {0}")]
    Pem(#[from] rustls::pki_types::pem::Error),
    #[error("it holds no PEM certificates")]
    NoCertificates,
    #[error("a certificate in it is not usable: {0}")]
    Certificate(rustls::Error),
    #[error("no safe TLS protocol version is available: {0}")]
    Protocol(rustls::Error),
}

pub fn client_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, TlsError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(ca) => {
            let certs: Vec<CertificateDer<'static>> =
                CertificateDer::pem_file_iter(ca)?.collect::<Result<_, _>>()?;
            if certs.is_empty() {
                return Err(TlsError::NoCertificates);
            }
            for c in certs {
                roots.add(c).map_err(TlsError::Certificate)?;
            }
        }
        None => {
            // Unreadable system certificates are skipped, as browsers do.
            for c in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(c);
            }
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(TlsError::Protocol)?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

/// Whether `e` (or any error in its cause chain) is rustls refusing the peer's
/// certificate: found by type, not by reading messages.
pub fn is_untrusted_certificate(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(rustls::Error::InvalidCertificate(_)) = c.downcast_ref::<rustls::Error>() {
            return true;
        }
        // An io::Error hands out what it wraps through `get_ref`, not `source`, and the
        // TLS stacks wrap one io::Error in another.
        cause = match c.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => c.source(),
        };
    }
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_without_certificates_is_refused() {
        let f = std::env::temp_dir().join(format!("hybridctl-empty-ca-{}", std::process::id()));
        std::fs::write(&f, "not a certificate\n").unwrap();
        let e = super::client_config(Some(&f)).unwrap_err();
        std::fs::remove_file(&f).unwrap();
        assert!(matches!(e, super::TlsError::NoCertificates), "{e}");
        assert!(super::client_config(None).is_ok());
    }

    #[test]
    fn a_refused_certificate_is_found_inside_nested_io_errors() {
        use std::io::{Error, ErrorKind};
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let nested = Error::other(Error::new(ErrorKind::InvalidData, tls));
        assert!(super::is_untrusted_certificate(&nested));
        assert!(!super::is_untrusted_certificate(&Error::other("refused")));
    }
}
