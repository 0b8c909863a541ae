//! `init password-writeback` and `init entra-connect`: a starting spec, filled in from the
//! connected domain (its NetBIOS name, the GPO linked at its root, its connector account),
//! or with clearly marked placeholders when offline.

use anyhow::{bail, Context as _, Result};
use hybridctl_core::spec::{AdConnections, ConnectFeature};
use hybridctl_providers::discover;
use hybridctl_providers::ldap::settings::{env_name, Var};
use hybridctl_providers::ldap::AdSettings;

use crate::args::{InitArgs, Procedure};
use crate::{exit, Context};

const TEMPLATE: &str = include_str!("templates/password-writeback.yaml");
const ENTRA_CONNECT: &str = include_str!("templates/entra-connect.yaml");

/// What Express installs grant without writeback: read the directory, sync password hashes.
const DEFAULT_FEATURES: &[ConnectFeature] =
    &[ConnectFeature::BasicRead, ConnectFeature::PasswordHashSync];

/// `--features` as features; an unknown one is an error that lists them all.
fn features(words: &[String]) -> Result<Vec<ConnectFeature>> {
    let mut out = Vec::new();
    for w in words.iter().map(|w| w.trim()).filter(|w| !w.is_empty()) {
        let Some(f) = ConnectFeature::ALL.iter().find(|f| f.as_str() == w) else {
            let known: Vec<&str> = ConnectFeature::ALL.iter().map(|f| f.as_str()).collect();
            bail!(
                "--features: `{w}` is not a feature (features: {})",
                known.join(", ")
            );
        };
        if !out.contains(f) {
            out.push(*f);
        }
    }
    if out.is_empty() {
        out = DEFAULT_FEATURES.to_vec();
    }
    Ok(out)
}

pub async fn run(a: InitArgs, ctx: &mut Context) -> Result<u8> {
    let template = match a.procedure {
        Procedure::PasswordWriteback => {
            if !a.features.is_empty() {
                bail!("--features is for `init entra-connect`; password-writeback always grants the writeback permissions");
            }
            TEMPLATE
        }
        Procedure::EntraConnect => ENTRA_CONNECT,
    };
    let features = features(&a.features)?;
    if let Some(out) = &a.out {
        if out.exists() && !a.force {
            bail!("{} exists; pass --force to replace it", out.display());
        }
    }
    let connection = a
        .connection
        .clone()
        .unwrap_or_else(|| AdConnections::DEFAULT.to_string());
    let template = named(template, &connection)?;
    let template = template.as_str();
    let settings = if a.offline {
        None
    } else {
        AdSettings::resolve_named(&connection, None, &ctx.env).ok()
    };
    // Each value as it goes into the YAML; placeholders are quoted `'<...>'` where they
    // stand as a value, bare where they sit inside a comment or a string.
    let mut values: Vec<(&str, String)> = Vec::new();
    let mut placeholders: Vec<&str> = Vec::new();
    // The Entra ID connector's name, `<tenant>.onmicrosoft.com - AAD`, from the connector
    // account's description. Inside a manual step, so not a must-replace placeholder.
    let mut aad_connector: Option<String> = None;
    let mut set =
        |key: &'static str, value: Option<String>, placeholder: &str, inside_text: bool| {
            let text = match value {
                Some(v) => v,
                None => {
                    placeholders.push(key);
                    if inside_text {
                        format!("<{placeholder}>")
                    } else {
                        format!("'<{placeholder}>'")
                    }
                }
            };
            values.push((key, text));
        };
    match &settings {
        Some(s) => {
            let domain = discover::domain(s)
                .await
                .map_err(|d| anyhow::anyhow!("{d}"))?;
            let connector = pick_connector(&a, &domain.connectors, ctx)?;
            set("domain", Some(domain.dns_domain.clone()), "", true);
            set("ldap_url", Some(s.url.clone()), "", false);
            set("ldap_user", Some(s.user.clone()), "", false);
            aad_connector = connector
                .as_ref()
                .and_then(|c| domain.tenants.get(c))
                .map(|t| format!("{t} - AAD"));
            let connector = connector.map(|c| format!("'{}\\{c}'", domain.netbios));
            set(
                "connector",
                connector,
                &format!(
                    "{}\\MSOL_ and 12 hex digits: account of the AD connector",
                    domain.netbios
                ),
                false,
            );
            set(
                "gpo",
                domain.root_gpo.clone(),
                "the GPO linked at the domain root",
                false,
            );
        }
        None => {
            ctx.err(&format!(
                "init: no AD connection ({} unset, or --offline): writing placeholders\n",
                env_name(&connection, Var::Url)
            ));
            set("domain", None, "your domain", true);
            set("ldap_url", None, "ldaps://your-dc.example.com", false);
            set("ldap_user", None, "svc-hybridctl@example.com", false);
            set(
                "connector",
                None,
                "DOMAIN\\MSOL_ and 12 hex digits: account of the AD connector",
                false,
            );
            set(
                "gpo",
                None,
                "the GPO linked at the domain root, e.g. Default Domain Policy",
                false,
            );
        }
    }
    let env = |k: &str| ctx.env.get(k).filter(|v| !v.is_empty()).cloned();
    set(
        "tenant_id",
        env("HYBRIDCTL_GRAPH_TENANT_ID"),
        "tenant id",
        false,
    );
    set(
        "client_id",
        env("HYBRIDCTL_GRAPH_CLIENT_ID"),
        "client id of the app registration",
        false,
    );
    // Only the placeholders the chosen template uses need replacing.
    placeholders.retain(|k| template.contains(&format!("{{{{{k}}}}}")));
    let notice = if placeholders.is_empty() {
        "#".to_string()
    } else {
        format!("#\n# PLACEHOLDERS: the values written '<like this>' ({}) must be replaced before planning.", placeholders.join(", "))
    };
    values.push(("notice", notice));
    values.push((
        "features",
        features
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    ));
    values.push(("sync_scope", a.sync_scope.clone()));
    values.push((
        "aad_connector",
        aad_connector.unwrap_or_else(|| "<tenant>.onmicrosoft.com - AAD".to_string()),
    ));
    let spec = values.iter().fold(template.to_string(), |spec, (k, v)| {
        spec.replace(&format!("{{{{{k}}}}}"), v)
    });
    match &a.out {
        Some(out) => {
            std::fs::write(out, &spec)
                .with_context(|| format!("cannot write {}", out.display()))?;
            ctx.err(&format!(
                "Wrote {}; review it, then: hybridctl plan -f {}\n",
                out.display(),
                out.display()
            ));
        }
        None => ctx.out(&spec),
    }
    Ok(exit::OK)
}

/// The template's single connection, as it is written for connection `name`: unnamed
/// for `default`; otherwise under its name, with its own password variable.
fn named(template: &str, name: &str) -> Result<String> {
    const ONE: &str = "  ad:\n    url: {{ldap_url}}\n    user: {{ldap_user}}\n    password_env: HYBRIDCTL_AD_PASSWORD\n";
    if name == AdConnections::DEFAULT {
        return Ok(template.to_string());
    }
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        bail!("--connection {name}: a connection name starts with a letter and holds only letters, digits, `-` and `_`");
    }
    let block = format!(
        "  ad:\n    {name}:\n      url: {{{{ldap_url}}}}\n      user: {{{{ldap_user}}}}\n      password_env: {}\n",
        env_name(name, Var::Password)
    );
    debug_assert!(
        template.contains(ONE),
        "a template's connections.ad block changed"
    );
    Ok(template.replacen(ONE, &block, 1))
}

/// The connector account: the one given, the only one, or the one the user picks.
fn pick_connector(a: &InitArgs, found: &[String], ctx: &mut Context) -> Result<Option<String>> {
    if let Some(c) = &a.connector {
        if !found.iter().any(|f| f.eq_ignore_ascii_case(c)) {
            bail!(
                "--connector {c}: no such connector account; found {}",
                if found.is_empty() {
                    "none".into()
                } else {
                    found.join(", ")
                }
            );
        }
        return Ok(Some(c.clone()));
    }
    match found {
        [] => {
            ctx.err("init: no MSOL_* or Sync_* account in the domain: is Entra Connect installed? Writing a placeholder.\n");
            Ok(None)
        }
        [one] => Ok(Some(one.clone())),
        many if ctx.interactive => {
            ctx.out("Several connector accounts are in the domain:\n");
            for (i, c) in many.iter().enumerate() {
                ctx.out(&format!("  {}. {c}\n", i + 1));
            }
            ctx.out("Which one does Entra Connect use for this forest? Number: ");
            let mut line = String::new();
            ctx.stdin.read_line(&mut line)?;
            let n: usize = line.trim().parse().context("answer with one of the numbers")?;
            many.get(n.wrapping_sub(1)).cloned().map(Some).context("answer with one of the numbers")
        }
        many => bail!(
            "several connector accounts are in the domain ({}); name one with --connector (Synchronization Service Manager > Connectors > the AD connector > Properties shows it)",
            many.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_connection_goes_under_its_name_with_its_own_password_variable() {
        for t in [TEMPLATE, ENTRA_CONNECT] {
            assert_eq!(named(t, "default").unwrap(), t);
            let emea = named(t, "emea").unwrap();
            assert!(
                emea.contains("  ad:\n    emea:\n      url: {{ldap_url}}\n      user: {{ldap_user}}\n      password_env: HYBRIDCTL_AD_EMEA_PASSWORD\n"),
                "{emea}"
            );
        }
        assert!(named(TEMPLATE, "9x").is_err());
    }

    #[test]
    fn features_parse_default_and_list_the_known_ones_on_error() {
        assert_eq!(features(&[]).unwrap(), DEFAULT_FEATURES);
        let asked = [
            "password_writeback".to_string(),
            " basic_read".into(),
            "basic_read".into(),
        ];
        assert_eq!(
            features(&asked).unwrap(),
            [ConnectFeature::PasswordWriteback, ConnectFeature::BasicRead]
        );
        let e = features(&["pasword_writeback".to_string()])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`pasword_writeback`") && e.contains("exchange_mail_public_folder"),
            "{e}"
        );
    }
}
