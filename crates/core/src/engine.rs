//! Plan and apply across providers. Nothing is written until every resource has planned
//! cleanly; after writing, each changed resource is planned again and must be unchanged.

use std::collections::BTreeMap;

use crate::load::LoadedSpec;
use crate::plan::{Plan, PLAN_FORMAT_VERSION};
use crate::spec::Resource;
use crate::{digest, Action, Address, Diagnostic, Diagnostics, Provider, ResourcePlan};

/// Plans `spec` (or only the `targets`, when some are given).
pub async fn plan(
    spec: &LoadedSpec,
    providers: &mut [Box<dyn Provider>],
    targets: &[Address],
) -> Result<Plan, Diagnostics> {
    let selected = select(spec, targets)?;
    let resources = plan_resources(&selected, providers).await?;
    let files = spec
        .files()
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    Ok(Plan::new(files, resources))
}

fn select<'a>(spec: &'a LoadedSpec, targets: &[Address]) -> Result<Vec<&'a Resource>, Diagnostics> {
    let mut diags = Diagnostics::default();
    for t in targets {
        if spec.resource(t).is_none() {
            let names: Vec<String> = spec
                .resources()
                .iter()
                .map(|r| r.address().to_string())
                .collect();
            let mut d = Diagnostic::new(format!("--target {t} names no resource in the spec"));
            if let Some(s) =
                crate::suggest::closest(&t.to_string(), names.iter().map(String::as_str))
            {
                d = d.hint(format!("did you mean {s}?"));
            }
            diags.push(d);
        }
    }
    let selected = spec
        .resources()
        .iter()
        .filter(|r| targets.is_empty() || targets.contains(&r.address()))
        .collect();
    diags.into_result(selected)
}

async fn plan_resources(
    resources: &[&Resource],
    providers: &mut [Box<dyn Provider>],
) -> Result<Vec<ResourcePlan>, Diagnostics> {
    let mut diags = Diagnostics::default();
    let mut planned: BTreeMap<Address, ResourcePlan> = BTreeMap::new();
    for provider in providers.iter_mut() {
        let mine: Vec<&Resource> = resources
            .iter()
            .copied()
            .filter(|r| provider.kinds().contains(&r.kind()))
            .collect();
        if mine.is_empty() {
            continue;
        }
        match provider.plan(&mine).await {
            Ok(plans) => {
                for (r, mut p) in mine.iter().zip(plans) {
                    p.spec_digest = digest::of_json(r);
                    planned.insert(p.address.clone(), p);
                }
            }
            Err(d) => diags.extend(d),
        }
    }
    for r in resources {
        if !diags.is_empty() {
            break;
        }
        if !planned.contains_key(&r.address()) {
            diags.push(
                Diagnostic::new(format!("no provider handles kind {}", r.kind())).at(&r.address()),
            );
        }
    }
    diags.into_result(())?;
    // Spec order, so output follows the file the user reads.
    Ok(resources
        .iter()
        .filter_map(|r| planned.remove(&r.address()))
        .collect())
}

/// What `apply` did.
#[derive(Debug, Default)]
pub struct ApplyReport {
    pub applied: Vec<Address>,
}

/// Why `apply` stopped, and what it had already done.
#[derive(Debug)]
pub struct ApplyFailure {
    pub applied: Vec<Address>,
    pub errors: Diagnostics,
}

/// Applies `plan`, made from `spec`. Refuses a plan whose spec changed since; each
/// provider refuses a resource whose live state changed since.
pub async fn apply(
    plan: &Plan,
    spec: &LoadedSpec,
    providers: &mut [Box<dyn Provider>],
) -> Result<ApplyReport, ApplyFailure> {
    let fail = |applied: Vec<Address>, errors: Diagnostics| ApplyFailure { applied, errors };
    check_fresh(plan, spec).map_err(|e| fail(vec![], e))?;
    let mut applied = Vec::new();
    for change in plan.changed() {
        let provider = providers
            .iter_mut()
            .find(|p| p.kinds().contains(&change.address.kind.as_str()))
            .ok_or_else(|| {
                Diagnostic::new(format!("no provider handles kind {}", change.address.kind))
                    .at(&change.address)
            });
        let result = match provider {
            Ok(p) => p.apply(change).await,
            Err(d) => Err(d),
        };
        match result {
            Ok(()) => applied.push(change.address.clone()),
            Err(d) => return Err(fail(applied, d.at(&change.address).into())),
        }
    }
    verify(&applied, spec, providers)
        .await
        .map_err(|e| fail(applied.clone(), e))?;
    Ok(ApplyReport { applied })
}

/// A saved plan may only be applied to the spec it was made from.
fn check_fresh(plan: &Plan, spec: &LoadedSpec) -> Result<(), Diagnostics> {
    if plan.format_version != PLAN_FORMAT_VERSION {
        return Err(Diagnostic::new(format!(
            "the plan has format version {}, this hybridctl reads {PLAN_FORMAT_VERSION}",
            plan.format_version
        ))
        .hint("make the plan again with this hybridctl")
        .into());
    }
    let mut diags = Diagnostics::default();
    for r in plan.changed() {
        match spec.resource(&r.address) {
            Some(res) if digest::of_json(res) == r.spec_digest => {}
            Some(_) => diags.push(
                Diagnostic::new(
                    "saved plan is stale: the resource changed in the spec since the plan was made",
                )
                .at(&r.address)
                .hint("run `hybridctl plan` again and review the new plan"),
            ),
            None => diags.push(
                Diagnostic::new("saved plan is stale: the resource is no longer in the spec")
                    .at(&r.address)
                    .hint("run `hybridctl plan` again and review the new plan"),
            ),
        }
    }
    diags.into_result(())
}

/// Plans the applied resources again: each must now match the spec.
async fn verify(
    applied: &[Address],
    spec: &LoadedSpec,
    providers: &mut [Box<dyn Provider>],
) -> Result<(), Diagnostics> {
    if applied.is_empty() {
        return Ok(());
    }
    let resources: Vec<&Resource> = applied.iter().filter_map(|a| spec.resource(a)).collect();
    let again = plan_resources(&resources, providers).await?;
    let mut diags = Diagnostics::default();
    for r in again.iter().filter(|r| r.action != Action::NoOp) {
        let what: Vec<&str> = r.changes.iter().map(|c| c.entry.text.as_str()).collect();
        diags.push(
            Diagnostic::new(format!(
                "after apply the live state still differs: {}",
                what.join("; ")
            ))
            .at(&r.address)
            .hint("something on the server changes it back or refuses it; check the server's log"),
        );
    }
    diags.into_result(())
}
