//! Where and how to connect: the spec's `connections.ad` (one connection, or several by
//! name), each overridden by the environment under its own names (see [`env_name`]).

use std::path::PathBuf;

use hybridctl_core::connection::env_part;
use hybridctl_core::spec::{AdConnection, AdConnections};
use hybridctl_core::Diagnostic;

use crate::env::{self, Env};
use crate::Secret;

/// A setting that the environment can give or override, per connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Var {
    Url,
    User,
    Password,
    PasswordFile,
    CaFile,
    InsecureSkipVerify,
    Sysvol,
}

impl Var {
    const fn suffix(self) -> &'static str {
        match self {
            Var::Url => "URL",
            Var::User => "USER",
            Var::Password => "PASSWORD",
            Var::PasswordFile => "PASSWORD_FILE",
            Var::CaFile => "CA_FILE",
            Var::InsecureSkipVerify => "INSECURE_SKIP_VERIFY",
            Var::Sysvol => "SYSVOL",
        }
    }
}

/// The one place environment variable names are made: `HYBRIDCTL_AD_URL` for the
/// connection named `default` (the spec's single connection), `HYBRIDCTL_AD_EMEA_URL`
/// for the connection named `emea` (upper case, `-` as `_`).
pub fn env_name(connection: &str, var: Var) -> String {
    match env_part(connection) {
        p if p.is_empty() => format!("HYBRIDCTL_AD_{}", var.suffix()),
        p => format!("HYBRIDCTL_AD_{p}_{}", var.suffix()),
    }
}

/// The connections the environment names: `default` when `HYBRIDCTL_AD_URL` is set, and
/// `emea` for each `HYBRIDCTL_AD_EMEA_URL` (the name in lower case), in name order.
pub fn connections_in(env: &Env) -> Vec<String> {
    let suffix = format!("_{}", Var::Url.suffix());
    let mut out: Vec<String> = env
        .keys()
        .filter(|k| env::get(env, k).is_some())
        .filter_map(|k| {
            let rest = k.strip_prefix("HYBRIDCTL_AD_")?;
            match rest.strip_suffix(&suffix) {
                Some(name) if !name.is_empty() => Some(name.to_ascii_lowercase()),
                _ if rest == Var::Url.suffix() => Some(AdConnections::DEFAULT.to_string()),
                _ => None,
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

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
    /// The connection's name under `connections.ad` (`default` for the single one).
    pub connection: String,
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
    /// Resolves the settings of the single (`default`) connection; every missing or
    /// unsafe setting is named with the fix.
    pub fn resolve(spec: Option<&AdConnection>, env: &Env) -> Result<AdSettings, Diagnostic> {
        AdSettings::resolve_named(AdConnections::DEFAULT, spec, env)
    }

    /// Resolves the settings of connection `name`, overridden by its own variables.
    pub fn resolve_named(
        name: &str,
        spec: Option<&AdConnection>,
        env: &Env,
    ) -> Result<AdSettings, Diagnostic> {
        let spec = spec.cloned().unwrap_or_default();
        let var = |v: Var| env_name(name, v);
        let get = |v: Var| env::get(env, &var(v)).map(str::to_string);
        let key = |k: &str| match name {
            AdConnections::DEFAULT => format!("connections.ad.{k}"),
            _ => format!("connections.ad.{name}.{k}"),
        };
        let url = get(Var::Url).or(spec.url.clone()).ok_or_else(|| {
            Diagnostic::new(format!("no Active Directory URL is set{}", of(name))).hint(format!(
                "set {} in the spec or {} (e.g. ldaps://dc01.corp.example.com)",
                key("url"),
                var(Var::Url)
            ))
        })?;
        let lower = url.to_ascii_lowercase();
        let transport = if lower.starts_with("ldaps://") {
            Transport::Ldaps
        } else if lower.starts_with("ldap://") {
            if !spec.starttls {
                return Err(Diagnostic::new(format!(
                    "refusing to bind over unencrypted LDAP ({url}): hybridctl never sends a password in clear"
                ))
                .hint(format!("use ldaps://... or set `starttls: true` in {}", key("")
                    .trim_end_matches('.'))));
            }
            Transport::StartTls
        } else {
            return Err(
                Diagnostic::new(format!("`{url}` is not an LDAP URL{}", of(name)))
                    .hint("use ldaps://host[:port], or ldap://host[:port] with starttls: true"),
            );
        };
        let user = get(Var::User).or(spec.user.clone()).ok_or_else(|| {
            Diagnostic::new(format!("no Active Directory user is set{}", of(name))).hint(format!(
                "set {} in the spec or {} (e.g. svc-hybridctl@corp.example.com)",
                key("user"),
                var(Var::User)
            ))
        })?;
        let password = password(name, &spec, env)?;
        let ca_file = get(Var::CaFile).map(PathBuf::from).or(spec.ca_file.clone());
        let insecure_skip_verify =
            env::flag(env, &var(Var::InsecureSkipVerify)) || spec.insecure_skip_verify;
        Ok(AdSettings {
            connection: name.to_string(),
            url,
            transport,
            user,
            password,
            ca_file,
            base_dn: spec.base_dn,
            insecure_skip_verify,
            sysvol: get(Var::Sysvol).or(spec.sysvol),
        })
    }

    /// This connection's variable for `var`.
    pub fn env_name(&self, var: Var) -> String {
        env_name(&self.connection, var)
    }
}

/// ` for connection `emea``; nothing for the single connection, as before.
fn of(name: &str) -> String {
    match name {
        AdConnections::DEFAULT => String::new(),
        _ => format!(" for connection `{name}`"),
    }
}

/// The connection's password variable, else the variable named by `password_env`, else a file.
fn password(name: &str, spec: &AdConnection, env: &Env) -> Result<Secret, Diagnostic> {
    let var = env_name(name, Var::Password);
    let file_var = env_name(name, Var::PasswordFile);
    if let Some(p) = env::get(env, &var) {
        return Ok(Secret::new(p.to_string()));
    }
    if let Some(named) = &spec.password_env {
        if let Some(p) = env::get(env, named) {
            return Ok(Secret::new(p.to_string()));
        }
    }
    let file = env::get(env, &file_var)
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
    Err(Diagnostic::new(format!(
        "the Active Directory password is not set{}",
        of(name)
    ))
    .hint(format!(
        "export {named}{var}, or point {file_var} at a file holding it"
    )))
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
                ("HYBRIDCTL_AD_URL", "ldaps://127.0.0.1"),
                ("HYBRIDCTL_AD_USER", "admin@lab"),
                ("CORP_PW", "x"),
                ("HYBRIDCTL_AD_CA_FILE", "/ca.pem"),
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
    fn each_connection_reads_its_own_variables() {
        let vars = env(&[
            ("HYBRIDCTL_AD_URL", "ldaps://default"),
            ("HYBRIDCTL_AD_PASSWORD", "p0"),
            ("HYBRIDCTL_AD_EU_WEST_URL", "ldaps://eu"),
            ("HYBRIDCTL_AD_EU_WEST_USER", "eu@x"),
            ("HYBRIDCTL_AD_EU_WEST_PASSWORD", "p1"),
            ("HYBRIDCTL_AD_EU_WEST_CA_FILE", "/eu.pem"),
            ("HYBRIDCTL_AD_EU_WEST_INSECURE_SKIP_VERIFY", "1"),
            ("HYBRIDCTL_AD_EU_WEST_SYSVOL", "/mnt/eu"),
        ]);
        let s = AdSettings::resolve_named("eu-west", Some(&spec("ldaps://spec")), &vars).unwrap();
        assert_eq!(
            (s.url.as_str(), s.user.as_str(), s.password.expose()),
            ("ldaps://eu", "eu@x", "p1")
        );
        assert_eq!(s.ca_file, Some(PathBuf::from("/eu.pem")));
        assert!(s.insecure_skip_verify);
        assert_eq!(s.sysvol.as_deref(), Some("/mnt/eu"));
        assert_eq!(s.env_name(Var::Url), "HYBRIDCTL_AD_EU_WEST_URL");
        // The unprefixed variables belong to the default connection only.
        let other =
            AdSettings::resolve_named("emea", Some(&spec("ldaps://spec")), &vars).unwrap_err();
        assert!(
            other
                .message
                .contains("password is not set for connection `emea`"),
            "{other}"
        );
        assert!(other.hint.unwrap().contains(
            "CORP_PW or HYBRIDCTL_AD_EMEA_PASSWORD, or point HYBRIDCTL_AD_EMEA_PASSWORD_FILE"
        ));
        let missing = AdSettings::resolve_named("emea", None, &vars).unwrap_err();
        assert!(missing
            .hint
            .unwrap()
            .contains("connections.ad.emea.url in the spec or HYBRIDCTL_AD_EMEA_URL"));
        assert_eq!(
            env_name("default", Var::PasswordFile),
            "HYBRIDCTL_AD_PASSWORD_FILE"
        );
    }

    #[test]
    fn the_environment_names_its_connections() {
        let vars = env(&[
            ("HYBRIDCTL_AD_URL", "ldaps://a"),
            ("HYBRIDCTL_AD_EMEA_URL", "ldaps://b"),
            ("HYBRIDCTL_AD_EU_WEST_URL", "ldaps://c"),
            ("HYBRIDCTL_AD_APAC_URL", ""),
            ("HYBRIDCTL_AD_EMEA_USER", "u"),
            ("HYBRIDCTL_GRAPH_URL", "x"),
        ]);
        assert_eq!(connections_in(&vars), ["default", "emea", "eu_west"]);
        assert_eq!(env_name("eu_west", Var::Url), "HYBRIDCTL_AD_EU_WEST_URL");
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
            &env(&[("HYBRIDCTL_AD_PASSWORD_FILE", dir.to_str().unwrap())]),
        )
        .unwrap();
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(s.password.expose(), "s3cret");
        assert_eq!(format!("{s:?}").matches("s3cret").count(), 0);
    }
}
