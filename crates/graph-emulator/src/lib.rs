//! A stateful, in-memory emulator of the Microsoft Graph v1.0 subset hybridctl uses,
//! served over HTTPS on loopback: the token endpoint (client credentials), the v1.0
//! paths of `shared/graph/openapi-subset.yaml`, `$select`, paging with `$skiptoken`,
//! `$batch`, Graph's error bodies, and faults switched on by configuration.
//! It exists because these machines cannot reach Microsoft; tests hold both it and the
//! provider to Microsoft's OpenAPI description.

pub mod api;
pub mod batch;
pub mod error;
pub mod openapi;
pub mod state;
pub mod token;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State as Shared};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, post};
use axum::Router;
use rustls::pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer};
use serde_json::Value;

pub use state::{Exchange, Faults, Seed, State};

type Tenant = Arc<Mutex<State>>;

/// A running emulator.
pub struct Running {
    pub addr: SocketAddr,
    state: Tenant,
    handle: axum_server::Handle,
}

impl Running {
    /// `https://127.0.0.1:PORT/v1.0`
    pub fn endpoint(&self) -> String {
        format!("https://{}/v1.0", self.addr)
    }

    /// `https://127.0.0.1:PORT/{tenant}/oauth2/v2.0/token`
    pub fn token_url(&self) -> String {
        let tenant = self.state.lock().unwrap().seed.tenant_id.clone();
        format!("https://{}/{tenant}/oauth2/v2.0/token", self.addr)
    }

    /// Every API exchange so far, in order.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.state.lock().unwrap().exchanges.clone()
    }

    pub fn set_faults(&self, faults: Faults) {
        self.state.lock().unwrap().faults = faults;
    }

    /// A copy of the tenant's current state.
    pub fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }

    pub fn stop(&self) {
        self.handle.shutdown();
    }
}

/// Why the emulator's TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("{path}: {source}")]
    Pem {
        path: String,
        source: rustls::pki_types::pem::Error,
    },
    #[error("cannot use the certificate and key: {0}")]
    Rustls(#[from] rustls::Error),
}

/// TLS from PEM files: the certificate chain and its key.
pub fn tls(cert: &Path, key: &Path) -> Result<rustls::ServerConfig, TlsError> {
    let pem = |path: &Path| {
        let path = path.display().to_string();
        move |source| TlsError::Pem { path, source }
    };
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|i| i.collect())
        .map_err(pem(cert))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(pem(key))?;
    Ok(rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(chain, key)?)
}

/// Starts serving on `listen` (port 0: any free port) and returns once listening.
pub async fn start(
    seed: Seed,
    listen: SocketAddr,
    tls: rustls::ServerConfig,
) -> std::io::Result<Running> {
    let state: Tenant = Arc::new(Mutex::new(State::new(seed)));
    let app = Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token_endpoint))
        .route("/v1.0/{*rest}", any(graph_endpoint))
        .route("/_emulator/faults", post(set_faults))
        .with_state(state.clone());
    let handle = axum_server::Handle::new();
    let config = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(tls));
    let server = axum_server::bind_rustls(listen, config).handle(handle.clone());
    tokio::spawn(async move {
        if let Err(e) = server.serve(app.into_make_service()).await {
            eprintln!("graph-emulator: {e}");
        }
    });
    let addr = handle
        .listening()
        .await
        .ok_or_else(|| std::io::Error::other("the emulator did not start listening"))?;
    state.lock().unwrap().base = format!("https://{addr}/v1.0");
    Ok(Running {
        addr,
        state,
        handle,
    })
}

fn reply((status, headers, body): error::Reply) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut res = match body {
        Some(b) => (
            status,
            [("content-type", "application/json")],
            b.to_string(),
        )
            .into_response(),
        None => status.into_response(),
    };
    for (k, v) in headers {
        if let (Ok(k), Ok(v)) = (
            axum::http::HeaderName::try_from(k),
            axum::http::HeaderValue::try_from(v),
        ) {
            res.headers_mut().insert(k, v);
        }
    }
    res
}

async fn token_endpoint(
    Shared(state): Shared<Tenant>,
    UrlPath(tenant): UrlPath<String>,
    body: Bytes,
) -> Response {
    let form = String::from_utf8_lossy(&body).into_owned();
    let r = token::issue(&mut state.lock().unwrap(), &tenant, &form);
    reply(r)
}

async fn graph_endpoint(
    Shared(state): Shared<Tenant>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let delay = state.lock().unwrap().faults.delay_ms;
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    let request: Option<Value> = if body.is_empty() {
        None
    } else {
        serde_json::from_slice(&body).ok()
    };
    let rest = uri
        .path()
        .strip_prefix("/v1.0")
        .unwrap_or(uri.path())
        .to_string();
    let url = match uri.query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.clone(),
    };
    let mut s = state.lock().unwrap();
    if s.faults.drop > 0 {
        s.faults.drop -= 1;
        s.exchanges.push(Exchange {
            method: method.to_string(),
            path: rest,
            status: 0,
            request,
            response: None,
        });
        return dropped();
    }
    let r = if let Some(fault) = injected_fault(&mut s) {
        fault
    } else {
        match token::client_of(
            &s,
            headers.get("authorization").and_then(|v| v.to_str().ok()),
        ) {
            None => error::odata(
                401,
                "InvalidAuthenticationToken",
                "Access token is empty or invalid.",
            ),
            Some(client) if rest == "/$batch" && method == Method::POST => {
                batch::run(&mut s, &client, request.as_ref())
            }
            Some(client) => api::dispatch(&mut s, &client, method.as_str(), &url, request.as_ref()),
        }
    };
    s.exchanges.push(Exchange {
        method: method.to_string(),
        path: rest,
        status: r.0,
        request,
        response: r.2.clone(),
    });
    reply(r)
}

/// A response whose body fails after the headers: the connection is cut mid-answer.
fn dropped() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("dropped by fault injection"))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .body(axum::body::Body::from_stream(failing))
        .expect("a valid response")
}

/// 429s and 503s switched on by configuration, counted down per request.
fn injected_fault(s: &mut State) -> Option<error::Reply> {
    if s.faults.throttle > 0 {
        s.faults.throttle -= 1;
        let mut r = error::odata(429, "TooManyRequests", "Please retry again later.");
        if let Some(Value::Object(e)) = r.2.as_mut().and_then(|b| b.get_mut("error")) {
            if let Some(Value::Object(inner)) = e.get_mut("innerError") {
                inner.insert("code".into(), "429".into());
                inner.insert("status".into(), "429".into());
                inner.insert("message".into(), "Please retry after".into());
            }
        }
        r.1.push(("Retry-After".into(), s.faults.retry_after.clone()));
        return Some(r);
    }
    if s.faults.unavailable > 0 {
        if s.faults.unavailable != u32::MAX {
            s.faults.unavailable -= 1;
        }
        return Some(error::odata(
            503,
            "ServiceNotAvailable",
            "The service is temporarily unavailable.",
        ));
    }
    None
}

async fn set_faults(Shared(state): Shared<Tenant>, body: Bytes) -> Response {
    match serde_json::from_slice::<Faults>(&body) {
        Ok(f) => {
            state.lock().unwrap().faults = f;
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}
