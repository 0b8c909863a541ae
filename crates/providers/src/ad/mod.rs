//! Active Directory over LDAPS.

pub mod security;
