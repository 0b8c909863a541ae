//! Plan and apply across providers. Nothing is written until every resource has planned
//! cleanly and, for apply, until every resource to change has been read again and found
//! as the plan saw it; after writing, each changed resource is planned again and must be
//! unchanged.

use std::collections::{BTreeMap, HashMap};

use futures_util::future::join_all;

use crate::load::LoadedSpec;
use crate::plan::{Plan, PLAN_FORMAT_VERSION};
use crate::spec::Resource;
use crate::{digest, Action, Address, Diagnostic, Diagnostics, Kind, Provider, ResourcePlan};

/// Runs `futures` concurrently on this task; their outputs in order. The engine plans
/// providers this way, and a provider that holds several domains plans them this way.
pub async fn concurrently<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    join_all(futures).await
}

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
    // A target without `@<connection>` selects the resource in every domain it acts on.
    for t in targets {
        if !spec.resources().iter().any(|r| t.selects(&r.address())) {
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
        .filter(|r| {
            let at = r.address();
            targets.is_empty() || targets.iter().any(|t| t.selects(&at))
        })
        .collect();
    diags.into_result(selected)
}

/// `items` grouped by the index of the provider that handles each one's kind; an item
/// no provider handles is a diagnostic.
fn group_by_provider<'a, T>(
    items: impl IntoIterator<Item = &'a T>,
    providers: &[Box<dyn Provider>],
    address: impl Fn(&T) -> Address,
) -> (BTreeMap<usize, Vec<&'a T>>, Diagnostics) {
    let mut groups: BTreeMap<usize, Vec<&'a T>> = BTreeMap::new();
    let mut diags = Diagnostics::default();
    for item in items {
        let at = address(item);
        match provider_for(providers, at.kind) {
            Some(i) => groups.entry(i).or_default().push(item),
            None => {
                diags.push(Diagnostic::new(format!("no provider handles kind {}", at.kind)).at(&at))
            }
        }
    }
    (groups, diags)
}

/// The provider that handles `kind`, if one was given to the engine.
fn provider_for(providers: &[Box<dyn Provider>], kind: Kind) -> Option<usize> {
    providers.iter().position(|p| p.kinds().contains(&kind))
}

async fn plan_resources(
    resources: &[&Resource],
    providers: &mut [Box<dyn Provider>],
) -> Result<Vec<ResourcePlan>, Diagnostics> {
    let (mut by_provider, mut diags) =
        group_by_provider(resources.iter().copied(), providers, Resource::address);
    diags.clone().into_result(())?;
    // Providers read concurrently: a plan of AD and Graph costs about the slower of the two.
    let results = join_all(providers.iter_mut().enumerate().filter_map(|(i, p)| {
        let mine = by_provider.remove(&i)?;
        Some(async move {
            let result = p.plan(&mine).await;
            (mine, result)
        })
    }))
    .await;
    let mut planned: HashMap<Address, ResourcePlan> = HashMap::new();
    for (mine, result) in results {
        match result {
            Ok(plans) => diags.extend(accept(&mine, plans, &mut planned)),
            Err(d) => diags.extend(d),
        }
    }
    once_each(&mut diags);
    diags.into_result(())?;
    // Spec order, so output follows the file the user reads.
    Ok(resources
        .iter()
        .filter_map(|r| planned.remove(&r.address()))
        .collect())
}

/// Providers that share a connection (AD and GPO) each report its failure: keep one.
fn once_each(diags: &mut Diagnostics) {
    let mut seen = std::collections::HashSet::new();
    diags.0.retain(|d| seen.insert(d.to_string()));
}

/// Matches a provider's plans to the resources it was given, by address: a missing, extra
/// or duplicate plan is a bug in that provider, reported rather than trusted.
fn accept(
    asked: &[&Resource],
    plans: Vec<ResourcePlan>,
    into: &mut HashMap<Address, ResourcePlan>,
) -> Diagnostics {
    let mut diags = Diagnostics::default();
    let mut wanted: HashMap<Address, &Resource> = asked.iter().map(|r| (r.address(), *r)).collect();
    for mut p in plans {
        match wanted.remove(&p.address) {
            Some(r) => {
                p.spec_digest = digest::of_json(r);
                into.insert(p.address.clone(), p);
            }
            None if into.contains_key(&p.address) => diags.push(
                Diagnostic::new("the provider returned two plans for this resource")
                    .at(&p.address)
                    .hint("this is a bug in hybridctl; please report it"),
            ),
            None => diags.push(
                Diagnostic::new("the provider returned a plan for a resource it was not given")
                    .at(&p.address)
                    .hint("this is a bug in hybridctl; please report it"),
            ),
        }
    }
    for address in wanted.into_keys() {
        diags.push(
            Diagnostic::new("the provider returned no plan for this resource")
                .at(&address)
                .hint("this is a bug in hybridctl; please report it"),
        );
    }
    diags
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

/// Applies `plan`, made from `spec`. Refuses, writing nothing, a plan whose spec changed
/// since or any of whose resources changed in the world since; then writes.
pub async fn apply(
    plan: &Plan,
    spec: &LoadedSpec,
    providers: &mut [Box<dyn Provider>],
) -> Result<ApplyReport, ApplyFailure> {
    let fail = |applied: Vec<Address>, errors: Diagnostics| ApplyFailure { applied, errors };
    check_fresh(plan, spec).map_err(|e| fail(vec![], e))?;
    check_unchanged(plan, providers)
        .await
        .map_err(|e| fail(vec![], e))?;
    let mut applied = Vec::new();
    for change in plan.changed() {
        let i = provider_for(providers, change.address.kind).expect("checked above");
        match providers[i].apply(change).await {
            Ok(()) => applied.push(change.address.clone()),
            Err(d) => return Err(fail(applied, d.at(&change.address).into())),
        }
    }
    let checks: Vec<Address> = plan
        .resources
        .iter()
        .filter(|r| r.address.kind.is_check())
        .map(|r| r.address.clone())
        .collect();
    verify(&applied, &checks, spec, providers)
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

/// Reads every resource the plan changes again, before the first write, and refuses the
/// whole plan (naming each stale resource) when any moved or cannot be read.
async fn check_unchanged(
    plan: &Plan,
    providers: &mut [Box<dyn Provider>],
) -> Result<(), Diagnostics> {
    let (mut by_provider, mut diags) =
        group_by_provider(plan.changed(), providers, |r| r.address.clone());
    let results = join_all(providers.iter_mut().enumerate().filter_map(|(i, p)| {
        let mine = by_provider.remove(&i)?;
        Some(async move {
            let result = p.observe(&mine).await;
            (mine, result)
        })
    }))
    .await;
    for (mine, result) in results {
        match result {
            // `zip` would stop at the shorter list and leave the rest unread, yet written.
            Ok(now) if now.len() != mine.len() => diags.push(
                Diagnostic::new(format!(
                    "the provider read {} of the {} resources to change again",
                    now.len(),
                    mine.len()
                ))
                .hint("this is a bug in hybridctl; please report it"),
            ),
            Ok(now) => {
                for (r, now) in mine.iter().zip(now) {
                    if now != r.observed {
                        diags.push(
                            Diagnostic::new(format!(
                                "saved plan is stale: {} changed since the plan was made",
                                r.target
                            ))
                            .at(&r.address)
                            .hint("nothing was written; run `hybridctl plan` again and review the new plan"),
                        );
                    }
                }
            }
            Err(d) => diags.extend(d),
        }
    }
    once_each(&mut diags);
    if !diags.is_empty() {
        diags.push(Diagnostic::new(
            "nothing was applied: every resource is checked before the first write",
        ));
    }
    diags.into_result(())
}

/// Plans the applied resources and the plan's checks again: each resource must now match
/// the spec and each check must pass (the ACLs just written are often what fixes it).
async fn verify(
    applied: &[Address],
    checks: &[Address],
    spec: &LoadedSpec,
    providers: &mut [Box<dyn Provider>],
) -> Result<(), Diagnostics> {
    if applied.is_empty() {
        return Ok(());
    }
    let resources: Vec<&Resource> = applied
        .iter()
        .chain(checks)
        .filter_map(|a| spec.resource(a))
        .collect();
    let again = plan_resources(&resources, providers).await?;
    let mut diags = failing_checks(&again);
    for r in again.iter().filter(|r| r.action == Action::Update) {
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

/// Each failing check as an error: why it fails (its summary lines) and the objects.
pub fn failing_checks(plans: &[ResourcePlan]) -> Diagnostics {
    let mut diags = Diagnostics::default();
    for r in plans.iter().filter(|r| r.action == Action::Fail) {
        let mut text = format!("check fails: {}", r.target);
        for n in &r.notes {
            text.push_str(&format!("\n  {n}"));
        }
        for e in r.before.iter().take(crate::render::FAILING_OBJECTS_SHOWN) {
            text.push_str(&format!("\n    {}", e.text));
            if let Some(c) = &e.code {
                text.push_str(&format!(": {c}"));
            }
        }
        if r.before.len() > crate::render::FAILING_OBJECTS_SHOWN {
            text.push_str(&format!(
                "\n    ... {} more (all of them in `hybridctl plan --format json`)",
                r.before.len() - crate::render::FAILING_OBJECTS_SHOWN
            ));
        }
        diags.push(
            Diagnostic::new(text)
                .at(&r.address)
                .hint("grant the rights where the report says (an ad.acl resource), or list accepted exceptions in allow_unreachable"),
        );
    }
    diags
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};

    use async_trait::async_trait;

    use super::*;
    use crate::{Change, ChangeOp, Entry};

    /// A provider whose live state is a fingerprint per address, shared with the test.
    struct Fake {
        kinds: &'static [Kind],
        world: Arc<Mutex<HashMap<Address, String>>>,
        applied: Arc<Mutex<Vec<Address>>>,
        faults: Faults,
    }

    /// What a `Fake` returns in place of the truth, to test the engine's checks.
    #[derive(Clone, Copy, Default)]
    struct Faults {
        /// Plans in place of the right ones.
        plans: Option<fn(Vec<ResourcePlan>) -> Vec<ResourcePlan>>,
        /// What it reads again before writing, in place of the live states.
        rereads: Option<Reread>,
    }

    type Reread = fn(Vec<String>) -> Result<Vec<String>, Diagnostics>;

    #[async_trait]
    impl Provider for Fake {
        fn kinds(&self) -> &'static [Kind] {
            self.kinds
        }

        async fn plan(&mut self, rs: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
            let world = self.world.lock().unwrap();
            let plans: Vec<ResourcePlan> = rs
                .iter()
                .map(|r| {
                    let seen = world.get(&r.address()).cloned().unwrap_or_default();
                    let changes = match seen.as_str() {
                        "done" => vec![],
                        _ => vec![Change {
                            op: ChangeOp::Set,
                            entry: Entry {
                                text: "x".into(),
                                code: None,
                            },
                            payload: serde_json::Value::Null,
                        }],
                    };
                    ResourcePlan::new(r.address(), "t".into(), seen, vec![], vec![], changes)
                })
                .collect();
            Ok(match self.faults.plans {
                Some(f) => f(plans),
                None => plans,
            })
        }

        async fn observe(&mut self, p: &[&ResourcePlan]) -> Result<Vec<String>, Diagnostics> {
            let world = self.world.lock().unwrap();
            let seen = p
                .iter()
                .map(|p| world.get(&p.address).cloned().unwrap_or_default())
                .collect();
            match self.faults.rereads {
                Some(f) => f(seen),
                None => Ok(seen),
            }
        }

        async fn apply(&mut self, p: &ResourcePlan) -> Result<(), Diagnostic> {
            self.applied.lock().unwrap().push(p.address.clone());
            self.world
                .lock()
                .unwrap()
                .insert(p.address.clone(), "done".into());
            Ok(())
        }
    }

    fn spec() -> LoadedSpec {
        let spec = serde_yaml::from_str(
            "version: 1\nresources:\n- {kind: manual, name: a, steps: [x]}\n- {kind: manual, name: b, steps: [y]}\n- {kind: graph.authorization_policy, name: c, allowed_to_use_sspr: true}\n",
        )
        .unwrap();
        LoadedSpec::new(spec, vec![PathBuf::from("spec.yaml")])
    }

    type World = Arc<Mutex<HashMap<Address, String>>>;
    type Applied = Arc<Mutex<Vec<Address>>>;

    fn providers(faults: Faults) -> (Vec<Box<dyn Provider>>, World, Applied) {
        let world: World = Arc::default();
        let applied: Applied = Arc::default();
        let fake = |kinds| Fake {
            kinds,
            world: world.clone(),
            applied: applied.clone(),
            faults,
        };
        let list: Vec<Box<dyn Provider>> = vec![
            Box::new(fake(&[Kind::Manual])),
            Box::new(fake(&[Kind::GraphAuthorizationPolicy])),
        ];
        (list, world, applied)
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_provider_that_returns_the_wrong_plans_is_refused() {
        let spec = spec();
        let dropped: fn(Vec<ResourcePlan>) -> Vec<ResourcePlan> = |mut p| {
            p.pop();
            p
        };
        let doubled: fn(Vec<ResourcePlan>) -> Vec<ResourcePlan> = |mut p| {
            p.push(p[0].clone());
            p
        };
        let foreign: fn(Vec<ResourcePlan>) -> Vec<ResourcePlan> = |mut p| {
            p[0].address = "manual.zzz".parse().unwrap();
            p
        };
        for (f, says) in [
            (dropped, "returned no plan"),
            (doubled, "two plans"),
            (foreign, "was not given"),
        ] {
            let (mut list, _, _) = providers(Faults {
                plans: Some(f),
                ..Faults::default()
            });
            let e = run(plan(&spec, &mut list, &[])).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
        }
    }

    #[test]
    fn one_stale_resource_stops_the_whole_apply_before_any_write() {
        let spec = spec();
        let (mut list, world, applied) = providers(Faults::default());
        let p = run(plan(&spec, &mut list, &[])).unwrap();
        assert_eq!(p.changed().count(), 3);
        // Out of band, after the plan: the last resource moves.
        world.lock().unwrap().insert(
            "graph.authorization_policy.c".parse().unwrap(),
            "moved".into(),
        );
        let failure = run(apply(&p, &spec, &mut list)).unwrap_err();
        assert!(applied.lock().unwrap().is_empty(), "nothing may be written");
        assert!(failure.applied.is_empty());
        let text = failure.errors.to_string();
        assert!(
            text.contains("graph.authorization_policy.c: saved plan is stale"),
            "{text}"
        );
        assert!(text.contains("nothing was applied"), "{text}");
    }

    #[test]
    fn a_resource_the_provider_did_not_read_again_is_never_written() {
        let spec = spec();
        // Reads back fewer states than it was asked for.
        let (mut list, _, applied) = providers(Faults {
            rereads: Some(|mut seen| {
                seen.pop();
                Ok(seen)
            }),
            ..Faults::default()
        });
        let p = run(plan(&spec, &mut list, &[])).unwrap();
        let failure = run(apply(&p, &spec, &mut list)).unwrap_err();
        assert!(applied.lock().unwrap().is_empty(), "nothing may be written");
        let text = failure.errors.to_string();
        assert!(
            text.contains("the provider read 1 of the 2 resources to change again"),
            "{text}"
        );
        assert!(text.contains("nothing was applied"), "{text}");
    }

    #[test]
    fn a_connection_two_providers_share_is_reported_once_when_it_fails_before_writing() {
        let spec = spec();
        // Plans, then cannot read again, as a DC gone between plan and apply.
        let (mut list, _, applied) = providers(Faults {
            rereads: Some(|_| {
                Err(Diagnostic::new("AD connection `emea`: cannot connect to ldaps://dc2").into())
            }),
            ..Faults::default()
        });
        let p = run(plan(&spec, &mut list, &[])).unwrap();
        let failure = run(apply(&p, &spec, &mut list)).unwrap_err();
        assert!(applied.lock().unwrap().is_empty(), "nothing may be written");
        assert_eq!(
            failure.errors.to_string().matches("cannot connect").count(),
            1,
            "{}",
            failure.errors
        );
    }

    #[test]
    fn a_fresh_plan_applies_and_verifies() {
        let spec = spec();
        let (mut list, _, applied) = providers(Faults::default());
        let p = run(plan(&spec, &mut list, &[])).unwrap();
        let report = run(apply(&p, &spec, &mut list)).unwrap();
        assert_eq!(report.applied.len(), 3);
        assert_eq!(applied.lock().unwrap().len(), 3);
        assert!(!run(plan(&spec, &mut list, &[])).unwrap().has_changes());
    }

    /// A check provider: passes once the fake world holds a written ("done") resource.
    struct Checker {
        world: World,
    }

    #[async_trait]
    impl Provider for Checker {
        fn kinds(&self) -> &'static [Kind] {
            &[Kind::AdEffectiveAccess]
        }

        async fn plan(&mut self, rs: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
            let fixed = self.world.lock().unwrap().values().any(|v| v == "done");
            Ok(rs
                .iter()
                .map(|r| {
                    let p = ResourcePlan::new(
                        r.address(),
                        "t".into(),
                        String::new(),
                        vec![],
                        vec![],
                        vec![],
                    )
                    .with_notes(vec!["blocked OU (2 object(s))".into()]);
                    if fixed {
                        p
                    } else {
                        p.failing()
                    }
                })
                .collect())
        }

        async fn observe(&mut self, _: &[&ResourcePlan]) -> Result<Vec<String>, Diagnostics> {
            unreachable!("a check is never observed: it has no changes")
        }

        async fn apply(&mut self, _: &ResourcePlan) -> Result<(), Diagnostic> {
            unreachable!("a check is never applied")
        }
    }

    fn spec_with_check(with_change: bool) -> LoadedSpec {
        let change = if with_change {
            "- {kind: manual, name: a, steps: [x]}\n"
        } else {
            ""
        };
        let text = format!(
            "version: 1\nresources:\n{change}- {{kind: ad.effective_access, name: w, principal: x, rights: [Reset password], scope: {{base: '{{domain}}'}}}}\n"
        );
        LoadedSpec::new(
            serde_yaml::from_str(&text).unwrap(),
            vec![PathBuf::from("spec.yaml")],
        )
    }

    #[test]
    fn a_failing_check_never_blocks_apply_and_is_evaluated_again_after_it() {
        let spec = spec_with_check(true);
        let (mut list, world, applied) = providers(Faults::default());
        list.push(Box::new(Checker {
            world: world.clone(),
        }));
        let p = run(plan(&spec, &mut list, &[])).unwrap();
        assert!(p.has_failures() && p.has_changes());
        // The write fixes the check: apply succeeds.
        let report = run(apply(&p, &spec, &mut list)).unwrap();
        assert_eq!(report.applied.len(), 1);
        assert_eq!(applied.lock().unwrap().len(), 1);
        assert!(!run(plan(&spec, &mut list, &[])).unwrap().has_failures());
    }

    #[test]
    fn a_check_that_still_fails_after_apply_fails_apply_with_its_report() {
        let spec = spec_with_check(true);
        let (mut list, world, _) = providers(Faults::default());
        list.push(Box::new(Checker {
            world: world.clone(),
        }));
        let p = run(plan(&spec, &mut list, &[])).unwrap();
        // The world forgets the write (something on the server changes it back).
        let (mut list2, _, applied) = providers(Faults::default());
        list2.push(Box::new(Checker {
            world: Arc::default(),
        }));
        let failure = run(apply(&p, &spec, &mut list2)).unwrap_err();
        assert_eq!(failure.applied.len(), 1, "the write happened");
        assert_eq!(applied.lock().unwrap().len(), 1);
        let text = failure.errors.to_string();
        assert!(
            text.contains("ad.effective_access.w: check fails: t"),
            "{text}"
        );
        assert!(text.contains("blocked OU (2 object(s))"), "{text}");
    }
}

#[cfg(test)]
mod concurrency_tests {
    use std::path::PathBuf;
    use std::sync::Arc;
    use std::time::Duration;

    use async_trait::async_trait;
    use tokio::sync::Barrier;

    use super::*;

    /// Plans only once every provider has started planning: sequential planning would
    /// wait forever for the other one.
    struct Meets(&'static [Kind], Arc<Barrier>);

    #[async_trait]
    impl Provider for Meets {
        fn kinds(&self) -> &'static [Kind] {
            self.0
        }
        async fn plan(&mut self, rs: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
            self.1.wait().await;
            Ok(rs
                .iter()
                .map(|r| {
                    ResourcePlan::new(
                        r.address(),
                        "t".into(),
                        String::new(),
                        vec![],
                        vec![],
                        vec![],
                    )
                })
                .collect())
        }
        async fn observe(&mut self, p: &[&ResourcePlan]) -> Result<Vec<String>, Diagnostics> {
            Ok(p.iter().map(|_| String::new()).collect())
        }
        async fn apply(&mut self, _: &ResourcePlan) -> Result<(), Diagnostic> {
            Ok(())
        }
    }

    #[test]
    fn providers_plan_concurrently() {
        let spec = LoadedSpec::new(
            serde_yaml::from_str(
                "version: 1\nresources:\n- {kind: manual, name: a, steps: [x]}\n- {kind: graph.authorization_policy, name: c, allowed_to_use_sspr: true}\n",
            )
            .unwrap(),
            vec![PathBuf::from("spec.yaml")],
        );
        let barrier = Arc::new(Barrier::new(2));
        let mut providers: Vec<Box<dyn Provider>> = vec![
            Box::new(Meets(&[Kind::Manual], barrier.clone())),
            Box::new(Meets(&[Kind::GraphAuthorizationPolicy], barrier)),
        ];
        let planned = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(async {
                tokio::time::timeout(Duration::from_secs(10), plan(&spec, &mut providers, &[]))
                    .await
            })
            .expect("the providers planned one after the other");
        assert_eq!(planned.unwrap().resources.len(), 2);
    }
}
