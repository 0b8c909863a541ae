//! The `manual` resource: steps no public API exposes. Listed in every plan, apply and
//! drift as numbered steps, never applied and never reported as verified.

use async_trait::async_trait;
use hybridctl_core::spec::Resource;
use hybridctl_core::{Action, Diagnostic, Diagnostics, Entry, Kind, Provider, ResourcePlan};

pub struct ManualProvider;

#[async_trait]
impl Provider for ManualProvider {
    fn kinds(&self) -> &'static [Kind] {
        &[Kind::Manual]
    }

    async fn plan(&mut self, resources: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
        Ok(resources
            .iter()
            .filter_map(|r| match r {
                Resource::Manual(m) => {
                    let steps = m
                        .steps
                        .iter()
                        .map(|s| Entry {
                            text: s.clone(),
                            code: None,
                        })
                        .collect();
                    let mut plan = ResourcePlan::new(
                        r.address(),
                        "by hand".into(),
                        String::new(),
                        vec![],
                        steps,
                        vec![],
                    );
                    plan.action = Action::Manual;
                    Some(plan)
                }
                _ => None,
            })
            .collect())
    }

    async fn observe(&mut self, planned: &[&ResourcePlan]) -> Result<Vec<String>, Diagnostics> {
        // Manual steps have no live state; the engine never asks, since they never change.
        Ok(planned.iter().map(|p| p.observed.clone()).collect())
    }

    async fn apply(&mut self, planned: &ResourcePlan) -> Result<(), Diagnostic> {
        Err(Diagnostic::new(format!(
            "{} is done by hand; hybridctl never applies it",
            planned.address
        )))
    }
}
