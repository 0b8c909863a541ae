//! The words of ADUC's Advanced Security Settings: generic rights and "Applies to".

use super::security::ace_flags::{CONTAINER_INHERIT, INHERIT_ONLY, NO_PROPAGATE_INHERIT};

/// Directory-service access mask bits (MS-ADTS 5.1.3.2).
pub mod mask {
    pub const CREATE_CHILD: u32 = 0x0000_0001;
    pub const DELETE_CHILD: u32 = 0x0000_0002;
    pub const LIST_CHILDREN: u32 = 0x0000_0004;
    pub const SELF_WRITE: u32 = 0x0000_0008;
    pub const READ_PROP: u32 = 0x0000_0010;
    pub const WRITE_PROP: u32 = 0x0000_0020;
    pub const DELETE_TREE: u32 = 0x0000_0040;
    pub const LIST_OBJECT: u32 = 0x0000_0080;
    pub const CONTROL_ACCESS: u32 = 0x0000_0100;
    pub const DELETE: u32 = 0x0001_0000;
    pub const READ_CONTROL: u32 = 0x0002_0000;
    pub const WRITE_DAC: u32 = 0x0004_0000;
    pub const WRITE_OWNER: u32 = 0x0008_0000;
    /// What "Full control" grants on a directory object.
    pub const FULL_CONTROL: u32 = 0x000F_01FF;
    /// GENERIC_READ as mapped for directory objects.
    pub const READ: u32 = READ_CONTROL | LIST_CHILDREN | READ_PROP | LIST_OBJECT;
    /// GENERIC_WRITE as mapped for directory objects.
    pub const WRITE: u32 = READ_CONTROL | SELF_WRITE | WRITE_PROP;
    /// GENERIC_EXECUTE as mapped for directory objects.
    pub const EXECUTE: u32 = READ_CONTROL | LIST_CHILDREN;

    /// The generic bits (MS-ADTS 5.1.3.2: GA, GX, GW, GR).
    pub const GENERIC_ALL: u32 = 0x1000_0000;
    pub const GENERIC_EXECUTE: u32 = 0x2000_0000;
    pub const GENERIC_WRITE: u32 = 0x4000_0000;
    pub const GENERIC_READ: u32 = 0x8000_0000;

    /// `m` with its generic bits replaced by the directory rights they stand for, so
    /// masks can be compared bit by bit: `GA` grants what `Full control` spells out.
    pub fn specific(m: u32) -> u32 {
        let generic = GENERIC_ALL | GENERIC_EXECUTE | GENERIC_WRITE | GENERIC_READ;
        [
            (GENERIC_ALL, FULL_CONTROL),
            (GENERIC_EXECUTE, EXECUTE),
            (GENERIC_WRITE, WRITE),
            (GENERIC_READ, READ),
        ]
        .iter()
        .filter(|(g, _)| m & g != 0)
        .fold(m & !generic, |out, (_, bits)| out | bits)
    }
}

/// Rights that carry no object type, by ADUC's names. Composite ones first, so that
/// rendering a mask picks "Full control" over its parts.
pub const GENERIC_RIGHTS: &[(&str, u32)] = &[
    ("Full control", mask::FULL_CONTROL),
    ("Read", mask::READ),
    ("Write", mask::WRITE),
    ("Read all properties", mask::READ_PROP),
    ("Write all properties", mask::WRITE_PROP),
    ("Create all child objects", mask::CREATE_CHILD),
    ("Delete all child objects", mask::DELETE_CHILD),
    ("All extended rights", mask::CONTROL_ACCESS),
    ("All validated writes", mask::SELF_WRITE),
    ("List contents", mask::LIST_CHILDREN),
    ("List object", mask::LIST_OBJECT),
    ("Read permissions", mask::READ_CONTROL),
    ("Modify permissions", mask::WRITE_DAC),
    ("Modify owner", mask::WRITE_OWNER),
    ("Delete", mask::DELETE),
    ("Delete subtree", mask::DELETE_TREE),
];

pub fn generic_right(name: &str) -> Option<u32> {
    GENERIC_RIGHTS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
        .map(|(_, m)| *m)
}

/// Names for a mask with no object type, largest first; bits no name covers come last in hex.
pub fn generic_words(m: u32) -> Vec<String> {
    let mut rest = m;
    let mut words = Vec::new();
    for (name, bits) in GENERIC_RIGHTS {
        if m & bits == *bits && rest & bits != 0 {
            words.push((*name).to_string());
            rest &= !bits;
        }
    }
    if rest != 0 {
        words.push(format!("access mask 0x{rest:x}"));
    }
    words
}

/// Where an ACE applies, as ADUC's "Applies to" says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppliesTo {
    ThisObjectOnly,
    ThisObjectAndDescendants,
    AllDescendants,
    /// `Descendant <class> objects`: the class as written by the user.
    DescendantsOfClass(String),
    ThisObjectAndChildren,
    ChildObjectsOnly,
}

impl AppliesTo {
    /// Reads the words with the spec's one reader of them.
    pub fn parse(s: &str) -> Option<AppliesTo> {
        use hybridctl_core::spec::{AppliesTo as Words, AppliesToForm as F};
        Some(match Words::from(s).form()? {
            F::ThisObjectOnly => AppliesTo::ThisObjectOnly,
            F::ThisObjectAndDescendants => AppliesTo::ThisObjectAndDescendants,
            F::AllDescendants => AppliesTo::AllDescendants,
            F::DescendantsOfClass(class) => AppliesTo::DescendantsOfClass(class),
            F::ThisObjectAndChildren => AppliesTo::ThisObjectAndChildren,
            F::ChildObjectsOnly => AppliesTo::ChildObjectsOnly,
        })
    }

    /// ACE inheritance flags.
    pub fn flags(&self) -> u8 {
        match self {
            AppliesTo::ThisObjectOnly => 0,
            AppliesTo::ThisObjectAndDescendants => CONTAINER_INHERIT,
            AppliesTo::AllDescendants | AppliesTo::DescendantsOfClass(_) => {
                CONTAINER_INHERIT | INHERIT_ONLY
            }
            AppliesTo::ThisObjectAndChildren => CONTAINER_INHERIT | NO_PROPAGATE_INHERIT,
            AppliesTo::ChildObjectsOnly => CONTAINER_INHERIT | INHERIT_ONLY | NO_PROPAGATE_INHERIT,
        }
    }
}

/// ADUC's words for inheritance flags, with the class name of an inherited object type.
pub fn applies_to_words(flags: u8, class: Option<&str>) -> String {
    let inherit = flags & (CONTAINER_INHERIT | INHERIT_ONLY | NO_PROPAGATE_INHERIT);
    match (inherit, class) {
        (0, _) => "This object only".into(),
        (f, None) if f == CONTAINER_INHERIT => "This object and all descendant objects".into(),
        (f, Some(c)) if f == CONTAINER_INHERIT => format!("This object and descendant {c} objects"),
        (f, None) if f == CONTAINER_INHERIT | INHERIT_ONLY => "All descendant objects".into(),
        (f, Some(c)) if f == CONTAINER_INHERIT | INHERIT_ONLY => format!("Descendant {c} objects"),
        (f, None) if f == CONTAINER_INHERIT | NO_PROPAGATE_INHERIT => {
            "This object and child objects".into()
        }
        (f, None) if f == CONTAINER_INHERIT | INHERIT_ONLY | NO_PROPAGATE_INHERIT => {
            "Child objects only".into()
        }
        (f, Some(c)) if f == CONTAINER_INHERIT | INHERIT_ONLY | NO_PROPAGATE_INHERIT => {
            format!("Child {c} objects only")
        }
        (f, c) => format!(
            "inheritance flags 0x{f:02x}{}",
            c.map(|c| format!(" ({c} objects)")).unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_to_round_trips_through_words() {
        for (words, flags) in [
            ("This object only", 0),
            ("This object and all descendant objects", CONTAINER_INHERIT),
            ("All descendant objects", CONTAINER_INHERIT | INHERIT_ONLY),
            (
                "Child objects only",
                CONTAINER_INHERIT | INHERIT_ONLY | NO_PROPAGATE_INHERIT,
            ),
        ] {
            assert_eq!(AppliesTo::parse(words).unwrap().flags(), flags);
            assert_eq!(applies_to_words(flags, None), words);
        }
        assert_eq!(
            AppliesTo::parse("descendant  User objects"),
            Some(AppliesTo::DescendantsOfClass("User".into()))
        );
        assert_eq!(
            applies_to_words(CONTAINER_INHERIT | INHERIT_ONLY, Some("User")),
            "Descendant User objects"
        );
        assert_eq!(AppliesTo::parse("everything"), None);
        assert_eq!(AppliesTo::parse("Descendant objects"), None);
    }

    #[test]
    fn generic_bits_map_to_directory_rights() {
        assert_eq!(mask::specific(mask::GENERIC_ALL), mask::FULL_CONTROL);
        assert_eq!(
            mask::specific(mask::GENERIC_READ | mask::DELETE),
            mask::READ | mask::DELETE
        );
        assert_eq!(mask::specific(mask::GENERIC_WRITE), mask::WRITE);
        assert_eq!(
            mask::specific(mask::GENERIC_EXECUTE),
            mask::READ_CONTROL | mask::LIST_CHILDREN
        );
        // Specific bits, and bits this table does not name, pass through.
        assert_eq!(mask::specific(0x0100_0120), 0x0100_0120);
    }

    #[test]
    fn generic_words_prefer_composites() {
        assert_eq!(generic_words(mask::FULL_CONTROL), ["Full control"]);
        assert_eq!(
            generic_words(mask::READ | mask::WRITE_DAC),
            ["Read", "Modify permissions"]
        );
        assert_eq!(generic_words(mask::READ_PROP), ["Read all properties"]);
        assert_eq!(generic_words(mask::READ | mask::WRITE), ["Read", "Write"]);
        assert_eq!(generic_words(0x0100_0000), ["access mask 0x1000000"]);
    }
}
