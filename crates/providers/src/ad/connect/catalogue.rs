//! What each Entra Connect feature grants the AD DS connector account, as data: one row
//! per ACE, with the Microsoft source it comes from. Pure; the directory is asked later
//! whether it knows each GUID (see [`super::expand`]).
//!
//! Sources (full citations in the README, "entra_connect.permissions"):
//! - HOWTO: "Microsoft Entra Connect: Configure AD DS Connector Account Permissions",
//!   <https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/how-to-connect-configure-ad-ds-connector-account>
//! - MOD: the ADSyncConfig module's source (`AdSyncConfig.psm1`, the dsacls statements).
//! - TUT: "Tutorial: Enable Microsoft Entra self-service password reset writeback",
//!   <https://learn.microsoft.com/en-us/entra/identity/authentication/tutorial-enable-sspr-writeback>
//! - SCH: the AD schema reference (rights GUIDs, schemaIDGUIDs).

use hybridctl_core::spec::{ConnectFeature, WritebackProfile};

use crate::ad::rights::mask::*;

/// Where a row's ACE goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Every object of `scope` (and AdminSDHolder when asked), inherit-only for
    /// descendants of the class: the cmdlets' `/I:S` with `;<class>`.
    Scope,
    /// The domain root only, never AdminSDHolder: replication rights and Unexpire Password
    /// mean something only on the naming context's head.
    DomainRoot,
}

/// An object type or class, by GUID where Microsoft's schema reference gives one, else by
/// LDAP name (resolved from the live schema).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaRef {
    ExtendedRight(&'static str, &'static str),
    Attribute(&'static str, &'static str),
    Class(&'static str, &'static str),
    /// A class only the Exchange schema has: looked up by LDAP name; why it may be missing.
    ClassByName(&'static str, &'static str),
}

impl SchemaRef {
    pub fn name(&self) -> &'static str {
        match self {
            SchemaRef::ExtendedRight(n, _)
            | SchemaRef::Attribute(n, _)
            | SchemaRef::Class(n, _)
            | SchemaRef::ClassByName(n, _) => n,
        }
    }
}

/// One ACE a feature wants, allow only (no cmdlet writes a deny).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Row {
    pub feature: ConnectFeature,
    pub mask: u32,
    pub object_type: Option<SchemaRef>,
    /// `Descendant <class> objects`; `None` with [`Place::DomainRoot`] is `This object only`
    /// unless `inherit` is set.
    pub class: Option<SchemaRef>,
    pub place: Place,
    /// `This object and all descendant objects` instead of `This object only` (TUT's steps
    /// for Unexpire Password).
    pub inherit: bool,
    pub source: &'static str,
}

pub const RESET_PASSWORD: SchemaRef = SchemaRef::ExtendedRight(
    "Reset Password (User-Force-Change-Password)",
    "00299570-246d-11d0-a768-00aa006e0529",
);
pub const CHANGE_PASSWORD: SchemaRef = SchemaRef::ExtendedRight(
    "Change Password (User-Change-Password)",
    "ab721a53-1e2f-11d0-9819-00aa0040529b",
);
pub const UNEXPIRE_PASSWORD: SchemaRef =
    SchemaRef::ExtendedRight("Unexpire Password", "ccc2dc7d-a6ad-4a7a-8846-c04e3cc53501");
pub const GET_CHANGES: SchemaRef = SchemaRef::ExtendedRight(
    "Replicating Directory Changes (DS-Replication-Get-Changes)",
    "1131f6aa-9c07-11d1-f79f-00c04fc2dcd2",
);
pub const GET_CHANGES_ALL: SchemaRef = SchemaRef::ExtendedRight(
    "Replicating Directory Changes All (DS-Replication-Get-Changes-All)",
    "1131f6ad-9c07-11d1-f79f-00c04fc2dcd2",
);
pub const LOCKOUT_TIME: SchemaRef =
    SchemaRef::Attribute("lockoutTime", "28630ebf-41d5-11d1-a9c1-0000f80367c1");
pub const PWD_LAST_SET: SchemaRef =
    SchemaRef::Attribute("pwdLastSet", "bf967a0a-0de6-11d0-a285-00aa003049e2");
pub const CONSISTENCY_GUID: SchemaRef = SchemaRef::Attribute(
    "mS-DS-ConsistencyGuid",
    "23773dc2-b63a-11d2-90e1-00c04fd91ab1",
);
pub const USER: SchemaRef = SchemaRef::Class("user", "bf967aba-0de6-11d0-a285-00aa003049e2");
pub const GROUP: SchemaRef = SchemaRef::Class("group", "bf967a9c-0de6-11d0-a285-00aa003049e2");
pub const CONTACT: SchemaRef = SchemaRef::Class("contact", "5cb41ed0-0e4c-11d0-a286-00aa003049e2");
pub const INET_ORG_PERSON: SchemaRef =
    SchemaRef::Class("inetOrgPerson", "4828cc14-1437-45bc-9b07-ad6f015e5f28");
pub const COMPUTER: SchemaRef =
    SchemaRef::Class("computer", "bf967a86-0de6-11d0-a285-00aa003049e2");
pub const FOREIGN_SECURITY_PRINCIPAL: SchemaRef = SchemaRef::Class(
    "foreignSecurityPrincipal",
    "89e31c12-8530-11d0-afda-00c04fd930c9",
);
/// The RFC 1274 `device` class the module names (not `msDS-Device`).
pub const DEVICE: SchemaRef = SchemaRef::Class("device", "bf967a8e-0de6-11d0-a285-00aa003049e2");
pub const PUBLIC_FOLDER: SchemaRef = SchemaRef::ClassByName(
    "publicFolder",
    "it comes with the Exchange schema (Exchange Setup /PrepareSchema); Samba does not ship it",
);

/// `Generic read, Generic write, Create/Delete all child objects, Delete, Delete subtree`
/// (the module's `GRGWCCDCSDDT`), written as the specific rights they stand for.
pub const GROUP_WRITEBACK: u32 = READ | WRITE | CREATE_CHILD | DELETE_CHILD | DELETE | DELETE_TREE;

const fn row(
    feature: ConnectFeature,
    mask: u32,
    object_type: Option<SchemaRef>,
    class: Option<SchemaRef>,
    source: &'static str,
) -> Row {
    Row {
        feature,
        mask,
        object_type,
        class,
        place: Place::Scope,
        inherit: false,
        source,
    }
}

const fn root(
    feature: ConnectFeature,
    right: SchemaRef,
    inherit: bool,
    source: &'static str,
) -> Row {
    Row {
        feature,
        mask: CONTROL_ACCESS,
        object_type: Some(right),
        class: None,
        place: Place::DomainRoot,
        inherit,
        source,
    }
}

use ConnectFeature as F;

const BASIC_READ_MOD: &str = "MOD Set-ADSyncBasicReadPermissions (`RP;;<class>`, /I:S); HOWTO";

/// Every row of every feature, profile-independent rows first.
pub const ROWS: &[Row] = &[
    row(F::BasicRead, READ_PROP, None, Some(COMPUTER), BASIC_READ_MOD),
    row(F::BasicRead, READ_PROP, None, Some(DEVICE), BASIC_READ_MOD),
    row(F::BasicRead, READ_PROP, None, Some(FOREIGN_SECURITY_PRINCIPAL), BASIC_READ_MOD),
    row(F::BasicRead, READ_PROP, None, Some(USER), BASIC_READ_MOD),
    row(F::BasicRead, READ_PROP, None, Some(INET_ORG_PERSON), BASIC_READ_MOD),
    row(F::BasicRead, READ_PROP, None, Some(GROUP), BASIC_READ_MOD),
    row(F::BasicRead, READ_PROP, None, Some(CONTACT), BASIC_READ_MOD),
    root(
        F::BasicRead,
        GET_CHANGES,
        false,
        "HOWTO basic read table (\"Replicating Directory Changes | This object only (Domain root)\"); not in the 2019 MOD",
    ),
    root(F::PasswordHashSync, GET_CHANGES, false, "MOD Set-ADSyncPasswordHashSyncPermissions (no /I); HOWTO"),
    root(F::PasswordHashSync, GET_CHANGES_ALL, false, "MOD Set-ADSyncPasswordHashSyncPermissions (no /I); HOWTO"),
    row(
        F::MsDsConsistencyGuid,
        READ_PROP | WRITE_PROP,
        Some(CONSISTENCY_GUID),
        Some(USER),
        "MOD Set-ADSyncMsDsConsistencyGuidPermissions (`RPWP;mS-DS-ConsistencyGuid;user`); HOWTO",
    ),
    row(F::PasswordWriteback, CONTROL_ACCESS, Some(RESET_PASSWORD), Some(USER), "MOD Set-ADSyncPasswordWritebackPermissions (`CA;Reset Password;user`); HOWTO; TUT"),
    row(F::PasswordWriteback, WRITE_PROP, Some(LOCKOUT_TIME), Some(USER), "MOD Set-ADSyncPasswordWritebackPermissions (`WP;lockoutTime;user`); HOWTO; TUT"),
    row(F::PasswordWriteback, WRITE_PROP, Some(PWD_LAST_SET), Some(USER), "MOD Set-ADSyncPasswordWritebackPermissions (`WP;pwdLastSet;user`); HOWTO; TUT"),
    row(
        F::UnifiedGroupWriteback,
        GROUP_WRITEBACK,
        None,
        Some(GROUP),
        "MOD Set-ADSyncUnifiedGroupWritebackPermissions (`GRGWCCDCSDDT;;group`); HOWTO",
    ),
    row(F::ExchangeHybrid, READ_PROP | WRITE_PROP, None, Some(USER), "MOD Set-ADSyncExchangeHybridPermissions (`RPWP;;user`); HOWTO"),
    row(F::ExchangeHybrid, READ_PROP | WRITE_PROP, None, Some(INET_ORG_PERSON), "MOD Set-ADSyncExchangeHybridPermissions (`RPWP;;inetorgperson`); HOWTO"),
    row(F::ExchangeHybrid, READ_PROP | WRITE_PROP, None, Some(GROUP), "MOD Set-ADSyncExchangeHybridPermissions (`RPWP;;group`); HOWTO"),
    row(F::ExchangeHybrid, READ_PROP | WRITE_PROP, None, Some(CONTACT), "MOD Set-ADSyncExchangeHybridPermissions (`RPWP;;contact`); HOWTO"),
    row(
        F::ExchangeMailPublicFolder,
        READ_PROP,
        None,
        Some(PUBLIC_FOLDER),
        "MOD Set-ADSyncExchangeMailPublicFolderPermissions (`RP;;publicFolder`); HOWTO",
    ),
];

/// What only the SSPR tutorial lists for password writeback.
pub const TUTORIAL_EXTRAS: &[Row] = &[
    row(
        F::PasswordWriteback,
        CONTROL_ACCESS,
        Some(CHANGE_PASSWORD),
        Some(USER),
        "TUT (bullet list: \"Change password\"); not in MOD or HOWTO",
    ),
    root(
        F::PasswordWriteback,
        UNEXPIRE_PASSWORD,
        true,
        "TUT (\"Unexpire Password\" on the root object of each domain, applied to \"This object and all descendant objects\"); not in MOD or HOWTO",
    ),
];

/// The rows for `features` with the password writeback `profile`, in catalogue order.
pub fn rows(features: &[ConnectFeature], profile: WritebackProfile) -> Vec<Row> {
    let extras: &[Row] = match profile {
        WritebackProfile::Tutorial => TUTORIAL_EXTRAS,
        WritebackProfile::Module => &[],
    };
    ROWS.iter()
        .chain(extras)
        .filter(|r| features.contains(&r.feature))
        .copied()
        .collect()
}

/// The rows one profile has and the other lacks: `(the other profile, its extra rows)`.
pub fn other_profile(
    profile: WritebackProfile,
) -> (WritebackProfile, &'static [Row], &'static str) {
    match profile {
        WritebackProfile::Tutorial => (WritebackProfile::Module, TUTORIAL_EXTRAS, "lacks"),
        WritebackProfile::Module => (WritebackProfile::Tutorial, TUTORIAL_EXTRAS, "adds"),
    }
}

/// `Set-ADSyncRestrictedPermissions`: the account object's whole DACL (MOD, HOWTO).
/// `(well-known SID or domain RID, mask, who)`; GenericAll and GenericRead as .NET's
/// `ActiveDirectoryRights` spells them (0xF01FF and 0x20094).
pub enum Trustee {
    WellKnown(&'static str),
    /// A RID of the connected domain (Domain Admins, 512).
    DomainRid(u32),
    /// A RID of the forest root domain (Enterprise Admins, 519).
    ForestRootRid(u32),
}

pub const RESTRICTED: &[(Trustee, u32, &str)] = &[
    (Trustee::WellKnown("S-1-5-18"), FULL_CONTROL, "SYSTEM"),
    (
        Trustee::ForestRootRid(519),
        FULL_CONTROL,
        "Enterprise Admins",
    ),
    (Trustee::DomainRid(512), FULL_CONTROL, "Domain Admins"),
    (
        Trustee::WellKnown("S-1-5-32-544"),
        FULL_CONTROL,
        "BUILTIN\\Administrators",
    ),
    (
        Trustee::WellKnown("S-1-5-9"),
        READ,
        "Enterprise Domain Controllers",
    ),
    (Trustee::WellKnown("S-1-5-11"), READ, "Authenticated Users"),
];

/// SELF: `Set-ADSyncRestrictedPermissions` keeps its explicit ACEs.
pub const SELF_SID: &str = "S-1-5-10";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_differ_by_exactly_change_password_and_unexpire() {
        let f = [F::PasswordWriteback];
        let module = rows(&f, WritebackProfile::Module);
        let tutorial = rows(&f, WritebackProfile::Tutorial);
        assert_eq!(module.len(), 3);
        assert_eq!(tutorial.len(), 5);
        let extra: Vec<_> = tutorial.iter().filter(|r| !module.contains(r)).collect();
        let names: Vec<_> = extra
            .iter()
            .map(|r| r.object_type.unwrap().name())
            .collect();
        assert_eq!(names, [CHANGE_PASSWORD.name(), UNEXPIRE_PASSWORD.name()]);
    }

    #[test]
    fn every_feature_has_rows_and_every_row_a_source() {
        for f in ConnectFeature::ALL {
            assert!(!rows(&[*f], WritebackProfile::Module).is_empty(), "{f}");
        }
        assert!(ROWS
            .iter()
            .chain(TUTORIAL_EXTRAS)
            .all(|r| !r.source.is_empty()));
        // Replication rights never go on AdminSDHolder or an OU.
        for r in rows(&[F::PasswordHashSync], WritebackProfile::Module) {
            assert_eq!(r.place, Place::DomainRoot);
        }
    }

    #[test]
    fn the_restricted_list_is_microsofts_six() {
        assert_eq!(RESTRICTED.len(), 6);
        assert_eq!(
            RESTRICTED
                .iter()
                .filter(|(_, m, _)| *m == FULL_CONTROL)
                .count(),
            4
        );
        assert_eq!(READ, 0x20094);
        assert_eq!(FULL_CONTROL, 0xF01FF);
    }
}
