//! Where and how to connect: the spec's `connections.ad`, overridden by the environment.

use std::path::PathBuf;

use hybridctl_core::spec::AdConnection;
use hybridctl_core::Diagnostic;

use crate::env::{self, Env};
use crate::Secret;

pub const ENV_URL: &str = "HYBRIDCTL_AD_URL";
pub const ENV_USER: &str = "HYBRIDCTL_AD_USER";
pub const ENV_PASSWORD: &str = "HYBRIDCTL_AD_PASSWORD";
pub const ENV_PASSWORD_FILE: &str = "HYBRIDCTL_AD_PASSWORD_FILE";
pub const ENV_CA_FILE: &str = "HYBRIDCTL_AD_CA_FILE";
pub const ENV_INSECURE: &str = "HYBRIDCTL_AD_INSECURE_SKIP_VERIFY";
pub const ENV_SYSVOL: &str = "HYBRIDCTL_AD_SYSVOL";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// TLS from the first byte (port 636 by default).
    Ldaps,
    /// Plain LDAP upgraded with StartTLS before anything else is sent (port 389 by default).
    StartTls,
}

/// Not `Clone` (it holds the password): providers share one behind an `Arc`.
#[derive(Debug)]
pub struct AdSettings {
    /// The URL as ldap3 takes it.
    pub url: String,
    pub transport: Transport,
    pub user: String,
    pub password: Secret,
    pub ca_file: Option<PathBuf>,
    pub base_dn: Option<String>,
    pub insecure_skip_verify: bool,
    /// `connections.ad.sysvol`: a UNC path or a local folder.
    pub sysvol: Option<String>,
}

impl AdSettings {
    /// Resolves the settings; every missing or unsafe setting is named with the fix.
    pub fn resolve(spec: Option<&AdConnection>, env: &Env) -> Result<AdSettings, Diagnostic> {
        let spec = spec.cloned().unwrap_or_default();
        let url = env::get(env, ENV_URL)
            .map(str::to_string)
            .or(spec.url.clone())
            .ok_or_else(|| {
                Diagnostic::new("no Active Directory URL is set")
                    .hint(format!("set connections.ad.url in the spec or {ENV_URL} (e.g. ldaps://dc01.corp.example.com)"))
            })?;
        let lower = url.to_ascii_lowercase();
        let transport = if lower.starts_with("ldaps://") {
            Transport::Ldaps
        } else if lower.starts_with("ldap://") {
            if !spec.starttls {
                return Err(Diagnostic::new(format!(
                    "refusing to bind over unencrypted LDAP ({url}): hybridctl never sends a password in clear"
                ))
                .hint("use ldaps://... or set `starttls: true` in connections.ad"));
            }
            Transport::StartTls
        } else {
            return Err(Diagnostic::new(format!("`{url}` is not an LDAP URL"))
                .hint("use ldaps://host[:port], or ldap://host[:port] with starttls: true"));
        };
        let user = env::get(env, ENV_USER).map(str::to_string).or(spec.user.clone()).ok_or_else(|| {
            Diagnostic::new("no Active Directory user is set")
                .hint(format!("set connections.ad.user in the spec or {ENV_USER} (e.g. svc-hybridctl@corp.example.com)"))
        })?;
        let password = password(&spec, env)?;
        let ca_file = env::get(env, ENV_CA_FILE)
            .map(PathBuf::from)
            .or(spec.ca_file.clone());
        let insecure_skip_verify = env::flag(env, ENV_INSECURE) || spec.insecure_skip_verify;
        Ok(AdSettings {
            url,
            transport,
            user,
            password,
            ca_file,
            base_dn: spec.base_dn,
            insecure_skip_verify,
            sysvol: env::get(env, ENV_SYSVOL)
                .map(str::to_string)
                .or(spec.sysvol),
        })
    }
}

/// `HYBRIDCTL_AD_PASSWORD`, else the variable named by `password_env`, else a file.
fn password(spec: &AdConnection, env: &Env) -> Result<Secret, Diagnostic> {
    if let Some(p) = env::get(env, ENV_PASSWORD) {
        return Ok(Secret::new(p.to_string()));
    }
    if let Some(var) = &spec.password_env {
        if let Some(p) = env::get(env, var) {
            return Ok(Secret::new(p.to_string()));
        }
    }
    let file = env::get(env, ENV_PASSWORD_FILE)
        .map(PathBuf::from)
        .or(spec.password_file.clone());
    if let Some(file) = file {
        let text = std::fs::read_to_string(&file).map_err(|e| {
            Diagnostic::new(format!(
                "cannot read the AD password file {}: {e}",
                file.display()
            ))
        })?;
        return Ok(Secret::new(text.trim_end_matches(['\r', '\n']).to_string()));
    }
    let named = spec
        .password_env
        .as_deref()
        .map(|v| format!("{v} or "))
        .unwrap_or_default();
    Err(
        Diagnostic::new("the Active Directory password is not set").hint(format!(
            "export {named}{ENV_PASSWORD}, or point {ENV_PASSWORD_FILE} at a file holding it"
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn spec(url: &str) -> AdConnection {
        AdConnection {
            url: Some(url.into()),
            user: Some("svc@corp.example.com".into()),
            password_env: Some("CORP_PW".into()),
            ..Default::default()
        }
    }

    #[test]
    fn environment_overrides_the_spec() {
        let s = AdSettings::resolve(
            Some(&spec("ldaps://dc01.corp.example.com")),
            &env(&[
                (ENV_URL, "ldaps://127.0.0.1"),
                (ENV_USER, "admin@lab"),
                ("CORP_PW", "x"),
                (ENV_CA_FILE, "/ca.pem"),
            ]),
        )
        .unwrap();
        assert_eq!(s.url, "ldaps://127.0.0.1");
        assert_eq!(s.user, "admin@lab");
        assert_eq!(s.password.expose(), "x");
        assert_eq!(s.ca_file, Some(PathBuf::from("/ca.pem")));
        assert!(!s.insecure_skip_verify);
    }

    #[test]
    fn plain_ldap_needs_starttls() {
        let e =
            AdSettings::resolve(Some(&spec("ldap://dc01")), &env(&[("CORP_PW", "x")])).unwrap_err();
        assert!(e.message.contains("never sends a password in clear"), "{e}");
        let mut s = spec("ldap://dc01");
        s.starttls = true;
        assert_eq!(
            AdSettings::resolve(Some(&s), &env(&[("CORP_PW", "x")]))
                .unwrap()
                .transport,
            Transport::StartTls
        );
    }

    #[test]
    fn missing_password_names_the_variables() {
        let e = AdSettings::resolve(Some(&spec("ldaps://dc01")), &env(&[])).unwrap_err();
        assert!(e.hint.unwrap().contains("CORP_PW or HYBRIDCTL_AD_PASSWORD"));
    }

    #[test]
    fn password_from_a_file() {
        let dir = std::env::temp_dir().join(format!("hybridctl-pw-{}", std::process::id()));
        std::fs::write(&dir, "s3cret\n").unwrap();
        let s = AdSettings::resolve(
            Some(&spec("ldaps://dc01")),
            &env(&[(ENV_PASSWORD_FILE, dir.to_str().unwrap())]),
        )
        .unwrap();
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(s.password.expose(), "s3cret");
        assert_eq!(format!("{s:?}").matches("s3cret").count(), 0);
    }
}
