//! The `ad.password_policy` resource: password and lockout policy attributes on the
//! domain head, what `samba-tool domain passwordsettings set` changes. On Windows DCs
//! the PDC overwrites these from the GPO linked at the domain root; manage that GPO
//! with `gpo.security` there.

use hybridctl_core::spec::AdPasswordPolicy;
use hybridctl_core::{Address, Change, ChangeOp, Diagnostic, Entry, ResourcePlan};
use serde::{Deserialize, Serialize};

use crate::ldap::{Connection, DomainHead};
use crate::policy::{self, Value, PWD_PROPERTIES};

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    inf_key: String,
    /// The value in GptTmpl.inf's terms (-1 for never), which the table converts exactly.
    value: String,
}

pub fn plan(
    address: &Address,
    spec: &AdPasswordPolicy,
    domain_dn: &str,
    head: &DomainHead,
) -> ResourcePlan {
    let mut changes = Vec::new();
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for (s, want) in policy::wanted(
        spec.password_policy.as_ref(),
        spec.account_lockout_policy.as_ref(),
    ) {
        let raw = head.values.get(s.ad_attribute).copied();
        let now = raw.and_then(|r| s.from_ad(r));
        let shown = |v: Option<Value>| v.map(|v| s.show(v)).unwrap_or_else(|| format!("{raw:?}"));
        before.push(Entry {
            text: format!("{}: {}", s.label, shown(now)),
            code: Some(format!("{} = {}", s.ad_attribute, raw.unwrap_or(0))),
        });
        let new_raw = s.to_ad(want, head.values.get(PWD_PROPERTIES).copied().unwrap_or(0));
        after.push(Entry {
            text: format!("{}: {}", s.label, s.show(want)),
            code: Some(format!("{} = {new_raw}", s.ad_attribute)),
        });
        if now != Some(want) {
            changes.push(Change {
                op: ChangeOp::Set,
                entry: Entry {
                    text: format!("{}: {} -> {}", s.label, shown(now), s.show(want)),
                    code: Some(format!(
                        "{}: {} -> {new_raw}",
                        s.ad_attribute,
                        raw.map(|r| r.to_string()).unwrap_or_default()
                    )),
                },
                payload: serde_json::to_value(Payload {
                    inf_key: s.inf_key.into(),
                    value: s.to_inf(want),
                })
                .expect("serializes"),
            });
        }
    }
    ResourcePlan::new(
        address.clone(),
        domain_dn.to_string(),
        head.fingerprint(),
        before,
        after,
        changes,
    )
}

pub async fn apply(
    planned: &ResourcePlan,
    conn: &mut Connection,
    domain_dn: &str,
) -> Result<(), Diagnostic> {
    let head = DomainHead::read(conn, domain_dn)
        .await
        .map_err(|e| Diagnostic::new(e.to_string()))?;
    if head.fingerprint() != planned.observed {
        return Err(Diagnostic::new("saved plan is stale: the domain's password policy changed since the plan was made; nothing was written")
            .hint("run `hybridctl plan` again and review the new plan"));
    }
    let mut pwd_properties = head.values.get(PWD_PROPERTIES).copied().unwrap_or(0);
    let mut values: Vec<(&str, String)> = Vec::new();
    for c in &planned.changes {
        let p: Payload = serde_json::from_value(c.payload.clone()).map_err(|e| {
            Diagnostic::new(format!(
                "the plan holds a change hybridctl cannot read: {e}"
            ))
        })?;
        let s = policy::ALL
            .iter()
            .find(|s| s.inf_key == p.inf_key)
            .ok_or_else(|| {
                Diagnostic::new(format!("the plan names an unknown setting {}", p.inf_key))
            })?;
        let v = s
            .from_inf(&p.value)
            .ok_or_else(|| Diagnostic::new(format!("the plan holds a bad value {}", p.value)))?;
        if s.ad_attribute == PWD_PROPERTIES {
            pwd_properties = s.to_ad(v, pwd_properties);
        } else {
            values.push((s.ad_attribute, s.to_ad(v, 0).to_string()));
        }
    }
    if head.values.get(PWD_PROPERTIES).copied().unwrap_or(0) != pwd_properties {
        values.push((PWD_PROPERTIES, pwd_properties.to_string()));
    }
    conn.replace(domain_dn, &values).await.map_err(|e| {
        Diagnostic::new(e.to_string())
            .hint("hybridctl's account needs Write on the domain head's password policy attributes")
    })
}
