//! `hybridctl export --graph`: the tenant settings hybridctl manages, as they are, and a
//! licence check for the Entra ID plans the tenant has.

use hybridctl_core::spec::{
    AccidentalDeletionPrevention, GraphAuthorizationPolicy, GraphDirectorySync, GraphLicense,
    PreventionType, Resource, SYNC_FEATURES, SYNC_FEATURES_NOT_UPDATABLE,
};
use hybridctl_core::{Address, Diagnostics, Kind};
use serde_json::Value;

use super::{diagnostic, first_value, resources, GraphProvider};
use crate::export::Exported;

/// The plans a licence check is exported for, in the order they are written.
const CHECKED_PLANS: &[&str] = &["AAD_PREMIUM", "AAD_PREMIUM_P2"];

impl GraphProvider {
    pub async fn export(&mut self) -> Result<Vec<Exported>, Diagnostics> {
        let every = GraphAuthorizationPolicy {
            name: String::new(),
            allowed_to_use_sspr: Some(true),
            allow_email_verified_users_to_join_organization: Some(true),
            allowed_to_sign_up_email_based_subscriptions: Some(true),
            block_msol_power_shell: Some(true),
        };
        let paths = vec![
            resources::authorization_path(&every),
            resources::SYNC_PATH.to_string(),
            resources::SKUS_PATH.to_string(),
        ];
        let kinds = [
            Kind::GraphAuthorizationPolicy,
            Kind::GraphDirectorySync,
            Kind::GraphLicense,
        ];
        let client = self.client()?;
        let answers = client
            .batch_get(&paths)
            .await
            .map_err(|e| diagnostic(&e, kinds[0], false))?;
        let mut bodies = Vec::new();
        let mut diags = Diagnostics::default();
        for (answer, kind) in answers.into_iter().zip(kinds) {
            match answer {
                Ok(b) => bodies.push(b),
                Err(e) => diags.push(diagnostic(&e, kind, false)),
            }
        }
        diags.into_result(())?;
        let skus = client
            .get_all(bodies[2].clone())
            .await
            .map_err(|e| diagnostic(&e, Kind::GraphLicense, false))?;

        let mut out = Vec::new();
        let mut notes = Vec::new();
        match licence(&skus) {
            Some(l) => out.push(Exported {
                resource: Resource::GraphLicense(l),
                notes: vec![],
            }),
            None => notes.push(format!(
                "no licence check exported: no enabled subscription carries {} with units left",
                CHECKED_PLANS.join(" or ")
            )),
        }
        out.push(Exported {
            resource: Resource::GraphAuthorizationPolicy(authorization(&bodies[0])),
            notes,
        });
        if let Some(live) = first_value(&bodies[1]) {
            out.push(Exported {
                resource: Resource::GraphDirectorySync(directory_sync(live)),
                notes: vec![],
            });
        }
        Ok(out)
    }
}

/// A check for the plans of [`CHECKED_PLANS`] the tenant has, enabled with units left:
/// the one `plan` passes, checked with its own code.
pub fn licence(skus: &[Value]) -> Option<GraphLicense> {
    let address = Address::new(Kind::GraphLicense, "export");
    let passing: Vec<String> = CHECKED_PLANS
        .iter()
        .filter(|p| {
            let one = GraphLicense {
                name: String::new(),
                require_service_plans: vec![p.to_string()],
            };
            resources::license(&address, &one, skus).is_ok()
        })
        .map(|p| p.to_string())
        .collect();
    (!passing.is_empty()).then(|| GraphLicense {
        name: "entra-id-premium".into(),
        require_service_plans: passing,
    })
}

/// Every property the kind manages, as the tenant has it.
pub fn authorization(live: &Value) -> GraphAuthorizationPolicy {
    let get = |k: &str| live.get(k).and_then(Value::as_bool);
    GraphAuthorizationPolicy {
        name: "tenant".into(),
        allowed_to_use_sspr: get("allowedToUseSSPR"),
        allow_email_verified_users_to_join_organization: get(
            "allowEmailVerifiedUsersToJoinOrganization",
        ),
        allowed_to_sign_up_email_based_subscriptions: get("allowedToSignUpEmailBasedSubscriptions"),
        block_msol_power_shell: get("blockMsolPowerShell"),
    }
}

/// The features Graph reports (those that may be managed) and the deletion prevention.
pub fn directory_sync(live: &Value) -> GraphDirectorySync {
    let features = SYNC_FEATURES
        .iter()
        .filter(|f| !SYNC_FEATURES_NOT_UPDATABLE.contains(f))
        .filter_map(|f| {
            live.pointer(&format!("/features/{f}"))
                .and_then(Value::as_bool)
                .map(|v| (f.to_string(), v))
        })
        .collect();
    let prevention = live.pointer("/configuration/accidentalDeletionPrevention");
    let kind = prevention
        .and_then(|p| p.get("synchronizationPreventionType"))
        .and_then(|t| serde_json::from_value::<PreventionType>(t.clone()).ok());
    let threshold = prevention
        .and_then(|p| p.get("alertThreshold"))
        .and_then(Value::as_u64)
        .and_then(|t| u32::try_from(t).ok());
    GraphDirectorySync {
        name: "tenant".into(),
        features,
        accidental_deletion_prevention: kind.map(|kind| AccidentalDeletionPrevention {
            kind,
            threshold: (kind != PreventionType::Disabled)
                .then_some(threshold)
                .flatten(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sync_settings_keep_only_what_may_be_managed() {
        let live = json!({
            "id": "x",
            "features": {"blockSoftMatchEnabled": true, "passwordWritebackEnabled": false, "somethingNew": true},
            "configuration": {"accidentalDeletionPrevention": {"synchronizationPreventionType": "enabledForCount", "alertThreshold": 500}}
        });
        let s = directory_sync(&live);
        assert_eq!(s.features.len(), 1);
        assert!(s.features["blockSoftMatchEnabled"]);
        let p = s.accidental_deletion_prevention.unwrap();
        assert_eq!(
            (p.kind, p.threshold),
            (PreventionType::EnabledForCount, Some(500))
        );
        let off = directory_sync(
            &json!({"configuration": {"accidentalDeletionPrevention": {"synchronizationPreventionType": "disabled", "alertThreshold": 500}}}),
        );
        assert_eq!(off.accidental_deletion_prevention.unwrap().threshold, None);
    }

    #[test]
    fn licence_check_names_only_plans_that_pass() {
        let sku = |plan: &str, enabled: i64, consumed: i64| {
            json!({"skuPartNumber": "X", "capabilityStatus": "Enabled", "consumedUnits": consumed,
                   "prepaidUnits": {"enabled": enabled},
                   "servicePlans": [{"servicePlanName": plan, "provisioningStatus": "Success"}]})
        };
        let l = licence(&[sku("AAD_PREMIUM", 10, 1), sku("AAD_PREMIUM_P2", 5, 5)]).unwrap();
        assert_eq!(l.require_service_plans, ["AAD_PREMIUM"]);
        assert!(licence(&[sku("EXCHANGE_S_STANDARD", 10, 1)]).is_none());
    }

    #[test]
    fn authorization_keeps_what_the_tenant_reports() {
        let a = authorization(&json!({"allowedToUseSSPR": false, "blockMsolPowerShell": true}));
        assert_eq!(a.allowed_to_use_sspr, Some(false));
        assert_eq!(a.block_msol_power_shell, Some(true));
        assert_eq!(a.allow_email_verified_users_to_join_organization, None);
    }
}
