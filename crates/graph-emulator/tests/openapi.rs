//! The emulator and Microsoft's documentation samples, held to the OpenAPI subset.

use std::path::PathBuf;

use graph_emulator::openapi::OpenApi;
use serde_json::Value;

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/graph")
}

fn api() -> OpenApi {
    OpenApi::load(&shared().join("openapi-subset.yaml")).expect("the subset loads")
}

fn sample(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(shared().join("samples").join(name)).unwrap())
        .unwrap()
}

#[test]
fn documentation_samples_validate() {
    let api = api();
    for (method, path, file) in [
        (
            "GET",
            "/subscribedSkus",
            "subscribedSkus-list.response.json",
        ),
        (
            "GET",
            "/policies/authorizationPolicy",
            "authorizationPolicy-get.response.json",
        ),
        (
            "GET",
            "/directory/onPremisesSynchronization/x",
            "onPremisesSynchronization-get.response.json",
        ),
    ] {
        let schema = api.response_schema(method, path, 200).unwrap().unwrap();
        let errors = api.errors(&schema, &sample(file));
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }
    for (path, file) in [
        (
            "/policies/authorizationPolicy",
            "authorizationPolicy-update-allowedToUseSSPR.request.json",
        ),
        (
            "/directory/onPremisesSynchronization/x",
            "onPremisesSynchronization-update.request.json",
        ),
    ] {
        let schema = api.request_schema("PATCH", path).unwrap();
        let errors = api.errors(&schema, &sample(file));
        assert!(errors.is_empty(), "{file}: {errors:?}");
    }
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    let api = api();
    let schema = api
        .request_schema("PATCH", "/policies/authorizationPolicy")
        .unwrap();
    assert!(!api
        .errors(&schema, &serde_json::json!({"allowedToUseSSPR": "yes"}))
        .is_empty());
    // Rule 1: a nullable reference accepts null or a valid object, not any object.
    let sync = api
        .response_schema("GET", "/directory/onPremisesSynchronization/x", 200)
        .unwrap()
        .unwrap();
    let bad = serde_json::json!({"id": "x", "configuration": {"accidentalDeletionPrevention": {"alertThreshold": "many"}}});
    assert!(!api.errors(&sync, &bad).is_empty());
    assert!(api
        .errors(
            &sync,
            &serde_json::json!({"id": "x", "configuration": null})
        )
        .is_empty());
    // Rule 2: the documented error sample's date has no offset, which the schema refuses.
    let err = api
        .response_schema("GET", "/policies/authorizationPolicy", 500)
        .unwrap()
        .unwrap();
    assert!(!api.errors(&err, &sample("throttling-429.json")).is_empty());
}

/// Every path the emulator serves answers what Microsoft's description says it does:
/// pages, entities, PATCH bodies it accepts, and its errors.
#[test]
fn every_emulated_path_answers_per_the_schema() {
    let api = api();
    let seed_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seed/lab.json");
    let seed: graph_emulator::Seed =
        serde_json::from_str(&std::fs::read_to_string(seed_path).unwrap()).unwrap();
    let tenant = seed.tenant_id.clone();
    let mut state = graph_emulator::State::new(seed);
    state.base = "https://127.0.0.1:8443/v1.0".into();
    let client = "11111111-1111-1111-1111-111111111111";
    let mut checked = 0;
    for (method, url, body) in [
        ("GET", "/subscribedSkus".to_string(), None),
        ("GET", "/subscribedSkus?$skiptoken=2".to_string(), None),
        (
            "GET",
            "/subscribedSkus?%24select=skuPartNumber,servicePlans".to_string(),
            None,
        ),
        ("GET", "/organization".to_string(), None),
        (
            "GET",
            "/directory/onPremisesSynchronization".to_string(),
            None,
        ),
        (
            "GET",
            format!("/directory/onPremisesSynchronization/{tenant}"),
            None,
        ),
        (
            "GET",
            "/directory/onPremisesSynchronization/nope".to_string(),
            None,
        ),
        ("GET", "/policies/authorizationPolicy".to_string(), None),
        (
            "GET",
            "/policies/authenticationMethodsPolicy".to_string(),
            None,
        ),
        (
            "PATCH",
            "/policies/authorizationPolicy".to_string(),
            Some(serde_json::json!({"allowedToUseSSPR": false})),
        ),
        (
            "PATCH",
            "/policies/authorizationPolicy".to_string(),
            Some(serde_json::json!({"nonsense": 1})),
        ),
        (
            "PATCH",
            "/policies/authenticationMethodsPolicy".to_string(),
            Some(serde_json::json!({"reconfirmationInDays": 90})),
        ),
        (
            "PATCH",
            format!("/directory/onPremisesSynchronization/{tenant}"),
            Some(sample("onPremisesSynchronization-update.request.json")),
        ),
    ] {
        let (status, _, response) =
            graph_emulator::api::dispatch(&mut state, client, method, &url, body.as_ref());
        let path = url.split('?').next().unwrap();
        if let Some(b) = &body {
            let e = api.errors(&api.request_schema(method, path).unwrap(), b);
            // The schemas are open (shared/graph/README.md), so an unknown property passes
            // them; the emulator refuses it, as Graph does.
            if b.get("nonsense").is_some() {
                assert_eq!(status, 400);
            } else {
                assert!(e.is_empty(), "{method} {url} request: {e:?}");
            }
        }
        if let Some(r) = response {
            let schema = api.response_schema(method, path, status).unwrap().unwrap();
            let e = api.errors(&schema, &r);
            assert!(e.is_empty(), "{method} {url} -> {status}: {e:?}\n{r}");
            checked += 1;
        } else {
            assert_eq!(status, 204, "{method} {url}");
        }
    }
    assert_eq!(checked, 10);
}
