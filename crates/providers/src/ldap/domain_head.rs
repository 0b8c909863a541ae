//! The domain head (the domain's root object): its password and lockout policy
//! attributes, which are what is in effect on Samba, and the GPOs linked at it.

use std::collections::HashMap;

use hybridctl_core::digest;
use ldap3::Scope;

use super::connection::{first, Connection, OpError};
use hybridctl_core::password_settings as policy;

pub struct DomainHead {
    /// The policy attributes by name, e.g. `minPwdAge`, as the DC stores them.
    pub values: HashMap<String, i64>,
    pub gp_link: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DomainHeadError {
    #[error("cannot read the domain head's password policy: {0}")]
    Read(#[from] OpError),
    #[error("the domain head {0} was not found")]
    Missing(String),
}

impl DomainHead {
    pub async fn read(
        conn: &mut Connection,
        domain_dn: &str,
    ) -> Result<DomainHead, DomainHeadError> {
        let mut attrs: Vec<&str> = policy::ALL.iter().map(|s| s.ad_attribute).collect();
        attrs.push("gPLink");
        let entries = conn
            .search(domain_dn, Scope::Base, "(objectClass=*)", &attrs)
            .await?;
        let e = entries
            .first()
            .ok_or_else(|| DomainHeadError::Missing(domain_dn.to_string()))?;
        let values = policy::ALL
            .iter()
            .filter_map(|s| {
                Some((
                    s.ad_attribute.to_string(),
                    first(e, s.ad_attribute)?.parse().ok()?,
                ))
            })
            .collect();
        Ok(DomainHead {
            values,
            gp_link: first(e, "gPLink").unwrap_or_default(),
        })
    }

    /// The fingerprint of the policy values: what `ad.password_policy` plans against.
    pub fn fingerprint(&self) -> String {
        let mut values: Vec<_> = self.values.iter().collect();
        values.sort();
        digest::of_json(&values)
    }
}
