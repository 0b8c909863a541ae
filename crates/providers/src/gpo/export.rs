//! `hybridctl export --gpo`: every GptTmpl.inf key a GPO sets, as a `gpo.security`
//! resource: the password and lockout keys in GPMC's names and units, the rest under
//! `template`, written so that planning it changes nothing.

use std::collections::BTreeMap;

use hybridctl_core::password_settings::{self as policy, Setting, Value};
use hybridctl_core::spec::{
    AccountLockoutPolicy, GpoSecurity, Interval, Never, PasswordPolicy, Resource, TemplateSection,
    TemplateValue,
};
use hybridctl_core::{Address, Diagnostic, Diagnostics, Kind};

use super::container::{self, Gpo};
use super::observed::Observed;
use super::GpoProvider;
use crate::export::{make_unique, slug, Exported};

/// Sections that frame the file (`[Unicode]`, `[Version]`): written by hybridctl itself,
/// never settings.
const FRAMING: &[&str] = &["Unicode", "Version"];

impl GpoProvider {
    /// The GPOs named (display name or {GUID}) and those linked at the domain root when
    /// `linked_at_root`, each once, in that order; and warnings for GPOs that set nothing
    /// (a `gpo.security` resource must manage something, so none is written for them).
    pub async fn export(
        &mut self,
        names: &[String],
        linked_at_root: bool,
    ) -> Result<(Vec<Exported>, Vec<String>), Diagnostics> {
        let s = self.session().await?;
        let gpos = container::list(&mut s.conn, &s.domain_dn)
            .await
            .map_err(|e| Diagnostic::new(format!("cannot list the domain's GPOs: {e}")))?;
        let mut chosen: Vec<Gpo> = Vec::new();
        let mut diags = Diagnostics::default();
        for name in names {
            match pick(&gpos, name) {
                Ok(g) => chosen.push(g.clone()),
                Err(d) => diags.push(d),
            }
        }
        diags.into_result(())?;
        if linked_at_root {
            let head = crate::ldap::DomainHead::read(&mut s.conn, &s.domain_dn)
                .await
                .map_err(|e| Diagnostic::new(e.to_string()))?;
            for dn in crate::discover::linked(&head.gp_link) {
                let norm = crate::ad::acl::normalize_dn(&dn);
                if let Some(g) = gpos
                    .iter()
                    .find(|g| crate::ad::acl::normalize_dn(&g.dn) == norm)
                {
                    chosen.push(g.clone());
                }
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        chosen.retain(|g| seen.insert(g.guid.to_uppercase()));

        let mut out = Vec::new();
        let mut resource_names = Vec::new();
        let mut warnings = Vec::new();
        for g in &chosen {
            let seen = Observed::read(&s.sysvol, g).await?;
            let inf = seen.inf()?;
            let unique_name = gpos
                .iter()
                .filter(|o| o.display_name.eq_ignore_ascii_case(&g.display_name))
                .count()
                == 1;
            let gpo = if unique_name && !g.display_name.is_empty() {
                g.display_name.clone()
            } else {
                g.guid.clone()
            };
            let (mut spec, mut notes) = from_entries(&inf.entries());
            spec.gpo = gpo;
            if spec.password_policy.is_none()
                && spec.account_lockout_policy.is_none()
                && spec.template.is_empty()
            {
                warnings.push(format!(
                    "GPO `{}` {} sets no security setting (no GptTmpl.inf, or no key in it): nothing exported for it",
                    g.display_name, g.guid
                ));
                continue;
            }
            // What plan repairs on its own, and so shows as a change: say why here.
            if !super::version::has_extension(
                &g.extensions,
                super::version::SECURITY_CSE,
                super::version::SECURITY_TOOL,
            ) {
                notes.push("gPCMachineExtensionNames does not list the Security client-side extension, so clients ignore this template; plan adds it".into());
            }
            if !seen.in_sync() {
                notes.push(format!(
                    "GPT.INI says version {} and the directory {}: plan shows the repair",
                    seen.gpt_version, g.version
                ));
            }
            resource_names.push(slug(&g.display_name, "gpo"));
            out.push((spec, notes));
        }
        make_unique(&mut resource_names);
        let exported = out
            .into_iter()
            .zip(resource_names)
            .map(|((mut spec, notes), name)| {
                spec.name = name;
                Exported {
                    resource: Resource::GpoSecurity(spec),
                    notes,
                }
            })
            .collect();
        Ok((exported, warnings))
    }
}

/// The GPO a name means: its display name (exactly one) or its {GUID}.
fn pick<'a>(gpos: &'a [Gpo], name: &str) -> Result<&'a Gpo, Diagnostic> {
    let wanted = name.trim();
    let same: Vec<&Gpo> = gpos
        .iter()
        .filter(|g| g.display_name.eq_ignore_ascii_case(wanted))
        .collect();
    if same.len() > 1 {
        let mut guids: Vec<&str> = same.iter().map(|g| g.guid.as_str()).collect();
        guids.sort();
        return Err(Diagnostic::new(format!(
            "--gpo {wanted}: {} GPOs have this name ({})",
            same.len(),
            guids.join(", ")
        ))
        .hint("name the one you mean by its {GUID}"));
    }
    container::find(gpos, wanted).map_err(|d| {
        let mut out = Diagnostic::new(format!("--gpo {wanted}: {}", d.message));
        if let Some(h) = d.hint {
            out = out.hint(h);
        }
        out
    })
}

/// The spec for a template's `(section, key, value)` lines, and notes for lines that
/// cannot be written back as they are.
pub fn from_entries(entries: &[(String, String, String)]) -> (GpoSecurity, Vec<String>) {
    let mut password = PasswordPolicy::default();
    let mut lockout = AccountLockoutPolicy::default();
    let mut template: BTreeMap<String, BTreeMap<String, TemplateValue>> = BTreeMap::new();
    let mut notes = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let address = Address::new(Kind::GpoSecurity, "export");
    for (section, key, value) in entries {
        if FRAMING.iter().any(|f| f.eq_ignore_ascii_case(section))
            || !seen.insert((section.to_lowercase(), key.to_lowercase()))
        {
            continue;
        }
        if let Some(setting) = policy::by_inf_key(section, key) {
            let v = setting.from_inf(value);
            let in_range =
                v.is_some_and(|v| policy::check_ranges(&address, &[(setting, v)]).0.is_empty());
            match v {
                Some(v) if in_range => set(setting, v, &mut password, &mut lockout),
                _ => notes.push(format!(
                    "not exported: [{section}] {key} = {value} is not a value GPMC accepts for {}",
                    setting.label
                )),
            }
            continue;
        }
        let section_name = template
            .keys()
            .find(|s| s.eq_ignore_ascii_case(section))
            .cloned()
            .unwrap_or_else(|| section.clone());
        template
            .entry(section_name)
            .or_default()
            .insert(key.clone(), template_value(value));
    }
    let spec = GpoSecurity {
        connection: None,
        name: String::new(),
        gpo: String::new(),
        password_policy: (password != PasswordPolicy::default()).then_some(password),
        account_lockout_policy: (lockout != AccountLockoutPolicy::default()).then_some(lockout),
        template: template
            .into_iter()
            .map(|(s, keys)| (s, TemplateSection::Keys(keys)))
            .collect(),
    };
    (spec, notes)
}

/// A number when it reads back as exactly the same text, else the text as it is.
fn template_value(value: &str) -> TemplateValue {
    match value.parse::<i64>() {
        Ok(n) if n.to_string() == value => TemplateValue::Number(n),
        _ => TemplateValue::Text(value.to_string()),
    }
}

fn interval(v: Value) -> Option<Interval> {
    match v {
        Value::Count(n) => Some(Interval::Count(n)),
        Value::Never => Some(Interval::Never(Never::Never)),
        Value::Flag(_) => None,
    }
}

fn count(v: Value) -> Option<u32> {
    match v {
        Value::Count(n) => Some(n),
        _ => None,
    }
}

fn flag(v: Value) -> Option<bool> {
    match v {
        Value::Flag(b) => Some(b),
        _ => None,
    }
}

/// Puts one setting's value in the spec field the table names.
pub fn set(s: &Setting, v: Value, p: &mut PasswordPolicy, l: &mut AccountLockoutPolicy) {
    match s.spec_key {
        "password_policy.minimum_password_age" => p.minimum_password_age = count(v),
        "password_policy.maximum_password_age" => p.maximum_password_age = interval(v),
        "password_policy.minimum_password_length" => p.minimum_password_length = count(v),
        "password_policy.enforce_password_history" => p.enforce_password_history = count(v),
        "password_policy.password_must_meet_complexity_requirements" => {
            p.password_must_meet_complexity_requirements = flag(v)
        }
        "password_policy.store_passwords_using_reversible_encryption" => {
            p.store_passwords_using_reversible_encryption = flag(v)
        }
        "account_lockout_policy.account_lockout_threshold" => {
            l.account_lockout_threshold = count(v)
        }
        "account_lockout_policy.account_lockout_duration" => {
            l.account_lockout_duration = interval(v)
        }
        "account_lockout_policy.reset_account_lockout_counter_after" => {
            l.reset_account_lockout_counter_after = count(v)
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
        v.iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect()
    }

    #[test]
    fn password_keys_in_gpmc_words_the_rest_under_template() {
        let (spec, notes) = from_entries(&lines(&[
            ("Unicode", "Unicode", "yes"),
            ("System Access", "MinimumPasswordAge", "1"),
            ("System Access", "MaximumPasswordAge", "-1"),
            ("System Access", "PasswordComplexity", "1"),
            ("System Access", "LockoutDuration", "30"),
            ("System Access", "LSAAnonymousNameLookup", "0"),
            ("System Access", "NewAdministratorName", "\"Admin\""),
            (
                "Privilege Rights",
                "SeDenyNetworkLogonRight",
                "*S-1-5-32-546",
            ),
            ("Registry Values", "MACHINE\\X", "4,007"),
            ("Version", "signature", "\"$CHICAGO$\""),
        ]));
        assert!(notes.is_empty(), "{notes:?}");
        let p = spec.password_policy.unwrap();
        assert_eq!(p.minimum_password_age, Some(1));
        assert_eq!(p.maximum_password_age, Some(Interval::Never(Never::Never)));
        assert_eq!(p.password_must_meet_complexity_requirements, Some(true));
        assert_eq!(
            spec.account_lockout_policy
                .unwrap()
                .account_lockout_duration,
            Some(Interval::Count(30))
        );
        let keys: Vec<&String> = spec.template.keys().collect();
        assert_eq!(
            keys,
            ["Privilege Rights", "Registry Values", "System Access"]
        );
        let TemplateSection::Keys(sa) = &spec.template["System Access"] else {
            panic!("keys")
        };
        assert_eq!(sa["LSAAnonymousNameLookup"], TemplateValue::Number(0));
        assert_eq!(
            sa["NewAdministratorName"],
            TemplateValue::Text("\"Admin\"".into())
        );
    }

    #[test]
    fn numbers_keep_their_spelling() {
        assert_eq!(template_value("7"), TemplateValue::Number(7));
        assert_eq!(template_value("-1"), TemplateValue::Number(-1));
        assert_eq!(template_value("007"), TemplateValue::Text("007".into()));
        assert_eq!(template_value("+7"), TemplateValue::Text("+7".into()));
    }

    #[test]
    fn values_gpmc_refuses_are_notes_not_settings() {
        let (spec, notes) = from_entries(&lines(&[
            ("System Access", "MinimumPasswordLength", "20"),
            ("System Access", "MinimumPasswordAge", "abc"),
        ]));
        assert!(spec.password_policy.is_none());
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("MinimumPasswordLength = 20"), "{notes:?}");
    }
}
