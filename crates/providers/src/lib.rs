//! hybridctl's providers: each reads live state for its resource kinds, plans the
//! difference from the spec and applies it.

pub mod ad;
pub mod connections;
pub mod discover;
pub mod env;
pub mod export;
pub mod gpo;
pub mod graph;
pub mod ldap;
pub mod manual;
pub mod registry;
pub mod secret;
pub mod tls;

#[cfg(test)]
mod test_corpus;

pub use env::Env;
pub use secret::Secret;
