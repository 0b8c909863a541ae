//! The one place that says which provider handles each resource kind, and that builds
//! the providers a spec needs from its connections and the environment. Adding a kind
//! means one line in [`provider_of`]; the compiler finds a kind left out.

use std::collections::BTreeSet;
use std::sync::Arc;

use hybridctl_core::spec::Spec;
use hybridctl_core::{Diagnostics, Kind, Provider};

use crate::ad::AdProvider;
use crate::connections::PerConnection;
use crate::env::Env;
use crate::gpo::GpoProvider;
use crate::graph::{settings::GraphSettings, GraphProvider};
use crate::ldap::AdSettings;
use crate::manual::ManualProvider;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProviderId {
    Ad,
    Gpo,
    Graph,
    Manual,
}

pub fn provider_of(kind: Kind) -> ProviderId {
    match kind {
        Kind::AdAcl
        | Kind::AdPasswordPolicy
        | Kind::EntraConnectPermissions
        | Kind::AdEffectiveAccess => ProviderId::Ad,
        Kind::GpoSecurity => ProviderId::Gpo,
        Kind::GraphLicense | Kind::GraphAuthorizationPolicy | Kind::GraphDirectorySync => {
            ProviderId::Graph
        }
        Kind::Manual => ProviderId::Manual,
    }
}

/// The providers a spec needs, and warnings for the person running it.
pub struct Providers {
    pub list: Vec<Box<dyn Provider>>,
    pub warnings: Vec<String>,
}

/// Builds the providers `spec`'s resources need; each connects on first use. Every
/// missing or unsafe connection setting is reported at once. With several AD connections,
/// the AD and GPO providers are one per connection the resources use, behind
/// [`PerConnection`]; with one, the provider itself, as before.
pub fn for_spec(spec: &Spec, env: &Env) -> Result<Providers, Diagnostics> {
    let needed: BTreeSet<ProviderId> = spec
        .resources
        .iter()
        .map(|r| provider_of(r.kind()))
        .collect();
    let mut diags = Diagnostics::default();
    let mut out = Providers {
        list: Vec::new(),
        warnings: Vec::new(),
    };
    let mut ad: Option<Vec<(String, Arc<AdSettings>)>> = None;
    for id in needed {
        match id {
            ProviderId::Ad | ProviderId::Gpo => {
                if ad.is_none() {
                    match ad_settings(spec, env, &mut out.warnings) {
                        Ok(s) => ad = Some(s),
                        Err(d) => {
                            diags.extend(d);
                            continue;
                        }
                    }
                }
                let settings = ad.as_ref().expect("resolved above");
                let build = |s: &Arc<AdSettings>| -> Box<dyn Provider> {
                    match id {
                        ProviderId::Ad => Box::new(AdProvider::new(Arc::clone(s))),
                        _ => Box::new(GpoProvider::new(Arc::clone(s))),
                    }
                };
                out.list.push(match settings.as_slice() {
                    [(_, one)] if !several(spec) => build(one),
                    many => Box::new(PerConnection::new(
                        many.iter().map(|(n, s)| (n.clone(), build(s))).collect(),
                    )),
                });
            }
            ProviderId::Graph => match GraphSettings::resolve(spec.connections.graph.as_ref(), env)
            {
                Ok(s) => out.list.push(Box::new(GraphProvider::new(s))),
                Err(d) => diags.push(d),
            },
            ProviderId::Manual => out.list.push(Box::new(ManualProvider)),
        }
    }
    diags.into_result(out)
}

fn several(spec: &Spec) -> bool {
    hybridctl_core::connection::names(&spec.connections).len() > 1
}

/// The settings of every AD connection the resources use (of the single one, with one).
fn ad_settings(
    spec: &Spec,
    env: &Env,
    warnings: &mut Vec<String>,
) -> Result<Vec<(String, Arc<AdSettings>)>, Diagnostics> {
    let names = hybridctl_core::connection::names(&spec.connections);
    let used: BTreeSet<&str> = spec
        .resources
        .iter()
        .filter_map(|r| r.connection())
        .collect();
    let mut diags = Diagnostics::default();
    let mut out = Vec::new();
    for name in &names {
        if several(spec) && !used.contains(name.as_str()) {
            continue;
        }
        let given = spec.connections.ad.as_ref().and_then(|c| c.get(name));
        match AdSettings::resolve_named(name, given, env) {
            Ok(s) => {
                if s.insecure_skip_verify {
                    warnings.push(match several(spec) {
                        false => "TLS certificate verification is OFF for Active Directory (insecure_skip_verify); use this only against a lab".into(),
                        true => format!("TLS certificate verification is OFF for AD connection `{name}` (insecure_skip_verify); use this only against a lab"),
                    });
                }
                out.push((name.clone(), Arc::new(s)));
            }
            Err(d) => diags.push(d),
        }
    }
    diags.into_result(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab_env() -> Env {
        [
            ("HYBRIDCTL_AD_URL", "ldaps://dc.example.test"),
            ("HYBRIDCTL_AD_USER", "svc@example.test"),
            ("HYBRIDCTL_AD_PASSWORD", "x"),
            ("HYBRIDCTL_GRAPH_TENANT_ID", "t"),
            ("HYBRIDCTL_GRAPH_CLIENT_ID", "c"),
            ("HYBRIDCTL_GRAPH_CLIENT_SECRET", "s"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    /// Two Kerberos identities in one run, one of them reaching SYSVOL over SMB, were
    /// refused while libsmbclient ran in-process (one KRB5CCNAME per process); each SMB
    /// helper now has its own. The DC's view: e2e kerberos::two_identities_in_one_run_*.
    #[test]
    fn two_kerberos_identities_with_smb_are_accepted() {
        let yaml = "version: 1\nconnections:\n  ad:\n    a: {url: ldap://dc1.a.test, auth: kerberos, keytab_file: /a.keytab, principal: svc@A.TEST}\n    b: {url: ldap://dc1.b.test, auth: kerberos, keytab_file: /b.keytab, principal: svc@B.TEST}\nresources:\n  - kind: gpo.security\n    name: ddp\n    connection: a\n    gpo: Default Domain Policy\n    password_policy: {minimum_password_age: 1}\n  - kind: ad.password_policy\n    name: b\n    connection: b\n    password_policy: {minimum_password_age: 1}\n";
        let spec = hybridctl_core::load::parse(yaml, std::path::Path::new("k.yaml")).unwrap();
        assert!(for_spec(&spec, &Env::default()).is_ok());
    }

    /// Each provider claims exactly the kinds the registry routes to it.
    #[test]
    fn every_kind_is_routed_to_a_provider_that_claims_it() {
        let env = lab_env();
        let ad = Arc::new(AdSettings::resolve(None, &env).unwrap());
        let built: Vec<(ProviderId, Box<dyn Provider>)> = vec![
            (ProviderId::Ad, Box::new(AdProvider::new(Arc::clone(&ad)))),
            (ProviderId::Gpo, Box::new(GpoProvider::new(ad))),
            (
                ProviderId::Graph,
                Box::new(GraphProvider::new(
                    GraphSettings::resolve(None, &env).unwrap(),
                )),
            ),
            (ProviderId::Manual, Box::new(ManualProvider)),
        ];
        for kind in Kind::ALL {
            let id = provider_of(*kind);
            for (pid, p) in &built {
                assert_eq!(p.kinds().contains(kind), *pid == id, "{kind} and {pid:?}");
            }
        }
    }
}
