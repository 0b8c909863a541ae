//! The Microsoft identity platform's token endpoint for the client credentials grant
//! (`POST /{tenant}/oauth2/v2.0/token`), with its error bodies.

use std::time::Instant;

use serde_json::{json, Value};

use crate::api::decode;
use crate::error::{now_rfc3339, uuid, Reply};
use crate::state::{State, TOKEN_LIFETIME};

pub fn issue(state: &mut State, tenant: &str, form: &str) -> Reply {
    let field = |name: &str| {
        form.split('&').find_map(|p| {
            p.split_once('=')
                .filter(|(k, _)| *k == name)
                .map(|(_, v)| decode(v))
        })
    };
    if tenant != state.seed.tenant_id {
        return error(
            400,
            "invalid_request",
            90002,
            &format!(
                "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID."
            ),
        );
    }
    if field("grant_type").as_deref() != Some("client_credentials") {
        return error(
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    if field("scope").as_deref() != Some("https://graph.microsoft.com/.default") {
        let scope = field("scope").unwrap_or_default();
        return error(400, "invalid_scope", 70011, &format!("The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."));
    }
    let id = field("client_id").unwrap_or_default();
    let Some(client) = state.client(&id).cloned() else {
        return error(
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{id}' was not found in the directory '{tenant}'."
            ),
        );
    };
    if field("client_secret").as_deref() != Some(client.secret.as_str()) {
        return error(
            401,
            "invalid_client",
            7000215,
            &format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{id}'."),
        );
    }
    let token = format!("emu.{}", uuid().replace('-', ""));
    state.tokens.insert(
        token.clone(),
        (client.client_id.clone(), Instant::now() + TOKEN_LIFETIME),
    );
    (
        200,
        vec![],
        Some(
            json!({"token_type": "Bearer", "expires_in": TOKEN_LIFETIME.as_secs(), "access_token": token}),
        ),
    )
}

/// The client a bearer token was issued to, when it is valid.
pub fn client_of(state: &State, authorization: Option<&str>) -> Option<String> {
    let token = authorization?.strip_prefix("Bearer ")?;
    let (client, expires) = state.tokens.get(token)?;
    (Instant::now() < *expires).then(|| client.clone())
}

fn error(status: u16, code: &str, number: u32, description: &str) -> Reply {
    let (trace, correlation) = (uuid(), uuid());
    let body: Value = json!({
        "error": code,
        "error_description": format!("AADSTS{number}: {description}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {}", now_rfc3339()),
        "error_codes": [number],
        "timestamp": now_rfc3339(),
        "trace_id": trace,
        "correlation_id": correlation,
    });
    (status, vec![], Some(body))
}
