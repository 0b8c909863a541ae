//! The Microsoft identity platform's token endpoint for the client credentials grant
//! (`POST /{tenant}/oauth2/v2.0/token`), with its error bodies.

use std::time::Instant;

use rustls::pki_types::pem::PemObject;
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
    let assertion = field("client_assertion");
    let id = match (field("client_id"), &assertion) {
        (Some(id), _) => id,
        (None, Some(a)) => jwt_part(a, 1)
            .and_then(|c| c.get("iss").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_default(),
        (None, None) => String::new(),
    };
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
    if let Some(assertion) = assertion {
        if field("client_assertion_type").as_deref()
            != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        {
            return error(400, "invalid_request", 700025, "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer.");
        }
        if let Err((number, why)) = check_assertion(&assertion, &client) {
            return error(401, "invalid_client", number, &why);
        }
    } else if client.secret.is_empty()
        || field("client_secret").as_deref() != Some(client.secret.as_str())
    {
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

fn jwt_part(jwt: &str, i: usize) -> Option<Value> {
    use base64::Engine;
    let part = jwt.split('.').nth(i)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A client assertion (RFC 7523) signed with the app's registered certificate.
fn check_assertion(jwt: &str, client: &crate::state::Client) -> Result<(), (u32, String)> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let bad = |n: u32, m: &str| Err((n, m.to_string()));
    let parts: Vec<&str> = jwt.split('.').collect();
    let (Some(header), Some(claims), 3) = (jwt_part(jwt, 0), jwt_part(jwt, 1), parts.len()) else {
        return bad(50027, "Invalid JWT token. The token is malformed.");
    };
    let Some(pem) = &client.certificate_pem else {
        return bad(700027, "Client assertion failed signature validation: the application has no certificate registered.");
    };
    let der = match rustls::pki_types::CertificateDer::from_pem_slice(pem.as_bytes()) {
        Ok(d) => d,
        Err(_) => return bad(700027, "The registered certificate cannot be read."),
    };

    let thumbprint = b64.encode(ring::digest::digest(&ring::digest::SHA256, der.as_ref()));
    if header.get("alg").and_then(Value::as_str) != Some("RS256") {
        return bad(5002738, "The client assertion must be signed with RS256.");
    }
    if header.get("x5t#S256").and_then(Value::as_str) != Some(thumbprint.as_str()) {
        return bad(700027, "The certificate with identifier used to sign the client assertion is not registered on application.");
    }
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(der.as_ref()) else {
        return bad(700027, "The registered certificate cannot be parsed.");
    };
    let key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::RSA_PKCS1_2048_8192_SHA256,
        cert.public_key().subject_public_key.data.as_ref(),
    );
    let signature = b64.decode(parts[2]).unwrap_or_default();
    if key
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .is_err()
    {
        return bad(700027, "Client assertion failed signature validation.");
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let claim = |k: &str| claims.get(k).cloned().unwrap_or(Value::Null);
    if claim("iss").as_str() != Some(client.client_id.as_str())
        || claim("sub").as_str() != Some(client.client_id.as_str())
    {
        return bad(
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter.",
        );
    }
    if !claim("aud")
        .as_str()
        .is_some_and(|a| a.ends_with("/oauth2/v2.0/token"))
    {
        return bad(
            700024,
            "Client assertion audience claim does not match Realm issuer.",
        );
    }
    if claim("exp").as_u64().is_none_or(|e| e < now) {
        return bad(
            700024,
            "Client assertion is not within its valid time range.",
        );
    }
    Ok(())
}
