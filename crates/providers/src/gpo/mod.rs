//! The `gpo.security` resource: security settings in a GPO's GptTmpl.inf.
//!
//! Writes happen in an order a re-run can repair: GPT.INI's version first, then the
//! template, then the directory's `versionNumber` and extension list. A run that stops
//! half way leaves the two versions different; the next plan sees that and bumps both.

pub mod inf;
pub mod sysvol;
pub mod version;

use std::collections::HashMap;

use hybridctl_core::spec::{GpoSecurity, TemplateSection};
use hybridctl_core::{
    digest, suggest, Address, Change, ChangeOp, Diagnostic, Diagnostics, Entry, ResourcePlan,
};
use ldap3::Scope;
use serde::{Deserialize, Serialize};

use crate::ad::connection::{first, Connection};
use hybridctl_core::password_settings::{self as policy, Setting};
use inf::Inf;
use sysvol::Sysvol;

const TEMPLATE: &str = "MACHINE/Microsoft/Windows NT/SecEdit/GptTmpl.inf";
const SYSTEM_ACCESS: &str = "System Access";

/// A group policy container, as the directory describes it.
#[derive(Clone, Debug)]
pub struct Gpo {
    pub dn: String,
    pub guid: String,
    pub display_name: String,
    /// The GPO's folder relative to the SYSVOL share: `lab.example.test/Policies/{GUID}`.
    pub folder: String,
    pub version: u32,
    pub extensions: String,
}

/// All GPOs of the domain, in one search.
pub async fn list(conn: &mut Connection, domain_dn: &str) -> Result<Vec<Gpo>, Diagnostic> {
    let base = format!("CN=Policies,CN=System,{domain_dn}");
    let entries = conn
        .search(
            &base,
            Scope::OneLevel,
            "(objectClass=groupPolicyContainer)",
            &[
                "cn",
                "displayName",
                "gPCFileSysPath",
                "versionNumber",
                "gPCMachineExtensionNames",
            ],
        )
        .await
        .map_err(|e| Diagnostic::new(format!("cannot list the domain's GPOs: {e}")))?;
    Ok(entries
        .iter()
        .filter_map(|e| {
            let path = first(e, "gPCFileSysPath")?;
            Some(Gpo {
                dn: e.dn.clone(),
                guid: first(e, "cn")?,
                display_name: first(e, "displayName").unwrap_or_default(),
                folder: share_relative(&path),
                version: first(e, "versionNumber")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
                extensions: first(e, "gPCMachineExtensionNames").unwrap_or_default(),
            })
        })
        .collect())
}

/// `\\server\share\a\b` -> `a/b`.
fn share_relative(unc: &str) -> String {
    unc.trim_start_matches('\\')
        .split('\\')
        .skip(2)
        .collect::<Vec<_>>()
        .join("/")
}

/// Finds the GPO a spec names, by display name or {GUID}.
pub fn find<'a>(gpos: &'a [Gpo], name: &str) -> Result<&'a Gpo, Diagnostic> {
    let wanted = name.trim();
    let braced = if wanted.starts_with('{') {
        wanted.to_string()
    } else {
        format!("{{{wanted}}}")
    };
    if let Some(g) = gpos.iter().find(|g| {
        g.guid.eq_ignore_ascii_case(&braced) || g.display_name.eq_ignore_ascii_case(wanted)
    }) {
        return Ok(g);
    }
    let mut d = Diagnostic::new(format!("no GPO named `{wanted}` in the domain"));
    d = match suggest::closest(wanted, gpos.iter().map(|g| g.display_name.as_str())) {
        Some(s) => d.hint(format!("did you mean `{s}`?")),
        None => {
            let names: Vec<&str> = gpos.iter().map(|g| g.display_name.as_str()).collect();
            d.hint(format!("the domain's GPOs are: {}", names.join(", ")))
        }
    };
    Err(d)
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

/// What a GPO looks like now: its files and its directory attributes.
struct Observed {
    template: Option<Vec<u8>>,
    gpt_ini: Option<Vec<u8>>,
    gpt_version: u32,
    gpo: Gpo,
}

impl Observed {
    fn read(sysvol: &dyn Sysvol, gpo: &Gpo) -> Result<Observed, Diagnostic> {
        let fail = |e: String| {
            Diagnostic::new(format!(
                "cannot read GPO `{}` in SYSVOL ({}): {e}",
                gpo.display_name,
                sysvol.describe()
            ))
            .hint("check the sysvol setting and that hybridctl's account may read the GPO's folder")
        };
        let template = sysvol
            .read(&format!("{}/{TEMPLATE}", gpo.folder))
            .map_err(fail)?;
        let gpt_ini = sysvol
            .read(&format!("{}/GPT.INI", gpo.folder))
            .map_err(fail)?;
        let gpt_version = gpt_ini
            .as_deref()
            .and_then(|b| Inf::decode(b).ok())
            .and_then(|i| i.get("General", "Version").and_then(|v| v.parse().ok()))
            .unwrap_or(0);
        Ok(Observed {
            template,
            gpt_ini,
            gpt_version,
            gpo: gpo.clone(),
        })
    }

    fn inf(&self) -> Result<Inf, Diagnostic> {
        match &self.template {
            Some(b) => Inf::decode(b).map_err(|e| {
                Diagnostic::new(format!("{TEMPLATE} of `{}`: {e}", self.gpo.display_name))
            }),
            None => Ok(Inf::new()),
        }
    }

    fn fingerprint(&self) -> String {
        digest::of_json(&(
            self.template.as_deref().map(digest::of_bytes),
            self.gpt_ini.as_deref().map(digest::of_bytes),
            self.gpo.version,
            &self.gpo.extensions,
        ))
    }

    fn in_sync(&self) -> bool {
        self.gpt_version == self.gpo.version
    }
}

/// How apply finds each change's instruction in the plan.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
enum Payload {
    SetKey {
        section: String,
        key: String,
        value: String,
    },
    RepairVersion,
    AddExtension,
}

/// The domain head's policy attributes and links: what is in effect on Samba.
pub struct DomainHead {
    pub values: HashMap<String, i64>,
    pub gp_link: String,
}

pub async fn read_domain_head(
    conn: &mut Connection,
    domain_dn: &str,
) -> Result<DomainHead, Diagnostic> {
    let mut attrs: Vec<&str> = policy::ALL.iter().map(|s| s.ad_attribute).collect();
    attrs.push("gPLink");
    let entries = conn
        .search(domain_dn, Scope::Base, "(objectClass=*)", &attrs)
        .await
        .map_err(|e| {
            Diagnostic::new(format!(
                "cannot read the domain head's password policy: {e}"
            ))
        })?;
    let e = entries
        .first()
        .ok_or_else(|| Diagnostic::new(format!("the domain head {domain_dn} was not found")))?;
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

/// Plans each `gpo.security` resource.
pub fn plan(
    resources: &[(Address, &GpoSecurity)],
    gpos: &[Gpo],
    sysvol: &dyn Sysvol,
    head: &DomainHead,
) -> Result<Vec<ResourcePlan>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut plans = Vec::new();
    for (address, spec) in resources {
        match plan_one(address, spec, gpos, sysvol, head) {
            Ok(p) => plans.push(p),
            Err(d) => diags.push(d.at(address)),
        }
    }
    diags.into_result(plans)
}

fn plan_one(
    address: &Address,
    spec: &GpoSecurity,
    gpos: &[Gpo],
    sysvol: &dyn Sysvol,
    head: &DomainHead,
) -> Result<ResourcePlan, Diagnostic> {
    let gpo = find(gpos, &spec.gpo)?;
    let seen = Observed::read(sysvol, gpo)?;
    let inf = seen.inf()?;
    let mut changes = Vec::new();
    let mut before = Vec::new();
    let mut after = Vec::new();
    for w in wanted(spec) {
        let current = inf.get(&w.section, &w.key).map(str::to_string);
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
        after.push(Entry {
            text: "Security client-side extension listed in gPCMachineExtensionNames".into(),
            code: Some(format!(
                "[{}{}]",
                version::SECURITY_CSE,
                version::SECURITY_TOOL
            )),
        });
        changes.push(Change {
            op: ChangeOp::Add,
            entry: Entry {
                text: "Security client-side extension in gPCMachineExtensionNames".into(),
                code: Some(format!(
                    "[{}{}]",
                    version::SECURITY_CSE,
                    version::SECURITY_TOOL
                )),
            },
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
    .with_notes(effective_notes(spec, gpo, head)))
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
        return vec![format!(
            "this GPO is not linked at the domain root, so its password and lockout policy does not apply to domain accounts"
        )];
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

/// Where apply may be told to stop on purpose, to test that a re-run repairs.
pub const FAULT_AFTER_TEMPLATE: &str = "gpo-after-template";

/// Applies one planned `gpo.security` change.
pub async fn apply(
    planned: &ResourcePlan,
    conn: &mut Connection,
    gpos: &[Gpo],
    sysvol: &dyn Sysvol,
    fault: Option<&str>,
) -> Result<(), Diagnostic> {
    let guid = planned.target.rsplit(' ').next().unwrap_or_default();
    let gpo = find(gpos, guid)?;
    let seen = Observed::read(sysvol, gpo)?;
    if seen.fingerprint() != planned.observed {
        return Err(Diagnostic::new(format!(
            "saved plan is stale: GPO `{}` changed since the plan was made; nothing was written to it",
            gpo.display_name
        ))
        .hint("run `hybridctl plan` again and review the new plan"));
    }
    let mut inf = seen.inf()?;
    let mut template_changed = false;
    for c in &planned.changes {
        let payload: Payload = serde_json::from_value(c.payload.clone()).map_err(|e| {
            Diagnostic::new(format!(
                "the plan holds a change hybridctl cannot read: {e}"
            ))
        })?;
        if let Payload::SetKey {
            section,
            key,
            value,
        } = payload
        {
            inf.set(&section, &key, &value);
            template_changed = true;
        }
    }
    let new_version = version::bump_machine(seen.gpt_version.max(gpo.version));
    let write_err =
        |e: String| Diagnostic::new(e).hint("re-run apply: it repairs a GPO left half written");

    // 1. GPT.INI's version: from here on the two versions differ until step 3.
    let mut gpt = seen
        .gpt_ini
        .as_deref()
        .and_then(|b| Inf::decode(b).ok())
        .unwrap_or_else(gpt_ini_new);
    gpt.set("General", "Version", &new_version.to_string());
    sysvol
        .write(&format!("{}/GPT.INI", gpo.folder), &gpt.encode())
        .map_err(write_err)?;
    // 2. The template, creating its folders in a domain that never had one.
    if template_changed {
        let folder = format!(
            "{}/{}",
            gpo.folder,
            TEMPLATE.rsplit_once('/').expect("has a folder").0
        );
        sysvol.create_dirs(&folder).map_err(write_err)?;
        sysvol
            .write(&format!("{}/{TEMPLATE}", gpo.folder), &inf.encode())
            .map_err(write_err)?;
    }
    if fault == Some(FAULT_AFTER_TEMPLATE) {
        return Err(Diagnostic::new(
            "stopped after writing the template (HYBRIDCTL_TEST_FAULT)",
        ));
    }
    // 3. The directory: version and extension list together, in one modify.
    let extensions = version::ensure_extension(
        &gpo.extensions,
        version::SECURITY_CSE,
        version::SECURITY_TOOL,
    );
    conn.replace(
        &gpo.dn,
        &[
            ("versionNumber", new_version.to_string()),
            ("gPCMachineExtensionNames", extensions),
        ],
    )
    .await
    .map_err(|e| write_err(e.to_string()))?;
    tracing::info!(gpo = %gpo.display_name, version = new_version, "GPO written");
    Ok(())
}

fn gpt_ini_new() -> Inf {
    Inf::decode(b"[General]\r\nVersion=0\r\n").expect("valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unc_paths_become_share_relative() {
        assert_eq!(
            share_relative("\\\\lab.example.test\\sysvol\\lab.example.test\\Policies\\{31B2F340-016D-11D2-945F-00C04FB984F9}"),
            "lab.example.test/Policies/{31B2F340-016D-11D2-945F-00C04FB984F9}"
        );
    }

    #[test]
    fn gpos_by_name_or_guid_and_suggestions() {
        let g = |name: &str, guid: &str| Gpo {
            dn: String::new(),
            guid: guid.into(),
            display_name: name.into(),
            folder: String::new(),
            version: 0,
            extensions: String::new(),
        };
        let gpos = [
            g(
                "Default Domain Policy",
                "{31B2F340-016D-11D2-945F-00C04FB984F9}",
            ),
            g(
                "Default Domain Controllers Policy",
                "{6AC1786C-016F-11D2-945F-00C04FB984F9}",
            ),
        ];
        assert_eq!(
            find(&gpos, "default domain policy").unwrap().guid,
            "{31B2F340-016D-11D2-945F-00C04FB984F9}"
        );
        assert_eq!(
            find(&gpos, "31b2f340-016d-11d2-945f-00c04fb984f9")
                .unwrap()
                .display_name,
            "Default Domain Policy"
        );
        let e = find(&gpos, "Default Domain Polcy").unwrap_err();
        assert_eq!(
            e.hint.as_deref(),
            Some("did you mean `Default Domain Policy`?")
        );
    }
}
