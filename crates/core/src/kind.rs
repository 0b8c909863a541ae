//! Resource kinds: a closed set, named once here. Addresses, providers and the CLI's
//! registry all use this type, so a kind can never be routed by string matching.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Every resource kind hybridctl knows. Adding one starts here (see CONTRIBUTING.md).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub enum Kind {
    #[serde(rename = "ad.acl")]
    AdAcl,
    #[serde(rename = "ad.password_policy")]
    AdPasswordPolicy,
    #[serde(rename = "ad.effective_access")]
    AdEffectiveAccess,
    #[serde(rename = "gpo.security")]
    GpoSecurity,
    #[serde(rename = "graph.license")]
    GraphLicense,
    #[serde(rename = "graph.authorization_policy")]
    GraphAuthorizationPolicy,
    #[serde(rename = "graph.directory_sync")]
    GraphDirectorySync,
    #[serde(rename = "entra_connect.permissions")]
    EntraConnectPermissions,
    #[serde(rename = "manual")]
    Manual,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::AdAcl,
        Kind::AdPasswordPolicy,
        Kind::AdEffectiveAccess,
        Kind::GpoSecurity,
        Kind::GraphLicense,
        Kind::GraphAuthorizationPolicy,
        Kind::GraphDirectorySync,
        Kind::EntraConnectPermissions,
        Kind::Manual,
    ];

    /// The kind as specs, addresses and plans spell it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::AdAcl => "ad.acl",
            Kind::AdPasswordPolicy => "ad.password_policy",
            Kind::AdEffectiveAccess => "ad.effective_access",
            Kind::GpoSecurity => "gpo.security",
            Kind::GraphLicense => "graph.license",
            Kind::GraphAuthorizationPolicy => "graph.authorization_policy",
            Kind::GraphDirectorySync => "graph.directory_sync",
            Kind::EntraConnectPermissions => "entra_connect.permissions",
            Kind::Manual => "manual",
        }
    }
}

impl Kind {
    /// Kinds that check and never write: evaluated again after every apply.
    pub const fn is_check(self) -> bool {
        matches!(self, Kind::AdEffectiveAccess)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a resource kind (kinds: {kinds})", kinds = kind_list())]
pub struct UnknownKind(pub String);

fn kind_list() -> String {
    Kind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Kind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Kind, UnknownKind> {
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_text_and_serde() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>().unwrap(), *k);
            let json = serde_json::to_string(k).unwrap();
            assert_eq!(json, format!("\"{k}\""));
            assert_eq!(serde_json::from_str::<Kind>(&json).unwrap(), *k);
        }
        assert!("ad.acls"
            .parse::<Kind>()
            .unwrap_err()
            .to_string()
            .contains("ad.acl, "));
    }
}
