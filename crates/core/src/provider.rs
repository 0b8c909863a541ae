//! The one trait every provider implements.

use async_trait::async_trait;

use crate::spec::Resource;
use crate::{Diagnostic, Diagnostics, ResourcePlan};

/// Reads live state for some resource kinds, plans the difference from the spec, and
/// applies planned changes.
///
/// `plan` must be read-only. `apply` must be idempotent and safe against concurrent
/// change: it re-reads the live state right before writing and refuses, writing nothing,
/// when that state's digest differs from `planned.observed`.
#[async_trait]
pub trait Provider: Send {
    /// The resource kinds this provider manages, e.g. `["ad.acl"]`.
    fn kinds(&self) -> &'static [&'static str];

    /// Plans all `resources` (all of this provider's kinds) in one go, so reads can be
    /// batched. Returns one plan per resource, in the order given, or every problem found.
    /// `spec_digest` is filled in by the engine.
    async fn plan(&mut self, resources: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics>;

    /// Carries out one resource's planned changes.
    async fn apply(&mut self, planned: &ResourcePlan) -> Result<(), Diagnostic>;
}
