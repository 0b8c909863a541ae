//! What the directory's names mean: attributes, classes and extended rights, built from
//! the entries the DC returned (see `directory.rs` for reading them). Pure code: it turns
//! ADUC's words into mask bits and GUIDs and back, and is unit-tested without a DC.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use hybridctl_core::suggest;

use super::rights::{generic_right, generic_words, mask, GENERIC_RIGHTS};
use super::security::Guid;

/// A right as an ACE carries it: mask bits, and the object type they are about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Right {
    pub mask: u32,
    pub object_type: Option<Guid>,
}

/// An attribute or class, as the schema partition lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaEntry {
    /// lDAPDisplayName, e.g. `pwdLastSet`, `user`.
    pub ldap_name: String,
    /// e.g. `Pwd-Last-Set`, `User`, `Organizational-Unit`.
    pub cn: String,
    pub guid: Guid,
    pub is_class: bool,
    /// attributeSecurityGUID: the property set an attribute belongs to.
    pub property_set: Option<Guid>,
}

/// An extended right (controlAccessRight), as the configuration partition lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RightEntry {
    pub cn: String,
    pub display_name: Option<String>,
    pub guid: Guid,
    pub valid_accesses: u32,
}

#[derive(Clone, Debug)]
struct SchemaObject {
    ldap_name: String,
    /// ADUC's name for classes: cn with spaces, e.g. `User`, `Organizational Unit`.
    display: String,
    guid: Guid,
    /// Named from the compiled-in base schema, not (yet) seen in this directory.
    catalogued: bool,
}

#[derive(Clone, Debug)]
struct ExtendedRight {
    /// The name plans show: Windows' where Samba differs, else the directory's displayName.
    display: String,
    /// The directory's own displayName, also accepted.
    directory_display: Option<String>,
    cn: String,
    guid: Guid,
    valid_accesses: u32,
    /// Named from the compiled-in base schema, not (yet) seen in this directory.
    catalogued: bool,
}

impl ExtendedRight {
    fn is_property_set(&self) -> bool {
        self.valid_accesses & (mask::READ_PROP | mask::WRITE_PROP) != 0
    }

    fn mask(&self) -> u32 {
        if self.valid_accesses & mask::SELF_WRITE != 0 {
            mask::SELF_WRITE
        } else {
            mask::CONTROL_ACCESS
        }
    }

    fn named(&self, name: &str) -> bool {
        self.display.eq_ignore_ascii_case(name)
            || self.cn.eq_ignore_ascii_case(name)
            || self.cn.replace('-', " ").eq_ignore_ascii_case(name)
            || self
                .directory_display
                .as_deref()
                .is_some_and(|d| d.eq_ignore_ascii_case(name))
    }
}

/// The names Windows (and so ADUC and Microsoft's walkthroughs) show for extended rights
/// whose `displayName` Samba spells differently, keyed by the right's `cn` (fixed by
/// MS-ADTS 5.1.3.2.1). Only names: the GUIDs come from the live directory (or, for ACEs
/// read from it, from the base schema it was provisioned with: `base_schema.rs`).
///
/// Every right of `base_schema.tsv` whose Windows name differs from Samba's, even by case
/// alone (a catalogued right is shown under the name found here, else under Samba's).
/// Source: the "Display-Name" of each right's page in Microsoft's AD schema reference,
/// <https://learn.microsoft.com/windows/win32/adschema/control-access-rights> (one page
/// per right, e.g. `r-user-force-change-password`). The rights of Windows Server 2012 R2
/// (DS-Set-Owner, DS-Bypass-Quota, DS-Read/Write-Partition-Secrets) have no such page;
/// their names in Sch60.ldf, <https://learn.microsoft.com/windows-server/identity/ad-ds/deploy/schema-updates>,
/// are Samba's. Certificate-AutoEnrollment is in neither: Samba's `AutoEnrollment` stands.
const WINDOWS_RIGHT_NAMES: &[(&str, &str)] = &[
    ("User-Force-Change-Password", "Reset Password"),
    ("User-Change-Password", "Change Password"),
    (
        "DS-Replication-Get-Changes",
        "Replicating Directory Changes",
    ),
    (
        "DS-Replication-Get-Changes-All",
        "Replicating Directory Changes All",
    ),
    (
        "DS-Replication-Get-Changes-In-Filtered-Set",
        "Replicating Directory Changes In Filtered Set",
    ),
    (
        "DS-Replication-Manage-Topology",
        "Manage Replication Topology",
    ),
    ("DS-Replication-Synchronize", "Replication Synchronization"),
    (
        "DS-Replication-Monitor-Topology",
        "Monitor Active Directory Replication",
    ),
    ("Validated-SPN", "Validated write to service principal name"),
    (
        "Validated-DNS-Host-Name",
        "Validated write to DNS host name",
    ),
    ("Self-Membership", "Add/Remove self as member"),
    // Samba's names already: kept so that the table lists ADUC's everyday words.
    ("User-Account-Restrictions", "Account Restrictions"),
    ("User-Logon", "Logon Information"),
    ("Membership", "Group Membership"),
    ("Allowed-To-Authenticate", "Allowed to Authenticate"),
    ("Certificate-Enrollment", "Enroll"),
    ("DS-Check-Stale-Phantoms", "Check Stale Phantoms"),
    (
        "DS-Execute-Intentions-Script",
        "Execute Forest Update Script",
    ),
    ("DS-Install-Replica", "Add/Remove Replica In Domain"),
    ("DS-Query-Self-Quota", "Query Self Quota"),
    (
        "Generate-RSoP-Logging",
        "Generate Resultant Set of Policy (Logging)",
    ),
    (
        "Generate-RSoP-Planning",
        "Generate Resultant Set of Policy (Planning)",
    ),
    (
        "Manage-Optional-Features",
        "Manage Optional Features for Active Directory",
    ),
    ("msmq-Open-Connector", "Open Connector Queue"),
    ("msmq-Peek", "Peek Message"),
    ("msmq-Peek-computer-Journal", "Peek Computer Journal"),
    ("msmq-Peek-Dead-Letter", "Peek Dead Letter"),
    ("msmq-Receive", "Receive Message"),
    ("msmq-Receive-computer-Journal", "Receive Computer Journal"),
    ("msmq-Receive-Dead-Letter", "Receive Dead Letter"),
    ("msmq-Receive-journal", "Receive Journal"),
    ("msmq-Send", "Send Message"),
    ("Open-Address-Book", "Open Address List"),
    ("Refresh-Group-Cache", "Refresh Group Cache for Logons"),
    ("Reload-SSL-Certificate", "Reload SSL/TLS Certificate"),
    ("SAM-Enumerate-Entire-Domain", "Enumerate Entire SAM Domain"),
];

/// Why a right in the spec could not be resolved; each says what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RightError {
    #[error("`{word}` is a property set; say `Read {name}` or `Write {name}`")]
    PropertySet { word: String, name: String },
    #[error(
        "`{0}` is not an extended right's GUID; for an attribute say `Read {0}` or `Write {0}`"
    )]
    NotARightGuid(String),
    #[error("unknown right `{word}`: {why}; {next}")]
    Unknown {
        word: String,
        why: String,
        /// "did you mean ..." or the forms a right can take.
        next: String,
    },
}

/// The schema's attributes and classes and the extended rights, by every name ADUC and
/// the spec may use.
///
/// Entries come from the directory ([`Schema::add`]) or, to name the GUIDs of ACEs read
/// from objects, from the compiled-in base schema ([`Schema::add_catalogued`]). Those
/// only name: the spec's words, its GUIDs and `has_*_guid` resolve against what the
/// directory returned, since a forest may lack an entry the catalogue holds.
#[derive(Default)]
pub struct Schema {
    /// By lower-case lDAPDisplayName, cn, and cn with spaces.
    attributes: HashMap<String, SchemaObject>,
    classes: HashMap<String, SchemaObject>,
    attribute_by_guid: HashMap<Guid, SchemaObject>,
    class_by_guid: HashMap<Guid, SchemaObject>,
    /// An attribute's property set, by the attribute's schemaIDGUID.
    property_sets: HashMap<Guid, Guid>,
    rights: Vec<ExtendedRight>,
    /// Whether every attribute, class and extended right was read: when not, a lookup
    /// that misses may be the partial read's doing, not the spec's.
    complete: bool,
}

/// What a partial [`Schema`] must hold for some lookups to answer as the whole schema
/// would: every name a right word, a class name or a GUID may resolve through. Keyed by
/// lower case (the directory compares these names ignoring case).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lookups {
    names: BTreeMap<String, String>,
    /// GUIDs the directory must hold (the spec's, the connector catalogue's).
    guids: BTreeSet<Guid>,
    /// GUIDs found on ACEs the directory returned: they only need a name, which the
    /// compiled-in base schema may give without a search.
    seen: BTreeSet<Guid>,
}

impl Lookups {
    /// A right as a spec writes it (`Reset password`, `Write pwdLastSet`,
    /// `Create User objects`, a GUID): each name [`Schema::right`] may look it up by.
    pub fn right(&mut self, word: &str) {
        let w = word.trim();
        if generic_right(w).is_some() {
            return;
        }
        self.name(w);
        for prefix in ["read ", "write "] {
            if let Some(rest) = strip_prefix_ignore_case(w, prefix) {
                self.name(rest);
            }
        }
        for prefix in ["create ", "delete "] {
            if let Some(class) = strip_prefix_ignore_case(w, prefix)
                .and_then(|r| strip_suffix_ignore_case(r, " objects"))
            {
                self.name(class);
            }
        }
    }

    /// A class by LDAP name, cn, or cn with spaces (`Organizational Unit`).
    pub fn class(&mut self, name: &str) {
        self.name(name);
    }

    /// A GUID that must resolve against the directory itself.
    pub fn guid(&mut self, g: Guid) {
        self.guids.insert(g);
    }

    /// A GUID found on an ACE the directory returned, to be named.
    pub fn seen(&mut self, g: Guid) {
        self.seen.insert(g);
    }

    fn name(&mut self, name: &str) {
        let name = name.trim();
        match name.parse::<Guid>() {
            Ok(g) => self.guid(g),
            Err(_) if !name.is_empty() => {
                self.names
                    .entry(name.to_lowercase())
                    .or_insert_with(|| name.to_string());
            }
            Err(_) => {}
        }
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty() && self.guids.is_empty() && self.seen.is_empty()
    }

    /// What `self` asks that `asked` did not.
    pub fn minus(&self, asked: &Lookups) -> Lookups {
        Lookups {
            names: self
                .names
                .iter()
                .filter(|(k, _)| !asked.names.contains_key(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            guids: self.guids.difference(&asked.guids).copied().collect(),
            // What was asked to resolve was named too.
            seen: self
                .seen
                .iter()
                .filter(|g| !asked.seen.contains(g) && !asked.guids.contains(g))
                .copied()
                .collect(),
        }
    }

    pub fn extend(&mut self, other: Lookups) {
        for (k, v) in other.names {
            self.names.entry(k).or_insert(v);
        }
        self.guids.extend(other.guids);
        self.seen.extend(other.seen);
    }

    /// The names as written (first spelling seen).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.values().map(String::as_str)
    }

    /// The GUIDs to resolve against the directory.
    pub fn guids(&self) -> impl Iterator<Item = Guid> + '_ {
        self.guids.iter().copied()
    }

    /// The GUIDs only to name.
    pub fn seen_guids(&self) -> impl Iterator<Item = Guid> + '_ {
        self.seen.iter().copied()
    }

    /// Keeps only the seen GUIDs for which `keep` is true.
    pub fn retain_seen(&mut self, keep: impl FnMut(&Guid) -> bool) {
        self.seen.retain(keep);
    }
}

/// The `cn`s an extended right called `name` may have: the name with hyphens for spaces
/// (`User-Force-Change-Password`), and the `cn` Windows shows under that name.
pub fn right_cns(name: &str) -> Vec<String> {
    let mut out = vec![name.replace(' ', "-")];
    out.extend(
        WINDOWS_RIGHT_NAMES
            .iter()
            .filter(|(_, n)| n.eq_ignore_ascii_case(name))
            .map(|(cn, _)| cn.to_string()),
    );
    out
}

/// `text` without `prefix` when it starts with it, ignoring ASCII case. Slices the
/// original text at a char boundary (never at an offset taken from a lower-cased copy,
/// whose byte length can differ).
fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &text[..cut])
}

impl Schema {
    /// The whole schema and every extended right.
    pub fn new(objects: Vec<SchemaEntry>, rights: Vec<RightEntry>) -> Schema {
        let mut schema = Schema::default();
        schema.add(objects, rights);
        schema.complete = true;
        schema
    }

    /// Nothing yet: entries come with [`Schema::add`].
    pub fn partial() -> Schema {
        Schema::default()
    }

    /// Whether every entry was read, so a lookup that misses means the name is not there.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Adds entries the directory returned (those already held are kept as they are,
    /// except ones only the catalogue had named: the directory's take their place).
    pub fn add(&mut self, objects: Vec<SchemaEntry>, rights: Vec<RightEntry>) {
        self.insert(objects, rights, false);
    }

    /// Adds entries of the compiled-in base schema, to name GUIDs found on ACEs (see
    /// [`Schema`]): held as the directory's would be, but no spec word resolves to them.
    pub fn add_catalogued(&mut self, objects: Vec<SchemaEntry>, rights: Vec<RightEntry>) {
        self.insert(objects, rights, true);
    }

    fn insert(&mut self, objects: Vec<SchemaEntry>, rights: Vec<RightEntry>, catalogued: bool) {
        let schema = self;
        for e in objects {
            let obj = SchemaObject {
                ldap_name: e.ldap_name.clone(),
                display: e.cn.replace('-', " "),
                guid: e.guid,
                catalogued,
            };
            let (by_name, by_guid) = if e.is_class {
                (&mut schema.classes, &mut schema.class_by_guid)
            } else {
                (&mut schema.attributes, &mut schema.attribute_by_guid)
            };
            if !catalogued {
                for key in [
                    e.ldap_name.to_lowercase(),
                    e.cn.to_lowercase(),
                    e.cn.replace('-', " ").to_lowercase(),
                ] {
                    by_name.entry(key).or_insert_with(|| obj.clone());
                }
            }
            match by_guid.entry(e.guid) {
                Entry::Occupied(mut held) if held.get().catalogued && !catalogued => {
                    held.insert(obj);
                }
                Entry::Occupied(_) => {}
                Entry::Vacant(v) => {
                    v.insert(obj);
                }
            }
            if let (false, Some(set)) = (e.is_class, e.property_set) {
                if catalogued {
                    schema.property_sets.entry(e.guid).or_insert(set);
                } else {
                    schema.property_sets.insert(e.guid, set);
                }
            }
        }
        for r in rights {
            // Rights may share a GUID (Validated-DNS-Host-Name and DNS-Host-Name-Attributes):
            // each is its own entry, whatever order the DC returned them in.
            let held = schema
                .rights
                .iter()
                .position(|x| x.guid == r.guid && x.cn.eq_ignore_ascii_case(&r.cn));
            if held.is_some_and(|i| !schema.rights[i].catalogued || catalogued) {
                continue;
            }
            let windows = WINDOWS_RIGHT_NAMES
                .iter()
                .find(|(c, _)| c.eq_ignore_ascii_case(&r.cn))
                .map(|(_, n)| n.to_string());
            let right = ExtendedRight {
                display: windows
                    .or_else(|| r.display_name.clone())
                    .unwrap_or_else(|| r.cn.replace('-', " ")),
                directory_display: r.display_name,
                cn: r.cn,
                guid: r.guid,
                valid_accesses: r.valid_accesses,
                catalogued,
            };
            match held {
                Some(i) => schema.rights[i] = right,
                None => schema.rights.push(right),
            }
        }
    }

    pub fn counts(&self) -> (usize, usize, usize) {
        (
            self.attribute_by_guid.len(),
            self.class_by_guid.len(),
            self.rights.len(),
        )
    }

    /// Resolves one right in ADUC's words (or a GUID). The error names it, says what was
    /// expected and suggests a close name.
    pub fn right(&self, word: &str) -> Result<Right, RightError> {
        let w = word.trim();
        if let Some(m) = generic_right(w) {
            return Ok(Right {
                mask: m,
                object_type: None,
            });
        }
        if let Some(r) = self.extended_right(w) {
            if r.is_property_set() {
                return Err(RightError::PropertySet {
                    word: w.to_string(),
                    name: r.display.clone(),
                });
            }
            return Ok(Right {
                mask: r.mask(),
                object_type: Some(r.guid),
            });
        }
        for (prefix, m) in [("read ", mask::READ_PROP), ("write ", mask::WRITE_PROP)] {
            if let Some(rest) = strip_prefix_ignore_case(w, prefix) {
                if let Some(r) = self.extended_right(rest).filter(|r| r.is_property_set()) {
                    return Ok(Right {
                        mask: m,
                        object_type: Some(r.guid),
                    });
                }
                if let Some(a) = self.attribute(rest) {
                    return Ok(Right {
                        mask: m,
                        object_type: Some(a.guid),
                    });
                }
                return Err(self.unknown(
                    w,
                    &format!("no attribute or property set named `{rest}` in the schema"),
                ));
            }
        }
        for (prefix, m) in [
            ("create ", mask::CREATE_CHILD),
            ("delete ", mask::DELETE_CHILD),
        ] {
            if let Some(class) = strip_prefix_ignore_case(w, prefix)
                .and_then(|r| strip_suffix_ignore_case(r, " objects"))
            {
                return match self.class(class) {
                    Some(c) => Ok(Right {
                        mask: m,
                        object_type: Some(c.guid),
                    }),
                    None => {
                        Err(self.unknown(w, &format!("no class named `{class}` in the schema")))
                    }
                };
            }
        }
        if let Ok(g) = w.parse::<Guid>() {
            return match self
                .directory_rights()
                .find(|r| r.guid == g && !r.is_property_set())
            {
                Some(r) => Ok(Right {
                    mask: r.mask(),
                    object_type: Some(g),
                }),
                _ => Err(RightError::NotARightGuid(w.to_string())),
            };
        }
        Err(self.unknown(w, "not a right hybridctl knows"))
    }

    fn extended_right(&self, name: &str) -> Option<&ExtendedRight> {
        let name = name.trim();
        self.directory_rights().find(|r| r.named(name))
    }

    /// The extended rights the directory returned (not those only the catalogue named).
    fn directory_rights(&self) -> impl Iterator<Item = &ExtendedRight> {
        self.rights.iter().filter(|r| !r.catalogued)
    }

    fn attribute(&self, name: &str) -> Option<&SchemaObject> {
        match name.parse::<Guid>() {
            Ok(g) => self.attribute_by_guid.get(&g).filter(|a| !a.catalogued),
            Err(_) => self.attributes.get(&name.trim().to_lowercase()),
        }
    }

    fn class(&self, name: &str) -> Option<&SchemaObject> {
        match name.parse::<Guid>() {
            Ok(g) => self.class_by_guid.get(&g).filter(|c| !c.catalogued),
            Err(_) => self.classes.get(&name.trim().to_lowercase()),
        }
    }

    pub fn class_guid(&self, name: &str) -> Option<Guid> {
        self.class(name).map(|c| c.guid)
    }

    /// Whether the directory knows an extended right (or property set) with this rightsGuid.
    pub fn has_right_guid(&self, g: Guid) -> bool {
        self.directory_rights().any(|r| r.guid == g)
    }

    /// Whether the schema has an attribute with this schemaIDGUID.
    pub fn has_attribute_guid(&self, g: Guid) -> bool {
        self.attribute_by_guid
            .get(&g)
            .is_some_and(|a| !a.catalogued)
    }

    /// Whether the schema has a class with this schemaIDGUID.
    pub fn has_class_guid(&self, g: Guid) -> bool {
        self.class_by_guid.get(&g).is_some_and(|c| !c.catalogued)
    }

    /// The property set (attributeSecurityGUID) of the attribute `attribute`, if any.
    pub fn property_set_of(&self, attribute: Guid) -> Option<Guid> {
        self.property_sets.get(&attribute).copied()
    }

    /// Class names, for suggestions.
    pub fn class_names(&self) -> impl Iterator<Item = &str> {
        self.class_by_guid
            .values()
            .filter(|c| !c.catalogued)
            .map(|c| c.display.as_str())
    }

    fn unknown(&self, word: &str, why: &str) -> RightError {
        let mut candidates: Vec<String> =
            GENERIC_RIGHTS.iter().map(|(n, _)| n.to_string()).collect();
        candidates.extend(self.directory_rights().map(|r| r.display.clone()));
        for verb in ["Read ", "Write "] {
            if strip_prefix_ignore_case(word, verb).is_some() {
                let verb = &word[..verb.len()];
                candidates.extend(
                    self.attribute_by_guid
                        .values()
                        .filter(|a| !a.catalogued)
                        .map(|a| format!("{verb}{}", a.ldap_name)),
                );
            }
        }
        for verb in ["Create ", "Delete "] {
            if strip_prefix_ignore_case(word, verb).is_some() {
                let verb = &word[..verb.len()];
                candidates.extend(
                    self.class_by_guid
                        .values()
                        .filter(|c| !c.catalogued)
                        .map(|c| format!("{verb}{} objects", c.display)),
                );
            }
        }
        let next = match suggest::closest(word, candidates.iter().map(String::as_str)) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "expected an extended right (`Reset password`), `Read <attribute>`, `Write <attribute>`, \
                 `Create <class> objects`, `Delete <class> objects`, or a generic right (`Full control`, `Read`, ...)"
                .to_string(),
        };
        RightError::Unknown {
            word: word.to_string(),
            why: why.to_string(),
            next,
        }
    }

    /// ADUC's words for an ACE's mask and object type, e.g. `Write pwdLastSet`.
    pub fn right_words(&self, m: u32, object_type: Option<Guid>) -> Vec<String> {
        let Some(g) = object_type else {
            return generic_words(m);
        };
        let mut words = Vec::new();
        let mut rest = m;
        let mut take = |bits: u32, word: String, words: &mut Vec<String>| {
            if rest & bits != 0 {
                words.push(word);
                rest &= !bits;
            }
        };
        // One GUID may name rights, an attribute and a class at once (Self-Membership and
        // `member`, Validated-SPN and `servicePrincipalName`): each takes the mask bits it
        // stands for, rights in cn order so that the words never depend on the DC's order.
        let mut rights: Vec<&ExtendedRight> = self.rights.iter().filter(|r| r.guid == g).collect();
        rights.sort_by(|a, b| a.cn.cmp(&b.cn));
        for r in rights {
            if r.is_property_set() {
                take(mask::READ_PROP, format!("Read {}", r.display), &mut words);
                take(mask::WRITE_PROP, format!("Write {}", r.display), &mut words);
            } else {
                take(
                    mask::CONTROL_ACCESS | mask::SELF_WRITE,
                    r.display.clone(),
                    &mut words,
                );
            }
        }
        if let Some(a) = self.attribute_by_guid.get(&g) {
            take(mask::READ_PROP, format!("Read {}", a.ldap_name), &mut words);
            take(
                mask::WRITE_PROP,
                format!("Write {}", a.ldap_name),
                &mut words,
            );
        }
        if let Some(c) = self.class_by_guid.get(&g) {
            take(
                mask::CREATE_CHILD,
                format!("Create {} objects", c.display),
                &mut words,
            );
            take(
                mask::DELETE_CHILD,
                format!("Delete {} objects", c.display),
                &mut words,
            );
        }
        if rest != 0 {
            let mut generic = generic_words(rest);
            if words.is_empty() {
                generic = generic.into_iter().map(|w| format!("{w} ({g})")).collect();
            }
            words.extend(generic);
        }
        words
    }

    pub fn class_display(&self, g: Guid) -> String {
        self.class_by_guid
            .get(&g)
            .map(|c| c.display.clone())
            .unwrap_or_else(|| g.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // GUIDs as MS-ADTS lists them (the lab's DC returns the same).
    const PWD_LAST_SET: &str = "bf967a0a-0de6-11d0-a285-00aa003049e2";
    const USER: &str = "bf967aba-0de6-11d0-a285-00aa003049e2";
    const RESET: &str = "00299570-246d-11d0-a768-00aa006e0529";
    const LOGON_INFO: &str = "5f202010-79a5-11d0-9020-00c04fc2d4cf";

    fn schema() -> Schema {
        let g = |s: &str| s.parse::<Guid>().unwrap();
        Schema::new(
            vec![
                SchemaEntry {
                    ldap_name: "pwdLastSet".into(),
                    cn: "Pwd-Last-Set".into(),
                    guid: g(PWD_LAST_SET),
                    is_class: false,
                    property_set: None,
                },
                SchemaEntry {
                    ldap_name: "user".into(),
                    cn: "User".into(),
                    guid: g(USER),
                    is_class: true,
                    property_set: None,
                },
            ],
            vec![
                RightEntry {
                    cn: "User-Force-Change-Password".into(),
                    display_name: Some("User Force Change Password".into()),
                    guid: g(RESET),
                    valid_accesses: mask::CONTROL_ACCESS,
                },
                RightEntry {
                    cn: "User-Logon".into(),
                    display_name: Some("Logon Information".into()),
                    guid: g(LOGON_INFO),
                    valid_accesses: mask::READ_PROP | mask::WRITE_PROP,
                },
            ],
        )
    }

    #[test]
    fn aduc_words_resolve_to_masks_and_guids() {
        let s = schema();
        let reset = s.right("Reset password").unwrap();
        assert_eq!(reset.mask, mask::CONTROL_ACCESS);
        assert_eq!(reset.object_type.unwrap().to_string(), RESET);
        // Samba's own displayName is accepted too.
        assert_eq!(s.right("User Force Change Password").unwrap(), reset);
        let write = s.right("write PWDLASTSET").unwrap();
        assert_eq!(write.mask, mask::WRITE_PROP);
        assert_eq!(write.object_type.unwrap().to_string(), PWD_LAST_SET);
        assert_eq!(
            s.right("Read Logon Information").unwrap().mask,
            mask::READ_PROP
        );
        assert_eq!(
            s.right("Create User objects").unwrap().mask,
            mask::CREATE_CHILD
        );
        assert_eq!(s.right("Full control").unwrap().object_type, None);
        assert_eq!(s.right(RESET).unwrap(), reset);
    }

    #[test]
    fn mistakes_say_what_was_expected() {
        let s = schema();
        assert!(matches!(
            s.right("Logon Information"),
            Err(RightError::PropertySet { .. })
        ));
        let e = s.right("Reset pasword").unwrap_err().to_string();
        assert!(e.contains("did you mean `Reset Password`?"), "{e}");
        let e = s.right("Write pwdLastSt").unwrap_err().to_string();
        assert!(e.contains("did you mean `Write pwdLastSet`?"), "{e}");
        let e = s.right("Create Usr objects").unwrap_err().to_string();
        assert!(e.contains("no class named `Usr`"), "{e}");
        assert!(matches!(
            s.right(PWD_LAST_SET),
            Err(RightError::NotARightGuid(_))
        ));
    }

    #[test]
    fn masks_read_back_as_aduc_words() {
        let s = schema();
        let g = |x: &str| Some(x.parse::<Guid>().unwrap());
        assert_eq!(
            s.right_words(mask::CONTROL_ACCESS, g(RESET)),
            ["Reset Password"]
        );
        assert_eq!(
            s.right_words(mask::READ_PROP | mask::WRITE_PROP, g(PWD_LAST_SET)),
            ["Read pwdLastSet", "Write pwdLastSet"]
        );
        assert_eq!(
            s.right_words(mask::WRITE_PROP, g(LOGON_INFO)),
            ["Write Logon Information"]
        );
        assert_eq!(s.class_display(USER.parse().unwrap()), "User");
    }

    #[test]
    fn lookups_name_what_each_word_may_resolve_through() {
        let mut l = Lookups::default();
        for w in [
            "Reset password",
            "Write pwdLastSet",
            "read Logon Information",
            "Create Organizational Unit objects",
            "Full control",
            RESET,
            "  write PWDLASTSET ",
        ] {
            l.right(w);
        }
        l.class("User");
        let names: Vec<&str> = l.names().collect();
        assert_eq!(
            names,
            [
                "Create Organizational Unit objects",
                "Logon Information",
                "Organizational Unit",
                "pwdLastSet",
                "read Logon Information",
                "Reset password",
                "User",
                "Write pwdLastSet",
            ]
        );
        assert_eq!(
            l.guids().map(|g| g.to_string()).collect::<Vec<_>>(),
            [RESET]
        );
        // A generic right needs nothing from the directory.
        let mut generic = Lookups::default();
        generic.right("Full control");
        assert!(generic.is_empty());
    }

    #[test]
    fn lookups_minus_leaves_only_what_was_not_asked() {
        let mut asked = Lookups::default();
        asked.right("Write pwdLastSet");
        let mut wanted = Lookups::default();
        wanted.right("WRITE PWDLASTSET");
        wanted.class("User");
        let new = wanted.minus(&asked);
        assert_eq!(new.names().collect::<Vec<_>>(), ["User"]);
        asked.extend(new);
        assert!(wanted.minus(&asked).is_empty());
    }

    #[test]
    fn a_right_shown_under_its_windows_name_is_asked_by_its_cn() {
        assert_eq!(
            right_cns("reset password"),
            ["reset-password", "User-Force-Change-Password"]
        );
        assert_eq!(
            right_cns("Logon Information"),
            ["Logon-Information", "User-Logon"]
        );
    }

    #[test]
    fn a_partial_schema_answers_like_the_whole_for_what_it_holds() {
        let whole = schema();
        let mut part = Schema::partial();
        assert!(!part.is_complete() && whole.is_complete());
        let g = |s: &str| s.parse::<Guid>().unwrap();
        part.add(
            vec![SchemaEntry {
                ldap_name: "pwdLastSet".into(),
                cn: "Pwd-Last-Set".into(),
                guid: g(PWD_LAST_SET),
                is_class: false,
                property_set: Some(g(LOGON_INFO)),
            }],
            vec![],
        );
        let reset = RightEntry {
            cn: "User-Force-Change-Password".into(),
            display_name: Some("User Force Change Password".into()),
            guid: g(RESET),
            valid_accesses: mask::CONTROL_ACCESS,
        };
        // Learned twice (two searches may both return it): held once.
        part.add(vec![], vec![reset.clone()]);
        part.add(vec![], vec![reset]);
        assert_eq!(part.counts(), (1, 0, 1));
        assert_eq!(
            part.right("Write pwdLastSet").unwrap(),
            whole.right("Write pwdLastSet").unwrap()
        );
        assert_eq!(
            part.right("Reset password").unwrap(),
            whole.right("Reset password").unwrap()
        );
        assert_eq!(part.property_set_of(g(PWD_LAST_SET)), Some(g(LOGON_INFO)));
        assert!(part.right("Create User objects").is_err());
        assert!(!part.is_complete());
    }

    #[test]
    fn catalogued_entries_name_ace_guids_as_the_directorys_would() {
        let g = |s: &str| s.parse::<Guid>().unwrap();
        let whole = schema();
        let mut part = Schema::partial();
        let user = SchemaEntry {
            ldap_name: "user".into(),
            cn: "User".into(),
            guid: g(USER),
            is_class: true,
            property_set: None,
        };
        let pwd = SchemaEntry {
            ldap_name: "pwdLastSet".into(),
            cn: "Pwd-Last-Set".into(),
            guid: g(PWD_LAST_SET),
            is_class: false,
            property_set: Some(g(LOGON_INFO)),
        };
        let reset = RightEntry {
            cn: "User-Force-Change-Password".into(),
            display_name: Some("User Force Change Password".into()),
            guid: g(RESET),
            valid_accesses: mask::CONTROL_ACCESS,
        };
        part.add_catalogued(vec![user.clone(), pwd.clone()], vec![reset.clone()]);
        let words = |s: &Schema| {
            (
                s.right_words(mask::CONTROL_ACCESS, Some(g(RESET))),
                s.right_words(mask::WRITE_PROP, Some(g(PWD_LAST_SET))),
                s.class_display(g(USER)),
            )
        };
        assert_eq!(words(&part), words(&whole));
        assert_eq!(words(&part).0, ["Reset Password"]);
        assert_eq!(part.property_set_of(g(PWD_LAST_SET)), Some(g(LOGON_INFO)));
        // The spec's words and GUIDs, and presence, answer only from the directory.
        assert!(part.right("Reset password").is_err());
        assert!(part.right(RESET).is_err());
        assert!(part.right("Write pwdLastSet").is_err());
        assert!(part.right("Create User objects").is_err());
        assert_eq!(part.class_guid(USER), None);
        assert!(!part.has_right_guid(g(RESET)));
        assert!(!part.has_attribute_guid(g(PWD_LAST_SET)));
        assert!(!part.has_class_guid(g(USER)));
        assert_eq!(part.class_names().count(), 0);
        // Once the directory returns them, they answer for the spec as well.
        part.add(vec![user, pwd], vec![reset]);
        assert_eq!(part.counts(), (1, 1, 1));
        assert_eq!(
            part.right("Reset password").unwrap(),
            whole.right("Reset password").unwrap()
        );
        assert_eq!(part.right(RESET).unwrap(), whole.right(RESET).unwrap());
        assert!(part.right("Write pwdLastSet").is_ok());
        assert!(part.has_right_guid(g(RESET)));
        assert!(part.has_attribute_guid(g(PWD_LAST_SET)));
        assert!(part.has_class_guid(g(USER)));
        assert_eq!(words(&part), words(&whole));
    }

    /// Regression (a fresh lab's DC returned the two rights of 72e39547-... in the other
    /// order, and the plan named the GUID after whichever came first): rights sharing a
    /// GUID are each kept, and each names the mask bits it stands for, in any order.
    #[test]
    fn rights_sharing_a_guid_each_name_their_own_bits_in_any_order() {
        let g = |s: &str| s.parse::<Guid>().unwrap();
        let dns = "72e39547-7b18-11d1-adef-00c04fd8d5cd";
        let validated = RightEntry {
            cn: "Validated-DNS-Host-Name".into(),
            display_name: Some("Validated DNS Host Name".into()),
            guid: g(dns),
            valid_accesses: mask::SELF_WRITE,
        };
        let set = RightEntry {
            cn: "DNS-Host-Name-Attributes".into(),
            display_name: Some("DNS Host Name Attributes".into()),
            guid: g(dns),
            valid_accesses: mask::READ_PROP | mask::WRITE_PROP,
        };
        let both = [
            vec![validated.clone(), set.clone()],
            vec![set.clone(), validated.clone()],
        ];
        for rights in both {
            let mut from_dc = Schema::partial();
            from_dc.add(vec![], rights.clone());
            let mut named = Schema::partial();
            named.add_catalogued(vec![], rights.clone());
            for s in [&from_dc, &named] {
                assert_eq!(
                    s.right_words(mask::SELF_WRITE, Some(g(dns))),
                    ["Validated write to DNS host name"]
                );
                assert_eq!(
                    s.right_words(mask::READ_PROP | mask::SELF_WRITE, Some(g(dns))),
                    [
                        "Read DNS Host Name Attributes",
                        "Validated write to DNS host name"
                    ]
                );
            }
            named.add(vec![], rights);
            assert_eq!(named.counts(), from_dc.counts());
            assert_eq!(from_dc.counts().2, 2);
            assert!(named.has_right_guid(g(dns)));
            // The GUID as a spec's right is the validated write, never the property set.
            assert_eq!(
                from_dc.right(dns).unwrap(),
                Right {
                    mask: mask::SELF_WRITE,
                    object_type: Some(g(dns))
                }
            );
        }
    }

    /// `member` and Self-Membership share bf9679c0-...: writing the attribute reads as
    /// `Write member`, the validated write as `Add/Remove self as member` (Windows' words).
    #[test]
    fn an_attribute_and_a_right_sharing_a_guid_each_name_their_bits() {
        let g = |s: &str| s.parse::<Guid>().unwrap();
        let member = "bf9679c0-0de6-11d0-a285-00aa003049e2";
        let mut s = Schema::partial();
        s.add(
            vec![SchemaEntry {
                ldap_name: "member".into(),
                cn: "Member".into(),
                guid: g(member),
                is_class: false,
                property_set: None,
            }],
            vec![RightEntry {
                cn: "Self-Membership".into(),
                display_name: Some("Add/Remove self as member".into()),
                guid: g(member),
                valid_accesses: mask::SELF_WRITE,
            }],
        );
        assert_eq!(
            s.right_words(mask::WRITE_PROP, Some(g(member))),
            ["Write member"]
        );
        assert_eq!(
            s.right_words(mask::WRITE_PROP | mask::SELF_WRITE, Some(g(member))),
            ["Add/Remove self as member", "Write member"]
        );
    }

    /// Samba's entry for the right `cn`, as the compiled-in catalogue holds it.
    fn samba_right(cn: &str) -> RightEntry {
        crate::ad::base_schema::all()
            .into_iter()
            .find_map(|e| match e {
                crate::ad::base_schema::Entry::Right(r) if r.cn == cn => Some(r),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{cn} is in base_schema.tsv"))
    }

    /// ACEs read from a Windows DC are named from the catalogue (Samba's `displayName`):
    /// where Samba's differs, even by case alone, the right still reads in Windows' words.
    #[test]
    fn a_catalogued_right_reads_in_windows_words_not_sambas() {
        let cases = [
            ("Certificate-Enrollment", "Certificate Enrollment", "Enroll"),
            (
                "DS-Replication-Monitor-Topology",
                "DS Replication Monitor Topology",
                "Monitor Active Directory Replication",
            ),
            ("msmq-Send", "msmq Send", "Send Message"),
            (
                "Reload-SSL-Certificate",
                "Reload SSL Certificate",
                "Reload SSL/TLS Certificate",
            ),
            (
                "SAM-Enumerate-Entire-Domain",
                "SAM Enumerate Entire Domain",
                "Enumerate Entire SAM Domain",
            ),
            (
                "Allowed-To-Authenticate",
                "Allowed To Authenticate",
                "Allowed to Authenticate",
            ),
            (
                "Self-Membership",
                "Self Membership",
                "Add/Remove self as member",
            ),
        ];
        for (cn, samba, windows) in cases {
            let r = samba_right(cn);
            assert_eq!(r.display_name.as_deref(), Some(samba), "{cn}");
            let g = r.guid;
            let mut s = Schema::partial();
            s.add_catalogued(vec![], vec![r]);
            assert_eq!(
                s.right_words(mask::CONTROL_ACCESS | mask::SELF_WRITE, Some(g)),
                [windows],
                "{cn}"
            );
        }
        // A right whose Windows name is Samba's (Sch60.ldf) keeps it.
        let r = samba_right("DS-Set-Owner");
        let g = r.guid;
        let mut s = Schema::partial();
        s.add_catalogued(vec![], vec![r]);
        assert_eq!(
            s.right_words(mask::CONTROL_ACCESS, Some(g)),
            ["Set Owner of an object during creation."]
        );
    }

    /// A misspelt `cn` in the table would silently never apply.
    #[test]
    fn every_windows_name_is_for_a_right_of_the_catalogue() {
        let cns: Vec<String> = crate::ad::base_schema::all()
            .into_iter()
            .filter_map(|e| match e {
                crate::ad::base_schema::Entry::Right(r) => Some(r.cn),
                _ => None,
            })
            .collect();
        for (cn, _) in WINDOWS_RIGHT_NAMES {
            assert!(
                cns.iter().any(|c| c == cn),
                "{cn} is not in base_schema.tsv"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// Lower-casing can change a string's byte length (`ẞ` -> `ß`), so any offset
        /// taken from a lower-cased copy may fall inside a character of the original.
        #[test]
        fn any_unicode_right_name_is_answered_without_panicking(
            verb in prop::sample::select(vec!["", "Read ", "write ", "Create ", "DELETE ", "ẞ", "İ"]),
            rest in "\\PC{0,12}",
            tail in prop::sample::select(vec!["", " objects", " OBJECTS", "ẞ"]),
        ) {
            let s = schema();
            let _ = s.right(&format!("{verb}{rest}{tail}"));
        }
    }
}
