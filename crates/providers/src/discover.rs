//! What `hybridctl init` needs to know about a domain: its names, the GPO linked at its
//! root, and the Entra Connect connector accounts in it.

use hybridctl_core::Diagnostic;
use ldap3::Scope;

use crate::ad::directory::Directory;
use crate::gpo::container;
use crate::ldap::{first, AdSettings, Connection, DomainHead};

pub struct Domain {
    pub netbios: String,
    pub dns_domain: String,
    /// The GPO with the highest precedence linked (and enabled) at the domain root.
    pub root_gpo: Option<String>,
    /// `MSOL_*` and `Sync_*` accounts, by sAMAccountName.
    pub connectors: Vec<String>,
    /// The tenant each connector account synchronizes to, from its description.
    pub tenants: std::collections::BTreeMap<String, String>,
}

/// The tenant an Entra Connect account's description names: the wizard writes
/// "... configured to synchronize to tenant contoso.onmicrosoft.com." Only a DNS name is
/// taken (the description is directory data, and the name goes into a spec).
pub fn tenant_of(description: &str) -> Option<String> {
    const MARK: &str = "synchronize to tenant ";
    let at = description.to_ascii_lowercase().find(MARK)?;
    let rest = &description[at + MARK.len()..];
    let name = rest.split_whitespace().next()?.trim_end_matches('.');
    let dns = name.contains('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    dns.then(|| name.to_string())
}

pub async fn domain(settings: &AdSettings) -> Result<Domain, Diagnostic> {
    let mut conn = Connection::open(settings)
        .await
        .map_err(|e| Diagnostic::new(e.to_string()))?;
    let dir = Directory::load(&mut conn, settings.base_dn.as_deref())
        .await
        .map_err(|e| Diagnostic::new(e.to_string()))?;
    let head = DomainHead::read(&mut conn, &dir.domain_dn)
        .await
        .map_err(|e| Diagnostic::new(e.to_string()))?;
    let gpos = container::list(&mut conn, &dir.domain_dn)
        .await
        .map_err(|e| Diagnostic::new(e.to_string()))?;
    let root_gpo = linked(&head.gp_link).into_iter().find_map(|dn| {
        gpos.iter()
            .find(|g| g.dn.eq_ignore_ascii_case(&dn))
            .map(|g| g.display_name.clone())
    });
    let found = conn
        .search(&dir.domain_dn, Scope::Subtree, "(&(objectCategory=person)(objectClass=user)(|(sAMAccountName=MSOL_*)(sAMAccountName=Sync_*)))", &["sAMAccountName", "description"])
        .await
        .map_err(|e| Diagnostic::new(e.to_string()))?;
    let mut connectors: Vec<String> = found
        .iter()
        .filter_map(|e| first(e, "sAMAccountName"))
        .collect();
    connectors.sort();
    let tenants = found
        .iter()
        .filter_map(|e| {
            let tenant = tenant_of(&first(e, "description")?)?;
            Some((first(e, "sAMAccountName")?, tenant))
        })
        .collect();
    Ok(Domain {
        netbios: dir.netbios.clone(),
        dns_domain: dir.dns_domain.clone(),
        root_gpo,
        connectors,
        tenants,
    })
}

/// GPO DNs of a `gPLink`, highest precedence first, disabled links left out.
/// The attribute lists links as `[LDAP://dn;flags]`, link order 1 first.
pub fn linked(gp_link: &str) -> Vec<String> {
    gp_link
        .split(']')
        .filter_map(|l| l.trim().strip_prefix('['))
        .filter_map(|l| {
            let (dn, flags) = l.rsplit_once(';')?;
            let dn = dn
                .strip_prefix("LDAP://")
                .or_else(|| dn.strip_prefix("ldap://"))
                .unwrap_or(dn);
            (flags.trim().parse::<u32>().unwrap_or(0) & 1 == 0).then(|| dn.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn tenant_from_the_wizards_description() {
        let d = "Account created by Microsoft Azure Active Directory Connect with installation identifier 817b running on computer AADSYNC01 configured to synchronize to tenant lab.onmicrosoft.com. This account must have directory replication permissions";
        assert_eq!(super::tenant_of(d).as_deref(), Some("lab.onmicrosoft.com"));
        assert_eq!(super::tenant_of("a service account"), None);
        assert_eq!(super::tenant_of("synchronize to tenant x'\"y.com"), None);
        assert_eq!(super::tenant_of("synchronize to tenant "), None);
    }

    #[test]
    fn gp_links() {
        let l = "[LDAP://cn={A},cn=policies,cn=system,DC=x;0][LDAP://cn={B},cn=policies,cn=system,DC=x;1][LDAP://CN={C},CN=Policies,CN=System,DC=x;2]";
        assert_eq!(
            super::linked(l),
            [
                "cn={A},cn=policies,cn=system,DC=x",
                "CN={C},CN=Policies,CN=System,DC=x"
            ]
        );
    }
}
