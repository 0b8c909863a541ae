//! The LDAP layer every directory-backed provider shares: how to connect (settings from
//! the spec and the environment), one TLS-protected connection with paged searches, and
//! the domain head's policy attributes.

pub mod connection;
pub mod domain_head;
pub mod kerberos;
pub mod settings;
pub mod socket;

pub use connection::{first, first_bin, ConnectError, Connection, OpError};
pub use domain_head::DomainHead;
pub use settings::AdSettings;

use hybridctl_core::Diagnostic;

/// A failed connection as something a person can act on.
pub fn connect_diagnostic(e: ConnectError, s: &AdSettings) -> Diagnostic {
    let hint = match &e {
        ConnectError::CaFile { .. } => format!(
            "point ca_file / {} at a PEM file of the CA that issued the DC's certificate",
            s.env_name(settings::Var::CaFile)
        ),
        ConnectError::Kerberos { source, .. } => source.hint(),
        ConnectError::Bind { .. } => format!(
            "check the user ({}) and the password in {} or the variable named by password_env",
            s.user,
            s.env_name(settings::Var::Password)
        ),
        ConnectError::Connect { .. } if connection::is_certificate_error(&e) => format!(
            "the DC's certificate is not trusted: set ca_file / {} to the CA that issued it (for a lab only, {}=1 skips the check)",
            s.env_name(settings::Var::CaFile),
            s.env_name(settings::Var::InsecureSkipVerify)
        ),
        _ => format!("check that {} is right and the DC is reachable from here", s.url),
    };
    Diagnostic::new(e.to_string()).hint(hint)
}

/// A failed LDAP operation, with what to do about it.
pub fn op_diagnostic(e: OpError) -> Diagnostic {
    let hint = match (&e, e.result_code()) {
        (OpError::WriteDacl { .. }, Some(connection::result_code::INSUFFICIENT_ACCESS_RIGHTS)) => {
            "hybridctl's account needs Modify permissions on this object (see README: permissions)"
        }
        (_, Some(connection::result_code::INSUFFICIENT_ACCESS_RIGHTS)) => {
            "hybridctl's account lacks the permission for this; see README: permissions"
        }
        _ => "check the DC's log; run again with HYBRIDCTL_LOG=debug for each LDAP operation",
    };
    Diagnostic::new(e.to_string()).hint(hint)
}
