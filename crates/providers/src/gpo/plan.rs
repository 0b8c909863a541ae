//! Planning `gpo.security`: each managed GptTmpl.inf key compared with the file, the
//! GPO's two version numbers, and the security extension in the directory's list.

use std::sync::Arc;

use hybridctl_core::spec::{GpoSecurity, TemplateSection};
use hybridctl_core::{
    Address, ApplyData, Change, ChangeOp, Diagnostic, Diagnostics, Entry, ResourcePlan,
};
use serde::{Deserialize, Serialize};

use super::container::{self, Gpo};
use super::observed::{GpoTarget, Observed, TEMPLATE};
use super::sysvol::Sysvol;
use super::version;
use crate::ldap::DomainHead;
use hybridctl_core::password_settings::{self as policy, Setting};

pub const SYSTEM_ACCESS: &str = "System Access";

/// How apply finds each change's instruction in the plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum Payload {
    SetKey {
        section: String,
        key: String,
        value: String,
    },
    RepairVersion,
    AddExtension,
}

/// One managed key and its wanted value.
#[derive(Clone, Debug)]
struct Wanted {
    section: String,
    key: String,
    value: String,
    setting: Option<&'static Setting>,
}

fn wanted(spec: &GpoSecurity) -> Vec<Wanted> {
    let mut out: Vec<Wanted> = policy::wanted(
        spec.password_policy.as_ref(),
        spec.account_lockout_policy.as_ref(),
    )
    .into_iter()
    .map(|(s, v)| Wanted {
        section: SYSTEM_ACCESS.into(),
        key: s.inf_key.into(),
        value: s.to_inf(v),
        setting: Some(s),
    })
    .collect();
    for (section, keys) in &spec.template {
        if let TemplateSection::Keys(keys) = keys {
            for (key, value) in keys {
                out.push(Wanted {
                    section: section.clone(),
                    key: key.clone(),
                    value: value.to_string(),
                    setting: None,
                });
            }
        }
    }
    out
}

/// Plans one `gpo.security` resource against the GPO as it is now.
pub async fn plan(
    address: &Address,
    spec: &GpoSecurity,
    gpos: &[Gpo],
    sysvol: &Arc<dyn Sysvol>,
    head: &DomainHead,
) -> Result<ResourcePlan, Diagnostics> {
    let gpo = container::find(gpos, &spec.gpo).map_err(|d| d.at(address))?;
    let seen = Observed::read(sysvol, gpo).await?;
    let inf = seen.inf()?;
    // GPMC's cross-key rules hold for the result: the spec's values over the GPO's own.
    let live = policy::live_from_inf(|k| {
        inf.get(policy::SECTION, k)
            .ok()
            .flatten()
            .map(str::to_string)
    });
    let wanted_settings = policy::wanted(
        spec.password_policy.as_ref(),
        spec.account_lockout_policy.as_ref(),
    );
    policy::check_merged(address, &live, &wanted_settings).into_result(())?;
    let mut changes = Vec::new();
    let mut before = Vec::new();
    let mut after = Vec::new();
    for w in wanted(spec) {
        let current = inf
            .get(&w.section, &w.key)
            .map_err(|e| {
                Diagnostic::new(format!(
                    "{TEMPLATE} of GPO `{}`: {e}",
                    gpo.display_name
                ))
                .hint("fix the file with GPMC or a text editor; hybridctl edits only what it can read unambiguously")
            })?
            .map(str::to_string);
        // Next to each password setting, what the domain head (in effect on Samba) says now.
        let in_effect = w
            .setting
            .and_then(|s| Some((s, head.values.get(s.ad_attribute).copied()?)))
            .map(|(s, raw)| match s.from_ad(raw) {
                Some(v) => format!("  [domain head: {}]", s.show(v)),
                None => format!("  [domain head: raw {raw}]"),
            })
            .unwrap_or_default();
        let line = |v: &str| Entry {
            text: format!("{}{in_effect}", describe(&w, v)),
            code: Some(format!("[{}] {} = {v}", w.section, w.key)),
        };
        if let Some(c) = &current {
            before.push(line(c));
        }
        after.push(line(&w.value));
        let same = match (&current, w.setting) {
            (Some(c), Some(s)) => s.from_inf(c).is_some() && s.from_inf(c) == s.from_inf(&w.value),
            (Some(c), None) => c.trim() == w.value.trim(),
            (None, _) => false,
        };
        if !same {
            let text = match &current {
                Some(c) => format!("{}: {} -> {}", w.key, c, w.value),
                None => format!("{} = {} (new)", w.key, w.value),
            };
            changes.push(Change {
                op: if current.is_some() {
                    ChangeOp::Set
                } else {
                    ChangeOp::Add
                },
                entry: Entry {
                    text: format!("[{}] {text}", w.section),
                    code: Some(format!("{} = {}", w.key, w.value)),
                },
                payload: serde_json::to_value(Payload::SetKey {
                    section: w.section.clone(),
                    key: w.key.clone(),
                    value: w.value.clone(),
                })
                .expect("payload serializes"),
            });
        }
    }
    if !seen.in_sync() {
        before.push(Entry {
            text: format!(
                "GPO version out of sync: GPT.INI {}, directory {} (a run stopped half way)",
                seen.gpt_version, gpo.version
            ),
            code: None,
        });
        after.push(Entry {
            text: "GPO version: moved past both, in sync".into(),
            code: None,
        });
        changes.push(Change {
            op: ChangeOp::Set,
            entry: Entry {
                text: format!(
                    "GPO version out of sync: GPT.INI says {}, the directory says {} (a run stopped half way); both will move past it",
                    seen.gpt_version, gpo.version
                ),
                code: None,
            },
            payload: serde_json::to_value(Payload::RepairVersion).expect("payload serializes"),
        });
    }
    if !version::has_extension(
        &gpo.extensions,
        version::SECURITY_CSE,
        version::SECURITY_TOOL,
    ) {
        let entry = Entry {
            text: "Security client-side extension in gPCMachineExtensionNames".into(),
            code: Some(format!(
                "[{}{}]",
                version::SECURITY_CSE,
                version::SECURITY_TOOL
            )),
        };
        after.push(entry.clone());
        changes.push(Change {
            op: ChangeOp::Add,
            entry,
            payload: serde_json::to_value(Payload::AddExtension).expect("payload serializes"),
        });
    }
    Ok(ResourcePlan::new(
        address.clone(),
        format!("GPO {} {}", gpo.display_name, gpo.guid),
        seen.fingerprint(),
        before,
        after,
        changes,
    )
    .with_notes(effective_notes(spec, gpo, head))
    .with_apply_data(ApplyData::new(&GpoTarget {
        dn: gpo.dn.clone(),
        guid: gpo.guid.clone(),
        display_name: gpo.display_name.clone(),
    })))
}

fn describe(w: &Wanted, value: &str) -> String {
    match w.setting.and_then(|s| Some((s, s.from_inf(value)?))) {
        Some((s, v)) => format!("{}: {}", s.label, s.show(v)),
        None => format!("[{}] {} = {value}", w.section, w.key),
    }
}

/// What the domain head says for each managed password setting, where it differs.
fn effective_notes(spec: &GpoSecurity, gpo: &Gpo, head: &DomainHead) -> Vec<String> {
    let settings = policy::wanted(
        spec.password_policy.as_ref(),
        spec.account_lockout_policy.as_ref(),
    );
    if settings.is_empty() {
        return vec![];
    }
    if !head.gp_link.to_lowercase().contains(&gpo.dn.to_lowercase()) {
        return vec![
            "this GPO is not linked at the domain root, so its password and lockout policy does not apply to domain accounts".to_string(),
        ];
    }
    settings
        .into_iter()
        .filter_map(|(s, v)| {
            let raw = head.values.get(s.ad_attribute).copied()?;
            let now = s.from_ad(raw);
            (now != Some(v)).then(|| {
                let now = now.map(|n| s.show(n)).unwrap_or_else(|| format!("raw value {raw}"));
                format!(
                    "{}: {} in the GPO, {now} on the domain head: set in the GPO, not yet in effect (Windows PDCs copy it; on Samba use ad.password_policy)",
                    s.label,
                    s.show(v)
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use hybridctl_core::spec::{Resource, Spec, TemplateValue};
    use proptest::prelude::*;

    use super::*;
    use crate::gpo::inf::Inf;

    fn spec_with(section: &str, key: &str, value: TemplateValue) -> (Spec, GpoSecurity) {
        let g = GpoSecurity {
            connection: None,
            name: "g".into(),
            gpo: "Default Domain Policy".into(),
            password_policy: None,
            account_lockout_policy: None,
            template: BTreeMap::from([(
                section.to_string(),
                TemplateSection::Keys(BTreeMap::from([(key.to_string(), value)])),
            )]),
        };
        let spec = Spec {
            version: 1,
            connections: Default::default(),
            resources: vec![Resource::GpoSecurity(g.clone())],
        };
        (spec, g)
    }

    /// Text with the characters that break INF files: separators, quotes, comments, line
    /// breaks, spaces at the edges, and some beyond ASCII.
    fn tricky() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[ a-zA-Z0-9=;\\[\\]\"\\\\\\r\\n\\t,*é-]{0,12}").unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 1500,
            max_global_rejects: 200_000,
            ..ProptestConfig::default()
        })]
        /// Whatever `validate` accepts converges in one apply: the writer takes it, the
        /// reader gives it back as planned, and applying it again changes no byte.
        #[test]
        fn any_template_entry_validate_accepts_converges_in_one_apply(
            section in prop_oneof![Just("System Access".to_string()), Just("Registry Values".to_string()), tricky()],
            key in prop_oneof![Just("LSAAnonymousNameLookup".to_string()), tricky()],
            value in prop_oneof![
                any::<i64>().prop_map(TemplateValue::Number),
                any::<bool>().prop_map(TemplateValue::Bool),
                tricky().prop_map(TemplateValue::Text),
            ],
            base in prop_oneof![
                Just(Inf::new().encode()),
                Just(b"[Unicode]\r\nUnicode=yes\r\n[System Access]\r\nMinimumPasswordAge = 1 ; days\r\n".to_vec()),
            ],
        ) {
            let (spec, g) = spec_with(&section, &key, value);
            prop_assume!(hybridctl_core::validate::validate(&spec).is_empty());
            let mut inf = Inf::decode(&base).unwrap();
            for w in wanted(&g) {
                inf.set(&w.section, &w.key, &w.value)
                    .unwrap_or_else(|e| panic!("validate accepted what the writer refuses: {e}"));
            }
            let written = inf.encode();
            let mut again = Inf::decode(&written).unwrap();
            for w in wanted(&g) {
                let now = again.get(&w.section, &w.key).unwrap().map(str::to_string);
                prop_assert_eq!(now.as_deref().map(str::trim), Some(w.value.trim()));
                again.set(&w.section, &w.key, &w.value).unwrap();
            }
            prop_assert_eq!(again.encode(), written);
        }
    }
}
