//! The Graph resource kinds: what each reads, how it compares, what it writes.

use std::collections::BTreeMap;

use hybridctl_core::spec::{GraphAuthorizationPolicy, GraphDirectorySync, GraphLicense};
use hybridctl_core::{
    digest, Address, ApplyData, Change, ChangeOp, Diagnostic, Entry, Kind, ResourcePlan,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

pub const SKUS_PATH: &str = "/subscribedSkus?$select=skuId,skuPartNumber,capabilityStatus,consumedUnits,prepaidUnits,servicePlans";
pub const SYNC_PATH: &str =
    "/directory/onPremisesSynchronization?$select=id,features,configuration";

// ---- graph.license ---------------------------------------------------------------

/// Passes (a no-op plan) when an enabled SKU carries a wanted plan with units left.
pub fn license(
    address: &Address,
    spec: &GraphLicense,
    skus: &[Value],
) -> Result<ResourcePlan, Diagnostic> {
    let wanted = |p: &Value| {
        spec.require_service_plans.iter().any(|w| {
            p.get("servicePlanName")
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(w))
                || p.get("servicePlanId")
                    .and_then(Value::as_str)
                    .is_some_and(|i| i.eq_ignore_ascii_case(w))
        })
    };
    let mut found = Vec::new();
    for sku in skus {
        let name = sku
            .get("skuPartNumber")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let status = sku
            .get("capabilityStatus")
            .and_then(Value::as_str)
            .unwrap_or("?");
        let enabled = sku
            .pointer("/prepaidUnits/enabled")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let consumed = sku
            .get("consumedUnits")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let plans: Vec<&Value> = sku
            .get("servicePlans")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter(|p| wanted(p)).collect())
            .unwrap_or_default();
        let good = plans
            .iter()
            .find(|p| p.get("provisioningStatus").and_then(Value::as_str) == Some("Success"));
        if let (Some(plan), "Enabled", true) = (good, status, enabled > consumed) {
            let plan = plan
                .get("servicePlanName")
                .and_then(Value::as_str)
                .unwrap_or("?");
            let line = Entry {
                text: format!(
                    "{plan} in {name}: enabled, {} of {enabled} units left",
                    enabled - consumed
                ),
                code: None,
            };
            return Ok(ResourcePlan::new(
                address.clone(),
                "subscribedSkus".into(),
                digest::of_json(&(name, status, enabled, consumed)),
                vec![line.clone()],
                vec![line],
                vec![],
            ));
        }
        let why = match (plans.first(), status) {
            (None, _) => "none of the plans".to_string(),
            (Some(_), s) if s != "Enabled" => format!("the SKU is {s}"),
            (Some(_), _) if good.is_none() => {
                "the plan is not provisioned (status is not Success)".to_string()
            }
            _ => format!("no units left ({consumed} of {enabled} used)"),
        };
        found.push(format!("{name} ({why})"));
    }
    Err(Diagnostic::new(format!(
        "licence check failed: no enabled subscription carries {} with units left; found {}",
        spec.require_service_plans.join(" or "),
        if found.is_empty() {
            "no subscriptions".into()
        } else {
            found.join(", ")
        }
    ))
    .at(address)
    .hint(license_hint(&spec.require_service_plans)))
}

/// What to buy: the plans the spec requires, with the product names of those we know.
fn license_hint(plans: &[String]) -> String {
    let named: Vec<String> = plans
        .iter()
        .map(|p| match p.to_ascii_uppercase().as_str() {
            "AAD_PREMIUM" => format!("{p} (Microsoft Entra ID P1)"),
            "AAD_PREMIUM_P2" => format!("{p} (Microsoft Entra ID P2)"),
            _ => p.clone(),
        })
        .collect();
    format!(
        "buy or assign a subscription whose SKU carries {}, with units left; nothing is applied while a check fails",
        named.join(" or ")
    )
}

// ---- graph.authorization_policy ---------------------------------------------------

/// Spec keys and Graph's property names.
fn authorization_properties(spec: &GraphAuthorizationPolicy) -> Vec<(&'static str, bool)> {
    [
        ("allowedToUseSSPR", spec.allowed_to_use_sspr),
        (
            "allowEmailVerifiedUsersToJoinOrganization",
            spec.allow_email_verified_users_to_join_organization,
        ),
        (
            "allowedToSignUpEmailBasedSubscriptions",
            spec.allowed_to_sign_up_email_based_subscriptions,
        ),
        ("blockMsolPowerShell", spec.block_msol_power_shell),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect()
}

const AUTHORIZATION_POLICY: &str = "/policies/authorizationPolicy";

pub fn authorization_path(spec: &GraphAuthorizationPolicy) -> String {
    let keys: Vec<String> = authorization_properties(spec)
        .iter()
        .map(|(k, _)| k.to_string())
        .collect();
    read_path(
        Kind::GraphAuthorizationPolicy,
        &SettingsTarget {
            path: AUTHORIZATION_POLICY.into(),
            keys,
        },
    )
}

pub fn authorization(
    address: &Address,
    spec: &GraphAuthorizationPolicy,
    live: &Value,
) -> ResourcePlan {
    let wanted: Vec<(String, Value)> = authorization_properties(spec)
        .into_iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    settings_plan(
        address,
        AUTHORIZATION_POLICY,
        &wanted,
        live,
        |k, v| json!({ k: v }),
    )
}

/// The properties that differ, as one PATCH body.
pub fn patch_body(planned: &ResourcePlan) -> Result<Value, Diagnostic> {
    let mut body = Map::new();
    for c in &planned.changes {
        let Value::Object(m) = &c.payload else {
            return Err(Diagnostic::new(
                "the plan holds a change hybridctl cannot read",
            ));
        };
        merge(&mut body, m);
    }
    Ok(Value::Object(body))
}

fn merge(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (k, v) in from {
        match (into.get_mut(k), v) {
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b),
            _ => {
                into.insert(k.clone(), v.clone());
            }
        }
    }
}

/// What apply needs of a settings resource: where it lives and which properties the
/// plan compared. Saved in the plan as apply data, never shown.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SettingsTarget {
    /// Path relative to the endpoint, e.g. `/policies/authorizationPolicy`.
    pub path: String,
    /// Graph's names of the compared properties.
    pub keys: Vec<String>,
}

/// Where a fresh read of `target` goes (the plan's read and apply's re-read are one path).
pub fn read_path(kind: Kind, target: &SettingsTarget) -> String {
    match kind {
        Kind::GraphDirectorySync => format!("{}?$select=id,features,configuration", target.path),
        _ => format!("{}?$select={}", target.path, target.keys.join(",")),
    }
}

/// One property's live value, wherever the kind keeps it.
fn value_of(kind: Kind, live: &Value, key: &str) -> Value {
    match kind {
        Kind::GraphDirectorySync => sync_value(live, key),
        _ => live.get(key).cloned().unwrap_or(Value::Null),
    }
}

/// The fingerprint of a settings resource: its compared properties' live values. Plan and
/// apply both call this, so the stale check compares like with like.
pub fn fingerprint(kind: Kind, live: &Value, keys: &[String]) -> String {
    let seen: BTreeMap<&str, Value> = keys
        .iter()
        .map(|k| (k.as_str(), value_of(kind, live, k)))
        .collect();
    digest::of_json(&seen)
}

/// A plan over named settings: each compared, each differing one a change whose payload
/// is its own PATCH fragment.
fn settings_plan(
    address: &Address,
    path: &str,
    wanted: &[(String, Value)],
    live: &Value,
    fragment: impl Fn(&str, &Value) -> Value,
) -> ResourcePlan {
    let kind = address.kind;
    let mut changes = Vec::new();
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for (k, want) in wanted {
        let current = value_of(kind, live, k);
        before.push(Entry {
            text: format!("{k} = {current}"),
            code: None,
        });
        after.push(Entry {
            text: format!("{k} = {want}"),
            code: None,
        });
        if &current != want {
            changes.push(Change {
                op: ChangeOp::Set,
                entry: Entry {
                    text: format!("{k}: {current} -> {want}"),
                    code: None,
                },
                payload: fragment(k, want),
            });
        }
    }
    let target = SettingsTarget {
        path: path.to_string(),
        keys: wanted.iter().map(|(k, _)| k.clone()).collect(),
    };
    ResourcePlan::new(
        address.clone(),
        path.trim_start_matches('/').to_string(),
        fingerprint(kind, live, &target.keys),
        before,
        after,
        changes,
    )
    .with_apply_data(ApplyData::new(&target))
}

// ---- graph.directory_sync ----------------------------------------------------------

fn sync_value(live: &Value, key: &str) -> Value {
    match key {
        "synchronizationPreventionType" | "alertThreshold" => live
            .pointer(&format!(
                "/configuration/accidentalDeletionPrevention/{key}"
            ))
            .cloned()
            .unwrap_or(Value::Null),
        k => live
            .pointer(&format!("/features/{k}"))
            .cloned()
            .unwrap_or(Value::Null),
    }
}

pub fn directory_sync(address: &Address, spec: &GraphDirectorySync, live: &Value) -> ResourcePlan {
    let mut wanted: Vec<(String, Value)> = spec
        .features
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    if let Some(p) = &spec.accidental_deletion_prevention {
        wanted.push(("synchronizationPreventionType".into(), json!(p.kind)));
        if let Some(t) = p.threshold {
            wanted.push(("alertThreshold".into(), json!(t)));
        }
    }
    let id = live.get("id").and_then(Value::as_str).unwrap_or_default();
    settings_plan(
        address,
        &format!("/directory/onPremisesSynchronization/{id}"),
        &wanted,
        live,
        |k, v| match k {
            "synchronizationPreventionType" | "alertThreshold" => {
                json!({"configuration": {"accidentalDeletionPrevention": { k: v }}})
            }
            _ => json!({"features": { k: v }}),
        },
    )
}

/// Microsoft's documentation samples, read by the provider's own code.
#[cfg(test)]
mod samples {
    use super::*;
    use crate::graph::client::GraphError;
    use hybridctl_core::spec::{AccidentalDeletionPrevention, PreventionType};
    use hybridctl_core::Action;

    fn sample(name: &str) -> Value {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/graph/samples")
            .join(name);
        serde_json::from_str(
            &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        )
        .unwrap()
    }

    fn address(s: &str) -> Address {
        s.parse().unwrap()
    }

    #[test]
    fn subscribed_skus_list() {
        let skus = sample("subscribedSkus-list.response.json")["value"]
            .as_array()
            .unwrap()
            .clone();
        let ok = GraphLicense {
            name: "x".into(),
            require_service_plans: vec!["ADALLOM_S_O365".into()],
        };
        let p = license(&address("graph.license.x"), &ok, &skus).unwrap();
        assert_eq!(p.action, Action::NoOp);
        assert!(
            p.after[0]
                .text
                .starts_with("ADALLOM_S_O365 in ENTERPRISEPREMIUM: enabled"),
            "{:?}",
            p.after
        );
        let p1 = GraphLicense {
            name: "x".into(),
            require_service_plans: vec!["AAD_PREMIUM".into()],
        };
        let e = license(&address("graph.license.x"), &p1, &skus).unwrap_err();
        assert_eq!(
            e.hint.as_deref(),
            Some("buy or assign a subscription whose SKU carries AAD_PREMIUM (Microsoft Entra ID P1), with units left; nothing is applied while a check fails")
        );
        let other = GraphLicense {
            name: "x".into(),
            require_service_plans: vec!["INTUNE_A".into()],
        };
        let hint = license(&address("graph.license.x"), &other, &skus)
            .unwrap_err()
            .hint
            .unwrap();
        assert!(
            hint.contains("carries INTUNE_A,") && !hint.contains("P1"),
            "{hint}"
        );
        assert!(
            e.message.contains(
                "found ENTERPRISEPREMIUM (none of the plans), CRMSTANDARD (none of the plans)"
            ),
            "{e}"
        );
    }

    #[test]
    fn authorization_policy_get_and_update() {
        let live = sample("authorizationPolicy-get.response.json");
        let mut spec = GraphAuthorizationPolicy {
            name: "t".into(),
            allowed_to_use_sspr: Some(true),
            allow_email_verified_users_to_join_organization: None,
            allowed_to_sign_up_email_based_subscriptions: None,
            block_msol_power_shell: None,
        };
        assert_eq!(
            authorization(&address("graph.authorization_policy.t"), &spec, &live).action,
            Action::NoOp
        );
        let mut off = live.clone();
        off["allowedToUseSSPR"] = Value::Bool(false);
        let plan = authorization(&address("graph.authorization_policy.t"), &spec, &off);
        // The PATCH hybridctl sends is Microsoft's own example request.
        assert_eq!(
            patch_body(&plan).unwrap(),
            sample("authorizationPolicy-update-allowedToUseSSPR.request.json")
        );
        spec.block_msol_power_shell = Some(true);
        // `blockMsolPowerShell: null` in the sample reads as "not set", which differs.
        assert_eq!(
            authorization(&address("graph.authorization_policy.t"), &spec, &live)
                .changes
                .len(),
            1
        );
    }

    #[test]
    fn on_premises_synchronization_get_and_update() {
        let live = sample("onPremisesSynchronization-get.response.json");
        let spec = GraphDirectorySync {
            name: "t".into(),
            features: [("groupWriteBackEnabled".to_string(), true)].into(),
            accidental_deletion_prevention: Some(AccidentalDeletionPrevention {
                kind: PreventionType::EnabledForCount,
                threshold: Some(500),
            }),
        };
        let plan = directory_sync(&address("graph.directory_sync.t"), &spec, &live);
        assert_eq!(
            plan.target,
            "directory/onPremisesSynchronization/12cce4b4-4ab8-40b7-be4d-f5d7742ec185"
        );
        let body = patch_body(&plan).unwrap();
        // Only what differs from the sample: the feature (the prevention settings already match).
        assert_eq!(
            body,
            serde_json::json!({"features": {"groupWriteBackEnabled": true}})
        );
        let documented = sample("onPremisesSynchronization-update.request.json");
        assert_eq!(documented["features"], body["features"]);
    }

    #[test]
    fn error_bodies() {
        let e = GraphError::from_body(400, &sample("odata-error.json"));
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            (
                "invalidRange",
                "Uploaded fragment overlaps with existing data."
            )
        );
        let e = GraphError::from_body(429, &sample("throttling-429.json"));
        assert_eq!(e.code, "TooManyRequests");
        let e = GraphError::from_body(400, &sample("token-error.json"));
        assert_eq!(e.code, "invalid_scope");
        assert!(
            e.message.starts_with(
                "AADSTS70011: The provided value for the input parameter 'scope' is not valid."
            ),
            "{}",
            e.message
        );
        assert!(sample("token-response.json")["access_token"].is_string());
    }
}
