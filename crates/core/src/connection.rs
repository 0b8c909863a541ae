//! Named AD connections: which domain each resource acts on, the offline checks of those
//! names, and the spec as the engine plans it, with one resource per domain.
//!
//! A spec with one connection (unnamed, or a map with one name) plans exactly as before:
//! its resources carry no connection and their addresses none. In a spec with several,
//! every AD resource names one (`connection: emea`) or several (`connections: all`), and
//! [`expand`] makes one copy per connection, each addressed `<kind>.<name>@<connection>`.

use std::collections::BTreeMap;

use crate::spec::{AdConnections, ConnectionSet, Connections, Resource, Spec};
use crate::{suggest, Diagnostic, Diagnostics};

/// The spec's AD connection names, in name order; `default` when it names none (the
/// environment may still give that connection).
pub fn names(connections: &Connections) -> Vec<String> {
    match &connections.ad {
        Some(ad) => ad.names().into_iter().map(str::to_string).collect(),
        None => vec![AdConnections::DEFAULT.to_string()],
    }
}

/// The connections `r` acts on, by name, as the spec resolves them; empty for kinds that
/// use none. Unknown names are kept (validation reports them).
pub fn of(r: &Resource, names: &[String]) -> Vec<String> {
    if !r.takes_connection() {
        return Vec::new();
    }
    match r.connections() {
        Some(ConnectionSet::All(_)) => names.to_vec(),
        Some(ConnectionSet::Some(list)) => list.clone(),
        None => match (r.connection(), names) {
            (Some(c), _) => vec![c.to_string()],
            (None, [only]) => vec![only.clone()],
            (None, _) => Vec::new(),
        },
    }
}

/// The spec as it is planned: each AD resource once per connection it acts on. With
/// several connections each copy names its connection; with one, none does, so the
/// addresses (and saved plans) of a one-domain spec stay as they were.
pub fn expand(mut spec: Spec) -> Spec {
    let names = names(&spec.connections);
    let several = names.len() > 1;
    let resources = std::mem::take(&mut spec.resources);
    for r in resources {
        let mut r = r;
        if !r.takes_connection() {
            spec.resources.push(r);
            continue;
        }
        let targets = match r.connections() {
            Some(_) => of(&r, &names).into_iter().map(Some).collect(),
            None => vec![r.connection().map(str::to_string)],
        };
        if let Some(c) = r.connections_mut() {
            *c = None;
        }
        for target in targets {
            let mut one = r.clone();
            *one.connection_mut().expect("an AD kind") = target.filter(|_| several);
            spec.resources.push(one);
        }
    }
    spec
}

/// The environment variable part of a connection's name: `emea` -> `EMEA`,
/// `eu-west` -> `EU_WEST`. Empty for the default connection.
pub fn env_part(name: &str) -> String {
    if name == AdConnections::DEFAULT {
        return String::new();
    }
    name.to_ascii_uppercase().replace('-', "_")
}

/// Whether `name` can name a connection (`CONNECTION_NAME_PATTERN`): it becomes part of
/// environment variable names and of addresses.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Offline checks: connection names, and each AD resource's `connection`/`connections`.
pub fn validate(spec: &Spec) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let names = names(&spec.connections);
    let mut by_env: BTreeMap<String, &str> = BTreeMap::new();
    for n in &names {
        if !is_valid_name(n) {
            diags.push(
                Diagnostic::new(format!(
                    "connections.ad: connection name `{n}` must start with a letter and hold only letters, digits, `-` and `_`"
                ))
                .hint("it becomes part of environment variable names (HYBRIDCTL_AD_<NAME>_URL) and of addresses (ad.acl.x@<name>)"),
            );
        } else if let Some(first) = by_env.insert(env_part(n), n) {
            diags.push(
                Diagnostic::new(format!(
                    "connections.ad: connections `{first}` and `{n}` would read the same environment variables (HYBRIDCTL_AD_{}_...)",
                    env_part(n)
                ))
                .hint("rename one of them"),
            );
        }
    }
    let several = names.len() > 1;
    let listed = names.join(", ");
    let unknown = |n: &str| {
        let mut d = Diagnostic::new(format!(
            "names connection `{n}`, which connections.ad does not have (connections: {listed})"
        ));
        d = match suggest::closest(n, names.iter().map(String::as_str)) {
            Some(s) => d.hint(format!("did you mean `{s}`?")),
            None => d.hint("add it under connections.ad, or name one of the connections listed"),
        };
        d
    };
    for r in &spec.resources {
        if !r.takes_connection() {
            continue;
        }
        let at = r.address().unqualified();
        match (r.connection(), r.connections()) {
            (Some(_), Some(_)) => diags.push(
                Diagnostic::new("give `connection` or `connections`, not both")
                    .at(&at)
                    .hint("`connections: all` (or a list) plans the resource once per domain"),
            ),
            (Some(c), None) if !names.iter().any(|n| n == c) => diags.push(unknown(c).at(&at)),
            (None, None) if several => diags.push(
                Diagnostic::new(format!(
                    "the spec has several AD connections ({listed}): name this resource's `connection`"
                ))
                .at(&at)
                .hint(match r.kind() {
                    crate::Kind::EntraConnectPermissions | crate::Kind::AdEffectiveAccess => {
                        "e.g. `connection: <name>`, or `connections: all` for every domain"
                    }
                    _ => "e.g. `connection: <name>`",
                }),
            ),
            (None, Some(ConnectionSet::Some(list))) => {
                if list.is_empty() {
                    diags.push(
                        Diagnostic::new("`connections` is empty")
                            .at(&at)
                            .hint("name at least one connection, or write `connections: all`"),
                    );
                }
                let mut seen = std::collections::BTreeSet::new();
                for c in list {
                    if !names.iter().any(|n| n == c) {
                        diags.push(unknown(c).at(&at));
                    } else if !seen.insert(c) {
                        diags.push(
                            Diagnostic::new(format!("`connections` lists `{c}` twice")).at(&at),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Spec {
        serde_yaml::from_str(text).unwrap()
    }

    const TWO: &str = "version: 1\nconnections:\n  ad:\n    corp: {url: ldaps://dc1.corp}\n    emea: {url: ldaps://dc1.emea}\n";

    fn addresses(s: &Spec) -> Vec<String> {
        s.resources
            .iter()
            .map(|r| r.address().to_string())
            .collect()
    }

    #[test]
    fn one_connection_reads_as_before_in_both_forms() {
        let one = spec("version: 1\nconnections:\n  ad: {url: ldaps://dc1}\n");
        assert!(matches!(one.connections.ad, Some(AdConnections::One(_))));
        assert_eq!(names(&one.connections), ["default"]);
        let named = spec(TWO);
        assert_eq!(names(&named.connections), ["corp", "emea"]);
        assert_eq!(
            named
                .connections
                .ad
                .as_ref()
                .unwrap()
                .get("emea")
                .unwrap()
                .url
                .as_deref(),
            Some("ldaps://dc1.emea")
        );
        // Serialized back in the form it was read.
        let back: Spec = serde_json::from_value(serde_json::to_value(&named).unwrap()).unwrap();
        assert_eq!(back, named);
        assert_eq!(names(&Connections::default()), ["default"]);
    }

    #[test]
    fn a_mistake_inside_either_form_is_named() {
        let e = serde_yaml::from_str::<Spec>("version: 1\nconnections:\n  ad: {url: x, usr: y}\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `usr`"), "{e}");
        let e = serde_yaml::from_str::<Spec>(
            "version: 1\nconnections:\n  ad:\n    corp: {url: x}\n    emea: {ulr: y}\n",
        )
        .unwrap_err()
        .to_string();
        // serde_yaml's path names the connection, and the position is the key's own.
        assert!(
            e.starts_with("connections.ad.emea: unknown field `ulr`")
                && e.ends_with("at line 5 column 12"),
            "{e}"
        );
    }

    /// The keys that make `connections.ad` read as one connection are exactly its fields.
    #[test]
    fn the_single_form_is_recognised_by_every_field_and_only_those() {
        let schema =
            serde_json::to_value(schemars::schema_for!(crate::spec::AdConnection)).unwrap();
        let fields: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut ours = crate::spec::AD_CONNECTION_FIELDS.to_vec();
        ours.sort_unstable();
        let mut fields = fields;
        fields.sort_unstable();
        assert_eq!(ours, fields);
    }

    #[test]
    fn expansion_gives_one_copy_per_domain_and_none_with_one_domain() {
        let body = "resources:\n- {kind: ad.acl, name: a, connection: emea, object: '{domain}', aces: []}\n- {kind: entra_connect.permissions, name: c, account: X, connections: all}\n- {kind: ad.effective_access, name: w, principal: x, rights: [Reset password], scope: {base: '{domain}'}, connections: [emea]}\n- {kind: manual, name: m, steps: [x]}\n";
        let two = expand(spec(&format!("{TWO}{body}")));
        assert_eq!(
            addresses(&two),
            [
                "ad.acl.a@emea",
                "entra_connect.permissions.c@corp",
                "entra_connect.permissions.c@emea",
                "ad.effective_access.w@emea",
                "manual.m"
            ]
        );
        assert!(two.resources.iter().all(|r| r.connections().is_none()));
        let one = expand(spec(&format!(
            "version: 1\n{}",
            body.replace("connection: emea, ", "")
                .replace("[emea]", "[default]")
        )));
        assert_eq!(
            addresses(&one),
            [
                "ad.acl.a",
                "entra_connect.permissions.c",
                "ad.effective_access.w",
                "manual.m"
            ]
        );
    }

    #[test]
    fn unknown_missing_and_doubled_connections_are_refused_offline() {
        let text = format!(
            "{TWO}resources:\n- {{kind: ad.acl, name: a, connection: emae, object: '{{domain}}', aces: []}}\n- {{kind: ad.password_policy, name: p}}\n- {{kind: entra_connect.permissions, name: c, account: X, connection: corp, connections: all}}\n- {{kind: ad.effective_access, name: w, principal: x, rights: [R], scope: {{base: x}}, connections: [corp, corp, nowhere]}}\n"
        );
        let d = validate(&spec(&text)).to_string();
        for want in [
            "ad.acl.a: names connection `emae`, which connections.ad does not have (connections: corp, emea)",
            "did you mean `emea`?",
            "ad.password_policy.p: the spec has several AD connections (corp, emea): name this resource's `connection`",
            "entra_connect.permissions.c: give `connection` or `connections`, not both",
            "ad.effective_access.w: `connections` lists `corp` twice",
            "ad.effective_access.w: names connection `nowhere`",
        ] {
            assert!(d.contains(want), "{want}\n{d}");
        }
        let d = validate(&spec(
            "version: 1\nconnections:\n  ad:\n    eu-west: {}\n    EU_WEST: {}\n    9x: {}\n",
        ))
        .to_string();
        assert!(
            d.contains("would read the same environment variables (HYBRIDCTL_AD_EU_WEST_...)"),
            "{d}"
        );
        assert!(
            d.contains("connection name `9x` must start with a letter"),
            "{d}"
        );
        // One unnamed connection: `connection: default` is the only name.
        let d = validate(&spec(
            "version: 1\nresources:\n- {kind: ad.password_policy, name: p, connection: corp}\n",
        ))
        .to_string();
        assert!(d.contains("names connection `corp`"), "{d}");
    }

    #[test]
    fn environment_part_of_a_name() {
        assert_eq!(env_part("default"), "");
        assert_eq!(env_part("emea"), "EMEA");
        assert_eq!(env_part("eu-west"), "EU_WEST");
    }
}
