//! Conditional-ACE expressions (MS-DTYP 2.4.4.17) and resource attributes as SDDL text.

use super::Sid;

/// The condition after a callback ACE's SID, in SDDL; `None` if it is not a condition.
pub fn to_sddl(_data: &[u8], _domain: Option<&Sid>) -> Option<String> {
    None
}

/// A resource attribute ACE's claim in SDDL; `None` if it cannot be read.
pub fn resource_attribute_to_sddl(_data: &[u8]) -> Option<String> {
    None
}
