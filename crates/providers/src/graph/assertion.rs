//! Client credentials with a certificate: a JWT assertion signed RS256 with the app's
//! private key, naming the certificate by its SHA-256 thumbprint (`x5t#S256`), as the
//! Microsoft identity platform expects.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use serde_json::json;

/// Why the app's certificate or key cannot be used, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("{path}: {source}")]
    Pem {
        path: String,
        source: rustls::pki_types::pem::Error,
    },
    #[error("{0}: an RSA private key (PKCS#8 or PKCS#1 PEM) is needed")]
    NotRsa(String),
    #[error("{path}: not a usable RSA key: {detail}")]
    BadKey { path: String, detail: String },
    #[error("signing the client assertion failed: {0}")]
    Sign(String),
}

/// A certificate and its key, read once.
#[derive(Debug)]
pub struct Credential {
    thumbprint: String,
    key: RsaKeyPair,
}

impl Credential {
    pub fn load(
        certificate: &std::path::Path,
        key: &std::path::Path,
    ) -> Result<Credential, CredentialError> {
        let pem = |path: &std::path::Path| {
            let path = path.display().to_string();
            move |source| CredentialError::Pem { path, source }
        };
        let cert = CertificateDer::from_pem_file(certificate).map_err(pem(certificate))?;
        let thumbprint = B64.encode(ring::digest::digest(&ring::digest::SHA256, cert.as_ref()));
        let key = match PrivateKeyDer::from_pem_file(key).map_err(pem(key))? {
            PrivateKeyDer::Pkcs8(k) => RsaKeyPair::from_pkcs8(k.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(k) => RsaKeyPair::from_der(k.secret_pkcs1_der()),
            _ => return Err(CredentialError::NotRsa(key.display().to_string())),
        }
        .map_err(|e| CredentialError::BadKey {
            path: key.display().to_string(),
            detail: e.to_string(),
        })?;
        Ok(Credential { thumbprint, key })
    }

    /// A fresh assertion for `token_url`, valid for ten minutes.
    pub fn assertion(&self, client_id: &str, token_url: &str) -> Result<String, CredentialError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| CredentialError::Sign(e.to_string()))?
            .as_secs();
        let jti: [u8; 16] = rand::random();
        let header = json!({"alg": "RS256", "typ": "JWT", "x5t#S256": self.thumbprint});
        let claims = json!({
            "aud": token_url, "iss": client_id, "sub": client_id,
            "jti": B64.encode(jti), "nbf": now, "iat": now, "exp": now + 600,
        });
        let signing_input = format!(
            "{}.{}",
            B64.encode(header.to_string()),
            B64.encode(claims.to_string())
        );
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|e| CredentialError::Sign(e.to_string()))?;
        Ok(format!("{signing_input}.{}", B64.encode(signature)))
    }
}
