//! Where and how to reach Graph: the spec's `connections.graph`, overridden by the environment.

use std::path::PathBuf;
use std::time::Duration;

use hybridctl_core::spec::{Cloud, GraphConnection};
use hybridctl_core::Diagnostic;

use crate::env::{self, Env};
use crate::Secret;

pub const ENV_TENANT: &str = "HYBRIDCTL_GRAPH_TENANT_ID";
pub const ENV_CLIENT: &str = "HYBRIDCTL_GRAPH_CLIENT_ID";
pub const ENV_SECRET: &str = "HYBRIDCTL_GRAPH_CLIENT_SECRET";
pub const ENV_ENDPOINT: &str = "HYBRIDCTL_GRAPH_ENDPOINT";
pub const ENV_TOKEN_URL: &str = "HYBRIDCTL_GRAPH_TOKEN_URL";
pub const ENV_CA_FILE: &str = "HYBRIDCTL_GRAPH_CA_FILE";
pub const ENV_MAX_RETRY: &str = "HYBRIDCTL_GRAPH_MAX_RETRY_SECONDS";
pub const ENV_CERTIFICATE: &str = "HYBRIDCTL_GRAPH_CERTIFICATE_FILE";
pub const ENV_PRIVATE_KEY: &str = "HYBRIDCTL_GRAPH_PRIVATE_KEY_FILE";

/// How the app proves who it is.
#[derive(Debug)]
pub enum Credential {
    Secret(Secret),
    /// Certificate and private key files (PEM).
    Certificate {
        certificate: PathBuf,
        private_key: PathBuf,
    },
}

#[derive(Debug)]
pub struct GraphSettings {
    pub tenant_id: String,
    pub client_id: String,
    pub credential: Credential,
    /// `https://graph.microsoft.com/v1.0` or a national cloud's, or the emulator's.
    pub endpoint: String,
    pub token_url: String,
    /// The OAuth scope: the cloud's Graph resource with `/.default` (the emulator,
    /// reached through `HYBRIDCTL_GRAPH_ENDPOINT`, takes the global cloud's).
    pub scope: String,
    pub ca_file: Option<PathBuf>,
    /// How long retries of throttled or unavailable requests may wait in all.
    pub max_retry: Duration,
}

/// Login and Graph hosts of each national cloud.
fn hosts(cloud: Cloud) -> (&'static str, &'static str) {
    match cloud {
        Cloud::Global => (
            "https://login.microsoftonline.com",
            "https://graph.microsoft.com",
        ),
        Cloud::Usgov => (
            "https://login.microsoftonline.us",
            "https://graph.microsoft.us",
        ),
        Cloud::UsgovDod => (
            "https://login.microsoftonline.us",
            "https://dod-graph.microsoft.us",
        ),
        Cloud::China => (
            "https://login.chinacloudapi.cn",
            "https://microsoftgraph.chinacloudapi.cn",
        ),
    }
}

impl GraphSettings {
    pub fn resolve(spec: Option<&GraphConnection>, env: &Env) -> Result<GraphSettings, Diagnostic> {
        let spec = spec.cloned().unwrap_or_default();
        let need = |v: Option<String>, var: &str, key: &str| {
            v.ok_or_else(|| {
                Diagnostic::new(format!("no Graph {key} is set"))
                    .hint(format!("set connections.graph.{key} in the spec or {var}"))
            })
        };
        let tenant_id = need(
            env::get(env, ENV_TENANT)
                .map(str::to_string)
                .or(spec.tenant_id.clone()),
            ENV_TENANT,
            "tenant_id",
        )?;
        let client_id = need(
            env::get(env, ENV_CLIENT)
                .map(str::to_string)
                .or(spec.client_id.clone()),
            ENV_CLIENT,
            "client_id",
        )?;
        let secret_var = spec
            .client_secret_env
            .clone()
            .unwrap_or_else(|| ENV_SECRET.to_string());
        let secret = env::get(env, ENV_SECRET)
            .or_else(|| env::get(env, &secret_var))
            .map(|s| Secret::new(s.to_string()));
        let certificate = env::get(env, ENV_CERTIFICATE)
            .map(PathBuf::from)
            .or(spec.certificate_file.clone());
        let private_key = env::get(env, ENV_PRIVATE_KEY)
            .map(PathBuf::from)
            .or(spec.private_key_file.clone());
        let credential = match (secret, certificate, private_key) {
            (Some(s), _, _) => Credential::Secret(s),
            (None, Some(certificate), Some(private_key)) => Credential::Certificate { certificate, private_key },
            (None, Some(_), None) | (None, None, Some(_)) => {
                return Err(Diagnostic::new("a Graph certificate needs both certificate_file and private_key_file"));
            }
            (None, None, None) => {
                return Err(Diagnostic::new("no Graph credential is set").hint(format!(
                    "export {secret_var} with the client secret's value (not its ID), or give certificate_file and private_key_file"
                )))
            }
        };
        let (login, graph) = hosts(spec.cloud.unwrap_or(Cloud::Global));
        let endpoint = env::get(env, ENV_ENDPOINT)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{graph}/v1.0"));
        let token_url = env::get(env, ENV_TOKEN_URL)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{login}/{tenant_id}/oauth2/v2.0/token"));
        let max_retry = env::get(env, ENV_MAX_RETRY)
            .and_then(|v| v.parse().ok())
            .map(Duration::from_secs_f64)
            .unwrap_or(Duration::from_secs(120));
        Ok(GraphSettings {
            tenant_id,
            client_id,
            credential,
            endpoint: endpoint.trim_end_matches('/').to_string(),
            token_url,
            scope: format!("{graph}/.default"),
            ca_file: env::get(env, ENV_CA_FILE)
                .map(PathBuf::from)
                .or(spec.ca_file.clone()),
            max_retry,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With nothing in the environment but the secret under the name the spec gives,
    /// every key of `connections.graph` reaches the settings.
    #[test]
    fn every_spec_key_is_used_when_the_environment_is_empty() {
        let env: Env = [("SPEC_SECRET".to_string(), "s3cret".to_string())].into();
        let spec = GraphConnection {
            tenant_id: Some("tenant".into()),
            client_id: Some("client".into()),
            client_secret_env: Some("SPEC_SECRET".into()),
            cloud: Some(Cloud::China),
            ca_file: Some(PathBuf::from("/etc/ca.pem")),
            ..Default::default()
        };
        let s = GraphSettings::resolve(Some(&spec), &env).unwrap();
        assert_eq!(
            (s.tenant_id.as_str(), s.client_id.as_str()),
            ("tenant", "client")
        );
        assert!(matches!(&s.credential, Credential::Secret(x) if x.expose() == "s3cret"));
        assert_eq!(s.endpoint, "https://microsoftgraph.chinacloudapi.cn/v1.0");
        assert_eq!(
            s.token_url,
            "https://login.chinacloudapi.cn/tenant/oauth2/v2.0/token"
        );
        assert_eq!(s.scope, "https://microsoftgraph.chinacloudapi.cn/.default");
        assert_eq!(s.ca_file, Some(PathBuf::from("/etc/ca.pem")));
        let certs = GraphConnection {
            certificate_file: Some("/c.pem".into()),
            private_key_file: Some("/k.pem".into()),
            client_secret_env: None,
            ..spec
        };
        let s = GraphSettings::resolve(Some(&certs), &Env::new()).unwrap();
        assert!(matches!(s.credential, Credential::Certificate { .. }));
    }

    #[test]
    fn national_clouds_and_overrides() {
        let env: Env = [(ENV_TENANT, "t"), (ENV_CLIENT, "c"), (ENV_SECRET, "s")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let s = GraphSettings::resolve(
            Some(&GraphConnection {
                cloud: Some(Cloud::Usgov),
                ..Default::default()
            }),
            &env,
        )
        .unwrap();
        assert_eq!(s.endpoint, "https://graph.microsoft.us/v1.0");
        assert_eq!(
            s.token_url,
            "https://login.microsoftonline.us/t/oauth2/v2.0/token"
        );
        let mut env = env;
        env.insert(ENV_ENDPOINT.into(), "https://127.0.0.1:8443/v1.0/".into());
        let s = GraphSettings::resolve(None, &env).unwrap();
        assert_eq!(s.endpoint, "https://127.0.0.1:8443/v1.0");
        assert!(!format!("{s:?}").contains("\"s\""));
    }
}
