//! `init password-writeback` and `init entra-connect`: a starting spec, filled in from the
//! connected domain (its NetBIOS name, the GPO linked at its root, its connector account),
//! or with clearly marked placeholders when offline.

use anyhow::{bail, Context as _, Result};
use hybridctl_core::spec::{AdConnections, ConnectFeature};
use hybridctl_providers::discover;
use hybridctl_providers::ldap::settings::{env_name, Var};
use hybridctl_providers::ldap::AdSettings;

use crate::args::{InitArgs, Procedure};
use crate::commands::export::connection_names;
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
    let names = connection_names(&a.connection, &ctx.env)?;
    for name in &names {
        check_name(name)?;
    }
    let several = names.len() > 1;
    let mut found: Vec<Found> = Vec::new();
    // The Entra ID connector's name, `<tenant>.onmicrosoft.com - AAD`, from the connector
    // account's description (the tenant is the same for every domain). Inside a manual
    // step, so not a must-replace placeholder.
    let mut aad_connector: Option<String> = None;
    for name in &names {
        let settings = if a.offline {
            None
        } else {
            match AdSettings::resolve_named(name, None, &ctx.env) {
                Ok(s) => Some(s),
                // Nothing says where the domain is: placeholders, as offline.
                Err(_)
                    if hybridctl_providers::env::get(&ctx.env, &env_name(name, Var::Url))
                        .is_none() =>
                {
                    None
                }
                // Its URL is set, so it was meant to be read: say why it cannot be, never
                // "unset" (with `--connection all`, one domain of several).
                Err(d) if several => bail!("AD connection `{name}`: {d}"),
                Err(d) => bail!("{d}"),
            }
        };
        let mut f = Found {
            connection: name.clone(),
            ..Found::default()
        };
        match &settings {
            Some(s) => {
                // With several domains, an error says which one.
                let in_connection = |e: String| {
                    if several {
                        anyhow::anyhow!("AD connection `{name}`: {e}")
                    } else {
                        anyhow::anyhow!("{e}")
                    }
                };
                let domain = discover::domain(s)
                    .await
                    .map_err(|d| in_connection(d.to_string()))?;
                let connector =
                    pick_connector(&a, &domain.connectors, several.then_some(name), ctx)
                        .map_err(|e| in_connection(format!("{e:#}")))?;
                if aad_connector.is_none() {
                    aad_connector = connector
                        .as_ref()
                        .and_then(|c| domain.tenants.get(c))
                        .map(|t| format!("{t} - AAD"));
                }
                f.dns_domain = Some(domain.dns_domain);
                f.url = Some(s.url.clone());
                f.user = Some(s.user.clone());
                f.netbios = Some(domain.netbios);
                f.connector = connector;
                f.gpo = domain.root_gpo;
            }
            None => ctx.err(&format!(
                "init: no AD connection ({} unset, or --offline): writing placeholders\n",
                env_name(name, Var::Url)
            )),
        }
        found.push(f);
    }
    // Each value as it goes into the YAML (see `Value`).
    let mut values: Vec<Value> = Vec::new();
    let template = match found.as_slice() {
        [one] => {
            values.extend(one.values());
            named(template, &one.connection)?
        }
        many => {
            let every = if a.connection.iter().any(|c| c == "all") {
                "all".to_string()
            } else {
                format!("[{}]", names.join(", "))
            };
            let (text, used) = several_connections(template, many, &every);
            values.extend(used);
            text
        }
    };
    let template = template.as_str();
    let env = |k: &str| ctx.env.get(k).filter(|v| !v.is_empty()).cloned();
    values.push(Value::new(
        "tenant_id",
        env("HYBRIDCTL_GRAPH_TENANT_ID"),
        "tenant id",
        Place::Value,
    ));
    values.push(Value::new(
        "client_id",
        env("HYBRIDCTL_GRAPH_CLIENT_ID"),
        "client id of the app registration",
        Place::Value,
    ));
    // Only the placeholders the chosen template uses need replacing (in a spec for
    // several connections, those already filled in count too).
    let mut placeholders: Vec<&str> = Vec::new();
    for v in values.iter().filter(|v| v.placeholder) {
        if (v.filled || template.contains(&format!("{{{{{}}}}}", v.key)))
            && !placeholders.contains(&v.key)
        {
            placeholders.push(v.key);
        }
    }
    let notice = if placeholders.is_empty() {
        "#".to_string()
    } else {
        format!("#\n# PLACEHOLDERS: the values written '<like this>' ({}) must be replaced before planning.", placeholders.join(", "))
    };
    let mut values: Vec<(&str, String)> = values
        .into_iter()
        .filter(|v| !v.filled)
        .map(|v| (v.key, v.text))
        .collect();
    values.push(("notice", notice));
    values.push((
        "features",
        features
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    ));
    // Both sit inside a double-quoted YAML string; the connector's name also inside a
    // PowerShell single-quoted one.
    values.push(("sync_scope", in_double_quotes(&a.sync_scope)));
    values.push((
        "aad_connector",
        in_double_quotes(
            &aad_connector
                .unwrap_or_else(|| "<tenant>.onmicrosoft.com - AAD".to_string())
                .replace('\'', "''"),
        ),
    ));
    let spec = fill_template(template, &values);
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

/// What init learned of one connection's domain; `None` where it did not connect.
#[derive(Debug, Default)]
struct Found {
    connection: String,
    dns_domain: Option<String>,
    url: Option<String>,
    user: Option<String>,
    netbios: Option<String>,
    /// The connector account's sAMAccountName.
    connector: Option<String>,
    /// The GPO linked at the domain root.
    gpo: Option<String>,
}

/// One `{{key}}` of a template and its text. A placeholder is quoted `'<...>'` where it
/// stands as a value, bare where it sits inside a comment or a string.
#[derive(Debug)]
struct Value {
    key: &'static str,
    text: String,
    placeholder: bool,
    /// Already written into the template (a spec for several connections).
    filled: bool,
}

/// Where a value goes in the template, which decides how it is written.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// Inside a comment: one line of text.
    Comment,
    /// A YAML value: plain where YAML reads it so, else quoted.
    Value,
    /// A YAML value always quoted (an account name, `DOMAIN\\name`).
    Quoted,
}

impl Value {
    fn new(key: &'static str, value: Option<String>, placeholder: &str, place: Place) -> Value {
        let (text, placeholder) = match (value, place) {
            (Some(v), Place::Comment) => (one_line(&v), false),
            (Some(v), Place::Value) => (yaml_value(&v), false),
            (Some(v), Place::Quoted) => (yaml_quoted(&v), false),
            (None, Place::Comment) => (format!("<{placeholder}>"), true),
            (None, _) => (format!("'<{placeholder}>'"), true),
        };
        Value {
            key,
            text,
            placeholder,
            filled: false,
        }
    }
}

impl Found {
    /// This connection's values for the template's `{{domain}}`, `{{ldap_url}}`,
    /// `{{ldap_user}}`, `{{connector}}` and `{{gpo}}`.
    fn values(&self) -> Vec<Value> {
        let netbios = self.netbios.as_deref().unwrap_or("DOMAIN");
        vec![
            Value::new(
                "domain",
                self.dns_domain.clone(),
                "your domain",
                Place::Comment,
            ),
            Value::new(
                "ldap_url",
                self.url.clone(),
                "ldaps://your-dc.example.com",
                Place::Value,
            ),
            Value::new(
                "ldap_user",
                self.user.clone(),
                "svc-hybridctl@example.com",
                Place::Value,
            ),
            Value::new(
                "connector",
                self.connector.as_ref().map(|c| format!("{netbios}\\{c}")),
                &format!("{netbios}\\MSOL_ and 12 hex digits: account of the AD connector"),
                Place::Quoted,
            ),
            Value::new(
                "gpo",
                self.gpo.clone(),
                "the GPO linked at the domain root, e.g. Default Domain Policy",
                Place::Value,
            ),
        ]
    }
}

/// Replaces each `{{key}}` of `template` that `values` names, in one pass: text already
/// written in (a GPO's name, say) is never read again as a `{{key}}`. Keys not named stay.
fn fill_template(template: &str, values: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let value = after.find("}}").and_then(|end| {
            let key = &after[..end];
            let (_, v) = values.iter().find(|(k, _)| *k == key)?;
            Some((v, end))
        });
        match value {
            Some((v, end)) => {
                out.push_str(v);
                rest = &after[end + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A value read from the directory or the environment, as a YAML scalar that reads back
/// as exactly that text: plain where YAML reads it so, else single-quoted (`'` doubled),
/// else double-quoted with escapes (line breaks, control characters, or `{{`, which
/// [`fill_template`] must never see inside a value, written `\x7B`).
fn yaml_value(text: &str) -> String {
    match serde_yaml::to_string(text) {
        Ok(plain) if !needs_escapes(text) && plain.strip_suffix('\n') == Some(text) => {
            text.to_string()
        }
        _ => yaml_quoted(text),
    }
}

/// `text` as a quoted YAML scalar (single-quoted unless it needs escapes).
fn yaml_quoted(text: &str) -> String {
    if needs_escapes(text) {
        format!("\"{}\"", in_double_quotes(text))
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// `text` inside a double-quoted YAML scalar (JSON's escapes are YAML's), with each `{`
/// that starts a `{{` written `\x7B`, so none is left for [`fill_template`].
fn in_double_quotes(text: &str) -> String {
    let json = serde_json::to_string(text).expect("a string serialises");
    let inner = &json[1..json.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => out.push_str("\\x7B"),
            c => out.push(c),
        }
    }
    out
}

fn needs_escapes(text: &str) -> bool {
    text.chars().any(char::is_control) || text.contains("{{")
}

/// Text for a comment line: one line, without `{{`.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == '{' && out.ends_with('{') {
            out.push(' ');
        }
        out.push(if c.is_control() { ' ' } else { c });
    }
    out
}

/// The template's single connection block.
const ONE: &str = "  ad:\n    url: {{ldap_url}}\n    user: {{ldap_user}}\n    password_env: HYBRIDCTL_AD_PASSWORD\n";

/// A connection name as `connections.ad` accepts it.
fn check_name(name: &str) -> Result<()> {
    if !hybridctl_core::connection::is_valid_name(name) {
        bail!("--connection {name}: a connection name starts with a letter and holds only letters, digits, `-` and `_`");
    }
    Ok(())
}

/// The template's single connection, as it is written for connection `name`: unnamed
/// for `default`; otherwise under its name, with its own password variable.
fn named(template: &str, name: &str) -> Result<String> {
    if name == AdConnections::DEFAULT {
        return Ok(template.to_string());
    }
    check_name(name)?;
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

/// The template for several connections, with each connection's values written in:
/// every connection under `connections.ad` (each with its own password variable); the
/// kinds that take `connections` (the connector's permissions, the effective-access
/// check) once with `connections: <every>`; the others once per connection, with
/// `connection:` set and names ending in `-<connection>`. When the domains' connector
/// accounts differ, the kinds that take `connections` are written per connection too:
/// one resource names one account. Returns the template and the values written.
fn several_connections(template: &str, found: &[Found], every: &str) -> (String, Vec<Value>) {
    let values: Vec<Vec<Value>> = found.iter().map(Found::values).collect();
    let text = |f: usize, key: &str| {
        values[f]
            .iter()
            .find(|v| v.key == key)
            .map(|v| v.text.clone())
            .unwrap_or_default()
    };
    let fill = |chunk: &str, f: usize| {
        let pairs: Vec<(&str, String)> =
            values[f].iter().map(|v| (v.key, v.text.clone())).collect();
        fill_template(chunk, &pairs)
    };
    // One account name every domain resolves on its own: the same sAMAccountName found
    // in each, or a placeholder in each (offline).
    let first = found[0].connector.as_deref();
    let common = match first {
        Some(c)
            if found.iter().all(|f| {
                f.connector
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(c))
            }) =>
        {
            Some(Value::new(
                "connector",
                Some(c.to_string()),
                "",
                Place::Quoted,
            ))
        }
        None if found.iter().all(|f| f.connector.is_none()) => Some(Value::new(
            "connector",
            None,
            "MSOL_ and 12 hex digits: account of the AD connector, the same name in every domain",
            Place::Value,
        )),
        _ => None,
    };

    let (head, resources) = template
        .split_once("resources:\n")
        .expect("a template has resources");
    debug_assert!(
        head.contains(ONE),
        "a template's connections.ad block changed"
    );
    let block: String = found
        .iter()
        .enumerate()
        .map(|(i, f)| {
            format!(
                "    {}:\n      url: {}\n      user: {}\n      password_env: {}\n",
                f.connection,
                text(i, "ldap_url"),
                text(i, "ldap_user"),
                env_name(&f.connection, Var::Password)
            )
        })
        .collect();
    let domains: Vec<String> = (0..found.len()).map(|i| text(i, "domain")).collect();
    let head = head
        .replacen(ONE, &format!("  ad:\n{block}"), 1)
        .replace("{{domain}}", &domains.join(", "));

    let mut chunks: Vec<String> = Vec::new();
    for chunk in resources.split("\n\n") {
        let body = chunk.trim_end_matches('\n');
        let tail = &chunk[body.len()..];
        let lines: Vec<&str> = body.lines().collect();
        let Some(at) = lines.iter().position(|l| l.starts_with("  - kind: ")) else {
            chunks.push(chunk.to_string());
            continue;
        };
        let comments = lines[..at].join("\n");
        let resource = &lines[at..];
        let kind = resource[0].trim_start_matches("  - kind: ").trim();
        let with = |extra: &str, suffix: &str| -> String {
            resource
                .iter()
                .map(|l| match l.strip_prefix("    name: ") {
                    Some(n) => format!("    name: {n}{suffix}\n    {extra}"),
                    None => l.to_string(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let for_every = matches!(kind, "entra_connect.permissions" | "ad.effective_access");
        let written = match (&common, for_every) {
            (Some(account), true) => Some(fill_template(
                &with(&format!("connections: {every}"), ""),
                &[("connector", account.text.clone())],
            )),
            _ if for_every || matches!(kind, "ad.acl" | "gpo.security" | "ad.password_policy") => {
                let copies: Vec<String> = found
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let c = &f.connection;
                        fill(&with(&format!("connection: {c}"), &format!("-{c}")), i)
                    })
                    .collect();
                Some(copies.join("\n"))
            }
            _ => None,
        };
        match written {
            Some(w) if comments.is_empty() => chunks.push(format!("{w}{tail}")),
            Some(w) => chunks.push(format!("{comments}\n{w}{tail}")),
            None => chunks.push(chunk.to_string()),
        }
    }
    let mut used: Vec<Value> = values.into_iter().flatten().collect();
    used.extend(common);
    used.retain(|v| template.contains(&format!("{{{{{}}}}}", v.key)));
    for v in &mut used {
        v.filled = true;
    }
    (format!("{head}resources:\n{}", chunks.join("\n\n")), used)
}

/// The connector account: the one given, the only one, or the one the user picks.
/// `connection` names the domain when the spec has several.
fn pick_connector(
    a: &InitArgs,
    found: &[String],
    connection: Option<&String>,
    ctx: &mut Context,
) -> Result<Option<String>> {
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
            let of = connection
                .map(|c| format!(" of connection `{c}`"))
                .unwrap_or_default();
            ctx.err(&format!("init: no MSOL_* or Sync_* account in the domain{of}: is Entra Connect installed? Writing a placeholder.\n"));
            Ok(None)
        }
        [one] => Ok(Some(one.clone())),
        many if ctx.interactive => {
            ctx.out("Several connector accounts are in the domain:\n");
            for (i, c) in many.iter().enumerate() {
                ctx.out(&format!("  {}. {c}\n", i + 1));
            }
            match connection {
                Some(c) => ctx.out(&format!(
                    "Which one does Entra Connect use for connection `{c}`'s forest? Number: "
                )),
                None => ctx.out("Which one does Entra Connect use for this forest? Number: "),
            }
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

    /// Names as a directory may hold them: each must read back exactly, and none may
    /// change the spec's shape or be read as a `{{key}}`.
    const AWKWARD: [&str; 8] = [
        "Default Domain Policy",
        "O'Brien's policy",
        "Policy: strict # not a comment",
        "- [not, a, list]",
        "line one\nresources: []",
        "{{notice}} and {{{sync_scope}}}",
        "tab\there, \"quotes\" and \\backslash",
        "true",
    ];

    #[test]
    fn values_from_the_directory_read_back_exactly() {
        for text in AWKWARD {
            let as_value = format!("gpo: {}\n", yaml_value(text));
            let as_quoted = format!("gpo: {}\n", yaml_quoted(text));
            let inside = format!("gpo: \"x {} y\"\n", in_double_quotes(text));
            for (yaml, want) in [
                (as_value, text.to_string()),
                (as_quoted, text.to_string()),
                (inside, format!("x {text} y")),
            ] {
                assert!(!yaml.contains("{{"), "{yaml}");
                let read: std::collections::BTreeMap<String, String> =
                    serde_yaml::from_str(&yaml).unwrap_or_else(|e| panic!("{e}: {yaml}"));
                assert_eq!(read["gpo"], want, "{yaml}");
            }
            assert!(!one_line(text).contains(['\n', '\t']) && !one_line(text).contains("{{"));
        }
        assert_eq!(yaml_value("Default Domain Policy"), "Default Domain Policy");
        assert_eq!(yaml_quoted("LAB\\MSOL_1"), "'LAB\\MSOL_1'");
        assert_eq!(in_double_quotes("OU=Corp,{domain}"), "OU=Corp,{domain}");
    }

    #[test]
    fn filling_a_template_never_reads_what_it_wrote() {
        let filled = fill_template(
            "a: {{x}}\nb: {{y}}\nc: {{unknown}} {{",
            &[("x", "{{y}}".into()), ("y", "2".into())],
        );
        assert_eq!(filled, "a: {{y}}\nb: 2\nc: {{unknown}} {{");
    }

    #[test]
    fn an_awkward_gpo_and_connector_name_become_exactly_the_spec_values() {
        let mut corp = lab("corp", "LAB", Some("MSOL_o'b"));
        let mut emea = lab("emea", "LAB2", Some("MSOL_o'b"));
        corp.gpo = Some(AWKWARD[4].into());
        emea.gpo = Some(AWKWARD[5].into());
        let (text, _) = several_connections(TEMPLATE, &[corp, emea], "all");
        let spec = finished(&text);
        let gpos: Vec<&str> = spec
            .resources
            .iter()
            .filter_map(|r| match r {
                hybridctl_core::spec::Resource::GpoSecurity(g) => Some(g.gpo.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(gpos, [AWKWARD[4], AWKWARD[5]]);
        assert!(text.contains("principal: 'MSOL_o''b'"), "{text}");
    }

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

    fn lab(connection: &str, netbios: &str, connector: Option<&str>) -> Found {
        let dns = format!("{}.example.test", netbios.to_lowercase());
        Found {
            connection: connection.into(),
            url: Some(format!("ldaps://dc1.{dns}")),
            user: Some(format!("svc@{dns}")),
            dns_domain: Some(dns),
            netbios: Some(netbios.into()),
            connector: connector.map(str::to_string),
            gpo: Some("Default Domain Policy".into()),
        }
    }

    /// The spec as init writes it, every value left filled with a stand-in.
    fn finished(text: &str) -> hybridctl_core::Spec {
        let text = [
            "notice",
            "tenant_id",
            "client_id",
            "features",
            "sync_scope",
            "aad_connector",
        ]
        .iter()
        .fold(text.to_string(), |t, k| {
            let v = match *k {
                "features" => "basic_read",
                "sync_scope" => "{domain}",
                "notice" => "#",
                _ => "x",
            };
            t.replace(&format!("{{{{{k}}}}}"), v)
        });
        assert!(!text.contains("{{"), "{text}");
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn addresses(spec: hybridctl_core::Spec) -> Vec<String> {
        hybridctl_core::connection::expand(spec)
            .resources
            .iter()
            .map(|r| r.address().to_string())
            .collect()
    }

    #[test]
    fn several_connections_name_each_one_check_every_domain_once_and_the_rest_per_domain() {
        let found = [
            lab("corp", "LAB", Some("MSOL_817b9d8947c2")),
            lab("emea", "LAB2", Some("msol_817B9D8947C2")),
        ];
        let (text, used) = several_connections(TEMPLATE, &found, "all");
        assert!(used.iter().all(|v| v.filled && !v.placeholder), "{used:?}");
        for want in [
            "for lab.example.test, lab2.example.test.",
            "  ad:\n    corp:\n      url: ldaps://dc1.lab.example.test\n      user: svc@lab.example.test\n      password_env: HYBRIDCTL_AD_CORP_PASSWORD\n    emea:\n      url: ldaps://dc1.lab2.example.test\n      user: svc@lab2.example.test\n      password_env: HYBRIDCTL_AD_EMEA_PASSWORD\n  graph:",
            "    name: writeback-permissions-emea\n    connection: emea\n    object: \"{domain}\"\n    aces:\n      - principal: 'LAB2\\msol_817B9D8947C2'",
            "    name: writeback-minimum-password-age-corp\n    connection: corp\n    gpo: Default Domain Policy\n",
            // One account name, resolved in each domain.
            "    name: writeback-reaches-synced-users\n    connections: all\n    principal: 'MSOL_817b9d8947c2'\n",
        ] {
            assert!(text.contains(want), "{want}\n{text}");
        }
        // The comment above a resource is written once, not once per domain.
        assert_eq!(
            text.matches("# A written-back password").count(),
            1,
            "{text}"
        );
        let spec = finished(&text);
        let problems = hybridctl_core::validate::validate(&spec);
        assert!(problems.is_empty(), "{problems}\n{text}");
        assert_eq!(
            addresses(spec),
            [
                "graph.license.sspr-licence",
                "graph.authorization_policy.tenant",
                "ad.acl.writeback-permissions-corp@corp",
                "ad.acl.writeback-permissions-emea@emea",
                "gpo.security.writeback-minimum-password-age-corp@corp",
                "gpo.security.writeback-minimum-password-age-emea@emea",
                "ad.effective_access.writeback-reaches-synced-users@corp",
                "ad.effective_access.writeback-reaches-synced-users@emea",
                "manual.writeback-in-portal",
            ]
        );

        // The connections asked for by name are listed; entra-connect's permissions too.
        let (text, _) = several_connections(ENTRA_CONNECT, &found, "[corp, emea]");
        assert!(
            text.contains("    name: connector\n    connections: [corp, emea]\n    account: 'MSOL_817b9d8947c2'\n"),
            "{text}"
        );
        let spec = finished(&text);
        assert!(hybridctl_core::validate::validate(&spec).is_empty());
        assert_eq!(
            addresses(spec),
            [
                "entra_connect.permissions.connector@corp",
                "entra_connect.permissions.connector@emea"
            ]
        );
    }

    #[test]
    fn different_connector_accounts_get_one_resource_per_domain_and_offline_placeholders_stay_marked(
    ) {
        let found = [
            lab("corp", "LAB", Some("MSOL_aaaaaaaaaaaa")),
            lab("emea", "LAB2", Some("MSOL_bbbbbbbbbbbb")),
        ];
        let (text, _) = several_connections(ENTRA_CONNECT, &found, "all");
        for want in [
            "    name: connector-corp\n    connection: corp\n    account: 'LAB\\MSOL_aaaaaaaaaaaa'\n",
            "    name: connector-emea\n    connection: emea\n    account: 'LAB2\\MSOL_bbbbbbbbbbbb'\n",
        ] {
            assert!(text.contains(want), "{want}\n{text}");
        }
        assert!(!text.contains("    connections:"), "{text}");
        assert!(hybridctl_core::validate::validate(&finished(&text)).is_empty());

        // Offline: every value a placeholder, which validate refuses until replaced.
        let offline = [
            Found {
                connection: "corp".into(),
                ..Found::default()
            },
            Found {
                connection: "emea".into(),
                ..Found::default()
            },
        ];
        let (text, used) = several_connections(TEMPLATE, &offline, "all");
        let keys: std::collections::BTreeSet<&str> = used
            .iter()
            .filter(|v| v.placeholder)
            .map(|v| v.key)
            .collect();
        assert_eq!(
            keys,
            ["connector", "domain", "gpo", "ldap_url", "ldap_user"].into()
        );
        assert!(
            text.contains("    connections: all\n    principal: '<MSOL_ and 12 hex digits: account of the AD connector, the same name in every domain>'\n"),
            "{text}"
        );
        let problems = hybridctl_core::validate::validate(&finished(&text)).to_string();
        for want in [
            "connections.ad.emea.url is still the placeholder",
            "gpo.security.writeback-minimum-password-age-emea: gpo is still the placeholder",
            "ad.effective_access.writeback-reaches-synced-users: principal is still the placeholder",
        ] {
            assert!(problems.contains(want), "{want}\n{problems}");
        }
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
