//! Where and how to connect: the spec's `connections.ad`, overridden by the environment.

use std::path::PathBuf;

use hybridctl_core::spec::{AdAuth, AdConnection};
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
pub const ENV_AUTH: &str = "HYBRIDCTL_AD_AUTH";
pub const ENV_KEYTAB: &str = "HYBRIDCTL_AD_KEYTAB";
pub const ENV_PRINCIPAL: &str = "HYBRIDCTL_AD_PRINCIPAL";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// TLS from the first byte (port 636 by default).
    Ldaps,
    /// Plain LDAP upgraded with StartTLS before anything else is sent (port 389 by default).
    StartTls,
    /// Plain LDAP sealed by the Kerberos bind's SASL confidentiality layer (`auth: kerberos`).
    Sealed,
}

/// How the run authenticates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// A simple bind with `user` and `password`.
    Password,
    /// SASL GSSAPI; `password` is empty and never used.
    Kerberos(super::kerberos::KerberosSettings),
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
    pub auth: Auth,
}

impl AdSettings {
    /// Resolves the settings; every missing or unsafe setting is named with the fix.
    pub fn resolve(spec: Option<&AdConnection>, env: &Env) -> Result<AdSettings, Diagnostic> {
        let spec = spec.cloned().unwrap_or_default();
        if resolve_auth(&spec, env)? == AdAuth::Kerberos {
            return resolve_kerberos(spec, env);
        }
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
            auth: Auth::Password,
        })
    }
}

/// `HYBRIDCTL_AD_AUTH` over `connections.ad.auth`, default password.
fn resolve_auth(spec: &AdConnection, env: &Env) -> Result<AdAuth, Diagnostic> {
    match env::get(env, ENV_AUTH)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None => Ok(spec.auth.unwrap_or_default()),
        Some("password") => Ok(AdAuth::Password),
        Some("kerberos") => Ok(AdAuth::Kerberos),
        Some(other) => Err(Diagnostic::new(format!(
            "{ENV_AUTH}={other} is not an authentication method"
        ))
        .hint("use password or kerberos")),
    }
}

/// `auth: kerberos`: no password is read, looked for or needed.
fn resolve_kerberos(spec: AdConnection, env: &Env) -> Result<AdSettings, Diagnostic> {
    use super::kerberos::{KerberosSettings, Keytab};
    let url = env::get(env, ENV_URL)
        .map(str::to_string)
        .or(spec.url.clone())
        .ok_or_else(|| {
            Diagnostic::new("no Active Directory URL is set").hint(format!(
                "set connections.ad.url in the spec or {ENV_URL} (e.g. ldap://dc01.corp.example.com)"
            ))
        })?;
    let lower = url.to_ascii_lowercase();
    let transport = if lower.starts_with("ldaps://") {
        Transport::Ldaps
    } else if lower.starts_with("ldap://") {
        if spec.starttls {
            Transport::StartTls
        } else {
            Transport::Sealed
        }
    } else {
        return Err(Diagnostic::new(format!("`{url}` is not an LDAP URL"))
            .hint("use ldap://dc-host-name (sealed by Kerberos) or ldaps://dc-host-name"));
    };
    let host = url_host(&url);
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() {
        return Err(Diagnostic::new(format!(
            "Kerberos needs the DC's host name, and `{url}` names {}",
            if host.is_empty() { "no host".to_string() } else { format!("the IP address {host}") }
        ))
        .hint("use the DC's DNS name in connections.ad.url / HYBRIDCTL_AD_URL (ldap://dc01.corp.example.com): its service principal is ldap/<that name>"));
    }
    let keytab_file = env::get(env, ENV_KEYTAB)
        .map(PathBuf::from)
        .or(spec.keytab_file.clone());
    let principal = env::get(env, ENV_PRINCIPAL)
        .map(str::to_string)
        .or(spec.principal.clone());
    let keytab = match (keytab_file, principal.clone()) {
        (Some(file), Some(principal)) => Some(Keytab { file, principal }),
        (Some(file), None) => {
            return Err(Diagnostic::new(format!(
                "the keytab {} is set but not the principal whose key it holds",
                file.display()
            ))
            .hint(format!("set principal in connections.ad or {ENV_PRINCIPAL} (e.g. svc-hybridctl@CORP.EXAMPLE.COM)")))
        }
        (None, _) => None,
    };
    let kerberos = KerberosSettings {
        host,
        keytab,
        ccache: env::get(env, "KRB5CCNAME").map(str::to_string),
    };
    Ok(AdSettings {
        url,
        transport,
        user: principal.unwrap_or_else(|| kerberos.identity()),
        password: Secret::new(String::new()),
        ca_file: env::get(env, ENV_CA_FILE)
            .map(PathBuf::from)
            .or(spec.ca_file.clone()),
        base_dn: spec.base_dn,
        insecure_skip_verify: env::flag(env, ENV_INSECURE) || spec.insecure_skip_verify,
        sysvol: env::get(env, ENV_SYSVOL)
            .map(str::to_string)
            .or(spec.sysvol),
        auth: Auth::Kerberos(kerberos),
    })
}

/// The host of an LDAP URL, without port or brackets.
fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or_default();
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or_default().to_string();
    }
    authority.split(':').next().unwrap_or_default().to_string()
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
    fn kerberos_needs_no_password_and_seals_plain_ldap() {
        let mut s = spec("ldap://dc1.corp.example.com");
        s.auth = Some(AdAuth::Kerberos);
        s.password_env = None;
        let r = AdSettings::resolve(
            Some(&s),
            &env(&[
                (ENV_KEYTAB, "/k.keytab"),
                (ENV_PRINCIPAL, "svc@CORP.EXAMPLE.COM"),
            ]),
        )
        .unwrap();
        assert_eq!(r.transport, Transport::Sealed);
        assert_eq!(r.password.expose(), "");
        let Auth::Kerberos(k) = r.auth else {
            panic!("not kerberos")
        };
        assert_eq!(k.host, "dc1.corp.example.com");
        assert_eq!(k.keytab.unwrap().principal, "svc@CORP.EXAMPLE.COM");
    }

    #[test]
    fn kerberos_from_the_environment_and_its_refusals() {
        let base = spec("ldaps://127.0.0.1:636");
        let e = AdSettings::resolve(Some(&base), &env(&[(ENV_AUTH, "kerberos")])).unwrap_err();
        assert!(e.message.contains("IP address 127.0.0.1"), "{e}");
        let e = AdSettings::resolve(
            Some(&spec("ldap://dc1")),
            &env(&[(ENV_AUTH, "kerberos"), (ENV_KEYTAB, "/k")]),
        )
        .unwrap_err();
        assert!(e.hint.unwrap().contains(ENV_PRINCIPAL));
        let e = AdSettings::resolve(Some(&base), &env(&[(ENV_AUTH, "ntlm")])).unwrap_err();
        assert!(e.message.contains("not an authentication method"));
        let r = AdSettings::resolve(
            Some(&spec("ldap://[::1]:389")),
            &env(&[(ENV_AUTH, "Kerberos"), ("KRB5CCNAME", "FILE:/tmp/cc")]),
        );
        assert!(r.unwrap_err().message.contains("IP address ::1"));
        let r = AdSettings::resolve(
            Some(&spec("ldaps://dc1.lab:636")),
            &env(&[(ENV_AUTH, "kerberos"), ("KRB5CCNAME", "FILE:/tmp/cc")]),
        )
        .unwrap();
        assert_eq!(r.transport, Transport::Ldaps);
        let Auth::Kerberos(k) = r.auth else {
            panic!("not kerberos")
        };
        assert_eq!(
            (k.host.as_str(), k.ccache.as_deref()),
            ("dc1.lab", Some("FILE:/tmp/cc"))
        );
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
