//! Checks that need no server: everything a spec can be refused for without asking a
//! directory or a tenant. Every problem is collected, so one run shows them all.

use std::collections::BTreeMap;

use crate::password_settings::{self, SECTION};
use crate::spec::{
    AccountLockoutPolicy, AdAcl, EntraConnectPermissions, GpoSecurity, GraphDirectorySync,
    PasswordPolicy, PreventionType, Resource, Spec, TemplateSection, TemplateValue,
    APPLIES_TO_FORMS, SYNC_FEATURES, SYNC_FEATURES_NOT_UPDATABLE,
};
use crate::{suggest, Address, Diagnostic, Diagnostics};

/// Sections of GptTmpl.inf and some keys in each, to tell users where a key belongs.
pub const KNOWN_KEYS: &[(&str, &str)] = &[
    ("System Access", "MinimumPasswordAge"),
    ("System Access", "MaximumPasswordAge"),
    ("System Access", "MinimumPasswordLength"),
    ("System Access", "PasswordComplexity"),
    ("System Access", "PasswordHistorySize"),
    ("System Access", "ClearTextPassword"),
    ("System Access", "LockoutBadCount"),
    ("System Access", "LockoutDuration"),
    ("System Access", "ResetLockoutCount"),
    ("System Access", "RequireLogonToChangePassword"),
    ("System Access", "ForceLogoffWhenHourExpire"),
    ("System Access", "LSAAnonymousNameLookup"),
    ("System Access", "EnableAdminAccount"),
    ("System Access", "EnableGuestAccount"),
    ("System Access", "NewAdministratorName"),
    ("System Access", "NewGuestName"),
    ("Kerberos Policy", "MaxTicketAge"),
    ("Kerberos Policy", "MaxRenewAge"),
    ("Kerberos Policy", "MaxServiceAge"),
    ("Kerberos Policy", "MaxClockSkew"),
    ("Kerberos Policy", "TicketValidateClient"),
    ("Event Audit", "AuditLogonEvents"),
    ("Event Audit", "AuditAccountLogon"),
];

/// Checks that need no server.
pub fn validate(spec: &Spec) -> Diagnostics {
    let mut diags = placeholders(spec);
    diags.extend(crate::connection::validate(spec));
    let connections = crate::connection::names(&spec.connections);
    // ad.acl objects by connection and literal DN, compared case-insensitively.
    let mut acl_objects: BTreeMap<(String, String), Address> = BTreeMap::new();
    for r in &spec.resources {
        let address = r.address().unqualified();
        let name = r.name();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            diags.push(
                Diagnostic::new(format!(
                    "resource name `{name}` may only hold letters, digits, `-`, `_` and `.`"
                ))
                .at(&address),
            );
        }
        match r {
            Resource::GpoSecurity(g) => {
                if g.gpo.trim().is_empty() {
                    diags.push(
                        Diagnostic::new("`gpo` is empty")
                            .at(&address)
                            .hint("give the GPO's display name or {GUID}"),
                    );
                }
                if g.password_policy.is_none()
                    && g.account_lockout_policy.is_none()
                    && g.template.is_empty()
                {
                    diags.push(Diagnostic::new("nothing to manage: give password_policy, account_lockout_policy or template").at(&address));
                }
                diags.extend(policy(
                    &address,
                    g.password_policy.as_ref(),
                    g.account_lockout_policy.as_ref(),
                ));
                diags.extend(template(&address, g));
            }
            Resource::AdPasswordPolicy(p) => {
                diags.extend(policy(
                    &address,
                    p.password_policy.as_ref(),
                    p.account_lockout_policy.as_ref(),
                ));
            }
            Resource::GraphLicense(l) if l.require_service_plans.is_empty() => {
                diags.push(
                    Diagnostic::new("`require_service_plans` is empty")
                        .at(&address)
                        .hint("name at least one, e.g. AAD_PREMIUM"),
                );
            }
            Resource::Manual(m) if m.steps.is_empty() => {
                diags.push(Diagnostic::new("`steps` is empty").at(&address));
            }
            Resource::GraphDirectorySync(s) => diags.extend(directory_sync(&address, s)),
            Resource::EntraConnectPermissions(e) => diags.extend(entra_connect(&address, e)),
            Resource::AdEffectiveAccess(e) => diags.extend(effective_access(&address, e)),
            Resource::GraphLicense(_)
            | Resource::GraphAuthorizationPolicy(_)
            | Resource::Manual(_) => {}
            Resource::AdAcl(acl) => {
                diags.extend(ad_acl(&address, acl));
                let object = literal_dn(&acl.object);
                for c in crate::connection::of(r, &connections) {
                    if object.is_empty() {
                        break;
                    }
                    let key = (c, object.clone());
                    if let Some(first) = acl_objects.get(&key) {
                        diags.push(
                            Diagnostic::new(format!("`{}` is also managed by {first}", acl.object))
                                .at(&address)
                                .hint("put all ACEs of one object in one ad.acl resource"),
                        );
                    } else {
                        acl_objects.insert(key, address.clone());
                    }
                }
            }
        }
    }
    diags.extend(coexistence(spec));
    diags
}

/// The objects an `entra_connect.permissions` resource grants on, as written.
pub fn connect_objects(e: &EntraConnectPermissions) -> Vec<String> {
    let mut out: Vec<String> = e.scope.clone();
    out.push("{domain}".to_string());
    if e.admin_sd_holder {
        out.push(ADMIN_SD_HOLDER.to_string());
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|dn| seen.insert(literal_dn(dn)));
    out
}

/// Where protected accounts' DACLs come from.
pub const ADMIN_SD_HOLDER: &str = "CN=AdminSDHolder,CN=System,{domain}";

fn entra_connect(address: &Address, e: &EntraConnectPermissions) -> Diagnostics {
    let mut diags = Diagnostics::default();
    if e.account.trim().is_empty() {
        diags.push(
            Diagnostic::new("`account` is empty")
                .at(address)
                .hint("name the AD DS connector account, e.g. `CORP\\MSOL_817b9d8947c2`"),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for f in &e.features {
        if !seen.insert(*f) {
            diags.push(Diagnostic::new(format!("feature `{f}` is listed twice")).at(address));
        }
    }
    if e.scope.is_empty() {
        diags.push(
            Diagnostic::new("`scope` is empty")
                .at(address)
                .hint("leave it out for the domain root, or list DNs such as `OU=Sync,{domain}`"),
        );
    }
    for (i, dn) in e.scope.iter().enumerate() {
        if dn.trim().is_empty() {
            diags.push(Diagnostic::new(format!("scope[{i}] is empty")).at(address));
        }
    }
    diags
}

/// `ad.acl` entries naming a connector account on an object its
/// `entra_connect.permissions` manages: the account's explicit ACEs there belong to that
/// resource, so such an entry would deny what a feature grants, or add or remove ACEs the
/// other resource removes or adds on every apply. Matched as written here; the providers
/// match again by SID.
fn coexistence(spec: &Spec) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let names = crate::connection::names(&spec.connections);
    let connects: Vec<(Address, &EntraConnectPermissions, Vec<String>)> = spec
        .resources
        .iter()
        .filter_map(|r| match r {
            Resource::EntraConnectPermissions(e) => Some((
                r.address().unqualified(),
                e,
                crate::connection::of(r, &names),
            )),
            _ => None,
        })
        .collect();
    for r in &spec.resources {
        let Resource::AdAcl(acl) = r else { continue };
        let object = literal_dn(&acl.object);
        let domains = crate::connection::of(r, &names);
        for (owner, e, theirs) in &connects {
            // Only within one domain: `{domain}` is another object in another connection.
            if !theirs.iter().any(|c| domains.contains(c)) {
                continue;
            }
            if !connect_objects(e).iter().any(|o| literal_dn(o) == object) {
                continue;
            }
            let account = e.account.trim().to_lowercase();
            for (i, ace) in acl.aces.iter().enumerate() {
                if ace.principal.trim().to_lowercase() != account {
                    continue;
                }
                let what = match (acl.authoritative, ace.deny.is_empty()) {
                    (true, _) => "an authoritative entry for",
                    (false, false) => "a deny for",
                    (false, true) => "an entry for",
                };
                diags.push(
                    Diagnostic::new(format!(
                        "aces[{i}] is {what} `{}` on `{}`, whose ACEs there {owner} manages",
                        ace.principal, acl.object
                    ))
                    .at(&r.address().unqualified())
                    .hint(format!(
                        "the connector account's permissions on that object belong to {owner}: change its features, or take the entry out of this ad.acl"
                    )),
                );
            }
        }
    }
    diags
}

fn effective_access(address: &Address, e: &crate::spec::AdEffectiveAccess) -> Diagnostics {
    let mut diags = Diagnostics::default();
    if e.principal.trim().is_empty() {
        diags.push(
            Diagnostic::new("`principal` is empty")
                .at(address)
                .hint("name the account whose access is checked, e.g. `CORP\\MSOL_817b9d8947c2`"),
        );
    }
    if e.rights.is_empty() {
        diags.push(
            Diagnostic::new("`rights` is empty")
                .at(address)
                .hint("e.g. [Reset password, Write pwdLastSet, Write lockoutTime]"),
        );
    }
    let bases = e.scope.base.as_slice();
    if bases.is_empty() || bases.iter().any(|b| b.trim().is_empty()) {
        diags.push(
            Diagnostic::new("`scope.base` needs at least one DN, none empty")
                .at(address)
                .hint("e.g. `OU=Corp,{domain}`, or `{domain}` for the whole domain"),
        );
    }
    if let Err(why) = filter_shape(e.scope.filter()) {
        diags.push(
            Diagnostic::new(format!(
                "`scope.filter` `{}` is not an LDAP filter: {why}",
                e.scope.filter()
            ))
            .at(address)
            .hint("write it as RFC 4515 does, e.g. `(&(objectCategory=person)(objectClass=user))`"),
        );
    }
    diags
}

/// The shape of an LDAP filter, offline: one parenthesised term, balanced, none empty.
/// The DC parses it fully at plan time.
fn filter_shape(f: &str) -> Result<(), &'static str> {
    let f = f.trim();
    if !f.starts_with('(') || !f.ends_with(')') {
        return Err("it must start with `(` and end with `)`");
    }
    let (opens, closes) = (f.matches('(').count(), f.matches(')').count());
    if closes > opens {
        return Err("a `)` closes nothing");
    }
    if opens > closes {
        return Err("a `(` is never closed");
    }
    let mut depth = 0i32;
    let mut prev = ' ';
    for (i, c) in f.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if prev == '(' => return Err("it holds an empty `()`"),
            ')' => {
                depth -= 1;
                if depth == 0 && i + 1 != f.len() {
                    return Err("it holds more than one term; join them with `(&...)` or `(|...)`");
                }
            }
            _ => {}
        }
        if depth < 0 {
            return Err("a `)` closes nothing");
        }
        prev = c;
    }
    Ok(())
}

/// A DN as written, for comparison: any case, no spaces around the commas.
fn literal_dn(dn: &str) -> String {
    dn.split(',')
        .map(|part| part.trim().to_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

fn policy(
    address: &Address,
    password: Option<&PasswordPolicy>,
    lockout: Option<&AccountLockoutPolicy>,
) -> Diagnostics {
    let wanted = password_settings::wanted(password, lockout);
    let mut d = password_settings::check_ranges(address, &wanted);
    // Offline only the spec's own values; the providers check again against live values.
    d.extend(password_settings::check_merged(address, &[], &wanted));
    d
}

fn ad_acl(address: &Address, acl: &AdAcl) -> Diagnostics {
    let mut diags = Diagnostics::default();
    if acl.object.trim().is_empty() {
        diags.push(
            Diagnostic::new("`object` is empty")
                .at(address)
                .hint("give a DN such as `{domain}` or `OU=Staff,{domain}`"),
        );
    }
    if acl.aces.is_empty() {
        diags.push(Diagnostic::new("`aces` is empty").at(address));
    }
    for (i, ace) in acl.aces.iter().enumerate() {
        let which = format!("aces[{i}] ({})", ace.principal);
        match (ace.allow.is_empty(), ace.deny.is_empty()) {
            (true, true) => diags.push(
                Diagnostic::new(format!("{which} has neither `allow` nor `deny`")).at(address),
            ),
            (false, false) => diags.push(
                Diagnostic::new(format!("{which} has both `allow` and `deny`"))
                    .at(address)
                    .hint("split it into two entries: an ACE either allows or denies"),
            ),
            _ => {}
        }
        if ace.principal.trim().is_empty() {
            diags.push(Diagnostic::new(format!("aces[{i}] has an empty `principal`")).at(address));
        }
        if !ace.applies_to.is_known_form() {
            diags.push(
                Diagnostic::new(format!(
                    "aces[{i}]: unknown applies_to `{}`",
                    ace.applies_to
                ))
                .at(address)
                .hint(format!("expected one of {}", applies_to_forms())),
            );
        }
    }
    diags
}

/// The forms, as a hint lists them.
pub fn applies_to_forms() -> String {
    let mut forms: Vec<String> = APPLIES_TO_FORMS.iter().map(|f| format!("`{f}`")).collect();
    forms.insert(
        3,
        "`Descendant <class> objects` (e.g. `Descendant User objects`)".into(),
    );
    forms.join(", ")
}

// ---- gpo.security template ------------------------------------------------------------

/// `template` entries: placed under a section, each safe to write as one GptTmpl.inf
/// line, and no key named twice (here or by the password and lockout settings).
fn template(address: &Address, g: &GpoSecurity) -> Diagnostics {
    let mut d = Diagnostics::default();
    // Every key the resource writes, by (section, key) in lower case, with where it is named.
    let mut named: BTreeMap<(String, String), String> = BTreeMap::new();
    for (s, _) in password_settings::wanted(
        g.password_policy.as_ref(),
        g.account_lockout_policy.as_ref(),
    ) {
        named.insert(
            (SECTION.to_lowercase(), s.inf_key.to_lowercase()),
            s.spec_key.to_string(),
        );
    }
    for (section, keys) in &g.template {
        let keys = match keys {
            TemplateSection::Misplaced(value) => {
                d.push(misplaced(address, section, value));
                continue;
            }
            TemplateSection::Keys(keys) => keys,
        };
        for problem in section_problems(section) {
            d.push(
                Diagnostic::new(format!("template section {section:?} {problem}"))
                    .at(address)
                    .hint("write the section's name alone, e.g. \"System Access\""),
            );
        }
        for (key, value) in keys {
            let place = format!("template.{section:?}.{key:?}");
            for problem in key_problems(key) {
                d.push(
                    Diagnostic::new(format!("{place}: the key {key:?} {problem}"))
                        .at(address)
                        .hint("write the key's name alone, e.g. MinimumPasswordAge"),
                );
            }
            if let TemplateValue::Text(text) = value {
                for (problem, hint) in value_problems(text) {
                    d.push(
                        Diagnostic::new(format!("{place}: the value {text:?} {problem}"))
                            .at(address)
                            .hint(hint),
                    );
                }
            }
            let id = (section.trim().to_lowercase(), key.trim().to_lowercase());
            match named.get(&id) {
                Some(first) => d.push(
                    Diagnostic::new(format!(
                        "[{section}] {key} is named twice, by {first} and by {place}; GptTmpl.inf holds one value, so the two would never both hold"
                    ))
                    .at(address)
                    .hint(if first.starts_with("template.") {
                        "keep one spelling: section and key names compare without regard to case"
                    } else {
                        "keep the setting and remove the template entry"
                    }),
                ),
                None => {
                    named.insert(id, place);
                }
            }
        }
    }
    d
}

fn misplaced(address: &Address, key: &str, value: &TemplateValue) -> Diagnostic {
    let d = Diagnostic::new(format!(
        "template.{key} is a key without a section; GptTmpl.inf keys go under their section"
    ))
    .at(address);
    match KNOWN_KEYS.iter().find(|(_, k)| k.eq_ignore_ascii_case(key)) {
        Some((s, k)) => d.hint(format!("write template: {{\"{s}\": {{{k}: {value}}}}}")),
        None => d.hint(format!(
            "write template: {{\"<Section>\": {{{key}: {value}}}}}, e.g. \"System Access\""
        )),
    }
}

const CONTROL: &str =
    "holds a control character (such as a line break), which would start a new line in GptTmpl.inf";

/// What makes a section name unsafe to write between `[` and `]`.
fn section_problems(section: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    if section.trim().is_empty() {
        out.push("is empty");
    }
    if section.chars().any(char::is_control) {
        out.push(CONTROL);
    }
    if section.contains(['[', ']']) {
        out.push("holds `[` or `]`, which would end the section header early");
    }
    if section.contains(';') {
        out.push("holds `;`, which starts a comment in GptTmpl.inf");
    }
    if section.contains('"') {
        out.push("holds `\"`, which quotes text in GptTmpl.inf");
    }
    if section.trim() != section {
        out.push("has spaces around it");
    }
    out
}

/// What makes a key unsafe to write before ` = `.
fn key_problems(key: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    if key.trim().is_empty() {
        out.push("is empty");
    }
    if key.chars().any(char::is_control) {
        out.push(CONTROL);
    }
    if key.contains('=') {
        out.push("holds `=`, which would end the key early");
    }
    if key.contains(';') {
        out.push("holds `;`, which starts a comment in GptTmpl.inf");
    }
    if key.contains('[') {
        out.push("holds `[`, which would read as a section header");
    }
    if key.contains('"') {
        out.push("holds `\"`, which quotes text in GptTmpl.inf");
    }
    if key.trim() != key {
        out.push("has spaces around it, which the reader drops");
    }
    out
}

/// What makes a value read back differently from what was written.
fn value_problems(value: &str) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if value.chars().any(char::is_control) {
        out.push((CONTROL, "write the value on one line"));
    }
    let quoted = value.len() >= 2 && value.starts_with('"') && value.ends_with('"');
    if value.contains(';') && !quoted {
        out.push((
            "holds `;` outside double quotes; GptTmpl.inf readers cut the value there",
            "put the whole value in double quotes (in YAML: '\"a;b\"')",
        ));
    }
    if value.trim() != value {
        out.push((
            "has spaces around it, which the reader drops",
            "remove the spaces, or quote the value inside the text",
        ));
    }
    if !value.matches('"').count().is_multiple_of(2) {
        out.push((
            "has a `\"` that is never closed; the reader would take the rest of the line as quoted",
            "close the quote, or leave the quotes out",
        ));
    }
    if value.ends_with('\\') {
        out.push((
            "ends in `\\`, which continues the line in GptTmpl.inf",
            "remove the trailing backslash",
        ));
    }
    out
}

// ---- graph.directory_sync --------------------------------------------------------------

fn directory_sync(address: &Address, spec: &GraphDirectorySync) -> Diagnostics {
    let mut out = Diagnostics::default();
    let updatable = || {
        SYNC_FEATURES
            .iter()
            .copied()
            .filter(|f| !SYNC_FEATURES_NOT_UPDATABLE.contains(f))
    };
    for name in spec.features.keys() {
        if SYNC_FEATURES_NOT_UPDATABLE.contains(&name.as_str()) {
            out.push(
                Diagnostic::new(format!("features.{name} is documented by Microsoft as not in use and not updatable"))
                    .at(address)
                    .hint("enable writeback in Entra Connect and the portal; list those steps in a `manual` resource"),
            );
        } else if !SYNC_FEATURES.contains(&name.as_str()) {
            let d = Diagnostic::new(format!("unknown directory sync feature `{name}`")).at(address);
            out.push(match suggest::closest(name, updatable()) {
                Some(s) => d.hint(format!("did you mean `{s}`?")),
                None => d.hint(format!(
                    "features are: {}",
                    updatable().collect::<Vec<_>>().join(", ")
                )),
            });
        }
    }
    if let Some(p) = &spec.accidental_deletion_prevention {
        match (p.kind, p.threshold) {
            (PreventionType::Disabled, _) => {}
            (_, None) => out.push(
                Diagnostic::new(
                    "accidental_deletion_prevention needs a threshold unless its type is disabled",
                )
                .at(address)
                .hint("add `threshold:`, e.g. 500 for enabledForCount"),
            ),
            (PreventionType::EnabledForPercentage, Some(t)) if !(1..=100).contains(&t) => out
                .push(
                    Diagnostic::new(format!(
                        "accidental_deletion_prevention threshold {t} is a percentage here (type enabledForPercentage); it must be 1-100"
                    ))
                    .at(address)
                    .hint("give a percentage, or use type enabledForCount for a number of objects"),
                ),
            (PreventionType::EnabledForCount, Some(0)) => out.push(
                Diagnostic::new("accidental_deletion_prevention threshold 0 would stop every export with a deletion")
                    .at(address)
                    .hint("give at least 1, or type disabled"),
            ),
            _ => {}
        }
    }
    out
}

// ---- placeholders ------------------------------------------------------------------------

/// Values `init --offline` wrote as `'<...>'` and nobody replaced.
fn placeholders(spec: &Spec) -> Diagnostics {
    let mut d = Diagnostics::default();
    let hint = "replace it with the real value; `hybridctl init` writes placeholders when it cannot ask the domain";
    let connections = serde_json::to_value(&spec.connections).expect("spec serializes");
    for (path, text) in placeholder_values(&connections, "connections") {
        d.push(Diagnostic::new(format!("{path} is still the placeholder `{text}`")).hint(hint));
    }
    for r in &spec.resources {
        let value = serde_json::to_value(r).expect("spec serializes");
        for (path, text) in placeholder_values(&value, "") {
            d.push(
                Diagnostic::new(format!("{path} is still the placeholder `{text}`"))
                    .at(&r.address().unqualified())
                    .hint(hint),
            );
        }
    }
    d
}

/// Every string that is a whole `<...>`, with its path.
fn placeholder_values(value: &serde_json::Value, path: &str) -> Vec<(String, String)> {
    let join = |p: &str, k: &str| {
        if p.is_empty() {
            k.to_string()
        } else {
            format!("{p}.{k}")
        }
    };
    match value {
        serde_json::Value::String(s) => {
            let t = s.trim();
            if t.len() > 2 && t.starts_with('<') && t.ends_with('>') {
                vec![(path.to_string(), t.to_string())]
            } else {
                vec![]
            }
        }
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .flat_map(|(i, v)| placeholder_values(v, &format!("{path}[{i}]")))
            .collect(),
        serde_json::Value::Object(m) => m
            .iter()
            .flat_map(|(k, v)| placeholder_values(v, &join(path, k)))
            .collect(),
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn spec(text: &str) -> Spec {
        crate::load::parse(text, Path::new("spec.yaml")).unwrap()
    }

    fn repro(name: &str) -> Spec {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus/repro")
            .join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        crate::load::parse(&text, &path).unwrap()
    }

    fn messages(d: &Diagnostics) -> Vec<String> {
        d.0.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn offline_checks_collect_every_problem() {
        let s = spec(
            "version: 1\nresources:\n- kind: ad.acl\n  name: a b\n  object: ''\n  aces:\n  - principal: X\n    allow: [Read]\n    deny: [Write]\n    applies_to: This object only\n",
        );
        let d = validate(&s);
        assert_eq!(d.0.len(), 3, "{d}");
    }

    #[test]
    fn template_value_with_line_breaks_is_refused_escaped() {
        let d = validate(&repro("yaml-09a-template-value-newline.yaml"));
        assert_eq!(d.0.len(), 1, "{d}");
        let m = &d.0[0].message;
        assert!(
            m.contains(r#""x\r\n[Privilege Rights]\r\nSeDebugPrivilege = *S-1-1-0""#),
            "{m}"
        );
        assert!(m.contains("control character"), "{m}");
    }

    #[test]
    fn template_key_with_equals_is_refused() {
        let d = messages(&validate(&repro("yaml-09b-template-key-equals.yaml")));
        assert!(d.iter().any(|m| m.contains("holds `=`")), "{d:?}");
        assert!(d.iter().any(|m| m.contains("control character")), "{d:?}");
        assert!(
            d.iter()
                .any(|m| m.contains(r#""MinimumPasswordAge = 0\r\nX""#)),
            "{d:?}"
        );
    }

    #[test]
    fn template_section_with_bracket_is_refused() {
        let d = messages(&validate(&repro("yaml-09c-template-section-bracket.yaml")));
        assert!(
            d.iter().any(|m| m.contains(
                r#"template section "Privilege Rights]\r\n[System Access" holds `[` or `]`"#
            )),
            "{d:?}"
        );
    }

    #[test]
    fn template_key_with_spaces_is_refused() {
        let d = messages(&validate(&repro("yaml-09d-template-key-space.yaml")));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(
            d[0].contains(r#"the key " MinimumPasswordAge" has spaces around it"#),
            "{d:?}"
        );
    }

    #[test]
    fn template_names_and_values_the_inf_writer_could_not_read_back() {
        // Found by the convergence property test in the GPO provider.
        let bad = spec("version: 1\nresources:\n- kind: gpo.security\n  name: g\n  gpo: G\n  template:\n    \"Sys;tem\": {A: 1}\n    \"Q\\\"uote\": {B: 1}\n    \"System Access\": {'K\"ey': 1, Odd: 'a\"b', Cont: 'x\\'}\n");
        let d = messages(&validate(&bad));
        assert_eq!(d.len(), 5, "{d:?}");
        for said in [
            "`;`, which starts a comment",
            "quotes text",
            "never closed",
            "continues the line",
        ] {
            assert!(d.iter().any(|m| m.contains(said)), "{said}: {d:?}");
        }
    }

    #[test]
    fn template_value_with_semicolon_needs_quotes() {
        let bad = spec("version: 1\nresources:\n- kind: gpo.security\n  name: g\n  gpo: G\n  template:\n    \"System Access\": {NewGuestName: \"a;b\", NewAdministratorName: ' x'}\n");
        let d = messages(&validate(&bad));
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(
            d.iter().any(|m| m.contains("`;` outside double quotes")),
            "{d:?}"
        );
        assert!(
            d.iter().any(|m| m.contains("\" x\" has spaces around it")),
            "{d:?}"
        );
        let ok = spec("version: 1\nresources:\n- kind: gpo.security\n  name: g\n  gpo: G\n  template:\n    \"System Access\": {NewGuestName: '\"a;b\"'}\n");
        assert!(validate(&ok).is_empty());
    }

    #[test]
    fn policy_setting_and_template_key_named_twice() {
        let d = validate(&repro("yaml-policy-and-template-same-key.yaml"));
        assert_eq!(d.0.len(), 1, "{d}");
        let m = &d.0[0].message;
        assert!(
            m.contains("named twice, by password_policy.minimum_password_age and by template.\"System Access\".\"MinimumPasswordAge\""),
            "{m}"
        );
    }

    #[test]
    fn two_spellings_of_one_template_key() {
        // The loader already refuses these (keys differing in case are one INF key, see
        // load's tests for yaml-06d); validate holds the same rule for a spec built in
        // code, so the second spelling is added here after loading.
        let with_second = |section: &str, key: &str| {
            let mut s = spec("version: 1\nresources:\n- kind: gpo.security\n  name: g\n  gpo: G\n  template:\n    \"System Access\": {MinimumPasswordAge: 0}\n");
            let Resource::GpoSecurity(g) = &mut s.resources[0] else {
                unreachable!()
            };
            let entry = g
                .template
                .entry(section.to_string())
                .or_insert_with(|| crate::spec::TemplateSection::Keys(Default::default()));
            let crate::spec::TemplateSection::Keys(keys) = entry else {
                unreachable!()
            };
            keys.insert(key.to_string(), crate::spec::TemplateValue::Number(5));
            s
        };
        for (section, key) in [
            ("System Access", "minimumpasswordage"),
            ("system access", "MINIMUMPASSWORDAGE"),
        ] {
            let d = validate(&with_second(section, key));
            assert_eq!(d.0.len(), 1, "{d}");
            assert!(d.0[0].message.contains("named twice"), "{d}");
        }
    }

    #[test]
    fn password_ranges_and_relations_offline() {
        let s = spec("version: 1\nresources:\n- kind: ad.password_policy\n  name: p\n  password_policy: {minimum_password_age: 50, maximum_password_age: 42, minimum_password_length: 20}\n");
        let d = messages(&validate(&s));
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(
            d.iter().any(|m| m.contains("GPMC allows 0-14 characters")),
            "{d:?}"
        );
        assert!(d.iter().any(|m| m.contains("must be less than")), "{d:?}");
    }

    #[test]
    fn an_acl_naming_the_connector_account_on_its_objects_is_refused() {
        let base = "version: 1\nresources:\n  - kind: entra_connect.permissions\n    name: c\n    account: LAB\\MSOL_1\n    features: [basic_read]\n    admin_sd_holder: true\n  - kind: ad.acl\n    name: a\n";
        let refused = [
            (
                "object: '{domain}'",
                "deny: [Read all properties]",
                "a deny for",
            ),
            (
                "object: 'CN=AdminSDHolder,CN=System,{domain}'\n    authoritative: true",
                "allow: [Read]",
                "an authoritative entry for",
            ),
            ("object: '{domain}'", "allow: [Read]", "an entry for"),
        ];
        for (object, rights, what) in refused {
            let text = format!("{base}    {object}\n    aces:\n      - {{principal: 'lab\\msol_1', {rights}, applies_to: This object only}}\n");
            let m = messages(&validate(&spec(&text)));
            assert!(m.iter().any(|m| m.contains(what)), "{text}\n{m:?}");
        }
        // Another principal, or another object: fine.
        for (object, who) in [
            ("{domain}", "LAB\\Helpdesk"),
            ("OU=Staff,{domain}", "LAB\\MSOL_1"),
        ] {
            let text = format!("{base}    object: '{object}'\n    aces:\n      - {{principal: '{who}', deny: [Read], applies_to: This object only}}\n");
            assert_eq!(
                messages(&validate(&spec(&text))),
                Vec::<String>::new(),
                "{text}"
            );
        }
    }

    #[test]
    fn entra_connect_offline_checks() {
        let text = "version: 1\nresources:\n  - kind: entra_connect.permissions\n    name: c\n    account: ' '\n    features: [basic_read, basic_read]\n    scope: []\n";
        let m = messages(&validate(&spec(text)));
        for want in [
            "`account` is empty",
            "`basic_read` is listed twice",
            "`scope` is empty",
        ] {
            assert!(m.iter().any(|m| m.contains(want)), "{want}: {m:?}");
        }
        let e = crate::load::parse(
            "version: 1\nresources:\n  - kind: entra_connect.permissions\n    name: c\n    account: x\n    features: [basic_reed]\n",
            std::path::Path::new("x.yaml"),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("basic_reed") && e.contains("exchange_mail_public_folder"),
            "{e}"
        );
        // The schema lists the features, so editors flag a typo as it is typed.
        let schema = crate::spec::json_schema();
        let listed: Vec<&str> = schema["$defs"]["ConnectFeature"]["oneOf"]
            .as_array()
            .expect("features are a closed set in the schema")
            .iter()
            .filter_map(|v| v["const"].as_str())
            .collect();
        let all: Vec<&str> = crate::spec::ConnectFeature::ALL
            .iter()
            .map(|f| f.as_str())
            .collect();
        assert_eq!(listed, all);
    }

    #[test]
    fn applies_to_must_be_a_form() {
        let s = spec("version: 1\nresources:\n- kind: ad.acl\n  name: a\n  object: '{domain}'\n  aces:\n  - {principal: X, allow: [Read], applies_to: Everything below}\n  - {principal: X, allow: [Read], applies_to: descendant  user Objects}\n  - {principal: X, allow: [Read], applies_to: child objects only}\n");
        let d = validate(&s);
        assert_eq!(d.0.len(), 1, "{d}");
        assert!(
            d.0[0]
                .message
                .contains("aces[0]: unknown applies_to `Everything below`"),
            "{d}"
        );
        assert!(
            d.0[0]
                .hint
                .as_deref()
                .unwrap()
                .contains("`This object only`, `This object and all descendant objects`"),
            "{d}"
        );
    }

    #[test]
    fn two_acls_on_one_literal_object() {
        let s = spec("version: 1\nresources:\n- kind: ad.acl\n  name: one\n  object: 'OU=Staff,{domain}'\n  aces: [{principal: X, allow: [Read], applies_to: This object only}]\n- kind: ad.acl\n  name: two\n  object: 'ou=staff, {DOMAIN}'\n  aces: [{principal: X, allow: [Read], applies_to: This object only}]\n");
        let d = validate(&s);
        assert_eq!(d.0.len(), 1, "{d}");
        assert_eq!(
            d.0[0].to_string(),
            "ad.acl.two: `ou=staff, {DOMAIN}` is also managed by ad.acl.one\n  hint: put all ACEs of one object in one ad.acl resource"
        );
    }

    #[test]
    fn init_offline_placeholders_are_refused() {
        let s = spec("version: 1\nconnections:\n  graph: {tenant_id: '<tenant id>'}\nresources:\n- kind: gpo.security\n  name: g\n  gpo: '<the GPO linked at the domain root, e.g. Default Domain Policy>'\n  password_policy: {minimum_password_age: 0}\n");
        let d = messages(&validate(&s));
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(
            d[0].contains("connections.graph.tenant_id is still the placeholder `<tenant id>`"),
            "{d:?}"
        );
        assert!(
            d[1].starts_with("gpo.security.g: gpo is still the placeholder"),
            "{d:?}"
        );
    }

    #[test]
    fn directory_sync_offline_checks() {
        let s = spec("version: 1\nresources:\n- kind: graph.directory_sync\n  name: s\n  features: {blockSoftMatchEnabld: true, passwordWritebackEnabled: true}\n  accidental_deletion_prevention: {type: enabledForPercentage, threshold: 150}\n- kind: graph.directory_sync\n  name: t\n  accidental_deletion_prevention: {type: enabledForCount}\n");
        let d = messages(&validate(&s));
        assert_eq!(d.len(), 4, "{d:?}");
        assert!(
            d[0].contains("did you mean `blockSoftMatchEnabled`?"),
            "{d:?}"
        );
        assert!(d[1].contains("not updatable"), "{d:?}");
        assert!(d[2].contains("threshold 150 is a percentage"), "{d:?}");
        assert!(d[3].contains("needs a threshold"), "{d:?}");
        // An unknown type is refused when the spec is read, naming the types.
        let e = crate::load::parse("version: 1\nresources:\n- kind: graph.directory_sync\n  name: s\n  accidental_deletion_prevention: {type: enabledForCont, threshold: 5}\n", Path::new("s.yaml")).unwrap_err();
        assert!(e.message.contains("enabledForCount"), "{e}");
    }

    #[test]
    fn the_schema_lists_the_closed_sets() {
        let schema = crate::spec::json_schema().to_string();
        for needle in [
            "\"This object and all descendant objects\"",
            "[Dd]escendant",
            "\"propertyNames\"",
            "\"blockSoftMatchEnabled\"",
            "\"enabledForPercentage\"",
        ] {
            assert!(schema.contains(needle), "{needle} not in the schema");
        }
        // A feature nobody can set is not offered.
        assert!(!schema.contains("\"passwordWritebackEnabled\""));
    }

    #[test]
    fn applies_to_reads_and_writes_as_plain_text() {
        let s = spec("version: 1\nresources:\n- kind: ad.acl\n  name: a\n  object: x\n  aces: [{principal: X, allow: [Read], applies_to: Descendant User objects}]\n");
        let yaml = serde_yaml::to_string(&s).unwrap();
        assert!(
            yaml.contains("applies_to: Descendant User objects"),
            "{yaml}"
        );
    }
}

#[cfg(test)]
mod effective_access_tests {
    use super::*;
    use std::path::Path;

    fn errors(body: &str) -> String {
        let text =
            format!("version: 1\nresources:\n- kind: ad.effective_access\n  name: w\n{body}");
        let spec = crate::load::parse(&text, Path::new("spec.yaml")).unwrap();
        validate(&spec).to_string()
    }

    #[test]
    fn a_complete_check_is_valid_and_mistakes_are_named() {
        let ok =
            "  principal: LAB\\MSOL_1\n  rights: [Reset password]\n  scope: {base: '{domain}'}\n";
        assert_eq!(errors(ok), "");
        let many = "  principal: LAB\\MSOL_1\n  rights: [Reset password]\n  scope: {base: ['OU=A,{domain}', 'OU=B,{domain}'], filter: '(objectClass=user)'}\n";
        assert_eq!(errors(many), "");
        let e = errors("  principal: ''\n  rights: []\n  scope: {base: []}\n");
        for says in ["`principal` is empty", "`rights` is empty", "`scope.base`"] {
            assert!(e.contains(says), "{e}");
        }
        for (filter, says) in [
            ("objectClass=user", "start with `(`"),
            ("(&(objectClass=user)", "never closed"),
            ("(objectClass=user))", "closes nothing"),
            ("(a=b)(c=d)", "more than one term"),
            ("(&())", "empty `()`"),
        ] {
            let e = errors(&format!(
                "  principal: LAB\\x\n  rights: [Reset password]\n  scope: {{base: '{{domain}}', filter: '{filter}'}}\n"
            ));
            assert!(e.contains(says), "{filter}: {e}");
        }
    }
}
