//! What `hybridctl export` gets from each provider: spec resources (the same types a
//! user writes) with notes for people, and the connection settings that were used,
//! secrets as references. The CLI only serializes them.

use hybridctl_core::spec::{AdConnection, GraphConnection, Resource};

use crate::graph::settings as graph_env;
use crate::ldap::settings as ad_env;
use crate::Env;

/// One exported resource, with what a reader should know about it (written as YAML
/// comments above it: raw SDDL of rights without a name, settings not exported).
#[derive(Clone, Debug, PartialEq)]
pub struct Exported {
    pub resource: Resource,
    pub notes: Vec<String>,
}

/// A resource name from a DN, as readable as the DN: the leaf's type and value, then
/// the values of its parents up to the domain (`OU=Staff,OU=Corp,{domain}` is
/// `ou-staff-corp`); the domain itself is `domain-root`. Only letters, digits and `-`.
pub fn name_for_dn(dn: &str, domain_dn: &str) -> String {
    let dn_norm = crate::ad::acl::normalize_dn(dn);
    let domain = crate::ad::acl::normalize_dn(domain_dn);
    if dn_norm == domain {
        return "domain-root".into();
    }
    let inside = dn_norm
        .strip_suffix(&domain)
        .and_then(|r| r.strip_suffix(','))
        .unwrap_or(&dn_norm);
    let mut parts = Vec::new();
    for (i, rdn) in inside.split(',').enumerate() {
        let (ty, value) = rdn.split_once('=').unwrap_or(("", rdn));
        if i == 0 {
            parts.push(ty.to_string());
        }
        parts.push(value.to_string());
    }
    slug(&parts.join("-"), "object")
}

/// Lower case letters and digits, every other run of characters one `-`.
pub fn slug(text: &str, empty: &str) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        empty.to_string()
    } else {
        out
    }
}

/// Makes names unique in order: the second `x` becomes `x-2`, and so on. The input
/// order is stable, so the names are the same on every run.
pub fn make_unique(names: &mut [String]) {
    let taken: std::collections::BTreeSet<String> = names.iter().cloned().collect();
    let mut emitted = std::collections::BTreeSet::new();
    for n in names.iter_mut() {
        if emitted.contains(n.as_str()) {
            let mut i = 2;
            while taken.contains(&format!("{n}-{i}")) || emitted.contains(&format!("{n}-{i}")) {
                i += 1;
            }
            *n = format!("{n}-{i}");
        }
        emitted.insert(n.clone());
    }
}

/// `connections.ad` as export writes it: what the run used, the password as the name of
/// the variable (or file) it came from, never its value.
pub fn ad_connection(s: &crate::ldap::AdSettings, env: &Env) -> AdConnection {
    if let crate::ldap::settings::Auth::Kerberos(k) = &s.auth {
        return kerberos_connection(s, k);
    }
    let password_var = s.env_name(ad_env::Var::Password);
    let password_file = match crate::env::get(env, &password_var) {
        Some(_) => None,
        None => crate::env::get(env, &s.env_name(ad_env::Var::PasswordFile)).map(Into::into),
    };
    AdConnection {
        url: Some(s.url.clone()),
        user: Some(s.user.clone()),
        password_env: password_file.is_none().then_some(password_var),
        password_file,
        ca_file: s.ca_file.clone(),
        base_dn: s.base_dn.clone(),
        starttls: s.transport == crate::ldap::settings::Transport::StartTls,
        insecure_skip_verify: s.insecure_skip_verify,
        sysvol: s.sysvol.clone(),
        auth: None,
        keytab_file: None,
        principal: None,
    }
}

/// `auth: kerberos`: the keytab and principal the run used (or the ticket cache: neither).
fn kerberos_connection(
    s: &crate::ldap::AdSettings,
    k: &crate::ldap::kerberos::KerberosSettings,
) -> AdConnection {
    AdConnection {
        url: Some(s.url.clone()),
        user: None,
        password_env: None,
        password_file: None,
        ca_file: s.ca_file.clone(),
        base_dn: s.base_dn.clone(),
        starttls: s.transport == crate::ldap::settings::Transport::StartTls,
        insecure_skip_verify: s.insecure_skip_verify,
        sysvol: s.sysvol.clone(),
        auth: Some(hybridctl_core::spec::AdAuth::Kerberos),
        keytab_file: k.keytab.as_ref().map(|k| k.file.clone()),
        principal: k.keytab.as_ref().map(|k| k.principal.clone()),
    }
}

/// `connections.graph` as export writes it; the secret as the variable that holds it.
pub fn graph_connection(env: &Env) -> GraphConnection {
    let get = |k: &str| crate::env::get(env, k).map(str::to_string);
    let certificate_file = get(graph_env::ENV_CERTIFICATE).map(Into::into);
    GraphConnection {
        tenant_id: get(graph_env::ENV_TENANT),
        client_id: get(graph_env::ENV_CLIENT),
        client_secret_env: certificate_file
            .is_none()
            .then(|| graph_env::ENV_SECRET.to_string()),
        certificate_file,
        private_key_file: get(graph_env::ENV_PRIVATE_KEY).map(Into::into),
        cloud: None,
        ca_file: get(graph_env::ENV_CA_FILE).map(Into::into),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOMAIN: &str = "DC=corp,DC=example,DC=com";

    #[test]
    fn names_follow_the_dn() {
        assert_eq!(name_for_dn(DOMAIN, DOMAIN), "domain-root");
        assert_eq!(
            name_for_dn("dc=CORP, dc=example,DC=com", DOMAIN),
            "domain-root"
        );
        assert_eq!(
            name_for_dn("OU=Staff,OU=Corp,DC=corp,DC=example,DC=com", DOMAIN),
            "ou-staff-corp"
        );
        assert_eq!(
            name_for_dn(
                "CN=AdminSDHolder,CN=System,DC=corp,DC=example,DC=com",
                DOMAIN
            ),
            "cn-adminsdholder-system"
        );
        assert_eq!(
            name_for_dn("OU=Büro & Co,DC=corp,DC=example,DC=com", DOMAIN),
            "ou-b-ro-co"
        );
        // Outside the domain partition the whole DN names it.
        assert_eq!(
            name_for_dn(
                "CN=Extended-Rights,CN=Configuration,DC=corp,DC=example,DC=com",
                "DC=other"
            ),
            "cn-extended-rights-configuration-corp-example-com"
        );
    }

    #[test]
    fn slugs_keep_letters_and_digits() {
        assert_eq!(
            slug("Default Domain Policy", "gpo"),
            "default-domain-policy"
        );
        assert_eq!(slug("{31B2F340-016D}", "gpo"), "31b2f340-016d");
        assert_eq!(slug("***", "gpo"), "gpo");
    }

    #[test]
    fn duplicates_get_numbers_in_order() {
        let mut names: Vec<String> = ["a", "b", "a", "a-2", "a"].map(String::from).into();
        make_unique(&mut names);
        assert_eq!(names, ["a", "b", "a-3", "a-2", "a-4"]);
    }
}
