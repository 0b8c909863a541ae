//! Microsoft Graph: licence checks and the tenant settings SSPR and sync depend on.

pub mod assertion;
pub mod client;
pub mod resources;
pub mod settings;

use async_trait::async_trait;
use hybridctl_core::spec::Resource;
use hybridctl_core::{Address, Diagnostic, Diagnostics, Provider, ResourcePlan};
use serde_json::Value;

use client::{GraphClient, GraphError};
use settings::GraphSettings;

pub struct GraphProvider {
    settings: GraphSettings,
    client: Option<GraphClient>,
}

/// Least-privilege application permissions, per resource kind: (read, write).
pub const PERMISSIONS: &[(&str, &str, &str)] = &[
    (
        "graph.license",
        "LicenseAssignment.Read.All (or Organization.Read.All)",
        "-",
    ),
    (
        "graph.authorization_policy",
        "Policy.Read.All",
        "Policy.ReadWrite.Authorization",
    ),
    (
        "graph.directory_sync",
        "OnPremDirectorySynchronization.Read.All",
        "OnPremDirectorySynchronization.ReadWrite.All",
    ),
];

impl GraphProvider {
    pub fn new(settings: GraphSettings) -> GraphProvider {
        GraphProvider {
            settings,
            client: None,
        }
    }

    fn client(&mut self) -> Result<&mut GraphClient, Diagnostic> {
        if self.client.is_none() {
            let c = GraphClient::new(self.settings.clone()).map_err(|e| {
                Diagnostic::new(format!("cannot set up HTTPS for Graph: {e}"))
                    .hint("check HYBRIDCTL_GRAPH_CA_FILE")
            })?;
            self.client = Some(c);
        }
        Ok(self.client.as_mut().expect("just set"))
    }
}

/// A Graph failure as something a person can act on.
fn diagnostic(e: &GraphError, kind: &str, writing: bool) -> Diagnostic {
    let d = Diagnostic::new(e.to_string());
    let permission = PERMISSIONS
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, r, w)| if writing { *w } else { *r })
        .unwrap_or("?");
    match e.code.as_str() {
        "Authorization_RequestDenied" => d.hint(format!(
            "the app registration lacks the application permission {permission}: add it in Entra ID > App registrations > API permissions and grant admin consent"
        )),
        "invalid_client" if e.message.contains("AADSTS7000") && e.message.contains("certificate") || e.message.contains("AADSTS700027") => d.hint(
            "the certificate is not the one registered on the app registration: upload its public part (.cer) under Certificates & secrets, or check certificate_file and private_key_file",
        ),
        "invalid_client" => d.hint(format!(
            "the client secret was refused: check {} holds the secret's value (not its ID) and that it has not expired",
            settings::ENV_SECRET
        )),
        "unauthorized_client" => d.hint(format!("no app with this client id in the tenant: check {}", settings::ENV_CLIENT)),
        "invalid_request" if e.message.contains("AADSTS90002") => d.hint(format!("no such tenant: check {}", settings::ENV_TENANT)),
        "InvalidAuthenticationToken" => d.hint("the token was refused: check the tenant and client ids"),
        "GaveUp" => d.hint("Graph is throttling or unavailable; run again later (drift on a schedule retries by itself)"),
        _ if e.status == 0 => d.hint(format!("check that {} is reachable (HYBRIDCTL_GRAPH_ENDPOINT for the emulator)", e.message.split(' ').next().unwrap_or(""))),
        _ => d,
    }
}

#[async_trait]
impl Provider for GraphProvider {
    fn kinds(&self) -> &'static [&'static str] {
        &[
            "graph.license",
            "graph.authorization_policy",
            "graph.directory_sync",
        ]
    }

    async fn plan(&mut self, resources: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
        let mut diags = Diagnostics::default();
        // Every read of this plan in one $batch: one path per resource.
        let paths: Vec<String> = resources
            .iter()
            .map(|r| match r {
                Resource::GraphLicense(_) => resources::SKUS_PATH.to_string(),
                Resource::GraphAuthorizationPolicy(s) => resources::authorization_path(s),
                Resource::GraphDirectorySync(_) => resources::SYNC_PATH.to_string(),
                _ => String::new(),
            })
            .collect();
        let client = self.client()?;
        let first_kind = resources.first().map(|r| r.kind()).unwrap_or("graph");
        let answers = client
            .batch_get(&paths)
            .await
            .map_err(|e| diagnostic(&e, first_kind, false))?;
        let mut plans = Vec::new();
        for (r, answer) in resources.iter().zip(answers) {
            let address: Address = r.address();
            let body = match answer {
                Ok(b) => b,
                Err(e) => {
                    diags.push(diagnostic(&e, r.kind(), false).at(&address));
                    continue;
                }
            };
            let plan = match r {
                Resource::GraphLicense(s) => match client.get_all(body).await {
                    Ok(skus) => resources::license(&address, s, &skus),
                    Err(e) => Err(diagnostic(&e, r.kind(), false).at(&address)),
                },
                Resource::GraphAuthorizationPolicy(s) => Ok(resources::authorization(&address, s, &body)),
                Resource::GraphDirectorySync(s) => match body.get("value").and_then(Value::as_array).and_then(|v| v.first()) {
                    Some(live) => Ok(resources::directory_sync(&address, s, live)),
                    None => Err(Diagnostic::new("the tenant has no onPremisesSynchronization object: is directory synchronization enabled?").at(&address)),
                },
                _ => continue,
            };
            match plan {
                Ok(p) => plans.push(p),
                Err(d) => diags.push(d),
            }
        }
        diags.into_result(plans)
    }

    async fn apply(&mut self, planned: &ResourcePlan) -> Result<(), Diagnostic> {
        let kind = planned.address.kind.clone();
        let client = self.client()?;
        let endpoint = client.settings().endpoint.clone();
        // Re-read right before writing, and refuse if it moved since the plan.
        let (read, sync) = match kind.as_str() {
            "graph.authorization_policy" => {
                let select: Vec<String> = planned
                    .before
                    .iter()
                    .filter_map(|e| e.text.split(" = ").next().map(str::to_string))
                    .collect();
                (
                    format!(
                        "{endpoint}/policies/authorizationPolicy?$select={}",
                        select.join(",")
                    ),
                    false,
                )
            }
            "graph.directory_sync" => (format!("{endpoint}/{}", planned.target), true),
            other => return Err(Diagnostic::new(format!("{other} never writes"))),
        };
        let (_, live) = client
            .send(reqwest::Method::GET, &read, None)
            .await
            .map_err(|e| diagnostic(&e, &kind, false))?;
        if resources::observed(planned, &live, sync) != planned.observed {
            return Err(Diagnostic::new(format!("saved plan is stale: {} changed in the tenant since the plan was made; nothing was written", planned.target))
                .hint("run `hybridctl plan` again and review the new plan"));
        }
        let body = resources::patch_body(planned)?;
        client
            .patch(&format!("/{}", planned.target), &body)
            .await
            .map_err(|e| diagnostic(&e, &kind, true))
    }
}
