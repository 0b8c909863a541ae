//! The process environment as a value, so commands and tests can pass their own.

use std::collections::BTreeMap;

pub type Env = BTreeMap<String, String>;

/// Reads a boolean switch: `1`, `true`, `yes` (any case) are on.
pub fn flag(env: &Env, name: &str) -> bool {
    env.get(name)
        .is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
}

/// A non-empty variable.
pub fn get<'a>(env: &'a Env, name: &str) -> Option<&'a str> {
    env.get(name).map(String::as_str).filter(|v| !v.is_empty())
}
