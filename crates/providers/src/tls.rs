//! TLS client settings for every outbound connection hybridctl makes: ring as the
//! crypto provider, and the CAs of a PEM file or, without one, the system's roots.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{pem::PemObject, CertificateDer};

/// Errors name what went wrong, not the file: callers say which setting it came from.
pub fn client_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(ca) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(ca)
                .map_err(|e| e.to_string())?
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            if certs.is_empty() {
                return Err("it holds no PEM certificates".into());
            }
            for c in certs {
                roots.add(c).map_err(|e| e.to_string())?;
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
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_without_certificates_is_refused() {
        let f = std::env::temp_dir().join(format!("hybridctl-empty-ca-{}", std::process::id()));
        std::fs::write(&f, "not a certificate\n").unwrap();
        let e = super::client_config(Some(&f)).unwrap_err();
        std::fs::remove_file(&f).unwrap();
        assert_eq!(e, "it holds no PEM certificates");
        assert!(super::client_config(None).is_ok());
    }
}
