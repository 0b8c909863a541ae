//! `export`: asks each provider for spec resources of what is there now, and writes them
//! as YAML. Nothing here reads the directory or the tenant; it only serializes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _, Result};
use hybridctl_core::spec::{AdConnections, Connections, Resource, Spec, SPEC_VERSION};
use std::sync::Arc;

use hybridctl_core::Diagnostics;
use hybridctl_providers::ad::export::{self as ad_export, AclRequest};
use hybridctl_providers::export::{self as shared, Exported};
use hybridctl_providers::gpo::GpoProvider;
use hybridctl_providers::graph::settings::GraphSettings;
use hybridctl_providers::graph::GraphProvider;
use hybridctl_providers::ldap::settings::connections_in;
use hybridctl_providers::ldap::AdSettings;

use crate::args::ExportArgs;
use crate::{exit, Context};

pub async fn run(a: ExportArgs, ctx: &mut Context) -> Result<u8> {
    let mut exported: Vec<Exported> = Vec::new();
    let mut acl_objects = a.acl.clone();
    if a.all && !acl_objects.iter().any(|o| o == "{domain}") {
        acl_objects.insert(0, "{domain}".into());
    }
    let needs_ad = !acl_objects.is_empty() || !a.gpo.is_empty() || a.password_policy || a.all;
    let mut ads: Vec<(String, Arc<AdSettings>)> = Vec::new();
    if needs_ad {
        let mut unset = Diagnostics::default();
        for name in connection_names(&a.connection, &ctx.env)? {
            match AdSettings::resolve_named(&name, None, &ctx.env) {
                Ok(s) => ads.push((name, Arc::new(s))),
                Err(d) => unset.push(d),
            }
        }
        unset.into_result(())?;
    }
    let several = ads.len() > 1;
    let mut failed = Diagnostics::default();
    for (name, settings) in &ads {
        let start = exported.len();
        if !acl_objects.is_empty() {
            let req = AclRequest {
                objects: acl_objects.clone(),
                subtree: a.subtree,
                principal: a.principal.clone(),
                authoritative: a.authoritative,
            };
            match ad_export::acls(settings, &req).await {
                Ok((e, warnings)) => {
                    exported.extend(e);
                    for w in warnings {
                        ctx.err(&format!("warning: {w}\n"));
                    }
                }
                Err(d) => failed.extend(d),
            }
        }
        if !a.gpo.is_empty() || a.all {
            let mut gpo = GpoProvider::new(Arc::clone(settings));
            match gpo.export(&a.gpo, a.all).await {
                Ok((e, warnings)) => {
                    exported.extend(e);
                    for w in warnings {
                        ctx.err(&format!("warning: {w}\n"));
                    }
                }
                Err(d) => failed.extend(d),
            }
        }
        if a.password_policy || a.all {
            match ad_export::password_policy(settings).await {
                Ok(e) => exported.push(e),
                Err(d) => failed.extend(d),
            }
        }
        if several {
            for e in &mut exported[start..] {
                in_connection(&mut e.resource, name);
            }
        }
    }
    let graph = a.graph || a.all;
    if graph {
        let settings = GraphSettings::resolve(None, &ctx.env).map_err(Diagnostics::from)?;
        match GraphProvider::new(settings).export().await {
            Ok(e) => exported.extend(e),
            Err(d) => failed.extend(d),
        }
    }
    // Every problem at once, and nothing written unless everything was read.
    failed.into_result(())?;
    let connections = Connections {
        ad: match ads.as_slice() {
            [] => None,
            [(name, s)] if name == AdConnections::DEFAULT => {
                Some(AdConnections::One(shared::ad_connection(s, &ctx.env)))
            }
            many => Some(AdConnections::Named(
                many.iter()
                    .map(|(n, s)| (n.clone(), shared::ad_connection(s, &ctx.env)))
                    .collect(),
            )),
        },
        graph: graph.then(|| shared::graph_connection(&ctx.env)),
    };
    let files = render(&exported, &connections, HEADER);
    write(&a, files, ctx)?;
    Ok(exit::OK)
}

/// The connections `--connection` asks for: the unnamed one by default, `all` for every
/// one the environment names.
pub(crate) fn connection_names(
    asked: &[String],
    env: &hybridctl_providers::Env,
) -> Result<Vec<String>> {
    if asked.is_empty() {
        return Ok(vec![AdConnections::DEFAULT.to_string()]);
    }
    let mut out: Vec<String> = Vec::new();
    for name in asked {
        if name == "all" {
            let found = connections_in(env);
            if found.is_empty() {
                bail!("--connection all: the environment names no AD connection (set HYBRIDCTL_AD_URL, or HYBRIDCTL_AD_<NAME>_URL for each)");
            }
            out.extend(found);
        } else {
            out.push(name.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// An exported resource of one of several domains: it names its connection, and its name
/// ends in the connection's so that names stay unique per kind.
fn in_connection(r: &mut Resource, connection: &str) {
    if let Some(c) = r.connection_mut() {
        *c = Some(connection.to_string());
    }
    let name = match r {
        Resource::AdAcl(x) => &mut x.name,
        Resource::GpoSecurity(x) => &mut x.name,
        Resource::AdPasswordPolicy(x) => &mut x.name,
        Resource::AdEffectiveAccess(x) => &mut x.name,
        Resource::EntraConnectPermissions(x) => &mut x.name,
        Resource::GraphLicense(_)
        | Resource::GraphAuthorizationPolicy(_)
        | Resource::GraphDirectorySync(_)
        | Resource::Manual(_) => return,
    };
    *name = format!("{name}-{connection}");
}

/// No version, date or host: a re-export of an unchanged domain is byte-identical,
/// whichever build wrote it, so it diffs cleanly in git.
const HEADER: &str =
    "# Written by `hybridctl export`: what is there now. `hybridctl plan -f` on it says No changes.";

/// One YAML document per kind (file name `<kind>.yaml`), in the order kinds were first
/// exported; `all` holds them as one document.
struct Rendered {
    all: String,
    by_kind: Vec<(String, String)>,
}

fn render(exported: &[Exported], connections: &Connections, header: &str) -> Rendered {
    let mut kinds: Vec<String> = Vec::new();
    let mut groups: BTreeMap<String, Vec<&Exported>> = BTreeMap::new();
    for e in exported {
        let kind = e.resource.kind().to_string();
        if !kinds.contains(&kind) {
            kinds.push(kind.clone());
        }
        groups.entry(kind).or_default().push(e);
    }
    let document = |items: &[&Exported]| {
        let needs = |graph: bool| {
            items.iter().any(|e| {
                let k = e.resource.kind().to_string();
                k.starts_with("graph.") == graph
            })
        };
        let conn = Connections {
            ad: connections.ad.clone().filter(|_| needs(false)),
            graph: connections.graph.clone().filter(|_| needs(true)),
        };
        document(items, &conn, header)
    };
    let all: Vec<&Exported> = exported.iter().collect();
    Rendered {
        all: document(&all),
        by_kind: kinds
            .iter()
            .map(|k| (format!("{k}.yaml"), document(&groups[k])))
            .collect(),
    }
}

fn document(items: &[&Exported], connections: &Connections, header: &str) -> String {
    let head = Spec {
        version: SPEC_VERSION,
        connections: connections.clone(),
        resources: vec![],
    };
    let mut out = format!("{header}\n");
    let text = serde_yaml::to_string(&head).expect("a spec serializes");
    match text.strip_suffix("resources: []\n") {
        Some(t) if !items.is_empty() => {
            out.push_str(t);
            out.push_str("resources:\n");
        }
        _ => out.push_str(&text),
    }
    for e in items {
        for note in &e.notes {
            out.push_str(&format!("  # {}\n", note.replace(['\r', '\n'], " ")));
        }
        let one: Vec<&Resource> = vec![&e.resource];
        let text = serde_yaml::to_string(&one).expect("a resource serializes");
        for line in text.lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn write(a: &ExportArgs, files: Rendered, ctx: &mut Context) -> Result<()> {
    let Some(out) = &a.out else {
        ctx.out(&files.all);
        return Ok(());
    };
    let is_dir = out.is_dir() || out.to_string_lossy().ends_with('/');
    let targets: Vec<(PathBuf, String)> = if is_dir {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
        files
            .by_kind
            .into_iter()
            .map(|(name, text)| (out.join(name), text))
            .collect()
    } else {
        vec![(out.clone(), files.all)]
    };
    if !a.force {
        if let Some((p, _)) = targets.iter().find(|(p, _)| p.exists()) {
            bail!("{} exists; pass --force to replace it", p.display());
        }
    }
    for (path, text) in &targets {
        write_file(path, text)?;
    }
    let shown = if is_dir {
        format!("{} file(s) in {}", targets.len(), out.display())
    } else {
        out.display().to_string()
    };
    ctx.err(&format!(
        "Wrote {shown}; check it with: hybridctl plan -f {}\n",
        out.display()
    ));
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hybridctl_core::spec::{AceSpec, AdAcl, AdConnection, Ensure, GraphLicense};

    fn acl() -> Exported {
        Exported {
            resource: Resource::AdAcl(AdAcl {
                name: "ou-staff-corp".into(),
                connection: None,
                object: "OU=Staff,OU=Corp,{domain}".into(),
                authoritative: false,
                inheritance: None,
                aces: vec![AceSpec {
                    principal: "CORP\\Helpdesk".into(),
                    allow: vec!["Reset password".into()],
                    deny: vec![],
                    applies_to: "Descendant User objects".into(),
                    ensure: Ensure::Present,
                }],
            }),
            notes: vec!["not exported (why): (A;;0x1000000;;;S-1-5-11)\nsecond line".into()],
        }
    }

    fn licence() -> Exported {
        Exported {
            resource: Resource::GraphLicense(GraphLicense {
                name: "entra-id-premium".into(),
                require_service_plans: vec!["AAD_PREMIUM".into()],
            }),
            notes: vec![],
        }
    }

    #[test]
    fn a_resource_of_one_of_several_domains_names_its_connection() {
        let mut r = acl().resource;
        in_connection(&mut r, "emea");
        assert_eq!(r.address().to_string(), "ad.acl.ou-staff-corp-emea@emea");
        let mut l = licence().resource;
        in_connection(&mut l, "emea");
        assert_eq!(l.address().to_string(), "graph.license.entra-id-premium");
    }

    #[test]
    fn notes_become_comments_above_their_resource_and_the_spec_loads() {
        let connections = Connections {
            ad: Some(AdConnections::One(AdConnection {
                url: Some("ldaps://dc01".into()),
                password_env: Some("HYBRIDCTL_AD_PASSWORD".into()),
                ..Default::default()
            })),
            graph: None,
        };
        let r = render(&[acl(), licence()], &connections, "# header");
        assert_eq!(
            r.by_kind
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>(),
            ["ad.acl.yaml", "graph.license.yaml"]
        );
        let expected = "# header\nversion: 1\nconnections:\n  ad:\n    url: ldaps://dc01\n    password_env: HYBRIDCTL_AD_PASSWORD\nresources:\n  \
# not exported (why): (A;;0x1000000;;;S-1-5-11) second line\n  - kind: ad.acl\n    name: ou-staff-corp\n    object: OU=Staff,OU=Corp,{domain}\n    aces:\n    \
- principal: CORP\\Helpdesk\n      allow:\n      - Reset password\n      applies_to: Descendant User objects\n";
        assert_eq!(r.by_kind[0].1, expected);
        // The graph file carries no AD connection (and here no graph one was used).
        assert!(!r.by_kind[1].1.contains("ad:"), "{}", r.by_kind[1].1);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("all.yaml");
        std::fs::write(&path, &r.all).unwrap();
        let loaded = hybridctl_core::load::load(&path).unwrap();
        assert_eq!(loaded.resources().len(), 2);
    }
}
