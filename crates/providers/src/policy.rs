//! Password and lockout policy settings: one table that says, for each GPMC setting,
//! its GptTmpl.inf key, its domain-head attribute and its unit, and exact conversions
//! between the three. Shared by `gpo.security` and `ad.password_policy`.

use hybridctl_core::spec::{AccountLockoutPolicy, Interval, PasswordPolicy};

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

#[derive(Debug)]
pub struct Setting {
    /// GPMC's name, for people.
    pub label: &'static str,
    pub inf_key: &'static str,
    pub ad_attribute: &'static str,
    pub unit: Unit,
}

pub const PWD_PROPERTIES: &str = "pwdProperties";
const DOMAIN_PASSWORD_COMPLEX: i64 = 0x1;
const DOMAIN_PASSWORD_STORE_CLEARTEXT: i64 = 0x10;

pub const MINIMUM_PASSWORD_AGE: Setting = Setting {
    label: "Minimum password age",
    inf_key: "MinimumPasswordAge",
    ad_attribute: "minPwdAge",
    unit: Unit::Days,
};
pub const MAXIMUM_PASSWORD_AGE: Setting = Setting {
    label: "Maximum password age",
    inf_key: "MaximumPasswordAge",
    ad_attribute: "maxPwdAge",
    unit: Unit::Days,
};
pub const MINIMUM_PASSWORD_LENGTH: Setting = Setting {
    label: "Minimum password length",
    inf_key: "MinimumPasswordLength",
    ad_attribute: "minPwdLength",
    unit: Unit::Count("characters"),
};
pub const PASSWORD_HISTORY: Setting = Setting {
    label: "Enforce password history",
    inf_key: "PasswordHistorySize",
    ad_attribute: "pwdHistoryLength",
    unit: Unit::Count("passwords remembered"),
};
pub const COMPLEXITY: Setting = Setting {
    label: "Password must meet complexity requirements",
    inf_key: "PasswordComplexity",
    ad_attribute: PWD_PROPERTIES,
    unit: Unit::Flag(DOMAIN_PASSWORD_COMPLEX),
};
pub const REVERSIBLE: Setting = Setting {
    label: "Store passwords using reversible encryption",
    inf_key: "ClearTextPassword",
    ad_attribute: PWD_PROPERTIES,
    unit: Unit::Flag(DOMAIN_PASSWORD_STORE_CLEARTEXT),
};
pub const LOCKOUT_THRESHOLD: Setting = Setting {
    label: "Account lockout threshold",
    inf_key: "LockoutBadCount",
    ad_attribute: "lockoutThreshold",
    unit: Unit::Count("invalid logon attempts"),
};
pub const LOCKOUT_DURATION: Setting = Setting {
    label: "Account lockout duration",
    inf_key: "LockoutDuration",
    ad_attribute: "lockoutDuration",
    unit: Unit::Minutes,
};
pub const LOCKOUT_RESET: Setting = Setting {
    label: "Reset account lockout counter after",
    inf_key: "ResetLockoutCount",
    ad_attribute: "lockOutObservationWindow",
    unit: Unit::Minutes,
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

    /// The domain-head attribute value. For flags: the new `pwdProperties` given the old one.
    pub fn to_ad(&self, v: Value, pwd_properties: i64) -> i64 {
        match (self.unit, v) {
            (_, Value::Never) => i64::MIN,
            (Unit::Days, Value::Count(n)) => -(i64::from(n) * PER_DAY),
            (Unit::Minutes, Value::Count(n)) => -(i64::from(n) * PER_MINUTE),
            (Unit::Flag(bit), Value::Flag(on)) => {
                if on {
                    pwd_properties | bit
                } else {
                    pwd_properties & !bit
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
            assert_eq!(s.to_ad(v, 0), ad, "{v:?}");
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
        assert_eq!(LOCKOUT_DURATION.to_ad(Value::Count(30), 0), -18_000_000_000);
        assert_eq!(LOCKOUT_DURATION.from_ad(-18_000_000_001), None);
        assert_eq!(
            LOCKOUT_DURATION.show(Value::Never),
            "never (until an administrator unlocks)"
        );
    }

    #[test]
    fn flags_touch_only_their_bit() {
        assert_eq!(COMPLEXITY.to_ad(Value::Flag(true), 0x10), 0x11);
        assert_eq!(REVERSIBLE.to_ad(Value::Flag(false), 0x11), 0x01);
        assert_eq!(COMPLEXITY.from_ad(0x11), Some(Value::Flag(true)));
        assert_eq!(COMPLEXITY.from_inf("0"), Some(Value::Flag(false)));
    }
}
