//! hybridctl's core: the spec, the plan, the engine that plans and applies through
//! providers, and the renderers. Pure: no LDAP, HTTP, SMB or terminal code here.

pub mod address;
pub mod connection;
pub mod diag;
pub mod digest;
pub mod engine;
pub mod kind;
pub mod load;
pub mod password_settings;
pub mod plan;
pub mod provider;
pub mod render;
pub mod review;
pub mod spec;
pub mod suggest;
pub mod time;
pub mod validate;

pub use address::Address;
pub use diag::{Diagnostic, Diagnostics};
pub use kind::Kind;
pub use plan::{Action, ApplyData, Change, ChangeOp, Entry, Plan, ResourcePlan};
pub use provider::Provider;
pub use spec::Spec;
