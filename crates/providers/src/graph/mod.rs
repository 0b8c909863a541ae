//! Microsoft Graph: licence checks and the tenant settings SSPR and sync depend on.

pub mod assertion;
pub mod client;
pub mod export;
pub mod resources;
pub mod settings;

use async_trait::async_trait;
use hybridctl_core::spec::Resource;
use hybridctl_core::{Address, Diagnostic, Diagnostics, Kind, Provider, ResourcePlan};
use serde_json::Value;

use client::{Failure, GraphClient, GraphError};
use resources::SettingsTarget;
use settings::GraphSettings;

pub struct GraphProvider {
    client: Client,
}

/// The settings until the first call needs a client; then the client, which owns them.
enum Client {
    Pending(Option<GraphSettings>),
    Ready(Box<GraphClient>),
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
            client: Client::Pending(Some(settings)),
        }
    }

    fn client(&mut self) -> Result<&mut GraphClient, Diagnostic> {
        if let Client::Pending(settings) = &mut self.client {
            let settings = settings.take().expect("a failed set-up ends the run");
            let c = GraphClient::new(settings).map_err(|e| {
                Diagnostic::new(e.to_string()).hint(format!(
                    "check connections.graph.ca_file / {} and the certificate files",
                    settings::ENV_CA_FILE
                ))
            })?;
            self.client = Client::Ready(Box::new(c));
        }
        match &mut self.client {
            Client::Ready(c) => Ok(c),
            Client::Pending(_) => unreachable!("set above"),
        }
    }
}

/// A Graph failure as something a person can act on.
fn diagnostic(e: &GraphError, kind: Kind, writing: bool) -> Diagnostic {
    let d = Diagnostic::new(e.to_string());
    let permission = PERMISSIONS
        .iter()
        .find(|(k, _, _)| *k == kind.as_str())
        .map(|(_, r, w)| if writing { *w } else { *r })
        .unwrap_or("?");
    match &e.failure {
        Failure::Unreachable {
            untrusted_certificate: true,
            ..
        } => {
            return d.hint(format!(
                "Graph's certificate is not trusted: set connections.graph.ca_file or {} to the CA that issued it",
                settings::ENV_CA_FILE
            ))
        }
        Failure::Unreachable { url, .. } => {
            return d.hint(format!(
                "check that {url} is reachable from here ({} points hybridctl at another Graph endpoint)",
                settings::ENV_ENDPOINT
            ))
        }
        Failure::GaveUp => {
            return d.hint("Graph is throttling or unavailable; run again later (drift on a schedule retries by itself)")
        }
        Failure::Answered | Failure::Local => {}
    }
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
        _ => d,
    }
}

#[async_trait]
impl Provider for GraphProvider {
    fn kinds(&self) -> &'static [Kind] {
        &[
            Kind::GraphLicense,
            Kind::GraphAuthorizationPolicy,
            Kind::GraphDirectorySync,
        ]
    }

    async fn plan(&mut self, resources: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
        let mut diags = Diagnostics::default();
        // Every read of this plan in $batch requests: one path per resource.
        let paths: Vec<String> = resources
            .iter()
            .map(|r| match r {
                Resource::GraphAuthorizationPolicy(s) => resources::authorization_path(s),
                Resource::GraphDirectorySync(_) => resources::SYNC_PATH.to_string(),
                _ => resources::SKUS_PATH.to_string(),
            })
            .collect();
        let client = self.client()?;
        let first_kind = resources.first().map_or(Kind::GraphLicense, |r| r.kind());
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
                Resource::GraphDirectorySync(s) => match first_value(&body) {
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

    async fn observe(&mut self, planned: &[&ResourcePlan]) -> Result<Vec<String>, Diagnostics> {
        let mut targets = Vec::new();
        for p in planned {
            targets.push(settings_target(p)?);
        }
        let paths: Vec<String> = planned
            .iter()
            .zip(&targets)
            .map(|(p, t)| resources::read_path(p.address.kind, t))
            .collect();
        let client = self.client()?;
        let answers = client
            .batch_get(&paths)
            .await
            .map_err(|e| diagnostic(&e, planned[0].address.kind, false))?;
        let mut diags = Diagnostics::default();
        let mut out = Vec::new();
        for ((p, t), answer) in planned.iter().zip(&targets).zip(answers) {
            match answer {
                Ok(body) => {
                    let live = match p.address.kind {
                        Kind::GraphDirectorySync => {
                            first_value(&body).cloned().unwrap_or(Value::Null)
                        }
                        _ => body,
                    };
                    out.push(resources::fingerprint(p.address.kind, &live, &t.keys));
                }
                Err(e) => diags.push(diagnostic(&e, p.address.kind, false).at(&p.address)),
            }
        }
        diags.into_result(out)
    }

    async fn apply(&mut self, planned: &ResourcePlan) -> Result<(), Diagnostic> {
        let kind = planned.address.kind;
        if kind == Kind::GraphLicense {
            return Err(Diagnostic::new("graph.license is a check; it never writes"));
        }
        let target = settings_target(planned)?;
        let client = self.client()?;
        // Re-read right before writing, and refuse if it moved since the plan.
        let read = format!(
            "{}{}",
            client.settings().endpoint,
            resources::read_path(kind, &target)
        );
        let (_, body) = client
            .send(reqwest::Method::GET, &read, None)
            .await
            .map_err(|e| diagnostic(&e, kind, false))?;
        let live = match kind {
            Kind::GraphDirectorySync => first_value(&body).cloned().unwrap_or(Value::Null),
            _ => body,
        };
        if resources::fingerprint(kind, &live, &target.keys) != planned.observed {
            return Err(Diagnostic::new(format!("saved plan is stale: {} changed in the tenant since the plan was made; nothing was written", target.path))
                .hint("run `hybridctl plan` again and review the new plan"));
        }
        let body = resources::patch_body(planned)?;
        client
            .patch(&target.path, &body)
            .await
            .map_err(|e| diagnostic(&e, kind, true))
    }
}

fn settings_target(planned: &ResourcePlan) -> Result<SettingsTarget, Diagnostic> {
    planned
        .apply_data
        .read()
        .map_err(|e| Diagnostic::new(e.to_string()).at(&planned.address))
}

/// The first object of a collection answer (`{"value": [...]}`), or the object itself.
fn first_value(body: &Value) -> Option<&Value> {
    match body.get("value") {
        Some(v) => v.as_array().and_then(|a| a.first()),
        None => body.is_object().then_some(body),
    }
}
