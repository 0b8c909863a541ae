//! Windows security descriptors: SIDs, GUIDs, the binary descriptor codec and SDDL text.

mod conditional;
mod descriptor;
mod guid;
pub mod sddl;
mod sid;

pub use descriptor::{
    ace_flags, ace_type, control, AccessAce, Ace, Acl, EncodeError, Part, SecurityDescriptor,
    ACL_REVISION_DS,
};
pub use guid::{Guid, GuidParseError};
pub use sddl::{ace_to_sddl, mask_to_sddl, sid_to_sddl, SddlError, SddlErrorKind};
pub use sid::{Sid, SidParseError};

/// Bytes that are not a valid descriptor (or part of one).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed security descriptor: {0}")]
pub struct DecodeError(String);

impl DecodeError {
    fn new(what: &str, needed: usize, had: usize) -> DecodeError {
        DecodeError(format!("{what} needs {needed} bytes, only {had} present"))
    }

    fn invalid(what: String) -> DecodeError {
        DecodeError(what)
    }
}
