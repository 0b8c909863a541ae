//! The plan: plain, versioned data. Every renderer draws from it and `apply` executes
//! it, so a saved plan shows and does exactly what a fresh one would.
//!
//! | action  | before / after                      | changes                |
//! |---------|-------------------------------------|------------------------|
//! | no-op   | the managed state, equal            | none                   |
//! | update  | managed state now / after apply     | each entry added/removed |

use serde::{Deserialize, Serialize};

use crate::Address;

/// Bumped when the JSON form changes incompatibly; `apply` refuses other versions.
pub const PLAN_FORMAT_VERSION: u32 = 1;

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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    NoOp,
    Update,
    /// Steps for a person: shown every time, never applied, never verified.
    Manual,
}

impl Action {
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::NoOp => "no-op",
            Action::Update => "update",
            Action::Manual => "manual",
        }
    }
}

/// What one resource needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResourcePlan {
    pub address: Address,
    pub action: Action,
    /// What the resource acts on, for people: a DN, a GPO, a tenant.
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
        }
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
