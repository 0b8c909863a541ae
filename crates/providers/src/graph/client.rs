//! Talking to Graph: client credentials with a cached token, retries that honour
//! `Retry-After` within a time bound, `@odata.nextLink` followed as given, `$batch`.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::assertion;
use super::settings::{Credential, GraphSettings};

/// Requests per `$batch`, Graph's limit.
pub const BATCH_LIMIT: usize = 20;
const MAX_ATTEMPTS: u32 = 8;
/// Renew a token this long before it expires.
const TOKEN_MARGIN: Duration = Duration::from_secs(300);

/// A failed Graph call, with what Graph said.
#[derive(Debug, Clone)]
pub struct GraphError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub failure: Failure,
}

/// How a call failed, for the hint a person gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Graph (or the token endpoint) answered with an error.
    Answered,
    /// No answer: the connection failed (or the server's certificate was refused).
    Unreachable {
        url: String,
        untrusted_certificate: bool,
    },
    /// Throttled or unavailable for longer than the retry bound.
    GaveUp,
    /// Something on this side (a key that cannot sign, a reply that is not JSON).
    Local,
}

impl std::fmt::Display for GraphError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.failure {
            Failure::Answered => write!(
                f,
                "Graph answered {} {}: {}",
                self.status, self.code, self.message
            ),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for GraphError {}

/// Why a Graph client could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("cannot use the Graph CA file {path}: {source}")]
    CaFile {
        path: String,
        source: crate::tls::TlsError,
    },
    #[error("cannot set up TLS for Graph: {0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("cannot set up the HTTPS client: {0}")]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Certificate(#[from] assertion::CredentialError),
}

impl GraphError {
    fn local(message: String) -> GraphError {
        GraphError {
            status: 0,
            code: String::new(),
            message,
            failure: Failure::Local,
        }
    }

    fn unreachable(url: &str, e: &reqwest::Error, what: String) -> GraphError {
        GraphError {
            status: 0,
            code: String::new(),
            message: format!("{what}: {}", chain(e)),
            failure: Failure::Unreachable {
                url: url.to_string(),
                untrusted_certificate: crate::tls::is_untrusted_certificate(e),
            },
        }
    }

    pub(crate) fn from_body(status: u16, body: &Value) -> GraphError {
        // OData errors, and the token endpoint's OAuth errors.
        let code = body
            .pointer("/error/code")
            .or_else(|| body.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let message = body
            .pointer("/error/message")
            .or_else(|| body.get("error_description"))
            .and_then(Value::as_str)
            .map(|m| m.lines().next().unwrap_or_default().to_string())
            .unwrap_or_default();
        GraphError {
            status,
            code: code.to_string(),
            message,
            failure: Failure::Answered,
        }
    }
}

pub struct GraphClient {
    http: reqwest::Client,
    settings: GraphSettings,
    token: Option<(String, Instant)>,
    /// Loaded once, when the app authenticates with a certificate.
    certificate: Option<assertion::Credential>,
}

impl GraphClient {
    pub fn new(settings: GraphSettings) -> Result<GraphClient, SetupError> {
        let tls = match &settings.ca_file {
            Some(ca) => {
                crate::tls::client_config(Some(ca)).map_err(|source| SetupError::CaFile {
                    path: ca.display().to_string(),
                    source,
                })?
            }
            None => crate::tls::client_config(None)?,
        };
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .https_only(true)
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()?;
        let certificate = match &settings.credential {
            Credential::Certificate {
                certificate,
                private_key,
            } => Some(assertion::Credential::load(certificate, private_key)?),
            Credential::Secret(_) => None,
        };
        Ok(GraphClient {
            http,
            settings,
            token: None,
            certificate,
        })
    }

    pub fn settings(&self) -> &GraphSettings {
        &self.settings
    }

    async fn token(&mut self) -> Result<String, GraphError> {
        if let Some((t, until)) = &self.token {
            if Instant::now() + TOKEN_MARGIN < *until {
                return Ok(t.clone());
            }
        }
        let s = &self.settings;
        let assertion;
        // Borrowed, not copied: the secret's only other copy is the request body itself.
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "client_credentials"),
            ("client_id", &s.client_id),
            ("scope", &s.scope),
        ];
        match (&s.credential, &self.certificate) {
            (_, Some(cert)) => {
                assertion = cert
                    .assertion(&s.client_id, &s.token_url)
                    .map_err(|e| GraphError::local(e.to_string()))?;
                form.push((
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ));
                form.push(("client_assertion", &assertion));
            }
            (Credential::Secret(secret), None) => form.push(("client_secret", secret.expose())),
            (Credential::Certificate { .. }, None) => {
                return Err(GraphError::local("the certificate was not loaded".into()))
            }
        }
        let res = self
            .http
            .post(&s.token_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                GraphError::unreachable(
                    &s.token_url,
                    &e,
                    format!("cannot reach the token endpoint {}", s.token_url),
                )
            })?;
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if status != 200 {
            return Err(GraphError::from_body(status, &body));
        }
        let token = body
            .get("access_token")
            .and_then(Value::as_str)
            .ok_or_else(|| GraphError::local("the token endpoint sent no access_token".into()))?;
        let lifetime = body
            .get("expires_in")
            .and_then(Value::as_u64)
            .unwrap_or(3599);
        self.token = Some((
            token.to_string(),
            Instant::now() + Duration::from_secs(lifetime),
        ));
        Ok(token.to_string())
    }

    /// One request, retried on 429/503 (and connection failures) within the time bound.
    pub async fn send(
        &mut self,
        method: reqwest::Method,
        url: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), GraphError> {
        let started = Instant::now();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let token = self.token().await?;
            let mut req = self
                .http
                .request(method.clone(), url)
                .bearer_auth(token)
                .header("Accept", "application/json");
            if let Some(b) = body {
                req = req.json(b);
            }
            let (status, retry_after, value) = match req.send().await {
                Ok(res) => {
                    let status = res.status().as_u16();
                    let retry_after = res
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<f64>().ok());
                    match res.text().await {
                        Ok(text) if text.is_empty() => (status, retry_after, Value::Null),
                        Ok(text) => (
                            status,
                            retry_after,
                            serde_json::from_str(&text).unwrap_or(Value::Null),
                        ),
                        // The connection dropped mid-answer: nothing was read, try again.
                        Err(e) => (
                            0,
                            None,
                            json!({"error": {"code": "connection", "message": chain(&e)}}),
                        ),
                    }
                }
                // A refused certificate will not change on a retry: say so at once.
                Err(e) if crate::tls::is_untrusted_certificate(&e) => {
                    return Err(GraphError::unreachable(url, &e, format!("{method} {url}")))
                }
                Err(e) if e.is_connect() || e.is_timeout() || e.is_request() || e.is_body() => (
                    0,
                    None,
                    json!({"error": {"code": "connection", "message": chain(&e)}}),
                ),
                Err(e) => return Err(GraphError::unreachable(url, &e, format!("{method} {url}"))),
            };
            let retriable = matches!(status, 0 | 429 | 503 | 504);
            if !retriable {
                return if status < 400 {
                    Ok((status, value))
                } else {
                    Err(GraphError::from_body(status, &value))
                };
            }
            let wait = match retry_after {
                Some(s) if s >= 0.0 => Duration::from_secs_f64(s.min(300.0)),
                _ => backoff(attempt),
            };
            let spent = started.elapsed();
            if attempt >= MAX_ATTEMPTS || spent + wait > self.settings.max_retry {
                let why = if status == 0 {
                    "could not be reached".to_string()
                } else {
                    format!("kept answering {status}")
                };
                return Err(GraphError {
                    status,
                    code: "GaveUp".into(),
                    failure: Failure::GaveUp,
                    message: format!(
                        "Graph {why} for {:.1} s ({attempt} attempts) on {method} {url}; gave up within the {:.0} s bound",
                        spent.as_secs_f64(),
                        self.settings.max_retry.as_secs_f64()
                    ),
                });
            }
            let what = match status {
                429 => "throttled (429)",
                503 => "unavailable (503)",
                504 => "timed out (504)",
                _ => "unreachable",
            };
            let source = if retry_after.is_some() {
                "as Retry-After asks"
            } else {
                "backing off"
            };
            tracing::warn!(
                "Graph {what}; waiting {:.1} s {source} before attempt {}",
                wait.as_secs_f64(),
                attempt + 1
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// `GET` a collection, following `@odata.nextLink` as given.
    pub async fn get_all(&mut self, first_page: Value) -> Result<Vec<Value>, GraphError> {
        let mut items = Vec::new();
        let mut page = first_page;
        loop {
            items.extend(
                page.get("value")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default(),
            );
            let Some(next) = page
                .get("@odata.nextLink")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                return Ok(items);
            };
            page = self.send(reqwest::Method::GET, &next, None).await?.1;
        }
    }

    /// Several GETs (paths relative to the endpoint) in `$batch` requests of at most 20.
    pub async fn batch_get(
        &mut self,
        paths: &[String],
    ) -> Result<Vec<Result<Value, GraphError>>, GraphError> {
        let mut out = Vec::new();
        for chunk in paths.chunks(BATCH_LIMIT) {
            let requests: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(i, p)| json!({"id": i.to_string(), "method": "GET", "url": p}))
                .collect();
            let url = format!("{}/$batch", self.settings.endpoint);
            let (_, body) = self
                .send(
                    reqwest::Method::POST,
                    &url,
                    Some(&json!({ "requests": requests })),
                )
                .await?;
            let responses = body
                .get("responses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (i, path) in chunk.iter().enumerate() {
                let r = responses
                    .iter()
                    .find(|r| r.get("id").and_then(Value::as_str) == Some(&i.to_string()));
                out.push(match r {
                    Some(r) => {
                        let status = r.get("status").and_then(Value::as_u64).unwrap_or(0) as u16;
                        let body = r.get("body").cloned().unwrap_or(Value::Null);
                        if (200..300).contains(&status) {
                            Ok(body)
                        } else {
                            Err(GraphError::from_body(status, &body))
                        }
                    }
                    None => Err(GraphError::local(format!(
                        "$batch returned no response for {path}"
                    ))),
                });
            }
        }
        Ok(out)
    }

    pub async fn patch(&mut self, path: &str, body: &Value) -> Result<(), GraphError> {
        let url = format!("{}{path}", self.settings.endpoint);
        self.send(reqwest::Method::PATCH, &url, Some(body))
            .await
            .map(|_| ())
    }
}

/// Exponential backoff with full jitter: up to 0.5 s, 1 s, 2 s, ... capped at 16 s.
fn backoff(attempt: u32) -> Duration {
    let cap = 0.5 * 2f64.powi(attempt.saturating_sub(1).min(5) as i32);
    Duration::from_secs_f64(cap * (0.5 + rand::random::<f64>() / 2.0))
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(c) = source {
        s.push_str(": ");
        s.push_str(&c.to_string());
        source = c.source();
    }
    s
}
