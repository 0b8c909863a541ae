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
