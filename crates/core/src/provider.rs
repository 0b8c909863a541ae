//! The one trait every provider implements.

use async_trait::async_trait;

use crate::spec::Resource;
use crate::{Diagnostic, Diagnostics, Kind, ResourcePlan};

/// Reads live state for some resource kinds, plans the difference from the spec, and
/// applies planned changes.
///
/// The engine calls `plan` (reads only), then, before the first write of a run,
/// `observe` for every resource it will change, and only when every fingerprint still
/// matches the plan does it call `apply`, one resource at a time.
#[async_trait]
pub trait Provider: Send {
    /// The resource kinds this provider manages.
    fn kinds(&self) -> &'static [Kind];

    /// Plans all `resources` (all of this provider's kinds) in one go, so reads can be
    /// batched. Returns exactly one plan per resource, or every problem found.
    /// `spec_digest` is filled in by the engine.
    async fn plan(&mut self, resources: &[&Resource]) -> Result<Vec<ResourcePlan>, Diagnostics>;

    /// Reads again the live state each planned resource was computed from and returns its
    /// fingerprint (the same function as `plan` uses for `observed`), in the order given.
    async fn observe(&mut self, planned: &[&ResourcePlan]) -> Result<Vec<String>, Diagnostics>;

    /// Carries out one resource's planned changes. Must be idempotent and must refuse,
    /// writing nothing, when the live state's fingerprint differs from `planned.observed`.
    async fn apply(&mut self, planned: &ResourcePlan) -> Result<(), Diagnostic>;
}
