//! The v1.0 paths of the subset, as one `dispatch` function that both the HTTP layer and
//! `$batch` call. Permissions are checked per path, like Graph's application permissions.

use serde_json::{json, Map, Value};

use crate::error::{odata, Reply};
use crate::state::State;

const BASE: &str = "https://graph.microsoft.com/v1.0";

/// Application permissions that allow each kind of access (any one of them suffices).
const READ_ORGANIZATION: &[&str] = &["Organization.Read.All", "Directory.Read.All"];
const READ_SKUS: &[&str] = &[
    "Organization.Read.All",
    "LicenseAssignment.Read.All",
    "Directory.Read.All",
];
const READ_SYNC: &[&str] = &[
    "OnPremDirectorySynchronization.Read.All",
    "OnPremDirectorySynchronization.ReadWrite.All",
];
const WRITE_SYNC: &[&str] = &["OnPremDirectorySynchronization.ReadWrite.All"];
const READ_AUTHORIZATION: &[&str] = &["Policy.Read.All", "Policy.ReadWrite.Authorization"];
const WRITE_AUTHORIZATION: &[&str] = &["Policy.ReadWrite.Authorization"];
const READ_AUTHENTICATION_METHODS: &[&str] =
    &["Policy.Read.All", "Policy.ReadWrite.AuthenticationMethod"];
const WRITE_AUTHENTICATION_METHODS: &[&str] = &["Policy.ReadWrite.AuthenticationMethod"];

/// Answers one request from `client`. `url` is the path after `/v1.0`, with its query.
pub fn dispatch(
    state: &mut State,
    client: &str,
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> Reply {
    route(state, client, method, url, body).unwrap_or_else(|denied| denied)
}

fn route(state: &mut State, client: &str, method: &str, url: &str, body: Option<&Value>) -> Answer {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let path = path.trim_end_matches('/');
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    let params = parse_query(query);
    let select = params
        .iter()
        .find(|(k, _)| k == "$select")
        .map(|(_, v)| v.split(',').map(str::to_string).collect::<Vec<_>>());
    let sync_prefix = "/directory/onPremisesSynchronization/";
    match (method, path.as_str()) {
        ("GET", "/subscribedSkus") => {
            allow(state, client, READ_SKUS)?;
            let skip = params
                .iter()
                .find(|(k, _)| k == "$skiptoken")
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            collection(
                state,
                "subscribedSkus",
                state.seed.subscribed_skus.clone(),
                skip,
                select.as_deref(),
                &path,
            )
        }
        ("GET", "/organization") => {
            allow(state, client, READ_ORGANIZATION)?;
            collection(
                state,
                "organization",
                state.seed.organization.clone(),
                0,
                select.as_deref(),
                &path,
            )
        }
        ("GET", "/directory/onPremisesSynchronization") => {
            allow(state, client, READ_SYNC)?;
            collection(
                state,
                "directory/onPremisesSynchronization",
                state.seed.on_premises_synchronization.clone(),
                0,
                select.as_deref(),
                &path,
            )
        }
        ("GET", p) if p.starts_with(sync_prefix) => {
            allow(state, client, READ_SYNC)?;
            let id = &p[sync_prefix.len()..];
            let item = state
                .seed
                .on_premises_synchronization
                .iter()
                .find(|s| s["id"] == id)
                .cloned();
            match item {
                Some(v) => entity("directory/onPremisesSynchronization", v, select.as_deref()),
                None => not_found(id),
            }
        }
        ("PATCH", p) if p.starts_with(sync_prefix) => {
            allow(state, client, WRITE_SYNC)?;
            let id = p[sync_prefix.len()..].to_string();
            let Some(item) = state
                .seed
                .on_premises_synchronization
                .iter_mut()
                .find(|s| s["id"] == id.as_str())
            else {
                return not_found(&id);
            };
            patch(item, body)
        }
        ("GET", "/policies/authorizationPolicy") => {
            allow(state, client, READ_AUTHORIZATION)?;
            entity(
                "policies/authorizationPolicy",
                state.seed.authorization_policy.clone(),
                select.as_deref(),
            )
        }
        ("GET", "/policies/authenticationMethodsPolicy") => {
            allow(state, client, READ_AUTHENTICATION_METHODS)?;
            entity(
                "policies/authenticationMethodsPolicy",
                state.seed.authentication_methods_policy.clone(),
                select.as_deref(),
            )
        }
        ("PATCH", "/policies/authenticationMethodsPolicy") => {
            allow(state, client, WRITE_AUTHENTICATION_METHODS)?;
            patch(&mut state.seed.authentication_methods_policy, body)
        }
        ("PATCH", "/policies/authorizationPolicy") => {
            allow(state, client, WRITE_AUTHORIZATION)?;
            patch(&mut state.seed.authorization_policy, body)
        }
        (_, p) if known(p) => Ok(odata(
            405,
            "Request_BadRequest",
            &format!("The HTTP method '{method}' is not allowed for {p}."),
        )),
        (_, p) => Ok(odata(
            400,
            "BadRequest",
            &format!(
                "Resource not found for the segment '{}'.",
                p.trim_start_matches('/')
            ),
        )),
    }
}

fn known(p: &str) -> bool {
    [
        "/subscribedSkus",
        "/organization",
        "/directory/onPremisesSynchronization",
        "/policies/authorizationPolicy",
    ]
    .iter()
    .any(|k| p.starts_with(k))
}

type Answer = Result<Reply, Reply>;

fn allow(state: &State, client: &str, any_of: &[&str]) -> Result<(), Reply> {
    let granted = state
        .client(client)
        .map(|c| c.permissions.clone())
        .unwrap_or_default();
    if any_of.iter().any(|p| granted.iter().any(|g| g == p)) {
        Ok(())
    } else {
        Err(odata(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        ))
    }
}

fn not_found(id: &str) -> Answer {
    Ok(odata(404, "Request_ResourceNotFound", &format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present.")))
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Percent-decoding of query and form components (`%24select` is `$select`).
pub(crate) fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn selected(v: Value, select: Option<&[String]>) -> Value {
    match (v, select) {
        (Value::Object(m), Some(fields)) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| k.starts_with('@') || fields.iter().any(|f| f == k))
                .collect(),
        ),
        (v, _) => v,
    }
}

fn entity(set: &str, v: Value, select: Option<&[String]>) -> Answer {
    let mut v = selected(v, select);
    if let Value::Object(m) = &mut v {
        m.insert(
            "@odata.context".into(),
            json!(format!("{BASE}/$metadata#{set}/$entity")),
        );
    }
    Ok((200, vec![], Some(v)))
}

/// A page of a collection, with `@odata.nextLink` carrying a `$skiptoken` when more follow.
fn collection(
    state: &State,
    set: &str,
    items: Vec<Value>,
    skip: usize,
    select: Option<&[String]>,
    path: &str,
) -> Answer {
    let size = state.seed.page_size.max(1);
    let page: Vec<Value> = items
        .iter()
        .skip(skip)
        .take(size)
        .cloned()
        .map(|v| selected(v, select))
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{BASE}/$metadata#{set}")),
    );
    body.insert("value".into(), Value::Array(page));
    if skip + size < items.len() {
        let mut next = format!("{}{path}?$skiptoken={}", state.base, skip + size);
        if let Some(fields) = select {
            next.push_str(&format!("&$select={}", fields.join(",")));
        }
        body.insert("@odata.nextLink".into(), json!(next));
    }
    Ok((200, vec![], Some(Value::Object(body))))
}

/// Merges `body` into `target`: only properties the entity has, of the same JSON type.
fn patch(target: &mut Value, body: Option<&Value>) -> Answer {
    let Some(Value::Object(changes)) = body else {
        return Ok(odata(
            400,
            "Request_BadRequest",
            "A request body with a JSON object is required.",
        ));
    };
    if let Err(InvalidProperty(e)) = check(target, changes, "") {
        return Ok(odata(400, "Request_BadRequest", &e));
    }
    merge(target, changes);
    Ok((204, vec![], None))
}

/// Graph's message for a PATCH naming a property it does not have, or the wrong type.
struct InvalidProperty(String);

fn check(target: &Value, changes: &Map<String, Value>, at: &str) -> Result<(), InvalidProperty> {
    for (k, v) in changes {
        let Some(current) = target.get(k) else {
            return Err(InvalidProperty(format!("Invalid property '{at}{k}'.")));
        };
        match (current, v) {
            (Value::Object(_), Value::Object(inner)) => {
                check(current, inner, &format!("{at}{k}."))?
            }
            (Value::Null, _) | (_, Value::Null) => {}
            (a, b) if std::mem::discriminant(a) != std::mem::discriminant(b) => {
                return Err(InvalidProperty(format!(
                    "Invalid value for property '{at}{k}'."
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

fn merge(target: &mut Value, changes: &Map<String, Value>) {
    for (k, v) in changes {
        match (target.get_mut(k), v) {
            (Some(t @ Value::Object(_)), Value::Object(inner)) => merge(t, inner),
            (Some(t), v) => *t = v.clone(),
            (None, _) => {}
        }
    }
}
