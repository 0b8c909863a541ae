//! Password and lockout settings: one table that says, for each GPMC setting, its
//! spec key, its GptTmpl.inf key, its domain-head attribute, its unit and GPMC's range,
//! with exact conversions between them and GPMC's rules across settings. Shared by
//! offline validation, `gpo.security` and `ad.password_policy`.

use crate::spec::{AccountLockoutPolicy, Interval, PasswordPolicy};
use crate::{Address, Diagnostic, Diagnostics};

/// 100-nanosecond intervals, as AD stores durations (negative: "relative").
const PER_DAY: i64 = 864_000_000_000;
const PER_MINUTE: i64 = 600_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Days,
    Minutes,
    Count(&'static str),
    /// A bit of the domain head's `pwdProperties`.
    Flag(i64),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Setting {
    /// GPMC's name, for people.
    pub label: &'static str,
    /// Where the spec holds it: `password_policy.minimum_password_age`.
    pub spec_key: &'static str,
    pub inf_key: &'static str,
    pub ad_attribute: &'static str,
    pub unit: Unit,
    /// GPMC's accepted numbers (none for flags).
    pub range: Option<(u32, u32)>,
    /// Whether `never` is accepted (written -1 in GptTmpl.inf).
    pub never: bool,
}

/// The GptTmpl.inf section every setting of the table lives in.
pub const SECTION: &str = "System Access";
pub const PWD_PROPERTIES: &str = "pwdProperties";
const DOMAIN_PASSWORD_COMPLEX: i64 = 0x1;
const DOMAIN_PASSWORD_STORE_CLEARTEXT: i64 = 0x10;

pub const MINIMUM_PASSWORD_AGE: Setting = Setting {
    label: "Minimum password age",
    spec_key: "password_policy.minimum_password_age",
    inf_key: "MinimumPasswordAge",
    ad_attribute: "minPwdAge",
    unit: Unit::Days,
    range: Some((0, 998)),
    never: false,
};
pub const MAXIMUM_PASSWORD_AGE: Setting = Setting {
    label: "Maximum password age",
    spec_key: "password_policy.maximum_password_age",
    inf_key: "MaximumPasswordAge",
    ad_attribute: "maxPwdAge",
    unit: Unit::Days,
    range: Some((1, 999)),
    never: true,
};
pub const MINIMUM_PASSWORD_LENGTH: Setting = Setting {
    label: "Minimum password length",
    spec_key: "password_policy.minimum_password_length",
    inf_key: "MinimumPasswordLength",
    ad_attribute: "minPwdLength",
    unit: Unit::Count("characters"),
    range: Some((0, 14)),
    never: false,
};
pub const PASSWORD_HISTORY: Setting = Setting {
    label: "Enforce password history",
    spec_key: "password_policy.enforce_password_history",
    inf_key: "PasswordHistorySize",
    ad_attribute: "pwdHistoryLength",
    unit: Unit::Count("passwords remembered"),
    range: Some((0, 24)),
    never: false,
};
pub const COMPLEXITY: Setting = Setting {
    label: "Password must meet complexity requirements",
    spec_key: "password_policy.password_must_meet_complexity_requirements",
    inf_key: "PasswordComplexity",
    ad_attribute: PWD_PROPERTIES,
    unit: Unit::Flag(DOMAIN_PASSWORD_COMPLEX),
    range: None,
    never: false,
};
pub const REVERSIBLE: Setting = Setting {
    label: "Store passwords using reversible encryption",
    spec_key: "password_policy.store_passwords_using_reversible_encryption",
    inf_key: "ClearTextPassword",
    ad_attribute: PWD_PROPERTIES,
    unit: Unit::Flag(DOMAIN_PASSWORD_STORE_CLEARTEXT),
    range: None,
    never: false,
};
pub const LOCKOUT_THRESHOLD: Setting = Setting {
    label: "Account lockout threshold",
    spec_key: "account_lockout_policy.account_lockout_threshold",
    inf_key: "LockoutBadCount",
    ad_attribute: "lockoutThreshold",
    unit: Unit::Count("invalid logon attempts"),
    range: Some((0, 999)),
    never: false,
};
pub const LOCKOUT_DURATION: Setting = Setting {
    label: "Account lockout duration",
    spec_key: "account_lockout_policy.account_lockout_duration",
    inf_key: "LockoutDuration",
    ad_attribute: "lockoutDuration",
    unit: Unit::Minutes,
    range: Some((1, 99999)),
    never: true,
};
pub const LOCKOUT_RESET: Setting = Setting {
    label: "Reset account lockout counter after",
    spec_key: "account_lockout_policy.reset_account_lockout_counter_after",
    inf_key: "ResetLockoutCount",
    ad_attribute: "lockOutObservationWindow",
    unit: Unit::Minutes,
    range: Some((1, 99999)),
    never: false,
};

pub const ALL: &[&Setting] = &[
    &MINIMUM_PASSWORD_AGE,
    &MAXIMUM_PASSWORD_AGE,
    &MINIMUM_PASSWORD_LENGTH,
    &PASSWORD_HISTORY,
    &COMPLEXITY,
    &REVERSIBLE,
    &LOCKOUT_THRESHOLD,
    &LOCKOUT_DURATION,
    &LOCKOUT_RESET,
];

/// The setting a GptTmpl.inf key holds (`[System Access]`, any case).
pub fn by_inf_key(section: &str, key: &str) -> Option<&'static Setting> {
    if !section.eq_ignore_ascii_case(SECTION) {
        return None;
    }
    ALL.iter()
        .copied()
        .find(|s| s.inf_key.eq_ignore_ascii_case(key))
}

/// A setting's value in GPMC's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    Count(u32),
    /// "Never" (passwords never expire; locked out until an administrator unlocks).
    Never,
    Flag(bool),
}

/// The settings a spec manages, with their wanted values, in table order.
pub fn wanted(
    p: Option<&PasswordPolicy>,
    l: Option<&AccountLockoutPolicy>,
) -> Vec<(&'static Setting, Value)> {
    let interval = |i: Interval| match i {
        Interval::Count(n) => Value::Count(n),
        Interval::Never(_) => Value::Never,
    };
    let mut out = Vec::new();
    if let Some(p) = p {
        out.extend(
            p.minimum_password_age
                .map(|v| (&MINIMUM_PASSWORD_AGE, Value::Count(v))),
        );
        out.extend(
            p.maximum_password_age
                .map(|v| (&MAXIMUM_PASSWORD_AGE, interval(v))),
        );
        out.extend(
            p.minimum_password_length
                .map(|v| (&MINIMUM_PASSWORD_LENGTH, Value::Count(v))),
        );
        out.extend(
            p.enforce_password_history
                .map(|v| (&PASSWORD_HISTORY, Value::Count(v))),
        );
        out.extend(
            p.password_must_meet_complexity_requirements
                .map(|v| (&COMPLEXITY, Value::Flag(v))),
        );
        out.extend(
            p.store_passwords_using_reversible_encryption
                .map(|v| (&REVERSIBLE, Value::Flag(v))),
        );
    }
    if let Some(l) = l {
        out.extend(
            l.account_lockout_threshold
                .map(|v| (&LOCKOUT_THRESHOLD, Value::Count(v))),
        );
        out.extend(
            l.account_lockout_duration
                .map(|v| (&LOCKOUT_DURATION, interval(v))),
        );
        out.extend(
            l.reset_account_lockout_counter_after
                .map(|v| (&LOCKOUT_RESET, Value::Count(v))),
        );
    }
    out
}

impl Setting {
    /// The GptTmpl.inf text: numbers as they are, `never` as -1, flags as 1/0.
    pub fn to_inf(&self, v: Value) -> String {
        match v {
            Value::Count(n) => n.to_string(),
            Value::Never => "-1".into(),
            Value::Flag(b) => u8::from(b).to_string(),
        }
    }

    pub fn from_inf(&self, text: &str) -> Option<Value> {
        let n: i64 = text.trim().parse().ok()?;
        Some(match self.unit {
            Unit::Flag(_) => Value::Flag(n != 0),
            _ if n == -1 => Value::Never,
            _ => Value::Count(u32::try_from(n).ok()?),
        })
    }

    /// The domain-head attribute value. Flags share `pwdProperties`: see [`pwd_properties`]
    /// for the value written; here a flag gives its own bit or 0.
    pub fn to_ad(&self, v: Value) -> i64 {
        match (self.unit, v) {
            (_, Value::Never) => i64::MIN,
            (Unit::Days, Value::Count(n)) => -(i64::from(n) * PER_DAY),
            (Unit::Minutes, Value::Count(n)) => -(i64::from(n) * PER_MINUTE),
            (Unit::Flag(bit), Value::Flag(on)) => {
                if on {
                    bit
                } else {
                    0
                }
            }
            (_, Value::Count(n)) => i64::from(n),
            (_, Value::Flag(b)) => i64::from(b),
        }
    }

    /// Reads a domain-head attribute. `None` when the value is not a whole number of units.
    pub fn from_ad(&self, raw: i64) -> Option<Value> {
        let per = match self.unit {
            Unit::Days => PER_DAY,
            Unit::Minutes => PER_MINUTE,
            Unit::Flag(bit) => return Some(Value::Flag(raw & bit != 0)),
            Unit::Count(_) => return u32::try_from(raw).ok().map(Value::Count),
        };
        if raw == i64::MIN {
            return Some(Value::Never);
        }
        let n = raw.checked_neg()?;
        (n % per == 0)
            .then(|| u32::try_from(n / per).ok().map(Value::Count))
            .flatten()
    }

    /// For people: `0 days`, `never`, `enabled`.
    pub fn show(&self, v: Value) -> String {
        match (self.unit, v) {
            (Unit::Days, Value::Count(n)) => format!("{n} day{}", if n == 1 { "" } else { "s" }),
            (Unit::Minutes, Value::Count(n)) => {
                format!("{n} minute{}", if n == 1 { "" } else { "s" })
            }
            (Unit::Count(what), Value::Count(n)) => format!("{n} {what}"),
            (Unit::Minutes, Value::Never) => "never (until an administrator unlocks)".into(),
            (_, Value::Never) => "never".into(),
            (_, Value::Flag(true)) => "enabled".into(),
            (_, Value::Flag(false)) => "disabled".into(),
            (_, Value::Count(n)) => n.to_string(),
        }
    }
}

/// Every setting's live value, from a reader of `[System Access]` keys of GptTmpl.inf.
/// Keys that are missing or unreadable are left out.
pub fn live_from_inf(get: impl Fn(&str) -> Option<String>) -> Vec<(&'static Setting, Value)> {
    ALL.iter()
        .filter_map(|s| Some((*s, s.from_inf(&get(s.inf_key)?)?)))
        .collect()
}

/// Every setting's live value, from a reader of the domain head's attributes.
pub fn live_from_ad(get: impl Fn(&str) -> Option<i64>) -> Vec<(&'static Setting, Value)> {
    ALL.iter()
        .filter_map(|s| Some((*s, s.from_ad(get(s.ad_attribute)?)?)))
        .collect()
}

/// GPMC's range for each wanted value.
pub fn check_ranges(address: &Address, wanted: &[(&'static Setting, Value)]) -> Diagnostics {
    let mut d = Diagnostics::default();
    for (s, v) in wanted {
        let Some((lo, hi)) = s.range else { continue };
        let unit = match s.unit {
            Unit::Days => "days",
            Unit::Minutes => "minutes",
            Unit::Count(what) => what,
            Unit::Flag(_) => "",
        };
        let or_never = if s.never { " (or `never`)" } else { "" };
        let bad = match v {
            Value::Count(n) if *n < lo || *n > hi => Some(n.to_string()),
            Value::Never if !s.never => Some("never".to_string()),
            _ => None,
        };
        if let Some(bad) = bad {
            d.push(
                Diagnostic::new(format!(
                    "{} is {bad}; GPMC allows {lo}-{hi} {unit}{or_never}",
                    s.spec_key
                ))
                .at(address),
            );
        }
    }
    d
}

/// GPMC's rules across settings (minimum age below maximum age; the lockout counter
/// reset within the lockout duration), checked on what the policy holds after apply:
/// the wanted values over the `live` ones. Offline, `live` is empty.
pub fn check_merged(
    address: &Address,
    live: &[(&'static Setting, Value)],
    wanted: &[(&'static Setting, Value)],
) -> Diagnostics {
    // Each value with where it comes from, for a message the user can act on.
    let value = |s: &Setting| {
        let find = |from: &[(&'static Setting, Value)]| {
            from.iter().find(|(x, _)| *x == s).map(|(_, v)| *v)
        };
        find(wanted)
            .map(|v| (v, true))
            .or_else(|| find(live).map(|v| (v, false)))
    };
    let place = |s: &Setting, v: Value, in_spec: bool| {
        let whence = if in_spec {
            "in the spec"
        } else {
            "set now, not in the spec"
        };
        format!("{} ({}, {whence})", s.spec_key, s.show(v))
    };
    let mut d = Diagnostics::default();
    let mut pair = |low: &'static Setting, high: &'static Setting, strict: bool| {
        let (Some((lv, l_spec)), Some((hv, h_spec))) = (value(low), value(high)) else {
            return;
        };
        if !l_spec && !h_spec {
            return; // neither is changed: not this spec's doing
        }
        let (Value::Count(l), Value::Count(h)) = (lv, hv) else {
            return; // `never` is above every number
        };
        let ok = if strict { l < h } else { l <= h };
        if ok {
            return;
        }
        let relation = if strict {
            "must be less than"
        } else {
            "must not exceed"
        };
        let fix = match (l_spec, h_spec) {
            (true, true) => format!("lower {} or raise {}", low.spec_key, high.spec_key),
            (false, true) => format!(
                "set {} in the spec as well, to a value that fits {}",
                low.spec_key,
                high.show(hv)
            ),
            _ => format!(
                "set {} in the spec as well, to a value that fits {}",
                high.spec_key,
                low.show(lv)
            ),
        };
        d.push(
            Diagnostic::new(format!(
                "{} {relation} {}; GPMC refuses this combination",
                place(low, lv, l_spec),
                place(high, hv, h_spec)
            ))
            .at(address)
            .hint(fix),
        );
    };
    pair(&MINIMUM_PASSWORD_AGE, &MAXIMUM_PASSWORD_AGE, true);
    pair(&LOCKOUT_RESET, &LOCKOUT_DURATION, false);
    d
}

/// The one `pwdProperties` value apply writes: `old` with each wanted flag's bit set or
/// cleared. Bits hybridctl does not manage are kept.
pub fn pwd_properties(old: i64, wanted: &[(&'static Setting, Value)]) -> i64 {
    wanted.iter().fold(old, |acc, (s, v)| match (s.unit, v) {
        (Unit::Flag(bit), Value::Flag(true)) => acc | bit,
        (Unit::Flag(bit), Value::Flag(false)) => acc & !bit,
        _ => acc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_edges_convert_exactly() {
        let s = &MAXIMUM_PASSWORD_AGE;
        for (v, ad, inf) in [
            (Value::Count(0), 0i64, "0"),
            (Value::Count(1), -864_000_000_000, "1"),
            (Value::Count(42), -36_288_000_000_000, "42"),
            (Value::Never, i64::MIN, "-1"),
        ] {
            assert_eq!(s.to_ad(v), ad, "{v:?}");
            assert_eq!(s.from_ad(ad), Some(v));
            assert_eq!(s.to_inf(v), inf);
            assert_eq!(s.from_inf(inf), Some(v));
        }
        // Samba's default minimum age: 1 day.
        assert_eq!(
            MINIMUM_PASSWORD_AGE.from_ad(-864_000_000_000),
            Some(Value::Count(1))
        );
        // 30 minutes of lockout, and a value that is not a whole number of minutes.
        assert_eq!(LOCKOUT_DURATION.to_ad(Value::Count(30)), -18_000_000_000);
        assert_eq!(LOCKOUT_DURATION.from_ad(-18_000_000_001), None);
        assert_eq!(
            LOCKOUT_DURATION.show(Value::Never),
            "never (until an administrator unlocks)"
        );
    }

    #[test]
    fn flags_touch_only_their_bit() {
        assert_eq!(COMPLEXITY.to_ad(Value::Flag(true)), 0x1);
        assert_eq!(REVERSIBLE.to_ad(Value::Flag(false)), 0);
        assert_eq!(COMPLEXITY.from_ad(0x11), Some(Value::Flag(true)));
        assert_eq!(COMPLEXITY.from_inf("0"), Some(Value::Flag(false)));
    }

    fn a() -> Address {
        "gpo.security.x".parse().unwrap()
    }

    #[test]
    fn ranges_follow_gpmc() {
        let p = PasswordPolicy {
            minimum_password_age: Some(999),
            maximum_password_age: Some(Interval::Never(crate::spec::Never::Never)),
            minimum_password_length: Some(20),
            ..Default::default()
        };
        let d = check_ranges(&a(), &wanted(Some(&p), None));
        assert_eq!(d.0.len(), 2, "{d}");
        assert_eq!(
            d.0[0].message,
            "password_policy.minimum_password_age is 999; GPMC allows 0-998 days"
        );
        assert!(check_ranges(&a(), &[(&MAXIMUM_PASSWORD_AGE, Value::Never)]).is_empty());
    }

    #[test]
    fn maximum_age_in_the_spec_below_minimum_age_in_the_gpo_is_refused() {
        // The spec sets only the maximum; the GPO already holds minimum 998.
        let live = [
            (&MINIMUM_PASSWORD_AGE, Value::Count(998)),
            (&MAXIMUM_PASSWORD_AGE, Value::Count(999)),
        ];
        let wanted = [(&MAXIMUM_PASSWORD_AGE, Value::Count(10))];
        let d = check_merged(&a(), &live, &wanted);
        assert_eq!(d.0.len(), 1, "{d}");
        let m = &d.0[0];
        assert!(
            m.message.contains("minimum_password_age (998 days, set now, not in the spec) must be less than password_policy.maximum_password_age (10 days, in the spec)"),
            "{m}"
        );
        assert!(
            m.hint
                .as_deref()
                .unwrap()
                .contains("set password_policy.minimum_password_age in the spec as well"),
            "{m}"
        );
        // Setting the minimum too resolves it; a live conflict the spec does not touch is not ours.
        let both = [
            (&MINIMUM_PASSWORD_AGE, Value::Count(1)),
            (&MAXIMUM_PASSWORD_AGE, Value::Count(10)),
        ];
        assert!(check_merged(&a(), &live, &both).is_empty());
        let bad_live = [
            (&MINIMUM_PASSWORD_AGE, Value::Count(50)),
            (&MAXIMUM_PASSWORD_AGE, Value::Count(10)),
        ];
        assert!(check_merged(
            &a(),
            &bad_live,
            &[(&MINIMUM_PASSWORD_LENGTH, Value::Count(8))]
        )
        .is_empty());
        // Never is above every number.
        assert!(check_merged(&a(), &live, &[(&MAXIMUM_PASSWORD_AGE, Value::Never)]).is_empty());
    }

    #[test]
    fn lockout_reset_must_fit_the_duration_in_the_merged_policy() {
        let live = [(&LOCKOUT_DURATION, Value::Count(10))];
        let d = check_merged(&a(), &live, &[(&LOCKOUT_RESET, Value::Count(15))]);
        assert_eq!(d.0.len(), 1, "{d}");
        assert!(d.0[0].message.contains("must not exceed"), "{}", d.0[0]);
        assert!(check_merged(&a(), &live, &[(&LOCKOUT_RESET, Value::Count(10))]).is_empty());
        // Offline: both from the spec.
        let spec = [
            (&LOCKOUT_DURATION, Value::Count(10)),
            (&LOCKOUT_RESET, Value::Count(15)),
        ];
        let d = check_merged(&a(), &[], &spec);
        assert_eq!(d.0[0].hint.as_deref(), Some("lower account_lockout_policy.reset_account_lockout_counter_after or raise account_lockout_policy.account_lockout_duration"));
    }

    #[test]
    fn one_pwd_properties_value_from_every_flag() {
        // Complexity on, reversible off, from 0x10 | 0x4 (an unmanaged bit kept): 0x5.
        let wanted = [
            (&COMPLEXITY, Value::Flag(true)),
            (&REVERSIBLE, Value::Flag(false)),
            (&MINIMUM_PASSWORD_LENGTH, Value::Count(8)),
        ];
        assert_eq!(pwd_properties(0x14, &wanted), 0x5);
        assert_eq!(pwd_properties(0x14, &[]), 0x14);
        assert_eq!(pwd_properties(0, &[(&REVERSIBLE, Value::Flag(true))]), 0x10);
    }

    #[test]
    fn inf_keys_find_their_setting_in_any_case() {
        assert_eq!(
            by_inf_key("system access", "minimumpasswordage"),
            Some(&MINIMUM_PASSWORD_AGE)
        );
        assert_eq!(by_inf_key("Kerberos Policy", "MinimumPasswordAge"), None);
    }

    #[test]
    fn live_values_from_either_store() {
        let inf = |k: &str| match k {
            "MinimumPasswordAge" => Some("998".to_string()),
            "MaximumPasswordAge" => Some("-1".to_string()),
            "PasswordComplexity" => Some("junk".to_string()),
            _ => None,
        };
        assert_eq!(
            live_from_inf(inf),
            [
                (&MINIMUM_PASSWORD_AGE, Value::Count(998)),
                (&MAXIMUM_PASSWORD_AGE, Value::Never)
            ]
        );
        let ad = |a: &str| match a {
            "minPwdAge" => Some(-864_000_000_000),
            PWD_PROPERTIES => Some(0x11),
            _ => None,
        };
        assert_eq!(
            live_from_ad(ad),
            [
                (&MINIMUM_PASSWORD_AGE, Value::Count(1)),
                (&COMPLEXITY, Value::Flag(true)),
                (&REVERSIBLE, Value::Flag(true))
            ]
        );
    }
}
