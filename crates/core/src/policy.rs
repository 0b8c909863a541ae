//! Offline checks of password and lockout policy values: GPMC's ranges, and the
//! relations GPMC enforces between them.

use crate::spec::{AccountLockoutPolicy, Interval, PasswordPolicy, TemplateSection};
use crate::{Address, Diagnostic, Diagnostics};

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

/// Every out-of-range value and inconsistent pair, for one resource.
pub fn validate(
    address: &Address,
    password: Option<&PasswordPolicy>,
    lockout: Option<&AccountLockoutPolicy>,
) -> Diagnostics {
    let mut d = Diagnostics::default();
    let mut range = |what: &str, v: Option<u32>, lo: u32, hi: u32, unit: &str| {
        if let Some(v) = v {
            if v < lo || v > hi {
                d.push(
                    Diagnostic::new(format!("{what} is {v}; GPMC allows {lo}-{hi} {unit}"))
                        .at(address),
                );
            }
        }
    };
    let count = |i: Option<Interval>| match i {
        Some(Interval::Count(n)) => Some(n),
        _ => None,
    };
    if let Some(p) = password {
        range(
            "password_policy.minimum_password_age",
            p.minimum_password_age,
            0,
            998,
            "days",
        );
        range(
            "password_policy.maximum_password_age",
            count(p.maximum_password_age),
            1,
            999,
            "days (or `never`)",
        );
        range(
            "password_policy.minimum_password_length",
            p.minimum_password_length,
            0,
            14,
            "characters",
        );
        range(
            "password_policy.enforce_password_history",
            p.enforce_password_history,
            0,
            24,
            "passwords",
        );
    }
    if let Some(l) = lockout {
        range(
            "account_lockout_policy.account_lockout_threshold",
            l.account_lockout_threshold,
            0,
            999,
            "attempts",
        );
        range(
            "account_lockout_policy.account_lockout_duration",
            count(l.account_lockout_duration),
            1,
            99999,
            "minutes (or `never`)",
        );
        range(
            "account_lockout_policy.reset_account_lockout_counter_after",
            l.reset_account_lockout_counter_after,
            1,
            99999,
            "minutes",
        );
    }
    if let Some(p) = password {
        if let (Some(min), Some(Interval::Count(max))) =
            (p.minimum_password_age, p.maximum_password_age)
        {
            if min >= max {
                d.push(
                    Diagnostic::new(format!(
                        "password_policy.minimum_password_age ({min} days) must be less than maximum_password_age ({max} days)"
                    ))
                    .at(address),
                );
            }
        }
    }
    if let Some(l) = lockout {
        if let (Some(Interval::Count(duration)), Some(reset)) = (
            l.account_lockout_duration,
            l.reset_account_lockout_counter_after,
        ) {
            if reset > duration {
                d.push(
                    Diagnostic::new(format!(
                        "account_lockout_policy.reset_account_lockout_counter_after ({reset} min) must not exceed account_lockout_duration ({duration} min)"
                    ))
                    .at(address),
                );
            }
        }
    }
    d
}

/// Keys given directly under `template` instead of under their section.
pub fn validate_template(
    address: &Address,
    template: &std::collections::BTreeMap<String, TemplateSection>,
) -> Diagnostics {
    let mut d = Diagnostics::default();
    for (key, section) in template {
        if let TemplateSection::Misplaced(value) = section {
            let mut diag = Diagnostic::new(format!("template.{key} is a key without a section; GptTmpl.inf keys go under their section"))
                .at(address);
            diag = match KNOWN_KEYS.iter().find(|(_, k)| k.eq_ignore_ascii_case(key)) {
                Some((s, k)) => diag.hint(format!("write template: {{\"{s}\": {{{k}: {value}}}}}")),
                None => diag.hint(format!(
                    "write template: {{\"<Section>\": {{{key}: {value}}}}}, e.g. \"System Access\""
                )),
            };
            d.push(diag);
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Never;

    #[test]
    fn ranges_and_relations() {
        let a: Address = "gpo.security.x".parse().unwrap();
        let p = PasswordPolicy {
            minimum_password_age: Some(50),
            maximum_password_age: Some(Interval::Count(42)),
            minimum_password_length: Some(20),
            ..Default::default()
        };
        let d = validate(&a, Some(&p), None);
        assert_eq!(d.0.len(), 2, "{d}");
        let ok = PasswordPolicy {
            minimum_password_age: Some(0),
            maximum_password_age: Some(Interval::Never(Never::Never)),
            ..Default::default()
        };
        assert!(validate(&a, Some(&ok), None).is_empty());
        let l = AccountLockoutPolicy {
            account_lockout_duration: Some(Interval::Count(10)),
            reset_account_lockout_counter_after: Some(15),
            ..Default::default()
        };
        assert_eq!(validate(&a, None, Some(&l)).0.len(), 1);
    }
}
