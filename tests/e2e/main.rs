//! End-to-end tests against the lab's real Samba AD DC. One test binary; each test makes
//! its own OU, accounts and spec files, so tests run in parallel without sharing ACLs.
//! Results are read back with samba-tool, not only with hybridctl's own reader.

mod harness;

mod acl;
mod bad_input;
mod base_schema;
mod connect;
mod connection;
mod domains;
mod effective_access;
mod examples;
mod export;
mod gpo;
mod graph;
mod init;
mod kerberos;
mod saved_plans;
