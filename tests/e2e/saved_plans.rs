//! The reviewed-plan workflow: a plan saved in review is shown and applied exactly, for
//! every kind; apply reads only the plan's own apply data, never its display text; and
//! nothing is written unless every resource of the plan is as the plan saw it.

use std::path::Path;

use graph_emulator::Faults;
use serde_json::Value;

use crate::examples::{examples, two_domains};
use crate::graph::{sspr_off, Tenant};
use crate::harness::{lab, shared_objects, Specs};

fn addresses(plan: &Value) -> Vec<String> {
    plan["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["address"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_example_is_saved_shown_targeted_and_applied() {
    let _shared = shared_objects();
    let tenant = Tenant::start(sspr_off);
    let specs = Specs::new();
    let mut kinds = std::collections::BTreeSet::new();
    for example in examples() {
        let spec = example.to_str().unwrap();
        let saved = specs.path("plan.json");
        let saved = saved.to_str().unwrap();
        let plan = tenant.hybridctl(&["plan", "-f", spec, "--out", saved], two_domains);
        assert_eq!(plan.code, 0, "{spec}: {}", plan.all());
        let json: Value = serde_json::from_str(&std::fs::read_to_string(saved).unwrap()).unwrap();

        let shown = tenant.hybridctl(&["show", saved], two_domains);
        assert_eq!(shown.code, 0, "{spec}: {}", shown.all());
        for address in addresses(&json) {
            assert!(shown.stdout.contains(&address), "{spec}: {}", shown.stdout);
            // --target names each resource, whatever its kind.
            let one = tenant.hybridctl(&["plan", "-f", spec, "--target", &address], two_domains);
            assert_eq!(one.code, 0, "--target {address}: {}", one.all());
            assert!(one.stdout.contains(&address), "{}", one.stdout);
            for other in addresses(&json).iter().filter(|a| **a != address) {
                assert!(
                    !one.stdout.contains(&format!("{other} ")),
                    "{other} in: {}",
                    one.stdout
                );
            }
            kinds.insert(address.rsplit_once('.').unwrap().0.to_string());
        }

        let apply = tenant.hybridctl(&["apply", saved, "--auto-approve"], two_domains);
        assert_eq!(apply.code, 0, "{spec}: {}", apply.all());
        let again = tenant.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"], two_domains);
        assert_eq!(again.code, 0, "{spec} did not converge: {}", again.all());
    }
    for kind in [
        "ad.acl",
        "gpo.security",
        "graph.license",
        "graph.authorization_policy",
        "manual",
    ] {
        assert!(
            kinds.iter().any(|k| k.starts_with(kind)),
            "no example has {kind}: {kinds:?}"
        );
    }
    tenant.validated();
}

/// Every string a person reads, replaced: targets, entries, changes, notes.
fn reword(plan: &mut Value) {
    for r in plan["resources"].as_array_mut().unwrap() {
        r["target"] = "reworded".into();
        for list in ["before", "after"] {
            for e in r[list].as_array_mut().unwrap() {
                e["text"] = "reworded".into();
                e["code"] = "reworded".into();
            }
        }
        for c in r["changes"].as_array_mut().unwrap() {
            c["entry"]["text"] = "reworded".into();
            c["entry"]["code"] = "reworded".into();
        }
        r["notes"] = serde_json::json!(["reworded"]);
    }
}

#[test]
fn rewording_the_plan_for_people_does_not_change_what_apply_does() {
    let lab = lab();
    let tenant = Tenant::start(sspr_off);
    let ou = lab.scratch_ou("reword");
    let (user, sid) = lab.user("reword");
    let (gpo, _) = lab.gpo_create("reword");
    let specs = Specs::new();
    let spec = specs.write(
        "r.yaml",
        &format!(
            "version: 1\nresources:\n\
             \x20 - kind: ad.acl\n    name: ou\n    object: \"{ou}\"\n    aces:\n      - {{principal: 'LAB\\{user}', allow: [Read], applies_to: This object only}}\n\
             \x20 - kind: gpo.security\n    name: gpo\n    gpo: \"{gpo}\"\n    password_policy: {{minimum_password_length: 12}}\n\
             \x20 - kind: graph.authorization_policy\n    name: tenant\n    allowed_to_use_sspr: true\n"
        ),
    );
    let spec = spec.to_str().unwrap();
    let saved = specs.path("plan.json");
    let saved = saved.to_str().unwrap();
    let plan = tenant.hybridctl(&["plan", "-f", spec, "--out", saved], |_| {});
    assert_eq!(plan.code, 0, "{}", plan.all());
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(saved).unwrap()).unwrap();
    reword(&mut json);
    std::fs::write(saved, serde_json::to_string(&json).unwrap()).unwrap();

    let apply = tenant.hybridctl(&["apply", saved, "--auto-approve"], |_| {});
    assert_eq!(apply.code, 0, "{}", apply.all());
    // Checked with tools of our own making only where there is no other.
    assert!(
        lab.explicit_aces(&ou)
            .iter()
            .any(|a| a.ends_with(&format!(";{sid})"))),
        "{:?}",
        lab.explicit_aces(&ou)
    );
    let after = tenant.hybridctl(&["plan", "-f", spec, "--detailed-exitcode"], |_| {});
    assert_eq!(after.code, 0, "{}", after.all());
    tenant.validated();
}

/// Two ACLs and a tenant setting, planned and saved; one of them is then changed or
/// broken before the saved plan is applied.
struct Saved {
    _specs: Specs,
    plan: String,
    first: String,
    second: String,
}

fn three_resources_planned(tenant: &Tenant, test: &str) -> Saved {
    let lab = lab();
    let (first, second) = (lab.scratch_ou(test), lab.scratch_ou(test));
    let (user, _) = lab.user(test);
    let specs = Specs::new();
    let ace = format!("{{principal: 'LAB\\{user}', allow: [Read], applies_to: This object only}}");
    let spec = specs.write(
        "s.yaml",
        &format!(
            "version: 1\nresources:\n\
             \x20 - kind: ad.acl\n    name: first\n    object: \"{first}\"\n    aces: [{ace}]\n\
             \x20 - kind: ad.acl\n    name: second\n    object: \"{second}\"\n    aces: [{ace}]\n\
             \x20 - kind: graph.authorization_policy\n    name: tenant\n    allowed_to_use_sspr: true\n"
        ),
    );
    let plan = specs.path("p.json").to_str().unwrap().to_string();
    let made = tenant.hybridctl(
        &["plan", "-f", spec.to_str().unwrap(), "--out", &plan],
        |_| {},
    );
    assert_eq!(made.code, 0, "{}", made.all());
    Saved {
        _specs: specs,
        plan,
        first,
        second,
    }
}

#[test]
fn a_stale_or_unreadable_resource_stops_the_whole_apply_before_any_write() {
    let lab = lab();
    let tenant = Tenant::start(sspr_off);

    // AD then AD: the second ACL changes out of band after the plan.
    let Saved {
        _specs,
        plan: saved,
        first,
        second,
    } = three_resources_planned(&tenant, "stale-ad");
    let saved = saved.as_str();
    let before = lab.explicit_aces(&first);
    lab.add_ace(&second, "(A;;RC;;;AU)");
    let run = tenant.hybridctl(&["apply", saved, "--auto-approve"], |_| {});
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr.contains("ad.acl.second: saved plan is stale"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("ad.acl.first: saved plan is stale"),
        "{}",
        run.stderr
    );
    assert_eq!(
        lab.explicit_aces(&first),
        before,
        "the first ACL was written"
    );

    // AD then Graph: the tenant setting changes out of band after the plan.
    let Saved {
        _specs,
        plan: saved,
        first,
        ..
    } = three_resources_planned(&tenant, "stale-graph");
    let saved = saved.as_str();
    let before = lab.explicit_aces(&first);
    tenant.running.with_state(|s| {
        s.seed.authorization_policy["allowedToUseSSPR"] = Value::Null;
    });
    let run = tenant.hybridctl(&["apply", saved, "--auto-approve"], |_| {});
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(
        run.stderr
            .contains("graph.authorization_policy.tenant: saved plan is stale"),
        "{}",
        run.stderr
    );
    assert_eq!(lab.explicit_aces(&first), before, "AD was written");

    // AD then Graph unavailable (503 until the retry bound): nothing is written either.
    tenant.running.with_state(|s| {
        s.seed.authorization_policy["allowedToUseSSPR"] = Value::Bool(false);
    });
    let Saved {
        _specs,
        plan: saved,
        first,
        ..
    } = three_resources_planned(&tenant, "unavailable");
    let saved = saved.as_str();
    let before = lab.explicit_aces(&first);
    tenant.running.set_faults(Faults {
        unavailable: u32::MAX,
        ..Faults::default()
    });
    let run = tenant.hybridctl(&["apply", saved, "--auto-approve"], |e| {
        e.insert("HYBRIDCTL_GRAPH_MAX_RETRY_SECONDS".into(), "1".into());
    });
    tenant.running.set_faults(Faults::default());
    assert_eq!(run.code, 1, "{}", run.all());
    assert!(run.stderr.contains("nothing was applied"), "{}", run.stderr);
    assert_eq!(lab.explicit_aces(&first), before, "AD was written");
    assert!(
        tenant
            .running
            .exchanges()
            .iter()
            .all(|x| x.method != "PATCH"),
        "Graph was written"
    );
}

/// `connections.graph` in the spec is used as written: with no HYBRIDCTL_GRAPH_* identity
/// in the environment, the tenant, the app and the secret's variable come from the spec.
#[test]
fn the_writeback_example_plans_with_graph_configured_only_in_the_spec() {
    let lab = lab();
    let tenant = Tenant::start(sspr_off);
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/password-writeback.yaml");
    let text = std::fs::read_to_string(example).unwrap();
    let text = text
        .replace(
            "tenant_id: 00000000-0000-0000-0000-000000000000",
            &format!("tenant_id: {}", lab.env["HYBRIDCTL_GRAPH_TENANT_ID"]),
        )
        .replace(
            "client_id: 11111111-1111-1111-1111-111111111111",
            &format!("client_id: {}", lab.env["HYBRIDCTL_GRAPH_CLIENT_ID"]),
        )
        .replace(
            "client_secret_env: HYBRIDCTL_GRAPH_CLIENT_SECRET",
            &format!(
                "client_secret_env: SPEC_NAMED_SECRET\n    ca_file: {}",
                lab.env["HYBRIDCTL_GRAPH_CA_FILE"]
            ),
        );
    assert!(
        text.contains("SPEC_NAMED_SECRET"),
        "the example changed shape"
    );
    let specs = Specs::new();
    let spec = specs.write("writeback.yaml", &text);
    let secret = lab.env["HYBRIDCTL_GRAPH_CLIENT_SECRET"].clone();
    let run = tenant.hybridctl(&["plan", "-f", spec.to_str().unwrap()], |e| {
        for k in [
            "HYBRIDCTL_GRAPH_TENANT_ID",
            "HYBRIDCTL_GRAPH_CLIENT_ID",
            "HYBRIDCTL_GRAPH_CLIENT_SECRET",
            "HYBRIDCTL_GRAPH_CA_FILE",
        ] {
            e.remove(k);
        }
        e.insert("SPEC_NAMED_SECRET".into(), secret);
    });
    assert_eq!(run.code, 0, "{}", run.all());
    assert!(
        run.stdout.contains("graph.authorization_policy.tenant"),
        "{}",
        run.stdout
    );
    assert!(!run
        .all()
        .contains(&lab.env["HYBRIDCTL_GRAPH_CLIENT_SECRET"]));
    tenant.validated();
}
