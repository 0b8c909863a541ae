//! The `manual` resource: steps no public API exposes. Listed in every plan, apply and
//! drift as numbered steps, never applied and never reported as verified.

use async_trait::async_trait;
use hybridctl_core::spec::Resource;
use hybridctl_core::{Action, Diagnostic, Diagnostics, Entry, Provider, ResourcePlan};

pub struct ManualProvider;

#[async_trait]
impl Provider for ManualProvider {
    fn kinds(&self) -> &'static [&'static str] {
        &["manual"]
    }

    async fn plan(&mut self, resources: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics> {
        Ok(resources
            .iter()
            .filter_map(|r| match r {
                Resource::Manual(m) => Some(ResourcePlan {
                    address: r.address(),
                    action: Action::Manual,
                    target: "by hand".into(),
                    spec_digest: String::new(),
                    observed: String::new(),
                    before: vec![],
                    after: m
                        .steps
                        .iter()
                        .map(|s| Entry {
                            text: s.clone(),
                            code: None,
                        })
                        .collect(),
                    changes: vec![],
                    notes: vec![],
                }),
                _ => None,
            })
            .collect())
    }

    async fn apply(&mut self, planned: &ResourcePlan) -> Result<(), Diagnostic> {
        Err(Diagnostic::new(format!(
            "{} is done by hand; hybridctl never applies it",
            planned.address
        )))
    }
}
