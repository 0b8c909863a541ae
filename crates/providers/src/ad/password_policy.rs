//! The `ad.password_policy` resource: password and lockout policy attributes on the
//! domain head, what `samba-tool domain passwordsettings set` changes. On Windows DCs
//! the PDC overwrites these from the GPO linked at the domain root; manage that GPO
//! with `gpo.security` there.

use hybridctl_core::password_settings::{self as policy, Unit, Value, PWD_PROPERTIES};
use hybridctl_core::spec::AdPasswordPolicy;
use hybridctl_core::{Address, Change, ChangeOp, Diagnostic, Diagnostics, Entry, ResourcePlan};
use serde::{Deserialize, Serialize};

use crate::ldap::{Connection, DomainHead};

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
    let wanted = policy::wanted(
        spec.password_policy.as_ref(),
        spec.account_lockout_policy.as_ref(),
    );
    // The flags share one attribute: every row shows the one value apply writes.
    let new_pwd_properties = policy::pwd_properties(
        head.values.get(PWD_PROPERTIES).copied().unwrap_or(0),
        &wanted,
    );
    for (s, want) in wanted {
        let raw = head.values.get(s.ad_attribute).copied();
        let now = raw.and_then(|r| s.from_ad(r));
        let shown = |v: Option<Value>| v.map(|v| s.show(v)).unwrap_or_else(|| format!("{raw:?}"));
        before.push(Entry {
            text: format!("{}: {}", s.label, shown(now)),
            code: Some(format!("{} = {}", s.ad_attribute, raw.unwrap_or(0))),
        });
        let new_raw = match s.unit {
            Unit::Flag(_) => new_pwd_properties,
            _ => s.to_ad(want),
        };
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

/// GPMC's cross-setting rules on the domain head's policy as it will be after apply
/// (the spec's values over the live ones). Call at plan time; empty when consistent.
pub fn conflicts(address: &Address, spec: &AdPasswordPolicy, head: &DomainHead) -> Diagnostics {
    policy::check_merged(
        address,
        &policy::live_from_ad(|a| head.values.get(a).copied()),
        &policy::wanted(
            spec.password_policy.as_ref(),
            spec.account_lockout_policy.as_ref(),
        ),
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
    let old_pwd_properties = head.values.get(PWD_PROPERTIES).copied().unwrap_or(0);
    let mut flags = Vec::new();
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
        match s.unit {
            Unit::Flag(_) => flags.push((*s, v)),
            _ => values.push((s.ad_attribute, s.to_ad(v).to_string())),
        }
    }
    let pwd_properties = policy::pwd_properties(old_pwd_properties, &flags);
    if old_pwd_properties != pwd_properties {
        values.push((PWD_PROPERTIES, pwd_properties.to_string()));
    }
    conn.replace(domain_dn, &values).await.map_err(|e| {
        Diagnostic::new(e.to_string())
            .hint("hybridctl's account needs Write on the domain head's password policy attributes")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hybridctl_core::spec::PasswordPolicy;

    #[test]
    fn both_flags_show_the_one_pwd_properties_value_written() {
        // Reversible on (0x10) and an unmanaged bit (0x4); the spec turns complexity on
        // and reversible off: apply writes 0x5, and both rows must say so.
        let head = DomainHead {
            values: [(PWD_PROPERTIES.to_string(), 0x14)].into(),
            gp_link: String::new(),
        };
        let spec = AdPasswordPolicy {
            connection: None,
            name: "p".into(),
            password_policy: Some(PasswordPolicy {
                password_must_meet_complexity_requirements: Some(true),
                store_passwords_using_reversible_encryption: Some(false),
                ..Default::default()
            }),
            account_lockout_policy: None,
        };
        let a: Address = "ad.password_policy.p".parse().unwrap();
        let p = plan(&a, &spec, "DC=x", &head);
        let codes: Vec<_> = p
            .changes
            .iter()
            .map(|c| c.entry.code.clone().unwrap())
            .collect();
        assert_eq!(codes, ["pwdProperties: 20 -> 5", "pwdProperties: 20 -> 5"]);
        let after: Vec<_> = p.after.iter().map(|e| e.code.clone().unwrap()).collect();
        assert_eq!(after, ["pwdProperties = 5", "pwdProperties = 5"]);
    }

    #[test]
    fn maximum_age_below_the_domain_heads_minimum_is_a_conflict() {
        // The domain head holds minimum 998 days; the spec sets only maximum 10.
        let head = DomainHead {
            values: [("minPwdAge".to_string(), -998 * 864_000_000_000)].into(),
            gp_link: String::new(),
        };
        let spec = AdPasswordPolicy {
            connection: None,
            name: "p".into(),
            password_policy: Some(PasswordPolicy {
                maximum_password_age: Some(hybridctl_core::spec::Interval::Count(10)),
                ..Default::default()
            }),
            account_lockout_policy: None,
        };
        let a: Address = "ad.password_policy.p".parse().unwrap();
        let d = conflicts(&a, &spec, &head);
        assert_eq!(d.0.len(), 1, "{d}");
        assert!(
            d.0[0]
                .message
                .contains("(998 days, set now, not in the spec)"),
            "{d}"
        );
    }
}
