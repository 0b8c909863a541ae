//! Where and how to connect: the spec's `connections.ad` (one connection, or several by
//! name), each overridden by the environment under its own names (see [`env_name`]).

use std::path::PathBuf;

use hybridctl_core::connection::env_part;
use hybridctl_core::spec::{AdAuth, AdConnection, AdConnections};
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
    Auth,
    Keytab,
    Principal,
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
            Var::Auth => "AUTH",
            Var::Keytab => "KEYTAB",
            Var::Principal => "PRINCIPAL",
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
                // `default` would read the unprefixed variables: `DEFAULT` reads its own.
                Some(name) if name.eq_ignore_ascii_case(AdConnections::DEFAULT) => {
                    Some(name.to_string())
                }
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
    pub auth: Auth,
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
        if resolve_auth(name, &spec, env)? == AdAuth::Kerberos {
            return resolve_kerberos(name, spec, env);
        }
        let from = Source { name, env };
        let (var, get, key) = (|v| from.var(v), |v| from.get(v), |k| from.key(k));
        let url = from.url(&spec, "ldaps://dc01.corp.example.com")?;
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
            auth: Auth::Password,
        })
    }

    /// This connection's variable for `var`.
    pub fn env_name(&self, var: Var) -> String {
        env_name(&self.connection, var)
    }
}

/// Where one connection's settings come from: its own variables, then its spec keys.
struct Source<'a> {
    name: &'a str,
    env: &'a Env,
}

impl Source<'_> {
    fn var(&self, var: Var) -> String {
        env_name(self.name, var)
    }

    fn get(&self, var: Var) -> Option<String> {
        env::get(self.env, &self.var(var)).map(str::to_string)
    }

    /// The spec key a person sets: `connections.ad.url`, or `connections.ad.emea.url`.
    fn key(&self, key: &str) -> String {
        match self.name {
            AdConnections::DEFAULT => format!("connections.ad.{key}"),
            name => format!("connections.ad.{name}.{key}"),
        }
    }

    fn url(&self, spec: &AdConnection, example: &str) -> Result<String, Diagnostic> {
        self.get(Var::Url).or(spec.url.clone()).ok_or_else(|| {
            Diagnostic::new(format!("no Active Directory URL is set{}", of(self.name))).hint(
                format!(
                    "set {} in the spec or {} (e.g. {example})",
                    self.key("url"),
                    self.var(Var::Url)
                ),
            )
        })
    }
}

/// The connection's `HYBRIDCTL_AD_[<NAME>_]AUTH` over its `auth`, default password.
fn resolve_auth(name: &str, spec: &AdConnection, env: &Env) -> Result<AdAuth, Diagnostic> {
    let var = env_name(name, Var::Auth);
    match env::get(env, &var).map(str::to_ascii_lowercase).as_deref() {
        None => Ok(spec.auth.unwrap_or_default()),
        Some("password") => Ok(AdAuth::Password),
        Some("kerberos") => Ok(AdAuth::Kerberos),
        Some(other) => Err(Diagnostic::new(format!(
            "{var}={other} is not an authentication method"
        ))
        .hint("use password or kerberos")),
    }
}

/// `auth: kerberos`: no password is read, looked for or needed.
fn resolve_kerberos(name: &str, spec: AdConnection, env: &Env) -> Result<AdSettings, Diagnostic> {
    use super::kerberos::{KerberosSettings, Keytab};
    let from = Source { name, env };
    let (var, get, key) = (|v| from.var(v), |v| from.get(v), |k| from.key(k));
    let url = from.url(&spec, "ldap://dc01.corp.example.com")?;
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
        return Err(
            Diagnostic::new(format!("`{url}` is not an LDAP URL{}", of(name)))
                .hint("use ldap://dc-host-name (sealed by Kerberos) or ldaps://dc-host-name"),
        );
    };
    let host = url_host(&url);
    if host.is_empty() || host.parse::<std::net::IpAddr>().is_ok() {
        return Err(Diagnostic::new(format!(
            "Kerberos needs the DC's host name, and `{url}` names {}",
            if host.is_empty() { "no host".to_string() } else { format!("the IP address {host}") }
        ))
        .hint(format!("use the DC's DNS name in {} / {} (ldap://dc01.corp.example.com): its service principal is ldap/<that name>", key("url"), var(Var::Url))));
    }
    let keytab_file = get(Var::Keytab)
        .map(PathBuf::from)
        .or(spec.keytab_file.clone());
    let principal = get(Var::Principal).or(spec.principal.clone());
    let keytab = match (keytab_file, principal.clone()) {
        (Some(file), Some(principal)) => Some(Keytab { file, principal }),
        (Some(file), None) => {
            return Err(Diagnostic::new(format!(
                "the keytab {} is set but not the principal whose key it holds",
                file.display()
            ))
            .hint(format!(
                "set {} in the spec or {} (e.g. svc-hybridctl@CORP.EXAMPLE.COM)",
                key("principal"),
                var(Var::Principal)
            )))
        }
        (None, _) => None,
    };
    let kerberos = KerberosSettings {
        host,
        keytab,
        ccache: env::get(env, "KRB5CCNAME").map(str::to_string),
    };
    Ok(AdSettings {
        connection: name.to_string(),
        url,
        transport,
        user: principal.unwrap_or_else(|| kerberos.identity()),
        password: Secret::new(String::new()),
        ca_file: get(Var::CaFile).map(PathBuf::from).or(spec.ca_file.clone()),
        base_dn: spec.base_dn,
        insecure_skip_verify: env::flag(env, &var(Var::InsecureSkipVerify))
            || spec.insecure_skip_verify,
        sysvol: get(Var::Sysvol).or(spec.sysvol),
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
        // Each name found reads back the variable it was found by.
        let named_default = env(&[("HYBRIDCTL_AD_DEFAULT_URL", "ldaps://d")]);
        let found = connections_in(&named_default);
        assert_eq!(
            found
                .iter()
                .map(|n| env_name(n, Var::Url))
                .collect::<Vec<_>>(),
            ["HYBRIDCTL_AD_DEFAULT_URL"]
        );
        assert_eq!(env_name("eu_west", Var::Url), "HYBRIDCTL_AD_EU_WEST_URL");
    }

    /// Every variable, for the checks below.
    const EVERY_VAR: [Var; 10] = [
        Var::Url,
        Var::User,
        Var::Password,
        Var::PasswordFile,
        Var::CaFile,
        Var::InsecureSkipVerify,
        Var::Sysvol,
        Var::Auth,
        Var::Keytab,
        Var::Principal,
    ];

    /// A variant added to `Var` fails to compile here until it is in [`EVERY_VAR`].
    #[allow(dead_code)]
    fn listed(v: Var) {
        match v {
            Var::Url
            | Var::User
            | Var::Password
            | Var::PasswordFile
            | Var::CaFile
            | Var::InsecureSkipVerify
            | Var::Sysvol
            | Var::Auth
            | Var::Keytab
            | Var::Principal => {}
        }
    }

    /// Connection names made of the suffixes' own words (`password`, `password_file`,
    /// `insecure_skip`, ...) never share a variable with another connection or with the
    /// unnamed one, and only a `_URL` variable makes the environment name a connection.
    #[test]
    fn no_two_connections_read_the_same_variable() {
        let mut names = vec!["default".to_string(), "emea".to_string()];
        for v in EVERY_VAR {
            let words: Vec<&str> = v.suffix().split('_').collect();
            for n in 1..=words.len() {
                names.push(words[..n].join("_").to_ascii_lowercase());
                names.push(format!("x_{}", words[..n].join("_").to_ascii_lowercase()));
            }
        }
        names.sort();
        names.dedup();
        let mut seen: std::collections::BTreeMap<String, (String, Var)> = Default::default();
        for n in &names {
            for v in EVERY_VAR {
                if let Some(first) = seen.insert(env_name(n, v), (n.clone(), v)) {
                    panic!(
                        "{} is read by {first:?} and by ({n}, {v:?})",
                        env_name(n, v)
                    );
                }
            }
        }
        let others: Env = seen
            .iter()
            .filter(|(_, (_, v))| *v != Var::Url)
            .map(|(k, _)| (k.clone(), "x".to_string()))
            .collect();
        assert_eq!(connections_in(&others), Vec::<String>::new());
        for n in &names {
            let one = env(&[(env_name(n, Var::Url).as_str(), "ldaps://x")]);
            assert_eq!(connections_in(&one), std::slice::from_ref(n));
        }
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
                ("HYBRIDCTL_AD_KEYTAB", "/k.keytab"),
                ("HYBRIDCTL_AD_PRINCIPAL", "svc@CORP.EXAMPLE.COM"),
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
        let e = AdSettings::resolve(Some(&base), &env(&[("HYBRIDCTL_AD_AUTH", "kerberos")]))
            .unwrap_err();
        assert!(e.message.contains("IP address 127.0.0.1"), "{e}");
        let e = AdSettings::resolve(
            Some(&spec("ldap://dc1")),
            &env(&[
                ("HYBRIDCTL_AD_AUTH", "kerberos"),
                ("HYBRIDCTL_AD_KEYTAB", "/k"),
            ]),
        )
        .unwrap_err();
        assert!(e.hint.unwrap().contains("HYBRIDCTL_AD_PRINCIPAL"));
        let e =
            AdSettings::resolve(Some(&base), &env(&[("HYBRIDCTL_AD_AUTH", "ntlm")])).unwrap_err();
        assert!(e.message.contains("not an authentication method"));
        let r = AdSettings::resolve(
            Some(&spec("ldap://[::1]:389")),
            &env(&[
                ("HYBRIDCTL_AD_AUTH", "Kerberos"),
                ("KRB5CCNAME", "FILE:/tmp/cc"),
            ]),
        );
        assert!(r.unwrap_err().message.contains("IP address ::1"));
        let r = AdSettings::resolve(
            Some(&spec("ldaps://dc1.lab:636")),
            &env(&[
                ("HYBRIDCTL_AD_AUTH", "kerberos"),
                ("KRB5CCNAME", "FILE:/tmp/cc"),
            ]),
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
            &env(&[("HYBRIDCTL_AD_PASSWORD_FILE", dir.to_str().unwrap())]),
        )
        .unwrap();
        std::fs::remove_file(&dir).unwrap();
        assert_eq!(s.password.expose(), "s3cret");
        assert_eq!(format!("{s:?}").matches("s3cret").count(), 0);
    }
}
