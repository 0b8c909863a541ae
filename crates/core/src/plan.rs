//! The plan: plain, versioned data. Every renderer draws from it and `apply` executes
//! it, so a saved plan shows and does exactly what a fresh one would.
//!
//! | action  | before / after                      | changes                |
//! |---------|-------------------------------------|------------------------|
//! | no-op   | the managed state, equal            | none                   |
//! | update  | managed state now / after apply     | each entry added/removed |

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::Address;

/// Bumped when the JSON form changes incompatibly; `apply` refuses other versions.
pub const PLAN_FORMAT_VERSION: u32 = 2;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    /// The hybridctl that made the plan.
    pub hybridctl_version: String,
    /// The spec files the plan was made from, as given on the command line.
    pub spec_files: Vec<String>,
    pub resources: Vec<ResourcePlan>,
}

impl Plan {
    pub fn new(spec_files: Vec<String>, resources: Vec<ResourcePlan>) -> Plan {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            hybridctl_version: env!("CARGO_PKG_VERSION").to_string(),
            spec_files,
            resources,
        }
    }

    pub fn has_changes(&self) -> bool {
        self.resources.iter().any(|r| r.action == Action::Update)
    }

    /// Checks (kinds that never write) that fail: `drift` exits 2, `plan` and `apply` fail.
    pub fn has_failures(&self) -> bool {
        self.resources.iter().any(|r| r.action == Action::Fail)
    }

    pub fn changed(&self) -> impl Iterator<Item = &ResourcePlan> {
        self.resources.iter().filter(|r| r.action == Action::Update)
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for r in &self.resources {
            match r.action {
                Action::NoOp => s.unchanged += 1,
                Action::Update => s.update += 1,
                Action::Manual => s.manual += 1,
                Action::Fail => s.failed += 1,
            }
            for c in &r.changes {
                match c.op {
                    ChangeOp::Add => s.add += 1,
                    ChangeOp::Remove => s.remove += 1,
                    ChangeOp::Set => s.set += 1,
                }
            }
        }
        s
    }
}

/// Counts for one-line summaries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub update: usize,
    pub unchanged: usize,
    pub add: usize,
    pub remove: usize,
    pub set: usize,
    pub manual: usize,
    /// Checks that fail.
    #[serde(skip_serializing_if = "is_zero")]
    pub failed: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Update,
    /// Steps for a person: shown every time, never applied, never verified.
    Manual,
    /// A check (a kind that never writes) that fails: `notes` say why, `before` lists
    /// the objects it fails for. Never applied.
    Fail,
}

impl Action {
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Update => "update",
            Action::Manual => "manual",
            Action::Fail => "fail",
        }
    }
}

/// What one resource needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourcePlan {
    pub address: Address,
    pub action: Action,
    /// What the resource acts on, for people: a DN, a GPO, a tenant. Never read by apply.
    pub target: String,
    /// Digest of the resource's spec; a saved plan is stale when it no longer matches.
    pub spec_digest: String,
    /// Digest of the live state the plan was computed from; apply refuses when it moved.
    pub observed: String,
    /// The managed state now and after apply, one entry per line, for before/after views.
    pub before: Vec<Entry>,
    pub after: Vec<Entry>,
    pub changes: Vec<Change>,
    /// Warnings for people (e.g. a GPO setting not yet in effect). Never drive apply.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What apply needs to find the object again (a DN, a GPO's GUID, a Graph path):
    /// the provider's own data, saved with the plan and handed back to it unread.
    #[serde(default, skip_serializing_if = "ApplyData::is_empty")]
    pub apply_data: ApplyData,
}

impl ResourcePlan {
    /// A plan for one resource; the action follows from the changes (none: no-op).
    /// The engine fills in `spec_digest`.
    pub fn new(
        address: Address,
        target: String,
        observed: String,
        before: Vec<Entry>,
        after: Vec<Entry>,
        changes: Vec<Change>,
    ) -> ResourcePlan {
        ResourcePlan {
            address,
            action: if changes.is_empty() {
                Action::NoOp
            } else {
                Action::Update
            },
            target,
            spec_digest: String::new(),
            observed,
            before,
            after,
            changes,
            notes: Vec::new(),
            apply_data: ApplyData::default(),
        }
    }

    pub fn with_apply_data(mut self, data: ApplyData) -> ResourcePlan {
        self.apply_data = data;
        self
    }

    /// Marks a check's plan as failing (it has no changes, so it would read as a no-op).
    pub fn failing(mut self) -> ResourcePlan {
        self.action = Action::Fail;
        self
    }

    pub fn with_notes(mut self, notes: Vec<String>) -> ResourcePlan {
        self.notes = notes;
        self
    }
}

/// One line of state: words for people, and its exact form (SDDL, `key = value`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeOp {
    Add,
    Remove,
    /// A setting changes value (before and after are in `entry`).
    Set,
}

/// One change within a resource. `payload` is the provider's exact instruction for apply;
/// `entry` is what people read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub op: ChangeOp,
    pub entry: Entry,
    pub payload: serde_json::Value,
}

/// A provider's private apply data. Core and the renderers never look inside: the
/// provider writes it at plan time in its own typed form and reads it back at apply time,
/// so rewording anything people read cannot change what apply does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApplyData(serde_json::Value);

#[derive(Debug, thiserror::Error)]
#[error("the plan's apply data is not what this hybridctl wrote ({0}); make the plan again")]
pub struct ApplyDataError(#[from] serde_json::Error);

impl ApplyData {
    pub fn new<T: Serialize>(data: &T) -> ApplyData {
        ApplyData(serde_json::to_value(data).expect("apply data serializes"))
    }

    pub fn read<T: DeserializeOwned>(&self) -> Result<T, ApplyDataError> {
        Ok(serde_json::from_value(self.0.clone())?)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_null()
    }
}
