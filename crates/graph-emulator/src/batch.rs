//! JSON batching (`POST /v1.0/$batch`): up to 20 requests, run in order, `dependsOn`
//! honoured; a request whose dependency failed gets 424 Failed Dependency.

use serde_json::{json, Value};

use crate::api::dispatch;
use crate::error::{body, odata, Reply};
use crate::state::State;

pub const MAX_REQUESTS: usize = 20;

pub fn run(state: &mut State, client: &str, request: Option<&Value>) -> Reply {
    let Some(requests) = request
        .and_then(|r| r.get("requests"))
        .and_then(Value::as_array)
    else {
        return odata(
            400,
            "BadRequest",
            "The batch request must have a 'requests' array.",
        );
    };
    if requests.len() > MAX_REQUESTS {
        return odata(
            400,
            "BadRequest",
            &format!("The number of batch requests exceeds the maximum of {MAX_REQUESTS}."),
        );
    }
    let mut statuses: Vec<(String, u16)> = Vec::new();
    let mut responses = Vec::new();
    for r in requests {
        let id = r
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let depends: Vec<&str> = r
            .get("dependsOn")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let failed = depends
            .iter()
            .any(|d| statuses.iter().any(|(i, s)| i == d && *s >= 400));
        let (status, _, out) = if failed {
            (
                424,
                vec![],
                Some(body(
                    "FailedDependency",
                    "A request this request depends on failed.",
                )),
            )
        } else {
            let method = r
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or("GET")
                .to_ascii_uppercase();
            let url = r.get("url").and_then(Value::as_str).unwrap_or_default();
            dispatch(state, client, &method, url, r.get("body"))
        };
        statuses.push((id.clone(), status));
        let mut one =
            json!({"id": id, "status": status, "headers": {"Content-Type": "application/json"}});
        if let Some(b) = out {
            one["body"] = b;
        }
        responses.push(one);
    }
    (200, vec![], Some(json!({ "responses": responses })))
}
